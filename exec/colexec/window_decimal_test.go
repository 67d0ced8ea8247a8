package colexec

import (
	"context"
	"math"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// mustDec parses numeric text, keeping the scale it is written with.
func mustDec(s string) decimal.Decimal {
	d, err := decimal.Parse([]byte(s))
	if err != nil {
		panic(err)
	}
	return d
}

// The decimal window tests run on this table, whose d column holds values
// of several scales (PostgreSQL's numeric without a typmod):
//
//	create table dw (id int, p int, o int, d numeric, b bigint);
//	insert into dw values (1,1,1,1.5,9223372036854775807),
//	  (2,1,2,2.25,9223372036854775807), (3,1,2,null,-5), (4,1,4,3,null),
//	  (5,1,5,-0.125,1), (6,2,1,10.10,2), (7,2,2,0.333333333333333333333,3),
//	  (8,2,3,null,null), (9,2,3,1.50,4), (10,null,1,7,5);
var (
	dwTypes = []vec.Type{vec.Int32, vec.Int32, vec.Int32, vec.DecimalOf(0), vec.Int64}
	dwRows  = [][]any{
		{int64(1), int64(1), int64(1), mustDec("1.5"), int64(math.MaxInt64)},
		{int64(2), int64(1), int64(2), mustDec("2.25"), int64(math.MaxInt64)},
		{int64(3), int64(1), int64(2), nil, int64(-5)},
		{int64(4), int64(1), int64(4), mustDec("3"), nil},
		{int64(5), int64(1), int64(5), mustDec("-0.125"), int64(1)},
		{int64(6), int64(2), int64(1), mustDec("10.10"), int64(2)},
		{int64(7), int64(2), int64(2), mustDec("0.333333333333333333333"), int64(3)},
		{int64(8), int64(2), int64(3), nil, nil},
		{int64(9), int64(2), int64(3), mustDec("1.50"), int64(4)},
		{int64(10), nil, int64(1), mustDec("7"), int64(5)},
	}
)

const (
	dwP = 1
	dwO = 2
	dwD = 3
	dwB = 4
)

func TestWindowDecimalDefaultFrame(t *testing.T) {
	// select id, sum(d) over w, avg(d) over w, min(d) over w, max(d) over w,
	// sum(b) over w, avg(b) over w
	// from dw window w as (partition by p order by o)
	runWindowCase(t, windowCase{
		name: "decimal running", part: []int{dwP}, order: []SortKey{{Col: dwO}},
		types: dwTypes, rows: dwRows,
		funcs: []WindowFunc{wf("sum", dwD), wf("avg", dwD), wf("min", dwD), wf("max", dwD), wf("sum", dwB), wf("avg", dwB)},
		resType: []vec.Type{vec.DecimalOf(0), vec.DecimalOf(16), vec.DecimalOf(0), vec.DecimalOf(0),
			vec.DecimalOf(0), vec.DecimalOf(16)},
		want: `
1|1.5|1.50000000000000000000|1.5|1.5|9223372036854775807|9223372036854775807
2|3.75|1.8750000000000000|1.5|2.25|18446744073709551609|6148914691236517203
3|3.75|1.8750000000000000|1.5|2.25|18446744073709551609|6148914691236517203
4|6.75|2.2500000000000000|1.5|3|18446744073709551609|6148914691236517203
5|6.625|1.6562500000000000|-0.125|3|18446744073709551610|4611686018427387903
6|10.10|10.1000000000000000|10.10|10.10|2|2.0000000000000000
7|10.433333333333333333333|5.216666666666666666667|0.333333333333333333333|10.10|5|2.5000000000000000
8|11.933333333333333333333|3.977777777777777777778|0.333333333333333333333|10.10|9|3.0000000000000000
9|11.933333333333333333333|3.977777777777777777778|0.333333333333333333333|10.10|9|3.0000000000000000
10|7|7.0000000000000000|7|7|5|5.0000000000000000`,
	})
}

func TestWindowDecimalSlidingFrame(t *testing.T) {
	// select id, sum(d) over w, avg(d) over w, min(d) over w, max(d) over w,
	// first_value(d) over w, last_value(d) over w, sum(b) over w,
	// avg(b) over w from dw window w as (partition by p order by o, id
	// rows between 1 preceding and 1 following)
	//
	// A sum's scale is the largest of its own frame's values: id 9's frame
	// has lost id 7's 21 decimals.
	fr := func(f WindowFunc) WindowFunc { return withFrame(f, rows1p1f) }
	runWindowCase(t, windowCase{
		name: "decimal rows frame", part: []int{dwP}, order: []SortKey{{Col: dwO}, {Col: 0}},
		types: dwTypes, rows: dwRows,
		funcs: []WindowFunc{fr(wf("sum", dwD)), fr(wf("avg", dwD)), fr(wf("min", dwD)), fr(wf("max", dwD)),
			fr(wf("first_value", dwD)), fr(wf("last_value", dwD)), fr(wf("sum", dwB)), fr(wf("avg", dwB))},
		want: `
1|3.75|1.8750000000000000|1.5|2.25|1.5|2.25|18446744073709551614|9223372036854775807
2|3.75|1.8750000000000000|1.5|2.25|1.5|NULL|18446744073709551609|6148914691236517203
3|5.25|2.6250000000000000|2.25|3|2.25|3|9223372036854775802|4611686018427387901
4|2.875|1.43750000000000000000|-0.125|3|NULL|-0.125|-4|-2.0000000000000000
5|2.875|1.43750000000000000000|-0.125|3|3|-0.125|1|1.00000000000000000000
6|10.433333333333333333333|5.216666666666666666667|0.333333333333333333333|10.10|10.10|0.333333333333333333333|5|2.5000000000000000
7|10.433333333333333333333|5.216666666666666666667|0.333333333333333333333|10.10|10.10|NULL|5|2.5000000000000000
8|1.833333333333333333333|0.916666666666666666667|0.333333333333333333333|1.50|0.333333333333333333333|1.50|7|3.5000000000000000
9|1.50|1.50000000000000000000|1.50|1.50|NULL|1.50|4|4.0000000000000000
10|7|7.0000000000000000|7|7|7|7|5|5.0000000000000000`,
	})
}

func TestWindowDecimalWholePartitionAndOffsets(t *testing.T) {
	// select id, sum(d) over w, avg(d) over w, count(d) over w,
	// lag(d) over (partition by p order by id),
	// lead(d, 1, 0.5) over (partition by p order by id)
	// from dw window w as (partition by p)
	whole := []WindowFunc{wf("sum", dwD), wf("avg", dwD), wf("count", dwD)}
	runWindowCase(t, windowCase{
		name: "decimal whole partition", part: []int{dwP},
		types: dwTypes, rows: dwRows, funcs: whole,
		want: `
1|6.625|1.6562500000000000|4
2|6.625|1.6562500000000000|4
3|6.625|1.6562500000000000|4
4|6.625|1.6562500000000000|4
5|6.625|1.6562500000000000|4
6|11.933333333333333333333|3.977777777777777777778|3
7|11.933333333333333333333|3.977777777777777777778|3
8|11.933333333333333333333|3.977777777777777777778|3
9|11.933333333333333333333|3.977777777777777777778|3
10|7|7.0000000000000000|1`,
	})
	runWindowCase(t, windowCase{
		name: "decimal lag and lead", part: []int{dwP}, order: []SortKey{{Col: 0}},
		types: dwTypes, rows: dwRows,
		funcs: []WindowFunc{withOffset(wf("lag", dwD), 1, nil, vec.Type{}), withOffset(wf("lead", dwD), 1, mustDec("0.5"), vec.DecimalOf(1))},
		want: `
1|NULL|2.25
2|1.5|NULL
3|2.25|3
4|NULL|-0.125
5|3|0.5
6|NULL|0.333333333333333333333
7|10.10|NULL
8|0.333333333333333333333|1.50
9|NULL|0.5
10|NULL|0.5`,
	})
}

func TestWindowDecimalExclusion(t *testing.T) {
	// select id, sum(d) over w1, avg(d) over w1, sum(d) over w2,
	// sum(b) over w2, avg(d) over w3 from dw window
	// w1 as (partition by p order by o rows between unbounded preceding
	//   and unbounded following exclude current row),
	// w2 as (partition by p order by o range between unbounded preceding
	//   and unbounded following exclude group),
	// w3 as (partition by p order by o groups between 1 preceding and
	//   current row exclude ties)
	w1 := frame(FrameRows, UnboundedPreceding, 0, UnboundedFollowing, 0, ExcludeCurrentRow)
	w2 := frame(FrameRange, UnboundedPreceding, 0, UnboundedFollowing, 0, ExcludeGroup)
	w3 := frame(FrameGroups, OffsetPreceding, 1, CurrentRow, 0, ExcludeTies)
	runWindowCase(t, windowCase{
		name: "decimal exclusion", part: []int{dwP}, order: []SortKey{{Col: dwO}},
		types: dwTypes, rows: dwRows,
		funcs: []WindowFunc{withFrame(wf("sum", dwD), w1), withFrame(wf("avg", dwD), w1), withFrame(wf("sum", dwD), w2),
			withFrame(wf("sum", dwB), w2), withFrame(wf("avg", dwD), w3)},
		want: `
1|5.125|1.7083333333333333|5.125|9223372036854775803|1.50000000000000000000
2|4.375|1.4583333333333333|4.375|9223372036854775808|1.8750000000000000
3|6.625|1.6562500000000000|4.375|9223372036854775808|1.50000000000000000000
4|3.625|1.20833333333333333333|3.625|18446744073709551610|2.6250000000000000
5|6.75|2.2500000000000000|6.75|18446744073709551609|1.43750000000000000000
6|1.833333333333333333333|0.916666666666666666667|1.833333333333333333333|7|10.1000000000000000
7|11.60|5.8000000000000000|11.60|6|5.216666666666666666667
8|11.933333333333333333333|3.977777777777777777778|10.433333333333333333333|5|0.333333333333333333333
9|10.433333333333333333333|5.216666666666666666667|10.433333333333333333333|5|0.916666666666666666667
10|NULL|NULL|NULL|NULL|7.0000000000000000`,
	})
}

// TestWindowDecimalSpill streams decimal sums and extremes through the
// spilled window, a partition in pieces, and compares with the window in
// memory.
func TestWindowDecimalSpill(t *testing.T) {
	const n = 6000
	types := []vec.Type{vec.Int32, vec.Int32, vec.DecimalOf(0), vec.Int64}
	in := vec.NewBatch(types, n)
	for i := range n {
		in.Cols[0].AppendInt32(int32(i))
		in.Cols[1].AppendInt32(int32(i % 2))
		if i%7 == 3 {
			in.Cols[2].AppendNull()
		} else {
			// Scales 0 to 20, and signs, mixed.
			in.Cols[2].AppendDecimal(decimal.FromInt64(int64(i*7919%100003-50000), int32(i%21)))
		}
		in.Cols[3].AppendInt64(math.MaxInt64 - int64(i))
	}
	in.Len = n
	running := Frame{Mode: FrameRows, StartKind: UnboundedPreceding, EndKind: CurrentRow, HasOrder: true}
	sliding := Frame{Mode: FrameRows, StartKind: OffsetPreceding, StartOffset: 3, EndKind: OffsetFollowing, EndOffset: 2, HasOrder: true}
	funcs := []WindowFunc{
		withFrame(wf("sum", 2), running), withFrame(wf("avg", 2), running), withFrame(wf("max", 2), running),
		withFrame(wf("sum", 3), running), withFrame(wf("avg", 3), running),
		withFrame(wf("sum", 2), sliding), withFrame(wf("min", 2), sliding),
	}
	part, order := []int{1}, []SortKey{{Col: 0}}
	want, err := wsRun(context.Background(), in, part, order, funcs, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	mem := NewMemory(96 << 10)
	dir := t.TempDir()
	got, err := wsRun(context.Background(), in, part, order, funcs, mem, &Spill{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows spilled, %d in memory", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("row %d spilled:\n%s\nin memory:\n%s", i, got[i], want[i])
		}
	}
	wsCheckClean(t, "decimal", mem, dir)
	// A partition is over the budget: a function that needs it whole
	// fails, so the functions above were evaluated in pieces.
	whole := []WindowFunc{withFrame(wf("sum", 2), Frame{Mode: FrameRows, StartKind: UnboundedPreceding, EndKind: UnboundedFollowing})}
	if _, err := wsRun(context.Background(), in, part, order, whole, NewMemory(96<<10), &Spill{Dir: dir}); sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("whole-partition sum: got %v, want 53200", err)
	}
}

func TestInt128Int64(t *testing.T) {
	for _, c := range []struct {
		a  int128
		v  int64
		ok bool
	}{
		{int128{}.add(math.MaxInt64), math.MaxInt64, true},
		{int128{}.add(math.MinInt64), math.MinInt64, true},
		{int128{}.add(-1), -1, true},
		{int128{}.add(math.MaxInt64).add(1), 0, false},
		{int128{}.add(math.MinInt64).add(-1), 0, false},
		{int128{}.add(math.MaxInt64).add(math.MaxInt64).add(math.MinInt64), math.MaxInt64 - 1, true},
	} {
		v, ok := c.a.int64()
		if ok != c.ok || ok && v != c.v {
			t.Errorf("%+v: got %d, %v; want %d, %v", c.a, v, ok, c.v, c.ok)
		}
	}
}
