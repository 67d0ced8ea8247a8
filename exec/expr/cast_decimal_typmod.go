package expr

import "github.com/apiarydb/apiary/exec/vec"

// typmodDecimalCast converts a number to a declared numeric(p,s) with
// p > 18 (a KindDecimal with a precision): the value as a Decimal, then
// rounded to s decimals and checked against p digits, as PostgreSQL's
// numeric typmod coercion does.
func typmodDecimalCast(from, to vec.Type) castFunc {
	widen := decimalCast(from, to)
	return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
		if err := widen(c, in, out, n, sel); err != nil {
			return err
		}
		o := out.Decimals()
		return rowsOf(in, n, sel, func(i int) error {
			d, err := vec.FitDecimal(o[i], to)
			o[i] = d
			return err
		})
	}
}
