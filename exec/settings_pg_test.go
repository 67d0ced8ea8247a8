package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/sqlerr"
)

// settingsScript runs on PostgreSQL 15 and on an Apiary session, one
// statement at a time, and both must answer alike: the same SQLSTATE (or
// success), the same notices, the same rows. Deliberate differences
// (non-ISO DateStyle, unknown names, client_encoding other than UTF8,
// SET TIME ZONE LOCAL's cluster default) are tested in settings_test.go.
var settingsScript = []string{
	// PostgreSQL's cluster default is the machine's zone (Etc/UTC); both
	// start from UTC.
	"SET TimeZone = 'UTC'",
	"SHOW TimeZone",
	"SHOW extra_float_digits",
	"SET extra_float_digits = 4",
	"SET extra_float_digits = -16",
	"SET extra_float_digits = 'x'",
	"SET extra_float_digits = '1s'",
	"SET extra_float_digits = 2.5",
	"SHOW extra_float_digits",
	"RESET extra_float_digits",
	"SET statement_timeout = 1500", "SHOW statement_timeout",
	"SET statement_timeout = '60s'", "SHOW statement_timeout",
	"SET statement_timeout = '3600000'", "SHOW statement_timeout",
	"SET statement_timeout = '1.5s'", "SHOW statement_timeout",
	"SET statement_timeout = '10 min'", "SHOW statement_timeout",
	"SET statement_timeout = '100us'", "SHOW statement_timeout",
	"SET statement_timeout = '1d'", "SHOW statement_timeout",
	"SET statement_timeout = '-1'",
	"SET statement_timeout = '1x'",
	"RESET statement_timeout", "SHOW statement_timeout",
	"SET lock_timeout = '2s'", "SHOW lock_timeout",
	"SET idle_in_transaction_session_timeout = 60000", "SHOW idle_in_transaction_session_timeout",
	"SET idle_session_timeout = '90s'", "SHOW idle_session_timeout",
	"SET work_mem = 1024", "SHOW work_mem",
	"SET work_mem = '1GB'", "SHOW work_mem",
	"SET work_mem = '1000kB'", "SHOW work_mem",
	"SET work_mem = '1.5MB'", "SHOW work_mem",
	"SET work_mem = '32kB'",
	"SET maintenance_work_mem = '100kB'",
	"SET temp_buffers = '16MB'", "SHOW temp_buffers",
	"SET jit = 'yes'", "SHOW jit",
	"SET jit = 'of'", "SHOW jit",
	"SET jit = 'maybe'",
	"SET enable_hashjoin = off", "SHOW enable_hashjoin",
	"SET geqo = false", "SHOW geqo",
	"SET client_min_messages = 'WARNING'", "SHOW client_min_messages",
	"SET client_min_messages = 'fatal'",
	"SET client_min_messages = notice",
	"SET default_transaction_isolation = 'SERIALIZABLE'", "SHOW default_transaction_isolation",
	"SET default_transaction_isolation = 'snapshot'",
	"RESET default_transaction_isolation",
	"SET synchronous_commit = 'true'", "SHOW synchronous_commit",
	"SET synchronous_commit = 'sometimes'",
	"SET bytea_output = 'escape'", `SELECT '\x00ff415c'::bytea`, "RESET bytea_output", `SELECT '\x00ff415c'::bytea`,
	"SET DateStyle = 'ISO, DMY'", "SHOW DateStyle",
	"SET DateStyle = ISO", "SHOW DateStyle",
	"SET DateStyle = 'ymd'", "SHOW DateStyle",
	"SET DateStyle = ISO, MDY", "SHOW DateStyle",
	"SET DateStyle = 'euro'", "SHOW DateStyle",
	"SET DateStyle = 'ISO, DMY, YMD'",
	"SET DateStyle = 'foo'",
	"RESET DateStyle", "SHOW DateStyle",
	"SET IntervalStyle = 'foo'",
	"SET search_path = 'a,b'", "SHOW search_path",
	`SET search_path = a, "B", 'c d', "$user"`, "SHOW search_path",
	"SET search_path = ''", "SHOW search_path",
	"SET search_path TO DEFAULT", "SHOW search_path",
	"SET application_name = x", "SHOW application_name",
	"SET application_name = 'a', 'b'",
	"RESET application_name",
	"SET backslash_quote = on", "SHOW backslash_quote",
	"SET random_page_cost = 1.1", "SHOW random_page_cost",
	"SET server_version = '1'",
	"SET server_version_num = 1",
	"SET is_superuser = off",
	"SET max_identifier_length = 63",
	"SHOW max_identifier_length", "SHOW integer_datetimes", "SHOW server_encoding", "SHOW standard_conforming_strings",
	"SHOW in_hot_standby", "SHOW is_superuser", "SHOW transaction_read_only", "SHOW default_transaction_read_only",
	"SHOW nosuch", "SHOW foo.baz",
	"SET foo.bar = 'x'", "SHOW foo.bar", "RESET foo.bar", "SHOW foo.bar",
	// Time zones: names, offsets, POSIX forms, and how timestamptz prints.
	"SET TIME ZONE '+02:00'", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE INTERVAL '+02:00' HOUR TO MINUTE", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE INTERVAL '-08:00'", "SHOW TimeZone",
	"SET TIME ZONE INTERVAL '90' MINUTE", "SHOW TimeZone",
	"SET TIME ZONE INTERVAL '1 day'",
	"SET TIME ZONE -7", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE 5.5", "SHOW TimeZone", "SELECT '2024-07-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE '+5'", "SHOW TimeZone",
	"SET TIME ZONE 200",
	"SET TIME ZONE 'UTC+3'", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE '<+03>-03'", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE 'XYZ-4:30'", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TimeZone = 'Etc/GMT+3'", "SHOW TimeZone", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SET TimeZone = 'america/new_york'", "SHOW TimeZone", "SELECT '2024-07-01 12:00:00+00'::timestamptz",
	"SET TIME ZONE 'utc'", "SHOW TimeZone",
	"SET TIME ZONE 'Nowhere/Foo'",
	"SET TIME ZONE 'Z'",
	"SET SESSION TIMEZONE TO 'Asia/Kolkata'", "SHOW TIME ZONE", "SELECT '2024-01-01 12:00:00+00'::timestamptz",
	"SELECT '2024-01-01 12:00:00+00'::timestamptz::text",
	"SET TimeZone = 'UTC'",
	// Transactions, notices, savepoints.
	"COMMIT", "ROLLBACK", "END", "ABORT",
	"SET LOCAL work_mem = '8MB'", "SHOW work_mem",
	"SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
	"SAVEPOINT a", "RELEASE a", "ROLLBACK TO a",
	"SHOW TRANSACTION ISOLATION LEVEL",
	"BEGIN", "BEGIN", "SET LOCAL work_mem = '8MB'", "SET maintenance_work_mem = '100MB'", "SHOW work_mem", "COMMIT",
	"SHOW work_mem", "SHOW maintenance_work_mem",
	"BEGIN", "SET maintenance_work_mem = '50MB'", "ROLLBACK", "SHOW maintenance_work_mem",
	"BEGIN", "SAVEPOINT A", "SET work_mem = '8MB'", "SAVEPOINT b", "SET work_mem = '16MB'",
	"ROLLBACK TO SAVEPOINT b", "SHOW work_mem", `ROLLBACK TO "A"`, "SHOW work_mem", "ROLLBACK TO a", "SHOW work_mem",
	"SELECT 1/0", "SHOW work_mem", "ROLLBACK TO a", "SELECT 1", "RELEASE a", "RELEASE a", "ROLLBACK",
	"BEGIN", "DISCARD ALL", "ROLLBACK",
	"BEGIN ISOLATION LEVEL SERIALIZABLE", "SHOW TRANSACTION ISOLATION LEVEL", "SELECT 1",
	"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "ROLLBACK",
	"BEGIN READ ONLY", "SHOW transaction_read_only", "SELECT 1", "SET TRANSACTION READ WRITE", "ROLLBACK",
	"SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY",
	"SHOW transaction_isolation", "SHOW default_transaction_isolation", "SHOW transaction_read_only",
	"BEGIN READ WRITE", "SHOW transaction_read_only", "COMMIT",
	"SET transaction_isolation = 'serializable'", "SHOW transaction_isolation",
	"RESET ALL", "SHOW default_transaction_read_only", "SHOW transaction_isolation",
	"DISCARD ALL", "DISCARD PLANS", "DISCARD TEMP", "DISCARD SEQUENCES",
	// current_setting and set_config.
	"SELECT current_setting('work_mem'), current_setting('TimeZone')",
	"SELECT set_config('work_mem', '5MB', false), current_setting('work_mem')",
	"SELECT current_setting('x.zz', true), current_setting('nosuch', true)",
	"SELECT current_setting('nosuch')",
	"SELECT set_config('a.b', 'v', false), current_setting('a.b')",
	"SELECT set_config('a.b', NULL, false), current_setting('a.b')",
	"SELECT set_config('work_mem', NULL, false)",
	`SELECT set_config('search_path', 'x, "Y"', false)`, "SHOW search_path",
	"SELECT set_config('work_mem', '7MB', true)", "SHOW work_mem",
	"SELECT set_config('extra_float_digits', '9', false)",
	"SELECT set_config('server_version', '1', false)",
}

// pgSession is one connection to the reference PostgreSQL, with the
// notices of its last statement.
type pgSession struct {
	conn    *pgx.Conn
	notices []string
}

func connectPG(t *testing.T, c *pgtest.Cluster) *pgSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := pgx.ParseConfig(c.DSN())
	if err != nil {
		t.Fatal(err)
	}
	ps := &pgSession{}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		ps.notices = append(ps.notices, n.Severity+" "+n.Code+" "+n.Message)
	}
	if ps.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ps.conn.Close(context.Background()) })
	return ps
}

// outcome is a statement's answer in comparable form.
type outcome struct {
	code    string
	notices []string
	rows    string
}

func (o outcome) String() string {
	return fmt.Sprintf("code %s, notices %q, rows %q", o.code, o.notices, o.rows)
}

func (ps *pgSession) run(ctx context.Context, sql string) outcome {
	ps.notices = nil
	results, err := ps.conn.PgConn().Exec(ctx, sql).ReadAll()
	o := outcome{code: "00000"}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		o.code = pgErr.Code
	} else if err != nil {
		o.code = "client error: " + err.Error()
	}
	o.notices = ps.notices
	if err == nil && len(results) > 0 {
		var lines []string
		for _, r := range results[len(results)-1].Rows {
			var vals []string
			for _, v := range r {
				if v == nil {
					vals = append(vals, "NULL")
				} else {
					vals = append(vals, string(v))
				}
			}
			lines = append(lines, strings.Join(vals, "|"))
		}
		o.rows = strings.Join(lines, "\n")
	}
	return o
}

func runApiary(t *testing.T, s *Session, sql string) outcome {
	results, rows, err := runResults(t, s, sql)
	o := outcome{code: "00000"}
	if err != nil {
		o.code = string(sqlerr.CodeOf(err))
		return o
	}
	for _, r := range results {
		for _, n := range r.Notices {
			o.notices = append(o.notices, n.Severity+" "+string(n.Code)+" "+n.Message)
		}
	}
	if len(rows) > 0 {
		o.rows = joinRows(rows[len(rows)-1])
	}
	return o
}

// floatValues are printed under every extra_float_digits.
var floatValues = []string{
	"0.1", "123.456", "1e20", "1e-5", "0.000012345", "100000000000000000", "1e15", "1e14", "123456789012345678",
	"-0", "NaN", "Infinity", "-Infinity", "1.5", "2.5e-300", "0.000123456789", "3.141592653589793", "1e-4", "99999.99999",
	"1234567890.123", "5e-324", "1.7976931348623157e308",
}

var float4Values = []string{"0.1", "123.456", "1.5", "123456.7", "1234567", "1e10", "3.14159265", "1e-5", "NaN", "-0", "12345"}

func TestSettingsMatchPostgreSQL(t *testing.T) {
	c := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pg := connectPG(t, c)
	s := testSession(t, objstore.NewMem())
	// pgtest's cluster runs with DateStyle "ISO, YMD", which RESET returns
	// to: the session starts with it as a client's would.
	if err := s.ApplyStartupParams(map[string]string{"DateStyle": "ISO, YMD"}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range settingsScript {
		want, got := pg.run(ctx, sql), runApiary(t, s, sql)
		if want.String() != got.String() {
			t.Errorf("%s\n  PostgreSQL: %v\n  Apiary:     %v", sql, want, got)
		}
	}
	if pg.conn.PgConn().TxStatus() != s.TxStatus() {
		t.Errorf("transaction status: PostgreSQL %c, Apiary %c", pg.conn.PgConn().TxStatus(), s.TxStatus())
	}

	// Floats under each extra_float_digits, in results and cast to text.
	var f8, f8text, f4 []string
	for _, v := range floatValues {
		f8 = append(f8, "'"+v+"'::float8")
		f8text = append(f8text, "'"+v+"'::float8::text")
	}
	for _, v := range float4Values {
		f4 = append(f4, "'"+v+"'::float4")
	}
	queries := []string{"SELECT " + strings.Join(f8, ", "), "SELECT " + strings.Join(f8text, ", "), "SELECT " + strings.Join(f4, ", ")}
	for _, efd := range []int{3, 2, 1, 0, -1, -4, -9, -14, -15} {
		set := fmt.Sprintf("SET extra_float_digits = %d", efd)
		pg.run(ctx, set)
		mustRun(t, s, set)
		for _, q := range queries {
			want, got := pg.run(ctx, q), runApiary(t, s, q)
			if want.String() != got.String() {
				t.Errorf("extra_float_digits %d: %s\n  PostgreSQL: %v\n  Apiary:     %v", efd, q, want, got)
			}
		}
	}
}
