package expr

import (
	"fmt"
	"math"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Date/time arithmetic: the operators on date, timestamp, timestamptz and
// interval (arithOtherHook), and the calendar helpers the date/time
// functions and casts share. Dates are days and timestamps microseconds
// since 1970-01-01; a timestamptz is UTC and is seen in the session time
// zone wherever PostgreSQL uses the session zone (month arithmetic,
// date_trunc, casts to date and timestamp, text output).

const (
	usPerSec  = 1_000_000
	usPerMin  = 60 * usPerSec
	usPerHour = 60 * usPerMin
	usPerDay  = 24 * usPerHour
)

// The valid ranges, as PostgreSQL's: dates and timestamps start at
// 4714-11-24 BC (Julian day 0). Timestamps end where int64 microseconds
// since 1970 do, about 30 years before PostgreSQL's 294277 AD.
var (
	minDate = int64(-2440588)
	maxDate = vec.DaysFromCivil(5874898, 1, 1) - 1
	minTS   = minDate * usPerDay
	maxTS   = int64(math.MaxInt64 - 1)
)

func errDateRange() error { return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range") }
func errTimestampRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "timestamp out of range")
}
func errIntervalRange() error {
	return sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
}

func finiteDate(d int32) bool { return d != vec.DateNegInfinity && d != vec.DatePosInfinity }
func finiteTS(t int64) bool   { return t != vec.TimestampNegInfinity && t != vec.TimestampPosInfinity }

func validDate(d int64) bool { return d >= minDate && d <= maxDate }
func validTS(t int64) bool   { return t >= minTS && t <= maxTS }

// floorDiv divides rounding toward negative infinity.
func floorDiv(x, y int64) int64 {
	q := x / y
	if (x%y != 0) && ((x < 0) != (y < 0)) {
		q--
	}
	return q
}

// splitTS splits microseconds since the epoch into days and the time of
// day.
func splitTS(t int64) (days, ofDay int64) {
	days = floorDiv(t, usPerDay)
	return days, t - days*usPerDay
}

// offsetAt returns the UTC offset of loc, in seconds east, at the instant
// sec seconds after the epoch.
func offsetAt(sec int64, loc *time.Location) int64 {
	_, off := time.Unix(sec, 0).In(loc).Zone()
	return int64(off)
}

// toLocal converts a UTC timestamp to the wall-clock time of loc.
func toLocal(t int64, loc *time.Location) int64 {
	if loc == time.UTC || !finiteTS(t) {
		return t
	}
	return t + offsetAt(floorDiv(t, usPerSec), loc)*usPerSec
}

// fromLocal converts a wall-clock time of loc to UTC. A wall time that does
// not exist (skipped by a daylight-saving jump forward) or exists twice
// (repeated by a jump back) takes the smaller of the two offsets around the
// transition, which is PostgreSQL's rule: the offset before a jump forward,
// the one after a jump back.
func fromLocal(local int64, loc *time.Location) int64 {
	if loc == time.UTC || !finiteTS(local) {
		return local
	}
	sec := floorDiv(local, usPerSec)
	before := offsetAt(sec-86400, loc)
	after := offsetAt(sec+86400, loc)
	if before == after {
		return local - before*usPerSec
	}
	okBefore := offsetAt(sec-before, loc) == before
	okAfter := offsetAt(sec-after, loc) == after
	switch {
	case okBefore && !okAfter:
		return local - before*usPerSec
	case okAfter && !okBefore:
		return local - after*usPerSec
	}
	return local - min(before, after)*usPerSec
}

// addMonthsDays adds months then days to a day number, clamping the day of
// the month to the month's end as PostgreSQL does (2024-01-31 plus one
// month is 2024-02-29).
func addMonthsDays(days int64, months, addDays int64) (int64, bool) {
	if months != 0 {
		y, m, d := vec.Civil(days)
		total := y*12 + int64(m-1) + months
		y = floorDiv(total, 12)
		m = int(total - y*12 + 1)
		if y < -5_000_000 || y > 6_000_000 {
			return 0, false
		}
		d = min(d, vec.DaysIn(y, m))
		days = vec.DaysFromCivil(y, m, d)
	}
	days += addDays
	return days, days > -1<<40 && days < 1<<40
}

// addInterval adds an interval to a timestamp read as wall-clock time:
// months (clamped), then days, then the time part.
func addInterval(t int64, iv vec.Interval) (int64, error) {
	if !finiteTS(t) {
		return t, nil
	}
	if iv.Months != 0 || iv.Days != 0 {
		days, ofDay := splitTS(t)
		nd, ok := addMonthsDays(days, int64(iv.Months), int64(iv.Days))
		if !ok || nd < minDate || nd > maxTS/usPerDay+1 {
			return 0, errTimestampRange()
		}
		t = nd*usPerDay + ofDay
	}
	r, ok := int64Op(Add, t, iv.Micros)
	if !ok || !validTS(r) {
		return 0, errTimestampRange()
	}
	return r, nil
}

// addIntervalTZ adds an interval to a timestamptz: months and days move
// the wall clock of loc, the time part moves the instant, so that one day
// after noon is noon the next day across a daylight-saving change.
func addIntervalTZ(t int64, iv vec.Interval, loc *time.Location) (int64, error) {
	if !finiteTS(t) {
		return t, nil
	}
	if iv.Months != 0 || iv.Days != 0 {
		local, err := addInterval(toLocal(t, loc), vec.Interval{Months: iv.Months, Days: iv.Days})
		if err != nil {
			return 0, err
		}
		t = fromLocal(local, loc)
	}
	r, ok := int64Op(Add, t, iv.Micros)
	if !ok || !validTS(r) {
		return 0, errTimestampRange()
	}
	return r, nil
}

func negInterval(iv vec.Interval) (vec.Interval, error) {
	if iv.Months == math.MinInt32 || iv.Days == math.MinInt32 || iv.Micros == math.MinInt64 {
		return vec.Interval{}, errIntervalRange()
	}
	return vec.Interval{Months: -iv.Months, Days: -iv.Days, Micros: -iv.Micros}, nil
}

func addIntervals(a, b vec.Interval) (vec.Interval, error) {
	m := int64(a.Months) + int64(b.Months)
	d := int64(a.Days) + int64(b.Days)
	us, ok := int64Op(Add, a.Micros, b.Micros)
	if !ok || m != int64(int32(m)) || d != int64(int32(d)) {
		return vec.Interval{}, errIntervalRange()
	}
	return vec.Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
}

// tsDiff is timestamp - timestamp: the difference in microseconds with
// whole 24-hour days moved into the day field (justify_hours), as
// PostgreSQL's timestamp_mi.
func tsDiff(a, b int64) (vec.Interval, error) {
	if !finiteTS(a) || !finiteTS(b) {
		return vec.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "cannot subtract infinite timestamps")
	}
	d, ok := int64Op(Sub, a, b)
	if !ok {
		return vec.Interval{}, errIntervalRange()
	}
	days := d / usPerDay
	return vec.Interval{Days: int32(days), Micros: d - days*usPerDay}, nil
}

// tsRound is PostgreSQL's TSROUND: round to microsecond precision.
func tsRound(x float64) float64 { return math.RoundToEven(x*1e6) / 1e6 }

// mulInterval is interval * factor (interval_mul): each field is scaled,
// and the fractions of months and days cascade into days and time at 30
// days per month and 24 hours per day.
func mulInterval(iv vec.Interval, f float64, divide bool) (vec.Interval, error) {
	if divide {
		if f == 0 {
			return vec.Interval{}, errDivByZero()
		}
	}
	scale := func(x float64) float64 {
		if divide {
			return x / f
		}
		return x * f
	}
	mf := scale(float64(iv.Months))
	df := scale(float64(iv.Days))
	if math.IsNaN(mf) || math.IsNaN(df) || mf < math.MinInt32 || mf > math.MaxInt32 || df < math.MinInt32 || df > math.MaxInt32 {
		return vec.Interval{}, errIntervalRange()
	}
	months := int32(mf)
	days := int32(df)
	monthRemDays := tsRound((mf - float64(months)) * 30)
	secRem := tsRound((df - float64(days) + monthRemDays - math.Trunc(monthRemDays)) * 86400)
	if math.Abs(secRem) >= 86400 {
		days += int32(secRem / 86400)
		secRem -= math.Trunc(secRem/86400) * 86400
	}
	days += int32(monthRemDays)
	us := math.RoundToEven(scale(float64(iv.Micros)) + secRem*usPerSec)
	if math.IsNaN(us) || us >= 9.2233720368547758e18 || us < -9.2233720368547758e18 {
		return vec.Interval{}, errIntervalRange()
	}
	return vec.Interval{Months: months, Days: days, Micros: int64(us)}, nil
}

// Operators.

// dtOp names a date/time operator implementation.
type dtOp uint8

const (
	dateAddInt  dtOp = iota // date + int4 → date (also int4 + date, swapped)
	dateSubInt              // date - int4 → date
	dateSubDate             // date - date → int4
	tsAddIvl                // timestamp ± interval → timestamp (Neg for -)
	tstzAddIvl              // timestamptz ± interval → timestamptz
	tsSubTS                 // timestamp(tz) - timestamp(tz) → interval
	ivlAddIvl               // interval ± interval
	ivlMulFloat             // interval * float8
	ivlDivFloat             // interval / float8
)

// DateArith is an operator on dates, timestamps and intervals. L and R are
// already coerced to the operator's operand types; Neg subtracts the
// interval on the right instead of adding it.
type DateArith struct {
	Op   dtOp
	L, R Expr
	Neg  bool
	sym  string
	typ  vec.Type
}

func init() { arithOtherHook = dateArith }

// dateArith resolves the date/time operators as PostgreSQL does,
// including an untyped literal on one side: it is read as the other
// side's type when an operator takes that type on both sides (date -
// '2024-01-01'), as an interval next to a timestamp (ts + '1 day'), and
// as double precision next to * or / on an interval.
func dateArith(op ArithOp, l, r Expr) (Expr, error) {
	lu, ru := isUntyped(l), isUntyped(r)
	lt, rt := l.Type(), r.Type()
	isDT := func(t vec.Type, u bool) bool {
		if u {
			return false
		}
		switch t.Kind {
		case vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ, vec.KindInterval:
			return true
		}
		return false
	}
	if !isDT(lt, lu) && !isDT(rt, ru) {
		return nil, nil
	}
	if lu && ru {
		return nil, nil
	}
	// An untyped literal: decide its type.
	if lu || ru {
		other := lt
		if lu {
			other = rt
		}
		var want vec.Type
		switch {
		case op == Mul || op == Div:
			if other.Kind != vec.KindInterval {
				return nil, errUndefinedOperatorNames(op, l, r)
			}
			want = vec.Float64
		case op == Sub:
			want = other
		case op == Add && other.Kind == vec.KindDate:
			return nil, sqlerr.New(codeAmbiguousFunction, "operator is not unique: %s + %s", typeNameOrUnknown(l), typeNameOrUnknown(r)).
				WithHint("Could not choose a best candidate operator. You might need to add explicit type casts.")
		case op == Add:
			want = vec.IntervalT
		default:
			return nil, errUndefinedOperatorNames(op, l, r)
		}
		var err error
		if lu {
			if l, err = Coerce(l, want); err != nil {
				return nil, err
			}
		} else if r, err = Coerce(r, want); err != nil {
			return nil, err
		}
		lt, rt = l.Type(), r.Type()
	}
	lk, rk := lt.Kind, rt.Kind
	isInt := func(k vec.Kind) bool { return k == vec.KindInt16 || k == vec.KindInt32 }
	isTime := func(k vec.Kind) bool {
		return k == vec.KindDate || k == vec.KindTimestamp || k == vec.KindTimestampTZ
	}
	mk := func(o dtOp, l, r Expr, neg bool, t vec.Type) (Expr, error) {
		return newDateArith(o, l, r, neg, op.String(), t)
	}
	switch op {
	case Add:
		switch {
		case lk == vec.KindDate && isInt(rk):
			return mk(dateAddInt, l, mustCoerce(r, vec.Int32), false, vec.Date)
		case isInt(lk) && rk == vec.KindDate:
			return mk(dateAddInt, r, mustCoerce(l, vec.Int32), false, vec.Date)
		case isTime(lk) && rk == vec.KindInterval:
			return timePlusInterval(l, r, false, op)
		case lk == vec.KindInterval && isTime(rk):
			return timePlusInterval(r, l, false, op)
		case lk == vec.KindInterval && rk == vec.KindInterval:
			return mk(ivlAddIvl, l, r, false, vec.IntervalT)
		}
	case Sub:
		switch {
		case lk == vec.KindDate && isInt(rk):
			return mk(dateSubInt, l, mustCoerce(r, vec.Int32), false, vec.Date)
		case lk == vec.KindDate && rk == vec.KindDate:
			return mk(dateSubDate, l, r, false, vec.Int32)
		case isTime(lk) && rk == vec.KindInterval:
			return timePlusInterval(l, r, true, op)
		case isTime(lk) && isTime(rk):
			t, err := CommonType([]Expr{l, r}, "-")
			if err != nil {
				return nil, err
			}
			if l, err = coerceInEnv(l, t); err != nil {
				return nil, err
			}
			if r, err = coerceInEnv(r, t); err != nil {
				return nil, err
			}
			return mk(tsSubTS, l, r, false, vec.IntervalT)
		case lk == vec.KindInterval && rk == vec.KindInterval:
			return mk(ivlAddIvl, l, r, true, vec.IntervalT)
		}
	case Mul:
		switch {
		case lk == vec.KindInterval && isNumber(rt):
			f, err := Coerce(r, vec.Float64)
			if err != nil {
				return nil, err
			}
			return mk(ivlMulFloat, l, f, false, vec.IntervalT)
		case isNumber(lt) && rk == vec.KindInterval:
			f, err := Coerce(l, vec.Float64)
			if err != nil {
				return nil, err
			}
			return mk(ivlMulFloat, r, f, false, vec.IntervalT)
		}
	case Div:
		if lk == vec.KindInterval && isNumber(rt) {
			f, err := Coerce(r, vec.Float64)
			if err != nil {
				return nil, err
			}
			return mk(ivlDivFloat, l, f, false, vec.IntervalT)
		}
	}
	return nil, errUndefinedOperatorNames(op, l, r)
}

// mustCoerce widens smallint to integer, which cannot fail.
func mustCoerce(e Expr, t vec.Type) Expr {
	c, err := Coerce(e, t)
	if err != nil {
		panic(fmt.Sprintf("expr: coercing %s to %s: %v", e, t, err))
	}
	return c
}

// timePlusInterval builds date/timestamp/timestamptz ± interval; a date
// becomes a timestamp first.
func timePlusInterval(t, iv Expr, neg bool, op ArithOp) (Expr, error) {
	if t.Type().Kind == vec.KindDate {
		var err error
		if t, err = NewCast(t, vec.Timestamp); err != nil {
			return nil, err
		}
	}
	if t.Type().Kind == vec.KindTimestampTZ {
		return newDateArith(tstzAddIvl, t, iv, neg, op.String(), vec.TimestampTZ)
	}
	return newDateArith(tsAddIvl, t, iv, neg, op.String(), vec.Timestamp)
}

func typeNameOrUnknown(e Expr) string {
	if isUntyped(e) {
		return "unknown"
	}
	return pgTypeName(e.Type())
}

func errUndefinedOperatorNames(op ArithOp, l, r Expr) error {
	return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", typeNameOrUnknown(l), op, typeNameOrUnknown(r)).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

func newDateArith(o dtOp, l, r Expr, neg bool, sym string, t vec.Type) (Expr, error) {
	e := &DateArith{Op: o, L: l, R: r, Neg: neg, sym: sym, typ: t}
	if o == tstzAddIvl {
		// Month and day steps depend on the session time zone: left for
		// FoldConstants with the statement's Env.
		return e, nil
	}
	if allConst([]Expr{l, r}) {
		return FoldConstants(e, nil)
	}
	return e, nil
}

func (e *DateArith) Type() vec.Type   { return e.typ }
func (e *DateArith) String() string   { return fmt.Sprintf("(%s %s %s)", e.L, e.sym, e.R) }
func (e *DateArith) Children() []Expr { return []Expr{e.L, e.R} }
func (e *DateArith) WithChildren(c []Expr) Expr {
	n := *e
	n.L, n.R = c[0], c[1]
	return &n
}

func (e *DateArith) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	lv, err := e.L.Eval(c, b)
	if err != nil {
		return nil, err
	}
	rv, err := e.R.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(e.typ, n)
	out.Nulls.CopyFrom(&lv.Nulls, n)
	out.Nulls.Or(&rv.Nulls, n)
	var nulls *vec.Nulls
	if out.Nulls.Any() {
		nulls = &out.Nulls
	}
	sel := Sel(b)
	switch e.Op {
	case dateAddInt, dateSubInt:
		d, k, o := lv.Int32s(), rv.Int32s(), out.Int32s()
		sub := e.Op == dateSubInt
		err = eachRow(n, sel, nulls, func(i int) error {
			if !finiteDate(d[i]) {
				o[i] = d[i]
				return nil
			}
			x := int64(k[i])
			if sub {
				x = -x
			}
			r := int64(d[i]) + x
			if !validDate(r) {
				return errDateRange()
			}
			o[i] = int32(r)
			return nil
		})
	case dateSubDate:
		a, bb, o := lv.Int32s(), rv.Int32s(), out.Int32s()
		err = eachRow(n, sel, nulls, func(i int) error {
			if !finiteDate(a[i]) || !finiteDate(bb[i]) {
				return sqlerr.New(sqlerr.DatetimeFieldOverflow, "cannot subtract infinite dates")
			}
			o[i] = a[i] - bb[i]
			return nil
		})
	case tsAddIvl, tstzAddIvl:
		ts, ivs, o := lv.Int64s(), rv.Intervals(), out.Int64s()
		loc := c.Env.Location()
		tz := e.Op == tstzAddIvl
		err = eachRow(n, sel, nulls, func(i int) error {
			iv := ivs[i]
			if e.Neg {
				var err error
				if iv, err = negInterval(iv); err != nil {
					return err
				}
			}
			var err error
			if tz {
				o[i], err = addIntervalTZ(ts[i], iv, loc)
			} else {
				o[i], err = addInterval(ts[i], iv)
			}
			return err
		})
	case tsSubTS:
		a, bb, o := lv.Int64s(), rv.Int64s(), out.Intervals()
		err = eachRow(n, sel, nulls, func(i int) error {
			var err error
			o[i], err = tsDiff(a[i], bb[i])
			return err
		})
	case ivlAddIvl:
		a, bb, o := lv.Intervals(), rv.Intervals(), out.Intervals()
		err = eachRow(n, sel, nulls, func(i int) error {
			y := bb[i]
			if e.Neg {
				var err error
				if y, err = negInterval(y); err != nil {
					return err
				}
			}
			var err error
			o[i], err = addIntervals(a[i], y)
			return err
		})
	case ivlMulFloat, ivlDivFloat:
		a, f, o := lv.Intervals(), rv.Float64s(), out.Intervals()
		div := e.Op == ivlDivFloat
		err = eachRow(n, sel, nulls, func(i int) error {
			var err error
			o[i], err = mulInterval(a[i], f[i], div)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
