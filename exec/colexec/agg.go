package colexec

import (
	"bytes"
	"fmt"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// AggFunc names an aggregate function.
type AggFunc uint8

// The aggregate functions. DISTINCT aggregates are planned as a grouping on
// the argument first, so they need no function of their own.
const (
	AggCountStar AggFunc = iota
	AggCount
	AggSum
	AggAvg
	AggMin
	AggMax
	AggBoolAnd
	AggBoolOr
	AggVarSamp
	AggVarPop
	AggStddevSamp
	AggStddevPop
	AggStringAgg
)

var aggNames = map[string]AggFunc{
	"count": AggCount, "sum": AggSum, "avg": AggAvg, "min": AggMin, "max": AggMax,
	"bool_and": AggBoolAnd, "bool_or": AggBoolOr, "every": AggBoolAnd,
	"variance": AggVarSamp, "var_samp": AggVarSamp, "var_pop": AggVarPop,
	"stddev": AggStddevSamp, "stddev_samp": AggStddevSamp, "stddev_pop": AggStddevPop,
	"string_agg": AggStringAgg,
}

// LookupAgg returns the aggregate function called name, if there is one.
func LookupAgg(name string) (AggFunc, bool) {
	f, ok := aggNames[name]
	return f, ok
}

// AggResultType is the type PostgreSQL gives agg(arg). sum(bigint) and
// sum(numeric) are numeric held as decimal.Decimal (vec.KindDecimal), which
// does not overflow where an 18-digit numeric would; avg over integers and
// numerics is too, with PostgreSQL's value: the exact sum divided by the
// count (numeric_avg), each value with the scale that division gives it.
// The variance family over integers and numerics is such a numeric too,
// with PostgreSQL's digits (varianceType).
func AggResultType(f AggFunc, arg vec.Type, name string) (vec.Type, error) {
	bad := func() (vec.Type, error) {
		return vec.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, arg).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	switch f {
	case AggCountStar, AggCount:
		return vec.Int64, nil
	case AggSum:
		if t, ok := sumType(arg); ok {
			return t, nil
		}
		return bad()
	case AggAvg:
		if t, ok := avgType(arg); ok {
			return t, nil
		}
		if arg.Kind == vec.KindInterval {
			return vec.IntervalT, nil
		}
		return bad()
	case AggVarSamp, AggVarPop, AggStddevSamp, AggStddevPop:
		if t, ok := varianceType(arg); ok {
			return t, nil
		}
		return bad()
	case AggMin, AggMax:
		if arg.Kind == vec.KindUnknown {
			return bad()
		}
		if arg.Kind == vec.KindNumeric {
			arg.Precision = 0
		}
		return arg, nil
	case AggBoolAnd, AggBoolOr:
		if arg.Kind != vec.KindBool {
			return bad()
		}
		return vec.Bool, nil
	case AggStringAgg:
		switch arg.Kind {
		case vec.KindText:
			return vec.Text, nil
		case vec.KindBytea:
			return vec.Bytea, nil
		}
		return bad()
	}
	return bad()
}

// avgMinScale is the least nominal scale of avg over integers and
// numerics: PostgreSQL's division keeps at least 16 significant digits, so
// small averages have 16 decimals (1 and 2 average 1.5000000000000000),
// though each value has its own (larger ones fewer, smaller more).
const avgMinScale = 16

// sumType is the type of sum(arg) over numbers, shared by aggregates and
// windows: smallint and integer sum to bigint, bigint and numeric to
// numeric held as decimal.Decimal (the argument's scale as nominal scale),
// floats and intervals to their own type.
func sumType(arg vec.Type) (vec.Type, bool) {
	switch arg.Kind {
	case vec.KindInt16, vec.KindInt32:
		return vec.Int64, true
	case vec.KindInt64:
		return vec.DecimalOf(0), true
	case vec.KindNumeric, vec.KindDecimal:
		return vec.DecimalOf(arg.Scale), true
	case vec.KindFloat32, vec.KindFloat64, vec.KindInterval:
		return vec.Type{Kind: arg.Kind}, true
	}
	return vec.Type{}, false
}

// avgType is the type of avg(arg) over integers, numerics and floats.
func avgType(arg vec.Type) (vec.Type, bool) {
	switch arg.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		return vec.DecimalOf(avgMinScale), true
	case vec.KindNumeric, vec.KindDecimal:
		return vec.DecimalOf(max(arg.Scale, avgMinScale)), true
	case vec.KindFloat32, vec.KindFloat64:
		return vec.Float64, true
	}
	return vec.Type{}, false
}

// AggSpec is one aggregate of a HashAgg.
type AggSpec struct {
	Func AggFunc
	// Arg is the input column (ignored for count(*)). In final mode it is
	// the first of the aggregate's state columns.
	Arg     int
	ArgType vec.Type
	// Filter is a boolean input column restricting the rows the aggregate
	// sees (FILTER (WHERE ...)), or -1.
	Filter     int
	ResultType vec.Type
	// Delim is string_agg's separator.
	Delim []byte
}

// accumulator holds one aggregate's per-group state in typed slices.
type accumulator interface {
	// resize makes room for n groups.
	resize(n int)
	// update folds the live rows of in (arg column, and the filter when not
	// nil) into the groups gids[k] of live row k.
	update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error
	// emit appends the final values of groups [from, to) to out.
	emit(out *vec.Vec, from, to int) error
	bytesPerGroup() int64
}

func newAccumulator(s AggSpec) (accumulator, error) {
	switch s.Func {
	case AggCountStar, AggCount:
		return &countAcc{star: s.Func == AggCountStar}, nil
	case AggSum, AggAvg:
		avg := s.Func == AggAvg
		switch s.ArgType.Kind {
		case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric:
			if !avg && s.ResultType.Kind == vec.KindInt64 {
				// sum(smallint), sum(integer), and the final phase's sum
				// of counts and of bigint partial sums.
				return &sumIntAcc{}, nil
			}
			scale := int32(0)
			if s.ArgType.Kind == vec.KindNumeric {
				scale = s.ArgType.Scale
			}
			return &sumWideAcc{avg: avg, scale: scale}, nil
		case vec.KindDecimal:
			return &sumDecimalAcc{avg: avg}, nil
		case vec.KindFloat32, vec.KindFloat64:
			if avg {
				return &floatMomentsAcc{f: AggAvg}, nil
			}
			return &floatSumAcc{single: s.ArgType.Kind == vec.KindFloat32}, nil
		case vec.KindInterval:
			return &intervalSumAcc{avg: avg}, nil
		}
	case AggMin, AggMax:
		return &minMaxAcc{max: s.Func == AggMax, t: s.ArgType}, nil
	case AggBoolAnd, AggBoolOr:
		return &boolAcc{and: s.Func == AggBoolAnd}, nil
	case AggStringAgg:
		return &stringAggAcc{delim: s.Delim}, nil
	case AggVarSamp, AggVarPop, AggStddevSamp, AggStddevPop:
		switch s.ArgType.Kind {
		case vec.KindFloat32, vec.KindFloat64:
			return &floatMomentsAcc{f: s.Func}, nil
		case vec.KindDecimal:
			return &varDecimalAcc{m: moment(s.Func)}, nil
		case vec.KindNumeric:
			return &varAcc{m: moment(s.Func), scale: s.ArgType.Scale}, nil
		}
		return &varAcc{m: moment(s.Func)}, nil
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate %d over %s is not supported", s.Func, s.ArgType)
}

// live calls f(k, row) for each live row whose argument is not NULL and
// whose filter is true.
func live(arg, filter *vec.Vec, b *vec.Batch, f func(k, row int)) {
	argNulls := arg != nil && arg.Nulls.Any()
	var fv []bool
	if filter != nil {
		fv = filter.Bools()
	}
	for k := 0; k < b.Len; k++ {
		row := b.Row(k)
		if argNulls && arg.Nulls.IsNull(row) {
			continue
		}
		if fv != nil && (!fv[row] || filter.Nulls.IsNull(row)) {
			continue
		}
		f(k, row)
	}
}

// qualifying returns the live positions k whose argument is not NULL and
// whose filter is true, or nil when every live row qualifies, so typed
// kernels loop without a call per row.
func qualifying(arg, filter *vec.Vec, b *vec.Batch, buf []int32) []int32 {
	if filter == nil && (arg == nil || !arg.Nulls.Any()) {
		return nil
	}
	ks := buf[:0]
	live(arg, filter, b, func(k, _ int) { ks = append(ks, int32(k)) })
	if ks == nil {
		ks = []int32{} // none qualify: empty, not "all"
	}
	return ks
}

// sumInts adds vals into sum and cnt per group, reporting int64 overflow.
func sumInts[T int16 | int32 | int64](vals []T, b *vec.Batch, ks, gids []int32, sum, cnt []int64) (ovf bool) {
	add := func(k int) {
		g, x := gids[k], int64(vals[b.Row(k)])
		r := sum[g] + x
		ovf = ovf || (r^sum[g])&(r^x) < 0
		sum[g] = r
		cnt[g]++
	}
	if ks == nil {
		for k := 0; k < b.Len; k++ {
			add(k)
		}
	} else {
		for _, k := range ks {
			add(int(k))
		}
	}
	return ovf
}

// minMaxOrdered folds vals into the per-group extreme (max or min).
func minMaxOrdered[T int16 | int32 | int64](vals []T, b *vec.Batch, ks, gids []int32, ext []int64, has []bool, max bool) {
	step := func(k int) {
		g, x := gids[k], int64(vals[b.Row(k)])
		if !has[g] || (max && x > ext[g]) || (!max && x < ext[g]) {
			ext[g], has[g] = x, true
		}
	}
	if ks == nil {
		for k := 0; k < b.Len; k++ {
			step(k)
		}
	} else {
		for _, k := range ks {
			step(int(k))
		}
	}
}

// minMaxDecimals is minMaxOrdered by decimal value. Of equal values (1.5
// and 1.50) the later one wins, as PostgreSQL's numeric_larger and
// numeric_smaller keep their second argument, the new value, on ties.
func minMaxDecimals(vals []decimal.Decimal, b *vec.Batch, ks, gids []int32, ext []decimal.Decimal, has []bool, max bool) {
	eachQualifying(b, ks, func(k int) {
		g, x := gids[k], vals[b.Row(k)]
		if !has[g] {
			ext[g], has[g] = x, true
			return
		}
		if c := decimal.Cmp(x, ext[g]); (max && c >= 0) || (!max && c <= 0) {
			ext[g] = x
		}
	})
}

// minMaxFloats is minMaxOrdered with PostgreSQL's float order (NaN last).
// Of equal values (0 and -0) the later one wins, as float8larger and
// float8smaller keep their second argument on ties.
func minMaxFloats[T float32 | float64](vals []T, b *vec.Batch, ks, gids []int32, ext []float64, has []bool, max bool) {
	eachQualifying(b, ks, func(k int) {
		g, x := gids[k], float64(vals[b.Row(k)])
		if !has[g] {
			ext[g], has[g] = x, true
			return
		}
		if c := pgFloatCompare(x, ext[g]); (max && c >= 0) || (!max && c <= 0) {
			ext[g] = x
		}
	})
}

type countAcc struct {
	star bool
	n    []int64
}

func (a *countAcc) resize(n int)         { a.n = growZero(a.n, n) }
func (a *countAcc) bytesPerGroup() int64 { return 8 }
func (a *countAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	if a.star {
		arg = nil
	}
	if arg == nil && filter == nil {
		for _, g := range gids[:b.Len] {
			a.n[g]++
		}
		return nil
	}
	live(arg, filter, b, func(k, _ int) { a.n[gids[k]]++ })
	return nil
}
func (a *countAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		out.AppendInt64(a.n[g])
	}
	return nil
}

// sumIntAcc sums integers into bigint, failing on overflow rather than
// wrapping, as PostgreSQL's int8 sums do.
type sumIntAcc struct {
	sum, cnt []int64
	ks       []int32
}

func (a *sumIntAcc) resize(n int) {
	a.sum, a.cnt = growZero(a.sum, n), growZero(a.cnt, n)
}
func (a *sumIntAcc) bytesPerGroup() int64 { return 16 }
func (a *sumIntAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	var ovf bool
	switch arg.Type.Kind {
	case vec.KindInt16:
		ovf = sumInts(arg.Int16s(), b, a.ks, gids, a.sum, a.cnt)
	case vec.KindInt32:
		ovf = sumInts(arg.Int32s(), b, a.ks, gids, a.sum, a.cnt)
	default:
		ovf = sumInts(arg.Int64s(), b, a.ks, gids, a.sum, a.cnt)
	}
	if ovf {
		return expr.ErrIntRange(vec.Int64)
	}
	return nil
}
func (a *sumIntAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if a.cnt[g] == 0 {
			out.AppendNull()
			continue
		}
		out.AppendInt64(a.sum[g])
	}
	return nil
}

// sumWideAcc is sum and avg over bigint, numeric, and for avg smallint and
// integer: each group's coefficients add up in an int128 at the argument's
// scale. The result is a decimal.Decimal: the sum, or PostgreSQL's average,
// the sum divided by the count with decimal.Div.
type sumWideAcc struct {
	avg   bool
	scale int32 // the argument's
	sum   []int128
	cnt   []int64
	ks    []int32
}

func (a *sumWideAcc) resize(n int) {
	a.sum, a.cnt = growZero(a.sum, n), growZero(a.cnt, n)
}
func (a *sumWideAcc) bytesPerGroup() int64 { return 24 }
func (a *sumWideAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	switch arg.Type.Kind {
	case vec.KindInt16:
		sumWide(arg.Int16s(), b, a.ks, gids, a.sum, a.cnt)
	case vec.KindInt32:
		sumWide(arg.Int32s(), b, a.ks, gids, a.sum, a.cnt)
	default:
		sumWide(arg.Int64s(), b, a.ks, gids, a.sum, a.cnt)
	}
	return nil
}

// sumWide adds vals into the sums and counts per group.
func sumWide[T int16 | int32 | int64](vals []T, b *vec.Batch, ks, gids []int32, sum []int128, cnt []int64) {
	eachQualifying(b, ks, func(k int) {
		g := gids[k]
		sum[g] = sum[g].add(int64(vals[b.Row(k)]))
		cnt[g]++
	})
}

func (a *sumWideAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if a.cnt[g] == 0 {
			out.AppendNull()
			continue
		}
		d, err := decimal.FromInt128(a.sum[g].hi, a.sum[g].lo, a.scale)
		if err == nil && a.avg {
			d, err = decimal.Div(d, decimal.FromInt64(a.cnt[g], 0))
		}
		if err != nil {
			return vec.DecimalError(err)
		}
		if err := appendDecimal(out, d); err != nil {
			return err
		}
	}
	return nil
}

// sumDecimalAcc is sum and avg over decimal.Decimal values, which carry
// their own scales: decimal.Add keeps the larger, as PostgreSQL's numeric
// sum does.
type sumDecimalAcc struct {
	avg bool
	sum []decimal.Decimal
	cnt []int64
	ks  []int32
}

func (a *sumDecimalAcc) resize(n int) {
	a.sum, a.cnt = growZero(a.sum, n), growZero(a.cnt, n)
}
func (a *sumDecimalAcc) bytesPerGroup() int64 { return decimalBytes + 8 }
func (a *sumDecimalAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	vals := arg.Decimals()
	add := func(k int) error {
		g := gids[k]
		s, err := decimal.Add(a.sum[g], vals[b.Row(k)])
		a.sum[g] = s
		a.cnt[g]++
		return err
	}
	if a.ks == nil {
		for k := 0; k < b.Len; k++ {
			if err := add(k); err != nil {
				return vec.DecimalError(err)
			}
		}
		return nil
	}
	for _, k := range a.ks {
		if err := add(int(k)); err != nil {
			return vec.DecimalError(err)
		}
	}
	return nil
}
func (a *sumDecimalAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if a.cnt[g] == 0 {
			out.AppendNull()
			continue
		}
		d := a.sum[g]
		if a.avg {
			var err error
			if d, err = decimal.Div(d, decimal.FromInt64(a.cnt[g], 0)); err != nil {
				return vec.DecimalError(err)
			}
		}
		if err := appendDecimal(out, d); err != nil {
			return err
		}
	}
	return nil
}

// appendDecimal appends d to out, a KindDecimal column as AggResultType
// gives, or for a plan that asked for another type, converted the way a
// cast would be: to a narrow numeric at its scale, or to bigint.
func appendDecimal(out *vec.Vec, d decimal.Decimal) error {
	switch out.Type.Kind {
	case vec.KindDecimal:
		out.AppendDecimal(d)
	case vec.KindNumeric:
		x, ok := d.Scaled(out.Type.Scale)
		if !ok {
			return sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("The value does not fit Apiary's 18-digit numeric.")
		}
		out.AppendInt64(x)
	case vec.KindInt64:
		x, ok := d.Int64()
		if !ok {
			return expr.ErrIntRange(vec.Int64)
		}
		out.AppendInt64(x)
	default:
		return sqlerr.New(sqlerr.InternalError, "numeric aggregate with result type %s", out.Type)
	}
	return nil
}

// minMaxAcc keeps the extreme value per group in a vector of the argument's
// type; a NULL slot means the group has seen no value yet.
type minMaxAcc struct {
	max  bool
	t    vec.Type
	ints []int64
	flts []float64
	strs [][]byte
	ivls []vec.Interval
	decs []decimal.Decimal
	has  []bool
	ks   []int32
}

func (a *minMaxAcc) resize(n int) {
	a.has = growZero(a.has, n)
	switch {
	case intLike(a.t.Kind):
		a.ints = growZero(a.ints, n)
	case a.t.Kind == vec.KindFloat32 || a.t.Kind == vec.KindFloat64:
		a.flts = growZero(a.flts, n)
	case a.t.Kind == vec.KindInterval:
		a.ivls = growZero(a.ivls, n)
	case a.t.Kind == vec.KindDecimal:
		a.decs = growZero(a.decs, n)
	default:
		a.strs = growZero(a.strs, n)
	}
}
func (a *minMaxAcc) bytesPerGroup() int64 {
	if a.t.Kind == vec.KindDecimal {
		return decimalBytes + 1
	}
	return 24
}
func (a *minMaxAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	switch {
	case a.t.Kind == vec.KindBool:
		v := arg.Bools()
		live(arg, filter, b, func(k, row int) {
			g, x := gids[k], int64(0)
			if v[row] {
				x = 1
			}
			if !a.has[g] || (a.max && x > a.ints[g]) || (!a.max && x < a.ints[g]) {
				a.ints[g], a.has[g] = x, true
			}
		})
	case intLike(a.t.Kind):
		a.ks = qualifying(arg, filter, b, a.ks)
		switch a.t.Kind {
		case vec.KindInt16:
			minMaxOrdered(arg.Int16s(), b, a.ks, gids, a.ints, a.has, a.max)
		case vec.KindInt32, vec.KindDate:
			minMaxOrdered(arg.Int32s(), b, a.ks, gids, a.ints, a.has, a.max)
		default:
			minMaxOrdered(arg.Int64s(), b, a.ks, gids, a.ints, a.has, a.max)
		}
	case a.t.Kind == vec.KindFloat32:
		a.ks = qualifying(arg, filter, b, a.ks)
		minMaxFloats(arg.Float32s(), b, a.ks, gids, a.flts, a.has, a.max)
	case a.t.Kind == vec.KindFloat64:
		a.ks = qualifying(arg, filter, b, a.ks)
		minMaxFloats(arg.Float64s(), b, a.ks, gids, a.flts, a.has, a.max)
	case a.t.Kind == vec.KindInterval:
		s := arg.Intervals()
		live(arg, filter, b, func(k, row int) {
			g, x := gids[k], s[row]
			if !a.has[g] {
				a.ivls[g], a.has[g] = x, true
				return
			}
			// Of equal spans ('1 day', '24 hours') the later value wins,
			// as interval_larger and interval_smaller keep it on ties.
			c := expr.CompareIntervals(x, a.ivls[g])
			if (a.max && c >= 0) || (!a.max && c <= 0) {
				a.ivls[g] = x
			}
		})
	case a.t.Kind == vec.KindDecimal:
		a.ks = qualifying(arg, filter, b, a.ks)
		minMaxDecimals(arg.Decimals(), b, a.ks, gids, a.decs, a.has, a.max)
	default:
		bs := arg.Bytes()
		live(arg, filter, b, func(k, row int) {
			g, x := gids[k], bs.Get(row)
			if !a.has[g] {
				a.strs[g], a.has[g] = append([]byte(nil), x...), true
				return
			}
			c := bytes.Compare(x, a.strs[g])
			if (a.max && c > 0) || (!a.max && c < 0) {
				a.strs[g] = append(a.strs[g][:0], x...)
			}
		})
	}
	return nil
}
func (a *minMaxAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if !a.has[g] {
			out.AppendNull()
			continue
		}
		switch a.t.Kind {
		case vec.KindBool:
			out.AppendBool(a.ints[g] != 0)
		case vec.KindInt16:
			out.AppendInt16(int16(a.ints[g]))
		case vec.KindInt32, vec.KindDate:
			out.AppendInt32(int32(a.ints[g]))
		case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
			out.AppendInt64(a.ints[g])
		case vec.KindFloat32:
			out.AppendFloat32(float32(a.flts[g]))
		case vec.KindFloat64:
			out.AppendFloat64(a.flts[g])
		case vec.KindInterval:
			out.AppendInterval(a.ivls[g])
		case vec.KindDecimal:
			out.AppendDecimal(a.decs[g])
		default:
			out.AppendBytes(a.strs[g])
		}
	}
	return nil
}

type boolAcc struct {
	and  bool
	v    []bool
	seen []bool
}

func (a *boolAcc) resize(n int)         { a.v, a.seen = growZero(a.v, n), growZero(a.seen, n) }
func (a *boolAcc) bytesPerGroup() int64 { return 2 }
func (a *boolAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	s := arg.Bools()
	live(arg, filter, b, func(k, row int) {
		g := gids[k]
		if !a.seen[g] {
			a.v[g], a.seen[g] = s[row], true
		} else if a.and {
			a.v[g] = a.v[g] && s[row]
		} else {
			a.v[g] = a.v[g] || s[row]
		}
	})
	return nil
}
func (a *boolAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if !a.seen[g] {
			out.AppendNull()
		} else {
			out.AppendBool(a.v[g])
		}
	}
	return nil
}

func growZero[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	if n <= cap(s) {
		var zero T
		for len(s) < n {
			s = append(s, zero)
		}
		return s
	}
	ns := make([]T, n, max(n, 2*cap(s)))
	copy(ns, s)
	return ns
}

func (s AggSpec) String() string { return fmt.Sprintf("agg%d(#%d)", s.Func, s.Arg) }

// stringAggAcc concatenates each group's values in arrival order with a
// separator; NULL values are skipped, and a group without values is NULL.
type stringAggAcc struct {
	delim []byte
	vals  [][]byte
	has   []bool
}

func (a *stringAggAcc) resize(n int)         { a.vals, a.has = growZero(a.vals, n), growZero(a.has, n) }
func (a *stringAggAcc) bytesPerGroup() int64 { return 32 }
func (a *stringAggAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	bs := arg.Bytes()
	live(arg, filter, b, func(k, row int) {
		g := gids[k]
		if a.has[g] {
			a.vals[g] = append(a.vals[g], a.delim...)
		}
		a.vals[g] = append(a.vals[g], bs.Get(row)...)
		a.has[g] = true
	})
	return nil
}
func (a *stringAggAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if !a.has[g] {
			out.AppendNull()
			continue
		}
		out.AppendBytes(a.vals[g])
	}
	return nil
}

// intervalSumAcc is sum and avg over intervals: fields add separately, as
// PostgreSQL's interval_pl does, and avg divides with interval_div.
type intervalSumAcc struct {
	avg    bool
	sums   []vec.Interval
	counts []int64
}

func (a *intervalSumAcc) resize(n int) {
	for len(a.sums) < n {
		a.sums = append(a.sums, vec.Interval{})
		a.counts = append(a.counts, 0)
	}
}

func (a *intervalSumAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	ivs := arg.Intervals()
	var err error
	live(arg, filter, b, func(k, row int) {
		if err != nil {
			return
		}
		g := gids[k]
		var s vec.Interval
		if s, err = expr.AddIntervals(a.sums[g], ivs[row]); err == nil {
			a.sums[g] = s
			a.counts[g]++
		}
	})
	return err
}

func (a *intervalSumAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if a.counts[g] == 0 {
			out.AppendNull()
			continue
		}
		v := a.sums[g]
		if a.avg {
			var err error
			if v, err = expr.DivInterval(v, float64(a.counts[g])); err != nil {
				return err
			}
		}
		out.AppendInterval(v)
	}
	return nil
}

func (a *intervalSumAcc) bytesPerGroup() int64 { return 24 }
