package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	apiaryexec "github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/internal/testenv"
)

// signal sends sig to the node's process.
func (n *node) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := n.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// waitExit waits for the process to end and returns its exit code, killing
// it and failing the test after timeout.
func (n *node) waitExit(t *testing.T, timeout time.Duration) int {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- n.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(timeout):
		_ = n.cmd.Process.Kill()
		<-exited
		t.Fatalf("apiary serve still running %s after the signal:\n%s", timeout, n.logText())
	}
	return -1
}

func (n *node) connect(t *testing.T) *pgx.Conn {
	t.Helper()
	host, port := n.hostPort()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=apiary sslmode=disable", host, port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// waitForRunning polls system.queries until a statement starting with
// prefix is running, so that a test knows it is in flight.
func waitForRunning(t *testing.T, conn *pgx.Conn, prefix string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		err := conn.QueryRow(context.Background(),
			"SELECT count(*) FROM system.queries WHERE state <> 'finished' AND query LIKE $1", prefix+"%").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no statement starting with %q ran within 20s", prefix)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// copyInFlight starts a COPY FROM STDIN of rows 1..first on its own
// connection and leaves it open, in flight, until the returned function
// sends rows first+1..total (if total > first) and ends it; that function
// returns the COPY's outcome.
func copyInFlight(t *testing.T, n *node, first, total int) func() (pgconn.CommandTag, error) {
	t.Helper()
	conn := n.connect(t)
	if _, err := conn.Exec(context.Background(), "CREATE TABLE inflight (id int)"); err != nil {
		t.Fatal(err)
	}
	pr, pw := io.Pipe()
	type result struct {
		tag pgconn.CommandTag
		err error
	}
	done := make(chan result, 1)
	go func() {
		tag, err := conn.PgConn().CopyFrom(context.Background(), pr, "COPY inflight FROM STDIN")
		pr.CloseWithError(err)
		done <- result{tag, err}
	}()
	write := func(from, to int) {
		var b strings.Builder
		for i := from; i <= to; i++ {
			fmt.Fprintf(&b, "%d\n", i)
		}
		_, _ = io.WriteString(pw, b.String())
	}
	write(1, first)
	waitForRunning(t, n.connect(t), "COPY inflight")
	return func() (pgconn.CommandTag, error) {
		if total > first {
			write(first+1, total)
			pw.Close()
		}
		r := <-done
		return r.tag, r.err
	}
}

// A query in flight when SIGTERM arrives finishes within the grace period;
// its rows are committed and the node exits 0.
func TestShutdownLetsQueriesFinish(t *testing.T) {
	storage := "file://" + t.TempDir()
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", storage, "--shutdown-grace", "60s")
	finish := copyInFlight(t, n, 500, 1000)
	n.signal(t, syscall.SIGTERM)
	// New clients are turned away while the COPY goes on.
	deadline := time.Now().Add(10 * time.Second)
	for {
		host, port := n.hostPort()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s user=apiary sslmode=disable", host, port))
		cancel()
		if err != nil {
			break
		}
		c.Close(context.Background())
		if time.Now().After(deadline) {
			t.Fatal("the node still accepts clients 10s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tag, err := finish()
	if err != nil || tag.String() != "COPY 1000" {
		t.Fatalf("COPY in flight at shutdown: %q, %v\n%s", tag, err, n.logText())
	}
	if code := n.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d after a clean shutdown:\n%s", code, n.logText())
	}
	for _, want := range []string{"shutting down", "apiary node stopped"} {
		if !strings.Contains(n.logText(), want) {
			t.Errorf("log lacks %q:\n%s", want, n.logText())
		}
	}
	again := startNode(t, storage)
	var count int
	if err := again.connect(t).QueryRow(context.Background(), "SELECT count(*) FROM inflight").Scan(&count); err != nil || count != 1000 {
		t.Errorf("after restart: %d rows (%v), want 1000", count, err)
	}
}

// A query still running when the grace period ends is cancelled; the node
// still exits 0, soon after.
func TestShutdownCancelsAfterGrace(t *testing.T) {
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", "file://"+t.TempDir(), "--shutdown-grace", "500ms")
	finish := copyInFlight(t, n, 10, 0) // never ends on its own
	start := time.Now()
	n.signal(t, syscall.SIGINT)
	if code := n.waitExit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, n.logText())
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Errorf("the node exited %s after SIGINT, before its grace period", d)
	}
	if _, err := finish(); err == nil {
		t.Error("the COPY cut short by shutdown succeeded")
	} else {
		t.Logf("the client of the cancelled COPY got: %v", err)
	}
	if !strings.Contains(n.logText(), "cancelling queries still running") {
		t.Errorf("log does not say queries were cancelled:\n%s", n.logText())
	}
}

// An --http address asked for and taken stops the node; the default one
// taken (another node on this machine) only turns the endpoints off.
func TestHTTPAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var out, errOut strings.Builder
	code := run([]string{"serve", "--listen", "127.0.0.1:0", "--storage", "file://" + t.TempDir(), "--http", ln.Addr().String()}, &out, &errOut)
	if code != exitFailure || !strings.Contains(errOut.String(), "another process uses the address") || !strings.Contains(errOut.String(), "--http") {
		t.Errorf("explicit --http taken: code %d, stderr %q", code, errOut.String())
	}

	// 127.0.0.1:9187 is the default; if this test cannot take it, someone
	// else has, which serves as well.
	if def, err := net.Listen("tcp", "127.0.0.1:9187"); err == nil {
		defer def.Close()
	}
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--storage", "file://"+t.TempDir())
	if n.http != "off" || !strings.Contains(n.logText(), "metrics and health endpoints off") {
		t.Errorf("default --http taken: http %q, log:\n%s", n.http, n.logText())
	}
}

// --statement-timeout is every session's initial statement_timeout, which
// a client's startup parameters override.
func TestStatementTimeoutDefault(t *testing.T) {
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "off", "--storage", "file://"+t.TempDir(), "--statement-timeout", "1500ms")
	var got string
	if err := n.connect(t).QueryRow(context.Background(), "SHOW statement_timeout").Scan(&got); err != nil || got != "1500ms" {
		t.Errorf("statement_timeout %q (%v), want 1500ms", got, err)
	}
	host, port := n.hostPort()
	conn, err := pgx.Connect(context.Background(), fmt.Sprintf("host=%s port=%s user=apiary sslmode=disable options='-c statement_timeout=0'", host, port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if err := conn.QueryRow(context.Background(), "SHOW statement_timeout").Scan(&got); err != nil || got != "0" {
		t.Errorf("client's own statement_timeout %q (%v), want 0", got, err)
	}
}

// A node configured by file and environment alone starts, and logs the
// hardware line.
func TestServeFromConfigFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "apiary.toml")
	toml := fmt.Sprintf("[node]\nname = \"pi-7\"\n[storage]\nurl = \"file://%s\"\n[server]\nlisten = \"127.0.0.1:0\"\n[bees]\ncount = 3\nmemory = \"64MiB\"\n[log]\nformat = \"json\"\n",
		filepath.Join(dir, "data"))
	if err := os.WriteFile(file, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	n := launchNode(t, []string{"APIARY_CONFIG=" + file, "APIARY_HTTP=127.0.0.1:0"})
	select {
	case <-n.done:
		t.Fatalf("exited:\n%s", n.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("not ready after 30s:\n%s", n.logText())
	case <-waitLog(n.node, `"msg":"apiary node ready"`):
	}
	logs := n.logText()
	for _, want := range []string{`"node":"pi-7"`, `"msg":"hardware"`, `"bees":3`, `"bee_memory":"64MiB"`, `"cell_size":"8MiB"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
}

// waitLog returns a channel closed once the node's log holds s.
func waitLog(n *node, s string) <-chan struct{} {
	ch := make(chan struct{})
	go func() {
		for !strings.Contains(n.logText(), s) {
			select {
			case <-n.done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		close(ch)
	}()
	return ch
}

// Start-up on the local backend, from exec to the ready line, takes under
// a second. The best of three runs is taken, so that a busy machine does
// not fail the test; each run starts on a fresh directory.
func TestStartupTime(t *testing.T) {
	testenv.ApiaryBinary(t)
	var times []time.Duration
	for i := 0; i < 3; i++ {
		start := time.Now()
		n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", "file://"+t.TempDir())
		times = append(times, time.Since(start))
		n.signal(t, syscall.SIGTERM)
		if code := n.waitExit(t, 20*time.Second); code != 0 {
			t.Fatalf("exit code %d", code)
		}
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	t.Logf("start-up to ready line: %v", times)
	if times[0] > time.Second {
		t.Errorf("start-up took %s at best, want under 1s", times[0])
	}
}

func TestCommandsHelpAndExitCodes(t *testing.T) {
	for _, cmd := range []string{"serve", "config", "hardware", "load", "scram-verifier"} {
		var out, errOut strings.Builder
		if code := run([]string{cmd, "--help"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "Usage: apiary "+cmd) {
			t.Errorf("%s --help: code %d, stdout %.100q, stderr %q", cmd, code, out.String(), errOut.String())
		}
		out.Reset()
		errOut.Reset()
		if code := run([]string{cmd, "--no-such-flag"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "apiary "+cmd+" --help") {
			t.Errorf("%s --no-such-flag: code %d, stderr %q", cmd, code, errOut.String())
		}
	}
	var out, errOut strings.Builder
	if code := run([]string{"serve", "stray"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), `unexpected argument "stray"`) {
		t.Errorf("serve stray: code %d, stderr %q", code, errOut.String())
	}
	out.Reset()
	if code := run([]string{"help"}, &out, &errOut); code != 0 || !strings.Contains(out.String(), "hardware") {
		t.Errorf("help: code %d, %q", code, out.String())
	}
}

func TestConfigCommand(t *testing.T) {
	t.Setenv("APIARY_NAME", "hive-1")
	t.Setenv("APIARY_S3_ACCESS_KEY", "AKIAEXAMPLE")
	t.Setenv("APIARY_S3_SECRET_KEY", "wJalrXUtnFEMI")
	file := filepath.Join(t.TempDir(), "apiary.toml")
	if err := os.WriteFile(file, []byte("[server]\nlisten = \"0.0.0.0:5433\"\n[auth]\nmethod = \"scram-sha-256\"\nusers = [\"alice:open sesame\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	if code := run([]string{"config", "--config", file, "--bees", "3"}, &out, &errOut); code != 0 {
		t.Fatalf("config: code %d, stderr %q", code, errOut.String())
	}
	got := out.String()
	for _, re := range []string{
		`name\s+= "hive-1"\s+# env APIARY_NAME`,
		`listen\s+= "0.0.0.0:5433"\s+# file ` + regexpQuote(file),
		`count\s+= 3\s+# flag --bees`,
		`secret_key\s+= "<redacted>"\s+# env APIARY_S3_SECRET_KEY`,
		`users\s+= \["alice:<redacted>"\]`,
		`http\s+= "127.0.0.1:9187"\s+# default`,
	} {
		if !matches(re, got) {
			t.Errorf("config output lacks /%s/:\n%s", re, got)
		}
	}
	if strings.Contains(got, "wJalrXUtnFEMI") || strings.Contains(got, "open sesame") {
		t.Errorf("config output shows a secret:\n%s", got)
	}
	out.Reset()
	errOut.Reset()
	if code := run([]string{"config", "--config", file, "--max-connections", "many"}, &out, &errOut); code != 2 ||
		!strings.Contains(errOut.String(), `server.max_connections (flag --max-connections): "many" is not an integer`) {
		t.Errorf("invalid config: code %d, stderr %q", code, errOut.String())
	}
}

func TestHardwareCommand(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"hardware", "--bees", "3", "--bee-memory", "64MiB"}, &out, &errOut); code != 0 {
		t.Fatalf("hardware: code %d, stderr %q", code, errOut.String())
	}
	for _, re := range []string{`usable cores\s+\d+`, `bees\s+3 \(configured\)`, `bee memory\s+64MiB \(configured\)`,
		`target cell size\s+8MiB`, `GOMEMLIMIT\s+\S+`, `GOGC\s+\d+`, `architecture\s+\w+`} {
		if !matches(re, out.String()) {
			t.Errorf("hardware output lacks /%s/:\n%s", re, out.String())
		}
	}
}

// The budget used when memory is unknown is the engine's own default.
func TestFallbackBeeMemory(t *testing.T) {
	if hardware.FallbackBeeMemory != apiaryexec.DefaultBeeMemory {
		t.Errorf("hardware.FallbackBeeMemory %d, exec.DefaultBeeMemory %d", hardware.FallbackBeeMemory, apiaryexec.DefaultBeeMemory)
	}
}

func TestStorageWithCredentials(t *testing.T) {
	for _, tc := range []struct {
		url, key, secret string
		fromAWS          bool
		want             string
	}{
		{"s3://b/p?endpoint=h:9000", "AK", "s/k", false, "s3://AK:s%2Fk@b/p?endpoint=h:9000"},
		{"s3://b/p", "AK", "SK", true, "s3://b/p"},
		{"s3://u:p@b/p", "AK", "SK", false, "s3://u:p@b/p"},
		{"file:///data", "AK", "SK", false, "file:///data"},
		{"s3://b", "", "", false, "s3://b"},
	} {
		got := storageWithCredentials(configStorage(tc.url, tc.key, tc.secret, tc.fromAWS))
		if got != tc.want {
			t.Errorf("%s with %s: %s, want %s", tc.url, tc.key, got, tc.want)
		}
	}
}

func configStorage(url, key, secret string, fromAWS bool) config.Storage {
	return config.Storage{URL: url, AccessKey: key, SecretKey: secret, AccessKeyFromAWS: fromAWS}
}

func matches(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func regexpQuote(s string) string { return regexp.QuoteMeta(s) }
