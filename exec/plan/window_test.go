package plan

import (
	"context"
	"testing"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/sqlerr"
)

// windowCatalog holds k: peers (k = 2 twice) and a NULL key.
func windowCatalog(t *testing.T) virtualCatalog {
	return virtualCatalog{"k": virtualTable(t, "k", []string{"id integer", "k integer"},
		[]string{"1", "1"}, []string{"2", "2"}, []string{"3", "2"}, []string{"4", "NULL"}, []string{"5", "3"})}
}

// TestWindowFrameClauses binds GROUPS frames and exclusions; the answers
// are PostgreSQL 15's.
func TestWindowFrameClauses(t *testing.T) {
	cat := windowCatalog(t)
	wantPGRows(t, cat, []struct{ sql, want string }{
		{`SELECT id, sum(id) OVER (ORDER BY k GROUPS BETWEEN 1 PRECEDING AND CURRENT ROW EXCLUDE TIES),
			count(*) OVER (ORDER BY k ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE GROUP),
			max(id) OVER (ORDER BY k DESC RANGE BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM k ORDER BY id`,
			"1|1|4|3\n2|3|3|5\n3|4|3|5\n4|9|4|NULL\n5|10|4|3"},
		// Offsets are coerced to bigint as an assignment is (1.5 rounds
		// to 2) and constant expressions are folded; a reference to a
		// named window may add the frame.
		{`SELECT id, sum(id) OVER (ORDER BY k GROUPS BETWEEN '1' PRECEDING AND (1+1) FOLLOWING),
			sum(id) OVER (ORDER BY k GROUPS 1.5 PRECEDING),
			sum(id) OVER (w GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE NO OTHERS) FROM k WINDOW w AS (ORDER BY k NULLS FIRST) ORDER BY id`,
			"1|11|1|6\n2|15|6|10\n3|15|6|10\n4|9|14|5\n5|14|11|5"},
		// A numeric RANGE offset with more decimals than the key is not
		// rounded to the key's scale: keys 1.56 apart are not within
		// 1.555, keys 1.55 apart are.
		{`SELECT x, count(*) OVER (ORDER BY x RANGE BETWEEN 1.555 PRECEDING AND CURRENT ROW),
			count(*) OVER (ORDER BY x RANGE BETWEEN CURRENT ROW AND 1.555 FOLLOWING),
			count(*) OVER (ORDER BY x RANGE BETWEEN 1.555 FOLLOWING AND 5 FOLLOWING),
			count(*) OVER (ORDER BY x DESC RANGE BETWEEN 1.555 PRECEDING AND 0.001 PRECEDING)
			FROM (VALUES (1.25::numeric(6,2)), (2.81), (2.80), (-0.31)) v(x) ORDER BY x`,
			"-0.31|1|1|3|0\n1.25|1|2|1|1\n2.80|2|2|0|1\n2.81|2|1|0|0"},
	})
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
	}{
		{`SELECT sum(id) OVER (GROUPS 1 PRECEDING) FROM k`, sqlerr.WindowingError},
		{`SELECT sum(id) OVER (w GROUPS UNBOUNDED PRECEDING) FROM k WINDOW w AS (PARTITION BY k)`, sqlerr.WindowingError},
		{`SELECT sum(id) OVER (ORDER BY k GROUPS id PRECEDING) FROM k`, sqlerr.InvalidColumnReference},
		{`SELECT sum(id) OVER (ORDER BY k ROWS BETWEEN CURRENT ROW AND k FOLLOWING) FROM k`, sqlerr.InvalidColumnReference},
		{`SELECT sum(id) OVER (ORDER BY k ROWS true PRECEDING) FROM k`, sqlerr.DatatypeMismatch},
		{`SELECT sum(id) OVER (ORDER BY k GROUPS 'a'::text PRECEDING) FROM k`, sqlerr.DatatypeMismatch},
		{`SELECT sum(id) OVER (ORDER BY k GROUPS -1 PRECEDING) FROM k`, "22013"},
		{`SELECT sum(id) OVER (ORDER BY k RANGE BETWEEN CURRENT ROW AND -1 FOLLOWING) FROM k`, "22013"},
		// RANGE offsets need an in_range function for the key's type:
		// integers for integer keys, and no float or text for any.
		{`SELECT sum(id) OVER (ORDER BY k RANGE 1.5 PRECEDING) FROM k`, sqlerr.FeatureNotSupported},
		{`SELECT sum(id) OVER (ORDER BY k RANGE '1'::text PRECEDING) FROM k`, sqlerr.FeatureNotSupported},
		{`SELECT count(*) OVER (ORDER BY x RANGE 1.5::float8 PRECEDING) FROM (VALUES (1.25::numeric(6,2))) v(x)`, sqlerr.FeatureNotSupported},
		{`SELECT sum(id) OVER (ORDER BY k, id RANGE 'x' PRECEDING) FROM k`, sqlerr.WindowingError},
		// Below the key's scale, still negative.
		{`SELECT count(*) OVER (ORDER BY x RANGE -0.001 PRECEDING) FROM (VALUES (1.25::numeric(6,2))) v(x)`, "22013"},
	} {
		if _, _, err := runPG(t, cat, c.sql); sqlerr.CodeOf(err) != c.code {
			t.Errorf("%s: %v, want SQLSTATE %s", c.sql, err, c.code)
		}
	}
}

// TestWindowNullFrameOffset checks that a NULL offset plans (so EXPLAIN
// shows the query, as PostgreSQL's does) and fails when the window runs.
func TestWindowNullFrameOffset(t *testing.T) {
	for _, sql := range []string{
		`SELECT sum(id) OVER (ORDER BY k GROUPS NULL PRECEDING) FROM k`,
		`SELECT sum(id) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND NULL::int FOLLOWING) FROM k`,
	} {
		stmts, err := parser.ParseWithInt(sql, types.Int4)
		if err != nil {
			t.Fatal(err)
		}
		p := New(context.Background(), windowCatalog(t), Options{Env: &expr.Env{}, Mem: colexec.NewMemory(1 << 30)})
		op, _, err := p.Select(stmts[0].AST.(*tree.Select))
		if err != nil {
			t.Errorf("%s: planning failed: %v", sql, err)
			continue
		}
		_, err = op.Next(context.Background())
		op.Close()
		if sqlerr.CodeOf(err) != "22004" {
			t.Errorf("%s: %v, want SQLSTATE 22004", sql, err)
		}
	}
}
