package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/internal/testenv"
)

// authUsers has one user configured by password and one by verifier.
func authUsers(t testing.TB) map[string]string {
	t.Helper()
	v, err := SCRAMVerifier("hunter2")
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"alice": "s3cret", "bob": v}
}

func TestPasswordMethods(t *testing.T) {
	for _, method := range []AuthMethod{AuthPassword, AuthSCRAM} {
		t.Run(string(method), func(t *testing.T) {
			ls := startLive(t, Config{AuthMethod: method, Users: authUsers(t)}, nil, nil)
			for _, ok := range [][2]string{{"alice", "s3cret"}, {"bob", "hunter2"}} {
				conn, err := pgx.Connect(testCtx(t), ls.dsn(ok[0], ok[1], ""))
				if err != nil {
					t.Fatalf("%s: %v", ok[0], err)
				}
				if _, err := conn.Exec(testCtx(t), "foo"); err != nil {
					t.Errorf("%s: %v", ok[0], err)
				}
				conn.Close(context.Background())
			}
			// A wrong password and an unknown user get the same answer.
			for _, bad := range [][2]string{{"alice", "hunter2"}, {"bob", "s3cret"}, {"mallory", "s3cret"}, {"alice", ""}} {
				_, err := pgx.Connect(testCtx(t), ls.dsn(bad[0], bad[1], ""))
				pgErr := pgError(t, err)
				want := fmt.Sprintf("password authentication failed for user \"%s\"", bad[0])
				if pgErr.Code != "28P01" || pgErr.Severity != "FATAL" || pgErr.Message != want || pgErr.Detail != "" || pgErr.Hint != "" {
					t.Errorf("%s with %q: %+v", bad[0], bad[1], pgErr)
				}
			}
			if n := len(ls.factory.infos); n != 2 {
				t.Errorf("%d sessions started, want 2 (failed logins start none)", n)
			}
		})
	}
}

func TestPsqlAuthenticates(t *testing.T) {
	psql := testenv.LookPath(t, "psql", "apt-get install postgresql-client")
	for _, method := range []AuthMethod{AuthPassword, AuthSCRAM} {
		t.Run(string(method), func(t *testing.T) {
			ls := startLive(t, Config{AuthMethod: method, Users: authUsers(t)}, nil, nil)
			host, port, _ := net.SplitHostPort(ls.addr)
			run := func(user, password string) (string, error) {
				cmd := exec.Command(psql, "-X", "-w", "-h", host, "-p", port, "-U", user, "-d", "db", "-c", "foo")
				cmd.Env = append(os.Environ(), "PGPASSWORD="+password, "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable")
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("bob", "hunter2"); err != nil {
				t.Errorf("psql as bob: %v\n%s", err, out)
			}
			out, err := run("bob", "wrong")
			if err == nil || !strings.Contains(out, `FATAL:  password authentication failed for user "bob"`) {
				t.Errorf("psql with a wrong password: %v\n%s", err, out)
			}
		})
	}
}

// scramFirst runs a SASL exchange up to the server-first-message for user
// and returns its salt and iteration count, and the frontend to go on with.
func scramFirst(t *testing.T, addr, user, clientFirst string) (fields map[string]string, fe *pgproto3.Frontend) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe = pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": user}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if sasl, ok := msg.(*pgproto3.AuthenticationSASL); err != nil || !ok || len(sasl.AuthMechanisms) != 1 || sasl.AuthMechanisms[0] != "SCRAM-SHA-256" {
		t.Fatalf("want AuthenticationSASL [SCRAM-SHA-256], got %#v, %v", msg, err)
	}
	fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte(clientFirst)})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err = fe.Receive()
	cont, ok := msg.(*pgproto3.AuthenticationSASLContinue)
	if err != nil || !ok {
		t.Fatalf("want AuthenticationSASLContinue, got %#v, %v", msg, err)
	}
	fields = map[string]string{}
	for _, f := range strings.Split(string(cont.Data), ",") {
		k, v, _ := strings.Cut(f, "=")
		fields[k] = v
	}
	return fields, fe
}

func TestSCRAMUnknownUserLooksKnown(t *testing.T) {
	users := authUsers(t)
	ls := startLive(t, Config{AuthMethod: AuthSCRAM, Users: users}, nil, nil)
	const clientFirst = "n,,n=,r=clientnonce123"
	ghost1, _ := scramFirst(t, ls.addr, "ghost", clientFirst)
	ghost2, _ := scramFirst(t, ls.addr, "ghost", clientFirst)
	other, _ := scramFirst(t, ls.addr, "phantom", clientFirst)
	bob, _ := scramFirst(t, ls.addr, "bob", clientFirst)
	if ghost1["s"] != ghost2["s"] || ghost1["i"] != ghost2["i"] {
		t.Errorf("an unknown user's salt changed between attempts: %v, %v", ghost1, ghost2)
	}
	if ghost1["s"] == other["s"] {
		t.Error("two unknown users share a salt")
	}
	if ghost1["i"] != "4096" || bob["i"] != "4096" {
		t.Errorf("iterations: unknown %s, known %s", ghost1["i"], bob["i"])
	}
	if salt, err := base64.StdEncoding.DecodeString(ghost1["s"]); err != nil || len(salt) != 16 {
		t.Errorf("unknown user's salt %q is not 16 bytes of base64", ghost1["s"])
	}
	if !strings.Contains(users["bob"], "$4096:"+bob["s"]+"$") {
		t.Errorf("bob's salt %q is not his verifier's %q", bob["s"], users["bob"])
	}
	if !strings.HasPrefix(ghost1["r"], "clientnonce123") || len(ghost1["r"]) <= len("clientnonce123") {
		t.Errorf("server nonce %q does not extend the client's", ghost1["r"])
	}

	// A well-formed proof that is wrong fails alike for both.
	for _, user := range []string{"ghost", "bob"} {
		fields, fe := scramFirst(t, ls.addr, user, clientFirst)
		proof := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
		fe.Send(&pgproto3.SASLResponse{Data: []byte("c=biws,r=" + fields["r"] + ",p=" + proof)})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		expectFatal(t, fe, "28P01", fmt.Sprintf("password authentication failed for user \"%s\"", user))
	}
}

func TestAuthProtocolErrors(t *testing.T) {
	users := authUsers(t)
	cleartext := startLive(t, Config{AuthMethod: AuthPassword, Users: users}, nil, nil)
	scram := startLive(t, Config{AuthMethod: AuthSCRAM, Users: users}, nil, nil)
	startup := func(t *testing.T, addr string, want pgproto3.BackendMessage) *pgproto3.Frontend {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { nc.Close() })
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		fe := pgproto3.NewFrontend(nc, nc)
		fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "alice"}})
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		msg, err := fe.Receive()
		if err != nil || fmt.Sprintf("%T", msg) != fmt.Sprintf("%T", want) {
			t.Fatalf("want %T, got %#v, %v", want, msg, err)
		}
		return fe
	}
	cases := []struct {
		name, addr string
		request    pgproto3.BackendMessage
		reply      pgproto3.FrontendMessage
		code, msg  string
	}{
		{"query instead of password", cleartext.addr, &pgproto3.AuthenticationCleartextPassword{}, &pgproto3.Query{String: "foo"},
			"08P01", "expected password response, got message type 81"},
		{"password too long", cleartext.addr, &pgproto3.AuthenticationCleartextPassword{}, &pgproto3.PasswordMessage{Password: strings.Repeat("p", 70000)},
			"08P01", "invalid message length"},
		{"query instead of SASL", scram.addr, &pgproto3.AuthenticationSASL{}, &pgproto3.Query{String: "foo"},
			"08P01", "expected SASL response, got message type 81"},
		{"unknown mechanism", scram.addr, &pgproto3.AuthenticationSASL{}, &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-1", Data: []byte("n,,n=,r=x")},
			"08P01", "client selected an invalid SASL authentication mechanism"},
		{"malformed client-first", scram.addr, &pgproto3.AuthenticationSASL{}, &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("garbage")},
			"08P01", "malformed SCRAM message"},
		{"channel binding asked for", scram.addr, &pgproto3.AuthenticationSASL{}, &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("p=tls-server-end-point,,n=,r=x")},
			"08P01", "malformed SCRAM message"},
		{"authorization identity", scram.addr, &pgproto3.AuthenticationSASL{}, &pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,a=root,n=,r=x")},
			"0A000", "client uses authorization identity, but it is not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fe := startup(t, tc.addr, tc.request)
			fe.Send(tc.reply)
			if err := fe.Flush(); err != nil {
				t.Fatal(err)
			}
			// No ReadyForQuery, no AuthenticationOk: the error and the end.
			expectFatal(t, fe, tc.code, tc.msg)
		})
	}
}

func TestTrustOnlyByDefaultOnLoopback(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	wildcard := &net.TCPAddr{IP: net.IPv4zero, Port: 5432}
	lan := &net.TCPAddr{IP: net.ParseIP("192.168.1.20"), Port: 5432}
	loopback6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 5432}
	err := New(Config{Logger: quiet}, newFakeFactory()).CheckListener(wildcard)
	if err == nil || !strings.Contains(err.Error(), "--auth scram-sha-256") || !strings.Contains(err.Error(), "--auth trust") {
		t.Errorf("default trust on 0.0.0.0: %v", err)
	}
	if err := New(Config{Logger: quiet}, newFakeFactory()).CheckListener(lan); err == nil {
		t.Error("default trust accepted on a LAN address")
	}
	for name, cfg := range map[string]Config{
		"loopback by default": {},
		"explicit trust":      {AuthMethod: AuthTrust},
		"scram":               {AuthMethod: AuthSCRAM, Users: map[string]string{"a": "b"}},
		"custom":              {Auth: Trust{}},
	} {
		cfg.Logger = quiet
		addr := net.Addr(wildcard)
		if name == "loopback by default" {
			addr = loopback6
		}
		if err := New(cfg, newFakeFactory()).CheckListener(addr); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}

	// Serve itself refuses, before accepting anything.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		errc <- New(Config{Logger: quiet}, newFakeFactory()).Serve(context.Background(), posingListener{ln, wildcard})
	}()
	select {
	case err := <-errc:
		if err == nil || !strings.Contains(err.Error(), "without authentication") {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Serve did not refuse")
	}
	if nc, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		nc.Close()
		t.Error("the refused listener is still open")
	}
}

// posingListener reports another address than the one it listens on.
type posingListener struct {
	net.Listener
	addr net.Addr
}

func (l posingListener) Addr() net.Addr { return l.addr }

func TestAuthConfigErrors(t *testing.T) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		cfg  Config
		want string
	}{
		"no users":           {Config{AuthMethod: AuthSCRAM}, "needs at least one user"},
		"bad verifier":       {Config{AuthMethod: AuthSCRAM, Users: map[string]string{"x": "SCRAM-SHA-256$4096:c2FsdA==$nokeys"}}, `user "x": malformed SCRAM-SHA-256 verifier`},
		"zero iterations":    {Config{AuthMethod: AuthPassword, Users: map[string]string{"x": "SCRAM-SHA-256$0:c2FsdA==$" + strings.Repeat("A", 43) + "=:" + strings.Repeat("A", 43) + "="}}, "iterations"},
		"unknown method":     {Config{AuthMethod: "md5", Users: map[string]string{"x": "y"}}, "unknown authentication method"},
		"cert without key":   {Config{TLSCertFile: filepath.Join(dir, "c.pem")}, "--tls-key"},
		"missing cert files": {Config{TLSCertFile: filepath.Join(dir, "c.pem"), TLSKeyFile: filepath.Join(dir, "k.pem")}, "load TLS certificate"},
		"require without":    {Config{RequireTLS: true}, "--require-tls"},
	} {
		tc.cfg.Logger = quiet
		err := New(tc.cfg, newFakeFactory()).CheckListener(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	if _, err := ParseAuthMethod("SCRAM-SHA-256"); err != nil {
		t.Errorf("ParseAuthMethod is case-insensitive: %v", err)
	}
	if _, err := ParseAuthMethod("md5"); err == nil {
		t.Error("md5 accepted")
	}
}

func TestUsersFile(t *testing.T) {
	v, err := SCRAMVerifier("pw")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "users")
	if err := os.WriteFile(good, []byte("# users\n\nalice:open:sesame\n  bob:"+v+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	users, err := ReadUsersFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users["alice"] != "open:sesame" || users["bob"] != v {
		t.Errorf("users = %v", users)
	}
	for name, text := range map[string]string{
		"duplicate": "alice:a\nalice:b\n",
		"no colon":  "alicepassword\n",
		"empty":     "alice:\n",
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadUsersFile(path)
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), "alicepassword") {
			t.Errorf("%s: the error shows what may be a password: %v", name, err)
		}
	}
}

func TestSCRAMVerifierFormat(t *testing.T) {
	v, err := SCRAMVerifier("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^SCRAM-SHA-256\$4096:[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$`).MatchString(v) {
		t.Fatalf("verifier %q is not in PostgreSQL's format", v)
	}
	again, _ := SCRAMVerifier("correct horse")
	if again == v {
		t.Error("two verifiers of one password share a salt")
	}
	store, err := newUserStore(map[string]string{"u": v})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.checkPassword("u", "correct horse"); err != nil {
		t.Errorf("right password: %v", err)
	}
	if err := store.checkPassword("u", "correct horsf"); err != errWrongPassword {
		t.Errorf("wrong password: %v", err)
	}
	if err := store.checkPassword("v", "correct horse"); err != errUnknownUser {
		t.Errorf("unknown user: %v", err)
	}
	// SASLprep: a non-ASCII space is a space, as libpq hashes it.
	if err := store.checkPassword("u", "correct\u00a0horse"); err != nil {
		t.Errorf("password with a no-break space: %v", err)
	}
}

func TestAuthenticationTimeout(t *testing.T) {
	ls := startLive(t, Config{AuthMethod: AuthPassword, Users: authUsers(t), StartupTimeout: 200 * time.Millisecond}, nil, nil)
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: map[string]string{"user": "alice"}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	if msg, err := fe.Receive(); err != nil {
		t.Fatal(err)
	} else if _, ok := msg.(*pgproto3.AuthenticationCleartextPassword); !ok {
		t.Fatalf("want a password request, got %#v", msg)
	}
	// The client never answers.
	expectFatal(t, fe, "57014", "canceling authentication due to timeout")
}
