package colexec

import (
	"context"
	"math"
	"slices"

	"github.com/apiarydb/apiary/exec/vec"
)

// topN keeps the first offset+limit rows of the sorted order in a bounded
// max-heap, so ORDER BY ... LIMIT k holds k rows, not the whole input.
//
// Kept rows live in store; the heap holds their row numbers with the worst
// kept row on top. Rows are appended to store in input order and store is
// compacted in that order, so comparing row numbers breaks key ties by
// input order and the result equals a stable sort followed by LIMIT.
type topN struct {
	in     Operator
	keys   []SortKey
	types  []vec.Type
	k      int // rows kept: limit + offset
	offset int
	acct   heldMem

	store    []*vec.Vec
	nstore   int
	heap     []int32
	cmpStore rowCmp // keys over store × store, rebuilt whenever store changes
	cand     []int32

	loaded   bool
	inClosed bool
	result   []int32 // store rows in output order
	pos      int
	out      *vec.Batch
}

var _ Operator = (*topN)(nil)

// NewTopN returns rows offset..offset+limit of in ordered by keys. A
// negative limit means no limit, which degenerates to a full sort.
func NewTopN(in Operator, keys []SortKey, limit, offset int64, mem *Memory) Operator {
	offset = max(offset, 0)
	if limit < 0 {
		return NewLimit(NewSort(in, keys, mem), -1, offset)
	}
	// Row numbers are int32: a bound beyond that is no bound in practice.
	k := int64(math.MaxInt32)
	if limit <= k-offset {
		k = limit + offset
	}
	return &topN{in: in, keys: keys, types: in.Types(), k: int(k), offset: int(min(offset, k)), acct: heldMem{mem: mem}}
}

func (t *topN) Types() []vec.Type { return t.types }

func (t *topN) Next(ctx context.Context) (*vec.Batch, error) {
	if !t.loaded {
		if err := t.load(ctx); err != nil {
			return nil, err
		}
	}
	if t.pos >= len(t.result) {
		t.release()
		return nil, nil
	}
	end := min(t.pos+BatchSize, len(t.result))
	t.out.Reset()
	for c, col := range t.store {
		appendRowsAt(t.out.Cols[c], col, t.result[t.pos:end])
	}
	t.out.Len = end - t.pos
	t.pos = end
	return t.out, nil
}

func (t *topN) load(ctx context.Context) error {
	t.loaded = true
	t.store = newColumnSet(t.types, 0)
	if t.k > t.offset {
		for {
			if err := ctx.Err(); err != nil {
				return err
			}
			b, err := t.in.Next(ctx)
			if err != nil {
				return err
			}
			if b == nil || b.Len == 0 {
				break
			}
			if err := t.add(b); err != nil {
				return err
			}
		}
	}
	t.closeInput()
	t.result = append(t.result[:0], t.heap...)
	slices.Sort(t.result)
	sortRows(t.store, t.keys, t.result)
	t.result = t.result[min(t.offset, len(t.result)):]
	t.out = vec.NewBatch(t.types, min(len(t.result), BatchSize))
	return nil
}

// add offers the live rows of b to the heap.
func (t *topN) add(b *vec.Batch) error {
	sel := batchLive(b)
	t.cand = t.cand[:0]
	filtered := len(t.heap) == t.k // sel is then t.cand
	if filtered {
		// Only rows strictly better than the current worst can enter;
		// an equal row came later, so it loses the tie.
		cross := keysCmp(t.keys, b.Cols, t.store)
		top := int(t.heap[0])
		for i := 0; i < b.Len; i++ {
			r := i
			if sel != nil {
				r = int(sel[i])
			}
			if cross(r, top) < 0 {
				t.cand = append(t.cand, int32(r))
			}
		}
		if len(t.cand) == 0 {
			return nil
		}
		sel = t.cand
	}
	if n := len(sel); n == 0 && b.Len > t.k || n > t.k {
		// At most k rows of one batch can be kept: keep the batch's best k
		// (in input order), which bounds what the store grows by.
		// Sorted in place, so never the input's own selection.
		switch {
		case sel == nil:
			t.cand = t.cand[:0]
			for i := 0; i < b.Len; i++ {
				t.cand = append(t.cand, int32(i))
			}
			sel = t.cand
		case !filtered:
			t.cand = append(t.cand[:0], sel...)
			sel = t.cand
		}
		slices.SortFunc(sel, tieCmp(keysCmp(t.keys, b.Cols, b.Cols)))
		sel = sel[:t.k]
		slices.Sort(sel)
	}
	if len(t.types) == 0 {
		// No columns: every row is equal, the first k win.
		for i := 0; i < b.Len && len(t.heap) < t.k; i++ {
			t.heap = append(t.heap, int32(t.nstore))
			t.nstore++
		}
		return nil
	}
	base := t.nstore
	before := colsHeldBytes(t.store)
	for c, col := range b.Cols {
		if sel != nil {
			appendRowsAt(t.store[c], col, sel)
		} else {
			t.store[c].AppendRange(col, 0, b.Len)
		}
	}
	t.nstore = t.store[0].Len()
	if err := t.acct.grow(colsHeldBytes(t.store) - before + 4*int64(t.nstore-base)); err != nil {
		return err
	}
	t.cmpStore = keysCmp(t.keys, t.store, t.store)
	for r := base; r < t.nstore; r++ {
		if len(t.heap) < t.k {
			t.heap = append(t.heap, int32(r))
			t.siftUp(len(t.heap) - 1)
		} else if t.worse(t.heap[0], int32(r)) {
			t.heap[0] = int32(r)
			t.siftDown(0)
		}
	}
	if garbage := t.nstore - len(t.heap); garbage > max(len(t.heap), topNSlack) {
		return t.compact()
	}
	return nil
}

// topNSlack is how many dropped rows the store may hold before it is
// compacted, beyond one per kept row: compaction then costs O(1) a row.
const topNSlack = 256

// worse reports whether row a comes after row b in the output order.
func (t *topN) worse(a, b int32) bool {
	if r := t.cmpStore(int(a), int(b)); r != 0 {
		return r > 0
	}
	return a > b
}

func (t *topN) siftUp(i int) {
	h := t.heap
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(h[i], h[p]) {
			return
		}
		h[i], h[p] = h[p], h[i]
		i = p
	}
}

func (t *topN) siftDown(i int) {
	h := t.heap
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		m := l
		if r := l + 1; r < len(h) && t.worse(h[r], h[l]) {
			m = r
		}
		if !t.worse(h[m], h[i]) {
			return
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
}

// compact drops the store rows that fell out of the heap, keeping the rest
// in their order so row numbers still break ties by input order.
func (t *topN) compact() error {
	keep := slices.Clone(t.heap)
	slices.Sort(keep)
	fresh := newColumnSet(t.types, len(keep))
	for c, col := range t.store {
		appendRowsAt(fresh[c], col, keep)
	}
	t.store = fresh
	t.nstore = len(keep)
	for i := range t.heap {
		t.heap[i] = int32(i)
	}
	t.cmpStore = keysCmp(t.keys, t.store, t.store)
	// Rows 0..n-1 in key order would already be a heap only by chance.
	for i := len(t.heap)/2 - 1; i >= 0; i-- {
		t.siftDown(i)
	}
	return t.acct.set(colsHeldBytes(t.store) + 4*int64(len(t.heap)))
}

func (t *topN) release() {
	t.store, t.heap, t.result = nil, nil, nil
	t.acct.release()
}

func (t *topN) closeInput() {
	if !t.inClosed {
		t.inClosed = true
		t.in.Close()
	}
}

func (t *topN) Close() {
	t.closeInput()
	t.release()
	t.loaded = true
}
