package decimal

import (
	"errors"
	"math"
	"math/big"
	"math/bits"
)

// Square roots, and the variance family's final step, with PostgreSQL 15's
// scales: numeric_sqrt's and numeric_stddev_internal's.
//
// A root is computed on integers: the coefficient scaled so that the
// integer square root (math/big's, or a 128-bit one for the common sizes)
// has at least one digit beyond the wanted decimals, truncated, then
// rounded half away from zero once. Truncating past the last digit and
// rounding gives the same digits as rounding the exact root, which is what
// PostgreSQL's sqrt_var does too.

// ErrSqrtOfNegative: the square root of a negative number (PostgreSQL's
// SQLSTATE 2201F).
var ErrSqrtOfNegative = errors.New("cannot take square root of a negative number")

// Sqrt returns the square root of d rounded half away from zero to scale
// decimals; scale is clamped to [0, MaxScale]. A root longer than 38 digits
// keeps 38 by dropping decimals, rounded once from the exact root. A
// negative d is ErrSqrtOfNegative.
func Sqrt(d Decimal, scale int32) (Decimal, error) {
	if d.Hi < 0 {
		return Decimal{}, ErrSqrtOfNegative
	}
	scale = min(max(scale, 0), MaxScale)
	m, _ := d.mag()
	if m.isZero() {
		return Decimal{Scale: scale}, nil
	}
	k, e := sqrtShift(d.Scale, scale)
	if e <= MaxDigits {
		// The 128-bit root serves coefficients scaled to below 2^126: a
		// 2 with 15 decimals, or a variance of 20 digits with 16.
		if n, ok := mulPow10(m, e); ok && n.hi < 1<<62 {
			t := isqrt128(n)
			return fromMag(divPow10(u128{0, t}, k, true), false, scale), nil
		}
	}
	return sqrtBig(m.big(), d.Scale, scale)
}

// sqrtShift returns the extra digits k the root of a value with s decimals
// is computed with before rounding to scale decimals, at least one, and
// the power of ten e ≥ 0 that scales its coefficient for it: the root of
// coefficient·10^e is the root times 10^(scale+k).
func sqrtShift(s, scale int32) (k, e int32) {
	k = max(1, (s-2*scale+1)/2) // ceil((s - 2·scale)/2) when that is positive
	return k, 2*(scale+k) - s
}

// sqrtBig is Sqrt for the coefficient m ≥ 0 of a value with s decimals,
// in math/big.
func sqrtBig(m *big.Int, s, scale int32) (Decimal, error) {
	k, e := sqrtShift(s, scale)
	n := new(big.Int).Mul(m, tenTo(e))
	t := n.Sqrt(n) // the root truncated at scale+k decimals
	for {
		d, drop, err := fitRounded(roundQuo(t, tenTo(k)), false, scale)
		if drop == 0 || err != nil {
			return d, err
		}
		// Rounding t again at fewer decimals is still rounding the exact
		// root once: t is truncated, not rounded.
		scale -= drop
		k += drop
	}
}

// isqrt128 returns the integer square root of n < 2^126.
func isqrt128(n u128) uint64 {
	var r uint64
	if n.hi == 0 {
		// A double's root of a 64-bit integer is within one of the floor.
		r = uint64(math.Sqrt(float64(n.lo)))
	} else {
		// Off by up to 2^11 from 53 bits of 126; one Newton step brings
		// it within one. The estimate is at least 2^32·√n.hi, above n.hi,
		// so the division cannot overflow; the sum of the two terms can
		// pass 2^64 by a little, hence the carry.
		r = uint64(math.Sqrt(float64(n.hi)*0x1p64 + float64(n.lo)))
		q, _ := bits.Div64(n.hi, n.lo, r)
		sum, carry := bits.Add64(r, q, 0)
		r = sum>>1 | carry<<63
	}
	for {
		hi, lo := bits.Mul64(r, r)
		if (u128{hi, lo}).cmp(n) <= 0 {
			break
		}
		r--
	}
	for {
		hi, lo := bits.Mul64(r+1, r+1)
		if (u128{hi, lo}).cmp(n) > 0 {
			return r
		}
		r++
	}
}

// SqrtScale returns the scale PostgreSQL's sqrt(numeric) gives the root of
// d: 16 significant digits judged from the leading base-10000 digit's
// weight (sqrt(2) has 15 decimals, sqrt(0.0001) 17, sqrt(1e20) 5), at least
// d's scale, within [0, MaxScale].
func SqrtScale(d Decimal) int32 {
	w, _ := nbaseLead(d)
	// PostgreSQL's (weight+1)·DEC_DIGITS/2 - 1: the decimal weight of the
	// root's leading group, roughly.
	sweight := 2*w + 1
	return min(max(int32(minSigDigits-sweight), d.Scale, 0), MaxScale)
}

// Coefficient returns d's coefficient: d is Coefficient·10^-d.Scale. It is
// for computations that must stay exact past 38 digits, such as
// VarianceBig's sums.
func (d Decimal) Coefficient() *big.Int { return d.big() }

// Moment is what Variance computes.
type Moment uint8

// The moments: PostgreSQL's var_samp (variance), var_pop, stddev_samp
// (stddev) and stddev_pop.
const (
	VarSamp Moment = iota
	VarPop
	StddevSamp
	StddevPop
)

func (m Moment) sample() bool { return m == VarSamp || m == StddevSamp }
func (m Moment) root() bool   { return m == StddevSamp || m == StddevPop }

// Variance returns the moment m of n numbers from their exact sum sumX and
// the exact sum of their squares sumX2 (whose scale is twice sumX's, as
// exact products give), as PostgreSQL's numeric_stddev_internal does:
//
//   - numerator = n·sumX2 - sumX·sumX, exactly; when it is not positive
//     the result is 0 with no decimals;
//   - the variance is numerator / (n·(n-1)), or / (n·n) for the
//     population, at Div's scale (select_div_scale), rounded half away
//     from zero;
//   - the standard deviation is the square root of that rounded variance
//     at the same scale, rounded half away from zero.
//
// n must be at least 1, and at least 2 for the sample moments, which are
// NULL otherwise. Sums past 38 digits are VarianceBig's; intermediate
// values that pass 38 digits here go there too, so only the result obeys
// the 38-digit rule.
func Variance(m Moment, n int64, sumX, sumX2 Decimal) (Decimal, error) {
	nd := FromInt64(n, 0)
	s2 := 2 * sumX.Scale
	a, errA := Mul(nd, sumX2)
	b, errB := Mul(sumX, sumX)
	if errA == nil && errB == nil && a.Scale == sumX2.Scale && sumX2.Scale <= s2 && b.Scale == s2 {
		num, err := Sub(a, b)
		if err == nil && num.Scale == s2 {
			if num.Sign() <= 0 {
				return Decimal{}, nil // cancellation cannot leave a negative variance
			}
			dh, dl := varianceDenominator(m, n)
			den := Decimal{Lo: dl, Hi: int64(dh)}
			rscale := DivScale(num, den)
			v, err := DivToScale(num, den, rscale)
			if !m.root() {
				return v, err
			}
			if err == nil && v.Scale == rscale {
				return Sqrt(v, rscale)
			}
			// A variance past 38 digits whose root is not: the root is of
			// the whole variance.
		}
	}
	return varianceBig(m, n, sumX.big(), sumX.Scale, sumX2.big(), sumX2.Scale)
}

// VarianceBig is Variance for sums held as big integers: sumX is
// sumX·10^-scale and sumX2 is sumX2·10^-2·scale. The arguments are not
// modified.
func VarianceBig(m Moment, n int64, sumX, sumX2 *big.Int, scale int32) (Decimal, error) {
	return varianceBig(m, n, sumX, scale, sumX2, 2*scale)
}

func varianceBig(m Moment, n int64, sumX *big.Int, sx int32, sumX2 *big.Int, sx2 int32) (Decimal, error) {
	s2 := 2 * sx
	nb := big.NewInt(n)
	num := new(big.Int).Mul(nb, sumX2)
	// PostgreSQL computes n·sumX2 at twice sumX's scale, rounding it; the
	// sums of exact squares never need that, but keep its rule.
	if sx2 < s2 {
		num.Mul(num, tenTo(s2-sx2))
	} else if sx2 > s2 {
		neg := num.Sign() < 0
		num = roundQuo(num.Abs(num), tenTo(sx2-s2))
		if neg {
			num.Neg(num)
		}
	}
	num.Sub(num, new(big.Int).Mul(sumX, sumX))
	if num.Sign() <= 0 {
		return Decimal{}, nil
	}
	dh, dl := varianceDenominator(m, n)
	den := u128{dh, dl}.big()
	wa, fa := bigLead(num, s2)
	wb, fb := bigLead(den, 0)
	rscale := selectDivScale(wa, fa, wb, fb, s2, 0)
	if !m.root() {
		return divBig(num, den, false, s2, 0, rscale)
	}
	// rscale is below s2 when the sums have more than MaxScale/2 decimals.
	if k := rscale - s2; k >= 0 {
		num.Mul(num, tenTo(k))
	} else {
		den.Mul(den, tenTo(-k))
	}
	return sqrtBig(roundQuo(num, den), rscale, rscale)
}

// varianceDenominator returns n·(n-1) for the sample moments and n·n for
// the population ones, which 128 bits hold.
func varianceDenominator(m Moment, n int64) (hi, lo uint64) {
	if m.sample() {
		return bits.Mul64(uint64(n), uint64(n-1))
	}
	return bits.Mul64(uint64(n), uint64(n))
}

// bigLead is nbaseLead for x·10^-scale, x > 0.
func bigLead(x *big.Int, scale int32) (weight, first int) {
	ds := x.Text(10)
	e := len(ds) - 1 - int(scale) // the power of ten of the leading digit
	weight = e >> 2
	group := e - 4*weight + 1 // the leading group's digits: 1 to 4
	for i := range group {
		first *= 10
		if i < len(ds) {
			first += int(ds[i] - '0')
		}
	}
	return weight, first
}
