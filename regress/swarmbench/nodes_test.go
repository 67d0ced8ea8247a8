package swarmbench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/internal/testenv"
)

// apiaryBinary is APIARY_BIN, or a binary built once for the test run.
func apiaryBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("APIARY_BIN"); p != "" {
		return p
	}
	return testenv.ApiaryBinary(t)
}

// node is one `apiary serve` process.
type node struct {
	name       string
	cmd        *exec.Cmd
	addr, http string

	mu   sync.Mutex
	logs strings.Builder
	done chan struct{}
}

var readyRe = regexp.MustCompile(`msg="apiary node ready".* addr=(\S+) http=(\S+)`)

// startNode runs a node on storage with its own cell cache and HTTP port,
// and waits for its ready line. It is stopped at cleanup.
func startNode(t *testing.T, storage, name string) *node {
	t.Helper()
	args := []string{"serve", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", storage, "--name", name}
	if p := os.Getenv("APIARY_SWARM_POLL"); p != "" {
		args = append(args, "--swarm-poll-interval", p)
	}
	cmd := exec.Command(apiaryBinary(t), args...)
	cmd.Env = append(os.Environ(), "APIARY_CACHE_DIR="+t.TempDir())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{name: name, cmd: cmd, done: make(chan struct{})}
	ready := make(chan struct{})
	go func() {
		defer close(n.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			n.mu.Lock()
			n.logs.WriteString(sc.Text() + "\n")
			if m := readyRe.FindStringSubmatch(sc.Text()); m != nil && n.addr == "" {
				n.addr, n.http = m[1], m[2]
				close(ready)
			}
			n.mu.Unlock()
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	t.Cleanup(n.stop)
	select {
	case <-ready:
	case <-n.done:
		t.Fatalf("node %s exited before it was ready:\n%s", name, n.logText())
	case <-time.After(60 * time.Second):
		t.Fatalf("node %s not ready after 60s:\n%s", name, n.logText())
	}
	return n
}

func (n *node) logText() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.logs.String()
}

// stop ends the node with SIGTERM, or SIGKILL when it does not stop.
func (n *node) stop() {
	if n.cmd.ProcessState != nil {
		return
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	exited := make(chan struct{})
	go func() { _ = n.cmd.Wait(); close(exited) }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-exited
	}
}

// connect opens a session with apiary.distribution set.
func (n *node) connect(t *testing.T, distribution string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&default_query_exec_mode=simple_protocol", n.addr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, "SET apiary.distribution = '"+distribution+"'"); err != nil {
		t.Fatal(err)
	}
	return conn
}

// waitAlive polls system.nodes through conn until it lists want alive
// nodes.
func waitAlive(t *testing.T, conn *pgx.Conn, want int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var alive int
		if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM system.nodes WHERE state = 'alive'").Scan(&alive); err != nil {
			t.Fatal(err)
		}
		if alive == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d nodes alive after 60s, want %d", alive, want)
		}
		time.Sleep(100 * time.Millisecond) // polling pace, not synchronisation
	}
}

// taskCount is how many tasks system.tasks lists through conn, and on
// which nodes.
func taskCount(t *testing.T, conn *pgx.Conn) (int, map[string]int) {
	t.Helper()
	rows, err := conn.Query(context.Background(), "SELECT node FROM system.tasks")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n, by := 0, map[string]int{}
	for rows.Next() {
		var node string
		if err := rows.Scan(&node); err != nil {
			t.Fatal(err)
		}
		n++
		by[node]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return n, by
}

// runText runs sql and returns every value as text, NULL as "\x00".
func runText(ctx context.Context, conn *pgx.Conn, sql string) ([][]string, error) {
	results, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for _, r := range results {
		if r.Err != nil {
			return nil, r.Err
		}
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				if v == nil {
					vals[i] = "\x00"
				} else {
					vals[i] = string(v)
				}
			}
			out = append(out, vals)
		}
	}
	return out, nil
}

func sameRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

var requestsRe = regexp.MustCompile(`^apiary_storage_requests_total\{([^}]*)\} (\S+)$`)
var operationRe = regexp.MustCompile(`operation="([^"]*)"`)

// storageRequests reads apiary_storage_requests_total from each node's
// /metrics and sums it by operation over the nodes.
func storageRequests(t *testing.T, nodes []*node) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	client := &http.Client{Timeout: 10 * time.Second}
	for _, n := range nodes {
		resp, err := client.Get("http://" + n.http + "/metrics")
		if err != nil {
			t.Fatalf("scrape %s: %v", n.name, err)
		}
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
		for sc.Scan() {
			m := requestsRe.FindStringSubmatch(sc.Text())
			if m == nil {
				continue
			}
			op := operationRe.FindStringSubmatch(m[1])
			v, err := strconv.ParseFloat(m[2], 64)
			if op == nil || err != nil {
				continue
			}
			out[op[1]] += v
		}
		resp.Body.Close()
		if err := sc.Err(); err != nil {
			t.Fatalf("scrape %s: %v", n.name, err)
		}
	}
	return out
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func percentile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(p*float64(len(s)-1))]
}

// machine describes where the figures were measured.
func machine() string {
	mem := "unknown memory"
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
				if kb, err := strconv.ParseFloat(f[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
				}
			}
		}
	}
	model := ""
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	return fmt.Sprintf("%s (%s), %d CPUs, %s, %s", model, runtime.GOARCH, runtime.NumCPU(), mem, runtime.Version())
}
