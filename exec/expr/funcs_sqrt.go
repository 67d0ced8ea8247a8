package expr

import (
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// sqrt(numeric) as PostgreSQL's numeric_sqrt computes it: each root has
// the scale numeric_sqrt picks from its argument's magnitude (about 16
// significant digits, at least the argument's decimals: sqrt(2) is
// 1.414213562373095, sqrt(0.0001) 0.01000000000000000), correctly
// rounded, so whatever the argument's kind (narrow or KindDecimal) the
// result is a KindDecimal. Double precision keeps its own overload.

// sqrtNumeric is the numeric overload of sqrt.
func sqrtNumeric() *overload {
	k := exactKernel1(func(x decimal.Decimal) (decimal.Decimal, error) {
		return decimal.Sqrt(x, decimal.SqrtScale(x))
	})
	return &overload{params: []vec.Type{tNum}, retFn: sqrtType, kern: k,
		dec: &overload{params: []vec.Type{tDec}, retFn: sqrtType, kern: k}}
}

// sqrtType is the root's nominal scale: the 16 significant digits of a
// root below 10, or the argument's scale when larger, within what Arrow's
// decimal128 can declare.
func sqrtType(args []Expr) (vec.Type, error) {
	return vec.DecimalOf(min(max(decimalDivScale, args[0].Type().Scale), decimal.MaxDigits)), nil
}
