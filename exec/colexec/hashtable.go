package colexec

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/internal/hugepage"
)

// hashTable maps key tuples to dense ids 0, 1, 2, ... in insertion order and
// keeps the distinct keys column-wise. Aggregation uses the ids as group
// numbers and joins as build-row chain heads.
//
// A single integer-like key (integers, dates, timestamps, numerics, bools),
// or two narrow ones packed, uses an open-addressing table of the key
// values themselves ("int mode"). Other keys use the same table of 64-bit
// hashes computed a batch at a time (keyhash.go), and a hash match is
// confirmed by comparing the row with the stored key.
//
// A single integer-like key whose values span a range no wider than the
// open-addressing table its keys would need starts in direct mode: an
// array indexed by the key's offset from the range's start. Keys are
// often dense (order numbers, customer ids, dates) and arrive in order,
// and a direct lookup is one load that the CPU's prefetcher can follow,
// where hashing scatters every access. A key that would widen the range
// past that bound moves the table to open addressing for good. A join
// build, whose keys are known before it indexes them, may also use a
// sparse direct table, indexed by a key's rank in a bitmap of the range.
type hashTable struct {
	types []vec.Type
	keys  []*vec.Vec // distinct keys, one vector per key column
	mem   *Memory

	intMode bool
	packed  bool // two narrow integer keys packed into one int64
	// slots is the open-addressing table: in int mode each slot holds its
	// key, otherwise the key's hash, beside its id, so that a probe
	// touches one cache line. (With millions of keys, a second array
	// indexed by id cost a second miss per probe and per rehashed key.)
	slots   []intSlot
	inSlots int
	shift   uint
	strs    map[string]int32 // int mode's keys with a NULL in them, encoded
	// direct mode (hashtable_direct.go): dir[key-dirBase] is the key's
	// id+1, 0 when absent. Keys from keyLo to keyHi are all the array must
	// keep when it is resized: the rest is room to grow into. With rank
	// set it is sparse: dir is indexed by the key's rank among the span
	// keys from dirBase.
	direct       bool
	dir          []int32
	dirBase      int64
	keyLo, keyHi int64
	rank         []rankWord
	span         uint64
	n            int
	accounted    int64
}

// intSlot is one slot of the table: a (packed) key in int mode or a key's
// hash otherwise, and its id+1, 0 marking an empty slot.
type intSlot struct {
	key int64
	id  int32
}

// probeScratch is a caller's reusable buffers for find; each bee has its
// own, so that bees can probe one built table at once.
type probeScratch struct {
	ints, ints2    []int64
	hashes, hashed []uint64
	buf            []byte
	touched        int32 // keeps the prefetching loads alive
}

// prefetchSlots is the table size past which find first touches the slot
// of every row of a batch in a loop of independent loads, which the CPU
// overlaps, before the probe loop proper, whose loads wait on each other
// (a probe decides whether to step on). Smaller tables stay in cache.
const prefetchSlots = 1 << 15

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
	h.direct = h.intMode && !h.packed
	h.slots = make([]intSlot, 1024)
	h.shift = 64 - 10
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

// reserve sizes the table for n distinct keys at most, so that inserting
// them never rehashes.
func (h *hashTable) reserve(n int) error {
	if h.inSlots > 0 {
		return nil // only an empty table is sized up front
	}
	size, shift := h.slotsFor(n)
	if size == len(h.slots) {
		return nil
	}
	if err := h.grow(int64(size-len(h.slots)) * int64(unsafe.Sizeof(intSlot{}))); err != nil {
		return err
	}
	h.slots, h.shift = hugepage.Make[intSlot](size), shift
	return nil
}

// slotsFor returns the size and shift of the smallest doubling of the
// open-addressing table that holds n keys less than half full.
func (h *hashTable) slotsFor(n int) (size int, shift uint) {
	size, shift = len(h.slots), h.shift
	for size < 2*n+1 {
		size *= 2
		shift--
	}
	return size, shift
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
		return h.findHashed(cols, b, ids, insert, scratch)
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
	if h.direct {
		if stayed, err := h.findDirect(cols, b, vals, ids, insert, hasNulls, scratch); stayed || err != nil {
			return err
		}
	}
	if len(h.slots) > prefetchSlots {
		var touched int32
		for _, x := range vals {
			touched += h.slots[hashInt(x, h.shift)].id
		}
		scratch.touched = touched
	}
	mask := uint64(len(h.slots) - 1)
	// Data is often clustered by its key (lineitem by order key, facts by
	// time), so a row whose key equals the previous row's takes that id
	// without a probe. Ids never move, even when the table rehashes.
	prevKey, prevID, havePrev := int64(0), int32(0), false
	inserted := 0 // keys stored, accounted at the end as findHashed does
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
		if havePrev && x == prevKey {
			ids[k] = prevID
			continue
		}
		s := hashInt(x, h.shift)
		for {
			slot := &h.slots[s]
			if slot.id == 0 {
				if !insert {
					ids[k] = -1
					break
				}
				id := h.newID(cols, b.Row(k))
				inserted++
				*slot = intSlot{key: x, id: id + 1}
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
			if slot.key == x {
				ids[k] = slot.id - 1
				break
			}
			s = (s + 1) & mask
		}
		prevKey, prevID, havePrev = x, ids[k], true
	}
	if inserted > 0 {
		return h.grow(int64(inserted) * 8)
	}
	return nil
}

// findHashed is find outside int mode, in three passes over the batch: a
// probe by hash alone, which takes the first slot with the row's hash as
// its candidate; a check of the candidates against the stored keys, a
// typed loop per key column; and an exact probe, comparing whole keys, for
// the rows left: new keys to insert, and the rare rows whose hash matched
// another key.
func (h *hashTable) findHashed(cols []*vec.Vec, b *vec.Batch, ids []int32, insert bool, scratch *probeScratch) error {
	scratch.hashes, scratch.hashed = tableHash(cols, b, scratch.hashes, scratch.hashed)
	hashes := scratch.hashes
	ids = ids[:len(hashes)]
	if len(h.slots) > prefetchSlots {
		var touched int32
		for _, hv := range hashes {
			touched += h.slots[hv>>h.shift].id
		}
		scratch.touched = touched
	}
	mask := uint64(len(h.slots) - 1)
	for k, hv := range hashes {
		ids[k] = absentKey
		for s := hv >> h.shift; ; s = (s + 1) & mask {
			slot := h.slots[s]
			if slot.id == 0 {
				break
			}
			if uint64(slot.key) == hv {
				ids[k] = slot.id - 1
				break
			}
		}
	}
	for c, kc := range h.keys {
		checkCandidates(cols[c], kc, b, ids)
	}
	var added int64 // bytes of the keys this call stores, accounted at the end
	for k, id := range ids {
		if id >= 0 || id == absentKey && !insert {
			continue
		}
		row := b.Row(k)
		found, inserted, err := h.findExact(cols, row, hashes[k], insert)
		if inserted {
			added += keyBytes(cols, row)
		}
		ids[k] = found
		if err != nil {
			return err
		}
	}
	if added > 0 {
		return h.grow(added)
	}
	return nil
}

// Candidate states of findHashed between its passes.
const (
	absentKey   = -1 // no slot holds the row's hash
	mismatchKey = -2 // the first slot with the row's hash holds another key
)

// findExact finds (or with insert adds) row's key, whose hash is hv, and
// says whether it added it.
func (h *hashTable) findExact(cols []*vec.Vec, row int, hv uint64, insert bool) (id int32, inserted bool, err error) {
	mask := uint64(len(h.slots) - 1)
	for s := hv >> h.shift; ; s = (s + 1) & mask {
		slot := &h.slots[s]
		if slot.id == 0 {
			if !insert {
				return -1, false, nil
			}
			id := h.newID(cols, row)
			*slot = intSlot{key: int64(hv), id: id + 1}
			h.inSlots++
			if 2*h.inSlots > len(h.slots) {
				err = h.rehash()
			}
			return id, true, err
		}
		if uint64(slot.key) == hv && keysEqual(cols, row, h.keys, int(slot.id-1)) {
			return slot.id - 1, false, nil
		}
	}
}

// checkCandidates marks mismatchKey the live rows of b whose candidate id
// (ids[k] >= 0) holds another value than the row in key column pc; kc is
// the stored keys' column.
func checkCandidates(pc, kc *vec.Vec, b *vec.Batch, ids []int32) {
	probe, stored := []*vec.Vec{pc}, []*vec.Vec{kc}
	if pc.Nulls.Any() || kc.Nulls.Any() {
		for k, id := range ids {
			if id >= 0 && !keysEqual(probe, b.Row(k), stored, int(id)) {
				ids[k] = mismatchKey
			}
		}
		return
	}
	switch kc.Type.Kind {
	case vec.KindInt32, vec.KindDate:
		checkFixed(pc.Int32s(), kc.Int32s(), b, ids)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		checkFixed(pc.Int64s(), kc.Int64s(), b, ids)
	case vec.KindInt16:
		checkFixed(pc.Int16s(), kc.Int16s(), b, ids)
	case vec.KindText, vec.KindBytea:
		p, q := pc.Bytes(), kc.Bytes()
		for k, id := range ids {
			if id < 0 {
				continue
			}
			row := b.Row(k)
			if string(p.Data[p.Offsets[row]:p.Offsets[row+1]]) != string(q.Data[q.Offsets[id]:q.Offsets[id+1]]) {
				ids[k] = mismatchKey
			}
		}
	case vec.KindDecimal:
		p, q := pc.Decimals(), kc.Decimals()
		for k, id := range ids {
			if id >= 0 && decimal.Cmp(p[b.Row(k)], q[id]) != 0 {
				ids[k] = mismatchKey
			}
		}
	default: // bools, floats and intervals compare as they hash
		for k, id := range ids {
			if id >= 0 && !keysEqual(probe, b.Row(k), stored, int(id)) {
				ids[k] = mismatchKey
			}
		}
	}
}

func checkFixed[T int16 | int32 | int64](p, q []T, b *vec.Batch, ids []int32) {
	for k, id := range ids {
		if id >= 0 && p[b.Row(k)] != q[id] {
			ids[k] = mismatchKey
		}
	}
}

// keyBytes is about what storing row's key costs the key vectors.
func keyBytes(cols []*vec.Vec, row int) int64 {
	n := int64(8 * len(cols))
	for _, c := range cols {
		switch c.Type.Kind {
		case vec.KindText, vec.KindBytea:
			n += int64(len(c.Bytes().Get(row)))
		case vec.KindDecimal, vec.KindInterval:
			n += valueBytes(c.Type) - 8
		}
	}
	return n
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
	return id, h.grow(int64(len(buf)) + 48)
}

func (h *hashTable) rehash() error {
	n := len(h.slots) * 2
	if err := h.grow(int64(n-len(h.slots)) * int64(unsafe.Sizeof(intSlot{}))); err != nil {
		return err
	}
	old := h.slots
	h.slots = hugepage.Make[intSlot](n)
	h.shift--
	mask := uint64(n - 1)
	for _, slot := range old {
		if slot.id == 0 {
			continue
		}
		s := uint64(slot.key) >> h.shift
		if h.intMode {
			s = hashInt(slot.key, h.shift)
		}
		for h.slots[s].id != 0 {
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
	h.slots, h.strs, h.keys, h.dir, h.rank = nil, nil, nil, nil, nil
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
			// Intervals equal by span group together, as in PostgreSQL.
			hi, lo := c.Intervals()[row].Span()
			dst = binary.LittleEndian.AppendUint64(dst, uint64(hi))
			dst = binary.LittleEndian.AppendUint64(dst, lo)
		case vec.KindDecimal:
			// Equal values group together whatever their scales.
			d := decimal.Normalize(c.Decimals()[row])
			dst = binary.LittleEndian.AppendUint64(dst, d.Lo)
			dst = binary.LittleEndian.AppendUint64(dst, uint64(d.Hi))
			dst = binary.LittleEndian.AppendUint32(dst, uint32(d.Scale))
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

// anyNulls reports whether some column may hold a NULL.
func anyNulls(cols []*vec.Vec) bool {
	for _, c := range cols {
		if c.Nulls.Any() {
			return true
		}
	}
	return false
}
