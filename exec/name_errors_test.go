package exec

import (
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// Errors about names word them as PostgreSQL 15 does, over the same
// tables: a name between double quotes as it is, never escaped; a
// relation's parts joined by dots without quotes and without the current
// database; a function as the call writes it, schema-qualified if it is,
// with PostgreSQL's hint. The positions are PostgreSQL's too, except
// where noted (-1: not compared).
func TestNameErrorTexts(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE t (a int, b text)`)
	mustRun(t, s, `CREATE TABLE u2 (a int, c text)`)
	const noFunctionHint = "No function matches the given name and argument types. You might need to add explicit type casts."
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
		msg  string
		pos  int
		hint string
	}{
		{`select * from "T"`, sqlerr.UndefinedTable, `relation "T" does not exist`, 15, ""},
		{`select * from public."T"`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, 15, ""},
		{`select * from apiary.public."T"`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, 15, ""},
		{`select * from "a""b"`, sqlerr.UndefinedTable, `relation "a"b" does not exist`, 15, ""},
		{`select * from "a\b"`, sqlerr.UndefinedTable, `relation "a\b" does not exist`, 15, ""},
		{`select * from "a.b"`, sqlerr.UndefinedTable, `relation "a.b" does not exist`, 15, ""},
		{`select * from "s x"."T"`, sqlerr.UndefinedTable, `relation "s x.T" does not exist`, 15, ""},
		{`select * from pg_catalog."Pg_class"`, sqlerr.UndefinedTable, `relation "pg_catalog.Pg_class" does not exist`, 15, ""},
		{`insert into public."T" values (1)`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, 13, ""},
		{`copy public."T" to stdout`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, 0, ""},
		{`drop table public."T"`, sqlerr.UndefinedTable, `table "T" does not exist`, 0, ""},
		{`drop table t, "No"`, sqlerr.UndefinedTable, `table "No" does not exist`, 0, ""},
		// PostgreSQL points at the literal (8); Apiary has no position
		// for the input of a reg* type yet.
		{`select '"T"'::regclass`, sqlerr.UndefinedTable, `relation "T" does not exist`, -1, ""},
		{`select 'public."T"'::regclass`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, -1, ""},
		{`select has_table_privilege('public."T"', 'select')`, sqlerr.UndefinedTable, `relation "public.T" does not exist`, 0, ""},
		{`select has_table_privilege('No"S', 'select')`, sqlerr.UndefinedTable, `relation "no"s" does not exist`, 0, ""},

		{`select "a""b" from t`, sqlerr.UndefinedColumn, `column "a"b" does not exist`, 8, ""},
		{`select "a\b" from t`, sqlerr.UndefinedColumn, `column "a\b" does not exist`, 8, ""},
		{`insert into t ("B""c") values (1)`, sqlerr.UndefinedColumn, `column "B"c" of relation "t" does not exist`, 16, ""},
		{`select u.a from (select 1 as a) u join (select 2 as b) v using ("x""y")`, sqlerr.UndefinedColumn,
			`column "x"y" specified in USING clause does not exist in left table`, 0, ""},
		{`select "X""y".a from t`, sqlerr.UndefinedTable, `missing FROM-clause entry for table "X"y"`, 8, ""},

		// PostgreSQL points at the schema's name (14) in CREATE TABLE.
		{`create table "No""S".t (a int)`, sqlerr.UndefinedSchema, `schema "No"S" does not exist`, -1, ""},
		{`drop schema "No""S"`, sqlerr.UndefinedSchema, `schema "No"S" does not exist`, 0, ""},
		{`drop database "No""S"`, sqlerr.UndefinedDatabase, `database "No"S" does not exist`, 0, ""},
		{`select has_schema_privilege('No"S', 'usage')`, sqlerr.UndefinedSchema, `schema "No"S" does not exist`, 0, ""},
		{`select has_schema_privilege('"No""S"', 'usage')`, sqlerr.UndefinedSchema, `schema ""No""S"" does not exist`, 0, ""},
		{`select has_database_privilege('No"S', 'connect')`, sqlerr.UndefinedDatabase, `database "No"S" does not exist`, 0, ""},

		{`select nosuchf(1)`, sqlerr.UndefinedFunction, `function nosuchf(integer) does not exist`, 8, noFunctionHint},
		{`select pg_catalog.nosuchf(1)`, sqlerr.UndefinedFunction, `function pg_catalog.nosuchf(integer) does not exist`, 8, noFunctionHint},
		{`select public.nosuchf(1, 'a')`, sqlerr.UndefinedFunction, `function public.nosuchf(integer, unknown) does not exist`, 8, noFunctionHint},
		{`select apiary.public.f(1)`, sqlerr.UndefinedFunction, `function apiary.public.f(integer) does not exist`, 8, noFunctionHint},
		{`select "NoSuch"(1)`, sqlerr.UndefinedFunction, `function NoSuch(integer) does not exist`, 8, noFunctionHint},
		{`select "a""b"(1)`, sqlerr.UndefinedFunction, `function a"b(integer) does not exist`, 8, noFunctionHint},
		{`select pg_catalog.length(1)`, sqlerr.UndefinedFunction, `function pg_catalog.length(integer) does not exist`, 8, noFunctionHint},
		{`select pg_catalog.length(1), length(2)`, sqlerr.UndefinedFunction, `function pg_catalog.length(integer) does not exist`, 8, noFunctionHint},
		{`select length(1)`, sqlerr.UndefinedFunction, `function length(integer) does not exist`, 8, noFunctionHint},
		{`select count(1, 2)`, sqlerr.UndefinedFunction, `function count(integer, integer) does not exist`, 8, noFunctionHint},
		{`select pg_catalog.count(1, 2)`, sqlerr.UndefinedFunction, `function pg_catalog.count(integer, integer) does not exist`, 8, noFunctionHint},
		{`select sum(1, 2, 3)`, sqlerr.UndefinedFunction, `function sum(integer, integer, integer) does not exist`, 8, noFunctionHint},
		{`select sum()`, sqlerr.UndefinedFunction, `function sum() does not exist`, 8, noFunctionHint},
		{`select pg_catalog.sum('a'::text)`, sqlerr.UndefinedFunction, `function pg_catalog.sum(text) does not exist`, 8, noFunctionHint},
		{`select sum('a'::varchar(5))`, sqlerr.UndefinedFunction, `function sum(character varying) does not exist`, 8, noFunctionHint},
		// PostgreSQL points at count (8).
		{`select count()`, sqlerr.WrongObjectType, `count(*) must be used to call a parameterless aggregate function`, -1, ""},
		{`select a from t, u2`, sqlerr.AmbiguousColumn, `column reference "a" is ambiguous`, 8, ""},
		{`select b, a from t join u2 on true`, sqlerr.AmbiguousColumn, `column reference "a" is ambiguous`, 11, ""},
		{`select "a" from t, u2 where b = c`, sqlerr.AmbiguousColumn, `column reference "a" is ambiguous`, 8, ""},
		{`select t.b from t, u2 order by a`, sqlerr.AmbiguousColumn, `column reference "a" is ambiguous`, 32, ""},
		// PostgreSQL points at the first a (8); written twice, Apiary
		// cannot tell which one it failed on and gives none.
		{`select a from t, u2 where a = 1`, sqlerr.AmbiguousColumn, `column reference "a" is ambiguous`, 0, ""},
	} {
		_, _, err := run(t, s, c.sql)
		if err == nil {
			t.Errorf("%s: succeeded, want %s", c.sql, c.code)
			continue
		}
		e := sqlerr.Flatten(err)
		if e.Code != c.code || e.Message != c.msg || e.Hint != c.hint || c.pos >= 0 && e.Position != c.pos {
			t.Errorf("%s:\n got %s %q at %d, hint %q\nwant %s %q at %d, hint %q", c.sql, e.Code, e.Message, e.Position, e.Hint,
				c.code, c.msg, c.pos, c.hint)
		}
	}
}
