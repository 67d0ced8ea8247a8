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

// decimalOps are the operators' functions, indexed by ArithOp.
var decimalOps = [...]func(a, b decimal.Decimal) (decimal.Decimal, error){
	Add: decimal.Add,
	Sub: decimal.Sub,
	Mul: decimal.Mul,
	Div: decimal.Div,
	Mod: decimal.Mod,
}

// arithDecimal is a op b on KindDecimal vectors.
func arithDecimal(op ArithOp, a, b, o []decimal.Decimal, sel []int32, nulls *vec.Nulls) error {
	f := decimalOps[op]
	return eachRow(len(o), sel, nulls, func(i int) error {
		r, err := f(a[i], b[i])
		if err != nil {
			return vec.DecimalError(err)
		}
		o[i] = r
		return nil
	})
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
