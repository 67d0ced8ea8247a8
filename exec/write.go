package exec

import (
	"context"
	"errors"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// writeCells turns batches bound for one frame into cells in storage, sized
// by the frame's options and this node's bee budget (leafcutter). The cells
// become part of the frame only when the transaction that adds them commits;
// until then, and for ever if it fails, they are orphans no snapshot sees.
func (s *Session) writeCells(ctx context.Context, t *txn.Txn, prefix string, md *txn.Metadata, batches []*vec.Batch) ([]txn.AddCell, error) {
	schema, err := cell.NewSchema(md.Columns, md.PartitionBy)
	if err != nil {
		return nil, err
	}
	target, err := cell.TargetFromOptions(md.Options, s.eng.cfg.BeeMemory)
	if err != nil {
		return nil, err
	}
	w, err := cell.NewWriter(s.eng.store, prefix, schema, cell.WriterOptions{TxnID: t.ID(), TargetCellBytes: target})
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		if err := w.Write(ctx, b); err != nil {
			return nil, errors.Join(err, w.Abort(ctx))
		}
	}
	cells, err := w.Close(ctx)
	if err != nil {
		return nil, errors.Join(err, w.Abort(ctx))
	}
	return cells, nil
}
