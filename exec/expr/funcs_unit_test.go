package expr

import (
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

func intConst(x int32) *Const {
	v := vec.New(vec.Int32, 1)
	v.AppendInt32(x)
	return NewConst(v)
}

// mustExpr returns a function that unwraps a constructor's result,
// failing t on an error.
func mustExpr(t testing.TB) func(Expr, error) Expr {
	return func(e Expr, err error) Expr {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

// render evaluates e on b and renders the live rows.
func render(t *testing.T, e Expr, env *Env, b *vec.Batch) []string {
	t.Helper()
	v, err := e.Eval(NewCtx(env), b)
	if err != nil {
		t.Fatal(err)
	}
	return renderRows(v, b, env.Location())
}

// renderRows renders the live rows of a result as PostgreSQL prints them.
func renderRows(v *vec.Vec, b *vec.Batch, loc *time.Location) []string {
	var out []string
	for k := 0; k < b.Len; k++ {
		i := b.Row(k)
		if v.Nulls.IsNull(i) {
			out = append(out, "NULL")
			continue
		}
		out = append(out, string(vec.AppendText(nil, v, i, loc)))
	}
	return out
}

func TestConstantFolding(t *testing.T) {
	m := mustExpr(t)
	// Immutable functions of constants fold at build time.
	for _, e := range []Expr{
		m(NewFunc("abs", []Expr{intConst(-5)})),
		m(NewFunc("upper", []Expr{Literal("abc")})),
		m(NewFunc("pi", nil)),
		m(NewLike(Literal("abc"), Literal("a%"), false, false)),
		m(NewConcat(Literal("a"), intConst(1))),
		m(NewExtract("year", m(NewCast(Literal("2024-05-17"), vec.Date)))),
		m(NewArith(Add, m(NewCast(Literal("2024-05-17"), vec.Date)), intConst(1))),
	} {
		if _, ok := e.(*Const); !ok {
			t.Errorf("%s was not folded", e)
		}
	}
	// A strict function of a NULL constant is NULL.
	if e := m(NewFunc("lower", []Expr{NullLiteral()})); !e.(*Const).IsNull() || e.Type() != vec.Text {
		t.Errorf("lower(NULL) = %s of %s", e, e.Type())
	}
	// Functions of the Env stay until FoldConstants gets one.
	env := testEnv(t)
	for _, c := range []struct {
		name string
		args []Expr
		want string
	}{
		{"now", nil, "2024-07-15 09:45:30.123456-04"},
		{"current_timestamp", nil, "2024-07-15 09:45:30.123456-04"},
		{"current_date", nil, "2024-07-15"},
		{"localtimestamp", nil, "2024-07-15 09:45:30.123456"},
		{"age", []Expr{m(NewCast(Literal("2024-01-14 12:00"), vec.Timestamp))}, "6 mons 12:00:00"},
		{"date_trunc", []Expr{Literal("day"), m(NewCast(Literal("2024-07-15 02:00+00"), vec.TimestampTZ))}, "2024-07-14 00:00:00-04"},
		{"to_char", []Expr{m(NewCast(Literal("2024-07-15 02:00+00"), vec.TimestampTZ)), Literal("YYYY-MM-DD HH24 TZ")}, "2024-07-14 22 EDT"},
	} {
		e := m(NewFunc(c.name, c.args))
		if _, ok := e.(*Const); ok {
			t.Errorf("%s folded without an Env", c.name)
			continue
		}
		if !IsConstant(e) {
			t.Errorf("%s is not constant", e)
		}
		f, err := FoldConstants(e, env)
		if err != nil {
			t.Fatal(err)
		}
		k, ok := f.(*Const)
		if !ok {
			t.Errorf("FoldConstants(%s) = %T", e, f)
			continue
		}
		if got := string(vec.AppendText(nil, k.Val, 0, env.Location())); got != c.want {
			t.Errorf("%s = %q, want %q", e, got, c.want)
		}
	}
}

func TestVolatile(t *testing.T) {
	m := mustExpr(t)
	for _, name := range []string{"random", "clock_timestamp"} {
		e := m(NewFunc(name, nil))
		if IsConstant(e) {
			t.Errorf("%s is constant", name)
		}
		if f, _ := FoldConstants(e, nil); f != e {
			t.Errorf("%s was folded", name)
		}
	}
	e := m(NewFunc("random", nil))
	v, err := e.Eval(NewCtx(nil), &vec.Batch{Len: 100})
	if err != nil {
		t.Fatal(err)
	}
	distinct := map[float64]bool{}
	for _, f := range v.Float64s() {
		if f < 0 || f >= 1 {
			t.Fatalf("random() = %v", f)
		}
		distinct[f] = true
	}
	if len(distinct) < 90 {
		t.Errorf("random() gave %d distinct values in 100 rows", len(distinct))
	}
}

// TestSelectionSkipsBadRows checks that rows outside the selection, whose
// values would fail, are not evaluated, for kernels of each family.
func TestSelectionSkipsBadRows(t *testing.T) {
	m := mustExpr(t)
	f64 := vec.New(vec.Float64, 3)
	f64.AppendFloat64(100)
	f64.AppendFloat64(-1) // ln and sqrt of -1 fail
	f64.AppendFloat64(1000)
	txt := vec.New(vec.Text, 3)
	txt.AppendBytes([]byte("12"))
	txt.AppendBytes([]byte("bad"))
	txt.AppendBytes([]byte("34"))
	ivl := vec.New(vec.IntervalT, 3)
	ivl.AppendInterval(vec.Interval{Days: 1})
	ivl.AppendInterval(vec.Interval{Days: 1})
	ivl.AppendInterval(vec.Interval{Days: 2})
	div := vec.New(vec.Float64, 3)
	div.AppendFloat64(2)
	div.AppendFloat64(0) // division by zero
	div.AppendFloat64(4)
	b := &vec.Batch{Cols: []*vec.Vec{f64, txt, ivl, div}, Len: 2, Sel: []int32{0, 2}}
	x := &ColRef{Idx: 0, Typ: vec.Float64}
	s := &ColRef{Idx: 1, Typ: vec.Text}
	iv := &ColRef{Idx: 2, Typ: vec.IntervalT}
	d := &ColRef{Idx: 3, Typ: vec.Float64}
	env := testEnv(t)
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{m(NewFunc("log", []Expr{x})), "2,3"},
		{m(NewFunc("sqrt", []Expr{x})), "10,31.622776601683793"},
		{m(NewCast(s, vec.Int32)), "12,34"},
		{m(NewArith(Div, iv, d)), "12:00:00,12:00:00"},
		{m(NewFunc("to_date", []Expr{s, Literal("YY")})), "2012-01-01,2034-01-01"},
		{m(NewFunc("chr", []Expr{m(NewCast(x, vec.Int32))})), "d,Ϩ"},
		{m(NewFunc("repeat", []Expr{s, m(NewCast(d, vec.Int32))})), "1212,34343434"},
	} {
		got, err := c.e.Eval(NewCtx(env), b)
		if err != nil {
			t.Errorf("%s: %v", c.e, err)
			continue
		}
		var parts []string
		for _, i := range []int{0, 2} {
			parts = append(parts, string(vec.AppendText(nil, got, i, env.Location())))
		}
		if g := strings.Join(parts, ","); g != c.want {
			t.Errorf("%s = %s, want %s", c.e, g, c.want)
		}
	}
}

// TestMapRebuilds checks that Map reaches into the new nodes and that the
// rebuilt nodes still work (Func rebinds its kernel).
func TestMapRebuilds(t *testing.T) {
	m := mustExpr(t)
	col := &ColRef{Idx: 0, Typ: vec.Text}
	exprs := []Expr{
		m(NewFunc("substring", []Expr{col, intConst(2), intConst(2)})),
		m(NewFunc("date_trunc", []Expr{Literal("year"), m(NewCast(col, vec.Timestamp))})),
		m(NewLike(col, Literal("2024%"), false, false)),
		m(NewRegexMatch(col, Literal("^2"), false, true)),
		m(NewConcat(col, Literal("!"))),
		m(NewFunc("concat_ws", []Expr{Literal("-"), col, col})),
		m(NewFunc("greatest", []Expr{col, Literal("2024-06")})),
		m(NewFunc("nullif", []Expr{col, Literal("2024-01-02")})),
		m(NewExtract("month", m(NewCast(col, vec.Date)))),
		m(NewArith(Add, m(NewCast(col, vec.Date)), intConst(1))),
	}
	want := []string{
		"02", "2024-01-01 00:00:00", "t", "f", "2024-01-02!", "2024-01-02-2024-01-02", "2024-06", "NULL", "1", "2024-01-03",
	}
	v := vec.New(vec.Text, 1)
	v.AppendBytes([]byte("2024-01-02"))
	b := &vec.Batch{Cols: []*vec.Vec{vec.New(vec.Int32, 1), v}, Len: 1}
	b.Cols[0].AppendInt32(0)
	env := testEnv(t)
	for k, e := range exprs {
		// Move the column from index 0 to index 1, as a planner does when
		// it prunes or reorders inputs.
		m := Map(e, func(x Expr) Expr {
			if c, ok := x.(*ColRef); ok {
				return &ColRef{Idx: c.Idx + 1, Typ: c.Typ}
			}
			return x
		})
		if cols := Columns(m); len(cols) != 1 || cols[0] != 1 {
			t.Errorf("%s: columns %v after Map", m, cols)
		}
		if got := render(t, m, env, b); got[0] != want[k] {
			t.Errorf("%s = %s, want %s", m, got[0], want[k])
		}
	}
}

func TestResolutionErrors(t *testing.T) {
	cases := []struct {
		name string
		args []Expr
		code sqlerr.Code
		msg  string
	}{
		{"nosuch", []Expr{intConst(1)}, sqlerr.UndefinedFunction, "function nosuch(integer) does not exist"},
		{"length", []Expr{intConst(1)}, sqlerr.UndefinedFunction, "function length(integer) does not exist"},
		{"substr", []Expr{intConst(1), Literal("x")}, sqlerr.UndefinedFunction, "function substr(integer, unknown) does not exist"},
		{"concat", nil, sqlerr.UndefinedFunction, "function concat() does not exist"},
		{"date_trunc", []Expr{Literal("day"), Literal("2024-01-01")}, codeAmbiguousFunction, "function date_trunc(unknown, unknown) is not unique"},
	}
	for _, c := range cases {
		_, err := NewFunc(c.name, c.args)
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if sqlerr.CodeOf(err) != c.code || err.Error() != c.msg {
			t.Errorf("%s: %s %q, want %s %q", c.name, sqlerr.CodeOf(err), err, c.code, c.msg)
		}
		if c.code == sqlerr.UndefinedFunction {
			if h := sqlerr.Flatten(err).Hint; !strings.HasPrefix(h, "No function matches") {
				t.Errorf("%s: hint %q", c.name, h)
			}
		}
	}
}

// TestBadConstantDeferred checks that an invalid constant argument is
// reported when a row is evaluated, not when the expression is built: a
// query over no rows succeeds, as in PostgreSQL.
func TestBadConstantDeferred(t *testing.T) {
	m := mustExpr(t)
	col := &ColRef{Idx: 0, Typ: vec.Text}
	for _, c := range []struct {
		e    func() (Expr, error)
		code sqlerr.Code
	}{
		{func() (Expr, error) { return NewFunc("regexp_replace", []Expr{col, Literal("("), Literal("x")}) }, codeInvalidRegex},
		{func() (Expr, error) {
			return NewFunc("date_trunc", []Expr{Literal("fortnight"), m(NewCast(col, vec.Timestamp))})
		}, sqlerr.InvalidParameterValue},
		{func() (Expr, error) { return NewRegexMatch(col, Literal("("), false, false) }, codeInvalidRegex},
	} {
		e, err := c.e()
		if err != nil {
			t.Fatalf("build: %v", err)
		}
		empty := &vec.Batch{Cols: []*vec.Vec{vec.New(vec.Text, 0)}}
		if _, err := e.Eval(NewCtx(nil), empty); err != nil {
			t.Errorf("%s on no rows: %v", e, err)
		}
		one := vec.New(vec.Text, 1)
		one.AppendBytes([]byte("2024-01-01"))
		_, err = e.Eval(NewCtx(nil), &vec.Batch{Cols: []*vec.Vec{one}, Len: 1})
		if sqlerr.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want %s", e, err, c.code)
		}
	}
}

func TestTimeZoneHelpers(t *testing.T) {
	loc := testLoc(t)
	ts := func(s string) int64 {
		v, err := vec.ParseTimestamp(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct{ local, utc string }{
		{"2024-03-10 02:30:00", "2024-03-10 07:30:00"}, // skipped hour: offset before the jump
		{"2024-11-03 01:30:00", "2024-11-03 06:30:00"}, // repeated hour: offset after the jump
		{"2024-07-01 12:00:00", "2024-07-01 16:00:00"},
		{"1850-01-01 00:00:00", "1850-01-01 04:56:02"}, // local mean time
	} {
		if got := fromLocal(ts(c.local), loc); got != ts(c.utc) {
			t.Errorf("fromLocal(%s) = %s, want %s", c.local, vec.AppendTimestamp(nil, got), c.utc)
		}
	}
	if got := toLocal(ts("2024-01-01 05:00:00"), loc); got != ts("2024-01-01 00:00:00") {
		t.Errorf("toLocal = %s", vec.AppendTimestamp(nil, got))
	}
}

func BenchmarkLikeContains(b *testing.B) {
	v := vec.New(vec.Text, 1024)
	for i := 0; i < 1024; i++ {
		v.AppendBytes([]byte("furiously special packages wake carefully about the requests"))
	}
	batch := &vec.Batch{Cols: []*vec.Vec{v}, Len: 1024}
	e, err := NewLike(&ColRef{Idx: 0, Typ: vec.Text}, Literal("%special%requests%"), false, true)
	if err != nil {
		b.Fatal(err)
	}
	c := NewCtx(nil)
	b.SetBytes(int64(len(v.Bytes().Data)))
	for b.Loop() {
		c.Reset()
		if _, err := e.Eval(c, batch); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDateTruncMonth(b *testing.B) {
	v := vec.New(vec.Timestamp, 1024)
	for i := 0; i < 1024; i++ {
		v.AppendInt64(int64(i) * 86400_000_000)
	}
	batch := &vec.Batch{Cols: []*vec.Vec{v}, Len: 1024}
	e, err := NewFunc("date_trunc", []Expr{Literal("month"), &ColRef{Idx: 0, Typ: vec.Timestamp}})
	if err != nil {
		b.Fatal(err)
	}
	c := NewCtx(nil)
	for b.Loop() {
		c.Reset()
		if _, err := e.Eval(c, batch); err != nil {
			b.Fatal(err)
		}
	}
}
