package cell

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// Value is a typed scalar: a statistics bound, a partition value or the
// constant of a predicate. Which field holds it follows the column kind:
//
//	bool                                 I (0 or 1)
//	int16/32/64, date (days),
//	timestamp(tz) (µs), numeric          I (numeric: unscaled, at the
//	                                     column's scale)
//	float32/64                           F
//	text, bytea                          B
//	numeric(19..38, s) (KindDecimal)     D (compared by value)
//
// Null marks SQL NULL. Interval values have no scalar form here.
type Value struct {
	Null bool
	I    int64
	F    float64
	B    []byte
	D    decimal.Decimal
}

// Int, Float and Bytes build Values for predicates.
func Int(x int64) Value     { return Value{I: x} }
func Float(x float64) Value { return Value{F: x} }
func Bytes(b []byte) Value  { return Value{B: b} }
func String(s string) Value { return Value{B: []byte(s)} }
func Bool(b bool) Value     { return Value{I: b2i(b)} }
func Decimal(d decimal.Decimal) Value {
	return Value{D: d}
}
func Null() Value { return Value{Null: true} }
func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// MaxStatBytes bounds text statistics: longer bounds are truncated at a UTF-8
// boundary (minimums) or truncated and rounded up (maximums).
const MaxStatBytes = 64

// family groups kinds by how their Values compare.
type family uint8

const (
	famNone family = iota // no ordering kept (interval, bytea)
	famInt
	famFloat
	famBytes
	famDecimal
)

func familyOf(k vec.Kind) family {
	switch k {
	case vec.KindBool, vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric,
		vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
		return famInt
	case vec.KindFloat32, vec.KindFloat64:
		return famFloat
	case vec.KindText:
		return famBytes
	case vec.KindDecimal:
		return famDecimal
	}
	return famNone
}

// compareFloat orders floats as PostgreSQL does: NaN equals NaN and sorts
// above every other value, -0 equals 0.
func compareFloat(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compare orders two non-NULL values of one family.
func compare(f family, a, b Value) int {
	switch f {
	case famInt:
		switch {
		case a.I < b.I:
			return -1
		case a.I > b.I:
			return 1
		}
		return 0
	case famFloat:
		return compareFloat(a.F, b.F)
	case famBytes:
		return bytes.Compare(a.B, b.B)
	case famDecimal:
		return decimal.Cmp(a.D, b.D)
	}
	return 0
}

// EncodeStat writes a bound in the ledger's JSON encoding (docs/cells.md):
// integer-stored kinds as exact JSON numbers, bool as true/false, floats as
// JSON numbers except "NaN", "Infinity" and "-Infinity" as strings, text as
// a JSON string, numeric(19..38, s) as a JSON number in its exact text
// form. Bytea and interval have no encoding (nil, nil).
func EncodeStat(t vec.Type, v Value) (json.RawMessage, error) {
	if v.Null {
		return nil, fmt.Errorf("cell: encode stat: NULL is not a bound")
	}
	switch t.Kind {
	case vec.KindBool:
		if v.I != 0 {
			return json.RawMessage("true"), nil
		}
		return json.RawMessage("false"), nil
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDate,
		vec.KindTimestamp, vec.KindTimestampTZ:
		return strconv.AppendInt(nil, v.I, 10), nil
	case vec.KindFloat32, vec.KindFloat64:
		switch {
		case math.IsNaN(v.F):
			return json.RawMessage(`"NaN"`), nil
		case math.IsInf(v.F, 1):
			return json.RawMessage(`"Infinity"`), nil
		case math.IsInf(v.F, -1):
			return json.RawMessage(`"-Infinity"`), nil
		}
		bits := 64
		if t.Kind == vec.KindFloat32 {
			bits = 32
		}
		return strconv.AppendFloat(nil, v.F, 'g', -1, bits), nil
	case vec.KindText:
		if !utf8.Valid(v.B) {
			return nil, fmt.Errorf("cell: encode stat: text bound is not UTF-8")
		}
		return json.Marshal(string(v.B))
	case vec.KindDecimal:
		return decimal.Append(nil, v.D), nil
	}
	return nil, nil
}

// DecodeStat reads a bound written by EncodeStat.
func DecodeStat(t vec.Type, raw json.RawMessage) (Value, error) {
	switch familyOf(t.Kind) {
	case famInt:
		if t.Kind == vec.KindBool {
			var b bool
			if err := json.Unmarshal(raw, &b); err != nil {
				return Value{}, fmt.Errorf("cell: decode stat %s: %w", raw, err)
			}
			return Bool(b), nil
		}
		x, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil {
			return Value{}, fmt.Errorf("cell: decode stat %s: %w", raw, err)
		}
		return Int(x), nil
	case famFloat:
		switch string(raw) {
		case `"NaN"`:
			return Float(math.NaN()), nil
		case `"Infinity"`:
			return Float(math.Inf(1)), nil
		case `"-Infinity"`:
			return Float(math.Inf(-1)), nil
		}
		bits := 64
		if t.Kind == vec.KindFloat32 {
			bits = 32
		}
		f, err := strconv.ParseFloat(string(raw), bits)
		if err != nil {
			return Value{}, fmt.Errorf("cell: decode stat %s: %w", raw, err)
		}
		return Float(f), nil
	case famBytes:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return Value{}, fmt.Errorf("cell: decode stat %s: %w", raw, err)
		}
		return String(s), nil
	case famDecimal:
		d, err := decimal.Parse(raw)
		if err != nil {
			return Value{}, fmt.Errorf("cell: decode stat %s: %w", raw, err)
		}
		return Decimal(d), nil
	}
	return Value{}, fmt.Errorf("cell: decode stat: %s keeps no bounds", t)
}

// truncateMin shortens a lower bound to at most MaxStatBytes at a UTF-8
// boundary; a prefix never sorts after the string, so it stays a bound.
func truncateMin(b []byte) []byte {
	if len(b) <= MaxStatBytes {
		return b
	}
	n := MaxStatBytes
	for n > 0 && !utf8.RuneStart(b[n]) {
		n--
	}
	return b[:n]
}

// truncateMax shortens an upper bound and rounds it up so it still sorts at
// or after every string it bounds: the kept prefix's last character is
// replaced by the next code point (dropping characters that have none).
// UTF-8 byte order is code point order, so the result is greater than any
// string with the original prefix. ok is false when no bound exists (every
// kept character is U+10FFFF).
func truncateMax(b []byte) (out []byte, ok bool) {
	if len(b) <= MaxStatBytes {
		return b, true
	}
	prefix := truncateMin(b)
	for len(prefix) > 0 {
		r, size := utf8.DecodeLastRune(prefix)
		prefix = prefix[:len(prefix)-size]
		next := r + 1
		if next >= 0xD800 && next <= 0xDFFF {
			next = 0xE000
		}
		if r == utf8.RuneError && size <= 1 || next > utf8.MaxRune {
			continue
		}
		out = append(append([]byte(nil), prefix...), string(next)...)
		return out, true
	}
	return nil, false
}

// ColumnBounds is what is known about one column in one cell or row group.
type ColumnBounds struct {
	// Min and Max are inclusive bounds when HasMin/HasMax are set; they may be
	// wider than the data, never narrower.
	Min, Max       Value
	HasMin, HasMax bool
	// NullCount is the number of NULLs, or -1 when unknown.
	NullCount int64
}

// Bounds describes a cell or a row group for pruning.
type Bounds struct {
	Rows    int64
	Columns map[string]ColumnBounds
}

// statsAcc accumulates one column's statistics with typed loops.
type statsAcc struct {
	kind      vec.Kind
	has       bool // a non-NULL, non-NaN value was seen
	minI      int64
	maxI      int64
	minF      float64
	maxF      float64
	nan       bool
	minB      []byte
	maxB      []byte
	minD      decimal.Decimal
	maxD      decimal.Decimal
	nulls     int64
	validUTF8 bool
}

func newStatsAcc(k vec.Kind) statsAcc { return statsAcc{kind: k, validUTF8: true} }

// addVec folds rows [lo, hi) of v into the statistics.
func (a *statsAcc) addVec(v *vec.Vec, lo, hi int) {
	hasNulls := v.Nulls.Any()
	if hasNulls {
		a.nulls += int64(v.Nulls.Count(hi) - v.Nulls.Count(lo))
	}
	switch a.kind {
	case vec.KindBool:
		vals := v.Bools()[lo:hi]
		for i, x := range vals {
			if hasNulls && v.Nulls.IsNull(lo+i) {
				continue
			}
			a.addInt(b2i(x))
		}
	case vec.KindInt16:
		addInts(a, v.Int16s()[lo:hi], v, lo, hasNulls)
	case vec.KindInt32, vec.KindDate:
		addInts(a, v.Int32s()[lo:hi], v, lo, hasNulls)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		addInts(a, v.Int64s()[lo:hi], v, lo, hasNulls)
	case vec.KindFloat32:
		addFloats(a, v.Float32s()[lo:hi], v, lo, hasNulls)
	case vec.KindFloat64:
		addFloats(a, v.Float64s()[lo:hi], v, lo, hasNulls)
	case vec.KindText:
		b := v.Bytes()
		for i := lo; i < hi; i++ {
			if hasNulls && v.Nulls.IsNull(i) {
				continue
			}
			x := b.Data[b.Offsets[i]:b.Offsets[i+1]]
			if !a.has {
				a.minB = append(a.minB[:0], x...)
				a.maxB = append(a.maxB[:0], x...)
				a.has = true
				continue
			}
			if bytes.Compare(x, a.minB) < 0 {
				a.minB = append(a.minB[:0], x...)
			} else if bytes.Compare(x, a.maxB) > 0 {
				a.maxB = append(a.maxB[:0], x...)
			}
		}
	case vec.KindDecimal:
		for i, x := range v.Decimals()[lo:hi] {
			if hasNulls && v.Nulls.IsNull(lo+i) {
				continue
			}
			a.addDecimal(x)
		}
	}
}

func (a *statsAcc) addDecimal(x decimal.Decimal) {
	switch {
	case !a.has:
		a.minD, a.maxD, a.has = x, x, true
	case decimal.Cmp(x, a.minD) < 0:
		a.minD = x
	case decimal.Cmp(x, a.maxD) > 0:
		a.maxD = x
	}
}

func (a *statsAcc) addInt(x int64) {
	if !a.has {
		a.minI, a.maxI, a.has = x, x, true
		return
	}
	a.minI = min(a.minI, x)
	a.maxI = max(a.maxI, x)
}

func addInts[T int16 | int32 | int64](a *statsAcc, vals []T, v *vec.Vec, lo int, hasNulls bool) {
	if len(vals) == 0 {
		return
	}
	if !hasNulls {
		mn, mx := vals[0], vals[0]
		for _, x := range vals[1:] {
			mn = min(mn, x)
			mx = max(mx, x)
		}
		a.addInt(int64(mn))
		a.addInt(int64(mx))
		return
	}
	for i, x := range vals {
		if !v.Nulls.IsNull(lo + i) {
			a.addInt(int64(x))
		}
	}
}

func addFloats[T float32 | float64](a *statsAcc, vals []T, v *vec.Vec, lo int, hasNulls bool) {
	for i, x := range vals {
		if hasNulls && v.Nulls.IsNull(lo+i) {
			continue
		}
		f := float64(x)
		if f != f {
			a.nan = true
			continue
		}
		if !a.has {
			a.minF, a.maxF, a.has = f, f, true
			continue
		}
		// Keep -0 as the minimum and +0 as the maximum when both occur, so
		// the bounds are exact under either sign.
		if f < a.minF || f == 0 && a.minF == 0 && math.Signbit(f) {
			a.minF = f
		}
		if f > a.maxF || f == 0 && a.maxF == 0 && !math.Signbit(f) {
			a.maxF = f
		}
	}
}

// merge folds another accumulator of the same column into a.
func (a *statsAcc) merge(b *statsAcc) {
	a.nulls += b.nulls
	a.nan = a.nan || b.nan
	if !b.has {
		return
	}
	switch familyOf(a.kind) {
	case famInt:
		a.addInt(b.minI)
		a.addInt(b.maxI)
	case famDecimal:
		a.addDecimal(b.minD)
		a.addDecimal(b.maxD)
	case famFloat:
		if !a.has {
			a.minF, a.maxF = b.minF, b.maxF
		} else {
			if compareFloat(b.minF, a.minF) < 0 {
				a.minF = b.minF
			}
			if compareFloat(b.maxF, a.maxF) > 0 {
				a.maxF = b.maxF
			}
		}
	case famBytes:
		if !a.has || bytes.Compare(b.minB, a.minB) < 0 {
			a.minB = append(a.minB[:0], b.minB...)
		}
		if !a.has || bytes.Compare(b.maxB, a.maxB) > 0 {
			a.maxB = append(a.maxB[:0], b.maxB...)
		}
	}
	a.has = true
}

// bounds returns the (possibly truncated) inclusive bounds.
func (a *statsAcc) bounds() (mn, mx Value, hasMin, hasMax bool) {
	switch familyOf(a.kind) {
	case famInt:
		if a.has {
			return Int(a.minI), Int(a.maxI), true, true
		}
	case famDecimal:
		if a.has {
			return Decimal(a.minD), Decimal(a.maxD), true, true
		}
	case famFloat:
		// NaN sorts above everything in PostgreSQL, so a NaN in the data
		// makes the maximum NaN; the minimum ignores it unless all values
		// are NaN.
		switch {
		case a.has && a.nan:
			return Float(a.minF), Float(math.NaN()), true, true
		case a.has:
			return Float(a.minF), Float(a.maxF), true, true
		case a.nan:
			return Float(math.NaN()), Float(math.NaN()), true, true
		}
	case famBytes:
		if !a.has {
			return
		}
		lo := truncateMin(a.minB)
		hi, ok := truncateMax(a.maxB)
		if utf8.Valid(lo) {
			mn, hasMin = Bytes(append([]byte(nil), lo...)), true
		}
		if ok && utf8.Valid(hi) {
			mx, hasMax = Bytes(append([]byte(nil), hi...)), true
		}
	}
	return
}

// columnStats encodes the accumulator for the ledger.
func (a *statsAcc) columnStats(c Column) (txn.ColumnStats, error) {
	cs := txn.ColumnStats{Column: c.Name, NullCount: a.nulls}
	mn, mx, hasMin, hasMax := a.bounds()
	var err error
	if hasMin {
		if cs.Min, err = EncodeStat(c.Type, mn); err != nil {
			return cs, err
		}
	}
	if hasMax {
		if cs.Max, err = EncodeStat(c.Type, mx); err != nil {
			return cs, err
		}
	}
	return cs, nil
}

// BoundsFromStats decodes ledger statistics (and partition values) of a cell
// into Bounds. Columns the stats do not mention stay unknown; undecodable
// bounds are dropped, which only makes pruning more conservative.
func BoundsFromStats(s *Schema, add *txn.AddCell) Bounds {
	b := Bounds{Rows: add.Rows, Columns: make(map[string]ColumnBounds, len(add.Stats)+len(s.Partition))}
	for _, st := range add.Stats {
		i := s.Index(st.Column)
		if i < 0 {
			continue
		}
		t := s.Columns[i].Type
		cb := ColumnBounds{NullCount: st.NullCount}
		if len(st.Min) > 0 {
			if v, err := DecodeStat(t, st.Min); err == nil {
				cb.Min, cb.HasMin = v, true
			}
		}
		if len(st.Max) > 0 {
			if v, err := DecodeStat(t, st.Max); err == nil {
				cb.Max, cb.HasMax = v, true
			}
		}
		b.Columns[st.Column] = cb
	}
	for _, pi := range s.Partition {
		c := s.Columns[pi]
		txt, ok := add.Partition[c.Name]
		if !ok {
			// Absent means NULL for every row of the cell.
			b.Columns[c.Name] = ColumnBounds{NullCount: add.Rows}
			continue
		}
		v, err := parsePartitionValue(c.Type, txt)
		if err != nil {
			continue
		}
		b.Columns[c.Name] = ColumnBounds{Min: v, Max: v, HasMin: true, HasMax: true, NullCount: 0}
	}
	return b
}
