package expr

import (
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// Kernels over KindDecimal: numeric values of up to 38 digits, each with
// its own scale, computed with package decimal's PostgreSQL arithmetic.
// Their fast paths are 128-bit integer arithmetic and allocate nothing;
// the rest (products and quotients past 128 bits) go through math/big.
// NULL rows are skipped: what they hold is arbitrary and could overflow.

// arithDecimal is a op b on KindDecimal vectors. It loops inline and
// picks the operator per row with a switch, which predicts perfectly,
// rather than through a closure and a function table: decimal.Add's fast
// path is a few instructions, so two indirect calls a row would cost as
// much as the sum itself.
func arithDecimal(op ArithOp, a, b, o []decimal.Decimal, sel []int32, nulls *vec.Nulls) error {
	n := len(o)
	if sel != nil {
		n = len(sel)
	}
	for k := range n {
		i := k
		if sel != nil {
			i = int(sel[k])
		}
		if nulls != nil && nulls.IsNull(i) {
			continue
		}
		var r decimal.Decimal
		var err error
		switch op {
		case Add:
			r, err = decimal.Add(a[i], b[i])
		case Sub:
			r, err = decimal.Sub(a[i], b[i])
		case Mul:
			r, err = decimal.Mul(a[i], b[i])
		case Div:
			r, err = decimal.Div(a[i], b[i])
		default:
			r, err = decimal.Mod(a[i], b[i])
		}
		if err != nil {
			return vec.DecimalError(err)
		}
		o[i] = r
	}
	return nil
}

// divNarrow divides narrow numerics of scales sa and sb (integers have
// scale 0) into PostgreSQL's quotient: at least 16 significant digits,
// rounded half away from zero.
func divNarrow(a, b []int64, sa, sb int32, o []decimal.Decimal, sel []int32, nulls *vec.Nulls) error {
	return eachRow(len(o), sel, nulls, func(i int) error {
		if b[i] == 0 {
			return errDivByZero()
		}
		r, err := decimal.Div(decimal.FromInt64(a[i], sa), decimal.FromInt64(b[i], sb))
		if err != nil {
			return vec.DecimalError(err)
		}
		o[i] = r
		return nil
	})
}

// cmpDecimalVV compares two KindDecimal vectors by value (1.5 = 1.50).
func cmpDecimalVV(op CmpOp, a, b []decimal.Decimal, out []bool, sel []int32) {
	if sel == nil {
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = cmpResult(op, decimal.Cmp(a[i], b[i]))
		}
		return
	}
	for _, i := range sel {
		out[i] = cmpResult(op, decimal.Cmp(a[i], b[i]))
	}
}

// cmpDecimalVS compares a KindDecimal vector with one value.
func cmpDecimalVS(op CmpOp, a []decimal.Decimal, x decimal.Decimal, out []bool, sel []int32) {
	if sel == nil {
		a = a[:len(out)]
		for i := range out {
			out[i] = cmpResult(op, decimal.Cmp(a[i], x))
		}
		return
	}
	for _, i := range sel {
		out[i] = cmpResult(op, decimal.Cmp(a[i], x))
	}
}
