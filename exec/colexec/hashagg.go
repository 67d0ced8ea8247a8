package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
)

// HashAgg groups its input by key columns and computes aggregates per group.
// It drains its input on the first Next (a pipeline breaker), then emits
// the groups in first-seen order, BatchSize at a time: key columns first,
// then one column per aggregate. Without keys it is a scalar aggregate and
// emits exactly one row, even for empty input.
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
}

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

func (h *HashAgg) Types() []vec.Type { return h.types }

func (h *HashAgg) build(ctx context.Context) error {
	if len(h.keys) == 0 {
		h.groups = 1
		for _, a := range h.accs {
			a.resize(1)
		}
	}
	var perGroup int64
	for _, a := range h.accs {
		perGroup += a.bytesPerGroup()
	}
	return Drain(ctx, h.in, func(b *vec.Batch) error {
		if cap(h.ids) < b.Len {
			h.ids = make([]int32, b.Len)
		}
		ids := h.ids[:b.Len]
		if h.table != nil {
			h.keyCols = h.keyCols[:0]
			for _, k := range h.keys {
				h.keyCols = append(h.keyCols, b.Cols[k])
			}
			if err := h.table.find(h.keyCols, b, ids, true, &h.scratch); err != nil {
				return err
			}
			if n := h.table.Len(); n > h.groups {
				if err := h.mem.Grow(int64(n-h.groups) * perGroup); err != nil {
					return err
				}
				h.groups = n
				for _, a := range h.accs {
					a.resize(n)
				}
			}
		} else {
			clear(ids)
		}
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
	})
}

func (h *HashAgg) Next(ctx context.Context) (*vec.Batch, error) {
	if !h.built {
		h.built = true
		if err := h.build(ctx); err != nil {
			return nil, err
		}
		h.in.Close()
	}
	if h.emitted >= h.groups {
		return nil, nil
	}
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

func (h *HashAgg) Close() {
	h.in.Close()
	if h.table != nil {
		h.table.release()
	}
}
