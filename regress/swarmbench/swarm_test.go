package swarmbench

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/objstore/objstoretest"
	"github.com/apiarydb/apiary/regress/tpch"
)

func TestMain(m *testing.M) {
	code := m.Run()
	testenv.RemoveApiaryBinary()
	os.Exit(code)
}

// envNumber reads a positive number from the environment, or def.
func envNumber(t *testing.T, name string, def float64) float64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 {
		t.Fatalf("%s=%q is not a positive number", name, s)
	}
	return v
}

// TestSwarmReport prints the swarm tables of docs/performance.md.
func TestSwarmReport(t *testing.T) {
	if os.Getenv("APIARY_SWARM_REPORT") == "" {
		t.Skip("set APIARY_SWARM_REPORT=1 (and APIARY_SWARM_SF) to print the swarm tables; make bench-swarm does")
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Machine: %s. Nodes: separate `apiary serve` processes on it, default budgets", machine())
	if p := os.Getenv("APIARY_SWARM_POLL"); p != "" {
		fmt.Fprintf(&sb, ", swarm.poll_interval %s", p)
	} else {
		sb.WriteString(", swarm.poll_interval 50ms (default)")
	}
	sb.WriteString(".\n\n")
	tpchTable(t, &sb)
	overheadTable(t, &sb)
	t.Log("\n" + sb.String())
	if out := os.Getenv("APIARY_SWARM_REPORT_FILE"); out != "" {
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadTPCH writes each table as CSV files and loads them through conn
// with one COPY per file: the larger tables in chunks COPYs, so that they
// have cells to share out, as a frame loaded in batches has.
func loadTPCH(t *testing.T, n *node, sf float64, chunks int) time.Duration {
	t.Helper()
	ctx := context.Background()
	conn := n.connect(t, "never")
	dir := t.TempDir()
	var took time.Duration
	for _, tab := range tpch.Tables {
		ddl, err := tpch.DDL(tab.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
		var csv bytes.Buffer
		if err := tpch.Generate(sf, tab.Name, &csv, tpch.CSV); err != nil {
			t.Fatal(err)
		}
		for i, part := range tpch.SplitLines(csv.Bytes(), chunks, 10000) {
			path := filepath.Join(dir, fmt.Sprintf("%s-%02d.csv", tab.Name, i))
			if err := os.WriteFile(path, part, 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if _, err := conn.Exec(ctx, fmt.Sprintf("COPY %s FROM 'file://%s' (FORMAT csv)", tab.Name, path)); err != nil {
				t.Fatalf("COPY %s: %v", tab.Name, err)
			}
			took += time.Since(start)
			os.Remove(path)
		}
	}
	return took
}

// pgxRunner runs queries on one session.
type pgxRunner struct{ conn *pgx.Conn }

func (r pgxRunner) run(sql string) ([][]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	return runText(ctx, r.conn, sql)
}

// timed runs sql once unmeasured (caches, the OS's and the nodes') and
// runs more times, returning the median and the first run's rows.
func timed(conn pgxRunner, sql string, runs int) (time.Duration, [][]string, error) {
	first, err := conn.run(sql)
	if err != nil {
		return 0, nil, err
	}
	var ds []time.Duration
	for range runs {
		start := time.Now()
		if _, err := conn.run(sql); err != nil {
			return 0, nil, err
		}
		ds = append(ds, time.Since(start))
	}
	return median(ds), first, nil
}

// tpchTable measures TPC-H on node a alone (never) and over a, b and c
// (always, a coordinating).
func tpchTable(t *testing.T, sb *strings.Builder) {
	sf := envNumber(t, "APIARY_SWARM_SF", 0.1)
	runs := int(envNumber(t, "APIARY_SWARM_RUNS", 3))
	chunks := int(envNumber(t, "APIARY_SWARM_CHUNKS", 12))
	storage := "file://" + filepath.Join(t.TempDir(), "store")
	a := startNode(t, storage, "a")
	loadTook := loadTPCH(t, a, sf, chunks)
	t.Logf("TPC-H SF %g loaded through a in %s", sf, loadTook.Round(time.Millisecond))

	local := a.connect(t, "never")
	type measure struct {
		d    time.Duration
		rows [][]string
	}
	alone := make([]measure, 23)
	for q := 1; q <= 22; q++ {
		sql, err := tpch.QueryForSF(q, sf)
		if err != nil {
			t.Fatal(err)
		}
		d, rows, err := timed(pgxRunner{local}, sql, runs)
		if err != nil {
			t.Fatalf("Q%d on a alone: %v", q, err)
		}
		alone[q] = measure{d, rows}
	}

	b, c := startNode(t, storage, "b"), startNode(t, storage, "c")
	waitAlive(t, local, 3)
	for _, n := range []*node{b, c} {
		waitAlive(t, n.connect(t, "never"), 3)
	}
	swarm := a.connect(t, "always")
	fmt.Fprintf(sb, "TPC-H SF %g, loaded through node a in %.1f s as %d COPYs per large table (one cell or more each); "+
		"medians of %d runs after a warm-up, over the wire (pgx, simple protocol). \"1 node\": a alone, "+
		"`apiary.distribution = 'never'`; \"3 nodes\": a coordinating with b and c beside it, `'always'`.\n\n",
		sf, loadTook.Seconds(), chunks, runs)
	sb.WriteString("| query | 1 node (s) | 3 nodes (s) | 3 nodes / 1 node | added (ms) | tasks (a/b/c) | same answer |\n|---|---:|---:|---:|---:|---|---|\n")
	var totLocal, totSwarm time.Duration
	var logRatios []float64
	var added []time.Duration
	for q := 1; q <= 22; q++ {
		sql, _ := tpch.QueryForSF(q, sf)
		before, beforeBy := taskCount(t, local)
		d, rows, err := timed(pgxRunner{swarm}, sql, runs)
		if err != nil {
			t.Errorf("Q%d distributed: %v", q, err)
			fmt.Fprintf(sb, "| Q%d | %.3f | — | — | — | — | error: %s |\n", q, alone[q].d.Seconds(), strings.ReplaceAll(err.Error(), "|", "/"))
			continue
		}
		after, afterBy := taskCount(t, local)
		same := "yes"
		if !sameRows(alone[q].rows, rows) {
			same = "no"
			t.Errorf("Q%d: the distributed answer differs from the local one", q)
		}
		tasks := "local"
		if after > before {
			// Every run made the same tasks: one run's share.
			per := func(node string) int { return (afterBy[node] - beforeBy[node]) / (runs + 1) }
			tasks = fmt.Sprintf("%d/%d/%d", per("a"), per("b"), per("c"))
			added = append(added, d-alone[q].d)
		}
		ratio := d.Seconds() / alone[q].d.Seconds()
		logRatios = append(logRatios, math.Log(ratio))
		totLocal += alone[q].d
		totSwarm += d
		fmt.Fprintf(sb, "| Q%d | %.3f | %.3f | %.2f | %.0f | %s | %s |\n", q, alone[q].d.Seconds(), d.Seconds(), ratio,
			float64((d-alone[q].d).Microseconds())/1000, tasks, same)
	}
	geo := 0.0
	for _, l := range logRatios {
		geo += l
	}
	if len(logRatios) > 0 {
		geo = math.Exp(geo / float64(len(logRatios)))
	}
	fmt.Fprintf(sb, "| total | %.2f | %.2f | %.2f | | | |\n\n", totLocal.Seconds(), totSwarm.Seconds(), totSwarm.Seconds()/totLocal.Seconds())
	fmt.Fprintf(sb, "Geometric mean of 3 nodes / 1 node: %.2f. ", geo)
	if len(added) > 0 {
		fmt.Fprintf(sb, "Over the %d distributed queries, distribution added %.0f ms at the median (from %.0f to %.0f ms).\n\n",
			len(added), ms(median(added)), ms(slices.Min(added)), ms(slices.Max(added)))
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// overheadRuns is how many times the tiny query runs each way.
const overheadRuns = 30

// overheadTable measures one tiny distributed query on MinIO against the
// same query run locally: latency and storage requests.
func overheadTable(t *testing.T, sb *strings.Builder) {
	storage := objstoretest.StartMinIO(t)
	nodes := []*node{startNode(t, storage, "a"), startNode(t, storage, "b"), startNode(t, storage, "c")}
	a := nodes[0]
	local, swarm := a.connect(t, "never"), a.connect(t, "always")
	ctx := context.Background()
	if _, err := local.Exec(ctx, "CREATE TABLE small (id int NOT NULL, v int)"); err != nil {
		t.Fatal(err)
	}
	// Three cells, so that each node has one to read.
	for c := range 3 {
		if _, err := local.Exec(ctx, fmt.Sprintf("INSERT INTO small SELECT g, g %% 10 FROM generate_series(%d, %d) AS g", c*1000+1, c*1000+1000)); err != nil {
			t.Fatal(err)
		}
	}
	waitAlive(t, local, 3)
	const sql = "SELECT count(*), sum(v) FROM small"
	for range 5 {
		for _, conn := range []pgxRunner{{local}, {swarm}} {
			if _, err := conn.run(sql); err != nil {
				t.Fatal(err)
			}
		}
	}

	// The idle swarm's own requests (heartbeats, the view's reads, the
	// workers' and sweepers' listings) go on during the runs; their rate
	// is measured first and taken out.
	const idleWindow = 5 * time.Second
	idleBefore := storageRequests(t, nodes)
	idleStart := time.Now()
	time.Sleep(idleWindow) // a measurement window, not synchronisation
	idleRate := perSecond(storageRequests(t, nodes), idleBefore, time.Since(idleStart))

	type result struct {
		times    []time.Duration
		requests map[string]float64
	}
	measure := func(conn pgxRunner) result {
		before := storageRequests(t, nodes)
		start := time.Now()
		var ds []time.Duration
		for range overheadRuns {
			s := time.Now()
			if _, err := conn.run(sql); err != nil {
				t.Fatal(err)
			}
			ds = append(ds, time.Since(s))
		}
		elapsed := time.Since(start)
		after := storageRequests(t, nodes)
		per := map[string]float64{}
		for op, v := range after {
			per[op] = (v - before[op] - idleRate[op]*elapsed.Seconds()) / overheadRuns
		}
		return result{ds, per}
	}
	never := measure(pgxRunner{local})
	tasksBefore, _ := taskCount(t, local)
	always := measure(pgxRunner{swarm})
	tasksAfter, _ := taskCount(t, local)

	fmt.Fprintf(sb, "Fixed overhead on MinIO (on the same machine): `%s` over a frame of 3,000 rows in 3 cells, "+
		"three nodes on one bucket, node a coordinating; %d runs each way after 5 warm-ups. Storage requests are "+
		"summed over the three nodes' `apiary_storage_requests_total`, less the idle swarm's own rate (%.1f requests/s: "+
		"heartbeats, views, task listings), per query.\n\n", sql, overheadRuns, sum(idleRate))
	sb.WriteString("| | local (`never`) | distributed (`always`) | added |\n|---|---:|---:|---:|\n")
	row := func(name string, l, d float64, format string) {
		// The idle rate is an estimate: what is left of it is noise, not
		// a negative count.
		zero := func(v float64) float64 {
			if math.Abs(v) < 0.05 {
				return 0
			}
			return v
		}
		fmt.Fprintf(sb, "| %s | "+format+" | "+format+" | "+format+" |\n", name, zero(l), zero(d), zero(d-l))
	}
	row("median (ms)", ms(median(never.times)), ms(median(always.times)), "%.1f")
	row("90th percentile (ms)", ms(percentile(never.times, 0.9)), ms(percentile(always.times, 0.9)), "%.1f")
	row("storage requests per query", sum(never.requests), sum(always.requests), "%.1f")
	for _, op := range slices.Sorted(maps.Keys(always.requests)) {
		if math.Abs(never.requests[op]) < 0.05 && math.Abs(always.requests[op]) < 0.05 {
			continue
		}
		row("&nbsp;&nbsp;"+op, never.requests[op], always.requests[op], "%.1f")
	}
	row("tasks per query", 0, float64(tasksAfter-tasksBefore)/overheadRuns, "%.1f")
	sb.WriteString("\n")
}

func perSecond(after, before map[string]float64, d time.Duration) map[string]float64 {
	out := map[string]float64{}
	for op, v := range after {
		out[op] = (v - before[op]) / d.Seconds()
	}
	return out
}

func sum(m map[string]float64) float64 {
	var s float64
	for _, v := range m {
		s += v
	}
	return s
}
