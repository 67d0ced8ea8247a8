package colexec

import (
	"context"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// BenchmarkAggInt32 groups 1M int32 rows into 1,000 groups with sum, min
// and max: the accumulators' per-row loops.
func BenchmarkAggInt32(b *testing.B) {
	types := []vec.Type{vec.Int32, vec.Int32}
	in := vec.NewBatch(types, 1<<20)
	for i := 0; i < 1<<20; i++ {
		in.Cols[0].AppendInt32(int32(i % 1000))
		in.Cols[1].AppendInt32(int32(i * 7 % 10007))
	}
	in.Len = 1 << 20
	aggs := []AggSpec{
		{Func: AggSum, Arg: 1, ArgType: vec.Int32, Filter: -1, ResultType: vec.Int64},
		{Func: AggMin, Arg: 1, ArgType: vec.Int32, Filter: -1, ResultType: vec.Int32},
		{Func: AggMax, Arg: 1, ArgType: vec.Int32, Filter: -1, ResultType: vec.Int32},
	}
	b.SetBytes(int64(in.Len) * 8)
	for i := 0; i < b.N; i++ {
		h, err := NewHashAgg(NewValues(types, in), []int{0}, aggs, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := Drain(context.Background(), h, func(*vec.Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
		h.Close()
	}
}
