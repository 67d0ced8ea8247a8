package vec

import (
	"github.com/apiarydb/apiary/exec/decimal"
	"math"
	"strconv"
	"time"
)

// This file writes values in PostgreSQL's text format exactly as a
// PostgreSQL 15 server prints them with default settings: DateStyle
// "ISO, MDY", IntervalStyle postgres and extra_float_digits 1 (shortest
// round-trip floats). Clients parse these strings (pgx, pgJDBC and psycopg all
// decode text results themselves), so every byte matters. text_parse.go holds
// the opposite direction.

// Special values of the time kinds. PostgreSQL keeps ±infinity as the extreme
// values of its int32/int64 representations; Apiary uses the extremes of its
// own, so the two map onto each other one to one.
const (
	DateNegInfinity      = math.MinInt32
	DatePosInfinity      = math.MaxInt32
	TimestampNegInfinity = math.MinInt64
	TimestampPosInfinity = math.MaxInt64
)

const (
	microsPerSecond = 1_000_000
	microsPerMinute = 60 * microsPerSecond
	microsPerHour   = 60 * microsPerMinute
	microsPerDay    = 24 * microsPerHour
	secondsPerDay   = 86400
)

// AppendText appends the text form of row (a physical index) of v to dst.
// The caller checks NULL: a NULL has no text form on the wire. loc is the
// session time zone, used only by timestamptz; nil means UTC. AppendText does
// not allocate once dst has room.
func AppendText(dst []byte, v *Vec, row int, loc *time.Location) []byte {
	switch v.Type.Kind {
	case KindBool:
		if v.bools[row] {
			return append(dst, 't')
		}
		return append(dst, 'f')
	case KindInt16:
		return strconv.AppendInt(dst, int64(v.i16[row]), 10)
	case KindInt32:
		return strconv.AppendInt(dst, int64(v.i32[row]), 10)
	case KindInt64:
		if v.i64[row] == 0 && IsRegOID(v.Type.Variant) {
			return append(dst, '-') // a reg* type's InvalidOid
		}
		return strconv.AppendInt(dst, v.i64[row], 10)
	case KindFloat32:
		return AppendFloat(dst, float64(v.f32[row]), 32)
	case KindFloat64:
		return AppendFloat(dst, v.f64[row], 64)
	case KindNumeric:
		return AppendNumeric(dst, v.i64[row], v.Type.EffectiveScale())
	case KindText:
		if v.Type.Variant == OIDChar {
			return appendCharByte(dst, v.bytes.Get(row))
		}
		return append(dst, v.bytes.Get(row)...)
	case KindBytea:
		if v.Type.Shape != ShapeScalar {
			return appendContainerText(dst, v.Type, v.bytes.Get(row), loc)
		}
		return AppendByteaHex(dst, v.bytes.Get(row))
	case KindDate:
		return AppendDate(dst, v.i32[row])
	case KindTimestamp:
		return AppendTimestamp(dst, v.i64[row])
	case KindTimestampTZ:
		return AppendTimestampTZ(dst, v.i64[row], loc)
	case KindInterval:
		return AppendInterval(dst, v.ivl[row])
	case KindDecimal:
		return decimal.Append(dst, v.dec[row])
	}
	return dst
}

// AppendFloat appends f as float4out/float8out do with extra_float_digits
// = 1: the shortest string that reads back to the same value, in fixed
// notation when the decimal exponent is in [-4, P) (P = 15 for float8, 6 for
// float4, the types' DBL_DIG/FLT_DIG) and in exponent notation with at least
// two exponent digits otherwise. That is exactly C's %g rule applied to the
// shortest digits, which is what strconv's 'g' with precision -1 almost does;
// its threshold is 21 digits rather than P, so the choice is made here.
func AppendFloat(dst []byte, f float64, bitSize int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	// The shortest digits in exponent form tell the decimal exponent; a
	// 32-byte stack buffer keeps this allocation-free.
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, bitSize)
	i := len(e) - 1
	for e[i] != 'e' {
		i--
	}
	exp := 0
	for _, c := range e[i+2:] { // skip 'e' and the sign strconv always writes
		exp = exp*10 + int(c-'0')
	}
	if e[i+1] == '-' {
		exp = -exp
	}
	limit := 15
	if bitSize == 32 {
		limit = 6
	}
	if exp < -4 || exp >= limit {
		// strconv writes e+20 and e-07 already: the same two-digit minimum
		// as C.
		return append(dst, e...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, bitSize)
}

// AppendNumeric appends a scaled integer with exactly scale decimals, as
// numeric_out prints a value of a numeric(p, scale) column.
func AppendNumeric(dst []byte, x int64, scale int32) []byte {
	return decimal.Append(dst, decimal.FromInt64(x, scale))
}

const hexDigits = "0123456789abcdef"

// AppendByteaHex appends b in bytea's hex output format (bytea_output =
// hex, the default since PostgreSQL 9.0).
func AppendByteaHex(dst, b []byte) []byte {
	dst = append(dst, '\\', 'x')
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date with
// astronomical year numbering (year 0 is 1 BC), the calendar PostgreSQL uses.
// It is Howard Hinnant's days_from_civil inverse, valid for every int32 day.
func civil(days int64) (year int64, month, day int) {
	z := days + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(year int64, month, day int) int64 {
	if month <= 2 {
		year--
	}
	era := year / 400
	if year < 0 && year%400 != 0 {
		era--
	}
	yoe := year - era*400
	m := int64(month)
	var mp int64
	if m > 2 {
		mp = m - 3
	} else {
		mp = m + 9
	}
	doy := (153*mp+2)/5 + int64(day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// appendPad appends n in decimal with at least width digits.
func appendPad(dst []byte, n int64, width int) []byte {
	var buf [24]byte
	d := strconv.AppendInt(buf[:0], n, 10)
	for i := len(d); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// appendYMD appends YYYY-MM-DD of an astronomical year and reports whether
// the year is BC, which PostgreSQL prints as a " BC" suffix with year 1 - y.
func appendYMD(dst []byte, year int64, month, day int) ([]byte, bool) {
	bc := year <= 0
	if bc {
		year = 1 - year
	}
	dst = appendPad(dst, year, 4)
	dst = append(dst, '-')
	dst = appendPad(dst, int64(month), 2)
	dst = append(dst, '-')
	dst = appendPad(dst, int64(day), 2)
	return dst, bc
}

// AppendDate appends a date (days since 1970-01-01) as date_out does.
func AppendDate(dst []byte, days int32) []byte {
	switch days {
	case DateNegInfinity:
		return append(dst, "-infinity"...)
	case DatePosInfinity:
		return append(dst, "infinity"...)
	}
	y, m, d := civil(int64(days))
	dst, bc := appendYMD(dst, y, m, d)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// appendClock appends HH:MM:SS[.ffffff] for micros within a day (or any
// non-negative duration: hours are not capped at 24), trimming trailing
// zeros of the fraction as PostgreSQL's AppendSeconds does.
func appendClock(dst []byte, micros int64) []byte {
	dst = appendPad(dst, micros/microsPerHour, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, micros/microsPerMinute%60, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, micros/microsPerSecond%60, 2)
	return appendFraction(dst, micros%microsPerSecond)
}

// appendFraction appends .ffffff without trailing zeros, or nothing for 0.
func appendFraction(dst []byte, frac int64) []byte {
	if frac == 0 {
		return dst
	}
	var buf [6]byte
	for i := 5; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	n := 6
	for buf[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, buf[:n]...)
}

// splitMicros splits micros since the epoch into days and micros of the day.
func splitMicros(micros int64) (days, ofDay int64) {
	days = micros / microsPerDay
	ofDay = micros % microsPerDay
	if ofDay < 0 {
		ofDay += microsPerDay
		days--
	}
	return days, ofDay
}

// AppendTimestamp appends a timestamp without time zone as timestamp_out
// does: "YYYY-MM-DD HH:MM:SS[.ffffff][ BC]".
func AppendTimestamp(dst []byte, micros int64) []byte {
	switch micros {
	case TimestampNegInfinity:
		return append(dst, "-infinity"...)
	case TimestampPosInfinity:
		return append(dst, "infinity"...)
	}
	days, ofDay := splitMicros(micros)
	y, m, d := civil(days)
	dst, bc := appendYMD(dst, y, m, d)
	dst = append(dst, ' ')
	dst = appendClock(dst, ofDay)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// AppendTimestampTZ appends a timestamp with time zone in loc as
// timestamptz_out does: the local time followed by the UTC offset, "+00",
// "-03:30" or, for the local mean times of old dates, "+00:19:32".
func AppendTimestampTZ(dst []byte, micros int64, loc *time.Location) []byte {
	switch micros {
	case TimestampNegInfinity:
		return append(dst, "-infinity"...)
	case TimestampPosInfinity:
		return append(dst, "infinity"...)
	}
	offset := 0
	if loc != nil && loc != time.UTC {
		// time.Time.Zone looks the offset up without allocating.
		_, offset = time.UnixMicro(micros).In(loc).Zone()
	}
	days, ofDay := splitMicros(micros + int64(offset)*microsPerSecond)
	y, m, d := civil(days)
	dst, bc := appendYMD(dst, y, m, d)
	dst = append(dst, ' ')
	dst = appendClock(dst, ofDay)
	dst = AppendZoneOffset(dst, offset)
	if bc {
		dst = append(dst, " BC"...)
	}
	return dst
}

// AppendZoneOffset appends a UTC offset in seconds east as PostgreSQL's
// EncodeTimezone does: sign and two-digit hours, then minutes and seconds
// only when they are not zero.
func AppendZoneOffset(dst []byte, offset int) []byte {
	if offset < 0 {
		dst = append(dst, '-')
		offset = -offset
	} else {
		dst = append(dst, '+')
	}
	dst = appendPad(dst, int64(offset/3600), 2)
	if mins, secs := offset/60%60, offset%60; mins != 0 || secs != 0 {
		dst = append(dst, ':')
		dst = appendPad(dst, int64(mins), 2)
		if secs != 0 {
			dst = append(dst, ':')
			dst = appendPad(dst, int64(secs), 2)
		}
	}
	return dst
}

// AppendInterval appends an interval in IntervalStyle postgres, e.g.
// "1 year 2 mons 3 days 04:05:06.5" or "-1 years -2 mons +3 days -04:05:06".
// It follows EncodeInterval: each non-zero field in turn, a "+" on a positive
// field that follows a negative one, and the time part when it is not zero or
// nothing else was printed.
func AppendInterval(dst []byte, iv Interval) []byte {
	start := len(dst)
	negBefore := false
	part := func(value int64, unit string) {
		if value == 0 {
			return
		}
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		if negBefore && value > 0 {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, value, 10)
		dst = append(dst, ' ')
		dst = append(dst, unit...)
		if value != 1 {
			dst = append(dst, 's')
		}
		negBefore = value < 0
	}
	part(int64(iv.Months/12), "year")
	part(int64(iv.Months%12), "mon")
	part(int64(iv.Days), "day")
	if iv.Micros != 0 || len(dst) == start {
		if len(dst) > start {
			dst = append(dst, ' ')
		}
		t := iv.Micros
		if t < 0 {
			dst = append(dst, '-')
			// MinInt64 cannot be negated; PostgreSQL itself rejects that
			// value on input, so clamping one microsecond is harmless.
			if t == math.MinInt64 {
				t++
			}
			t = -t
		} else if negBefore {
			dst = append(dst, '+')
		}
		dst = appendClock(dst, t)
	}
	return dst
}
