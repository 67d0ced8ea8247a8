package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// OPTIMIZE compacts a frame: in each partition, the cells smaller than half
// the target cell size (what many small INSERTs or COPYs leave behind) are
// read and rewritten as right-sized cells, in one commit that removes the
// old cells and adds the new ones with data_change = false (txn.Rewrite).
// Such a commit conflicts only with a concurrent removal of the same cells,
// so appends carry on during compaction; a TRUNCATE or another OPTIMIZE of
// the same cells makes one of the two fail with 40001. Readers of older
// snapshots still find the old cells: they stay in storage until garbage
// collection.

// parseOptimize reads OPTIMIZE [FRAME | TABLE] name.
func parseOptimize(sql string) (*tree.TableName, error) {
	l, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if !l.keyword("optimize") {
		return nil, l.syntaxError()
	}
	if !l.keyword("frame") {
		l.keyword("table")
	}
	tn, _, err := l.tableName()
	if err != nil {
		return nil, err
	}
	if err := l.atEnd(); err != nil {
		return nil, err
	}
	return tn, nil
}

// optimizeStats describes what one OPTIMIZE did, for the log.
type optimizeStats struct {
	CellsRemoved, CellsAdded int
	Rows                     int64
	BytesRemoved, BytesAdded int64
}

func (s *Session) optimize(ctx context.Context, tn *tree.TableName) (Result, error) {
	if s.txn != nil {
		// Like VACUUM: compaction is maintenance with its own commit, and
		// its cells would otherwise wait for (and conflict with) whatever
		// else the block does.
		return Result{}, sqlerr.New(sqlerr.ActiveSQLTransaction, "OPTIMIZE cannot run inside a transaction block")
	}
	t := s.eng.txns.Begin("OPTIMIZE")
	st, err := s.compact(ctx, t, tn)
	if err != nil {
		t.Abort()
		return Result{}, err
	}
	if st.CellsRemoved == 0 {
		t.Abort()
		return Result{Tag: "OPTIMIZE"}, nil
	}
	if _, err := t.Commit(ctx); err != nil {
		return Result{}, commitError(err)
	}
	s.eng.log.Info("optimized frame", "frame", tree.AsString(tn), "cells_removed", st.CellsRemoved,
		"cells_added", st.CellsAdded, "rows", st.Rows, "bytes_removed", st.BytesRemoved, "bytes_added", st.BytesAdded)
	return Result{Tag: "OPTIMIZE"}, nil
}

// compact rewrites the small cells of tn's partitions in t.
func (s *Session) compact(ctx context.Context, t *txn.Txn, tn *tree.TableName) (optimizeStats, error) {
	var st optimizeStats
	tgt, err := s.copyTarget(ctx, t, tn, nil)
	if err != nil {
		return st, err
	}
	target, err := cell.TargetFromOptions(tgt.md.Options, s.eng.cfg.BeeMemory)
	if err != nil {
		return st, err
	}
	groups := map[string][]txn.AddCell{}
	var order []string
	for _, c := range liveCells(tgt.snap, tgt.pending) {
		if c.Bytes >= target/2 {
			continue
		}
		k := partitionKey(c.Partition)
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], c)
	}
	var small []txn.AddCell
	for _, k := range order {
		if len(groups[k]) >= 2 { // one small cell alone has nothing to merge with
			small = append(small, groups[k]...)
		}
	}
	if len(small) == 0 {
		return st, nil
	}
	// One writer for all partitions: it routes rows by their partition
	// values (stored in the cells) and closes a cell at the target size.
	w, err := cell.NewWriter(s.eng.store, tgt.prefix, tgt.schema, cell.WriterOptions{TxnID: t.ID(), TargetCellBytes: target})
	if err != nil {
		return st, err
	}
	all := make([]int, len(tgt.schema.Columns))
	for i := range all {
		all[i] = i
	}
	prefix := strings.TrimSuffix(tgt.prefix, "/") + "/"
	var removed []string
	for _, c := range small {
		if err := ctx.Err(); err != nil {
			return st, errors.Join(err, w.Abort(ctx))
		}
		opened, err := cell.Open(ctx, s.eng.store, prefix+c.Path, c.Bytes, cell.OpenOptions{})
		if err != nil {
			return st, errors.Join(fmt.Errorf("exec: optimize %s: %w", tgt.name, err), w.Abort(ctx))
		}
		if len(opened.Schema().Columns) != len(all) {
			return st, errors.Join(fmt.Errorf("exec: optimize %s: cell %s has %d columns, the frame %d", tgt.name, c.Path, len(opened.Schema().Columns), len(all)), w.Abort(ctx))
		}
		err = opened.Scan(ctx, all, nil, cell.DefaultBatchSize, func(b *vec.Batch) error { return w.Write(ctx, b) })
		if err != nil {
			return st, errors.Join(fmt.Errorf("exec: optimize %s: %w", tgt.name, err), w.Abort(ctx))
		}
		removed = append(removed, c.Path)
		st.Rows += c.Rows
		st.BytesRemoved += c.Bytes
	}
	added, err := w.Close(ctx)
	if err != nil {
		return st, errors.Join(err, w.Abort(ctx))
	}
	var rows int64
	for _, a := range added {
		rows += a.Rows
		st.BytesAdded += a.Bytes
	}
	if rows != st.Rows {
		return st, errors.Join(sqlerr.New(sqlerr.InternalError, "internal error: OPTIMIZE of %s rewrote %d rows into %d", tgt.name, st.Rows, rows), w.Abort(ctx))
	}
	t.Rewrite(tgt.ledger, removed, added)
	st.CellsRemoved, st.CellsAdded = len(removed), len(added)
	return st, nil
}
