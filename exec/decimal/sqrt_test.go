package decimal_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
)

// The PostgreSQL 15 outputs below come from psql against a real server.

// pgFit is what Apiary prints for PostgreSQL's exact text pg: the same
// digits when they fit 38, else the leading 38 with decimals dropped and
// rounded half away from zero; overflow when the integer part is longer.
// (Rounding PostgreSQL's rounded text again could differ from rounding the
// exact value in a last digit ending in 5; the cases here avoid that.)
func pgFit(t *testing.T, pg string) (string, bool) {
	t.Helper()
	neg := strings.HasPrefix(pg, "-")
	pg = strings.TrimPrefix(pg, "-")
	intPart, frac, _ := strings.Cut(pg, ".")
	c, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		t.Fatalf("bad expected value %q", pg)
	}
	scale := len(frac)
	for len(c.Text(10)) > decimal.MaxDigits {
		drop := len(c.Text(10)) - decimal.MaxDigits
		if drop > scale {
			return "", false
		}
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(drop)), nil)
		q, r := new(big.Int).QuoRem(c, div, new(big.Int))
		if r.Lsh(r, 1).Cmp(div) >= 0 {
			q.Add(q, big.NewInt(1))
		}
		c, scale = q, scale-drop
	}
	ds := c.Text(10)
	for len(ds) <= scale {
		ds = "0" + ds
	}
	s := ds
	if scale > 0 {
		s = ds[:len(ds)-scale] + "." + ds[len(ds)-scale:]
	}
	if neg && c.Sign() != 0 {
		s = "-" + s
	}
	return s, true
}

func TestSqrtPostgres(t *testing.T) {
	// select x, sqrt(x::numeric): the scale is numeric_sqrt's.
	cases := []struct{ x, want string }{
		{"2", "1.414213562373095"},
		{"0.0001", "0.01000000000000000"},
		{"1e20", "10000000000.00000"},
		{"123456789.123", "11111.11106609056"},
		{"0", "0.000000000000000"},
		{"0.00", "0.000000000000000"},
		{"1e-30", "0.0000000000000010000000000000000"},
		{"99999.0", "316.2261848740550"},
		{"1.44", "1.200000000000000"},
		{"2.25", "1.500000000000000"},
		{"99999999999999999999999999999999999999", "10000000000000000000"},
		{"0.5", "0.70710678118654752"},
		{"3", "1.732050807568877"},
		{"10", "3.162277660168379"},
		{"0.1", "0.31622776601683793"},
		{"0.01", "0.10000000000000000"},
		{"0.001", "0.03162277660168379"},
		{"1000", "31.622776601683793"},
		{"10000", "100.0000000000000"},
		{"9999", "99.994999874993750"},
		{"99999999", "9999.9999499999999"},
		{"1e-8", "0.0001000000000000000"},
		{"1e-7", "0.0003162277660168379"},
		{"12345678901234567890.1234567890", "3513641828.8201442531"},
		{"0.000000000000000000000000000000000001", "0.000000000000000001000000000000000000"},
		{"7.000000", "2.645751311064591"},
		{"1.0000000000000000000000000000000001", "1.0000000000000000000000000000000000"},
		{"4", "2.000000000000000"},
		{"15241578753238836750190519987501905210", "3904046458898617762"},
		{"0.99999999999999999999", "0.99999999999999999999"},
		// PostgreSQL prints 100 decimals: 10^50 as a coefficient, which
		// keeps 38 digits by dropping 13 of them.
		{"1e-100", "0." + strings.Repeat("0", 49) + "1" + strings.Repeat("0", 37)},
	}
	for _, c := range cases {
		x := mustParse(t, c.x)
		got, err := decimal.Sqrt(x, decimal.SqrtScale(x))
		if err != nil {
			t.Errorf("sqrt(%s): %v", c.x, err)
			continue
		}
		if got.String() != c.want {
			t.Errorf("sqrt(%s) = %s, PostgreSQL %s", c.x, got, c.want)
		}
	}
}

func TestSqrtScalePostgres(t *testing.T) {
	cases := []struct {
		x    string
		want int32
	}{
		{"2", 15}, {"0.0001", 17}, {"1e20", 5}, {"123456789.123", 11}, {"0", 15},
		{"1e-30", 31}, {"99999.0", 13}, {"0.5", 17}, {"9999", 15}, {"10000", 13},
		{"99999999999999999999999999999999999999", 0}, {"1e-100", 100},
		{"1e-2000", decimal.MaxScale},
	}
	for _, c := range cases {
		if got := decimal.SqrtScale(mustParse(t, c.x)); got != c.want {
			t.Errorf("SqrtScale(%s) = %d, want %d", c.x, got, c.want)
		}
	}
}

func TestSqrtNegative(t *testing.T) {
	_, err := decimal.Sqrt(mustParse(t, "-0.01"), 4)
	if !errors.Is(err, decimal.ErrSqrtOfNegative) {
		t.Fatalf("sqrt(-0.01): %v, want ErrSqrtOfNegative", err)
	}
	// Zero is never negative, whatever the sign it was written with.
	if got, err := decimal.Sqrt(mustParse(t, "-0.00"), 3); err != nil || got.String() != "0.000" {
		t.Fatalf("sqrt(-0.00) = %s, %v", got, err)
	}
}

// sqrtIsRounded reports whether q·10^-scale is √(c·10^-s) rounded half away
// from zero: (q-½)² ≤ c·10^(2·scale-s) < (q+½)², compared as integers
// after multiplying by 4·10^s.
func sqrtIsRounded(c *big.Int, s int32, q *big.Int, scale int32) bool {
	ten := func(k int32) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil) }
	x := new(big.Int).Mul(c, big.NewInt(4))
	x.Mul(x, ten(2*scale))
	lo := new(big.Int).Lsh(q, 1)
	lo.Sub(lo, big.NewInt(1))
	hi := new(big.Int).Add(lo, big.NewInt(2))
	lo.Mul(lo, lo).Mul(lo, ten(s))
	hi.Mul(hi, hi).Mul(hi, ten(s))
	if q.Sign() == 0 {
		return x.Cmp(hi) < 0
	}
	return lo.Cmp(x) <= 0 && x.Cmp(hi) < 0
}

func TestSqrtOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range 20000 {
		// Coefficients of every length up to 38 digits, so both the
		// 128-bit root and math/big's run.
		n := 1 + rng.IntN(decimal.MaxDigits)
		ds := make([]byte, n)
		for j := range ds {
			ds[j] = byte('0' + rng.IntN(10))
		}
		if i%7 == 0 {
			// Perfect squares and their neighbours stress the rounding.
			for j := range ds {
				ds[j] = '9'
			}
		}
		c, _ := new(big.Int).SetString(string(ds), 10)
		s := int32(rng.IntN(40))
		x, err := decimal.FromInt128(new(big.Int).Rsh(c, 64).Int64(), c.Uint64(), s)
		if err != nil {
			t.Fatal(err)
		}
		scale := int32(rng.IntN(45))
		if i%3 == 0 {
			scale = decimal.SqrtScale(x)
		}
		got, err := decimal.Sqrt(x, scale)
		if err != nil {
			t.Fatalf("sqrt(%s) at %d: %v", x, scale, err)
		}
		if got.Scale > scale || (got.Scale < scale && len(got.Coefficient().Text(10)) != decimal.MaxDigits) {
			t.Fatalf("sqrt(%s) at %d = %s: wrong scale", x, scale, got)
		}
		if !sqrtIsRounded(c, s, got.Coefficient(), got.Scale) {
			t.Fatalf("sqrt(%s) at %d = %s: not the rounded root", x, scale, got)
		}
	}
}

func TestSqrtFastPathDoesNotAllocate(t *testing.T) {
	x := mustParse(t, "2.3333333333333333")
	if n := testing.AllocsPerRun(100, func() { _, _ = decimal.Sqrt(x, 16) }); n != 0 {
		t.Fatalf("Sqrt allocates %v times per call", n)
	}
}

// varianceSums returns the exact sums of vals and of their squares, as big
// integers at the largest scale of vals and twice that.
func varianceSums(t *testing.T, vals []string) (sumX, sumX2 *big.Int, scale int32) {
	t.Helper()
	ds := make([]decimal.Decimal, len(vals))
	for i, v := range vals {
		ds[i] = mustParse(t, v)
		scale = max(scale, ds[i].Scale)
	}
	sumX, sumX2 = new(big.Int), new(big.Int)
	for _, d := range ds {
		c := d.Coefficient()
		c.Mul(c, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-d.Scale)), nil))
		sumX.Add(sumX, c)
		sumX2.Add(sumX2, c.Mul(c, c))
	}
	return sumX, sumX2, scale
}

func decimalOfBig(x *big.Int, scale int32) (decimal.Decimal, bool) {
	if x.BitLen() > 127 {
		return decimal.Decimal{}, false
	}
	// Two's complement: a negative x as x + 2^128.
	u := new(big.Int).Set(x)
	if u.Sign() < 0 {
		u.Add(u, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	hi := int64(new(big.Int).Rsh(u, 64).Uint64())
	d, err := decimal.FromInt128(hi, u.Uint64(), scale)
	return d, err == nil && d.Scale == scale
}

func TestVariancePostgres(t *testing.T) {
	// select variance(x), var_pop(x), stddev(x), stddev_pop(x) over each
	// set; "" is NULL, which callers give for a sample of one.
	cases := []struct {
		vals []string
		want [4]string // var_samp, var_pop, stddev_samp, stddev_pop
	}{
		{[]string{"1", "2", "4"}, [4]string{"2.3333333333333333", "1.5555555555555556", "1.5275252316519467", "1.2472191289246471"}},
		{[]string{"1.25", "2.50", "4.75"}, [4]string{"3.1458333333333333", "2.0972222222222222", "1.7736497211493969", "1.4481789330818972"}},
		{[]string{"5"}, [4]string{"", "0", "", "0"}},
		{[]string{"5", "5", "5"}, [4]string{"0", "0", "0", "0"}},
		{[]string{"-3", "-7", "10"}, [4]string{"79.0000000000000000", "52.6666666666666667", "8.8881944173155889", "7.2571803523590804"}},
		{[]string{"1.5", "2", "3.25"}, [4]string{"0.81250000000000000000", "0.54166666666666666667", "0.90138781886599732328", "0.73598007219398723790"}},
		{[]string{"0.1", "0.1", "0.1"}, [4]string{"0", "0", "0", "0"}},
		{[]string{"0.0000000001", "0.0000000003"}, [4]string{"0.000000000000000000020000000000000000", "0.0000000000000000000100000000000000000000", "0.000000000141421356237309504880168872", "0.0000000001000000000000000000000000000000"}},
		{[]string{"0.001", "0.002"}, [4]string{"0.000000500000000000000000", "0.000000250000000000000000", "0.000707106781186547524401", "0.000500000000000000000000"}},
		{[]string{"9223372036854775807", "9223372036854775806", "-9223372036854775808"}, [4]string{"113427455640312821136011458403546518870", "75618303760208547424007638935697679247", "10650232656628343400", "8695878550221854808"}},
		{[]string{"12345678901234567890.123456789", "2.5"}, [4]string{"76207893766194183721612560559594574215.325884026875095261", "38103946883097091860806280279797287107.662942013437547630", "8729713269414648061.016437236725116267", "6172839450617283943.811728394500000000"}},
		{[]string{"0.00000000000000000001", "0.00000000000000000002"}, [4]string{"0.000000000000000000000000000000000000000050000000000000000000", "0.000000000000000000000000000000000000000025000000000000000000", "0.000000000000000000007071067811865475244008443621048490392848", "0.000000000000000000005000000000000000000000000000000000000000"}},
		{[]string{"100", "200", "300", "400", "500", "600", "700"}, [4]string{"46666.666666666667", "40000.000000000000", "216.024689946929", "200.000000000000"}},
		{[]string{"0.0000001", "1000000"}, [4]string{"499999999999.90000000000001", "249999999999.95000000000000", "707106.78118647681372", "499999.99999995000000"}},
		{[]string{"3.14159", "2.71828", "1.41421", "1.73205"}, [4]string{"0.66034220629166666667", "0.49525665471875000000", "0.81261442658352224621", "0.70374473690305492756"}},
		{[]string{"-0.5", "0.5"}, [4]string{"0.50000000000000000000", "0.25000000000000000000", "0.70710678118654752440", "0.50000000000000000000"}},
		{[]string{"123456789012", "123456789013", "123456789015"}, [4]string{"2.3333333333333333", "1.5555555555555556", "1.5275252316519467", "1.2472191289246471"}},
		{[]string{"1", "1", "1", "1", "2"}, [4]string{"0.20000000000000000000", "0.16000000000000000000", "0.44721359549995793928", "0.40000000000000000000"}},
		// Values with 501 decimals: the variance's scale is capped at
		// MaxScale, below the 1002 of the sum of squares. PostgreSQL's 1000
		// decimals are cut here after 45 significant digits; pgFit keeps 38.
		{[]string{"1." + zeros(37) + "e-464", "3." + zeros(37) + "e-464", "4." + zeros(37) + "e-464"}, [4]string{
			"0." + zeros(927) + "233333333333333333333333333333333333333333333",
			"0." + zeros(927) + "155555555555555555555555555555555555555555555",
			"0." + zeros(463) + "152752523165194666886268239790933616299481885",
			"0." + zeros(463) + "124721912892464712852791624410551643391867326"}},
	}
	moments := [4]decimal.Moment{decimal.VarSamp, decimal.VarPop, decimal.StddevSamp, decimal.StddevPop}
	for _, c := range cases {
		sumX, sumX2, scale := varianceSums(t, c.vals)
		n := int64(len(c.vals))
		dx, okX := decimalOfBig(sumX, scale)
		dx2, okX2 := decimalOfBig(sumX2, 2*scale)
		for i, m := range moments {
			if c.want[i] == "" {
				continue
			}
			want, fits := pgFit(t, c.want[i])
			check := func(path string, got decimal.Decimal, err error) {
				t.Helper()
				switch {
				case !fits && !errors.Is(err, decimal.ErrOverflow):
					t.Errorf("%s moment %d of %v = %s, %v; want overflow", path, m, c.vals, got, err)
				case fits && err != nil:
					t.Errorf("%s moment %d of %v: %v", path, m, c.vals, err)
				case fits && got.String() != want:
					t.Errorf("%s moment %d of %v = %s, want %s", path, m, c.vals, got, want)
				}
			}
			got, err := decimal.VarianceBig(m, n, sumX, sumX2, scale)
			check("VarianceBig", got, err)
			if okX && okX2 {
				got, err := decimal.Variance(m, n, dx, dx2)
				check("Variance", got, err)
			}
		}
	}
}

func zeros(n int) string { return strings.Repeat("0", n) }

func TestVarianceBigLeavesArguments(t *testing.T) {
	sumX, sumX2 := big.NewInt(7), big.NewInt(21)
	if _, err := decimal.VarianceBig(decimal.StddevSamp, 3, sumX, sumX2, 0); err != nil {
		t.Fatal(err)
	}
	if sumX.Int64() != 7 || sumX2.Int64() != 21 {
		t.Fatalf("VarianceBig changed its arguments: %v, %v", sumX, sumX2)
	}
}

// TestVariancePathsAgree checks that the 128-bit path and the big one give
// the same digits over random groups, with sums well inside 38 digits.
func TestVariancePathsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	moments := [4]decimal.Moment{decimal.VarSamp, decimal.VarPop, decimal.StddevSamp, decimal.StddevPop}
	for range 3000 {
		scale := int32(rng.IntN(8))
		n := 2 + rng.IntN(20)
		vals := make([]string, n)
		for j := range vals {
			d := decimal.FromInt64(rng.Int64N(2_000_000_000_000)-1_000_000_000_000, scale)
			vals[j] = d.String()
		}
		sumX, sumX2, s := varianceSums(t, vals)
		dx, okX := decimalOfBig(sumX, s)
		dx2, okX2 := decimalOfBig(sumX2, 2*s)
		if !okX || !okX2 {
			t.Fatalf("sums of %v do not fit", vals)
		}
		for _, m := range moments {
			a, errA := decimal.Variance(m, int64(n), dx, dx2)
			b, errB := decimal.VarianceBig(m, int64(n), sumX, sumX2, s)
			if a != b || (errA == nil) != (errB == nil) {
				t.Fatalf("moment %d of %v: %s (%v) and %s (%v)", m, vals, a, errA, b, errB)
			}
		}
	}
}

func TestVarianceFastPathDoesNotAllocate(t *testing.T) {
	sumX, sumX2 := decimal.FromInt64(700, 2), decimal.FromInt64(210000, 4)
	if n := testing.AllocsPerRun(100, func() { _, _ = decimal.Variance(decimal.VarSamp, 3, sumX, sumX2) }); n != 0 {
		t.Fatalf("Variance allocates %v times per call", n)
	}
}

// TestEdgeOperandsDoNotPanic runs every operation over zero, ±1, ±5 and
// ±(10^38-1) at scales up to Parse's 16383, and over extreme scale
// arguments: an error is a fine answer, a panic is not. Variance once
// indexed past its powers of ten for sums with more than 500 decimals.
func TestEdgeOperandsDoNotPanic(t *testing.T) {
	var vals []decimal.Decimal
	for _, c := range []string{"0", "1", "-1", "5", "-5", "99999999999999999999999999999999999999", "-99999999999999999999999999999999999999"} {
		for _, s := range []int{0, 19, 39, 501, 1001, 16383} {
			vals = append(vals, mustParse(t, c+"e-"+strconv.Itoa(s)))
		}
	}
	scales := []int32{math.MinInt32, -40, -39, -1, 0, 1, 39, 1000, 1001, 16383, math.MaxInt32}
	for _, a := range vals {
		for _, s := range scales {
			_, _ = decimal.Round(a, s)
			_, _ = decimal.Trunc(a, s)
			_, _ = decimal.Sqrt(a.Abs(), s)
			_, _ = a.Scaled(s)
		}
		_, _ = a.Int64()
		_ = a.Float64()
		_, _ = decimal.Floor(a), decimal.Ceil(a)
		_, _ = decimal.Normalize(a), decimal.SqrtScale(a)
		_, _ = decimal.Exp(a)
		_, _ = decimal.Ln(a)
		for _, b := range vals {
			_, _ = decimal.Add(a, b)
			_, _ = decimal.Mul(a, b)
			_, _ = decimal.Div(a, b)
			_, _ = decimal.Mod(a, b)
			_, _ = decimal.Log(a, b)
			_, _ = decimal.Pow(a, b)
			for _, m := range []decimal.Moment{decimal.VarSamp, decimal.StddevSamp} {
				_, _ = decimal.Variance(m, 3, a, b)
			}
		}
	}
}
