package expr

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// fakeSession is a session with one table (OID 70000, "trips", 8192 bytes)
// in public, and one role.
type fakeSession struct{ catalogErr error }

func (fakeSession) CurrentUser() string  { return "apiary" }
func (fakeSession) SessionUser() string  { return "apiary" }
func (fakeSession) Database() string     { return "apiary" }
func (fakeSession) BackendPID() int32    { return 4242 }
func (fakeSession) StartTime() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }
func (fakeSession) Version() string      { return "PostgreSQL 15.8 (Apiary) on x86_64-pc-linux-gnu, 64-bit" }
func (f fakeSession) Catalog() (CatalogInfo, error) {
	if f.catalogErr != nil {
		return nil, f.catalogErr
	}
	return fakeCatalogInfo{}, nil
}

type fakeCatalogInfo struct{}

func (fakeCatalogInfo) CurrentSchema() (string, bool) { return "public", true }
func (fakeCatalogInfo) SearchPathSchemas(implicit bool) []string {
	if implicit {
		return []string{"pg_catalog", "public"}
	}
	return []string{"public"}
}
func (fakeCatalogInfo) FormatType(oid uint32, typmod int32, given bool) string {
	if oid == 23 {
		return "integer"
	}
	return "???"
}
func (fakeCatalogInfo) RoleName(oid uint32) (string, bool) { return "apiary", oid == 10 }
func (fakeCatalogInfo) RoleOID(name string) (uint32, bool) { return 10, name == "apiary" }
func (fakeCatalogInfo) RelationOID(name string) (uint32, error) {
	if name == "trips" || name == "public.trips" || name == `"public"."trips"` {
		return 70000, nil
	}
	return 0, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", name)
}
func (fakeCatalogInfo) Relation(oid uint32) (byte, bool, int64, bool) {
	if oid == 70000 {
		return 'r', true, 8192, true
	}
	return 0, false, 0, false
}
func (fakeCatalogInfo) RelationVisible(oid uint32) (bool, bool) { return oid == 70000, oid == 70000 }
func (fakeCatalogInfo) TypeVisible(oid uint32) (bool, bool)     { return oid == 23, oid == 23 }
func (fakeCatalogInfo) FunctionVisible(oid uint32) (bool, bool) { return oid == 870, oid == 870 }
func (fakeCatalogInfo) NamespaceOID(name string) (uint32, bool) { return 2200, name == "public" }
func (fakeCatalogInfo) NamespaceExists(oid uint32) bool         { return oid == 2200 }
func (fakeCatalogInfo) DatabaseOID(name string) (uint32, bool)  { return 80000, name == "apiary" }
func (fakeCatalogInfo) DatabaseSize(oid uint32) (int64, bool, error) {
	return 123456789, oid == 80000, nil
}
func (fakeCatalogInfo) IndexDef(oid uint32, column int, pretty bool) (string, bool) {
	return "CREATE UNIQUE INDEX trips_pkey ON public.trips USING btree (id)", oid == 70001
}
func (fakeCatalogInfo) ConstraintDef(oid uint32) (string, bool) {
	return "PRIMARY KEY (id)", oid == 70002
}
func (fakeCatalogInfo) FunctionArguments(oid uint32) (string, bool) { return "text", oid == 870 }
func (fakeCatalogInfo) FunctionResult(oid uint32) (string, bool)    { return "text", oid == 870 }

func catOID(x uint32) *Const {
	v := vec.New(vec.Oid, 1)
	v.AppendInt64(int64(x))
	return NewConst(v)
}

// call builds and evaluates name(args) on one row with the fake session.
func callCatalogFunc(t *testing.T, env *Env, name string, args ...Expr) (string, error) {
	t.Helper()
	e, err := NewFunc(name, args)
	if err != nil {
		return "", err
	}
	e, err = FoldConstants(e, env)
	if err != nil {
		return "", err
	}
	v, err := e.Eval(NewCtx(env), &vec.Batch{Len: 1})
	if err != nil {
		return "", err
	}
	if v.Nulls.IsNull(0) {
		return "NULL", nil
	}
	return string(vec.AppendText(nil, v, 0, time.UTC)), nil
}

func TestSessionAndCatalogFunctions(t *testing.T) {
	env := &Env{Session: fakeSession{}}
	cases := []struct {
		name string
		args []Expr
		want string
	}{
		{"current_user", nil, "apiary"},
		{"current_database", nil, "apiary"},
		{"current_schema", nil, "public"},
		{"current_schemas", []Expr{NewConst(boolConstVec(true))}, "{pg_catalog,public}"},
		{"current_schemas", []Expr{NewConst(boolConstVec(false))}, "{public}"},
		{"pg_backend_pid", nil, "4242"},
		{"version", nil, "PostgreSQL 15.8 (Apiary) on x86_64-pc-linux-gnu, 64-bit"},
		{"format_type", []Expr{catOID(23), intConst(-1)}, "integer"},
		{"format_type", []Expr{NullConst(vec.Oid), intConst(-1)}, "NULL"},
		{"pg_get_userbyid", []Expr{catOID(10)}, "apiary"},
		{"pg_get_userbyid", []Expr{catOID(11)}, "unknown (OID=11)"},
		{"pg_table_is_visible", []Expr{catOID(70000)}, "t"},
		{"pg_table_is_visible", []Expr{catOID(1)}, "NULL"},
		{"obj_description", []Expr{catOID(70000), Literal("pg_class")}, "NULL"},
		{"pg_get_expr", []Expr{NullLiteral(), intConst(0)}, "NULL"},
		{"pg_get_function_arguments", []Expr{catOID(870)}, "text"},
		{"pg_get_constraintdef", []Expr{catOID(70002)}, "PRIMARY KEY (id)"},
		{"pg_get_constraintdef", []Expr{catOID(1)}, "NULL"},
		{"pg_get_indexdef", []Expr{catOID(70001), intConst(0), NewConst(boolConstVec(true))}, "CREATE UNIQUE INDEX trips_pkey ON public.trips USING btree (id)"},
		{"pg_relation_size", []Expr{catOID(70000)}, "8192"},
		{"pg_relation_size", []Expr{catOID(70000), Literal("fsm")}, "0"},
		{"pg_total_relation_size", []Expr{catOID(5)}, "NULL"},
		{"pg_database_size", []Expr{Literal("apiary")}, "123456789"},
		{"pg_encoding_to_char", []Expr{intConst(6)}, "UTF8"},
		{"pg_char_to_encoding", []Expr{Literal("utf-8")}, "6"},
		{"has_table_privilege", []Expr{Literal("trips"), Literal("select")}, "t"},
		{"has_table_privilege", []Expr{Literal("apiary"), Literal(`"public"."trips"`), Literal("SELECT, INSERT WITH GRANT OPTION")}, "t"},
		{"has_table_privilege", []Expr{catOID(1), Literal("select")}, "NULL"},
		{"has_schema_privilege", []Expr{Literal("apiary"), Literal("public"), Literal("usage")}, "t"},
		{"has_column_privilege", []Expr{Literal("trips"), Literal("city"), Literal("select")}, "t"},
		{"has_database_privilege", []Expr{Literal("apiary"), Literal("connect")}, "t"},
		{"quote_nullable", []Expr{NullLiteral()}, "NULL"},
		{"quote_nullable", []Expr{Literal("it's")}, "'it''s'"},
	}
	for _, c := range cases {
		got, err := callCatalogFunc(t, env, c.name, c.args...)
		if err != nil || got != c.want {
			t.Errorf("%s(%v) = %q, %v; want %q", c.name, c.args, got, err, c.want)
		}
	}
}

func boolConstVec(b bool) *vec.Vec {
	v := vec.New(vec.Bool, 1)
	v.AppendBool(b)
	return v
}

func TestCatalogFunctionErrors(t *testing.T) {
	env := &Env{Session: fakeSession{}}
	cases := []struct {
		name string
		args []Expr
		code sqlerr.Code
	}{
		{"has_table_privilege", []Expr{Literal("nope"), Literal("select")}, sqlerr.UndefinedTable},
		{"has_table_privilege", []Expr{Literal("trips"), Literal("fly")}, sqlerr.InvalidParameterValue},
		{"has_table_privilege", []Expr{Literal("nobody"), Literal("trips"), Literal("select")}, sqlerr.UndefinedObject},
		{"has_schema_privilege", []Expr{Literal("nope"), Literal("usage")}, sqlerr.UndefinedSchema},
		{"pg_database_size", []Expr{Literal("nope")}, sqlerr.UndefinedDatabase},
		{"pg_relation_size", []Expr{catOID(70000), Literal("nope")}, sqlerr.InvalidParameterValue},
	}
	for _, c := range cases {
		_, err := callCatalogFunc(t, env, c.name, c.args...)
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != c.code {
			t.Errorf("%s(%v): %v, want SQLSTATE %s", c.name, c.args, err, c.code)
		}
	}
	// Without a session the catalog functions fail rather than guess.
	if _, err := callCatalogFunc(t, &Env{}, "current_user"); err == nil {
		t.Error("current_user without a session succeeded")
	}
	// A catalog that cannot be read reports why.
	broken := &Env{Session: fakeSession{catalogErr: errors.New("storage down")}}
	if _, err := callCatalogFunc(t, broken, "pg_table_is_visible", catOID(1)); err == nil || !strings.Contains(err.Error(), "storage down") {
		t.Errorf("unreadable catalog: %v", err)
	}
}

func TestFormatFunction(t *testing.T) {
	env := &Env{}
	cases := []struct {
		args []Expr
		want string
	}{
		{[]Expr{Literal("%I.%I"), Literal("public"), Literal("My Table")}, `public."My Table"`},
		{[]Expr{Literal("%s|%L|%L"), Literal("x"), Literal("it's"), NullLiteral()}, `x|'it''s'|NULL`},
		{[]Expr{Literal("%2$s %1$s"), Literal("a"), Literal("b")}, "b a"},
		{[]Expr{Literal("[%-5s][%5s]"), Literal("ab"), Literal("cd")}, "[ab   ][   cd]"},
		{[]Expr{Literal("%s and %%"), intConst(42)}, "42 and %"},
		{[]Expr{Literal("%s"), NullLiteral()}, ""},
		{[]Expr{NullLiteral(), Literal("x")}, "NULL"},
	}
	for _, c := range cases {
		got, err := callCatalogFunc(t, env, "format", c.args...)
		if err != nil || got != c.want {
			t.Errorf("format(%v) = %q, %v; want %q", c.args, got, err, c.want)
		}
	}
	for _, bad := range [][]Expr{
		{Literal("%s %s"), Literal("one")},
		{Literal("%x"), Literal("one")},
		{Literal("%I"), NullLiteral()},
		{Literal("100%")},
	} {
		if _, err := callCatalogFunc(t, env, "format", bad...); err == nil {
			t.Errorf("format(%v) succeeded", bad)
		}
	}
}

func TestPgSizePretty(t *testing.T) {
	// PostgreSQL 15's answers.
	cases := map[int64]string{
		0: "0 bytes", 10239: "10239 bytes", 10240: "10 kB", 123456789: "118 MB", -123456789: "-118 MB",
		10000000000000: "9313 GB", 99999999999999999: "89 PB", 20971519: "20 MB",
	}
	for in, want := range cases {
		if got := prettySize(in); got != want {
			t.Errorf("pg_size_pretty(%d) = %q, want %q", in, got, want)
		}
	}
}
