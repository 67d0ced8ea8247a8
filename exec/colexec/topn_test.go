package colexec

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// TestTopNMatchesSortLimit checks TopN against Sort followed by Limit on
// random data: same rows, same order, ties included.
func TestTopNMatchesSortLimit(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	keySets := [][]SortKey{
		{{Col: 0}},
		{{Col: 0, Desc: true, NullsFirst: true}, {Col: 2}},
		{{Col: 1, NullsFirst: true}},
		{{Col: 2, Desc: true}, {Col: 1}},
		{{Col: 2}, {Col: 0, Desc: true}},
	}
	for iter := 0; iter < 60; iter++ {
		n := rng.Intn(5000)
		if iter%10 == 0 {
			n = rng.Intn(10)
		}
		rows := skRandRows(rng, n)
		keys := keySets[iter%len(keySets)]
		limit := int64(rng.Intn(3000))
		if iter%4 == 0 {
			limit = int64(rng.Intn(5))
		}
		offset := int64(0)
		if iter%3 == 0 {
			offset = int64(rng.Intn(n + 10))
		}
		bs := []int{1, 7, 333, BatchSize}[rng.Intn(4)]
		if n > 1000 && bs < 100 {
			bs = 100
		}
		sel := iter%2 == 1
		name := fmt.Sprintf("iter %d n=%d limit=%d offset=%d batch=%d sel=%v keys=%v", iter, n, limit, offset, bs, sel, keys)

		mem := NewMemory(0)
		topn := NewTopN(newSkSource(t, skRandTypes, rows, bs, sel), keys, limit, offset, mem)
		got := skMustDrain(t, topn)
		topn.Close()
		if mem.Used() != 0 {
			t.Errorf("%s: memory held after Close: %d", name, mem.Used())
		}
		ref := NewLimit(NewSort(newSkSource(t, skRandTypes, rows, bs, sel), keys, nil), limit, offset)
		want := skMustDrain(t, ref)
		t.Run(name, func(t *testing.T) { skSameOrder(t, got, want) })
	}
}

func TestTopN(t *testing.T) {
	types := []vec.Type{vec.Text, vec.Int32}
	rows := [][]any{{"d", int64(0)}, {nil, int64(1)}, {"a", int64(2)}, {"c", int64(3)}, {"a", int64(4)}, {"b", int64(5)}}
	cases := []struct {
		name          string
		keys          []SortKey
		limit, offset int64
		want          [][]any
	}{
		{"top 2", []SortKey{{Col: 0}}, 2, 0, [][]any{{"a", int64(2)}, {"a", int64(4)}}},
		{"top 1 tie keeps first", []SortKey{{Col: 0}}, 1, 0, [][]any{{"a", int64(2)}}},
		{"desc nulls first", []SortKey{{Col: 0, Desc: true, NullsFirst: true}}, 2, 0, [][]any{{nil, int64(1)}, {"d", int64(0)}}},
		{"offset", []SortKey{{Col: 0}}, 2, 3, [][]any{{"c", int64(3)}, {"d", int64(0)}}},
		{"offset past end", []SortKey{{Col: 0}}, 5, 10, nil},
		{"limit past end", []SortKey{{Col: 0}}, 100, 4, [][]any{{"d", int64(0)}, {nil, int64(1)}}},
		{"no limit", []SortKey{{Col: 1, Desc: true}}, -1, 4, [][]any{{nil, int64(1)}, {"d", int64(0)}}},
	}
	for _, c := range cases {
		for _, sel := range []bool{false, true} {
			src := newSkSource(t, types, rows, 2, sel)
			op := NewTopN(src, c.keys, c.limit, c.offset, nil)
			skEqualRows(t, skMustDrain(t, op), c.want)
			if src.closed == 0 {
				t.Errorf("%s: input not closed", c.name)
			}
			op.Close()
		}
	}
}

func TestTopNLimitZeroPullsNothing(t *testing.T) {
	src := newSkSource(t, []vec.Type{vec.Int64}, skIntRows(10), 3, false)
	op := NewTopN(src, []SortKey{{Col: 0}}, 0, 5, nil)
	if rows := skMustDrain(t, op); len(rows) != 0 {
		t.Fatalf("got %v", rows)
	}
	if src.nexts != 0 || src.closed != 1 {
		t.Fatalf("input pulled %d times, closed %d times", src.nexts, src.closed)
	}
}

func TestTopNMemoryBudget(t *testing.T) {
	rows := make([][]any, 20000)
	for i := range rows {
		rows[i] = []any{int64(i), "a string that takes some room in the heap"}
	}
	types := []vec.Type{vec.Int64, vec.Text}
	mem := NewMemory(100 << 10)
	// A small k fits the budget ...
	op := NewTopN(newSkSource(t, types, rows, BatchSize, false), []SortKey{{Col: 0, Desc: true}}, 10, 0, mem)
	got := skMustDrain(t, op)
	if len(got) != 10 || got[0][0] != int64(19999) {
		t.Fatalf("got %v", got)
	}
	op.Close()
	// ... a large one does not.
	op = NewTopN(newSkSource(t, types, rows, BatchSize, false), []SortKey{{Col: 0, Desc: true}}, 15000, 0, mem)
	_, err := skDrain(t, op)
	if sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("got %v, want 53200", err)
	}
	op.Close()
	if mem.Used() != 0 {
		t.Fatalf("memory held after Close: %d", mem.Used())
	}
}

func BenchmarkTopN100(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const n = 1 << 20
	col := vec.New(vec.Int64, n)
	for i := 0; i < n; i++ {
		col.AppendInt64(rng.Int63())
	}
	src := &vec.Batch{Cols: []*vec.Vec{col}, Len: n}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := NewTopN(NewValues([]vec.Type{vec.Int64}, src), []SortKey{{Col: 0}}, 100, 0, nil)
		if err := Drain(b.Context(), op, func(*vec.Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
		op.Close()
	}
}
