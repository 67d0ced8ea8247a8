package tpch

import (
	"io"
	"testing"
)

// countingWriter counts bytes so the benchmark can report MB/s of CSV.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkGenerate measures CSV generation into a discarding writer. The
// SF 1 lineitem case is the figure quoted in docs/tpch.md:
//
//	go test -run '^$' -bench 'Generate/lineitem-sf1$' -benchtime 1x ./regress/tpch
func BenchmarkGenerate(b *testing.B) {
	for _, c := range []struct {
		name  string
		table string
		sf    float64
	}{
		{"lineitem-sf0.1", "lineitem", 0.1},
		{"orders-sf0.1", "orders", 0.1},
		{"partsupp-sf0.1", "partsupp", 0.1},
		{"lineitem-sf1", "lineitem", 1},
	} {
		b.Run(c.name, func(b *testing.B) {
			var size countingWriter
			if err := Generate(c.sf, c.table, &size, CSV); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(size.n)
			b.ResetTimer()
			for b.Loop() {
				if err := Generate(c.sf, c.table, io.Discard, CSV); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
