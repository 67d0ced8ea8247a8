package txn

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// reportLatency adds p50 and p99 (milliseconds) of the recorded durations
// to the benchmark's output.
func reportLatency(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkCommit measures one single-cell append commit end to end
// (refresh of the cached snapshot, PutIfAbsent, and every tenth commit a
// checkpoint), uncontended.
//
//	go test -run '^$' -bench 'Commit' -benchtime 200x ./txn/
func BenchmarkCommit(b *testing.B) {
	for _, be := range []backend{memBackend, dirBackend, minioBackend} {
		b.Run(be.name, func(b *testing.B) {
			ctx := testCtx(b)
			st, _ := be.open(b)
			m := NewManager(st, DefaultOptions())
			l := m.Ledger(framePrefix)
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := appendOne(ctx, m, l, fmt.Sprintf("data/%08d", i)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// BenchmarkMultiLedgerCommit measures a two-ledger commit (two intents and
// the transaction record).
func BenchmarkMultiLedgerCommit(b *testing.B) {
	for _, be := range []backend{memBackend, dirBackend, minioBackend} {
		b.Run(be.name, func(b *testing.B) {
			ctx := testCtx(b)
			st, _ := be.open(b)
			m := NewManager(st, DefaultOptions())
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := range b.N {
				start := time.Now()
				if _, err := createFrameTxn(m, fmt.Sprintf("p%08d", i)).Commit(ctx); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			reportLatency(b, lat)
		})
	}
}

// BenchmarkSnapshotLoad measures a cold load (fresh Manager) of a ledger
// of 500 commits, with checkpoints every 10 commits and without any.
//
//	go test -run '^$' -bench 'SnapshotLoad' ./txn/
func BenchmarkSnapshotLoad(b *testing.B) {
	const commits = 500
	for _, be := range []backend{memBackend, dirBackend} {
		for _, interval := range []int{10, -1} {
			name := fmt.Sprintf("%s/checkpoints=%v", be.name, interval > 0)
			b.Run(name, func(b *testing.B) {
				ctx := testCtx(b)
				st, _ := be.open(b)
				opts := DefaultOptions()
				opts.CheckpointInterval = interval
				m := NewManager(st, opts)
				l := m.Ledger(framePrefix)
				for i := range commits {
					if _, err := appendOne(ctx, m, l, fmt.Sprintf("data/%08d", i)); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for range b.N {
					snap, err := NewManager(st, opts).Ledger(framePrefix).Latest(ctx)
					if err != nil || len(snap.Cells) != commits {
						b.Fatalf("%v cells, %v", len(snap.Cells), err)
					}
				}
			})
		}
	}
}
