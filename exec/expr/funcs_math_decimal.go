package expr

import (
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// The KindDecimal forms of the numeric functions (an overload's dec). Each
// value carries its own scale, so these give PostgreSQL's answers exactly:
// round(x, d) and trunc(x, d) have d decimals (none for d < 0) whether or
// not d is a constant, abs keeps x's scale, sign, floor, ceil and div have
// none, and mod keeps the larger scale. The result types' scales are
// nominal.

// Result types.

func decimalScale0([]Expr) (vec.Type, error) { return vec.DecimalOf(0), nil }

func sameDecimal(args []Expr) (vec.Type, error) { return vec.DecimalOf(args[0].Type().Scale), nil }

func decimalMaxScale(args []Expr) (vec.Type, error) {
	return vec.DecimalOf(max(args[0].Type().Scale, args[1].Type().Scale)), nil
}

// decimalRoundScale is round(x, d)'s: d decimals for a constant d, at
// least 0; x's nominal scale otherwise.
func decimalRoundScale(args []Expr) (vec.Type, error) {
	if d, ok := constInt(args, 1); ok {
		return vec.DecimalOf(int32(min(max(d, 0), decimal.MaxScale))), nil
	}
	return vec.DecimalOf(args[0].Type().Scale), nil
}

// Kernels.

// decimalMap applies a function that cannot fail.
func decimalMap(f func(decimal.Decimal) decimal.Decimal) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		mapRows(a[0].Decimals(), out.Decimals(), n, sel, nulls, f)
		return nil
	}
}

// decimalBinary applies an operation on two KindDecimal arguments.
func decimalBinary(f func(x, y decimal.Decimal) (decimal.Decimal, error)) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		x, y, o := a[0].Decimals(), a[1].Decimals(), out.Decimals()
		return eachRow(n, sel, nulls, func(i int) error {
			r, err := f(x[i], y[i])
			if err != nil {
				return vec.DecimalError(err)
			}
			o[i] = r
			return nil
		})
	}
}

func decimalSign(d decimal.Decimal) decimal.Decimal { return decimal.FromInt64(int64(d.Sign()), 0) }

// decimalIntDiv is div(x, y): the quotient truncated toward zero, with no
// decimals. x - mod(x, y) is an exact multiple of y, so dividing it is
// exact and no rounding of the quotient can carry into the integer.
func decimalIntDiv(x, y decimal.Decimal) (decimal.Decimal, error) {
	r, err := decimal.Mod(x, y)
	if err != nil {
		return decimal.Decimal{}, err
	}
	m, err := decimal.Sub(x, r)
	if err != nil {
		return decimal.Decimal{}, err
	}
	q, err := decimal.DivToScale(m, y, max(m.Scale-y.Scale, 0))
	if err != nil {
		return decimal.Decimal{}, err
	}
	return decimal.Trunc(q, 0)
}

// roundDecimalTo is round(x, d) or, with trunc, trunc(x, d).
func roundDecimalTo(x decimal.Decimal, d int64, trunc bool) (decimal.Decimal, error) {
	// decimal bounds the scale both ways; this only keeps it an int32.
	s := int32(min(max(d, -(1<<20)), 1<<20))
	if trunc {
		return decimal.Trunc(x, s)
	}
	return decimal.Round(x, s)
}

// decimalRound0 is round(x) or trunc(x).
func decimalRound0(trunc bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		return roundDecimalRows(a[0].Decimals(), out.Decimals(), n, sel, nulls, func(int) int64 { return 0 }, trunc)
	}
}

// bindDecimalRound is round(x, d) or trunc(x, d), with d captured when it
// is a constant.
func bindDecimalRound(trunc bool) func(args []Expr, ret vec.Type) (kernel, uint32, error) {
	return func(args []Expr, _ vec.Type) (kernel, uint32, error) {
		if d, ok := constInt(args, 1); ok {
			k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
				return roundDecimalRows(a[0].Decimals(), out.Decimals(), n, sel, nulls, func(int) int64 { return d }, trunc)
			}
			return k, 1 << 1, nil
		}
		k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			return roundDecimalRows(a[0].Decimals(), out.Decimals(), n, sel, nulls, intsOf(a[1]), trunc)
		}
		return k, 0, nil
	}
}

// roundDecimalRows rounds (or truncates) each live row of x to the
// decimals digits gives it.
func roundDecimalRows(x, o []decimal.Decimal, n int, sel []int32, nulls *vec.Nulls, digits func(int) int64, trunc bool) error {
	return eachRow(n, sel, nulls, func(i int) error {
		r, err := roundDecimalTo(x[i], digits(i), trunc)
		if err != nil {
			return vec.DecimalError(err)
		}
		o[i] = r
		return nil
	})
}
