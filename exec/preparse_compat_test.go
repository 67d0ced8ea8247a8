package exec

import (
	"testing"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"
)

func TestRewriteCompat(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default`,
			`WHERE c.relname  ~  '^(t)$' COLLATE "default"`},
		{`a operator ( public . !~ ) b`, `a  !~  b`},
		{`a OPERATOR("pg_catalog".~~) b`, `a  LIKE  b`},
		{`a OPERATOR(pg_catalog.!~~*) b`, `a  NOT ILIKE  b`},
		{`x COLLATE pg_catalog."C"`, `x COLLATE "C"`},
		{`x COLLATE "C"`, `x COLLATE "C"`},
		{`SELECT 'OPERATOR(pg_catalog.~)', "OPERATOR(pg_catalog.~)" -- OPERATOR(pg_catalog.~)`,
			`SELECT 'OPERATOR(pg_catalog.~)', "OPERATOR(pg_catalog.~)" -- OPERATOR(pg_catalog.~)`},
		{`/* COLLATE pg_catalog.default /* nested */ */ SELECT E'\' OPERATOR(pg_catalog.~)' `,
			`/* COLLATE pg_catalog.default /* nested */ */ SELECT E'\' OPERATOR(pg_catalog.~)' `},
		{`SELECT $$ OPERATOR(pg_catalog.~) $$, $1 OPERATOR(pg_catalog.=) 2`, `SELECT $$ OPERATOR(pg_catalog.~) $$, $1  =  2`},
		{`SELECT my_operator(x)`, `SELECT my_operator(x)`},
	}
	for _, c := range cases {
		if got := rewriteCompat(c.in); got != c.want {
			t.Errorf("rewriteCompat(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	// psql's \d pattern query parses after the rewrite.
	q := `SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;`
	if _, err := parser.ParseWithInt(preparse(q).sql, types.Int4); err != nil {
		t.Errorf("psql's \\d query does not parse: %v", err)
	}
}
