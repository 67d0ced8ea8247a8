package expr

import (
	"fmt"
	"math"
	"math/bits"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Cast converts its input to type To. Explicit casts (CAST, ::) and the
// implicit coercions the planner inserts both build Casts; which
// conversions are allowed implicitly is decided by Unify and the planner.
type Cast struct {
	In Expr
	To vec.Type
	fn castFunc
}

// castFunc converts the live rows of in into out (prepared with n rows, or
// empty for variable-length types).
type castFunc func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error

// NewCast returns an expression converting e to t. A cast of a constant is
// folded at once, so a bad literal fails while planning, as in PostgreSQL.
func NewCast(e Expr, t vec.Type) (Expr, error) {
	from := e.Type()
	if k, ok := e.(*Const); ok && k.Untyped {
		return castLiteral(k, t)
	}
	if from == t {
		return e, nil
	}
	fn, err := castFor(from, t)
	if err != nil {
		return nil, err
	}
	cast := &Cast{In: e, To: t, fn: fn}
	if k, ok := e.(*Const); ok && !castNeedsEnv(from, t) && !castFollowsSettings(from, t) {
		return foldConst(cast, k)
	}
	return cast, nil
}

// NewAssignment converts e for storing in a column of type t, as
// PostgreSQL's assignment casts do: like NewCast, except that a value too
// long for varchar(n) or char(n) is an error (22001), not cut short.
func NewAssignment(e Expr, t vec.Type) (Expr, error) {
	if t.Kind != vec.KindText || t.Width <= 0 {
		return NewCast(e, t)
	}
	text, err := NewCast(e, vec.Text)
	if err != nil {
		return nil, err
	}
	return &Cast{In: text, To: t, fn: fitText(t)}, nil
}

// fitText stores text into varchar(n) or char(n) with FitText's checks.
func fitText(t vec.Type) castFunc {
	return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
		out.Nulls.CopyFrom(&in.Nulls, n)
		src := in.Bytes()
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			b, err := vec.FitText(bytesAsString(src.Get(i)), t)
			if err != nil {
				return dst, err
			}
			return append(dst, b...), nil
		})
	}
}

// castLiteral reads an untyped literal as type t.
func castLiteral(k *Const, t vec.Type) (Expr, error) {
	k.infer(t)
	if k.IsNull() {
		return NullConst(t), nil
	}
	if t.Kind == vec.KindText && t.Width == 0 && t.Variant == 0 {
		return &Const{Val: k.Val}, nil
	}
	if t.Variant == vec.OIDPgNodeTree {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "cannot accept a value of type pg_node_tree")
	}
	if readsNames(t) {
		if _, numeric, _ := regNumeric(strings.TrimSpace(string(k.Val.Bytes().Get(0)))); !numeric {
			// A name: the Env's catalog reads it when the planner folds
			// the cast or the query runs.
			fn, err := castFor(vec.Text, t)
			if err != nil {
				return nil, err
			}
			return &Cast{In: &Const{Val: k.Val}, To: t, fn: fn}, nil
		}
	}
	v, err := vec.ParseText(t, string(k.Val.Bytes().Get(0)), k.Loc)
	if err != nil {
		return nil, err
	}
	return &Const{Val: v}, nil
}

// foldConst evaluates an expression over a constant once.
func foldConst(e Expr, k *Const) (Expr, error) {
	c := NewCtx(nil)
	b := &vec.Batch{Cols: []*vec.Vec{k.Val}, Len: 1}
	v, err := e.Eval(c, b)
	if err != nil {
		return nil, err
	}
	out := vec.New(v.Type, 1)
	out.AppendFrom(v, 0)
	return &Const{Val: out}, nil
}

// FoldConstants evaluates e now when it reads no columns and depends on
// nothing that changes between rows, returning a Const; otherwise it
// returns e unchanged. env supplies the time zone and statement time.
func FoldConstants(e Expr, env *Env) (Expr, error) {
	if _, ok := e.(*Const); ok || !IsConstant(e) {
		return e, nil
	}
	c := NewCtx(env)
	v, err := e.Eval(c, &vec.Batch{Len: 1})
	if err != nil {
		return nil, err
	}
	out := vec.New(v.Type, 1)
	out.AppendFrom(v, 0)
	return &Const{Val: out}, nil
}

func (e *Cast) Type() vec.Type { return e.To }

func (e *Cast) String() string { return fmt.Sprintf("(%s)::%s", e.In, e.To) }

func (e *Cast) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	in, err := e.In.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(e.To, n)
	if err := e.fn(c, in, out, n, Sel(b)); err != nil {
		return nil, err
	}
	if k := e.To.Kind; k != vec.KindText && k != vec.KindBytea {
		out.Nulls.CopyFrom(&in.Nulls, n)
	}
	return out, nil
}

// castOtherHook lets the text and date/time conversions (cast_other.go)
// join the numeric ones here.
var castOtherHook func(from, to vec.Type) (castFunc, error)

func castFor(from, to vec.Type) (castFunc, error) {
	if fn, ok, err := castPG(from, to); ok || err != nil {
		return fn, err
	}
	if isNumber(from) && isNumber(to) {
		return numberCast(from, to), nil
	}
	if castOtherHook != nil {
		return castOtherHook(from, to)
	}
	return nil, errCannotCast(from, to)
}

func errCannotCast(from, to vec.Type) error {
	return sqlerr.New(sqlerr.CannotCoerce, "cannot cast type %s to %s", from, to)
}

func isNumber(t vec.Type) bool {
	if t.Variant != 0 || t.Shape != vec.ShapeScalar {
		return false // oid and the reg* types have no arithmetic
	}
	switch t.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDecimal, vec.KindFloat32, vec.KindFloat64:
		return true
	}
	return false
}

// numberRank orders the numeric types by PostgreSQL's implicit promotion.
func numberRank(t vec.Type) int {
	switch t.Kind {
	case vec.KindInt16:
		return 1
	case vec.KindInt32:
		return 2
	case vec.KindInt64:
		return 3
	case vec.KindNumeric, vec.KindDecimal:
		return 4
	case vec.KindFloat32:
		return 5
	case vec.KindFloat64:
		return 6
	}
	return 0
}

// rowsOf iterates the live rows skipping NULLs: conversions that can fail
// must not fail on the zero a NULL slot holds.
func rowsOf(in *vec.Vec, n int, sel []int32, f func(i int) error) error {
	hasNulls := in.Nulls.Any()
	if sel == nil {
		for i := 0; i < n; i++ {
			if hasNulls && in.Nulls.IsNull(i) {
				continue
			}
			if err := f(i); err != nil {
				return err
			}
		}
		return nil
	}
	for _, i := range sel {
		if hasNulls && in.Nulls.IsNull(int(i)) {
			continue
		}
		if err := f(int(i)); err != nil {
			return err
		}
	}
	return nil
}

// readInt returns a function reading an integer-kind vector as int64.
func intsOf(v *vec.Vec) func(i int) int64 {
	switch v.Type.Kind {
	case vec.KindInt16:
		s := v.Int16s()
		return func(i int) int64 { return int64(s[i]) }
	case vec.KindInt32:
		s := v.Int32s()
		return func(i int) int64 { return int64(s[i]) }
	}
	s := v.Int64s()
	return func(i int) int64 { return s[i] }
}

func floatsOf(v *vec.Vec) func(i int) float64 {
	if v.Type.Kind == vec.KindFloat32 {
		s := v.Float32s()
		return func(i int) float64 { return float64(s[i]) }
	}
	s := v.Float64s()
	return func(i int) float64 { return s[i] }
}

// ErrIntRange is the error for a value outside an integer type.
func ErrIntRange(t vec.Type) error {
	return sqlerr.New(sqlerr.NumericValueOutOfRange, "%s out of range", t)
}

// storeInt writes x to row i of an integer vector, checking the range.
func storeInt(out *vec.Vec, i int, x int64) error {
	switch out.Type.Kind {
	case vec.KindInt16:
		if x < math.MinInt16 || x > math.MaxInt16 {
			return ErrIntRange(out.Type)
		}
		out.Int16s()[i] = int16(x)
	case vec.KindInt32:
		if x < math.MinInt32 || x > math.MaxInt32 {
			return ErrIntRange(out.Type)
		}
		out.Int32s()[i] = int32(x)
	default:
		out.Int64s()[i] = x
	}
	return nil
}

func numberCast(from, to vec.Type) castFunc {
	if to.Kind == vec.KindDecimal && to.Precision > 0 {
		return typmodDecimalCast(from, to)
	}
	if from.Kind == vec.KindDecimal || to.Kind == vec.KindDecimal {
		return decimalCast(from, to)
	}
	fromInt := from.Kind == vec.KindInt16 || from.Kind == vec.KindInt32 || from.Kind == vec.KindInt64
	toInt := to.Kind == vec.KindInt16 || to.Kind == vec.KindInt32 || to.Kind == vec.KindInt64
	fromFloat := from.Kind == vec.KindFloat32 || from.Kind == vec.KindFloat64
	switch {
	case fromInt && toInt:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get := intsOf(in)
			return rowsOf(in, n, sel, func(i int) error { return storeInt(out, i, get(i)) })
		}
	case fromInt && to.Kind == vec.KindNumeric:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := intsOf(in), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				x, err := RescaleNumeric(get(i), 0, to)
				o[i] = x
				return err
			})
		}
	case from.Kind == vec.KindNumeric && to.Kind == vec.KindNumeric:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				x, err := RescaleNumeric(s[i], from.Scale, to)
				o[i] = x
				return err
			})
		}
	case from.Kind == vec.KindNumeric && toInt:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, p := in.Int64s(), vec.Pow10(from.Scale)
			return rowsOf(in, n, sel, func(i int) error { return storeInt(out, i, divRound(s[i], p)) })
		}
	case !fromFloat && to.Kind == vec.KindFloat64:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			o := out.Float64s()
			if from.Kind == vec.KindNumeric {
				s, p := in.Int64s(), float64(vec.Pow10(from.Scale))
				return rowsOf(in, n, sel, func(i int) error { o[i] = float64(s[i]) / p; return nil })
			}
			get := intsOf(in)
			return rowsOf(in, n, sel, func(i int) error { o[i] = float64(get(i)); return nil })
		}
	case !fromFloat && to.Kind == vec.KindFloat32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			o := out.Float32s()
			if from.Kind == vec.KindNumeric {
				s, p := in.Int64s(), float64(vec.Pow10(from.Scale))
				return rowsOf(in, n, sel, func(i int) error { o[i] = float32(float64(s[i]) / p); return nil })
			}
			get := intsOf(in)
			return rowsOf(in, n, sel, func(i int) error { o[i] = float32(get(i)); return nil })
		}
	case fromFloat && to.Kind == vec.KindFloat64:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := floatsOf(in), out.Float64s()
			return rowsOf(in, n, sel, func(i int) error { o[i] = get(i); return nil })
		}
	case fromFloat && to.Kind == vec.KindFloat32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := floatsOf(in), out.Float32s()
			return rowsOf(in, n, sel, func(i int) error {
				f := get(i)
				if !math.IsInf(f, 0) && !math.IsNaN(f) && math.Abs(f) > math.MaxFloat32 {
					return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
				}
				o[i] = float32(f)
				return nil
			})
		}
	case fromFloat && toInt:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get := floatsOf(in)
			return rowsOf(in, n, sel, func(i int) error {
				f := math.RoundToEven(get(i))
				if math.IsNaN(f) || f < -9.223372036854775808e18 || f >= 9.223372036854775808e18 {
					return ErrIntRange(to)
				}
				return storeInt(out, i, int64(f))
			})
		}
	case fromFloat && to.Kind == vec.KindNumeric:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := floatsOf(in), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				f := get(i)
				if err := floatNotNumeric(f); err != nil {
					return err
				}
				x := math.Round(f * float64(vec.Pow10(to.Scale)))
				if math.Abs(x) >= 9.2e18 {
					return numericOverflow(to)
				}
				if err := checkPrecision(int64(x), to); err != nil {
					return err
				}
				o[i] = int64(x)
				return nil
			})
		}
	}
	return func(*Ctx, *vec.Vec, *vec.Vec, int, []int32) error { return errCannotCast(from, to) }
}

// divRound divides rounding half away from zero, as numeric rounding does.
func divRound(x, p int64) int64 {
	if p == 1 {
		return x
	}
	q, r := x/p, x%p
	if r < 0 {
		r = -r
	}
	if 2*r >= p {
		if x < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// RescaleNumeric converts x, a numeric with fromScale decimals, to type to:
// rounding half away from zero when decimals are dropped and failing with
// 22003 when the value does not fit to's precision or 18 digits.
func RescaleNumeric(x int64, fromScale int32, to vec.Type) (int64, error) {
	switch d := to.Scale - fromScale; {
	case d > 0:
		p := vec.Pow10(d)
		hi, lo := bits.Mul64(uint64(abs64(x)), uint64(p))
		if hi != 0 || lo > math.MaxInt64 {
			return 0, numericOverflow(to)
		}
		if x < 0 {
			x = -int64(lo)
		} else {
			x = int64(lo)
		}
	case d < 0:
		x = divRound(x, vec.Pow10(-d))
	}
	return x, checkPrecision(x, to)
}

func checkPrecision(x int64, t vec.Type) error {
	if t.Precision > 0 && t.Precision < vec.MaxNumericPrecision+1 {
		if limit := vec.Pow10(t.Precision); abs64(x) >= limit {
			return numericOverflow(t)
		}
	}
	return nil
}

func numericOverflow(t vec.Type) error {
	e := sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow")
	if t.Precision > 0 {
		if w := t.Precision - t.Scale; w > 0 {
			return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 10^%d.", t.Precision, t.Scale, w)
		}
		return e.WithDetail("A field with precision %d, scale %d must round to an absolute value less than 1.", t.Precision, t.Scale)
	}
	return e.WithDetail("Apiary's numeric holds at most %d digits.", vec.MaxNumericPrecision)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
