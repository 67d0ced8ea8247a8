package pgcatalog

import (
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

func sampleInput() *Input {
	return &Input{
		Database:   "apiary",
		Databases:  []string{"apiary", "sales"},
		Schemas:    []string{"public", "raw"},
		User:       "apiary",
		SearchPath: []string{"$user", "public"},
		Functions:  []string{"lower", "count", "row_number", "format_type"},
		Tables: []Table{
			{Schema: "public", Name: "trips", Rows: 10, Bytes: 20000, Columns: []TableColumn{
				{Name: "id", Type: vec.Int32, NotNull: true},
				{Name: "city", Type: vec.Text},
				{Name: "fare", Type: vec.Numeric(8, 2)},
				{Name: "code", Type: vec.Varchar(10)},
			}},
			{Schema: "raw", Name: "trips", Columns: []TableColumn{{Name: "x", Type: vec.Int64}}},
			{Schema: "raw", Name: "events", Columns: []TableColumn{{Name: "at", Type: vec.TimestampTZ}}},
		},
	}
}

func TestEveryRelationProducesRows(t *testing.T) {
	c := Build(sampleInput())
	withRows := 0
	rels := Relations()
	for _, name := range []string{"pg_get_keywords"} {
		f, ok := TableFunction(name)
		if !ok {
			t.Fatalf("no table function %s", name)
		}
		rels = append(rels, f)
	}
	for _, rel := range rels {
		rows := c.Rows(rel)
		if len(rows) > 0 {
			withRows++
		}
		for _, row := range rows {
			if len(row) != len(rel.Columns) {
				t.Fatalf("%s.%s: row of %d values, %d columns", rel.Schema, rel.Name, len(row), len(rel.Columns))
			}
			for i, v := range row {
				switch v.(type) {
				case nil, bool, int64, float64, string:
				default:
					if _, ok := v.(interface{ IsZero() bool }); !ok {
						t.Fatalf("%s.%s.%s: value of type %T", rel.Schema, rel.Name, rel.Columns[i].Name, v)
					}
				}
				if v == nil && rel.Columns[i].NotNull {
					t.Errorf("%s.%s.%s is declared NOT NULL but a row has NULL", rel.Schema, rel.Name, rel.Columns[i].Name)
				}
			}
		}
	}
	if withRows < 20 {
		t.Errorf("only %d relations have rows", withRows)
	}
}

func TestOIDsAreStableAndDistinct(t *testing.T) {
	a, b := Build(sampleInput()), Build(sampleInput())
	seen := map[uint32]string{}
	for _, e := range a.tables {
		if e.oid < FirstUserOID {
			t.Errorf("%s.%s got OID %d below the user range", e.schema, e.Name, e.oid)
		}
		if other, dup := seen[e.oid]; dup {
			t.Errorf("%s and %s share OID %d", other, e.Name, e.oid)
		}
		seen[e.oid] = e.Name
		got, err := b.RelationOID([]string{e.schema, e.Name})
		if err != nil || got != e.oid {
			t.Errorf("%s.%s: OID %d in one build, %d (%v) in another", e.schema, e.Name, e.oid, got, err)
		}
	}
	// Shared objects do not depend on the hive a session is in.
	in := sampleInput()
	in.Database, in.Schemas, in.Tables = "sales", []string{"public"}, nil
	other := Build(in)
	for _, d := range []string{"apiary", "sales"} {
		x, _ := a.DatabaseOID(d)
		y, _ := other.DatabaseOID(d)
		if x != y || x < FirstUserOID {
			t.Errorf("database %s: OIDs %d and %d", d, x, y)
		}
	}
	if oid, _ := a.NamespaceOID("public"); oid != OIDPublic {
		t.Errorf("public has OID %d", oid)
	}
	if oid, _ := a.RoleOID(BootstrapUser); oid != OIDBootstrapSuperuser {
		t.Errorf("%s has OID %d", BootstrapUser, oid)
	}
}

func TestAllocatorResolvesCollisionsInKeyOrder(t *testing.T) {
	a := newAllocator()
	k1 := oidKey{kind: kindRelation, parts: [3]string{"h", "s", "a"}}
	k2 := oidKey{kind: kindRelation, parts: [3]string{"h", "s", "b"}}
	// Pretend b's first choice is taken by a fixed OID: it must move on
	// to its second hash, the same way every time.
	a.reserve(oidKey{kind: kindNamespace, parts: [3]string{"x"}}, hashOID(kindRelation, 0, k2.parts[:]...))
	a.assign([]oidKey{k2, k1})
	if a.oids[k2] != hashOID(kindRelation, 1, k2.parts[:]...) {
		t.Errorf("collision not resolved by re-hashing: %d", a.oids[k2])
	}
	if a.oids[k1] != hashOID(kindRelation, 0, k1.parts[:]...) {
		t.Errorf("uncontested key moved: %d", a.oids[k1])
	}
}

func TestFormatTypeMatchesPostgres(t *testing.T) {
	// Answers of PostgreSQL 15 to format_type(oid, typmod); -2 stands for
	// a NULL typmod.
	cases := []struct {
		oid    uint32
		typmod int32
		want   string
	}{
		{1042, -1, "bpchar"}, {1042, -2, "character"}, {1043, -1, "character varying"},
		{1700, -1, "numeric"}, {1700, 524294, "numeric(8,2)"}, {18, -2, `"char"`},
		{1184, 2, "timestamp(2) with time zone"}, {1114, -1, "timestamp without time zone"},
		{1186, -1, "interval"}, {1009, -1, "text[]"}, {1015, 14, "character varying(10)[]"},
		{22, -1, "int2vector"}, {30, -2, "oidvector"}, {2277, -2, "anyarray"}, {99999, -2, "???"},
		{1005, -1, "smallint[]"}, {2205, -1, "regclass"}, {1000, -2, "boolean[]"}, {16, -1, "boolean"},
		{705, -1, "unknown"}, {1042, 7, "character(3)"}, {1014, 7, "character(3)[]"}, {25, 5, "text(5)"},
		{1043, -2, "character varying"}, {1700, -2, "numeric"}, {20, 5, "bigint"},
	}
	for _, c := range cases {
		if got := FormatType(c.oid, c.typmod, c.typmod != -2); got != c.want {
			t.Errorf("format_type(%d, %d) = %q, want %q", c.oid, c.typmod, got, c.want)
		}
	}
}

func TestTypeOIDByName(t *testing.T) {
	cases := map[string]uint32{
		"integer": 23, "int4": 23, "INT": 23, "character varying": 1043, "varchar(10)": 1043,
		"double precision": 701, "pg_catalog.text": 25, "text[]": 1009, `"char"`: 18, "char": 1042,
		"timestamp with time zone": 1184, "numeric(10,2)": 1700, "regclass": 2205, "_int4": 1007,
	}
	for name, want := range cases {
		if got, ok := TypeOIDByName(name); !ok || got != want {
			t.Errorf("%q resolved to %d, %v; want %d", name, got, ok, want)
		}
	}
	if _, ok := TypeOIDByName("no_such_type"); ok {
		t.Error("an unknown type resolved")
	}
}

func TestQuoteAndParseNames(t *testing.T) {
	quote := map[string]string{"trips": "trips", "Trips": `"Trips"`, "select": `"select"`, "name": "name",
		"a b": `"a b"`, `q"x`: `"q""x"`, "1a": `"1a"`, "_x1": "_x1", "char": `"char"`}
	for in, want := range quote {
		if got := QuoteIdent(in); got != want {
			t.Errorf("QuoteIdent(%q) = %s, want %s", in, got, want)
		}
	}
	parse := map[string][]string{
		"trips": {"trips"}, "Public.Trips": {"public", "trips"}, `"My Box"."T"`: {"My Box", "T"},
		`a."b.c"`: {"a", "b.c"}, `"q""x"`: {`q"x`},
	}
	for in, want := range parse {
		got, err := ParseQualifiedName(in)
		if err != nil || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("ParseQualifiedName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "a..b", `"unterminated`, `""`, "a.", "a b"} {
		if _, err := ParseQualifiedName(bad); err == nil {
			t.Errorf("ParseQualifiedName(%q) succeeded", bad)
		}
	}
}

func TestSearchPathAndVisibility(t *testing.T) {
	c := Build(sampleInput())
	pub, err := c.RelationOID([]string{"trips"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.RelationOID([]string{"raw", "trips"})
	if err != nil {
		t.Fatal(err)
	}
	if !c.RelationVisible(pub) || c.RelationVisible(raw) {
		t.Error("public.trips must be visible and raw.trips hidden by it")
	}
	if n, _ := c.RelationName(raw); n != "raw.trips" {
		t.Errorf("regclass output of raw.trips = %q", n)
	}
	if oid, err := c.RelationOID([]string{"pg_class"}); err != nil || oid != OIDPgClass {
		t.Errorf("pg_class resolved to %d, %v", oid, err)
	}
	if _, err := c.RelationOID([]string{"nope"}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing relation: %v", err)
	}
	if got := c.SearchPathSchemas(false); strings.Join(got, ",") != "public" {
		t.Errorf("current_schemas(false) = %v", got)
	}
	if got := c.SearchPathSchemas(true); strings.Join(got, ",") != "pg_catalog,public" {
		t.Errorf("current_schemas(true) = %v", got)
	}
	// A frame named like a catalog does not shadow it on the default path.
	in := sampleInput()
	in.Tables = append(in.Tables, Table{Schema: "public", Name: "pg_type"})
	c = Build(in)
	if oid, _ := c.RelationOID([]string{"pg_type"}); oid != OIDPgType {
		t.Errorf("pg_type resolved to %d", oid)
	}
}

func TestProcs(t *testing.T) {
	c := Build(sampleInput())
	names := map[string]bool{}
	for _, p := range c.procs {
		names[p.name] = true
	}
	for _, want := range []string{"lower", "count", "row_number", "array_in", "int4in", "textout"} {
		if !names[want] {
			t.Errorf("pg_proc lacks %s", want)
		}
	}
	if names["upper"] {
		t.Error("pg_proc lists a function the engine does not have")
	}
	lowers := 0
	for _, p := range c.procs {
		if p.name == "lower" {
			lowers++
		}
	}
	if lowers != 1 {
		t.Errorf("pg_proc lists %d overloads of lower; the range ones do not apply", lowers)
	}
	oid, err := c.ProcOID([]string{"pg_catalog", "array_in"})
	if err != nil || oid != 750 {
		t.Errorf("array_in resolved to %d, %v", oid, err)
	}
	if _, err := c.ProcOID([]string{"lower"}); err == nil {
		t.Error("overloaded lower resolved to one function")
	}
	if args, _ := FunctionArguments(870); args != "text" { // lower(text)
		t.Errorf("pg_get_function_arguments(lower) = %q", args)
	}
	if res, _ := FunctionResult(870); res != "text" {
		t.Errorf("pg_get_function_result(lower) = %q", res)
	}
}

func TestArrayText(t *testing.T) {
	if got := arrayText([]string{"a", "b c", "", "NULL", `q"\`}); got != `{a,"b c","","NULL","q\"\\"}` {
		t.Errorf("arrayText = %s", got)
	}
	if got := normalize([]uint32{23, 25}, oidOIDVector); got != "23 25" {
		t.Errorf("oidvector = %v", got)
	}
}

func TestPrimaryKeyAsIndexAndConstraint(t *testing.T) {
	in := sampleInput()
	in.Tables[0].PrimaryKey = []string{"code", "id"}
	c := Build(in)
	idx, err := c.RelationOID([]string{"trips_pkey"})
	if err != nil || idx < FirstUserOID {
		t.Fatalf("trips_pkey: %d, %v", idx, err)
	}
	if r, _ := c.Relation(idx); r.Kind != 'i' {
		t.Errorf("trips_pkey has relkind %c", r.Kind)
	}
	if def, _ := c.IndexDef(idx, 0, false); def != "CREATE UNIQUE INDEX trips_pkey ON public.trips USING btree (code, id)" {
		t.Errorf("pg_get_indexdef = %q", def)
	}
	if col, _ := c.IndexDef(idx, 2, false); col != "id" {
		t.Errorf("pg_get_indexdef(, 2) = %q", col)
	}
	index, _ := Lookup(SchemaPgCatalog, "pg_index")
	rows := c.Rows(index)
	if len(rows) != 1 || rows[0][index.Col("indkey")] != "4 1" || rows[0][index.Col("indclass")] != "3126 1978" {
		t.Errorf("pg_index rows: %v", rows)
	}
	con, _ := Lookup(SchemaPgCatalog, "pg_constraint")
	rows = c.Rows(con)
	if len(rows) != 1 || rows[0][con.Col("conkey")] != "{4,1}" {
		t.Fatalf("pg_constraint rows: %v", rows)
	}
	if def, _ := c.ConstraintDef(uint32(rows[0][con.Col("oid")].(int64))); def != "PRIMARY KEY (code, id)" {
		t.Errorf("pg_get_constraintdef = %q", def)
	}
	// A key naming a missing column shows no key rather than a wrong one.
	in.Tables[0].PrimaryKey = []string{"nope"}
	if rows := Build(in).Rows(index); len(rows) != 0 {
		t.Errorf("a broken key produced %v", rows)
	}
	long := strings.Repeat("x", 70)
	if got := constraintName(long, "pkey"); len(got) != 63 || !strings.HasSuffix(got, "_pkey") {
		t.Errorf("constraintName of a long table = %q (%d bytes)", got, len(got))
	}
}
