package exec_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Settings and transaction statements over the wire, through the real
// server: what a driver sees of them.

func TestSettingsOverTheWire(t *testing.T) {
	addr, _ := startWireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&default_query_exec_mode=simple_protocol", addr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	pc := conn.PgConn()

	query := func(sql string) string {
		t.Helper()
		var v string
		if err := conn.QueryRow(ctx, sql).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	exec := func(sql string) {
		t.Helper()
		if err := pc.Exec(ctx, sql).Close(); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	code := func(sql string) string {
		t.Helper()
		err := pc.Exec(ctx, sql).Close()
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			t.Fatalf("%s: %v, want a PostgreSQL error", sql, err)
		}
		return pgErr.Code
	}

	// SET of a reported parameter is resent with ParameterStatus.
	exec("SET application_name = 'wire test'; SET TIME ZONE '+02:00'")
	if got := pc.ParameterStatus("application_name"); got != "wire test" {
		t.Errorf("ParameterStatus application_name = %q", got)
	}
	if got := pc.ParameterStatus("TimeZone"); got != "+02:00" {
		t.Errorf("ParameterStatus TimeZone = %q", got)
	}
	// timestamptz prints in the session zone, POSIX-style offsets included.
	if got := query("SELECT '2024-01-01 12:00:00+00'::timestamptz::text"); got != "2024-01-01 10:00:00-02" {
		t.Errorf("timestamptz in +02:00 = %q", got)
	}
	exec("SET DateStyle = 'ISO, DMY'")
	if got := pc.ParameterStatus("DateStyle"); got != "ISO, DMY" {
		t.Errorf("ParameterStatus DateStyle = %q", got)
	}
	if got := query("SHOW TRANSACTION ISOLATION LEVEL"); got != "read committed" {
		t.Errorf("isolation %q", got)
	}
	if got := query("SELECT current_setting('application_name')"); got != "wire test" {
		t.Errorf("current_setting = %q", got)
	}
	for sql, want := range map[string]string{
		"SET extra_float_digits = 9":           "22023",
		"SET client_encoding = 'LATIN1'":       "0A000",
		"SET server_version = '1'":             "55P02",
		"SHOW nosuch":                          "42704",
		"SET standard_conforming_strings = 0":  "0A000",
		"SET TIME ZONE 'Nowhere/At_All'":       "22023",
		"SET DateStyle = 'German'":             "0A000",
		"SET statement_timeout = '5 parsecs'":  "22023",
		"SET SESSION AUTHORIZATION 'somebody'": "0A000",
	} {
		if got := code(sql); got != want {
			t.Errorf("%s: SQLSTATE %s, want %s", sql, got, want)
		}
	}

	// Savepoints: ROLLBACK TO returns a failed block to a working one.
	exec("CREATE TABLE w (a int)")
	exec("BEGIN; INSERT INTO w VALUES (1); SAVEPOINT s")
	if got := code("INSERT INTO w VALUES ('x')"); got != "22P02" {
		t.Errorf("bad INSERT: %s", got)
	}
	if pc.TxStatus() != 'E' {
		t.Errorf("status %c after an error", pc.TxStatus())
	}
	exec("ROLLBACK TO SAVEPOINT s")
	if pc.TxStatus() != 'T' {
		t.Errorf("status %c after ROLLBACK TO", pc.TxStatus())
	}
	exec("INSERT INTO w VALUES (2); COMMIT")
	if got := query("SELECT string_agg(a::text, ',' ORDER BY a) FROM w"); got != "1,2" {
		t.Errorf("rows %q", got)
	}
	// READ ONLY is enforced.
	exec("BEGIN READ ONLY")
	if got := code("INSERT INTO w VALUES (3)"); got != "25006" {
		t.Errorf("INSERT in a read-only block: %s", got)
	}
	exec("ROLLBACK")
	exec("DISCARD ALL")
	if got := pc.ParameterStatus("TimeZone"); got != "UTC" {
		t.Errorf("ParameterStatus TimeZone after DISCARD ALL = %q", got)
	}
}
