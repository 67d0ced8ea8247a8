package expr

import (
	"fmt"
	"math"
	"math/bits"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// ArithOp is an arithmetic operator.
type ArithOp uint8

// The arithmetic operators.
const (
	Add ArithOp = iota
	Sub
	Mul
	Div
	Mod
)

var arithNames = [...]string{"+", "-", "*", "/", "%"}

func (op ArithOp) String() string { return arithNames[op] }

// decimalDivScale is the nominal scale of a quotient: PostgreSQL gives at
// least 16 significant digits, and each value carries its own scale.
const decimalDivScale = 16

// Arith is l op r over numbers of one type.
type Arith struct {
	Op   ArithOp
	L, R Expr
	typ  vec.Type
}

// arithOtherHook lets date/time arithmetic (date + integer, timestamp -
// interval, ...) join; it returns nil, nil when it has no such operator.
var arithOtherHook func(op ArithOp, l, r Expr) (Expr, error)

// NewArith builds l op r with PostgreSQL's operand coercion.
func NewArith(op ArithOp, l, r Expr) (Expr, error) {
	if arithOtherHook != nil {
		lt, rt := l.Type(), r.Type()
		if !isNumber(lt) || !isNumber(rt) {
			if e, err := arithOtherHook(op, l, r); e != nil || err != nil {
				return e, err
			}
		}
	}
	origL, origR := l, r
	l, r, err := Unify(l, r, op.String())
	if err != nil {
		return nil, err
	}
	t := l.Type()
	if !isNumber(t) {
		return nil, errUndefinedOperator(op.String(), t, r.Type())
	}
	if op == Mod && (t.Kind == vec.KindFloat32 || t.Kind == vec.KindFloat64) {
		// PostgreSQL has no % for real or double precision, and names
		// the operand types as written.
		return nil, errUndefinedOperatorNames(op, origL, origR)
	}
	switch t.Kind {
	case vec.KindNumeric:
		// Unify aligned the scales for comparison; multiplication and
		// division work on each side's own scale (an integer's is 0, as
		// in PostgreSQL: 1.25 * 2 is 2.50).
		ls, rs := ownScale(origL, l), ownScale(origR, r)
		switch op {
		case Mul:
			if ls+rs > vec.MaxNumericPrecision {
				return nil, sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric product of scales %d and %d exceeds %d decimals", ls, rs, vec.MaxNumericPrecision)
			}
			t = vec.Type{Kind: vec.KindNumeric, Scale: ls + rs}
			if l, err = atOwnScale(origL, l, ls); err != nil {
				return nil, err
			}
			if r, err = atOwnScale(origR, r, rs); err != nil {
				return nil, err
			}
		case Div:
			// The quotient has PostgreSQL's per-value scale, so it is
			// a KindDecimal; the kernel reads both sides as they are.
			t = vec.DecimalOf(max(ls, rs, decimalDivScale))
			if l, err = atOwnScale(origL, l, ls); err != nil {
				return nil, err
			}
			if r, err = atOwnScale(origR, r, rs); err != nil {
				return nil, err
			}
		default:
			// Addition, subtraction and remainder work at the common
			// scale Unify aligned both sides to.
			t = vec.Type{Kind: vec.KindNumeric, Scale: max(ls, rs)}
		}
	case vec.KindDecimal:
		// Unify made both sides KindDecimal, each value with its own
		// scale; only the nominal scale is decided here.
		ls, rs := nominalScale(origL), nominalScale(origR)
		switch op {
		case Mul:
			t = vec.DecimalOf(min(ls+rs, decimal.MaxScale))
		case Div:
			t = vec.DecimalOf(max(ls, rs, decimalDivScale))
		default:
			t = vec.DecimalOf(max(ls, rs))
		}
	}
	e := &Arith{Op: op, L: l, R: r, typ: t}
	if _, lk := l.(*Const); lk {
		if _, rk := r.(*Const); rk {
			// A constant that fails (1/0) is left to fail when, and only
			// if, a row reaches it: CASE WHEN false THEN 1/0 ... is fine.
			if k, err := FoldConstants(e, nil); err == nil {
				return k, nil
			}
		}
	}
	return e, nil
}

// unwrapRescale strips a numeric→numeric cast Unify added, so that
// multiplication and division see the original scale.
func unwrapRescale(e Expr) Expr {
	if c, ok := e.(*Cast); ok && c.To.Kind == vec.KindNumeric && c.In.Type().Kind == vec.KindNumeric && c.To.Precision == 0 {
		return c.In
	}
	return e
}

func numericScaleOf(e Expr) int32 { return unwrapRescale(e).Type().Scale }

// ownScale is the scale an operand has before Unify aligned it: 0 for an
// integer, its own for a numeric; unified is the operand after Unify.
func ownScale(orig, unified Expr) int32 {
	switch orig.Type().Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		if k, ok := orig.(*Const); !ok || !k.Untyped {
			return 0
		}
	}
	return numericScaleOf(unified)
}

// nominalScale is the scale an operand of KindDecimal arithmetic brings
// to the result's nominal scale: a literal's written decimals, a number
// type's scale.
func nominalScale(orig Expr) int32 {
	if k, ok := orig.(*Const); ok && k.Untyped {
		return literalScale(k)
	}
	return numberScale(orig.Type())
}

// atOwnScale returns the operand as a numeric of its own scale.
func atOwnScale(orig, unified Expr, scale int32) (Expr, error) {
	switch orig.Type().Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		if k, ok := orig.(*Const); !ok || !k.Untyped {
			return Coerce(orig, vec.Type{Kind: vec.KindNumeric, Scale: scale})
		}
	}
	return unwrapRescale(unified), nil
}

func (e *Arith) Type() vec.Type { return e.typ }

func (e *Arith) String() string { return fmt.Sprintf("(%s %s %s)", e.L, e.Op, e.R) }

func (e *Arith) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	lv, err := e.L.Eval(c, b)
	if err != nil {
		return nil, err
	}
	rv, err := e.R.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(e.typ, n)
	out.Nulls.CopyFrom(&lv.Nulls, n)
	out.Nulls.Or(&rv.Nulls, n)
	sel := Sel(b)
	var nulls *vec.Nulls
	if out.Nulls.Any() {
		nulls = &out.Nulls
	}
	switch e.typ.Kind {
	case vec.KindInt16:
		err = arithInt(e.Op, lv.Int16s(), rv.Int16s(), out.Int16s(), sel, nulls, vec.Int16)
	case vec.KindInt32:
		err = arithInt(e.Op, lv.Int32s(), rv.Int32s(), out.Int32s(), sel, nulls, vec.Int32)
	case vec.KindInt64:
		err = arithInt64(e.Op, lv.Int64s(), rv.Int64s(), out.Int64s(), sel, nulls)
	case vec.KindFloat32:
		err = arithFloat(e.Op, lv.Float32s(), rv.Float32s(), out.Float32s(), sel, nulls)
	case vec.KindFloat64:
		err = arithFloat(e.Op, lv.Float64s(), rv.Float64s(), out.Float64s(), sel, nulls)
	case vec.KindNumeric:
		err = arithNumeric(e.Op, lv, rv, out, sel, nulls)
	case vec.KindDecimal:
		if lv.Type.Kind == vec.KindNumeric {
			// narrow / narrow, the operands at their own scales.
			err = divNarrow(lv.Int64s(), rv.Int64s(), lv.Type.Scale, rv.Type.Scale, out.Decimals(), sel, nulls)
		} else {
			err = arithDecimal(e.Op, lv.Decimals(), rv.Decimals(), out.Decimals(), sel, nulls)
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func errDivByZero() error { return sqlerr.New(sqlerr.DivisionByZero, "division by zero") }

// arithInt computes small-integer arithmetic in int64 and checks the result
// fits the type.
func arithInt[T int16 | int32](op ArithOp, a, b, out []T, sel []int32, nulls *vec.Nulls, t vec.Type) error {
	lo, hi := int64(math.MinInt32), int64(math.MaxInt32)
	if t.Kind == vec.KindInt16 {
		lo, hi = math.MinInt16, math.MaxInt16
	}
	if op == Add || op == Sub || op == Mul {
		// A typed loop over the selected rows, NULLs included; only when
		// some row is out of range are the rows redone one by one below,
		// so that a NULL row's arbitrary stored value raises no error.
		if narrowFast(op, a, b, out, sel, lo, hi) {
			return nil
		}
	}
	return eachRow(len(out), sel, nulls, func(i int) error {
		x, y := int64(a[i]), int64(b[i])
		var r int64
		switch op {
		case Add:
			r = x + y
		case Sub:
			r = x - y
		case Mul:
			r = x * y
		case Div:
			if y == 0 {
				return errDivByZero()
			}
			r = x / y
		case Mod:
			if y == 0 {
				return errDivByZero()
			}
			r = x % y
		}
		if r < lo || r > hi {
			return ErrIntRange(t)
		}
		out[i] = T(r)
		return nil
	})
}

func arithInt64(op ArithOp, a, b, out []int64, sel []int32, nulls *vec.Nulls) error {
	if (op == Add || op == Sub || op == Mul) && int64Fast(op, a, b, out, sel) {
		return nil
	}
	return eachRow(len(out), sel, nulls, func(i int) error {
		r, ok := int64Op(op, a[i], b[i])
		if !ok {
			if (op == Div || op == Mod) && b[i] == 0 {
				return errDivByZero()
			}
			return ErrIntRange(vec.Int64)
		}
		out[i] = r
		return nil
	})
}

// int64Fast applies Add, Sub or Mul to the rows of sel (every row when nil),
// NULLs included, in typed loops without a branch per row. It reports
// false when some row overflowed; the caller then redoes the rows one by
// one, skipping NULLs, whose stored values are arbitrary, to report the
// error of a live row if there is one.
func int64Fast(op ArithOp, a, b, out []int64, sel []int32) bool {
	var bad int64 // negative once a row overflowed
	switch {
	case op == Add && sel == nil:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			r := a[i] + b[i]
			bad |= (r ^ a[i]) & (r ^ b[i])
			out[i] = r
		}
	case op == Add:
		for _, i := range sel {
			r := a[i] + b[i]
			bad |= (r ^ a[i]) & (r ^ b[i])
			out[i] = r
		}
	case op == Sub && sel == nil:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			r := a[i] - b[i]
			bad |= (a[i] ^ b[i]) & (r ^ a[i])
			out[i] = r
		}
	case op == Sub:
		for _, i := range sel {
			r := a[i] - b[i]
			bad |= (a[i] ^ b[i]) & (r ^ a[i])
			out[i] = r
		}
	case sel == nil:
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			out[i] = mulChecked(a[i], b[i], &bad)
		}
	default:
		for _, i := range sel {
			out[i] = mulChecked(a[i], b[i], &bad)
		}
	}
	return bad >= 0
}

// mulChecked returns x*y, making *bad negative when the product overflows:
// the full 128-bit product's high half must be the low half's sign.
func mulChecked(x, y int64, bad *int64) int64 {
	hi, lo := bits.Mul64(uint64(x), uint64(y))
	// Unsigned to signed high half: subtract y when x < 0 and x when y < 0.
	hi -= uint64(x>>63)&uint64(y) + uint64(y>>63)&uint64(x)
	if hi != uint64(int64(lo)>>63) {
		*bad = -1
	}
	return int64(lo)
}

// narrowFast is int64Fast for smallint and integer, computed in int64 and
// checked against the type's range lo..hi.
func narrowFast[T int16 | int32](op ArithOp, a, b, out []T, sel []int32, lo, hi int64) bool {
	bad := false
	if sel == nil {
		a, b = a[:len(out)], b[:len(out)]
		for i := range out {
			r := narrowOp(op, a[i], b[i])
			bad = bad || r < lo || r > hi
			out[i] = T(r)
		}
		return !bad
	}
	for _, i := range sel {
		r := narrowOp(op, a[i], b[i])
		bad = bad || r < lo || r > hi
		out[i] = T(r)
	}
	return !bad
}

// narrowOp is x op y for Add, Sub or Mul in int64, where two smallints or
// integers cannot overflow.
func narrowOp[T int16 | int32](op ArithOp, x, y T) int64 {
	switch op {
	case Add:
		return int64(x) + int64(y)
	case Sub:
		return int64(x) - int64(y)
	}
	return int64(x) * int64(y)
}

// int64Op applies op, reporting overflow and division by zero as !ok.
func int64Op(op ArithOp, x, y int64) (int64, bool) {
	switch op {
	case Add:
		r := x + y
		return r, (r^x)&(r^y) >= 0
	case Sub:
		r := x - y
		return r, (x^y)&(r^x) >= 0
	case Mul:
		if x == 0 || y == 0 {
			return 0, true
		}
		r := x * y
		if r/y != x || (x == -1 && y == math.MinInt64) || (y == -1 && x == math.MinInt64) {
			return 0, false
		}
		return r, true
	case Div:
		if y == 0 || (y == -1 && x == math.MinInt64) {
			return 0, false
		}
		return x / y, true
	case Mod:
		if y == 0 {
			return 0, false
		}
		if y == -1 {
			return 0, true
		}
		return x % y, true
	}
	return 0, false
}

// arithNumeric is +, -, * and % on narrow numerics (division gives a
// KindDecimal: divNarrow).
func arithNumeric(op ArithOp, lv, rv, out *vec.Vec, sel []int32, nulls *vec.Nulls) error {
	a, b, o := lv.Int64s(), rv.Int64s(), out.Int64s()
	t := out.Type
	switch op {
	case Add, Sub, Mul:
		// Unify gave both sides of + and - the result's scale; a product
		// of the sides' own scales has their sum, the result's.
		if int64Fast(op, a, b, o, sel) {
			return nil
		}
		return eachRow(len(o), sel, nulls, func(i int) error {
			r, ok := int64Op(op, a[i], b[i])
			if !ok {
				return numericOverflow(t)
			}
			o[i] = r
			return nil
		})
	case Mod:
		// Both at the common scale: the remainder keeps it.
		return eachRow(len(o), sel, nulls, func(i int) error {
			if b[i] == 0 {
				return errDivByZero()
			}
			o[i] = a[i] % b[i]
			return nil
		})
	}
	return sqlerr.New(sqlerr.InternalError, "numeric operator %s has no narrow kernel", op)
}

// eachRow runs f on live, non-NULL rows, stopping at the first error.
func eachRow(n int, sel []int32, nulls *vec.Nulls, f func(i int) error) error {
	if sel == nil {
		for i := 0; i < n; i++ {
			if nulls != nil && nulls.IsNull(i) {
				continue
			}
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	for _, i := range sel {
		if nulls != nil && nulls.IsNull(int(i)) {
			continue
		}
		if err := f(int(i)); err != nil {
			return err
		}
	}
	return nil
}

// Neg is unary minus.
type Neg struct{ In Expr }

// NewNeg builds -e.
func NewNeg(e Expr) (Expr, error) {
	if k, ok := e.(*Const); ok && k.Untyped {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator is not unique: - unknown")
	}
	t := e.Type()
	if !isNumber(t) && t.Kind != vec.KindInterval {
		return nil, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: - %s", t).
			WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
	}
	n := &Neg{In: e}
	if k, ok := e.(*Const); ok {
		return foldConst(n, k)
	}
	return n, nil
}

func (e *Neg) Type() vec.Type { return e.In.Type() }
func (e *Neg) String() string { return fmt.Sprintf("(-%s)", e.In) }

func (e *Neg) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	in, err := e.In.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	t := in.Type
	out := c.Alloc(t, n)
	out.Nulls.CopyFrom(&in.Nulls, n)
	var nulls *vec.Nulls
	if out.Nulls.Any() {
		nulls = &out.Nulls
	}
	sel := Sel(b)
	switch t.Kind {
	case vec.KindInt16:
		s, o := in.Int16s(), out.Int16s()
		err = eachRow(n, sel, nulls, func(i int) error {
			if s[i] == math.MinInt16 {
				return ErrIntRange(t)
			}
			o[i] = -s[i]
			return nil
		})
	case vec.KindInt32:
		s, o := in.Int32s(), out.Int32s()
		err = eachRow(n, sel, nulls, func(i int) error {
			if s[i] == math.MinInt32 {
				return ErrIntRange(t)
			}
			o[i] = -s[i]
			return nil
		})
	case vec.KindInt64, vec.KindNumeric:
		s, o := in.Int64s(), out.Int64s()
		err = eachRow(n, sel, nulls, func(i int) error {
			if s[i] == math.MinInt64 {
				return ErrIntRange(t)
			}
			o[i] = -s[i]
			return nil
		})
	case vec.KindDecimal:
		s, o := in.Decimals(), out.Decimals()
		forRows(n, sel, func(i int) { o[i] = s[i].Neg() })
	case vec.KindFloat32:
		s, o := in.Float32s(), out.Float32s()
		err = eachRow(n, sel, nulls, func(i int) error { o[i] = -s[i]; return nil })
	case vec.KindFloat64:
		s, o := in.Float64s(), out.Float64s()
		err = eachRow(n, sel, nulls, func(i int) error { o[i] = -s[i]; return nil })
	case vec.KindInterval:
		s, o := in.Intervals(), out.Intervals()
		err = eachRow(n, sel, nulls, func(i int) error {
			o[i] = vec.Interval{Months: -s[i].Months, Days: -s[i].Days, Micros: -s[i].Micros}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}
