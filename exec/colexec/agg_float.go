package colexec

import (
	"math"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Aggregates over real and double precision follow PostgreSQL's transition
// functions step for step, so that results match bit for bit and fail
// where PostgreSQL's do (22003, "value out of range: overflow", when
// finite inputs make an infinite state):
//
//   - sum adds in the argument's own type (float4pl, float8pl): a sum of
//     reals rounds to real at every step;
//   - avg, var_pop, var_samp, stddev_pop and stddev_samp keep PostgreSQL's
//     float8_accum state: N, Sx and Sxx updated by the Youngs-Cramer
//     method, all in double precision. avg reads only Sx/N, but an
//     overflowing Sxx fails it as it fails PostgreSQL's.
//
// Batches whose inputs are all finite run a loop without checks; the
// largest magnitude of the states it writes tells afterwards whether one
// overflowed (states are finite before such a batch, so an infinite one
// can only come from an overflow). Once an infinite or NaN input has been
// seen, an infinite state may be legitimate, and from then on every
// batch runs PostgreSQL's checks value by value.

// floatSumAcc is sum(real) or sum(double precision).
type floatSumAcc struct {
	single bool // sum(real): every step rounds to float32
	// sum starts at -0, IEEE's additive identity: PostgreSQL's sum starts
	// from its first input, so sum('-0') is -0, not 0 + -0.
	sum []float64
	cnt []int64
	floatArg
}

// floatArg is what a float accumulator keeps of its argument: the
// batch's qualifying positions, and whether it must check every value.
type floatArg struct {
	ks        []int32
	nonFinite bool // an infinite or NaN input has been seen
}

// needsChecks reports whether the batch's qualifying values go through
// PostgreSQL's checks value by value: from the first batch holding an
// infinite or NaN value on, an infinite state may be legitimate.
func needsChecks[T float32 | float64](fa *floatArg, vals []T, b *vec.Batch) bool {
	fa.nonFinite = fa.nonFinite || !allFinite(vals, b, fa.ks)
	return fa.nonFinite
}

func (a *floatSumAcc) resize(n int) {
	from := len(a.sum)
	a.sum, a.cnt = growZero(a.sum, n), growZero(a.cnt, n)
	negZero := math.Copysign(0, -1)
	for g := from; g < len(a.sum); g++ {
		a.sum[g] = negZero
	}
}

func (a *floatSumAcc) bytesPerGroup() int64 { return 16 }

func (a *floatSumAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	if arg.Type.Kind == vec.KindFloat32 {
		return sumFloats(arg.Float32s(), b, gids, a)
	}
	return sumFloats(arg.Float64s(), b, gids, a)
}

// sumFloats adds the qualifying values into their groups' sums in T.
func sumFloats[T float32 | float64](vals []T, b *vec.Batch, gids []int32, a *floatSumAcc) error {
	ks := a.ks
	if needsChecks(&a.floatArg, vals, b) {
		var err error
		eachQualifying(b, ks, func(k int) {
			g, x := gids[k], vals[b.Row(k)]
			prev := T(a.sum[g])
			s := prev + x
			if err == nil && isInf(s) && !isInf(prev) && !isInf(x) {
				err = errFloatOverflow()
			}
			a.sum[g] = float64(s)
			a.cnt[g]++
		})
		return err
	}
	var m T // the largest |sum| written: NaN or infinite after an overflow
	eachQualifying(b, ks, func(k int) {
		g := gids[k]
		s := T(a.sum[g]) + vals[b.Row(k)]
		a.sum[g] = float64(s)
		a.cnt[g]++
		m = max(m, s, -s)
	})
	if !finite(m) {
		return errFloatOverflow()
	}
	return nil
}

func (a *floatSumAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		switch {
		case a.cnt[g] == 0:
			out.AppendNull()
		case a.single:
			out.AppendFloat32(float32(a.sum[g]))
		default:
			out.AppendFloat64(a.sum[g])
		}
	}
	return nil
}

// floatMomentsAcc is avg or the variance family over real or double
// precision: PostgreSQL's float8_accum state per group.
type floatMomentsAcc struct {
	f          AggFunc
	n, sx, sxx []float64
	floatArg
}

func (a *floatMomentsAcc) resize(n int) {
	a.n, a.sx, a.sxx = growZero(a.n, n), growZero(a.sx, n), growZero(a.sxx, n)
}

func (a *floatMomentsAcc) bytesPerGroup() int64 { return 24 }

func (a *floatMomentsAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	if arg.Type.Kind == vec.KindFloat32 {
		return accumFloats(arg.Float32s(), b, gids, a)
	}
	return accumFloats(arg.Float64s(), b, gids, a)
}

// accumFloats folds the qualifying values into their groups' N, Sx and
// Sxx as float8_accum does.
func accumFloats[T float32 | float64](vals []T, b *vec.Batch, gids []int32, a *floatMomentsAcc) error {
	ks := a.ks
	if needsChecks(&a.floatArg, vals, b) {
		var err error
		eachQualifying(b, ks, func(k int) {
			g := gids[k]
			m, e := floatMoments{n: a.n[g], sx: a.sx[g], sxx: a.sxx[g]}.add(float64(vals[b.Row(k)]))
			a.n[g], a.sx[g], a.sxx[g] = m.n, m.sx, m.sxx
			if err == nil {
				err = e
			}
		})
		return err
	}
	var m float64 // the largest |Sx| or Sxx written: NaN or infinite after an overflow
	eachQualifying(b, ks, func(k int) {
		g, x := gids[k], float64(vals[b.Row(k)])
		n0 := a.n[g]
		n := n0 + 1
		sx := a.sx[g] + x
		// At a group's first value tmp is exactly 0 and Sxx stays 0, as
		// PostgreSQL leaves it; max(n0, 1) only keeps 0/0 out.
		tmp := x*n - sx
		sxx := a.sxx[g] + tmp*tmp/(n*max(n0, 1))
		a.n[g], a.sx[g], a.sxx[g] = n, sx, sxx
		m = max(m, sx, -sx, sxx)
	})
	if !finite(m) {
		return errFloatOverflow()
	}
	return nil
}

// floatMoments is PostgreSQL's float8_accum state, N, Sx and Sxx: one
// group's of floatMomentsAcc, or a window frame's for avg, which reads only
// Sx/N but fails all the same when Sxx overflows, as PostgreSQL's does.
type floatMoments struct{ n, sx, sxx float64 }

// add is float8_accum for one value, with its checks: finite state and
// input that make an infinite Sx or Sxx are an overflow; an infinite or NaN
// input instead makes Sxx NaN, without an error.
func (m floatMoments) add(x float64) (floatMoments, error) {
	n := m.n + 1
	sx := m.sx + x
	sxx := m.sxx
	var err error
	if m.n > 0 {
		tmp := x*n - sx
		sxx += tmp * tmp / (n * m.n)
		if math.IsInf(sx, 0) || math.IsInf(sxx, 0) {
			if !math.IsInf(m.sx, 0) && !math.IsInf(x, 0) {
				err = errFloatOverflow()
			}
			sxx = math.NaN()
		}
	} else if !finite(x) {
		// A lone infinite or NaN input must not leave a variance of 0.
		sxx = math.NaN()
	}
	return floatMoments{n: n, sx: sx, sxx: sxx}, err
}

func (a *floatMomentsAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		n := a.n[g]
		var v float64
		switch a.f {
		case AggAvg:
			if n == 0 {
				out.AppendNull()
				continue
			}
			v = a.sx[g] / n
		case AggVarPop, AggStddevPop:
			if n == 0 {
				out.AppendNull()
				continue
			}
			v = a.sxx[g] / n
		default:
			if n <= 1 {
				out.AppendNull()
				continue
			}
			v = a.sxx[g] / (n - 1)
		}
		if a.f == AggStddevPop || a.f == AggStddevSamp {
			v = math.Sqrt(v)
		}
		out.AppendFloat64(v)
	}
	return nil
}

// eachQualifying calls f for each qualifying position k: those of ks, or
// every live position when ks is nil (see qualifying).
func eachQualifying(b *vec.Batch, ks []int32, f func(k int)) {
	if ks == nil {
		for k := 0; k < b.Len; k++ {
			f(k)
		}
		return
	}
	for _, k := range ks {
		f(int(k))
	}
}

// allFinite reports whether every qualifying value is finite; the largest
// magnitude turns NaN or infinite with the first that is not.
func allFinite[T float32 | float64](vals []T, b *vec.Batch, ks []int32) bool {
	var m T
	eachQualifying(b, ks, func(k int) {
		x := vals[b.Row(k)]
		m = max(m, x, -x)
	})
	return finite(m)
}

// finite reports whether x is neither infinite nor NaN: only then is
// x - x zero.
func finite[T float32 | float64](x T) bool { return x-x == 0 }

func isInf[T float32 | float64](x T) bool { return math.IsInf(float64(x), 0) }

func errFloatOverflow() error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
}
