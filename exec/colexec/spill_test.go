package colexec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// spillInput is 200,000 rows of (key int64, text key, value) with 60,000
// distinct keys, some NULL, in batches.
func spillInput() (*vec.Batch, []vec.Type) {
	types := []vec.Type{vec.Int64, vec.Text, vec.Int64}
	b := vec.NewBatch(types, 200000)
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		k := r.Int64N(60000)
		if k%997 == 0 {
			b.Cols[0].AppendNull()
		} else {
			b.Cols[0].AppendInt64(k)
		}
		b.Cols[1].AppendBytes([]byte(fmt.Sprintf("g%d", k%7)))
		b.Cols[2].AppendInt64(r.Int64N(1000))
	}
	b.Len = 200000
	return b, types
}

// spillAggs are count(*), sum(value) and max(value) over spillInput,
// grouped by its first two columns.
func spillAggs() []AggSpec {
	return []AggSpec{
		{Func: AggCountStar, Arg: -1, Filter: -1, ResultType: vec.Int64},
		{Func: AggSum, Arg: 2, ArgType: vec.Int64, Filter: -1, ResultType: vec.DecimalOf(0)},
		{Func: AggMax, Arg: 2, ArgType: vec.Int64, Filter: -1, ResultType: vec.Int64},
	}
}

// groupText is row k of an aggregation grouped by two columns, as text:
// its key (the grouping columns) and its aggregates, each value followed
// by '|'.
func groupText(o *vec.Batch, k int) (key, val string) {
	row := o.Row(k)
	for c, col := range o.Cols {
		s := "NULL"
		if !col.Nulls.IsNull(row) {
			s = string(vec.AppendText(nil, col, row, nil))
		}
		if c < 2 {
			key += s + "|"
		} else {
			val += s + "|"
		}
	}
	return key, val
}

func aggregateAll(t *testing.T, mem *Memory, spill *Spill) (map[string]string, error) {
	t.Helper()
	b, types := spillInput()
	h, err := NewHashAgg(NewValues(types, b), []int{0, 1}, spillAggs(), mem)
	if err != nil {
		t.Fatal(err)
	}
	h.WithSpill(spill)
	defer h.Close()
	out := map[string]string{}
	err = Drain(context.Background(), h, func(o *vec.Batch) error {
		for k := 0; k < o.Len; k++ {
			key, val := groupText(o, k)
			if _, dup := out[key]; dup {
				return fmt.Errorf("group %s emitted twice", key)
			}
			out[key] = val
		}
		return nil
	})
	return out, err
}

func TestHashAggSpillsToDisk(t *testing.T) {
	want, err := aggregateAll(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	// 256 KiB holds a few thousand of the 60,000 groups.
	if _, err := aggregateAll(t, NewMemory(256<<10), nil); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(256 << 10)
	got, err := aggregateAll(t, mem, &Spill{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d groups with spilling, %d without", len(got), len(want))
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Fatalf("group %s: %s with spilling, %s without", k, got[k], want[k])
		}
	}
	if mem.Used() != 0 {
		t.Errorf("%d bytes still accounted after Close", mem.Used())
	}
	if mem.Peak() > 2*(256<<10) {
		t.Errorf("peak %d bytes, budget %d", mem.Peak(), 256<<10)
	}
	files, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("%d spill files left behind", len(files))
	}
}

func TestSortSpillsToDisk(t *testing.T) {
	b, types := spillInput()
	keys := []SortKey{{Col: 1, Desc: true}, {Col: 2}, {Col: 0, NullsFirst: true}}
	collect := func(op Operator) ([]string, error) {
		defer op.Close()
		var rows []string
		err := Drain(context.Background(), op, func(o *vec.Batch) error {
			for k := 0; k < o.Len; k++ {
				row := o.Row(k)
				line := ""
				for _, col := range o.Cols {
					if col.Nulls.IsNull(row) {
						line += "NULL|"
					} else {
						line += string(vec.AppendText(nil, col, row, nil)) + "|"
					}
				}
				rows = append(rows, line)
			}
			return nil
		})
		return rows, err
	}
	want, err := collect(NewSort(NewValues(types, b), keys, nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := collect(NewSort(NewValues(types, b), keys, NewMemory(512<<10))); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(512 << 10)
	got, err := collect(NewSortSpill(NewValues(types, b), keys, mem, &Spill{Dir: dir}))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("row %d: %s, want %s (stable order broken or merge wrong)", i, got[i], want[i])
		}
	}
	if mem.Used() != 0 {
		t.Errorf("%d bytes still accounted", mem.Used())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("%d spill files left behind", len(files))
	}
}

// TestPartialAggFlushesWhenFull runs a partial aggregation that flushes its
// groups whenever they fill a small budget, and a final one merging its
// output: the result equals one unconstrained aggregation, and the partial
// phase never held much more than its budget.
func TestPartialAggFlushesWhenFull(t *testing.T) {
	want, err := aggregateAll(t, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, types := spillInput()
	partialMem := NewMemory(128 << 10)
	partial, err := NewHashAgg(NewValues(types, b), []int{0, 1}, spillAggs(), partialMem)
	if err != nil {
		t.Fatal(err)
	}
	partial.FlushWhenFull()
	// The final phase sums the counts and sums and takes the max of maxes.
	final, err := NewHashAgg(partial, []int{0, 1}, []AggSpec{
		{Func: AggSum, Arg: 2, ArgType: vec.Int64, Filter: -1, ResultType: vec.Int64},
		{Func: AggSum, Arg: 3, ArgType: vec.DecimalOf(0), Filter: -1, ResultType: vec.DecimalOf(0)},
		{Func: AggMax, Arg: 4, ArgType: vec.Int64, Filter: -1, ResultType: vec.Int64},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer final.Close()
	got := map[string]string{}
	rows := 0
	err = Drain(context.Background(), final, func(o *vec.Batch) error {
		for k := 0; k < o.Len; k++ {
			key, val := groupText(o, k)
			got[key] = val
			rows++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rows != len(want) || len(got) != len(want) {
		t.Fatalf("%d rows, %d groups; want %d groups", rows, len(got), len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Fatalf("group %s: %s after flushing, %s in one pass", k, got[k], w)
		}
	}
	if partialMem.Peak() > 2*(128<<10) {
		t.Errorf("partial phase peaked at %d bytes, budget %d", partialMem.Peak(), 128<<10)
	}
	if partialMem.Used() != 0 {
		t.Errorf("%d bytes still accounted after Close", partialMem.Used())
	}
}

// Runs that follow each other (input already nearly in order) are merged
// in long stretches; ties across runs still come out in input order.
func TestSortSpillMergesStretches(t *testing.T) {
	types := []vec.Type{vec.Int64, vec.Int64}
	in := vec.NewBatch(types, 0)
	for i := 0; i < 60000; i++ {
		in.Cols[0].AppendInt64(int64(i / 3)) // three rows per key
		in.Cols[1].AppendInt64(int64(i))     // input order
	}
	in.Len = 60000
	mem := NewMemory(256 << 10)
	op := NewSortSpill(NewValues(types, in), []SortKey{{Col: 0}}, mem, &Spill{Dir: t.TempDir()})
	defer op.Close()
	next := int64(0)
	err := Drain(context.Background(), op, func(o *vec.Batch) error {
		for k := 0; k < o.Len; k++ {
			if got := o.Cols[1].Int64s()[o.Row(k)]; got != next {
				return fmt.Errorf("row %d is input row %d", next, got)
			}
			next++
		}
		return nil
	})
	if err != nil || next != 60000 {
		t.Fatalf("%v after %d rows", err, next)
	}
}
