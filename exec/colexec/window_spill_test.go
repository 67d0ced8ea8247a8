package colexec

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Columns of the spilled-window input.
const (
	wsID   = iota
	wsMany // partition key with ~600 values: many small partitions
	wsFew  // partition key with 4 values and NULLs
	wsTag  // text partition key with NULLs
	wsSkew // partition key whose value 0 holds most rows
	wsO    // order key with ties and NULLs
	wsV    // int4
	wsX    // float8, with -0 and values of very different sizes
	wsN    // numeric(12,2)
	wsS    // text
	wsIv   // interval
	wsR    // float4
	wsOff  // a per-row offset for lag
)

var wsTypes = []vec.Type{vec.Int32, vec.Int32, vec.Int32, vec.Text, vec.Int32, vec.Int32, vec.Int32,
	vec.Float64, vec.Numeric(12, 2), vec.Text, vec.IntervalT, vec.Float32, vec.Int32}

// wsInput is n random rows of wsTypes, the same for a given seed.
func wsInput(n int, seed uint64) *vec.Batch {
	r := rand.New(rand.NewPCG(seed, 7))
	b := vec.NewBatch(wsTypes, n)
	maybe := func(pct int, col int, f func()) {
		if r.IntN(100) < pct {
			b.Cols[col].AppendNull()
		} else {
			f()
		}
	}
	for i := 0; i < n; i++ {
		b.Cols[wsID].AppendInt32(int32(i))
		maybe(1, wsMany, func() { b.Cols[wsMany].AppendInt32(r.Int32N(600)) })
		maybe(5, wsFew, func() { b.Cols[wsFew].AppendInt32(r.Int32N(4)) })
		maybe(20, wsTag, func() { b.Cols[wsTag].AppendBytes([]byte([]string{"a", "b"}[r.IntN(2)])) })
		maybe(1, wsSkew, func() {
			k := int32(0)
			if r.IntN(100) >= 60 {
				k = 1 + r.Int32N(200)
			}
			b.Cols[wsSkew].AppendInt32(k)
		})
		maybe(3, wsO, func() { b.Cols[wsO].AppendInt32(r.Int32N(300)) })
		maybe(10, wsV, func() { b.Cols[wsV].AppendInt32(r.Int32N(2001) - 1000) })
		maybe(10, wsX, func() {
			x := (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(12)))
			if r.IntN(50) == 0 {
				x = math.Copysign(0, -1)
			}
			b.Cols[wsX].AppendFloat64(x)
		})
		maybe(10, wsN, func() { b.Cols[wsN].AppendInt64(r.Int64N(200000000) - 100000000) })
		maybe(10, wsS, func() {
			s := make([]byte, 1+r.IntN(6))
			for k := range s {
				s[k] = byte('a' + r.IntN(6))
			}
			b.Cols[wsS].AppendBytes(s)
		})
		maybe(10, wsIv, func() {
			// Months against days: '1 mon' equals '30 days', so extremes
			// show which of equal values won.
			b.Cols[wsIv].AppendInterval(vec.Interval{Months: r.Int32N(3), Days: 30 * r.Int32N(3), Micros: r.Int64N(3) * 1e6})
		})
		maybe(10, wsR, func() { b.Cols[wsR].AppendFloat32(float32((r.Float64() - 0.5) * 1000)) })
		maybe(5, wsOff, func() { b.Cols[wsOff].AppendInt32(r.Int32N(5)) })
	}
	b.Len = n
	return b
}

// Function sets over wsInput.
var (
	wsRanking = []WindowFunc{wf("row_number"), wf("rank"), wf("dense_rank"), wf("percent_rank"), wf("cume_dist"), withOffset(wf("ntile"), 7, nil, vec.Type{})}
	wsOffsets = []WindowFunc{withOffset(wf("lag", wsV), 1, nil, vec.Type{}), withOffset(wf("lag", wsS), 3, "zz", vec.Text),
		withOffset(wf("lead", wsX), 2, nil, vec.Type{}), withOffset(wf("lead", wsIv), 1, nil, vec.Type{}),
		withOffset(wf("lead", wsN), -1, nil, vec.Type{}), wf("lag", wsV, wsOff), withRowDefault(wf("lead", wsV), 2, wsOff)}
	wsValues = []WindowFunc{
		wf("first_value", wsS), wf("last_value", wsS), withOffset(wf("nth_value", wsV), 2, nil, vec.Type{}),
		withFrame(wf("first_value", wsV), frame(FrameRows, OffsetPreceding, 2, OffsetFollowing, 1, ExcludeNoOthers)),
		withFrame(wf("last_value", wsIv), frame(FrameRange, OffsetPreceding, 3, OffsetFollowing, 2, ExcludeNoOthers)),
		withFrame(withOffset(wf("nth_value", wsS), 2, nil, vec.Type{}), frame(FrameGroups, OffsetPreceding, 1, CurrentRow, 0, ExcludeTies)),
		withFrame(wf("first_value", wsX), frame(FrameRows, UnboundedPreceding, 0, CurrentRow, 0, ExcludeCurrentRow)),
		withFrame(wf("last_value", wsV), frame(FrameRows, CurrentRow, 0, UnboundedFollowing, 0, ExcludeGroup)),
	}
	wsAggregates = []WindowFunc{
		wf("sum", wsV), wf("avg", wsN), wf("sum", wsX), wf("min", wsIv), wf("max", wsS), wf("count", wsX), wf("count_star"),
		withFrame(wf("sum", wsN), frame(FrameRows, OffsetPreceding, 3, OffsetFollowing, 2, ExcludeNoOthers)),
		withFrame(wf("avg", wsX), frame(FrameRows, OffsetPreceding, 3, OffsetFollowing, 2, ExcludeTies)),
		withFrame(wf("max", wsIv), frame(FrameRange, OffsetPreceding, 5, CurrentRow, 0, ExcludeNoOthers)),
		withFrame(wf("min", wsV), frame(FrameRange, OffsetPreceding, 5, OffsetFollowing, 5, ExcludeCurrentRow)),
		withFrame(wf("count", wsS), frame(FrameGroups, OffsetPreceding, 2, OffsetFollowing, 1, ExcludeGroup)),
		withFrame(wf("sum", wsR), frame(FrameGroups, UnboundedPreceding, 0, CurrentRow, 0, ExcludeNoOthers)),
		withFrame(wf("sum", wsIv), frame(FrameRows, UnboundedPreceding, 0, UnboundedFollowing, 0, ExcludeNoOthers)),
		withFrame(wf("string_agg", wsS, wsTag), frame(FrameRows, OffsetPreceding, 2, CurrentRow, 0, ExcludeNoOthers)),
	}
	// wsStreamable can all be evaluated over a partition a piece at a time.
	wsStreamable = []WindowFunc{
		wf("row_number"), wf("rank"), wf("dense_rank"),
		withOffset(wf("lag", wsV), 2, nil, vec.Type{}), withOffset(wf("lead", wsS), 3, "zz", vec.Text),
		wf("sum", wsV), wf("avg", wsN), wf("sum", wsX), wf("avg", wsX), wf("sum", wsR), wf("avg", wsR), wf("sum", wsIv),
		wf("min", wsIv), wf("max", wsIv), wf("min", wsS), wf("count", wsX), wf("count_star"), wf("first_value", wsS), wf("last_value", wsV),
		withFrame(wf("sum", wsX), frame(FrameRows, UnboundedPreceding, 0, CurrentRow, 0, ExcludeNoOthers)),
		withFrame(wf("max", wsN), frame(FrameGroups, UnboundedPreceding, 0, CurrentRow, 0, ExcludeNoOthers)),
		withFrame(wf("avg", wsN), frame(FrameRows, UnboundedPreceding, 0, OffsetPreceding, 2, ExcludeNoOthers)),
		withFrame(wf("sum", wsX), frame(FrameRows, UnboundedPreceding, 0, OffsetFollowing, 3, ExcludeNoOthers)),
		withFrame(wf("first_value", wsV), frame(FrameRows, UnboundedPreceding, 0, OffsetPreceding, 1, ExcludeNoOthers)),
		withFrame(wf("min", wsV), frame(FrameRows, UnboundedPreceding, 0, OffsetPreceding, 1, ExcludeNoOthers)),
		withFrame(wf("sum", wsX), frame(FrameRows, OffsetPreceding, 3, OffsetFollowing, 2, ExcludeNoOthers)),
		withFrame(wf("max", wsS), frame(FrameRows, OffsetPreceding, 1, OffsetFollowing, 1, ExcludeGroup)),
		withFrame(withOffset(wf("nth_value", wsS), 2, nil, vec.Type{}), frame(FrameRows, OffsetPreceding, 2, CurrentRow, 0, ExcludeTies)),
		withFrame(wf("string_agg", wsS, wsTag), frame(FrameRows, OffsetFollowing, 1, OffsetFollowing, 4, ExcludeNoOthers)),
		withFrame(wf("count_star"), frame(FrameRange, CurrentRow, 0, CurrentRow, 0, ExcludeNoOthers)),
		withRowDefault(wf("lag", wsV), 3, wsOff), withRowDefault(wf("lead", wsS), 2, wsS),
	}
)

// wsRun runs a window over input and returns its rows as text, in output
// order.
func wsRun(ctx context.Context, input *vec.Batch, part []int, order []SortKey, funcs []WindowFunc, mem *Memory, spill *Spill) ([]string, error) {
	op := NewWindowSpill(NewValues(input.Types(), input), part, order, funcs, mem, spill)
	defer op.Close()
	var rows []string
	err := Drain(ctx, op, func(b *vec.Batch) error {
		for k := 0; k < b.Len; k++ {
			row := b.Row(k)
			var line strings.Builder
			for _, col := range b.Cols {
				if col.Nulls.IsNull(row) {
					line.WriteString("NULL|")
					continue
				}
				line.Write(vec.AppendText(nil, col, row, nil))
				line.WriteByte('|')
			}
			rows = append(rows, line.String())
		}
		return nil
	})
	return rows, err
}

// wsCheckClean fails when the account still holds memory or the spill
// directory still holds files.
func wsCheckClean(t *testing.T, name string, mem *Memory, dir string) {
	t.Helper()
	if mem.Used() != 0 {
		t.Errorf("%s: %d bytes still accounted after Close", name, mem.Used())
	}
	files, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	if len(files) != 0 {
		t.Errorf("%s: %d spill files left behind", name, len(files))
	}
}

type wsShape struct {
	name   string
	part   []int
	order  []SortKey
	budget int64
	sets   map[string][]WindowFunc
	// tooBig lists the sets that cannot be streamed over this shape's
	// largest partition, which exceeds the budget: they must fail with
	// 53200.
	tooBig []string
}

// TestWindowSpillMatchesInMemory runs windows of every function kind with
// a budget far below their input, spilling, and compares each output row,
// in order, with the in-memory operator's over the same input.
func TestWindowSpillMatchesInMemory(t *testing.T) {
	input := wsInput(40000, 1)
	inputBytes := colsHeldBytes(input.Cols)
	all := map[string][]WindowFunc{"ranking": wsRanking, "offsets": wsOffsets, "values": wsValues, "aggregates": wsAggregates, "streamable": wsStreamable}
	single := map[string][]WindowFunc{"ranking": wsRanking, "aggregates": wsAggregates, "streamable": wsStreamable}
	shapes := []wsShape{
		{name: "many small partitions, ties in the order key", part: []int{wsMany}, order: []SortKey{{Col: wsO}}, budget: 256 << 10, sets: all},
		{name: "several partitions with NULL keys", part: []int{wsFew, wsTag}, order: []SortKey{{Col: wsO, Desc: true, NullsFirst: true}}, budget: 2 << 20, sets: all},
		{name: "one partition", order: []SortKey{{Col: wsO}}, budget: 512 << 10, sets: single, tooBig: []string{"ranking", "aggregates"}},
		{name: "one partition, two descending keys", order: []SortKey{{Col: wsO, Desc: true}, {Col: wsV, Desc: true, NullsFirst: true}}, budget: 512 << 10,
			sets: map[string][]WindowFunc{"streamable": wsStreamable[:19]}},
		{name: "a big partition among small ones", part: []int{wsSkew}, order: []SortKey{{Col: wsO}}, budget: 512 << 10, sets: single, tooBig: []string{"ranking", "aggregates"}},
		{name: "no keys", budget: 512 << 10, sets: map[string][]WindowFunc{
			"rows": {wf("row_number"), withOffset(wf("lag", wsS), 1, nil, vec.Type{}),
				withFrame(wf("sum", wsV), frame(FrameRows, OffsetPreceding, 1, OffsetFollowing, 1, ExcludeCurrentRow)),
				withFrame(wf("avg", wsX), frame(FrameRows, UnboundedPreceding, 0, CurrentRow, 0, ExcludeNoOthers))},
			"whole partition": {wf("sum", wsV)}}, tooBig: []string{"whole partition"}},
	}
	for _, sh := range shapes {
		for name, funcs := range sh.sets {
			label := sh.name + " / " + name
			want, err := wsRun(t.Context(), input, sh.part, sh.order, funcs, nil, nil)
			if err != nil {
				t.Fatalf("%s: in memory: %v", label, err)
			}
			dir := t.TempDir()
			mem := NewMemory(sh.budget)
			got, err := wsRun(t.Context(), input, sh.part, sh.order, funcs, mem, &Spill{Dir: dir})
			wsCheckClean(t, label, mem, dir)
			if strings.Contains(strings.Join(sh.tooBig, ","), name) {
				if sqlerr.CodeOf(err) != sqlerr.OutOfMemory || !strings.Contains(err.Error(), "one window partition exceeds the query's budget of") {
					t.Errorf("%s: got %v, want 53200 for one partition over the budget", label, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s: spilled: %v", label, err)
				continue
			}
			if mem.Peak() >= inputBytes {
				t.Errorf("%s: peak of %d bytes, the whole input is %d: did it spill?", label, mem.Peak(), inputBytes)
			}
			if len(got) != len(want) {
				t.Errorf("%s: %d rows spilled, %d in memory", label, len(got), len(want))
				continue
			}
			for i := range want {
				if got[i] != want[i] {
					t.Errorf("%s: row %d\nspilled:   %s\nin memory: %s", label, i, got[i], want[i])
					break
				}
			}
		}
	}
}

// TestWindowSpillFitsButCannotEvaluate gives a budget that holds the input
// but not its sorted copy: the window spills what it holds as one run.
func TestWindowSpillFitsButCannotEvaluate(t *testing.T) {
	input := wsInput(6000, 2)
	budget := colsHeldBytes(input.Cols) * 3 / 2
	part, order := []int{wsMany}, []SortKey{{Col: wsO}}
	want, err := wsRun(t.Context(), input, part, order, wsAggregates, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wsRun(t.Context(), input, part, order, wsAggregates, NewMemory(budget), nil); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(budget)
	got, err := wsRun(t.Context(), input, part, order, wsAggregates, mem, &Spill{Dir: dir})
	wsCheckClean(t, "fallback", mem, dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("spilled output differs from the in-memory one")
	}
}

// TestWindowSpillErrors checks the single-partition error of functions
// that cannot be streamed and of a peer group bigger than the budget, and
// that without a spill the budget error is the general one.
func TestWindowSpillErrors(t *testing.T) {
	input := wsInput(40000, 3)
	cases := []struct {
		name   string
		part   []int
		order  []SortKey
		funcs  []WindowFunc
		detail string
	}{
		{"cume_dist", nil, []SortKey{{Col: wsO}}, []WindowFunc{wf("row_number"), wf("cume_dist")}, "cume_dist needs its whole partition"},
		{"whole-partition frame", []int{wsFew}, []SortKey{{Col: wsO}}, []WindowFunc{withFrame(wf("max", wsV), frame(FrameRows, CurrentRow, 0, UnboundedFollowing, 0, ExcludeNoOthers))}, "max needs its whole partition"},
		{"rank over one big peer group", nil, []SortKey{{Col: wsFew}}, []WindowFunc{wf("rank")}, "one group of peers"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		mem := NewMemory(512 << 10)
		_, err := wsRun(t.Context(), input, c.part, c.order, c.funcs, mem, &Spill{Dir: dir})
		wsCheckClean(t, c.name, mem, dir)
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.OutOfMemory {
			t.Fatalf("%s: got %v, want 53200", c.name, err)
		}
		if !strings.Contains(se.Message, "one window partition exceeds the query's budget of 512.0 KiB") || !strings.Contains(se.Detail, c.detail) {
			t.Errorf("%s: message %q, detail %q", c.name, se.Message, se.Detail)
		}
	}
	mem := NewMemory(512 << 10)
	_, err := wsRun(t.Context(), input, []int{wsMany}, nil, []WindowFunc{wf("row_number")}, mem, nil)
	if sqlerr.CodeOf(err) != sqlerr.OutOfMemory || !strings.Contains(err.Error(), "the query needs more than its budget") {
		t.Errorf("without a spill: %v, want the budget's 53200", err)
	}
	if mem.Used() != 0 {
		t.Errorf("%d bytes still accounted", mem.Used())
	}
}

// cancelSource passes its input on and cancels a context once it has
// handed out a number of batches.
type cancelSource struct {
	Operator
	cancel func()
	after  int
}

func (s *cancelSource) Next(ctx context.Context) (*vec.Batch, error) {
	if s.after--; s.after == 0 {
		s.cancel()
	}
	return s.Operator.Next(ctx)
}

// TestWindowSpillCancel cancels a spilling window while it writes runs and
// while it reads them back: it stops with the context's error at its next
// batch and leaves no file behind.
func TestWindowSpillCancel(t *testing.T) {
	input := wsInput(40000, 4)
	funcs := []WindowFunc{wf("row_number"), wf("sum", wsX)}
	for _, after := range []int{8, 15} {
		ctx, cancel := context.WithCancel(t.Context())
		dir := t.TempDir()
		mem := NewMemory(256 << 10)
		src := &cancelSource{Operator: NewValues(wsTypes, input), cancel: cancel, after: after}
		op := NewWindowSpill(src, []int{wsMany}, []SortKey{{Col: wsO}}, funcs, mem, &Spill{Dir: dir})
		_, err := op.Next(ctx)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after %d input batches: %v", after, err)
		}
		op.Close()
		wsCheckClean(t, fmt.Sprintf("cancelled after %d input batches", after), mem, dir)
	}
	// While reading back: the first batches come, then the cancel ends
	// the stream at once.
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	dir := t.TempDir()
	mem := NewMemory(256 << 10)
	op := NewWindowSpill(NewValues(wsTypes, input), []int{wsMany}, []SortKey{{Col: wsO}}, funcs, mem, &Spill{Dir: dir})
	for i := 0; i < 3; i++ {
		if b, err := op.Next(ctx); err != nil || b == nil || b.Len == 0 {
			t.Fatalf("batch %d: %v", i, err)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) == 0 {
		t.Fatalf("no spill files while reading back")
	}
	cancel()
	if _, err := op.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("after cancel: %v", err)
	}
	op.Close()
	wsCheckClean(t, "cancelled while reading back", mem, dir)
}

// TestSortSpillsWhenOnlySortingOverflows sorts rows that fit the budget
// while the permutation and keys sorting them do not: the sort state is
// accounted with the rows as they are read, so the sort spills runs it can
// sort instead of failing once the input is read.
func TestSortSpillsWhenOnlySortingOverflows(t *testing.T) {
	const n, budget = 100000, 1 << 20
	types := []vec.Type{vec.Int32}
	col := vec.New(vec.Int32, n)
	r := rand.New(rand.NewPCG(5, 5))
	for i := 0; i < n; i++ {
		col.AppendInt32(r.Int32())
	}
	input := &vec.Batch{Cols: []*vec.Vec{col}, Len: n}
	if held := colsHeldBytes(input.Cols); held >= budget || held+sortStateBytes*n <= budget {
		t.Fatalf("the rows hold %d bytes: they must fit %d, and not with their sort state", held, budget)
	}
	keys := []SortKey{{Col: 0}}
	if _, err := skDrain(t, NewSort(NewValues(types, input), keys, NewMemory(budget))); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("without spilling: %v, want 53200", err)
	}
	dir := t.TempDir()
	mem := NewMemory(budget)
	op := NewSortSpill(NewValues(types, input), keys, mem, &Spill{Dir: dir})
	rows, prev := 0, int32(math.MinInt32)
	err := Drain(t.Context(), op, func(b *vec.Batch) error {
		for k := 0; k < b.Len; k++ {
			v := b.Cols[0].Int32s()[b.Row(k)]
			if v < prev {
				return fmt.Errorf("row %d: %d after %d", rows, v, prev)
			}
			prev = v
			rows++
		}
		return nil
	})
	op.Close()
	wsCheckClean(t, "sort", mem, dir)
	if err != nil {
		t.Fatal(err)
	}
	if rows != n {
		t.Fatalf("%d rows, want %d", rows, n)
	}
}

// TestWindowSpillFloatAvgOverflow streams one partition's running
// avg(float8) a piece at a time: the float8_accum state carried from
// piece to piece must overflow where the whole partition's does (here
// when N·x outgrows the square root of the largest double, past the first
// pieces), as PostgreSQL's avg fails.
func TestWindowSpillFloatAvgOverflow(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.Float64}
	const n = 40000
	b := vec.NewBatch(types, n)
	for i := 0; i < n; i++ {
		b.Cols[0].AppendInt32(int32(i))
		b.Cols[1].AppendFloat64(math.Copysign(1e150, float64(i%2)-0.5))
	}
	b.Len = n
	order := []SortKey{{Col: 0}}
	funcs := []WindowFunc{wf("avg", 1)}
	run := func(mem *Memory, spill *Spill) error {
		op := NewWindowSpill(NewValues(types, b), nil, order, funcs, mem, spill)
		defer op.Close()
		return Drain(t.Context(), op, func(*vec.Batch) error { return nil })
	}
	if err := run(nil, nil); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Fatalf("in memory: %v, want 22003", err)
	}
	dir := t.TempDir()
	mem := NewMemory(128 << 10)
	err := run(mem, &Spill{Dir: dir})
	wsCheckClean(t, "avg overflow", mem, dir)
	if sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Fatalf("spilled: %v, want 22003", err)
	}
	if mem.Peak() >= int64(n)*12 {
		t.Errorf("peak of %d bytes: did it stream?", mem.Peak())
	}
}
