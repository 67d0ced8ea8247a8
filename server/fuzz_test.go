package server

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/internal/testenv"
)

// The fuzz targets throw arbitrary bytes at a server whose sessions are the
// fakes of fake_test.go, and require that the server neither panics outside
// a session nor hangs, and that it still serves a fresh client afterwards.
// `make fuzz` runs each for a bounded time; `go test` runs their seeds:
// testdata/fuzz holds real client traffic captured by TestWriteFuzzCorpus.

// fuzzInputDeadline bounds one input: every exchange ends well within it
// unless the server hangs.
const fuzzInputDeadline = 10 * time.Second

// fuzzServers are one server per authentication method, all with TLS; the
// first byte of a FuzzStartup input picks one.
type fuzzServers struct {
	servers []*liveServer
	panics  *panicWatch
}

var fuzzMethods = []AuthMethod{AuthTrust, AuthPassword, AuthSCRAM}

const fuzzPassword = "fuzz-pw"

func startFuzzServers(tb testing.TB) *fuzzServers {
	tb.Helper()
	fs := &fuzzServers{panics: &panicWatch{}}
	pki := testenv.NewPKI(tb)
	for _, method := range fuzzMethods {
		cfg := tlsConfig(pki)
		cfg.AuthMethod = method
		if method != AuthTrust {
			cfg.Users = map[string]string{"apiary": fuzzPassword}
		}
		cfg.Logger = slog.New(fs.panics)
		cfg.StartupTimeout = fuzzInputDeadline / 2
		cfg.MaxMessageSize = 1 << 20
		cfg.ShutdownGrace = time.Second
		fs.servers = append(fs.servers, startLive(tb, cfg, nil, nil))
	}
	return fs
}

// panicWatch is a slog handler that records panics the server recovered
// outside a session: those are server bugs. A panic inside the fake session
// is the fake's (it panics on purpose, and on malformed commands).
type panicWatch struct {
	mu     sync.Mutex
	panics []string
}

func (p *panicWatch) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (p *panicWatch) WithAttrs([]slog.Attr) slog.Handler           { return p }
func (p *panicWatch) WithGroup(string) slog.Handler                { return p }

func (p *panicWatch) Handle(_ context.Context, r slog.Record) error {
	if !strings.Contains(r.Message, "panic") || r.Message == "server: panic while executing query" {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	p.mu.Lock()
	p.panics = append(p.panics, b.String())
	p.mu.Unlock()
	return nil
}

func (p *panicWatch) check(t *testing.T) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, msg := range p.panics {
		t.Errorf("server recovered a panic outside the session: %s", msg)
	}
	p.panics = nil
}

// fakeCanBound reports whether the fake sessions finish the commands in
// stream in bounded time: "sleep" waits for a cancel that never comes, and
// "ints" with a large count or many "slow"s take longer than the deadline.
// Such inputs test the fake, not the server, and are skipped.
func fakeCanBound(stream []byte) bool {
	text := strings.ToLower(string(stream))
	if strings.Contains(text, "sleep") || strings.Count(text, "slow") > 3 {
		return false
	}
	for rest := text; ; {
		i := strings.Index(rest, "ints")
		if i < 0 {
			return true
		}
		rest = rest[i+len("ints"):]
		arg := rest
		if j := strings.IndexAny(arg, ";\x00"); j >= 0 {
			arg = arg[:j]
		}
		if f := strings.Fields(arg); len(f) > 0 {
			var n int
			fmt.Sscan(f[0], &n) // as the fake reads it
			if n > 20000 {
				return false
			}
		}
	}
}

// sendAndDrain writes stream on nc, half-closes it and reads everything
// the server sends until it closes the connection, which must happen
// before the deadline.
func sendAndDrain(t *testing.T, nc net.Conn, stream []byte) {
	t.Helper()
	_ = nc.SetDeadline(time.Now().Add(fuzzInputDeadline))
	drained := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, nc)
		drained <- err
	}()
	// The server may hang up before reading everything; that is its right.
	_, _ = nc.Write(stream)
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	}
	if err := <-drained; err != nil && !isConnReset(err) {
		t.Fatalf("the server did not close the connection after the input ended: %v", err)
	}
}

func isConnReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset by peer")
}

// checkHealthy checks that the server recovered no panic, still answers a
// fresh connection (a query with trust, the first authentication request
// otherwise: a full login per input would slow fuzzing fivefold), and
// releases every socket.
func (fs *fuzzServers) checkHealthy(t *testing.T, ls *liveServer, method AuthMethod) {
	t.Helper()
	fs.panics.check(t)
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatalf("a fresh connection after the input: %v", err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(fuzzInputDeadline))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "apiary"}})
	if method == AuthTrust {
		fe.Send(&pgproto3.Query{String: "foo"})
	}
	if err := fe.Flush(); err != nil {
		t.Fatalf("a fresh connection after the input: %v", err)
	}
	for done := false; !done; {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatalf("a fresh connection after the input: %v", err)
		}
		switch m := msg.(type) {
		case *pgproto3.AuthenticationCleartextPassword, *pgproto3.AuthenticationSASL:
			done = method != AuthTrust
		case *pgproto3.CommandComplete:
			done = string(m.CommandTag) == "OK"
		case *pgproto3.ErrorResponse:
			t.Fatalf("a fresh connection after the input: %s %s", m.Code, m.Message)
		}
	}
	nc.Close()
	waitNoSockets(t, ls, fuzzInputDeadline)
}

// FuzzStartup feeds a connection's whole byte stream from its first byte:
// SSLRequest, StartupMessage, authentication and what follows. The first
// byte of the input chooses the server: trust, password or scram-sha-256.
func FuzzStartup(f *testing.F) {
	f.Add(append([]byte{0}, startupPacket(3<<16|9999, "user", "apiary", "_pq_.x", "1")...))
	f.Add(append([]byte{0}, startupPacket(2<<16, "user", "apiary")...))
	f.Add([]byte{1, 0, 0, 0, 8, 4, 210, 22, 47}) // SSLRequest alone
	f.Add(append([]byte{2, 0, 0, 0, 8, 4, 210, 22, 47}, startupPacket(3<<16, "user", "apiary")...))
	f.Add([]byte{0, 0, 0, 0, 16, 4, 210, 22, 46, 0, 64, 0, 1, 1, 2, 3, 4}) // CancelRequest
	fs := startFuzzServers(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		pick := int(data[0]) % len(fs.servers)
		stream := data[1:]
		if !fakeCanBound(stream) {
			t.Skip("the fake session cannot finish this input in bounded time")
		}
		ls := fs.servers[pick]
		nc, err := net.Dial("tcp", ls.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		sendAndDrain(t, nc, stream)
		fs.checkHealthy(t, ls, fuzzMethods[pick])
	})
}

// FuzzMessages feeds the message stream of a session that has started:
// Query, the extended protocol, COPY messages, Terminate, or garbage.
func FuzzMessages(f *testing.F) {
	f.Add([]byte("Q\x00\x00\x00\x0atypes\x00X\x00\x00\x00\x04"))
	f.Add([]byte("P\x00\x00\x00\x08\x00x\x00\x00\x00S\x00\x00\x00\x04"))
	f.Add([]byte("d\x00\x00\x00\x05xc\x00\x00\x00\x04"))
	f.Add([]byte("Q\xff\xff\xff\xff"))
	fs := startFuzzServers(f)
	ls := fs.servers[0]
	f.Fuzz(func(t *testing.T, data []byte) {
		if !fakeCanBound(data) {
			t.Skip("the fake session cannot finish this input in bounded time")
		}
		nc, _ := dialReady(t, ls.addr, "apiary")
		defer nc.Close()
		sendAndDrain(t, nc, data)
		fs.checkHealthy(t, ls, AuthTrust)
	})
}

// TestWriteFuzzCorpus captures what pgx sends in a few sessions, through a
// recording proxy, and writes it as the seed corpus of both fuzz targets.
// Run it after protocol changes:
//
//	APIARY_WRITE_FUZZ_CORPUS=1 go test ./server -run TestWriteFuzzCorpus
func TestWriteFuzzCorpus(t *testing.T) {
	if os.Getenv("APIARY_WRITE_FUZZ_CORPUS") != "1" {
		t.Skip("set APIARY_WRITE_FUZZ_CORPUS=1 to rewrite testdata/fuzz from live pgx traffic")
	}
	fs := startFuzzServers(t)
	simple := func(ctx context.Context, conn *pgx.Conn) error {
		for _, sql := range []string{"types", "ints 3", "begin; foo; commit", "set tz Europe/Lisbon", "error", ""} {
			if _, err := conn.Exec(ctx, sql); err != nil && !strings.Contains(err.Error(), "nosuch") {
				return fmt.Errorf("%s: %w", sql, err)
			}
		}
		return nil
	}
	extended := func(ctx context.Context, conn *pgx.Conn) error {
		// Whatever the server answers, the client's messages are the seed.
		_, _ = conn.Exec(ctx, "foo where x = $1", 1)
		rows, err := conn.Query(ctx, "types")
		if err == nil {
			rows.Close()
		}
		return nil
	}
	sessions := []struct {
		name   string
		pick   int
		params string
		run    func(context.Context, *pgx.Conn) error
	}{
		{"pgx-simple-trust", 0, "&default_query_exec_mode=simple_protocol", simple},
		{"pgx-extended-trust", 0, "", extended},
		{"pgx-simple-password", 1, "&default_query_exec_mode=simple_protocol", simple},
		{"pgx-simple-scram", 2, "&default_query_exec_mode=simple_protocol", simple},
	}
	for _, s := range sessions {
		password := ""
		if fuzzMethods[s.pick] != AuthTrust {
			password = fuzzPassword
		}
		sent := recordClient(t, fs.servers[s.pick].addr, func(addr string) error {
			ctx := testCtx(t)
			conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary:%s@%s/db?sslmode=disable%s", password, addr, s.params))
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			return s.run(ctx, conn)
		})
		writeSeed(t, "FuzzStartup", s.name, append([]byte{byte(s.pick)}, sent...))
		if s.pick == 0 {
			// Without authentication the session's messages start right
			// after the StartupMessage.
			n := binary.BigEndian.Uint32(sent[:4])
			writeSeed(t, "FuzzMessages", s.name, sent[n:])
		}
	}
}

// recordClient runs session against a proxy in front of addr and returns
// the bytes the client sent.
func recordClient(t *testing.T, addr string, session func(proxyAddr string) error) []byte {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var sent []byte
	done := make(chan struct{})
	go func() {
		defer close(done)
		client, err := ln.Accept()
		if err != nil {
			return
		}
		defer client.Close()
		upstream, err := net.Dial("tcp", addr)
		if err != nil {
			return
		}
		defer upstream.Close()
		go func() { _, _ = io.Copy(client, upstream); client.Close() }()
		var rec strings.Builder
		_, _ = io.Copy(io.MultiWriter(upstream, &rec), client)
		sent = []byte(rec.String())
	}()
	if err := session(ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	<-done
	return sent
}

func writeSeed(t *testing.T, target, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "fuzz", target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}
