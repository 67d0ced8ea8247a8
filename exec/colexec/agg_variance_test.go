package colexec

import (
	"math"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

var varianceFuncs = []AggFunc{AggVarSamp, AggVarPop, AggStddevSamp, AggStddevPop}

// TestAggVarianceMatchPostgres checks variance, var_pop, stddev and
// stddev_pop over each argument type against PostgreSQL 15's answers
// (select variance(x), var_pop(x), stddev(x), stddev_pop(x) over the
// values of each case).
func TestAggVarianceMatchPostgres(t *testing.T) {
	spread := make([]any, 100000) // ((i*7919%100000 - 40000)/100.0)::numeric(15,2), i in 1..100000
	for i := range spread {
		spread[i] = int64((i+1)*7919%100000 - 40000)
	}
	trillions := make([]any, 100000) // x::bigint*1000000000000, x in 1..100000
	for i := range trillions {
		trillions[i] = int64(i+1) * 1_000_000_000_000
	}
	series := make([]any, 10000) // generate_series(1, 10000)
	for i := range series {
		series[i] = int64(i + 1)
	}
	nearMax := make([]any, 1000) // '9223372036854775807'::bigint - (i%3), i in 1..1000
	for i := range nearMax {
		nearMax[i] = int64(math.MaxInt64 - (i+1)%3)
	}
	minInt := int64(math.MinInt64)
	cases := []struct {
		name string
		arg  vec.Type
		vals []any
		want string // var_samp|var_pop|stddev_samp|stddev_pop
	}{
		{"integer", vec.Int32, []any{int64(1), int64(2), int64(4)},
			"2.3333333333333333|1.5555555555555556|1.5275252316519467|1.2472191289246471"},
		{"smallint with NULL", vec.Int16, []any{int64(1), int64(2), nil},
			"0.50000000000000000000|0.25000000000000000000|0.70710678118654752440|0.50000000000000000000"},
		{"negative", vec.Int32, []any{int64(-3), int64(-7), int64(10)},
			"79.0000000000000000|52.6666666666666667|8.8881944173155889|7.2571803523590804"},
		{"single value", vec.Int64, []any{int64(5)}, "NULL|0|NULL|0"},
		{"equal values", vec.Int64, []any{int64(5), int64(5), int64(5)}, "0|0|0|0"},
		{"no values", vec.Int64, []any{nil, nil}, "NULL|NULL|NULL|NULL"},
		{"series", vec.Int32, series, "8334166.666666666667|8333333.250000000000|2886.895679907167|2886.751331514372"},
		// Σx² passes 128 bits: the 192-bit sums and the big final step.
		{"bigint trillions", vec.Int64, trillions,
			"833341666666666666666666666666667|833333333250000000000000000000000|28867657796687744|28867513458037913"},
		{"bigint near 2^63", vec.Int64, nearMax,
			"0.66666666666666666667|0.66600000000000000000|0.81649658092772603273|0.81608823052412660070"},
		{"bigint minimum", vec.Int64, []any{minInt, minInt, minInt, minInt, minInt, int64(0)},
			"14178431955039102644307275309657008811|11815359962532585536922729424714174009|3765425866358160376|3437347809362995716"},
		{"numeric", vec.Numeric(10, 2), []any{int64(125), int64(250), int64(475)},
			"3.1458333333333333|2.0972222222222222|1.7736497211493969|1.4481789330818972"},
		{"numeric spread", vec.Numeric(15, 2), spread, "83334.166666666667|83333.333325000000|288.676577966877|288.675134580379"},
		{"numeric tiny", vec.Numeric(18, 10), []any{int64(1), int64(3)},
			"0.000000000000000000020000000000000000|0.0000000000000000000100000000000000000000|0.000000000141421356237309504880168872|0.0000000001000000000000000000000000000000"},
		// Values with scales of their own: the sums keep the largest.
		{"decimal scales", vec.DecimalOf(0), []any{mustDec("1.5"), mustDec("2"), nil, mustDec("3.25")},
			"0.81250000000000000000|0.54166666666666666667|0.90138781886599732328|0.73598007219398723790"},
		{"decimal zeros", vec.DecimalOf(0), []any{mustDec("0.1"), mustDec("0.1"), mustDec("0.1")}, "0|0|0|0"},
		// x² has 58 digits: the group's sums become big integers. The
		// variances keep 38 digits, dropping decimals (PostgreSQL:
		// 50805262510796122521198496802075395143.347657248833396840 and
		// 33870175007197415014132331201383596762.231771499222264560).
		{"decimal past 38 digits", vec.DecimalOf(0), []any{mustDec("12345678901234567890.123456789"), mustDec("2.5"), nil, mustDec("-7.25")},
			"50805262510796122521198496802075395143|33870175007197415014132331201383596762|7127781036956461004.863819946071242286|5819808846276432042.975721863339690300"},
	}
	for _, c := range cases {
		rows := make([][]any, len(c.vals))
		for i, v := range c.vals {
			rows[i] = []any{v}
		}
		var aggs []AggSpec
		for _, f := range varianceFuncs {
			aggs = append(aggs, aggSpec(t, f, 0, c.arg))
		}
		for _, bs := range []int{1, 7, BatchSize} {
			for _, sel := range []bool{false, true} {
				if bs == 1 && len(rows) > 1000 {
					continue
				}
				got, err := aggText(t, []vec.Type{c.arg}, rows, nil, aggs, bs, sel)
				if err != nil || got != c.want {
					t.Errorf("%s (batch %d, sel %v): got %q, %v; want %q", c.name, bs, sel, got, err, c.want)
				}
			}
		}
	}
}

func TestAggVarianceTypes(t *testing.T) {
	cases := []struct {
		arg, want vec.Type
	}{
		{vec.Int16, vec.DecimalOf(16)},
		{vec.Int32, vec.DecimalOf(16)},
		{vec.Int64, vec.DecimalOf(16)},
		{vec.Numeric(10, 2), vec.DecimalOf(16)},
		{vec.Numeric(18, 10), vec.DecimalOf(20)},
		{vec.DecimalOf(30), vec.DecimalOf(38)},
		{vec.Float32, vec.Float64},
		{vec.Float64, vec.Float64},
	}
	for _, c := range cases {
		for _, f := range varianceFuncs {
			got, err := AggResultType(f, c.arg, "variance")
			if err != nil || got != c.want {
				t.Errorf("agg %d over %s: %v, %v; want %v", f, c.arg, got, err, c.want)
			}
		}
	}
	if _, err := AggResultType(AggVarSamp, vec.Text, "variance"); sqlerr.CodeOf(err) != sqlerr.UndefinedFunction {
		t.Errorf("variance(text): %v, want 42883", err)
	}
}

// TestAggVarianceGroups: groups keep separate sums, a FILTER restricts
// them, and a group whose decimal sums went wide does not disturb the
// others.
func TestAggVarianceGroups(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.Int64, vec.DecimalOf(0), vec.Bool}
	rows := [][]any{
		{int64(1), int64(1), mustDec("1.5"), true},
		{int64(2), int64(10), mustDec("12345678901234567890.123456789"), true},
		{int64(1), int64(2), mustDec("2"), false},
		{int64(2), int64(20), mustDec("2.5"), true},
		{int64(1), int64(4), mustDec("3.25"), true},
		{int64(3), nil, nil, true},
		{int64(2), int64(30), mustDec("-7.25"), true},
	}
	var aggs []AggSpec
	for _, col := range []int{1, 2} {
		aggs = append(aggs, aggSpec(t, AggVarSamp, col, types[col]), aggSpec(t, AggStddevPop, col, types[col]))
	}
	filtered := aggSpec(t, AggVarPop, 1, types[1])
	filtered.Filter = 3
	aggs = append(aggs, filtered)
	// select k, variance(i), stddev_pop(i), variance(d), stddev_pop(d),
	// var_pop(i) filter (where f) ... group by k
	want := "1|2.3333333333333333|1.2472191289246471|0.81250000000000000000|0.73598007219398723790|2.2500000000000000\n" +
		"2|100.0000000000000000|8.1649658092772603|50805262510796122521198496802075395143|5819808846276432042.975721863339690300|66.6666666666666667\n" +
		"3|NULL|NULL|NULL|NULL|NULL"
	for _, bs := range []int{1, 3, BatchSize} {
		for _, sel := range []bool{false, true} {
			got, err := aggText(t, types, rows, []int{0}, aggs, bs, sel)
			if err != nil || got != want {
				t.Errorf("batch %d sel %v: got\n%s\n%v; want\n%s", bs, sel, got, err, want)
			}
		}
	}
}

// TestAggVarianceOverflow: a variance whose integer part passes 38 digits
// fails with 22003 (PostgreSQL prints
// 19999999999999999999800000000000000000000.50), while its standard
// deviation, 141421356237309504879.46, fits.
func TestAggVarianceOverflow(t *testing.T) {
	rows := [][]any{{mustDec("99999999999999999999.5")}, {mustDec("-99999999999999999999.5")}}
	types := []vec.Type{vec.DecimalOf(1)}
	_, err := aggText(t, types, rows, nil, []AggSpec{aggSpec(t, AggVarSamp, 0, types[0])}, BatchSize, false)
	if sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("variance: %v, want 22003", err)
	}
	got, err := aggText(t, types, rows, nil, []AggSpec{aggSpec(t, AggStddevSamp, 0, types[0])}, BatchSize, false)
	if err != nil || got != "141421356237309504879.46" {
		t.Errorf("stddev: %q, %v", got, err)
	}
}
