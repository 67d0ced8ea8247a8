package expr

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// decCol returns a KindDecimal column of the values written (each keeps
// the scale it is written with), "NULL" for a NULL.
func decCol(t *testing.T, vals ...string) *vec.Vec {
	t.Helper()
	v := vec.New(vec.DecimalOf(0), len(vals))
	for _, s := range vals {
		if s == "NULL" {
			v.AppendNull()
			continue
		}
		d, err := decimal.Parse([]byte(s))
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		v.AppendDecimal(d)
	}
	return v
}

// typedCol returns a column of type typ read from the text of each value.
func typedCol(t *testing.T, typ vec.Type, vals ...string) *vec.Vec {
	t.Helper()
	v := vec.New(typ, len(vals))
	for _, s := range vals {
		if s == "NULL" {
			v.AppendNull()
			continue
		}
		if err := v.AppendParsed(s, nil); err != nil {
			t.Fatalf("%s as %v: %v", s, typ, err)
		}
	}
	return v
}

func constOf(t *testing.T, typ vec.Type, s string) *Const {
	t.Helper()
	if typ.Kind == vec.KindDecimal {
		return NewConst(decCol(t, s))
	}
	return NewConst(typedCol(t, typ, s))
}

// rowsText renders the live rows of a result as PostgreSQL prints them.
func rowsText(v *vec.Vec, b *vec.Batch) string {
	return strings.Join(renderRows(v, b, nil), "|")
}

func mustEval(t *testing.T, e Expr, err error, b *vec.Batch) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Eval(NewCtx(nil), b)
	if err != nil {
		t.Fatalf("%s: %v", e, err)
	}
	return rowsText(v, b)
}

// The result types of the operators and functions on numerics: division
// of numerics gives a KindDecimal; other narrow arithmetic stays narrow;
// a KindDecimal operand makes the result one; a float makes it float.
func TestDecimalResultTypes(t *testing.T) {
	col := func(typ vec.Type) Expr { return &ColRef{Idx: 0, Typ: typ} }
	n2, n3, n18 := vec.Numeric(10, 2), vec.Numeric(10, 3), vec.Numeric(18, 18)
	d16, d20 := vec.DecimalOf(16), vec.DecimalOf(20)
	for _, c := range []struct {
		op   ArithOp
		l, r vec.Type
		want vec.Type
	}{
		{Div, vec.Int32, vec.Int32, vec.Int32},
		{Div, n2, vec.Int32, d16},
		{Div, vec.Int64, n3, d16},
		{Div, n18, vec.Int32, vec.DecimalOf(18)},
		{Mul, n2, n3, numericOfScale(5)},
		{Add, n2, vec.Int32, numericOfScale(2)},
		{Mod, n2, n3, numericOfScale(3)},
		{Add, n2, d20, d20},
		{Sub, d16, vec.Int64, d16},
		{Mul, d20, n2, vec.DecimalOf(22)},
		{Div, d16, vec.Int64, d16},
		{Div, d20, n2, d20},
		{Mod, d16, n3, d16},
		{Add, d16, vec.Float64, vec.Float64},
		{Mul, vec.Float32, d16, vec.Float64},
	} {
		e, err := NewArith(c.op, col(c.l), col(c.r))
		if err != nil {
			t.Errorf("%v %s %v: %v", c.l, c.op, c.r, err)
			continue
		}
		if got := e.Type(); got != c.want {
			t.Errorf("%v %s %v: %#v, want %#v", c.l, c.op, c.r, got, c.want)
		}
	}
	for _, c := range []struct {
		name string
		args []Expr
		want vec.Type
	}{
		{"round", []Expr{col(d16), constOf(t, vec.Int32, "2")}, vec.DecimalOf(2)},
		{"round", []Expr{col(d16), constOf(t, vec.Int32, "-2")}, vec.DecimalOf(0)},
		{"round", []Expr{col(d16)}, vec.DecimalOf(0)},
		{"trunc", []Expr{col(d20), &ColRef{Idx: 1, Typ: vec.Int32}}, d20},
		{"abs", []Expr{col(d20)}, d20},
		{"sign", []Expr{col(d20)}, vec.DecimalOf(0)},
		{"floor", []Expr{col(d20)}, vec.DecimalOf(0)},
		{"mod", []Expr{col(d16), &ColRef{Idx: 1, Typ: n2}}, d16},
		{"sqrt", []Expr{col(d16)}, d16},
		{"width_bucket", []Expr{col(d16), constOf(t, vec.Int32, "0"), constOf(t, vec.Int32, "10"), constOf(t, vec.Int32, "5")}, vec.Int32},
		{"greatest", []Expr{col(d16), &ColRef{Idx: 1, Typ: n2}}, d16},
		{"greatest", []Expr{col(d16), &ColRef{Idx: 1, Typ: vec.Float32}}, vec.Float64},
	} {
		e, err := NewFunc(c.name, c.args)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := e.Type(); got != c.want {
			t.Errorf("%s: %#v, want %#v", e, got, c.want)
		}
	}
	// pg_typeof(1/3::numeric) is numeric.
	q, err := NewArith(Div, constOf(t, vec.Int32, "1"), constOf(t, numericOfScale(0), "3"))
	if err != nil {
		t.Fatal(err)
	}
	ty, err := NewFunc("pg_typeof", []Expr{q})
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ty.(*Const); !ok || k.Val.Int64s()[0] != vec.OIDNumeric {
		t.Errorf("pg_typeof(1/3::numeric) = %v, want numeric", ty)
	}
}

// CASE, COALESCE and GREATEST over a narrow numeric, an integer and a
// KindDecimal give a KindDecimal in which each value keeps its own scale,
// as PostgreSQL prints them.
func TestDecimalUnification(t *testing.T) {
	cond := typedCol(t, vec.Bool, "true", "false", "true", "NULL", "false")
	narrow := typedCol(t, vec.Numeric(10, 2), "1.50", "2.25", "NULL", "4.00", "1.50")
	dec := decCol(t, "0.33333333333333333333", "NULL", "7", "12345678901234567890.5", "1.5")
	ints := typedCol(t, vec.Int32, "1", "2", "3", "NULL", "5")
	b := &vec.Batch{Cols: []*vec.Vec{cond, narrow, dec, ints}, Len: 5}
	c := func(i int) Expr { return &ColRef{Idx: i, Typ: b.Cols[i].Type} }

	e, err := NewCase([]Expr{c(0)}, []Expr{c(1)}, c(2))
	if got, want := mustEval(t, e, err, b), "1.50|NULL|NULL|12345678901234567890.5|1.5"; got != want {
		t.Errorf("CASE: %s, want %s", got, want)
	}
	if e.Type().Kind != vec.KindDecimal {
		t.Errorf("CASE type %v", e.Type())
	}
	e, err = NewCoalesce([]Expr{c(2), c(1), c(3)})
	if got, want := mustEval(t, e, err, b), "0.33333333333333333333|2.25|7|12345678901234567890.5|1.5"; got != want {
		t.Errorf("COALESCE: %s, want %s", got, want)
	}
	e, err = NewFunc("greatest", []Expr{c(1), c(2), c(3)})
	if got, want := mustEval(t, e, err, b), "1.50|2.25|7|12345678901234567890.5|5"; got != want {
		t.Errorf("GREATEST: %s, want %s", got, want)
	}
	e, err = NewFunc("least", []Expr{c(1), c(2), c(3)})
	if got, want := mustEval(t, e, err, b), "0.33333333333333333333|2|3|4.00|1.50"; got != want {
		t.Errorf("LEAST: %s, want %s", got, want)
	}
	e, err = NewFunc("nullif", []Expr{c(2), c(1)}) // 1.5 = 1.50 in the last row
	if got, want := mustEval(t, e, err, b), "0.33333333333333333333|NULL|7|12345678901234567890.5|NULL"; got != want {
		t.Errorf("NULLIF: %s, want %s", got, want)
	}
	e, err = NewNeg(c(2))
	if got, want := mustEval(t, e, err, b), "-0.33333333333333333333|NULL|-7|-12345678901234567890.5|-1.5"; got != want {
		t.Errorf("unary minus: %s, want %s", got, want)
	}
	// Comparisons between the narrow and the KindDecimal column, with a
	// selection that leaves out the second row.
	sb := &vec.Batch{Cols: b.Cols, Len: 4, Sel: []int32{0, 2, 3, 4}}
	for op, want := range map[CmpOp]string{EQ: "f|NULL|f|t", LT: "f|NULL|t|f", GE: "t|NULL|f|t"} {
		e, err = NewCompare(op, c(1), c(2))
		if got := mustEval(t, e, err, sb); got != want {
			t.Errorf("narrow %s decimal: %s, want %s", op, got, want)
		}
	}
	// An integer against a KindDecimal constant.
	e, err = NewCompare(LT, c(3), constOf(t, vec.DecimalOf(1), "2.5"))
	if got, want := mustEval(t, e, err, b), "t|t|f|NULL|f"; got != want {
		t.Errorf("int < 2.5: %s, want %s", got, want)
	}
}

// IN lists over KindDecimal match by value (1.5 IN (1.50)), with SQL's
// NULL rules, in both the short list and the hashed long one.
func TestDecimalInList(t *testing.T) {
	x := decCol(t, "1.5", "2.000", "3", "NULL", "12345678901234567890.50", "-0.0")
	b := &vec.Batch{Cols: []*vec.Vec{x}, Len: x.Len()}
	in := &ColRef{Idx: 0, Typ: x.Type}
	vals := func(extra ...*Const) []*Const {
		vs := []*Const{
			constOf(t, vec.Numeric(5, 2), "1.50"),
			constOf(t, vec.Int32, "2"),
			constOf(t, vec.DecimalOf(1), "12345678901234567890.5"),
			constOf(t, vec.Numeric(3, 1), "0.0"),
		}
		return append(vs, extra...)
	}
	var pad []*Const
	for i := range shortInList {
		pad = append(pad, constOf(t, vec.Int32, fmt.Sprint(100+i)))
	}
	for _, c := range []struct {
		name   string
		vals   []*Const
		negate bool
		want   string
	}{
		{"short", vals(), false, "t|t|f|NULL|t|t"},
		{"short with NULL", vals(NullLiteral()), false, "t|t|NULL|NULL|t|t"},
		{"short NOT IN", vals(), true, "f|f|t|NULL|f|f"},
		{"long", vals(pad...), false, "t|t|f|NULL|t|t"},
		{"long NOT IN with NULL", vals(append(pad, NullLiteral())...), true, "f|f|NULL|NULL|f|f"},
	} {
		e, err := NewInList(in, c.vals, c.negate)
		if got := mustEval(t, e, err, b); got != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

// Errors carry PostgreSQL's SQLSTATEs, only for rows that are live and
// not NULL.
func TestDecimalErrors(t *testing.T) {
	num := typedCol(t, vec.Numeric(10, 2), "1.00", "5.00", "NULL")
	zero := typedCol(t, vec.Numeric(10, 2), "0.00", "2.00", "0.00")
	big := decCol(t, "99999999999999999999999999999999999999", "1", "NULL")
	b := &vec.Batch{Cols: []*vec.Vec{num, zero, big}, Len: 3}
	c := func(i int) Expr { return &ColRef{Idx: i, Typ: b.Cols[i].Type} }
	live := &vec.Batch{Cols: b.Cols, Len: 2, Sel: []int32{1, 2}}

	div, err := NewArith(Div, c(0), c(1))
	if err != nil {
		t.Fatal(err)
	}
	mul, mulErr := NewArith(Mul, c(2), constOf(t, vec.Int32, "10"))
	cast, castErr := NewCast(c(2), vec.Numeric(5, 2))
	toInt, toIntErr := NewCast(c(2), vec.Int64)
	for _, tc := range []struct {
		name string
		e    Expr
		err  error
		code sqlerr.Code
		live string
	}{
		{"1.00 / 0.00", div, nil, sqlerr.DivisionByZero, "2.5000000000000000|NULL"},
		{"38 nines * 10", mul, mulErr, sqlerr.NumericValueOutOfRange, "10|NULL"},
		{"to numeric(5,2)", cast, castErr, sqlerr.NumericValueOutOfRange, "1.00|NULL"},
		{"to bigint", toInt, toIntErr, sqlerr.NumericValueOutOfRange, "1|NULL"},
	} {
		if tc.err != nil {
			t.Fatalf("%s: %v", tc.name, tc.err)
		}
		if _, err := tc.e.Eval(NewCtx(nil), b); sqlerr.CodeOf(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
		if got := mustEval(t, tc.e, nil, live); got != tc.live {
			t.Errorf("%s, selected rows: %s, want %s", tc.name, got, tc.live)
		}
	}
	// Arrays hold narrow numerics: a KindDecimal element is read as one.
	arr, err := NewArrayCtor([]Expr{div}, vec.Type{})
	if err != nil {
		t.Fatal(err)
	}
	if et := arr.Type().ElemType(); et.Kind != vec.KindNumeric || et.Scale != decimalDivScale {
		t.Errorf("ARRAY[numeric / numeric] elements %v", et)
	}
}

// The narrow fast paths (integer and scaled-int64 arithmetic and
// comparisons), and KindDecimal's 128-bit ones, allocate nothing once the
// arena is warm.
func TestFastPathsAllocateNothing(t *testing.T) {
	const n = 1024
	i64a, i64b := vec.New(vec.Int64, n), vec.New(vec.Int64, n)
	na, nb := vec.New(vec.Numeric(18, 2), n), vec.New(vec.Numeric(18, 2), n)
	da, db := vec.New(vec.DecimalOf(2), n), vec.New(vec.DecimalOf(2), n)
	for i := range n {
		i64a.AppendInt64(int64(i))
		i64b.AppendInt64(int64(3*i + 1))
		na.AppendInt64(int64(i) * 125)
		nb.AppendInt64(int64(i)*7 + 100)
		da.AppendDecimal(decimal.FromInt64(int64(i)*125, 2))
		db.AppendDecimal(decimal.FromInt64(int64(i)*7+100, 2))
	}
	cols := []*vec.Vec{i64a, i64b, na, nb, da, db}
	c := func(i int) Expr { return &ColRef{Idx: i, Typ: cols[i].Type} }
	build := func(e Expr, err error) Expr {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	sel := make([]int32, 0, n/2)
	for i := 0; i < n; i += 2 {
		sel = append(sel, int32(i))
	}
	for _, x := range []struct {
		name string
		e    Expr
	}{
		{"bigint + bigint", build(NewArith(Add, c(0), c(1)))},
		{"bigint * bigint", build(NewArith(Mul, c(0), c(1)))},
		{"numeric + numeric", build(NewArith(Add, c(2), c(3)))},
		{"numeric * numeric", build(NewArith(Mul, c(2), c(3)))},
		{"numeric < numeric", build(NewCompare(LT, c(2), c(3)))},
		{"bigint = constant", build(NewCompare(EQ, c(0), constOf(t, vec.Int64, "7")))},
		{"numeric / numeric", build(NewArith(Div, c(2), c(3)))},
		{"decimal + decimal", build(NewArith(Add, c(4), c(5)))},
		{"decimal * decimal", build(NewArith(Mul, c(4), c(5)))},
		{"decimal / decimal", build(NewArith(Div, c(4), c(5)))},
		{"decimal >= decimal", build(NewCompare(GE, c(4), c(5)))},
		{"round(decimal, 1)", build(NewFunc("round", []Expr{c(4), constOf(t, vec.Int32, "1")}))},
	} {
		for _, s := range [][]int32{nil, sel} {
			b := &vec.Batch{Cols: cols, Len: n, Sel: s}
			if s != nil {
				b.Len = len(s)
			}
			ctx := NewCtx(nil)
			run := func() {
				ctx.Reset()
				if _, err := x.e.Eval(ctx, b); err != nil {
					t.Fatalf("%s: %v", x.name, err)
				}
			}
			run()
			if allocs := testing.AllocsPerRun(20, run); allocs != 0 {
				t.Errorf("%s (selection %v): %v allocations per batch", x.name, s != nil, allocs)
			}
		}
	}
}
