package tpchbench

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/difftest"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/regress/tpch"
	"github.com/apiarydb/apiary/server"
)

// TestMain removes the loaded store after the run: at SF 1 it is about
// 400 MB, and every run makes a new one.
func TestMain(m *testing.M) {
	code := pgtest.Main(m)
	if tmpDir != "" {
		os.RemoveAll(tmpDir)
	}
	os.Exit(code)
}

// bench is the loaded pair of systems, shared by the package's tests.
type bench struct {
	sf        float64
	pg        *pgx.Conn
	ap        *pgx.Conn
	beeMem    int64
	memLimit  int64
	gcPercent int
	loadPG    time.Duration
	loadAp    time.Duration
}

var (
	once     sync.Once
	shared   *bench
	setupErr error
	tmpDir   string
)

func scale(tb testing.TB) float64 {
	sf := 1.0
	if s := os.Getenv("APIARY_TPCH_SF"); s != "" {
		var err error
		if sf, err = strconv.ParseFloat(s, 64); err != nil || sf <= 0 {
			tb.Fatalf("APIARY_TPCH_SF=%q is not a positive number", s)
		}
	}
	return sf
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10} {
		if strings.HasSuffix(s, suffix) {
			s, mult = strings.TrimSuffix(s, suffix), m
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n * mult, err
}

// setup generates the data once, loads it into a throwaway PostgreSQL 15
// cluster and into an Apiary engine on the local file backend, and connects
// to both over the PostgreSQL wire protocol (Apiary's server runs in this
// process on 127.0.0.1).
func setup(tb testing.TB) *bench {
	pgc := pgtest.Shared(tb)
	once.Do(func() { shared, setupErr = load(pgc, scale(tb)) })
	if setupErr != nil {
		tb.Fatal(setupErr)
	}
	return shared
}

func load(pgc *pgtest.Cluster, sf float64) (*bench, error) {
	ctx := context.Background()
	b := &bench{sf: sf}
	if s := os.Getenv("APIARY_TPCH_MEMLIMIT"); s != "" {
		limit, err := parseBytes(s)
		if err != nil {
			return nil, fmt.Errorf("APIARY_TPCH_MEMLIMIT=%q: %w", s, err)
		}
		debug.SetMemoryLimit(limit)
		b.memLimit = limit
		// Operators may hold about half the heap; the rest is batches in
		// flight, cell buffers and the runtime's headroom.
		b.beeMem = limit / 2 / int64(runtime.GOMAXPROCS(0))
	} else {
		// The Go memory limit a node on this machine would run with.
		budgets := hardware.Derive(hardware.Detect(hardware.Options{}), hardware.Overrides{})
		b.memLimit, _ = hardware.ApplyMemoryLimit(budgets.MemoryLimit, os.Getenv)
	}
	// And the collector's setting under it, as `apiary serve` has them.
	b.gcPercent, _ = hardware.ApplyGCPercent(b.memLimit, os.Getenv)
	var err error
	if tmpDir, err = os.MkdirTemp("", "apiary-tpchbench-"); err != nil {
		return nil, err
	}
	store, err := objstore.Open(ctx, "file://"+filepath.Join(tmpDir, "store"))
	if err != nil {
		return nil, err
	}
	eng, err := exec.NewEngine(ctx, store, exec.Config{Node: "tpchbench", BeeMemory: b.beeMem})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := server.New(server.Config{}, server.EngineSessions(eng))
	go srv.Serve(context.Background(), ln) //nolint:errcheck // ends with the test process
	if b.ap, err = pgx.Connect(ctx, fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable&default_query_exec_mode=simple_protocol", ln.Addr())); err != nil {
		return nil, fmt.Errorf("connecting to apiary: %w", err)
	}
	if b.pg, err = pgc.Connect(ctx); err != nil {
		return nil, err
	}
	for _, t := range tpch.Tables {
		ddl, err := tpch.DDL(t.Name)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(tmpDir, t.Name+".csv")
		f, err := os.Create(path)
		if err != nil {
			return nil, err
		}
		genStart := time.Now()
		if err := tpch.Generate(sf, t.Name, f, tpch.CSV); err != nil {
			f.Close()
			return nil, err
		}
		f.Close()
		var size int64
		if fi, err := os.Stat(path); err == nil {
			size = fi.Size()
		}
		progress("%-9s generated %7.1f MB in %5.1f s", t.Name, float64(size)/1e6, time.Since(genStart).Seconds())
		if _, err := b.ap.Exec(ctx, ddl); err != nil {
			return nil, fmt.Errorf("apiary %s: %w", t.Name, err)
		}
		start := time.Now()
		if _, err := b.ap.Exec(ctx, fmt.Sprintf("COPY %s FROM 'file://%s' (FORMAT csv)", t.Name, path)); err != nil {
			return nil, fmt.Errorf("apiary COPY %s: %w", t.Name, err)
		}
		b.loadAp += time.Since(start)
		if err := pgc.Exec(ctx, ddl); err != nil {
			return nil, err
		}
		start = time.Now()
		r, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		_, err = pgc.CopyCSV(ctx, t.Name, r)
		r.Close()
		if err != nil {
			return nil, err
		}
		b.loadPG += time.Since(start)
		progress("%-9s loaded: Apiary %5.1f s total so far, PostgreSQL %5.1f s", t.Name, b.loadAp.Seconds(), b.loadPG.Seconds())
		os.Remove(path)
	}
	// PostgreSQL gets the benchmark's customary primary keys and fresh
	// statistics, as a PostgreSQL user would have them (without keys, Q20
	// and Q21 run for minutes).
	for _, stmt := range []string{
		"ALTER TABLE region ADD PRIMARY KEY (r_regionkey)", "ALTER TABLE nation ADD PRIMARY KEY (n_nationkey)",
		"ALTER TABLE supplier ADD PRIMARY KEY (s_suppkey)", "ALTER TABLE part ADD PRIMARY KEY (p_partkey)",
		"ALTER TABLE partsupp ADD PRIMARY KEY (ps_partkey, ps_suppkey)", "ALTER TABLE customer ADD PRIMARY KEY (c_custkey)",
		"ALTER TABLE orders ADD PRIMARY KEY (o_orderkey)", "ALTER TABLE lineitem ADD PRIMARY KEY (l_orderkey, l_linenumber)",
		"VACUUM ANALYZE",
	} {
		if err := pgc.Exec(ctx, stmt); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// progress reports loading on stderr as it goes: SF 1 takes about a
// minute before the first query runs.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "tpchbench: "+format+"\n", args...)
}

func (b *bench) query(tb testing.TB, q int) string {
	sql, err := tpch.QueryForSF(q, b.sf)
	if err != nil {
		tb.Fatal(err)
	}
	return sql
}

func run(ctx context.Context, conn *pgx.Conn, sql string) (int, error) {
	rows := 0
	rr := conn.PgConn().Exec(ctx, sql)
	for rr.NextResult() {
		res := rr.ResultReader()
		for res.NextRow() {
			rows++
		}
		if _, err := res.Close(); err != nil {
			rr.Close()
			return rows, err
		}
	}
	return rows, rr.Close()
}

// BenchmarkTPCH times each query on each system.
func BenchmarkTPCH(b *testing.B) {
	bb := setup(b)
	ctx := context.Background()
	for q := 1; q <= 22; q++ {
		sql := bb.query(b, q)
		for _, sys := range []struct {
			name string
			conn *pgx.Conn
		}{{"apiary", bb.ap}, {"postgres", bb.pg}} {
			b.Run(fmt.Sprintf("Q%02d/%s", q, sys.name), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := run(ctx, sys.conn, sql); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestTPCHReport prints the per-query table for docs/performance.md.
func TestTPCHReport(t *testing.T) {
	if os.Getenv("APIARY_TPCH_REPORT") == "" {
		t.Skip("set APIARY_TPCH_REPORT=1 (and APIARY_TPCH_SF) to print the TPC-H table; make bench-tpch does")
	}
	bb := setup(t)
	ctx := context.Background()
	reps := 3
	// PostgreSQL runs the correlated subqueries of Q17 and Q20 once per
	// outer row, which takes hours at SF 1; a statement timeout bounds the
	// report, and such queries are reported as "> limit".
	limit := 60 * time.Second
	if _, err := bb.pg.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", limit.Milliseconds())); err != nil {
		t.Fatal(err)
	}
	median := func(conn *pgx.Conn, sql string) (time.Duration, error) {
		var ds []time.Duration
		for i := 0; i < reps; i++ {
			start := time.Now()
			if _, err := run(ctx, conn, sql); err != nil {
				return 0, err
			}
			ds = append(ds, time.Since(start))
			if ds[0] > 10*time.Second {
				break // one run of a slow query is measurement enough
			}
		}
		slices.Sort(ds)
		return ds[len(ds)/2], nil
	}
	timedOut := func(err error) bool { return err != nil && strings.Contains(err.Error(), "57014") }
	var sb strings.Builder
	fmt.Fprintf(&sb, "TPC-H SF %g, %d cores (GOMAXPROCS), %s; load: Apiary %.1f s, PostgreSQL %.1f s",
		bb.sf, runtime.GOMAXPROCS(0), pgtest.Shared(t).Version(), bb.loadAp.Seconds(), bb.loadPG.Seconds())
	fmt.Fprintf(&sb, "; Go memory limit %s, GOGC %d", hardware.FormatBytes(bb.memLimit), bb.gcPercent)
	if bb.beeMem > 0 {
		fmt.Fprintf(&sb, ", bee chambers %d MiB", bb.beeMem>>20)
	}
	sb.WriteString("\n\n| query | Apiary (s) | PostgreSQL 15 (s) | PostgreSQL / Apiary | same answer |\n|---|---:|---:|---:|---|\n")
	var totA, totP time.Duration
	type record struct {
		Query            int     `json:"query"`
		ApiarySeconds    float64 `json:"apiary_s"`
		PostgresSeconds  float64 `json:"postgres_s"`
		PostgresTimedOut bool    `json:"postgres_timed_out,omitempty"`
		SameAnswer       string  `json:"same_answer"`
	}
	var records []record
	var logRatios []float64
	for q := 1; q <= 22; q++ {
		sql := bb.query(t, q)
		same := "yes"
		apRes, err := difftest.QueryPostgres(ctx, bb.ap, sql)
		if err != nil {
			t.Fatalf("Q%d on Apiary: %v", q, err)
		}
		pgRes, err := difftest.QueryPostgres(ctx, bb.pg, sql)
		if err != nil {
			t.Fatalf("Q%d on PostgreSQL: %v", q, err)
		}
		switch {
		case pgRes.Code == "57014":
			same = "PostgreSQL timed out"
		case pgRes.Failed():
			t.Fatalf("Q%d on PostgreSQL: %s %s", q, pgRes.Code, pgRes.Message)
		case apRes.Failed():
			same = "error " + apRes.Code + ": " + apRes.Message
			t.Errorf("Q%d on Apiary: %s %s", q, apRes.Code, apRes.Message)
		default:
			apRes.Kinds = pgRes.Kinds
			if m := difftest.CompareResults(pgRes, apRes, true); m != nil {
				same = "no: " + strings.ReplaceAll(m.Reason, "|", "/")
				t.Errorf("Q%d differs from PostgreSQL: %s", q, m.Reason)
			}
		}
		da, errA := median(bb.ap, sql)
		var dp time.Duration
		var errP error
		if pgRes.Code != "57014" {
			dp, errP = median(bb.pg, sql)
		}
		pgCell, ratio := fmt.Sprintf("%.3f", dp.Seconds()), ""
		switch {
		case pgRes.Code == "57014" || timedOut(errP):
			pgCell, dp = fmt.Sprintf("> %.0f", limit.Seconds()), limit
			ratio = fmt.Sprintf("> %.0f", limit.Seconds()/da.Seconds())
		case errP != nil:
			t.Fatalf("Q%d on PostgreSQL: %v", q, errP)
		default:
			ratio = fmt.Sprintf("%.2f", dp.Seconds()/da.Seconds())
		}
		cell := fmt.Sprintf("%.3f", da.Seconds())
		if errA != nil {
			cell, ratio = "—", "—"
		} else {
			totA += da
		}
		totP += dp
		fmt.Fprintf(&sb, "| Q%d | %s | %s | %s | %s |\n", q, cell, pgCell, ratio, same)
		rec := record{Query: q, ApiarySeconds: da.Seconds(), PostgresSeconds: dp.Seconds(), SameAnswer: same}
		rec.PostgresTimedOut = pgRes.Code == "57014" || timedOut(errP)
		records = append(records, rec)
		if errA == nil && !rec.PostgresTimedOut {
			logRatios = append(logRatios, math.Log(dp.Seconds()/da.Seconds()))
		}
	}
	fmt.Fprintf(&sb, "| total | %.2f | %.2f (timeouts counted at the limit) | %.2f | |\n", totA.Seconds(), totP.Seconds(), totP.Seconds()/totA.Seconds())
	geo := 0.0
	for _, l := range logRatios {
		geo += l
	}
	if len(logRatios) > 0 {
		geo = math.Exp(geo / float64(len(logRatios)))
	}
	fmt.Fprintf(&sb, "\nGeometric mean of PostgreSQL / Apiary over the %d queries both finished: %.2f\n", len(logRatios), geo)
	t.Log("\n" + sb.String())
	if out := os.Getenv("APIARY_TPCH_JSON"); out != "" {
		doc := map[string]any{
			"scale_factor": bb.sf, "cores": runtime.GOMAXPROCS(0), "goos": runtime.GOOS, "goarch": runtime.GOARCH,
			"go": runtime.Version(), "postgres": pgtest.Shared(t).Version(), "memory_limit_bytes": bb.memLimit, "gogc": bb.gcPercent,
			"load_apiary_s": bb.loadAp.Seconds(), "load_postgres_s": bb.loadPG.Seconds(),
			"geomean_postgres_over_apiary": geo, "queries": records, "when": time.Now().UTC().Format(time.RFC3339),
		}
		data, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out := os.Getenv("APIARY_TPCH_REPORT_FILE"); out != "" {
		if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
