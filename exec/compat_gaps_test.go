package exec

import (
	"context"
	"fmt"
	"math"
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

// round(avg(x), d) and trunc(avg(x), d) round the average once, as
// PostgreSQL does (its answers); avg's own 6 decimals rounded again would
// differ.
func TestRoundedAverage(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE v (k int, x int, n numeric(8,6))`)
	mustRun(t, s, `INSERT INTO v VALUES (1, 1, 2.499999), (1, 1, 2.500000), (1, 1, NULL), (1, 1, NULL), (1, 1, NULL), (1, 1, NULL),
		(1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (1, 0, NULL), (2, 14, NULL), (2, 15, NULL), (3, NULL, NULL)`)
	for _, c := range []struct{ sql, want string }{
		{`SELECT round(avg(x), 5), trunc(avg(x), 5), round(avg(x), 6), avg(x), round(avg(x) FILTER (WHERE x > 0), 2) FROM v WHERE k = 1`,
			"0.54545|0.54545|0.545455|0.545455|1.00"},
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
	ctx := context.Background()
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
		var names []string
		var rows [][]string
		err := s.ExecSimple(ctx, c.sql, func(r Result) error {
			for _, col := range r.Rows.Columns() {
				names = append(names, col.Name)
			}
			return collectRows(ctx, r.Rows, &rows)
		})
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if got := strings.Join(names, "|"); got != c.names {
			t.Errorf("%s: columns %s, want %s", c.sql, got, c.names)
		}
		if got := joinRows(rows); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	wantCode(t, s, `SELECT * FROM sum(1)`, sqlerr.GroupingError)
	wantCode(t, s, `SELECT * FROM lower(1)`, sqlerr.UndefinedFunction)
	wantCode(t, s, `SELECT * FROM user AS t(a, b)`, sqlerr.InvalidColumnReference)
}
