package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/internal/testenv"
)

func TestServeConfigErrors(t *testing.T) {
	storage := "file://" + t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--listen", "0.0.0.0:0"}, 2, "without authentication"},
		{[]string{"--auth", "md5"}, 2, "unknown authentication method"},
		{[]string{"--user", "alice"}, 2, "not name:password"},
		{[]string{"--user", "alice:pw"}, 2, "--auth is not password or scram-sha-256"},
		{[]string{"--auth", "scram-sha-256"}, 2, "needs at least one user"},
		{[]string{"--auth", "scram-sha-256", "--user", "a:b", "--user", "a:c"}, 2, "given twice"},
		{[]string{"--tls-cert", "/nonexistent.pem"}, 2, "--tls-key"},
		{[]string{"--auth", "password", "--users-file", "/nonexistent/users"}, 2, "auth.users_file (flag --users-file)"},
	} {
		var out, errOut strings.Builder
		args := append([]string{"serve", "--storage", storage, "--listen", "127.0.0.1:0", "--http", "off"}, tc.args...)
		if code := run(args, &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("serve %v: code %d, stderr %q; want code %d and %q", tc.args, code, errOut.String(), tc.code, tc.want)
		}
	}
}

func TestServeWithSCRAMAndTLS(t *testing.T) {
	bin := testenv.ApiaryBinary(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "scram-verifier")
	cmd.Stdin = strings.NewReader("open sesame\n")
	verifier, err := cmd.Output()
	if err != nil || !strings.HasPrefix(string(verifier), "SCRAM-SHA-256$4096:") {
		t.Fatalf("scram-verifier: %q, %v", verifier, err)
	}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte("# test users\nalice:"+string(verifier)), 0o600); err != nil {
		t.Fatal(err)
	}
	pki := testenv.NewPKI(t)
	addr := startServeArgs(t, "--listen", "127.0.0.1:0", "--storage", "file://"+filepath.Join(dir, "data"),
		"--auth", "scram-sha-256", "--users-file", users, "--tls-cert", pki.CertFile, "--tls-key", pki.KeyFile, "--require-tls",
		"--max-connections", "5", "--idle-timeout", "1h")
	host, port, _ := net.SplitHostPort(addr)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=alice dbname=apiary password='open sesame' sslmode=require", host, port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1", pgx.QueryExecModeSimpleProtocol).Scan(&one); err != nil || one != 1 {
		t.Errorf("query over TLS after SCRAM: %d, %v", one, err)
	}
	_, err = pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=alice dbname=apiary password=wrong sslmode=require", host, port))
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "28P01" {
		t.Errorf("wrong password: %v", err)
	}
}

// startServeArgs runs `apiary serve` with args, waits for its ready line and
// returns the address it listens on; it is stopped with SIGTERM at cleanup.
func startServeArgs(t *testing.T, args ...string) string {
	t.Helper()
	return startNodeArgs(t, append([]string{"--http", "127.0.0.1:0"}, args...)...).addr
}
