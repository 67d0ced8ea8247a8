package expr

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// CmpOp is a comparison operator.
type CmpOp uint8

// The comparison operators.
const (
	EQ CmpOp = iota
	NE
	LT
	LE
	GT
	GE
)

var cmpNames = [...]string{"=", "<>", "<", "<=", ">", ">="}

func (op CmpOp) String() string { return cmpNames[op] }

// Commute returns the operator with its operands swapped: a < b is b > a.
func (op CmpOp) Commute() CmpOp {
	switch op {
	case LT:
		return GT
	case LE:
		return GE
	case GT:
		return LT
	case GE:
		return LE
	}
	return op
}

// Negate returns the operator's complement: NOT (a < b) is a >= b.
func (op CmpOp) Negate() CmpOp {
	return [...]CmpOp{NE, EQ, GE, GT, LE, LT}[op]
}

// Compare is a comparison of two expressions of the same type. A NULL operand
// gives NULL.
type Compare struct {
	Op   CmpOp
	L, R Expr
}

// NewCompare builds l op r, coercing the operands to a common type as
// PostgreSQL does (integers widen, integers meet numeric as numeric, anything
// numeric meets a float as double precision, an untyped literal takes the
// other side's type).
func NewCompare(op CmpOp, l, r Expr) (Expr, error) {
	r = PadForBlank(l, r)
	l = PadForBlank(r, l)
	l, r, err := Unify(l, r, op.String())
	if err != nil {
		return nil, err
	}
	if nl, nr, ok := dateAtMidnight(l, r); ok {
		l, r = nl, nr
	} else if nr, nl, ok := dateAtMidnight(r, l); ok {
		l, r = nl, nr
	}
	return &Compare{Op: op, L: l, R: r}, nil
}

// dateAtMidnight rewrites date_col::timestamp op 'YYYY-MM-DD 00:00' as
// date_col op 'YYYY-MM-DD': the same answer without a cast per row, and a
// comparison of a column with a constant of its own type, which scans can
// use to prune cells (date '1998-12-01' - interval '90' day is a
// timestamp in PostgreSQL).
func dateAtMidnight(castSide, constSide Expr) (Expr, Expr, bool) {
	c, ok := castSide.(*Cast)
	if !ok || c.To.Kind != vec.KindTimestamp || c.In.Type().Kind != vec.KindDate {
		return nil, nil, false
	}
	k, ok := constSide.(*Const)
	if !ok || k.IsNull() || k.Val.Type.Kind != vec.KindTimestamp {
		return nil, nil, false
	}
	const microsPerDay = 86400_000_000
	us := k.Val.Int64s()[0]
	if us%microsPerDay != 0 || us/microsPerDay < math.MinInt32 || us/microsPerDay > math.MaxInt32 {
		return nil, nil, false
	}
	d := vec.New(vec.Date, 1)
	d.AppendInt32(int32(us / microsPerDay))
	return c.In, &Const{Val: d}, true
}

func (e *Compare) Type() vec.Type { return vec.Bool }

func (e *Compare) String() string {
	return fmt.Sprintf("(%s %s %s)", e.L, e.Op, e.R)
}

func (e *Compare) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	sel := Sel(b)
	lv, err := e.L.Eval(c, b)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(vec.Bool, n)
	res := out.Bools()
	if k, ok := e.R.(*Const); ok {
		if k.IsNull() {
			setAllNull(out, n)
			return out, nil
		}
		compareScalar(e.Op, lv, k.Val, res, sel)
		out.Nulls.CopyFrom(&lv.Nulls, n)
		return out, nil
	}
	rv, err := e.R.Eval(c, b)
	if err != nil {
		return nil, err
	}
	compareVectors(e.Op, lv, rv, res, sel)
	out.Nulls.CopyFrom(&lv.Nulls, n)
	out.Nulls.Or(&rv.Nulls, n)
	return out, nil
}

func setAllNull(v *vec.Vec, n int) {
	for i := 0; i < n; i++ {
		v.Nulls.SetNull(i)
	}
}

type ordered interface {
	~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

type float interface{ ~float32 | ~float64 }

func compareVectors(op CmpOp, l, r *vec.Vec, out []bool, sel []int32) {
	switch l.Type.Kind {
	case vec.KindBool:
		lb, rb := l.Bools(), r.Bools()
		forRows(len(out), sel, func(i int) { out[i] = cmpBool(op, lb[i], rb[i]) })
	case vec.KindInt16:
		cmpVV(op, l.Int16s(), r.Int16s(), out, sel)
	case vec.KindInt32, vec.KindDate:
		cmpVV(op, l.Int32s(), r.Int32s(), out, sel)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		cmpVV(op, l.Int64s(), r.Int64s(), out, sel)
	case vec.KindFloat32:
		cmpFloatVV(op, l.Float32s(), r.Float32s(), out, sel)
	case vec.KindFloat64:
		cmpFloatVV(op, l.Float64s(), r.Float64s(), out, sel)
	case vec.KindText, vec.KindBytea:
		lb, rb := l.Bytes(), r.Bytes()
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, bytes.Compare(lb.Get(i), rb.Get(i))) })
	case vec.KindInterval:
		lv, rv := l.Intervals(), r.Intervals()
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, CompareIntervals(lv[i], rv[i])) })
	case vec.KindDecimal:
		cmpDecimalVV(op, l.Decimals(), r.Decimals(), out, sel)
	}
}

func compareScalar(op CmpOp, l, k *vec.Vec, out []bool, sel []int32) {
	switch l.Type.Kind {
	case vec.KindBool:
		lb, x := l.Bools(), k.Bools()[0]
		forRows(len(out), sel, func(i int) { out[i] = cmpBool(op, lb[i], x) })
	case vec.KindInt16:
		cmpVS(op, l.Int16s(), k.Int16s()[0], out, sel)
	case vec.KindInt32, vec.KindDate:
		cmpVS(op, l.Int32s(), k.Int32s()[0], out, sel)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		cmpVS(op, l.Int64s(), k.Int64s()[0], out, sel)
	case vec.KindFloat32:
		x := k.Float32s()[0]
		lv := l.Float32s()
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, compareFloat(lv[i], x)) })
	case vec.KindFloat64:
		x := k.Float64s()[0]
		lv := l.Float64s()
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, compareFloat(lv[i], x)) })
	case vec.KindText, vec.KindBytea:
		lb, x := l.Bytes(), k.Bytes().Get(0)
		if op == EQ || op == NE {
			want := op == EQ
			forRows(len(out), sel, func(i int) { out[i] = bytes.Equal(lb.Get(i), x) == want })
			return
		}
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, bytes.Compare(lb.Get(i), x)) })
	case vec.KindInterval:
		lv, x := l.Intervals(), k.Intervals()[0]
		forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, CompareIntervals(lv[i], x)) })
	case vec.KindDecimal:
		cmpDecimalVS(op, l.Decimals(), k.Decimals()[0], out, sel)
	}
}

// cmpBool compares booleans with false < true.
func cmpBool(op CmpOp, a, b bool) bool {
	switch op {
	case EQ:
		return a == b
	case NE:
		return a != b
	case LT:
		return !a && b
	case LE:
		return !a || b
	case GT:
		return a && !b
	}
	return a || !b
}

func cmpResult(op CmpOp, c int) bool {
	switch op {
	case EQ:
		return c == 0
	case NE:
		return c != 0
	case LT:
		return c < 0
	case LE:
		return c <= 0
	case GT:
		return c > 0
	}
	return c >= 0
}

// forRows calls f for each live physical row. It is for kernels whose per
// row work dwarfs a call (strings, intervals); numeric kernels loop inline.
func forRows(n int, sel []int32, f func(i int)) {
	if sel == nil {
		for i := 0; i < n; i++ {
			f(i)
		}
		return
	}
	for _, i := range sel {
		f(int(i))
	}
}

func cmpVV[T ordered](op CmpOp, a, b []T, out []bool, sel []int32) {
	if sel == nil {
		a, b = a[:len(out)], b[:len(out)]
		switch op {
		case EQ:
			for i := range out {
				out[i] = a[i] == b[i]
			}
		case NE:
			for i := range out {
				out[i] = a[i] != b[i]
			}
		case LT:
			for i := range out {
				out[i] = a[i] < b[i]
			}
		case LE:
			for i := range out {
				out[i] = a[i] <= b[i]
			}
		case GT:
			for i := range out {
				out[i] = a[i] > b[i]
			}
		case GE:
			for i := range out {
				out[i] = a[i] >= b[i]
			}
		}
		return
	}
	switch op {
	case EQ:
		for _, i := range sel {
			out[i] = a[i] == b[i]
		}
	case NE:
		for _, i := range sel {
			out[i] = a[i] != b[i]
		}
	case LT:
		for _, i := range sel {
			out[i] = a[i] < b[i]
		}
	case LE:
		for _, i := range sel {
			out[i] = a[i] <= b[i]
		}
	case GT:
		for _, i := range sel {
			out[i] = a[i] > b[i]
		}
	case GE:
		for _, i := range sel {
			out[i] = a[i] >= b[i]
		}
	}
}

func cmpVS[T ordered](op CmpOp, a []T, x T, out []bool, sel []int32) {
	if sel == nil {
		a = a[:len(out)]
		switch op {
		case EQ:
			for i := range out {
				out[i] = a[i] == x
			}
		case NE:
			for i := range out {
				out[i] = a[i] != x
			}
		case LT:
			for i := range out {
				out[i] = a[i] < x
			}
		case LE:
			for i := range out {
				out[i] = a[i] <= x
			}
		case GT:
			for i := range out {
				out[i] = a[i] > x
			}
		case GE:
			for i := range out {
				out[i] = a[i] >= x
			}
		}
		return
	}
	switch op {
	case EQ:
		for _, i := range sel {
			out[i] = a[i] == x
		}
	case NE:
		for _, i := range sel {
			out[i] = a[i] != x
		}
	case LT:
		for _, i := range sel {
			out[i] = a[i] < x
		}
	case LE:
		for _, i := range sel {
			out[i] = a[i] <= x
		}
	case GT:
		for _, i := range sel {
			out[i] = a[i] > x
		}
	case GE:
		for _, i := range sel {
			out[i] = a[i] >= x
		}
	}
}

// compareFloat orders floats as PostgreSQL does: NaN equals NaN and sorts
// above every other value, and -0 equals 0.
func compareFloat[T float](a, b T) int {
	an, bn := a != a, b != b
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func cmpFloatVV[T float](op CmpOp, a, b []T, out []bool, sel []int32) {
	forRows(len(out), sel, func(i int) { out[i] = cmpResult(op, compareFloat(a[i], b[i])) })
}

// CompareIntervals orders intervals as PostgreSQL does: by their span with a
// month counted as 30 days and a day as 24 hours.
func CompareIntervals(a, b vec.Interval) int {
	sa, sb := intervalSpan(a), intervalSpan(b)
	switch {
	case sa.hi < sb.hi || sa.hi == sb.hi && sa.lo < sb.lo:
		return -1
	case sa == sb:
		return 0
	}
	return 1
}

type span128 struct {
	hi int64
	lo uint64
}

// intervalSpan returns the interval's exact length in microseconds.
func intervalSpan(iv vec.Interval) span128 {
	hi, lo := iv.Span()
	return span128{hi: hi, lo: lo}
}

// errUndefinedOperator reports a missing operator the way PostgreSQL does.
func errUndefinedOperator(op string, l, r vec.Type) error {
	return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", l, op, r).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

// PadForBlank prepares a text constant for comparison with a char(n)
// expression. char(n) values are stored blank-padded to n characters and
// PostgreSQL compares them ignoring trailing blanks, so padding the
// constant the same way lets the plain byte comparison (and the IN-list
// hash) give bpchar's answers without trimming every row. Anything else is
// returned unchanged.
func PadForBlank(col, other Expr) Expr {
	ct := col.Type()
	if ct.Kind != vec.KindText || !ct.Blank || ct.Width <= 0 {
		return other
	}
	k, ok := other.(*Const)
	if !ok || k.IsNull() || k.Val.Type.Kind != vec.KindText || (k.Val.Type.Blank && k.Val.Type.Width == ct.Width) {
		return other
	}
	s := k.Val.Bytes().Get(0)
	end := len(s)
	for end > 0 && s[end-1] == ' ' {
		end--
	}
	chars := utf8.RuneCount(s[:end])
	if chars > int(ct.Width) {
		return other
	}
	padded := append(append([]byte(nil), s[:end]...), bytes.Repeat([]byte{' '}, int(ct.Width)-chars)...)
	v := vec.New(ct, 1)
	v.AppendBytes(padded)
	return &Const{Val: v}
}
