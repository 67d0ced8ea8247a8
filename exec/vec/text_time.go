package vec

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// Date, timestamp and interval input in the ISO forms clients send:
// "2024-01-02", "2024-01-02 03:04:05.123456", "2024-01-02T03:04:05Z",
// "2024-01-02 03:04:05+05:30", "... America/New_York", "... BC", plus the
// special words infinity, -infinity and epoch; and intervals in the
// postgres, postgres_verbose ("@ 1 day ago"), SQL standard and ISO 8601
// ("P1Y2M") styles. MDY ordering of ambiguous non-ISO dates is not
// supported: every driver sends ISO.

// PostgreSQL's range limits: timestamps run from 4713 BC to 294276 AD and
// dates from 4713 BC to 5874897 AD (astronomical year -4712).
const (
	minYear          = -4712
	maxTimestampYear = 294276
	maxDateYear      = 5874897
)

// dateTime is a parsed date/time literal before it becomes a number.
type dateTime struct {
	year       int64
	month, day int
	micros     int64 // time of day; may be 24:00:00
	hasTime    bool
	zone       *time.Location // a named zone, or nil
	offset     int            // seconds east, when hasOffset
	hasOffset  bool
	special    int8 // -1 -infinity, +1 infinity
}

func datetimeSyntax(typ, s string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type %s: \"%s\"", typ, s)
}

func datetimeRange(s string) error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", s)
}

// ParseDate reads a date; a time part, if any, is ignored as date_in does.
func ParseDate(s string) (int32, error) {
	dt, err := parseDateTime(s, "date")
	if err != nil {
		return 0, err
	}
	switch dt.special {
	case -1:
		return DateNegInfinity, nil
	case 1:
		return DatePosInfinity, nil
	}
	if dt.year < minYear || dt.year > maxDateYear {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range: \"%s\"", s)
	}
	return int32(daysFromCivil(dt.year, dt.month, dt.day)), nil
}

// ParseTimestamp reads a timestamp. With loc nil it reads timestamp without
// time zone, where PostgreSQL ignores any zone in the input; otherwise
// timestamptz, where a zone in the input wins and loc applies when there is
// none. The result is microseconds since 1970-01-01 (UTC for timestamptz).
func ParseTimestamp(s string, loc *time.Location) (int64, error) {
	typ := "timestamp"
	if loc != nil {
		typ = "timestamp with time zone"
	}
	dt, err := parseDateTime(s, typ)
	if err != nil {
		return 0, err
	}
	switch dt.special {
	case -1:
		return TimestampNegInfinity, nil
	case 1:
		return TimestampPosInfinity, nil
	}
	if dt.year < minYear || dt.year > maxTimestampYear {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", s)
	}
	local := daysFromCivil(dt.year, dt.month, dt.day)*microsPerDay + dt.micros
	if loc == nil {
		return local, nil
	}
	switch {
	case dt.hasOffset:
		return local - int64(dt.offset)*microsPerSecond, nil
	case dt.zone != nil:
		loc = dt.zone
	}
	if loc == time.UTC {
		return local, nil
	}
	// Let the time package resolve the zone's offset at that wall time,
	// including the ambiguous and skipped hours around DST changes.
	days, ofDay := splitMicros(local)
	y, m, d := civil(days)
	sec := ofDay / microsPerSecond
	t := time.Date(int(y), time.Month(m), d, 0, 0, int(sec), 0, loc)
	return t.Unix()*microsPerSecond + ofDay%microsPerSecond, nil
}

// parseDateTime splits a date/time literal into its fields.
func parseDateTime(s, typ string) (dateTime, error) {
	var dt dateTime
	str := strings.ToLower(trimSpace(s))
	switch str {
	case "infinity", "+infinity":
		dt.special = 1
		return dt, nil
	case "-infinity":
		dt.special = -1
		return dt, nil
	case "epoch":
		dt.year, dt.month, dt.day = 1970, 1, 1
		return dt, nil
	}
	bc := false
	if rest, ok := strings.CutSuffix(str, " bc"); ok {
		bc, str = true, trimSpace(rest)
	} else if rest, ok := strings.CutSuffix(str, " ad"); ok {
		str = trimSpace(rest)
	}
	// Date: Y+-MM-DD.
	y, rest, ok := digitsField(str, 1, 9)
	if !ok || !strings.HasPrefix(rest, "-") {
		return dt, datetimeSyntax(typ, s)
	}
	mo, rest, ok := digitsField(rest[1:], 1, 2)
	if !ok || !strings.HasPrefix(rest, "-") {
		return dt, datetimeSyntax(typ, s)
	}
	d, rest, ok := digitsField(rest[1:], 1, 2)
	if !ok {
		return dt, datetimeSyntax(typ, s)
	}
	dt.year, dt.month, dt.day = y, int(mo), int(d)
	if bc {
		if dt.year == 0 {
			return dt, datetimeRange(s)
		}
		dt.year = 1 - dt.year
	}
	if dt.month < 1 || dt.month > 12 || dt.day < 1 || dt.day > daysIn(dt.year, dt.month) {
		return dt, datetimeRange(s)
	}
	if rest == "" {
		return dt, nil
	}
	if z := strings.TrimLeft(rest, " "); rest[0] == ' ' && z != "" && (z[0] < '0' || z[0] > '9') {
		// A zone right after the date ('2024-02-29 +00', as pgJDBC
		// sends dates): midnight there.
		if err := parseZone(&dt, z, s, typ); err != nil {
			return dt, datetimeSyntax(typ, s)
		}
		return dt, nil
	}
	// Time: separated by a space or T.
	if rest[0] != ' ' && rest[0] != 't' {
		return dt, datetimeSyntax(typ, s)
	}
	rest = strings.TrimLeft(rest[1:], " ")
	h, rest, ok := digitsField(rest, 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return dt, datetimeSyntax(typ, s)
	}
	mi, rest, ok := digitsField(rest[1:], 2, 2)
	if !ok {
		return dt, datetimeSyntax(typ, s)
	}
	var sec, frac int64
	if strings.HasPrefix(rest, ":") {
		sec, rest, ok = digitsField(rest[1:], 2, 2)
		if !ok {
			return dt, datetimeSyntax(typ, s)
		}
		if strings.HasPrefix(rest, ".") {
			frac, rest, ok = fractionMicros(rest[1:])
			if !ok {
				return dt, datetimeSyntax(typ, s)
			}
		}
	}
	if h > 24 || mi > 59 || sec > 60 || h == 24 && (mi != 0 || sec != 0 || frac != 0) {
		return dt, datetimeRange(s)
	}
	dt.hasTime = true
	dt.micros = h*microsPerHour + mi*microsPerMinute + sec*microsPerSecond + frac
	rest = strings.TrimLeft(rest, " ")
	if rest == "" {
		return dt, nil
	}
	if err := parseZone(&dt, rest, s, typ); err != nil {
		return dt, err
	}
	return dt, nil
}

// parseZone reads a zone suffix: Z, UTC, GMT, ±HH[[:]MM[:SS]] or an IANA
// name.
func parseZone(dt *dateTime, z, s, typ string) error {
	switch z {
	case "z", "utc", "gmt", "zulu", "ut":
		dt.hasOffset = true
		return nil
	}
	if z[0] == '+' || z[0] == '-' {
		sign := 1
		if z[0] == '-' {
			sign = -1
		}
		h, rest, ok := digitsField(z[1:], 1, 2)
		if !ok {
			return datetimeSyntax(typ, s)
		}
		var m, sec int64
		switch {
		case rest == "":
		case rest[0] == ':':
			m, rest, ok = digitsField(rest[1:], 2, 2)
			if ok && strings.HasPrefix(rest, ":") {
				sec, rest, ok = digitsField(rest[1:], 2, 2)
			}
		default:
			m, rest, ok = digitsField(rest, 2, 2)
		}
		if !ok || rest != "" {
			return datetimeSyntax(typ, s)
		}
		if h > 15 || m > 59 || sec > 59 {
			return sqlerr.New(codeInvalidTimeZone, "time zone displacement out of range: \"%s\"", s)
		}
		dt.hasOffset = true
		dt.offset = sign * int(h*3600+m*60+sec)
		return nil
	}
	// A zone name: case matters to the tz database, so take it from the
	// original input at the same position from the end.
	orig := trimSpace(s)
	if strings.HasSuffix(strings.ToLower(orig), " bc") || strings.HasSuffix(strings.ToLower(orig), " ad") {
		orig = trimSpace(orig[:len(orig)-3])
	}
	name := orig[len(orig)-len(z):]
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return sqlerr.New(sqlerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	dt.zone = loc
	return nil
}

// digitsField reads between minLen and maxLen decimal digits from the start
// of s.
func digitsField(s string, minLen, maxLen int) (int64, string, bool) {
	n := 0
	var v int64
	for n < len(s) && n < maxLen && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int64(s[n]-'0')
		n++
	}
	if n < minLen {
		return 0, s, false
	}
	return v, s[n:], true
}

// fractionMicros reads the digits of a fraction of a second, rounding to
// microseconds.
func fractionMicros(s string) (int64, string, bool) {
	n := 0
	var v int64
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		if n < 6 {
			v = v*10 + int64(s[n]-'0')
		} else if n == 6 && s[n] >= '5' {
			v++
		}
		n++
	}
	if n == 0 {
		return 0, s, false
	}
	for i := n; i < 6; i++ {
		v *= 10
	}
	return v, s[n:], true
}

func daysIn(year int64, month int) int {
	switch month {
	case 4, 6, 9, 11:
		return 30
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 31
}

// intervalUnit is what one unit word adds per 1 of its number.
type intervalUnit struct {
	months, days int64
	micros       int64
}

var intervalUnits = map[string]intervalUnit{}

func init() {
	add := func(u intervalUnit, names ...string) {
		for _, n := range names {
			intervalUnits[n] = u
		}
	}
	add(intervalUnit{micros: 1}, "microsecond", "microseconds", "usec", "usecs", "us")
	add(intervalUnit{micros: 1000}, "millisecond", "milliseconds", "msec", "msecs", "ms")
	add(intervalUnit{micros: microsPerSecond}, "second", "seconds", "sec", "secs", "s")
	add(intervalUnit{micros: microsPerMinute}, "minute", "minutes", "min", "mins", "m")
	add(intervalUnit{micros: microsPerHour}, "hour", "hours", "hr", "hrs", "h")
	add(intervalUnit{days: 1}, "day", "days", "d")
	add(intervalUnit{days: 7}, "week", "weeks", "w")
	add(intervalUnit{months: 1}, "month", "months", "mon", "mons")
	add(intervalUnit{months: 12}, "year", "years", "yr", "yrs", "y")
	add(intervalUnit{months: 120}, "decade", "decades")
	add(intervalUnit{months: 1200}, "century", "centuries")
	add(intervalUnit{months: 12000}, "millennium", "millennia", "millenniums")
}

// intervalAcc accumulates interval fields as PostgreSQL's DecodeInterval
// does: a fraction of a month becomes days at 30 days per month, a fraction
// of a day becomes time at 24 hours per day, and a fraction of a year
// becomes whole months, rounded.
type intervalAcc struct {
	months, days int64
	micros       float64
}

func (a *intervalAcc) add(val float64, u intervalUnit) {
	switch {
	case u.months >= 12:
		whole := math.Trunc(val)
		a.months += int64(whole) * u.months
		a.months += int64(math.Round((val - whole) * float64(u.months)))
	case u.months == 1:
		whole := math.Trunc(val)
		a.months += int64(whole)
		a.addDays((val - whole) * 30)
	case u.days > 0:
		a.addDays(val * float64(u.days))
	default:
		a.micros += val * float64(u.micros)
	}
}

func (a *intervalAcc) addDays(d float64) {
	whole := math.Trunc(d)
	a.days += int64(whole)
	a.micros += (d - whole) * microsPerDay
}

// ParseInterval reads an interval.
func ParseInterval(s string) (Interval, error) {
	bad := func() (Interval, error) {
		return Interval{}, sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid input syntax for type interval: \"%s\"", s)
	}
	str := strings.ToLower(trimSpace(s))
	if str == "" {
		return bad()
	}
	var acc intervalAcc
	if str[0] == 'p' {
		if !parseISOInterval(str[1:], &acc) {
			return bad()
		}
		return acc.finish(s)
	}
	fields := strings.Fields(str)
	if len(fields) > 0 && fields[0] == "@" {
		fields = fields[1:]
	} else if len(fields) > 0 && strings.HasPrefix(fields[0], "@") {
		fields[0] = fields[0][1:]
	}
	ago := false
	if n := len(fields); n > 0 && fields[n-1] == "ago" {
		ago, fields = true, fields[:n-1]
	}
	if len(fields) == 0 {
		return bad()
	}
	for i := 0; i < len(fields); i++ {
		f := fields[i]
		switch {
		case strings.Contains(f, ":"):
			micros, ok := parseIntervalClock(f)
			if !ok {
				return bad()
			}
			acc.micros += micros
			continue
		case isYearMonth(f):
			y, m, _ := strings.Cut(strings.TrimLeft(f, "+-"), "-")
			yv, _ := strconv.ParseInt(y, 10, 64)
			mv, _ := strconv.ParseInt(m, 10, 64)
			months := yv*12 + mv
			if f[0] == '-' {
				months = -months
			}
			acc.months += months
			continue
		}
		// A number, with its unit attached ("10min") or in the next field.
		n := 0
		for n < len(f) && (f[n] >= '0' && f[n] <= '9' || f[n] == '.' || f[n] == '-' || f[n] == '+' ||
			(f[n] == 'e' && n+1 < len(f) && (f[n+1] >= '0' && f[n+1] <= '9' || f[n+1] == '-'))) {
			n++
		}
		val, err := strconv.ParseFloat(f[:n], 64)
		if n == 0 || err != nil {
			return bad()
		}
		unitName := f[n:]
		if unitName == "" && i+1 < len(fields) {
			if _, ok := intervalUnits[fields[i+1]]; ok {
				i++
				unitName = fields[i]
			}
		}
		if unitName == "" {
			// A bare number before a clock is days ("3 04:05:06", the SQL
			// standard form); anywhere else it is seconds.
			if i+1 < len(fields) && strings.Contains(fields[i+1], ":") {
				unitName = "day"
			} else {
				unitName = "second"
			}
		}
		u, ok := intervalUnits[unitName]
		if !ok {
			return bad()
		}
		acc.add(val, u)
	}
	if ago {
		acc.months, acc.days, acc.micros = -acc.months, -acc.days, -acc.micros
	}
	return acc.finish(s)
}

func (a *intervalAcc) finish(s string) (Interval, error) {
	micros := math.Round(a.micros)
	if a.months > math.MaxInt32 || a.months < math.MinInt32 || a.days > math.MaxInt32 || a.days < math.MinInt32 ||
		micros >= math.MaxInt64 || micros <= math.MinInt64 || math.IsNaN(micros) {
		return Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval field value out of range: \"%s\"", s)
	}
	return Interval{Months: int32(a.months), Days: int32(a.days), Micros: int64(micros)}, nil
}

// isYearMonth reports whether f is the SQL standard year-month form "Y-M".
func isYearMonth(f string) bool {
	t := strings.TrimLeft(f, "+-")
	y, m, ok := strings.Cut(t, "-")
	return ok && y != "" && m != "" && strings.Trim(y, "0123456789") == "" && strings.Trim(m, "0123456789") == ""
}

// parseIntervalClock reads [-+]H:MM[:SS[.f]] (hours unbounded) as micros.
func parseIntervalClock(f string) (float64, bool) {
	sign := 1.0
	if f[0] == '-' || f[0] == '+' {
		if f[0] == '-' {
			sign = -1
		}
		f = f[1:]
	}
	parts := strings.Split(f, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	h, err1 := strconv.ParseInt(parts[0], 10, 64)
	m, err2 := strconv.ParseInt(parts[1], 10, 64)
	if err1 != nil || err2 != nil || m > 59 || parts[0] == "" {
		return 0, false
	}
	total := float64(h*microsPerHour + m*microsPerMinute)
	if len(parts) == 3 {
		sec, err := strconv.ParseFloat(parts[2], 64)
		if err != nil || sec < 0 || sec >= 61 || strings.ContainsAny(parts[2], "eE+-") {
			return 0, false
		}
		total += sec * microsPerSecond
	}
	return sign * total, true
}

// parseISOInterval reads the part after "P" of an ISO 8601 duration:
// [nY][nM][nW][nD][T[nH][nM][nS]].
func parseISOInterval(s string, acc *intervalAcc) bool {
	inTime := false
	if s == "" {
		return false
	}
	for s != "" {
		if s[0] == 't' {
			if inTime {
				return false
			}
			inTime = true
			s = s[1:]
			continue
		}
		n := 0
		for n < len(s) && (s[n] >= '0' && s[n] <= '9' || s[n] == '.' || s[n] == '-' || s[n] == '+') {
			n++
		}
		if n == 0 || n == len(s) {
			return false
		}
		val, err := strconv.ParseFloat(s[:n], 64)
		if err != nil {
			return false
		}
		var u string
		switch c := s[n]; {
		case c == 'y' && !inTime:
			u = "year"
		case c == 'm' && !inTime:
			u = "month"
		case c == 'w' && !inTime:
			u = "week"
		case c == 'd' && !inTime:
			u = "day"
		case c == 'h' && inTime:
			u = "hour"
		case c == 'm' && inTime:
			u = "minute"
		case c == 's' && inTime:
			u = "second"
		default:
			return false
		}
		acc.add(val, intervalUnits[u])
		s = s[n+1:]
	}
	return true
}
