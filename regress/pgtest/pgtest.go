// Package pgtest starts throw-away PostgreSQL clusters for tests: a fresh
// initdb in a temporary directory, a postmaster listening only on 127.0.0.1
// at a free port with durability switched off, trust authentication for the
// user postgres, and an immediate shutdown when the test ends.
//
// PostgreSQL refuses to run as root, so when the test runs as root the
// cluster runs as the unprivileged "postgres" system user (the Debian
// package creates it) through exec.Cmd credentials. When PostgreSQL or that
// user is missing, the test is skipped, or fails under `make test`
// (testenv.Missing).
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// binDirs are searched, after $APIARY_PG_BIN and PATH, for initdb, pg_ctl
// and postgres.
var binDirs = []string{"/usr/local/bin", "/usr/lib/postgresql/15/bin"}

// startTimeout bounds initdb plus server start-up; a loaded 2-core machine
// takes a few seconds for initdb.
const startTimeout = 90 * time.Second

// Cluster is a running throw-away PostgreSQL server.
type Cluster struct {
	dir     string // temporary root: data/, socket, log
	binDir  string
	port    int
	version string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the postmaster process has exited
	waitErr error         // valid after exited is closed
	cred    *syscall.Credential

	mu   sync.Mutex
	conn *pgx.Conn // lazily opened connection behind Exec, CopyCSV, Query
	stop sync.Once
}

// missingError reports an absent external part; Start turns it into
// testenv.Missing so strict runs fail and bare `go test` skips.
type missingError struct{ part, why string }

func (e *missingError) Error() string { return e.part + " unavailable: " + e.why }

// Start starts a cluster for t and stops it, deleting its files, at
// t.Cleanup.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, err := start()
	if err != nil {
		fail(t, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return c
}

func fail(t testing.TB, err error) {
	t.Helper()
	var m *missingError
	if errors.As(err, &m) {
		testenv.Missing(t, m.part, m.why)
		return
	}
	t.Fatalf("pgtest: %v", err)
}

var shared struct {
	once sync.Once
	c    *Cluster
	err  error
}

// Shared returns one cluster per test binary, started on first use, so a
// package's tests pay for initdb once. The package must stop it from
// TestMain: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }.
// Tests sharing it must not depend on each other's objects (use distinct
// schema or table names).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.err = start() })
	if shared.err != nil {
		fail(t, shared.err)
	}
	return shared.c
}

// Main runs the tests and then stops the shared cluster, if one was started.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.c != nil {
		if err := shared.c.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// findBinDir returns the directory holding initdb, pg_ctl and postgres
// together: pg_ctl and initdb locate postgres next to themselves, so mixing
// directories could mix versions.
func findBinDir() (string, error) {
	var dirs []string
	if d := os.Getenv("APIARY_PG_BIN"); d != "" {
		dirs = append(dirs, d)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	dirs = append(dirs, binDirs...)
	for _, d := range dirs {
		ok := true
		for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
			if fi, err := os.Stat(filepath.Join(d, name)); err != nil || fi.IsDir() {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		// /usr/local/bin usually holds symlinks into the versioned
		// directory; resolve so that the whole set comes from one place.
		if real, err := filepath.EvalSymlinks(filepath.Join(d, "initdb")); err == nil {
			rd := filepath.Dir(real)
			if _, err := os.Stat(filepath.Join(rd, "postgres")); err == nil {
				return rd, nil
			}
		}
		return d, nil
	}
	return "", &missingError{"PostgreSQL 15", "no initdb, pg_ctl and postgres in $APIARY_PG_BIN, PATH, " + strings.Join(binDirs, ", ") + "; apt-get install postgresql"}
}

// credential returns the identity to run PostgreSQL as: nil when not root,
// else the postgres system user.
func credential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, &missingError{"PostgreSQL 15", "running as root and there is no unprivileged 'postgres' user to run the server as (" + err.Error() + ")"}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("user postgres has non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func start() (c *Cluster, err error) {
	binDir, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, err := credential()
	if err != nil {
		return nil, err
	}
	// Not t.TempDir: that directory is private to root, and the server,
	// running as postgres, must own its data directory.
	dir, err := os.MkdirTemp("", "apiary-pgtest-")
	if err != nil {
		return nil, fmt.Errorf("temporary directory: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("chown %s to postgres: %w", dir, err)
		}
	}
	c = &Cluster{dir: dir, binDir: binDir, cred: cred}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()

	out, err := c.run(ctx, "postgres", "--version")
	if err != nil {
		return nil, err
	}
	c.version = strings.TrimSpace(out)
	if _, err := c.run(ctx, "initdb", "-D", c.dataDir(), "-U", "postgres", "--auth=trust",
		"--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"); err != nil {
		return nil, err
	}
	// A free port can be taken by someone else between probing and the
	// server's bind; the server then exits, and we retry on another port.
	for attempt := 1; ; attempt++ {
		err = c.launch(ctx)
		if err == nil {
			return c, nil
		}
		if attempt == 3 || ctx.Err() != nil || !strings.Contains(err.Error(), "could not bind") {
			return nil, err
		}
	}
}

func (c *Cluster) dataDir() string { return filepath.Join(c.dir, "data") }
func (c *Cluster) logFile() string { return filepath.Join(c.dir, "postgres.log") }

// command builds an exec.Cmd for a PostgreSQL binary running as the cluster
// user, from the cluster directory (the test's working directory may not be
// readable by that user) and with a C locale.
func (c *Cluster) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C", "PGTZ=UTC")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
		cmd.Env = append(cmd.Env, "HOME="+c.dir, "USER=postgres")
	}
	return cmd
}

func (c *Cluster) run(ctx context.Context, name string, args ...string) (string, error) {
	var out bytes.Buffer
	cmd := c.command(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String(), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("probing for a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// launch starts the postmaster as a child process (not through pg_ctl
// start, so that its exit is observed directly) and waits until it accepts
// connections.
func (c *Cluster) launch(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	c.port = port
	logf, err := os.OpenFile(c.logFile(), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	// exec.Command, not CommandContext: the server must outlive ctx, which
	// only bounds start-up.
	cmd := c.command(context.Background(), "postgres",
		"-D", c.dataDir(),
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories="+c.dir,
		"-c", "fsync=off",
		"-c", "synchronous_commit=off",
		"-c", "full_page_writes=off",
		"-c", "shared_buffers=32MB",
		"-c", "max_connections=20",
		"-c", "autovacuum=off",
		"-c", "timezone=UTC",
		"-c", "datestyle=ISO, YMD",
	)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting postgres: %w", err)
	}
	c.cmd = cmd
	c.exited = make(chan struct{})
	go func() {
		c.waitErr = cmd.Wait()
		close(c.exited)
	}()
	if err := c.waitReady(ctx); err != nil {
		c.kill()
		return err
	}
	return nil
}

// waitReady polls with connection attempts until the server answers, it
// exits, or ctx ends. Polling, not sleeping: each attempt is a real probe
// and the interval only spaces them out.
func (c *Cluster) waitReady(ctx context.Context) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		conn, err := pgx.Connect(actx, c.DSN())
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		last = err
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited during start-up (%v): %s", c.waitErr, c.readLog())
		case <-ctx.Done():
			return fmt.Errorf("postgres not ready after %v: %v; log: %s", startTimeout, last, c.readLog())
		case <-tick.C:
		}
	}
}

func (c *Cluster) readLog() string {
	b, err := os.ReadFile(c.logFile())
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	return string(b)
}

// kill stops the server without ceremony and waits for it.
func (c *Cluster) kill() {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	// SIGQUIT is PostgreSQL's immediate shutdown; it also ends the children.
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	<-c.exited
}

// Stop closes the helper connection, shuts the server down with
// pg_ctl stop -m immediate (no checkpoint: the data is thrown away) and
// removes the cluster's files. It is idempotent; Start calls it at cleanup.
func (c *Cluster) Stop() error {
	var err error
	c.stop.Do(func() {
		c.mu.Lock()
		if c.conn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = c.conn.Close(ctx) // the server is going away; a close error changes nothing
			cancel()
			c.conn = nil
		}
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, perr := c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir(), "-m", "immediate", "-w"); perr != nil {
			// pg_ctl failing (e.g. the server already died) must not leave a
			// process behind.
			c.kill()
			select {
			case <-c.exited:
			default:
				err = perr
			}
		}
		select {
		case <-c.exited:
		case <-ctx.Done():
			c.kill()
		}
		if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
			err = fmt.Errorf("removing %s: %w", c.dir, rerr)
		}
	})
	return err
}

// DSN is a connection string for user postgres, database postgres.
func (c *Cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// Port is the TCP port the server listens on (127.0.0.1 only).
func (c *Cluster) Port() int { return c.port }

// Version is the output of postgres --version, e.g.
// "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)".
func (c *Cluster) Version() string { return c.version }

// Connect opens a new connection; the caller closes it.
func (c *Cluster) Connect(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.Connect(ctx, c.DSN())
	if err != nil {
		return nil, fmt.Errorf("pgtest: connecting to %s: %w", c.DSN(), err)
	}
	return conn, nil
}

// withConn runs fn on the cluster's shared helper connection, serialised.
func (c *Cluster) withConn(ctx context.Context, fn func(*pgx.Conn) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conn == nil || c.conn.IsClosed() {
		conn, err := c.Connect(ctx)
		if err != nil {
			return err
		}
		c.conn = conn
	}
	return fn(c.conn)
}

// Exec runs sql, which may hold several statements, with the simple query
// protocol.
func (c *Cluster) Exec(ctx context.Context, sql string) error {
	return c.withConn(ctx, func(conn *pgx.Conn) error {
		if err := conn.PgConn().Exec(ctx, sql).Close(); err != nil {
			return fmt.Errorf("pgtest: exec %s: %w", abbrev(sql), err)
		}
		return nil
	})
}

// CopyCSV loads CSV rows (no header) from r into table with
// COPY table FROM STDIN (FORMAT csv) and returns the number of rows.
func (c *Cluster) CopyCSV(ctx context.Context, table string, r io.Reader) (int64, error) {
	var n int64
	err := c.withConn(ctx, func(conn *pgx.Conn) error {
		tag, err := conn.PgConn().CopyFrom(ctx, r, "COPY "+pgx.Identifier{table}.Sanitize()+" FROM STDIN (FORMAT csv)")
		if err != nil {
			return fmt.Errorf("pgtest: copy into %s: %w", table, err)
		}
		n = tag.RowsAffected()
		return nil
	})
	return n, err
}

// Result is a query result in PostgreSQL's text format.
type Result struct {
	Columns []string
	Rows    [][]string // SQL NULL is the string "NULL", as in sqllogictest
}

// Query runs one statement with the simple query protocol and returns every
// value as PostgreSQL prints it (text format), for differential comparison.
func (c *Cluster) Query(ctx context.Context, sql string) (*Result, error) {
	var res *Result
	err := c.withConn(ctx, func(conn *pgx.Conn) error {
		all, err := conn.PgConn().Exec(ctx, sql).ReadAll()
		if err != nil {
			return fmt.Errorf("pgtest: query %s: %w", abbrev(sql), err)
		}
		if len(all) != 1 {
			return fmt.Errorf("pgtest: query %s: %d results, want 1 statement", abbrev(sql), len(all))
		}
		r := all[0]
		res = &Result{Rows: make([][]string, len(r.Rows))}
		for _, f := range r.FieldDescriptions {
			res.Columns = append(res.Columns, f.Name)
		}
		for i, vals := range r.Rows {
			row := make([]string, len(vals))
			for j, v := range vals {
				if v == nil {
					row[j] = "NULL"
				} else {
					row[j] = string(v)
				}
			}
			res.Rows[i] = row
		}
		return nil
	})
	return res, err
}

func abbrev(sql string) string {
	s := strings.Join(strings.Fields(sql), " ")
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strconv.Quote(s)
}
