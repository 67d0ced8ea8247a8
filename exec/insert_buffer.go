package exec

import (
	"context"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// Inside a transaction block, INSERT ... VALUES rows are not written at
// once: they collect per frame and become cells when the block commits, when
// a statement other than such an INSERT runs (it may read the frame or
// replace it), or when a frame's rows reach its target cell size. A block
// of a thousand single-row INSERTs so commits one cell per frame, not a
// thousand (the leafcutter's rule: cells sized to a bee's budget).

// insertBuffer holds one frame's pending rows.
type insertBuffer struct {
	frame   catalog.FrameEntry
	md      *txn.Metadata
	ledger  *txn.Ledger
	batches []*vec.Batch
	bytes   int64
}

// bufferInsert queues batch for frame f in the open transaction block,
// flushing the frame when its rows reach the target cell size.
func (s *Session) bufferInsert(ctx context.Context, f catalog.FrameEntry, md *txn.Metadata, ledger *txn.Ledger, batch *vec.Batch) error {
	// Before the rows are queued: a failed INSERT leaves none of them.
	target, err := cell.TargetFromOptions(md.Options, s.eng.cfg.BeeMemory)
	if err != nil {
		return err
	}
	if s.bufTxn != s.txn {
		s.buffers, s.bufTxn = nil, s.txn
	}
	if s.buffers == nil {
		s.buffers = map[string]*insertBuffer{}
	}
	b := s.buffers[f.Prefix()]
	if b == nil {
		b = &insertBuffer{frame: f, md: md, ledger: ledger}
		s.buffers[f.Prefix()] = b
	}
	b.batches = append(b.batches, batch)
	for _, c := range batch.Cols {
		b.bytes += int64(batch.Len) * 8
		if k := c.Type.Kind; k == vec.KindText || k == vec.KindBytea {
			b.bytes += int64(len(c.Bytes().Data))
		}
	}
	if b.bytes >= target {
		return s.flushFrame(ctx, f.Prefix())
	}
	return nil
}

// flushFrame writes one frame's pending rows as cells of the transaction.
func (s *Session) flushFrame(ctx context.Context, prefix string) error {
	if s.bufTxn != s.txn || s.txn == nil {
		s.buffers = nil
		return nil
	}
	b := s.buffers[prefix]
	if b == nil {
		return nil
	}
	delete(s.buffers, prefix)
	cells, err := s.writeCells(ctx, s.txn, prefix, b.md, b.batches)
	if err != nil {
		return err
	}
	s.txn.AddCells(b.ledger, cells...)
	s.block.writes++ // a savepoint can no longer take these rows back
	return nil
}

// flushInserts writes every pending frame.
func (s *Session) flushInserts(ctx context.Context) error {
	if s.bufTxn != s.txn || s.txn == nil {
		s.buffers = nil
		return nil
	}
	for prefix := range s.buffers {
		if err := s.flushFrame(ctx, prefix); err != nil {
			return err
		}
	}
	return nil
}
