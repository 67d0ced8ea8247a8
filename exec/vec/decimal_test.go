package vec

import (
	"bytes"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/sqlerr"
)

// decimalColumn parses each text (or NULL for "") into a KindDecimal column.
func decimalColumn(t *testing.T, nominal int32, texts ...string) *Vec {
	t.Helper()
	v := New(DecimalOf(nominal), len(texts))
	for _, s := range texts {
		if s == "" {
			v.AppendNull()
			continue
		}
		if err := v.AppendParsed(s, nil); err != nil {
			t.Fatalf("parse %q: %v", s, err)
		}
	}
	return v
}

// Every value keeps the scale it was written with, and prints with it.
func TestDecimalTextKeepsEachScale(t *testing.T) {
	texts := []string{"1.50", "0.33333333333333333333", "-12345678901234567890123456.5", "0", "7"}
	v := decimalColumn(t, 16, texts...)
	for i, want := range texts {
		if got := string(AppendText(nil, v, i, nil)); got != want {
			t.Errorf("row %d prints %q, want %q", i, got, want)
		}
	}
	if v.Type.OID() != OIDNumeric || v.Type.String() != "numeric" || v.Type.TypeMod() != -1 {
		t.Errorf("type reports oid %d, %q, typmod %d", v.Type.OID(), v.Type.String(), v.Type.TypeMod())
	}
	for _, bad := range []struct {
		in   string
		code sqlerr.Code
	}{{"1.2.3", sqlerr.InvalidTextRepresentation}, {"NaN", sqlerr.FeatureNotSupported}, {"1" + string(bytes.Repeat([]byte("0"), 40)), sqlerr.NumericValueOutOfRange}} {
		if err := New(DecimalOf(0), 1).AppendParsed(bad.in, nil); sqlerr.CodeOf(err) != bad.code {
			t.Errorf("%q: %v, want %s", bad.in, err, bad.code)
		}
	}
}

// A decimal's binary form is numeric_send's, byte for byte what the
// narrow form writes for the same value and scale, and reads back.
func TestDecimalBinaryMatchesNarrow(t *testing.T) {
	cases := []struct {
		coef  int64
		scale int32
	}{{150, 2}, {-5, 1}, {0, 3}, {123456789012345678, 0}, {1, 18}, {-100000, 4}, {99990000, 8}}
	for _, c := range cases {
		narrow := New(Numeric(18, c.scale), 1)
		narrow.AppendInt64(c.coef)
		wide := New(DecimalOf(c.scale), 1)
		wide.AppendDecimal(decimal.FromInt64(c.coef, c.scale))
		nb, wb := AppendBinary(nil, narrow, 0), AppendBinary(nil, wide, 0)
		if !bytes.Equal(nb, wb) {
			t.Errorf("%d·10^-%d: decimal sends %x, numeric %x", c.coef, c.scale, wb, nb)
		}
		back := New(DecimalOf(0), 1)
		if err := back.AppendBinaryValue(wb, nil); err != nil {
			t.Fatal(err)
		}
		if got, want := back.Decimals()[0], wide.Decimals()[0]; got != want {
			t.Errorf("binary round trip gave %v, want %v", got, want)
		}
	}
	// Past 18 digits, where the narrow form cannot go.
	big := decimalColumn(t, 0, "-123456789012345678901234567890.0001")
	back := New(DecimalOf(0), 1)
	if err := back.AppendBinaryValue(AppendBinary(nil, big, 0), nil); err != nil {
		t.Fatal(err)
	}
	if got := string(AppendText(nil, back, 0, nil)); got != "-123456789012345678901234567890.0001" {
		t.Errorf("binary round trip past 18 digits gave %s", got)
	}
}

// arrowRoundTrip sends b's live rows through an Arrow record and back.
func arrowRoundTrip(t *testing.T, b *Batch) *Batch {
	t.Helper()
	rec, err := BatchToRecord(b, []string{"d"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(rec.Release)
	back, _, err := RecordToBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// Spill and exchange go through Arrow: per-value scales, the nominal scale
// and NULLs must all come back.
func TestDecimalArrowRoundTrip(t *testing.T) {
	v := decimalColumn(t, 20, "1.5", "", "0.33333333333333333333", "-99999999999999999999999999999999999999")
	b := &Batch{Cols: []*Vec{v}, Len: v.Len()}
	got := arrowRoundTrip(t, b).Cols[0]
	if got.Type != v.Type {
		t.Errorf("type came back as %+v, want %+v", got.Type, v.Type)
	}
	for i := range v.Len() {
		if v.Nulls.IsNull(i) != got.Nulls.IsNull(i) || !v.Nulls.IsNull(i) && got.Decimals()[i] != v.Decimals()[i] {
			t.Errorf("row %d came back as %s", i, AppendText(nil, got, i, nil))
		}
	}
	// With a selection only the selected rows travel.
	b.Sel, b.Len = []int32{2, 3}, 2
	sel := arrowRoundTrip(t, b)
	if s := string(AppendText(nil, sel.Cols[0], 0, nil)); s != "0.33333333333333333333" {
		t.Errorf("selected row 0 is %s", s)
	}
}

func TestDecimalColumnCopies(t *testing.T) {
	src := decimalColumn(t, 2, "1.50", "", "2.5")
	dst := New(DecimalOf(2), 0)
	dst.AppendRange(src, 0, 3)
	dst.AppendFrom(src, 0)
	want := []string{"1.50", "", "2.5", "1.50"}
	for i, w := range want {
		if w == "" {
			if !dst.Nulls.IsNull(i) {
				t.Errorf("row %d should be NULL", i)
			}
			continue
		}
		if got := string(AppendText(nil, dst, i, nil)); got != w {
			t.Errorf("row %d is %s, want %s", i, got, w)
		}
	}
	dst.Prepare(DecimalOf(0), 2)
	if len(dst.Decimals()) != 2 {
		t.Errorf("Prepare left %d values", len(dst.Decimals()))
	}
}

// Past 18 digits and with fractions longer than the coefficient the
// binary form is still numeric_send's.
func TestDecimalBinaryLongFraction(t *testing.T) {
	tiny := "0." + string(bytes.Repeat([]byte("0"), 97)) + "123"
	v := decimalColumn(t, 0, tiny, "-98765432109876543210987654321.123456789", "12345678901234567890123456789012345678")
	for i := range v.Len() {
		back := New(DecimalOf(0), 1)
		if err := back.AppendBinaryValue(AppendBinary(nil, v, i), nil); err != nil {
			t.Fatal(err)
		}
		if got, want := back.Decimals()[0], v.Decimals()[i]; got != want {
			t.Errorf("row %d came back as %v, want %v", i, got, want)
		}
	}
	// 0.000…0123 with 100 decimals: one base-10000 digit, 0123, of
	// weight -25.
	want := []byte{0, 1, 0xff, 0xe7, 0, 0, 0, 100, 0, 123}
	if got := AppendBinary(nil, v, 0); !bytes.Equal(got, want) {
		t.Errorf("%s sends %x, want %x", tiny, got, want)
	}
}
