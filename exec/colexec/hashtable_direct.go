package colexec

import (
	"math"
	"math/bits"
	"unsafe"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/internal/hugepage"
)

// Direct mode (see hashTable): a single integer-like key indexes an array
// instead of being hashed. Dense keys index it by their offset from the
// range's start. Keys too sparse for that but known in advance, as a join
// build's are, index it by their rank among the keys: a bitmap over the
// range marks the keys present, and each 64-bit word carries the count of
// keys before it. A range of 6M order numbers then takes 1.5 MB of bitmap,
// which stays in cache, where open addressing of its 700K keys took 32 MB.

// rankWord is 64 entries of the sparse bitmap and the number of keys
// before them.
type rankWord struct {
	bits uint64
	rank uint32
}

// dirLimit is the widest key range a join build's dense direct table for
// n keys may span: no more bytes than open addressing would take for them
// (16-byte slots at most half full), or than an empty open-addressing
// table takes. Sparser keys get the sparse table.
func dirLimit(n int) uint64 { return max(4096, 8*uint64(n)) }

// widenLimit is the widest key range an aggregation's direct table for n
// keys may span: 32 entries (128 bytes) a key, up to four times what open
// addressing takes, within the query's budget like any table. An
// aggregation has no sparse form, and its keys often arrive sparser than
// they end: TPC-H Q18's final grouping by order number, split between two
// bees by a hash exchange and fed by bees that read alternate row groups,
// spans 16 entries a key while the first bee's groups arrive and 8 at the
// end; rehashing it after leaving direct mode was 40% of the query.
func widenLimit(n int) uint64 { return max(4096, 32*uint64(n)) }

// sparseLimit is the widest key range a sparse direct table for n keys may
// span: its bitmap (a quarter of a byte per entry) and its array of ids
// then take no more than open addressing would.
func sparseLimit(n int) uint64 { return 112 * uint64(n) }

// reserveKeys sizes an empty table for the n keys of cols, so that
// inserting them never rehashes nor widens a direct range: a join build
// knows its rows before indexing them.
func (h *hashTable) reserveKeys(cols []*vec.Vec, n int) error {
	for _, k := range h.keys {
		k.Reserve(n)
	}
	if h.direct && h.n == 0 {
		lo, hi, ok := minMaxInt(cols[0], n)
		if !ok {
			return nil // no key but NULLs
		}
		span := uint64(hi) - uint64(lo) + 1 // 0: the whole int64 range
		switch {
		case span != 0 && span <= dirLimit(n):
			return h.resizeDirect(lo, span, lo, hi)
		case span != 0 && span <= sparseLimit(n) && cols[0].Type.Kind != vec.KindBool:
			return h.makeSparse(cols[0], n, lo, span)
		}
		h.direct = false
	}
	return h.reserve(n)
}

// makeSparse builds the sparse bitmap of the first n keys of v, which
// span span values from lo, and an id array with an entry per distinct key.
func (h *hashTable) makeSparse(v *vec.Vec, n int, lo int64, span uint64) error {
	words := (span + 63) / 64
	if err := h.grow(int64(words) * 16); err != nil {
		return err
	}
	rank := hugepage.Make[rankWord](int(words))
	switch v.Type.Kind {
	case vec.KindInt16:
		markKeys(v.Int16s()[:n], &v.Nulls, lo, rank)
	case vec.KindInt32, vec.KindDate:
		markKeys(v.Int32s()[:n], &v.Nulls, lo, rank)
	default:
		markKeys(v.Int64s()[:n], &v.Nulls, lo, rank)
	}
	keys := uint32(0)
	for i := range rank {
		rank[i].rank = keys
		keys += uint32(bits.OnesCount64(rank[i].bits))
	}
	if err := h.grow(int64(keys) * 4); err != nil {
		return err
	}
	h.rank, h.span, h.dirBase = rank, span, lo
	h.dir = hugepage.Make[int32](int(keys))
	return nil
}

func markKeys[T int16 | int32 | int64](s []T, nulls *vec.Nulls, lo int64, rank []rankWord) {
	anyNull := nulls.Any()
	for i, x := range s {
		if anyNull && nulls.IsNull(i) {
			continue
		}
		off := uint64(x) - uint64(lo)
		rank[off>>6].bits |= 1 << (off & 63)
	}
}

// minMaxInt returns the least and greatest of the first n values of an
// integer-like vector, NULLs aside; ok is false when every value is NULL.
func minMaxInt(v *vec.Vec, n int) (lo, hi int64, ok bool) {
	switch v.Type.Kind {
	case vec.KindBool:
		lo, hi = 1, 0
		for i, b := range v.Bools()[:n] {
			if !v.Nulls.IsNull(i) {
				x := int64(0)
				if b {
					x = 1
				}
				lo, hi, ok = min(lo, x), max(hi, x), true
			}
		}
		return lo, hi, ok
	case vec.KindInt16:
		return minMaxOf(v.Int16s()[:n], &v.Nulls)
	case vec.KindInt32, vec.KindDate:
		return minMaxOf(v.Int32s()[:n], &v.Nulls)
	}
	return minMaxOf(v.Int64s()[:n], &v.Nulls)
}

func minMaxOf[T int16 | int32 | int64](s []T, nulls *vec.Nulls) (lo, hi int64, ok bool) {
	lo, hi = math.MaxInt64, math.MinInt64
	anyNull := nulls.Any()
	for i, x := range s {
		if anyNull && nulls.IsNull(i) {
			continue
		}
		lo, hi, ok = min(lo, int64(x)), max(hi, int64(x)), true
	}
	return lo, hi, ok
}

// findDirect is find in direct mode. It reports false, having moved the
// table to open addressing, when a key to insert falls too far outside the
// range (or, sparse, was not known when the table was sized); find then
// looks the whole batch up again, finding the keys inserted so far under
// their ids.
func (h *hashTable) findDirect(cols []*vec.Vec, b *vec.Batch, vals []int64, ids []int32, insert, hasNulls bool, scratch *probeScratch) (stayed bool, err error) {
	if h.rank != nil {
		return h.findSparse(cols, b, vals, ids, insert, hasNulls, scratch)
	}
	dir, base := h.dir, uint64(h.dirBase)
	inserted := 0
	for k, x := range vals {
		if hasNulls && anyNull(cols, b.Row(k)) {
			if ids[k], err = h.findEncoded(cols, b.Row(k), insert, scratch); err != nil {
				return true, err
			}
			continue
		}
		// Unsigned arithmetic: a key below the base wraps to an offset
		// past the end.
		off := uint64(x) - base
		if off >= uint64(len(dir)) {
			if !insert {
				ids[k] = -1
				continue
			}
			widened, err := h.widenDirect(x)
			if err != nil {
				return true, err
			}
			if !widened {
				if err := h.grow(int64(inserted) * 8); err != nil {
					return true, err
				}
				return false, h.leaveDirect()
			}
			dir, base = h.dir, uint64(h.dirBase)
			off = uint64(x) - base
		}
		if id := dir[off]; id != 0 {
			ids[k] = id - 1
			continue
		}
		if !insert {
			ids[k] = -1
			continue
		}
		id := h.newID(cols, b.Row(k))
		inserted++
		dir[off] = id + 1
		ids[k] = id
		h.keyLo, h.keyHi = min(h.keyLo, x), max(h.keyHi, x)
	}
	if inserted == 0 {
		// Probes only read: bees probe one built table at once.
		return true, nil
	}
	return true, h.grow(int64(inserted) * 8)
}

// findSparse is findDirect over the sparse bitmap: a key's entry in dir is
// its rank among the keys the table was sized for.
func (h *hashTable) findSparse(cols []*vec.Vec, b *vec.Batch, vals []int64, ids []int32, insert, hasNulls bool, scratch *probeScratch) (stayed bool, err error) {
	dir, rank, base, span := h.dir, h.rank, uint64(h.dirBase), h.span
	inserted := 0
	for k, x := range vals {
		if hasNulls && anyNull(cols, b.Row(k)) {
			if ids[k], err = h.findEncoded(cols, b.Row(k), insert, scratch); err != nil {
				return true, err
			}
			continue
		}
		if off := uint64(x) - base; off < span {
			w, bit := rank[off>>6], uint64(1)<<(off&63)
			if w.bits&bit != 0 {
				slot := w.rank + uint32(bits.OnesCount64(w.bits&(bit-1)))
				switch id := dir[slot]; {
				case id != 0:
					ids[k] = id - 1
				case insert:
					id := h.newID(cols, b.Row(k))
					inserted++
					dir[slot] = id + 1
					ids[k] = id
				default:
					ids[k] = -1
				}
				continue
			}
		}
		if !insert {
			ids[k] = -1
			continue
		}
		if err := h.grow(int64(inserted) * 8); err != nil {
			return true, err
		}
		return false, h.leaveDirect()
	}
	if inserted == 0 {
		// Probes only read: bees probe one built table at once.
		return true, nil
	}
	return true, h.grow(int64(inserted) * 8)
}

// widenDirect widens the dense direct range to take x, doubling the array
// with the new room on x's side, so that keys arriving in order widen it a
// logarithmic number of times; it reports false when the keys would span
// more than widenLimit.
func (h *hashTable) widenDirect(x int64) (bool, error) {
	lo, hi := x, x
	if len(h.dir) > 0 {
		lo, hi = min(h.keyLo, x), max(h.keyHi, x)
	}
	span := uint64(hi) - uint64(lo) + 1 // 0: the whole int64 range
	limit := widenLimit(h.n + 1)
	if span == 0 || span > limit {
		return false, nil
	}
	size := min(max(span, 2*uint64(len(h.dir)), 64), limit)
	base, extra := lo, int64(size-span)
	if x == lo {
		// Room below; near the least int64 there is none.
		if base = lo - extra; base > lo {
			base, size = lo, span
		}
	} else if hi+extra < hi {
		size = span
	}
	return true, h.resizeDirect(base, size, lo, hi)
}

// resizeDirect moves the dense direct array to cover size keys from base,
// which must include the keys from lo to hi and the range already kept.
func (h *hashTable) resizeDirect(base int64, size uint64, lo, hi int64) error {
	if err := h.grow((int64(size) - int64(len(h.dir))) * 4); err != nil {
		return err
	}
	dir := hugepage.Make[int32](int(size))
	if len(h.dir) > 0 {
		from := uint64(h.keyLo) - uint64(h.dirBase)
		to := uint64(h.keyHi) - uint64(h.dirBase) + 1
		copy(dir[uint64(h.keyLo)-uint64(base):], h.dir[from:to])
	}
	h.dir, h.dirBase, h.keyLo, h.keyHi = dir, base, lo, hi
	return nil
}

// leaveDirect moves a direct table's keys into open addressing. The budget
// is asked for the difference first: when it cannot take the slots the
// table stays direct and whole, as an open-addressing table that cannot
// rehash keeps its keys, so that a spilling aggregation goes on finding
// the groups it holds.
func (h *hashTable) leaveDirect() error {
	held := int64(len(h.dir))*4 + int64(len(h.rank))*16
	size, shift := h.slotsFor(h.n)
	if err := h.grow(int64(size-len(h.slots))*int64(unsafe.Sizeof(intSlot{})) - held); err != nil {
		return err
	}
	h.direct, h.dir, h.rank = false, nil, nil
	if size > len(h.slots) {
		h.slots, h.shift = hugepage.Make[intSlot](size), shift
	}
	keys := h.keys[0]
	vals := readInts(keys, &vec.Batch{Len: h.n}, nil)
	mask := uint64(len(h.slots) - 1)
	for id, x := range vals {
		if keys.Nulls.IsNull(id) {
			continue // kept in strs
		}
		s := hashInt(x, h.shift)
		for h.slots[s].id != 0 {
			s = (s + 1) & mask
		}
		h.slots[s] = intSlot{key: x, id: int32(id) + 1}
		h.inSlots++
	}
	return nil
}
