package exec

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// testSession opens an engine on store and a session in the default hive.
func testSession(t *testing.T, store objstore.Store) *Session {
	t.Helper()
	ctx := context.Background()
	eng, err := NewEngine(ctx, store, Config{Node: "test"})
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	s, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// run executes sql and returns each statement's tag and rows as text, NULL
// printed as "NULL".
func run(t *testing.T, s *Session, sql string) (tags []string, rows [][]string, err error) {
	t.Helper()
	ctx := context.Background()
	err = s.ExecSimple(ctx, sql, func(r Result) error {
		tags = append(tags, r.Tag)
		return collectRows(ctx, r.Rows, &rows)
	})
	return tags, rows, err
}

// collectRows drains rs (which may be nil), appending each row as text to
// *rows, NULL printed as "NULL", and closes it. Values print as a session
// with default settings in UTC prints them.
func collectRows(ctx context.Context, rs Rows, rows *[][]string) error {
	return collectRowsAs(ctx, rs, vec.TextFormat{Loc: time.UTC}, rows)
}

// collectRowsAs is collectRows printing values in format tf.
func collectRowsAs(ctx context.Context, rs Rows, tf vec.TextFormat, rows *[][]string) error {
	if rs == nil {
		return nil
	}
	defer rs.Close()
	for {
		b, err := rs.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil || b.Len == 0 {
			return nil
		}
		for i := 0; i < b.Len; i++ {
			row := b.Row(i)
			var out []string
			for _, c := range b.Cols {
				if c.Nulls.IsNull(row) {
					out = append(out, "NULL")
					continue
				}
				out = append(out, string(vec.AppendTextFormat(nil, c, row, tf)))
			}
			*rows = append(*rows, out)
		}
	}
}

func mustRun(t *testing.T, s *Session, sql string) [][]string {
	t.Helper()
	_, rows, err := run(t, s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rows
}

func wantCode(t *testing.T, s *Session, sql string, code sqlerr.Code) {
	t.Helper()
	_, _, err := run(t, s, sql)
	if err == nil {
		t.Fatalf("%s: succeeded, want SQLSTATE %s", sql, code)
	}
	if got := sqlerr.CodeOf(err); got != code {
		t.Fatalf("%s: SQLSTATE %s (%v), want %s", sql, got, err, code)
	}
}

// sortedRows is joinRows for results whose order SQL leaves open.
func sortedRows(rows [][]string) string {
	lines := strings.Split(joinRows(rows), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func joinRows(rows [][]string) string {
	var lines []string
	for _, r := range rows {
		lines = append(lines, strings.Join(r, "|"))
	}
	return strings.Join(lines, "\n")
}

func TestCreateInsertSelect(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int, b text NOT NULL, c numeric(10,2), d date)")
	tags, _, err := run(t, s, "INSERT INTO t VALUES (1, 'one', 1.5, '2024-02-29'), (-2, 'two', NULL, NULL); INSERT INTO t (b, a) VALUES ('three', 3)")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tags, ",") != "INSERT 0 2,INSERT 0 1" {
		t.Fatalf("tags %v", tags)
	}
	got := joinRows(mustRun(t, s, "SELECT * FROM t"))
	for _, want := range []string{"1|one|1.50|2024-02-29", "-2|two|NULL|NULL", "3|three|NULL|NULL"} {
		if !strings.Contains(got, want) {
			t.Errorf("SELECT * missing row %q in:\n%s", want, got)
		}
	}
	if n := len(mustRun(t, s, "SELECT b FROM apiary.public.t")); n != 3 {
		t.Errorf("qualified select returned %d rows, want 3", n)
	}
}

func TestBothVocabularies(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE HIVE h2; CREATE BOX h2.raw; CREATE FRAME h2.raw.events (id bigint, kind varchar(10))")
	mustRun(t, s, "INSERT INTO h2.raw.events VALUES (7, 'click')")
	if got := joinRows(mustRun(t, s, "SELECT * FROM h2.raw.events")); got != "7|click" {
		t.Errorf("got %q", got)
	}
	if got := joinRows(mustRun(t, s, "SHOW HIVES")); got != "apiary\nh2" {
		t.Errorf("SHOW HIVES = %q", got)
	}
	if got := joinRows(mustRun(t, s, "SHOW DATABASES")); got != "apiary\nh2" {
		t.Errorf("SHOW DATABASES = %q", got)
	}
	mustRun(t, s, "USE h2.raw")
	if got := joinRows(mustRun(t, s, "SHOW FRAMES")); got != "raw|events" {
		t.Errorf("SHOW FRAMES after USE = %q", got)
	}
	desc := joinRows(mustRun(t, s, "DESCRIBE events"))
	for _, want := range []string{"id|bigint|YES|NO", "kind|character varying(10)|YES|NO", "# rows|1"} {
		if !strings.Contains(desc, want) {
			t.Errorf("DESCRIBE lacks %q:\n%s", want, desc)
		}
	}
	wantCode(t, s, "DROP BOX raw", sqlerr.DependentObjectsStillExist)
	mustRun(t, s, "DROP FRAME events; DROP BOX raw")
	wantCode(t, s, "SELECT * FROM h2.raw.events", sqlerr.UndefinedTable)
}

func TestTransactionsAndErrors(t *testing.T) {
	store := objstore.NewMem()
	s := testSession(t, store)
	mustRun(t, s, "CREATE TABLE t (a int NOT NULL)")

	mustRun(t, s, "BEGIN; INSERT INTO t VALUES (1); ROLLBACK")
	if n := len(mustRun(t, s, "SELECT * FROM t")); n != 0 {
		t.Fatalf("rolled back insert visible: %d rows", n)
	}

	mustRun(t, s, "BEGIN; CREATE TABLE u (x text); INSERT INTO u VALUES ('a'); INSERT INTO t VALUES (2)")
	if got := joinRows(mustRun(t, s, "SELECT * FROM u")); got != "a" {
		t.Fatalf("own write not visible in transaction: %q", got)
	}
	other := testSession(t, store)
	wantCode(t, other, "SELECT * FROM u", sqlerr.UndefinedTable)
	mustRun(t, s, "COMMIT")
	if got := joinRows(mustRun(t, other, "SELECT * FROM u")); got != "a" {
		t.Fatalf("committed multi-frame transaction: u = %q", got)
	}
	if got := joinRows(mustRun(t, other, "SELECT * FROM t")); got != "2" {
		t.Fatalf("committed multi-frame transaction: t = %q", got)
	}

	wantCode(t, s, "INSERT INTO t VALUES (3), (NULL)", sqlerr.NotNullViolation)
	wantCode(t, s, "INSERT INTO t VALUES (4), ('x')", sqlerr.InvalidTextRepresentation)
	wantCode(t, s, "INSERT INTO t VALUES (99999999999)", sqlerr.NumericValueOutOfRange)
	if got := joinRows(mustRun(t, s, "SELECT * FROM t")); got != "2" {
		t.Fatalf("rejected statements left rows behind: %q", got)
	}
	wantCode(t, s, "SELECT * FROM nope", sqlerr.UndefinedTable)
	wantCode(t, s, "SELEC 1", sqlerr.SyntaxError)
	wantCode(t, s, "INSERT INTO t (zz) VALUES (1)", sqlerr.UndefinedColumn)
	wantCode(t, s, "CREATE TABLE t (a int)", sqlerr.DuplicateTable)

	mustRun(t, s, "BEGIN")
	wantCode(t, s, "SELECT * FROM nope", sqlerr.UndefinedTable)
	if s.TxStatus() != TxFailed {
		t.Fatalf("status %c after error in block, want E", s.TxStatus())
	}
	wantCode(t, s, "SELECT * FROM t", sqlerr.InFailedSQLTransaction)
	mustRun(t, s, "ROLLBACK")
	if s.TxStatus() != TxIdle {
		t.Fatalf("status %c after ROLLBACK", s.TxStatus())
	}
}

func TestDDLVisibleToSecondEngine(t *testing.T) {
	store := objstore.NewMem()
	a := testSession(t, store)
	mustRun(t, a, "CREATE SCHEMA sales; CREATE TABLE sales.orders (id int, region text) WITH (partition_by = 'region')")
	mustRun(t, a, "INSERT INTO sales.orders VALUES (1, 'eu'), (2, 'us'), (3, 'eu')")
	b := testSession(t, store)
	if got := joinRows(mustRun(t, b, "SHOW TABLES FROM sales")); got != "sales|orders" {
		t.Fatalf("second engine SHOW TABLES = %q", got)
	}
	if n := len(mustRun(t, b, "SELECT id FROM sales.orders")); n != 3 {
		t.Fatalf("second engine sees %d rows, want 3", n)
	}
}

func TestSettings(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "SET TimeZone = 'Europe/Lisbon'; SET application_name = 'report'; SET extra_float_digits = 3")
	if v, ok := s.Parameter("TimeZone"); !ok || v != "Europe/Lisbon" {
		t.Errorf("TimeZone = %q, %v", v, ok)
	}
	if v, _ := s.Parameter("application_name"); v != "report" {
		t.Errorf("application_name = %q", v)
	}
	wantCode(t, s, "SET TimeZone = 'Mars/Olympus'", sqlerr.InvalidParameterValue)
	wantCode(t, s, "SET client_encoding = 'LATIN1'", sqlerr.FeatureNotSupported)
	mustRun(t, s, "RESET TimeZone")
	if v, ok := s.Parameter("TimeZone"); !ok || v != "UTC" {
		t.Errorf("TimeZone after RESET = %q, %v; want the default UTC", v, ok)
	}
	mustRun(t, s, "SET search_path = nowhere, public; CREATE TABLE sp (a int)")
	if got := joinRows(mustRun(t, s, "SHOW TABLES")); got != "public|sp" {
		t.Errorf("CREATE along search path landed in %q", got)
	}
}

func TestConcurrentCreateConflicts(t *testing.T) {
	store := objstore.NewMem()
	a, b := testSession(t, store), testSession(t, store)
	mustRun(t, a, "BEGIN; CREATE TABLE x (v int)")
	mustRun(t, b, "BEGIN; CREATE TABLE x (v text)")
	mustRun(t, a, "COMMIT")
	wantCode(t, b, "COMMIT", sqlerr.SerializationFailure)
	if got := joinRows(mustRun(t, b, "DESCRIBE x")); !strings.Contains(got, "v|integer") {
		t.Fatalf("the winner's schema should stand:\n%s", got)
	}
	// Appends from two sessions never conflict.
	mustRun(t, a, "BEGIN; INSERT INTO x VALUES (1)")
	mustRun(t, b, "BEGIN; INSERT INTO x VALUES (2)")
	mustRun(t, b, "COMMIT")
	mustRun(t, a, "COMMIT")
	if n := len(mustRun(t, a, "SELECT * FROM x")); n != 2 {
		t.Fatalf("%d rows after two concurrent appends, want 2", n)
	}
}

func TestMultiStatementStringIsOneTransaction(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int NOT NULL)")
	wantCode(t, s, "INSERT INTO t VALUES (1); INSERT INTO t VALUES (NULL)", sqlerr.NotNullViolation)
	if n := len(mustRun(t, s, "SELECT * FROM t")); n != 0 {
		t.Fatalf("a failed query string left %d rows of its earlier statements", n)
	}
	if s.TxStatus() != TxIdle {
		t.Fatalf("status %c after a failed implicit transaction, want I", s.TxStatus())
	}
	// Later statements see the earlier ones' writes, and all commit.
	if got := joinRows(mustRun(t, s, "INSERT INTO t VALUES (2); SELECT * FROM t")); got != "2" {
		t.Fatalf("own write in the same query string: %q", got)
	}
	if got := joinRows(mustRun(t, s, "SELECT * FROM t")); got != "2" {
		t.Fatalf("after commit: %q", got)
	}
	// A string with its own transaction control runs statement by statement.
	mustRun(t, s, "INSERT INTO t VALUES (3); BEGIN; INSERT INTO t VALUES (4); ROLLBACK")
	if got := sortedRows(mustRun(t, s, "SELECT * FROM t")); got != "2\n3" {
		t.Fatalf("explicit control in one string: %q", got)
	}
}

func TestDropBoxRacesCreateFrame(t *testing.T) {
	for _, dropFirst := range []bool{true, false} {
		store := objstore.NewMem()
		a, b := testSession(t, store), testSession(t, store)
		mustRun(t, a, "CREATE SCHEMA s")
		mustRun(t, a, "BEGIN; DROP SCHEMA s")
		mustRun(t, b, "BEGIN; CREATE TABLE s.t (x int)")
		first, second := b, a
		if dropFirst {
			first, second = a, b
		}
		mustRun(t, first, "COMMIT")
		wantCode(t, second, "COMMIT", sqlerr.SerializationFailure)
		// Never a frame whose box is gone.
		schemas := joinRows(mustRun(t, a, "SHOW SCHEMAS"))
		frames := joinRows(mustRun(t, a, "SHOW TABLES"))
		if strings.Contains(frames, "s|t") != strings.Contains(schemas, "s") {
			t.Fatalf("dropFirst=%v: schemas %q, frames %q", dropFirst, schemas, frames)
		}
	}
}

func TestCastsInValues(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE c (v text, d date)")
	wantCode(t, s, "INSERT INTO c VALUES ('abc'::int, NULL)", sqlerr.InvalidTextRepresentation)
	mustRun(t, s, "INSERT INTO c VALUES ('007'::int, '2024-01-02'::date), (NULL::int, NULL)")
	if got := joinRows(mustRun(t, s, "SELECT * FROM c")); got != "7|2024-01-02\nNULL|NULL" {
		t.Fatalf("got %q", got)
	}
}
