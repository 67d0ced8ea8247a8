package expr

import (
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// fakeCatalog is a Catalog over a few objects of PostgreSQL's catalog and
// a user table outside the search path.
type fakeCatalog struct{}

type fakeRel struct {
	schema, name string
	visible      bool
}

var fakeRels = map[uint32]fakeRel{
	1259:  {"pg_catalog", "pg_class", true},
	16384: {"public", "t", true},
	16390: {"other", "Hidden", false},
}

func (fakeCatalog) RelationOID(schema, name string) (uint32, bool) {
	for oid, r := range fakeRels {
		if r.name == name && (schema == r.schema || schema == "" && r.visible) {
			return oid, true
		}
	}
	return 0, false
}

func (fakeCatalog) RelationName(oid uint32) (string, string, bool, bool) {
	r, ok := fakeRels[oid]
	return r.schema, r.name, r.visible, ok
}

func (fakeCatalog) TypeOID(schema, name string) (uint32, bool) {
	if name == "mood" && (schema == "" || schema == "public") {
		return 16400, true
	}
	return 0, false
}

func (fakeCatalog) TypeName(oid uint32) (string, string, bool, bool) {
	if oid == 16400 {
		return "public", "mood", true, true
	}
	return "", "", false, false
}

func (fakeCatalog) NamespaceOID(name string) (uint32, bool) {
	switch name {
	case "pg_catalog":
		return 11, true
	case "public":
		return 2200, true
	case "other":
		return 16389, true
	}
	return 0, false
}

func (fakeCatalog) NamespaceName(oid uint32) (string, bool) {
	switch oid {
	case 11:
		return "pg_catalog", true
	case 2200:
		return "public", true
	}
	return "", false
}

func (fakeCatalog) ProcOIDs(schema, name string) []uint32 {
	switch {
	case name == "array_in" && (schema == "" || schema == "pg_catalog"):
		return []uint32{750}
	case name == "lower" && schema == "":
		return []uint32{870, 871}
	}
	return nil
}

func (fakeCatalog) ProcName(oid uint32) (string, string, bool, bool) {
	if oid == 750 {
		return "pg_catalog", "array_in", true, true
	}
	return "", "", false, false
}

func (fakeCatalog) ProcArgs(oid uint32) ([]uint32, bool) {
	if oid == 750 {
		return []uint32{2275, vec.OIDOid, vec.OIDInt4}, true
	}
	return nil, false
}

func (fakeCatalog) RoleOID(name string) (uint32, bool) { return 10, name == "apiary" }

func (fakeCatalog) RoleName(oid uint32) (string, bool) { return "apiary", oid == 10 }

// castText evaluates CAST(CAST(lit AS from) AS to) with env and renders
// the value; from may be the zero Type for an untyped literal.
func evalCast(t *testing.T, env *Env, lit string, from, to vec.Type) (string, error) {
	t.Helper()
	var e Expr = Literal(lit)
	var err error
	if from.Kind != vec.KindUnknown {
		if e, err = NewCast(e, from); err != nil {
			return "", err
		}
	}
	if e, err = NewCast(e, to); err != nil {
		return "", err
	}
	if e, err = FoldConstants(e, env); err != nil {
		return "", err
	}
	k := e.(*Const)
	if k.IsNull() {
		return "NULL", nil
	}
	out := NewRegName(k)
	if out != Expr(k) {
		v, err := out.Eval(NewCtx(env), &vec.Batch{Cols: []*vec.Vec{}, Len: 1})
		if err != nil {
			return "", err
		}
		return string(vec.AppendText(nil, v, 0, nil)), nil
	}
	return string(vec.AppendText(nil, k.Val, 0, nil)), nil
}

func TestRegCasts(t *testing.T) {
	env := &Env{Catalog: fakeCatalog{}}
	cases := []struct {
		lit      string
		from, to vec.Type
		want     string
		code     sqlerr.Code
	}{
		{"pg_class", vec.Type{}, vec.Regclass, "pg_class", ""},
		{"pg_catalog.pg_class", vec.Type{}, vec.Regclass, "pg_class", ""},
		{"PG_CLASS", vec.Type{}, vec.Regclass, "pg_class", ""},
		{`"pg_class"`, vec.Type{}, vec.Regclass, "pg_class", ""},
		{"1259", vec.Type{}, vec.Regclass, "pg_class", ""},
		{"99999", vec.Type{}, vec.Regclass, "99999", ""},
		{"-", vec.Type{}, vec.Regclass, "-", ""},
		{`other."Hidden"`, vec.Type{}, vec.Regclass, `other."Hidden"`, ""},
		{"nosuch", vec.Type{}, vec.Regclass, "", sqlerr.UndefinedTable},
		{"public.nosuch", vec.Type{}, vec.Regclass, "", sqlerr.UndefinedTable},
		{"nosuch.t", vec.Type{}, vec.Regclass, "", "3F000"},
		{"a.b.c.d", vec.Type{}, vec.Regclass, "", sqlerr.SyntaxError},
		{"pg_class", vec.Text, vec.Regclass, "pg_class", ""},
		{"pg_class", vec.Regclass, vec.Oid, "1259", ""},
		{"pg_class", vec.Regclass, vec.Text, "pg_class", ""},
		{"16390", vec.Oid, vec.Regclass, `other."Hidden"`, ""},
		{"integer", vec.Type{}, vec.Regtype, "integer", ""},
		{"int", vec.Type{}, vec.Regtype, "integer", ""},
		{"int4", vec.Type{}, vec.Regtype, "integer", ""},
		{"character varying", vec.Type{}, vec.Regtype, "character varying", ""},
		{"varchar(10)", vec.Type{}, vec.Regtype, "character varying", ""},
		{"double precision", vec.Type{}, vec.Regtype, "double precision", ""},
		{"text[]", vec.Type{}, vec.Regtype, "text[]", ""},
		{"_text", vec.Type{}, vec.Regtype, "text[]", ""},
		{"pg_catalog.int4", vec.Type{}, vec.Regtype, "integer", ""},
		{`"char"`, vec.Type{}, vec.Regtype, `"char"`, ""},
		{"bpchar", vec.Type{}, vec.Regtype, "character", ""},
		{"mood", vec.Type{}, vec.Regtype, "mood", ""},
		{"nosuch", vec.Type{}, vec.Regtype, "", sqlerr.UndefinedObject},
		{"integer", vec.Text, vec.Regtype, "integer", ""},
		{"pg_catalog.array_in", vec.Type{}, vec.Regproc, "array_in", ""},
		{"array_in", vec.Type{}, vec.Regproc, "array_in", ""},
		{"lower", vec.Type{}, vec.Regproc, "", "42725"},
		{"nosuch", vec.Type{}, vec.Regproc, "", sqlerr.UndefinedFunction},
		{"array_in(cstring,oid,integer)", vec.Type{}, vec.Regprocedure, "", sqlerr.UndefinedObject},
		{"750", vec.Type{}, vec.Regprocedure, "array_in(2275,oid,integer)", ""},
		{"pg_catalog", vec.Type{}, vec.Regnamespace, "pg_catalog", ""},
		{"11", vec.Type{}, vec.Regnamespace, "pg_catalog", ""},
		{"nosuch", vec.Type{}, vec.Regnamespace, "", "3F000"},
		{"apiary", vec.Type{}, vec.Regrole, "apiary", ""},
		{"nosuch", vec.Type{}, vec.Regrole, "", sqlerr.UndefinedObject},
		{"4294967295", vec.Oid, vec.Int32, "-1", ""},
		{"4294967295", vec.Oid, vec.Int64, "4294967295", ""},
		{"-1", vec.Int32, vec.Oid, "4294967295", ""},
		{"4294967296", vec.Int64, vec.Oid, "", sqlerr.NumericValueOutOfRange},
		{"-1", vec.Int64, vec.Oid, "", sqlerr.NumericValueOutOfRange},
		{"12", vec.Type{}, vec.Oid, "12", ""},
		{"abc", vec.Type{}, vec.CharByte, "a", ""},
		{"abc", vec.Text, vec.CharByte, "a", ""},
		{"a", vec.CharByte, vec.Int32, "97", ""},
		{"200", vec.Int32, vec.CharByte, "", sqlerr.NumericValueOutOfRange},
		{"65", vec.Int32, vec.CharByte, "A", ""},
		{"abc", vec.Type{}, vec.PgNodeTree, "", sqlerr.FeatureNotSupported},
	}
	for _, c := range cases {
		got, err := evalCast(t, env, c.lit, c.from, c.to)
		if c.code != "" {
			if sqlerr.CodeOf(err) != c.code {
				t.Errorf("%q::%s::%s: error %v, want SQLSTATE %s", c.lit, c.from, c.to, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q::%s::%s: %v", c.lit, c.from, c.to, err)
			continue
		}
		if got != c.want {
			t.Errorf("%q::%s::%s = %q, want %q", c.lit, c.from, c.to, got, c.want)
		}
	}
	// Without a catalog, built-in type names still resolve; relation
	// names do not.
	if got, err := evalCast(t, nil, "integer", vec.Type{}, vec.Regtype); err != nil || got != "integer" {
		t.Errorf("'integer'::regtype without a catalog = %q, %v", got, err)
	}
	if _, err := evalCast(t, nil, "pg_class", vec.Type{}, vec.Regclass); sqlerr.CodeOf(err) != sqlerr.UndefinedTable {
		t.Errorf("'pg_class'::regclass without a catalog: %v", err)
	}
}

func TestOIDComparisons(t *testing.T) {
	m := mustExpr(t)
	oid := m(NewCast(Literal("3000000000"), vec.Oid))
	b := &vec.Batch{Len: 1}
	cases := []struct {
		e    Expr
		want string
	}{
		{m(NewCompare(GT, oid, intConst(1))), "t"},
		{m(NewCompare(EQ, oid, Literal("3000000000"))), "t"},
		{m(NewCompare(EQ, m(NewCast(Literal("1259"), vec.Regclass)), intConst(1259))), "t"},
		{m(NewCompare(EQ, m(NewCast(Literal("1259"), vec.Regclass)), m(NewCast(Literal("1259"), vec.Oid)))), "t"},
		{m(NewCompare(EQ, m(NewCast(Literal("r"), vec.CharByte)), Literal("r"))), "t"},
		{m(NewCompare(EQ, m(NewCast(Literal("f"), vec.CharByte)), m(NewCast(Literal("f"), vec.Char(1))))), "t"},
		{m(NewInList(oid, []*Const{intConst(5), m(NewCast(Literal("3000000000"), vec.Int64)).(*Const)}, false)), "t"},
	}
	for _, c := range cases {
		if got := render(t, c.e, nil, b); got[0] != c.want {
			t.Errorf("%s = %s, want %s", c.e, got[0], c.want)
		}
	}
	if _, err := NewArith(Add, oid, intConst(1)); sqlerr.CodeOf(err) != sqlerr.UndefinedFunction {
		t.Errorf("oid + 1: %v, want 42883", err)
	}
}

func TestArrayExprs(t *testing.T) {
	m := mustExpr(t)
	intArr := func(s string) Expr { return m(NewCast(Literal(s), mustArrayType(vec.Int32))) }
	textArr := func(s string) Expr { return m(NewCast(Literal(s), mustArrayType(vec.Text))) }
	b := &vec.Batch{Len: 1}
	cases := []struct {
		e    Expr
		want string
	}{
		{m(NewArrayCtor([]Expr{intConst(1), Literal("2"), NullConst(vec.Int32)}, vec.Type{})), "{1,2,NULL}"},
		{m(NewArrayCtor([]Expr{intConst(1), m(NewCast(Literal("2.5"), vec.Numeric(3, 1)))}, vec.Type{})), "{1.0,2.5}"},
		{m(NewArrayCtor(nil, mustArrayType(vec.Text))), "{}"},
		{m(NewSubscript(intArr("{10,20,30}"), intConst(2))), "20"},
		{m(NewSubscript(intArr("{10,20,30}"), intConst(4))), "NULL"},
		{m(NewSubscript(intArr("{10,20,30}"), intConst(0))), "NULL"},
		{m(NewSubscript(m(NewCast(Literal("5 6 7"), vec.Int2Vector)), intConst(0))), "5"},
		{m(NewAnyAll(EQ, intConst(2), intArr("{1,2}"), false)), "t"},
		{m(NewAnyAll(EQ, intConst(3), intArr("{1,2}"), false)), "f"},
		{m(NewAnyAll(EQ, intConst(3), intArr("{1,NULL}"), false)), "NULL"},
		{m(NewAnyAll(EQ, intConst(1), intArr("{1,NULL}"), false)), "t"},
		{m(NewAnyAll(NE, intConst(3), intArr("{1,2}"), true)), "t"},
		{m(NewAnyAll(NE, intConst(2), intArr("{1,2}"), true)), "f"},
		{m(NewAnyAll(EQ, intConst(2), intArr("{}"), false)), "f"},
		{m(NewAnyAll(NE, intConst(2), intArr("{}"), true)), "t"},
		{m(NewAnyAll(LT, intConst(2), intArr("{1,5}"), false)), "t"},
		{m(NewAnyAll(EQ, Literal("b"), Literal("{a,b}"), false)), "t"},
		{m(NewAnyAll(EQ, m(NewCast(Literal("b"), vec.Name)), textArr("{a,b}"), false)), "t"},
		{m(NewAnyAll(EQ, m(NewCast(Literal("3"), vec.Int64)), intArr("{1,3}"), false)), "t"},
		{m(NewAnyAll(EQ, m(NewCast(Literal("3"), vec.Oid)), m(NewCast(Literal("{1,3}"), mustArrayType(vec.Oid))), false)), "t"},
		{m(NewFunc("array_to_string", []Expr{textArr(`{a,NULL,"b c"}`), Literal(",")})), "a,b c"},
		{m(NewFunc("array_to_string", []Expr{textArr(`{a,NULL,"b c"}`), Literal(","), Literal("*")})), "a,*,b c"},
		{m(NewFunc("array_upper", []Expr{intArr("{1,2,3}"), intConst(1)})), "3"},
		{m(NewFunc("array_upper", []Expr{intArr("{}"), intConst(1)})), "NULL"},
		{m(NewFunc("array_upper", []Expr{intArr("{1}"), intConst(2)})), "NULL"},
		{m(NewFunc("array_upper", []Expr{m(NewCast(Literal("1 2"), vec.Int2Vector)), intConst(1)})), "1"},
		{m(NewFunc("array_lower", []Expr{intArr("{1,2,3}"), intConst(1)})), "1"},
		{m(NewFunc("array_length", []Expr{intArr("{1,2,3}"), intConst(1)})), "3"},
		{m(NewFunc("array_dims", []Expr{intArr("{1,2,3}")})), "[1:3]"},
		{m(NewFunc("cardinality", []Expr{intArr("{}")})), "0"},
		{m(NewFunc("array_position", []Expr{textArr("{a,b,NULL,b}"), Literal("b")})), "2"},
		{m(NewFunc("array_position", []Expr{textArr("{a,b,NULL,b}"), Literal("b"), intConst(3)})), "4"},
		{m(NewFunc("array_position", []Expr{textArr("{a,b,NULL,b}"), NullLiteral()})), "3"},
		{m(NewFunc("array_append", []Expr{intArr("{1}"), intConst(2)})), "{1,2}"},
		{m(NewFunc("array_prepend", []Expr{intConst(0), intArr("{1}")})), "{0,1}"},
		{m(NewFunc("array_cat", []Expr{intArr("{1}"), intArr("{2,3}")})), "{1,2,3}"},
		{m(NewFunc("string_to_array", []Expr{Literal("a,b,,c"), Literal(",")})), `{a,b,"",c}`},
		{m(NewFunc("string_to_array", []Expr{Literal("a,b,,c"), Literal(","), Literal("")})), "{a,b,NULL,c}"},
		{m(NewFunc("string_to_array", []Expr{Literal("abc"), NullLiteral()})), "{a,b,c}"},
		{m(NewFunc("string_to_array", []Expr{Literal(""), Literal(",")})), "{}"},
		{m(NewCast(intArr("{1,2}"), mustArrayType(vec.Text))), "{1,2}"},
		{m(NewCast(textArr("{1,2}"), mustArrayType(vec.Int64))), "{1,2}"},
		{m(NewCast(intArr("{1,NULL}"), vec.Text)), "{1,NULL}"},
		{m(NewCast(m(NewCast(Literal("1 2"), vec.Int2Vector)), mustArrayType(vec.Int16))), "{1,2}"},
		{m(NewCompare(EQ, intArr("{1,2}"), Literal("{1,2}"))), "t"},
		{m(NewCompare(LT, intArr("{1,2}"), intArr("{1,3}"))), "t"},
		{m(NewCompare(EQ, intArr("{1,2}"), m(NewCast(Literal("{1,2}"), mustArrayType(vec.Int64))))), "t"},
	}
	for _, c := range cases {
		if got := render(t, c.e, nil, b); got[0] != c.want {
			t.Errorf("%s = %s, want %s", c.e, got[0], c.want)
		}
	}
	for _, bad := range []func() (Expr, error){
		func() (Expr, error) { return NewSubscript(intConst(1), intConst(1)) },
		func() (Expr, error) { return NewArrayCtor(nil, vec.Type{}) },
		func() (Expr, error) { return NewFunc("array_upper", []Expr{Literal("{1}"), intConst(1)}) },
		func() (Expr, error) { return NewFunc("length", []Expr{intArr("{1}")}) },
		func() (Expr, error) { return NewCompare(EQ, intArr("{1}"), m(NewCast(Literal("\\x01"), vec.Bytea))) },
		func() (Expr, error) { return NewCast(intArr("{1}"), vec.Bytea) },
	} {
		if e, err := bad(); err == nil {
			t.Errorf("%s: no error", e)
		}
	}
}

func mustArrayType(elem vec.Type) vec.Type {
	t, ok := vec.ArrayOf(elem)
	if !ok {
		panic(elem.String())
	}
	return t
}

func TestRecordFields(t *testing.T) {
	m := mustExpr(t)
	rt := vec.ExpandRecordOf(vec.Int16)
	elem := vec.New(vec.Int16, 1)
	elem.AppendInt16(7)
	rec := vec.New(rt, 1)
	rec.AppendBytes(vec.AppendRecordN(vec.AppendElem(nil, elem, 0), 2))
	k := NewConst(rec)
	b := &vec.Batch{Len: 1}
	if got := render(t, m(NewRecordField(k, "x")), nil, b)[0]; got != "7" {
		t.Errorf("(rec).x = %s", got)
	}
	if got := render(t, m(NewRecordField(k, "n")), nil, b)[0]; got != "2" {
		t.Errorf("(rec).n = %s", got)
	}
	if got := string(vec.AppendText(nil, rec, 0, nil)); got != "(7,2)" {
		t.Errorf("record prints %q", got)
	}
	if _, err := NewRecordField(k, "z"); sqlerr.CodeOf(err) != sqlerr.UndefinedColumn {
		t.Errorf("(rec).z: %v", err)
	}
}

func TestArrayConcat(t *testing.T) {
	m := mustExpr(t)
	arr := m(NewCast(Literal("{a,b}"), mustArrayType(vec.Text)))
	b := &vec.Batch{Len: 1}
	for _, c := range []struct {
		e    Expr
		want string
	}{
		{m(NewArrayConcat(arr, arr)), "{a,b,a,b}"},
		{m(NewArrayConcat(arr, Literal("{c}"))), "{a,b,c}"},
		{m(NewArrayConcat(Literal("{c}"), arr)), "{c,a,b}"},
		{m(NewArrayConcat(arr, m(NewCast(Literal("z"), vec.Text)))), "{a,b,z}"},
		{m(NewArrayConcat(m(NewCast(Literal("z"), vec.Text)), arr)), "{z,a,b}"},
		{m(NewArrayConcat(arr, NullConst(mustArrayType(vec.Text)))), "{a,b}"},
	} {
		if got := render(t, c.e, nil, b)[0]; got != c.want {
			t.Errorf("%s = %s, want %s", c.e, got, c.want)
		}
	}
}
