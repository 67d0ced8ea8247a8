package exec

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// runResults executes sql and returns every statement's Result with its
// rows printed as the session prints them (its TextFormat), NULL as
// "NULL".
func runResults(t *testing.T, s *Session, sql string) ([]Result, [][][]string, error) {
	t.Helper()
	ctx := context.Background()
	var results []Result
	var rows [][][]string
	err := s.ExecSimple(ctx, sql, func(r Result) error {
		results = append(results, r)
		var out [][]string
		if err := collectRowsAs(ctx, r.Rows, s.TextFormat(), &out); err != nil {
			return err
		}
		rows = append(rows, out)
		return nil
	})
	return results, rows, err
}

// show returns SHOW name.
func show(t *testing.T, s *Session, name string) string {
	t.Helper()
	rows := mustRun(t, s, "SHOW "+name)
	if len(rows) != 1 || len(rows[0]) != 1 {
		t.Fatalf("SHOW %s = %v", name, rows)
	}
	return rows[0][0]
}

// notices runs sql and returns the notices of its statements as
// "SEVERITY CODE message" lines.
func notices(t *testing.T, s *Session, sql string) []string {
	t.Helper()
	results, _, err := runResults(t, s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	var out []string
	for _, r := range results {
		for _, n := range r.Notices {
			out = append(out, n.Severity+" "+string(n.Code)+" "+n.Message)
		}
	}
	return out
}

func TestSetShowReset(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ set, name, want string }{
		{"SET extra_float_digits = 3", "extra_float_digits", "3"},
		{"SET extra_float_digits = 2.5", "extra_float_digits", "2"},
		{"RESET extra_float_digits", "extra_float_digits", "1"},
		{"SET statement_timeout = 1500", "statement_timeout", "1500ms"},
		{"SET statement_timeout = '60s'", "statement_timeout", "1min"},
		{"SET statement_timeout = '3600000'", "statement_timeout", "1h"},
		{"SET statement_timeout = '1.5s'", "statement_timeout", "1500ms"},
		{"SET statement_timeout = '10 min'", "statement_timeout", "10min"},
		{"SET statement_timeout = '100us'", "statement_timeout", "0"},
		{"SET statement_timeout TO DEFAULT", "statement_timeout", "0"},
		{"SET lock_timeout = '2s'", "lock_timeout", "2s"},
		{"SET idle_in_transaction_session_timeout = 60000", "idle_in_transaction_session_timeout", "1min"},
		{"SET work_mem = 1024", "work_mem", "1MB"},
		{"SET work_mem = '1.5MB'", "work_mem", "1536kB"},
		{"SET work_mem = '1GB'", "work_mem", "1GB"},
		{"RESET work_mem", "work_mem", "4MB"},
		{"SET jit = 'of'", "jit", "off"},
		{"SET jit = 1", "jit", "on"},
		{"SET jit = 'yes'", "jit", "on"},
		{"SET enable_seqscan = off", "enable_seqscan", "off"},
		{"SET client_min_messages = 'WARNING'", "client_min_messages", "warning"},
		{"SET client_min_messages TO notice", "client_min_messages", "notice"},
		{"SET synchronous_commit = 'true'", "synchronous_commit", "on"},
		{"SET DateStyle = 'ISO, DMY'", "DateStyle", "ISO, DMY"},
		{"SET DateStyle = ISO", "DateStyle", "ISO, DMY"},
		{"SET datestyle = 'ymd'", "datestyle", "ISO, YMD"},
		{"SET DateStyle = ISO, MDY", "DateStyle", "ISO, MDY"},
		{"SET DateStyle = 'euro'", "DateStyle", "ISO, DMY"},
		{"RESET DateStyle", "DateStyle", "ISO, MDY"},
		{"SET IntervalStyle = 'POSTGRES'", "IntervalStyle", "postgres"},
		{"SET application_name = x", "application_name", "x"},
		{"SET application_name = 'caf\u00e9'", "application_name", "caf??"},
		{"SET NAMES 'utf-8'", "client_encoding", "UTF8"},
		{"SET client_encoding = 'SQL_ASCII'", "client_encoding", "UTF8"},
		{"SET search_path = a, \"B\", 'c d', \"$user\"", "search_path", `a, "B", "c d", "$user"`},
		{"SET search_path = 'a,b'", "search_path", `"a,b"`},
		{"SET search_path = ''", "search_path", `""`},
		{"SET search_path TO DEFAULT", "search_path", `"$user", public`},
		{"SET SCHEMA 'public'", "search_path", "public"},
		{"RESET search_path", "search_path", `"$user", public`},
		{"SET bytea_output = 'escape'", "bytea_output", "escape"},
		{"SET default_transaction_isolation = 'SERIALIZABLE'", "default_transaction_isolation", "serializable"},
		{"SET default_transaction_isolation TO DEFAULT", "transaction_isolation", "read committed"},
		{"SET backslash_quote = on", "backslash_quote", "on"},
		{"SET escape_string_warning = off", "escape_string_warning", "off"},
		{"SET row_security = off", "row_security", "off"},
		{"SET timezone_abbreviations = 'Default'", "timezone_abbreviations", "Default"},
		{"SET lc_messages = 'C'", "lc_messages", "C"},
		{"SET geqo = off", "geqo", "off"},
		{"SET random_page_cost = 1.1", "random_page_cost", "1.1"},
		{"SET maintenance_work_mem = '10MB'", "maintenance_work_mem", "10MB"},
		{"SET SESSION x.y TO 'a'", "x.y", "a"},
		{"RESET x.y", "x.y", ""},
		{"SET ROLE NONE", "role", "none"},
		{"SET SESSION AUTHORIZATION DEFAULT", "session_authorization", "apiary"},
		{"SET SESSION AUTHORIZATION apiary", "session_authorization", "apiary"},
		{"SET session_authorization = 'apiary'", "SESSION AUTHORIZATION", "apiary"},
		{"SET \"DateStyle\" = 'ISO'", "\"DateStyle\"", "ISO, MDY"},
		{"SELECT 1", "server_version", PGVersion},
		{"SELECT 1", "server_version_num", "150008"},
		{"SELECT 1", "max_identifier_length", "63"},
		{"SELECT 1", "integer_datetimes", "on"},
		{"SELECT 1", "is_superuser", "on"},
		{"SELECT 1", "in_hot_standby", "off"},
		{"SELECT 1", "lc_collate", "C.UTF-8"},
		{"SELECT 1", "server_encoding", "UTF8"},
		{"SELECT 1", "standard_conforming_strings", "on"},
		{"SELECT 1", "TRANSACTION ISOLATION LEVEL", "read committed"},
		{"SELECT 1", "transaction_read_only", "off"},
		{"SELECT 1", "apiary.bee_memory", "256MB"},
	} {
		mustRun(t, s, c.set)
		if got := show(t, s, c.name); got != c.want {
			t.Errorf("%s; SHOW %s = %q, want %q", c.set, c.name, got, c.want)
		}
	}
}

func TestShowColumnNames(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ show, col string }{
		{"SHOW timezone", "TimeZone"},
		{"SHOW TIME ZONE", "TimeZone"},
		{"SHOW datestyle", "DateStyle"},
		{"SHOW TRANSACTION ISOLATION LEVEL", "transaction_isolation"},
		{"SHOW ALL", "name"},
	} {
		results, _, err := runResults(t, s, c.show)
		if err != nil {
			t.Fatalf("%s: %v", c.show, err)
		}
		r := results[0]
		if r.Tag != "SHOW" || r.Rows.Columns()[0].Name != c.col {
			t.Errorf("%s: tag %q, first column %q; want SHOW, %q", c.show, r.Tag, r.Rows.Columns()[0].Name, c.col)
		}
	}
}

func TestSettingErrors(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct {
		sql  string
		code sqlerr.Code
	}{
		{"SET extra_float_digits = 4", sqlerr.InvalidParameterValue},
		{"SET extra_float_digits = -16", sqlerr.InvalidParameterValue},
		{"SET extra_float_digits = 'x'", sqlerr.InvalidParameterValue},
		{"SET server_version = '1'", codeCantChangeRuntimeParam},
		{"SET max_identifier_length = 63", codeCantChangeRuntimeParam},
		{"SET is_superuser = off", codeCantChangeRuntimeParam},
		{"SET apiary.bees = 3", codeCantChangeRuntimeParam},
		{"SET apiary.nosuch = 1", codeInvalidName},
		{"SET client_encoding = 'LATIN1'", sqlerr.FeatureNotSupported},
		{"SET client_encoding = 'foo'", sqlerr.InvalidParameterValue},
		{"SET DateStyle = 'German'", sqlerr.FeatureNotSupported},
		{"SET DateStyle = 'SQL, DMY'", sqlerr.FeatureNotSupported},
		{"SET DateStyle = 'foo'", sqlerr.InvalidParameterValue},
		{"SET DateStyle = 'ISO, DMY, YMD'", sqlerr.InvalidParameterValue},
		{"SET IntervalStyle = 'iso_8601'", sqlerr.FeatureNotSupported},
		{"SET IntervalStyle = 'foo'", sqlerr.InvalidParameterValue},
		{"SET standard_conforming_strings = off", sqlerr.FeatureNotSupported},
		{"SET TimeZone = 'Nowhere/Foo'", sqlerr.InvalidParameterValue},
		{"SET TimeZone = 'Z'", sqlerr.InvalidParameterValue},
		{"SET TimeZone = 200", sqlerr.InvalidParameterValue},
		{"SET TimeZone = 'CET-1CEST,M3.5.0,M10.5.0/3'", sqlerr.FeatureNotSupported},
		{"SET TIME ZONE INTERVAL '1 day'", sqlerr.InvalidParameterValue},
		{"SET TIME ZONE INTERVAL '1 month'", sqlerr.InvalidParameterValue},
		{"SET jit = 'maybe'", sqlerr.InvalidParameterValue},
		{"SET jit = 'o'", sqlerr.InvalidParameterValue},
		{"SET statement_timeout = '1x'", sqlerr.InvalidParameterValue},
		{"SET statement_timeout = '-1'", sqlerr.InvalidParameterValue},
		{"SET extra_float_digits = '1s'", sqlerr.InvalidParameterValue},
		{"SET work_mem = '32kB'", sqlerr.InvalidParameterValue},
		{"SET client_min_messages = 'fatal'", sqlerr.InvalidParameterValue},
		{"SET default_transaction_isolation = 'snapshot'", sqlerr.InvalidParameterValue},
		{"SET application_name = 'a', 'b'", sqlerr.InvalidParameterValue},
		{"SELECT set_config('search_path', 'a\"b', false)", sqlerr.InvalidParameterValue},
		{"SET timezone_abbreviations = 'Foo'", sqlerr.InvalidParameterValue},
		{"SET transform_null_equals = on", sqlerr.FeatureNotSupported},
		{"SET SESSION AUTHORIZATION 'someone'", sqlerr.FeatureNotSupported},
		{"SET ROLE someone", sqlerr.FeatureNotSupported},
		{"SHOW nosuch", sqlerr.UndefinedObject},
		{"SHOW foo.baz", sqlerr.UndefinedObject},
		{"SELECT current_setting('nosuch')", sqlerr.UndefinedObject},
		{"SELECT set_config('server_version', '1', false)", codeCantChangeRuntimeParam},
		{"COMMIT AND CHAIN", sqlerr.FeatureNotSupported},
	} {
		wantCode(t, s, c.sql, c.code)
	}
	// A failed SET changes nothing.
	if got := show(t, s, "extra_float_digits"); got != "1" {
		t.Errorf("extra_float_digits after failed SETs = %q", got)
	}
}

func TestUnknownSettings(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	got := notices(t, s, "SET nosuch_setting = 42")
	if len(got) != 1 || !strings.HasPrefix(got[0], "WARNING 42704 unrecognized configuration parameter \"nosuch_setting\"") {
		t.Errorf("SET of an unknown setting: notices %q", got)
	}
	if v := show(t, s, "nosuch_setting"); v != "42" {
		t.Errorf("SHOW nosuch_setting = %q", v)
	}
	if got := notices(t, s, "SET myapp.tenant = 'acme'"); len(got) != 0 {
		t.Errorf("a custom setting warned: %q", got)
	}
	mustRun(t, s, "SET myapp.color = 'blue'")
	if v := show(t, s, "MYAPP.COLOR"); v != "blue" {
		t.Errorf("SHOW MYAPP.COLOR = %q", v)
	}
	// Custom and unknown settings stay out of SHOW ALL, as placeholders do
	// in PostgreSQL.
	for _, r := range mustRun(t, s, "SHOW ALL") {
		if strings.HasPrefix(r[0], "myapp.") || r[0] == "nosuch_setting" {
			t.Errorf("SHOW ALL lists %s", r[0])
		}
	}
}

func TestNoticesAndClientMinMessages(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct {
		sql  string
		want []string
	}{
		{"COMMIT", []string{"WARNING 25P01 there is no transaction in progress"}},
		{"END", []string{"WARNING 25P01 there is no transaction in progress"}},
		{"ROLLBACK", []string{"WARNING 25P01 there is no transaction in progress"}},
		{"ABORT", []string{"WARNING 25P01 there is no transaction in progress"}},
		{"SET LOCAL work_mem = '8MB'", []string{"WARNING 25P01 SET LOCAL can only be used in transaction blocks"}},
		{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", []string{"WARNING 25P01 SET TRANSACTION can only be used in transaction blocks"}},
		{"BEGIN", nil},
		{"BEGIN", []string{"WARNING 25001 there is already a transaction in progress"}},
		{"COMMIT", nil},
		{"SET client_min_messages = error", nil},
		{"COMMIT", nil},
		{"SET client_min_messages = warning", nil},
		{"ROLLBACK", []string{"WARNING 25P01 there is no transaction in progress"}},
	} {
		if got := notices(t, s, c.sql); !slices.Equal(got, c.want) {
			t.Errorf("%s: notices %q, want %q", c.sql, got, c.want)
		}
	}
	if got := show(t, s, "work_mem"); got != "4MB" {
		t.Errorf("SET LOCAL outside a block changed work_mem to %s", got)
	}
	if s.TxStatus() != TxIdle {
		t.Errorf("status %c after the warnings", s.TxStatus())
	}
}

func TestTransactionTags(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, tag string }{
		{"START TRANSACTION", "START TRANSACTION"},
		{"COMMIT", "COMMIT"},
		{"BEGIN WORK", "BEGIN"},
		{"COMMIT WORK", "COMMIT"},
		{"BEGIN TRANSACTION ISOLATION LEVEL READ COMMITTED", "BEGIN"},
		{"END", "COMMIT"},
		{"BEGIN", "BEGIN"},
		{"ABORT", "ROLLBACK"},
		{"BEGIN", "BEGIN"},
		{"SAVEPOINT a", "SAVEPOINT"},
		{"RELEASE SAVEPOINT a", "RELEASE"},
		{"SAVEPOINT a", "SAVEPOINT"},
		{"ROLLBACK WORK TO SAVEPOINT a", "ROLLBACK"},
		{"RELEASE a", "RELEASE"},
		{"ROLLBACK AND NO CHAIN", "ROLLBACK"},
		{"SET TIME ZONE 'UTC'", "SET"},
		{"RESET ALL", "RESET"},
		{"RESET timezone", "RESET"},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE", "SET"},
		{"DISCARD ALL", "DISCARD ALL"},
		{"DISCARD PLANS", "DISCARD PLANS"},
		{"DISCARD TEMP", "DISCARD TEMP"},
		{"DISCARD TEMPORARY", "DISCARD TEMP"},
		{"DISCARD SEQUENCES", "DISCARD SEQUENCES"},
	} {
		results, _, err := runResults(t, s, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		if results[0].Tag != c.tag {
			t.Errorf("%s: tag %q, want %q", c.sql, results[0].Tag, c.tag)
		}
	}
}

func TestSettingsFollowTransactions(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	steps := []struct{ sql, workMem, maint string }{
		{"BEGIN; SET work_mem = '8MB'; SET LOCAL maintenance_work_mem = '128MB'", "8MB", "128MB"},
		{"COMMIT", "8MB", "64MB"},
		{"BEGIN; SET work_mem = '9MB'", "9MB", "64MB"},
		{"ROLLBACK", "8MB", "64MB"},
		{"BEGIN; SET LOCAL work_mem = '2MB'; SET work_mem = '3MB'; COMMIT", "3MB", "64MB"},
		{"BEGIN; SET work_mem = '5MB'; SET LOCAL work_mem = '2MB'", "2MB", "64MB"},
		{"COMMIT", "5MB", "64MB"},
		{"BEGIN; SET work_mem = '6MB'", "6MB", "64MB"},
	}
	for _, st := range steps {
		mustRun(t, s, st.sql)
		if got := show(t, s, "work_mem"); got != st.workMem {
			t.Errorf("after %s: work_mem %s, want %s", st.sql, got, st.workMem)
		}
		if got := show(t, s, "maintenance_work_mem"); got != st.maint {
			t.Errorf("after %s: maintenance_work_mem %s, want %s", st.sql, got, st.maint)
		}
	}
	// A failed block's SETs go when it ends, COMMIT included.
	wantCode(t, s, "SELECT 1/0", sqlerr.DivisionByZero)
	wantCode(t, s, "SHOW work_mem", sqlerr.InFailedSQLTransaction)
	if tags, _, _ := run(t, s, "COMMIT"); len(tags) != 1 || tags[0] != "ROLLBACK" {
		t.Errorf("COMMIT of a failed block: %v", tags)
	}
	if got := show(t, s, "work_mem"); got != "5MB" {
		t.Errorf("after the failed block: work_mem %s, want 5MB", got)
	}
	// So do those of a failed implicit transaction.
	if _, _, err := run(t, s, "SET work_mem = '7MB'; SELECT 1/0"); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if got := show(t, s, "work_mem"); got != "5MB" {
		t.Errorf("after the failed implicit transaction: work_mem %s, want 5MB", got)
	}
	mustRun(t, s, "SET work_mem = '7MB'; SET LOCAL maintenance_work_mem = '100MB'; SELECT 1")
	if got := show(t, s, "work_mem") + " " + show(t, s, "maintenance_work_mem"); got != "7MB 64MB" {
		t.Errorf("after an implicit transaction: %s", got)
	}
	// RESET ALL inside a block is undone by ROLLBACK too.
	mustRun(t, s, "BEGIN; RESET ALL")
	if got := show(t, s, "work_mem"); got != "4MB" {
		t.Errorf("RESET ALL: work_mem %s", got)
	}
	mustRun(t, s, "ROLLBACK")
	if got := show(t, s, "work_mem"); got != "7MB" {
		t.Errorf("RESET ALL rolled back: work_mem %s", got)
	}
}

func TestSavepointSettings(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "BEGIN; SAVEPOINT A; SET work_mem = '8MB'; SET LOCAL maintenance_work_mem = '128MB'; SAVEPOINT b; SET work_mem = '16MB'")
	mustRun(t, s, "ROLLBACK TO SAVEPOINT b")
	if got := show(t, s, "work_mem"); got != "8MB" {
		t.Errorf("ROLLBACK TO b: work_mem %s", got)
	}
	// Savepoint names fold to lower case unless quoted.
	wantCode(t, s, `ROLLBACK TO "A"`, codeInvalidSavepoint)
	if s.TxStatus() != TxFailed {
		t.Fatalf("status %c after a failed ROLLBACK TO", s.TxStatus())
	}
	mustRun(t, s, "ROLLBACK TO a")
	if s.TxStatus() != TxActive {
		t.Fatalf("status %c after ROLLBACK TO a", s.TxStatus())
	}
	if got := show(t, s, "work_mem") + " " + show(t, s, "maintenance_work_mem"); got != "4MB 64MB" {
		t.Errorf("ROLLBACK TO a: %s", got)
	}
	// An error, then ROLLBACK TO: the block works again (pgJDBC autosave).
	wantCode(t, s, "SELECT 1/0", sqlerr.DivisionByZero)
	if s.TxStatus() != TxFailed {
		t.Fatalf("status %c after an error", s.TxStatus())
	}
	wantCode(t, s, "RELEASE a", sqlerr.InFailedSQLTransaction)
	mustRun(t, s, "ROLLBACK TO SAVEPOINT a")
	mustRun(t, s, "SELECT 1; RELEASE a")
	wantCode(t, s, "RELEASE a", codeInvalidSavepoint)
	mustRun(t, s, "ROLLBACK")
	// Repeated names: the latest wins, and RELEASE drops later ones too.
	mustRun(t, s, "BEGIN; SAVEPOINT x; SAVEPOINT x; SET work_mem = '1MB'; SAVEPOINT y; ROLLBACK TO x")
	if got := show(t, s, "work_mem"); got != "4MB" {
		t.Errorf("ROLLBACK TO the second x: work_mem %s", got)
	}
	mustRun(t, s, "RELEASE x; RELEASE x")
	wantCode(t, s, "RELEASE x", codeInvalidSavepoint)
	mustRun(t, s, "ROLLBACK")
	for _, stmt := range []string{"SAVEPOINT a", "RELEASE a", "ROLLBACK TO a"} {
		wantCode(t, s, stmt, sqlerr.NoActiveSQLTransaction)
	}
}

func TestSavepointWrites(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE sp (a int)")
	// Rows still buffered are taken back.
	mustRun(t, s, "BEGIN; INSERT INTO sp VALUES (1); SAVEPOINT s; INSERT INTO sp VALUES (2), (3)")
	mustRun(t, s, "ROLLBACK TO s; INSERT INTO sp VALUES (4); COMMIT")
	if got := sortedRows(mustRun(t, s, "SELECT a FROM sp")); got != "1\n4" {
		t.Fatalf("after ROLLBACK TO: %q, want 1 and 4", got)
	}
	// A failed INSERT then ROLLBACK TO, as pgJDBC's autosave sends them.
	mustRun(t, s, "BEGIN; SAVEPOINT s")
	wantCode(t, s, "INSERT INTO sp VALUES ('x')", sqlerr.InvalidTextRepresentation)
	mustRun(t, s, "ROLLBACK TO SAVEPOINT s; INSERT INTO sp VALUES (5); RELEASE SAVEPOINT s; COMMIT")
	if got := sortedRows(mustRun(t, s, "SELECT a FROM sp")); got != "1\n4\n5" {
		t.Fatalf("after the autosave pattern: %q", got)
	}
	// Cells and DDL added to the transaction after the savepoint are taken
	// back too, while rows buffered before it survive a flush after it.
	mustRun(t, s, "BEGIN; INSERT INTO sp VALUES (60); SAVEPOINT s; INSERT INTO sp VALUES (6); SELECT count(*) FROM sp")
	mustRun(t, s, "ROLLBACK TO s")
	if got := sortedRows(mustRun(t, s, "SELECT a FROM sp WHERE a >= 6")); got != "60" {
		t.Errorf("inside the block after ROLLBACK TO: %q, want 60", got)
	}
	mustRun(t, s, "COMMIT")
	mustRun(t, s, "BEGIN; SAVEPOINT s; CREATE TABLE sp2 (a int); INSERT INTO sp2 VALUES (1)")
	mustRun(t, s, "ROLLBACK TO s; COMMIT")
	wantCode(t, s, "SELECT * FROM sp2", sqlerr.UndefinedTable)
	// Writes before the savepoint do not stand in the way.
	mustRun(t, s, "BEGIN; INSERT INTO sp SELECT 7; SAVEPOINT s; INSERT INTO sp VALUES (8); ROLLBACK TO s; COMMIT")
	if got := sortedRows(mustRun(t, s, "SELECT a FROM sp")); got != "1\n4\n5\n60\n7" {
		t.Fatalf("after ROLLBACK TO past earlier writes: %q", got)
	}
}

func TestReadOnlyTransactions(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE ro (a int)")
	mustRun(t, s, "BEGIN READ ONLY")
	if got := show(t, s, "transaction_read_only"); got != "on" {
		t.Errorf("transaction_read_only = %s", got)
	}
	wantCode(t, s, "INSERT INTO ro VALUES (1)", sqlerr.ReadOnlySQLTransaction)
	mustRun(t, s, "ROLLBACK")
	mustRun(t, s, "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
	if got := show(t, s, "default_transaction_read_only") + show(t, s, "transaction_read_only"); got != "onon" {
		t.Errorf("after SET SESSION CHARACTERISTICS: %s", got)
	}
	for _, sql := range []string{"CREATE TABLE ro2 (a int)", "INSERT INTO ro VALUES (1)", "TRUNCATE ro", "DROP TABLE ro"} {
		wantCode(t, s, sql, sqlerr.ReadOnlySQLTransaction)
	}
	mustRun(t, s, "SELECT count(*) FROM ro")
	mustRun(t, s, "BEGIN READ WRITE; INSERT INTO ro VALUES (1); COMMIT")
	// READ WRITE only before the block reads; READ ONLY any time.
	mustRun(t, s, "BEGIN; SET TRANSACTION READ ONLY; SELECT 1")
	wantCode(t, s, "SET TRANSACTION READ WRITE", sqlerr.ActiveSQLTransaction)
	mustRun(t, s, "ROLLBACK; SET default_transaction_read_only = off; BEGIN; SELECT 1; SET TRANSACTION READ ONLY")
	wantCode(t, s, "INSERT INTO ro VALUES (2)", sqlerr.ReadOnlySQLTransaction)
	mustRun(t, s, "ROLLBACK")
	if got := joinRows(mustRun(t, s, "SELECT count(*) FROM ro")); got != "1" {
		t.Errorf("rows: %s", got)
	}
}

func TestIsolationLevels(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, want string }{
		{"SELECT 1", "read committed"},
		{"BEGIN ISOLATION LEVEL SERIALIZABLE", "serializable"},
		{"COMMIT", "read committed"},
		{"START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY, DEFERRABLE", "repeatable read"},
		{"ROLLBACK", "read committed"},
		{"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", "read uncommitted"},
		{"BEGIN", "read uncommitted"},
		{"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "serializable"},
		{"SET transaction_isolation = 'repeatable read'", "repeatable read"},
		{"ROLLBACK", "read uncommitted"},
		{"SET transaction_isolation = 'serializable'", "read uncommitted"},
		{"RESET ALL", "read committed"},
	} {
		mustRun(t, s, c.sql)
		if got := show(t, s, "TRANSACTION ISOLATION LEVEL"); got != c.want {
			t.Errorf("%s: isolation %q, want %q", c.sql, got, c.want)
		}
	}
	mustRun(t, s, "BEGIN; SELECT 1")
	wantCode(t, s, "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", sqlerr.ActiveSQLTransaction)
	mustRun(t, s, "ROLLBACK; BEGIN; SHOW work_mem; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; COMMIT")
}

func TestDiscard(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	ctx := context.Background()
	mustRun(t, s, "SET work_mem = '8MB'; SET TIME ZONE 'Europe/Lisbon'; SET myapp.x = 'y'")
	if _, err := s.Prepare(ctx, "p", "SELECT 1", nil); err != nil {
		t.Fatal(err)
	}
	mustRun(t, s, "BEGIN")
	wantCode(t, s, "DISCARD ALL", sqlerr.ActiveSQLTransaction)
	mustRun(t, s, "ROLLBACK; DISCARD ALL")
	if got := show(t, s, "work_mem") + " " + show(t, s, "TimeZone") + " [" + show(t, s, "myapp.x") + "]"; got != "4MB UTC []" {
		t.Errorf("after DISCARD ALL: %s", got)
	}
	if _, ok := s.Statement("p"); ok {
		t.Error("DISCARD ALL kept a prepared statement")
	}
}

func TestCurrentSettingAndSetConfig(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, want string }{
		{"SELECT current_setting('work_mem')", "4MB"},
		{"SELECT current_setting('TimeZone'), current_setting('timezone')", "UTC|UTC"},
		{"SELECT set_config('work_mem', '5MB', false), current_setting('work_mem')", "5MB|5MB"},
		{"SHOW work_mem", "5MB"},
		{"SELECT current_setting('x.zz', true), current_setting('nosuch', true)", "NULL|NULL"},
		{"SELECT current_setting('work_mem', true)", "5MB"},
		{"SELECT set_config('a.b', 'v', false), current_setting('a.b')", "v|v"},
		{"SELECT set_config('a.b', NULL, false), current_setting('a.b')", "|"},
		{"SELECT set_config('work_mem', NULL, false)", "4MB"},
		{"SELECT set_config('search_path', 'x, \"Y\"', false)", `x, "Y"`},
		{"SHOW search_path", `x, "Y"`},
		{"BEGIN; SELECT set_config('work_mem', '6MB', true)", "6MB"},
		{"SHOW work_mem", "6MB"},
		{"COMMIT; SHOW work_mem", "4MB"},
		{"SELECT set_config('work_mem', '7MB', true)", "7MB"},
		{"SHOW work_mem", "4MB"},
		{"SELECT set_config('work_mem', '8MB', NULL)", "8MB"},
		{"SHOW work_mem", "8MB"},
	} {
		_, rows, err := runResults(t, s, c.sql)
		if err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		last := rows[len(rows)-1]
		if got := joinRows(last); got != c.want {
			t.Errorf("%s = %q, want %q", c.sql, got, c.want)
		}
	}
	if !slices.Equal(s.searchPath, []string{"x", "Y"}) {
		t.Errorf("search path %q after set_config", s.searchPath)
	}
	wantCode(t, s, "SELECT set_config(NULL, 'x', false)", sqlerr.InvalidParameterValue)
	wantCode(t, s, "SELECT set_config('extra_float_digits', '9', false)", sqlerr.InvalidParameterValue)
}

func TestSearchPathSetting(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	if !slices.Equal(s.searchPath, []string{"apiary", "public"}) {
		t.Errorf("default search path %q, want [apiary public] (\"$user\", public)", s.searchPath)
	}
	mustRun(t, s, `SET search_path = 'a,b'`)
	if !slices.Equal(s.searchPath, []string{"a,b"}) {
		t.Errorf("search path %q: a quoted value is one name, as in PostgreSQL", s.searchPath)
	}
	mustRun(t, s, `SET search_path = Raw, "Mixed", public`)
	if !slices.Equal(s.searchPath, []string{"raw", "Mixed", "public"}) {
		t.Errorf("search path %q", s.searchPath)
	}
	mustRun(t, s, "CREATE BOX raw")
	mustRun(t, s, "USE apiary.raw")
	if got := show(t, s, "search_path"); got != "raw" {
		t.Errorf("after USE apiary.raw: search_path %q", got)
	}
	mustRun(t, s, "CREATE TABLE t1 (a int); USE apiary")
	if got := show(t, s, "search_path"); got != `"$user", public` {
		t.Errorf("after USE apiary: search_path %q", got)
	}
	wantCode(t, s, "SELECT * FROM t1", sqlerr.UndefinedTable)
	mustRun(t, s, "SELECT * FROM raw.t1")
}

func TestTimeZoneSettings(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ set, show, ts string }{
		{"SET TIME ZONE '+02:00'", "+02:00", "2024-01-01 10:00:00-02"},
		{"SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE", "<+02>-02", "2024-01-01 14:00:00+02"},
		{"SET TIME ZONE INTERVAL '-08:00'", "<-08>+08", "2024-01-01 04:00:00-08"},
		{"SET TIME ZONE INTERVAL '2' HOUR", "<+02>-02", "2024-01-01 14:00:00+02"},
		{"SET TIME ZONE -7", "<-07>+07", "2024-01-01 05:00:00-07"},
		{"SET TIME ZONE 5.5", "<+05:30>-05:30", "2024-01-01 17:30:00+05:30"},
		{"SET TIME ZONE '+5'", "<+05>-05", "2024-01-01 17:00:00+05"},
		{"SET TIME ZONE 'UTC+3'", "UTC+3", "2024-01-01 09:00:00-03"},
		{"SET TIME ZONE '<+03>-03'", "<+03>-03", "2024-01-01 15:00:00+03"},
		{"SET TIME ZONE 'XYZ-4:30'", "XYZ-4:30", "2024-01-01 16:30:00+04:30"},
		{"SET TimeZone = 'Etc/GMT+3'", "Etc/GMT+3", "2024-01-01 09:00:00-03"},
		{"SET TimeZone = 'america/new_york'", "America/New_York", "2024-01-01 07:00:00-05"},
		{"SET TIME ZONE 'utc'", "UTC", "2024-01-01 12:00:00+00"},
		{"SET TIME ZONE 'Europe/Lisbon'", "Europe/Lisbon", "2024-01-01 12:00:00+00"},
		{"SET TIME ZONE LOCAL", "UTC", "2024-01-01 12:00:00+00"},
		{"SET SESSION TIMEZONE TO 'Asia/Kolkata'", "Asia/Kolkata", "2024-01-01 17:30:00+05:30"},
		{"SET TIME ZONE DEFAULT", "UTC", "2024-01-01 12:00:00+00"},
	} {
		mustRun(t, s, c.set)
		if got := show(t, s, "TIME ZONE"); got != c.show {
			t.Errorf("%s: SHOW TIME ZONE = %q, want %q", c.set, got, c.show)
		}
		if got, _ := s.Parameter("TimeZone"); got != c.show {
			t.Errorf("%s: Parameter(TimeZone) = %q, want %q", c.set, got, c.show)
		}
		_, rows, err := runResults(t, s, "SELECT '2024-01-01 12:00:00+00'::timestamptz")
		if err != nil {
			t.Fatal(err)
		}
		if got := rows[0][0][0]; got != c.ts {
			t.Errorf("%s: timestamptz prints %q, want %q", c.set, got, c.ts)
		}
	}
}

func TestStartupParams(t *testing.T) {
	ctx := context.Background()
	eng := newTestEngine(t, Config{})
	s, err := eng.StartSession(ctx, "apiary", "", map[string]string{
		"application_name": "psql", "timezone": "europe/lisbon", "datestyle": "ISO, DMY", "extra_float_digits": "2",
		"search_path": "a, B", "client_encoding": "UTF8", "user": "ignored", "database": "ignored",
		"some_unknown": "1", "options": "-c x=y",
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for name, want := range map[string]string{
		"application_name": "psql", "TimeZone": "Europe/Lisbon", "DateStyle": "ISO, DMY",
		"extra_float_digits": "2", "search_path": "a, B", "client_encoding": "UTF8",
	} {
		if got := show(t, s, name); got != want {
			t.Errorf("SHOW %s = %q, want %q", name, got, want)
		}
	}
	if !slices.Equal(s.searchPath, []string{"a", "b"}) {
		t.Errorf("search path %q", s.searchPath)
	}
	// RESET returns to the startup value, not the default.
	mustRun(t, s, "SET TimeZone = 'UTC'; RESET TimeZone")
	if got := show(t, s, "TimeZone"); got != "Europe/Lisbon" {
		t.Errorf("RESET TimeZone = %q, want the startup value", got)
	}
	for _, row := range s.SettingsRows() {
		if row.Name == "TimeZone" && (row.Source != "client" || row.ResetVal != "Europe/Lisbon" || row.BootVal != "UTC") {
			t.Errorf("pg_settings TimeZone: %+v", row)
		}
	}
	for _, c := range []struct {
		params map[string]string
		code   sqlerr.Code
	}{
		{map[string]string{"timezone": "Nowhere/Foo"}, sqlerr.InvalidParameterValue},
		{map[string]string{"extra_float_digits": "9"}, sqlerr.InvalidParameterValue},
		{map[string]string{"datestyle": "SQL"}, sqlerr.FeatureNotSupported},
		{map[string]string{"client_encoding": "LATIN1"}, sqlerr.FeatureNotSupported},
		{map[string]string{"server_version": "1"}, codeCantChangeRuntimeParam},
	} {
		_, err := eng.StartSession(ctx, "apiary", "", c.params)
		if got := sqlerr.CodeOf(err); got != c.code {
			t.Errorf("startup %v: SQLSTATE %s (%v), want %s", c.params, got, err, c.code)
		}
	}
}

func TestParameterReportsEverySetting(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	// The parameters PostgreSQL 15 reports (server/conn_startup.go), with
	// their values in a fresh session.
	for name, want := range map[string]string{
		"application_name": "", "client_encoding": "UTF8", "DateStyle": "ISO, MDY",
		"default_transaction_read_only": "off", "in_hot_standby": "off", "integer_datetimes": "on",
		"IntervalStyle": "postgres", "is_superuser": "on", "server_encoding": "UTF8",
		"session_authorization": "apiary", "standard_conforming_strings": "on", "TimeZone": "UTC",
	} {
		if got, ok := s.Parameter(name); !ok || got != want {
			t.Errorf("Parameter(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	if _, ok := s.Parameter("server_version"); ok {
		t.Error("Parameter(server_version) answered: the server's own string must stand")
	}
	mustRun(t, s, "SET default_transaction_read_only = on; SET application_name = 'bi'")
	if got, _ := s.Parameter("default_transaction_read_only"); got != "on" {
		t.Errorf("default_transaction_read_only = %q", got)
	}
	if got, _ := s.Parameter("APPLICATION_NAME"); got != "bi" {
		t.Errorf("application_name = %q", got)
	}
}

func TestSettingsRows(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "SET work_mem = '8MB'")
	rows := s.SettingsRows()
	if !slices.IsSortedFunc(rows, func(a, b pgcatalog.Setting) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	}) {
		t.Error("rows are not ordered by name")
	}
	byName := map[string]pgcatalog.Setting{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	wm := byName["work_mem"]
	if wm.Setting != "8192" || wm.Unit != "kB" || wm.Vartype != "integer" || wm.MinVal != "64" || wm.MaxVal != "2147483647" ||
		wm.Source != "session" || wm.BootVal != "4096" || wm.ResetVal != "4096" || wm.Context != "user" {
		t.Errorf("work_mem row %+v", wm)
	}
	if bo := byName["bytea_output"]; !slices.Equal(bo.EnumVals, []string{"escape", "hex"}) || bo.Vartype != "enum" {
		t.Errorf("bytea_output row %+v", bo)
	}
	if sv := byName["server_version"]; sv.Context != "internal" || sv.Category != "Preset Options" || sv.Setting != PGVersion {
		t.Errorf("server_version row %+v", sv)
	}
	if ti := byName["transaction_isolation"]; ti.Source != "override" || ti.Setting != "read committed" {
		t.Errorf("transaction_isolation row %+v", ti)
	}
	for _, hidden := range []string{"session_authorization", "role", "is_superuser"} {
		if _, ok := byName[hidden]; ok {
			t.Errorf("pg_settings lists %s, which PostgreSQL hides", hidden)
		}
	}
	all := mustRun(t, s, "SHOW ALL")
	if len(all) != len(rows) {
		t.Errorf("SHOW ALL has %d rows, pg_settings %d", len(all), len(rows))
	}
	for _, r := range all {
		if r[0] == "work_mem" && r[1] != "8MB" {
			t.Errorf("SHOW ALL work_mem = %q", r[1])
		}
	}
}

func TestTextFormatFollowsSettings(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ set, query, want string }{
		{"SET extra_float_digits = 1", "SELECT '0.1'::float8, 1::float8 / 3", "0.1|0.3333333333333333"},
		{"SET extra_float_digits = 0", "SELECT '0.1'::float8, 1::float8 / 3, '123456.7'::float4", "0.1|0.333333333333333|123457"},
		{"SET extra_float_digits = -5", "SELECT '1234567890.123'::float8, '12345'::float4", "1234567890|1e+04"},
		{"SET extra_float_digits = 0", "SELECT (1::float8 / 3)::text", "0.333333333333333"},
		{"SET extra_float_digits = 3", "SELECT (1::float8 / 3)::text", "0.3333333333333333"},
		{"SET bytea_output = 'escape'", `SELECT '\x00ff415c'::bytea`, `\000\377A\\`},
		{"SET bytea_output = 'hex'", `SELECT '\x00ff415c'::bytea`, `\x00ff415c`},
	} {
		mustRun(t, s, c.set)
		_, rows, err := runResults(t, s, c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got := joinRows(rows[0]); got != c.want {
			t.Errorf("%s; %s = %q, want %q", c.set, c.query, got, c.want)
		}
	}
}

// TestSetConfigInParallelQuery runs set_config and current_setting in a
// query the bees split between them: the settings must stay consistent
// (run it with -race).
func TestSetConfigInParallelQuery(t *testing.T) {
	s := newTestSession(t, newTestEngine(t, Config{Node: "par", Bees: 4}))
	mustRun(t, s, "CREATE TABLE f (k int)")
	for c := 0; c < 20; c++ {
		var rows []string
		for i := 0; i < 50; i++ {
			rows = append(rows, fmt.Sprintf("(%d)", c*50+i))
		}
		mustRun(t, s, "INSERT INTO f VALUES "+strings.Join(rows, ", "))
	}
	got := joinRows(mustRun(t, s, "SELECT count(set_config('myapp.k', k::text, false)), count(current_setting('TimeZone')) FROM f"))
	if got != "1000|1000" {
		t.Fatalf("counts %q", got)
	}
	k, err := strconv.Atoi(show(t, s, "myapp.k"))
	if err != nil || k < 0 || k >= 1000 {
		t.Errorf("myapp.k = %d (%v) after the query", k, err)
	}
}
