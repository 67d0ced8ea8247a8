package catalogtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/server"
)

// apiary is an in-process Apiary node for the tests: an engine on an
// in-memory store behind a wire server on a loopback port.
type apiary struct {
	addr string
	port int
}

// startApiary starts a node holding fixtureDDL's objects; it stops with
// the test.
func startApiary(t *testing.T) *apiary {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("APIARY_CATALOGTEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	eng, err := exec.NewEngine(ctx, objstore.NewMem(), exec.Config{Node: "catalogtest", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{Logger: logger}, server.EngineSessions(eng))
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		ln.Close()
		<-served
	})
	a := &apiary{addr: ln.Addr().String(), port: ln.Addr().(*net.TCPAddr).Port}
	conn := a.connect(t)
	defer conn.Close(context.Background())
	for _, ddl := range fixtureDDL {
		if err := conn.Exec(ctx, ddl).Close(); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
	}
	if err := conn.Exec(ctx, `INSERT INTO trips (id, city, fare) VALUES (1, 'Lisbon', 12.50), (2, 'Porto', 7.25)`).Close(); err != nil {
		t.Fatal(err)
	}
	return a
}

func (a *apiary) connect(t *testing.T) *pgconn.PgConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", a.addr))
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

// corpusQuery is one query of a corpus file.
type corpusQuery struct {
	file, label, sql string
}

// readCorpus reads testdata/<name>: queries, each after a "-- query:
// <label>" line.
func readCorpus(t *testing.T, name string) []corpusQuery {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []corpusQuery
	var cur *corpusQuery
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if label, ok := strings.CutPrefix(line, "-- query: "); ok {
			out = append(out, corpusQuery{file: name, label: label})
			cur = &out[len(out)-1]
			continue
		}
		if cur != nil {
			cur.sql += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for i := range out {
		out[i].sql = strings.TrimSpace(out[i].sql)
	}
	return out
}

// readPending reads testdata/pending.txt: labels of queries known to fail
// on Apiary, each with the reason after " # ".
func readPending(t *testing.T) map[string]string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "pending.txt"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		label, why, _ := strings.Cut(line, " # ")
		out[strings.TrimSpace(label)] = why
	}
	return out
}

// TestClientCatalogQueries replays the catalog queries of psql, pgJDBC,
// DBeaver, Metabase and other drivers against Apiary over the wire: each
// must succeed, except those listed in testdata/pending.txt, which must
// still fail (so that the list only shrinks).
func TestClientCatalogQueries(t *testing.T) {
	a := startApiary(t)
	conn := a.connect(t)
	defer conn.Close(context.Background())
	pending := readPending(t)
	seen := map[string]bool{}
	for _, file := range []string{"psql.sql", "pgjdbc.sql", "dbeaver.sql", "metabase.sql", "drivers.sql"} {
		for _, q := range readCorpus(t, file) {
			seen[q.label] = true
			t.Run(q.label, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				_, err := conn.Exec(ctx, q.sql).ReadAll()
				why, isPending := pending[q.label]
				switch {
				case err != nil && !isPending:
					t.Errorf("%s: %v\n%s", q.file, err, q.sql)
				case err == nil && isPending:
					t.Errorf("%s now succeeds; remove it from testdata/pending.txt (%s)", q.label, why)
				}
				if conn.IsClosed() {
					t.Fatal("the connection closed")
				}
			})
		}
	}
	var stale []string
	for label := range pending {
		if !seen[label] {
			stale = append(stale, label)
		}
	}
	sort.Strings(stale)
	if len(stale) > 0 {
		t.Errorf("testdata/pending.txt lists queries no corpus holds: %q", stale)
	}
}

// TestCatalogMatchesPostgres runs testdata/compare.sql on Apiary and on
// PostgreSQL 15 holding the same objects: the answers (names and values,
// as text) must be equal.
func TestCatalogMatchesPostgres(t *testing.T) {
	pg := pgtest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pgFixture(t, ctx, pg)
	a := startApiary(t)
	conn := a.connect(t)
	defer conn.Close(context.Background())
	for _, q := range readCorpus(t, "compare.sql") {
		t.Run(q.label, func(t *testing.T) {
			want, err := pg.Query(ctx, q.sql)
			if err != nil {
				t.Fatalf("PostgreSQL: %v", err)
			}
			got, err := queryText(ctx, conn, q.sql)
			if err != nil {
				t.Fatalf("Apiary: %v\n%s", err, q.sql)
			}
			if g, w := strings.Join(got.Columns, " | "), strings.Join(want.Columns, " | "); g != w {
				t.Errorf("columns\n got: %s\nwant: %s", g, w)
			}
			if g, w := formatRows(got.Rows), formatRows(want.Rows); g != w {
				t.Errorf("rows\n got:\n%s\nwant:\n%s", g, w)
			}
		})
	}
}

var pgFixtureOnce sync.Once

// pgFixture creates fixtureDDL's objects in the shared PostgreSQL cluster,
// with the rows startApiary inserts.
func pgFixture(t *testing.T, ctx context.Context, pg *pgtest.Cluster) {
	t.Helper()
	var err error
	pgFixtureOnce.Do(func() {
		// The objects belong to a superuser named like Apiary's, so that
		// the owners psql prints agree.
		stmts := append(append([]string(nil), fixtureDDL...),
			`INSERT INTO trips (id, city, fare) VALUES (1, 'Lisbon', 12.50), (2, 'Porto', 7.25)`,
			`CREATE ROLE apiary SUPERUSER LOGIN`, `ALTER TABLE trips OWNER TO apiary`,
			`ALTER SCHEMA raw OWNER TO apiary`, `ALTER TABLE raw.events OWNER TO apiary`)
		for _, s := range stmts {
			if err = pg.Exec(ctx, s); err != nil {
				return
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queryText runs sql with the simple protocol and returns the result as
// pgtest does: column names and text values, NULL as "NULL".
func queryText(ctx context.Context, conn *pgconn.PgConn, sql string) (*pgtest.Result, error) {
	all, err := conn.Exec(ctx, sql).ReadAll()
	if err != nil {
		return nil, err
	}
	r := all[len(all)-1]
	res := &pgtest.Result{}
	for _, f := range r.FieldDescriptions {
		res.Columns = append(res.Columns, f.Name)
	}
	for _, vals := range r.Rows {
		row := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				row[i] = "NULL"
			} else {
				row[i] = string(v)
			}
		}
		res.Rows = append(res.Rows, row)
	}
	return res, nil
}

func formatRows(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		b.WriteString("  " + strings.Join(r, " | ") + "\n")
	}
	return b.String()
}

// psqlCompared are psql commands whose output must be the same against
// Apiary and against PostgreSQL holding the same objects.
var psqlCompared = []string{`\d trips`, `\d+ trips`, `\dn`, `\d raw.events`, `\dt`, `\dt raw.*`, `\d`, `\di`, `\dv`}

// TestPsqlDescribeMatchesPostgres runs psql 15 itself against Apiary and
// PostgreSQL and compares what it prints for psqlCompared: every catalog
// query psql sends for them must succeed and answer what PostgreSQL
// answers.
func TestPsqlDescribeMatchesPostgres(t *testing.T) {
	psql := testenv.LookPath(t, "psql", "install postgresql-client")
	pg := pgtest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pgFixture(t, ctx, pg)
	a := startApiary(t)
	run := func(port int, db, cmd string) string {
		out, err := osexec.CommandContext(ctx, psql, "-X", "-h", "127.0.0.1", "-p", strconv.Itoa(port), "-U", "apiary",
			"-d", db, "-c", cmd).CombinedOutput()
		if err != nil {
			t.Errorf("psql %s on port %d: %v\n%s", cmd, port, err, out)
		}
		return string(out)
	}
	for _, cmd := range psqlCompared {
		want := run(pg.Port(), "postgres", cmd)
		got := run(a.port, "apiary", cmd)
		if got != want {
			t.Errorf("psql %s\n--- Apiary:\n%s\n--- PostgreSQL:\n%s", cmd, got, want)
		}
	}
}
