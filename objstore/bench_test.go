package objstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// Latency benchmarks for the operations the ledger and the swarm lean on,
// with 1 KiB bodies (a typical commit or marker). Besides ns/op they report
// p50 and p99 in microseconds, since commit latency tails matter more than
// means.

func BenchmarkLocal(b *testing.B) {
	benchStore(b, func(b *testing.B) objstore.Store { return objstoretest.NewDir(b) })
}

func BenchmarkMinIO(b *testing.B) {
	base := objstoretest.SharedMinIO(b)
	benchStore(b, func(b *testing.B) objstore.Store { return objstoretest.OpenURL(b, base) })
}

func benchStore(b *testing.B, open func(b *testing.B) objstore.Store) {
	body := make([]byte, 1024)
	ctx := context.Background()
	b.Run("Put", func(b *testing.B) {
		s := open(b)
		measure(b, func(i int) error { return s.Put(ctx, fmt.Sprintf("bench/put/%d", i%64), body) })
	})
	b.Run("PutIfAbsent", func(b *testing.B) {
		s := open(b)
		prefix := fmt.Sprintf("bench/pia/%d/", time.Now().UnixNano())
		measure(b, func(i int) error { return s.PutIfAbsent(ctx, fmt.Sprintf("%s%020d.json", prefix, i), body) })
	})
	b.Run("Get", func(b *testing.B) {
		s := open(b)
		for i := range 64 {
			if err := s.Put(ctx, fmt.Sprintf("bench/get/%d", i), body); err != nil {
				b.Fatal(err)
			}
		}
		measure(b, func(i int) error {
			_, err := s.Get(ctx, fmt.Sprintf("bench/get/%d", i%64))
			return err
		})
	})
}

func measure(b *testing.B, op func(i int) error) {
	lat := make([]time.Duration, 0, b.N)
	b.SetBytes(1024)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		start := time.Now()
		if err := op(i); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
	}
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}
