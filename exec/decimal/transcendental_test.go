package decimal

import (
	"errors"
	"testing"
)

func mustParse(t *testing.T, s string) Decimal {
	t.Helper()
	d, err := Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return d
}

// TestTranscendentalAgainstPostgres checks digits and scales PostgreSQL 15
// printed for the same arguments (select exp(64::numeric), ...).
func TestTranscendentalAgainstPostgres(t *testing.T) {
	ten := FromInt64(10, 0)
	cases := []struct {
		fn, x, y, want string
	}{
		{"exp", "2.0", "", "7.3890560989306502"},
		{"exp", "64", "", "6235149080811616882909238709"},
		{"exp", "-65.1086201913", "", "0.00000000000000000000000000005292800524623126"},
		{"exp", "-9.0630", "", "0.0001158748301364423"},
		{"exp", "6.685405", "", "800.63486964462732"},
		{"exp", "0", "", "1.0000000000000000"},
		{"ln", "0.8484156448686044", "", "-0.1643846160224477"},
		{"ln", "3464.7932344220375465", "", "8.1504082372380503"},
		{"ln", "1.000001", "", "0.0000009999995000003333"},
		{"ln", "0.95", "", "-0.051293294387550533"},
		{"ln", "0.9", "", "-0.10536051565782630"},
		{"ln", "0.00001", "", "-11.512925464970228"},
		{"ln", "1.0", "", "0.0000000000000000"},
		{"log", "934547.000497", "", "5.970601147922663"},
		{"log", "0.016613186091390996", "", "-1.779547070184506573"},
		{"logb", "3.0", "1.00001", "0.000009102346754610453"},
		{"logb", "0.5", "0.125", "3.0000000000000000"},
		{"pow", "0.5", "17", "0.0000076293945313"},
		{"pow", "78.4312", "-29", "0.0000000000000000"},
		{"pow", "1.75275", "-16", "0.0001260318721185"},
		{"pow", "0.98", "-25", "1.6570976739044706"},
		{"pow", "0.51", "-26", "40102866.9549842115408685"},
		{"pow", "1.0000001", "10000000", "2.7182816925449663"},
		{"pow", "-1.0", "3000000001", "-1.0000000000000000"},
		{"pow", "0.0986840", "-0", "1.0000000000000000"},
		{"pow", "6.37289905", "-8.2785", "0.0000002194299084546548"},
		{"pow", "931", "10.11637", "1083910651761426179196856848678.91795"},
		{"pow", "276.43400", "1.7", "14148.339701156097"},
		{"pow", "7", "-5.79754", "0.00001260405556504686"},
		{"pow", "0.0", "2.5", "0.0000000000000000"},
		// PostgreSQL keeps every digit (…861.8152783879720956); a Decimal
		// keeps 38, rounded.
		{"pow", "-72.2070", "13", "-1450544047950341109904861.8152783879721"},
		{"exp", "72.1617288818176823", "", "21849457481170746584733441677442.902933"},
	}
	for _, c := range cases {
		x := mustParse(t, c.x)
		var got Decimal
		var err error
		switch c.fn {
		case "exp":
			got, err = Exp(x)
		case "ln":
			got, err = Ln(x)
		case "log":
			got, err = Log(ten, x)
		case "logb":
			got, err = Log(x, mustParse(t, c.y))
		case "pow":
			got, err = Pow(x, mustParse(t, c.y))
		}
		if err != nil {
			t.Errorf("%s(%s, %s): %v, want %s", c.fn, c.x, c.y, err, c.want)
		} else if got.String() != c.want {
			t.Errorf("%s(%s, %s) = %s, want %s", c.fn, c.x, c.y, got, c.want)
		}
	}
}

func TestTranscendentalErrors(t *testing.T) {
	zero, one, neg := FromInt64(0, 1), FromInt64(10, 1), FromInt64(-20, 1)
	half := FromInt64(5, 1)
	cases := []struct {
		name string
		f    func() (Decimal, error)
		want error
	}{
		{"ln(0)", func() (Decimal, error) { return Ln(zero) }, ErrLogOfZero},
		{"ln(-2)", func() (Decimal, error) { return Ln(neg) }, ErrLogOfNegative},
		{"log(-2, 0)", func() (Decimal, error) { return Log(neg, zero) }, ErrLogOfNegative},
		{"log(1, 0)", func() (Decimal, error) { return Log(one, zero) }, ErrLogOfZero},
		{"log(1, 0.5)", func() (Decimal, error) { return Log(one, half) }, ErrDivisionByZero},
		{"0^-1", func() (Decimal, error) { return Pow(zero, FromInt64(-1, 0)) }, ErrZeroToNegativePower},
		{"0^-0.5", func() (Decimal, error) { return Pow(zero, half.Neg()) }, ErrZeroToNegativePower},
		{"-2^0.5", func() (Decimal, error) { return Pow(neg, half) }, ErrComplexPower},
		{"exp(100)", func() (Decimal, error) { return Exp(FromInt64(100, 0)) }, ErrOverflow},
		{"1.5^3000000000", func() (Decimal, error) { return Pow(FromInt64(15, 1), FromInt64(3000000000, 0)) }, ErrOverflow},
		{"0.5^-3000000000", func() (Decimal, error) { return Pow(half, FromInt64(-3000000000, 0)) }, ErrOverflow},
		{"10^38", func() (Decimal, error) { return Pow(FromInt64(100, 1), FromInt64(38, 0)) }, ErrOverflow},
	}
	for _, c := range cases {
		if _, err := c.f(); !errors.Is(err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, err, c.want)
		}
	}
}

// TestUnderflowKeepsScale: results below the last decimal are zeros at
// PostgreSQL's scale, which for exp and power can reach MaxScale.
func TestUnderflowKeepsScale(t *testing.T) {
	cases := []struct {
		name  string
		f     func() (Decimal, error)
		scale int32
	}{
		{"exp(-5000.0)", func() (Decimal, error) { return Exp(FromInt64(-50000, 1)) }, MaxScale},
		{"0.9^3000000000", func() (Decimal, error) { return Pow(FromInt64(9, 1), FromInt64(3000000000, 0)) }, MaxScale},
		{"0.5^100", func() (Decimal, error) { return Pow(FromInt64(5, 1), FromInt64(100, 0)) }, 16},
	}
	for _, c := range cases {
		d, err := c.f()
		if err != nil || !d.IsZero() || d.Scale != c.scale {
			t.Errorf("%s = %v (scale %d), %v; want 0 with scale %d", c.name, d, d.Scale, err, c.scale)
		}
	}
}

// TestLnDecimalWeight pins the estimate that picks ln's scale, including
// the branch near 1 and the second base-10000 digit.
func TestLnDecimalWeight(t *testing.T) {
	cases := []struct {
		x    string
		want int
	}{
		{"10.0", 0},
		{"0.9", -1},
		{"1.1", -1},
		{"0.95", -2},
		{"1.000001", -6},
		{"1.0", 0},
		{"0.00001", 1},
		{"123456789012345678901234567890.0", 1},
		{"0.000000000000000000000000000001", 1},
		{"10000.5", 0},
	}
	for _, c := range cases {
		if got := lnDecimalWeight(mustParse(t, c.x)); got != c.want {
			t.Errorf("lnDecimalWeight(%s) = %d, want %d", c.x, got, c.want)
		}
	}
}
