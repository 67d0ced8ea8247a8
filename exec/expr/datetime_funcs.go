package expr

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Date/time functions: the current time, date_trunc, EXTRACT and
// date_part, age, make_*, justify_*, date_bin, isfinite and
// to_timestamp(double precision).

var (
	tDate  = vec.Date
	tTS    = vec.Timestamp
	tTSTZ  = vec.TimestampTZ
	tIvl   = vec.IntervalT
	tText  = vec.Text
	tBool  = vec.Bool
	tBytea = vec.Bytea
)

func init() {
	nowTS := func(c *Ctx) int64 { return c.Env.Now.UnixMicro() }
	fillNow := func(ret vec.Type, f func(c *Ctx) int64) *overload {
		return &overload{ret: ret, flags: usesEnv, kern: func(c *Ctx, _ []*vec.Vec, out *vec.Vec, _ int, _ []int32, _ *vec.Nulls) error {
			v := f(c)
			if ret.Kind == vec.KindDate {
				fill(out.Int32s(), int32(v))
			} else {
				fill(out.Int64s(), v)
			}
			return nil
		}}
	}
	def("now current_timestamp transaction_timestamp statement_timestamp", fillNow(tTSTZ, nowTS))
	localNow := func(c *Ctx) int64 { return toLocal(nowTS(c), c.Env.Location()) }
	def("localtimestamp", fillNow(tTS, localNow))
	// current_timestamp(p) and localtimestamp(p) are SQL's syntax for the
	// current time rounded to p decimals of a second.
	def("current_timestamp", &overload{params: []vec.Type{tI32}, ret: tTSTZ, bind: bindNowPrecision(nowTS), flags: usesEnv})
	def("localtimestamp", &overload{params: []vec.Type{tI32}, ret: tTS, bind: bindNowPrecision(localNow), flags: usesEnv})
	// Their counterparts of type time and time with time zone name types
	// Apiary does not have.
	for name, typ := range map[string]string{"localtime": "time without time zone", "current_time": "time with time zone"} {
		specialFuncs[name] = func([]Expr) (Expr, error) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported: type %s is not supported", name, typ)
		}
	}
	def("current_date", fillNow(tDate, func(c *Ctx) int64 { return floorDiv(toLocal(nowTS(c), c.Env.Location()), usPerDay) }))
	def("clock_timestamp", &overload{ret: tTSTZ, flags: volatile, kern: func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, _ int, _ []int32, _ *vec.Nulls) error {
		fill(out.Int64s(), time.Now().UnixMicro())
		return nil
	}})

	def("date_trunc",
		&overload{params: []vec.Type{tText, tTS}, ret: tTS, bind: bindDateTrunc},
		&overload{params: []vec.Type{tText, tTSTZ}, ret: tTSTZ, bind: bindDateTrunc, flags: usesEnv},
		&overload{params: []vec.Type{tText, tTSTZ, tText}, ret: tTSTZ, bind: bindDateTrunc},
		&overload{params: []vec.Type{tText, tIvl}, ret: tIvl, bind: bindDateTrunc})
	def("date_part",
		&overload{params: []vec.Type{tText, tTS}, ret: tF64, bind: bindDatePart},
		&overload{params: []vec.Type{tText, tTSTZ}, ret: tF64, bind: bindDatePart, flags: usesEnv},
		&overload{params: []vec.Type{tText, tDate}, ret: tF64, bind: bindDatePart},
		&overload{params: []vec.Type{tText, tIvl}, ret: tF64, bind: bindDatePart})
	def("age",
		&overload{params: []vec.Type{tTS, tTS}, ret: tIvl, kern: ageKernel(false, false)},
		&overload{params: []vec.Type{tTSTZ, tTSTZ}, ret: tIvl, kern: ageKernel(true, false), flags: usesEnv},
		&overload{params: []vec.Type{tTS}, ret: tIvl, kern: ageKernel(false, true), flags: usesEnv},
		&overload{params: []vec.Type{tTSTZ}, ret: tIvl, kern: ageKernel(true, true), flags: usesEnv})
	def("make_date", sig(tDate, makeDate, tI32, tI32, tI32))
	def("make_timestamp", sig(tTS, makeTimestamp(false), tI32, tI32, tI32, tI32, tI32, tF64))
	def("make_timestamptz", &overload{params: []vec.Type{tI32, tI32, tI32, tI32, tI32, tF64}, ret: tTSTZ, kern: makeTimestamp(true), flags: usesEnv})
	for k := 0; k <= 7; k++ {
		params := []vec.Type{tI32, tI32, tI32, tI32, tI32, tI32, tF64}[:k]
		def("make_interval", sig(tIvl, makeInterval, params...))
	}
	def("justify_days", sig(tIvl, justifyKernel(justifyDays), tIvl))
	def("justify_hours", sig(tIvl, justifyKernel(justifyHours), tIvl))
	def("justify_interval", sig(tIvl, justifyKernel(justifyInterval), tIvl))
	def("isfinite",
		sig(tBool, func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			mapRows(a[0].Int32s(), out.Bools(), n, sel, nulls, finiteDate)
			return nil
		}, tDate),
		sig(tBool, func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			mapRows(a[0].Int64s(), out.Bools(), n, sel, nulls, finiteTS)
			return nil
		}, tTS),
		sig(tBool, func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			mapRows(a[0].Int64s(), out.Bools(), n, sel, nulls, finiteTS)
			return nil
		}, tTSTZ),
		sig(tBool, func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			mapRows(a[0].Intervals(), out.Bools(), n, sel, nulls, func(vec.Interval) bool { return true })
			return nil
		}, tIvl))
	def("date_bin",
		sig(tTS, dateBin, tIvl, tTS, tTS),
		sig(tTSTZ, dateBin, tIvl, tTSTZ, tTSTZ))
	def("to_timestamp", sig(tTSTZ, toTimestampFloat, tF64))
	// timezone(zone, x) is x AT TIME ZONE zone: a timestamptz's wall
	// clock in the zone, or a wall clock of the zone as a timestamptz.
	def("timezone",
		&overload{params: []vec.Type{tText, tTSTZ}, ret: tTS, bind: bindTimezone},
		&overload{params: []vec.Type{tText, tTS}, ret: tTSTZ, bind: bindTimezone})
}

// bindNowPrecision binds current_timestamp(p) or localtimestamp(p), now
// being the time without a precision. PostgreSQL's grammar takes only an
// unsigned integer literal for p, and reduces one above 6 to 6 (with a
// warning).
func bindNowPrecision(now func(c *Ctx) int64) func(args []Expr, _ vec.Type) (kernel, uint32, error) {
	return func(args []Expr, _ vec.Type) (kernel, uint32, error) {
		p, ok := constInt(args, 0)
		switch {
		case !ok:
			return nil, 0, sqlerr.New(sqlerr.SyntaxError, "syntax error: a precision must be an integer literal")
		case p < 0:
			return nil, 0, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"-\"")
		}
		k := func(c *Ctx, _ []*vec.Vec, out *vec.Vec, _ int, _ []int32, _ *vec.Nulls) error {
			fill(out.Int64s(), roundMicros(now(c), min(p, 6)))
			return nil
		}
		return k, 1, nil
	}
}

// roundMicros rounds a time in microseconds to p decimals of a second,
// half away from zero, as PostgreSQL's AdjustTimestampForTypmod does (its
// epoch, 2000-01-01, is a whole number of seconds from Apiary's).
func roundMicros(us, p int64) int64 {
	scale := vec.Pow10(int32(6 - p))
	if us < 0 {
		return -((-us + scale/2) / scale * scale)
	}
	return (us + scale/2) / scale * scale
}

func bindTimezone(args []Expr, _ vec.Type) (kernel, uint32, error) {
	toWall := args[1].Type().Kind == vec.KindTimestampTZ
	var fixed *time.Location
	var captured uint32
	if s, ok := constText(args, 0); ok {
		loc, err := loadZone(s)
		if err != nil {
			return nil, 0, err
		}
		fixed, captured = loc, 1
	}
	k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		s, o := a[1].Int64s(), out.Int64s()
		var lastName string
		var lastLoc *time.Location
		return eachRow(n, sel, nulls, func(i int) error {
			loc := fixed
			if loc == nil {
				name := string(a[0].Bytes().Get(i))
				if lastLoc == nil || name != lastName {
					l, err := loadZone(name)
					if err != nil {
						return err
					}
					lastName, lastLoc = name, l
				}
				loc = lastLoc
			}
			if toWall {
				o[i] = toLocal(s[i], loc)
			} else {
				o[i] = fromLocal(s[i], loc)
			}
			return nil
		})
	}
	return k, captured, nil
}

// Truncation.

// truncLocal truncates a wall-clock timestamp to a unit, as
// timestamp_trunc does.
func truncLocal(t int64, u dtUnit) int64 {
	switch u {
	case unitMicrosecond:
		return t
	case unitMillisecond:
		return t - floorMod(t, 1000)
	case unitSecond:
		return t - floorMod(t, usPerSec)
	case unitMinute:
		return t - floorMod(t, usPerMin)
	case unitHour:
		return t - floorMod(t, usPerHour)
	}
	days := floorDiv(t, usPerDay)
	switch u {
	case unitDay:
		return days * usPerDay
	case unitWeek:
		return (days - int64(isoDow(days)-1)) * usPerDay
	}
	y, m, _ := vec.Civil(days)
	switch u {
	case unitMillennium:
		if y > 0 {
			y = (y+999)/1000*1000 - 999
		} else {
			y = -((999-(y-1))/1000)*1000 + 1
		}
	case unitCentury:
		if y > 0 {
			y = (y+99)/100*100 - 99
		} else {
			y = -((99-(y-1))/100)*100 + 1
		}
	case unitDecade:
		if y > 0 {
			y = y / 10 * 10
		} else {
			y = -((8 - (y - 1)) / 10) * 10
		}
	}
	switch u {
	case unitMillennium, unitCentury, unitDecade, unitYear:
		m = 1
	case unitQuarter:
		m = 3*((m-1)/3) + 1
	}
	return vec.DaysFromCivil(y, m, 1) * usPerDay
}

func floorMod(x, y int64) int64 { return x - floorDiv(x, y)*y }

// truncTSTZ truncates a timestamptz in loc: units of a day and above
// restart at local midnight (whose offset may differ), smaller ones keep
// the instant's offset, as timestamptz_trunc.
func truncTSTZ(t int64, u dtUnit, loc *time.Location) int64 {
	if !finiteTS(t) {
		return t
	}
	local := toLocal(t, loc)
	tl := truncLocal(local, u)
	if u >= unitDay {
		return fromLocal(tl, loc)
	}
	return t - (local - tl)
}

// truncInterval is interval_trunc: fields below the unit become zero.
func truncInterval(iv vec.Interval, u dtUnit) vec.Interval {
	years, mons := int64(iv.Months)/12, int64(iv.Months)%12
	days := int64(iv.Days)
	t := iv.Micros
	hours := t / usPerHour
	t -= hours * usPerHour
	mins := t / usPerMin
	t -= mins * usPerMin
	secs := t / usPerSec
	us := t - secs*usPerSec
	switch u {
	case unitMillennium:
		years = years / 1000 * 1000
		fallthrough
	case unitCentury:
		years = years / 100 * 100
		fallthrough
	case unitDecade:
		years = years / 10 * 10
		fallthrough
	case unitYear:
		mons = 0
		fallthrough
	case unitQuarter:
		mons = 3 * (mons / 3)
		fallthrough
	case unitMonth:
		days = 0
		fallthrough
	case unitDay:
		hours = 0
		fallthrough
	case unitHour:
		mins = 0
		fallthrough
	case unitMinute:
		secs = 0
		fallthrough
	case unitSecond:
		us = 0
	case unitMillisecond:
		us = us / 1000 * 1000
	}
	return vec.Interval{
		Months: int32(years*12 + mons), Days: int32(days),
		Micros: hours*usPerHour + mins*usPerMin + secs*usPerSec + us,
	}
}

// bindDateTrunc specialises date_trunc on a constant unit (and zone).
func bindDateTrunc(args []Expr, ret vec.Type) (kernel, uint32, error) {
	src := args[1].Type()
	parse := func(s string) (dtUnit, error) {
		// PostgreSQL distinguishes units it knows but cannot truncate
		// to (0A000) from words that are not units at all, such as
		// epoch and dow (22023).
		u := lookupUnit(s)
		switch {
		case u >= unitTimezone:
			return 0, errUnitNotSupported(s, src)
		case u == unitNone || u > unitMillennium:
			return 0, errUnitNotRecognized(s, src)
		}
		if src.Kind == vec.KindInterval && u == unitWeek {
			return 0, errUnitNotSupported(s, src)
		}
		return u, nil
	}
	var zone *time.Location
	var captured uint32
	if len(args) == 3 {
		name, ok := constText(args, 2)
		if !ok {
			return nil, 0, sqlerr.New(sqlerr.FeatureNotSupported, "date_trunc with a time zone that is not a constant is not supported")
		}
		loc, err := loadZone(name)
		if err != nil {
			return nil, 0, err
		}
		zone, captured = loc, 1<<2
	}
	var fixed dtUnit
	if s, ok := constText(args, 0); ok {
		u, err := parse(s)
		if err != nil {
			return nil, 0, err
		}
		fixed, captured = u, captured|1
	}
	k := func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		loc := zone
		if loc == nil {
			loc = c.Env.Location()
		}
		var units *vec.Bytes
		if fixed == unitNone {
			units = a[0].Bytes()
		}
		unitAt := func(i int) (dtUnit, error) {
			if fixed != unitNone {
				return fixed, nil
			}
			return parse(string(units.Get(i)))
		}
		if src.Kind == vec.KindInterval {
			s, o := a[1].Intervals(), out.Intervals()
			return eachRow(n, sel, nulls, func(i int) error {
				u, err := unitAt(i)
				o[i] = truncInterval(s[i], u)
				return err
			})
		}
		s, o := a[1].Int64s(), out.Int64s()
		tz := src.Kind == vec.KindTimestampTZ
		if fixed != unitNone && !tz && sel == nil && nulls == nil {
			for i := range o[:n] {
				if finiteTS(s[i]) {
					o[i] = truncLocal(s[i], fixed)
				} else {
					o[i] = s[i]
				}
			}
			return nil
		}
		return eachRow(n, sel, nulls, func(i int) error {
			u, err := unitAt(i)
			if err != nil {
				return err
			}
			switch {
			case !finiteTS(s[i]):
				o[i] = s[i]
			case tz:
				o[i] = truncTSTZ(s[i], u, loc)
			default:
				o[i] = truncLocal(s[i], u)
			}
			return nil
		})
	}
	return k, captured, nil
}

// loadZone reads a time zone name as the TimeZone setting and AT TIME ZONE
// take it: an IANA name or UTC.
func loadZone(name string) (*time.Location, error) {
	switch strings.ToLower(name) {
	case "utc", "gmt", "z", "zulu", "ut":
		return time.UTC, nil
	}
	if name != "" && (name[0] == '+' || name[0] == '-' || name[0] >= '0' && name[0] <= '9') {
		// A numeric zone is POSIX-style: '+05' is five hours west of
		// Greenwich, the opposite of ISO 8601's sign.
		sign := int64(-1)
		s := name
		switch s[0] {
		case '-':
			sign, s = 1, s[1:]
		case '+':
			s = s[1:]
		}
		var parts [3]int64
		fields := strings.Split(s, ":")
		ok := len(fields) <= 3
		for i, f := range fields {
			if !ok {
				break
			}
			v, err := strconv.ParseInt(f, 10, 64)
			ok = err == nil && v >= 0 && (i == 0 && v <= 15*24 || i > 0 && v < 60)
			parts[i] = v
		}
		if ok {
			return time.FixedZone(name, int(sign*(parts[0]*3600+parts[1]*60+parts[2]))), nil
		}
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "time zone \"%s\" not recognized", name)
	}
	return loc, nil
}

// age.

var daysInMonth = [2][12]int{
	{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
	{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31},
}

func isLeap(y int64) int {
	if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 1
	}
	return 0
}

// ageOf is timestamp_age: the symbolic difference in years, months and
// days, borrowing from the month of the earlier argument's calendar.
func ageOf(t1, t2 int64) (vec.Interval, error) {
	if !finiteTS(t1) || !finiteTS(t2) {
		return vec.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
	}
	a, b := breakDown(t1), breakDown(t2)
	fsec := a.usec - b.usec
	sec := int64(a.sec - b.sec)
	mi := int64(a.min - b.min)
	hour := int64(a.hour - b.hour)
	mday := int64(a.day - b.day)
	mon := int64(a.month - b.month)
	year := a.year - b.year
	neg := t1 < t2
	if neg {
		fsec, sec, mi, hour, mday, mon, year = -fsec, -sec, -mi, -hour, -mday, -mon, -year
	}
	for fsec < 0 {
		fsec += usPerSec
		sec--
	}
	for sec < 0 {
		sec += 60
		mi--
	}
	for mi < 0 {
		mi += 60
		hour--
	}
	for hour < 0 {
		hour += 24
		mday--
	}
	for mday < 0 {
		if neg {
			mday += int64(daysInMonth[isLeap(a.year)][a.month-1])
		} else {
			mday += int64(daysInMonth[isLeap(b.year)][b.month-1])
		}
		mon--
	}
	for mon < 0 {
		mon += 12
		year--
	}
	if neg {
		fsec, sec, mi, hour, mday, mon, year = -fsec, -sec, -mi, -hour, -mday, -mon, -year
	}
	months := year*12 + mon
	if months != int64(int32(months)) {
		return vec.Interval{}, errIntervalRange()
	}
	return vec.Interval{Months: int32(months), Days: int32(mday), Micros: ((hour*60+mi)*60+sec)*usPerSec + fsec}, nil
}

// ageKernel is age(a, b) or, with one argument, age from the current
// date's midnight; with zones, both are seen in the session zone.
func ageKernel(tz, oneArg bool) kernel {
	return func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		loc := c.Env.Location()
		o := out.Intervals()
		var first, second []int64
		var midnight int64
		if oneArg {
			second = a[0].Int64s()
			midnight = floorDiv(toLocal(c.Env.Now.UnixMicro(), loc), usPerDay) * usPerDay
		} else {
			first, second = a[0].Int64s(), a[1].Int64s()
		}
		return eachRow(n, sel, nulls, func(i int) error {
			x, y := midnight, second[i]
			if !oneArg {
				x = first[i]
			}
			if tz {
				if !oneArg {
					x = toLocal(x, loc)
				}
				y = toLocal(y, loc)
			}
			var err error
			o[i], err = ageOf(x, y)
			return err
		})
	}
}

// make_*.

func makeDate(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	y, m, d, o := a[0].Int32s(), a[1].Int32s(), a[2].Int32s(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		days, err := dateFromFields(int64(y[i]), int64(m[i]), int64(d[i]))
		o[i] = int32(days)
		return err
	})
}

// dateFromFields validates a year (negative: BC), month and day.
func dateFromFields(y, m, d int64) (int64, error) {
	bad := func() error {
		return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date field value out of range: %d-%02d-%02d", y, m, d)
	}
	if y == 0 || m < 1 || m > 12 || d < 1 {
		return 0, bad()
	}
	ay := y
	if y < 0 {
		ay = y + 1
	}
	if d > int64(vec.DaysIn(ay, int(m))) {
		return 0, bad()
	}
	days := vec.DaysFromCivil(ay, int(m), int(d))
	if !validDate(days) {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range: %d-%02d-%02d", y, m, d)
	}
	return days, nil
}

func makeTimestamp(tz bool) kernel {
	return func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		y, mo, d, h, mi, s := a[0].Int32s(), a[1].Int32s(), a[2].Int32s(), a[3].Int32s(), a[4].Int32s(), a[5].Float64s()
		o := out.Int64s()
		loc := c.Env.Location()
		return eachRow(n, sel, nulls, func(i int) error {
			days, err := dateFromFields(int64(y[i]), int64(mo[i]), int64(d[i]))
			if err != nil {
				return err
			}
			us := math.RoundToEven(s[i] * usPerSec)
			if h[i] < 0 || h[i] > 24 || mi[i] < 0 || mi[i] > 59 || us < 0 || us > 60*usPerSec || math.IsNaN(us) ||
				h[i] == 24 && (mi[i] != 0 || us != 0) {
				return sqlerr.New(sqlerr.DatetimeFieldOverflow, "time field value out of range: %d:%02d:%s", h[i], mi[i], fmtFloatC(s[i]))
			}
			t := days*usPerDay + int64(h[i])*usPerHour + int64(mi[i])*usPerMin + int64(us)
			if !validTS(t) {
				return errTimestampRange()
			}
			if tz {
				t = fromLocal(t, loc)
			}
			o[i] = t
			return nil
		})
	}
}

// fmtFloatC formats a float as C's %g does for the error messages that
// quote one.
func fmtFloatC(f float64) string { return fmt.Sprintf("%g", f) }

func makeInterval(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	o := out.Intervals()
	ints := make([]func(int) int64, 0, 6)
	for k := 0; k < len(a) && k < 6; k++ {
		ints = append(ints, intsOf(a[k]))
	}
	var secs []float64
	if len(a) == 7 {
		secs = a[6].Float64s()
	}
	return eachRow(n, sel, nulls, func(i int) error {
		var f [6]int64
		for k, g := range ints {
			f[k] = g(i)
		}
		months := f[0]*12 + f[1]
		days := f[2]*7 + f[3]
		us := float64(f[4])*usPerHour + float64(f[5])*usPerMin
		if secs != nil {
			us += math.RoundToEven(secs[i] * usPerSec)
		}
		if months != int64(int32(months)) || days != int64(int32(days)) || math.Abs(us) >= 9.2e18 || math.IsNaN(us) {
			return errIntervalRange()
		}
		o[i] = vec.Interval{Months: int32(months), Days: int32(days), Micros: int64(us)}
		return nil
	})
}

// justify_*.

func justifyKernel(f func(vec.Interval) vec.Interval) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		mapRows(a[0].Intervals(), out.Intervals(), n, sel, nulls, f)
		return nil
	}
}

func justifyDays(iv vec.Interval) vec.Interval {
	whole := iv.Days / 30
	iv.Days -= whole * 30
	iv.Months += whole
	switch {
	case iv.Months > 0 && iv.Days < 0:
		iv.Days += 30
		iv.Months--
	case iv.Months < 0 && iv.Days > 0:
		iv.Days -= 30
		iv.Months++
	}
	return iv
}

func justifyHours(iv vec.Interval) vec.Interval {
	whole := iv.Micros / usPerDay
	iv.Micros -= whole * usPerDay
	iv.Days += int32(whole)
	switch {
	case iv.Days > 0 && iv.Micros < 0:
		iv.Micros += usPerDay
		iv.Days--
	case iv.Days < 0 && iv.Micros > 0:
		iv.Micros -= usPerDay
		iv.Days++
	}
	return iv
}

func justifyInterval(iv vec.Interval) vec.Interval {
	whole := iv.Micros / usPerDay
	iv.Micros -= whole * usPerDay
	iv.Days += int32(whole)
	wm := iv.Days / 30
	iv.Days -= wm * 30
	iv.Months += wm
	switch {
	case iv.Months > 0 && (iv.Days < 0 || iv.Days == 0 && iv.Micros < 0):
		iv.Days += 30
		iv.Months--
	case iv.Months < 0 && (iv.Days > 0 || iv.Days == 0 && iv.Micros > 0):
		iv.Days -= 30
		iv.Months++
	}
	switch {
	case iv.Days > 0 && iv.Micros < 0:
		iv.Micros += usPerDay
		iv.Days--
	case iv.Days < 0 && iv.Micros > 0:
		iv.Micros -= usPerDay
		iv.Days++
	}
	return iv
}

// dateBin is date_bin(stride, source, origin): the start of the
// stride-long bin, counted from origin, that holds source.
func dateBin(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	st, src, org, o := a[0].Intervals(), a[1].Int64s(), a[2].Int64s(), out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error {
		iv := st[i]
		if iv.Months != 0 {
			return sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into intervals containing months or years")
		}
		if !finiteTS(src[i]) || !finiteTS(org[i]) {
			return sqlerr.New(sqlerr.FeatureNotSupported, "timestamps cannot be binned into infinite intervals")
		}
		stride, ok := int64Op(Mul, int64(iv.Days), usPerDay)
		if ok {
			stride, ok = int64Op(Add, stride, iv.Micros)
		}
		if !ok {
			return errIntervalRange()
		}
		if stride <= 0 {
			return sqlerr.New(sqlerr.InvalidParameterValue, "stride must be greater than zero")
		}
		diff, ok := int64Op(Sub, src[i], org[i])
		if !ok {
			return errIntervalRange()
		}
		r := org[i] + floorDiv(diff, stride)*stride
		if !validTS(r) {
			return errTimestampRange()
		}
		o[i] = r
		return nil
	})
}

// toTimestampFloat is to_timestamp(seconds since the epoch).
func toTimestampFloat(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	return mapRowsErr(a[0].Float64s(), out.Int64s(), n, sel, nulls, func(f float64) (int64, error) {
		switch {
		case math.IsNaN(f):
			return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp cannot be NaN")
		case math.IsInf(f, 1):
			return vec.TimestampPosInfinity, nil
		case math.IsInf(f, -1):
			return vec.TimestampNegInfinity, nil
		}
		us := math.RoundToEven(f * usPerSec)
		if us < float64(minTS) || us >= float64(maxTS) {
			return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range: \"%s\"", vec.AppendFloat(nil, f, 64))
		}
		return int64(us), nil
	})
}
