package colexec

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// BenchmarkHashTable inserts 1.5M distinct keys (TPC-H SF 1's order count)
// and then probes each once, in batches, for the key shapes the engine
// meets: one integer key clustered as lineitem is by order key or in
// random order, and two text keys (Q1's flags) with few distinct values.
func BenchmarkHashTable(b *testing.B) {
	const n = 1_500_000
	clustered := make([]int64, n)
	for i := range clustered {
		clustered[i] = int64(i/8*32 + i%8) // TPC-H order keys: 8 of every 32
	}
	random := append([]int64(nil), clustered...)
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { random[i], random[j] = random[j], random[i] })
	for _, tc := range []struct {
		name string
		keys []int64
	}{{"int/clustered", clustered}, {"int/random", random}} {
		batches := intBatches(tc.keys)
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(n * 8)
			ids := make([]int32, BatchSize)
			for i := 0; i < b.N; i++ {
				h := newHashTable([]vec.Type{vec.Int64}, nil)
				var sc probeScratch
				for _, in := range batches {
					if err := h.find(in.Cols, in, ids[:in.Len], true, &sc); err != nil {
						b.Fatal(err)
					}
				}
				for _, in := range batches {
					if err := h.find(in.Cols, in, ids[:in.Len], false, &sc); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	flags := []string{"A", "N", "R"}
	var textBatches []*vec.Batch
	for i := 0; i < n; i += BatchSize {
		in := vec.NewBatch([]vec.Type{vec.Text, vec.Text}, BatchSize)
		for k := i; k < min(i+BatchSize, n); k++ {
			in.Cols[0].AppendBytes([]byte(flags[k*7%3]))
			in.Cols[1].AppendBytes([]byte(flags[k*13%2+1]))
			in.Len++
		}
		textBatches = append(textBatches, in)
	}
	b.Run("text2/few", func(b *testing.B) {
		ids := make([]int32, BatchSize)
		for i := 0; i < b.N; i++ {
			h := newHashTable([]vec.Type{vec.Text, vec.Text}, nil)
			var sc probeScratch
			for _, in := range textBatches {
				if err := h.find(in.Cols, in, ids[:in.Len], true, &sc); err != nil {
					b.Fatal(err)
				}
			}
			if h.Len() != 6 {
				b.Fatal(fmt.Sprint("groups: ", h.Len()))
			}
		}
	})
}

func intBatches(keys []int64) []*vec.Batch {
	var out []*vec.Batch
	for i := 0; i < len(keys); i += BatchSize {
		in := vec.NewBatch([]vec.Type{vec.Int64}, BatchSize)
		for _, x := range keys[i:min(i+BatchSize, len(keys))] {
			in.Cols[0].AppendInt64(x)
			in.Len++
		}
		out = append(out, in)
	}
	return out
}
