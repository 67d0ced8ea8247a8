package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// These tests drive the planner and operators end to end through a
// session; the differential suite in regress/difftest checks the same
// surface against PostgreSQL.
func TestQueries(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE emp (id int NOT NULL, name text, dept int, salary numeric(10,2), hired date)`)
	mustRun(t, s, `CREATE TABLE dept (id int, dname text)`)
	mustRun(t, s, `INSERT INTO emp VALUES
		(1, 'ann', 10, 5000.00, '2020-01-05'),
		(2, 'bob', 10, 4000.50, '2021-03-01'),
		(3, 'cid', 20, 3000.25, '2019-07-15'),
		(4, 'dee', NULL, 2500.00, '2022-11-30'),
		(5, NULL, 20, NULL, NULL)`)
	mustRun(t, s, `INSERT INTO dept VALUES (10, 'eng'), (20, 'ops'), (30, 'empty')`)
	cases := []struct{ sql, want string }{
		{`SELECT id, name FROM emp WHERE dept = 10 ORDER BY id`, "1|ann\n2|bob"},
		{`SELECT id + 1, salary * 2 FROM emp WHERE id <= 2 ORDER BY 1`, "2|10000.00\n3|8001.00"},
		{`SELECT count(*), count(dept), sum(salary), min(name), max(hired) FROM emp`, "5|4|14500.75|ann|2022-11-30"},
		{`SELECT dept, count(*) AS n, sum(salary) FROM emp GROUP BY dept ORDER BY dept NULLS FIRST`, "NULL|1|2500.00\n10|2|9000.50\n20|2|3000.25"},
		{`SELECT dept, avg(salary) FROM emp GROUP BY 1 HAVING count(*) > 1 ORDER BY 1`, "10|4500.2500000000000000\n20|3000.2500000000000000"},
		{`SELECT e.name, d.dname FROM emp e, dept d WHERE e.dept = d.id AND e.salary > 3500 ORDER BY e.name`, "ann|eng\nbob|eng"},
		{`SELECT d.dname, count(*) FROM emp e JOIN dept d ON e.dept = d.id GROUP BY d.dname ORDER BY 2 DESC, 1`, "eng|2\nops|2"},
		{`SELECT id FROM emp ORDER BY salary DESC NULLS LAST LIMIT 2`, "1\n2"},
		{`SELECT id FROM emp ORDER BY id LIMIT 2 OFFSET 3`, "4\n5"},
		{`SELECT DISTINCT dept FROM emp WHERE dept IS NOT NULL ORDER BY dept`, "10\n20"},
		{`SELECT CASE WHEN salary > 3500 THEN 'high' ELSE 'low' END AS band, count(*) FROM emp GROUP BY 1 ORDER BY 1`, "high|2\nlow|3"},
		{`SELECT id FROM emp WHERE hired >= '2021-01-01' ORDER BY id`, "2\n4"},
		{`SELECT id FROM emp WHERE salary BETWEEN 3000 AND 4500 ORDER BY id`, "2\n3"},
		{`SELECT id FROM emp WHERE dept IN (20, 30) OR name = 'ann' ORDER BY id`, "1\n3\n5"},
		{`SELECT coalesce(name, '?'), coalesce(dept, -1) FROM emp WHERE id >= 4 ORDER BY 1`, "?|20\ndee|-1"},
		{`SELECT 1 + 2, 'x'`, "3|x"},
		{`SELECT max(id) FROM emp WHERE id > 100`, "NULL"},
		{`SELECT id FROM emp WHERE salary > (SELECT avg(salary) FROM emp) ORDER BY id`, "1\n2"},
		{`SELECT x.n FROM (SELECT count(*) AS n FROM emp) x`, "5"},
		{`WITH big AS (SELECT id FROM emp WHERE salary > 3500) SELECT count(*) FROM big`, "2"},
		{`SELECT d.dname, e.id FROM dept d LEFT JOIN emp e ON e.dept = d.id ORDER BY 1, 2`, "empty|NULL\neng|1\neng|2\nops|3\nops|5"},
		{`SELECT e.id, d.dname FROM dept d RIGHT JOIN emp e ON e.dept = d.id ORDER BY 1`, "1|eng\n2|eng\n3|ops\n4|NULL\n5|ops"},
		{`SELECT e.id, d.id FROM emp e FULL JOIN dept d ON e.dept = d.id WHERE e.id IS NULL OR d.id IS NULL ORDER BY 1, 2`, "4|NULL\nNULL|30"},
		{`SELECT d.dname, count(e.id) FROM dept d LEFT JOIN emp e ON e.dept = d.id AND e.salary > 4500 GROUP BY 1 ORDER BY 1`, "empty|0\neng|1\nops|0"},
		{`SELECT dname FROM dept d WHERE EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id) ORDER BY 1`, "eng\nops"},
		{`SELECT dname FROM dept d WHERE NOT EXISTS (SELECT 1 FROM emp e WHERE e.dept = d.id) ORDER BY 1`, "empty"},
		{`SELECT dname FROM dept WHERE id IN (SELECT dept FROM emp) ORDER BY 1`, "eng\nops"},
		{`SELECT dname FROM dept WHERE id NOT IN (SELECT dept FROM emp)`, ""},
		{`SELECT dname FROM dept WHERE id NOT IN (SELECT dept FROM emp WHERE dept IS NOT NULL)`, "empty"},
		{`SELECT e.id FROM emp e WHERE e.salary > (SELECT avg(salary) FROM emp x WHERE x.dept = e.dept) ORDER BY 1`, "1"},
		{`SELECT e.id FROM emp e WHERE 1 < (SELECT count(*) FROM emp x WHERE x.dept = e.dept) ORDER BY 1`, "1\n2\n3\n5"},
		{`SELECT id FROM emp e WHERE EXISTS (SELECT 1 FROM emp x WHERE x.dept = e.dept AND x.id <> e.id) ORDER BY 1`, "1\n2\n3\n5"},
		{`SELECT id, dname FROM emp JOIN dept USING (id) ORDER BY 1`, ""},
		{`SELECT count(*) FROM emp, dept`, "15"},
		{`SELECT id, (SELECT dname FROM dept d WHERE d.id = e.dept) FROM emp e ORDER BY id`, "1|eng\n2|eng\n3|ops\n4|NULL\n5|ops"},
		{`SELECT DISTINCT ON (dept) dept, id FROM emp ORDER BY dept, id DESC`, "10|2\n20|5\nNULL|4"},
		{`SELECT dept FROM emp INTERSECT ALL SELECT dept FROM emp WHERE id > 1 ORDER BY 1`, "10\n20\n20\nNULL"},
		{`SELECT id FROM emp WHERE salary > ALL (SELECT salary FROM emp WHERE dept = 20 AND salary IS NOT NULL) ORDER BY id`, "1\n2"},
		{`SELECT count(DISTINCT dept) FROM emp`, "2"},
		{`SELECT count(DISTINCT dept), count(*), sum(DISTINCT salary) FROM emp`, "2|5|14500.75"},
		{`SELECT dept, string_agg(name, ',' ORDER BY name DESC) FROM emp GROUP BY dept ORDER BY dept`, "10|bob,ann\n20|cid\nNULL|dee"},
		{`SELECT dept, count(DISTINCT salary) FROM emp GROUP BY dept ORDER BY 1`, "10|2\n20|1\nNULL|1"},
		{`SELECT dept FROM emp UNION SELECT id FROM dept ORDER BY 1`, "10\n20\n30\nNULL"},
		{`SELECT dept FROM emp UNION ALL SELECT id FROM dept ORDER BY 1 DESC LIMIT 2`, "NULL\n30"},
		{`SELECT dept FROM emp INTERSECT SELECT id FROM dept ORDER BY 1`, "10\n20"},
		{`SELECT id FROM dept EXCEPT SELECT dept FROM emp`, "30"},
		{`SELECT * FROM (VALUES (1, 'a'), (2, NULL)) AS v(n, s) ORDER BY n DESC`, "2|NULL\n1|a"},
		{`VALUES (1.5, 2), (3, 4) ORDER BY 1`, "1.5|2\n3|4"},
		{`SELECT id, row_number() OVER (ORDER BY id DESC) FROM emp ORDER BY id`, "1|5\n2|4\n3|3\n4|2\n5|1"},
		{`SELECT id, rank() OVER (PARTITION BY dept ORDER BY salary DESC NULLS LAST), sum(salary) OVER (PARTITION BY dept) FROM emp ORDER BY id`,
			"1|1|9000.50\n2|2|9000.50\n3|1|3000.25\n4|1|2500.00\n5|2|3000.25"},
		{`SELECT id, lag(id) OVER (ORDER BY id), lead(id, 2, 0) OVER (ORDER BY id) FROM emp ORDER BY id`, "1|NULL|3\n2|1|4\n3|2|5\n4|3|0\n5|4|0"},
		{`SELECT dept, sum(salary), sum(sum(salary)) OVER (ORDER BY dept) FROM emp WHERE dept IS NOT NULL GROUP BY dept ORDER BY dept`, "10|9000.50|9000.50\n20|3000.25|12000.75"},
		{`SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM emp ORDER BY id`, "1|2\n2|3\n3|3\n4|3\n5|2"},
	}
	for _, c := range cases {
		rows := mustRun(t, s, c.sql)
		if got := joinRows(rows); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
	}{
		{`SELECT nope FROM emp`, sqlerr.UndefinedColumn},
		{`SELECT * FROM nope`, sqlerr.UndefinedTable},
		{`SELECT id FROM emp e, dept d`, sqlerr.AmbiguousColumn},
		{`SELECT name, count(*) FROM emp`, sqlerr.GroupingError},
		{`SELECT id / 0 FROM emp`, sqlerr.DivisionByZero},
		{`SELECT 2147483647 + id FROM emp`, sqlerr.NumericValueOutOfRange},
		{`SELECT id FROM emp WHERE count(*) > 1`, sqlerr.GroupingError},
		{`SELECT id FROM emp WHERE name`, sqlerr.DatatypeMismatch},
		{`SELECT id FROM emp WHERE row_number() OVER () > 1`, sqlerr.WindowingError},
		{`SELECT (SELECT x.id FROM emp x WHERE x.dept = e.dept) FROM emp e`, sqlerr.CardinalityViolation},
		{`SELECT * FROM (SELECT 1) AS s(a, b)`, sqlerr.InvalidColumnReference},
		{`WITH c(a, b) AS (SELECT 1) SELECT * FROM c`, sqlerr.InvalidColumnReference},
	} {
		wantCode(t, s, c.sql, c.code)
	}
}

func TestInsertSelectAndCreateTableAs(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE src (a int, b numeric(10,2), c text)`)
	mustRun(t, s, `INSERT INTO src VALUES (1, 1.50, 'x'), (2, 2.25, 'y'), (3, NULL, NULL)`)
	mustRun(t, s, `CREATE TABLE dst (a bigint NOT NULL, b numeric(12,3), c text)`)
	_, _, err := run(t, s, `INSERT INTO dst SELECT a * 10, b * 2, c FROM src WHERE a < 3`)
	if err != nil {
		t.Fatal(err)
	}
	if got := joinRows(mustRun(t, s, `SELECT * FROM dst ORDER BY a`)); got != "10|3.000|x\n20|4.500|y" {
		t.Fatalf("dst = %q", got)
	}
	mustRun(t, s, `INSERT INTO dst (c, a) SELECT c, a FROM src WHERE a = 3`)
	// Without a column list, narrower rows fill the leading columns.
	mustRun(t, s, `INSERT INTO dst SELECT 4`)
	mustRun(t, s, `INSERT INTO dst VALUES (5, 5.5)`)
	if got := joinRows(mustRun(t, s, `SELECT a, b, c FROM dst WHERE a IN (4, 5) ORDER BY a`)); got != "4|NULL|NULL\n5|5.500|NULL" {
		t.Fatalf("narrow rows: %q", got)
	}
	wantCode(t, s, `INSERT INTO dst (a, b) SELECT 6`, sqlerr.SyntaxError)
	wantCode(t, s, `INSERT INTO dst VALUES (7), (8, 1)`, sqlerr.SyntaxError)
	if got := joinRows(mustRun(t, s, `SELECT a, b, c FROM dst WHERE a = 3`)); got != "3|NULL|NULL" {
		t.Fatalf("partial columns: %q", got)
	}
	// Too long for varchar(n) is an error, as in PostgreSQL's assignment
	// casts, and nothing of the statement is stored.
	mustRun(t, s, `CREATE TABLE narrow (v varchar(3), c char(3))`)
	wantCode(t, s, `INSERT INTO narrow SELECT c || 'long', 'x' FROM src WHERE c IS NOT NULL`, sqlerr.StringDataRightTruncation)
	mustRun(t, s, `INSERT INTO narrow SELECT 'ab   ', 'y'`)
	if got := joinRows(mustRun(t, s, `SELECT v, c, octet_length(c) FROM narrow`)); got != "ab |y  |3" {
		t.Fatalf("narrow = %q", got)
	}
	// NOT NULL violation rejects the whole statement.
	wantCode(t, s, `INSERT INTO dst SELECT NULL::int, 1, 'z' FROM src`, sqlerr.NotNullViolation)
	if got := joinRows(mustRun(t, s, `SELECT count(*) FROM dst`)); got != "5" {
		t.Fatalf("after failed insert: %q", got)
	}
	// INSERT ... SELECT from itself reads the rows before the statement.
	mustRun(t, s, `INSERT INTO src SELECT a + 3, b, c FROM src`)
	if got := joinRows(mustRun(t, s, `SELECT count(*), sum(a) FROM src`)); got != "6|21" {
		t.Fatalf("self insert: %q", got)
	}
	tags, _, err := run(t, s, `CREATE TABLE agg AS SELECT c, count(*) AS n, sum(b) AS total FROM src GROUP BY c`)
	if err != nil {
		t.Fatal(err)
	}
	if tags[0] != "SELECT 3" {
		t.Fatalf("CTAS tag %q", tags[0])
	}
	if got := joinRows(mustRun(t, s, `SELECT c, n, total FROM agg ORDER BY c NULLS LAST`)); got != "x|2|3.00\ny|2|4.50\nNULL|2|NULL" {
		t.Fatalf("agg = %q", got)
	}
	// A failing CTAS leaves no frame behind.
	wantCode(t, s, `CREATE TABLE bad AS SELECT 1 / (a - a) FROM src`, sqlerr.DivisionByZero)
	wantCode(t, s, `SELECT * FROM bad`, sqlerr.UndefinedTable)
}

func TestExplain(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE a (k int, v int)`)
	mustRun(t, s, `CREATE TABLE b (k int, w text)`)
	mustRun(t, s, `INSERT INTO a VALUES (1, 10), (2, 20)`)
	mustRun(t, s, `INSERT INTO a VALUES (100, 1000)`)
	mustRun(t, s, `INSERT INTO b VALUES (1, 'x')`)
	plan := joinRows(mustRun(t, s, `EXPLAIN SELECT b.w, sum(a.v) FROM a JOIN b ON a.k = b.k WHERE a.k < 50 GROUP BY b.w`))
	for _, want := range []string{"Hash Aggregate", "Hash Join (Inner)", "Scan a", "Cells: 2, pruned by statistics: 1", "Scan b"} {
		if !strings.Contains(plan, want) {
			t.Errorf("EXPLAIN lacks %q:\n%s", want, plan)
		}
	}
	if got := joinRows(mustRun(t, s, `SELECT count(*), min(k), max(v), count(v) FROM a`)); got != "3|1|1000|3" {
		t.Errorf("aggregates from statistics: %s", got)
	}
	if st := joinRows(mustRun(t, s, `EXPLAIN SELECT count(*), min(k), max(v) FROM a`)); !strings.Contains(st, "from cell statistics") {
		t.Errorf("count/min/max not answered from statistics:\n%s", st)
	}
	if an := joinRows(mustRun(t, s, `EXPLAIN ANALYZE SELECT k, count(*) FROM a GROUP BY k`)); !strings.Contains(an, "peak memory=") {
		t.Errorf("EXPLAIN ANALYZE lacks the aggregation's peak memory:\n%s", an)
	}
	an := joinRows(mustRun(t, s, `EXPLAIN ANALYZE SELECT count(*) FROM a WHERE v > 5`))
	for _, want := range []string{"actual rows=", "Row groups:", "Execution Time:", "Peak memory:"} {
		if !strings.Contains(an, want) {
			t.Errorf("EXPLAIN ANALYZE lacks %q:\n%s", want, an)
		}
	}
}

// TestStatementTimeoutAndBudget checks that statement_timeout stops a
// parallel query with 57014 and that a query past its memory budget fails
// with 53200, and that the session serves the next statement either way.
func TestStatementTimeoutAndBudget(t *testing.T) {
	// Spilling off: past the budget is an error here (TestAggregationSpills
	// covers the spilling side).
	s := newTestSession(t, newTestEngine(t, Config{Node: "limits", Bees: 2, BeeMemory: 1 << 20, SpillDir: "off"}))
	mustRun(t, s, `CREATE TABLE n (i int, pad text)`)
	mustRun(t, s, `INSERT INTO n SELECT a.i * 100 + b.i, repeat('x', 100) FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) a(i), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) b(i)`)
	mustRun(t, s, `INSERT INTO n SELECT x.i + y.i * 1000, x.pad FROM n x, n y`)
	if got := joinRows(mustRun(t, s, `SELECT count(*) FROM n`)); got != "10100" {
		t.Fatalf("count = %s", got)
	}
	// 10^12 pairs: only the timeout ends this.
	mustRun(t, s, `SET statement_timeout = 100`)
	wantCode(t, s, `SELECT count(*) FROM n a, n b, n c WHERE a.i + b.i + c.i < 0`, sqlerr.QueryCanceled)
	mustRun(t, s, `RESET statement_timeout`)
	// A hash join building 10,100 rows of 100-byte text needs more than the
	// two bees' 1 MiB chambers.
	wantCode(t, s, `SELECT count(*) FROM n a JOIN n b ON a.pad = b.pad AND a.i = b.i`, sqlerr.OutOfMemory)
	if got := joinRows(mustRun(t, s, `SELECT max(i) FROM n`)); got != "909909" {
		t.Fatalf("after errors: %s", got)
	}
}

// TestTransactionInsertsShareCells checks that a block of single-row
// INSERTs commits a few cells, not one per statement, and that the block
// reads its own buffered rows.
func TestTransactionInsertsShareCells(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE small (id int, v text)`)
	mustRun(t, s, `BEGIN`)
	for i := 0; i < 500; i++ {
		mustRun(t, s, fmt.Sprintf(`INSERT INTO small VALUES (%d, 'v%d')`, i, i))
	}
	if got := joinRows(mustRun(t, s, `SELECT count(*), sum(id) FROM small`)); got != "500|124750" {
		t.Fatalf("inside the block: %s", got)
	}
	for i := 500; i < 1000; i++ {
		mustRun(t, s, fmt.Sprintf(`INSERT INTO small VALUES (%d, 'v%d')`, i, i))
	}
	mustRun(t, s, `COMMIT`)
	if got := joinRows(mustRun(t, s, `SELECT count(*), sum(id) FROM small`)); got != "1000|499500" {
		t.Fatalf("after commit: %s", got)
	}
	plan := joinRows(mustRun(t, s, `EXPLAIN SELECT * FROM small WHERE id > 0`))
	if !strings.Contains(plan, "Cells: 2,") {
		t.Fatalf("1000 INSERTs in a block wrote other than 2 cells (one per flush):\n%s", plan)
	}
	// A rolled-back block leaves nothing, buffered or not.
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `INSERT INTO small VALUES (-1, 'gone')`)
	mustRun(t, s, `ROLLBACK`)
	if got := joinRows(mustRun(t, s, `SELECT count(*) FROM small WHERE id < 0`)); got != "0" {
		t.Fatalf("after rollback: %s", got)
	}
	// A multi-statement string is one implicit block: one cell.
	mustRun(t, s, `CREATE TABLE multi (id int)`)
	mustRun(t, s, `INSERT INTO multi VALUES (1); INSERT INTO multi VALUES (2); INSERT INTO multi VALUES (3)`)
	if plan := joinRows(mustRun(t, s, `EXPLAIN SELECT * FROM multi WHERE id > 0`)); !strings.Contains(plan, "Cells: 1,") {
		t.Fatalf("implicit block:\n%s", plan)
	}
}

func TestCreateIndexAndShowColumns(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE ix (a int NOT NULL, b text)`)
	tags, _, err := run(t, s, `CREATE INDEX ix_a ON ix (a)`)
	if err != nil || tags[0] != "CREATE INDEX" {
		t.Fatalf("CREATE INDEX: %v %v", tags, err)
	}
	wantCode(t, s, `CREATE INDEX nope_a ON nope (a)`, sqlerr.UndefinedTable)
	mustRun(t, s, `DROP INDEX ix_a`)
	cols := joinRows(mustRun(t, s, `SHOW COLUMNS FROM ix`))
	if !strings.HasPrefix(cols, "a|integer|NO") || !strings.Contains(cols, "b|text|YES") {
		t.Fatalf("SHOW COLUMNS:\n%s", cols)
	}
}

// TestAggregationSpills runs a grouping too big for its budget: it spills
// to disk and returns what an unconstrained engine returns.
func TestAggregationSpills(t *testing.T) {
	ctx := context.Background()
	store := objstore.NewMem()
	big, err := NewEngine(ctx, store, Config{Node: "big", Bees: 2})
	if err != nil {
		t.Fatal(err)
	}
	small, err := NewEngine(ctx, store, Config{Node: "small", Bees: 2, BeeMemory: 128 << 10, SpillDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := big.NewSession(ctx, "apiary", "")
	defer bs.Close()
	ss, _ := small.NewSession(ctx, "apiary", "")
	defer ss.Close()
	mustRun(t, bs, `CREATE TABLE g (k int, v int)`)
	mustRun(t, bs, `INSERT INTO g SELECT a.i * 1000 + b.i * 10 + c.i, a.i FROM
		(SELECT x.i * 10 + y.i AS i FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) x(i), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) y(i)) a,
		(SELECT x.i * 10 + y.i AS i FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) x(i), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) y(i)) b,
		(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) c(i)`)
	// Both the grouping and the sort of 50,000 groups outgrow 256 KiB.
	// The bees' partial aggregations flush their groups when full rather
	// than spill, so that they cannot starve the final one of budget.
	q := `SELECT k % 50000 AS g, count(*), sum(v), max(k) FROM g GROUP BY 1 ORDER BY 3 DESC, 1`
	want := joinRows(mustRun(t, bs, q))
	got := joinRows(mustRun(t, ss, q))
	if got != want {
		t.Fatalf("spilled result differs (%d vs %d bytes)", len(got), len(want))
	}
	// Joins whose build sides outgrow the budget become grace hash joins.
	mustRun(t, bs, `CREATE TABLE h (k int, w text)`)
	mustRun(t, bs, `INSERT INTO h SELECT k, 'w' || k FROM g WHERE k % 3 <> 0`)
	mustRun(t, bs, `INSERT INTO h VALUES (NULL, 'null key')`)
	for _, jq := range []string{
		`SELECT count(*), sum(g.k), max(h.w) FROM g JOIN h ON g.k = h.k`,
		`SELECT count(*), count(h.k) FROM g LEFT JOIN h ON g.k = h.k AND h.w <> 'w5'`,
		`SELECT count(*), count(g.k), count(h.k) FROM g FULL JOIN h ON g.k = h.k`,
		`SELECT count(*) FROM g WHERE EXISTS (SELECT 1 FROM h WHERE h.k = g.k)`,
		`SELECT count(*) FROM g WHERE NOT EXISTS (SELECT 1 FROM h WHERE h.k = g.k)`,
		`SELECT count(*) FROM g WHERE k NOT IN (SELECT k FROM h)`,
		`SELECT count(*) FROM g WHERE k NOT IN (SELECT k FROM h WHERE k IS NOT NULL)`,
	} {
		want := joinRows(mustRun(t, bs, jq))
		if got := joinRows(mustRun(t, ss, jq)); got != want {
			t.Errorf("%s: spilled %q, in memory %q", jq, got, want)
		}
	}
	mustRun(t, ss, `SET statement_timeout = 0`)
	small2, _ := NewEngine(ctx, store, Config{Node: "nospill", Bees: 2, BeeMemory: 128 << 10, SpillDir: "off"})
	ns, _ := small2.NewSession(ctx, "apiary", "")
	defer ns.Close()
	wantCode(t, ns, q, sqlerr.OutOfMemory)
}

// TestReversedSemiJoins checks semi and anti joins whose filtered side is
// far smaller than the subquery's, which build the small side and stream
// the big one (with two bees), against formulations that do not.
func TestReversedSemiJoins(t *testing.T) {
	s := newTestSession(t, newTestEngine(t, Config{Node: "rev", Bees: 2}))
	mustRun(t, s, `CREATE TABLE small (k int, v int)`)
	mustRun(t, s, `INSERT INTO small VALUES (1, 1), (2, 2), (3, 3), (4, 4), (5, 5), (NULL, 6), (7, 7), (8, 8), (9, 9), (500, 1)`)
	mustRun(t, s, `CREATE TABLE big (k int, v int)`)
	for c := 0; c < 4; c++ {
		var rows []string
		for i := 0; i < 2500; i++ {
			k := (c*2500 + i) % 400
			rows = append(rows, fmt.Sprintf("(%d, %d)", k, i%3))
		}
		mustRun(t, s, "INSERT INTO big VALUES "+strings.Join(rows, ", "))
	}
	plan := joinRows(mustRun(t, s, `EXPLAIN SELECT k FROM small WHERE EXISTS (SELECT 1 FROM big WHERE big.k = small.k)`))
	if !strings.Contains(plan, "left side built") {
		t.Fatalf("the semi join was not reversed:\n%s", plan)
	}
	same := func(a, b string) {
		t.Helper()
		if ga, gb := sortedRows(mustRun(t, s, a)), sortedRows(mustRun(t, s, b)); ga != gb {
			t.Errorf("%s\n= %q\nbut %s\n= %q", a, ga, b, gb)
		}
	}
	same(`SELECT k FROM small WHERE EXISTS (SELECT 1 FROM big WHERE big.k = small.k AND big.v <> small.v % 3)`,
		`SELECT s.k FROM small s JOIN big b ON b.k = s.k AND b.v <> s.v % 3 GROUP BY s.k, s.v`)
	same(`SELECT k, v FROM small WHERE NOT EXISTS (SELECT 1 FROM big WHERE big.k = small.k)`,
		`SELECT k, v FROM small WHERE (SELECT count(*) FROM big WHERE big.k = small.k) = 0`)
	same(`SELECT k FROM small WHERE k IN (SELECT k FROM big)`, `SELECT k FROM small WHERE k < 400`)
	same(`SELECT k FROM small WHERE k NOT IN (SELECT k FROM big)`, `SELECT k FROM small WHERE k = 500`)
	mustRun(t, s, `INSERT INTO big VALUES (NULL, 0)`)
	if got := joinRows(mustRun(t, s, `SELECT count(*) FROM small WHERE k NOT IN (SELECT k FROM big)`)); got != "0" {
		t.Errorf("NOT IN over a set holding NULL: %s rows, want 0", got)
	}
}

// TestTimestamptzLiteralsFollowTimeZone checks that a timestamptz literal
// without a zone is read in the session's time zone, in writes and in
// comparisons, as PostgreSQL reads it.
func TestTimestamptzLiteralsFollowTimeZone(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "SET TimeZone = 'America/New_York'")
	mustRun(t, s, "CREATE TABLE tzw (t timestamptz)")
	mustRun(t, s, "INSERT INTO tzw VALUES ('2024-07-01 12:00')")
	mustRun(t, s, "SET TimeZone = 'UTC'")
	if got := joinRows(mustRun(t, s, "SELECT t FROM tzw")); got != "2024-07-01 16:00:00+00" {
		t.Errorf("stored %q, want 2024-07-01 16:00:00+00", got)
	}
	mustRun(t, s, "SET TimeZone = 'Europe/Lisbon'")
	if got := joinRows(mustRun(t, s, "SELECT count(*) FROM tzw WHERE t = '2024-07-01 17:00'")); got != "1" {
		t.Errorf("comparison in Lisbon: %q rows, want 1", got)
	}
}

// TestPrimaryKeyDeclarations checks the keys CREATE TABLE records and
// refuses, as PostgreSQL does.
func TestPrimaryKeyDeclarations(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	wantCode(t, s, "CREATE TABLE pkd (a int, PRIMARY KEY (a, a))", sqlerr.DuplicateColumn)
	wantCode(t, s, "CREATE TABLE pkd (a int PRIMARY KEY, b int PRIMARY KEY)", sqlerr.InvalidTableDefinition)
	wantCode(t, s, "CREATE TABLE pkd (a int, PRIMARY KEY (z))", sqlerr.UndefinedColumn)
	mustRun(t, s, "CREATE TABLE pkd (a int, b text, PRIMARY KEY (b, a))")
	if got := joinRows(mustRun(t, s, "SELECT attname FROM pg_attribute WHERE attrelid = 'pkd'::regclass AND attnotnull ORDER BY attnum")); got != "a\nb" {
		t.Errorf("key columns not null: %q", got)
	}
}

// The planner reads range filters against the cells' min/max statistics
// and builds each join on its side with fewer rows: a date filter keeping
// 4% of facts makes facts the build side, one keeping 95% leaves it the
// probe side, and a selective chain of joins is built while the bigger
// table streams past it (TPC-H Q7's shape).
func TestJoinSidesFromStatistics(t *testing.T) {
	s := newTestSession(t, newTestEngine(t, Config{Node: "sides", Bees: 2}))
	mustRun(t, s, `CREATE TABLE facts (k int, d date)`)
	var rows []string
	for i := 0; i < 8000; i++ {
		rows = append(rows, fmt.Sprintf("(%d, date '2024-01-01' + %d)", i%2000, i/80))
	}
	mustRun(t, s, "INSERT INTO facts VALUES "+strings.Join(rows, ", "))
	mustRun(t, s, `CREATE TABLE dims (k int, name text)`)
	mustRun(t, s, `INSERT INTO dims SELECT k, 'n' || (k % 50) FROM (SELECT DISTINCT k FROM facts) x`)
	mustRun(t, s, `CREATE TABLE other (k int, w int)`)
	mustRun(t, s, `INSERT INTO other SELECT k, d - date '2024-01-01' FROM facts WHERE d < date '2024-03-16'`)
	for _, c := range []struct{ q, probe, count string }{
		{`SELECT count(*) FROM facts JOIN dims ON facts.k = dims.k WHERE facts.d >= date '2024-04-06'`, "Scan dims", "320"},
		{`SELECT count(*) FROM facts JOIN dims ON facts.k = dims.k WHERE facts.d BETWEEN date '2024-01-06' AND date '2024-12-31'`, "Scan facts", "7600"},
		{`SELECT count(*) FROM facts f JOIN dims d ON f.k = d.k JOIN other o ON o.k = f.k WHERE d.name = 'n7'`, "Scan other", "480"},
	} {
		if got, plan := topJoinProbe(t, s, c.q); got != c.probe {
			t.Errorf("%s\nstreams %q, want %q:\n%s", c.q, got, c.probe, plan)
		}
		if got := joinRows(mustRun(t, s, c.q)); got != c.count {
			t.Errorf("%s = %s, want %s", c.q, got, c.count)
		}
	}
}

// IS NOT DISTINCT FROM between relations is a hash join key that matches
// NULL with NULL (PostgreSQL runs it as a nested loop): it spills like any
// hash join, and next to an equality it stays a residual condition.
func TestJoinOnIsNotDistinctFrom(t *testing.T) {
	s := newTestSession(t, newTestEngine(t, Config{Node: "ndf", Bees: 2, BeeMemory: 256 << 10, SpillDir: t.TempDir()}))
	mustRun(t, s, `CREATE TABLE a (k bigint, v int)`)
	mustRun(t, s, `CREATE TABLE b (k bigint, w int)`)
	mustRun(t, s, `INSERT INTO a SELECT CASE WHEN i % 1000 = 0 THEN NULL ELSE i END, i % 3 FROM generate_series(1, 60000) g(i)`)
	mustRun(t, s, `INSERT INTO b SELECT CASE WHEN i % 1500 = 0 THEN NULL ELSE i * 2 END, i % 3 FROM generate_series(1, 60000) g(i)`)
	// The even keys up to 60000 but the 60 multiples of 1000 (NULL in a)
	// match once; a's 60 NULLs meet b's 40.
	want := 30000 - 60 + 60*40
	q := `SELECT count(*) FROM a JOIN b ON a.k IS NOT DISTINCT FROM b.k`
	if plan := joinRows(mustRun(t, s, "EXPLAIN "+q)); !strings.Contains(plan, "IS NOT DISTINCT FROM (b.k)") || strings.Contains(plan, "Residual") {
		t.Errorf("not a null-matching hash join:\n%s", plan)
	}
	if got := joinRows(mustRun(t, s, q)); got != fmt.Sprint(want) {
		t.Errorf("%s = %s, want %d", q, got, want)
	}
	q = `SELECT count(*) FROM a JOIN b ON a.v = b.w AND a.k IS NOT DISTINCT FROM b.k`
	if plan := joinRows(mustRun(t, s, "EXPLAIN "+q)); !strings.Contains(plan, "Residual: (a.k IS NOT DISTINCT FROM b.k)") {
		t.Errorf("the equality is not the key:\n%s", plan)
	}
}

// After the rows joined so far were built and a bigger relation streamed
// past them, the estimate of the result follows the rows built, not the
// streamed relation's size: a later, middle-sized relation is then
// streamed too, while the joined rows stay the smaller side.
func TestJoinEstimateAfterStreaming(t *testing.T) {
	s := newTestSession(t, newTestEngine(t, Config{Node: "est", Bees: 2}))
	mustRun(t, s, `CREATE TABLE facts (k int, d int)`)
	mustRun(t, s, `INSERT INTO facts SELECT i % 2000, i / 80 FROM generate_series(0, 7999) g(i)`)
	mustRun(t, s, `CREATE TABLE dims (k int, name text)`)
	mustRun(t, s, `INSERT INTO dims SELECT i, 'n' || (i % 50) FROM generate_series(0, 1999) g(i)`)
	mustRun(t, s, `CREATE TABLE tags (k int)`)
	mustRun(t, s, `INSERT INTO tags SELECT i FROM generate_series(0, 999) g(i)`)
	mustRun(t, s, `CREATE TABLE other (k int)`)
	mustRun(t, s, `INSERT INTO other SELECT i FROM generate_series(0, 1499) g(i)`)
	q := `SELECT count(*) FROM facts f JOIN dims d ON f.k = d.k JOIN tags g ON g.k = f.k JOIN other o ON o.k = f.k WHERE d.name = 'n7'`
	if probe, plan := topJoinProbe(t, s, q); probe != "Scan other" {
		t.Errorf("the last join streams %q, want Scan other:\n%s", probe, plan)
	}
	// Keys 7, 57, ..., 957: four facts, one tag and one other row each.
	if got := joinRows(mustRun(t, s, q)); got != "80" {
		t.Errorf("%s = %s, want 80", q, got)
	}
}

// topJoinProbe returns the first input (the streamed side) of the topmost
// hash join in the plan of q, "" when there is none, and the plan.
func topJoinProbe(t *testing.T, s *Session, q string) (probe, plan string) {
	t.Helper()
	plan = joinRows(mustRun(t, s, "EXPLAIN "+q))
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "Hash Join") {
			continue
		}
		for _, c := range lines[i+1:] {
			if c = strings.TrimSpace(c); strings.HasPrefix(c, "->") {
				return strings.TrimSpace(strings.TrimPrefix(c, "->")), plan
			}
		}
		break
	}
	return "", plan
}
