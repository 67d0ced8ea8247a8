package tpchbench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestConcurrencyReport runs N clients of short queries against each
// system for a fixed time and reports throughput and latency percentiles:
// what dashboards and ORMs do, as opposed to TPC-H's long scans.
func TestConcurrencyReport(t *testing.T) {
	if os.Getenv("APIARY_TPCH_REPORT") == "" {
		t.Skip("set APIARY_TPCH_REPORT=1 to run the concurrency report; make bench-tpch does")
	}
	bb := setup(t)
	clients := 8
	if s := os.Getenv("APIARY_CONC_CLIENTS"); s != "" {
		clients, _ = strconv.Atoi(s)
	}
	dur := 10 * time.Second
	queries := []func(r *rand.Rand) string{
		func(r *rand.Rand) string {
			return fmt.Sprintf("SELECT n_name, r_name FROM nation JOIN region ON n_regionkey = r_regionkey WHERE n_nationkey = %d", r.IntN(25))
		},
		func(r *rand.Rand) string {
			return fmt.Sprintf("SELECT s_name, s_acctbal FROM supplier WHERE s_suppkey = %d", 1+r.IntN(int(10000*bb.sf)))
		},
		func(*rand.Rand) string { return "SELECT count(*) FROM region" },
		func(r *rand.Rand) string {
			return fmt.Sprintf("SELECT c_mktsegment, count(*) FROM customer WHERE c_nationkey = %d GROUP BY 1 ORDER BY 1", r.IntN(25))
		},
	}
	var out string
	for _, sys := range []struct {
		name string
		dsn  string
	}{
		{"Apiary", bb.ap.Config().ConnString()},
		{"PostgreSQL 15", bb.pg.Config().ConnString()},
	} {
		ctx := context.Background()
		var mu sync.Mutex
		var lat []time.Duration
		var errs int
		var wg sync.WaitGroup
		deadline := time.Now().Add(dur)
		for c := 0; c < clients; c++ {
			conn, err := pgx.Connect(ctx, sys.dsn)
			if err != nil {
				t.Fatalf("%s: %v", sys.name, err)
			}
			wg.Add(1)
			go func(seed uint64) {
				defer wg.Done()
				defer conn.Close(ctx)
				r := rand.New(rand.NewPCG(seed, 7))
				var mine []time.Duration
				bad := 0
				for time.Now().Before(deadline) {
					sql := queries[r.IntN(len(queries))](r)
					start := time.Now()
					if _, err := run(ctx, conn, sql); err != nil {
						bad++
						continue
					}
					mine = append(mine, time.Since(start))
				}
				mu.Lock()
				lat = append(lat, mine...)
				errs += bad
				mu.Unlock()
			}(uint64(c))
		}
		wg.Wait()
		if errs > 0 {
			t.Errorf("%s: %d queries failed", sys.name, errs)
		}
		slices.Sort(lat)
		pct := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
		}
		out += fmt.Sprintf("| %s | %d | %.0f | %.2f | %.2f |\n", sys.name, clients, float64(len(lat))/dur.Seconds(), pct(0.5), pct(0.99))
	}
	t.Logf("\n%d clients of short queries (point lookups, a two-table join, a small grouping) for %v each:\n\n| system | clients | queries/s | p50 (ms) | p99 (ms) |\n|---|---:|---:|---:|---:|\n%s", clients, dur, out)
}
