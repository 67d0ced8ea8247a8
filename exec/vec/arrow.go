package vec

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"unsafe"

	"github.com/apiarydb/apiary/exec/decimal"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow conversion. Apiary computes on Vecs and speaks Arrow only at the
// edges: the Arrow IPC results path, exchange between nodes and interop
// tests. The mapping is
//
//	bool         Boolean
//	int16/32/64  Int16/Int32/Int64
//	float32/64   Float32/Float64
//	numeric      Decimal128(precision, scale); an unconstrained numeric is
//	             Decimal128(18, DefaultNumericScale)
//	text         String (varchar(n), char(n) too)
//	bytea        Binary
//	date         Date32
//	timestamp    Timestamp(µs, no zone)
//	timestamptz  Timestamp(µs, "UTC")
//	interval     MonthDayNanoInterval (micros × 1000)
//	decimal      FixedSizeBinary(24): a decimal.Decimal's bytes (numeric
//	             values past 18 digits, each with its own scale; internal
//	             only: COPY's Arrow output turns them into Decimal128)
//	oid, reg*    Uint32
//	name, "char" String
//	arrays       List of the element's type; int2vector and oidvector too
//
// numeric becomes Decimal128 rather than Int64 because an Int64 column loses
// the scale: a client reading 12345 cannot tell it means 123.45. The price is
// a 16-byte copy per value, paid only at the edge.
//
// Every field carries the PostgreSQL type name in its metadata under
// ArrowTypeKey, so Apiary-to-Apiary exchange restores varchar(n), char(n) and
// unconstrained numeric exactly; foreign arrays are mapped by Arrow type.
//
// Zero copy: without a selection vector, fixed-width columns whose layout
// matches Arrow's (integers, floats, date, timestamps) and text/bytea share
// their Go memory with the Arrow array. The Vec must then not be modified
// while the array is in use. Conversions from Arrow alias the Arrow buffers
// the same way.

// ArrowTypeKey is the Arrow field metadata key holding the PostgreSQL type.
const ArrowTypeKey = "apiary.type"

// ArrowScaleKey holds a KindDecimal column's nominal scale.
const ArrowScaleKey = "apiary.scale"

// decimalBytes is the size of a decimal.Decimal, which Arrow carries as is.
const decimalBytes = int(unsafe.Sizeof(decimal.Decimal{}))

// ArrowType returns the Arrow data type of t.
func ArrowType(t Type) (arrow.DataType, error) {
	if t.Shape != ShapeScalar || t.IsOIDFamily() {
		return arrowTypePG(t)
	}
	switch t.Kind {
	case KindBool:
		return arrow.FixedWidthTypes.Boolean, nil
	case KindInt16:
		return arrow.PrimitiveTypes.Int16, nil
	case KindInt32:
		return arrow.PrimitiveTypes.Int32, nil
	case KindInt64:
		return arrow.PrimitiveTypes.Int64, nil
	case KindFloat32:
		return arrow.PrimitiveTypes.Float32, nil
	case KindFloat64:
		return arrow.PrimitiveTypes.Float64, nil
	case KindNumeric:
		p := t.Precision
		if p == 0 {
			p = MaxNumericPrecision
		}
		return &arrow.Decimal128Type{Precision: p, Scale: t.EffectiveScale()}, nil
	case KindText:
		return arrow.BinaryTypes.String, nil
	case KindBytea:
		return arrow.BinaryTypes.Binary, nil
	case KindDate:
		return arrow.FixedWidthTypes.Date32, nil
	case KindTimestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}, nil
	case KindTimestampTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, nil
	case KindInterval:
		return arrow.FixedWidthTypes.MonthDayNanoInterval, nil
	case KindDecimal:
		return &arrow.FixedSizeBinaryType{ByteWidth: decimalBytes}, nil
	}
	return nil, fmt.Errorf("vec: no arrow type for %s", t)
}

// TypeFromArrow maps an Arrow type to the Apiary type that holds it. Decimals
// wider than 18 digits map to numeric(18, scale); their values must still fit
// an int64 when converted. Timestamps of any unit map to microseconds, with a
// zone meaning timestamptz.
func TypeFromArrow(dt arrow.DataType) (Type, error) {
	switch d := dt.(type) {
	case *arrow.Uint32Type:
		return Oid, nil
	case *arrow.ListType:
		et, err := TypeFromArrow(d.Elem())
		if err != nil {
			return Type{}, err
		}
		at, ok := ArrayOf(et)
		if !ok {
			return Type{}, fmt.Errorf("vec: no array type of %s", et)
		}
		return at, nil
	case *arrow.BooleanType:
		return Bool, nil
	case *arrow.Int16Type:
		return Int16, nil
	case *arrow.Int32Type:
		return Int32, nil
	case *arrow.Int64Type:
		return Int64, nil
	case *arrow.Float32Type:
		return Float32, nil
	case *arrow.Float64Type:
		return Float64, nil
	case *arrow.Decimal128Type:
		if d.Precision > MaxNumericPrecision && d.Precision <= MaxDeclaredPrecision && d.Scale >= 0 && d.Scale <= d.Precision {
			return DeclaredNumeric(d.Precision, d.Scale), nil
		}
		p := min(d.Precision, MaxNumericPrecision)
		if d.Scale < 0 || d.Scale > p {
			return Type{}, fmt.Errorf("vec: arrow decimal(%d,%d) does not fit numeric", d.Precision, d.Scale)
		}
		return Numeric(p, d.Scale), nil
	case *arrow.StringType, *arrow.LargeStringType:
		return Text, nil
	case *arrow.BinaryType, *arrow.LargeBinaryType:
		return Bytea, nil
	case *arrow.Date32Type:
		return Date, nil
	case *arrow.TimestampType:
		if d.TimeZone != "" {
			return TimestampTZ, nil
		}
		return Timestamp, nil
	case *arrow.MonthDayNanoIntervalType:
		return IntervalT, nil
	case *arrow.FixedSizeBinaryType:
		if d.ByteWidth == decimalBytes {
			return DecimalOf(0), nil
		}
	}
	return Type{}, fmt.Errorf("vec: unsupported arrow type %s", dt)
}

// ArrowSchema builds the Arrow schema of a batch with the given column names
// and types. Every field is nullable.
func ArrowSchema(names []string, types []Type) (*arrow.Schema, error) {
	if len(names) != len(types) {
		return nil, fmt.Errorf("vec: %d names for %d columns", len(names), len(types))
	}
	fields := make([]arrow.Field, len(types))
	for i, t := range types {
		dt, err := ArrowType(t)
		if err != nil {
			return nil, err
		}
		md := arrow.NewMetadata([]string{ArrowTypeKey}, []string{t.String()})
		if t.Kind == KindDecimal {
			md = arrow.NewMetadata([]string{ArrowTypeKey, ArrowScaleKey}, []string{t.String(), strconv.Itoa(int(t.Scale))})
		}
		fields[i] = arrow.Field{
			Name:     names[i],
			Type:     dt,
			Nullable: true,
			Metadata: md,
		}
	}
	return arrow.NewSchema(fields, nil), nil
}

// BatchToRecord converts the live rows of b (honouring b.Sel) to an Arrow
// record whose fields are named by names.
func BatchToRecord(b *Batch, names []string) (arrow.RecordBatch, error) {
	schema, err := ArrowSchema(names, b.Types())
	if err != nil {
		return nil, err
	}
	var sel []int32
	if b.Sel != nil {
		sel = b.Sel[:b.Len]
	}
	cols := make([]arrow.Array, len(b.Cols))
	for i, c := range b.Cols {
		if cols[i], err = ToArrow(c, b.Len, sel); err != nil {
			return nil, fmt.Errorf("vec: column %q: %w", names[i], err)
		}
	}
	return array.NewRecordBatch(schema, cols, int64(b.Len)), nil
}

// RecordToBatch converts an Arrow record to a batch and the column names.
// Column types come from the fields' ArrowTypeKey metadata when present (and
// compatible), otherwise from TypeFromArrow.
func RecordToBatch(rec arrow.RecordBatch) (*Batch, []string, error) {
	schema := rec.Schema()
	b := &Batch{Cols: make([]*Vec, rec.NumCols()), Len: int(rec.NumRows())}
	names := make([]string, rec.NumCols())
	for i := range b.Cols {
		f := schema.Field(i)
		names[i] = f.Name
		t, err := TypeFromArrow(f.Type)
		if err != nil {
			return nil, nil, fmt.Errorf("vec: column %q: %w", f.Name, err)
		}
		if s, ok := f.Metadata.GetValue(ArrowScaleKey); ok && t.Kind == KindDecimal {
			scale, _ := strconv.Atoi(s)
			t.Scale = int32(scale)
		}
		if s, ok := f.Metadata.GetValue(ArrowTypeKey); ok {
			if mt, err := ParseType(s); err == nil && mt.Kind == t.Kind {
				if mt.Kind == KindNumeric || (mt.Shape == ShapeArray && mt.Elem == KindNumeric) {
					// A numeric without a declared scale prints as plain
					// "numeric" but its values carry the decimal's.
					mt.Scale = t.Scale
				}
				t = mt
			}
		}
		if b.Cols[i], err = FromArrow(rec.Column(i), t); err != nil {
			return nil, nil, fmt.Errorf("vec: column %q: %w", f.Name, err)
		}
	}
	return b, names, nil
}

// bytesOf reinterprets a slice of fixed-width values as bytes, for handing
// Go memory to Arrow without a copy.
func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var zero T
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), len(s)*int(unsafe.Sizeof(zero)))
}

// valuesOf reinterprets Arrow's value bytes as n values starting at element
// offset off. Arrow buffers are 64-byte aligned, so the cast is aligned.
func valuesOf[T any](b []byte, off, n int) []T {
	if n == 0 {
		return nil
	}
	var zero T
	all := unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), len(b)/int(unsafe.Sizeof(zero)))
	return all[off : off+n : off+n]
}

// gather copies vals[sel[i]] into a new slice; with a nil sel it returns vals
// itself (zero copy).
func gather[T any](vals []T, n int, sel []int32) []T {
	if sel == nil {
		return vals[:n:n]
	}
	out := make([]T, len(sel))
	for i, r := range sel {
		out[i] = vals[r]
	}
	return out
}

// validity builds an Arrow validity bitmap (bit set = valid) for the chosen
// rows and returns it with the NULL count; a nil buffer means no NULLs.
func validity(v *Vec, n int, sel []int32) (*memory.Buffer, int) {
	words := v.Nulls.Words()
	if len(words) == 0 {
		return nil, 0
	}
	out := make([]byte, (n+63)/64*8)
	nulls := 0
	if sel == nil {
		for w := 0; w*64 < n; w++ {
			var x uint64
			if w < len(words) {
				x = words[w]
			}
			if rem := n - w*64; rem < 64 {
				x &= 1<<uint(rem) - 1
			}
			nulls += bits.OnesCount64(x)
			valid := ^x
			for k := 0; k < 8; k++ {
				out[w*8+k] = byte(valid >> (8 * k))
			}
		}
	} else {
		for i, r := range sel {
			w := int(r) >> 6
			if w < len(words) && words[w]&(1<<(uint(r)&63)) != 0 {
				nulls++
				continue
			}
			out[i>>3] |= 1 << (uint(i) & 7)
		}
	}
	if nulls == 0 {
		return nil, 0
	}
	return memory.NewBufferBytes(out[:(n+7)/8]), nulls
}

// ToArrow converts column v to an Arrow array. With sel nil the rows are
// 0..n-1 and fixed-width and byte columns are shared, not copied; otherwise
// the rows are sel (n = len(sel)) and gathered into new memory.
func ToArrow(v *Vec, n int, sel []int32) (arrow.Array, error) {
	if sel != nil {
		n = len(sel)
	} else if n > v.Len() {
		return nil, fmt.Errorf("vec: %d rows asked of a column of %d", n, v.Len())
	}
	dt, err := ArrowType(v.Type)
	if err != nil {
		return nil, err
	}
	valid, nulls := validity(v, n, sel)
	if v.Type.Shape != ShapeScalar || v.Type.IsOIDFamily() {
		return toArrowPG(v, dt, n, sel, valid, nulls)
	}
	fixed := func(b []byte) arrow.Array {
		data := array.NewData(dt, n, []*memory.Buffer{valid, memory.NewBufferBytes(b)}, nil, nulls, 0)
		defer data.Release()
		return array.MakeFromData(data)
	}
	switch v.Type.Kind {
	case KindBool:
		vals := v.Bools()
		out := make([]byte, (n+7)/8)
		for i := 0; i < n; i++ {
			r := i
			if sel != nil {
				r = int(sel[i])
			}
			if vals[r] {
				out[i>>3] |= 1 << (uint(i) & 7)
			}
		}
		return fixed(out), nil
	case KindInt16:
		return fixed(bytesOf(gather(v.Int16s(), n, sel))), nil
	case KindInt32, KindDate:
		return fixed(bytesOf(gather(v.Int32s(), n, sel))), nil
	case KindInt64, KindTimestamp, KindTimestampTZ:
		return fixed(bytesOf(gather(v.Int64s(), n, sel))), nil
	case KindFloat32:
		return fixed(bytesOf(gather(v.Float32s(), n, sel))), nil
	case KindFloat64:
		return fixed(bytesOf(gather(v.Float64s(), n, sel))), nil
	case KindNumeric:
		vals := v.Int64s()
		out := make([]decimal128.Num, n)
		for i := range out {
			r := i
			if sel != nil {
				r = int(sel[i])
			}
			x := vals[r]
			out[i] = decimal128.New(x>>63, uint64(x))
		}
		return fixed(bytesOf(out)), nil
	case KindInterval:
		vals := v.Intervals()
		out := make([]arrow.MonthDayNanoInterval, n)
		for i := range out {
			r := i
			if sel != nil {
				r = int(sel[i])
			}
			iv := vals[r]
			hi, lo := bits.Mul64(uint64(abs64(iv.Micros)), 1000)
			if hi != 0 || lo > math.MaxInt64 {
				return nil, fmt.Errorf("vec: interval of %d µs overflows arrow nanoseconds", iv.Micros)
			}
			out[i] = arrow.MonthDayNanoInterval{Months: iv.Months, Days: iv.Days, Nanoseconds: iv.Micros * 1000}
		}
		return fixed(bytesOf(out)), nil
	case KindDecimal:
		return fixed(bytesOf(gather(v.Decimals(), n, sel))), nil
	case KindText, KindBytea:
		b := v.Bytes()
		var offsets []int32
		var data []byte
		if sel == nil {
			if n == 0 {
				offsets = []int32{0}
			} else {
				offsets = b.Offsets[: n+1 : n+1]
			}
			data = b.Data
		} else {
			offsets = make([]int32, n+1)
			size := 0
			for _, r := range sel {
				size += int(b.Offsets[r+1] - b.Offsets[r])
			}
			data = make([]byte, 0, size)
			for i, r := range sel {
				data = append(data, b.Data[b.Offsets[r]:b.Offsets[r+1]]...)
				offsets[i+1] = int32(len(data))
			}
		}
		ad := array.NewData(dt, n, []*memory.Buffer{valid, memory.NewBufferBytes(bytesOf(offsets)), memory.NewBufferBytes(data)}, nil, nulls, 0)
		defer ad.Release()
		return array.MakeFromData(ad), nil
	}
	return nil, fmt.Errorf("vec: cannot convert %s to arrow", v.Type)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// FromArrow converts an Arrow array to a column of type t (see
// TypeFromArrow for the accepted pairs). Fixed-width values whose layout
// matches and string/binary bytes are aliased, not copied.
func FromArrow(arr arrow.Array, t Type) (*Vec, error) {
	want, err := TypeFromArrow(arr.DataType())
	if err != nil {
		return nil, err
	}
	if want.Kind != t.Kind {
		return nil, fmt.Errorf("vec: arrow %s cannot become %s", arr.DataType(), t)
	}
	if want.Shape != ShapeScalar || want.IsOIDFamily() {
		return fromArrowPG(arr, t)
	}
	data := arr.Data()
	n, off := arr.Len(), data.Offset()
	v := &Vec{Type: t}
	bufs := data.Buffers()
	valuesBuf := func() []byte {
		if len(bufs) < 2 || bufs[1] == nil {
			return nil
		}
		return bufs[1].Bytes()
	}
	switch t.Kind {
	case KindBool:
		raw := valuesBuf()
		vals := make([]bool, n)
		for i := range vals {
			j := off + i
			vals[i] = raw[j>>3]&(1<<(uint(j)&7)) != 0
		}
		v.SetBools(vals)
	case KindInt16:
		v.SetInt16s(valuesOf[int16](valuesBuf(), off, n))
	case KindInt32, KindDate:
		v.SetInt32s(valuesOf[int32](valuesBuf(), off, n))
	case KindInt64:
		v.SetInt64s(valuesOf[int64](valuesBuf(), off, n))
	case KindTimestamp, KindTimestampTZ:
		vals := valuesOf[int64](valuesBuf(), off, n)
		switch arr.DataType().(*arrow.TimestampType).Unit {
		case arrow.Microsecond:
		case arrow.Nanosecond:
			// Floor division keeps instants before 1970 in the right
			// microsecond; sub-microsecond digits are dropped.
			out := make([]int64, n)
			for i, x := range vals {
				q := x / 1000
				if x%1000 < 0 {
					q--
				}
				out[i] = q
			}
			vals = out
		default:
			mul := int64(1000)
			if arr.DataType().(*arrow.TimestampType).Unit == arrow.Second {
				mul = 1_000_000
			}
			out := make([]int64, n)
			for i, x := range vals {
				out[i] = x * mul
			}
			vals = out
		}
		v.SetInt64s(vals)
	case KindFloat32:
		v.SetFloat32s(valuesOf[float32](valuesBuf(), off, n))
	case KindFloat64:
		v.SetFloat64s(valuesOf[float64](valuesBuf(), off, n))
	case KindNumeric:
		d := arr.DataType().(*arrow.Decimal128Type)
		nums := valuesOf[decimal128.Num](valuesBuf(), off, n)
		vals := make([]int64, n)
		shift := t.EffectiveScale() - d.Scale
		for i, x := range nums {
			if arr.IsNull(i) {
				continue
			}
			lo, hi := x.LowBits(), x.HighBits()
			if hi != int64(lo)>>63 {
				return nil, fmt.Errorf("vec: decimal value at row %d exceeds 18 digits", i)
			}
			val := int64(lo)
			switch {
			case shift > 0:
				p := Pow10(shift)
				if val > math.MaxInt64/p || val < math.MinInt64/p {
					return nil, fmt.Errorf("vec: decimal value at row %d overflows %s", i, t)
				}
				val *= p
			case shift < 0:
				return nil, fmt.Errorf("vec: decimal scale %d does not fit %s", d.Scale, t)
			}
			vals[i] = val
		}
		v.SetInt64s(vals)
	case KindInterval:
		src := valuesOf[arrow.MonthDayNanoInterval](valuesBuf(), off, n)
		vals := make([]Interval, n)
		for i, x := range src {
			q := x.Nanoseconds / 1000
			if x.Nanoseconds%1000 < 0 {
				q--
			}
			vals[i] = Interval{Months: x.Months, Days: x.Days, Micros: q}
		}
		v.SetIntervals(vals)
	case KindDecimal:
		if d, ok := arr.DataType().(*arrow.Decimal128Type); ok {
			// A foreign numeric(19..38, s): the coefficients with d's scale.
			nums := valuesOf[decimal128.Num](valuesBuf(), off, n)
			vals := make([]decimal.Decimal, n)
			for i, x := range nums {
				if arr.IsNull(i) {
					continue
				}
				dv, err := decimal.FromInt128(x.HighBits(), x.LowBits(), d.Scale)
				if err == nil {
					dv, err = FitDecimal(dv, t)
				}
				if err != nil {
					return nil, fmt.Errorf("vec: decimal value at row %d does not fit %s", i, t)
				}
				vals[i] = dv
			}
			v.SetDecimals(vals)
			break
		}
		v.SetDecimals(valuesOf[decimal.Decimal](valuesBuf(), off, n))
	case KindText, KindBytea:
		var offsets []int32
		var raw []byte
		switch a := arr.(type) {
		case *array.String:
			offsets = a.ValueOffsets()
			if len(bufs) > 2 && bufs[2] != nil {
				raw = bufs[2].Bytes()
			}
		case *array.Binary:
			offsets = a.ValueOffsets()
			if len(bufs) > 2 && bufs[2] != nil {
				raw = bufs[2].Bytes()
			}
		default:
			// Large variants have 64-bit offsets: copy.
			bb := Bytes{Offsets: make([]int32, 1, n+1)}
			for i := 0; i < n; i++ {
				var x []byte
				switch a := arr.(type) {
				case *array.LargeString:
					x = []byte(a.Value(i))
				case *array.LargeBinary:
					x = a.Value(i)
				}
				if len(bb.Data)+len(x) > math.MaxInt32 {
					return nil, fmt.Errorf("vec: column exceeds 2 GiB of bytes")
				}
				bb.Append(x)
			}
			v.SetBytes(bb)
			offsets = nil
		}
		if offsets != nil {
			start, end := int(offsets[0]), int(offsets[len(offsets)-1])
			if start != 0 {
				// A sliced array's offsets start past zero; Vec.Reset
				// keeps Offsets[0], so rebase rather than alias.
				rebased := make([]int32, len(offsets))
				for i, o := range offsets {
					rebased[i] = o - int32(start)
				}
				offsets = rebased
			}
			// Capping the data at the last offset makes a later Append
			// reallocate instead of writing into the Arrow buffer.
			v.SetBytes(Bytes{Data: raw[start:end:end], Offsets: offsets[:len(offsets):len(offsets)]})
		}
	default:
		return nil, fmt.Errorf("vec: cannot convert arrow %s", arr.DataType())
	}
	if arr.NullN() > 0 {
		for i := 0; i < n; i++ {
			if arr.IsNull(i) {
				v.Nulls.SetNull(i)
			}
		}
	}
	return v, nil
}
