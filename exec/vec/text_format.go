package vec

import (
	"math"
	"strconv"
	"time"
)

// TextFormat is the session state that changes how values print in
// PostgreSQL's text format. The zero value prints as a PostgreSQL 15
// session with default settings (extra_float_digits 1, bytea_output hex)
// whose time zone is UTC.
type TextFormat struct {
	// Loc is the session time zone, used by timestamptz; nil means UTC.
	Loc *time.Location
	// FloatDigits is 0 for floats printed with the shortest digits that
	// read back exactly (extra_float_digits 1 to 3, as in PostgreSQL 12
	// and later). A positive value n rounds float8 to n significant
	// digits and float4 to n-9, at least one: extra_float_digits <= 0
	// asks for 15+extra_float_digits (float8) and 6+extra_float_digits
	// (float4) digits, and n is the float8 count.
	FloatDigits int
	// ByteaEscape prints bytea in the escape format (bytea_output =
	// escape) instead of hex.
	ByteaEscape bool
}

// FloatDigitsFor returns TextFormat.FloatDigits for an extra_float_digits
// setting.
func FloatDigitsFor(extraFloatDigits int) int {
	if extraFloatDigits > 0 {
		return 0
	}
	return max(1, 15+extraFloatDigits)
}

// AppendTextFormat is AppendText under the session settings of f.
func AppendTextFormat(dst []byte, v *Vec, row int, f TextFormat) []byte {
	switch v.Type.OID() {
	case OIDFloat4:
		if f.FloatDigits > 0 {
			return AppendFloatDigits(dst, float64(v.f32[row]), max(1, f.FloatDigits-9))
		}
	case OIDFloat8:
		if f.FloatDigits > 0 {
			return AppendFloatDigits(dst, v.f64[row], f.FloatDigits)
		}
	case OIDBytea:
		if f.ByteaEscape {
			return AppendByteaEscape(dst, v.bytes.Get(row))
		}
	}
	return AppendText(dst, v, row, f.Loc)
}

// AppendFloatDigits appends f rounded to digits significant digits as C's
// "%.*g" prints it, which is how float4out and float8out print when
// extra_float_digits is 0 or less: exponent notation (at least two
// exponent digits) when the decimal exponent is below -4 or at least
// digits, fixed notation otherwise, trailing zeros dropped. A float4 is
// widened first, as C widens it for printf.
func AppendFloatDigits(dst []byte, f float64, digits int) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		// Spelled as at any extra_float_digits.
		return AppendFloat(dst, f, 64)
	}
	// strconv's 'g' with an explicit precision follows C's rule for the
	// choice of notation and drops trailing zeros as %g does.
	return strconv.AppendFloat(dst, f, 'g', max(1, digits), 64)
}

// AppendByteaEscape appends b in bytea's escape output format: printable
// ASCII as itself, a backslash doubled, every other byte as a backslash
// and three octal digits.
func AppendByteaEscape(dst, b []byte) []byte {
	for _, c := range b {
		switch {
		case c == '\\':
			dst = append(dst, '\\', '\\')
		case c >= 0x20 && c < 0x7f:
			dst = append(dst, c)
		default:
			dst = append(dst, '\\', '0'+c>>6, '0'+(c>>3)&7, '0'+c&7)
		}
	}
	return dst
}
