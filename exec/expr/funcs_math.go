package expr

import (
	"bytes"
	"math"
	"math/bits"
	"math/rand/v2"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Mathematical functions. Narrow numeric arguments are scaled int64s:
// rounding and truncation work on the integers exactly. abs, sign, round,
// trunc, floor, ceil, mod and div have KindDecimal forms
// (funcs_math_decimal.go) with PostgreSQL's per-value scales; exp, ln,
// log and power of numerics give PostgreSQL's digits as KindDecimal
// (funcs_math_exact.go), and so does sqrt (funcs_sqrt.go).

var (
	tNum = vec.Type{Kind: vec.KindNumeric} // a numeric parameter: any scale
	tDec = vec.DecimalOf(0)                // a dec form's numeric parameter: any scale
	tI16 = vec.Int16
	tI32 = vec.Int32
	tI64 = vec.Int64
	tF32 = vec.Float32
	tF64 = vec.Float64
)

// prefixOperators spell the prefix operators that are functions here, for
// the error PostgreSQL gives when one does not take its operand's type.
var prefixOperators = map[string]string{"@abs": "@", "@sqrt": "|/", "@cbrt": "||/", "@bitnot": "~"}

func init() {
	// The prefix operators @, |/ and ||/ are the @-named functions
	// (restoreCompatForms in package exec): @ is defined on the same types
	// as abs, |/ on double precision alone where sqrt also takes numeric,
	// and ||/ is cbrt.
	def("abs @abs",
		sig(tI16, absInt16, tI16), sig(tI32, absInt32, tI32), sig(tI64, absInt64, tI64),
		&overload{params: []vec.Type{tNum}, retFn: sameNumeric, kern: absNumeric,
			dec: &overload{params: []vec.Type{tDec}, retFn: sameDecimal, kern: decimalMap(decimal.Decimal.Abs)}},
		sig(tF32, floatMap32(func(x float32) float32 { return float32(math.Abs(float64(x))) }), tF32),
		sig(tF64, floatMap(math.Abs), tF64))
	def("@sqrt", sig(tF64, floatErr(fsqrt), tF64))
	def("round",
		sig(tF64, floatMap(math.RoundToEven), tF64),
		&overload{params: []vec.Type{tNum}, retFn: numericScale0, kern: numericRoundKernel(false),
			dec: &overload{params: []vec.Type{tDec}, retFn: decimalScale0, kern: decimalRound0(false)}},
		&overload{params: []vec.Type{tNum, tI32}, retFn: roundScale, bind: bindNumericRound(false),
			dec: &overload{params: []vec.Type{tDec, tI32}, retFn: decimalRoundScale, bind: bindDecimalRound(false)}})
	def("trunc",
		sig(tF64, floatMap(math.Trunc), tF64),
		&overload{params: []vec.Type{tNum}, retFn: numericScale0, kern: numericRoundKernel(true),
			dec: &overload{params: []vec.Type{tDec}, retFn: decimalScale0, kern: decimalRound0(true)}},
		&overload{params: []vec.Type{tNum, tI32}, retFn: roundScale, bind: bindNumericRound(true),
			dec: &overload{params: []vec.Type{tDec, tI32}, retFn: decimalRoundScale, bind: bindDecimalRound(true)}})
	def("floor",
		sig(tF64, floatMap(math.Floor), tF64),
		&overload{params: []vec.Type{tNum}, retFn: numericScale0, kern: numericFloorCeil(false),
			dec: &overload{params: []vec.Type{tDec}, retFn: decimalScale0, kern: decimalMap(decimal.Floor)}})
	def("ceil ceiling",
		sig(tF64, floatMap(math.Ceil), tF64),
		&overload{params: []vec.Type{tNum}, retFn: numericScale0, kern: numericFloorCeil(true),
			dec: &overload{params: []vec.Type{tDec}, retFn: decimalScale0, kern: decimalMap(decimal.Ceil)}})
	def("sign",
		sig(tF64, floatMap(func(x float64) float64 {
			switch {
			case x > 0:
				return 1
			case x < 0:
				return -1
			}
			return x // 0, -0 and NaN
		}), tF64),
		&overload{params: []vec.Type{tNum}, retFn: numericScale0, kern: numericSign,
			dec: &overload{params: []vec.Type{tDec}, retFn: decimalScale0, kern: decimalMap(decimalSign)}})
	def("sqrt",
		sig(tF64, floatErr(fsqrt), tF64),
		sqrtNumeric())
	def("cbrt @cbrt", sig(tF64, floatMap(math.Cbrt), tF64))
	def("exp",
		sig(tF64, floatErr(fexp), tF64),
		exactNumeric1(decimal.Exp))
	def("ln",
		sig(tF64, floatErr(fln), tF64),
		exactNumeric1(decimal.Ln))
	def("log log10",
		sig(tF64, floatErr(flog10), tF64),
		exactNumeric1(log10Decimal))
	def("log",
		exactNumeric2(decimal.Log))
	def("power pow",
		sig(tF64, floatErr2(fpow), tF64, tF64),
		exactNumeric2(decimal.Pow))
	def("mod",
		sig(tI16, intBinary(Mod, tI16), tI16, tI16),
		sig(tI32, intBinary(Mod, tI32), tI32, tI32),
		sig(tI64, intBinary(Mod, tI64), tI64, tI64),
		&overload{params: []vec.Type{tNum, tNum}, prep: alignNumeric, retFn: sameNumeric, kern: numericMod,
			dec: &overload{params: []vec.Type{tDec, tDec}, retFn: decimalMaxScale, kern: decimalBinary(decimal.Mod)}})
	def("div", &overload{params: []vec.Type{tNum, tNum}, prep: alignNumeric, retFn: numericScale0, kern: numericDiv,
		dec: &overload{params: []vec.Type{tDec, tDec}, retFn: decimalScale0, kern: decimalBinary(decimalIntDiv)}})
	def("gcd",
		sig(tI32, intBinary(gcdOp, tI32), tI32, tI32),
		sig(tI64, intBinary(gcdOp, tI64), tI64, tI64))
	def("lcm",
		sig(tI32, intBinary(lcmOp, tI32), tI32, tI32),
		sig(tI64, intBinary(lcmOp, tI64), tI64, tI64))
	def("pi", &overload{ret: tF64, kern: func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, _ int, _ []int32, _ *vec.Nulls) error {
		fill(out.Float64s(), math.Pi)
		return nil
	}})
	def("random", &overload{ret: tF64, flags: volatile, kern: func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		o := out.Float64s()
		forRows(n, sel, func(i int) { o[i] = rand.Float64() })
		return nil
	}})
	def("degrees", sig(tF64, floatMap(func(x float64) float64 { return x * (180 / math.Pi) }), tF64))
	def("radians", sig(tF64, floatMap(func(x float64) float64 { return x * (math.Pi / 180) }), tF64))
	def("sin", sig(tF64, floatMap(math.Sin), tF64))
	def("cos", sig(tF64, floatMap(math.Cos), tF64))
	def("tan", sig(tF64, floatMap(math.Tan), tF64))
	def("cot", sig(tF64, floatMap(func(x float64) float64 { return 1 / math.Tan(x) }), tF64))
	def("asin", sig(tF64, floatErr(inUnitRange(math.Asin)), tF64))
	def("acos", sig(tF64, floatErr(inUnitRange(math.Acos)), tF64))
	def("atan", sig(tF64, floatMap(math.Atan), tF64))
	def("atan2", sig(tF64, floatErr2(func(y, x float64) (float64, error) { return math.Atan2(y, x), nil }), tF64, tF64))
	def("width_bucket",
		sig(tI32, widthBucketFloat, tF64, tF64, tF64, tI32),
		&overload{params: []vec.Type{tNum, tNum, tNum, tI32}, prep: alignNumeric3, ret: tI32, kern: widthBucketNumeric})
	specialFuncs["greatest"] = func(args []Expr) (Expr, error) { return newGreatestLeast(args, true) }
	specialFuncs["least"] = func(args []Expr) (Expr, error) { return newGreatestLeast(args, false) }
}

// Result types.

func numericOfScale(s int32) vec.Type { return vec.Type{Kind: vec.KindNumeric, Scale: s} }

// sameNumeric keeps the first argument's scale and drops its precision,
// as PostgreSQL's numeric functions return unconstrained numeric.
func sameNumeric(args []Expr) (vec.Type, error) { return numericOfScale(args[0].Type().Scale), nil }

func numericScale0([]Expr) (vec.Type, error) { return numericOfScale(0), nil }

// roundScale is the type of round(x, d) and trunc(x, d) on a narrow
// numeric: a constant d gives the column d decimals, as PostgreSQL prints
// it (round(1.5, 3) is 1.500); a computed one gives each value its own,
// which only a KindDecimal holds.
func roundScale(args []Expr) (vec.Type, error) {
	if d, ok := roundsDown(args); ok {
		return numericOfScale(int32(max(d, 0))), nil
	}
	return vec.DecimalOf(args[0].Type().Scale), nil
}

// roundsDown reports whether round(x, d) or trunc(x, d) of a narrow
// numeric x has a constant d no larger than x's scale, and gives d. Only
// then is the result narrow too: dropping decimals never adds digits
// beyond x's. A larger d pads with zeros past what 18 digits may hold
// (round(123.5, 17) is 123.50000000000000000), and a per-row d gives each
// value its own scale: both are KindDecimal.
func roundsDown(args []Expr) (int64, bool) {
	d, ok := constInt(args, 1)
	return d, ok && d <= int64(args[0].Type().Scale)
}

// alignNumeric rescales two numeric arguments to their larger scale.
func alignNumeric(args []Expr) ([]Expr, error) {
	s := max(args[0].Type().Scale, args[1].Type().Scale)
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if out[i], err = rescaleTo(a, s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// alignNumeric3 aligns the first three arguments of width_bucket.
func alignNumeric3(args []Expr) ([]Expr, error) {
	s := max(args[0].Type().Scale, args[1].Type().Scale, args[2].Type().Scale)
	out := append([]Expr(nil), args...)
	for i := 0; i < 3; i++ {
		var err error
		if out[i], err = rescaleTo(args[i], s); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func rescaleTo(e Expr, s int32) (Expr, error) {
	if e.Type().Scale == s {
		return e, nil
	}
	return NewCast(e, numericOfScale(s))
}

// Float kernels.

func floatMap(f func(float64) float64) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		mapRows(a[0].Float64s(), out.Float64s(), n, sel, nulls, f)
		return nil
	}
}

func floatMap32(f func(float32) float32) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		mapRows(a[0].Float32s(), out.Float32s(), n, sel, nulls, f)
		return nil
	}
}

func floatErr(f func(float64) (float64, error)) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		return mapRowsErr(a[0].Float64s(), out.Float64s(), n, sel, nulls, f)
	}
}

func floatErr2(f func(x, y float64) (float64, error)) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		x, y, o := a[0].Float64s(), a[1].Float64s(), out.Float64s()
		return eachRow(n, sel, nulls, func(i int) error {
			r, err := f(x[i], y[i])
			o[i] = r
			return err
		})
	}
}

func errOverflow() error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
}
func errUnderflow() error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: underflow")
}

func fsqrt(x float64) (float64, error) {
	if x < 0 {
		return 0, sqlerr.New(codeInvalidArgumentPower, "cannot take square root of a negative number")
	}
	return math.Sqrt(x), nil
}

func fexp(x float64) (float64, error) {
	r := math.Exp(x)
	switch {
	case math.IsInf(r, 1) && !math.IsInf(x, 1):
		return 0, errOverflow()
	case r == 0 && !math.IsInf(x, -1):
		return 0, errUnderflow()
	}
	return r, nil
}

func checkLogArg(x float64) error {
	switch {
	case x == 0:
		return sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of zero")
	case x < 0:
		return sqlerr.New(codeInvalidArgumentLog, "cannot take logarithm of a negative number")
	}
	return nil
}

func fln(x float64) (float64, error) {
	if err := checkLogArg(x); err != nil {
		return 0, err
	}
	return math.Log(x), nil
}

func flog10(x float64) (float64, error) {
	if err := checkLogArg(x); err != nil {
		return 0, err
	}
	return math.Log10(x), nil
}

func fpow(x, y float64) (float64, error) {
	if x == 0 && y < 0 {
		return 0, sqlerr.New(codeInvalidArgumentPower, "zero raised to a negative power is undefined")
	}
	if x < 0 && y != math.Trunc(y) && !math.IsInf(y, 0) {
		return 0, sqlerr.New(codeInvalidArgumentPower, "a negative number raised to a non-integer power yields a complex result")
	}
	r := math.Pow(x, y)
	switch {
	case math.IsInf(r, 0) && !math.IsInf(x, 0) && !math.IsInf(y, 0):
		return 0, errOverflow()
	case r == 0 && x != 0 && !math.IsInf(x, 0) && !math.IsInf(y, 0):
		return 0, errUnderflow()
	}
	return r, nil
}

func inUnitRange(f func(float64) float64) func(float64) (float64, error) {
	return func(x float64) (float64, error) {
		if x < -1 || x > 1 {
			return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "input is out of range")
		}
		return f(x), nil
	}
}

// Integer kernels.

func absInt16(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	return mapRowsErr(a[0].Int16s(), out.Int16s(), n, sel, nulls, func(x int16) (int16, error) {
		if x == math.MinInt16 {
			return 0, ErrIntRange(tI16)
		}
		return max(x, -x), nil
	})
}

func absInt32(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	return mapRowsErr(a[0].Int32s(), out.Int32s(), n, sel, nulls, func(x int32) (int32, error) {
		if x == math.MinInt32 {
			return 0, ErrIntRange(tI32)
		}
		return max(x, -x), nil
	})
}

func absInt64(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	return mapRowsErr(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) (int64, error) {
		if x == math.MinInt64 {
			return 0, ErrIntRange(tI64)
		}
		return max(x, -x), nil
	})
}

// Extra integer operations for intBinary beyond the ArithOps.
const (
	gcdOp ArithOp = 100 + iota
	lcmOp
)

// intBinary applies an integer operation to two integer vectors of type t,
// in int64 with a range check, as the integer operators do.
func intBinary(op ArithOp, t vec.Type) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		x, y := intsOf(a[0]), intsOf(a[1])
		return eachRow(n, sel, nulls, func(i int) error {
			var r int64
			var ok bool
			switch op {
			case gcdOp:
				r, ok = gcd64(x(i), y(i))
			case lcmOp:
				r, ok = lcm64(x(i), y(i))
			default:
				if y(i) == 0 && (op == Mod || op == Div) {
					return errDivByZero()
				}
				r, ok = int64Op(op, x(i), y(i))
			}
			if !ok {
				return ErrIntRange(t)
			}
			return storeInt(out, i, r)
		})
	}
}

func gcd64(a, b int64) (int64, bool) {
	for b != 0 {
		a, b = b, a%b
	}
	if a == math.MinInt64 {
		return 0, false
	}
	return max(a, -a), true
}

func lcm64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	g, ok := gcd64(a, b)
	if !ok {
		return 0, false
	}
	r, ok := int64Op(Mul, a/g, b)
	if !ok || r == math.MinInt64 {
		return 0, false
	}
	return max(r, -r), true
}

// Numeric kernels.

func absNumeric(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	mapRows(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) int64 { return max(x, -x) })
	return nil
}

func numericSign(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	mapRows(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) int64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return 0
	})
	return nil
}

// shiftDigits drops q ≥ 0 decimal digits of x, rounding half away from
// zero or truncating toward zero.
func shiftDigits(x int64, q int32, trunc bool) int64 {
	if q == 0 {
		return x
	}
	if q > vec.MaxNumericPrecision {
		return 0
	}
	if trunc {
		return x / vec.Pow10(q)
	}
	return divRound(x, vec.Pow10(q))
}

// mulPow10 returns x·10^q, failing on overflow.
func mulPow10(x int64, q int32, t vec.Type) (int64, error) {
	if q == 0 || x == 0 {
		return x, nil
	}
	if q > vec.MaxNumericPrecision {
		return 0, numericOverflow(t)
	}
	hi, lo := bits.Mul64(uint64(abs64(x)), uint64(vec.Pow10(q)))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, numericOverflow(t)
	}
	if x < 0 {
		return -int64(lo), nil
	}
	return int64(lo), nil
}

// numericRoundKernel is round(x) or trunc(x): to scale 0.
func numericRoundKernel(trunc bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		s := a[0].Type.Scale
		mapRows(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) int64 { return shiftDigits(x, s, trunc) })
		return nil
	}
}

// bindNumericRound is round(x, d) or trunc(x, d) on a narrow numeric: a
// narrow kernel for a constant d, per-value scales (roundScale) otherwise.
func bindNumericRound(trunc bool) func(args []Expr, ret vec.Type) (kernel, uint32, error) {
	return func(args []Expr, ret vec.Type) (kernel, uint32, error) {
		s := args[0].Type().Scale
		if d, ok := roundsDown(args); ok {
			// The result's scale rs is max(d, 0): drop s-d digits, then
			// scale up to rs (a negative d leaves zeros before the point).
			rs := ret.Scale
			k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
				return mapRowsErr(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) (int64, error) {
					if d == int64(s) {
						return x, nil
					}
					q := int32(min(int64(s)-d, 100))
					r := shiftDigits(x, q, trunc)
					return mulPow10(r, rs-int32(d), ret)
				})
			}
			return k, 1 << 1, nil
		}
		k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			ds, x, o := intsOf(a[1]), a[0].Int64s(), out.Decimals()
			return eachRow(n, sel, nulls, func(i int) error {
				r, err := roundDecimalTo(decimal.FromInt64(x[i], s), ds(i), trunc)
				if err != nil {
					return vec.DecimalError(err)
				}
				o[i] = r
				return nil
			})
		}
		return k, 0, nil
	}
}

func numericFloorCeil(ceil bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		p := a[0].Type.Scale10()
		mapRows(a[0].Int64s(), out.Int64s(), n, sel, nulls, func(x int64) int64 {
			q, r := x/p, x%p
			switch {
			case ceil && r > 0:
				q++
			case !ceil && r < 0:
				q--
			}
			return q
		})
		return nil
	}
}

// numericMod is mod(x, y) on aligned scales: the remainder keeps them, with
// the sign of x, as PostgreSQL's.
func numericMod(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	x, y, o := a[0].Int64s(), a[1].Int64s(), out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error {
		if y[i] == 0 {
			return errDivByZero()
		}
		if y[i] == -1 {
			o[i] = 0
			return nil
		}
		o[i] = x[i] % y[i]
		return nil
	})
}

// numericDiv is div(x, y): the integer quotient, truncated toward zero.
func numericDiv(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	x, y, o := a[0].Int64s(), a[1].Int64s(), out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error {
		if y[i] == 0 {
			return errDivByZero()
		}
		if y[i] == -1 && x[i] == math.MinInt64 {
			return numericOverflow(out.Type)
		}
		o[i] = x[i] / y[i]
		return nil
	})
}

// width_bucket.

func widthBucketErr(count int64, lowEqHigh bool) error {
	if count <= 0 {
		return sqlerr.New(codeInvalidWidthBucket, "count must be greater than zero")
	}
	if lowEqHigh {
		return sqlerr.New(codeInvalidWidthBucket, "lower bound cannot equal upper bound")
	}
	return nil
}

func widthBucketFloat(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	x, lo, hi, cnt, o := a[0].Float64s(), a[1].Float64s(), a[2].Float64s(), a[3].Int32s(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		if err := widthBucketErr(int64(cnt[i]), lo[i] == hi[i]); err != nil {
			return err
		}
		if math.IsNaN(x[i]) || math.IsNaN(lo[i]) || math.IsNaN(hi[i]) {
			return sqlerr.New(codeInvalidWidthBucket, "operand, lower bound, and upper bound cannot be NaN")
		}
		if math.IsInf(lo[i], 0) || math.IsInf(hi[i], 0) {
			return sqlerr.New(codeInvalidWidthBucket, "lower and upper bounds must be finite")
		}
		r, err := bucketOf(x[i], lo[i], hi[i], int64(cnt[i]))
		o[i] = int32(r)
		return err
	})
}

func widthBucketNumeric(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	x, lo, hi, cnt, o := a[0].Int64s(), a[1].Int64s(), a[2].Int64s(), a[3].Int32s(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		if err := widthBucketErr(int64(cnt[i]), lo[i] == hi[i]); err != nil {
			return err
		}
		c := int64(cnt[i])
		var r int64
		// Exact integer arithmetic: (x-lo)·count/(hi-lo) in 128 bits.
		switch {
		case lo[i] < hi[i] && x[i] < lo[i], lo[i] > hi[i] && x[i] > lo[i]:
			r = 0
		case lo[i] < hi[i] && x[i] >= hi[i], lo[i] > hi[i] && x[i] <= hi[i]:
			r = c + 1
		default:
			num, den := uint64(abs64(x[i]-lo[i])), uint64(abs64(hi[i]-lo[i]))
			h, l := bits.Mul64(num, uint64(c))
			q, _ := bits.Div64(h, l, den)
			r = int64(q) + 1
		}
		if r > math.MaxInt32 {
			return ErrIntRange(tI32)
		}
		o[i] = int32(r)
		return nil
	})
}

func bucketOf(x, lo, hi float64, c int64) (int64, error) {
	var r int64
	switch {
	case lo < hi && x < lo, lo > hi && x > lo:
		r = 0
	case lo < hi && x >= hi, lo > hi && x <= hi:
		r = c + 1
	default:
		var f float64
		if lo < hi {
			f = (x - lo) / (hi - lo)
		} else {
			f = (lo - x) / (lo - hi)
		}
		r = int64(float64(c) * f)
		// The quotient can round up to 1.0; the operand is still below
		// the upper bound, so it belongs in the last bucket.
		r = min(r, c-1) + 1
	}
	if r > math.MaxInt32 {
		return 0, ErrIntRange(tI32)
	}
	return r, nil
}

// GreatestLeast is GREATEST(args...) or LEAST(args...): the largest or
// smallest non-NULL argument, NULL when all are NULL.
type GreatestLeast struct {
	Args     []Expr
	Greatest bool
	typ      vec.Type
}

func newGreatestLeast(args []Expr, greatest bool) (Expr, error) {
	name := "LEAST"
	if greatest {
		name = "GREATEST"
	}
	t, err := ResultType(args, name)
	if err != nil {
		return nil, errTypesCannotMatch(name, args)
	}
	e := &GreatestLeast{Greatest: greatest, typ: t}
	for _, a := range args {
		ca, err := Coerce(a, t)
		if err != nil {
			return nil, err
		}
		e.Args = append(e.Args, ca)
	}
	if allConst(e.Args) {
		return FoldConstants(e, nil)
	}
	return e, nil
}

// errTypesCannotMatch is PostgreSQL's error for arguments without a common
// type, naming the first two that clash.
func errTypesCannotMatch(what string, args []Expr) error {
	var first vec.Type
	have := false
	for _, a := range args {
		if isUntyped(a) {
			continue
		}
		if !have {
			first, have = a.Type(), true
			continue
		}
		if nt, ok := unify2(first, a.Type()); ok {
			first = nt
			continue
		}
		return sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched", what, pgTypeName(first), pgTypeName(a.Type()))
	}
	return sqlerr.New(sqlerr.DatatypeMismatch, "%s types cannot be matched", what)
}

func (e *GreatestLeast) Type() vec.Type { return e.typ }
func (e *GreatestLeast) String() string {
	name := "LEAST"
	if e.Greatest {
		name = "GREATEST"
	}
	f := &Func{Name: name, Args: e.Args}
	return f.String()
}
func (e *GreatestLeast) Children() []Expr { return e.Args }
func (e *GreatestLeast) WithChildren(c []Expr) Expr {
	return &GreatestLeast{Args: c, Greatest: e.Greatest, typ: e.typ}
}

func (e *GreatestLeast) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	sel := Sel(b)
	which := c.SelBuf(n)[:n]
	srcs := make([]*vec.Vec, len(e.Args))
	for k, a := range e.Args {
		v, err := a.Eval(c, b)
		if err != nil {
			return nil, err
		}
		srcs[k] = v
	}
	cmp := valueComparer(e.typ)
	want := -1
	if e.Greatest {
		want = 1
	}
	forRows(n, sel, func(i int) {
		best := int32(-1)
		for k, v := range srcs {
			if v.Nulls.IsNull(i) {
				continue
			}
			if best < 0 || cmp(v, srcs[best], i) == want {
				best = int32(k)
			}
		}
		which[i] = max(best, 0) // all NULL: any source gives NULL
	})
	out := c.Alloc(e.typ, n)
	gather(out, srcs, which, n, sel)
	return out, nil
}

// valueComparer returns a function comparing row i of two vectors of
// type t, with PostgreSQL's ordering (floats: NaN above everything).
func valueComparer(t vec.Type) func(x, y *vec.Vec, i int) int {
	switch t.Kind {
	case vec.KindBool:
		return func(x, y *vec.Vec, i int) int {
			a, b := x.Bools()[i], y.Bools()[i]
			switch {
			case a == b:
				return 0
			case b:
				return -1
			}
			return 1
		}
	case vec.KindInt16:
		return func(x, y *vec.Vec, i int) int { return cmp3(x.Int16s()[i], y.Int16s()[i]) }
	case vec.KindInt32, vec.KindDate:
		return func(x, y *vec.Vec, i int) int { return cmp3(x.Int32s()[i], y.Int32s()[i]) }
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		return func(x, y *vec.Vec, i int) int { return cmp3(x.Int64s()[i], y.Int64s()[i]) }
	case vec.KindFloat32:
		return func(x, y *vec.Vec, i int) int { return compareFloat(x.Float32s()[i], y.Float32s()[i]) }
	case vec.KindFloat64:
		return func(x, y *vec.Vec, i int) int { return compareFloat(x.Float64s()[i], y.Float64s()[i]) }
	case vec.KindInterval:
		return func(x, y *vec.Vec, i int) int { return CompareIntervals(x.Intervals()[i], y.Intervals()[i]) }
	case vec.KindDecimal:
		return func(x, y *vec.Vec, i int) int { return decimal.Cmp(x.Decimals()[i], y.Decimals()[i]) }
	}
	return func(x, y *vec.Vec, i int) int { return bytes.Compare(x.Bytes().Get(i), y.Bytes().Get(i)) }
}

func cmp3[T ordered](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
