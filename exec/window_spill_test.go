package exec

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/sqlerr"
)

// windowSpillQueries read 100,000 rows through windows whose input, and
// for the first ones whose single partition and frames, outgrow two bees'
// 128 KiB chambers. Outer filters keep the results short; the windows
// still see every row.
var windowSpillQueries = []string{
	// One partition: streamed in pieces, with ranks, offsets, running and
	// sliding frames.
	`SELECT k, row_number() OVER w, rank() OVER (ORDER BY v), dense_rank() OVER (ORDER BY v), sum(v) OVER (ORDER BY v),
		count(*) OVER w, min(k) OVER w, lag(k, 2) OVER w, lead(v, 3, 0) OVER w, lag(v, 1, k) OVER w,
		max(k) OVER (w ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING), first_value(k) OVER w, last_value(k) OVER w
	FROM t WINDOW w AS (ORDER BY v, k)`,
	// Many partitions, each within the budget, with functions that need
	// their whole partition.
	`SELECT k, percent_rank() OVER p, cume_dist() OVER p, ntile(4) OVER p, sum(v) OVER p,
		last_value(v) OVER (p ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING),
		count(*) OVER (p RANGE BETWEEN 100 PRECEDING AND 50 FOLLOWING)
	FROM t WINDOW p AS (PARTITION BY g ORDER BY k)`,
}

// TestWindowSpills runs windows too big for their budget on an engine with
// small bees and a spill directory, and compares each answer with
// PostgreSQL's over the same rows (and with an unconstrained engine's).
func TestWindowSpills(t *testing.T) {
	pg := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := pg.Exec(ctx, `CREATE TABLE t (k int, v int, g int);
		INSERT INTO t SELECT k, (k * 7919) % 1000 - 500, k % 37 FROM generate_series(0, 99999) k`); err != nil {
		t.Fatal(err)
	}
	store := objstore.NewMem()
	spillDir := t.TempDir()
	big, err := NewEngine(ctx, store, Config{Node: "big", Bees: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer big.Close()
	small, err := NewEngine(ctx, store, Config{Node: "small", Bees: 2, BeeMemory: 128 << 10, SpillDir: spillDir})
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	bs := newTestSession(t, big)
	ss := newTestSession(t, small)
	mustRun(t, bs, `CREATE TABLE t (k int, v int, g int)`)
	mustRun(t, bs, `INSERT INTO t SELECT k, (k * 7919) % 1000 - 500, k % 37 FROM (SELECT a.i * 1000 + b.i * 10 + c.i AS k FROM
		(SELECT x.i * 10 + y.i AS i FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) x(i), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) y(i)) a,
		(SELECT x.i * 10 + y.i AS i FROM (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) x(i), (VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) y(i)) b,
		(VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9)) c(i)) n`)
	for _, q := range windowSpillQueries {
		// Every 613th row, in k order.
		filtered := "SELECT * FROM (" + q + ") r WHERE k % 613 = 0 ORDER BY k"
		res, err := pg.Query(ctx, filtered)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) != 164 {
			t.Fatalf("PostgreSQL returned %d rows, want 164", len(res.Rows))
		}
		want := joinRows(res.Rows)
		got := joinRows(mustRun(t, ss, filtered))
		if got != want {
			t.Errorf("%s\nspilled:\n%s\nPostgreSQL:\n%s", q, got, want)
		}
		if inMemory := joinRows(mustRun(t, bs, filtered)); inMemory != want {
			t.Errorf("%s: the unconstrained engine differs from PostgreSQL", q)
		}
	}
	// cume_dist needs its whole partition: one over the budget fails.
	_, _, err = run(t, ss, `SELECT max(c) FROM (SELECT cume_dist() OVER (ORDER BY k) c FROM t) s`)
	if sqlerr.CodeOf(err) != sqlerr.OutOfMemory || !strings.Contains(err.Error(), "one window partition exceeds") {
		t.Errorf("cume_dist over one big partition: %v, want 53200", err)
	}
	if files, _ := os.ReadDir(spillDir); len(files) != 0 {
		t.Errorf("%d spill files left behind", len(files))
	}
	// Without spilling the first query is over budget.
	off, err := NewEngine(ctx, store, Config{Node: "off", Bees: 2, BeeMemory: 128 << 10, SpillDir: "off"})
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	wantCode(t, newTestSession(t, off), windowSpillQueries[0], sqlerr.OutOfMemory)
}
