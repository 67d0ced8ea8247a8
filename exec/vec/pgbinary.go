package vec

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/sqlerr"
)

// PostgreSQL's binary formats (its typsend/typreceive functions), used for
// results a client asks in binary, binary parameters and COPY ... BINARY.

// PostgreSQL's binary formats count dates from 2000-01-01; the engine
// counts from 1970-01-01.
const (
	PGEpochDays   = 10957
	PGEpochMicros = PGEpochDays * 86400 * 1000000
)

// HasBinary reports whether values of t can be sent in binary format:
// every type PostgreSQL has a send function for.
func HasBinary(t Type) bool {
	switch t.Shape {
	case ShapeArray, ShapeVector, ShapeRecord:
		return HasBinary(t.ElemType())
	case ShapeScalar:
	default:
		return false
	}
	if t.Variant == OIDAclitem {
		return false // PostgreSQL has no aclitem_send either
	}
	if t.Kind == KindText && IsRegOID(t.Variant) {
		// A reg* column rendered as names at the top of a plan: its
		// binary form would be the OID, which the rendering replaced.
		return false
	}
	switch t.Kind {
	case KindBool, KindInt16, KindInt32, KindInt64, KindFloat32, KindFloat64,
		KindNumeric, KindText, KindBytea, KindDate, KindTimestamp, KindTimestampTZ,
		KindInterval, KindDecimal:
		return true
	}
	return false
}

// AppendBinary appends the binary form of row of v, as PostgreSQL's
// typsend functions write it.
func AppendBinary(dst []byte, v *Vec, row int) []byte {
	switch v.Type.Shape {
	case ShapeArray, ShapeVector:
		return appendArrayBinary(dst, v.Type, v.Bytes().Get(row))
	case ShapeRecord:
		return appendRecordBinary(dst, v.Type, v.Bytes().Get(row))
	}
	if v.Type.IsOIDFamily() {
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int64s()[row]))
	}
	switch v.Type.Kind {
	case KindBool:
		if v.Bools()[row] {
			return append(dst, 1)
		}
		return append(dst, 0)
	case KindInt16:
		return binary.BigEndian.AppendUint16(dst, uint16(v.Int16s()[row]))
	case KindInt32:
		return binary.BigEndian.AppendUint32(dst, uint32(v.Int32s()[row]))
	case KindInt64:
		return binary.BigEndian.AppendUint64(dst, uint64(v.Int64s()[row]))
	case KindFloat32:
		return binary.BigEndian.AppendUint32(dst, math.Float32bits(v.Float32s()[row]))
	case KindFloat64:
		return binary.BigEndian.AppendUint64(dst, math.Float64bits(v.Float64s()[row]))
	case KindNumeric:
		return appendNumericBinary(dst, v.Int64s()[row], v.Type.Scale)
	case KindDecimal:
		return appendDecimalBinary(dst, v.Decimals()[row])
	case KindText, KindBytea:
		return append(dst, v.Bytes().Get(row)...)
	case KindDate:
		d := v.Int32s()[row]
		if d != DateNegInfinity && d != DatePosInfinity {
			d -= PGEpochDays
		}
		return binary.BigEndian.AppendUint32(dst, uint32(d))
	case KindTimestamp, KindTimestampTZ:
		us := v.Int64s()[row]
		if us != TimestampNegInfinity && us != TimestampPosInfinity {
			us -= PGEpochMicros
		}
		return binary.BigEndian.AppendUint64(dst, uint64(us))
	case KindInterval:
		iv := v.Intervals()[row]
		dst = binary.BigEndian.AppendUint64(dst, uint64(iv.Micros))
		dst = binary.BigEndian.AppendUint32(dst, uint32(iv.Days))
		return binary.BigEndian.AppendUint32(dst, uint32(iv.Months))
	}
	panic("vec: no binary output for " + v.Type.String())
}

// appendArrayBinary writes array_send's format (int2vector and oidvector
// use it too): dimensions, a NULL flag, the element type, each dimension's
// length and lower bound, then each element's length and binary form.
func appendArrayBinary(dst []byte, t Type, data []byte) []byte {
	et := t.ElemType()
	elems := New(et, 8)
	if err := DecodeArray(t, data, elems); err != nil {
		panic("vec: corrupt array value: " + err.Error())
	}
	n := elems.Len()
	if n == 0 {
		dst = binary.BigEndian.AppendUint32(dst, 0)
		dst = binary.BigEndian.AppendUint32(dst, 0)
		return binary.BigEndian.AppendUint32(dst, et.OID())
	}
	dst = binary.BigEndian.AppendUint32(dst, 1)
	hasNull := uint32(0)
	if elems.Nulls.Any() {
		hasNull = 1
	}
	dst = binary.BigEndian.AppendUint32(dst, hasNull)
	dst = binary.BigEndian.AppendUint32(dst, et.OID())
	dst = binary.BigEndian.AppendUint32(dst, uint32(n))
	dst = binary.BigEndian.AppendUint32(dst, uint32(int32(t.LowerBound())))
	for i := range n {
		if elems.Nulls.IsNull(i) {
			dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = AppendBinary(dst, elems, i)
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst
}

// appendRecordBinary writes record_send's format for _pg_expandarray's
// (x, n): the field count, then each field's type, length and value.
func appendRecordBinary(dst []byte, t Type, data []byte) []byte {
	x, n, err := RecordElem(t, data)
	if err != nil {
		panic("vec: corrupt record value: " + err.Error())
	}
	et := t.ElemType()
	dst = binary.BigEndian.AppendUint32(dst, 2)
	dst = binary.BigEndian.AppendUint32(dst, et.OID())
	if ElemIsNull(x) {
		dst = binary.BigEndian.AppendUint32(dst, math.MaxUint32)
	} else {
		elem := New(et, 1)
		elem.AppendDecoded(x)
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = AppendBinary(dst, elem, 0)
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	dst = binary.BigEndian.AppendUint32(dst, OIDInt4)
	dst = binary.BigEndian.AppendUint32(dst, 4)
	return binary.BigEndian.AppendUint32(dst, uint32(n))
}

// numeric's binary sign words.
const (
	numericPos    = 0x0000
	numericNeg    = 0x4000
	numericNaN    = 0xC000
	numericPosInf = 0xD000
	numericNegInf = 0xF000
)

// appendNumericBinary writes x·10^-scale as numeric_send does: base-10000
// digits, the weight of the first, the sign and the display scale.
func appendNumericBinary(dst []byte, x int64, scale int32) []byte {
	sign := uint16(numericPos)
	u := uint64(x)
	if x < 0 {
		sign = numericNeg
		u = uint64(-x) // -MinInt64 wraps to 1<<63, its magnitude
	}
	pow := uint64(1)
	for range scale {
		pow *= 10
	}
	intPart, frac := u/pow, u%pow
	// The fraction becomes whole base-10000 groups: pad it to a multiple
	// of four decimal digits.
	fracGroups := (int(scale) + 3) / 4
	for range fracGroups*4 - int(scale) {
		frac *= 10
	}
	var digits [16]uint16
	var intDigits []uint16
	for intPart > 0 {
		intDigits = append(intDigits, uint16(intPart%10000))
		intPart /= 10000
	}
	n := 0
	for i := len(intDigits) - 1; i >= 0; i-- {
		digits[n] = intDigits[i]
		n++
	}
	weight := len(intDigits) - 1
	fracStart := n
	n += fracGroups
	for i := n - 1; i >= fracStart; i-- {
		digits[i] = uint16(frac % 10000)
		frac /= 10000
	}
	return appendNumericGroups(dst, digits[:n], weight, sign, scale)
}

// appendNumericGroups writes numeric_send's header and base-10000 digits
// ds, the first of the given weight, leaving out the zero groups at either
// end as PostgreSQL does.
func appendNumericGroups(dst []byte, ds []uint16, weight int, sign uint16, scale int32) []byte {
	for len(ds) > 0 && ds[0] == 0 {
		ds = ds[1:]
		weight--
	}
	for len(ds) > 0 && ds[len(ds)-1] == 0 {
		ds = ds[:len(ds)-1]
	}
	if len(ds) == 0 {
		weight, sign = 0, numericPos
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(ds)))
	dst = binary.BigEndian.AppendUint16(dst, uint16(int16(weight)))
	dst = binary.BigEndian.AppendUint16(dst, sign)
	dst = binary.BigEndian.AppendUint16(dst, uint16(scale))
	for _, d := range ds {
		dst = binary.BigEndian.AppendUint16(dst, d)
	}
	return dst
}

// appendDecimalBinary is appendNumericBinary for a decimal.Decimal: its
// digits regrouped from the text form into base 10000.
func appendDecimalBinary(dst []byte, d decimal.Decimal) []byte {
	sign := uint16(numericPos)
	if d.Sign() < 0 {
		sign = numericNeg
	}
	var buf [64]byte
	text := decimal.Append(buf[:0], d.Abs())
	intPart, frac := text, []byte(nil)
	if i := bytes.IndexByte(text, '.'); i >= 0 {
		intPart, frac = text[:i], text[i+1:]
	}
	intPart = bytes.TrimLeft(intPart, "0")
	// A coefficient has at most 39 digits, so at most 10 integer groups
	// and, once the fraction's leading zero groups are skipped (they only
	// lower the weight), 11 fraction groups: a fixed array holds them all.
	var groups [24]uint16
	n := 0
	// The integer part groups from the point leftwards, the fraction from
	// the point rightwards, each group four decimal digits.
	lead := len(intPart) % 4
	if lead == 0 {
		lead = 4
	}
	for start, end := 0, min(lead, len(intPart)); start < len(intPart); start, end = end, end+4 {
		groups[n] = groupValue(intPart[start:end], 0)
		n++
	}
	weight := n - 1
	if n == 0 {
		for len(frac) >= 4 && string(frac[:4]) == "0000" {
			frac = frac[4:]
			weight--
		}
	}
	for start := 0; start < len(frac); start += 4 {
		g := frac[start:min(start+4, len(frac))]
		groups[n] = groupValue(g, 4-len(g))
		n++
	}
	return appendNumericGroups(dst, groups[:n], weight, sign, d.Scale)
}

// groupValue reads up to four decimal digits, then pads with zeros on the
// right: a fraction's last group "5" is 5000.
func groupValue(ds []byte, pad int) uint16 {
	v := uint16(0)
	for _, c := range ds {
		v = v*10 + uint16(c-'0')
	}
	for range pad {
		v *= 10
	}
	return v
}

// AppendBinaryValue reads one value in PostgreSQL's binary format for v's
// type and appends it. loc is unused by the binary forms, which carry UTC
// instants, and is there for the text fallback.
func (v *Vec) AppendBinaryValue(b []byte, loc *time.Location) error {
	bad := func() error {
		return sqlerr.New(sqlerr.InvalidBinaryRepresentation, "incorrect binary data format for type %s", v.Type)
	}
	if v.Type.Shape != ShapeScalar {
		return sqlerr.New(sqlerr.FeatureNotSupported, "binary input is not supported for type %s", v.Type)
	}
	if v.Type.IsOIDFamily() {
		if len(b) != 4 {
			return bad()
		}
		v.AppendInt64(int64(binary.BigEndian.Uint32(b)))
		return nil
	}
	switch v.Type.Kind {
	case KindBool:
		if len(b) != 1 {
			return bad()
		}
		v.AppendBool(b[0] != 0)
	case KindInt16:
		if len(b) != 2 {
			return bad()
		}
		v.AppendInt16(int16(binary.BigEndian.Uint16(b)))
	case KindInt32:
		if len(b) != 4 {
			return bad()
		}
		v.AppendInt32(int32(binary.BigEndian.Uint32(b)))
	case KindInt64:
		if len(b) != 8 {
			return bad()
		}
		v.AppendInt64(int64(binary.BigEndian.Uint64(b)))
	case KindFloat32:
		if len(b) != 4 {
			return bad()
		}
		v.AppendFloat32(math.Float32frombits(binary.BigEndian.Uint32(b)))
	case KindFloat64:
		if len(b) != 8 {
			return bad()
		}
		v.AppendFloat64(math.Float64frombits(binary.BigEndian.Uint64(b)))
	case KindNumeric, KindDecimal:
		text, err := NumericBinaryText(b)
		if err != nil {
			return err
		}
		return v.AppendParsed(string(text), loc)
	case KindText:
		if v.Type.Width > 0 {
			return v.AppendParsed(string(b), loc)
		}
		v.AppendBytes(b)
	case KindBytea:
		v.AppendBytes(b)
	case KindDate:
		if len(b) != 4 {
			return bad()
		}
		d := int32(binary.BigEndian.Uint32(b))
		if d != DateNegInfinity && d != DatePosInfinity {
			d += PGEpochDays
		}
		v.AppendInt32(d)
	case KindTimestamp, KindTimestampTZ:
		if len(b) != 8 {
			return bad()
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us != TimestampNegInfinity && us != TimestampPosInfinity {
			us += PGEpochMicros
		}
		v.AppendInt64(us)
	case KindInterval:
		if len(b) != 16 {
			return bad()
		}
		v.AppendInterval(Interval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		})
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "binary format is not supported for type %s", v.Type)
	}
	return nil
}

// NumericBinaryText reads numeric_send's format back into decimal text.
func NumericBinaryText(b []byte) ([]byte, error) {
	if len(b) < 8 {
		return nil, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "insufficient data left in message")
	}
	ndigits := int(binary.BigEndian.Uint16(b))
	weight := int(int16(binary.BigEndian.Uint16(b[2:])))
	sign := binary.BigEndian.Uint16(b[4:])
	dscale := int(binary.BigEndian.Uint16(b[6:]))
	if len(b) != 8+2*ndigits || dscale > 1000 || weight > 1000 || weight < -1000 {
		return nil, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "invalid numeric binary data")
	}
	switch sign {
	case numericNaN:
		return []byte("NaN"), nil
	case numericPosInf:
		return []byte("Infinity"), nil
	case numericNegInf:
		return []byte("-Infinity"), nil
	case numericPos, numericNeg:
	default:
		return nil, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "invalid sign in external \"numeric\" value")
	}
	digit := func(i int) (int, error) {
		if i < 0 || i >= ndigits {
			return 0, nil
		}
		d := int(binary.BigEndian.Uint16(b[8+2*i:]))
		if d > 9999 {
			return 0, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "invalid digit in external \"numeric\" value")
		}
		return d, nil
	}
	var out []byte
	if sign == numericNeg {
		out = append(out, '-')
	}
	if weight < 0 {
		out = append(out, '0')
	}
	for i := 0; i <= weight; i++ {
		d, err := digit(i)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			out = strconv.AppendInt(out, int64(d), 10)
		} else {
			out = append(out, strconv.Itoa(d + 10000)[1:]...)
		}
	}
	if dscale > 0 {
		out = append(out, '.')
		var frac []byte
		for i := weight + 1; len(frac) < dscale; i++ {
			d, err := digit(i)
			if err != nil {
				return nil, err
			}
			frac = append(frac, strconv.Itoa(d + 10000)[1:]...)
		}
		out = append(out, frac[:dscale]...)
	}
	return out, nil
}

// AppendArrayElemText appends s as an element of an array literal, quoted
// as array_out quotes it; binary array parameters become such literals.
func AppendArrayElemText(dst, s []byte) []byte { return appendArrayElemText(dst, s) }

// IsPlainDecimal reports whether s is an optionally signed decimal number
// without exponent: digits with at most one point.
func IsPlainDecimal[S string | []byte](s S) bool {
	if len(s) > 0 && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	digits, points := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return false
		}
	}
	return digits > 0 && points <= 1
}
