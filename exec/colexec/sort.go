package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// sortOp materialises its input, sorts a permutation of the rows and emits
// the rows in that order. Rows with equal keys come out in input order.
type sortOp struct {
	in    Operator
	keys  []SortKey
	types []vec.Type
	acct  heldMem
	spill *Spill
	merge *runMerger // set when the input was sorted in runs on disk

	loaded   bool
	inClosed bool
	rows     []*vec.Vec // the materialised input
	perm     []int32    // rows in output order
	pos      int        // next position in perm
	out      *vec.Batch
}

var _ Operator = (*sortOp)(nil)

// NewSort returns an operator that emits the rows of in ordered by keys.
// The input is held in full and accounted in mem.
func NewSort(in Operator, keys []SortKey, mem *Memory) Operator {
	return &sortOp{in: in, keys: keys, types: in.Types(), acct: heldMem{mem: mem}}
}

func (s *sortOp) Types() []vec.Type { return s.types }

// NewSortSpill is NewSort that, past its budget, sorts what it holds into a
// run on disk and goes on, then merges the runs (an external merge sort).
// A nil spill behaves as NewSort.
func NewSortSpill(in Operator, keys []SortKey, mem *Memory, spill *Spill) Operator {
	return &sortOp{in: in, keys: keys, types: in.Types(), acct: heldMem{mem: mem}, spill: spill}
}

func (s *sortOp) Next(ctx context.Context) (*vec.Batch, error) {
	if !s.loaded {
		if err := s.load(ctx); err != nil {
			return nil, err
		}
	}
	if s.merge != nil {
		return s.merge.next(ctx)
	}
	if s.pos >= len(s.perm) {
		s.release()
		return nil, nil
	}
	end := min(s.pos+BatchSize, len(s.perm))
	s.out.Reset()
	for c, col := range s.rows {
		appendRowsAt(s.out.Cols[c], col, s.perm[s.pos:end])
	}
	s.out.Len = end - s.pos
	s.pos = end
	return s.out, nil
}

func (s *sortOp) load(ctx context.Context) error {
	var (
		n   int
		err error
	)
	s.rows, n, err = materialiseSorted(ctx, s.in, s.types, s.keys, &s.acct, s.spill, &s.merge)
	if err != nil {
		return err
	}
	s.closeInput()
	if s.merge != nil {
		// Earlier runs are on disk: the rest becomes the last run.
		if err := s.merge.writeRun(ctx, s.spill, s.rows, n); err != nil {
			return err
		}
		s.rows = nil
		s.acct.release()
		s.out = vec.NewBatch(s.types, BatchSize)
		s.merge.out = s.out
		s.loaded = true
		return nil
	}
	s.perm = make([]int32, n)
	for i := range s.perm {
		s.perm[i] = int32(i)
	}
	sortRows(s.rows, s.keys, s.perm)
	// materialiseSorted accounted the permutation, which stays, and the
	// normalised keys, which are gone (without keys it accounted neither,
	// and the permutation is the input order).
	if len(s.keys) > 0 {
		s.acct.shrink((sortStateBytes - 4) * int64(n))
	}
	s.out = vec.NewBatch(s.types, min(n, BatchSize))
	s.loaded = true
	return nil
}

// release drops the materialised rows once they have all been emitted, so a
// long pipeline above the sort does not keep them.
func (s *sortOp) release() {
	s.rows, s.perm = nil, nil
	s.acct.release()
}

func (s *sortOp) closeInput() {
	if !s.inClosed {
		s.inClosed = true
		s.in.Close()
	}
}

func (s *sortOp) Close() {
	s.closeInput()
	s.release()
	if s.merge != nil {
		s.merge.close()
		s.merge = nil
	}
	s.loaded = true
}

// sortStateBytes is what sorting takes for each row besides the row: its
// permutation entry (4 bytes) and sortRows' normalised key (16).
const sortStateBytes = 20

// materialiseInput reads in to the end into dense columns and returns them with
// the row count (which a zero-column input has no other way to carry). It
// accounts what it holds in acct batch by batch, with rowExtra bytes more
// for each row (what the caller will need per row to sort them), so a
// large input fails with 53200 as soon as it passes the budget. With
// overBudget set, passing the budget while holding two rows or more hands
// those rows (their memory still in acct) to overBudget to put elsewhere
// instead, and reading goes on into fresh columns.
func materialiseInput(ctx context.Context, in Operator, types []vec.Type, acct *heldMem, rowExtra int64,
	overBudget func(cols []*vec.Vec, n int) error) ([]*vec.Vec, int, error) {
	cols := newColumnSet(types, BatchSize)
	n := 0
	for {
		if err := ctx.Err(); err != nil {
			return nil, 0, err
		}
		b, err := in.Next(ctx)
		if err != nil {
			return nil, 0, err
		}
		if b == nil || b.Len == 0 {
			return cols, n, nil
		}
		before := colsHeldBytes(cols)
		appendLiveRows(cols, b)
		n += b.Len
		err = acct.grow(colsHeldBytes(cols) - before + rowExtra*int64(b.Len))
		if err == nil {
			continue
		}
		if overBudget == nil || sqlerr.CodeOf(err) != sqlerr.OutOfMemory || n < 2 {
			return nil, 0, err
		}
		if err := overBudget(cols, n); err != nil {
			return nil, 0, err
		}
		cols, n = newColumnSet(types, BatchSize), 0
	}
}

// heldMem is what one operator holds in a Memory, so it can give all of it
// back on Close.
type heldMem struct {
	mem  *Memory
	held int64
}

func (h *heldMem) grow(n int64) error {
	if err := h.mem.Grow(n); err != nil {
		return err
	}
	h.held += n
	return nil
}

func (h *heldMem) shrink(n int64) {
	h.mem.Shrink(n)
	h.held -= n
}

// set makes the held amount n.
func (h *heldMem) set(n int64) error {
	if n > h.held {
		return h.grow(n - h.held)
	}
	h.shrink(h.held - n)
	return nil
}

func (h *heldMem) release() { h.shrink(h.held) }
