package exec

import (
	"context"
	"sync/atomic"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/objstore"
)

// The engine's running totals, which the node's metrics read at each
// scrape (internal/metrics, wired by cmd/apiary).

// StatementsStarted returns how many statements the engine has started.
func (e *Engine) StatementsStarted() int64 { return e.activity.lastID.Load() }

// MemoryInUse returns the bytes the running statements' operators hold in
// their memory accounts now.
func (e *Engine) MemoryInUse() int64 {
	used, _ := e.activity.memoryInUse()
	return used
}

// ScanStats are what the engine's scans have read since it started.
type ScanStats struct {
	// Bytes counts the bytes of cells scans read from storage: footers
	// and the column chunks of the row groups read.
	Bytes int64
	// Rows are the rows scans returned; the cells and row groups are
	// those read and those skipped by their statistics.
	Rows, CellsScanned, CellsPruned, RowGroupsScanned, RowGroupsPruned int64
}

// ScanStats returns the totals of every scan so far.
func (e *Engine) ScanStats() ScanStats {
	t := &e.scans.totals
	return ScanStats{
		Bytes: e.scans.bytes.Load(), Rows: t.Rows.Load(),
		CellsScanned: t.CellsScanned.Load(), CellsPruned: t.CellsPruned.Load(),
		RowGroupsScanned: t.RowGroupsScanned.Load(), RowGroupsPruned: t.RowGroupsPruned.Load(),
	}
}

// scanStore is the store scans read cells through (plan.Table.Store): the
// engine's, with the bytes it returns counted. Counting per request
// rather than per row keeps it off the scans' hot loops.
type scanStore struct {
	objstore.Store
	bytes atomic.Int64
	// totals are what the scans read, counted by colexec per cell, row
	// group and batch (plan.Options.ScanTotals).
	totals colexec.ScanTotals
}

func (s *scanStore) Get(ctx context.Context, key string) ([]byte, error) {
	b, err := s.Store.Get(ctx, key)
	s.bytes.Add(int64(len(b)))
	return b, err
}

func (s *scanStore) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	b, err := s.Store.GetRange(ctx, key, offset, length)
	s.bytes.Add(int64(len(b)))
	return b, err
}

// GetRangeInto lets cell scans read row groups into reused buffers when
// the store below can (objstore.RangeIntoGetter).
func (s *scanStore) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	b, err := objstore.GetRangeInto(ctx, s.Store, key, offset, dst)
	s.bytes.Add(int64(len(b)))
	return b, err
}
