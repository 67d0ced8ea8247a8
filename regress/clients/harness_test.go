package clients

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	apiaryexec "github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/server"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if javaBuild.dir != "" {
		os.RemoveAll(javaBuild.dir)
	}
	os.Exit(code)
}

// The names both servers are reached with (doc.go).
const (
	clientUser = "apiary"
	clientDB   = "apiary"
)

// clientTimeout bounds one run of a client program; a JVM start and
// compilation on a loaded 2-core machine take a few seconds.
const clientTimeout = 3 * time.Minute

// target is a server a client program connects to.
type target struct {
	name string // "postgres" or "apiary"
	port int
}

// env is the process environment for a client of tg: the caller's, minus
// any libpq settings it carries, plus tg's connection and a UTC clock.
func (tg target) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "TZ=") || strings.HasPrefix(kv, "APIARY_CLIENT_CHECK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"PGHOST=127.0.0.1", "PGPORT="+strconv.Itoa(tg.port), "PGUSER="+clientUser, "PGDATABASE="+clientDB,
		"PGSSLMODE=disable", "PGTZ=UTC", "TZ=UTC", "PGAPPNAME=apiary-clients-test")
}

// eachServer runs fn against PostgreSQL 15 (the oracle) and then against
// a new Apiary server, as the subtests "postgres" and "apiary".
func eachServer(t *testing.T, fn func(t *testing.T, tg target)) {
	t.Run("postgres", func(t *testing.T) { fn(t, postgresTarget(t)) })
	t.Run("apiary", func(t *testing.T) { fn(t, startApiary(t)) })
}

// postgresTarget prepares the shared PostgreSQL 15 cluster: the role
// apiary and a new, empty database apiary in the C.UTF-8 locale.
func postgresTarget(t *testing.T) target {
	t.Helper()
	pg := pgtest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, sql := range []string{
		`DO $$ BEGIN
		   IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'apiary') THEN CREATE ROLE apiary SUPERUSER LOGIN; END IF;
		 END $$`,
		"DROP DATABASE IF EXISTS apiary WITH (FORCE)",
		// Apiary compares text by bytes, which for UTF-8 is code point
		// order: the C.UTF-8 locale, which it also reports.
		"CREATE DATABASE apiary OWNER apiary TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.UTF-8'",
	} {
		if err := pg.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	return target{name: "postgres", port: pg.Port()}
}

// startApiary starts an Apiary server in-process over a local store in a
// temporary directory and stops it when the test ends.
func startApiary(t *testing.T) target {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("APIARY_CLIENTS_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	store, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	eng, err := apiaryexec.NewEngine(ctx, store, apiaryexec.Config{Node: "clients", Logger: logger, SpillDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Logger: logger, Version: "clients-test"}, server.EngineSessions(eng))
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("apiary server: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("apiary server did not shut down")
		}
	})
	return target{name: "apiary", port: ln.Addr().(*net.TCPAddr).Port}
}

// checkResult is one line of a client program's report (doc.go).
type checkResult struct {
	name, outcome, detail string // outcome: ok, fail or skip
}

// runChecks runs a client program that reports checks, makes each check
// a subtest, and fails when the program did not finish.
func runChecks(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	results, complete := parseChecks(stdout.Bytes())
	pending := readPending(t)
	for _, r := range results {
		t.Run(r.name, func(t *testing.T) {
			why, isPending := pending[t.Name()]
			switch {
			case r.outcome == "fail" && isPending:
				t.Skipf("pending (%s): %s", why, r.detail)
			case r.outcome == "fail":
				t.Error(r.detail)
			case r.outcome == "skip":
				t.Skip(r.detail)
			case isPending:
				t.Errorf("%s passes now: remove it from %s", t.Name(), pendingPath)
			}
		})
	}
	if err != nil || !complete {
		t.Fatalf("%s did not finish (%v)\nstdout:\n%s\nstderr:\n%s", cmd.Path, err, stdout.String(), stderr.String())
	}
	if len(results) == 0 {
		t.Fatalf("%s ran no checks", cmd.Path)
	}
}

// pendingPath lists the checks known to fail on Apiary, one full subtest
// name per line with the reason after " # ". A listed check that fails is
// skipped with its reason; one that passes fails the test, so the list
// only shrinks.
var pendingPath = filepath.Join("testdata", "pending.txt")

func readPending(t *testing.T) map[string]string {
	t.Helper()
	data, err := os.ReadFile(pendingPath)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, why, _ := strings.Cut(line, " # ")
		out[strings.TrimSpace(name)] = strings.TrimSpace(why)
	}
	return out
}

// parseChecks reads the report lines; complete says "done" was printed.
// Other output (a library's warnings) is ignored.
func parseChecks(out []byte) (results []checkResult, complete bool) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "done" {
			complete = true
			continue
		}
		outcome, rest, ok := strings.Cut(line, " ")
		if !ok || (outcome != "ok" && outcome != "fail" && outcome != "skip") {
			continue
		}
		name, detail, _ := strings.Cut(rest, ": ")
		results = append(results, checkResult{name: name, outcome: outcome, detail: strings.ReplaceAll(detail, " | ", "\n")})
	}
	return results, complete
}

// clientCommand builds the command for a client program against tg, with
// the environment of env() and the test's deadline.
func clientCommand(t *testing.T, tg target, name string, args ...string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), clientTimeout)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = tg.env()
	if only := os.Getenv("APIARY_CLIENT_CHECK"); only != "" {
		cmd.Env = append(cmd.Env, "APIARY_CLIENT_CHECK="+only)
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// requireProgram returns the path of an executable, or fails (under make
// test) or skips the test, naming what installs it.
func requireProgram(t *testing.T, name, installs string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Missing(t, name, fmt.Sprintf("not on PATH; %s", installs))
	}
	return p
}
