package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// End-to-end tests of bulk writes: COPY through psql and pgconn, apiary
// load, TRUNCATE and OPTIMIZE, all against the real binary.

// psqlRun runs psql with extra arguments and stdin, returning its combined
// output and error (a failing psql is not a test failure here).
func (n *node) psqlRun(t *testing.T, stdin io.Reader, args ...string) (string, error) {
	t.Helper()
	bin := testenv.LookPath(t, "psql", "apt-get install postgresql-client")
	host, port := n.hostPort()
	all := append([]string{"-X", "-q", "-h", host, "-p", port, "-U", "apiary"}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Stdin = stdin
	cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGSSLMODE=disable")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestCopyWithPsql(t *testing.T) {
	n := startNode(t, "file://"+t.TempDir())
	dir := t.TempDir()
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte("id,name,amount\n3,\"three, quoted\",3.25\n4,,4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out.csv")
	// COPY FROM STDIN with the data inline in the script (psql sends the
	// lines up to \. as CopyData), then \copy from and to local files.
	got := n.psql(t, `
CREATE TABLE t (id int NOT NULL, name text, amount numeric(8,2));
COPY t FROM STDIN;
1	one	1.50
2	\N	\N
\.
\copy t from '`+in+`' with (format csv, header)
\copy t (id, name) from stdin csv
5,five
\.
SELECT * FROM t ORDER BY id;
\copy t to '`+out+`' with csv header
COPY (SELECT id, name FROM t WHERE id = 3) TO STDOUT WITH CSV;
`)
	for _, want := range []string{
		"  1 | one           |   1.50",
		"  2 |               |       ",
		"  3 | three, quoted |   3.25",
		"  4 |               |   4.00",
		"  5 | five          |       ",
		`3,"three, quoted"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("psql output lacks %q:\n%s", want, got)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if lines[0] != "id,name,amount" || len(lines) != 6 || !strings.Contains(string(data), "\n4,,4.00\n") {
		t.Fatalf("\\copy to file wrote:\n%s", data)
	}

	// COPY FROM STDIN fed by a pipe, as in psql -c "COPY ..." < file.
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if o, err := n.psqlRun(t, f, "-v", "ON_ERROR_STOP=1", "-c", "COPY t FROM STDIN (FORMAT csv, HEADER)"); err != nil {
		t.Fatalf("piped COPY: %v\n%s", err, o)
	}
	if got := n.psql(t, "SELECT id FROM t WHERE id = 3;"); strings.Count(got, "  3\n") != 2 {
		t.Fatalf("piped COPY did not add its rows:\n%s", got)
	}

	// A bad file: psql shows PostgreSQL's error, line and column, and the
	// frame is unchanged.
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("6,six,6\n7,seven,lots\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o, err := n.psqlRun(t, nil, "-v", "ON_ERROR_STOP=1", "-c", `\copy t from '`+bad+`' csv`)
	if err == nil || !strings.Contains(o, `invalid input syntax for type numeric: "lots"`) || !strings.Contains(o, `COPY t, line 2, column amount: "lots"`) {
		t.Fatalf("bad file: %v\n%s", err, o)
	}
	if got := n.psql(t, "SELECT id FROM t WHERE id >= 6;"); !strings.Contains(got, "(0 rows)") {
		t.Fatalf("a failed COPY left rows:\n%s", got)
	}
}

func TestCopyBadInputThroughPgconn(t *testing.T) {
	n := startNode(t, "file://"+t.TempDir())
	conn := n.pgx(t).PgConn()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE t (a int NOT NULL, b text, c date)").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.CopyFrom(ctx, strings.NewReader("1,x,2026-01-01\n"), "COPY t FROM STDIN (FORMAT csv)"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, input, code, detail string }{
		{"malformed CSV", "2,\"open quote,2026-01-01\n", "22P04", "COPY t, line 1"},
		{"type error", "2,x,2026-01-01\n3,y,2026-02-30\n", "22008", `COPY t, line 2, column c: "2026-02-30"`},
		{"syntax error", "2,x,yesterday-ish\n", "22007", `COPY t, line 1, column c: "yesterday-ish"`},
		{"integer syntax", "2,x,2026-01-01\nzwei,y,2026-01-01\n", "22P02", `COPY t, line 2, column a: "zwei"`},
		{"not null", "2,x,2026-01-01\n,y,2026-01-01\n", "23502", "COPY t, line 2, column a: null input"},
		{"too many columns", "2,x,2026-01-01,extra\n", "22P04", `COPY t, line 1: "2,x,2026-01-01,extra"`},
		{"too few columns", "2,x\n", "22P04", `COPY t, line 1: "2,x"`},
	} {
		_, err := conn.CopyFrom(ctx, strings.NewReader(c.input), "COPY t FROM STDIN (FORMAT csv)")
		var pe *pgconn.PgError
		if !errors.As(err, &pe) || pe.Code != c.code || !strings.Contains(pe.Detail, c.detail) {
			t.Errorf("%s: %v (detail %q), want %s with %q", c.name, err, detailOf(err), c.code, c.detail)
		}
	}
	var rows int
	res, err := conn.Exec(ctx, "SELECT a FROM t").ReadAll()
	if err == nil {
		rows = len(res[0].Rows)
	}
	if err != nil || rows != 1 {
		t.Fatalf("after the failed COPYs: %d rows (%v), want 1", rows, err)
	}
}

func detailOf(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Detail
	}
	return ""
}

// lineDigest is an order-independent digest of CSV lines and of the sum of
// their first field.
type lineDigest struct {
	lines, idSum int64
	crcSum       uint64
	partial      []byte
}

func (d *lineDigest) add(line []byte) {
	d.lines++
	d.crcSum += uint64(crc32.ChecksumIEEE(line))
	i := bytes.IndexByte(line, ',')
	if i < 0 {
		i = len(line)
	}
	v, _ := strconv.ParseInt(string(line[:i]), 10, 64)
	d.idSum += v
}

func (d *lineDigest) same(o lineDigest) bool {
	return d.lines == o.lines && d.idSum == o.idSum && d.crcSum == o.crcSum && len(d.partial) == 0 && len(o.partial) == 0
}

func (d *lineDigest) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			d.partial = append(d.partial, p...)
			break
		}
		line := p[:i]
		if len(d.partial) > 0 {
			line = append(d.partial, line...)
			d.partial = d.partial[:0]
		}
		d.add(line)
		p = p[i+1:]
	}
	return n, nil
}

// TestCopyMillionRows round-trips a million rows through COPY FROM STDIN
// and COPY TO STDOUT: count, the sum of a column and a digest of every line
// must come back identical (the input is written exactly as PostgreSQL
// prints the types, so identical text means identical values).
func TestCopyMillionRows(t *testing.T) {
	const rows = 1_000_000
	n := startNode(t, "file://"+t.TempDir())
	conn := n.pgx(t).PgConn()
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "CREATE TABLE big (id bigint NOT NULL, grp int, amount numeric(12,2), name text, day date)").ReadAll(); err != nil {
		t.Fatal(err)
	}
	var sent lineDigest
	pr, pw := io.Pipe()
	go func() {
		buf := make([]byte, 0, 1<<20)
		var line []byte
		day := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := int64(0); i < rows; i++ {
			line = line[:0]
			line = strconv.AppendInt(line, i, 10)
			line = append(line, ',')
			line = strconv.AppendInt(line, i%97, 10)
			line = append(line, ',')
			cents := (i * 7919) % 10_000_000
			line = strconv.AppendInt(line, cents/100, 10)
			line = append(line, '.', byte('0'+cents%100/10), byte('0'+cents%10), ',', 'n')
			line = strconv.AppendInt(line, i%1000, 10)
			line = append(line, ',')
			line = day.AddDate(0, 0, int(i%3000)).AppendFormat(line, "2006-01-02")
			sent.add(line)
			buf = append(append(buf, line...), '\n')
			if len(buf) > 1<<20-100 {
				if _, err := pw.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		_, _ = pw.Write(buf)
		pw.Close()
	}()
	start := time.Now()
	tag, err := conn.CopyFrom(ctx, pr, "COPY big FROM STDIN (FORMAT csv)")
	pr.Close()
	if err != nil || tag.RowsAffected() != rows {
		t.Fatalf("COPY FROM: %v %v", tag, err)
	}
	t.Logf("COPY FROM of %d rows: %v", rows, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	var got lineDigest
	tag, err = conn.CopyTo(ctx, &got, "COPY big TO STDOUT (FORMAT csv)")
	if err != nil || tag.RowsAffected() != rows {
		t.Fatalf("COPY TO: %v %v", tag, err)
	}
	t.Logf("COPY TO of %d rows: %v", rows, time.Since(start).Round(time.Millisecond))
	if got.lines != sent.lines || got.idSum != sent.idSum || got.crcSum != sent.crcSum || len(got.partial) != 0 {
		t.Fatalf("round trip differs: sent %d lines (id sum %d, digest %x), got %d (id sum %d, digest %x)",
			sent.lines, sent.idSum, sent.crcSum, got.lines, got.idSum, got.crcSum)
	}
}

func TestDDLAcrossProcesses(t *testing.T) {
	storage := "file://" + t.TempDir()
	a := startNode(t, storage)
	b := startNode(t, storage)
	a.psql(t, "CREATE HIVE shared; CREATE BOX shared.raw; CREATE TABLE shared.raw.events (id int, what text);")
	// B learns of A's DDL from storage alone, and writes into it.
	got := b.psql(t, `SHOW FRAMES FROM shared.raw;
COPY shared.raw.events FROM STDIN (FORMAT csv);
1,made on b
\.
`)
	if !strings.Contains(got, "events") {
		t.Fatalf("B does not see A's frame:\n%s", got)
	}
	if got := a.psql(t, "SELECT * FROM shared.raw.events;"); !strings.Contains(got, "made on b") {
		t.Fatalf("A does not see B's rows:\n%s", got)
	}
	b.psql(t, "DROP TABLE shared.raw.events;")
	if o, err := a.psqlRun(t, nil, "-c", "SELECT * FROM shared.raw.events"); err == nil || !strings.Contains(o, "does not exist") {
		t.Fatalf("A still sees the frame B dropped: %v\n%s", err, o)
	}
}

func TestTruncateAndOptimize(t *testing.T) {
	n := startNode(t, "file://"+t.TempDir())
	var script strings.Builder
	script.WriteString("CREATE FRAME m (id int NOT NULL, region text, v numeric(10,2)) WITH (partition_by = 'region');\n")
	for i := range 40 {
		// psql sends each statement as its own query: 40 autocommit INSERTs,
		// 40 small cells.
		fmt.Fprintf(&script, "INSERT INTO m VALUES (%d, '%s', %d.5);\n", i, []string{"north", "south"}[i%2], i)
	}
	n.psql(t, script.String())
	conn := n.pgx(t).PgConn()
	ctx := context.Background()
	digest := func() lineDigest {
		var d lineDigest
		if _, err := conn.CopyTo(ctx, &d, "COPY m TO STDOUT (FORMAT csv)"); err != nil {
			t.Fatal(err)
		}
		return d
	}
	before := digest()
	if before.lines != 40 {
		t.Fatalf("%d rows", before.lines)
	}
	cells := regexp.MustCompile(`# cells\s+\|\s+(\d+)`)
	if m := cells.FindStringSubmatch(n.psql(t, "DESCRIBE m;")); m == nil || m[1] != "40" {
		t.Fatalf("cells before OPTIMIZE: %v", m)
	}

	// TRUNCATE rolled back leaves everything.
	got := n.psql(t, "BEGIN;\nTRUNCATE m;\nSELECT * FROM m;\nROLLBACK;\n")
	if !strings.Contains(got, "(0 rows)") {
		t.Fatalf("TRUNCATE inside the block:\n%s", got)
	}
	if after := digest(); !after.same(before) {
		t.Fatalf("rolled-back TRUNCATE changed the frame: %+v vs %+v", after, before)
	}

	n.psql(t, "OPTIMIZE FRAME m;")
	if after := digest(); !after.same(before) {
		t.Fatalf("OPTIMIZE changed the rows: %+v vs %+v", after, before)
	}
	if m := cells.FindStringSubmatch(n.psql(t, "DESCRIBE m;")); m == nil || m[1] != "2" {
		t.Fatalf("cells after OPTIMIZE: %v, want 2 (one per partition)", m)
	}

	n.psql(t, "TRUNCATE m PARTITION (region = 'north');")
	if d := digest(); d.lines != 20 {
		t.Fatalf("%d rows after truncating one partition", d.lines)
	}
	n.psql(t, "TRUNCATE TABLE m;")
	if d := digest(); d.lines != 0 {
		t.Fatalf("%d rows after TRUNCATE", d.lines)
	}
}

func TestLoadCommand(t *testing.T) {
	dataDir := t.TempDir()
	storage := "file://" + dataDir
	in := t.TempDir()
	for i := range 3 {
		var b strings.Builder
		b.WriteString("id,city,fare\n")
		for j := range 1000 {
			fmt.Fprintf(&b, "%d,%s,%d.%02d\n", i*1000+j, []string{"Lisbon", "Porto"}[j%2], j, j%100)
		}
		if err := os.WriteFile(filepath.Join(in, fmt.Sprintf("trips-%d.csv", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := testenv.ApiaryBinary(t)
	run := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	out, errOut, err := run("load", "--storage", storage, "--frame", "trips", "--create", "--header", "--partition-by", "city",
		filepath.Join(in, "trips-*.csv"))
	if err != nil {
		t.Fatalf("apiary load: %v\n%s%s", err, out, errOut)
	}
	if !regexp.MustCompile(`^created trips and loaded 3000 rows \(.* 3 inputs\) into trips in .*rows/s`).MatchString(out) {
		t.Fatalf("final line: %q (stderr %q)", out, errOut)
	}
	// Not a terminal: no progress bar.
	if strings.Contains(errOut, "\r") {
		t.Fatalf("progress drawn on a non-terminal: %q", errOut)
	}
	// A Parquet file (one of the frame's own cells) loads by its schema.
	cellsFound, _ := filepath.Glob(filepath.Join(dataDir, "frames", "*", "data", "city=Porto", "*.parquet"))
	if len(cellsFound) == 0 {
		t.Fatal("no cell written")
	}
	if out, errOut, err := run("load", "--storage", storage, "--frame", "porto", "--create", cellsFound[0]); err != nil {
		t.Fatalf("apiary load parquet: %v\n%s%s", err, out, errOut)
	}
	// A bad input fails with the SQLSTATE and loads nothing.
	if err := os.WriteFile(filepath.Join(in, "bad.csv"), []byte("id,city,fare\n1,Faro,cheap\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err = run("load", "--storage", storage, "--frame", "trips", "--header", filepath.Join(in, "bad.csv"))
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 1 || !strings.Contains(errOut, "SQLSTATE 22P02") || !strings.Contains(errOut, `column fare: "cheap"`) {
		t.Fatalf("bad load: %v\n%s%s", err, out, errOut)
	}
	if _, errOut, err := run("load", "--storage", storage); err == nil || !strings.Contains(errOut, "--frame") {
		t.Fatalf("usage: %v %s", err, errOut)
	}

	n := startNode(t, storage)
	got := n.psql(t, "SELECT city FROM trips WHERE id = 2500;\nSELECT id FROM porto LIMIT 3;\nDESCRIBE trips;")
	for _, want := range []string{"Lisbon", "(3 rows)", "fare", "numeric(18,2)", "# rows", "3000"} {
		if !strings.Contains(got, want) {
			t.Fatalf("after apiary load, output lacks %q:\n%s", want, got)
		}
	}
}

func TestCopyFromS3(t *testing.T) {
	base := objstoretest.StartMinIO(t)
	ctx := context.Background()
	st, err := objstore.Open(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 2 {
		if err := st.Put(ctx, fmt.Sprintf("in/part-%d.csv", i), []byte(fmt.Sprintf("%d,a\n%d,b\n", 2*i, 2*i+1))); err != nil {
			t.Fatal(err)
		}
	}
	n := startNode(t, "file://"+t.TempDir())
	src := strings.Replace(base, "?", "/in/part-*.csv?", 1)
	got := n.psql(t, "CREATE TABLE s (id int, v text);\nCOPY s FROM '"+src+"' (FORMAT csv);\nSELECT * FROM s;")
	if !strings.Contains(got, "(4 rows)") {
		t.Fatalf("COPY FROM s3:\n%s", got)
	}
}

// TestCrashBeforeCommit kills a node (SIGKILL) while a transaction block
// has written cells but not committed, and checks that a node started on
// the same storage sees none of the block's rows and keeps working.
func TestCrashBeforeCommit(t *testing.T) {
	storage := "file://" + t.TempDir()
	a := startNode(t, storage)
	a.psql(t, "CREATE TABLE ledgered (id int, v text); INSERT INTO ledgered VALUES (1, 'committed');")
	ctx := context.Background()
	conn, err := pgconn.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", a.addr))
	if err != nil {
		t.Fatal(err)
	}
	// INSERT ... SELECT writes its cells at once; only the commit would
	// make them part of the frame.
	if _, err := conn.Exec(ctx, "BEGIN; INSERT INTO ledgered SELECT id + 1, 'pending' FROM ledgered;").ReadAll(); err != nil {
		t.Fatal(err)
	}
	if err := a.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-a.done
	// Reap it, so that the cleanup sees a process that has exited.
	if err := a.cmd.Wait(); err == nil {
		t.Fatal("a SIGKILLed node exited cleanly")
	}
	b := startNode(t, storage)
	if got := b.psql(t, "SELECT id, v FROM ledgered ORDER BY id;"); !strings.Contains(got, "committed") || strings.Contains(got, "pending") {
		t.Fatalf("after the crash:\n%s", got)
	}
	b.psql(t, "INSERT INTO ledgered VALUES (3, 'after');")
	if got := b.psql(t, "SELECT count(*) FROM ledgered;"); !strings.Contains(got, "2") {
		t.Fatalf("count after the crash and one more insert:\n%s", got)
	}
}
