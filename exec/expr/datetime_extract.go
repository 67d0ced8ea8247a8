package expr

import (
	"math"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// EXTRACT and date_part: the units they and date_trunc share, broken-down
// time, and the field computations.

// Units.

// dtUnit is a date/time field or truncation unit.
type dtUnit uint8

const (
	unitNone dtUnit = iota
	unitMicrosecond
	unitMillisecond
	unitSecond
	unitMinute
	unitHour
	unitDay
	unitWeek
	unitMonth
	unitQuarter
	unitYear
	unitDecade
	unitCentury
	unitMillennium
	unitEpoch
	unitJulian
	unitDow
	unitIsodow
	unitDoy
	unitIsoyear
	unitTimezone
	unitTimezoneHour
	unitTimezoneMinute
)

// unitNames are PostgreSQL's unit spellings (its deltatktbl and the
// special fields of datetktbl), looked up as PostgreSQL does: lower-cased
// and cut to 10 characters, so "milliseconds" is "millisecon".
var unitNames = map[string]dtUnit{}

func init() {
	add := func(u dtUnit, names ...string) {
		for _, n := range names {
			unitNames[n] = u
		}
	}
	add(unitMicrosecond, "microsecon", "us", "usec", "usecs")
	add(unitMillisecond, "millisecon", "ms", "msec", "msecs")
	add(unitSecond, "second", "seconds", "s", "sec", "secs")
	add(unitMinute, "minute", "minutes", "m", "min", "mins")
	add(unitHour, "hour", "hours", "h", "hr", "hrs")
	add(unitDay, "day", "days", "d")
	add(unitWeek, "week", "weeks", "w")
	add(unitMonth, "month", "months", "mon", "mons")
	add(unitQuarter, "quarter", "qtr")
	add(unitYear, "year", "years", "y", "yr", "yrs")
	add(unitDecade, "decade", "decades", "dec", "decs")
	add(unitCentury, "century", "centuries", "c", "cent")
	add(unitMillennium, "millennium", "millennia", "mil", "mils")
	add(unitEpoch, "epoch")
	add(unitJulian, "julian", "j")
	add(unitDow, "dow")
	add(unitIsodow, "isodow")
	add(unitDoy, "doy")
	add(unitIsoyear, "isoyear")
	add(unitTimezone, "timezone")
	add(unitTimezoneHour, "timezone_h")
	add(unitTimezoneMinute, "timezone_m")
}

func lookupUnit(s string) dtUnit {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 10 {
		s = s[:10]
	}
	return unitNames[s]
}

func errUnitNotRecognized(unit string, t vec.Type) error {
	return sqlerr.New(sqlerr.InvalidParameterValue, "unit \"%s\" not recognized for type %s", strings.ToLower(unit), t)
}

func errUnitNotSupported(unit string, t vec.Type) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "unit \"%s\" not supported for type %s", strings.ToLower(unit), t)
}

// Broken-down time.

// tmFields is a wall-clock timestamp split into calendar fields, year in
// astronomical numbering (0 is 1 BC).
type tmFields struct {
	year              int64
	month, day        int
	hour, min, sec    int
	usec              int64
	days, microsOfDay int64 // days since the epoch, microseconds into the day
}

func breakDown(t int64) tmFields {
	days, ofDay := splitTS(t)
	y, m, d := vec.Civil(days)
	return tmFields{
		year: y, month: m, day: d,
		hour: int(ofDay / usPerHour), min: int(ofDay / usPerMin % 60), sec: int(ofDay / usPerSec % 60),
		usec: ofDay % usPerSec, days: days, microsOfDay: ofDay,
	}
}

// isoWeek returns the ISO 8601 year and week of a day.
func isoWeek(days int64) (year int64, week int) {
	dow := isoDow(days)
	thursday := days - int64(dow-1) + 3
	y, _, _ := vec.Civil(thursday)
	jan1 := vec.DaysFromCivil(y, 1, 1)
	return y, int((thursday-jan1)/7) + 1
}

// isoDow is the ISO day of the week, Monday 1 to Sunday 7.
func isoDow(days int64) int {
	// 1970-01-01 was a Thursday.
	d := (days%7 + 7 + 3) % 7 // Monday 0
	return int(d) + 1
}

// bcYear is PostgreSQL's displayed year: 1 BC is -1.
func bcYear(y int64) int64 {
	if y > 0 {
		return y
	}
	return y - 1
}

// julianDay is the Julian day number of a day since 1970.
func julianDay(days int64) int64 { return days + 2440588 }

// EXTRACT and date_part.

// fieldsFor lists the units each source type has; others are 0A000.
func fieldOK(u dtUnit, k vec.Kind) bool {
	switch k {
	case vec.KindDate:
		return u >= unitDay && u <= unitIsoyear
	case vec.KindTimestamp:
		return u >= unitMicrosecond && u <= unitIsoyear
	case vec.KindTimestampTZ:
		return u != unitNone
	case vec.KindInterval:
		return u >= unitMicrosecond && u <= unitEpoch && u != unitWeek
	}
	return false
}

// extractScale is the number of decimals EXTRACT's numeric result has for
// a unit. PostgreSQL's julian for timestamps has 20; Apiary keeps 11, what
// fits 18 digits.
func extractScale(u dtUnit, k vec.Kind) int32 {
	switch u {
	case unitSecond:
		return 6
	case unitMillisecond:
		return 3
	case unitEpoch:
		if k != vec.KindDate {
			return 6
		}
	case unitJulian:
		if k != vec.KindDate {
			return 11
		}
	}
	return 0
}

// tsField computes a field of a wall-clock timestamp, scaled by 10^6
// (seconds, milliseconds and epoch have fractions). offset is the zone
// offset in seconds for the timezone fields; utc the instant for epoch.
func tsField(u dtUnit, local, utc int64, offset int64) int64 {
	f := breakDown(local)
	const one = 1_000_000
	switch u {
	case unitMicrosecond:
		return (int64(f.sec)*usPerSec + f.usec) * one
	case unitMillisecond:
		return (int64(f.sec)*usPerSec + f.usec) * 1000
	case unitSecond:
		return int64(f.sec)*usPerSec + f.usec
	case unitMinute:
		return int64(f.min) * one
	case unitHour:
		return int64(f.hour) * one
	case unitDay:
		return int64(f.day) * one
	case unitWeek:
		_, w := isoWeek(f.days)
		return int64(w) * one
	case unitMonth:
		return int64(f.month) * one
	case unitQuarter:
		return int64((f.month-1)/3+1) * one
	case unitYear:
		return bcYear(f.year) * one
	case unitDecade:
		if f.year >= 0 {
			return f.year / 10 * one
		}
		return -((8 - (f.year - 1)) / 10) * one
	case unitCentury:
		if f.year > 0 {
			return (f.year + 99) / 100 * one
		}
		return -((99 - (f.year - 1)) / 100) * one
	case unitMillennium:
		if f.year > 0 {
			return (f.year + 999) / 1000 * one
		}
		return -((999 - (f.year - 1)) / 1000) * one
	case unitEpoch:
		return utc
	case unitJulian:
		return julianDay(f.days)*one + f.microsOfDay/86400
	case unitDow:
		return int64(isoDow(f.days)%7) * one
	case unitIsodow:
		return int64(isoDow(f.days)) * one
	case unitDoy:
		return (f.days - vec.DaysFromCivil(f.year, 1, 1) + 1) * one
	case unitIsoyear:
		y, _ := isoWeek(f.days)
		return bcYear(y) * one
	case unitTimezone:
		return offset * one
	case unitTimezoneHour:
		return offset / 3600 * one
	case unitTimezoneMinute:
		return offset / 60 % 60 * one
	}
	return 0
}

// ivlField computes a field of an interval, scaled by 10^6.
func ivlField(u dtUnit, iv vec.Interval) int64 {
	const one = 1_000_000
	years, mons := int64(iv.Months)/12, int64(iv.Months)%12
	t := iv.Micros
	hours := t / usPerHour
	t -= hours * usPerHour
	mins := t / usPerMin
	t -= mins * usPerMin
	switch u {
	case unitMicrosecond:
		return t * one
	case unitMillisecond:
		return t * 1000
	case unitSecond:
		return t
	case unitMinute:
		return mins * one
	case unitHour:
		return hours * one
	case unitDay:
		return int64(iv.Days) * one
	case unitMonth:
		return mons * one
	case unitQuarter:
		return (mons/3 + 1) * one
	case unitYear:
		return years * one
	case unitDecade:
		return years / 10 * one
	case unitCentury:
		return years / 100 * one
	case unitMillennium:
		return years / 1000 * one
	case unitEpoch:
		// A year is 365.25 days and a month 30 days, as in PostgreSQL.
		secs := years*31557600 + mons*2592000 + int64(iv.Days)*86400
		return secs*one + iv.Micros
	}
	return 0
}

// infiniteField is a field of an infinite timestamp: PostgreSQL 15 gives
// ±Infinity for the unbounded fields (year, epoch, ...) and NULL for the
// others.
func infiniteField(u dtUnit, positive bool) (float64, bool) {
	switch u {
	case unitYear, unitDecade, unitCentury, unitMillennium, unitEpoch, unitJulian, unitIsoyear:
		if positive {
			return math.Inf(1), true
		}
		return math.Inf(-1), true
	}
	return 0, false
}

// datePartKernel computes a unit of each row, scaled by 10^6, and stores
// it with store (numeric or double precision). Infinite timestamps get
// store's infinite handling.
type fieldStore struct {
	put func(out *vec.Vec, i int, scaled int64) error
	inf func(out *vec.Vec, i int, u dtUnit, positive bool) error
}

func fieldKernel(src vec.Kind, fixed dtUnit, parse func(string) (dtUnit, error), st fieldStore, unitArg int) kernel {
	return func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		loc := c.Env.Location()
		var units *vec.Bytes
		if fixed == unitNone {
			units = a[0].Bytes()
		}
		in := a[unitArg]
		unitAt := func(i int) (dtUnit, error) {
			if fixed != unitNone {
				return fixed, nil
			}
			return parse(string(units.Get(i)))
		}
		switch src {
		case vec.KindInterval:
			s := in.Intervals()
			return eachRow(n, sel, nulls, func(i int) error {
				u, err := unitAt(i)
				if err != nil {
					return err
				}
				return st.put(out, i, ivlField(u, s[i]))
			})
		case vec.KindDate:
			s := in.Int32s()
			return eachRow(n, sel, nulls, func(i int) error {
				u, err := unitAt(i)
				if err != nil {
					return err
				}
				if !finiteDate(s[i]) {
					return st.inf(out, i, u, s[i] > 0)
				}
				t := int64(s[i]) * usPerDay
				return st.put(out, i, tsField(u, t, t, 0))
			})
		}
		s := in.Int64s()
		tz := src == vec.KindTimestampTZ
		return eachRow(n, sel, nulls, func(i int) error {
			u, err := unitAt(i)
			if err != nil {
				return err
			}
			t := s[i]
			if !finiteTS(t) {
				return st.inf(out, i, u, t > 0)
			}
			local, off := t, int64(0)
			if tz {
				local = toLocal(t, loc)
				off = (local - t) / usPerSec
			}
			return st.put(out, i, tsField(u, local, t, off))
		})
	}
}

// datePartUnitParser returns the unit parser for a source type, with
// PostgreSQL's errors.
func datePartUnitParser(src vec.Type, float bool) func(string) (dtUnit, error) {
	return func(s string) (dtUnit, error) {
		u := lookupUnit(s)
		if u == unitNone {
			return 0, errUnitNotRecognized(s, src)
		}
		k := src.Kind
		if float && k == vec.KindDate {
			// date_part(text, date) is date_part(text, timestamp) in
			// PostgreSQL: hours of a date are 0.
			k = vec.KindTimestamp
		}
		if !fieldOK(u, k) {
			return 0, errUnitNotSupported(s, vec.Type{Kind: k})
		}
		return u, nil
	}
}

var floatFieldStore = fieldStore{
	put: func(out *vec.Vec, i int, scaled int64) error {
		out.Float64s()[i] = float64(scaled) / 1e6
		return nil
	},
	inf: func(out *vec.Vec, i int, u dtUnit, positive bool) error {
		if f, ok := infiniteField(u, positive); ok {
			out.Float64s()[i] = f
		} else {
			out.Nulls.SetNull(i)
		}
		return nil
	},
}

func bindDatePart(args []Expr, _ vec.Type) (kernel, uint32, error) {
	src := args[1].Type()
	parse := datePartUnitParser(src, true)
	if s, ok := constText(args, 0); ok {
		u, err := parse(s)
		if err != nil {
			return nil, 0, err
		}
		return fieldKernel(src.Kind, u, parse, floatFieldStore, 1), 1, nil
	}
	return fieldKernel(src.Kind, unitNone, parse, floatFieldStore, 1), 0, nil
}

// NewExtract builds EXTRACT(field FROM e). As in PostgreSQL 15 the result
// is numeric, with the decimals the field has (seconds: 6, milliseconds:
// 3, epoch of a timestamp: 6, the others 0); date_part is the double
// precision variant. Infinite inputs give ±Infinity in PostgreSQL, which
// Apiary's numeric cannot hold: they are an error (0A000) for the
// unbounded fields and NULL for the others.
func NewExtract(field string, e Expr) (Expr, error) {
	if isUntyped(e) {
		return nil, sqlerr.New(codeAmbiguousFunction, "function extract(unknown, unknown) is not unique").
			WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
	}
	src := e.Type()
	switch src.Kind {
	case vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ, vec.KindInterval:
	default:
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "function extract(unknown, %s) does not exist", pgTypeName(src)).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	u, err := datePartUnitParser(src, false)(field)
	if err != nil {
		return nil, err
	}
	scale := extractScale(u, src.Kind)
	ret := numericOfScale(scale)
	div := vec.Pow10(6 - scale) // the kernel's values are scaled by 10^6
	store := fieldStore{
		put: func(out *vec.Vec, i int, scaled int64) error {
			o := out.Int64s()
			if div == 1 {
				o[i] = scaled
			} else {
				o[i] = scaled / div
			}
			return nil
		},
		inf: func(out *vec.Vec, i int, u dtUnit, positive bool) error {
			if _, ok := infiniteField(u, positive); ok {
				return sqlerr.New(sqlerr.FeatureNotSupported, "EXTRACT(%s) of an infinite value is infinite, which Apiary's numeric cannot hold", field)
			}
			out.Nulls.SetNull(i)
			return nil
		},
	}
	var k kernel
	if u == unitJulian && scale == 11 {
		k = julianKernel(src.Kind)
	} else {
		k = fieldKernel(src.Kind, u, nil, store, 0)
	}
	name := strings.ToLower(field)
	ov := &overload{params: []vec.Type{src}, ret: ret, kern: k,
		show: func(a []string) string { return "EXTRACT(" + name + " FROM " + a[0] + ")" }}
	if src.Kind == vec.KindTimestampTZ {
		ov.flags = usesEnv
	}
	return buildFunc("extract", ov, []Expr{e})
}

// julianKernel is EXTRACT(julian FROM timestamp[tz]) at scale 11: the
// Julian day plus the fraction of the day, exactly rounded.
func julianKernel(src vec.Kind) kernel {
	return func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		s, o := a[0].Int64s(), out.Int64s()
		loc := c.Env.Location()
		return eachRow(n, sel, nulls, func(i int) error {
			t := s[i]
			if !finiteTS(t) {
				return sqlerr.New(sqlerr.FeatureNotSupported, "EXTRACT(julian) of an infinite value is infinite, which Apiary's numeric cannot hold")
			}
			if src == vec.KindTimestampTZ {
				t = toLocal(t, loc)
			}
			days, ofDay := splitTS(t)
			frac := divRound(ofDay*100_000, 86400) // ofDay/usPerDay at 10^11
			o[i] = julianDay(days)*100_000_000_000 + frac
			return nil
		})
	}
}
