package decimal

import (
	"errors"
	"math"
	"math/big"
	"sync"
)

// Exp, Ln, Log and Pow: PostgreSQL 15's numeric exp, ln, log and power.
//
// Each first picks PostgreSQL's result scale from the arguments: enough
// decimals for 16 significant digits (estimated the way PostgreSQL does,
// from a double or from the leading base-10000 digits, so that the scale
// is the same even where the estimate is off by one), at least the
// arguments' scales, at most MaxScale. The value is then computed in
// binary floating point far beyond those digits and rounded once, half
// away from zero, so it is the correctly rounded result; PostgreSQL's own
// guard digits make it so too, save for values within a rounding error of
// a half. A result longer than 38 digits keeps 38, dropping decimals, as
// every Decimal result does.

// Errors of the transcendental functions, beyond ErrOverflow and
// ErrDivisionByZero (log to base 1). PostgreSQL reports the first two with
// SQLSTATE 2201E and the other two with 2201F.
var (
	ErrLogOfZero           = errors.New("cannot take logarithm of zero")
	ErrLogOfNegative       = errors.New("cannot take logarithm of a negative number")
	ErrZeroToNegativePower = errors.New("zero raised to a negative power is undefined")
	ErrComplexPower        = errors.New("a negative number raised to a non-integer power yields a complex result")
)

const (
	// minSigDigits is PostgreSQL's NUMERIC_MIN_SIG_DIGITS.
	minSigDigits = 16
	// maxResultScale is PostgreSQL's NUMERIC_MAX_RESULT_SCALE, the bound of
	// its exponent estimates.
	maxResultScale = 2000
	// log10e is the constant PostgreSQL multiplies natural logarithms by to
	// estimate decimal weights; the same digits give the same truncations.
	log10e = 0.434294481903252
	// workPrec is the binary precision of the computations: about 190
	// decimal digits, far beyond the 38 a result keeps plus what exp's
	// argument reduction and power's y·ln(x) lose.
	workPrec = 640
)

// resultScale bounds a scale chosen from significant digits the way
// PostgreSQL does: at least each argument's scale, within [0, MaxScale].
func resultScale(s int, argScales ...int32) int32 {
	r := int32(min(max(s, -MaxScale), MaxScale))
	for _, a := range argScales {
		r = max(r, a)
	}
	return min(max(r, 0), MaxScale)
}

// Exp returns e^x.
func Exp(x Decimal) (Decimal, error) {
	// The result's decimal weight, estimated from a double and truncated
	// toward zero, as PostgreSQL's numeric_exp does.
	val := min(max(x.Float64()*log10e, -maxResultScale), maxResultScale)
	rscale := resultScale(minSigDigits-int(val), x.Scale)
	switch {
	case val > MaxDigits+2:
		return Decimal{}, ErrOverflow
	case val < -float64(rscale)-2:
		return zeroAt(rscale), nil
	}
	return roundFloat(expBig(x.float()), rscale)
}

// Ln returns the natural logarithm of x.
func Ln(x Decimal) (Decimal, error) {
	if err := checkLogArg(x); err != nil {
		return Decimal{}, err
	}
	rscale := resultScale(minSigDigits-lnDecimalWeight(x), x.Scale)
	return roundFloat(lnBig(x.float()), rscale)
}

// Log returns the logarithm of x to base b. log(x) to base 10 is
// Log(FromInt64(10, 0), x), as PostgreSQL defines it.
func Log(b, x Decimal) (Decimal, error) {
	if err := checkLogArg(b); err != nil {
		return Decimal{}, err
	}
	if err := checkLogArg(x); err != nil {
		return Decimal{}, err
	}
	if Cmp(b, FromInt64(1, 0)) == 0 {
		return Decimal{}, ErrDivisionByZero
	}
	weight := lnDecimalWeight(x) - lnDecimalWeight(b)
	rscale := resultScale(minSigDigits-weight, b.Scale, x.Scale)
	q := lnBig(x.float())
	return roundFloat(q.Quo(q, lnBig(b.float())), rscale)
}

func checkLogArg(x Decimal) error {
	switch x.Sign() {
	case 0:
		return ErrLogOfZero
	case -1:
		return ErrLogOfNegative
	}
	return nil
}

// Pow returns x^y.
func Pow(x, y Decimal) (Decimal, error) {
	integral := isIntegral(y)
	switch {
	case x.IsZero() && y.Sign() < 0:
		return Decimal{}, ErrZeroToNegativePower
	case x.Sign() < 0 && !integral:
		return Decimal{}, ErrComplexPower
	}
	if integral {
		if t, err := Trunc(y, 0); err == nil {
			if n, ok := t.Int64(); ok && n >= math.MinInt32 && n <= math.MaxInt32 {
				return powInt(x, n)
			}
		}
	}
	if x.IsZero() {
		// PostgreSQL's fixed answer: 0 with 16 decimals.
		return zeroAt(minSigDigits), nil
	}
	// A negative base here has an integral exponent too large for an
	// int32: the sign follows the exponent's parity.
	neg := x.Sign() < 0 && isOdd(y)
	ax := x.Abs()

	// PostgreSQL picks the scale from y·ln|x| computed to about 8
	// significant digits; the same rounded estimate gives the same
	// truncation to an integer weight.
	lnWeight := lnDecimalWeight(ax)
	lowScale := resultScale(8 - lnWeight)
	lnx := lnBig(ax.float())
	val := lowPrecisionProduct(lnx, y.float(), lowScale)
	if math.Abs(val) > maxResultScale*3.01 {
		if val > 0 {
			return Decimal{}, ErrOverflow
		}
		return zeroAt(MaxScale), nil
	}
	val *= log10e
	rscale := resultScale(minSigDigits-int(val), ax.Scale, y.Scale)
	switch {
	case val > MaxDigits+2:
		return Decimal{}, ErrOverflow
	case val < -float64(rscale)-2:
		return zeroAt(rscale), nil
	}
	r := expBig(lnx.Mul(lnx, y.float()))
	if neg {
		r.Neg(r)
	}
	return roundFloat(r, rscale)
}

// lowPrecisionProduct is a·b with a first rounded to scale decimals and
// the product rounded again, as a double.
func lowPrecisionProduct(a, b *big.Float, scale int32) float64 {
	ra, err := roundFloat(a, scale)
	if err != nil {
		f, _ := new(big.Float).Mul(a, b).Float64()
		return f
	}
	p := ra.float()
	p.Mul(p, b)
	rp, err := roundFloat(p, scale)
	if err != nil {
		f, _ := p.Float64()
		return f
	}
	return rp.Float64()
}

// powInt is x^n for an exponent that fits an int32: PostgreSQL's
// power_var_int, whose scale does not depend on the result's size.
func powInt(x Decimal, n int64) (Decimal, error) {
	rscale := resultScale(minSigDigits, x.Scale)
	if n == 0 {
		return FromInt64(1, 0).padTo(rscale), nil // 0^0 too, as PostgreSQL
	}
	if x.IsZero() {
		return zeroAt(rscale), nil
	}
	m, neg := x.mag()
	neg = neg && n%2 != 0
	k := n
	if k < 0 {
		k = -k
	}
	// Decide overflow and underflow before building a power that could
	// have billions of digits.
	weight := float64(n) * log10Abs(x)
	switch {
	case weight > MaxDigits+2:
		return Decimal{}, ErrOverflow
	case weight+1 < -float64(rscale):
		return zeroAt(rscale), nil
	}
	if float64(digits(m))*float64(k) > 4000 || int64(x.Scale)*k > 4000 {
		// Only a base very near 1 gets here (the result is within the
		// range above); the binary power is ample.
		r := new(big.Float).SetPrec(workPrec).Set(x.Abs().float())
		r = powFloat(r, k)
		if n < 0 {
			r.Quo(new(big.Float).SetPrec(workPrec).SetInt64(1), r)
		}
		if neg {
			r.Neg(r)
		}
		return roundFloat(r, rscale)
	}
	// Exactly: x^k = m^k / 10^(scale·k).
	p := new(big.Int).Exp(m.big(), big.NewInt(k), nil)
	shift := int32(int64(x.Scale) * k)
	if n > 0 {
		return roundRat(p, tenTo(shift), neg, rscale)
	}
	return roundRat(tenTo(shift), p, neg, rscale)
}

// powFloat is x^k by repeated squaring.
func powFloat(x *big.Float, k int64) *big.Float {
	r := new(big.Float).SetPrec(workPrec).SetInt64(1)
	for ; k > 0; k >>= 1 {
		if k&1 != 0 {
			r.Mul(r, x)
		}
		x.Mul(x, x)
	}
	return r
}

// isIntegral reports whether d has no non-zero decimals.
func isIntegral(d Decimal) bool {
	t, err := Trunc(d, 0)
	return err == nil && Cmp(t, d) == 0
}

// isOdd reports whether the integral d is odd.
func isOdd(d Decimal) bool {
	t, _ := Trunc(d, 0)
	m, _ := t.mag()
	return m.lo&1 != 0
}

// log10Abs is log10|d| as a double, for a d that may be too small for
// one.
func log10Abs(d Decimal) float64 {
	m, _ := d.mag()
	f := float64(m.hi)*(1<<64) + float64(m.lo)
	return math.Log10(f) - float64(d.Scale)
}

// lnDecimalWeight estimates the decimal weight of ln(x) for x > 0 as
// PostgreSQL's estimate_ln_dweight does: from x-1 near 1, otherwise from
// the leading base-10000 digits.
func lnDecimalWeight(x Decimal) int {
	if Cmp(x, Decimal{Lo: 9, Scale: 1}) >= 0 && Cmp(x, Decimal{Lo: 11, Scale: 1}) <= 0 {
		d, err := Sub(x, FromInt64(1, 0))
		if err != nil || d.IsZero() {
			return 0
		}
		m, _ := d.mag()
		return digits(m) - 1 - int(d.Scale)
	}
	m, _ := x.mag()
	// The leading base-10000 digit sits at weight w: its decimal digits
	// run from 10^(4w+3) down to 10^(4w).
	w, _ := nbaseLead(x)
	// q holds x in units of 10^(4(w-1)): its last four digits are the
	// second base-10000 digit, rest tells whether more follow.
	shift := int32(x.Scale) + int32(4*(w-1))
	var q, rest big.Int
	if shift >= 0 {
		q.QuoRem(m.big(), tenTo(shift), &rest)
	} else {
		q.Mul(m.big(), tenTo(-shift))
	}
	var lead, second big.Int
	lead.QuoRem(&q, big.NewInt(10000), &second)
	digitsValue := float64(lead.Int64())
	dweight := 4 * w
	if second.Sign() != 0 || rest.Sign() != 0 {
		digitsValue = digitsValue*10000 + float64(second.Int64())
		dweight -= 4
	}
	lnx := math.Log(digitsValue) + float64(dweight)*2.302585092994046
	return int(math.Log10(math.Abs(lnx)))
}

func zeroAt(scale int32) Decimal { return Decimal{Scale: scale} }

// padTo returns d with scale decimals, scale ≥ d.Scale, for a d whose
// coefficient has room for them.
func (d Decimal) padTo(scale int32) Decimal {
	r, err := Round(d, scale)
	if err != nil {
		return d
	}
	return r
}

// float returns d as a big.Float of workPrec bits.
func (d Decimal) float() *big.Float {
	f := new(big.Float).SetPrec(workPrec).SetInt(d.big())
	if d.Scale > 0 {
		f.Quo(f, new(big.Float).SetInt(tenTo(d.Scale)))
	}
	return f
}

// roundFloat rounds v half away from zero to scale decimals, or to fewer
// when the result would pass 38 digits.
func roundFloat(v *big.Float, scale int32) (Decimal, error) {
	neg := v.Sign() < 0
	a := new(big.Float).SetPrec(workPrec).Abs(v)
	half := big.NewFloat(0.5)
	for {
		t := new(big.Float).SetPrec(workPrec).Mul(a, new(big.Float).SetInt(tenTo(scale)))
		q, _ := t.Int(nil) // truncates toward zero
		frac := t.Sub(t, new(big.Float).SetInt(q))
		if frac.Cmp(half) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		d, drop, err := fitRounded(q, neg, scale)
		if drop == 0 || err != nil {
			return d, err
		}
		scale -= drop
	}
}

// roundRat rounds num/den half away from zero to scale decimals, or to
// fewer when the result would pass 38 digits.
func roundRat(num, den *big.Int, neg bool, scale int32) (Decimal, error) {
	for {
		q := roundQuo(new(big.Int).Mul(num, tenTo(scale)), den)
		d, drop, err := fitRounded(q, neg, scale)
		if drop == 0 || err != nil {
			return d, err
		}
		scale -= drop
	}
}

// The binary computations. Each works at workPrec bits.

var (
	ln2Once sync.Once
	ln2     *big.Float
)

// ln2Const is ln 2 = 2·atanh(1/3).
func ln2Const() *big.Float {
	ln2Once.Do(func() {
		third := new(big.Float).SetPrec(workPrec + 64).SetInt64(1)
		third.Quo(third, big.NewFloat(3))
		ln2 = atanhSeries(third)
		ln2.Mul(ln2, big.NewFloat(2))
		ln2.SetPrec(workPrec)
	})
	return ln2
}

// atanhSeries sums z + z³/3 + z⁵/5 + ... for a small |z|, at z's
// precision.
func atanhSeries(z *big.Float) *big.Float {
	prec := z.Prec()
	z2 := new(big.Float).SetPrec(prec).Mul(z, z)
	sum := new(big.Float).SetPrec(prec).Set(z)
	pow := new(big.Float).SetPrec(prec).Set(z)
	term := new(big.Float).SetPrec(prec)
	for i := int64(3); ; i += 2 {
		pow.Mul(pow, z2)
		term.Quo(pow, new(big.Float).SetInt64(i))
		if term.Sign() == 0 || term.MantExp(nil) < sum.MantExp(nil)-int(prec)-2 {
			return sum
		}
		sum.Add(sum, term)
	}
}

// lnBig is ln x for x > 0.
func lnBig(x *big.Float) *big.Float {
	const prec = workPrec + 32
	m := new(big.Float).SetPrec(prec)
	e := x.MantExp(m) // x = m·2^e, m in [0.5, 1)
	if m.Cmp(big.NewFloat(math.Sqrt2/2)) < 0 {
		m.SetMantExp(m, 1)
		e--
	}
	// ln m = 2^k·ln(m^(1/2^k)): square roots bring m near 1, where the
	// series converges fast.
	const k = 6
	for range k {
		m.Sqrt(m)
	}
	num := new(big.Float).SetPrec(prec).Sub(m, big.NewFloat(1))
	den := new(big.Float).SetPrec(prec).Add(m, big.NewFloat(1))
	r := atanhSeries(num.Quo(num, den))
	r.SetMantExp(r, k+1)
	t := new(big.Float).SetPrec(prec).SetInt64(int64(e))
	r.Add(r, t.Mul(t, ln2Const()))
	return r.SetPrec(workPrec)
}

// expBig is e^x for an x whose result is within big.Float's range.
func expBig(x *big.Float) *big.Float {
	const prec = workPrec + 64
	// x = n·ln 2 + r with |r| ≤ ln 2 / 2, and e^r = (e^(r/2^k))^(2^k).
	q := new(big.Float).SetPrec(prec).Quo(x, ln2Const())
	n, _ := q.Add(q, big.NewFloat(0.5)).Int64()
	if q.Sign() < 0 && !q.IsInt() {
		n-- // floor, not truncation, of x/ln 2 + 1/2
	}
	r := new(big.Float).SetPrec(prec).SetInt64(n)
	r.Mul(r, ln2Const())
	r.Sub(new(big.Float).SetPrec(prec).Set(x), r)
	const k = 10
	r.SetMantExp(r, -k)
	sum := new(big.Float).SetPrec(prec).SetInt64(1)
	term := new(big.Float).SetPrec(prec).SetInt64(1)
	for i := int64(1); ; i++ {
		term.Mul(term, r)
		term.Quo(term, new(big.Float).SetInt64(i))
		if term.Sign() == 0 || term.MantExp(nil) < -prec-2 {
			break
		}
		sum.Add(sum, term)
	}
	for range k {
		sum.Mul(sum, sum)
	}
	sum.SetMantExp(sum, int(n))
	return sum.SetPrec(workPrec)
}
