package colexec

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// ScanSource is the shared cursor of a frame scan: the cells a snapshot
// sees, pruned by ledger statistics and partition values before any is
// opened, handed out as morsels of one row group each, so that several bees
// can scan one frame together.
type ScanSource struct {
	store  objstore.Store
	prefix string
	schema *cell.Schema
	cols   []int
	ranges []cell.Range

	mu    sync.Mutex
	cells []txn.AddCell
	cur   *cell.Cell
	rg    int

	// Counters for EXPLAIN ANALYZE.
	CellsTotal, CellsPruned         int
	RowGroupsTotal, RowGroupsPruned atomic.Int64

	// totals, when set, accumulates the node's running totals (metrics).
	totals *ScanTotals
}

// ScanTotals are running totals over many scans, for the node's metrics:
// each scan adds per cell, row group and batch, never per row.
type ScanTotals struct {
	Rows, CellsScanned, CellsPruned, RowGroupsScanned, RowGroupsPruned atomic.Int64
}

// CountInto makes the scan add what it reads to t as well.
func (s *ScanSource) CountInto(t *ScanTotals) *ScanSource {
	if t != nil {
		t.CellsPruned.Add(int64(s.CellsPruned))
	}
	s.totals = t
	return s
}

// NewScanSource prepares a scan of the given cells of the frame stored under
// prefix, reading the columns cols (schema indices) and skipping cells and
// row groups whose statistics rule out ranges (a conjunction).
func NewScanSource(store objstore.Store, prefix string, schema *cell.Schema, cells []txn.AddCell, cols []int, ranges []cell.Range) *ScanSource {
	s := &ScanSource{
		store:  store,
		prefix: strings.TrimSuffix(prefix, "/") + "/",
		schema: schema,
		cols:   cols,
		ranges: ranges,
	}
	s.CellsTotal = len(cells)
	for i := range cells {
		if len(ranges) > 0 && !cell.MayMatch(schema, cell.BoundsFromStats(schema, &cells[i]), ranges) {
			s.CellsPruned++
			continue
		}
		s.cells = append(s.cells, cells[i])
	}
	return s
}

// Types returns the types of the scanned columns.
func (s *ScanSource) Types() []vec.Type {
	ts := make([]vec.Type, len(s.cols))
	for i, c := range s.cols {
		ts[i] = s.schema.Columns[c].Type
	}
	return ts
}

// next claims the next row group to read.
func (s *ScanSource) next(ctx context.Context) (*cell.Cell, int, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.cur != nil {
			for s.rg < s.cur.NumRowGroups() {
				rg := s.rg
				s.rg++
				s.RowGroupsTotal.Add(1)
				if len(s.ranges) > 0 && !cell.MayMatch(s.schema, s.cur.RowGroupBounds(rg), s.ranges) {
					s.RowGroupsPruned.Add(1)
					if s.totals != nil {
						s.totals.RowGroupsPruned.Add(1)
					}
					continue
				}
				if s.totals != nil {
					s.totals.RowGroupsScanned.Add(1)
				}
				return s.cur, rg, true, nil
			}
			s.cur = nil
		}
		if len(s.cells) == 0 {
			return nil, 0, false, nil
		}
		c := s.cells[0]
		s.cells = s.cells[1:]
		opened, err := cell.Open(ctx, s.store, s.prefix+c.Path, c.Bytes, cell.OpenOptions{})
		if err != nil {
			return nil, 0, false, err
		}
		s.cur, s.rg = opened, 0
		if s.totals != nil {
			s.totals.CellsScanned.Add(1)
		}
	}
}

// Scan reads morsels from a ScanSource. Several Scans may share a source.
type Scan struct {
	src *ScanSource
	rgr *cell.RowGroupReader
}

// NewScan returns an operator reading from src.
func NewScan(src *ScanSource) *Scan { return &Scan{src: src} }

func (s *Scan) Types() []vec.Type { return s.src.Types() }

func (s *Scan) Next(ctx context.Context) (*vec.Batch, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if s.rgr != nil {
			b, err := s.rgr.Next()
			if err != nil {
				return nil, err
			}
			if b.Len > 0 {
				if t := s.src.totals; t != nil {
					t.Rows.Add(int64(b.Len))
				}
				return b, nil
			}
			s.rgr.Close()
			s.rgr = nil
		}
		c, rg, ok, err := s.src.next(ctx)
		if err != nil || !ok {
			return nil, err
		}
		r, err := c.ReadRowGroup(ctx, rg, s.src.cols, BatchSize)
		if err != nil {
			return nil, err
		}
		s.rgr = r
	}
}

func (s *Scan) Close() {
	if s.rgr != nil {
		s.rgr.Close()
		s.rgr = nil
	}
}
