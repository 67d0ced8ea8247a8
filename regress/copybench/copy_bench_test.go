package copybench

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore/objstoretest"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/regress/tpch"
)

func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	objstoretest.StopSharedMinIO()
	if genDir != "" {
		os.RemoveAll(genDir)
	}
	testenv.RemoveApiaryBinary()
	os.Exit(code)
}

// scaleFactor is APIARY_COPY_SF, default 0.1 (600K lineitem rows, 74 MB).
func scaleFactor(tb testing.TB) float64 {
	sf := 0.1
	if s := os.Getenv("APIARY_COPY_SF"); s != "" {
		var err error
		if sf, err = strconv.ParseFloat(s, 64); err != nil || sf <= 0 {
			tb.Fatalf("APIARY_COPY_SF=%q is not a positive number", s)
		}
	}
	return sf
}

var (
	genOnce sync.Once
	genDir  string
	genPath string
	genSize int64
	genRows int64
	genErr  error
)

// lineitemCSV generates lineitem once per test binary.
func lineitemCSV(tb testing.TB) (path string, size, rows int64) {
	tb.Helper()
	sf := scaleFactor(tb)
	genOnce.Do(func() {
		genDir, genErr = os.MkdirTemp("", "apiary-copybench-")
		if genErr != nil {
			return
		}
		genPath = filepath.Join(genDir, "lineitem.csv")
		f, err := os.Create(genPath)
		if err != nil {
			genErr = err
			return
		}
		if err := tpch.Generate(sf, "lineitem", f, tpch.CSV); err != nil {
			f.Close()
			genErr = err
			return
		}
		if err := f.Close(); err != nil {
			genErr = err
			return
		}
		fi, err := os.Stat(genPath)
		if err != nil {
			genErr = err
			return
		}
		genSize = fi.Size()
		genRows, genErr = tpch.Count(sf, "lineitem")
	})
	if genErr != nil {
		tb.Fatalf("generating lineitem: %v", genErr)
	}
	return genPath, genSize, genRows
}

var readyRe = regexp.MustCompile(`msg="apiary node ready".* addr=(\S+)`)

// startApiary runs `apiary serve` on storage and returns its address.
func startApiary(tb testing.TB, storage string) string {
	tb.Helper()
	cmd := exec.Command(testenv.ApiaryBinary(tb), "serve", "--listen", "127.0.0.1:0", "--storage", storage, "--name", "copybench")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	var mu sync.Mutex
	var logs strings.Builder
	addr := make(chan string, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			logs.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := readyRe.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	tb.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
	})
	select {
	case a := <-addr:
		return a
	case <-done:
	case <-time.After(30 * time.Second):
	}
	mu.Lock()
	defer mu.Unlock()
	tb.Fatalf("apiary serve did not become ready:\n%s", logs.String())
	return ""
}

func connectApiary(tb testing.TB, addr string) *pgconn.PgConn {
	tb.Helper()
	i := strings.LastIndexByte(addr, ':')
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, fmt.Sprintf("host=%s port=%s user=apiary sslmode=disable", addr[:i], addr[i+1:]))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func connectPostgres(tb testing.TB) *pgconn.PgConn {
	tb.Helper()
	c := pgtest.Shared(tb)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgconn.Connect(ctx, c.DSN())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func execSQL(tb testing.TB, conn *pgconn.PgConn, sql string) {
	tb.Helper()
	if _, err := conn.Exec(context.Background(), sql).ReadAll(); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// createLineitem creates the lineitem table under another name.
func createLineitem(tb testing.TB, conn *pgconn.PgConn, name string) {
	tb.Helper()
	ddl, err := tpch.DDL("lineitem")
	if err != nil {
		tb.Fatal(err)
	}
	execSQL(tb, conn, strings.Replace(ddl, "CREATE TABLE lineitem", "CREATE TABLE "+name, 1))
}

// copyFile runs COPY name FROM STDIN (FORMAT csv) with the file's bytes.
func copyFile(tb testing.TB, conn *pgconn.PgConn, name, path string) int64 {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	tag, err := conn.CopyFrom(context.Background(), f, "COPY "+name+" FROM STDIN (FORMAT csv)")
	if err != nil {
		tb.Fatalf("COPY %s: %v", name, err)
	}
	return tag.RowsAffected()
}

// checksum is an order-independent digest of COPY TO output: the number of
// lines and the sum and xor of each line's CRC-32C.
type checksum struct {
	lines    int64
	sum, xor uint64
	partial  []byte
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (c *checksum) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			c.partial = append(c.partial, p...)
			break
		}
		line := p[:i]
		if len(c.partial) > 0 {
			line = append(c.partial, line...)
			c.partial = c.partial[:0]
		}
		h := uint64(crc32.Checksum(line, castagnoli))
		c.lines++
		c.sum += h
		c.xor ^= h<<32 | uint64(len(line))
		p = p[i+1:]
	}
	return n, nil
}

func copyOut(tb testing.TB, conn *pgconn.PgConn, sql string) checksum {
	tb.Helper()
	var c checksum
	if _, err := conn.CopyTo(context.Background(), &c, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	if len(c.partial) > 0 {
		tb.Fatalf("%s: output does not end in a newline", sql)
	}
	return c
}

// TestLineitemMatchesPostgres loads the same lineitem CSV into Apiary and
// PostgreSQL 15 with COPY and compares what COPY TO gives back: every row,
// with every value printed identically (numeric scale, char(n) padding,
// dates).
func TestLineitemMatchesPostgres(t *testing.T) {
	path, _, rows := lineitemCSV(t)
	pg := connectPostgres(t)
	createLineitem(t, pg, "lineitem_check")
	ap := connectApiary(t, startApiary(t, "file://"+t.TempDir()))
	createLineitem(t, ap, "lineitem_check")

	start := time.Now()
	if n := copyFile(t, ap, "lineitem_check", path); n != rows {
		t.Fatalf("Apiary COPY loaded %d rows, the generator made %d", n, rows)
	}
	t.Logf("Apiary COPY of %d rows: %v", rows, time.Since(start).Round(time.Millisecond))
	start = time.Now()
	if n := copyFile(t, pg, "lineitem_check", path); n != rows {
		t.Fatalf("PostgreSQL COPY loaded %d rows, the generator made %d", n, rows)
	}
	t.Logf("PostgreSQL COPY of %d rows: %v", rows, time.Since(start).Round(time.Millisecond))

	a := copyOut(t, ap, "COPY lineitem_check TO STDOUT (FORMAT csv)")
	p := copyOut(t, pg, "COPY lineitem_check TO STDOUT (FORMAT csv)")
	if a.lines != rows || a.lines != p.lines || a.sum != p.sum || a.xor != p.xor {
		t.Fatalf("COPY TO differs: Apiary %d lines (sum %x, xor %x), PostgreSQL %d lines (sum %x, xor %x)",
			a.lines, a.sum, a.xor, p.lines, p.sum, p.xor)
	}
}

// BenchmarkCopyLineitem measures COPY lineitem FROM STDIN (FORMAT csv) of
// the generated file, a fresh table per iteration: MB/s are of CSV bytes.
func BenchmarkCopyLineitem(b *testing.B) {
	path, size, rows := lineitemCSV(b)
	for _, backend := range []string{"apiary-local", "apiary-minio", "postgres"} {
		b.Run(backend, func(b *testing.B) {
			var conn *pgconn.PgConn
			switch backend {
			case "apiary-local":
				conn = connectApiary(b, startApiary(b, "file://"+b.TempDir()))
			case "apiary-minio":
				conn = connectApiary(b, startApiary(b, objstoretest.SharedMinIO(b)))
			case "postgres":
				conn = connectPostgres(b)
			}
			b.SetBytes(size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				name := fmt.Sprintf("lineitem_bench_%d_%d", time.Now().UnixNano(), i)
				createLineitem(b, conn, name)
				b.StartTimer()
				if n := copyFile(b, conn, name, path); n != rows {
					b.Fatalf("loaded %d rows, want %d", n, rows)
				}
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

var _ io.Writer = (*checksum)(nil)
