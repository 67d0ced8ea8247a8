package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/internal/testenv"
)

type testServer struct {
	addr    string
	port    int
	factory *fakeFactory
	cancel  context.CancelFunc
	done    chan error
}

func startServer(t *testing.T, cfg Config) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	ts := &testServer{addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port, factory: newFakeFactory(), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	ts.cancel = cancel
	srv := New(cfg, ts.factory)
	go func() { ts.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { ts.stop(t) })
	return ts
}

func (ts *testServer) stop(t *testing.T) {
	ts.cancel()
	select {
	case err, ok := <-ts.done:
		if ok && err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Error("server did not shut down")
	}
}

func (ts *testServer) connString(extra string) string {
	return fmt.Sprintf("postgres://apiary@%s/db?sslmode=disable&default_query_exec_mode=simple_protocol%s", ts.addr, extra)
}

func connect(t *testing.T, ts *testServer) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.connString(""))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestConnectReportsParameters(t *testing.T) {
	ts := startServer(t, Config{Version: "0.1"})
	conn := connect(t, ts)
	pc := conn.PgConn()
	want := map[string]string{
		"server_version": "15.8 (Apiary 0.1)", "server_encoding": "UTF8", "client_encoding": "UTF8", "DateStyle": "ISO, MDY",
		"IntervalStyle": "postgres", "TimeZone": "UTC", "integer_datetimes": "on", "standard_conforming_strings": "on",
		"is_superuser": "on", "session_authorization": "apiary", "default_transaction_read_only": "off", "in_hot_standby": "off",
		"application_name": "",
	}
	for k, v := range want {
		if got := pc.ParameterStatus(k); got != v {
			t.Errorf("ParameterStatus(%s) = %q, want %q", k, got, v)
		}
	}
	if pc.PID() == 0 || len(pc.SecretKey()) != 4 {
		t.Errorf("BackendKeyData: pid %d, secret %x", pc.PID(), pc.SecretKey())
	}
	if err := conn.Ping(testCtx(t)); err != nil {
		t.Errorf("Ping (an empty query): %v", err)
	}
	info := ts.factory.infos[0]
	if info.User != "apiary" || info.Database != "db" {
		t.Errorf("StartupInfo = %+v", info)
	}
}

func TestEveryTypeAsText(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	rows, err := conn.Query(testCtx(t), "types")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	fds := rows.FieldDescriptions()
	wantOIDs := []uint32{16, 21, 23, 20, 700, 701, 1700, 25, 1043, 17, 1082, 1114, 1184, 1186}
	for i, fd := range fds {
		if fd.DataTypeOID != wantOIDs[i] {
			t.Errorf("column %s OID %d, want %d", fd.Name, fd.DataTypeOID, wantOIDs[i])
		}
	}
	if fds[6].TypeModifier != 10<<16|2+4 || fds[8].TypeModifier != 9 || fds[2].DataTypeSize != 4 || fds[7].DataTypeSize != -1 {
		t.Errorf("typmod/typlen wrong: %+v", fds)
	}
	var got [][]string
	for rows.Next() {
		var row []string
		for _, raw := range rows.RawValues() {
			if raw == nil {
				row = append(row, "NULL")
			} else {
				row = append(row, string(raw))
			}
		}
		got = append(got, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	want := "t|-2|42|9000000000|1.5|1e+20|12.34|héllo|abc|\\x00ff|2024-01-02|2024-01-02 03:04:05.5|2024-01-02 03:04:05+00|1 year 2 mons 3 days 04:05:06.5"
	if len(got) != 2 || strings.Join(got[0], "|") != strings.Repeat("NULL|", 13)+"NULL" || strings.Join(got[1], "|") != want {
		t.Errorf("rows = %q", got)
	}
	if tag := rows.CommandTag().String(); tag != "SELECT 2" {
		t.Errorf("tag %q", tag)
	}
	// Scanning the all-NULL row into nil destinations must work too.
	if err := conn.QueryRow(testCtx(t), "types").Scan(nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil); err != nil {
		t.Fatalf("scan of the NULL row: %v", err)
	}
}

func TestDecodeWithPgx(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	rows, err := conn.Query(testCtx(t), "types")
	if err != nil {
		t.Fatal(err)
	}
	var vals []any
	for rows.Next() {
		vals, err = rows.Values()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprintln(vals[:6], vals[7:10], vals[10].(time.Time).Format(time.DateOnly), vals[11].(time.Time).Format(time.RFC3339Nano),
		vals[12].(time.Time).UTC().Format(time.RFC3339))
	want := "[true -2 42 9000000000 1.5 1e+20] [héllo abc [0 255]] 2024-01-02 2024-01-02T03:04:05.5Z 2024-01-02T03:04:05Z\n"
	if got != want {
		t.Errorf("pgx values:\n got %s\nwant %s", got, want)
	}
}

func TestMultiStatementAndTags(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	results, err := conn.PgConn().Exec(testCtx(t), "begin; ints 2500; foo; commit").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var tags []string
	for _, r := range results {
		tags = append(tags, r.CommandTag.String())
	}
	if strings.Join(tags, ",") != "BEGIN,SELECT 2500,OK,COMMIT" || len(results[1].Rows) != 2500 || string(results[1].Rows[2499][0]) != "2499" {
		t.Errorf("tags %v, %d rows", tags, len(results[1].Rows))
	}
	// Transaction status follows the session.
	if _, err := conn.Exec(testCtx(t), "begin"); err != nil {
		t.Fatal(err)
	}
	if s := conn.PgConn().TxStatus(); s != 'T' {
		t.Errorf("TxStatus %c, want T", s)
	}
	// Empty and comment-only strings.
	for _, q := range []string{"", "  ;  ", "-- just a comment", "/* a /* nested */ one */"} {
		res, err := conn.PgConn().Exec(testCtx(t), q).ReadAll()
		if err != nil || len(res) != 1 || res[0].CommandTag.String() != "" {
			t.Errorf("empty query %q: %v %+v", q, err, res)
		}
	}
}

func TestErrorFields(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	results, err := conn.PgConn().Exec(testCtx(t), "foo; error; foo").ReadAll()
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		t.Fatalf("want PgError, got %v", err)
	}
	if pgErr.Code != "42P01" || pgErr.Severity != "ERROR" || pgErr.SeverityUnlocalized != "ERROR" || pgErr.Position != 15 ||
		pgErr.Detail != "some detail" || pgErr.Hint != "some hint" || pgErr.Message != `relation "nosuch" does not exist` {
		t.Errorf("error fields: %+v", pgErr)
	}
	if len(results) != 1 || results[0].CommandTag.String() != "OK" {
		t.Errorf("results before the error: %+v", results)
	}
	if _, err := conn.Exec(testCtx(t), "foo"); err != nil {
		t.Errorf("connection unusable after an error: %v", err)
	}
}

func TestCancelRequest(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "sleep c1")
		errc <- err
	}()
	select {
	case <-ts.factory.started("c1"):
	case <-time.After(10 * time.Second):
		t.Fatal("query did not start")
	}
	if err := conn.PgConn().CancelRequest(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "57014" || pgErr.Message != "canceling statement due to user request" {
			t.Errorf("cancelled query: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancel did not stop the query")
	}
	if _, err := conn.Exec(testCtx(t), "foo"); err != nil {
		t.Errorf("after cancel: %v", err)
	}
}

func TestPanicIsContained(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	other := connect(t, ts)
	_, err := conn.Exec(testCtx(t), "panic")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "XX000" {
		t.Fatalf("panic: %v", err)
	}
	for _, c := range []*pgx.Conn{conn, other} {
		if _, err := c.Exec(testCtx(t), "foo"); err != nil {
			t.Errorf("after a panic: %v", err)
		}
	}
}

func TestFiftyConcurrentConnections(t *testing.T) {
	ts := startServer(t, Config{})
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := testCtx(t)
			conn, err := pgx.Connect(ctx, ts.connString(""))
			if err != nil {
				errs <- err
				return
			}
			defer conn.Close(ctx)
			res, err := conn.PgConn().Exec(ctx, fmt.Sprintf("ints %d", 100+i)).ReadAll()
			if err != nil {
				errs <- err
				return
			}
			if len(res[0].Rows) != 100+i {
				errs <- fmt.Errorf("conn %d: %d rows", i, len(res[0].Rows))
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, Config{MaxConnections: 1})
	connect(t, ts)
	_, err := pgx.Connect(testCtx(t), ts.connString(""))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "53300" || pgErr.Severity != "FATAL" {
		t.Errorf("second connection: %v", err)
	}
}

func TestOversizedMessageClosesOnlyThatConnection(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1024})
	victim := connect(t, ts)
	bystander := connect(t, ts)
	_, err := victim.Exec(testCtx(t), "foo "+strings.Repeat("x", 4096))
	if err == nil {
		t.Fatal("oversized message accepted")
	}
	if !victim.IsClosed() {
		if _, err := victim.Exec(testCtx(t), "foo"); err == nil {
			t.Error("connection still usable after an oversized message")
		}
	}
	if _, err := bystander.Exec(testCtx(t), "foo"); err != nil {
		t.Errorf("bystander: %v", err)
	}
}

func TestUnknownDatabaseIsFatal(t *testing.T) {
	ts := startServer(t, Config{})
	_, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://apiary@%s/nope?sslmode=disable", ts.addr))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "3D000" || pgErr.Severity != "FATAL" {
		t.Errorf("unknown database: %v", err)
	}
}

func TestSSLPreferFallsBackToPlain(t *testing.T) {
	ts := startServer(t, Config{})
	conn, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://apiary@%s/db?sslmode=prefer&gssencmode=disable", ts.addr))
	if err != nil {
		t.Fatalf("sslmode=prefer: %v", err)
	}
	conn.Close(context.Background())
}

func TestSetReportsParameterStatus(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts)
	if _, err := conn.Exec(testCtx(t), "set tz Asia/Kolkata"); err != nil {
		t.Fatal(err)
	}
	if got := conn.PgConn().ParameterStatus("TimeZone"); got != "Asia/Kolkata" {
		t.Errorf("TimeZone after SET = %q", got)
	}
	res, err := conn.PgConn().Exec(testCtx(t), "types").ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res[0].Rows[1][12]); got != "2024-01-02 08:34:05+05:30" {
		t.Errorf("timestamptz in session zone = %q", got)
	}
}

func TestExtendedProtocolRefusedCleanly(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := testCtx(t)
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/db?sslmode=disable", ts.addr))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, "foo where x = $1", 1)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "0A000" {
		t.Errorf("extended protocol: %v", err)
	}
	if _, err := conn.Exec(ctx, "foo", pgx.QueryExecModeSimpleProtocol); err != nil {
		t.Errorf("simple query after extended error: %v", err)
	}
}

// rawStartup dials and returns a frontend for protocol-level tests.
func rawDial(t *testing.T, ts *testServer) (net.Conn, *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { nc.Close() })
	return nc, pgproto3.NewFrontend(nc, nc)
}

func TestStartupNegotiation(t *testing.T) {
	ts := startServer(t, Config{})
	nc, fe := rawDial(t, ts)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.GSSEncRequest{}, &pgproto3.SSLRequest{}} {
		fe.Send(req)
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var b [1]byte
		if _, err := io.ReadFull(nc, b[:]); err != nil || b[0] != 'N' {
			t.Fatalf("%T answered %q, %v", req, b[0], err)
		}
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion32,
		Parameters: map[string]string{"user": "u", "_pq_.something": "x", "options": "-c search_path=a --extra-float-digits=3"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	npv, ok := msg.(*pgproto3.NegotiateProtocolVersion)
	if !ok || npv.NewestMinorProtocol != 3<<16 || len(npv.UnrecognizedOptions) != 1 || npv.UnrecognizedOptions[0] != "_pq_.something" {
		t.Fatalf("want NegotiateProtocolVersion, got %#v", msg)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
			break
		}
	}
	p := ts.factory.infos[0].Params
	if p["search_path"] != "a" || p["extra_float_digits"] != "3" || ts.factory.infos[0].Database != "u" {
		t.Errorf("startup params %+v", ts.factory.infos[0])
	}
	// Garbage after startup: FATAL 08P01 and close.
	if _, err := nc.Write([]byte{'?', 0, 0, 0, 4}); err != nil {
		t.Fatal(err)
	}
	msg, err = fe.Receive()
	if er, ok := msg.(*pgproto3.ErrorResponse); err != nil || !ok || er.Code != "08P01" || er.Severity != "FATAL" {
		t.Errorf("bad message type: %#v %v", msg, err)
	}
}

func TestGracefulShutdown(t *testing.T) {
	ts := startServer(t, Config{ShutdownGrace: 5 * time.Second})
	idle := connect(t, ts)
	busy := connect(t, ts)
	errc := make(chan error, 1)
	go func() {
		_, err := busy.Exec(context.Background(), "slow s1")
		errc <- err
	}()
	<-ts.factory.started("s1")
	ts.cancel()
	if err := <-errc; err != nil {
		t.Errorf("in-flight query during shutdown: %v", err)
	}
	if err := <-ts.done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	close(ts.done)
	if _, err := idle.Exec(testCtx(t), "foo"); err == nil {
		t.Error("idle connection survived shutdown")
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Error("listener still accepting")
	}
}

func TestPsql(t *testing.T) {
	psql := testenv.LookPath(t, "psql", "install postgresql-client")
	ts := startServer(t, Config{})
	out, err := exec.Command(psql, "-X", "-h", "127.0.0.1", "-p", fmt.Sprint(ts.port), "-U", "apiary", "-d", "db",
		"-c", "types").CombinedOutput()
	if err != nil {
		t.Fatalf("psql: %v\n%s", err, out)
	}
	want := ` b | i2 | i4 |     i8     | f4  |  f8   |   n   |   t   | vc  |   by   |     d      |          ts           |           tz           |               iv                
---+----+----+------------+-----+-------+-------+-------+-----+--------+------------+-----------------------+------------------------+---------------------------------
   |    |    |            |     |       |       |       |     |        |            |                       |                        | 
 t | -2 | 42 | 9000000000 | 1.5 | 1e+20 | 12.34 | héllo | abc | \x00ff | 2024-01-02 | 2024-01-02 03:04:05.5 | 2024-01-02 03:04:05+00 | 1 year 2 mons 3 days 04:05:06.5
(2 rows)

`
	if string(out) != want {
		t.Errorf("psql output:\n%s\nwant:\n%s", out, want)
	}
	out, _ = exec.Command(psql, "-X", "-h", "127.0.0.1", "-p", fmt.Sprint(ts.port), "-U", "apiary", "-d", "db",
		"-c", "error").CombinedOutput()
	if !strings.Contains(string(out), `ERROR:  relation "nosuch" does not exist`) || !strings.Contains(string(out), "HINT:  some hint") {
		t.Errorf("psql error output:\n%s", out)
	}
}
