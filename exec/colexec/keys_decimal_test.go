package colexec

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// decRandRows makes n rows of (decimal with NULLs, equal values written
// with several scales and values past 64 bits, row id).
func decRandRows(rng *rand.Rand, n int) [][]any {
	texts := []string{"1.5", "1.50", "1.500", "-1.5", "0", "0.00", "2", "15", "0.15",
		"12345678901234567890.123", "-12345678901234567890.1230", "0.333333333333333333333", "99999999999999999999999999999999999999"}
	rows := make([][]any, n)
	for i := range rows {
		var d any
		switch r := rng.Intn(10); {
		case r == 0:
		case r < 5:
			d = mustDec(texts[rng.Intn(len(texts))])
		default:
			d = decimal.FromInt64(rng.Int63n(2000001)-1000000, int32(rng.Intn(25)))
		}
		rows[i] = []any{d, int64(i)}
	}
	return rows
}

var decRandTypes = []vec.Type{vec.DecimalOf(0), vec.Int32}

// decSameOrder compares row orders by the row ids of column 1: equal
// values keep their input order, so the ids decide.
func decSameOrder(t *testing.T, name string, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d", name, len(got), len(want))
	}
	for i := range got {
		if got[i][1] != want[i][1] {
			t.Fatalf("%s: row %d is %v, want %v", name, i, got[i], want[i])
		}
	}
}

// TestSortDecimal orders decimals by value, NULLs where the key puts
// them, equal values of different scales in input order; top-N agrees.
func TestSortDecimal(t *testing.T) {
	rng := rand.New(rand.NewSource(5))
	rows := decRandRows(rng, 3000)
	for _, keys := range [][]SortKey{
		{{Col: 0}},
		{{Col: 0, Desc: true, NullsFirst: true}},
		{{Col: 0, NullsFirst: true}},
	} {
		want := skRefSort(rows, keys)
		for _, sel := range []bool{false, true} {
			name := fmt.Sprintf("keys %v sel %v", keys, sel)
			decSameOrder(t, name, skMustDrain(t, NewSort(newSkSource(t, decRandTypes, rows, 333, sel), keys, nil)), want)
			got := skMustDrain(t, NewTopN(newSkSource(t, decRandTypes, rows, 333, sel), keys, 100, 7, nil))
			decSameOrder(t, "top-N "+name, got, want[7:107])
		}
	}
}

// TestSortSpillDecimal sorts decimals through runs on disk: the spill
// files carry each value's own scale, and the merge orders by value.
func TestSortSpillDecimal(t *testing.T) {
	rng := rand.New(rand.NewSource(6))
	rows := decRandRows(rng, 40000)
	in := skBatch(decRandTypes, rows)
	keys := []SortKey{{Col: 0, Desc: true}}
	if _, err := skDrain(t, NewSort(NewValues(decRandTypes, in), keys, NewMemory(256<<10))); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(256 << 10)
	op := NewSortSpill(NewValues(decRandTypes, in), keys, mem, &Spill{Dir: dir})
	got := skMustDrain(t, op)
	op.Close()
	want := skRefSort(rows, keys)
	decSameOrder(t, "spilled sort", got, want)
	// The values themselves, scales included, came back from disk.
	for i := range got {
		if fmt.Sprint(got[i][0]) != fmt.Sprint(want[i][0]) {
			t.Fatalf("row %d: %v, want %v", i, got[i][0], want[i][0])
		}
	}
	if mem.Used() != 0 {
		t.Errorf("%d bytes still accounted", mem.Used())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d spill files left behind", len(files))
	}
}

// TestHashAggSpillDecimal aggregates by a decimal key with decimal sums
// and averages past its budget: the spilled groups equal the in-memory
// ones, and a key written with two scales stays one group across the
// partitions.
func TestHashAggSpillDecimal(t *testing.T) {
	const n = 120000
	types := []vec.Type{vec.DecimalOf(0), vec.Numeric(15, 2), vec.DecimalOf(0)}
	in := vec.NewBatch(types, n)
	rng := rand.New(rand.NewSource(7))
	for i := range n {
		k := rng.Int63n(30000)
		// The key k/10, written with one to three decimals.
		scale := int32(1 + i%3)
		coef := k
		for s := int32(1); s < scale; s++ {
			coef *= 10
		}
		in.Cols[0].AppendDecimal(decimal.FromInt64(coef, scale))
		in.Cols[1].AppendInt64(rng.Int63n(2000000) - 1000000)
		if i%13 == 0 {
			in.Cols[2].AppendNull()
		} else {
			in.Cols[2].AppendDecimal(decimal.FromInt64(rng.Int63n(1000000), int32(i%7)))
		}
	}
	in.Len = n
	aggs := []AggSpec{
		{Func: AggCountStar, Arg: -1, Filter: -1, ResultType: vec.Int64},
		aggSpec(t, AggSum, 1, types[1]), aggSpec(t, AggAvg, 1, types[1]),
		aggSpec(t, AggSum, 2, types[2]), aggSpec(t, AggAvg, 2, types[2]), aggSpec(t, AggMax, 2, types[2]),
	}
	run := func(mem *Memory, spill *Spill) (map[string]string, error) {
		h, err := NewHashAgg(NewValues(types, in), []int{0}, aggs, mem)
		if err != nil {
			t.Fatal(err)
		}
		h.WithSpill(spill)
		defer h.Close()
		out := map[string]string{}
		err = Drain(context.Background(), h, func(o *vec.Batch) error {
			for k := 0; k < o.Len; k++ {
				var vals []string
				for _, col := range o.Cols[1:] {
					vals = append(vals, skFormat(col, o.Row(k)))
				}
				// Keyed by value: which scale a group shows depends on
				// which of its rows came first, in memory or in a
				// partition.
				key := decimal.Normalize(o.Cols[0].Decimals()[o.Row(k)]).String()
				if _, dup := out[key]; dup {
					return fmt.Errorf("group %s emitted twice", key)
				}
				out[key] = strings.Join(vals, "|")
			}
			return nil
		})
		return out, err
	}
	want, err := run(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run(NewMemory(512<<10), nil); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(512 << 10)
	got, err := run(mem, &Spill{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups spilled, %d in memory", len(got), len(want))
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Fatalf("group %s: %s spilled, %s in memory", k, got[k], want[k])
		}
	}
	if mem.Used() != 0 {
		t.Errorf("%d bytes still accounted after Close", mem.Used())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d spill files left behind", len(files))
	}
}

// TestHashJoinDecimalKeys joins on decimal keys by value: 1.5 meets 1.50,
// and NULL meets nothing.
func TestHashJoinDecimalKeys(t *testing.T) {
	types := []vec.Type{vec.DecimalOf(0), vec.Int32}
	left := [][]any{{mustDec("1.5"), int64(1)}, {mustDec("2"), int64(2)}, {nil, int64(3)}, {mustDec("0.15"), int64(4)}, {mustDec("-0.0"), int64(5)}}
	right := [][]any{{mustDec("1.50"), int64(10)}, {mustDec("2.000"), int64(20)}, {nil, int64(30)}, {mustDec("15"), int64(40)}, {mustDec("0"), int64(50)}, {mustDec("1.5"), int64(60)}}
	for _, sel := range []bool{false, true} {
		j := NewHashJoin(InnerJoin, newSkSource(t, types, left, 2, sel), newSkSource(t, types, right, 2, sel), []int{0}, []int{0}, nil, nil, nil)
		var got []string
		for _, r := range skMustDrain(t, j) {
			got = append(got, fmt.Sprintf("%v-%v", r[1], r[3]))
		}
		j.Close()
		sort.Strings(got)
		if s := strings.Join(got, " "); s != "1-10 1-60 2-20 5-50" {
			t.Errorf("sel %v: pairs %s, want 1-10 1-60 2-20 5-50", sel, s)
		}
	}
}

// TestHeldBytesCountsDecimals: a decimal takes 24 bytes in what the
// operators account.
func TestHeldBytesCountsDecimals(t *testing.T) {
	col := vec.New(vec.DecimalOf(2), 100)
	for i := range 100 {
		col.AppendDecimal(decimal.FromInt64(int64(i), 2))
	}
	if got := colHeldBytes(col); got < 2400 {
		t.Errorf("colHeldBytes = %d for 100 decimals", got)
	}
	b := &vec.Batch{Cols: []*vec.Vec{col}, Len: 100}
	if got := batchBytes(b); got < 2400 {
		t.Errorf("batchBytes = %d for 100 decimals", got)
	}
}
