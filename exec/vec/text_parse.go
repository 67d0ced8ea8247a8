package vec

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/sqlerr"
)

// This file reads PostgreSQL's text input forms: what clients send as
// literals, text-format parameters and COPY data. Error codes and messages
// are PostgreSQL 15's, because drivers and tools match on both (Metabase and
// pgJDBC on the SQLSTATE, people on the message).

// SQLSTATEs sqlerr does not name yet; sqlerr.Code is a plain string, so the
// values PostgreSQL uses are spelled here.
const (
	codeCharacterNotInRepertoire = sqlerr.Code("22021")
	codeInvalidTimeZone          = sqlerr.Code("22009")
)

// ParseText parses s, the text form of a value of type t, into a new
// one-row column.
func ParseText(t Type, s string, loc *time.Location) (*Vec, error) {
	v := New(t, 1)
	if err := v.AppendParsed(s, loc); err != nil {
		return nil, err
	}
	return v, nil
}

// AppendParsed parses s as a value of v's type and appends it. loc is the
// session time zone, which timestamptz input without an explicit zone is
// read in; nil means UTC. On error v is unchanged and the error carries the
// SQLSTATE PostgreSQL reports for the same input.
func (v *Vec) AppendParsed(s string, loc *time.Location) error {
	if loc == nil {
		loc = time.UTC
	}
	t := v.Type
	switch t.Kind {
	case KindBool:
		b, err := ParseBool(s)
		if err != nil {
			return err
		}
		v.AppendBool(b)
	case KindInt16:
		n, err := parseInt(s, math.MinInt16, math.MaxInt16, "smallint")
		if err != nil {
			return err
		}
		v.AppendInt16(int16(n))
	case KindInt32:
		n, err := parseInt(s, math.MinInt32, math.MaxInt32, "integer")
		if err != nil {
			return err
		}
		v.AppendInt32(int32(n))
	case KindInt64:
		if t.Variant != 0 {
			n, err := parseOIDText(s, t)
			if err != nil {
				return err
			}
			v.AppendInt64(n)
			return nil
		}
		n, err := parseInt(s, math.MinInt64, math.MaxInt64, "bigint")
		if err != nil {
			return err
		}
		v.AppendInt64(n)
	case KindFloat32:
		f, err := parseFloat(s, 32, "real")
		if err != nil {
			return err
		}
		v.AppendFloat32(float32(f))
	case KindFloat64:
		f, err := parseFloat(s, 64, "double precision")
		if err != nil {
			return err
		}
		v.AppendFloat64(f)
	case KindNumeric:
		n, err := ParseNumeric(s, t)
		if err != nil {
			return err
		}
		v.AppendInt64(n)
	case KindText:
		if t.Variant != 0 {
			b, err := parseTextVariant(s, t)
			if err != nil {
				return err
			}
			v.AppendBytes(b)
			return nil
		}
		b, err := checkText(s, t)
		if err != nil {
			return err
		}
		v.AppendBytes(b)
	case KindBytea:
		if t.Shape != ShapeScalar {
			if t.Shape == ShapeRecord {
				return sqlerr.New(sqlerr.FeatureNotSupported, "input of anonymous composite types is not implemented")
			}
			b, err := ParseArray(t, s, loc)
			if err != nil {
				return err
			}
			v.AppendBytes(b)
			return nil
		}
		b, err := ParseBytea(s)
		if err != nil {
			return err
		}
		v.AppendBytes(b)
	case KindDate:
		d, err := ParseDate(s)
		if err != nil {
			return err
		}
		v.AppendInt32(d)
	case KindTimestamp:
		ts, err := ParseTimestamp(s, nil)
		if err != nil {
			return err
		}
		v.AppendInt64(ts)
	case KindTimestampTZ:
		ts, err := ParseTimestamp(s, loc)
		if err != nil {
			return err
		}
		v.AppendInt64(ts)
	case KindInterval:
		iv, err := ParseInterval(s)
		if err != nil {
			return err
		}
		v.AppendInterval(iv)
	case KindDecimal:
		d, err := ParseDecimal(s)
		if err == nil {
			d, err = FitDecimal(d, t)
		}
		if err != nil {
			return err
		}
		v.AppendDecimal(d)
	default:
		return sqlerr.New(sqlerr.FeatureNotSupported, "cannot parse values of type %s", t)
	}
	return nil
}

func syntaxError(typ, s string) error {
	return sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type %s: \"%s\"", typ, s)
}

// isSpace is PostgreSQL's scanner_isspace: the whitespace its input
// functions skip around a value.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func trimSpace(s string) string {
	for len(s) > 0 && isSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// ParseBool reads boolin's forms: any unambiguous prefix of true, false,
// yes, no, the words on and off, and 1 and 0, case-insensitively.
func ParseBool(s string) (bool, error) {
	w := strings.ToLower(trimSpace(s))
	prefixOf := func(word string, minLen int) bool {
		return len(w) >= minLen && strings.HasPrefix(word, w)
	}
	switch {
	case prefixOf("true", 1), prefixOf("yes", 1), prefixOf("on", 2), w == "1":
		return true, nil
	case prefixOf("false", 1), prefixOf("no", 1), prefixOf("off", 2), w == "0":
		return false, nil
	}
	return false, syntaxError("boolean", s)
}

// parseInt reads an optionally signed decimal integer surrounded by optional
// whitespace, as pg_strtoint16/32/64 do in PostgreSQL 15 (no underscores, no
// hex: those came in 16).
func parseInt(s string, lo, hi int64, typ string) (int64, error) {
	t := trimSpace(s)
	neg := false
	if t != "" && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, syntaxError(typ, s)
	}
	var u uint64
	overflow := false
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, syntaxError(typ, s)
		}
		if u > (math.MaxUint64-9)/10 {
			overflow = true
			continue // keep scanning: a later bad character is a syntax error
		}
		u = u*10 + uint64(c-'0')
	}
	rangeErr := sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, typ)
	if overflow {
		return 0, rangeErr
	}
	if neg {
		if u > uint64(-lo) {
			return 0, rangeErr
		}
		return -int64(u), nil // wraps correctly for MinInt64
	}
	if u > uint64(hi) {
		return 0, rangeErr
	}
	return int64(u), nil
}

// parseFloat reads float4in/float8in's forms: decimal numbers with an
// optional exponent, and Infinity, inf and NaN in any case with an optional
// sign. It rejects what strconv accepts beyond that (hex floats,
// underscores) and, like PostgreSQL, values that overflow or underflow.
func parseFloat(s string, bitSize int, typ string) (float64, error) {
	t := trimSpace(s)
	switch strings.ToLower(t) {
	case "infinity", "+infinity", "inf", "+inf":
		return math.Inf(1), nil
	case "-infinity", "-inf":
		return math.Inf(-1), nil
	case "nan", "+nan", "-nan":
		return math.NaN(), nil
	}
	nonZero := false
	inExp := false
	for i := 0; i < len(t); i++ {
		switch c := t[i]; {
		case c >= '0' && c <= '9':
			if c != '0' && !inExp {
				nonZero = true
			}
		case c == 'e' || c == 'E':
			inExp = true
		case c == '.' || c == '+' || c == '-':
		default:
			return 0, syntaxError(typ, s)
		}
	}
	f, err := strconv.ParseFloat(t, bitSize)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", t, typ)
		}
		return 0, syntaxError(typ, s)
	}
	if f == 0 && nonZero {
		return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"%s\" is out of range for type %s", t, typ)
	}
	return f, nil
}

// ParseNumeric reads a numeric literal (digits, optional point and
// exponent) and returns it scaled by 10^t.EffectiveScale(), rounded half
// away from zero as numeric's typmod coercion rounds. A value needing more
// than t.Precision digits is "numeric field overflow", as in PostgreSQL; so
// is one that does not fit the 64-bit representation.
func ParseNumeric(s string, t Type) (int64, error) {
	str := trimSpace(s)
	if err := numericSpecialValue(str); err != nil {
		return 0, err
	}
	neg := false
	if str != "" && (str[0] == '-' || str[0] == '+') {
		neg = str[0] == '-'
		str = str[1:]
	}
	// Mantissa digits without the point, and the power of ten they are
	// multiplied by.
	var mant [64]byte
	m := mant[:0]
	exp, digits := 0, 0
	seenPoint := false
	i := 0
	for ; i < len(str); i++ {
		c := str[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if seenPoint {
				exp-- // every digit after the point divides by ten
			}
			switch {
			case c == '0' && len(m) == 0:
				// A leading zero changes nothing.
			case len(m) < cap(m):
				m = append(m, c)
			default:
				// A dropped digit still scales what was kept (the exp--
				// above cancels this after the point).
				exp++
			}
		case c == '.' && !seenPoint:
			seenPoint = true
		default:
			goto mantissaDone
		}
	}
mantissaDone:
	if digits == 0 {
		return 0, syntaxError("numeric", s)
	}
	if i < len(str) {
		if str[i] != 'e' && str[i] != 'E' {
			return 0, syntaxError("numeric", s)
		}
		e, err := strconv.Atoi(str[i+1:])
		if err != nil || e > 1000 || e < -1000 {
			// Blanks after the e, exponents past ±1000 (PostgreSQL reads
			// up to 16383 decimals) and their errors: decimal.Parse
			// knows every form numeric_in takes.
			return scaledDecimal(s, t)
		}
		exp += e
	}
	// The digits dropped past the 64th only ever matter for rounding, and
	// a literal that long is far beyond 18 digits of precision anyway.
	k := exp + int(t.EffectiveScale())
	var u uint64
	if len(m) == 0 {
		return 0, nil
	}
	if k >= 0 {
		if len(m)+k > 19 {
			return 0, numericOverflow(t)
		}
		for _, c := range m {
			u = u*10 + uint64(c-'0')
		}
		for range k {
			u *= 10
		}
	} else {
		keep := len(m) + k
		if keep < 0 {
			return 0, nil
		}
		if keep > 19 {
			return 0, numericOverflow(t)
		}
		for _, c := range m[:keep] {
			u = u*10 + uint64(c-'0')
		}
		if m[keep] >= '5' {
			u++
		}
	}
	limit := uint64(math.MaxInt64)
	if t.Precision > 0 {
		limit = uint64(Pow10(t.Precision)) - 1
	}
	if u > limit {
		return 0, numericOverflow(t)
	}
	if neg {
		return -int64(u), nil
	}
	return int64(u), nil
}

// scaledDecimal is ParseNumeric through decimal.Parse, for the rare
// inputs the int64 reader leaves to it.
func scaledDecimal(s string, t Type) (int64, error) {
	d, err := ParseDecimal(s)
	if err != nil {
		return 0, err
	}
	x, ok := d.Scaled(t.EffectiveScale())
	if !ok || t.Precision > 0 && (x >= Pow10(t.Precision) || x <= -Pow10(t.Precision)) {
		return 0, numericOverflow(t)
	}
	return x, nil
}

// ParseDecimal reads numeric input keeping the scale it is written with.
func ParseDecimal(s string) (decimal.Decimal, error) {
	d, err := decimal.Parse([]byte(s))
	if errors.Is(err, decimal.ErrSyntax) {
		if err := numericSpecialValue(trimSpace(s)); err != nil {
			return d, err
		}
		return d, syntaxError("numeric", s)
	}
	if errors.Is(err, decimal.ErrOverflow) {
		// Too many digits either side of the point (PostgreSQL keeps
		// 16383 decimals, Apiary 38 digits): PostgreSQL's bare message.
		return d, sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format")
	}
	return d, DecimalError(err)
}

// numericSpecialValue rejects PostgreSQL's special numeric inputs, which
// read as numbers there and as syntax errors otherwise here.
func numericSpecialValue(str string) error {
	switch strings.ToLower(str) {
	case "nan", "infinity", "+infinity", "-infinity", "inf", "+inf", "-inf":
		return sqlerr.New(sqlerr.FeatureNotSupported, "numeric value \"%s\" is not supported", str).
			WithDetail("Apiary's numeric has no NaN or infinity.")
	}
	return nil
}

// DecimalError gives an error of package decimal its SQLSTATE.
func DecimalError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, decimal.ErrOverflow):
		return sqlerr.New(sqlerr.NumericValueOutOfRange, "value overflows numeric format").
			WithDetail("Apiary keeps at most %d digits of a numeric value left of its point.", decimal.MaxDigits)
	case errors.Is(err, decimal.ErrDivisionByZero):
		return sqlerr.New(sqlerr.DivisionByZero, "division by zero")
	case errors.Is(err, decimal.ErrSyntax):
		return sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type numeric")
	}
	return err
}

func numericOverflow(t Type) error {
	e := sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow")
	if t.Precision == 0 {
		return e.WithDetail("Apiary stores numeric values without a declared precision with %d decimals in at most %d digits.",
			DefaultNumericScale, MaxNumericPrecision)
	}
	if w := t.Precision - t.Scale; w > 0 {
		return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", t.Precision, t.Scale, w)
	}
	return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", t.Precision, t.Scale)
}

// FitText is the assignment of text s to a column of text type t: the bytes
// to store, or PostgreSQL's error (22001 when characters other than blanks
// pass varchar(n)'s or char(n)'s width; char(n) is blank-padded).
func FitText(s string, t Type) ([]byte, error) { return checkText(s, t) }

// checkText validates s for a text, varchar(n) or char(n) column and returns
// the bytes to store: UTF-8 only (the server encoding), at most n
// characters, where excess trailing spaces are cut silently as PostgreSQL
// does, and char(n) blank-padded to n.
func checkText(s string, t Type) ([]byte, error) {
	if !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
		return nil, sqlerr.New(codeCharacterNotInRepertoire, "invalid byte sequence for encoding \"UTF8\"")
	}
	if t.Width <= 0 {
		return []byte(s), nil
	}
	n := utf8.RuneCountInString(s)
	if n > int(t.Width) {
		// Find the byte offset of character Width; everything after it must
		// be spaces.
		cut, chars := 0, 0
		for cut < len(s) && chars < int(t.Width) {
			_, size := utf8.DecodeRuneInString(s[cut:])
			cut += size
			chars++
		}
		if strings.Trim(s[cut:], " ") != "" {
			name := "character varying"
			if t.Blank {
				name = "character"
			}
			return nil, sqlerr.New(sqlerr.StringDataRightTruncation, "value too long for type %s(%d)", name, t.Width)
		}
		s, n = s[:cut], int(t.Width)
	}
	b := []byte(s)
	if t.Blank {
		for ; n < int(t.Width); n++ {
			b = append(b, ' ')
		}
	}
	return b, nil
}

// ParseBytea reads byteain's two forms: "\x" followed by hex digit pairs
// (whitespace between pairs allowed), and the escape form where "\\" is a
// backslash and "\ooo" an octal byte.
func ParseBytea(s string) ([]byte, error) {
	if len(s) >= 2 && s[0] == '\\' && (s[1] == 'x' || s[1] == 'X') {
		out := make([]byte, 0, (len(s)-2)/2)
		for i := 2; i < len(s); {
			c := s[i]
			if isSpace(c) {
				i++
				continue
			}
			hi, ok := unhex(c)
			if !ok {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal digit: \"%c\"", c)
			}
			if i+1 >= len(s) {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal data: odd number of digits")
			}
			lo, ok := unhex(s[i+1])
			if !ok {
				return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid hexadecimal digit: \"%c\"", s[i+1])
			}
			out = append(out, hi<<4|lo)
			i += 2
		}
		return out, nil
	}
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		switch {
		case i+1 < len(s) && s[i+1] == '\\':
			out = append(out, '\\')
			i++
		case i+3 < len(s) && isOctal(s[i+1]) && s[i+1] <= '3' && isOctal(s[i+2]) && isOctal(s[i+3]):
			out = append(out, (s[i+1]-'0')<<6|(s[i+2]-'0')<<3|(s[i+3]-'0'))
			i += 3
		default:
			return nil, sqlerr.New(sqlerr.InvalidTextRepresentation, "invalid input syntax for type bytea")
		}
	}
	return out, nil
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
