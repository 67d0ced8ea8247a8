package plan

import (
	"context"
	"strings"
	"testing"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// virtualCatalog serves in-memory tables, a stand-in for the pg_catalog
// tables exec builds.
type virtualCatalog map[string]*Table

func (c virtualCatalog) Table(_ context.Context, tn *tree.TableName) (*Table, error) {
	if t, ok := c[string(tn.ObjectName)]; ok {
		return t, nil
	}
	return nil, sqlerr.New(sqlerr.UndefinedTable, "relation \"%s\" does not exist", tn.ObjectName)
}

// virtualTable builds a table from column specs "name type" and rows of
// text values ("NULL" for NULL).
func virtualTable(t *testing.T, name string, cols []string, rows ...[]string) *Table {
	t.Helper()
	tab := &Table{Name: name}
	var types []vec.Type
	for _, c := range cols {
		n, typ, _ := strings.Cut(c, " ")
		vt, err := vec.ParseType(typ)
		if err != nil {
			t.Fatal(err)
		}
		tab.Columns = append(tab.Columns, Column{Name: n, Type: vt})
		types = append(types, vt)
	}
	b := vec.NewBatch(types, len(rows))
	for _, r := range rows {
		for i, s := range r {
			if s == "NULL" {
				b.Cols[i].AppendNull()
			} else if err := b.Cols[i].AppendParsed(s, nil); err != nil {
				t.Fatalf("%s.%s %q: %v", name, cols[i], s, err)
			}
		}
	}
	b.Len = len(rows)
	tab.Virtual = b
	return tab
}

// regCatalog resolves reg* names over the test's pg_class.
type regCatalog struct{}

var regRels = map[uint32][2]string{1259: {"pg_catalog", "pg_class"}, 16384: {"public", "t"}, 16385: {"public", "t_pkey"}}

func (regCatalog) RelationOID(schema, name string) (uint32, bool) {
	for oid, r := range regRels {
		if r[1] == name && (schema == "" || schema == r[0]) {
			return oid, true
		}
	}
	return 0, false
}
func (regCatalog) RelationName(oid uint32) (string, string, bool, bool) {
	r, ok := regRels[oid]
	return r[0], r[1], true, ok
}
func (regCatalog) TypeOID(string, string) (uint32, bool)        { return 0, false }
func (regCatalog) TypeName(uint32) (string, string, bool, bool) { return "", "", false, false }
func (regCatalog) NamespaceOID(name string) (uint32, bool)      { return 2200, name == "public" }
func (regCatalog) NamespaceName(oid uint32) (string, bool)      { return "public", oid == 2200 }
func (regCatalog) ProcOIDs(string, string) []uint32             { return nil }
func (regCatalog) ProcName(uint32) (string, string, bool, bool) { return "", "", false, false }
func (regCatalog) ProcArgs(uint32) ([]uint32, bool)             { return nil, false }
func (regCatalog) RoleOID(name string) (uint32, bool)           { return 10, name == "apiary" }
func (regCatalog) RoleName(oid uint32) (string, bool)           { return "apiary", oid == 10 }

func pgTestCatalog(t *testing.T) virtualCatalog {
	return virtualCatalog{
		"t": virtualTable(t, "t", []string{"id integer", "arr integer[]", "tags text[]", "iv int2vector", "rel oid"},
			[]string{"1", "{1,2,3}", `{a,"b c"}`, "1 2", "1259"},
			[]string{"2", "{}", "{NULL}", "3", "16384"},
			[]string{"3", "NULL", "NULL", "", "99999"}),
		"pg_class": virtualTable(t, "pg_class", []string{"oid oid", "relname name", "relnamespace oid", "relkind \"char\""},
			[]string{"1259", "pg_class", "11", "r"},
			[]string{"16384", "t", "2200", "r"},
			[]string{"16385", "t_pkey", "2200", "i"}),
		"pg_index": virtualTable(t, "pg_index", []string{"indexrelid oid", "indrelid oid", "indkey int2vector", "indisprimary boolean"},
			[]string{"16385", "16384", "2 1", "true"}),
		"pg_attribute": virtualTable(t, "pg_attribute", []string{"attrelid oid", "attname name", "attnum smallint"},
			[]string{"16384", "id", "1"},
			[]string{"16384", "arr", "2"},
			[]string{"16384", "tags", "3"}),
		"pg_policy": virtualTable(t, "pg_policy", []string{"polname name", "polrelid oid", "polroles oid[]"},
			[]string{"p1", "16384", "{10}"},
			[]string{"p2", "16384", "{0}"}),
		"pg_roles": virtualTable(t, "pg_roles", []string{"oid oid", "rolname name"},
			[]string{"10", "apiary"}),
	}
}

// runPG plans and runs one query and renders its rows as text, cells
// separated by "|", rows by "\n".
func runPG(t *testing.T, cat virtualCatalog, sql string) (string, []Column, error) {
	t.Helper()
	stmts, err := parser.ParseWithInt(sql, types.Int4)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	env := &expr.Env{Catalog: regCatalog{}}
	p := New(context.Background(), cat, Options{Env: env, Mem: colexec.NewMemory(1 << 30)})
	op, cols, err := p.Select(stmts[0].AST.(*tree.Select))
	if err != nil {
		return "", nil, err
	}
	defer op.Close()
	var rows []string
	err = colexec.Drain(context.Background(), op, func(b *vec.Batch) error {
		for k := 0; k < b.Len; k++ {
			r := b.Row(k)
			var cells []string
			for _, c := range b.Cols {
				if c.Nulls.IsNull(r) {
					cells = append(cells, "NULL")
				} else {
					cells = append(cells, string(vec.AppendText(nil, c, r, nil)))
				}
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
		return nil
	})
	return strings.Join(rows, "\n"), cols, err
}

func TestPGQueries(t *testing.T) {
	cat := pgTestCatalog(t)
	cases := []struct {
		sql, want string
	}{
		// Arrays: literals, constructor, subscripts, functions.
		{`SELECT '{1,2}'::int[], ARRAY[1,2,NULL], ARRAY['a','b c'], ARRAY[]::text[]`, `{1,2}|{1,2,NULL}|{a,"b c"}|{}`},
		{`SELECT (ARRAY[10,20,30])[2], (ARRAY[10,20])[5], ('{a,b}'::text[])[1]`, `20|NULL|a`},
		{`SELECT id, arr[1], tags[1], iv[0], iv[1] FROM t ORDER BY id`, "1|1|a|1|2\n2|NULL|NULL|3|NULL\n3|NULL|NULL|NULL|NULL"},
		{`SELECT id, array_to_string(tags, ','), array_upper(arr, 1), array_length(arr, 1), cardinality(arr) FROM t ORDER BY id`,
			"1|a,b c|3|3|3\n2||NULL|NULL|0\n3|NULL|NULL|NULL|NULL"},
		{`SELECT id FROM t WHERE 2 = ANY(arr) ORDER BY id`, "1"},
		{`SELECT id FROM t WHERE id <> ALL('{1,3}') ORDER BY id`, "2"},
		{`SELECT id FROM t WHERE 'a' = ANY(tags)`, "1"},
		{`SELECT id, 3 = ANY(arr) FROM t ORDER BY id`, "1|t\n2|f\n3|NULL"},
		{`SELECT arr FROM t WHERE arr = '{1,2,3}'`, "{1,2,3}"},
		{`SELECT DISTINCT arr FROM t WHERE arr IS NOT NULL ORDER BY arr`, "{}\n{1,2,3}"},
		{`SELECT array_agg(id ORDER BY id DESC), array_agg(tags[1]) FILTER (WHERE id = 1) FROM t`, "{3,2,1}|{a}"},
		{`SELECT array_agg(id) FROM t WHERE id > 5`, "NULL"},
		{`SELECT ARRAY(SELECT id FROM t ORDER BY id DESC), ARRAY(SELECT id FROM t WHERE false)`, "{3,2,1}|{}"},
		{`SELECT id, ARRAY(SELECT attname FROM pg_attribute a WHERE a.attnum = ANY(t.arr) ORDER BY attnum) FROM t ORDER BY id`,
			"1|{id,arr,tags}\n2|{}\n3|{}"},
		// oid, reg*, name, "char".
		{`SELECT oid, relname, relkind FROM pg_class WHERE oid = '16384'`, "16384|t|r"},
		{`SELECT relname FROM pg_class WHERE relkind = 'i' AND relnamespace = 2200`, "t_pkey"},
		{`SELECT relname FROM pg_class WHERE relkind IN ('r', 'p') AND oid < 16384::int8`, "pg_class"},
		{`SELECT 'pg_class'::regclass, 'pg_class'::regclass::oid, 16384::regclass, 99999::regclass, 0::regclass`, "pg_class|1259|t|99999|-"},
		{`SELECT rel::regclass, rel::regclass::text FROM t ORDER BY id`, "pg_class|pg_class\nt|t\n99999|99999"},
		{`SELECT relname FROM pg_class WHERE oid = 'public.t'::regclass`, "t"},
		{`SELECT 'integer'::regtype, 'int4'::regtype::oid, 'text[]'::regtype, 'pg_catalog.int2'::regtype`, "integer|23|text[]|smallint"},
		{`SELECT x FROM (SELECT 'pg_class'::regclass AS x) s WHERE x = 1259`, "pg_class"},
		// Set-returning functions.
		{`SELECT generate_series(1, 3)`, "1\n2\n3"},
		{`SELECT generate_series(5, 1, -2), generate_series(1, 2)`, "5|1\n3|2\n1|NULL"},
		{`SELECT g FROM generate_series(1, 3) g WHERE g > 1`, "2\n3"},
		{`SELECT * FROM generate_series(1, 2) WITH ORDINALITY AS s(v, n)`, "1|1\n2|2"},
		{`SELECT * FROM unnest(ARRAY['a','b']) WITH ORDINALITY`, "a|1\nb|2"},
		{`SELECT * FROM unnest(ARRAY[1,2], ARRAY['x'])`, "1|x\n2|NULL"},
		{`SELECT id, unnest(arr) FROM t ORDER BY 1, 2`, "1|1\n1|2\n1|3"},
		{`SELECT id, u FROM t, unnest(t.arr) AS u WHERE u > 1 ORDER BY u`, "1|2\n1|3"},
		{`SELECT * FROM information_schema._pg_expandarray(ARRAY[10,20])`, "10|1\n20|2"},
		{`SELECT information_schema._pg_expandarray(ARRAY['a b','c'])`, `("a b",1)` + "\n(c,2)"},
		{`SELECT (information_schema._pg_expandarray(ARRAY[10,20])).n`, "1\n2"},
		{`SELECT generate_series('2020-01-31'::timestamp, '2020-04-01', '1 month')`, "2020-01-31 00:00:00\n2020-02-29 00:00:00\n2020-03-29 00:00:00"},
		{`SELECT count(*), generate_series(1, 2)`, "1|1\n1|2"},
		{`SELECT count(*), generate_series(1, 2) FROM t`, "3|1\n3|2"},
		{`SELECT unnest(array_agg(id)) FROM t`, "1\n2\n3"},
		// pgJDBC's getPrimaryKeys.
		{`SELECT result.TABLE_SCHEM, result.TABLE_NAME, result.COLUMN_NAME, result.KEY_SEQ FROM (
			SELECT NULL AS TABLE_SCHEM, ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,
			  (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,
			  information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM
			FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
			  JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)
			  JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
			WHERE true AND i.indisprimary) result
		  WHERE result.A_ATTNUM = (result.KEYS).x ORDER BY result.table_name, result.pk_name, result.key_seq`,
			"NULL|t|arr|1\nNULL|t|id|2"},
		// psql's policy query: ARRAY over a subquery correlated by = ANY.
		{`SELECT pol.polname,
			CASE WHEN pol.polroles = '{0}' THEN NULL ELSE pg_catalog.array_to_string(array(select rolname from pg_catalog.pg_roles where oid = any (pol.polroles) order by 1),',') END
		  FROM pg_catalog.pg_policy pol WHERE pol.polrelid = '16384' ORDER BY 1`, "p1|apiary\np2|NULL"},
		// psql's publication query shape: an SRF over an outer column in a
		// correlated scalar subquery.
		{`SELECT id, (SELECT string_agg(attname, ', ') FROM pg_catalog.generate_series(0, pg_catalog.array_upper(t.iv::pg_catalog.int2[], 1)) s,
			pg_catalog.pg_attribute WHERE attrelid = 16384 AND attnum = t.iv[s]) FROM t ORDER BY id`,
			"1|id, arr\n2|tags\n3|NULL"},
		// Shifts count modulo the width they are done in: int2 shifts
		// as int, as in PostgreSQL.
		{`SELECT 1::int2 << 16, 256::int2 >> 16, 1::int2 << 15, 1 << 32, 1::int8 << 64, 6 & 3, 6 | 3, 6 # 3, ~5`, "0|0|-32768|1|1|2|7|5|-6"},
		{`SELECT 'a!%' LIKE 'a!!!%' ESCAPE '!', 'ab' LIKE 'a!_' ESCAPE '!', 'a_' NOT LIKE 'a!_' ESCAPE '!'`, "t|f|f"},
		// Constant regex flags apply to a column's patterns too.
		{`SELECT regexp_replace('ABC', p, 'x', 'gi'), regexp_like('ABC', p, 'i') FROM (SELECT 'b' AS p UNION ALL SELECT 'c') s ORDER BY 1`, "ABx|t\nAxC|t"},
		// DISTINCT ON needs only the ORDER BY items it contains to lead.
		{`SELECT relname FROM (SELECT DISTINCT ON (relnamespace, relkind) relname FROM pg_class ORDER BY relnamespace) s ORDER BY 1`, "pg_class\nt\nt_pkey"},
		{`SELECT DISTINCT ON (relnamespace) relname FROM pg_class ORDER BY relnamespace, relname`, "pg_class\nt"},
		{`SELECT '1.5e1'::numeric, '1.250'::numeric, 1.25::numeric, '1e-2'::numeric, ' 2.5 '::numeric`, "15|1.250|1.25|0.01|2.5"},
		{`SELECT bool_and(id > 1) OVER (), bool_or(id > 2) OVER (ORDER BY id) FROM t ORDER BY id`, "f|f\nf|f\nf|t"},
	}
	wantPGRows(t, cat, cases)
}

func TestPGTypesAndErrors(t *testing.T) {
	cat := pgTestCatalog(t)
	_, cols, err := runPG(t, cat, `SELECT 'pg_class'::regclass, relkind, relname, arr, iv, 'a'::pg_catalog.text, 1::pg_catalog.int2, x::"char"
		FROM pg_class, t, (SELECT 'y' AS x) s LIMIT 1`)
	if err != nil {
		t.Fatal(err)
	}
	want := []uint32{vec.OIDRegclass, vec.OIDChar, vec.OIDName, 1007, vec.OIDInt2Vector, vec.OIDText, vec.OIDInt2, vec.OIDChar}
	for i, c := range cols {
		if c.Type.OID() != want[i] {
			t.Errorf("column %d (%s) has OID %d, want %d", i, c.Name, c.Type.OID(), want[i])
		}
	}
	if cols[0].Name != "regclass" {
		t.Errorf("'pg_class'::regclass is named %q", cols[0].Name)
	}
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
	}{
		{`SELECT 'nosuch'::regclass`, sqlerr.UndefinedTable},
		{`SELECT 1.5::numeric(1001,0)`, sqlerr.InvalidParameterValue},
		{`SELECT 1.5::numeric(39,0)`, sqlerr.FeatureNotSupported},
		{`SELECT 'nosuch'::regtype`, sqlerr.UndefinedObject},
		{`SELECT 1 FROM t WHERE generate_series(1, 2) > 1`, sqlerr.FeatureNotSupported},
		{`SELECT sum(generate_series(1, 2))`, sqlerr.FeatureNotSupported},
		{`SELECT generate_series(1, 2, 0)`, sqlerr.InvalidParameterValue},
		{`SELECT ARRAY[ARRAY[1]]`, sqlerr.FeatureNotSupported},
		{`SELECT '{{1}}'::int[]`, sqlerr.FeatureNotSupported},
		{`SELECT arr[1:2] FROM t`, sqlerr.FeatureNotSupported},
		{`SELECT 1::oid + 1`, sqlerr.UndefinedFunction},
		{`SELECT 'x'::aclitemz`, sqlerr.UndefinedObject},
		{`SELECT 'a' LIKE 5 ESCAPE '!'`, sqlerr.UndefinedFunction},
		{`SELECT 'a' LIKE 'a' ESCAPE 5`, sqlerr.UndefinedFunction},
		{`SELECT bool_and() OVER () FROM t`, sqlerr.UndefinedFunction},
		{`SELECT DISTINCT ON (relnamespace, relkind) relname FROM pg_class ORDER BY relnamespace, relname`, sqlerr.InvalidColumnReference},
		{`SELECT DISTINCT ON (relnamespace) relname FROM pg_class ORDER BY relname, relnamespace`, sqlerr.InvalidColumnReference},
	} {
		if _, _, err := runPG(t, cat, c.sql); sqlerr.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.sql, err, c.code)
		}
	}
}

// wantPGRows runs each case's query over cat and compares its rows, as
// runPG prints them, with the case's.
func wantPGRows(t *testing.T, cat virtualCatalog, cases []struct{ sql, want string }) {
	t.Helper()
	for _, c := range cases {
		got, _, err := runPG(t, cat, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s:\ngot  %q\nwant %q", c.sql, got, c.want)
		}
	}
}
