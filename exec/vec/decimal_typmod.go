package vec

import "github.com/apiarydb/apiary/exec/decimal"

// FitDecimal is the assignment of d to a column of type t, a KindDecimal
// with a declared precision (DeclaredNumeric): d rounded half away from zero
// to t.Scale decimals, or PostgreSQL's 22003 "numeric field overflow" when
// it needs more than t.Precision digits. A t without a precision takes d as
// it is.
func FitDecimal(d decimal.Decimal, t Type) (decimal.Decimal, error) {
	if t.Precision <= 0 {
		return d, nil
	}
	r, err := decimal.Round(d, t.Scale)
	// Round keeps fewer decimals than asked when the coefficient would pass
	// 38 digits: then the value has more than Precision digits anyway.
	if err != nil || r.Scale != t.Scale || !fitsDigits(r, t.Precision) {
		return decimal.Decimal{}, numericOverflow(t)
	}
	return r, nil
}

// decimalLimits[p] is 10^p as a Decimal of scale 0, for p < 38 (every
// coefficient is below 10^38).
var decimalLimits = func() (l [decimal.MaxDigits]decimal.Decimal) {
	ten := decimal.FromInt64(10, 0)
	l[0] = decimal.FromInt64(1, 0)
	for p := 1; p < decimal.MaxDigits; p++ {
		l[p], _ = decimal.Mul(l[p-1], ten)
	}
	return l
}()

// fitsDigits reports whether the coefficient of d has at most p digits.
func fitsDigits(d decimal.Decimal, p int32) bool {
	if p >= decimal.MaxDigits {
		return true
	}
	coef := decimal.Decimal{Lo: d.Lo, Hi: d.Hi}
	return decimal.Cmp(coef.Abs(), decimalLimits[p]) < 0
}
