package expr

import (
	"math"

	"github.com/apiarydb/apiary/exec/vec"
)

// Float arithmetic fails where PostgreSQL's float4 and float8 operators do:
// a finite pair whose sum, difference, product or quotient is infinite
// overflows, a product or quotient of non-zero operands that rounds to
// zero underflows (both 22003), and dividing anything but NaN by zero is
// 22012. Infinite and NaN operands give IEEE's answers without an error.

// arithFloat computes a float operator over the rows of sel (every row
// when nil). A typed loop without checks computes every row, NULLs
// included; only when some result is not finite, or is a zero that may
// have underflowed, are the rows redone one by one with PostgreSQL's
// checks, skipping NULLs, whose stored values are arbitrary.
func arithFloat[T float32 | float64](op ArithOp, a, b, out []T, sel []int32, nulls *vec.Nulls) error {
	if floatFast(op, a, b, out, sel) {
		return nil
	}
	return eachRow(len(out), sel, nulls, func(i int) error {
		r, err := floatChecked(op, a[i], b[i])
		out[i] = r
		return err
	})
}

// floatFast applies op (Add, Sub, Mul or Div) to the rows and reports
// whether every result is certainly right: all finite, and, for a product
// or quotient, no zero from a non-zero dividend or factors. Both tests are
// integer operations on the results' bits folded into one word, so they
// cost no branch per row.
func floatFast[T float32 | float64](op ArithOp, a, b, out []T, sel []int32) bool {
	var bad uint64
	if sel == nil {
		a, b = a[:len(out)], b[:len(out)]
		switch op {
		case Add:
			for i := range out {
				r := a[i] + b[i]
				out[i] = r
				bad |= nonFinite(r)
			}
		case Sub:
			for i := range out {
				r := a[i] - b[i]
				out[i] = r
				bad |= nonFinite(r)
			}
		case Mul:
			for i := range out {
				r := a[i] * b[i]
				out[i] = r
				bad |= nonFinite(r) | isZero(r)&^(isZero(a[i])|isZero(b[i]))
			}
		case Div:
			for i := range out {
				r := a[i] / b[i]
				out[i] = r
				bad |= nonFinite(r) | isZero(r)&^isZero(a[i])
			}
		}
		return bad == 0
	}
	switch op {
	case Add:
		for _, i := range sel {
			r := a[i] + b[i]
			out[i] = r
			bad |= nonFinite(r)
		}
	case Sub:
		for _, i := range sel {
			r := a[i] - b[i]
			out[i] = r
			bad |= nonFinite(r)
		}
	case Mul:
		for _, i := range sel {
			r := a[i] * b[i]
			out[i] = r
			bad |= nonFinite(r) | isZero(r)&^(isZero(a[i])|isZero(b[i]))
		}
	case Div:
		for _, i := range sel {
			r := a[i] / b[i]
			out[i] = r
			bad |= nonFinite(r) | isZero(r)&^isZero(a[i])
		}
	}
	return bad == 0
}

// nonFinite is 1 when x is infinite or NaN (all its exponent bits are
// set), 0 otherwise. A float32 widens exactly, infinities and NaNs too.
func nonFinite[T float32 | float64](x T) uint64 {
	return ((math.Float64bits(float64(x))>>52)&0x7ff + 1) >> 11
}

// isZero is 1 when x is 0 or -0, 0 otherwise: without its sign bit x is
// below 2^63, so subtracting 1 sets the top bit only from 0.
func isZero[T float32 | float64](x T) uint64 {
	return (math.Float64bits(float64(x))&^(1<<63) - 1) >> 63
}

// floatChecked is x op y with PostgreSQL's float checks (float.h's
// float8_pl, float8_mi, float8_mul and float8_div, and their float4 twins).
func floatChecked[T float32 | float64](op ArithOp, x, y T) (T, error) {
	inf := func(v T) bool { return math.IsInf(float64(v), 0) }
	var r T
	switch op {
	case Add, Sub:
		r = x + y
		if op == Sub {
			r = x - y
		}
		if inf(r) && !inf(x) && !inf(y) {
			return 0, errOverflow()
		}
	case Mul:
		r = x * y
		if inf(r) && !inf(x) && !inf(y) {
			return 0, errOverflow()
		}
		if r == 0 && x != 0 && y != 0 {
			return 0, errUnderflow()
		}
	case Div:
		if y == 0 && !math.IsNaN(float64(x)) {
			return 0, errDivByZero()
		}
		r = x / y
		if inf(r) && !inf(x) {
			return 0, errOverflow()
		}
		if r == 0 && x != 0 && !inf(y) {
			return 0, errUnderflow()
		}
	}
	return r, nil
}
