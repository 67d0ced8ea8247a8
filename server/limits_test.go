package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
)

// liveServer is a Server under test with its internals in reach, for tests
// that tune it (isLocal, cancelPenalty) or watch it (open sockets).
type liveServer struct {
	srv     *Server
	addr    string
	factory *fakeFactory
	cancel  context.CancelFunc
	done    chan error
}

// startLive serves cfg over the fake sessions (or factory, when not nil) on
// a loopback port; tweak, when not nil, adjusts the server before it
// accepts.
func startLive(t testing.TB, cfg Config, factory SessionFactory, tweak func(*Server)) *liveServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ls := &liveServer{addr: ln.Addr().String(), done: make(chan error, 1)}
	if factory == nil {
		ls.factory = newFakeFactory()
		factory = ls.factory
	}
	ls.srv = New(cfg, factory)
	if tweak != nil {
		tweak(ls.srv)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ls.cancel = cancel
	go func() { ls.done <- ls.srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		if err := ls.stop(20 * time.Second); err != nil {
			t.Error(err)
		}
	})
	return ls
}

// stop shuts the server down and waits at most limit for Serve to return.
// It is idempotent.
func (ls *liveServer) stop(limit time.Duration) error {
	ls.cancel()
	select {
	case err, ok := <-ls.done:
		if ok {
			close(ls.done)
		}
		if err != nil {
			return fmt.Errorf("Serve: %w", err)
		}
		return nil
	case <-time.After(limit):
		return fmt.Errorf("server did not shut down within %v", limit)
	}
}

func (ls *liveServer) dsn(user, password, extra string) string {
	return fmt.Sprintf("postgres://%s:%s@%s/db?sslmode=disable&default_query_exec_mode=simple_protocol%s", user, password, ls.addr, extra)
}

// pgError returns err's PostgreSQL error, failing the test without one.
func pgError(t testing.TB, err error) *pgconn.PgError {
	t.Helper()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("want a PostgreSQL error, got %v", err)
	}
	return pgErr
}

// dialReady dials addr and completes a trust startup as user, returning
// after the first ReadyForQuery.
func dialReady(t testing.TB, addr, user string) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": user, "database": "db"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	untilReady(t, fe)
	return nc, fe
}

// untilReady reads messages up to ReadyForQuery, failing on an error.
func untilReady(t testing.TB, fe *pgproto3.Frontend) *pgproto3.ReadyForQuery {
	t.Helper()
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("waiting for ReadyForQuery: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			return m
		case *pgproto3.ErrorResponse:
			t.Fatalf("waiting for ReadyForQuery: %s %s", m.Code, m.Message)
		}
	}
}

// expectFatal reads the next message, which must be a FATAL ErrorResponse
// with code, and then the end of the connection.
func expectFatal(t testing.TB, fe *pgproto3.Frontend, code, message string) {
	t.Helper()
	msg, err := fe.Receive()
	if err != nil {
		t.Fatalf("want FATAL %s, got %v", code, err)
	}
	er, ok := msg.(*pgproto3.ErrorResponse)
	if !ok || er.Severity != "FATAL" || er.Code != code || (message != "" && er.Message != message) {
		t.Fatalf("want FATAL %s %q, got %#v", code, message, msg)
	}
	if msg, err := fe.Receive(); err == nil {
		t.Fatalf("connection still open after FATAL: got %#v", msg)
	}
}

func TestIdleSessionTimeout(t *testing.T) {
	ls := startLive(t, Config{IdleTimeout: 100 * time.Millisecond}, nil, nil)
	_, fe := dialReady(t, ls.addr, "apiary")
	expectFatal(t, fe, "57P05", "terminating connection due to idle-session timeout")
}

func TestIdleInTransactionTimeout(t *testing.T) {
	// The session timeout is the shorter one, but inside a transaction block
	// only the transaction's applies, as in PostgreSQL.
	ls := startLive(t, Config{IdleTimeout: 50 * time.Millisecond, IdleInTransactionTimeout: 300 * time.Millisecond}, nil, nil)
	nc, fe := dialReady(t, ls.addr, "apiary")
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe.Send(&pgproto3.Query{String: "begin"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	if rfq := untilReady(t, fe); rfq.TxStatus != 'T' {
		t.Fatalf("after begin: status %c", rfq.TxStatus)
	}
	expectFatal(t, fe, "25P03", "terminating connection due to idle-in-transaction timeout")
}

func TestOversizedMessageIsFatal(t *testing.T) {
	ls := startLive(t, Config{MaxMessageSize: 1024}, nil, nil)
	nc, fe := dialReady(t, ls.addr, "apiary")
	fe.Send(&pgproto3.Query{String: "foo " + strings.Repeat("x", 2000)})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	expectFatal(t, fe, "08P01", "invalid message length")
	nc.Close()
	// The server goes on serving everyone else.
	conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(testCtx(t), "foo"); err != nil {
		t.Error(err)
	}
}

func TestStartupTimeout(t *testing.T) {
	ls := startLive(t, Config{StartupTimeout: 100 * time.Millisecond}, nil, nil)
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	// A client that says nothing is hung up on; the read ends with EOF, not
	// with this test's own deadline.
	if _, err := nc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("silent client: read returned %v, want EOF", err)
	}
}

func TestSocketLimitRefusesBeforeStartup(t *testing.T) {
	// MaxConnections 1 allows two open sockets: the third is refused before
	// it sends anything.
	ls := startLive(t, Config{MaxConnections: 1}, nil, nil)
	var idle []net.Conn
	for range 2 {
		nc, err := net.Dial("tcp", ls.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		idle = append(idle, nc)
	}
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	expectFatal(t, pgproto3.NewFrontend(nc, nc), "53300", "sorry, too many clients already")

	// pgx reads the refusal in place of the answer to its StartupMessage.
	_, err = pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	if pgErr := pgError(t, err); pgErr.Code != "53300" {
		t.Errorf("pgx over the limit: %v", err)
	}
	for _, c := range idle {
		c.Close()
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
		if err == nil {
			conn.Close(context.Background())
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no connection accepted after the idle sockets closed: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitNoSockets waits until the server serves no connection.
func waitNoSockets(t testing.TB, ls *liveServer, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for ls.srv.open.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still served after %v", ls.srv.open.Load(), limit)
		}
		time.Sleep(time.Millisecond)
	}
}

// startEngine serves the real engine over a temporary local store, with a
// frame "nums" of 1000 rows.
func startEngine(t *testing.T, cfg Config) *liveServer {
	t.Helper()
	store, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := exec.NewEngine(ctx, store, exec.Config{Node: "limits", Logger: log, Bees: 1})
	if err != nil {
		t.Fatal(err)
	}
	ls := startLive(t, cfg, EngineSessions(eng), nil)
	conn, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&default_query_exec_mode=simple_protocol", ls.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var values []string
	for n := 1; n <= 1000; n++ {
		values = append(values, fmt.Sprintf("(%d, 'n%d')", n, n))
	}
	for _, sql := range []string{
		"CREATE TABLE nums (n int NOT NULL, name text)",
		"INSERT INTO nums VALUES " + strings.Join(values, ", "),
	} {
		if _, err := conn.Exec(testCtx(t), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	return ls
}

func TestTwoHundredConnectionsOnTwoCores(t *testing.T) {
	if testing.Short() {
		t.Skip("200 sessions of the real engine")
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	ls := startEngine(t, Config{MaxConnections: 250})
	waitNoSockets(t, ls, 20*time.Second)
	baseline := runtime.NumGoroutine()

	const clients = 200
	// All connect first, then all query: 200 sessions are open at once.
	conns := make([]*pgx.Conn, clients)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&default_query_exec_mode=simple_protocol", ls.addr))
			if err != nil {
				errs <- fmt.Errorf("client %d: connect: %w", i, err)
				return
			}
			conns[i] = conn
		}()
	}
	wg.Wait()
	if ls.srv.active.Load() != clients {
		t.Errorf("%d sessions open at once, want %d", ls.srv.active.Load(), clients)
	}
	for i, conn := range conns {
		if conn == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			defer conn.Close(ctx)
			var count, sum int64
			if err := conn.QueryRow(ctx, "SELECT count(*), sum(n) FROM nums WHERE n % 200 = $1", i%200).Scan(&count, &sum); err != nil {
				errs <- fmt.Errorf("client %d: aggregate: %w", i, err)
				return
			}
			wantSum := int64(0)
			for n := 1; n <= 1000; n++ {
				if n%200 == i%200 {
					wantSum += int64(n)
				}
			}
			if count != 5 || sum != wantSum {
				errs <- fmt.Errorf("client %d: count %d sum %d, want 5 and %d", i, count, sum, wantSum)
			}
			var name string
			if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT name FROM nums WHERE n = %d", i+1)).Scan(&name); err != nil || name != fmt.Sprintf("n%d", i+1) {
				errs <- fmt.Errorf("client %d: point query: %q, %v", i, name, err)
			}
			if _, err := conn.Exec(ctx, "SELECT 1"); err != nil {
				errs <- fmt.Errorf("client %d: SELECT 1: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Every connection's goroutines end once its client has gone.
	deadline := time.Now().Add(30 * time.Second)
	for runtime.NumGoroutine() > baseline {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines 30s after the clients closed, %d before they came:\n%s",
				runtime.NumGoroutine(), baseline, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := ls.srv.active.Load(); n != 0 {
		t.Errorf("%d sessions still counted", n)
	}
}

func TestStalledClientBlocksNeitherOthersNorShutdown(t *testing.T) {
	const grace = 300 * time.Millisecond
	ls := startLive(t, Config{ShutdownGrace: grace}, nil, nil)
	// The stalled client asks for far more rows than socket buffers hold
	// and never reads them: the server's write to it blocks.
	stalled, fe := dialReady(t, ls.addr, "apiary")
	if tc, ok := stalled.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	fe.Send(&pgproto3.Query{String: "ints 100000000"})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}

	conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	for i := range 20 {
		res, err := conn.PgConn().Exec(testCtx(t), fmt.Sprintf("ints %d", 1000+i)).ReadAll()
		if err != nil || len(res[0].Rows) != 1000+i {
			t.Fatalf("other session, query %d: %v", i, err)
		}
	}

	start := time.Now()
	// Grace, then a second for cancelled queries to notice, then the
	// sockets' deadlines: well within five seconds.
	if err := ls.stop(grace + 5*time.Second); err != nil {
		t.Fatal(err)
	}
	t.Logf("shutdown took %v with a stalled client", time.Since(start))
}

func TestCancelGuard(t *testing.T) {
	srv := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, newFakeFactory())
	srv.cancelPenalty = time.Hour
	c := &conn{srv: srv}
	if err := srv.register(c); err != nil {
		t.Fatal(err)
	}
	if err := c.newSecret(); err != nil {
		t.Fatal(err)
	}
	wrong := c.secret
	wrong[0] ^= 0xff

	qctx, done := c.startQuery(context.Background())
	defer done()
	srv.cancel(c.pid, wrong[:])
	srv.cancel(c.pid+1, c.secret[:])
	if qctx.Err() != nil {
		t.Fatal("a wrong secret or PID cancelled the query")
	}
	srv.cancel(c.pid, c.secret[:])
	if qctx.Err() == nil {
		t.Fatal("the right secret did not cancel the query")
	}

	// Failed requests fill the slots (two are held already); while they are
	// held even a right one is dropped.
	for range cancelSlots - 2 {
		srv.cancel(c.pid, wrong[:])
	}
	qctx2, done2 := c.startQuery(context.Background())
	defer done2()
	srv.cancel(c.pid, c.secret[:])
	if qctx2.Err() != nil {
		t.Fatal("a cancel request got through while every slot was held")
	}
}

func TestCancelGuardSlotsComeBack(t *testing.T) {
	srv := New(Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, newFakeFactory())
	srv.cancelPenalty = 10 * time.Millisecond
	c := &conn{srv: srv}
	if err := srv.register(c); err != nil {
		t.Fatal(err)
	}
	if err := c.newSecret(); err != nil {
		t.Fatal(err)
	}
	for range cancelSlots {
		srv.cancel(c.pid+1, c.secret[:])
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		qctx, done := c.startQuery(context.Background())
		srv.cancel(c.pid, c.secret[:])
		cancelled := qctx.Err() != nil
		done()
		if cancelled {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("cancel slots never came back after the penalty")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCancelOverTheWire(t *testing.T) {
	ls := startLive(t, Config{}, nil, nil)
	conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "sleep wire")
		errc <- err
	}()
	<-ls.factory.started("wire")

	// A CancelRequest with a wrong key is read and ignored; the server hangs
	// up without a word.
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	secret := conn.PgConn().SecretKey()
	wrong := []byte{secret[0] ^ 1, secret[1], secret[2], secret[3]}
	req, _ := (&pgproto3.CancelRequest{ProcessID: conn.PgConn().PID(), SecretKey: wrong}).Encode(nil)
	if _, err := nc.Write(req); err != nil {
		t.Fatal(err)
	}
	if n, err := nc.Read(make([]byte, 1)); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("wrong cancel key: read %d bytes, %v; want silence and EOF", n, err)
	}
	nc.Close()
	select {
	case err := <-errc:
		t.Fatalf("query ended after a cancel with the wrong key: %v", err)
	default:
	}

	if err := conn.PgConn().CancelRequest(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if pgErr := pgError(t, <-errc); pgErr.Code != "57014" {
		t.Errorf("cancelled query: %v", pgErr)
	}
}
