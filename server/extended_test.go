package server

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

var execModes = []struct {
	name string
	mode pgx.QueryExecMode
}{
	{"cache_statement", pgx.QueryExecModeCacheStatement}, // named statements, binary results
	{"cache_describe", pgx.QueryExecModeCacheDescribe},
	{"describe_exec", pgx.QueryExecModeDescribeExec},
	{"exec", pgx.QueryExecModeExec}, // unnamed, parameter types from Go values
	{"simple_protocol", pgx.QueryExecModeSimpleProtocol},
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	if _, err := conn.Exec(testCtx(t), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// TestEveryTypeRoundTrips writes every type through parameters and reads
// it back, in every pgx execution mode: binary and text parameters,
// binary and text results.
func TestEveryTypeRoundTrips(t *testing.T) {
	es := startEngineServer(t)
	setup := es.connectMode(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, setup, `CREATE TABLE every (k int, b boolean, i2 smallint, i4 integer, i8 bigint, f4 real, f8 double precision,
		n numeric(12,3), nu numeric, t text, vc varchar(10), c char(4), by bytea, d date, ts timestamp, tz timestamptz, iv interval)`)

	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	iv := pgtype.Interval{Months: 14, Days: 3, Microseconds: 4*3600e6 + 5e5, Valid: true}
	row := []any{true, int16(-7), int32(123456), int64(-9000000000), float32(1.5), 2.25e-10,
		pgtype.Numeric{Int: big.NewInt(-1234567), Exp: -3, Valid: true}, pgtype.Numeric{Int: big.NewInt(5), Exp: -1, Valid: true},
		"héllo 'quoted' $1", "short", "ab", []byte{0, 1, 0xff}, time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC), ts, ts, iv}
	for i, m := range execModes {
		conn := es.connectMode(t, m.mode)
		args := append([]any{i}, row...)
		if _, err := conn.Exec(testCtx(t), `INSERT INTO every VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, args...); err != nil {
			t.Fatalf("%s: insert: %v", m.name, err)
		}
		nulls := make([]any, 17)
		nulls[0] = i + 100
		if _, err := conn.Exec(testCtx(t), `INSERT INTO every VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`, nulls...); err != nil {
			t.Fatalf("%s: insert NULLs: %v", m.name, err)
		}
	}
	for _, m := range execModes {
		t.Run(m.name, func(t *testing.T) {
			conn := es.connectMode(t, m.mode)
			for k := range execModes {
				var (
					b           bool
					i2          int16
					i4          int32
					i8          int64
					f4          float32
					f8          float64
					n, nu       pgtype.Numeric
					text, vc, c string
					by          []byte
					d, tsv, tzv time.Time
					ivv         pgtype.Interval
				)
				err := conn.QueryRow(testCtx(t), `SELECT b, i2, i4, i8, f4, f8, n, nu, t, vc, c, by, d, ts, tz, iv FROM every WHERE k = $1`, k).
					Scan(&b, &i2, &i4, &i8, &f4, &f8, &n, &nu, &text, &vc, &c, &by, &d, &tsv, &tzv, &ivv)
				if err != nil {
					t.Fatalf("row %d: %v", k, err)
				}
				got := strings.TrimSpace(fmt.Sprintln(b, i2, i4, i8, f4, f8, numString(n), numString(nu), text, vc, c, by, d.Format(time.DateOnly),
					tsv.Format(time.RFC3339Nano), tzv.UTC().Format(time.RFC3339Nano), ivv.Months, ivv.Days, ivv.Microseconds))
				want := "true -7 123456 -9000000000 1.5 2.25e-10 -1234.567 0.500000 héllo 'quoted' $1 short ab   [0 1 255] 1999-12-31 " +
					"2024-02-29T13:14:15.123456Z 2024-02-29T13:14:15.123456Z 14 3 14400500000"
				if got != want {
					t.Errorf("row %d:\n got %s\nwant %s", k, got, want)
				}
				var nullRows int
				err = conn.QueryRow(testCtx(t), `SELECT count(*) FROM every WHERE k = $1 AND b IS NULL AND i2 IS NULL AND i4 IS NULL
					AND i8 IS NULL AND f4 IS NULL AND f8 IS NULL AND n IS NULL AND nu IS NULL AND t IS NULL AND vc IS NULL AND c IS NULL
					AND by IS NULL AND d IS NULL AND ts IS NULL AND tz IS NULL AND iv IS NULL`, k+100).Scan(&nullRows)
				if err != nil || nullRows != 1 {
					t.Errorf("row %d of NULLs: %d rows, %v", k+100, nullRows, err)
				}
			}
		})
	}
}

func numString(n pgtype.Numeric) string {
	v, err := n.Value()
	if err != nil {
		return err.Error()
	}
	return fmt.Sprint(v)
}

// TestParameterInference checks the parameter types a statement's
// Describe reports when the client leaves them to the server.
func TestParameterInference(t *testing.T) {
	es := startEngineServer(t)
	conn := es.connectMode(t, pgx.QueryExecModeSimpleProtocol)
	mustExec(t, conn, `CREATE TABLE inf (a bigint, b date, c varchar(5), d numeric(10,2), e text)`)
	cases := []struct {
		sql  string
		want []uint32
		cols int
	}{
		{`SELECT a FROM inf WHERE a = $1 AND b > $2`, []uint32{20, 1082}, 1},
		{`SELECT $1::int4 + 1, $2`, []uint32{23, 25}, 2},
		{`INSERT INTO inf VALUES ($1, $2, $3, $4, $5)`, []uint32{20, 1082, 1043, 1700, 25}, -1},
		{`INSERT INTO inf (e, a) VALUES ($1, $2)`, []uint32{25, 20}, -1},
		{`SELECT * FROM inf WHERE c LIKE $1 LIMIT $2`, []uint32{25, 20}, 5}, // varchar LIKE text, as PostgreSQL
		{`SELECT * FROM inf WHERE c = $1`, []uint32{25}, 5},
		{`SELECT count(*) FROM inf WHERE d BETWEEN $1 AND $2`, []uint32{1700, 1700}, 1},
	}
	for _, c := range cases {
		sd, err := conn.PgConn().Prepare(testCtx(t), "", c.sql, nil)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if fmt.Sprint(sd.ParamOIDs) != fmt.Sprint(c.want) {
			t.Errorf("%s: parameters %v, want %v", c.sql, sd.ParamOIDs, c.want)
		}
		if c.cols >= 0 && len(sd.Fields) != c.cols || c.cols < 0 && len(sd.Fields) != 0 {
			t.Errorf("%s: %d result columns", c.sql, len(sd.Fields))
		}
	}
	// A client's declaration wins over inference.
	sd, err := conn.PgConn().Prepare(testCtx(t), "decl", `SELECT a FROM inf WHERE a = $1`, []uint32{23})
	if err != nil || fmt.Sprint(sd.ParamOIDs) != "[23]" {
		t.Errorf("declared: %v %v", sd, err)
	}
}

// protoConn is a raw protocol client for what drivers do not expose.
type protoConn struct {
	t  *testing.T
	fe *pgproto3.Frontend
}

func dialProto(t *testing.T, addr string) *protoConn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	pc := &protoConn{t: t, fe: pgproto3.NewFrontend(nc, nc)}
	pc.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": protoUser, "database": protoUser}})
	pc.flush()
	pc.until('Z')
	return pc
}

func (pc *protoConn) flush() {
	if err := pc.fe.Flush(); err != nil {
		pc.t.Fatal(err)
	}
}

func (pc *protoConn) send(msgs ...pgproto3.FrontendMessage) {
	for _, m := range msgs {
		pc.fe.Send(m)
	}
	pc.flush()
}

// until reads messages up to and including one of type typ, returning a
// one-line summary of each.
func (pc *protoConn) until(typ byte) []string {
	pc.t.Helper()
	var out []string
	for {
		msg, err := pc.fe.Receive()
		if err != nil {
			pc.t.Fatalf("receive: %v (after %v)", err, out)
		}
		s, ty := summarize(msg)
		if s != "" {
			out = append(out, s)
		}
		if ty == typ {
			return out
		}
	}
}

func summarize(msg pgproto3.BackendMessage) (string, byte) {
	switch m := msg.(type) {
	case *pgproto3.ParseComplete:
		return "ParseComplete", '1'
	case *pgproto3.BindComplete:
		return "BindComplete", '2'
	case *pgproto3.CloseComplete:
		return "CloseComplete", '3'
	case *pgproto3.NoData:
		return "NoData", 'n'
	case *pgproto3.PortalSuspended:
		return "PortalSuspended", 's'
	case *pgproto3.EmptyQueryResponse:
		return "EmptyQuery", 'I'
	case *pgproto3.ParameterDescription:
		return fmt.Sprintf("Params%v", m.ParameterOIDs), 't'
	case *pgproto3.RowDescription:
		var names []string
		for _, f := range m.Fields {
			names = append(names, fmt.Sprintf("%s:%d/%d", f.Name, f.DataTypeOID, f.Format))
		}
		return "Row[" + strings.Join(names, " ") + "]", 'T'
	case *pgproto3.DataRow:
		var vals []string
		for _, v := range m.Values {
			vals = append(vals, string(v))
		}
		return "Data(" + strings.Join(vals, ",") + ")", 'D'
	case *pgproto3.CommandComplete:
		return "Complete " + string(m.CommandTag), 'C'
	case *pgproto3.ErrorResponse:
		return "Error " + m.Code, 'E'
	case *pgproto3.ReadyForQuery:
		return "Ready " + string(m.TxStatus), 'Z'
	case *pgproto3.ParameterStatus, *pgproto3.NoticeResponse:
		return "", 0
	}
	return fmt.Sprintf("%T", msg), 0
}

func expectMsgs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Errorf("%s:\n got %s\nwant %s", what, strings.Join(got, " | "), strings.Join(want, " | "))
	}
}

func TestExtendedProtocolMessages(t *testing.T) {
	pc := dialProto(t, startEngineServer(t).addr)
	pc.send(&pgproto3.Query{String: "CREATE TABLE seq (n int); INSERT INTO seq VALUES (1),(2),(3),(4),(5)"})
	pc.until('Z')

	// Describe of a statement: ParameterDescription, then RowDescription
	// or NoData; Execute sends no RowDescription.
	pc.send(&pgproto3.Parse{Name: "s1", Query: "SELECT n FROM seq WHERE n > $1 ORDER BY n"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Parse{Name: "ins", Query: "INSERT INTO seq VALUES ($1)"},
		&pgproto3.Describe{ObjectType: 'S', Name: "ins"},
		&pgproto3.Sync{})
	expectMsgs(t, "describe", pc.until('Z'), "ParseComplete", "Params[23]", "Row[n:23/0]", "ParseComplete", "Params[23]", "NoData", "Ready I")

	// A row limit suspends the portal; the next Execute continues it.
	pc.send(&pgproto3.Bind{PreparedStatement: "s1", DestinationPortal: "p", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Describe{ObjectType: 'P', Name: "p"},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Execute{Portal: "p", MaxRows: 3},
		&pgproto3.Sync{})
	// As PostgreSQL: each CommandComplete counts its own Execute's rows,
	// and a finished portal answers again with none.
	expectMsgs(t, "suspend", pc.until('Z'), "BindComplete", "Row[n:23/0]", "Data(2)", "Data(3)", "Data(4)", "PortalSuspended",
		"Data(5)", "Complete SELECT 1", "Complete SELECT 0", "Ready I")
	// No look-ahead: exactly the limit suspends.
	pc.send(&pgproto3.Bind{PreparedStatement: "s1", DestinationPortal: "p", Parameters: [][]byte{[]byte("3")}},
		&pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Execute{Portal: "p", MaxRows: 2},
		&pgproto3.Sync{})
	expectMsgs(t, "exact limit", pc.until('Z'), "BindComplete", "Data(4)", "Data(5)", "PortalSuspended", "Complete SELECT 0", "Ready I")
	// A statement without rows runs once.
	pc.send(&pgproto3.Bind{PreparedStatement: "ins", Parameters: [][]byte{[]byte("6")}}, &pgproto3.Execute{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "insert twice", pc.until('Z'), "BindComplete", "Complete INSERT 0 1", "Error 55000", "Ready I")

	// Binary results for the columns that ask.
	pc.send(&pgproto3.Bind{PreparedStatement: "s1", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 4}}, ResultFormatCodes: []int16{1}},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	expectMsgs(t, "binary", pc.until('Z'), "BindComplete", "Data(\x00\x00\x00\x05)", "Data(\x00\x00\x00\x06)", "Complete SELECT 2", "Ready I")

	// After an error everything up to Sync is skipped, and one
	// ReadyForQuery follows.
	pc.send(&pgproto3.Parse{Query: "SELEC 1"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{})
	expectMsgs(t, "error skips to sync", pc.until('Z'), "Error 42601", "Ready I")

	pc.send(&pgproto3.Bind{PreparedStatement: "nosuch"}, &pgproto3.Sync{})
	expectMsgs(t, "unknown statement", pc.until('Z'), "Error 26000", "Ready I")
	pc.send(&pgproto3.Execute{Portal: "nosuch"}, &pgproto3.Sync{})
	expectMsgs(t, "unknown portal", pc.until('Z'), "Error 34000", "Ready I")
	pc.send(&pgproto3.Parse{Name: "s1", Query: "SELECT 1"}, &pgproto3.Sync{})
	expectMsgs(t, "duplicate statement", pc.until('Z'), "Error 42P05", "Ready I")
	pc.send(&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("x")}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "bad parameter", pc.until('Z'), "Error 22P02", "Ready I")
	pc.send(&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Sync{})
	expectMsgs(t, "missing parameter", pc.until('Z'), "Error 08P01", "Ready I")

	// Close, then the statement is gone; closing again is fine.
	pc.send(&pgproto3.Close{ObjectType: 'S', Name: "s1"}, &pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Bind{PreparedStatement: "s1"}, &pgproto3.Sync{})
	expectMsgs(t, "close", pc.until('Z'), "CloseComplete", "CloseComplete", "Error 26000", "Ready I")

	// Empty statement.
	pc.send(&pgproto3.Parse{Query: " -- nothing"}, &pgproto3.Bind{}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "empty", pc.until('Z'), "ParseComplete", "BindComplete", "NoData", "EmptyQuery", "Ready I")

	// Transaction status through the extended protocol, with a failure
	// inside the block and a portal kept across Syncs in the block.
	pc.send(&pgproto3.Parse{Query: "BEGIN"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "begin", pc.until('Z'), "ParseComplete", "BindComplete", "Complete BEGIN", "Ready T")
	pc.send(&pgproto3.Parse{Name: "all", Query: "SELECT n FROM seq ORDER BY n"}, &pgproto3.Bind{PreparedStatement: "all", DestinationPortal: "cur"},
		&pgproto3.Execute{Portal: "cur", MaxRows: 3}, &pgproto3.Sync{})
	expectMsgs(t, "in block", pc.until('Z'), "ParseComplete", "BindComplete", "Data(1)", "Data(2)", "Data(3)", "PortalSuspended", "Ready T")
	pc.send(&pgproto3.Execute{Portal: "cur"}, &pgproto3.Sync{})
	expectMsgs(t, "portal survives sync in a block", pc.until('Z'), "Data(4)", "Data(5)", "Data(6)", "Complete SELECT 3", "Ready T")
	pc.send(&pgproto3.Parse{Query: "SELECT 1/0"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "failure in block", pc.until('Z'), "ParseComplete", "BindComplete", "Error 22012", "Ready E")
	pc.send(&pgproto3.Query{String: "ROLLBACK"})
	expectMsgs(t, "rollback", pc.until('Z'), "Complete ROLLBACK", "Ready I")
	// A statement that fails to parse fails the block too.
	pc.send(&pgproto3.Query{String: "BEGIN"})
	pc.until('Z')
	pc.send(&pgproto3.Parse{Query: "SELECT * FROM nosuch"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "parse failure in block", pc.until('Z'), "Error 42P01", "Ready E")
	pc.send(&pgproto3.Parse{Query: "SELECT 1"}, &pgproto3.Bind{}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "failed block refuses", pc.until('Z'), "Error 25P02", "Ready E")
	pc.send(&pgproto3.Query{String: "ROLLBACK"})
	expectMsgs(t, "rollback again", pc.until('Z'), "Complete ROLLBACK", "Ready I")

	// Outside a block, Sync ends the portals.
	pc.send(&pgproto3.Bind{PreparedStatement: "all", DestinationPortal: "gone"}, &pgproto3.Execute{Portal: "gone", MaxRows: 1}, &pgproto3.Sync{})
	expectMsgs(t, "portal before sync", pc.until('Z'), "BindComplete", "Data(1)", "PortalSuspended", "Ready I")
	pc.send(&pgproto3.Execute{Portal: "gone"}, &pgproto3.Sync{})
	expectMsgs(t, "portal after sync", pc.until('Z'), "Error 34000", "Ready I")

	// DEALLOCATE reaches protocol-level statements.
	pc.send(&pgproto3.Query{String: "DEALLOCATE all"})
	expectMsgs(t, "deallocate", pc.until('Z'), "Complete DEALLOCATE ALL", "Ready I")
	pc.send(&pgproto3.Bind{PreparedStatement: "all"}, &pgproto3.Sync{})
	expectMsgs(t, "after deallocate", pc.until('Z'), "Error 26000", "Ready I")
}

func TestPgxErrorsAndCancel(t *testing.T) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", startEngineServer(t).addr))
	if err != nil {
		t.Fatal(err)
	}
	// Cancel through CancelRequest, as psql does, rather than pgx's
	// default of closing the socket.
	cfg.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 10 * time.Second}
	}
	conn, err := pgx.ConnectConfig(testCtx(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	mustExec(t, conn, "CREATE TABLE digits (n int)")
	mustExec(t, conn, "INSERT INTO digits VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)")
	mustExec(t, conn, "CREATE TABLE big AS SELECT a.n * 100 + b.n * 10 + c.n + 1 AS n FROM digits a, digits b, digits c")
	for _, c := range []struct{ sql, code string }{
		{"SELECT * FROM nosuch WHERE x = $1", "42P01"},
		{"SELECT nosuch FROM big WHERE n = $1", "42703"},
		{"SELECT n / $1 FROM big", "22012"},
	} {
		_, err := conn.Exec(testCtx(t), c.sql, 0)
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != c.code {
			t.Errorf("%s: %v, want %s", c.sql, err, c.code)
		}
	}
	// A query cancelled through its context stops with 57014, and the
	// connection stays usable.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	var n int64
	err = conn.QueryRow(ctx, "SELECT count(*) FROM big a, big b, big c WHERE a.n + b.n * c.n = $1", -1).Scan(&n)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "57014" {
		t.Fatalf("cancelled cross join: %v (%d)", err, n)
	}
	var count int
	if err := conn.QueryRow(testCtx(t), "SELECT count(*) FROM big WHERE n <= $1", 10).Scan(&count); err != nil || count != 10 {
		t.Errorf("after cancel: %d %v", count, err)
	}
}

// protoUser and calibrationAddr point protocol tests at a real PostgreSQL
// while their expectations are being checked; tests leave them alone.
var (
	protoUser       = "apiary"
	calibrationAddr = ""
)

func TestCursors(t *testing.T) {
	addr := calibrationAddr
	if addr == "" {
		addr = startEngineServer(t).addr
	}
	pc := dialProto(t, addr)
	q := func(sql string) []string {
		pc.send(&pgproto3.Query{String: sql})
		return pc.until('Z')
	}
	q("CREATE TABLE seq (n int); INSERT INTO seq VALUES (1),(2),(3),(4),(5)")
	expectMsgs(t, "declare outside a block", q("DECLARE c CURSOR FOR SELECT n FROM seq"), "Error 25P01", "Ready I")
	expectMsgs(t, "begin", q("BEGIN"), "Complete BEGIN", "Ready T")
	expectMsgs(t, "declare", q("DECLARE c NO SCROLL CURSOR FOR SELECT n FROM seq ORDER BY n"), "Complete DECLARE CURSOR", "Ready T")
	expectMsgs(t, "fetch 2", q("FETCH 2 FROM c"), "Row[n:23/0]", "Data(1)", "Data(2)", "Complete FETCH 2", "Ready T")
	expectMsgs(t, "move", q("MOVE 1 IN c"), "Complete MOVE 1", "Ready T")
	expectMsgs(t, "fetch next", q("FETCH NEXT FROM c"), "Row[n:23/0]", "Data(4)", "Complete FETCH 1", "Ready T")
	expectMsgs(t, "fetch all", q("FETCH ALL FROM c"), "Row[n:23/0]", "Data(5)", "Complete FETCH 1", "Ready T")
	expectMsgs(t, "fetch past the end", q("FETCH c"), "Row[n:23/0]", "Complete FETCH 0", "Ready T")
	expectMsgs(t, "backward", q("FETCH BACKWARD 1 FROM c"), "Error 55000", "Ready E")
	expectMsgs(t, "rollback", q("ROLLBACK"), "Complete ROLLBACK", "Ready I")
	expectMsgs(t, "gone with its block", q("FETCH c"), "Error 34000", "Ready I")
	expectMsgs(t, "duplicate", q("BEGIN; DECLARE c CURSOR FOR SELECT 1; DECLARE c CURSOR FOR SELECT 2"),
		"Complete BEGIN", "Complete DECLARE CURSOR", "Error 42P03", "Ready E")
	q("ROLLBACK")

	expectMsgs(t, "with hold", q("DECLARE h CURSOR WITH HOLD FOR SELECT n FROM seq ORDER BY n DESC"), "Complete DECLARE CURSOR", "Ready I")
	expectMsgs(t, "fetch held", q("FETCH 2 h"), "Row[n:23/0]", "Data(5)", "Data(4)", "Complete FETCH 2", "Ready I")
	// The extended protocol describes a FETCH by its cursor.
	pc.send(&pgproto3.Parse{Query: "FETCH 1 FROM h"}, &pgproto3.Describe{ObjectType: 'S'}, &pgproto3.Bind{ResultFormatCodes: []int16{1}}, &pgproto3.Execute{}, &pgproto3.Sync{})
	expectMsgs(t, "extended fetch", pc.until('Z'), "ParseComplete", "Params[]", "Row[n:23/0]", "BindComplete", "Data(\x00\x00\x00\x03)", "Complete FETCH 1", "Ready I")
	expectMsgs(t, "close", q("CLOSE h"), "Complete CLOSE CURSOR", "Ready I")
	expectMsgs(t, "closed", q("FETCH h"), "Error 34000", "Ready I")
	expectMsgs(t, "close all", q("CLOSE ALL"), "Complete CLOSE CURSOR ALL", "Ready I")
}

// TestBinaryCopy loads rows with pgx's CopyFrom (COPY ... FROM STDIN
// BINARY) and streams them back in binary, which loads again unchanged.
func TestBinaryCopy(t *testing.T) {
	es := startEngineServer(t)
	conn := es.connectMode(t, pgx.QueryExecModeCacheStatement)
	ctx := testCtx(t)
	mustExec(t, conn, `CREATE TABLE bc (b boolean, i2 smallint, i4 integer, i8 bigint, f8 double precision, n numeric(10,2),
		t text, by bytea, d date, ts timestamp, tz timestamptz, iv interval)`)
	ts := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	var rows [][]any
	for i := range 2500 {
		rows = append(rows, []any{i%2 == 0, int16(i), int32(-i), int64(i) << 33, float64(i) / 3,
			pgtype.Numeric{Int: big.NewInt(int64(i*100 + 25)), Exp: -2, Valid: true}, fmt.Sprintf("row %d\t'x'", i),
			[]byte{byte(i), 0}, ts.AddDate(0, 0, i), ts.Add(time.Duration(i) * time.Second), ts, pgtype.Interval{Days: int32(i), Valid: true}})
	}
	rows = append(rows, make([]any, 12)) // all NULL
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"bc"}, []string{"b", "i2", "i4", "i8", "f8", "n", "t", "by", "d", "ts", "tz", "iv"}, pgx.CopyFromRows(rows))
	if err != nil || n != int64(len(rows)) {
		t.Fatalf("CopyFrom: %d rows, %v", n, err)
	}
	var buf strings.Builder
	tag, err := conn.PgConn().CopyTo(ctx, &buf, "COPY bc TO STDOUT (FORMAT binary)")
	if err != nil || tag.RowsAffected() != int64(len(rows)) {
		t.Fatalf("CopyTo: %v %v", tag, err)
	}
	if !strings.HasPrefix(buf.String(), "PGCOPY\n\xff\r\n\x00") {
		t.Fatalf("binary COPY stream starts %q", buf.String()[:min(20, buf.Len())])
	}
	mustExec(t, conn, `CREATE TABLE bc2 (b boolean, i2 smallint, i4 integer, i8 bigint, f8 double precision, n numeric(10,2),
		t text, by bytea, d date, ts timestamp, tz timestamptz, iv interval)`)
	tag, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(buf.String()), "COPY bc2 FROM STDIN (FORMAT binary)")
	if err != nil || tag.RowsAffected() != int64(len(rows)) {
		t.Fatalf("CopyFrom of the binary stream: %v %v", tag, err)
	}
	var diff int
	err = conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT * FROM bc EXCEPT SELECT * FROM bc2) x`).Scan(&diff)
	if err != nil || diff != 0 {
		t.Errorf("reloaded rows differ: %d, %v", diff, err)
	}
	var text string
	var sum pgtype.Numeric
	if err := conn.QueryRow(ctx, `SELECT t, n FROM bc2 WHERE i2 = 7`).Scan(&text, &sum); err != nil || text != "row 7\t'x'" || numString(sum) != "7.25" {
		t.Errorf("row 7: %q %v %v", text, numString(sum), err)
	}
	// A damaged stream fails whole, with nothing loaded.
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(buf.String()[:buf.Len()/2]), "COPY bc2 FROM STDIN (FORMAT binary)")
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "22P04" {
		t.Errorf("truncated stream: %v", err)
	}
	// A field claiming more than it carries is an unexpected end, found
	// without allocating what it claims; one past 1 GB is refused at once.
	hdr := "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"
	for claim, code := range map[string]string{"\x7f\xff\xff\xf0": "54000", "\x3f\xff\xff\xf0": "22P04"} {
		stream := hdr + "\x00\x0c" + claim + "abc"
		_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(stream), "COPY bc2 FROM STDIN (FORMAT binary)")
		if !errors.As(err, &pgErr) || pgErr.Code != code {
			t.Errorf("field claiming %x bytes: %v, want %s", claim, err, code)
		}
	}
	var count int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM bc2`).Scan(&count); err != nil || count != len(rows) {
		t.Errorf("after the failed COPY: %d rows, %v", count, err)
	}
}

// TestRowDescriptionOrigins checks that a column read straight from a frame
// names its pg_class OID and attribute number, as pgJDBC's
// ResultSetMetaData needs, and a computed one names none.
func TestRowDescriptionOrigins(t *testing.T) {
	es := startEngineServer(t)
	conn := es.connectMode(t, pgx.QueryExecModeCacheStatement)
	mustExec(t, conn, "CREATE TABLE orig (a int NOT NULL, b text, c date)")
	var oid uint32
	if err := conn.QueryRow(testCtx(t), "SELECT oid FROM pg_class WHERE relname = 'orig'").Scan(&oid); err != nil {
		t.Fatal(err)
	}
	sd, err := conn.PgConn().Prepare(testCtx(t), "", "SELECT c, a + 1 AS computed, b, o.a FROM orig o WHERE b = $1", nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range sd.Fields {
		got = append(got, fmt.Sprintf("%s:%v/%d", f.Name, f.TableOID == oid, f.TableAttributeNumber))
	}
	if want := "c:true/3 computed:false/0 b:true/2 a:true/1"; strings.Join(got, " ") != want {
		t.Errorf("origins %s, want %s", strings.Join(got, " "), want)
	}
	var notNull bool
	if err := conn.QueryRow(testCtx(t), "SELECT attnotnull FROM pg_attribute WHERE attrelid = $1 AND attnum = $2", oid, 1).Scan(&notNull); err != nil || !notNull {
		t.Errorf("pg_attribute for the origin: %v %v", notNull, err)
	}
}
