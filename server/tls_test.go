package server

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/internal/testenv"
)

// tlsConfig is a server configuration that serves pki's certificate.
func tlsConfig(pki testenv.PKI) Config {
	return Config{TLSCertFile: pki.CertFile, TLSKeyFile: pki.KeyFile}
}

// tlsDSN connects to the server at addr by the name "localhost", which the
// certificate carries.
func tlsDSN(addr, userinfo, params string) string {
	_, port, _ := net.SplitHostPort(addr)
	return fmt.Sprintf("postgres://%s@localhost:%s/db?default_query_exec_mode=simple_protocol&%s", userinfo, port, params)
}

func TestTLS(t *testing.T) {
	pki := testenv.NewPKI(t)
	other := testenv.NewPKI(t)
	ls := startLive(t, tlsConfig(pki), nil, nil)
	for _, params := range []string{"sslmode=require", "sslmode=verify-ca&sslrootcert=" + pki.CAFile, "sslmode=verify-full&sslrootcert=" + pki.CAFile} {
		conn, err := pgx.Connect(testCtx(t), tlsDSN(ls.addr, "apiary", params))
		if err != nil {
			t.Fatalf("%s: %v", params, err)
		}
		tc, ok := conn.PgConn().Conn().(*tls.Conn)
		if !ok {
			t.Errorf("%s: connection is %T, not TLS", params, conn.PgConn().Conn())
		} else if v := tc.ConnectionState().Version; v < tls.VersionTLS12 {
			t.Errorf("%s: TLS version %x", params, v)
		}
		if _, err := conn.Exec(testCtx(t), "foo"); err != nil {
			t.Errorf("%s: query over TLS: %v", params, err)
		}
		conn.Close(context.Background())
	}
	if _, err := pgx.Connect(testCtx(t), tlsDSN(ls.addr, "apiary", "sslmode=verify-full&sslrootcert="+other.CAFile)); err == nil {
		t.Error("verify-full accepted a certificate from another CA")
	}
	// Plain text stays possible unless RequireTLS says otherwise.
	conn, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	if err != nil {
		t.Fatalf("sslmode=disable: %v", err)
	}
	conn.Close(context.Background())
}

func TestTLSBelow12Refused(t *testing.T) {
	pki := testenv.NewPKI(t)
	ls := startLive(t, tlsConfig(pki), nil, nil)
	nc, err := net.Dial("tcp", ls.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	req, _ := (&pgproto3.SSLRequest{}).Encode(nil)
	if _, err := nc.Write(req); err != nil {
		t.Fatal(err)
	}
	answer := make([]byte, 1)
	if _, err := nc.Read(answer); err != nil || answer[0] != 'S' {
		t.Fatalf("SSLRequest answered %q, %v", answer, err)
	}
	tc := tls.Client(nc, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11})
	if err := tc.Handshake(); err == nil {
		t.Error("a TLS 1.1 handshake succeeded")
	}
}

func TestNoTLSWithoutCertificate(t *testing.T) {
	ls := startLive(t, Config{}, nil, nil)
	_, err := pgx.Connect(testCtx(t), tlsDSN(ls.addr, "apiary", "sslmode=require"))
	if err == nil || !strings.Contains(err.Error(), "refused TLS") {
		t.Errorf("sslmode=require without a certificate: %v", err)
	}
}

func TestRequireTLS(t *testing.T) {
	pki := testenv.NewPKI(t)
	cfg := tlsConfig(pki)
	cfg.RequireTLS = true
	// Every client poses as remote, although the test connects over
	// loopback.
	ls := startLive(t, cfg, nil, func(s *Server) { s.isLocal = func(net.Addr) bool { return false } })

	_, err := pgx.Connect(testCtx(t), ls.dsn("apiary", "", ""))
	pgErr := pgError(t, err)
	if pgErr.Code != "28000" || pgErr.Severity != "FATAL" || !strings.Contains(pgErr.Message, "without TLS refused") {
		t.Errorf("plain connection from a remote address: %+v", pgErr)
	}

	conn, err := pgx.Connect(testCtx(t), tlsDSN(ls.addr, "apiary", "sslmode=verify-full&sslrootcert="+pki.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	// pgx sends its CancelRequest in plain text on a new socket, as libpq
	// did before version 17: cancel requests stay exempt.
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(context.Background(), "sleep tls")
		errc <- err
	}()
	<-ls.factory.started("tls")
	if err := conn.PgConn().CancelRequest(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if pgErr := pgError(t, <-errc); pgErr.Code != "57014" {
		t.Errorf("cancel of a TLS session: %v", pgErr)
	}

	// Loopback clients are local and may still use plain text.
	local := startLive(t, cfg, nil, nil)
	conn2, err := pgx.Connect(testCtx(t), local.dsn("apiary", "", ""))
	if err != nil {
		t.Fatalf("plain connection from loopback: %v", err)
	}
	conn2.Close(context.Background())
}

func TestPsqlSCRAMOverTLS(t *testing.T) {
	psql := testenv.LookPath(t, "psql", "apt-get install postgresql-client")
	pki := testenv.NewPKI(t)
	cfg := tlsConfig(pki)
	cfg.AuthMethod, cfg.Users = AuthSCRAM, authUsers(t)
	ls := startLive(t, cfg, nil, nil)
	_, port, _ := net.SplitHostPort(ls.addr)
	// Over TLS libpq can bind the channel; seeing no SCRAM-SHA-256-PLUS
	// offered it sends the gs2 flag "y", which the server must accept.
	cmd := exec.Command(psql, "-X", "-w", "-At", "-h", "localhost", "-p", port, "-U", "alice", "-d", "db", "-c", "types")
	cmd.Env = append(os.Environ(), "PGPASSWORD=s3cret", "PGCONNECT_TIMEOUT=10", "PGSSLMODE=verify-full", "PGSSLROOTCERT="+pki.CAFile,
		"PGCHANNELBINDING=prefer")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "héllo") {
		t.Errorf("psql over TLS with SCRAM: %v\n%s", err, out)
	}
}
