package exec_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/server"
)

// The query registry over the wire: pg_cancel_backend and
// pg_terminate_backend between two real connections, pg_stat_activity and
// system.queries as another session sees them.

// startWireServer serves a fresh in-memory engine through the real wire
// server on a loopback port until the test ends, and returns the address
// and the engine.
func startWireServer(t *testing.T) (string, *exec.Engine) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := exec.NewEngine(ctx, objstore.NewMem(), exec.Config{Node: "wire", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Logger: log}, server.EngineSessions(eng))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("server did not shut down")
		}
		eng.Close()
	})
	return ln.Addr().String(), eng
}

func connect(ctx context.Context, t *testing.T, addr, app string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&application_name=%s", addr, app))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pollRow runs sql until it returns want (as text) or the deadline passes.
func pollRow(ctx context.Context, t *testing.T, conn *pgx.Conn, want string, sql string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	var got string
	for {
		err := conn.QueryRow(ctx, sql, args...).Scan(&got)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %q (%v), want %q", sql, got, err, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// backendPID returns the pid pg_stat_activity and pg_cancel_backend know
// conn's session by.
func backendPID(ctx context.Context, t *testing.T, conn *pgx.Conn) int32 {
	t.Helper()
	var pid int32
	if err := conn.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}

func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestCancelBackendOverTheWire(t *testing.T) {
	addr, eng := startWireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	busy := connect(ctx, t, addr, "busy")
	ops := connect(ctx, t, addr, "ops")
	pid := backendPID(ctx, t, busy)

	// Both sessions are in pg_stat_activity, whichever reads it.
	pollRow(ctx, t, ops, "busy idle|ops active",
		`SELECT string_agg(application_name || ' ' || state, '|' ORDER BY application_name) FROM pg_stat_activity`)

	var wg sync.WaitGroup
	var longErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		var n int64
		longErr = busy.QueryRow(ctx, "SELECT count(*) FROM generate_series(1, 1000000000000) AS g").Scan(&n)
	}()
	pollRow(ctx, t, ops, "1", "SELECT count(*) FROM system.queries WHERE pid = $1 AND state = 'running'", pid)
	pollRow(ctx, t, ops, "active", "SELECT state FROM pg_stat_activity WHERE pid = $1", pid)

	var ok bool
	if err := ops.QueryRow(ctx, "SELECT pg_cancel_backend($1)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_cancel_backend(%d) = %v, %v", pid, ok, err)
	}
	wg.Wait()
	if sqlState(longErr) != "57014" {
		t.Fatalf("cancelled query: %v, want SQLSTATE 57014", longErr)
	}
	pollRow(ctx, t, ops, "cancelled 57014",
		"SELECT outcome || ' ' || sqlstate FROM system.queries WHERE pid = $1 AND query LIKE '%generate_series%'", pid)
	if err := ops.QueryRow(ctx, "SELECT pg_cancel_backend(999999)").Scan(&ok); err != nil || ok {
		t.Errorf("pg_cancel_backend of no session = %v, %v; want false", ok, err)
	}
	// The cancelled session goes on serving.
	var one int
	if err := busy.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("after the cancel: %v %v", one, err)
	}

	// A finished-query hook hears of every statement.
	heard := make(chan exec.QueryRecord, 16)
	eng.OnQueryFinished(func(r exec.QueryRecord) {
		select {
		case heard <- r:
		default:
		}
	})
	if _, err := busy.Exec(ctx, "SELECT 42"); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-heard:
		if r.PID != pid || r.Query != "SELECT 42" || r.Rows != 1 || r.Outcome != exec.OutcomeSuccess {
			t.Errorf("hook heard %+v", r)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the finished-query hook heard nothing")
	}
}

func TestTerminateBackendOverTheWire(t *testing.T) {
	addr, eng := startWireServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	victim := connect(ctx, t, addr, "victim")
	ops := connect(ctx, t, addr, "ops")
	pid := backendPID(ctx, t, victim)
	var ok bool
	if err := ops.QueryRow(ctx, "SELECT pg_terminate_backend($1, 10000)", pid).Scan(&ok); err != nil || !ok {
		t.Fatalf("pg_terminate_backend(%d, 10000) = %v, %v", pid, ok, err)
	}
	if _, err := victim.Exec(ctx, "SELECT 1"); err == nil {
		t.Error("a terminated session still runs queries")
	}
	// The call waited for the session to end: it is gone already.
	var left int
	if err := ops.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid).Scan(&left); err != nil || left != 0 {
		t.Errorf("terminated session still in pg_stat_activity: %d, %v", left, err)
	}
	if err := ops.QueryRow(ctx, "SELECT pg_terminate_backend($1)", pid).Scan(&ok); err != nil || ok {
		t.Errorf("pg_terminate_backend of a gone session = %v, %v; want false", ok, err)
	}
	if _, err := ops.Exec(ctx, "SELECT pg_terminate_backend(1, -1)"); sqlState(err) != "22023" {
		t.Errorf("negative timeout: %v, want 22023", err)
	}
	if sessions, _, _ := eng.ActivityCounts(); sessions != 1 {
		t.Errorf("%d sessions registered, want 1", sessions)
	}
}
