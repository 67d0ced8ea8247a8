package expr

import (
	"errors"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// sqrt(numeric) as PostgreSQL's numeric_sqrt computes it: each root has
// the scale numeric_sqrt picks from its argument's magnitude (about 16
// significant digits, at least the argument's decimals: sqrt(2) is
// 1.414213562373095, sqrt(0.0001) 0.01000000000000000), correctly
// rounded, so whatever the argument's kind (narrow or KindDecimal) the
// result is a KindDecimal. Double precision keeps its own overload.

// sqrtNumeric is the numeric overload of sqrt.
func sqrtNumeric() *overload {
	return &overload{params: []vec.Type{tNum}, retFn: sqrtType, kern: sqrtNarrowKernel,
		dec: &overload{params: []vec.Type{tDec}, retFn: sqrtType, kern: sqrtDecimalKernel}}
}

// sqrtType is the root's nominal scale: the 16 significant digits of a
// root below 10, or the argument's scale when larger, within what Arrow's
// decimal128 can declare.
func sqrtType(args []Expr) (vec.Type, error) {
	return vec.DecimalOf(min(max(decimalDivScale, args[0].Type().Scale), decimal.MaxDigits)), nil
}

func sqrtNarrowKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	scale := a[0].Type.Scale
	return mapRowsErr(a[0].Int64s(), out.Decimals(), n, sel, nulls, func(x int64) (decimal.Decimal, error) {
		return sqrtDecimal(decimal.FromInt64(x, scale))
	})
}

func sqrtDecimalKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	return mapRowsErr(a[0].Decimals(), out.Decimals(), n, sel, nulls, sqrtDecimal)
}

func sqrtDecimal(x decimal.Decimal) (decimal.Decimal, error) {
	r, err := decimal.Sqrt(x, decimal.SqrtScale(x))
	if errors.Is(err, decimal.ErrSqrtOfNegative) {
		return r, sqlerr.New(codeInvalidArgumentPower, "cannot take square root of a negative number")
	}
	return r, vec.DecimalError(err)
}
