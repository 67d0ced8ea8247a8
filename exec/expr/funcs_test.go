package expr

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // zone rules without relying on the machine's

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// TestPostgresCases runs testdata/funcs_pg.txt: expressions with the
// output PostgreSQL 15.18 gave for them (funcs_pg_gen.py regenerates it
// against a live server). Each case runs twice: with constant operands,
// which exercises overload resolution and constant folding, and with each
// typed operand turned into a column of three rows whose middle row is
// not selected and holds a zero value (division by zero, ln(0), an empty
// string to parse), which must not be evaluated.

// testLoc is the session time zone the expected outputs were made in.
func testLoc(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatalf("time zone: %v", err)
	}
	return loc
}

func testEnv(t testing.TB) *Env {
	return &Env{Loc: testLoc(t), Now: time.Date(2024, 7, 15, 13, 45, 30, 123456000, time.UTC)}
}

// ast is a parsed test expression.
type ast struct {
	kind    byte // 'l' literal, 'c' call, 'x' extract, 't' cast, 'b' binary op
	text    string
	typ     vec.Type
	untyped bool
	null    bool
	name    string
	args    []*ast
}

type tparser struct {
	s   string
	pos int
}

func (p *tparser) ws() {
	for p.pos < len(p.s) && p.s[p.pos] == ' ' {
		p.pos++
	}
}

func (p *tparser) peekWord() string {
	p.ws()
	j := p.pos
	for j < len(p.s) && (isWordChar(p.s[j])) {
		j++
	}
	return p.s[p.pos:j]
}

func isWordChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *tparser) accept(tok string) bool {
	p.ws()
	if strings.HasPrefix(p.s[p.pos:], tok) {
		p.pos += len(tok)
		return true
	}
	return false
}

func (p *tparser) expr() (*ast, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	p.ws()
	for _, op := range []string{"NOT LIKE", "NOT ILIKE", "LIKE", "ILIKE", "||", "!~*", "!~", "~*", "~",
		"<>", "<=", ">=", "=", "<", ">", "+", "-", "*", "/", "%"} {
		if p.accept(op) {
			r, err := p.operand()
			if err != nil {
				return nil, err
			}
			return &ast{kind: 'b', name: op, args: []*ast{l, r}}, nil
		}
	}
	return l, nil
}

func (p *tparser) str() string {
	// at the opening quote
	p.pos++
	var sb strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		p.pos++
		if c == '\'' {
			if p.pos < len(p.s) && p.s[p.pos] == '\'' {
				sb.WriteByte('\'')
				p.pos++
				continue
			}
			break
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func (p *tparser) typeName() (vec.Type, error) {
	p.ws()
	j := p.pos
	for j < len(p.s) && (isWordChar(p.s[j])) {
		j++
	}
	if j < len(p.s) && p.s[j] == '(' {
		k := strings.IndexByte(p.s[j:], ')')
		j += k + 1
	}
	name := p.s[p.pos:j]
	p.pos = j
	return vec.ParseType(name)
}

func (p *tparser) operand() (*ast, error) {
	a, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.accept("::") {
		t, err := p.typeName()
		if err != nil {
			return nil, err
		}
		a = &ast{kind: 't', typ: t, args: []*ast{a}}
	}
	return a, nil
}

func (p *tparser) primary() (*ast, error) {
	p.ws()
	if p.pos >= len(p.s) {
		return nil, fmt.Errorf("unexpected end")
	}
	c := p.s[p.pos]
	switch {
	case c == '\'':
		return &ast{kind: 'l', text: p.str(), untyped: true}, nil
	case c == '(':
		p.pos++
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.accept(")") {
			return nil, fmt.Errorf("missing )")
		}
		return a, nil
	case c == '-' || c >= '0' && c <= '9':
		j := p.pos + 1
		for j < len(p.s) && (p.s[j] >= '0' && p.s[j] <= '9' || p.s[j] == '.' || p.s[j] == 'e') {
			j++
		}
		num := p.s[p.pos:j]
		p.pos = j
		switch {
		case strings.Contains(num, "e"):
			return &ast{kind: 'l', text: num, typ: vec.Float64}, nil
		case len(strings.Trim(num, "-.0")) > vec.MaxNumericPrecision:
			// Past 18 digits a literal is a KindDecimal, as the
			// planner makes it.
			return &ast{kind: 'l', text: num, typ: vec.DecimalOf(LiteralScale(num))}, nil
		case strings.Contains(num, "."):
			return &ast{kind: 'l', text: num, typ: numericOfScale(LiteralScale(num))}, nil
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err == nil && n == int64(int32(n)) {
			return &ast{kind: 'l', text: num, typ: vec.Int32}, nil
		}
		return &ast{kind: 'l', text: num, typ: vec.Int64}, nil
	}
	w := p.peekWord()
	p.pos += len(w)
	lw := strings.ToLower(w)
	switch lw {
	case "null":
		return &ast{kind: 'l', null: true, untyped: true}, nil
	case "true", "false":
		return &ast{kind: 'l', text: lw, typ: vec.Bool}, nil
	case "date", "timestamp", "timestamptz", "interval":
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == '\'' {
			t, _ := vec.ParseType(lw)
			return &ast{kind: 'l', text: p.str(), typ: t}, nil
		}
	case "extract":
		if !p.accept("(") {
			return nil, fmt.Errorf("extract without (")
		}
		field := p.peekWord()
		p.pos += len(field)
		if !strings.EqualFold(p.peekWord(), "from") {
			return nil, fmt.Errorf("extract without from")
		}
		p.pos += 4 + 0
		p.ws()
		arg, err := p.expr()
		if err != nil {
			return nil, err
		}
		if !p.accept(")") {
			return nil, fmt.Errorf("missing )")
		}
		return &ast{kind: 'x', name: field, args: []*ast{arg}}, nil
	}
	if !p.accept("(") {
		return nil, fmt.Errorf("unknown word %q", w)
	}
	call := &ast{kind: 'c', name: lw}
	if p.accept(")") {
		return call, nil
	}
	for {
		a, err := p.expr()
		if err != nil {
			return nil, err
		}
		call.args = append(call.args, a)
		if p.accept(")") {
			return call, nil
		}
		if !p.accept(",") {
			return nil, fmt.Errorf("expected , or ) at %q", p.s[p.pos:])
		}
	}
}

// builder makes expressions from the ast; in column mode typed
// literals become columns of batch.
type builder struct {
	loc     *time.Location
	columns bool
	cols    []*vec.Vec
}

func (b *builder) leaf(t vec.Type, text string, null bool) (Expr, error) {
	var v *vec.Vec
	if null {
		v = vec.New(t, 1)
		v.AppendNull()
	} else {
		var err error
		if v, err = vec.ParseText(t, text, b.loc); err != nil {
			return nil, err
		}
	}
	if !b.columns {
		return NewConst(v), nil
	}
	col := vec.New(t, 3)
	col.AppendFrom(v, 0)
	appendZero(col)
	col.AppendFrom(v, 0)
	b.cols = append(b.cols, col)
	return &ColRef{Idx: len(b.cols) - 1, Typ: t}, nil
}

// appendZero appends the zero value of the column's type: the value an
// unselected row holds, which may be invalid input for a function.
func appendZero(v *vec.Vec) {
	switch v.Type.Kind {
	case vec.KindBool:
		v.AppendBool(false)
	case vec.KindInt16:
		v.AppendInt16(0)
	case vec.KindInt32, vec.KindDate:
		v.AppendInt32(0)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		v.AppendInt64(0)
	case vec.KindFloat32:
		v.AppendFloat32(0)
	case vec.KindFloat64:
		v.AppendFloat64(0)
	case vec.KindText, vec.KindBytea:
		v.AppendBytes(nil)
	case vec.KindInterval:
		v.AppendInterval(vec.Interval{})
	case vec.KindDecimal:
		v.AppendDecimal(decimal.Decimal{})
	}
}

func (b *builder) build(a *ast) (Expr, error) {
	switch a.kind {
	case 'l':
		if a.untyped {
			if a.null {
				return NullLiteral(), nil
			}
			return Literal(a.text), nil
		}
		return b.leaf(a.typ, a.text, a.null)
	case 't':
		in := a.args[0]
		if in.kind == 'l' && in.untyped {
			// 'x'::type is a typed literal, a leaf.
			if in.null {
				return b.leaf(a.typ, "", true)
			}
			if _, err := vec.ParseText(a.typ, in.text, b.loc); err != nil {
				return nil, err
			}
			return b.leaf(a.typ, in.text, false)
		}
		e, err := b.build(in)
		if err != nil {
			return nil, err
		}
		if a.typ == vec.UnconstrainedNumeric {
			// The planner's cast to plain numeric keeps the
			// operand's own scale, as PostgreSQL's does.
			switch t := e.Type(); t.Kind {
			case vec.KindDecimal, vec.KindNumeric:
				return e, nil
			case vec.KindInt16, vec.KindInt32, vec.KindInt64:
				return NewCast(e, numericOfScale(0))
			}
		}
		return NewCast(e, a.typ)
	case 'x':
		e, err := b.build(a.args[0])
		if err != nil {
			return nil, err
		}
		return NewExtract(a.name, e)
	case 'c':
		args := make([]Expr, len(a.args))
		for i, x := range a.args {
			var err error
			if args[i], err = b.build(x); err != nil {
				return nil, err
			}
		}
		return NewFunc(a.name, args)
	case 'b':
		l, err := b.build(a.args[0])
		if err != nil {
			return nil, err
		}
		r, err := b.build(a.args[1])
		if err != nil {
			return nil, err
		}
		switch a.name {
		case "+":
			return NewArith(Add, l, r)
		case "-":
			return NewArith(Sub, l, r)
		case "*":
			return NewArith(Mul, l, r)
		case "/":
			return NewArith(Div, l, r)
		case "%":
			return NewArith(Mod, l, r)
		case "=", "<>", "<", "<=", ">", ">=":
			return NewCompare(CmpOp(slices.Index(cmpNames[:], a.name)), l, r)
		case "||":
			return NewConcat(l, r)
		case "LIKE", "NOT LIKE", "ILIKE", "NOT ILIKE":
			return NewLike(l, r, strings.Contains(a.name, "ILIKE"), strings.HasPrefix(a.name, "NOT"))
		default:
			return NewRegexMatch(l, r, strings.HasSuffix(a.name, "*"), strings.HasPrefix(a.name, "!"))
		}
	}
	return nil, fmt.Errorf("bad ast")
}

type pgCase struct {
	line      int
	expr      string
	want      string
	typ       string
	overrides map[string]string // mode ("const", "cols" or "" for both) → Apiary's value
}

func loadPGCases(t *testing.T, path string) []pgCase {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []pgCase
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < 3 {
			t.Fatalf("%s:%d: run funcs_pg_gen.py to fill in the expected values", path, n)
		}
		c := pgCase{line: n, expr: cols[0], want: cols[1], typ: cols[2], overrides: map[string]string{}}
		for _, o := range cols[3:] {
			mode, v, ok := strings.Cut(o, "=")
			if !ok || mode != "const" && mode != "cols" {
				mode, v = "", o
			}
			c.overrides[mode] = v
		}
		cases = append(cases, c)
	}
	return cases
}

// evalCase builds and evaluates one case, returning the rendered value of
// each selected row and the result type.
func evalCase(t *testing.T, a *ast, env *Env, columns bool) ([]string, vec.Type, error) {
	b := &builder{loc: env.Location(), columns: columns}
	e, err := b.build(a)
	if err != nil {
		return nil, vec.Type{}, err
	}
	ctx := NewCtx(env)
	var batch *vec.Batch
	rows := []int{0}
	if columns {
		if len(b.cols) == 0 {
			return nil, e.Type(), nil
		}
		batch = &vec.Batch{Cols: b.cols, Len: 2, Sel: []int32{0, 2}}
		rows = []int{0, 2}
	} else {
		batch = &vec.Batch{Len: 1}
	}
	v, err := e.Eval(ctx, batch)
	if err != nil {
		return nil, e.Type(), err
	}
	if v.Type.Kind != e.Type().Kind {
		t.Errorf("result vector kind %v, expression type %v", v.Type, e.Type())
	}
	if v.Len() < batch.PhysLen() {
		t.Errorf("result has %d rows, batch %d", v.Len(), batch.PhysLen())
	}
	var out []string
	for _, r := range rows {
		if v.Nulls.IsNull(r) {
			out = append(out, "NULL")
			continue
		}
		out = append(out, string(vec.AppendText(nil, v, r, env.Location())))
	}
	return out, e.Type(), nil
}

func TestPostgresCases(t *testing.T) { runPGCases(t, "testdata/funcs_pg.txt") }

// runPGCases checks the cases of a file in funcs_pg.txt's format.
func runPGCases(t *testing.T, path string) {
	env := testEnv(t)
	file := filepath.Base(path)
	for _, c := range loadPGCases(t, path) {
		p := &tparser{s: c.expr}
		a, err := p.expr()
		if err == nil && strings.TrimSpace(p.s[p.pos:]) != "" {
			err = fmt.Errorf("trailing %q", p.s[p.pos:])
		}
		if err != nil {
			t.Errorf("%s:%d: parsing %s: %v", file, c.line, c.expr, err)
			continue
		}
		for _, columns := range []bool{false, true} {
			mode, key := "constants", "const"
			if columns {
				mode, key = "columns", "cols"
			}
			want := c.want
			if v, ok := c.overrides[""]; ok {
				want = v
			}
			if v, ok := c.overrides[key]; ok {
				want = v
			}
			got, typ, err := evalCase(t, a, env, columns)
			if columns && got == nil && err == nil {
				continue // no typed operand to turn into a column
			}
			if strings.HasPrefix(want, "ERROR:") {
				code := strings.TrimPrefix(want, "ERROR:")
				if err == nil {
					t.Errorf("%s:%d: %s (%s) = %v, want error %s", file, c.line, c.expr, mode, got, code)
				} else if got := sqlerr.CodeOf(err); string(got) != code {
					t.Errorf("%s:%d: %s (%s): error %s (%v), want %s", file, c.line, c.expr, mode, got, err, code)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s:%d: %s (%s): %v, want %q", file, c.line, c.expr, mode, err, want)
				continue
			}
			for _, g := range got {
				if g != want {
					t.Errorf("%s:%d: %s (%s) = %q, want %q", file, c.line, c.expr, mode, g, want)
					break
				}
			}
			if tn := pgTypeName(typ); tn != c.typ && c.typ != "unknown" {
				t.Errorf("%s:%d: %s (%s): type %s, want %s", file, c.line, c.expr, mode, tn, c.typ)
			}
		}
	}
}

// TestDecimalPostgresCases runs testdata/decimal_pg.txt: numeric division
// and the numerics past 18 digits, checked against PostgreSQL 15.
func TestDecimalPostgresCases(t *testing.T) { runPGCases(t, "testdata/decimal_pg.txt") }
