package exec

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// Float aggregates follow PostgreSQL's transition functions step for step:
// the expected values are PostgreSQL 15's, printed with its shortest
// round-trip digits, which the differential suite's tolerance for floats
// would not tell apart from near misses.
func TestFloatAggregatesExact(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, want string }{
		{`SELECT var_pop(x), var_samp(x), stddev_pop(x), stddev(x) FROM (VALUES (1::float8), (2), (4)) t(x)`,
			"1.5555555555555556|2.3333333333333335|1.247219128924647|1.5275252316519468"},
		// sum(real) adds in real, avg(real) in double precision.
		{`SELECT sum(x::real), avg(x::real) FROM generate_series(1, 10000) g(x)`, "5.0002896e+07|5000.5"},
		// sum starts from its first input: -0 stays -0; avg starts from 0.
		{`SELECT sum(x), avg(x), sum(x::real) FROM (VALUES ('-0'::float8)) t(x)`, "-0|0|-0"},
		{`SELECT sum(x), avg(x), variance(x) FROM (VALUES ('Infinity'::float8), (1e308), (1e308)) t(x)`, "Infinity|Infinity|NaN"},
		{`SELECT variance(x), var_pop(x) FROM (VALUES ('Infinity'::float8)) t(x)`, "NULL|NaN"},
		{`SELECT k, sum(x), avg(x) FROM (VALUES (1, 1e100::float8), (2, 1e100), (1, -1e100), (2, 'NaN')) t(k, x) GROUP BY k ORDER BY k`,
			"1|0|0\n2|NaN|NaN"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	for _, sql := range []string{
		`SELECT sum(x) FROM (VALUES (1e308::float8), (1e308)) t(x)`,
		`SELECT avg(x) FROM (VALUES (1e308::float8), (1e308)) t(x)`,
		// avg fails where PostgreSQL's Sxx overflows, though Sx does not.
		`SELECT avg(x) FROM (VALUES (1e200::float8), (-1e200)) t(x)`,
		`SELECT stddev(x) FROM (VALUES (1e154::float8), (-1e154)) t(x)`,
		`SELECT sum(x) FROM (VALUES (3e38::real), (3e38::real)) t(x)`,
		// After an infinite input, a later overflow in another group
		// still fails.
		`SELECT k, sum(x) FROM (VALUES (1, 'Infinity'::float8), (2, 1e308), (2, 1e308)) t(k, x) GROUP BY k`,
	} {
		wantCode(t, s, sql, sqlerr.NumericValueOutOfRange)
	}
}

// avg(real) in parallel sums each bee's share in double precision, as
// PostgreSQL's float4_accum does: partial sums rounded to real would be off
// in the seventh digit.
func TestParallelAvgReal(t *testing.T) {
	ctx := context.Background()
	eng, err := NewEngine(ctx, objstore.NewMem(), Config{Node: "parallel", Bees: 4})
	if err != nil {
		t.Fatal(err)
	}
	s, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mustRun(t, s, `CREATE TABLE r (k int, v real)`)
	var sum float64
	for c := 0; c < 20; c++ {
		var rows []string
		for i := 0; i < 100; i++ {
			k := c*100 + i
			v := float32(k) / 7
			sum += float64(v)
			rows = append(rows, fmt.Sprintf("(%d, %s)", k, strconv.FormatFloat(float64(v), 'g', -1, 32)))
		}
		mustRun(t, s, "INSERT INTO r VALUES "+strings.Join(rows, ", "))
	}
	got, err := strconv.ParseFloat(mustRun(t, s, `SELECT avg(v) FROM r`)[0][0], 64)
	if err != nil {
		t.Fatal(err)
	}
	if want := sum / 2000; math.Abs(got-want) > 1e-12*want {
		t.Errorf("avg(v) = %v, want %v", got, want)
	}
}

// round(avg(x), d) and trunc(avg(x), d) round PostgreSQL's average, whose
// 20 decimals leave no second rounding to get wrong (PostgreSQL's answers).
func TestRoundedAverage(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE v (k int, x int, n numeric(8,6))`)
	mustRun(t, s, `INSERT INTO v VALUES (1, 1, 2.499999), (1, 1, 2.500000), (1, 1, NULL), (1, 1, NULL), (1, 1, NULL), (1, 1, NULL),
		(1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (2, 14, NULL), (2, 15, NULL), (3, NULL, NULL)`)
	for _, c := range []struct{ sql, want string }{
		{`SELECT round(avg(x), 5), trunc(avg(x), 5), round(avg(x), 6), avg(x), round(avg(x) FILTER (WHERE x > 0), 2) FROM v WHERE k = 1`,
			"0.54545|0.54545|0.545455|0.54545454545454545455|1.00"},
		{`SELECT round(avg(n)), round(avg(n), 0), trunc(avg(n), 5), trunc(avg(n)), round(avg(n), -1) FROM v`,
			"2|2|2.49999|2|0"},
		{`SELECT k, round(avg(x), -1), round(avg(DISTINCT x), 1) FROM v GROUP BY k ORDER BY k`,
			"1|0|0.5\n2|10|14.5\n3|NULL|NULL"},
		{`SELECT k FROM v GROUP BY k HAVING round(avg(x), 5) < 1 ORDER BY round(avg(x), 5)`, "1"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	wantCode(t, s, `SELECT round(avg(x::float8), 2) FROM v`, sqlerr.UndefinedFunction)
}

// A function that returns one value, not a set, is a one-row relation in
// FROM, its column named after the function or the alias (PostgreSQL's
// names and answers).
func TestScalarFunctionsInFrom(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, names, want string }{
		{`SELECT * FROM user`, "user", "apiary"},
		{`SELECT * FROM current_user, session_user`, "current_user|session_user", "apiary|apiary"},
		{`SELECT * FROM current_catalog`, "current_catalog", "apiary"},
		{`SELECT u.* FROM user u`, "u", "apiary"},
		{`SELECT * FROM user AS t(name)`, "name", "apiary"},
		{`SELECT * FROM lower('A') WITH ORDINALITY`, "lower|ordinality", "a|1"},
		{`SELECT * FROM lower(NULL)`, "lower", "NULL"},
		{`SELECT n.x, u FROM (VALUES (1), (2)) n(x), upper('a' || n.x) u ORDER BY 1`, "x|u", "1|A1\n2|A2"},
		{`SELECT x, y FROM (VALUES (1), (6)) v(x), abs(v.x - 5) AS a(y) WHERE y > 3`, "x|y", "1|4"},
		{`SELECT count(*) FROM current_date`, "count", "1"},
	} {
		names, rows, err := runColumns(s, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if names != c.names {
			t.Errorf("%s: columns %s, want %s", c.sql, names, c.names)
		}
		if got := joinRows(rows); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	wantCode(t, s, `SELECT * FROM sum(1)`, sqlerr.GroupingError)
	wantCode(t, s, `SELECT * FROM lower(1)`, sqlerr.UndefinedFunction)
	wantCode(t, s, `SELECT * FROM user AS t(a, b)`, sqlerr.InvalidColumnReference)
}

// The window-only functions check their arguments as PostgreSQL's
// signatures do (ntile(integer), nth_value(anyelement, integer),
// first_value(anyelement), the ranks without arguments), with its codes
// and messages; a NULL count or position makes the results NULL, and a
// per-row one is read where PostgreSQL reads it (ntile at a partition's
// first row, again while it is NULL). Expected answers are PostgreSQL
// 15's.
func TestWindowFunctionArguments(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, want string }{
		{`SELECT ntile(NULL) OVER (), nth_value(1, NULL) OVER (), ntile(2::smallint) OVER (), ntile('2') OVER (), nth_value(5, '1') OVER ()`,
			"NULL|NULL|1|1|5"},
		{`SELECT k, id, x, ntile(x) OVER w, nth_value(id, x) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
			FROM (VALUES (1, 1, NULL), (1, 2, 2), (1, 3, 3), (1, 4, 1), (2, 5, 3), (2, 6, 1), (2, 7, NULL)) t(k, id, x)
			WINDOW w AS (PARTITION BY k ORDER BY id) ORDER BY id`,
			"1|1|NULL|NULL|NULL\n1|2|2|1|2\n1|3|3|1|3\n1|4|1|2|1\n2|5|3|1|7\n2|6|1|2|5\n2|7|NULL|3|NULL"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
		msg  string
	}{
		{`SELECT ntile(2::bigint) OVER ()`, sqlerr.UndefinedFunction, "function ntile(bigint) does not exist"},
		{`SELECT ntile(1.5) OVER ()`, sqlerr.UndefinedFunction, "function ntile(numeric) does not exist"},
		{`SELECT ntile() OVER ()`, sqlerr.UndefinedFunction, "function ntile() does not exist"},
		{`SELECT ntile(1, 2) OVER ()`, sqlerr.UndefinedFunction, "function ntile(integer, integer) does not exist"},
		{`SELECT ntile('x') OVER ()`, sqlerr.InvalidTextRepresentation, `invalid input syntax for type integer: "x"`},
		{`SELECT nth_value(1, 1::bigint) OVER ()`, sqlerr.UndefinedFunction, "function nth_value(integer, bigint) does not exist"},
		{`SELECT nth_value('x', 1::bigint) OVER ()`, sqlerr.UndefinedFunction, "function nth_value(unknown, bigint) does not exist"},
		{`SELECT nth_value(1) OVER ()`, sqlerr.UndefinedFunction, "function nth_value(integer) does not exist"},
		{`SELECT nth_value('x', 1) OVER ()`, sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown"},
		{`SELECT first_value('x') OVER ()`, sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown"},
		{`SELECT last_value(NULL) OVER ()`, sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown"},
		{`SELECT first_value(1, 2) OVER ()`, sqlerr.UndefinedFunction, "function first_value(integer, integer) does not exist"},
		{`SELECT row_number(NULL) OVER ()`, sqlerr.UndefinedFunction, "function row_number(unknown) does not exist"},
		{`SELECT rank(1) OVER ()`, sqlerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate rank"},
		{`SELECT cume_dist(1, 2) OVER ()`, sqlerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate cume_dist"},
		{`SELECT nth_value(1, 0) OVER ()`, "22016", "argument of nth_value must be greater than zero"},
	} {
		_, _, err := run(t, s, c.sql)
		if err == nil {
			t.Errorf("%s: succeeded, want %s", c.sql, c.code)
			continue
		}
		if e := sqlerr.Flatten(err); e.Code != c.code || e.Message != c.msg {
			t.Errorf("%s: %s %q, want %s %q", c.sql, e.Code, e.Message, c.code, c.msg)
		}
	}
}

// Window avg over real and double precision fails where PostgreSQL's
// float8_accum state overflows, its sum of squared deviations included,
// as the grouped avg does; a frame that restarts before the overflow does
// not fail.
func TestWindowFloatAvgOverflow(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const v = `(VALUES (1, 1e200::float8), (2, -1e200), (3, 1)) t(id, x)`
	for _, sql := range []string{
		`SELECT avg(x) OVER () FROM ` + v,
		`SELECT avg(x) OVER (ORDER BY id) FROM ` + v,
		`SELECT avg(x) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) FROM ` + v,
		`SELECT avg(x) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW) FROM ` + v,
	} {
		wantCode(t, s, sql, sqlerr.NumericValueOutOfRange)
	}
	for _, c := range []struct{ sql, want string }{
		{`SELECT id, avg(x) OVER (ORDER BY id ROWS CURRENT ROW) FROM ` + v + ` ORDER BY id`, "1|1e+200\n2|-1e+200\n3|1"},
		{`SELECT avg(x) OVER () FROM (VALUES ('Infinity'::float8), (1e200), (-1e200)) t(x)`, "Infinity\nInfinity\nInfinity"},
		// avg(real) accumulates in double precision.
		{`SELECT avg(x::real) OVER () FROM (VALUES (3e38), (-3e38)) t(x)`, "0\n0"},
		{`SELECT avg(x::real) OVER (ORDER BY x) FROM (VALUES (3e38), (-3e38), (3e38)) t(x)`,
			"-3.0000000054977558e+38\n1.0000000018325853e+38\n1.0000000018325853e+38"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// round(avg(x) OVER w, d) and trunc(...) of a window's average
// (PostgreSQL's answers).
func TestRoundedWindowAverage(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const v = `(VALUES (1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (6, 1), (7, 0), (8, 0), (9, 0), (10, 0), (11, 0)) t(id, x)`
	for _, c := range []struct{ sql, want string }{
		{`SELECT DISTINCT round(avg(x) OVER (), 5), trunc(avg(x) OVER (), 5), round(avg(x) OVER ()), avg(x) OVER () FROM ` + v,
			"0.54545|0.54545|1|0.54545454545454545455"},
		{`SELECT id, r FROM (SELECT id, round(avg(x) OVER (ORDER BY id ROWS BETWEEN 6 PRECEDING AND CURRENT ROW), 5) r FROM ` + v + `) s WHERE id > 6 ORDER BY id`,
			"7|0.85714\n8|0.71429\n9|0.57143\n10|0.42857\n11|0.28571"},
		{`SELECT DISTINCT round(avg(x::numeric(4,2)) OVER (ORDER BY id RANGE BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING EXCLUDE CURRENT ROW), 3) FROM ` + v + ` ORDER BY 1`,
			"0.500\n0.600"},
		{`SELECT round(avg(sum(x)) OVER (ORDER BY id % 3), 3) FROM ` + v + ` GROUP BY id % 3`, "2.000\n2.000\n2.000"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	wantCode(t, s, `SELECT round(avg(x::float8) OVER (), 2) FROM `+v, sqlerr.UndefinedFunction)
}

// Operators PostgreSQL has for none of Apiary's types fail as its lookup
// does (42883, naming the operand types), infix @ included, which the
// parser cannot read; @>, <@ and && on arrays, which PostgreSQL has, are
// not supported yet (0A000). The operators the binder implements under
// other names are named in their errors.
func TestUndefinedOperators(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, msg string }{
		{`SELECT 1 @ 5`, "operator does not exist: integer @ integer"},
		{`SELECT 1 @ 'a'`, "operator does not exist: integer @ unknown"},
		{`SELECT (2) @ @ -3`, "operator does not exist: integer @ integer"},
		{`SELECT 1 -> 2`, "operator does not exist: integer -> integer"},
		{`SELECT 'x'::text ? 'a'`, "operator does not exist: text ? unknown"},
		{`SELECT 1 <-> 2`, "operator does not exist: integer <-> integer"},
		{`SELECT 1 @> 2`, "operator does not exist: integer @> integer"},
		{`SELECT 1 <@ ARRAY[1]`, "operator does not exist: integer <@ integer[]"},
		{`SELECT 1 <<= 2`, "operator does not exist: integer <<= integer"},
		{`SELECT 1 #>> 2`, "operator does not exist: integer #>> integer"},
		{`SELECT 1.5 & 2`, "operator does not exist: numeric & integer"},
		{`SELECT ARRAY[1] << ARRAY[2]`, "operator does not exist: integer[] << integer[]"},
	} {
		_, _, err := run(t, s, c.sql)
		if e := sqlerr.Flatten(err); err == nil || e.Code != sqlerr.UndefinedFunction || e.Message != c.msg {
			t.Errorf("%s: %v, want 42883 %q", c.sql, err, c.msg)
		}
	}
	wantCode(t, s, `SELECT ARRAY[1] @> ARRAY[1]`, sqlerr.FeatureNotSupported)
	wantCode(t, s, `SELECT ARRAY[1] && '{1}'`, sqlerr.FeatureNotSupported)
	if got := joinRows(mustRun(t, s, `SELECT @ -5, 2 * @ -3, 10 - @ 2`)); got != "5|6|8" {
		t.Errorf("prefix @: %q", got)
	}
}

// An untyped literal concatenated to a numeric array keeps its digits, as
// PostgreSQL keeps them (each of its numerics has its own scale; here the
// result's scale widens to hold them).
func TestNumericArrayLiteralScale(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, want string }{
		{`SELECT (ARRAY[1.5]::numeric(5,1)[] || '{1.25}')[2], ('{1.25}' || ARRAY[1.5]::numeric(5,1)[])[1]`, "1.25|1.25"},
		{`SELECT array_append(ARRAY[1.5]::numeric(5,1)[], '1.25')[2], array_prepend('1.25', ARRAY[1.5]::numeric(5,1)[])[1]`, "1.25|1.25"},
		{`SELECT array_position(ARRAY[1.3]::numeric(5,1)[], '1.25')`, "NULL"},
		{`SELECT ARRAY[1]::numeric(3,0)[] || '{1.25, 2.125}'`, "{1.000,1.250,2.125}"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// current_timestamp(p) and localtimestamp(p) round the statement's time to
// p decimals (at most 6); localtime and current_time, whose types Apiary
// lacks, are refused as such.
func TestCurrentTimePrecision(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	rows := mustRun(t, s, `SELECT current_timestamp(2)::text, localtimestamp(0)::text, localtimestamp(9) = localtimestamp,
		current_timestamp(1) = date_trunc('second', current_timestamp) + round(extract(microsecond FROM current_timestamp)::numeric % 1000000 / 100000) * interval '0.1 s'`)
	if got := rows[0]; !regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,2})?\+00$`).MatchString(got[0]) ||
		!regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$`).MatchString(got[1]) || got[2] != "t" || got[3] != "t" {
		t.Errorf("got %q", got)
	}
	names, _, err := runColumns(s, `SELECT current_timestamp(3), localtimestamp(3)`)
	if err != nil || names != "current_timestamp|localtimestamp" {
		t.Errorf("columns %q, %v", names, err)
	}
	for _, sql := range []string{`SELECT localtime`, `SELECT localtime(2)`, `SELECT current_time`, `SELECT current_time(3)`} {
		wantCode(t, s, sql, sqlerr.FeatureNotSupported)
	}
	wantCode(t, s, `SELECT current_timestamp(-1)`, sqlerr.SyntaxError)
	wantCode(t, s, `SELECT now(1)`, sqlerr.UndefinedFunction)
}

// runColumns runs sql and returns its column names joined by | and its rows.
func runColumns(s *Session, sql string) (string, [][]string, error) {
	ctx := context.Background()
	var names []string
	var rows [][]string
	err := s.ExecSimple(ctx, sql, func(r Result) error {
		for _, col := range r.Rows.Columns() {
			names = append(names, col.Name)
		}
		return collectRows(ctx, r.Rows, &rows)
	})
	return strings.Join(names, "|"), rows, err
}

// Errors about a name the binder cannot resolve point at the name as
// PostgreSQL's do: the positions below are PostgreSQL 15's, over the
// same tables (psql draws its caret there). A name written in more than
// one place gets no position, as no position is better than a wrong one.
func TestNameErrorPositions(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE t (a int, b text)`)
	mustRun(t, s, `CREATE TABLE u (a int, c int)`)
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
		pos  int
	}{
		{`select nosuch from t`, sqlerr.UndefinedColumn, 8},
		{`select a from t where nosuch = 1`, sqlerr.UndefinedColumn, 23},
		{`select t.nosuch from t`, sqlerr.UndefinedColumn, 8},
		{`select x.a from t`, sqlerr.UndefinedTable, 8},
		{`select * from public.nosuch`, sqlerr.UndefinedTable, 15},
		{`select a from t, nosuch`, sqlerr.UndefinedTable, 18},
		{`select 1 from t join nosuch using (a)`, sqlerr.UndefinedTable, 22},
		{`insert into nosuch values (1)`, sqlerr.UndefinedTable, 13},
		{`insert into t (a, nosuch) select a, c from u`, sqlerr.UndefinedColumn, 19},
		{`create table z as select nosuch from t`, sqlerr.UndefinedColumn, 26},
		{`explain select nosuch from t`, sqlerr.UndefinedColumn, 16},
		{`select "NoSuch" from t`, sqlerr.UndefinedColumn, 8},
		{`select NoSuch from t`, sqlerr.UndefinedColumn, 8},
		{`select é, nosuch from t`, sqlerr.UndefinedColumn, 8},
		{`select 'é', nosuch from t`, sqlerr.UndefinedColumn, 13},
		{`select a, 'nosuch', nosuch /* nosuch */ from t -- nosuch`, sqlerr.UndefinedColumn, 21},
		{`select $$nosuch$$, e'nosuch\'', nosuch from t`, sqlerr.UndefinedColumn, 33},
		{"select a from t\n\twhere\n  nosuch = 1", sqlerr.UndefinedColumn, 26},
		{"/* lead */ select nosuch from t", sqlerr.UndefinedColumn, 19},
		{`select a from t; select nosuch from t`, sqlerr.UndefinedColumn, 25},
		{`with c as (select nosuch from t) select * from c`, sqlerr.UndefinedColumn, 19},
		{`select * from t join u on t.a = u.nosuch`, sqlerr.UndefinedColumn, 33},
		{`select * from (select 1 as x) s where s.nosuch = 1`, sqlerr.UndefinedColumn, 39},
		{`select a from t as nosuch where nosuch.c = 1`, sqlerr.UndefinedColumn, 33},
		{`select 1 from t where a in (select nosuch from u)`, sqlerr.UndefinedColumn, 36},
		{`select t.* from u`, sqlerr.UndefinedTable, 8},
		{`select t.a, nosuch.a from t`, sqlerr.UndefinedTable, 13},
		{`select nosuchf(a) from t`, sqlerr.UndefinedFunction, 8},
		{`select pg_catalog.nosuchf(1)`, sqlerr.UndefinedFunction, 8},
		{`select lower(a, b) from t`, sqlerr.UndefinedFunction, 8},
		{`select ntile(a::bigint) over () from t`, sqlerr.UndefinedFunction, 8},
		{`select lower(b) from t group by 1 having nosuchf(b) > 1`, sqlerr.UndefinedFunction, 42},
		{`select * from t where b ~ 1`, sqlerr.UndefinedFunction, 25},
		{`select a + 'x'::text from t`, sqlerr.UndefinedFunction, 10},
		{`select a from t where a @ 2 = 1`, sqlerr.UndefinedFunction, 25},
		{`select -b from t`, sqlerr.UndefinedFunction, 8},
		// Written twice, or in a form PostgreSQL reports elsewhere: no
		// position rather than perhaps a wrong one.
		{`select nosuch, nosuch from t`, sqlerr.UndefinedColumn, 0},
		{`select lower(a) from t where lower(b) = 'x'`, sqlerr.UndefinedFunction, 0},
		{`select a + b, a + 1 from t`, sqlerr.UndefinedFunction, 0},
		{`select 1 from t where a = 'x'::text`, sqlerr.UndefinedFunction, 0},
		{`select a from t where a OPERATOR(pg_catalog.+) 'x'::text = 1`, sqlerr.UndefinedFunction, 0},
		{`select * from t join u using (nosuch)`, sqlerr.UndefinedColumn, 0},
		{`drop table nosuch`, sqlerr.UndefinedTable, 0},
	} {
		_, _, err := run(t, s, c.sql)
		if err == nil {
			t.Errorf("%s: succeeded, want %s", c.sql, c.code)
			continue
		}
		if e := sqlerr.Flatten(err); e.Code != c.code || e.Position != c.pos {
			t.Errorf("%s: %s at %d (%s), want %s at %d", c.sql, e.Code, e.Position, e.Message, c.code, c.pos)
		}
	}
	// The extended protocol counts from the start of the text it was sent.
	ctx := context.Background()
	_, err := s.Prepare(ctx, "", "  select nosuch from t", nil)
	if e := sqlerr.Flatten(err); err == nil || e.Code != sqlerr.UndefinedColumn || e.Position != 10 {
		t.Errorf("Prepare: %v at %d, want 42703 at 10", err, e.Position)
	}
	_, err = s.Prepare(ctx, "", "  select 1 +", nil)
	if e := sqlerr.Flatten(err); err == nil || e.Code != sqlerr.SyntaxError || e.Position != 13 {
		t.Errorf("Prepare: %v at %d, want 42601 at 13", err, e.Position)
	}
}
