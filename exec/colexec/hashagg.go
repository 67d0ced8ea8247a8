package colexec

import (
	"context"
	"slices"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// HashAgg groups its input by key columns and computes aggregates per group.
// It drains its input on the first Next (a pipeline breaker), then emits
// the groups in first-seen order, BatchSize at a time: key columns first,
// then one column per aggregate. Without keys it is a scalar aggregate and
// emits exactly one row, even for empty input.
//
// When its groups outgrow the memory budget and a Spill is configured, the
// aggregation becomes a hybrid hash aggregation: the groups it holds stay
// in memory and keep absorbing rows with their keys, while rows with new
// keys are written to one of spillFanout partition files by a hash of the
// key. Once the input ends, the in-memory groups are complete and are
// emitted; then each partition is aggregated on its own (spilling again,
// by other hash bits, if it is still too big).
type HashAgg struct {
	in    Operator
	keys  []int
	aggs  []AggSpec
	mem   *Memory
	types []vec.Type

	table   *hashTable
	accs    []accumulator
	groups  int
	built   bool
	emitted int
	out     *vec.Batch
	ids     []int32
	scratch probeScratch
	keyCols []*vec.Vec

	spill     *Spill
	depth     int
	frozen    bool // over budget: no new groups in memory
	parts     []*spillWriter
	pending   []*spillReader
	child     *HashAgg
	accounted int64
	// flushWhenFull makes a partial aggregation emit its groups when
	// they fill the budget, and start afresh, instead of spilling: the
	// final aggregation merges partial groups of one key however many
	// there are. carry holds the rows of the batch that did not fit;
	// inDone says the input has ended.
	flushWhenFull bool
	carry         *vec.Batch
	inDone        bool
	// Scratch selections of updateHits and spillBatch.
	sel     []int32
	hitIDs  []int32
	missSel []int32
	parter  partitioner
}

// spillFanout is the number of partitions an overflowing aggregation
// writes; maxSpillDepth bounds the re-partitioning of partitions that are
// still too big (16^4 partitions is far past any single machine's disk).
const (
	spillFanout   = 16
	maxSpillDepth = 4
)

// NewHashAgg returns an aggregation of in grouped by the key columns.
func NewHashAgg(in Operator, keys []int, aggs []AggSpec, mem *Memory) (*HashAgg, error) {
	h := &HashAgg{in: in, keys: keys, aggs: aggs, mem: mem}
	inTypes := in.Types()
	var keyTypes []vec.Type
	for _, k := range keys {
		keyTypes = append(keyTypes, inTypes[k])
	}
	h.types = append(h.types, keyTypes...)
	for _, a := range aggs {
		acc, err := newAccumulator(a)
		if err != nil {
			return nil, err
		}
		h.accs = append(h.accs, acc)
		h.types = append(h.types, a.ResultType)
	}
	if len(keys) > 0 {
		h.table = newHashTable(keyTypes, mem)
	}
	return h, nil
}

// FlushWhenFull makes a grouped aggregation whose results another
// aggregation merges (the partial phase of a parallel aggregation) emit
// its groups when they fill the memory budget and carry on with new ones,
// rather than spill: its memory then never holds more than one table's
// worth, whatever the number of groups, so partial aggregations in several
// bees cannot starve the final one of budget.
func (h *HashAgg) FlushWhenFull() *HashAgg {
	if len(h.keys) > 0 {
		h.flushWhenFull = true
	}
	return h
}

// WithSpill lets the aggregation spill to s when over budget.
func (h *HashAgg) WithSpill(s *Spill) *HashAgg {
	h.spill = s
	return h
}

func (h *HashAgg) Types() []vec.Type { return h.types }

func (h *HashAgg) perGroup() int64 {
	var n int64
	for _, a := range h.accs {
		n += a.bytesPerGroup()
	}
	return n
}

func (h *HashAgg) build(ctx context.Context) error {
	if len(h.keys) == 0 {
		h.groups = 1
		for _, a := range h.accs {
			a.resize(1)
		}
	}
	perGroup := h.perGroup()
	err := Drain(ctx, h.in, func(b *vec.Batch) error {
		if cap(h.ids) < b.Len {
			h.ids = make([]int32, b.Len)
		}
		ids := h.ids[:b.Len]
		if h.table == nil {
			clear(ids)
			return h.update(b, ids)
		}
		h.keyCols = h.keyCols[:0]
		for _, k := range h.keys {
			h.keyCols = append(h.keyCols, b.Cols[k])
		}
		if h.frozen {
			return h.spillBatch(b, ids)
		}
		if err := h.table.find(h.keyCols, b, ids, true, &h.scratch); err != nil {
			if !h.canSpill(err) {
				return err
			}
			// The table could not grow: the keys inserted so far stay;
			// this batch and the rest go through the spilling path.
			h.frozen = true
			if n := h.table.Len(); n > h.groups {
				h.groups = n
				for _, a := range h.accs {
					a.resize(n)
				}
			}
			return h.spillBatch(b, ids)
		}
		if n := h.table.Len(); n > h.groups {
			grow := int64(n-h.groups) * perGroup
			if err := h.mem.Grow(grow); err != nil {
				if !h.canSpill(err) {
					return err
				}
				h.frozen = true
			} else {
				h.accounted += grow
			}
			h.groups = n
			for _, a := range h.accs {
				a.resize(n)
			}
		}
		return h.update(b, ids)
	})
	if err != nil {
		return err
	}
	for _, w := range h.parts {
		if w == nil {
			continue
		}
		r, err := w.finish()
		if err != nil {
			return err
		}
		if r.rows > 0 {
			h.pending = append(h.pending, r)
		} else {
			r.Close()
		}
	}
	h.parts = nil
	return nil
}

// canSpill reports whether err is the budget running out and this
// aggregation may spill instead of failing.
func (h *HashAgg) canSpill(err error) bool {
	return h.spill != nil && len(h.keys) > 0 && h.depth < maxSpillDepth && sqlerr.CodeOf(err) == sqlerr.OutOfMemory
}

func (h *HashAgg) update(b *vec.Batch, ids []int32) error {
	for i, a := range h.aggs {
		var arg, filter *vec.Vec
		if a.Func != AggCountStar {
			arg = b.Cols[a.Arg]
		}
		if a.Filter >= 0 {
			filter = b.Cols[a.Filter]
		}
		if err := h.accs[i].update(arg, filter, b, ids); err != nil {
			return err
		}
	}
	return nil
}

// spillBatch aggregates the rows of b whose keys are in memory and writes
// the others to their partitions.
func (h *HashAgg) spillBatch(b *vec.Batch, ids []int32) error {
	misses, err := h.updateHits(b, ids)
	if err != nil {
		return err
	}
	if h.parts == nil {
		h.parts = make([]*spillWriter, spillFanout)
	}
	missed := &vec.Batch{Cols: b.Cols, Sel: misses, Len: len(misses)}
	return writePartitioned(h.spill, h.parts, missed, h.keys, h.in.Types(), &h.parter, h.depth)
}

func (h *HashAgg) Next(ctx context.Context) (*vec.Batch, error) {
	if h.flushWhenFull {
		return h.nextFlushing(ctx)
	}
	if !h.built {
		h.built = true
		if err := h.build(ctx); err != nil {
			return nil, err
		}
		h.in.Close()
	}
	for {
		if h.child != nil {
			b, err := h.child.Next(ctx)
			if err != nil || (b != nil && b.Len > 0) {
				return b, err
			}
			h.child.Close()
			h.child = nil
		}
		if h.emitted < h.groups {
			break
		}
		if len(h.pending) == 0 {
			return nil, nil
		}
		// The in-memory groups are out; their memory goes to the next
		// partition.
		h.releaseGroups()
		r := h.pending[0]
		h.pending = h.pending[1:]
		child, err := NewHashAgg(r, h.keys, h.aggs, h.mem)
		if err != nil {
			r.Close()
			return nil, err
		}
		child.spill, child.depth = h.spill, h.depth+1
		h.child = child
	}
	return h.emitBatch()
}

// emitBatch returns the next batch of in-memory groups.
func (h *HashAgg) emitBatch() (*vec.Batch, error) {
	from := h.emitted
	to := min(h.groups, from+BatchSize)
	if h.out == nil {
		h.out = vec.NewBatch(h.types, BatchSize)
	}
	h.out.Reset()
	for c := range h.keys {
		kc := h.table.keys[c]
		oc := h.out.Cols[c]
		for g := from; g < to; g++ {
			oc.AppendFrom(kc, g)
		}
	}
	for i, a := range h.accs {
		if err := a.emit(h.out.Cols[len(h.keys)+i], from, to); err != nil {
			return nil, err
		}
	}
	h.out.Len = to - from
	h.emitted = to
	return h.out, nil
}

// nextFlushing is Next for FlushWhenFull: fill the groups from the input
// until they fill the budget or the input ends, emit them, and start
// afresh while input remains.
func (h *HashAgg) nextFlushing(ctx context.Context) (*vec.Batch, error) {
	for {
		if h.built && h.emitted < h.groups {
			return h.emitBatch()
		}
		if h.inDone && h.carry == nil {
			return nil, nil
		}
		if h.built {
			h.releaseGroups()
			if err := h.resetGroups(); err != nil {
				return nil, err
			}
		}
		h.built = true
		if err := h.fill(ctx); err != nil {
			return nil, err
		}
	}
}

// resetGroups starts an empty table and fresh accumulators.
func (h *HashAgg) resetGroups() error {
	h.table = newHashTable(h.types[:len(h.keys)], h.mem)
	h.accs = h.accs[:0]
	for _, a := range h.aggs {
		acc, err := newAccumulator(a)
		if err != nil {
			return err
		}
		h.accs = append(h.accs, acc)
	}
	return nil
}

// fill adds input batches to the groups until the input ends or the groups
// fill the budget. A batch whose new keys did not all fit is split: the
// rows of keys in memory are aggregated now, the others wait in carry for
// the next table.
func (h *HashAgg) fill(ctx context.Context) error {
	perGroup := h.perGroup()
	for {
		b := h.carry
		h.carry = nil
		if b == nil {
			nb, err := h.in.Next(ctx)
			if err != nil {
				return err
			}
			if nb == nil || nb.Len == 0 {
				h.inDone = true
				return nil
			}
			b = nb
		}
		if cap(h.ids) < b.Len {
			h.ids = make([]int32, b.Len)
		}
		ids := h.ids[:b.Len]
		h.keyCols = h.keyCols[:0]
		for _, k := range h.keys {
			h.keyCols = append(h.keyCols, b.Cols[k])
		}
		full := false
		if err := h.table.find(h.keyCols, b, ids, true, &h.scratch); err != nil {
			if sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
				return err
			}
			if h.table.Len() == 0 {
				// Not even one group fits: other operators hold the
				// budget, and waiting would not free it.
				return err
			}
			full = true
		}
		if n := h.table.Len(); n > h.groups {
			grow := int64(n-h.groups) * perGroup
			if err := h.mem.Grow(grow); err != nil {
				if sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
					return err
				}
				// The states of this batch's new groups are held
				// unaccounted until the flush, one batch's worth.
				full = true
			} else {
				h.accounted += grow
			}
			h.groups = n
			for _, a := range h.accs {
				a.resize(n)
			}
		}
		if !full {
			if err := h.update(b, ids); err != nil {
				return err
			}
			continue
		}
		// Aggregate the rows whose keys made it into the table; keep the
		// rest for the next one. The batch stays valid: the input is not
		// read again before carry is consumed.
		if _, err := h.updateHits(b, ids); err != nil {
			return err
		}
		if len(h.missSel) > 0 {
			cb := *b
			cb.Sel, cb.Len = slices.Clone(h.missSel), len(h.missSel)
			h.carry = &cb
		}
		return nil
	}
}

// updateHits aggregates the rows of b whose keys are in the table, without
// adding keys, and returns the selection of the other rows (held in
// h.missSel until the next call).
func (h *HashAgg) updateHits(b *vec.Batch, ids []int32) ([]int32, error) {
	if err := h.table.find(h.keyCols, b, ids, false, &h.scratch); err != nil {
		return nil, err
	}
	h.sel, h.hitIDs, h.missSel = h.sel[:0], h.hitIDs[:0], h.missSel[:0]
	for k := 0; k < b.Len; k++ {
		row := b.Row(k)
		if ids[k] >= 0 {
			h.sel = append(h.sel, int32(row))
			h.hitIDs = append(h.hitIDs, ids[k])
		} else {
			h.missSel = append(h.missSel, int32(row))
		}
	}
	if len(h.sel) > 0 {
		nb := *b
		nb.Sel, nb.Len = h.sel, len(h.sel)
		if err := h.update(&nb, h.hitIDs); err != nil {
			return nil, err
		}
	}
	return h.missSel, nil
}

// releaseGroups frees the in-memory groups once emitted.
func (h *HashAgg) releaseGroups() {
	if h.table != nil {
		h.table.release()
		h.table = nil
	}
	h.mem.Shrink(h.accounted)
	h.accounted = 0
	h.accs = nil
	h.groups, h.emitted = 0, 0
}

func (h *HashAgg) Close() {
	h.in.Close()
	if h.child != nil {
		h.child.Close()
		h.child = nil
	}
	for _, w := range h.parts {
		if w != nil {
			w.discard()
		}
	}
	h.parts = nil
	for _, r := range h.pending {
		r.Close()
	}
	h.pending = nil
	h.releaseGroups()
}
