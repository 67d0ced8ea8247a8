package vec

import (
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/sqlerr"
)

// Declared numerics past 18 digits are KindDecimal with a precision; the
// ledger's schema strings and typmods read back to the same types, and
// the narrow and unconstrained forms read exactly as before.
func TestDeclaredNumericTypes(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Type
		str  string
	}{
		{"numeric(38,10)", Type{Kind: KindDecimal, Precision: 38, Scale: 10}, "numeric(38,10)"},
		{"decimal(19)", Type{Kind: KindDecimal, Precision: 19}, "numeric(19,0)"},
		{"NUMERIC(25, 0)", Type{Kind: KindDecimal, Precision: 25}, "numeric(25,0)"},
		{"numeric(18,2)", Numeric(18, 2), "numeric(18,2)"},
		{"numeric", UnconstrainedNumeric, "numeric"},
	} {
		got, err := ParseType(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseType(%q) = %+v, %v; want %+v", c.in, got, err, c.want)
			continue
		}
		if got.String() != c.str {
			t.Errorf("%q prints %q, want %q", c.in, got.String(), c.str)
		}
		if back, ok := TypeForOID(got.OID(), got.TypeMod()); !ok || back != got {
			t.Errorf("TypeForOID of %q = %+v, %v", c.in, back, ok)
		}
	}
	if got := (Type{Kind: KindDecimal, Precision: 38, Scale: 10}).TypeMod(); got != 2490382 {
		t.Errorf("numeric(38,10) typmod %d, want PostgreSQL's 2490382", got)
	}
	if DecimalOf(16).String() != "numeric" || DecimalOf(16).TypeMod() != -1 {
		t.Errorf("a computed decimal must stay plain numeric")
	}
	for _, bad := range []string{"numeric(39,2)", "numeric(20,21)"} {
		if _, err := ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) succeeded", bad)
		}
	}
}

func TestFitDecimal(t *testing.T) {
	typ := DeclaredNumeric(20, 2)
	for _, c := range []struct{ in, want string }{
		{"12.345", "12.35"}, {"-12.345", "-12.35"}, {"7", "7.00"},
		{"999999999999999999.994", "999999999999999999.99"},
		{"-0.004", "0.00"},
	} {
		v := New(typ, 1)
		if err := v.AppendParsed(c.in, nil); err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := string(AppendText(nil, v, 0, nil)); got != c.want {
			t.Errorf("%s as %s = %s, want %s", c.in, typ, got, c.want)
		}
		if v.Decimals()[0].Scale != 2 {
			t.Errorf("%s keeps scale %d", c.in, v.Decimals()[0].Scale)
		}
	}
	for _, in := range []string{"999999999999999999.995", "-1e18", "1e40"} {
		d, err := ParseDecimal(in)
		if err == nil {
			_, err = FitDecimal(d, typ)
		}
		f := sqlerr.Flatten(err)
		if f.Code != sqlerr.NumericValueOutOfRange {
			t.Errorf("%s: %v, want 22003", in, err)
		}
		if in != "1e40" && f.Detail != "A field with precision 20, scale 2 must round to an absolute value less than 10^18." {
			t.Errorf("%s: detail %q", in, f.Detail)
		}
	}
	// 38 digits fit numeric(38,0) exactly.
	max38, _ := decimal.Parse([]byte("99999999999999999999999999999999999999"))
	if _, err := FitDecimal(max38, DeclaredNumeric(38, 0)); err != nil {
		t.Errorf("38 nines: %v", err)
	}
	if _, err := FitDecimal(max38, DeclaredNumeric(37, 0)); err == nil {
		t.Error("38 nines fit numeric(37,0)")
	}
}
