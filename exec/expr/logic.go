package expr

import (
	"fmt"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// checkBool verifies that e can be a condition.
func checkBool(e Expr, what string) (Expr, error) {
	if k, ok := e.(*Const); ok && k.Untyped {
		return castLiteral(k, vec.Bool)
	}
	if e.Type().Kind != vec.KindBool {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", what, e.Type())
	}
	return e, nil
}

// And is l AND r with SQL's three-valued logic. r is evaluated only on the
// rows where l is not false.
type And struct{ L, R Expr }

// Or is l OR r; r is evaluated only where l is not true.
type Or struct{ L, R Expr }

// NewAnd builds l AND r.
func NewAnd(l, r Expr) (Expr, error) {
	var err error
	if l, err = checkBool(l, "AND"); err != nil {
		return nil, err
	}
	if r, err = checkBool(r, "AND"); err != nil {
		return nil, err
	}
	return &And{L: l, R: r}, nil
}

// NewOr builds l OR r.
func NewOr(l, r Expr) (Expr, error) {
	var err error
	if l, err = checkBool(l, "OR"); err != nil {
		return nil, err
	}
	if r, err = checkBool(r, "OR"); err != nil {
		return nil, err
	}
	return &Or{L: l, R: r}, nil
}

func (e *And) Type() vec.Type             { return vec.Bool }
func (e *And) String() string             { return fmt.Sprintf("(%s AND %s)", e.L, e.R) }
func (e *And) Children() []Expr           { return []Expr{e.L, e.R} }
func (e *And) WithChildren(c []Expr) Expr { return &And{L: c[0], R: c[1]} }
func (e *Or) Type() vec.Type              { return vec.Bool }
func (e *Or) String() string              { return fmt.Sprintf("(%s OR %s)", e.L, e.R) }
func (e *Or) Children() []Expr            { return []Expr{e.L, e.R} }
func (e *Or) WithChildren(c []Expr) Expr  { return &Or{L: c[0], R: c[1]} }

func (e *And) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) { return evalAndOr(c, b, e.L, e.R, false) }
func (e *Or) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error)  { return evalAndOr(c, b, e.L, e.R, true) }

// evalAndOr evaluates AND (decisive = false) or OR (decisive = true): a
// non-NULL decisive value on the left settles the row without the right.
func evalAndOr(c *Ctx, b *vec.Batch, l, r Expr, decisive bool) (*vec.Vec, error) {
	n := b.PhysLen()
	lv, err := l.Eval(c, b)
	if err != nil {
		return nil, err
	}
	out := c.Alloc(vec.Bool, n)
	res := out.Bools()
	lb := lv.Bools()
	rest := c.SelBuf(b.Len)
	for k := 0; k < b.Len; k++ {
		i := b.Row(k)
		if lb[i] == decisive && !lv.Nulls.IsNull(i) {
			res[i] = decisive
			continue
		}
		rest = append(rest, int32(i))
	}
	if len(rest) == 0 {
		return out, nil
	}
	rv, err := r.Eval(c, Narrow(b, rest))
	if err != nil {
		return nil, err
	}
	rb := rv.Bools()
	for _, i := range rest {
		rn := rv.Nulls.IsNull(int(i))
		switch {
		case rb[i] == decisive && !rn:
			res[i] = decisive
		case rn || lv.Nulls.IsNull(int(i)):
			out.Nulls.SetNull(int(i))
		default:
			res[i] = !decisive
		}
	}
	return out, nil
}

// Not is NOT e.
type Not struct{ In Expr }

// NewNot builds NOT e.
func NewNot(e Expr) (Expr, error) {
	e, err := checkBool(e, "NOT")
	if err != nil {
		return nil, err
	}
	return &Not{In: e}, nil
}

func (e *Not) Type() vec.Type             { return vec.Bool }
func (e *Not) String() string             { return fmt.Sprintf("(NOT %s)", e.In) }
func (e *Not) Children() []Expr           { return []Expr{e.In} }
func (e *Not) WithChildren(c []Expr) Expr { return &Not{In: c[0]} }

func (e *Not) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	in, err := e.In.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	o, s := out.Bools(), in.Bools()
	for i := range o {
		o[i] = !s[i]
	}
	out.Nulls.CopyFrom(&in.Nulls, n)
	return out, nil
}

// IsNull is e IS NULL, or e IS NOT NULL when Negate is set. It is never NULL.
type IsNull struct {
	In     Expr
	Negate bool
}

func (e *IsNull) Type() vec.Type { return vec.Bool }
func (e *IsNull) String() string {
	if e.Negate {
		return fmt.Sprintf("(%s IS NOT NULL)", e.In)
	}
	return fmt.Sprintf("(%s IS NULL)", e.In)
}
func (e *IsNull) Children() []Expr           { return []Expr{e.In} }
func (e *IsNull) WithChildren(c []Expr) Expr { return &IsNull{In: c[0], Negate: e.Negate} }

func (e *IsNull) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	in, err := e.In.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	o := out.Bools()
	for i := range o {
		o[i] = in.Nulls.IsNull(i) != e.Negate
	}
	return out, nil
}

// IsDistinct is l IS DISTINCT FROM r (or IS NOT DISTINCT FROM when Negate):
// a comparison where NULL equals NULL. It is never NULL.
type IsDistinct struct {
	L, R   Expr
	Negate bool
}

// NewIsDistinct builds l IS [NOT] DISTINCT FROM r.
func NewIsDistinct(l, r Expr, negate bool) (Expr, error) {
	l, r, err := Unify(l, r, "IS DISTINCT FROM")
	if err != nil {
		return nil, err
	}
	return &IsDistinct{L: l, R: r, Negate: negate}, nil
}

func (e *IsDistinct) Type() vec.Type { return vec.Bool }
func (e *IsDistinct) String() string {
	if e.Negate {
		return fmt.Sprintf("(%s IS NOT DISTINCT FROM %s)", e.L, e.R)
	}
	return fmt.Sprintf("(%s IS DISTINCT FROM %s)", e.L, e.R)
}
func (e *IsDistinct) Children() []Expr { return []Expr{e.L, e.R} }
func (e *IsDistinct) WithChildren(c []Expr) Expr {
	return &IsDistinct{L: c[0], R: c[1], Negate: e.Negate}
}

func (e *IsDistinct) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	lv, err := e.L.Eval(c, b)
	if err != nil {
		return nil, err
	}
	rv, err := e.R.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	o := out.Bools()
	compareVectors(NE, lv, rv, o, Sel(b))
	forRows(n, Sel(b), func(i int) {
		ln, rn := lv.Nulls.IsNull(i), rv.Nulls.IsNull(i)
		if ln || rn {
			o[i] = ln != rn
		}
		if e.Negate {
			o[i] = !o[i]
		}
	})
	return out, nil
}

// Case is CASE WHEN cond THEN val ... ELSE else END. Each branch is evaluated
// only on the rows that reach it.
type Case struct {
	Whens []Expr
	Thens []Expr
	Else  Expr
	typ   vec.Type
}

// NewCase builds a searched CASE; a simple CASE (CASE x WHEN v ...) is
// rewritten by the planner into x = v conditions. els may be nil (NULL).
func NewCase(whens, thens []Expr, els Expr) (Expr, error) {
	vals := append(append([]Expr(nil), thens...), els)
	if els == nil {
		vals = vals[:len(vals)-1]
	}
	t, err := ResultType(vals, "CASE")
	if err != nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "CASE types cannot be matched: %v", err)
	}
	e := &Case{typ: t}
	for i := range whens {
		w, err := checkBool(whens[i], "CASE")
		if err != nil {
			return nil, err
		}
		v, err := Coerce(thens[i], t)
		if err != nil {
			return nil, err
		}
		e.Whens, e.Thens = append(e.Whens, w), append(e.Thens, v)
	}
	if els == nil {
		els = NullConst(t)
	}
	if e.Else, err = Coerce(els, t); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Case) Type() vec.Type { return e.typ }
func (e *Case) String() string {
	var sb strings.Builder
	sb.WriteString("CASE")
	for i := range e.Whens {
		fmt.Fprintf(&sb, " WHEN %s THEN %s", e.Whens[i], e.Thens[i])
	}
	fmt.Fprintf(&sb, " ELSE %s END", e.Else)
	return sb.String()
}
func (e *Case) Children() []Expr {
	out := append(append([]Expr(nil), e.Whens...), e.Thens...)
	return append(out, e.Else)
}
func (e *Case) WithChildren(c []Expr) Expr {
	k := len(e.Whens)
	return &Case{Whens: c[:k:k], Thens: c[k : 2*k : 2*k], Else: c[2*k], typ: e.typ}
}

func (e *Case) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	which := c.SelBuf(n)[:n] // branch index per physical row
	srcs := make([]*vec.Vec, 0, len(e.Whens)+1)
	rest := append(c.SelBuf(b.Len), liveRows(b)...)
	for k, w := range e.Whens {
		if len(rest) == 0 {
			break
		}
		nb := Narrow(b, rest)
		cv, err := w.Eval(c, nb)
		if err != nil {
			return nil, err
		}
		cb := cv.Bools()
		matched := c.SelBuf(len(rest))
		next := rest[:0]
		for _, i := range rest {
			if cb[i] && !cv.Nulls.IsNull(int(i)) {
				matched = append(matched, i)
			} else {
				next = append(next, i)
			}
		}
		rest = next
		if len(matched) == 0 {
			srcs = append(srcs, nil)
			continue
		}
		tv, err := e.Thens[k].Eval(c, Narrow(b, matched))
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, tv)
		for _, i := range matched {
			which[i] = int32(k)
		}
	}
	for len(srcs) < len(e.Whens) {
		srcs = append(srcs, nil)
	}
	if len(rest) > 0 {
		ev, err := e.Else.Eval(c, Narrow(b, rest))
		if err != nil {
			return nil, err
		}
		for _, i := range rest {
			which[i] = int32(len(e.Whens))
		}
		srcs = append(srcs, ev)
	}
	out := c.Alloc(e.typ, n)
	gather(out, srcs, which, n, Sel(b))
	return out, nil
}

// liveRows returns b's live physical rows as a selection.
func liveRows(b *vec.Batch) []int32 {
	if b.Sel != nil {
		return b.Sel[:b.Len]
	}
	s := make([]int32, b.Len)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// gather sets row i of out (prepared with n rows) to row i of
// srcs[which[i]] for each live row.
func gather(out *vec.Vec, srcs []*vec.Vec, which []int32, n int, sel []int32) {
	switch out.Type.Kind {
	case vec.KindText, vec.KindBytea:
		ob := out.Bytes()
		prev := 0
		forRows(n, sel, func(i int) {
			for ; prev < i; prev++ {
				ob.Append(nil)
			}
			s := srcs[which[i]]
			if s.Nulls.IsNull(i) {
				out.Nulls.SetNull(i)
				ob.Append(nil)
			} else {
				ob.Append(s.Bytes().Get(i))
			}
			prev = i + 1
		})
		for ; prev < n; prev++ {
			ob.Append(nil)
		}
		out.SetLen(n)
		return
	}
	forRows(n, sel, func(i int) {
		s := srcs[which[i]]
		if s.Nulls.IsNull(i) {
			out.Nulls.SetNull(i)
			return
		}
		CopyValue(out, i, s, i)
	})
}

// CopyValue sets the fixed-width value at row di of dst to row si of src.
func CopyValue(dst *vec.Vec, di int, src *vec.Vec, si int) {
	switch dst.Type.Kind {
	case vec.KindBool:
		dst.Bools()[di] = src.Bools()[si]
	case vec.KindInt16:
		dst.Int16s()[di] = src.Int16s()[si]
	case vec.KindInt32, vec.KindDate:
		dst.Int32s()[di] = src.Int32s()[si]
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		dst.Int64s()[di] = src.Int64s()[si]
	case vec.KindFloat32:
		dst.Float32s()[di] = src.Float32s()[si]
	case vec.KindFloat64:
		dst.Float64s()[di] = src.Float64s()[si]
	case vec.KindInterval:
		dst.Intervals()[di] = src.Intervals()[si]
	case vec.KindDecimal:
		dst.Decimals()[di] = src.Decimals()[si]
	}
}

// Coalesce returns its first non-NULL argument.
type Coalesce struct {
	Args []Expr
	typ  vec.Type
}

// NewCoalesce builds COALESCE(args...).
func NewCoalesce(args []Expr) (Expr, error) {
	t, err := ResultType(args, "COALESCE")
	if err != nil {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "COALESCE types cannot be matched: %v", err)
	}
	e := &Coalesce{typ: t}
	for _, a := range args {
		ca, err := Coerce(a, t)
		if err != nil {
			return nil, err
		}
		e.Args = append(e.Args, ca)
	}
	return e, nil
}

func (e *Coalesce) Type() vec.Type { return e.typ }
func (e *Coalesce) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	return "COALESCE(" + strings.Join(parts, ", ") + ")"
}
func (e *Coalesce) Children() []Expr           { return e.Args }
func (e *Coalesce) WithChildren(c []Expr) Expr { return &Coalesce{Args: c, typ: e.typ} }

func (e *Coalesce) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	which := c.SelBuf(n)[:n]
	srcs := make([]*vec.Vec, 0, len(e.Args))
	rest := append(c.SelBuf(b.Len), liveRows(b)...)
	for k, a := range e.Args {
		if len(rest) == 0 {
			break
		}
		v, err := a.Eval(c, Narrow(b, rest))
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, v)
		next := rest[:0]
		for _, i := range rest {
			which[i] = int32(k)
			if v.Nulls.IsNull(int(i)) && k < len(e.Args)-1 {
				next = append(next, i)
			}
		}
		rest = next
	}
	out := c.Alloc(e.typ, n)
	gather(out, srcs, which, n, Sel(b))
	return out, nil
}

// SingleRow is a correlated scalar subquery's value after decorrelation:
// Count is how many rows the subquery had for the row's correlation key
// and Value one of them. More than one row is PostgreSQL's 21000.
type SingleRow struct{ Count, Value Expr }

// NewSingleRow builds the check.
func NewSingleRow(count, value Expr) *SingleRow { return &SingleRow{Count: count, Value: value} }

func (e *SingleRow) Type() vec.Type { return e.Value.Type() }
func (e *SingleRow) String() string { return e.Value.String() }
func (e *SingleRow) Children() []Expr {
	return []Expr{e.Count, e.Value}
}
func (e *SingleRow) WithChildren(c []Expr) Expr { return &SingleRow{Count: c[0], Value: c[1]} }

func (e *SingleRow) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	cnt, err := e.Count.Eval(c, b)
	if err != nil {
		return nil, err
	}
	counts := cnt.Int64s()
	for k := 0; k < b.Len; k++ {
		if i := b.Row(k); !cnt.Nulls.IsNull(i) && counts[i] > 1 {
			return nil, sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
	}
	return e.Value.Eval(c, b)
}
