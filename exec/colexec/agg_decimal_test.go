package colexec

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// aggSpec is agg(col) with AggResultType's result, as the planner builds it.
func aggSpec(t testing.TB, f AggFunc, col int, arg vec.Type) AggSpec {
	t.Helper()
	rt, err := AggResultType(f, arg, "agg")
	if err != nil {
		t.Fatal(err)
	}
	return AggSpec{Func: f, Arg: col, ArgType: arg, Filter: -1, ResultType: rt}
}

// aggText runs a HashAgg over rows in batches of bs (with selection
// vectors over junk rows when sel) and returns its output rows as psql
// prints them, one line per group, values separated by '|'.
func aggText(t *testing.T, types []vec.Type, rows [][]any, keys []int, aggs []AggSpec, bs int, sel bool) (string, error) {
	t.Helper()
	h, err := NewHashAgg(newSkSource(t, types, rows, bs, sel), keys, aggs, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var lines []string
	err = Drain(context.Background(), h, func(b *vec.Batch) error {
		for k := 0; k < b.Len; k++ {
			var vals []string
			for _, col := range b.Cols {
				vals = append(vals, skFormat(col, b.Row(k)))
			}
			lines = append(lines, strings.Join(vals, "|"))
		}
		return nil
	})
	return strings.Join(lines, "\n"), err
}

// TestAggSumAvgMatchPostgres checks sum and avg over each argument type
// against PostgreSQL 15's answers (the query is in each case's comment,
// over the values listed).
func TestAggSumAvgMatchPostgres(t *testing.T) {
	minInt64s := make([]any, 5000)
	for i := range minInt64s {
		minInt64s[i] = int64(math.MinInt64)
	}
	bigNumerics := make([]any, 100000)
	for i := range bigNumerics {
		bigNumerics[i] = int64(999999999999999) // 9999999999999.99
	}
	// (i * 7919 % 100000) / 100.0 - 400 for i in 1..100000
	spread := make([]any, 100000)
	for i := range spread {
		spread[i] = int64((i+1)*7919%100000 - 40000)
	}
	cases := []struct {
		name       string
		arg        vec.Type
		vals       []any
		sum, avg   string
		sumT, avgT vec.Type
	}{
		// select sum(x), avg(x) from (values (9223372036854775807::bigint),
		// (9223372036854775807), (1)) t(x)
		{"bigint past 2^64", vec.Int64, []any{int64(math.MaxInt64), int64(math.MaxInt64), int64(1)},
			"18446744073709551615", "6148914691236517205", vec.DecimalOf(0), vec.DecimalOf(16)},
		// 5000 rows of -9223372036854775808::bigint
		{"bigint negative", vec.Int64, minInt64s, "-46116860184273879040000", "-9223372036854775808", vec.DecimalOf(0), vec.DecimalOf(16)},
		{"integer", vec.Int32, []any{int64(1), int64(2)}, "3", "1.5000000000000000", vec.Int64, vec.DecimalOf(16)},
		{"smallint", vec.Int16, []any{int64(1), nil, int64(2)}, "3", "1.5000000000000000", vec.Int64, vec.DecimalOf(16)},
		{"negative", vec.Int32, []any{int64(-7), int64(2)}, "-5", "-2.5000000000000000", vec.Int64, vec.DecimalOf(16)},
		{"single value", vec.Int64, []any{int64(5)}, "5", "5.0000000000000000", vec.DecimalOf(0), vec.DecimalOf(16)},
		{"large integers", vec.Int32, []any{int64(math.MaxInt32), int64(math.MaxInt32), int64(-3)},
			"4294967291", "1431655763.66666667", vec.Int64, vec.DecimalOf(16)},
		{"all NULL", vec.Int32, []any{nil, nil}, "NULL", "NULL", vec.Int64, vec.DecimalOf(16)},
		// 100000 rows of 9999999999999.99::numeric(15,2)
		{"numeric past 18 digits", vec.Numeric(15, 2), bigNumerics, "999999999999999000.00", "9999999999999.9900", vec.DecimalOf(2), vec.DecimalOf(16)},
		{"numeric spread", vec.Numeric(15, 2), spread, "9999500.00", "99.9950000000000000", vec.DecimalOf(2), vec.DecimalOf(16)},
		{"numeric negative", vec.Numeric(15, 2), []any{int64(-1), int64(-2)}, "-0.03", "-0.01500000000000000000", vec.DecimalOf(2), vec.DecimalOf(16)},
		{"numeric small", vec.Numeric(15, 3), []any{int64(1), int64(2)}, "0.003", "0.00150000000000000000", vec.DecimalOf(3), vec.DecimalOf(16)},
		{"numeric NULL", vec.Numeric(15, 3), []any{nil}, "NULL", "NULL", vec.DecimalOf(3), vec.DecimalOf(16)},
		// select sum(x), avg(x) from (values (1.5::numeric), (2.25), (3),
		// (null)) t(x)
		{"decimal scales", vec.DecimalOf(0), []any{mustDec("1.5"), mustDec("2.25"), mustDec("3"), nil},
			"6.75", "2.2500000000000000", vec.DecimalOf(0), vec.DecimalOf(16)},
		// (values (1::numeric/3), (2::numeric/3))
		{"decimal quotients", vec.DecimalOf(20), []any{mustDec("0.33333333333333333333"), mustDec("0.66666666666666666667")},
			"1.00000000000000000000", "0.50000000000000000000", vec.DecimalOf(20), vec.DecimalOf(20)},
		{"decimal NULL", vec.DecimalOf(2), []any{nil}, "NULL", "NULL", vec.DecimalOf(2), vec.DecimalOf(16)},
	}
	for _, c := range cases {
		rows := make([][]any, len(c.vals))
		for i, v := range c.vals {
			rows[i] = []any{v}
		}
		aggs := []AggSpec{aggSpec(t, AggSum, 0, c.arg), aggSpec(t, AggAvg, 0, c.arg)}
		if aggs[0].ResultType != c.sumT || aggs[1].ResultType != c.avgT {
			t.Errorf("%s: types %v, %v; want %v, %v", c.name, aggs[0].ResultType, aggs[1].ResultType, c.sumT, c.avgT)
		}
		for _, bs := range []int{1, 7, BatchSize} {
			for _, sel := range []bool{false, true} {
				if bs == 1 && len(rows) > 1000 {
					continue
				}
				got, err := aggText(t, []vec.Type{c.arg}, rows, nil, aggs, bs, sel)
				if want := c.sum + "|" + c.avg; err != nil || got != want {
					t.Errorf("%s (batch %d, sel %v): got %q, %v; want %q", c.name, bs, sel, got, err, want)
				}
			}
		}
	}
}

// TestAggDecimalMinMax: extremes by value, and of equal values the later,
// as PostgreSQL's numeric_larger and numeric_smaller keep it:
// select max(x), min(x) from (values (1.5), (1.50)) t(x) is 1.50, 1.50.
func TestAggDecimalMinMax(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.DecimalOf(0)}
	rows := [][]any{
		{int64(1), mustDec("1.5")}, {int64(1), mustDec("1.50")},
		{int64(2), mustDec("1.50")}, {int64(2), mustDec("1.5")},
		{int64(3), mustDec("-2")}, {int64(3), nil}, {int64(3), mustDec("12345678901234567890.5")}, {int64(3), mustDec("-2.000")},
		{int64(4), nil},
	}
	aggs := []AggSpec{aggSpec(t, AggMax, 1, types[1]), aggSpec(t, AggMin, 1, types[1]), aggSpec(t, AggCount, 1, types[1])}
	want := "1|1.50|1.50|2\n2|1.5|1.5|2\n3|12345678901234567890.5|-2.000|3\n4|NULL|NULL|0"
	for _, sel := range []bool{false, true} {
		got, err := aggText(t, types, rows, []int{0}, aggs, 3, sel)
		if err != nil || got != want {
			t.Errorf("sel %v: got\n%s\n%v; want\n%s", sel, got, err, want)
		}
	}
}

// TestAggMinMaxTiesKeepLater: of values equal in PostgreSQL's order but
// not alike, min and max keep the later, as float8larger, float4smaller,
// interval_larger and the like keep their second argument on ties:
// select max(x), min(x) from (values (0::float8), ('-0')) t(x) is -0, -0;
// with '1 day' then '24 hours'::interval both are 24:00:00.
func TestAggMinMaxTiesKeepLater(t *testing.T) {
	day, hours := vec.Interval{Days: 1}, vec.Interval{Micros: 24 * 3600 * 1000000}
	for _, c := range []struct {
		typ  vec.Type
		rows [][]any
		want string
	}{
		{vec.Float64, [][]any{{int64(1), 0.0}, {int64(1), math.Copysign(0, -1)}, {int64(2), math.Copysign(0, -1)}, {int64(2), 0.0}}, "1|-0|-0\n2|0|0"},
		{vec.Float32, [][]any{{int64(1), 0.0}, {int64(1), math.Copysign(0, -1)}, {int64(2), math.Copysign(0, -1)}, {int64(2), 0.0}}, "1|-0|-0\n2|0|0"},
		// skFormat prints intervals as {months days micros}.
		{vec.IntervalT, [][]any{{int64(1), day}, {int64(1), hours}, {int64(2), hours}, {int64(2), day}},
			"1|{0 0 86400000000}|{0 0 86400000000}\n2|{0 1 0}|{0 1 0}"},
	} {
		types := []vec.Type{vec.Int32, c.typ}
		aggs := []AggSpec{aggSpec(t, AggMax, 1, c.typ), aggSpec(t, AggMin, 1, c.typ)}
		for _, sel := range []bool{false, true} {
			got, err := aggText(t, types, c.rows, []int{0}, aggs, 3, sel)
			if err != nil || got != c.want {
				t.Errorf("%s sel %v: got\n%s\n%v; want\n%s", c.typ, sel, got, err, c.want)
			}
		}
	}
}

// TestAggDecimalGroupKeys groups by decimal keys: equal values of
// different scales are one group, printed as the first row holding it
// printed it (PostgreSQL: select x, count(*) from (values (1.5::numeric),
// (1.50)) t(x) group by x is 1.5; with the rows the other way round,
// 1.50).
func TestAggDecimalGroupKeys(t *testing.T) {
	types := []vec.Type{vec.DecimalOf(0), vec.Int32}
	vals := []any{mustDec("1.5"), mustDec("1.50"), mustDec("2"), nil, mustDec("2.0"), mustDec("1.500"), nil,
		mustDec("0"), mustDec("0.00"), mustDec("-0.000"), mustDec("-1.5"), mustDec("100"), mustDec("100.00")}
	rows := make([][]any, len(vals))
	for i, v := range vals {
		rows[i] = []any{v, int64(i)}
	}
	aggs := []AggSpec{{Func: AggCountStar, Arg: -1, Filter: -1, ResultType: vec.Int64}, aggSpec(t, AggMin, 1, vec.Int32)}
	want := "1.5|3|0\n2|2|2\nNULL|2|3\n0|3|7\n-1.5|1|10\n100|2|11"
	for _, bs := range []int{1, 4, BatchSize} {
		for _, sel := range []bool{false, true} {
			got, err := aggText(t, types, rows, []int{0}, aggs, bs, sel)
			if err != nil || got != want {
				t.Errorf("batch %d sel %v: got\n%s\n%v; want\n%s", bs, sel, got, err, want)
			}
		}
	}
	// The other way round, the group shows 1.50.
	rows[0][0], rows[1][0] = rows[1][0], rows[0][0]
	got, err := aggText(t, types, rows, []int{0}, aggs, BatchSize, false)
	if err != nil || !strings.HasPrefix(got, "1.50|3|0\n") {
		t.Errorf("1.50 first: got\n%s\n%v", got, err)
	}
	// With a text key beside it, and every hash colliding: groups still
	// form by value.
	types2 := []vec.Type{vec.Text, vec.DecimalOf(0)}
	rows2 := make([][]any, len(vals))
	for i, v := range vals {
		rows2[i] = []any{"k", v}
	}
	aggs2 := []AggSpec{{Func: AggCountStar, Arg: -1, Filter: -1, ResultType: vec.Int64}}
	want2 := "k|1.5|3\nk|2|2\nk|NULL|2\nk|0|3\nk|-1.5|1\nk|100|2"
	defer func(f func(cols []*vec.Vec, b *vec.Batch, dst, col []uint64) ([]uint64, []uint64)) { tableHash = f }(tableHash)
	for _, collide := range []bool{false, true} {
		if collide {
			tableHash = func(cols []*vec.Vec, b *vec.Batch, dst, col []uint64) ([]uint64, []uint64) {
				dst = resizeUint64(dst, b.Len)
				for i := range dst {
					dst[i] = 42
				}
				return dst, col
			}
		}
		got, err := aggText(t, types2, rows2, []int{0, 1}, aggs2, 5, true)
		if err != nil || got != want2 {
			t.Errorf("two keys (colliding %v): got\n%s\n%v; want\n%s", collide, got, err, want2)
		}
	}
}

// TestDecimalHashIgnoresScale: equal values hash alike, so exchanges and
// spill partitions send them to the same place.
func TestDecimalHashIgnoresScale(t *testing.T) {
	same := [][]string{
		{"1.5", "1.50", "1.500000000000000000000000000000"},
		{"0", "0.000", "-0.0"},
		{"-12345678901234567890123456", "-12345678901234567890123456.000000000000"},
		{"100", "100.0"},
	}
	for _, set := range same {
		col := vec.New(vec.DecimalOf(0), len(set))
		for _, s := range set {
			col.AppendDecimal(mustDec(s))
		}
		b := &vec.Batch{Cols: []*vec.Vec{col}, Len: len(set)}
		hashes, _ := hashKeys(b.Cols, b, nil, nil)
		for i := range hashes {
			if hashes[i] != hashes[0] {
				t.Errorf("%s and %s hash differently", set[i], set[0])
			}
			if !keysEqual(b.Cols, i, b.Cols, 0) {
				t.Errorf("%s and %s are not equal keys", set[i], set[0])
			}
		}
		if got, want := encodeKey(nil, b.Cols, len(set)-1), encodeKey(nil, b.Cols, 0); string(got) != string(want) {
			t.Errorf("%s and %s encode differently", set[len(set)-1], set[0])
		}
	}
	col := vec.New(vec.DecimalOf(0), 2)
	col.AppendDecimal(mustDec("1.5"))
	col.AppendDecimal(mustDec("15"))
	if keysEqual([]*vec.Vec{col}, 0, []*vec.Vec{col}, 1) {
		t.Error("1.5 equals 15")
	}
}

// TestAggPartialFinalDecimal splits sum and avg the way plan/parallel.go
// does, a partial aggregation per bee shipping sum and count, through
// Arrow as between nodes, and a final one merging them, and checks the
// final answers against the single-phase ones.
func TestAggPartialFinalDecimal(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.Int64, vec.Numeric(15, 2), vec.DecimalOf(0), vec.Int32}
	var rows [][]any
	for i := range 3000 {
		var d any = decimal.FromInt64(int64(i*37%1001-500), int32(i%5))
		if i%11 == 0 {
			d = nil
		}
		rows = append(rows, []any{int64(i % 4), int64(math.MaxInt64 - int64(i)), int64(i*7919%100000 - 40000), d, int64(i)})
	}
	// One group (key 3) sees only NULL decimals.
	for _, r := range rows {
		if r[0] == int64(3) {
			r[3] = nil
		}
	}
	argCols := []int{1, 2, 3, 4}
	var single, partial []AggSpec
	for _, c := range argCols {
		single = append(single, aggSpec(t, AggSum, c, types[c]), aggSpec(t, AggAvg, c, types[c]))
		// avg travels as sum and count.
		partial = append(partial, aggSpec(t, AggSum, c, types[c]), aggSpec(t, AggCount, c, types[c]))
	}
	want, err := aggText(t, types, rows, []int{0}, single, 256, false)
	if err != nil {
		t.Fatal(err)
	}
	// Two bees, each over half the rows, their groups merged.
	var shipped []*vec.Batch
	for bee := range 2 {
		h, err := NewHashAgg(newSkSource(t, types, rows[bee*1500:(bee+1)*1500], 100, true), []int{0}, partial, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = Drain(context.Background(), h, func(b *vec.Batch) error {
			rec, err := vec.BatchToRecord(b, []string{"k", "s1", "c1", "s2", "c2", "s3", "c3", "s4", "c4"})
			if err != nil {
				return err
			}
			defer rec.Release()
			// What a node receives: the record read back, its types from
			// the Arrow schema alone.
			back, _, err := vec.RecordToBatch(rec)
			if err != nil {
				return err
			}
			shipped = append(shipped, copyBatch(back))
			return nil
		})
		h.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	ptypes := shipped[0].Types()
	var finals []AggSpec
	for i := range partial {
		// The final phase sums both the partial sums and the counts.
		col := 1 + i
		finals = append(finals, AggSpec{Func: AggSum, Arg: col, ArgType: ptypes[col], Filter: -1, ResultType: partial[i].ResultType})
	}
	var merged []string
	h, err := NewHashAgg(&batchesSource{types: ptypes, batches: shipped}, []int{0}, finals, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	err = Drain(context.Background(), h, func(b *vec.Batch) error {
		for k := 0; k < b.Len; k++ {
			vals := []string{skFormat(b.Cols[0], k)}
			for a := 0; a < len(argCols); a++ {
				sum, cnt := b.Cols[1+2*a], b.Cols[2+2*a]
				if sum.Nulls.IsNull(k) {
					vals = append(vals, "NULL", "NULL")
					continue
				}
				var s decimal.Decimal
				if sum.Type.Kind == vec.KindInt64 {
					s = decimal.FromInt64(sum.Int64s()[k], 0)
				} else {
					s = sum.Decimals()[k]
				}
				avg, err := decimal.Div(s, decimal.FromInt64(cnt.Int64s()[k], 0))
				if err != nil {
					return err
				}
				vals = append(vals, skFormat(sum, k), avg.String())
			}
			merged = append(merged, strings.Join(vals, "|"))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(merged, "\n"); got != want {
		t.Fatalf("partial/final:\n%s\nsingle phase:\n%s", got, want)
	}
}

// copyBatch copies b's live rows into columns of its own, so that it
// outlives the record it was read from.
func copyBatch(b *vec.Batch) *vec.Batch {
	out := vec.NewBatch(b.Types(), b.Len)
	appendLiveRows(out.Cols, b)
	out.Len = b.Len
	return out
}

// batchesSource emits the given batches in turn.
type batchesSource struct {
	types   []vec.Type
	batches []*vec.Batch
	pos     int
}

func (s *batchesSource) Types() []vec.Type { return s.types }
func (s *batchesSource) Next(context.Context) (*vec.Batch, error) {
	if s.pos >= len(s.batches) {
		return nil, nil
	}
	s.pos++
	return s.batches[s.pos-1], nil
}
func (s *batchesSource) Close() {}

// TestAggDecimalErrors: a decimal sum past 38 digits left of the point
// fails with 22003, as PostgreSQL's would not but Apiary's numeric must.
func TestAggDecimalErrors(t *testing.T) {
	huge := mustDec("99999999999999999999999999999999999999")
	rows := [][]any{{huge}, {huge}}
	_, err := aggText(t, []vec.Type{vec.DecimalOf(0)}, rows, nil, []AggSpec{aggSpec(t, AggSum, 0, vec.DecimalOf(0))}, 1, false)
	if sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("sum past 38 digits: got %v, want 22003", err)
	}
	// sum(integer) stays bigint and fails past it (PostgreSQL's "bigint
	// out of range").
	var ints [][]any
	for range 3 {
		ints = append(ints, []any{int64(math.MaxInt64)})
	}
	spec := AggSpec{Func: AggSum, Arg: 0, ArgType: vec.Int64, Filter: -1, ResultType: vec.Int64}
	if _, err := aggText(t, []vec.Type{vec.Int64}, ints, nil, []AggSpec{spec}, 2, false); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("bigint sum of bigints: got %v, want 22003", err)
	}
	// A plan asking for a narrow numeric gets the sum converted, or 22003.
	spec.ResultType = vec.Numeric(0, 0)
	got, err := aggText(t, []vec.Type{vec.Int64}, ints[:1], nil, []AggSpec{spec}, 2, false)
	if err != nil || got != fmt.Sprint(int64(math.MaxInt64)) {
		t.Errorf("narrow numeric sum: got %s, %v", got, err)
	}
	if _, err := aggText(t, []vec.Type{vec.Int64}, ints, nil, []AggSpec{spec}, 2, false); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("narrow numeric sum past 18 digits: got %v, want 22003", err)
	}
}

// TestAggSumNumericAllocatesNothing: summing a batch of numerics into
// 128-bit states, and of decimals with decimal.Add, allocates nothing per
// row.
func TestAggSumNumericAllocatesNothing(t *testing.T) {
	for _, typ := range []vec.Type{vec.Numeric(15, 2), vec.Int64, vec.DecimalOf(2)} {
		b := vec.NewBatch([]vec.Type{typ}, BatchSize)
		for i := range BatchSize {
			if typ.Kind == vec.KindDecimal {
				b.Cols[0].AppendDecimal(decimal.FromInt64(int64(i*7919-5000), int32(i%3)))
			} else {
				b.Cols[0].AppendInt64(int64(i*7919 - 5000))
			}
		}
		b.Len = BatchSize
		gids := make([]int32, BatchSize)
		for i := range gids {
			gids[i] = int32(i % 16)
		}
		for _, f := range []AggFunc{AggSum, AggAvg} {
			acc, err := newAccumulator(aggSpec(t, f, 0, typ))
			if err != nil {
				t.Fatal(err)
			}
			acc.resize(16)
			allocs := testing.AllocsPerRun(20, func() {
				if err := acc.update(b.Cols[0], nil, b, gids); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v over %s: %v allocations per batch", f, typ, allocs)
			}
		}
	}
}

// TestArrowDecimalRoundTrip: the partial states ship through Arrow with
// every value's own scale.
func TestArrowDecimalRoundTrip(t *testing.T) {
	col := vec.New(vec.DecimalOf(3), 3)
	col.AppendDecimal(mustDec("1.5"))
	col.AppendNull()
	col.AppendDecimal(mustDec("-123456789012345678901234.000"))
	arr, err := vec.ToArrow(col, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer arr.Release()
	if _, ok := arr.(*array.FixedSizeBinary); !ok {
		t.Fatalf("arrow array %T", arr)
	}
	back, err := vec.FromArrow(arr, vec.DecimalOf(3))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if got, want := skFormat(back, i), skFormat(col, i); got != want {
			t.Errorf("row %d: %s, want %s", i, got, want)
		}
	}
}

// BenchmarkAggSumNumeric groups 1M numeric(15,2) rows into 1,000 groups
// with sum and avg: the 128-bit accumulators' per-row loops.
func BenchmarkAggSumNumeric(b *testing.B) {
	types := []vec.Type{vec.Int32, vec.Numeric(15, 2)}
	in := vec.NewBatch(types, 1<<20)
	for i := 0; i < 1<<20; i++ {
		in.Cols[0].AppendInt32(int32(i % 1000))
		in.Cols[1].AppendInt64(int64(i*7919%1000003 - 500000))
	}
	in.Len = 1 << 20
	aggs := []AggSpec{aggSpec(b, AggSum, 1, types[1]), aggSpec(b, AggAvg, 1, types[1])}
	b.SetBytes(int64(in.Len) * 8)
	b.ReportAllocs()
	for b.Loop() {
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
