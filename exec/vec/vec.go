package vec

import (
	"math/bits"
	"slices"
	"unsafe"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/internal/hugepage"
)

// Interval is a PostgreSQL interval: months, days and microseconds are kept
// apart because their lengths vary (a month is not 30 days in date
// arithmetic).
type Interval struct {
	Months int32
	Days   int32
	Micros int64
}

// Span is the interval's length in microseconds with months of 30 days, as
// a 128-bit two's-complement number (hi, lo): what PostgreSQL compares,
// groups and hashes intervals by. int64 microseconds overflow past about
// 292,000 years, and an interval may be longer.
func (iv Interval) Span() (hi int64, lo uint64) {
	const microsPerDay = 86400_000_000
	days := int64(iv.Months)*30 + int64(iv.Days) // at most about 6.7e10: no overflow
	h, l := bits.Mul64(uint64(max(days, -days)), microsPerDay)
	if days < 0 {
		l, h = -l, ^h
		if l == 0 {
			h++
		}
	}
	ext := uint64(iv.Micros >> 63) // the micros' sign, extended
	l, carry := bits.Add64(l, uint64(iv.Micros), 0)
	h, _ = bits.Add64(h, ext, carry)
	return int64(h), l
}

// Bytes is a column of variable-length values laid out as Arrow lays out
// strings: value i is Data[Offsets[i]:Offsets[i+1]]. len(Offsets) is one more
// than the number of values.
type Bytes struct {
	Data    []byte
	Offsets []int32
}

// Get returns value i. The slice aliases the column's storage.
func (b *Bytes) Get(i int) []byte { return b.Data[b.Offsets[i]:b.Offsets[i+1]] }

// Len returns the number of values.
func (b *Bytes) Len() int { return max(len(b.Offsets)-1, 0) }

// Append adds one value.
func (b *Bytes) Append(v []byte) {
	if len(b.Offsets) == 0 {
		b.Offsets = append(b.Offsets, 0)
	}
	b.Data = append(b.Data, v...)
	b.Offsets = append(b.Offsets, int32(len(b.Data)))
}

// Nulls is a bitmap of NULL positions: bit i set means row i is NULL. The zero
// value has no NULLs, and a nil bitmap is how a column says it has none, which
// lets kernels pick a loop without null checks.
type Nulls struct {
	bits []uint64
}

// IsNull reports whether row i is NULL.
func (n *Nulls) IsNull(i int) bool {
	w := i >> 6
	return w < len(n.bits) && n.bits[w]&(1<<(uint(i)&63)) != 0
}

// SetNull marks row i NULL.
func (n *Nulls) SetNull(i int) {
	w := i >> 6
	for len(n.bits) <= w {
		n.bits = append(n.bits, 0)
	}
	n.bits[w] |= 1 << (uint(i) & 63)
}

// SetValid marks row i not NULL.
func (n *Nulls) SetValid(i int) {
	w := i >> 6
	if w < len(n.bits) {
		n.bits[w] &^= 1 << (uint(i) & 63)
	}
}

// Any reports whether any row is NULL.
func (n *Nulls) Any() bool {
	for _, w := range n.bits {
		if w != 0 {
			return true
		}
	}
	return false
}

// Count returns the number of NULL rows among the first n.
func (n *Nulls) Count(rows int) int {
	c := 0
	full := rows >> 6
	for i := 0; i < full && i < len(n.bits); i++ {
		c += bits.OnesCount64(n.bits[i])
	}
	if rem := uint(rows) & 63; rem != 0 && full < len(n.bits) {
		c += bits.OnesCount64(n.bits[full] & (1<<rem - 1))
	}
	return c
}

// Reset clears every NULL mark, keeping the allocation.
func (n *Nulls) Reset() { clear(n.bits); n.bits = n.bits[:0] }

// Words exposes the bitmap words (bit set = NULL) for kernels that process 64
// rows at a time. It may be shorter than the column: missing words are zero.
func (n *Nulls) Words() []uint64 { return n.bits }

// Vec is one column of a batch. Exactly one of the typed slices is in use, the
// one Type.Kind names; kernels take it with the typed accessor and loop over
// it directly, never through an interface per value.
type Vec struct {
	Type  Type
	Nulls Nulls
	n     int

	bools []bool
	i16   []int16
	i32   []int32 // Int32, Date
	i64   []int64 // Int64, Numeric, Timestamp, TimestampTZ
	f32   []float32
	f64   []float64
	bytes Bytes // Text, Bytea
	ivl   []Interval
	dec   []decimal.Decimal
}

// New returns an empty column of type t with room for capacity values.
func New(t Type, capacity int) *Vec {
	v := &Vec{Type: t}
	switch t.Kind {
	case KindBool:
		v.bools = make([]bool, 0, capacity)
	case KindInt16:
		v.i16 = make([]int16, 0, capacity)
	case KindInt32, KindDate:
		v.i32 = make([]int32, 0, capacity)
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.i64 = make([]int64, 0, capacity)
	case KindFloat32:
		v.f32 = make([]float32, 0, capacity)
	case KindFloat64:
		v.f64 = make([]float64, 0, capacity)
	case KindText, KindBytea:
		v.bytes.Offsets = make([]int32, 1, capacity+1)
	case KindInterval:
		v.ivl = make([]Interval, 0, capacity)
	case KindDecimal:
		v.dec = make([]decimal.Decimal, 0, capacity)
	}
	return v
}

// Len returns the number of values in the column.
func (v *Vec) Len() int { return v.n }

// Typed accessors. Each returns the live values; the caller must only use the
// one matching Type.Kind. The slices alias the column.
func (v *Vec) Bools() []bool               { return v.bools[:v.n] }
func (v *Vec) Int16s() []int16             { return v.i16[:v.n] }
func (v *Vec) Int32s() []int32             { return v.i32[:v.n] }
func (v *Vec) Int64s() []int64             { return v.i64[:v.n] }
func (v *Vec) Float32s() []float32         { return v.f32[:v.n] }
func (v *Vec) Float64s() []float64         { return v.f64[:v.n] }
func (v *Vec) Intervals() []Interval       { return v.ivl[:v.n] }
func (v *Vec) Decimals() []decimal.Decimal { return v.dec[:v.n] }
func (v *Vec) Bytes() *Bytes               { return &v.bytes }

// SetInt64s replaces the column's contents with vals (kinds stored as int64);
// the column takes ownership of the slice. Readers use the Set functions to
// hand decoded pages over without copying.
func (v *Vec) SetInt64s(vals []int64) { v.i64, v.n = vals, len(vals) }

// SetInt32s is SetInt64s for kinds stored as int32.
func (v *Vec) SetInt32s(vals []int32) { v.i32, v.n = vals, len(vals) }

// SetInt16s is SetInt64s for int16.
func (v *Vec) SetInt16s(vals []int16) { v.i16, v.n = vals, len(vals) }

// SetFloat64s is SetInt64s for float64.
func (v *Vec) SetFloat64s(vals []float64) { v.f64, v.n = vals, len(vals) }

// SetFloat32s is SetInt64s for float32.
func (v *Vec) SetFloat32s(vals []float32) { v.f32, v.n = vals, len(vals) }

// SetBools is SetInt64s for bool.
func (v *Vec) SetBools(vals []bool) { v.bools, v.n = vals, len(vals) }

// SetIntervals is SetInt64s for interval.
func (v *Vec) SetIntervals(vals []Interval) { v.ivl, v.n = vals, len(vals) }

// SetDecimals is SetInt64s for KindDecimal.
func (v *Vec) SetDecimals(vals []decimal.Decimal) { v.dec, v.n = vals, len(vals) }

// SetBytes replaces a Text or Bytea column's contents.
func (v *Vec) SetBytes(b Bytes) { v.bytes, v.n = b, b.Len() }

// Reset empties the column, keeping its allocations.
func (v *Vec) Reset() {
	v.n = 0
	v.Nulls.Reset()
	v.bools, v.i16, v.i32, v.i64 = v.bools[:0], v.i16[:0], v.i32[:0], v.i64[:0]
	v.f32, v.f64, v.ivl, v.dec = v.f32[:0], v.f64[:0], v.ivl[:0], v.dec[:0]
	v.bytes.Data = v.bytes.Data[:0]
	if cap(v.bytes.Offsets) > 0 {
		v.bytes.Offsets = v.bytes.Offsets[:1]
	}
}

// AppendNull adds a NULL. The slot holds the type's zero value.
func (v *Vec) AppendNull() {
	v.Nulls.SetNull(v.n)
	switch v.Type.Kind {
	case KindBool:
		v.bools = append(v.bools[:v.n], false)
	case KindInt16:
		v.i16 = append(v.i16[:v.n], 0)
	case KindInt32, KindDate:
		v.i32 = append(v.i32[:v.n], 0)
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.i64 = append(v.i64[:v.n], 0)
	case KindFloat32:
		v.f32 = append(v.f32[:v.n], 0)
	case KindFloat64:
		v.f64 = append(v.f64[:v.n], 0)
	case KindText, KindBytea:
		v.bytes.Append(nil)
	case KindInterval:
		v.ivl = append(v.ivl[:v.n], Interval{})
	case KindDecimal:
		v.dec = append(v.dec[:v.n], decimal.Decimal{})
	}
	v.n++
}

// Row-at-a-time appends, for writers and tests; kernels use the slices.

// AppendBool adds a value to a bool column.
func (v *Vec) AppendBool(x bool) { v.bools = append(v.bools[:v.n], x); v.n++ }

// AppendInt16 adds a value to an int16 column.
func (v *Vec) AppendInt16(x int16) { v.i16 = append(v.i16[:v.n], x); v.n++ }

// AppendInt32 adds a value to a column stored as int32 (int4, date).
func (v *Vec) AppendInt32(x int32) { v.i32 = append(v.i32[:v.n], x); v.n++ }

// AppendInt64 adds a value to a column stored as int64 (int8, numeric,
// timestamps).
func (v *Vec) AppendInt64(x int64) { v.i64 = append(v.i64[:v.n], x); v.n++ }

// AppendFloat32 adds a value to a float4 column.
func (v *Vec) AppendFloat32(x float32) { v.f32 = append(v.f32[:v.n], x); v.n++ }

// AppendFloat64 adds a value to a float8 column.
func (v *Vec) AppendFloat64(x float64) { v.f64 = append(v.f64[:v.n], x); v.n++ }

// AppendBytes adds a value to a text or bytea column.
func (v *Vec) AppendBytes(x []byte) { v.bytes.Append(x); v.n++ }

// AppendInterval adds a value to an interval column.
func (v *Vec) AppendInterval(x Interval) { v.ivl = append(v.ivl[:v.n], x); v.n++ }

// AppendDecimal adds a value to a KindDecimal column.
func (v *Vec) AppendDecimal(x decimal.Decimal) { v.dec = append(v.dec[:v.n], x); v.n++ }

// AppendFrom copies row i of src (same type) to the end of v.
func (v *Vec) AppendFrom(src *Vec, i int) {
	if src.Nulls.IsNull(i) {
		v.AppendNull()
		return
	}
	switch v.Type.Kind {
	case KindBool:
		v.AppendBool(src.bools[i])
	case KindInt16:
		v.AppendInt16(src.i16[i])
	case KindInt32, KindDate:
		v.AppendInt32(src.i32[i])
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.AppendInt64(src.i64[i])
	case KindFloat32:
		v.AppendFloat32(src.f32[i])
	case KindFloat64:
		v.AppendFloat64(src.f64[i])
	case KindText, KindBytea:
		v.AppendBytes(src.bytes.Get(i))
	case KindInterval:
		v.AppendInterval(src.ivl[i])
	case KindDecimal:
		v.AppendDecimal(src.dec[i])
	}
}

// Reserve makes room for n more values, so that appending them does not
// grow the column: for a caller that knows how many will come. Text and
// bytea reserve their offsets only.
func (v *Vec) Reserve(n int) {
	switch v.Type.Kind {
	case KindBool:
		v.bools = reserve(v.bools[:v.n], n)
	case KindInt16:
		v.i16 = reserve(v.i16[:v.n], n)
	case KindInt32, KindDate:
		v.i32 = reserve(v.i32[:v.n], n)
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.i64 = reserve(v.i64[:v.n], n)
	case KindFloat32:
		v.f32 = reserve(v.f32[:v.n], n)
	case KindFloat64:
		v.f64 = reserve(v.f64[:v.n], n)
	case KindInterval:
		v.ivl = reserve(v.ivl[:v.n], n)
	case KindDecimal:
		v.dec = reserve(v.dec[:v.n], n)
	case KindText, KindBytea:
		v.bytes.Offsets = reserve(v.bytes.Offsets, n+1)
	}
}

func reserve[T any](s []T, n int) []T {
	if cap(s)-len(s) >= n {
		return s
	}
	grown := hugepage.Make[T](len(s) + n)[:len(s)]
	copy(grown, s)
	return grown
}

// Batch is a set of equally long columns plus an optional selection vector.
// When Sel is nil the live rows are 0..Len-1; otherwise they are the
// increasing indices Sel[:Len]. A batch with Len 0 ends a stream.
type Batch struct {
	Cols []*Vec
	Len  int
	Sel  []int32
}

// NewBatch returns an empty batch with one column per type.
func NewBatch(types []Type, capacity int) *Batch {
	b := &Batch{Cols: make([]*Vec, len(types))}
	for i, t := range types {
		b.Cols[i] = New(t, capacity)
	}
	return b
}

// Row returns the physical index of live row i.
func (b *Batch) Row(i int) int {
	if b.Sel != nil {
		return int(b.Sel[i])
	}
	return i
}

// Reset empties every column and drops the selection.
func (b *Batch) Reset() {
	for _, c := range b.Cols {
		c.Reset()
	}
	b.Len, b.Sel = 0, nil
}

// Types returns the column types.
func (b *Batch) Types() []Type {
	ts := make([]Type, len(b.Cols))
	for i, c := range b.Cols {
		ts[i] = c.Type
	}
	return ts
}

// Prepare turns v into a column of type t holding n values, reusing its
// allocations. Fixed-width values are left as they were (callers overwrite
// the rows they define); variable-length columns are emptied so a kernel can
// append rows 0..n-1 in order. No row is NULL afterwards.
func (v *Vec) Prepare(t Type, n int) {
	v.Type = t
	v.Nulls.Reset()
	v.n = n
	switch t.Kind {
	case KindBool:
		v.bools = grow(v.bools, n)
	case KindInt16:
		v.i16 = grow(v.i16, n)
	case KindInt32, KindDate:
		v.i32 = grow(v.i32, n)
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.i64 = grow(v.i64, n)
	case KindFloat32:
		v.f32 = grow(v.f32, n)
	case KindFloat64:
		v.f64 = grow(v.f64, n)
	case KindInterval:
		v.ivl = grow(v.ivl, n)
	case KindDecimal:
		v.dec = grow(v.dec, n)
	case KindText, KindBytea:
		v.bytes.Data = v.bytes.Data[:0]
		v.bytes.Offsets = append(v.bytes.Offsets[:0], 0)
		v.n = 0
	}
}

// SetLen sets the number of values of a variable-length column after a
// kernel appended to its Bytes directly.
func (v *Vec) SetLen(n int) { v.n = n }

// appendMany is append(dst, src...), except that a full array doubles
// (append grows big slices by a quarter, which copied a join's build
// columns four to five times over as they grew batch by batch) and one of
// hugepage.MinBytes or more is asked of the kernel in huge pages.
func appendMany[T any](dst, src []T) []T {
	n := len(dst) + len(src)
	if n <= cap(dst) {
		return append(dst, src...)
	}
	size := max(n, 2*cap(dst))
	var zero T
	if uintptr(size)*unsafe.Sizeof(zero) < hugepage.MinBytes {
		// Asking for at least twice the capacity makes append take
		// exactly that, zeroing only what the copy leaves.
		return append(slices.Grow(dst, size-len(dst)), src...)
	}
	grown := hugepage.Make[T](size)[:len(dst)]
	copy(grown, dst)
	return append(grown, src...)
}

func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, max(n, 2*cap(s)))
}

// CopyFrom replaces the bitmap with a copy of the first n rows of src.
func (n *Nulls) CopyFrom(src *Nulls, rows int) {
	words := (rows + 63) >> 6
	n.bits = n.bits[:0]
	if len(src.bits) == 0 {
		return
	}
	words = min(words, len(src.bits))
	n.bits = append(n.bits, src.bits[:words]...)
}

// Or sets every row NULL that is NULL in src (for the first rows rows).
func (n *Nulls) Or(src *Nulls, rows int) {
	words := min((rows+63)>>6, len(src.bits))
	for len(n.bits) < words {
		n.bits = append(n.bits, 0)
	}
	for i := 0; i < words; i++ {
		n.bits[i] |= src.bits[i]
	}
}

// PhysLen returns the number of physical rows: the length of the columns, or
// for a batch without columns the extent the selection covers.
func (b *Batch) PhysLen() int {
	if len(b.Cols) > 0 {
		return b.Cols[0].Len()
	}
	if b.Sel != nil {
		if b.Len == 0 {
			return 0
		}
		return int(b.Sel[b.Len-1]) + 1
	}
	return b.Len
}

// AppendRange appends rows [from, to) of src (same type) to v with one
// copy per column slice rather than a call per value.
func (v *Vec) AppendRange(src *Vec, from, to int) {
	if to <= from {
		return
	}
	base := v.n
	switch v.Type.Kind {
	case KindBool:
		v.bools = appendMany(v.bools[:v.n], src.bools[from:to])
	case KindInt16:
		v.i16 = appendMany(v.i16[:v.n], src.i16[from:to])
	case KindInt32, KindDate:
		v.i32 = appendMany(v.i32[:v.n], src.i32[from:to])
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.i64 = appendMany(v.i64[:v.n], src.i64[from:to])
	case KindFloat32:
		v.f32 = appendMany(v.f32[:v.n], src.f32[from:to])
	case KindFloat64:
		v.f64 = appendMany(v.f64[:v.n], src.f64[from:to])
	case KindInterval:
		v.ivl = appendMany(v.ivl[:v.n], src.ivl[from:to])
	case KindDecimal:
		v.dec = appendMany(v.dec[:v.n], src.dec[from:to])
	case KindText, KindBytea:
		if len(v.bytes.Offsets) == 0 {
			v.bytes.Offsets = append(v.bytes.Offsets, 0)
		}
		so := src.bytes.Offsets
		start := so[from]
		shift := int32(len(v.bytes.Data)) - start
		v.bytes.Data = appendMany(v.bytes.Data, src.bytes.Data[start:so[to]])
		for _, o := range so[from+1 : to+1] {
			v.bytes.Offsets = append(v.bytes.Offsets, o+shift)
		}
	}
	v.n += to - from
	if src.Nulls.Any() {
		for i := from; i < to; i++ {
			if src.Nulls.IsNull(i) {
				v.Nulls.SetNull(base + i - from)
			}
		}
	}
}
