package plan

import "testing"

// TestCastToPlainNumericArray checks that a cast to numeric[] without a
// declared scale picks the element scale the scalar cast to numeric would:
// PostgreSQL prints each element with its own scale, and Apiary's one
// scale per array must hold every element exactly, so mixed scales widen
// to the largest ('{1.5,2.25}' prints {1.50,2.25} where PostgreSQL prints
// {1.5,2.25}). A declared scale always wins.
func TestCastToPlainNumericArray(t *testing.T) {
	cat := pgTestCatalog(t)
	cases := []struct{ sql, want string }{
		{`SELECT '{1.25}'::numeric[], '{1.5,2.25}'::numeric[], '{}'::numeric[], '{NULL,1.5}'::numeric[]`, "{1.25}|{1.50,2.25}|{}|{NULL,1.5}"},
		{`SELECT ' { 1e-2 , 2 } '::numeric[], '[1:2]={1.5,2}'::numeric[], CAST('{7.125}' AS numeric[]), NULL::numeric[]`, "{0.01,2.00}|{1.5,2.0}|{7.125}|NULL"},
		{`SELECT ARRAY[1, 2]::numeric[], (ARRAY[1, 2])::numeric[], ARRAY[1.5, 2.25]::numeric[], ARRAY['1.5', '2.25']::numeric[]`, "{1,2}|{1,2}|{1.50,2.25}|{1.50,2.25}"},
		{`SELECT ARRAY[NULL, 1.5]::numeric[], ARRAY[]::numeric[], ARRAY[1, 2.5]::numeric[]`, "{NULL,1.5}|{}|{1.0,2.5}"},
		{`SELECT '{1,2}'::int[]::numeric[], '{1.5}'::numeric(5,2)[]::numeric[], '{3}'::int8[]::numeric[]`, "{1,2}|{1.50}|{3}"},
		{`SELECT arr::numeric[] FROM t ORDER BY id`, "{1,2,3}\n{}\nNULL"},
		{`SELECT ARRAY[id, 1.5]::numeric[] FROM t ORDER BY id`, "{1.0,1.5}\n{2.0,1.5}\n{3.0,1.5}"},
		// A declared scale wins over the elements' own.
		{`SELECT '{1.5,-2}'::numeric(10,2)[], ARRAY[1, 2.5]::numeric(10,2)[], '{1.125}'::numeric(10,2)[]`, "{1.50,-2.00}|{1.00,2.50}|{1.13}"},
		// Sources whose scale the scalar cast does not keep either (floats,
		// text) take the engine's default scale.
		{`SELECT '{1.5}'::float8[]::numeric[], ARRAY[1.5::float8]::numeric[]`, "{1.500000}|{1.500000}"},
		// array_agg and ARRAY(subquery) keep the column's scale.
		{`SELECT array_agg(x ORDER BY x), ARRAY(SELECT x FROM (SELECT 1.25 AS x UNION ALL SELECT 2.50) s ORDER BY x) FROM (SELECT 1.25 AS x UNION ALL SELECT 2.50) s`, "{1.25,2.50}|{1.25,2.50}"},
		{`SELECT array_agg(x::numeric(10,3) ORDER BY x) FROM (SELECT 1.25 AS x UNION ALL SELECT 2) s`, "{1.250,2.000}"},
	}
	cat["n"] = virtualTable(t, "n", []string{"id integer", "dec numeric(5,2)[]", "plain numeric[]", "txt text[]"},
		[]string{"1", "{1.5,-2}", "{1.25}", "{1.5}"},
		[]string{"2", "{NULL}", "{}", "NULL"})
	cases = append(cases, []struct{ sql, want string }{
		{`SELECT dec::numeric[], plain::numeric[], txt::numeric[] FROM n ORDER BY id`, "{1.50,-2.00}|{1.250000}|{1.500000}\n{NULL}|{}|NULL"},
		{`SELECT array_agg(d ORDER BY id), ARRAY(SELECT dec[1] FROM n ORDER BY id) FROM (SELECT id, dec[2] AS d FROM n) s`, "{-2.00,NULL}|{1.50,NULL}"},
	}...)
	wantPGRows(t, cat, cases)
}

// TestNumericArrayFunctionsWiden checks that the array functions that
// coerce a value to the array's element type widen a numeric array's scale
// instead of rounding the value into it, now that ARRAY[1, 2]::numeric[]
// has scale 0.
func TestNumericArrayFunctionsWiden(t *testing.T) {
	cat := pgTestCatalog(t)
	cases := []struct{ sql, want string }{
		{`SELECT '{1}'::numeric[] || 2.5, ARRAY[1]::numeric[] || ARRAY[2.5], array_cat('{1}'::numeric[], '{2.25}'::numeric[]), array_prepend(0.5, '{1}'::numeric[])`, "{1.0,2.5}|{1.0,2.5}|{1.00,2.25}|{0.5,1.0}"},
		{`SELECT array_append(ARRAY[1, 2]::numeric[], 2.5), '{1.5}'::numeric(2,1)[] || 12.25, '{1.25}'::numeric[] || 2`, "{1.0,2.0,2.5}|{1.50,12.25}|{1.25,2.00}"},
		{`SELECT array_position(ARRAY[1, 2]::numeric[], 1.5), array_position(ARRAY[1, 2]::numeric[], 2.0), array_position('{1.25,2}'::numeric[], 2)`, "NULL|2|2"},
		{`SELECT arr::numeric[] || 0.5 FROM t ORDER BY id`, "{1.0,2.0,3.0,0.5}\n{0.5}\n{0.5}"},
	}
	wantPGRows(t, cat, cases)
}
