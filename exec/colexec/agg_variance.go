package colexec

import (
	"math/big"
	"math/bits"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// The variance family (var_samp, var_pop, stddev_samp, stddev_pop) over
// integers and numerics, with PostgreSQL's digits. Each group keeps the
// exact count, sum and sum of squares of its values, as PostgreSQL's
// numeric accumulators do, and the final step is decimal.Variance:
// PostgreSQL's numeric_stddev_internal, which picks the result's scale
// from the numbers themselves (1, 2 and 4 have variance 2.3333333333333333,
// 1.5, 2 and 3.25 have 0.81250000000000000000). Floats have
// floatMomentsAcc, PostgreSQL's float8 method.

// varianceMinScale is the least nominal scale of the variance family over
// integers and numerics: PostgreSQL's division keeps at least 16
// significant digits. Each value has its own scale; the nominal one, 16 or
// twice the argument's (that of the sum of squares) when larger, is what
// Arrow export and CREATE TABLE AS see.
const varianceMinScale = 16

// varianceType is the type of the variance family over arg: numeric held
// as decimal.Decimal for integers and numerics, double precision for
// floats.
func varianceType(arg vec.Type) (vec.Type, bool) {
	switch arg.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		return vec.DecimalOf(varianceMinScale), true
	case vec.KindNumeric, vec.KindDecimal:
		return vec.DecimalOf(min(max(varianceMinScale, 2*arg.Scale), decimal.MaxDigits)), true
	case vec.KindFloat32, vec.KindFloat64:
		return vec.Float64, true
	}
	return vec.Type{}, false
}

// moment is the decimal.Moment an aggregate of the variance family
// computes.
func moment(f AggFunc) decimal.Moment {
	switch f {
	case AggVarPop:
		return decimal.VarPop
	case AggStddevSamp:
		return decimal.StddevSamp
	case AggStddevPop:
		return decimal.StddevPop
	}
	return decimal.VarSamp
}

// momentDefined reports whether m of n values is a number: the sample
// moments need two values, the population ones one.
func momentDefined(m decimal.Moment, n int64) bool {
	if m == decimal.VarSamp || m == decimal.StddevSamp {
		return n > 1
	}
	return n > 0
}

// varAcc is the variance family over smallint, integer, bigint and narrow
// numerics (int64 coefficients of one scale). Sums of 2^64 values stay
// exact without a check per row: Σx in 128 bits, and Σx², each square below
// 2^126, in 192.
type varAcc struct {
	m     decimal.Moment
	scale int32 // the argument's decimals, 0 for integers
	n     []int64
	sum   []int128 // Σx
	sq0   []uint64 // Σx², unsigned, sq0 the lowest word
	sq1   []uint64
	sq2   []uint64
	ks    []int32
}

func (a *varAcc) resize(n int) {
	a.n, a.sum = growZero(a.n, n), growZero(a.sum, n)
	a.sq0, a.sq1, a.sq2 = growZero(a.sq0, n), growZero(a.sq1, n), growZero(a.sq2, n)
}

func (a *varAcc) bytesPerGroup() int64 { return 48 }

func (a *varAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	switch arg.Type.Kind {
	case vec.KindInt16:
		varSums(arg.Int16s(), b, gids, a)
	case vec.KindInt32:
		varSums(arg.Int32s(), b, gids, a)
	default:
		varSums(arg.Int64s(), b, gids, a)
	}
	return nil
}

// varSums adds the qualifying values and their squares into their groups'
// sums.
func varSums[T int16 | int32 | int64](vals []T, b *vec.Batch, gids []int32, a *varAcc) {
	n, sum, q0, q1, q2 := a.n, a.sum, a.sq0, a.sq1, a.sq2
	eachQualifying(b, a.ks, func(k int) {
		g, x := gids[k], int64(vals[b.Row(k)])
		sum[g] = sum[g].add(x)
		ax := uint64(x)
		if x < 0 {
			ax = -ax // |MinInt64| is 2^63, which uint64 holds
		}
		ph, pl := bits.Mul64(ax, ax)
		s0, c0 := bits.Add64(q0[g], pl, 0)
		s1, c1 := bits.Add64(q1[g], ph, c0)
		q0[g], q1[g], q2[g] = s0, s1, q2[g]+c1
		n[g]++
	})
}

func (a *varAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if !momentDefined(a.m, a.n[g]) {
			out.AppendNull()
			continue
		}
		d, err := a.result(g)
		if err != nil {
			return vec.DecimalError(err)
		}
		if err := appendDecimal(out, d); err != nil {
			return err
		}
	}
	return nil
}

func (a *varAcc) result(g int) (decimal.Decimal, error) {
	if a.sq2[g] == 0 && a.sq1[g] < 1<<63 {
		sum, errS := decimal.FromInt128(a.sum[g].hi, a.sum[g].lo, a.scale)
		sq, errQ := decimal.FromInt128(int64(a.sq1[g]), a.sq0[g], 2*a.scale)
		// FromInt128 keeps 38 digits by dropping decimals: only sums it
		// left whole are the exact ones Variance needs.
		if errS == nil && errQ == nil && sum.Scale == a.scale && sq.Scale == 2*a.scale {
			return decimal.Variance(a.m, a.n[g], sum, sq)
		}
	}
	sum := new(big.Int).Lsh(big.NewInt(a.sum[g].hi), 64)
	sum.Add(sum, new(big.Int).SetUint64(a.sum[g].lo))
	sq := new(big.Int).SetUint64(a.sq2[g])
	sq.Lsh(sq, 64).Or(sq, new(big.Int).SetUint64(a.sq1[g]))
	sq.Lsh(sq, 64).Or(sq, new(big.Int).SetUint64(a.sq0[g]))
	return decimal.VarianceBig(a.m, a.n[g], sum, sq, a.scale)
}

// varDecimalAcc is the variance family over numerics held as
// decimal.Decimal, whose values carry their own scales: the sums keep the
// largest (and twice it for the squares), as PostgreSQL's do. A group's
// sums are Decimals until one would pass 38 digits, which would cost it
// decimals; from then on they are big integers (wideMoments).
type varDecimalAcc struct {
	m    decimal.Moment
	n    []int64
	sum  []decimal.Decimal
	sq   []decimal.Decimal
	wide []*wideMoments // nil for groups whose sums fit Decimals
	ks   []int32
}

func (a *varDecimalAcc) resize(n int) {
	a.n, a.sum, a.sq, a.wide = growZero(a.n, n), growZero(a.sum, n), growZero(a.sq, n), growZero(a.wide, n)
}

func (a *varDecimalAcc) bytesPerGroup() int64 { return 16 + 2*decimalBytes }

func (a *varDecimalAcc) update(arg, filter *vec.Vec, b *vec.Batch, gids []int32) error {
	a.ks = qualifying(arg, filter, b, a.ks)
	vals := arg.Decimals()
	eachQualifying(b, a.ks, func(k int) { a.add(gids[k], vals[b.Row(k)]) })
	return nil
}

func (a *varDecimalAcc) add(g int32, x decimal.Decimal) {
	a.n[g]++
	if w := a.wide[g]; w != nil {
		w.add(x)
		return
	}
	x2, errP := decimal.Mul(x, x)
	sum, errS := decimal.Add(a.sum[g], x)
	sq, errQ := decimal.Add(a.sq[g], x2)
	// Each result has its exact scale unless it passed 38 digits.
	if errP == nil && errS == nil && errQ == nil && x2.Scale == 2*x.Scale &&
		sum.Scale == max(a.sum[g].Scale, x.Scale) && sq.Scale == max(a.sq[g].Scale, x2.Scale) {
		a.sum[g], a.sq[g] = sum, sq
		return
	}
	w := newWideMoments(a.sum[g], a.sq[g])
	w.add(x)
	a.wide[g] = w
}

func (a *varDecimalAcc) emit(out *vec.Vec, from, to int) error {
	for g := from; g < to; g++ {
		if !momentDefined(a.m, a.n[g]) {
			out.AppendNull()
			continue
		}
		var d decimal.Decimal
		var err error
		if w := a.wide[g]; w != nil {
			d, err = decimal.VarianceBig(a.m, a.n[g], w.sum, w.sq, w.scale)
		} else {
			d, err = decimal.Variance(a.m, a.n[g], a.sum[g], a.sq[g])
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

// wideMoments are one group's sums past 38 digits: sum·10^-scale and
// sq·10^-2·scale.
type wideMoments struct {
	sum, sq *big.Int
	scale   int32
}

// newWideMoments takes over sums that fit Decimals, sq's scale twice
// sum's.
func newWideMoments(sum, sq decimal.Decimal) *wideMoments {
	w := &wideMoments{sum: sum.Coefficient(), sq: sq.Coefficient(), scale: sum.Scale}
	if s := 2 * sum.Scale; sq.Scale < s {
		w.sq.Mul(w.sq, tenToBig(s-sq.Scale))
	}
	return w
}

func (w *wideMoments) add(x decimal.Decimal) {
	if x.Scale > w.scale {
		d := x.Scale - w.scale
		w.sum.Mul(w.sum, tenToBig(d))
		w.sq.Mul(w.sq, tenToBig(2*d))
		w.scale = x.Scale
	}
	c := x.Coefficient()
	if x.Scale < w.scale {
		c.Mul(c, tenToBig(w.scale-x.Scale))
	}
	w.sum.Add(w.sum, c)
	w.sq.Add(w.sq, c.Mul(c, c))
}

func tenToBig(k int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}
