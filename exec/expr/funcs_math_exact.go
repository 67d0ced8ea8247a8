package expr

import (
	"errors"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The numeric forms of exp, ln, log and power. Their results carry a
// scale of their own per value, so whatever the arguments' kinds (narrow
// KindNumeric or KindDecimal) they return a KindDecimal, computed by
// exec/decimal to PostgreSQL's digits: exp(2.0) is 7.3890560989306502,
// 2.0 ^ 3 is 8.0000000000000000. (round and trunc with a computed number
// of decimals do the same: bindNumericRound.)

// exactNumeric1 is the numeric overload of a one-argument function.
func exactNumeric1(f func(decimal.Decimal) (decimal.Decimal, error)) *overload {
	k := exactKernel1(f)
	return &overload{params: []vec.Type{tNum}, retFn: exactScale, kern: k,
		dec: &overload{params: []vec.Type{tDec}, retFn: exactScale, kern: k}}
}

// exactNumeric2 is the numeric overload of a two-argument function.
func exactNumeric2(f func(x, y decimal.Decimal) (decimal.Decimal, error)) *overload {
	k := exactKernel2(f)
	return &overload{params: []vec.Type{tNum, tNum}, retFn: exactScale, kern: k,
		dec: &overload{params: []vec.Type{tDec, tDec}, retFn: exactScale, kern: k}}
}

// exactScale is the nominal scale of an exact result: PostgreSQL's 16
// significant digits have at least 16 decimals for results below 10.
func exactScale(args []Expr) (vec.Type, error) {
	s := int32(decimalDivScale)
	for _, a := range args {
		s = max(s, a.Type().Scale)
	}
	return vec.DecimalOf(min(s, decimal.MaxScale)), nil
}

// decimalsOf reads a numeric column of either kind as Decimals.
func decimalsOf(v *vec.Vec) func(i int) decimal.Decimal {
	if v.Type.Kind == vec.KindDecimal {
		s := v.Decimals()
		return func(i int) decimal.Decimal { return s[i] }
	}
	s, scale := v.Int64s(), v.Type.Scale
	return func(i int) decimal.Decimal { return decimal.FromInt64(s[i], scale) }
}

func exactKernel1(f func(decimal.Decimal) (decimal.Decimal, error)) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		x, o := decimalsOf(a[0]), out.Decimals()
		return eachRow(n, sel, nulls, func(i int) error {
			r, err := f(x(i))
			if err != nil {
				return exactError(err)
			}
			o[i] = r
			return nil
		})
	}
}

func exactKernel2(f func(x, y decimal.Decimal) (decimal.Decimal, error)) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		x, y, o := decimalsOf(a[0]), decimalsOf(a[1]), out.Decimals()
		return eachRow(n, sel, nulls, func(i int) error {
			r, err := f(x(i), y(i))
			if err != nil {
				return exactError(err)
			}
			o[i] = r
			return nil
		})
	}
}

// exactError gives the transcendental functions' and sqrt's errors
// PostgreSQL's SQLSTATEs.
func exactError(err error) error {
	switch {
	case errors.Is(err, decimal.ErrLogOfZero), errors.Is(err, decimal.ErrLogOfNegative):
		return sqlerr.New(codeInvalidArgumentLog, "%s", err)
	case errors.Is(err, decimal.ErrZeroToNegativePower), errors.Is(err, decimal.ErrComplexPower):
		return sqlerr.New(codeInvalidArgumentPower, "%s", err)
	case errors.Is(err, decimal.ErrSqrtOfNegative):
		return sqlerr.New(codeInvalidArgumentPower, "cannot take square root of a negative number")
	}
	return vec.DecimalError(err)
}

// log10Decimal is log(x): PostgreSQL defines it as log(10, x).
func log10Decimal(x decimal.Decimal) (decimal.Decimal, error) {
	return decimal.Log(decimal.FromInt64(10, 0), x)
}
