package colexec

import (
	"math"
	"math/rand"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

func TestSort(t *testing.T) {
	ivl := func(m, d int32, us int64) vec.Interval { return vec.Interval{Months: m, Days: d, Micros: us} }
	nan := math.NaN()
	cases := []struct {
		name  string
		types []vec.Type
		rows  [][]any
		keys  []SortKey
		want  [][]any
	}{
		{
			name:  "int asc nulls last",
			types: []vec.Type{vec.Int32, vec.Text},
			rows:  [][]any{{int64(3), "c"}, {nil, "n"}, {int64(1), "a"}, {int64(2), "b"}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{int64(1), "a"}, {int64(2), "b"}, {int64(3), "c"}, {nil, "n"}},
		},
		{
			name:  "int desc nulls first",
			types: []vec.Type{vec.Int32, vec.Text},
			rows:  [][]any{{int64(3), "c"}, {nil, "n"}, {int64(1), "a"}, {int64(2), "b"}},
			keys:  []SortKey{{Col: 0, Desc: true, NullsFirst: true}},
			want:  [][]any{{nil, "n"}, {int64(3), "c"}, {int64(2), "b"}, {int64(1), "a"}},
		},
		{
			name:  "desc nulls last",
			types: []vec.Type{vec.Int64},
			rows:  [][]any{{nil}, {int64(math.MinInt64)}, {int64(math.MaxInt64)}, {int64(0)}},
			keys:  []SortKey{{Col: 0, Desc: true}},
			want:  [][]any{{int64(math.MaxInt64)}, {int64(0)}, {int64(math.MinInt64)}, {nil}},
		},
		{
			name:  "ties keep input order",
			types: []vec.Type{vec.Int16, vec.Int32},
			rows:  [][]any{{int64(2), int64(0)}, {int64(1), int64(1)}, {int64(2), int64(2)}, {int64(1), int64(3)}, {int64(2), int64(4)}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{int64(1), int64(1)}, {int64(1), int64(3)}, {int64(2), int64(0)}, {int64(2), int64(2)}, {int64(2), int64(4)}},
		},
		{
			name:  "multi key",
			types: []vec.Type{vec.Text, vec.Float64},
			rows:  [][]any{{"b", 1.0}, {"a", 2.0}, {"b", nil}, {"a", 1.0}, {nil, 0.0}, {"b", 3.0}},
			keys:  []SortKey{{Col: 0, NullsFirst: true}, {Col: 1, Desc: true, NullsFirst: true}},
			want:  [][]any{{nil, 0.0}, {"a", 2.0}, {"a", 1.0}, {"b", nil}, {"b", 3.0}, {"b", 1.0}},
		},
		{
			name:  "text is bytewise",
			types: []vec.Type{vec.Text},
			rows:  [][]any{{"b"}, {"B"}, {"abcdefgh1"}, {"abcdefgh"}, {"abcdefgh0"}, {""}, {"é"}, {"abcdefgh\x00"}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{""}, {"B"}, {"abcdefgh"}, {"abcdefgh\x00"}, {"abcdefgh0"}, {"abcdefgh1"}, {"b"}, {"é"}},
		},
		{
			name:  "floats nan above inf",
			types: []vec.Type{vec.Float64, vec.Int32},
			rows:  [][]any{{nan, int64(0)}, {math.Inf(1), int64(1)}, {-1.0, int64(2)}, {nil, int64(3)}, {nan, int64(4)}, {math.Inf(-1), int64(5)}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{math.Inf(-1), int64(5)}, {-1.0, int64(2)}, {math.Inf(1), int64(1)}, {nan, int64(0)}, {nan, int64(4)}, {nil, int64(3)}},
		},
		{
			name:  "float4 desc",
			types: []vec.Type{vec.Float32},
			rows:  [][]any{{1.5}, {nan}, {-2.0}},
			keys:  []SortKey{{Col: 0, Desc: true}},
			want:  [][]any{{nan}, {1.5}, {-2.0}},
		},
		{
			name:  "negative zero equals zero",
			types: []vec.Type{vec.Float64, vec.Int32},
			rows:  [][]any{{0.0, int64(0)}, {math.Copysign(0, -1), int64(1)}, {0.0, int64(2)}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{0.0, int64(0)}, {math.Copysign(0, -1), int64(1)}, {0.0, int64(2)}},
		},
		{
			name:  "intervals by span",
			types: []vec.Type{vec.IntervalT, vec.Int32},
			rows:  [][]any{{ivl(1, 0, 0), int64(0)}, {ivl(0, 29, 0), int64(1)}, {ivl(0, 30, 0), int64(2)}, {ivl(0, 0, 86400_000_000*31), int64(3)}},
			keys:  []SortKey{{Col: 0}},
			want:  [][]any{{ivl(0, 29, 0), int64(1)}, {ivl(1, 0, 0), int64(0)}, {ivl(0, 30, 0), int64(2)}, {ivl(0, 0, 86400_000_000*31), int64(3)}},
		},
		{
			name:  "bool and date",
			types: []vec.Type{vec.Bool, vec.Date},
			rows:  [][]any{{true, int64(5)}, {false, int64(7)}, {nil, int64(1)}, {true, int64(-3)}},
			keys:  []SortKey{{Col: 0, Desc: true}, {Col: 1}},
			want:  [][]any{{true, int64(-3)}, {true, int64(5)}, {false, int64(7)}, {nil, int64(1)}},
		},
		{
			name:  "numeric and timestamp",
			types: []vec.Type{vec.Numeric(15, 2), vec.Timestamp},
			rows:  [][]any{{int64(150), int64(2)}, {int64(-5), int64(1)}, {int64(150), int64(0)}},
			keys:  []SortKey{{Col: 0}, {Col: 1}},
			want:  [][]any{{int64(-5), int64(1)}, {int64(150), int64(0)}, {int64(150), int64(2)}},
		},
		{
			name:  "empty",
			types: []vec.Type{vec.Int64},
			keys:  []SortKey{{Col: 0}},
		},
	}
	for _, c := range cases {
		for _, sel := range []bool{false, true} {
			for _, bs := range []int{1, 2, 1000} {
				src := newSkSource(t, c.types, c.rows, bs, sel)
				op := NewSort(src, c.keys, nil)
				got := skMustDrain(t, op)
				op.Close()
				if !skRowsEqualNaN(got, c.want) {
					t.Fatalf("%s (sel=%v, batch=%d):\n got: %v\nwant: %v", c.name, sel, bs, got, c.want)
				}
				if src.closed == 0 {
					t.Errorf("%s: input not closed", c.name)
				}
			}
		}
	}
}

// skRowsEqualNaN compares rows with NaN equal to NaN and -0 distinct from 0.
func skRowsEqualNaN(got, want [][]any) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return false
		}
		for c := range got[i] {
			g, w := got[i][c], want[i][c]
			gf, gok := g.(float64)
			wf, wok := w.(float64)
			if gok && wok {
				if math.Float64bits(gf) != math.Float64bits(wf) && !(math.IsNaN(gf) && math.IsNaN(wf)) {
					return false
				}
				continue
			}
			if g != w {
				return false
			}
		}
	}
	return true
}

func TestSortLarge(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	rows := skRandRows(rng, 3*BatchSize+17)
	keys := []SortKey{{Col: 2, Desc: true}, {Col: 1, NullsFirst: true}, {Col: 0}}
	mem := NewMemory(0)
	op := NewSort(newSkSource(t, skRandTypes, rows, 1000, true), keys, mem)
	got := skMustDrain(t, op)
	skSameOrder(t, got, skRefSort(rows, keys))
	if mem.Peak() == 0 {
		t.Errorf("sort accounted no memory")
	}
	op.Close()
	if mem.Used() != 0 {
		t.Errorf("memory held after Close: %d", mem.Used())
	}
}

func TestSortMemoryBudget(t *testing.T) {
	rows := make([][]any, 10000)
	for i := range rows {
		rows[i] = []any{int64(i), "some text to take room"}
	}
	mem := NewMemory(64 << 10)
	op := NewSort(newSkSource(t, []vec.Type{vec.Int64, vec.Text}, rows, BatchSize, false), []SortKey{{Col: 0}}, mem)
	_, err := skDrain(t, op)
	if code := sqlerr.CodeOf(err); code != sqlerr.OutOfMemory {
		t.Fatalf("got %v (%s), want 53200", err, code)
	}
	op.Close()
	if mem.Used() != 0 {
		t.Errorf("memory held after Close: %d", mem.Used())
	}
}

func TestSortNoColumns(t *testing.T) {
	op := NewSort(NewValues(nil, &vec.Batch{Len: 3000}), nil, nil)
	n := 0
	for {
		b, err := op.Next(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if b == nil || b.Len == 0 {
			break
		}
		n += b.Len
	}
	if n != 3000 {
		t.Fatalf("got %d rows, want 3000", n)
	}
}

func BenchmarkSortInt64(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	const n = 1 << 20
	col := vec.New(vec.Int64, n)
	for i := 0; i < n; i++ {
		col.AppendInt64(rng.Int63())
	}
	src := &vec.Batch{Cols: []*vec.Vec{col}, Len: n}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := NewSort(NewValues([]vec.Type{vec.Int64}, src), []SortKey{{Col: 0}}, nil)
		if err := Drain(b.Context(), op, func(*vec.Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
		op.Close()
	}
}
