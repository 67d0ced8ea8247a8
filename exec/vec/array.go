package vec

import (
	"bytes"
	"encoding/binary"
	"math"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// Shape is the structure of a KindBytea value that is not plain bytea. The
// element is described by Type.Elem and the Type's other fields.
type Shape uint8

// The shapes.
const (
	ShapeScalar Shape = iota
	// ShapeArray is a one-dimensional array, subscripts from 1.
	ShapeArray
	// ShapeVector is int2vector or oidvector: no NULLs, subscripts from 0,
	// space-separated text.
	ShapeVector
	// ShapeRecord is the (x, n) record information_schema._pg_expandarray
	// returns: x of the element type, n an integer.
	ShapeRecord
)

// Arrays live in a Vec's byte buffer, one value per row, as the
// concatenation of their elements' encodings. Each element is a tag byte,
// elemValue or elemNull, followed for a value by a payload:
//
//	bool                          1 byte, 0 or 1
//	int2 / int4, date / int8,     2 / 4 / 8 bytes big-endian with the sign
//	numeric, timestamps, oid...   bit flipped
//	float4 / float8               4 / 8 bytes: the IEEE bits, all flipped for
//	                              negatives and the sign bit flipped otherwise
//	                              (-0 is stored as 0 and every NaN as one NaN)
//	interval                      months, days, micros as above (16 bytes)
//	text, bytea, name, ...        the bytes with 0x00 written 0x00 0xFF,
//	                              ended by 0x00 0x01
//
// The encoding is self-delimiting, so an array is exactly its elements one
// after another (array_agg builds arrays by concatenating encoded elements
// with string_agg's machinery), and byte-wise order is PostgreSQL's array
// order: element by element, NULL after every value, a prefix before the
// longer array. Equal arrays have equal bytes, so hashing, grouping,
// DISTINCT and joins work on the bytes unchanged. Intervals compare field
// by field here, where PostgreSQL compares their lengths ('1 mon' = '30
// days'); text compares byte-wise, which is the C collation Apiary uses
// everywhere. A _pg_expandarray record is its x element followed by n as an
// int4 payload.
const (
	elemValue byte = 0x01
	elemNull  byte = 0x02
)

// AppendElem appends the encoding of row of v (its type is the element
// type) to dst as one array element, NULL included.
func AppendElem(dst []byte, v *Vec, row int) []byte {
	if v.Nulls.IsNull(row) {
		return append(dst, elemNull)
	}
	dst = append(dst, elemValue)
	switch v.Type.Kind {
	case KindBool:
		if v.bools[row] {
			return append(dst, 1)
		}
		return append(dst, 0)
	case KindInt16:
		return binary.BigEndian.AppendUint16(dst, uint16(v.i16[row])^0x8000)
	case KindInt32, KindDate:
		return binary.BigEndian.AppendUint32(dst, uint32(v.i32[row])^0x8000_0000)
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		return binary.BigEndian.AppendUint64(dst, uint64(v.i64[row])^(1<<63))
	case KindFloat32:
		return binary.BigEndian.AppendUint32(dst, orderedFloat32(v.f32[row]))
	case KindFloat64:
		return binary.BigEndian.AppendUint64(dst, orderedFloat64(v.f64[row]))
	case KindInterval:
		iv := v.ivl[row]
		dst = binary.BigEndian.AppendUint32(dst, uint32(iv.Months)^0x8000_0000)
		dst = binary.BigEndian.AppendUint32(dst, uint32(iv.Days)^0x8000_0000)
		return binary.BigEndian.AppendUint64(dst, uint64(iv.Micros)^(1<<63))
	case KindText, KindBytea:
		return appendEscaped(dst, v.bytes.Get(row))
	}
	return dst
}

// AppendNullElem appends a NULL element.
func AppendNullElem(dst []byte) []byte { return append(dst, elemNull) }

func appendEscaped(dst, b []byte) []byte {
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			dst = append(dst, b...)
			break
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, 0, 0xff)
		b = b[i+1:]
	}
	return append(dst, 0, 1)
}

func orderedFloat64(f float64) uint64 {
	switch {
	case f == 0:
		f = 0
	case math.IsNaN(f):
		f = math.NaN()
	}
	u := math.Float64bits(f)
	if u>>63 != 0 {
		return ^u
	}
	return u | 1<<63
}

func orderedFloat32(f float32) uint32 {
	switch {
	case f == 0:
		f = 0
	case f != f:
		f = float32(math.NaN())
	}
	u := math.Float32bits(f)
	if u>>31 != 0 {
		return ^u
	}
	return u | 1<<31
}

func errCorruptArray() error {
	return sqlerr.New(sqlerr.InternalError, "corrupt array value")
}

// fixedPayload is the payload size of a fixed-width element kind; 0 for
// variable-length kinds.
func fixedPayload(k Kind) int {
	switch k {
	case KindBool:
		return 1
	case KindInt16:
		return 2
	case KindInt32, KindDate, KindFloat32:
		return 4
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ, KindFloat64:
		return 8
	case KindInterval:
		return 16
	}
	return 0
}

// NextElem splits the first element (tag included) off an encoded array of
// elements of kind k.
func NextElem(k Kind, data []byte) (elem, rest []byte, err error) {
	if len(data) == 0 {
		return nil, nil, errCorruptArray()
	}
	if data[0] == elemNull {
		return data[:1], data[1:], nil
	}
	if n := fixedPayload(k); n > 0 {
		if len(data) < 1+n {
			return nil, nil, errCorruptArray()
		}
		return data[:1+n], data[1+n:], nil
	}
	for i := 1; i < len(data); {
		j := bytes.IndexByte(data[i:], 0)
		if j < 0 || i+j+1 >= len(data) {
			break
		}
		i += j + 1
		if data[i] == 1 {
			return data[:i+1], data[i+1:], nil
		}
		i++ // an escaped 0x00
	}
	return nil, nil, errCorruptArray()
}

// ElemIsNull reports whether an encoded element is NULL.
func ElemIsNull(elem []byte) bool { return len(elem) > 0 && elem[0] == elemNull }

// AppendDecoded decodes one encoded element (from NextElem) and appends it
// to v, whose type is the element type.
func (v *Vec) AppendDecoded(elem []byte) {
	if ElemIsNull(elem) {
		v.AppendNull()
		return
	}
	p := elem[1:]
	switch v.Type.Kind {
	case KindBool:
		v.AppendBool(p[0] != 0)
	case KindInt16:
		v.AppendInt16(int16(binary.BigEndian.Uint16(p) ^ 0x8000))
	case KindInt32, KindDate:
		v.AppendInt32(int32(binary.BigEndian.Uint32(p) ^ 0x8000_0000))
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		v.AppendInt64(int64(binary.BigEndian.Uint64(p) ^ 1<<63))
	case KindFloat32:
		u := binary.BigEndian.Uint32(p)
		if u>>31 != 0 {
			u &^= 1 << 31
		} else {
			u = ^u
		}
		v.AppendFloat32(math.Float32frombits(u))
	case KindFloat64:
		u := binary.BigEndian.Uint64(p)
		if u>>63 != 0 {
			u &^= 1 << 63
		} else {
			u = ^u
		}
		v.AppendFloat64(math.Float64frombits(u))
	case KindInterval:
		v.AppendInterval(Interval{
			Months: int32(binary.BigEndian.Uint32(p) ^ 0x8000_0000),
			Days:   int32(binary.BigEndian.Uint32(p[4:]) ^ 0x8000_0000),
			Micros: int64(binary.BigEndian.Uint64(p[8:]) ^ 1<<63),
		})
	case KindText, KindBytea:
		p = p[:len(p)-2] // the terminator
		if bytes.IndexByte(p, 0) < 0 {
			v.AppendBytes(p)
			return
		}
		out := make([]byte, 0, len(p))
		for len(p) > 0 {
			i := bytes.IndexByte(p, 0)
			if i < 0 {
				out = append(out, p...)
				break
			}
			out = append(out, p[:i+1]...)
			p = p[i+2:]
		}
		v.AppendBytes(out)
	}
}

// ArrayLen returns the number of elements of an encoded array of type t.
func ArrayLen(t Type, data []byte) (int, error) {
	n := 0
	if w := fixedPayload(t.Elem); w > 0 && bytes.IndexByte(data, elemNull) < 0 {
		// No NULL tag anywhere means every element is a full value.
		if len(data)%(w+1) != 0 {
			return 0, errCorruptArray()
		}
		return len(data) / (w + 1), nil
	}
	for len(data) > 0 {
		_, rest, err := NextElem(t.Elem, data)
		if err != nil {
			return 0, err
		}
		data = rest
		n++
	}
	return n, nil
}

// DecodeArray appends the elements of an encoded array of type t to v,
// whose type is t.ElemType().
func DecodeArray(t Type, data []byte, v *Vec) error {
	for len(data) > 0 {
		elem, rest, err := NextElem(t.Elem, data)
		if err != nil {
			return err
		}
		v.AppendDecoded(elem)
		data = rest
	}
	return nil
}

// LowerBound is the first subscript of arrays of type t: 1, or 0 for
// int2vector and oidvector.
func (t Type) LowerBound() int {
	if t.Shape == ShapeVector {
		return 0
	}
	return 1
}

// appendContainerText writes an array, vector or record as PostgreSQL
// prints it.
func appendContainerText(dst []byte, t Type, data []byte, loc *time.Location) []byte {
	et := t.ElemType()
	scratch := New(et, 1)
	var elem []byte
	var err error
	one := func() []byte {
		elem, data, err = NextElem(et.Kind, data)
		if err != nil {
			return nil
		}
		scratch.Reset()
		scratch.AppendDecoded(elem)
		if scratch.Nulls.IsNull(0) {
			return nil
		}
		return AppendText(nil, scratch, 0, loc)
	}
	switch t.Shape {
	case ShapeVector:
		for first := true; len(data) > 0; first = false {
			s := one()
			if err != nil {
				break
			}
			if !first {
				dst = append(dst, ' ')
			}
			dst = append(dst, s...)
		}
		return dst
	case ShapeRecord:
		dst = append(dst, '(')
		if s := one(); err == nil && !ElemIsNull(elem) {
			dst = appendRecordField(dst, s)
		}
		dst = append(dst, ',')
		if len(data) >= 4 {
			dst = appendRecordField(dst, appendIntText(nil, int64(int32(binary.BigEndian.Uint32(data)^0x8000_0000))))
		}
		return append(dst, ')')
	}
	dst = append(dst, '{')
	for first := true; len(data) > 0; first = false {
		s := one()
		if err != nil {
			break
		}
		if !first {
			dst = append(dst, ',')
		}
		if ElemIsNull(elem) {
			dst = append(dst, "NULL"...)
			continue
		}
		dst = appendArrayElemText(dst, s)
	}
	return append(dst, '}')
}

func appendIntText(dst []byte, x int64) []byte { return appendPad(dst, x, 1) }

// appendArrayElemText quotes an element as array_out does: when it is
// empty, spells NULL, or holds a brace, quote, backslash, comma or white
// space; quotes and backslashes inside get a backslash.
func appendArrayElemText(dst, s []byte) []byte {
	quote := len(s) == 0 || bytes.EqualFold(s, []byte("NULL"))
	for _, c := range s {
		if c == '{' || c == '}' || c == '"' || c == '\\' || c == ',' || isSpace(c) {
			quote = true
			break
		}
	}
	return appendMaybeQuoted(dst, s, quote, false)
}

// appendRecordField quotes a record field as record_out does: when it is
// empty or holds a parenthesis, quote, backslash, comma or white space;
// quotes and backslashes inside are doubled.
func appendRecordField(dst, s []byte) []byte {
	quote := len(s) == 0
	for _, c := range s {
		if c == '(' || c == ')' || c == '"' || c == '\\' || c == ',' || isSpace(c) {
			quote = true
			break
		}
	}
	return appendMaybeQuoted(dst, s, quote, true)
}

// appendMaybeQuoted appends s as it is or, when quote is set, in double
// quotes with each quote and backslash inside doubled (record_out) or
// preceded by a backslash (array_out).
func appendMaybeQuoted(dst, s []byte, quote, double bool) []byte {
	if !quote {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' || c == '\\' {
			if double {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\')
			}
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

func malformedArray(s, detail string) error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "malformed array literal: \"%s\"", s).WithDetail("%s", detail)
}

// ParseArray reads an array (or int2vector/oidvector) of type t from its
// text form and returns its encoding. Arrays take array_in's form: an
// optional "[1:n]=" bound decoration, then '{' elements '}', elements
// separated by commas, double-quoted with backslash escapes where needed,
// unquoted NULL for NULL. Multi-dimensional arrays and lower bounds other
// than 1 are 0A000. Vectors are space-separated numbers.
func ParseArray(t Type, s string, loc *time.Location) ([]byte, error) {
	return ParseArrayWith(t, s, func(v *Vec, text string) error { return v.AppendParsed(text, loc) })
}

// ParseArrayWith is ParseArray with elem reading each element's text into
// v (of the element type), for element types whose input needs more than
// AppendParsed (the reg* types' names).
func ParseArrayWith(t Type, s string, elem func(v *Vec, text string) error) ([]byte, error) {
	et := t.ElemType()
	scratch := New(et, 1)
	var out []byte
	add := func(text string, null bool) error {
		scratch.Reset()
		if null {
			scratch.AppendNull()
		} else if err := elem(scratch, text); err != nil {
			return err
		}
		out = AppendElem(out, scratch, 0)
		return nil
	}
	if t.Shape == ShapeVector {
		for _, f := range bytes.Fields([]byte(s)) {
			if err := add(string(f), false); err != nil {
				return nil, err
			}
		}
		if out == nil {
			out = []byte{}
		}
		return out, nil
	}
	p := trimLeftSpace(s)
	want := -1 // the element count a bound decoration announces
	if len(p) > 0 && p[0] == '[' {
		rest, n, err := parseBounds(s, p)
		if err != nil {
			return nil, err
		}
		p, want = rest, n
	}
	if len(p) == 0 || p[0] != '{' {
		return nil, malformedArray(s, `Array value must start with "{" or dimension information.`)
	}
	p = p[1:]
	out = []byte{}
	count := 0
	expectElem := false // after a comma an element must follow
	for {
		p = trimLeftSpace(p)
		if len(p) == 0 {
			return nil, malformedArray(s, "Unexpected end of input.")
		}
		switch p[0] {
		case '}':
			if expectElem {
				return nil, malformedArray(s, `Unexpected "}" character.`)
			}
			if rest := trimLeftSpace(p[1:]); rest != "" {
				return nil, malformedArray(s, "Junk after closing right brace.")
			}
			if want >= 0 && want != count {
				return nil, malformedArray(s, "Specified array dimensions do not match array contents.")
			}
			return out, nil
		case '{':
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "multidimensional arrays are not supported")
		case ',':
			return nil, malformedArray(s, `Unexpected "," character.`)
		}
		text, quoted, rest, err := arrayElemToken(s, p)
		if err != nil {
			return nil, err
		}
		null := !quoted && len(text) == 4 && (text == "NULL" || equalFoldASCII(text, "NULL"))
		if err := add(text, null); err != nil {
			return nil, err
		}
		count++
		p = trimLeftSpace(rest)
		expectElem = false
		if len(p) > 0 && p[0] == ',' {
			p = p[1:]
			expectElem = true
		} else if len(p) > 0 && p[0] != '}' {
			return nil, malformedArray(s, "Unexpected array element.")
		}
	}
}

// arrayElemToken reads one element: a quoted string or an unquoted run up
// to a comma or closing brace, with backslash escapes in both and the
// unquoted form's surrounding white space dropped.
func arrayElemToken(s, p string) (text string, quoted bool, rest string, err error) {
	var b []byte
	if p[0] == '"' {
		for i := 1; i < len(p); i++ {
			switch c := p[i]; c {
			case '\\':
				if i+1 >= len(p) {
					return "", false, "", malformedArray(s, "Unexpected end of input.")
				}
				i++
				b = append(b, p[i])
			case '"':
				return string(b), true, p[i+1:], nil
			default:
				b = append(b, c)
			}
		}
		return "", false, "", malformedArray(s, "Unexpected end of input.")
	}
	keep := 0 // length of b up to the last escaped character, which trimming must not cut
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 >= len(p) {
				return "", false, "", malformedArray(s, "Unexpected end of input.")
			}
			i++
			b = append(b, p[i])
			keep = len(b)
		case ',', '}':
			return trimRightKeep(b, keep), false, p[i:], nil
		case '{', '"':
			return "", false, "", malformedArray(s, "Unexpected \""+string(c)+"\" character.")
		default:
			b = append(b, c)
		}
	}
	return "", false, "", malformedArray(s, "Unexpected end of input.")
}

func trimRightKeep(b []byte, keep int) string {
	n := len(b)
	for n > keep && isSpace(b[n-1]) {
		n--
	}
	return string(b[:n])
}

// parseBounds reads "[lo:hi]=" (one dimension), checks it describes an
// array Apiary holds (lower bound 1) and returns the rest of the text and
// the element count the bounds announce.
func parseBounds(s, p string) (string, int, error) {
	end := -1
	for i := 0; i < len(p); i++ {
		if p[i] == ']' {
			end = i
			break
		}
	}
	if end < 0 {
		return "", 0, malformedArray(s, `Missing "]" after array dimensions.`)
	}
	dim := p[1:end]
	lo, hi := "1", dim
	for i := 0; i < len(dim); i++ {
		if dim[i] == ':' {
			lo, hi = dim[:i], dim[i+1:]
			break
		}
	}
	l, err1 := parseInt(lo, math.MinInt32, math.MaxInt32, "integer")
	h, err2 := parseInt(hi, math.MinInt32, math.MaxInt32, "integer")
	if err1 != nil || err2 != nil || h < l-1 {
		return "", 0, malformedArray(s, "Specified array dimensions do not match array contents.")
	}
	rest := trimLeftSpace(p[end+1:])
	if len(rest) > 0 && rest[0] == '[' {
		return "", 0, sqlerr.New(sqlerr.FeatureNotSupported, "multidimensional arrays are not supported")
	}
	if len(rest) == 0 || rest[0] != '=' {
		return "", 0, malformedArray(s, `Missing "=" after array dimensions.`)
	}
	if l != 1 {
		return "", 0, sqlerr.New(sqlerr.FeatureNotSupported, "arrays whose subscripts do not start at 1 are not supported").
			WithDetail("The literal %q gives its array a lower bound of %d.", s, l)
	}
	return trimLeftSpace(rest[1:]), int(h - l + 1), nil
}

func trimLeftSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	return s
}

func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// RecordElem returns the x element (tag included) and n of an encoded
// _pg_expandarray record of type t.
func RecordElem(t Type, data []byte) (x []byte, n int32, err error) {
	x, rest, err := NextElem(t.Elem, data)
	if err != nil || len(rest) != 4 {
		return nil, 0, errCorruptArray()
	}
	return x, int32(binary.BigEndian.Uint32(rest) ^ 0x8000_0000), nil
}

// AppendRecordN appends the n field of a _pg_expandarray record after its x
// element.
func AppendRecordN(dst []byte, n int32) []byte {
	return binary.BigEndian.AppendUint32(dst, uint32(n)^0x8000_0000)
}
