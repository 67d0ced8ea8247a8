package colexec

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The window tests run on this table; the expected values come from
// PostgreSQL 15 (the queries are quoted in each case), one "|"-separated
// line per id with the id first.
var (
	wTypes = []vec.Type{vec.Int32, vec.Int32, vec.Int32, vec.Int32, vec.Float64, vec.Text, vec.Numeric(10, 2)}
	wRows  = [][]any{
		// id, p, o, v, x, s, n (n scaled by 100)
		{int64(1), int64(1), int64(1), int64(10), 1.5, "b", int64(125)},
		{int64(2), int64(1), int64(2), int64(20), 2.5, "a", int64(250)},
		{int64(3), int64(1), int64(2), int64(5), nil, "c", nil},
		{int64(4), int64(1), int64(4), nil, -1.0, nil, int64(333)},
		{int64(5), int64(1), nil, int64(7), math.NaN(), "d", int64(1)},
		{int64(6), int64(1), nil, int64(8), 0.0, "a", int64(-750)},
		{int64(7), int64(2), int64(3), int64(1), 1e10, "x", int64(10000)},
		{int64(8), int64(2), int64(10), int64(2), 2.0, "y", int64(5)},
		{int64(9), nil, int64(5), int64(100), nil, "p", int64(100)},
		{int64(10), nil, int64(5), nil, 3.0, nil, nil},
		{int64(11), int64(3), int64(1), nil, nil, nil, nil},
		{int64(12), int64(1), int64(3), int64(3), 4.0, "e", int64(10)},
	}
)

const (
	wID = iota
	wP
	wO
	wV
	wX
	wS
	wN
)

// Window shapes used below.
var (
	byP      = []int{wP}
	byO      = []SortKey{{Col: wO}}
	byOID    = []SortKey{{Col: wO}, {Col: wID}}
	rows1p1f = Frame{Mode: FrameRows, StartKind: OffsetPreceding, StartOffset: 1, EndKind: OffsetFollowing, EndOffset: 1, HasOrder: true}
)

func wf(name string, args ...int) WindowFunc { return WindowFunc{Name: name, Args: args} }

func withFrame(f WindowFunc, fr Frame) WindowFunc { f.Frame = fr; return f }

func withOffset(f WindowFunc, off int64, def any, t vec.Type) WindowFunc {
	f.Offset = off
	if def != nil {
		f.Default = vec.New(t, 1)
		skAppend(f.Default, def)
	}
	return f
}

// withRowDefault gives lag or lead a constant offset and a default read
// per row from column def.
func withRowDefault(f WindowFunc, off int64, def int) WindowFunc {
	f.Offset, f.Args, f.RowDefault = off, append(f.Args, def), true
	return f
}

// skFormat renders a value as psql prints it.
func skFormat(col *vec.Vec, i int) string {
	v := skValue(col, i)
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if math.IsNaN(x) {
			return "NaN"
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case int64:
		if col.Type.Kind == vec.KindNumeric && col.Type.Scale > 0 {
			neg := x < 0
			if neg {
				x = -x
			}
			p := vec.Pow10(col.Type.Scale)
			s := fmt.Sprintf("%d.%0*d", x/p, col.Type.Scale, x%p)
			if neg {
				s = "-" + s
			}
			return s
		}
		return strconv.FormatInt(x, 10)
	}
	return fmt.Sprint(v)
}

type windowCase struct {
	name    string
	part    []int
	order   []SortKey
	funcs   []WindowFunc
	want    string
	resType []vec.Type // optional check of the result types
	// types and rows are the input, wTypes and wRows when nil; the first
	// column is the row id.
	types []vec.Type
	rows  [][]any
}

func runWindowCase(t *testing.T, c windowCase) {
	t.Helper()
	want := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(c.want), "\n") {
		id, _, _ := strings.Cut(strings.TrimSpace(line), "|")
		want[id] = strings.TrimSpace(line)
	}
	inTypes, inRows := wTypes, wRows
	if c.types != nil {
		inTypes, inRows = c.types, c.rows
	}
	for _, sel := range []bool{false, true} {
		for _, bs := range []int{1, 5, 100} {
			mem := NewMemory(0)
			op := NewWindow(newSkSource(t, inTypes, inRows, bs, sel), c.part, c.order, c.funcs, mem)
			types := op.Types()
			if len(types) != len(inTypes)+len(c.funcs) {
				t.Fatalf("%s: %d output types", c.name, len(types))
			}
			for i, rt := range c.resType {
				if types[len(inTypes)+i] != rt {
					t.Errorf("%s: result %d has type %v, want %v", c.name, i, types[len(inTypes)+i], rt)
				}
			}
			seen := 0
			err := Drain(t.Context(), op, func(b *vec.Batch) error {
				if b.Sel != nil {
					t.Fatalf("%s: window output has a selection", c.name)
				}
				for i := 0; i < b.Len; i++ {
					parts := []string{skFormat(b.Cols[wID], i)}
					for f := range c.funcs {
						parts = append(parts, skFormat(b.Cols[len(inTypes)+f], i))
					}
					got := strings.Join(parts, "|")
					if w := want[parts[0]]; got != w {
						t.Errorf("%s (sel=%v batch=%d): id %s\n got: %s\nwant: %s", c.name, sel, bs, parts[0], got, w)
					}
					seen++
				}
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if seen != len(inRows) {
				t.Fatalf("%s: %d rows, want %d", c.name, seen, len(inRows))
			}
			op.Close()
			if mem.Used() != 0 {
				t.Errorf("%s: memory held after Close: %d", c.name, mem.Used())
			}
		}
	}
}

func TestWindowRanking(t *testing.T) {
	// select id, row_number() over w1, ntile(3) over w1 ...
	// window w1 as (partition by p order by o, id)
	runWindowCase(t, windowCase{
		name: "row_number, ntile", part: byP, order: byOID,
		funcs:   []WindowFunc{wf("row_number"), withOffset(wf("ntile"), 3, nil, vec.Type{})},
		resType: []vec.Type{vec.Int64, vec.Int32},
		want: `
1|1|1
2|2|1
3|3|1
4|5|2
5|6|3
6|7|3
7|1|1
8|2|2
9|1|1
10|2|2
11|1|1
12|4|2`,
	})
	// rank() over w, dense_rank() over w, percent_rank() over w,
	// cume_dist() over w; window w as (partition by p order by o)
	runWindowCase(t, windowCase{
		name: "rank family", part: byP, order: byO,
		funcs:   []WindowFunc{wf("rank"), wf("dense_rank"), wf("percent_rank"), wf("cume_dist")},
		resType: []vec.Type{vec.Int64, vec.Int64, vec.Float64, vec.Float64},
		want: `
1|1|1|0|0.14285714285714285
2|2|2|0.16666666666666666|0.42857142857142855
3|2|2|0.16666666666666666|0.42857142857142855
4|5|4|0.6666666666666666|0.7142857142857143
5|6|5|0.8333333333333334|1
6|6|5|0.8333333333333334|1
7|1|1|0|0.5
8|2|2|1|1
9|1|1|0|1
10|1|1|0|1
11|1|1|0|1
12|4|3|0.5|0.5714285714285714`,
	})
}

func TestWindowAggregatesOverPeers(t *testing.T) {
	// select id, sum(v) over w, count(v) over w, count(*) over w,
	// avg(v) over w, min(s) over w, max(s) over w, sum(x) over w,
	// avg(x) over w, sum(n) over w, avg(n) over w
	// from w window w as (partition by p order by o)
	runWindowCase(t, windowCase{
		name: "default frame", part: byP, order: byO,
		funcs: []WindowFunc{wf("sum", wV), wf("count", wV), wf("count_star"), wf("avg", wV), wf("min", wS), wf("max", wS),
			wf("sum", wX), wf("avg", wX), wf("sum", wN), wf("avg", wN)},
		resType: []vec.Type{vec.Int64, vec.Int64, vec.Int64, vec.DecimalOf(16), vec.Text, vec.Text,
			vec.Float64, vec.Float64, vec.DecimalOf(2), vec.DecimalOf(16)},
		want: `
1|10|1|1|10.0000000000000000|b|b|1.5|1.5|1.25|1.25000000000000000000
2|35|3|3|11.6666666666666667|a|c|4|2|3.75|1.8750000000000000
3|35|3|3|11.6666666666666667|a|c|4|2|3.75|1.8750000000000000
4|38|4|5|9.5000000000000000|a|e|7|1.75|7.18|1.7950000000000000
5|53|6|7|8.8333333333333333|a|e|NaN|NaN|-0.31|-0.05166666666666666667
6|53|6|7|8.8333333333333333|a|e|NaN|NaN|-0.31|-0.05166666666666666667
7|1|1|1|1.00000000000000000000|x|x|10000000000|10000000000|100.00|100.0000000000000000
8|3|2|2|1.5000000000000000|x|y|10000000002|5000000001|100.05|50.0250000000000000
9|100|1|2|100.0000000000000000|p|p|3|3|1.00|1.00000000000000000000
10|100|1|2|100.0000000000000000|p|p|3|3|1.00|1.00000000000000000000
11|NULL|0|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|38|4|4|9.5000000000000000|a|e|8|2.6666666666666665|3.85|1.28333333333333333333`,
	})
}

func TestWindowRowsFrame(t *testing.T) {
	// select id, sum(v) over w, count(v) over w, min(s) over w, max(v) over w,
	// first_value(v) over w, last_value(v) over w, nth_value(s, 2) over w,
	// sum(x) over w from w
	// window w as (partition by p order by o, id rows between 1 preceding and 1 following)
	fr := func(f WindowFunc) WindowFunc { return withFrame(f, rows1p1f) }
	runWindowCase(t, windowCase{
		name: "rows 1 preceding 1 following", part: byP, order: byOID,
		funcs: []WindowFunc{fr(wf("sum", wV)), fr(wf("count", wV)), fr(wf("min", wS)), fr(wf("max", wV)),
			fr(wf("first_value", wV)), fr(wf("last_value", wV)), fr(withOffset(wf("nth_value", wS), 2, nil, vec.Type{})), fr(wf("sum", wX))},
		want: `
1|30|2|a|20|10|20|a|4
2|35|3|a|20|10|5|a|4
3|28|3|a|20|20|3|c|6.5
4|10|2|d|7|3|7|NULL|NaN
5|15|2|a|8|NULL|8|d|NaN
6|15|2|a|8|7|8|a|NaN
7|3|2|x|2|1|2|y|10000000002
8|3|2|x|2|1|2|y|10000000002
9|100|1|p|100|100|NULL|NULL|3
10|100|1|p|100|100|NULL|NULL|3
11|NULL|0|NULL|NULL|NULL|NULL|NULL|NULL
12|8|2|c|5|5|NULL|e|3`,
	})
}

func TestWindowRangeOffsets(t *testing.T) {
	rng := func(s FrameBound, so int64, e FrameBound, eo int64) Frame {
		return Frame{StartKind: s, StartOffset: so, EndKind: e, EndOffset: eo, HasOrder: true}
	}
	// sum(v) over (partition by p order by o range between 1 preceding and 1 following),
	// count(*) over (partition by p order by o range between unbounded preceding and 1 preceding),
	// min(v) over (partition by p order by o range between 1 following and unbounded following)
	runWindowCase(t, windowCase{
		name: "range asc", part: byP, order: byO,
		funcs: []WindowFunc{
			withFrame(wf("sum", wV), rng(OffsetPreceding, 1, OffsetFollowing, 1)),
			withFrame(wf("count_star"), rng(UnboundedPreceding, 0, OffsetPreceding, 1)),
			withFrame(wf("min", wV), rng(OffsetFollowing, 1, UnboundedFollowing, 0)),
		},
		want: `
1|35|0|3
2|38|1|3
3|38|1|3
4|3|4|7
5|15|7|7
6|15|7|7
7|1|0|2
8|2|1|NULL
9|100|0|NULL
10|100|0|NULL
11|NULL|0|NULL
12|28|3|7`,
	})
	// count(*) over (partition by p order by o desc range between 2 preceding and 1 preceding)
	runWindowCase(t, windowCase{
		name: "range desc", part: byP, order: []SortKey{{Col: wO, Desc: true, NullsFirst: true}},
		funcs: []WindowFunc{withFrame(wf("count_star"), rng(OffsetPreceding, 2, OffsetPreceding, 1))},
		want: `
1|3
2|2
3|2
4|0
5|2
6|2
7|0
8|0
9|0
10|0
11|0
12|1`,
	})
	// sum(v) over (partition by p order by o nulls first range between current row and 1 following)
	runWindowCase(t, windowCase{
		name: "range nulls first", part: byP, order: []SortKey{{Col: wO, NullsFirst: true}},
		funcs: []WindowFunc{withFrame(wf("sum", wV), rng(CurrentRow, 0, OffsetFollowing, 1))},
		want: `
1|35
2|28
3|28
4|NULL
5|15
6|15
7|1
8|2
9|100
10|100
11|NULL
12|3`,
	})
}

func TestWindowLagLead(t *testing.T) {
	// select id, lag(v) over w, lag(v, 2, -1) over w, lead(s, 1, 'zz') over w,
	// lead(v, 0) over w, lag(n, -1) over w
	// from w window w as (partition by p order by o, id)
	runWindowCase(t, windowCase{
		name: "lag lead", part: byP, order: byOID,
		funcs: []WindowFunc{
			withOffset(wf("lag", wV), 1, nil, vec.Int32),
			withOffset(wf("lag", wV), 2, int64(-1), vec.Int32),
			withOffset(wf("lead", wS), 1, "zz", vec.Text),
			withOffset(wf("lead", wV), 0, nil, vec.Int32),
			withOffset(wf("lag", wN), -1, nil, vec.Int32),
		},
		want: `
1|NULL|-1|a|10|2.50
2|10|-1|c|20|NULL
3|20|10|e|5|0.10
4|3|5|d|NULL|0.01
5|NULL|3|a|7|-7.50
6|7|NULL|zz|8|NULL
7|NULL|-1|y|1|0.05
8|1|-1|zz|2|NULL
9|NULL|-1|NULL|100|NULL
10|100|-1|zz|NULL|NULL
11|NULL|-1|zz|NULL|NULL
12|5|20|NULL|3|3.33`,
	})
	// select id, lag(v, 2, id) over w, lead(s, 1, s) over w, lag(n, -1, n) over w
	// A per-row default after a constant offset is not read as the offset.
	runWindowCase(t, windowCase{
		name: "per-row defaults", part: byP, order: byOID,
		funcs: []WindowFunc{
			withRowDefault(wf("lag", wV), 2, wID),
			withRowDefault(wf("lead", wS), 1, wS),
			withRowDefault(wf("lag", wN), -1, wN),
		},
		want: `
1|1|a|2.50
2|2|c|NULL
3|10|e|0.10
4|5|d|0.01
5|3|a|-7.50
6|NULL|a|-7.50
7|7|y|0.05
8|8|y|0.05
9|9|NULL|NULL
10|10|NULL|NULL
11|11|NULL|NULL
12|20|NULL|3.33`,
	})
	// Huge offsets must not overflow into the partition.
	runWindowCase(t, windowCase{
		name: "huge offsets", part: byP, order: byOID,
		funcs: []WindowFunc{
			withOffset(wf("lag", wV), math.MaxInt64, int64(-1), vec.Int32),
			withOffset(wf("lead", wV), math.MinInt64, int64(-2), vec.Int32),
		},
		want: `
1|-1|-2
2|-1|-2
3|-1|-2
4|-1|-2
5|-1|-2
6|-1|-2
7|-1|-2
8|-1|-2
9|-1|-2
10|-1|-2
11|-1|-2
12|-1|-2`,
	})
}

func TestWindowWholePartition(t *testing.T) {
	// select id, sum(v) over () from w
	runWindowCase(t, windowCase{
		name: "over ()", funcs: []WindowFunc{wf("sum", wV), wf("row_number"), wf("rank")},
		want: `
1|156|1|1
2|156|2|1
3|156|3|1
4|156|4|1
5|156|5|1
6|156|6|1
7|156|7|1
8|156|8|1
9|156|9|1
10|156|10|1
11|156|11|1
12|156|12|1`,
	})
	// count(*) over (partition by p), max(s) over (partition by p),
	// min(id) over (partition by p), avg(x) over (partition by p)
	runWindowCase(t, windowCase{
		name: "partition only", part: byP,
		funcs: []WindowFunc{wf("count_star"), wf("max", wS), wf("min", wID), wf("avg", wX)},
		want: `
1|7|e|1|NaN
2|7|e|1|NaN
3|7|e|1|NaN
4|7|e|1|NaN
5|7|e|1|NaN
6|7|e|1|NaN
7|2|y|7|5000000001
8|2|y|7|5000000001
9|2|p|9|3
10|2|p|9|3
11|1|NULL|11|NULL
12|7|e|1|NaN`,
	})
}

func windowErr(t *testing.T, types []vec.Type, rows [][]any, part []int, order []SortKey, funcs []WindowFunc, mem *Memory) error {
	t.Helper()
	op := NewWindow(newSkSource(t, types, rows, BatchSize, false), part, order, funcs, mem)
	defer op.Close()
	_, err := skDrain(t, op)
	return err
}

func TestWindowErrors(t *testing.T) {
	big := [][]any{{int64(math.MaxInt64), int64(1), "a"}, {int64(1), int64(2), "b"}}
	types := []vec.Type{vec.Int64, vec.Int32, vec.Text}
	cases := []struct {
		name  string
		order []SortKey
		funcs []WindowFunc
		code  sqlerr.Code
	}{
		{"unknown function", nil, []WindowFunc{wf("median", 0)}, sqlerr.UndefinedFunction},
		{"avg of text", nil, []WindowFunc{wf("avg", 2)}, ""},
		{"ntile zero", nil, []WindowFunc{wf("ntile")}, "22014"},
		{"nth_value zero", nil, []WindowFunc{wf("nth_value", 0)}, "22016"},
		{"negative frame offset", byO[:0], []WindowFunc{withFrame(wf("count_star"), Frame{Mode: FrameRows, StartKind: OffsetPreceding, StartOffset: -1, EndKind: CurrentRow})}, "22013"},
		{"range offset needs one key", nil, []WindowFunc{withFrame(wf("count_star"), Frame{StartKind: OffsetPreceding, StartOffset: 1, EndKind: CurrentRow})}, "42P20"},
		{"frame start after end", nil, []WindowFunc{withFrame(wf("count_star"), Frame{Mode: FrameRows, StartKind: CurrentRow, EndKind: OffsetPreceding, EndOffset: 1})}, "42P20"},
		// Planner mistakes that lagLead would otherwise read wrongly.
		{"lag default of another type", nil, []WindowFunc{withRowDefault(wf("lag", 1), 1, 0)}, sqlerr.InternalError},
		{"lag offset of text", nil, []WindowFunc{wf("lag", 1, 2)}, sqlerr.InternalError},
		{"lag with four columns", nil, []WindowFunc{wf("lag", 1, 1, 1, 1)}, sqlerr.InternalError},
		{"lag row default without its column", nil, []WindowFunc{withRowDefault(wf("lag"), 1, 1)}, sqlerr.InternalError},
	}
	for _, c := range cases {
		err := windowErr(t, types, big, nil, c.order, c.funcs, nil)
		want := c.code
		if want == "" {
			want = sqlerr.UndefinedFunction
		}
		if got := sqlerr.CodeOf(err); got != want {
			t.Errorf("%s: got %v (%s), want %s", c.name, err, got, want)
		}
	}
	// sum(bigint) is numeric: past int8 it goes on, exact (PostgreSQL:
	// 9223372036854775808 for the rows of big).
	op := NewWindow(newSkSource(t, types, big, 1, false), nil, nil, []WindowFunc{wf("sum", 0)}, nil)
	if got := skMustDrain(t, op); fmt.Sprint(got[0][3]) != "9223372036854775808" {
		t.Fatalf("sum: got %v", got)
	}
	// sum(float8) overflow.
	frows := [][]any{{1e308}, {1e308}}
	if code := sqlerr.CodeOf(windowErr(t, []vec.Type{vec.Float64}, frows, nil, nil, []WindowFunc{wf("sum", 0)}, nil)); code != sqlerr.NumericValueOutOfRange {
		t.Errorf("float overflow: got %s", code)
	}
}

func TestWindowMemoryBudget(t *testing.T) {
	rows := make([][]any, 20000)
	for i := range rows {
		rows[i] = []any{int64(i % 7), "some text that takes room"}
	}
	mem := NewMemory(200 << 10)
	err := windowErr(t, []vec.Type{vec.Int64, vec.Text}, rows, []int{0}, nil, []WindowFunc{wf("row_number")}, mem)
	if sqlerr.CodeOf(err) != sqlerr.OutOfMemory {
		t.Fatalf("got %v, want 53200", err)
	}
	if mem.Used() != 0 {
		t.Fatalf("memory held after Close: %d", mem.Used())
	}
}

func TestWindowNoInputColumns(t *testing.T) {
	op := NewWindow(NewValues(nil, &vec.Batch{Len: 3}), nil, nil, []WindowFunc{wf("row_number"), wf("count_star")}, nil)
	skEqualRows(t, skMustDrain(t, op), [][]any{{int64(1), int64(3)}, {int64(2), int64(3)}, {int64(3), int64(3)}})
}

func TestWindowResultType(t *testing.T) {
	cases := []struct {
		name string
		args []vec.Type
		want vec.Type
	}{
		{"sum", []vec.Type{vec.Int16}, vec.Int64},
		{"sum", []vec.Type{vec.Int32}, vec.Int64},
		{"sum", []vec.Type{vec.Int64}, vec.DecimalOf(0)},
		{"sum", []vec.Type{vec.Numeric(15, 2)}, vec.DecimalOf(2)},
		{"sum", []vec.Type{vec.DecimalOf(20)}, vec.DecimalOf(20)},
		{"sum", []vec.Type{vec.Float32}, vec.Float32},
		{"sum", []vec.Type{vec.IntervalT}, vec.IntervalT},
		{"avg", []vec.Type{vec.Int32}, vec.DecimalOf(16)},
		{"avg", []vec.Type{vec.Int64}, vec.DecimalOf(16)},
		{"avg", []vec.Type{vec.Numeric(15, 8)}, vec.DecimalOf(16)},
		{"avg", []vec.Type{vec.Numeric(38, 20)}, vec.DecimalOf(20)},
		{"avg", []vec.Type{vec.DecimalOf(3)}, vec.DecimalOf(16)},
		{"min", []vec.Type{vec.DecimalOf(3)}, vec.DecimalOf(3)},
		{"avg", []vec.Type{vec.Float32}, vec.Float64},
		{"min", []vec.Type{vec.Text}, vec.Text},
		{"max", []vec.Type{vec.Date}, vec.Date},
		{"count", []vec.Type{vec.Text}, vec.Int64},
		{"rank", nil, vec.Int64},
		{"ntile", []vec.Type{vec.Int32}, vec.Int32},
		{"cume_dist", nil, vec.Float64},
		{"lag", []vec.Type{vec.Varchar(3), vec.Int32, vec.Varchar(3)}, vec.Varchar(3)},
	}
	for _, c := range cases {
		got, err := WindowResultType(c.name, c.args)
		if err != nil || got != c.want {
			t.Errorf("%s(%v): got %v, %v; want %v", c.name, c.args, got, err, c.want)
		}
	}
	for _, bad := range []struct {
		name string
		args []vec.Type
	}{{"min", []vec.Type{vec.Bool}}, {"sum", []vec.Type{vec.Text}}, {"nope", nil}} {
		if _, err := WindowResultType(bad.name, bad.args); sqlerr.CodeOf(err) != sqlerr.UndefinedFunction {
			t.Errorf("%s(%v): got %v, want 42883", bad.name, bad.args, err)
		}
	}
}

func TestWindowOtherTypes(t *testing.T) {
	// select sum(a) over w, sum(f) over w, avg(f) over w, sum(iv) over w,
	// lag(a, k, d) over w, ntile(k) over w
	// from (values (1::int2, 1.5::real, '1 mon'::interval, 1, 100::int2), ...)
	// window w as (order by a rows between 1 preceding and current row)
	types := []vec.Type{vec.Int16, vec.Float32, vec.IntervalT, vec.Int32, vec.Int16}
	iv := func(m, d int32, us int64) vec.Interval { return vec.Interval{Months: m, Days: d, Micros: us} }
	rows := [][]any{
		{int64(1), 1.5, iv(1, 0, 0), nil, int64(100)},
		{int64(2), 0.25, iv(0, 2, 5), int64(2), int64(200)},
		{int64(3), nil, nil, int64(1), nil},
		{int64(4), 3.0, iv(0, 0, -7), int64(9), int64(400)},
	}
	fr := Frame{Mode: FrameRows, StartKind: OffsetPreceding, StartOffset: 1, EndKind: CurrentRow, HasOrder: true}
	funcs := []WindowFunc{
		withFrame(wf("sum", 0), fr),
		withFrame(wf("sum", 1), fr),
		withFrame(wf("avg", 1), fr),
		withFrame(wf("sum", 2), fr),
		wf("lag", 0, 3, 4),
		wf("ntile", 3),
	}
	op := NewWindow(newSkSource(t, types, rows, 3, true), nil, []SortKey{{Col: 0}}, funcs, nil)
	got := skMustDrain(t, op)
	wantTypes := []vec.Type{vec.Int64, vec.Float32, vec.Float64, vec.IntervalT, vec.Int16, vec.Int32}
	for i, wt := range wantTypes {
		if op.Types()[5+i] != wt {
			t.Errorf("result %d: type %v, want %v", i, op.Types()[5+i], wt)
		}
	}
	want := [][]any{
		{int64(1), 1.5, 1.5, iv(1, 0, 0), nil, nil},
		{int64(3), 1.75, 0.875, iv(1, 2, 5), int64(200), int64(1)},
		{int64(5), 0.25, 0.25, iv(0, 2, 5), int64(2), int64(1)},
		{int64(7), 3.0, 3.0, iv(0, 0, -7), int64(400), int64(2)},
	}
	for i := range got {
		got[i] = got[i][5:]
	}
	skEqualRows(t, got, want)

	// Interval overflow is 22008.
	big := [][]any{{int64(1), 0.0, iv(math.MaxInt32, 0, 0), int64(1), int64(1)}, {int64(2), 0.0, iv(1, 0, 0), int64(1), int64(1)}}
	err := windowErr(t, types, big, nil, nil, []WindowFunc{wf("sum", 2)}, nil)
	if sqlerr.CodeOf(err) != sqlerr.DatetimeFieldOverflow {
		t.Errorf("interval overflow: got %v", err)
	}
}

func BenchmarkWindowSumRows(b *testing.B) {
	const n = 1 << 20
	p, v := vec.New(vec.Int32, n), vec.New(vec.Int64, n)
	for i := 0; i < n; i++ {
		p.AppendInt32(int32(i % 1000))
		v.AppendInt64(int64(i))
	}
	src := &vec.Batch{Cols: []*vec.Vec{p, v}, Len: n}
	types := []vec.Type{vec.Int32, vec.Int64}
	fr := Frame{Mode: FrameRows, StartKind: OffsetPreceding, StartOffset: 10, EndKind: CurrentRow, HasOrder: true}
	funcs := []WindowFunc{withFrame(wf("sum", 1), fr), withFrame(wf("max", 1), fr), wf("rank")}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		op := NewWindow(NewValues(types, src), []int{0}, []SortKey{{Col: 1}}, funcs, nil)
		if err := Drain(b.Context(), op, func(*vec.Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
		op.Close()
	}
}

func TestWindowStringAgg(t *testing.T) {
	// select id, string_agg(s, s) over (w), string_agg(s, s) over (w rows
	// between 1 preceding and 1 following) from w
	// window w as (partition by p order by o, id)
	// The first frame grows at its end from row to row, the second slides.
	runWindowCase(t, windowCase{
		name: "string_agg", part: byP, order: byOID,
		funcs:   []WindowFunc{wf("string_agg", wS, wS), withFrame(wf("string_agg", wS, wS), rows1p1f)},
		resType: []vec.Type{vec.Text, vec.Text},
		want: `
1|b|baa
2|baa|baacc
3|baacc|accee
4|baaccee|edd
5|baacceedd|daa
6|baacceeddaa|daa
7|x|xyy
8|xyy|xyy
9|p|p
10|p|p
11|NULL|NULL
12|baaccee|cee`,
	})
}

// frameFuncs are the frame-reading functions the GROUPS and EXCLUDE tests
// run, all over the same frame: count(*), sum(v), max(s), first_value(v),
// last_value(v), nth_value(s, 2), sum(x), string_agg(s, s).
func frameFuncs(fr Frame) []WindowFunc {
	funcs := []WindowFunc{wf("count_star"), wf("sum", wV), wf("max", wS), wf("first_value", wV), wf("last_value", wV),
		withOffset(wf("nth_value", wS), 2, nil, vec.Type{}), wf("sum", wX), wf("string_agg", wS, wS)}
	for i := range funcs {
		funcs[i].Frame = fr
	}
	return funcs
}

func frame(mode FrameMode, s FrameBound, so int64, e FrameBound, eo int64, ex FrameExclusion) Frame {
	return Frame{Mode: mode, StartKind: s, StartOffset: so, EndKind: e, EndOffset: eo, Exclude: ex, HasOrder: true}
}

// The expected rows of the GROUPS and EXCLUDE tests come from PostgreSQL
// 15 running
//
//	select id, count(*) over w, sum(v) over w, max(s) over w,
//	first_value(v) over w, last_value(v) over w, nth_value(s, 2) over w,
//	sum(x) over w, string_agg(s, s) over w
//	from (select * from w order by <the window's keys>, id) s
//	window w as (<the case's window>) order by id
//
// The subquery makes PostgreSQL see peers in id order, as the operator
// does (its sort keeps input order among equal keys), so that functions
// reading a peer group row by row give the same answers.

func TestWindowGroupsFrame(t *testing.T) {
	// partition by p order by o groups between 1 preceding and 1 following <exclusion>
	want := map[FrameExclusion]string{
		ExcludeNoOthers: `
1|3|35|c|10|5|a|4|baacc
2|4|38|e|10|3|a|8|baaccee
3|4|38|e|10|3|a|8|baaccee
4|4|18|e|3|8|NULL|NaN|eddaa
5|3|15|d|NULL|8|d|NaN|daa
6|3|15|d|NULL|8|d|NaN|daa
7|2|3|y|1|2|y|10000000002|xyy
8|2|3|y|1|2|y|10000000002|xyy
9|2|100|p|100|NULL|NULL|3|p
10|2|100|p|100|NULL|NULL|3|p
11|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|4|28|e|20|NULL|c|5.5|accee`,
		ExcludeCurrentRow: `
1|2|25|c|20|5|c|2.5|acc
2|3|18|e|10|3|c|5.5|bccee
3|3|33|e|10|3|a|8|baaee
4|3|18|e|3|8|d|NaN|eddaa
5|2|8|a|NULL|8|a|-1|a
6|2|7|d|NULL|7|d|NaN|d
7|1|2|y|2|2|NULL|2|y
8|1|1|x|1|1|NULL|10000000000|x
9|1|NULL|NULL|NULL|NULL|NULL|3|NULL
10|1|100|p|100|100|NULL|NULL|p
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|25|c|20|NULL|c|1.5|acc`,
		ExcludeGroup: `
1|2|25|c|20|5|c|2.5|acc
2|2|13|e|10|3|e|5.5|bee
3|2|13|e|10|3|e|5.5|bee
4|3|18|e|3|8|d|NaN|eddaa
5|1|NULL|NULL|NULL|NULL|NULL|-1|NULL
6|1|NULL|NULL|NULL|NULL|NULL|-1|NULL
7|1|2|y|2|2|NULL|2|y
8|1|1|x|1|1|NULL|10000000000|x
9|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
10|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|25|c|20|NULL|c|1.5|acc`,
		ExcludeTies: `
1|3|35|c|10|5|a|4|baacc
2|3|33|e|10|3|a|8|baaee
3|3|18|e|10|3|c|5.5|bccee
4|4|18|e|3|8|NULL|NaN|eddaa
5|2|7|d|NULL|7|d|NaN|d
6|2|8|a|NULL|8|a|-1|a
7|2|3|y|1|2|y|10000000002|xyy
8|2|3|y|1|2|y|10000000002|xyy
9|1|100|p|100|100|NULL|NULL|p
10|1|NULL|NULL|NULL|NULL|NULL|3|NULL
11|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|4|28|e|20|NULL|c|5.5|accee`,
	}
	for ex, rows := range want {
		runWindowCase(t, windowCase{
			name: fmt.Sprintf("groups 1 preceding 1 following, exclusion %d", ex), part: byP, order: byO,
			funcs: frameFuncs(frame(FrameGroups, OffsetPreceding, 1, OffsetFollowing, 1, ex)), want: rows,
		})
	}
	// order by o desc nulls first groups between 2 preceding and 1
	// preceding exclude ties: the current row is outside its frame.
	runWindowCase(t, windowCase{
		name: "groups desc nulls first, frame before the row", order: []SortKey{{Col: wO, Desc: true, NullsFirst: true}},
		funcs: frameFuncs(frame(FrameGroups, OffsetPreceding, 2, OffsetPreceding, 1, ExcludeTies)),
		want: `
1|4|29|x|1|5|e|10000000006.5|xeeaacc
2|3|4|x|NULL|3|x|10000000003|xee
3|3|4|x|NULL|3|x|10000000003|xee
4|3|102|y|2|NULL|p|5|ypp
5|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
6|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
7|3|100|p|100|NULL|NULL|2|p
8|2|15|d|7|8|a|NaN|daa
9|3|17|y|7|2|a|NaN|daayy
10|3|17|y|7|2|a|NaN|daayy
11|4|29|x|1|5|e|10000000006.5|xeeaacc
12|3|100|p|100|NULL|NULL|2|p`,
	})
	// partition by p order by o groups between current row and
	// 9223372036854775807 following exclude group: no overflow.
	runWindowCase(t, windowCase{
		name: "groups huge offset", part: byP, order: byO,
		funcs: frameFuncs(frame(FrameGroups, CurrentRow, 0, OffsetFollowing, math.MaxInt64, ExcludeGroup)),
		want: `
1|6|43|e|20|8|c|NaN|acceeddaa
2|4|18|e|3|8|NULL|NaN|eddaa
3|4|18|e|3|8|NULL|NaN|eddaa
4|2|15|d|7|8|a|NaN|daa
5|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
6|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
7|1|2|y|2|2|NULL|2|y
8|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
9|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
10|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|15|d|NULL|8|d|NaN|daa`,
	})
}

func TestWindowFrameExclusion(t *testing.T) {
	// partition by p order by o rows|range between 1 preceding and 1
	// following <exclusion>
	cases := []struct {
		mode FrameMode
		ex   FrameExclusion
		want string
	}{
		{FrameRows, ExcludeCurrentRow, `
1|1|20|a|20|20|NULL|2.5|a
2|2|15|c|10|5|c|1.5|bcc
3|2|23|e|20|3|e|6.5|aee
4|2|10|e|3|7|d|NaN|edd
5|2|8|a|NULL|8|a|-1|a
6|1|7|d|7|7|NULL|NaN|d
7|1|2|y|2|2|NULL|2|y
8|1|1|x|1|1|NULL|10000000000|x
9|1|NULL|NULL|NULL|NULL|NULL|3|NULL
10|1|100|p|100|100|NULL|NULL|p
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|2|5|c|5|NULL|NULL|-1|c`},
		{FrameRows, ExcludeGroup, `
1|1|20|a|20|20|NULL|2.5|a
2|1|10|b|10|10|NULL|1.5|b
3|1|3|e|3|3|NULL|4|e
4|2|10|e|3|7|d|NaN|edd
5|1|NULL|NULL|NULL|NULL|NULL|-1|NULL
6|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
7|1|2|y|2|2|NULL|2|y
8|1|1|x|1|1|NULL|10000000000|x
9|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
10|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|2|5|c|5|NULL|NULL|-1|c`},
		{FrameRows, ExcludeTies, `
1|2|30|b|10|20|a|4|baa
2|2|30|b|10|20|a|4|baa
3|2|8|e|5|3|e|4|cee
4|3|10|e|3|7|NULL|NaN|edd
5|2|7|d|NULL|7|d|NaN|d
6|1|8|a|8|8|NULL|0|a
7|2|3|y|1|2|y|10000000002|xyy
8|2|3|y|1|2|y|10000000002|xyy
9|1|100|p|100|100|NULL|NULL|p
10|1|NULL|NULL|NULL|NULL|NULL|3|NULL
11|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|8|e|5|NULL|e|3|cee`},
		{FrameRange, ExcludeCurrentRow, `
1|2|25|c|20|5|c|2.5|acc
2|3|18|e|10|3|c|5.5|bccee
3|3|33|e|10|3|a|8|baaee
4|1|3|e|3|3|NULL|4|e
5|1|8|a|8|8|NULL|0|a
6|1|7|d|7|7|NULL|NaN|d
7|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
8|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
9|1|NULL|NULL|NULL|NULL|NULL|3|NULL
10|1|100|p|100|100|NULL|NULL|p
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|25|c|20|NULL|c|1.5|acc`},
		{FrameRange, ExcludeGroup, `
1|2|25|c|20|5|c|2.5|acc
2|2|13|e|10|3|e|5.5|bee
3|2|13|e|10|3|e|5.5|bee
4|1|3|e|3|3|NULL|4|e
5|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
6|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
7|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
8|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
9|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
10|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
11|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|3|25|c|20|NULL|c|1.5|acc`},
		{FrameRange, ExcludeTies, `
1|3|35|c|10|5|a|4|baacc
2|3|33|e|10|3|a|8|baaee
3|3|18|e|10|3|c|5.5|bccee
4|2|3|e|3|NULL|NULL|3|e
5|1|7|d|7|7|NULL|NaN|d
6|1|8|a|8|8|NULL|0|a
7|1|1|x|1|1|NULL|10000000000|x
8|1|2|y|2|2|NULL|2|y
9|1|100|p|100|100|NULL|NULL|p
10|1|NULL|NULL|NULL|NULL|NULL|3|NULL
11|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|4|28|e|20|NULL|c|5.5|accee`},
	}
	for _, c := range cases {
		runWindowCase(t, windowCase{
			name: fmt.Sprintf("mode %d, exclusion %d", c.mode, c.ex), part: byP, order: byO,
			funcs: frameFuncs(frame(c.mode, OffsetPreceding, 1, OffsetFollowing, 1, c.ex)), want: c.want,
		})
	}
	// order by o nulls first rows between 1 following and 2 following
	// exclude ties. The current row is before its frame, and where its
	// peer opens the frame PostgreSQL's first_value and last_value step
	// onto the current row and answer NULL (ids 1, 2, 5, 9, 12), though
	// nth_value and the aggregates see the rest of the frame.
	runWindowCase(t, windowCase{
		name: "rows after the row, exclude ties", order: []SortKey{{Col: wO, NullsFirst: true}},
		funcs: frameFuncs(frame(FrameRows, OffsetFollowing, 1, OffsetFollowing, 2, ExcludeTies)),
		want: `
1|1|20|a|NULL|20|a|2.5|a
2|1|1|x|NULL|1|x|10000000000|x
3|2|4|x|1|3|e|10000000004|xee
4|2|100|p|100|NULL|NULL|3|p
5|1|10|b|NULL|10|b|1.5|b
6|2|10|b|10|NULL|NULL|1.5|b
7|1|NULL|NULL|NULL|NULL|NULL|-1|NULL
8|0|NULL|NULL|NULL|NULL|NULL|NULL|NULL
9|1|2|y|NULL|2|y|2|y
10|1|2|y|2|2|NULL|2|y
11|2|25|c|20|5|c|2.5|acc
12|2|100|p|NULL|100|p|-1|p`,
	})
	// partition by p rows between unbounded preceding and unbounded
	// following exclude ties: without ORDER BY every row is a peer, so
	// only the row itself is left.
	runWindowCase(t, windowCase{
		name: "no order, exclude ties", part: byP,
		funcs: frameFuncs(frame(FrameRows, UnboundedPreceding, 0, UnboundedFollowing, 0, ExcludeTies)),
		want: `
1|1|10|b|10|10|NULL|1.5|b
2|1|20|a|20|20|NULL|2.5|a
3|1|5|c|5|5|NULL|NULL|c
4|1|NULL|NULL|NULL|NULL|NULL|-1|NULL
5|1|7|d|7|7|NULL|NaN|d
6|1|8|a|8|8|NULL|0|a
7|1|1|x|1|1|NULL|10000000000|x
8|1|2|y|2|2|NULL|2|y
9|1|100|p|100|100|NULL|NULL|p
10|1|NULL|NULL|NULL|NULL|NULL|3|NULL
11|1|NULL|NULL|NULL|NULL|NULL|NULL|NULL
12|1|3|e|3|3|NULL|4|e`,
	})
}

func TestWindowExclusionFloatsAndIntervals(t *testing.T) {
	// select id, sum(x) over w, avg(x) over w, sum(i) over w, max(i) over
	// w, min(i) over w from (values (1, '-0'::float8, '1 mon'::interval),
	// (2, '-0', '30 days'), (3, 1, null), (4, '-0', '2 days')) v(id, x, i)
	// window w as (order by id rows between unbounded preceding and
	// unbounded following exclude current row)
	//
	// sum keeps -0 (it starts from its first value), avg does not (it
	// starts from zero); '1 mon' equals '30 days' and the later one wins.
	types := []vec.Type{vec.Int32, vec.Float64, vec.IntervalT}
	iv := func(m, d int32) vec.Interval { return vec.Interval{Months: m, Days: d} }
	negZero := math.Copysign(0, -1)
	rows := [][]any{
		{int64(1), negZero, iv(1, 0)},
		{int64(2), negZero, iv(0, 30)},
		{int64(3), 1.0, nil},
		{int64(4), negZero, iv(0, 2)},
	}
	fr := frame(FrameRows, UnboundedPreceding, 0, UnboundedFollowing, 0, ExcludeCurrentRow)
	funcs := []WindowFunc{withFrame(wf("sum", 1), fr), withFrame(wf("avg", 1), fr), withFrame(wf("sum", 2), fr),
		withFrame(wf("max", 2), fr), withFrame(wf("min", 2), fr)}
	got := skMustDrain(t, NewWindow(newSkSource(t, types, rows, 3, true), nil, []SortKey{{Col: 0}}, funcs, nil))
	third := 1.0 / 3
	want := [][]any{
		{int64(1), negZero, iv(1, 0), 1.0, third, iv(0, 32), iv(0, 30), iv(0, 2)},
		{int64(2), negZero, iv(0, 30), 1.0, third, iv(1, 2), iv(1, 0), iv(0, 2)},
		{int64(3), 1.0, nil, negZero, 0.0, iv(1, 32), iv(0, 30), iv(0, 2)},
		{int64(4), negZero, iv(0, 2), 1.0, third, iv(1, 30), iv(0, 30), iv(0, 30)},
	}
	skEqualRows(t, got, want)
	for i, r := range got {
		for c := range 2 {
			if x := r[3+c].(float64); math.Signbit(x) != math.Signbit(want[i][3+c].(float64)) {
				t.Errorf("row %d, %s: got %g", i+1, funcs[c].Name, x)
			}
		}
	}
}

func TestWindowFrameErrors(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.Int32}
	rows := [][]any{{int64(1), nil}, {int64(2), int64(5)}}
	nullKeys := [][]any{{int64(1), nil}, {int64(2), nil}}
	byKey := []SortKey{{Col: 1}}
	groups := frame(FrameGroups, OffsetPreceding, 1, CurrentRow, 0, ExcludeNoOthers)
	with := func(f WindowFunc, change func(*Frame)) WindowFunc {
		change(&f.Frame)
		return f
	}
	count := withFrame(wf("count_star"), groups)
	cases := []struct {
		name  string
		rows  [][]any
		order []SortKey
		funcs []WindowFunc
		code  sqlerr.Code
	}{
		{"groups without order by", rows, nil, []WindowFunc{count}, "42P20"},
		{"groups", rows, byKey, []WindowFunc{count}, sqlerr.SuccessfulCompletion},
		{"null start offset", rows, byKey, []WindowFunc{with(count, func(f *Frame) { f.StartNull = true })}, "22004"},
		{"null end offset", rows, byKey, []WindowFunc{with(count, func(f *Frame) { f.EndKind, f.EndNull = OffsetFollowing, true })}, "22004"},
		// Checked before the rows are read, as PostgreSQL's executor does.
		{"null offset, no rows", nil, byKey, []WindowFunc{with(count, func(f *Frame) { f.StartNull = true })}, "22004"},
		{"negative groups offset", nil, byKey, []WindowFunc{with(count, func(f *Frame) { f.StartOffset = -1 })}, "22013"},
		{"negative rows end offset", nil, byKey, []WindowFunc{with(count, func(f *Frame) {
			f.Mode, f.EndKind, f.EndOffset = FrameRows, OffsetFollowing, -1
		})}, "22013"},
		// A negative RANGE offset fails only once a key meets it, but
		// then under any function.
		{"negative range offset", rows, byKey, []WindowFunc{withFrame(wf("row_number"), frame(FrameRange, OffsetPreceding, -1, CurrentRow, 0, ExcludeNoOthers))}, "22013"},
		{"negative range offset, NULL keys", nullKeys, byKey, []WindowFunc{withFrame(wf("count_star"), frame(FrameRange, OffsetPreceding, -1, CurrentRow, 0, ExcludeNoOthers))}, sqlerr.SuccessfulCompletion},
		{"negative range offset, no rows", nil, byKey, []WindowFunc{withFrame(wf("count_star"), frame(FrameRange, CurrentRow, 0, OffsetFollowing, -1, ExcludeNoOthers))}, sqlerr.SuccessfulCompletion},
		{"nth_value zero under exclusion", rows, byKey, []WindowFunc{withFrame(wf("nth_value", 0), frame(FrameRows, OffsetFollowing, 5, OffsetFollowing, 6, ExcludeCurrentRow))}, "22016"},
	}
	for _, c := range cases {
		err := windowErr(t, types, c.rows, nil, c.order, c.funcs, nil)
		if got := sqlerr.CodeOf(err); got != c.code {
			t.Errorf("%s: got %v (%q), want %q", c.name, err, got, c.code)
		}
	}
}

func TestWindowWorkCountPollsContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var c workCount
	calls := 0
	for c.did(ctx, 1000) == nil {
		calls++
		if calls > 1<<16 {
			t.Fatal("a cancelled context was never noticed")
		}
	}
	// 1<<16 units of work at 1000 a row: the 66th row polls.
	if calls != 65 {
		t.Errorf("polled after %d rows, want 65", calls)
	}
	if c.did(ctx, 0) != nil {
		t.Error("polled again right after a poll")
	}
}
