package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
)

// materialiseSorted reads in to the end with materialiseInput, accounting
// with each row what sorting it by keys takes, so that the rows held can
// be sorted within the budget. With spill set, each time the budget runs
// out it sorts the rows held so far, writes them to disk as a run of
// *merge (created on first use), gives their memory back and carries on;
// the rows it returns are those read after the last run. The sort and the
// window read their input so.
func materialiseSorted(ctx context.Context, in Operator, types []vec.Type, keys []SortKey, acct *heldMem, spill *Spill, merge **runMerger) ([]*vec.Vec, int, error) {
	rowExtra := int64(0)
	if len(keys) > 0 {
		rowExtra = sortStateBytes
	}
	var overBudget func(cols []*vec.Vec, n int) error
	if spill != nil {
		overBudget = func(cols []*vec.Vec, n int) error {
			if *merge == nil {
				*merge = newRunMerger(keys, types)
			}
			if err := (*merge).writeRun(ctx, spill, cols, n); err != nil {
				return err
			}
			acct.release()
			return nil
		}
	}
	return materialiseInput(ctx, in, types, acct, rowExtra, overBudget)
}

// runMerger merges sorted runs: each step emits the smallest head row,
// preferring the earlier run on ties so the sort stays stable. Runs are
// few (each is a budget's worth of rows), so the heads are scanned rather
// than kept in a heap.
type runMerger struct {
	keys  []SortKey
	types []vec.Type
	runs  []*run
	out   *vec.Batch
	// cmps[i*len(runs)+j] compares run i's batch with run j's, nil until
	// needed; dropped when either loads a new batch.
	cmps []rowCmp
}

func newRunMerger(keys []SortKey, types []vec.Type) *runMerger {
	return &runMerger{keys: keys, types: types}
}

// writeRun sorts n rows of cols by the merger's keys (stably: equal keys
// keep their order in cols) and writes them to a file in spill as the
// merger's next run. The sort and the window share it, so both merge runs
// the same way.
func (m *runMerger) writeRun(ctx context.Context, spill *Spill, cols []*vec.Vec, n int) error {
	if n == 0 {
		return nil
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	sortRows(cols, m.keys, perm)
	w, err := spill.newWriter(m.types)
	if err != nil {
		return err
	}
	out := vec.NewBatch(m.types, BatchSize)
	for pos := 0; pos < n; pos += BatchSize {
		if err := ctx.Err(); err != nil {
			w.discard()
			return err
		}
		end := min(pos+BatchSize, n)
		out.Reset()
		for c, col := range cols {
			appendRowsAt(out.Cols[c], col, perm[pos:end])
		}
		out.Len = end - pos
		if err := w.write(out); err != nil {
			w.discard()
			return err
		}
	}
	r, err := w.finish()
	if err != nil {
		return err
	}
	m.runs = append(m.runs, &run{src: r})
	return nil
}

type run struct {
	src  *spillReader
	b    *vec.Batch
	pos  int
	done bool
}

// advance makes r.b hold an unread row, or marks r done.
func (m *runMerger) advance(ctx context.Context, i int) error {
	r := m.runs[i]
	for r.b == nil || r.pos >= r.b.Len {
		b, err := r.src.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil || b.Len == 0 {
			r.done, r.b = true, nil
			r.src.Close()
			return nil
		}
		r.b, r.pos = b, 0
		n := len(m.runs)
		for j := range n {
			m.cmps[i*n+j], m.cmps[j*n+i] = nil, nil
		}
	}
	return nil
}

func (m *runMerger) cmp(i, j int) rowCmp {
	k := i*len(m.runs) + j
	if m.cmps[k] == nil {
		m.cmps[k] = keysCmp(m.keys, m.runs[i].b.Cols, m.runs[j].b.Cols)
	}
	return m.cmps[k]
}

// before reports whether row x of run i comes before row y of run j: ties
// go to the earlier run, which keeps the merge stable.
func (m *runMerger) before(i, x, j, y int) bool {
	c := m.cmp(i, j)(x, y)
	return c < 0 || c == 0 && i < j
}

func (m *runMerger) next(ctx context.Context) (*vec.Batch, error) {
	if m.cmps == nil {
		m.cmps = make([]rowCmp, len(m.runs)*len(m.runs))
		for i := range m.runs {
			if err := m.advance(ctx, i); err != nil {
				return nil, err
			}
		}
	}
	m.out.Reset()
	for m.out.Len < BatchSize {
		if m.out.Len%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		// The run whose head comes first, and the one after it.
		best, second := -1, -1
		for i, r := range m.runs {
			switch {
			case r.done:
			case best < 0 || m.before(i, r.pos, best, m.runs[best].pos):
				best, second = i, best
			case second < 0 || m.before(i, r.pos, second, m.runs[second].pos):
				second = i
			}
		}
		if best < 0 {
			break
		}
		// Take best's rows while they come before second's head: runs
		// often follow each other in long stretches, copied as ranges.
		r := m.runs[best]
		end := r.pos + 1
		for limit := min(r.b.Len, r.pos+BatchSize-m.out.Len); end < limit; end++ {
			if second >= 0 && !m.before(best, end, second, m.runs[second].pos) {
				break
			}
		}
		for c, col := range r.b.Cols {
			m.out.Cols[c].AppendRange(col, r.pos, end)
		}
		m.out.Len += end - r.pos
		r.pos = end
		if err := m.advance(ctx, best); err != nil {
			return nil, err
		}
	}
	if m.out.Len == 0 {
		return nil, nil
	}
	return m.out, nil
}

func (m *runMerger) close() {
	for _, r := range m.runs {
		if !r.done {
			r.src.Close()
		}
	}
	m.runs = nil
}
