package colexec

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"math"
	"slices"
	"unsafe"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// SortKey is one ORDER BY item. NullsFirst is always explicit: the planner
// applies PostgreSQL's default (NULLS LAST for ASC, NULLS FIRST for DESC),
// so the comparators never infer it from Desc.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// rowCmp compares row i of one column (set) with row j of another, or of the
// same one. Comparators are built once per batch or per materialised set, so
// the type switch happens there and not per value.
type rowCmp func(i, j int) int

// colCmp orders row i of a against row j of b (columns of one type) with
// PostgreSQL semantics under the C collation: text and bytea bytewise, NaN
// above every float and equal to itself, intervals by their span, decimals
// by value (1.5 equals 1.50). NULLs compare equal to each other.
//
// The slices are captured when the comparator is built: appending to a or b
// afterwards needs a new comparator.
func colCmp(a, b *vec.Vec, desc, nullsFirst bool) rowCmp {
	var c rowCmp
	switch a.Type.Kind {
	case vec.KindBool:
		c = boolRowCmp(a.Bools(), b.Bools(), desc)
	case vec.KindInt16:
		c = intRowCmp(a.Int16s(), b.Int16s(), desc)
	case vec.KindInt32, vec.KindDate:
		c = intRowCmp(a.Int32s(), b.Int32s(), desc)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		c = intRowCmp(a.Int64s(), b.Int64s(), desc)
	case vec.KindFloat32:
		c = floatRowCmp(a.Float32s(), b.Float32s(), desc)
	case vec.KindFloat64:
		c = floatRowCmp(a.Float64s(), b.Float64s(), desc)
	case vec.KindText, vec.KindBytea:
		x, y := a.Bytes(), b.Bytes()
		if desc {
			c = func(i, j int) int { return bytes.Compare(y.Get(j), x.Get(i)) }
		} else {
			c = func(i, j int) int { return bytes.Compare(x.Get(i), y.Get(j)) }
		}
	case vec.KindInterval:
		x, y := a.Intervals(), b.Intervals()
		if desc {
			c = func(i, j int) int { return expr.CompareIntervals(y[j], x[i]) }
		} else {
			c = func(i, j int) int { return expr.CompareIntervals(x[i], y[j]) }
		}
	case vec.KindDecimal:
		x, y := a.Decimals(), b.Decimals()
		if desc {
			c = func(i, j int) int { return decimal.Cmp(y[j], x[i]) }
		} else {
			c = func(i, j int) int { return decimal.Cmp(x[i], y[j]) }
		}
	default:
		c = func(int, int) int { return 0 }
	}
	if !colHasNulls(a) && !colHasNulls(b) {
		return c
	}
	// NULL placement is independent of Desc: NullsFirst says where they go.
	nullSide := 1
	if nullsFirst {
		nullSide = -1
	}
	an, bn := &a.Nulls, &b.Nulls
	return func(i, j int) int {
		ni, nj := an.IsNull(i), bn.IsNull(j)
		if ni || nj {
			switch {
			case ni && nj:
				return 0
			case ni:
				return nullSide
			}
			return -nullSide
		}
		return c(i, j)
	}
}

func colHasNulls(v *vec.Vec) bool { return len(v.Nulls.Words()) > 0 && v.Nulls.Any() }

func boolRowCmp(x, y []bool, desc bool) rowCmp {
	b2i := func(b bool) int {
		if b {
			return 1
		}
		return 0
	}
	if desc {
		return func(i, j int) int { return b2i(y[j]) - b2i(x[i]) }
	}
	return func(i, j int) int { return b2i(x[i]) - b2i(y[j]) }
}

func intRowCmp[T int16 | int32 | int64](x, y []T, desc bool) rowCmp {
	if desc {
		return func(i, j int) int { return cmp.Compare(y[j], x[i]) }
	}
	return func(i, j int) int { return cmp.Compare(x[i], y[j]) }
}

func floatRowCmp[T float32 | float64](x, y []T, desc bool) rowCmp {
	if desc {
		return func(i, j int) int { return pgFloatCompare(y[j], x[i]) }
	}
	return func(i, j int) int { return pgFloatCompare(x[i], y[j]) }
}

// pgFloatCompare is PostgreSQL's float order: NaN equals NaN and sorts above
// +Inf; -0 equals 0. cmp.Compare puts NaN first, hence this.
func pgFloatCompare[T float32 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	}
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	}
	return -1
}

// keysCmp chains the comparators of several keys over column sets a and b.
// It does not break ties: callers that need a total order add the row
// number (see tieCmp).
func keysCmp(keys []SortKey, a, b []*vec.Vec) rowCmp {
	cmps := make([]rowCmp, len(keys))
	for k, key := range keys {
		cmps[k] = colCmp(a[key.Col], b[key.Col], key.Desc, key.NullsFirst)
	}
	return chainCmp(cmps)
}

func chainCmp(cmps []rowCmp) rowCmp {
	switch len(cmps) {
	case 0:
		return func(int, int) int { return 0 }
	case 1:
		return cmps[0]
	case 2:
		c0, c1 := cmps[0], cmps[1]
		return func(i, j int) int {
			if r := c0(i, j); r != 0 {
				return r
			}
			return c1(i, j)
		}
	}
	return func(i, j int) int {
		for _, c := range cmps {
			if r := c(i, j); r != 0 {
				return r
			}
		}
		return 0
	}
}

// tieCmp turns a key comparator over one column set into a total order on
// row numbers: rows with equal keys keep their physical order, which makes
// every sort here deterministic and stable with respect to input order.
func tieCmp(c rowCmp) func(a, b int32) int {
	return func(a, b int32) int {
		if r := c(int(a), int(b)); r != 0 {
			return r
		}
		return cmp.Compare(a, b)
	}
}

// normEntry is a row with its first sort key mapped to a uint64 whose
// unsigned order is the key's order; most comparisons are then decided
// without a call through a comparator.
type normEntry struct {
	k   uint64
	row int32
}

// sortRows sorts the row numbers in rows by keys over cols, ties broken by
// row number. scratch is reused for the normalised keys when large enough.
func sortRows(cols []*vec.Vec, keys []SortKey, rows []int32) {
	if len(rows) < 2 {
		return
	}
	cmps := make([]rowCmp, len(keys))
	for k, key := range keys {
		c := cols[key.Col]
		cmps[k] = colCmp(c, c, key.Desc, key.NullsFirst)
	}
	if len(keys) == 0 {
		slices.Sort(rows)
		return
	}
	first := cols[keys[0].Col]
	var rest []rowCmp
	switch first.Type.Kind {
	case vec.KindInterval, vec.KindDecimal:
		// No 64-bit key keeps their order: a span is 128 bits, and a
		// decimal's coefficient means nothing without its scale.
		slices.SortFunc(rows, tieCmp(chainCmp(cmps)))
		return
	case vec.KindText, vec.KindBytea:
		// The normalised key is only an 8-byte prefix: equal prefixes still
		// need the full comparison.
		rest = cmps
	default:
		rest = cmps[1:]
	}
	// NULLs of the first key are set apart: they are all equal on it, and
	// the normalised keys have no spare value for them.
	nonNull, nulls := rows, []int32(nil)
	if colHasNulls(first) {
		nonNull = rows[:0:0]
		for _, r := range rows {
			if first.Nulls.IsNull(int(r)) {
				nulls = append(nulls, r)
			} else {
				nonNull = append(nonNull, r)
			}
		}
	}
	entries := make([]normEntry, len(nonNull))
	normKeys(first, keys[0].Desc, nonNull, entries)
	restCmp := chainCmp(rest)
	slices.SortFunc(entries, func(a, b normEntry) int {
		if a.k != b.k {
			if a.k < b.k {
				return -1
			}
			return 1
		}
		if r := restCmp(int(a.row), int(b.row)); r != 0 {
			return r
		}
		return cmp.Compare(a.row, b.row)
	})
	if nulls == nil {
		for i, e := range entries {
			rows[i] = e.row
		}
		return
	}
	slices.SortFunc(nulls, tieCmp(chainCmp(cmps[1:])))
	out := rows[:0]
	if keys[0].NullsFirst {
		out = append(out, nulls...)
	}
	for _, e := range entries {
		out = append(out, e.row)
	}
	if !keys[0].NullsFirst {
		// rows has room for the NULLs after the sorted entries.
		copy(rows[len(out):], nulls)
	}
}

// normKeys fills out with the normalised first key of each row: integers
// with the sign bit flipped, floats by the usual sign-magnitude trick (NaN
// mapped to the top, -0 to 0), text by its first eight bytes big-endian.
// DESC inverts every bit.
func normKeys(c *vec.Vec, desc bool, rows []int32, out []normEntry) {
	var mask uint64
	if desc {
		mask = math.MaxUint64
	}
	const sign = 1 << 63
	out = out[:len(rows)]
	switch c.Type.Kind {
	case vec.KindBool:
		vals := c.Bools()
		for i, r := range rows {
			var k uint64
			if vals[r] {
				k = 1
			}
			out[i] = normEntry{k ^ mask, r}
		}
	case vec.KindInt16:
		vals := c.Int16s()
		for i, r := range rows {
			out[i] = normEntry{(uint64(int64(vals[r])) ^ sign) ^ mask, r}
		}
	case vec.KindInt32, vec.KindDate:
		vals := c.Int32s()
		for i, r := range rows {
			out[i] = normEntry{(uint64(int64(vals[r])) ^ sign) ^ mask, r}
		}
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		vals := c.Int64s()
		for i, r := range rows {
			out[i] = normEntry{(uint64(vals[r]) ^ sign) ^ mask, r}
		}
	case vec.KindFloat32:
		vals := c.Float32s()
		for i, r := range rows {
			out[i] = normEntry{sortNormFloat(float64(vals[r])) ^ mask, r}
		}
	case vec.KindFloat64:
		vals := c.Float64s()
		for i, r := range rows {
			out[i] = normEntry{sortNormFloat(vals[r]) ^ mask, r}
		}
	case vec.KindText, vec.KindBytea:
		b := c.Bytes()
		var buf [8]byte
		for i, r := range rows {
			v := b.Get(int(r))
			var k uint64
			if len(v) >= 8 {
				k = binary.BigEndian.Uint64(v)
			} else {
				buf = [8]byte{}
				copy(buf[:], v)
				k = binary.BigEndian.Uint64(buf[:])
			}
			out[i] = normEntry{k ^ mask, r}
		}
	}
}

func sortNormFloat(f float64) uint64 {
	if f != f {
		return math.MaxUint64
	}
	if f == 0 {
		f = 0 // -0 sorts with 0
	}
	b := math.Float64bits(f)
	if b&(1<<63) != 0 {
		return ^b
	}
	return b | 1<<63
}

// batchLive returns the selection of b, or nil when its rows are 0..Len-1.
func batchLive(b *vec.Batch) []int32 {
	if b.Sel == nil {
		return nil
	}
	return b.Sel[:b.Len]
}

// appendLiveRows copies the live rows of b onto the ends of dst's columns.
func appendLiveRows(dst []*vec.Vec, b *vec.Batch) {
	sel := batchLive(b)
	for c, col := range b.Cols {
		if sel != nil {
			appendRowsAt(dst[c], col, sel)
		} else {
			dst[c].AppendRange(col, 0, b.Len)
		}
	}
}

// appendRowsAt appends rows idx of src to dst (same kind), in typed loops.
func appendRowsAt(dst, src *vec.Vec, idx []int32) {
	base := dst.Len()
	switch src.Type.Kind {
	case vec.KindBool:
		dst.SetBools(gatherAt(dst.Bools(), src.Bools(), idx))
	case vec.KindInt16:
		dst.SetInt16s(gatherAt(dst.Int16s(), src.Int16s(), idx))
	case vec.KindInt32, vec.KindDate:
		dst.SetInt32s(gatherAt(dst.Int32s(), src.Int32s(), idx))
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		dst.SetInt64s(gatherAt(dst.Int64s(), src.Int64s(), idx))
	case vec.KindFloat32:
		dst.SetFloat32s(gatherAt(dst.Float32s(), src.Float32s(), idx))
	case vec.KindFloat64:
		dst.SetFloat64s(gatherAt(dst.Float64s(), src.Float64s(), idx))
	case vec.KindInterval:
		dst.SetIntervals(gatherAt(dst.Intervals(), src.Intervals(), idx))
	case vec.KindDecimal:
		dst.SetDecimals(gatherAt(dst.Decimals(), src.Decimals(), idx))
	case vec.KindText, vec.KindBytea:
		sb, db := src.Bytes(), dst.Bytes()
		if len(db.Offsets) == 0 {
			db.Offsets = append(db.Offsets, 0)
		}
		for _, i := range idx {
			db.Data = append(db.Data, sb.Data[sb.Offsets[i]:sb.Offsets[i+1]]...)
			db.Offsets = append(db.Offsets, int32(len(db.Data)))
		}
		dst.SetLen(base + len(idx))
	}
	if colHasNulls(src) {
		for k, i := range idx {
			if src.Nulls.IsNull(int(i)) {
				dst.Nulls.SetNull(base + k)
			}
		}
	}
}

func gatherAt[T any](dst, src []T, idx []int32) []T {
	dst = slices.Grow(dst, len(idx))
	for _, i := range idx {
		dst = append(dst, src[i])
	}
	return dst
}

// colHeldBytes estimates the bytes a column holds, for Memory accounting.
func colHeldBytes(v *vec.Vec) int64 {
	n := int64(v.Len())
	words := int64(len(v.Nulls.Words())) * 8
	if k := v.Type.Kind; k == vec.KindText || k == vec.KindBytea {
		return int64(len(v.Bytes().Data)) + 4*(n+1) + words
	}
	return valueBytes(v.Type)*n + words
}

// decimalBytes is what a decimal.Decimal takes in a column.
const decimalBytes = int64(unsafe.Sizeof(decimal.Decimal{}))

// valueBytes is what one value of type t takes in a column: its width, or
// for text and bytea its offset alone (their data varies and is counted
// apart).
func valueBytes(t vec.Type) int64 {
	switch t.Kind {
	case vec.KindBool:
		return 1
	case vec.KindInt16:
		return 2
	case vec.KindInt32, vec.KindDate, vec.KindFloat32, vec.KindText, vec.KindBytea:
		return 4
	case vec.KindInterval:
		return 16
	case vec.KindDecimal:
		return decimalBytes
	}
	return 8
}

// colsHeldBytes is colHeldBytes summed over columns.
func colsHeldBytes(cols []*vec.Vec) int64 {
	var n int64
	for _, c := range cols {
		n += colHeldBytes(c)
	}
	return n
}

// newColumnSet returns empty columns of the given types.
func newColumnSet(types []vec.Type, capacity int) []*vec.Vec {
	cols := make([]*vec.Vec, len(types))
	for i, t := range types {
		cols[i] = vec.New(t, capacity)
	}
	return cols
}
