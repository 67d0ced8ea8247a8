package slt

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/difftest"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const pendingPath = "testdata/pending.txt"

func TestParse(t *testing.T) {
	text := `hash-threshold 3

statement ok
CREATE TABLE t (a int)

# a comment
skipif postgresql
onlyif apiary
query IT rowsort lbl
SELECT a, 'x'
FROM t;
----
1 x

query R valuesort
SELECT 1.5
----
3 values hashing to 0123456789abcdef0123456789abcdef

statement error some pattern
SELECT nope

query error
SELECT nope

halt

statement ok
never read
`
	recs, err := Parse(strings.NewReader(text), "x.test")
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 5 {
		t.Fatalf("%d records, want 5: %+v", len(recs), recs)
	}
	q := recs[1]
	if !q.Query || q.Types != "IT" || q.Sort != RowSort || q.Label != "lbl" || q.SQL != "SELECT a, 'x'\nFROM t" ||
		len(q.Expected) != 1 || q.HashThreshold != 3 || q.Runs("postgresql") || !q.Runs("apiary") || q.Line != 9 {
		t.Errorf("query record: %+v", q)
	}
	if h := recs[2]; h.HashCount != 3 || h.Hash != "0123456789abcdef0123456789abcdef" || h.Sort != ValueSort {
		t.Errorf("hash record: %+v", h)
	}
	if !recs[3].ExpectError || recs[3].Query || !recs[4].ExpectError || !recs[4].Query {
		t.Errorf("error records: %+v %+v", recs[3], recs[4])
	}
	for _, bad := range []string{"statement maybe\nSELECT 1", "query X\nSELECT 1", "query I sideways\nSELECT 1", "bogus", "statement ok\n----\n1"} {
		if _, err := Parse(strings.NewReader(bad), "bad.test"); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	v := func(s string) difftest.Value { return difftest.Value{Text: s} }
	null := difftest.Value{Null: true}
	rows := [][]difftest.Value{
		{v("3.7"), v("2"), v(""), v("b")},
		{v("-2"), v("x"), null, v("a\tb")},
		{v("t"), null, v("é"), v("a")},
	}
	got := strings.Join(Format("IRTT", rows, NoSort), ",")
	if want := "3,2.000,(empty),b,-2,0.000,NULL,a@b,1,NULL,@@,a"; got != want {
		t.Errorf("Format nosort = %s, want %s", got, want)
	}
	got = strings.Join(Format("IRTT", rows, RowSort), ",")
	if want := "-2,0.000,NULL,a@b,1,NULL,@@,a,3,2.000,(empty),b"; got != want {
		t.Errorf("Format rowsort = %s, want %s", got, want)
	}
	got = strings.Join(Format("I", [][]difftest.Value{{v("2")}, {v("10")}, {v("1")}}, ValueSort), ",")
	if want := "1,10,2"; got != want {
		t.Errorf("Format valuesort = %s, want %s", got, want)
	}
	if h := Hash([]string{"1", "2", "3", "4", "5"}); h != "a7b1ac3a2b072f71a8e0d463bf4eb822" {
		t.Errorf("Hash = %s", h)
	}
}

// TestFiles runs testdata/*.test on Apiary, each file on a fresh engine,
// and on PostgreSQL, each file in a fresh database, so that the expected
// results are known to be PostgreSQL's. Records Apiary fails are listed in
// testdata/pending.txt ("file:line reason"), as in regress/difftest.
func TestFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.test")
	if err != nil {
		t.Fatal(err)
	}
	pending, err := difftest.ReadPending(pendingPath)
	if err != nil {
		t.Fatal(err)
	}
	pg := pgtest.Shared(t)
	for i, path := range files {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			recs := parseFile(t, path)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()

			conn := freshDatabase(t, ctx, pg, fmt.Sprintf("slt_%d", i))
			st, err := Run(ctx, Postgres{conn}, recs)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range st.Failures {
				t.Errorf("%s on PostgreSQL (the file's expectation is wrong): %s", name, f)
			}

			st, err = Run(ctx, apiaryOverWire(t), recs)
			if err != nil {
				t.Fatal(err)
			}
			failed := map[string]bool{}
			for _, f := range st.Failures {
				id := fmt.Sprintf("%s:%d", name, f.Record.Line)
				failed[id] = true
				if !pending.Has(id) {
					t.Errorf("%s on Apiary: %s", name, f)
				}
			}
			for _, id := range pending.Order {
				if strings.HasPrefix(id, name+":") && !failed[id] {
					t.Errorf("%s passes on Apiary now: remove it from %s", id, pendingPath)
				}
			}
			t.Logf("%s: %d records, apiary passed %d, skipped %d, failed %d", name, st.Records, st.Passed, st.Skipped, len(st.Failures))
		})
	}
}

// TestExternal runs sqllogictest files from elsewhere on Apiary only and
// reports how many records pass; it never fails on a mismatch. Point it at
// files with APIARY_SLT_FILES (a glob), and at a running node with
// APIARY_SLT_DSN (default: a fresh in-process node), e.g.
//
//	APIARY_SLT_FILES='/data/sqllogictest/test/select*.test' go test ./regress/slt -run TestExternal -v
func TestExternal(t *testing.T) {
	glob := os.Getenv("APIARY_SLT_FILES")
	if glob == "" {
		t.Skip("APIARY_SLT_FILES is not set")
	}
	files, err := filepath.Glob(glob)
	if err != nil {
		t.Fatal(err)
	}
	var total, passed, skipped int
	for _, path := range files {
		recs := parseFile(t, path)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		r := apiaryOverWire(t)
		if dsn := os.Getenv("APIARY_SLT_DSN"); dsn != "" {
			conn, err := pgx.Connect(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			r = Wire{conn, "apiary"}
		}
		st, err := Run(ctx, r, recs)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		total, passed, skipped = total+st.Records, passed+st.Passed, skipped+st.Skipped
		t.Logf("%s: %d records, passed %d, skipped %d, failed %d", path, st.Records, st.Passed, st.Skipped, len(st.Failures))
		for i, f := range st.Failures {
			if i == 3 {
				t.Logf("  ... %d more", len(st.Failures)-3)
				break
			}
			t.Logf("  %s", f)
		}
	}
	t.Logf("total: %d records in %d files, passed %d, skipped %d, failed %d", total, len(files), passed, skipped, total-passed-skipped)
}

func parseFile(t *testing.T, path string) []Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := Parse(f, filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

// apiaryOverWire starts a fresh in-memory engine behind Apiary's
// PostgreSQL server on 127.0.0.1 and returns a runner connected to it with
// pgx, so records travel the wire as a client's would.
func apiaryOverWire(t *testing.T) DB {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := exec.NewEngine(ctx, objstore.NewMem(), exec.Config{Node: "slt"})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{}, server.EngineSessions(eng))
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ctx, ln) }()
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", ln.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Close(context.Background())
		cancel()
		<-served
	})
	return Wire{conn, "apiary"}
}

// freshDatabase creates database name on the cluster and connects to it.
func freshDatabase(t *testing.T, ctx context.Context, pg *pgtest.Cluster, name string) *pgx.Conn {
	t.Helper()
	// Two calls: CREATE DATABASE cannot run in the implicit transaction of
	// a multi-statement query.
	for _, sql := range []string{"DROP DATABASE IF EXISTS " + name, "CREATE DATABASE " + name} {
		if err := pg.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := pgx.ParseConfig(pg.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.Database = name
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx) // the cluster is thrown away after the run
	})
	return conn
}
