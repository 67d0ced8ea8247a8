package copybench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// BenchmarkSmallInserts measures the small-write workload: single-row
// INSERTs, each its own autocommit transaction and so its own cell and its
// own ledger commit, sent one by one over the wire (stmts/s). Then it
// measures what that costs readers — a full scan of the frame, one cell
// open per row — and whether OPTIMIZE gives the speed back:
//
//	scan-before-ms  SELECT * over the N one-row cells
//	optimize-ms     OPTIMIZE (N cells rewritten as one per partition)
//	scan-after-ms   SELECT * again
//
// For the figures in docs/performance.md:
//
//	go test -run '^$' -bench SmallInserts -benchtime 3000x ./regress/copybench
func BenchmarkSmallInserts(b *testing.B) {
	for _, backend := range []string{"local", "minio"} {
		b.Run(backend, func(b *testing.B) {
			storage := "file://" + b.TempDir()
			if backend == "minio" {
				storage = objstoretest.SharedMinIO(b)
			}
			conn := connectApiary(b, startApiary(b, storage))
			execSQL(b, conn, "CREATE TABLE small (id bigint NOT NULL, device text, reading double precision, at timestamptz) WITH (partition_by = 'device')")
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sql := fmt.Sprintf("INSERT INTO small VALUES (%d, 'dev-%d', %d.5, '2026-01-01 00:00:00+00')", i, i%4, i)
				if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "stmts/s")
			before := scan(b, conn, b.N)
			start := time.Now()
			execSQL(b, conn, "OPTIMIZE small")
			opt := time.Since(start)
			after := scan(b, conn, b.N)
			b.ReportMetric(float64(before.Microseconds())/1000, "scan-before-ms")
			b.ReportMetric(float64(opt.Microseconds())/1000, "optimize-ms")
			b.ReportMetric(float64(after.Microseconds())/1000, "scan-after-ms")
		})
	}
}

// scan reads every row of small and checks the count.
func scan(b *testing.B, conn *pgconn.PgConn, want int) time.Duration {
	b.Helper()
	start := time.Now()
	res, err := conn.Exec(context.Background(), "SELECT * FROM small").ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	if got := len(res[0].Rows); got != want {
		b.Fatalf("scan returned %d rows, want %d", got, want)
	}
	return time.Since(start)
}
