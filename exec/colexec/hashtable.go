package colexec

import (
	"encoding/binary"
	"math"

	"github.com/apiarydb/apiary/exec/vec"
)

// hashTable maps key tuples to dense ids 0, 1, 2, ... in insertion order and
// keeps the distinct keys column-wise. Aggregation uses the ids as group
// numbers and joins as build-row chain heads.
//
// A single integer-like key (integers, dates, timestamps, numerics, bools)
// uses an open-addressing table of int64s; other keys are encoded into a
// byte string per row and looked up in a Go map, which allocates only when a
// new key is inserted.
type hashTable struct {
	types []vec.Type
	keys  []*vec.Vec // distinct keys, one vector per key column
	mem   *Memory

	intMode   bool
	packed    bool    // two narrow integer keys packed into one int64
	slots     []int32 // id+1, 0 = empty
	intKeys   []int64 // the (packed) key of each id in int mode
	inSlots   int
	shift     uint
	strs      map[string]int32 // encoded keys: every key outside int mode, keys with NULLs in it
	n         int
	accounted int64
}

// probeScratch is a caller's reusable buffers for find; each bee has its
// own, so that bees can probe one built table at once.
type probeScratch struct {
	ints, ints2 []int64
	buf         []byte
}

func newHashTable(types []vec.Type, mem *Memory) *hashTable {
	h := &hashTable{types: types, mem: mem, strs: map[string]int32{}}
	for _, t := range types {
		h.keys = append(h.keys, vec.New(t, 0))
	}
	switch {
	case len(types) == 1 && intLike(types[0].Kind):
		h.intMode = true
	case len(types) == 2 && narrowInt(types[0].Kind) && narrowInt(types[1].Kind):
		// Two 32-bit keys (TPC-H's partsupp key) pack into one int64.
		h.intMode, h.packed = true, true
	}
	if h.intMode {
		h.slots = make([]int32, 1024)
		h.shift = 64 - 10
	}
	return h
}

func intLike(k vec.Kind) bool {
	switch k {
	case vec.KindBool, vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
		return true
	}
	return false
}

func narrowInt(k vec.Kind) bool {
	return k == vec.KindInt16 || k == vec.KindInt32 || k == vec.KindDate
}

// Len returns the number of distinct keys.
func (h *hashTable) Len() int { return h.n }

// readInts copies an integer-like vector's live values into dst as int64.
func readInts(v *vec.Vec, b *vec.Batch, dst []int64) []int64 {
	dst = dst[:0]
	switch v.Type.Kind {
	case vec.KindBool:
		s := v.Bools()
		for k := 0; k < b.Len; k++ {
			x := int64(0)
			if s[b.Row(k)] {
				x = 1
			}
			dst = append(dst, x)
		}
	case vec.KindInt16:
		s := v.Int16s()
		for k := 0; k < b.Len; k++ {
			dst = append(dst, int64(s[b.Row(k)]))
		}
	case vec.KindInt32, vec.KindDate:
		s := v.Int32s()
		if b.Sel == nil {
			for _, x := range s[:b.Len] {
				dst = append(dst, int64(x))
			}
		} else {
			for _, i := range b.Sel[:b.Len] {
				dst = append(dst, int64(s[i]))
			}
		}
	default:
		s := v.Int64s()
		if b.Sel == nil {
			dst = append(dst, s[:b.Len]...)
		} else {
			for _, i := range b.Sel[:b.Len] {
				dst = append(dst, s[i])
			}
		}
	}
	return dst
}

func hashInt(x int64, shift uint) uint64 {
	return (uint64(x) * 0x9E3779B97F4A7C15) >> shift
}

// find looks up (and with insert, adds) the key of each live row of b,
// whose key columns are cols; ids[k] is the id of live row k, or -1 when
// absent and not inserted. Without insert it only reads the table, so
// several goroutines may probe at once with their own scratch.
func (h *hashTable) find(cols []*vec.Vec, b *vec.Batch, ids []int32, insert bool, scratch *probeScratch) error {
	if !h.intMode {
		for k := 0; k < b.Len; k++ {
			id, err := h.findEncoded(cols, b.Row(k), insert, scratch)
			if err != nil {
				return err
			}
			ids[k] = id
		}
		return nil
	}
	vals := readInts(cols[0], b, scratch.ints)
	hasNulls := cols[0].Nulls.Any()
	if h.packed {
		scratch.ints2 = readInts(cols[1], b, scratch.ints2)
		for k, lo := range scratch.ints2 {
			vals[k] = vals[k]<<32 | int64(uint32(lo))
		}
		hasNulls = hasNulls || cols[1].Nulls.Any()
	}
	scratch.ints = vals
	mask := uint64(len(h.slots) - 1)
	for k, x := range vals {
		if hasNulls && anyNull(cols, b.Row(k)) {
			// Keys holding NULLs are rare: they go through the encoded
			// map, which keeps (NULL, 1) and (NULL, 2) apart.
			id, err := h.findEncoded(cols, b.Row(k), insert, scratch)
			if err != nil {
				return err
			}
			ids[k] = id
			continue
		}
		s := hashInt(x, h.shift)
		for {
			slot := h.slots[s]
			if slot == 0 {
				if !insert {
					ids[k] = -1
					break
				}
				id := h.newID(cols, b.Row(k))
				h.intKeys = growZero(h.intKeys, int(id)+1)
				h.intKeys[id] = x
				h.slots[s] = id + 1
				h.inSlots++
				ids[k] = id
				if 2*h.inSlots > len(h.slots) {
					if err := h.rehash(); err != nil {
						return err
					}
					mask = uint64(len(h.slots) - 1)
				}
				break
			}
			if h.intKeys[slot-1] == x {
				ids[k] = slot - 1
				break
			}
			s = (s + 1) & mask
		}
	}
	return nil
}

func anyNull(cols []*vec.Vec, row int) bool {
	for _, c := range cols {
		if c.Nulls.IsNull(row) {
			return true
		}
	}
	return false
}

// newID assigns the next id to the key at row of cols and stores the key.
func (h *hashTable) newID(cols []*vec.Vec, row int) int32 {
	id := int32(h.n)
	h.n++
	for c, kc := range h.keys {
		kc.AppendFrom(cols[c], row)
	}
	return id
}

// findEncoded looks a key up by its byte encoding.
func (h *hashTable) findEncoded(cols []*vec.Vec, row int, insert bool, scratch *probeScratch) (int32, error) {
	scratch.buf = encodeKey(scratch.buf[:0], cols, row)
	buf := scratch.buf
	if id, ok := h.strs[string(buf)]; ok {
		return id, nil
	}
	if !insert {
		return -1, nil
	}
	id := h.newID(cols, row)
	h.strs[string(buf)] = id
	if h.intMode {
		// Keep intKeys indexable by id; this entry is never in a slot.
		h.intKeys = growZero(h.intKeys, int(id)+1)
	}
	return id, h.grow(int64(len(buf)) + 48)
}

func (h *hashTable) rehash() error {
	n := len(h.slots) * 2
	if err := h.grow(int64(n-len(h.slots))*4 + int64(h.inSlots)*16); err != nil {
		return err
	}
	old := h.slots
	h.slots = make([]int32, n)
	h.shift--
	mask := uint64(n - 1)
	for _, slot := range old {
		if slot == 0 {
			continue
		}
		s := hashInt(h.intKeys[slot-1], h.shift)
		for h.slots[s] != 0 {
			s = (s + 1) & mask
		}
		h.slots[s] = slot
	}
	return nil
}

func (h *hashTable) grow(n int64) error {
	if err := h.mem.Grow(n); err != nil {
		return err
	}
	h.accounted += n
	return nil
}

func (h *hashTable) release() {
	h.mem.Shrink(h.accounted)
	h.accounted = 0
	h.slots, h.intKeys, h.strs, h.keys = nil, nil, nil, nil
}

// encodeKey appends a self-delimiting encoding of row's key values: a NULL
// marker, then fixed-width little-endian values or length-prefixed bytes.
// Equal keys encode equally; -0.0 and NaN are normalised so that float keys
// group as PostgreSQL groups them.
func encodeKey(dst []byte, cols []*vec.Vec, row int) []byte {
	for _, c := range cols {
		if c.Nulls.IsNull(row) {
			dst = append(dst, 0)
			continue
		}
		dst = append(dst, 1)
		switch c.Type.Kind {
		case vec.KindBool:
			if c.Bools()[row] {
				dst = append(dst, 1)
			} else {
				dst = append(dst, 0)
			}
		case vec.KindInt16:
			dst = binary.LittleEndian.AppendUint16(dst, uint16(c.Int16s()[row]))
		case vec.KindInt32, vec.KindDate:
			dst = binary.LittleEndian.AppendUint32(dst, uint32(c.Int32s()[row]))
		case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
			dst = binary.LittleEndian.AppendUint64(dst, uint64(c.Int64s()[row]))
		case vec.KindFloat32:
			dst = binary.LittleEndian.AppendUint64(dst, normFloat(float64(c.Float32s()[row])))
		case vec.KindFloat64:
			dst = binary.LittleEndian.AppendUint64(dst, normFloat(c.Float64s()[row]))
		case vec.KindText, vec.KindBytea:
			v := c.Bytes().Get(row)
			dst = binary.AppendUvarint(dst, uint64(len(v)))
			dst = append(dst, v...)
		case vec.KindInterval:
			iv := c.Intervals()[row]
			// Intervals equal by span group together, as in PostgreSQL.
			span := (int64(iv.Months)*30+int64(iv.Days))*86400_000_000 + iv.Micros
			dst = binary.LittleEndian.AppendUint64(dst, uint64(span))
		}
	}
	return dst
}

func normFloat(f float64) uint64 {
	switch {
	case f == 0:
		return 0
	case f != f:
		return math.Float64bits(math.NaN())
	}
	return math.Float64bits(f)
}
