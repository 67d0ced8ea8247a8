package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// The end-to-end tests run the real binary and talk to it with real
// clients, so every layer — wire, session, catalog, ledger, cells, storage —
// is the one users get.

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveApiaryBinary()
	os.Exit(code)
}

// node is a running `apiary serve` process.
type node struct {
	cmd  *exec.Cmd
	addr string // host:port of the wire protocol
	http string // host:port of the HTTP endpoints, "off" when off
	logs *strings.Builder
	mu   *sync.Mutex
	done chan struct{}
}

var readyRe = regexp.MustCompile(`msg="apiary node ready".* addr=(\S+) http=(\S+)`)

// startNode starts a node on storage and waits, with a deadline, for its
// ready line.
func startNode(t *testing.T, storage string) *node {
	t.Helper()
	return startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", storage, "--name", "e2e")
}

// startNodeArgs runs `apiary serve` with args and waits, with a deadline,
// for its ready line. It is stopped with SIGTERM at cleanup.
func startNodeArgs(t *testing.T, args ...string) *node {
	t.Helper()
	return launchNode(t, nil, args...).waitReady(t)
}

// launchedNode is a node whose ready line may not have come yet.
type launchedNode struct {
	*node
	ready chan struct{} // closed once addr and http are set
}

// waitReady waits, with a deadline, for the node's ready line.
func (n launchedNode) waitReady(t *testing.T) *node {
	t.Helper()
	select {
	case <-n.ready:
	case <-n.done:
		t.Fatalf("apiary serve %s exited before it was ready:\n%s", strings.Join(n.cmd.Args[1:], " "), n.logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("apiary serve %s not ready after 30s:\n%s", strings.Join(n.cmd.Args[1:], " "), n.logText())
	}
	return n.node
}

// launchNode starts `apiary serve` with args and extra environment
// variables, without waiting for it.
func launchNode(t *testing.T, env []string, args ...string) launchedNode {
	t.Helper()
	cmd := exec.Command(testenv.ApiaryBinary(t), append([]string{"serve"}, args...)...)
	// Each node gets a cell cache of its own, outside the source tree.
	cmd.Env = append(append(os.Environ(), "APIARY_CACHE_DIR="+t.TempDir()), env...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := launchedNode{&node{cmd: cmd, logs: &strings.Builder{}, mu: &sync.Mutex{}, done: make(chan struct{})}, make(chan struct{})}
	go func() {
		defer close(n.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			line := sc.Text()
			n.mu.Lock()
			n.logs.WriteString(line + "\n")
			if m := readyRe.FindStringSubmatch(line); m != nil && n.addr == "" {
				n.addr, n.http = m[1], m[2]
				close(n.ready)
			}
			n.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(func() { n.stop(t) })
	return n
}

func (n *node) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

// stop sends SIGTERM and waits for a graceful exit.
func (n *node) stop(t *testing.T) {
	if n.cmd.ProcessState != nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan error, 1)
	go func() { exited <- n.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("apiary serve exited with %v after SIGTERM:\n%s", err, n.logText())
		}
	case <-time.After(20 * time.Second):
		_ = n.cmd.Process.Kill()
		<-exited
		t.Errorf("apiary serve did not stop within 20s of SIGTERM:\n%s", n.logText())
	}
}

func (n *node) hostPort() (string, string) {
	i := strings.LastIndexByte(n.addr, ':')
	return n.addr[:i], n.addr[i+1:]
}

// psql runs a script through the real psql client and returns its output.
func (n *node) psql(t *testing.T, script string) string {
	t.Helper()
	bin := testenv.LookPath(t, "psql", "apt-get install postgresql-client")
	host, port := n.hostPort()
	cmd := exec.Command(bin, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", host, "-p", port, "-U", "apiary", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("psql failed: %v\nscript:\n%s\noutput:\n%s\nserver log:\n%s", err, script, out, n.logText())
	}
	return string(out)
}

func (n *node) pgx(t *testing.T) *pgx.Conn {
	t.Helper()
	host, port := n.hostPort()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%s user=apiary sslmode=disable", host, port))
	if err != nil {
		t.Fatal(err)
	}
	// The extended protocol is the wire issue's; the simple protocol is
	// what the foundation serves.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

const e2eScript = `
CREATE TABLE trips (id int NOT NULL, city text, fare numeric(8,2), day date) WITH (partition_by = 'city');
INSERT INTO trips VALUES (1, 'Lisbon', 12.50, '2026-11-01'), (2, 'Porto', 7.25, '2026-11-02'), (3, 'Lisbon', NULL, '2026-11-03');
INSERT INTO trips (id, city) VALUES (4, NULL);
SELECT * FROM trips;
`

func checkTrips(t *testing.T, out string) {
	t.Helper()
	for _, want := range []string{
		"  1 | Lisbon | 12.50 | 2026-11-01",
		"  2 | Porto  |  7.25 | 2026-11-02",
		"  3 | Lisbon |       | 2026-11-03",
		"  4 |        |       | ",
		"(4 rows)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("psql output lacks %q:\n%s", want, out)
		}
	}
}

func runEndToEnd(t *testing.T, storage string) {
	n := startNode(t, storage)
	checkTrips(t, n.psql(t, e2eScript))

	// The same data through pgx, then across a restart: everything lives
	// in storage, nothing in the process.
	conn := n.pgx(t)
	var count int
	rows, err := conn.Query(context.Background(), "SELECT id FROM trips")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		count++
	}
	if rows.Err() != nil || count != 4 {
		t.Fatalf("pgx read %d rows (err %v), want 4", count, rows.Err())
	}
	conn.Close(context.Background())
	n.stop(t)

	again := startNode(t, storage)
	checkTrips(t, again.psql(t, "SELECT * FROM trips;"))
	out := again.psql(t, "DESCRIBE trips;")
	for _, want := range []string{`# rows\s+\| 4 `, `# partition by\s+\| city `, `city\s+\| text\s+\| YES\s+\| YES`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("DESCRIBE after restart lacks %q:\n%s", want, out)
		}
	}
}

func TestEndToEndLocal(t *testing.T) {
	runEndToEnd(t, "file://"+t.TempDir())
}

func TestEndToEndMinIO(t *testing.T) {
	runEndToEnd(t, objstoretest.StartMinIO(t))
}

func TestErrorsReachClient(t *testing.T) {
	n := startNode(t, "file://"+t.TempDir())
	conn := n.pgx(t)
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (a int NOT NULL)"); err != nil {
		t.Fatal(err)
	}
	for sql, code := range map[string]string{
		"INSERT INTO t VALUES (NULL)":   "23502",
		"INSERT INTO t VALUES ('x')":    "22P02",
		"SELECT * FROM missing":         "42P01",
		"SELEKT":                        "42601",
		"CREATE TABLE t (a int)":        "42P07",
		"INSERT INTO t VALUES (1), (2)": "",
	} {
		_, err := conn.Exec(ctx, sql)
		got := ""
		if err != nil {
			got = pgCode(err)
		}
		if got != code {
			t.Errorf("%s: SQLSTATE %q (%v), want %q", sql, got, err, code)
		}
	}
	var n2 int
	if err := conn.QueryRow(ctx, "SELECT a FROM t LIMIT 1").Scan(&n2); err != nil {
		t.Fatal(err)
	}
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return "?"
}

func TestVersionAndUsage(t *testing.T) {
	var out, errOut strings.Builder
	if code := run([]string{"version"}, &out, &errOut); code != 0 || !strings.HasPrefix(out.String(), "apiary ") {
		t.Errorf("version: code %d, output %q", code, out.String())
	}
	if code := run([]string{"frobnicate"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unknown command") {
		t.Errorf("unknown command: code %d, stderr %q", code, errOut.String())
	}
	errOut.Reset()
	if code := run([]string{"serve", "--storage", "ftp://nowhere"}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "unsupported storage URL scheme") {
		t.Errorf("bad storage: code %d, stderr %q", code, errOut.String())
	}
}
