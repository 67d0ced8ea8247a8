package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
)

// COPY needs the real engine behind the server: the fakes know no data.

type engineServer struct {
	addr string
}

func startEngineServer(t *testing.T) *engineServer {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // after the server has stopped: cleanups run last-in first-out
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := exec.NewEngine(ctx, objstore.NewMem(), exec.Config{Node: "test", Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ls := startLive(t, Config{Logger: log}, EngineSessions(eng), nil)
	return &engineServer{addr: ls.addr}
}

// connect opens a simple-protocol connection.
func (es *engineServer) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	return es.connectMode(t, pgx.QueryExecModeSimpleProtocol)
}

// connectMode opens a connection that runs queries in mode.
func (es *engineServer) connectMode(t *testing.T, mode pgx.QueryExecMode) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", es.addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = mode
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func count(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	rows, err := conn.Query(testCtx(t), "SELECT * FROM "+table)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return n
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

func TestCopyThroughPgconn(t *testing.T) {
	es := startEngineServer(t)
	conn := es.connect(t)
	ctx := testCtx(t)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int NOT NULL, name text, amount numeric(10,2))"); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 10_000 {
		fmt.Fprintf(&in, "%d,name %d,%d.%02d\n", i, i, i, i%100)
	}
	tag, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(in.String()), "COPY t FROM STDIN (FORMAT csv)")
	if err != nil || tag.String() != "COPY 10000" || tag.RowsAffected() != 10_000 {
		t.Fatalf("CopyFrom: %v %v", tag, err)
	}
	var out bytes.Buffer
	tag, err = conn.PgConn().CopyTo(ctx, &out, "COPY t TO STDOUT (FORMAT csv)")
	if err != nil || tag.String() != "COPY 10000" {
		t.Fatalf("CopyTo: %v %v", tag, err)
	}
	if sortLines(out.String()) != sortLines(in.String()) {
		t.Fatal("COPY TO does not return what COPY FROM loaded")
	}

	// A bad row early in a long stream: the rest is still read (pgconn
	// sends it all), then the error arrives, and the connection works on.
	var bad strings.Builder
	bad.WriteString("1,a,1\nx,b,2\n")
	for i := range 50_000 {
		fmt.Fprintf(&bad, "%d,c,3\n", i)
	}
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(bad.String()), "COPY t FROM STDIN (FORMAT csv)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != "22P02" || pe.Detail != `COPY t, line 2, column id: "x"` {
		t.Fatalf("bad row: %v (%+v)", err, pe)
	}
	if n := count(t, conn, "t"); n != 10_000 {
		t.Fatalf("%d rows after a failed COPY", n)
	}

	// A client that aborts sends CopyFail.
	_, err = conn.PgConn().CopyFrom(ctx, io.MultiReader(strings.NewReader("5,e,5\n"), failingReader{}), "COPY t FROM STDIN (FORMAT csv)")
	if !errors.As(err, &pe) || pe.Code != "57014" || !strings.HasPrefix(pe.Message, "COPY from stdin failed: ") {
		t.Fatalf("CopyFail: %v", err)
	}
	if n := count(t, conn, "t"); n != 10_000 {
		t.Fatalf("%d rows after CopyFail", n)
	}

	// Errors found before the data (a missing frame) come before
	// CopyInResponse.
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader("1\n"), "COPY missing FROM STDIN")
	if pgCode(err) != "42P01" {
		t.Fatalf("missing frame: %v", err)
	}
	_, err = conn.PgConn().CopyFrom(ctx, strings.NewReader(""), "COPY t FROM STDIN (FORMAT arrow)")
	if pgCode(err) != "0A000" {
		t.Fatalf("COPY FROM arrow: %v", err)
	}
}

func TestCopyArrowThroughPgconn(t *testing.T) {
	es := startEngineServer(t)
	conn := es.connect(t)
	ctx := testCtx(t)
	if _, err := conn.Exec(ctx, "CREATE TABLE t (id int NOT NULL, name text, amount numeric(10,2), at timestamptz)"); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := range 30_000 {
		if i%7 == 0 {
			fmt.Fprintf(&in, "%d,,,\n", i)
			continue
		}
		fmt.Fprintf(&in, "%d,name %d,%d.%02d,2024-01-%02d 10:00:00+00\n", i, i, i, i%100, i%28+1)
	}
	if _, err := conn.PgConn().CopyFrom(ctx, strings.NewReader(in.String()), "COPY t FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	tag, err := conn.PgConn().CopyTo(ctx, &stream, "COPY (SELECT * FROM t ORDER BY id) TO STDOUT (FORMAT arrow)")
	if err != nil || tag.String() != "COPY 30000" {
		t.Fatalf("CopyTo: %v %v", tag, err)
	}
	r, err := ipc.NewReader(&stream)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var got []string
	records := 0
	for r.Next() {
		rec := r.RecordBatch()
		records++
		for i := 0; i < int(rec.NumRows()); i++ {
			var vals []string
			for c := 0; c < int(rec.NumCols()); c++ {
				col := rec.Column(c)
				switch {
				case col.IsNull(i):
					vals = append(vals, "NULL")
				case c == 2:
					vals = append(vals, col.(*array.Decimal128).Value(i).ToString(2))
				case c == 3:
					vals = append(vals, col.(*array.Timestamp).Value(i).ToTime(arrow.Microsecond).Format("2006-01-02 15:04:05Z07"))
				default:
					vals = append(vals, col.ValueStr(i))
				}
			}
			got = append(got, strings.Join(vals, "|"))
		}
	}
	if r.Err() != nil {
		t.Fatal(r.Err())
	}
	if records < 2 {
		t.Fatalf("%d records for 30000 rows", records)
	}
	// The same rows through the text protocol.
	rows, err := conn.Query(ctx, "SELECT id::text, coalesce(name, 'NULL'), coalesce(amount::text, 'NULL'), coalesce(at::text, 'NULL') FROM t ORDER BY t.id")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for rows.Next() {
		var a, b, c, d string
		if err := rows.Scan(&a, &b, &c, &d); err != nil {
			t.Fatal(err)
		}
		want = append(want, strings.Join([]string{a, b, c, strings.Replace(d, "+00", "Z", 1)}, "|"))
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows through Arrow, %d through text", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: arrow %q, text %q", i, got[i], want[i])
		}
	}
}

// The CopyOutResponse of FORMAT arrow says binary, and the stream comes in
// bounded CopyData pieces.
func TestCopyArrowMessages(t *testing.T) {
	es := startEngineServer(t)
	fe, _ := rawSession(t, es)
	send(t, fe, &pgproto3.Query{String: "CREATE TABLE t (a int, b text, c double precision)"})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)
	var in strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&in, "%d\tsome text to fill the stream %d\t%d.5\n", i, i, i)
	}
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN"})
	expect[*pgproto3.CopyInResponse](t, fe)
	send(t, fe, &pgproto3.CopyData{Data: []byte(in.String())}, &pgproto3.CopyDone{})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)

	send(t, fe, &pgproto3.Query{String: "COPY t TO STDOUT (FORMAT arrow); SELECT 1"})
	co := expect[*pgproto3.CopyOutResponse](t, fe)
	if co.OverallFormat != 1 || len(co.ColumnFormatCodes) != 3 {
		t.Fatalf("CopyOutResponse %+v", co)
	}
	for i, f := range co.ColumnFormatCodes {
		if f != 1 {
			t.Fatalf("column %d has format %d, want 1 (binary)", i, f)
		}
	}
	var stream []byte
	pieces := 0
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		if _, done := msg.(*pgproto3.CopyDone); done {
			break
		}
		cd, ok := msg.(*pgproto3.CopyData)
		if !ok {
			t.Fatalf("got %T in the copy stream", msg)
		}
		if len(cd.Data) == 0 || len(cd.Data) > 64<<10 {
			t.Fatalf("CopyData of %d bytes", len(cd.Data))
		}
		stream = append(stream, cd.Data...)
		pieces++
	}
	if pieces < 5 {
		t.Fatalf("%d CopyData messages for a %d-byte stream", pieces, len(stream))
	}
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "COPY 20000" {
		t.Fatalf("tag %q", cc.CommandTag)
	}
	// The next statement of the string runs after the COPY.
	expect[*pgproto3.RowDescription](t, fe)
	expect[*pgproto3.DataRow](t, fe)
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)
	r, err := ipc.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	n := 0
	for r.Next() {
		n += int(r.RecordBatch().NumRows())
	}
	if r.Err() != nil || n != 20_000 {
		t.Fatalf("%d rows decoded (%v)", n, r.Err())
	}

	// An option error is found before the data: ErrorResponse, no
	// CopyOutResponse.
	send(t, fe, &pgproto3.Query{String: "COPY t TO STDOUT (FORMAT arrow, HEADER)"})
	if e := expect[*pgproto3.ErrorResponse](t, fe); e.Code != "42601" {
		t.Fatalf("error %s %s", e.Code, e.Message)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("client gave up") }

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// rawSession dials the engine server and completes the startup.
func rawSession(t *testing.T, es *engineServer) (*pgproto3.Frontend, *pgproto3.BackendKeyData) {
	t.Helper()
	nc, err := net.Dial("tcp", es.addr)
	if err != nil {
		t.Fatal(err)
	}
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { nc.Close() })
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "apiary"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	var key *pgproto3.BackendKeyData
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.BackendKeyData:
			c := *m
			key = &c
		case *pgproto3.ReadyForQuery:
			return fe, key
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s", m.Message)
		}
	}
}

// expect reads messages until one of type T (skipping notices and
// parameter statuses) and fails on anything else.
func expect[T pgproto3.BackendMessage](t *testing.T, fe *pgproto3.Frontend) T {
	t.Helper()
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch msg.(type) {
		case *pgproto3.NoticeResponse, *pgproto3.ParameterStatus:
			continue
		}
		m, ok := msg.(T)
		if !ok {
			var zero T
			if e, isErr := msg.(*pgproto3.ErrorResponse); isErr {
				t.Fatalf("got error %s %s (%s), want %T", e.Code, e.Message, e.Detail, zero)
			}
			t.Fatalf("got %T, want %T", msg, zero)
		}
		return m
	}
}

func send(t *testing.T, fe *pgproto3.Frontend, msgs ...pgproto3.FrontendMessage) {
	t.Helper()
	for _, m := range msgs {
		fe.Send(m)
	}
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
}

func TestCopySubProtocol(t *testing.T) {
	es := startEngineServer(t)
	fe, _ := rawSession(t, es)

	// COPY ... FROM STDIN; SELECT in one query string: the SELECT runs after
	// the data, and sees it (one implicit transaction).
	send(t, fe, &pgproto3.Query{String: "CREATE TABLE t (a int, b text)"})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN; SELECT a, b FROM t"})
	cin := expect[*pgproto3.CopyInResponse](t, fe)
	if len(cin.ColumnFormatCodes) != 2 || cin.OverallFormat != 0 {
		t.Fatalf("CopyInResponse %+v", cin)
	}
	// Flush and Sync are ignored in copy-in mode; rows may span messages.
	send(t, fe, &pgproto3.CopyData{Data: []byte("1\tone\n2\t")}, &pgproto3.Flush{}, &pgproto3.Sync{},
		&pgproto3.CopyData{Data: []byte("two\n")}, &pgproto3.CopyDone{})
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "COPY 2" {
		t.Fatalf("tag %q", cc.CommandTag)
	}
	expect[*pgproto3.RowDescription](t, fe)
	expect[*pgproto3.DataRow](t, fe)
	expect[*pgproto3.DataRow](t, fe)
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "SELECT 2" {
		t.Fatalf("tag %q", cc.CommandTag)
	}
	if rfq := expect[*pgproto3.ReadyForQuery](t, fe); rfq.TxStatus != 'I' {
		t.Fatalf("status %c", rfq.TxStatus)
	}

	// COPY TO STDOUT: one CopyData per row.
	send(t, fe, &pgproto3.Query{String: "COPY t TO STDOUT (FORMAT csv, HEADER)"})
	if co := expect[*pgproto3.CopyOutResponse](t, fe); len(co.ColumnFormatCodes) != 2 {
		t.Fatalf("CopyOutResponse %+v", co)
	}
	var lines []string
	for range 3 {
		lines = append(lines, string(expect[*pgproto3.CopyData](t, fe).Data))
	}
	expect[*pgproto3.CopyDone](t, fe)
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "COPY 2" {
		t.Fatalf("tag %q", cc.CommandTag)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)
	if lines[0] != "a,b\n" || sortLines(strings.Join(lines[1:], "")) != "1,one\n2,two" {
		t.Fatalf("rows %q", lines)
	}

	// An error mid-stream is reported only after CopyDone, and the rest of
	// the statements in the string do not run.
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN; SELECT 1/0"})
	expect[*pgproto3.CopyInResponse](t, fe)
	send(t, fe, &pgproto3.CopyData{Data: []byte("oops\tx\n")}, &pgproto3.CopyData{Data: []byte("3\tthree\n")}, &pgproto3.CopyDone{})
	if e := expect[*pgproto3.ErrorResponse](t, fe); e.Code != "22P02" || e.Detail != `COPY t, line 1, column a: "oops"` {
		t.Fatalf("error %s %s %q", e.Code, e.Message, e.Detail)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)

	// Another message in copy-in mode ends it with 08P01.
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN"})
	expect[*pgproto3.CopyInResponse](t, fe)
	send(t, fe, &pgproto3.CopyData{Data: []byte("4\tfour\n")}, &pgproto3.Query{String: "SELECT 1"})
	if e := expect[*pgproto3.ErrorResponse](t, fe); e.Code != "08P01" {
		t.Fatalf("error %s %s", e.Code, e.Message)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)

	// Inside a block, a failed COPY fails the block.
	send(t, fe, &pgproto3.Query{String: "BEGIN"})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN"})
	expect[*pgproto3.CopyInResponse](t, fe)
	send(t, fe, &pgproto3.CopyData{Data: []byte("5\tfive\n")}, &pgproto3.CopyFail{Message: "changed my mind"})
	if e := expect[*pgproto3.ErrorResponse](t, fe); e.Code != "57014" || e.Message != "COPY from stdin failed: changed my mind" {
		t.Fatalf("error %s %s", e.Code, e.Message)
	}
	if rfq := expect[*pgproto3.ReadyForQuery](t, fe); rfq.TxStatus != 'E' {
		t.Fatalf("status %c after a failed COPY in a block", rfq.TxStatus)
	}
	send(t, fe, &pgproto3.Query{String: "ROLLBACK"})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)

	// Nothing of the failed COPYs is visible.
	send(t, fe, &pgproto3.Query{String: "SELECT a FROM t"})
	expect[*pgproto3.RowDescription](t, fe)
	expect[*pgproto3.DataRow](t, fe)
	expect[*pgproto3.DataRow](t, fe)
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "SELECT 2" {
		t.Fatalf("tag %q", cc.CommandTag)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)
}

func TestCopyCancelled(t *testing.T) {
	es := startEngineServer(t)
	fe, key := rawSession(t, es)
	send(t, fe, &pgproto3.Query{String: "CREATE TABLE t (a int)"})
	expect[*pgproto3.CommandComplete](t, fe)
	expect[*pgproto3.ReadyForQuery](t, fe)
	send(t, fe, &pgproto3.Query{String: "COPY t FROM STDIN"})
	expect[*pgproto3.CopyInResponse](t, fe)
	send(t, fe, &pgproto3.CopyData{Data: []byte("1\n2\n")})

	// The client stalls; a cancel wakes the server, which then waits for
	// the end of the stream before reporting.
	cc, err := net.Dial("tcp", es.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cc.Close()
	req := make([]byte, 16)
	binary.BigEndian.PutUint32(req[0:], 16)
	binary.BigEndian.PutUint32(req[4:], 80877102)
	binary.BigEndian.PutUint32(req[8:], key.ProcessID)
	copy(req[12:], key.SecretKey)
	if _, err := cc.Write(req); err != nil {
		t.Fatal(err)
	}
	// The server closes the cancel connection once the query is cancelled.
	_ = cc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := cc.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Fatalf("cancel connection: %v", err)
	}
	send(t, fe, &pgproto3.CopyData{Data: []byte("3\n")}, &pgproto3.CopyDone{})
	if e := expect[*pgproto3.ErrorResponse](t, fe); e.Code != "57014" {
		t.Fatalf("error %s %s", e.Code, e.Message)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)
	send(t, fe, &pgproto3.Query{String: "SELECT a FROM t"})
	expect[*pgproto3.RowDescription](t, fe)
	if cc := expect[*pgproto3.CommandComplete](t, fe); string(cc.CommandTag) != "SELECT 0" {
		t.Fatalf("tag %q after a cancelled COPY", cc.CommandTag)
	}
	expect[*pgproto3.ReadyForQuery](t, fe)
}
