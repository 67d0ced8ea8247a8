package expr

import (
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Casts into a declared numeric(p,s) with p > 18 round half away from zero
// to s decimals and fail with PostgreSQL's numeric field overflow; the
// answers are PostgreSQL 15's.
func TestCastToDeclaredDecimal(t *testing.T) {
	to := vec.DeclaredNumeric(20, 2)
	bigDec, _ := decimal.Parse([]byte("123456789012345678.125"))
	for _, c := range []struct {
		name string
		in   *vec.Vec
		want []string // "" is NULL
	}{
		{"int4", func() *vec.Vec {
			v := vec.New(vec.Int32, 3)
			v.AppendInt32(-7)
			v.AppendNull()
			v.AppendInt32(2147483647)
			return v
		}(), []string{"-7.00", "", "2147483647.00"}},
		{"narrow numeric", func() *vec.Vec {
			v := vec.New(vec.Numeric(10, 3), 2)
			v.AppendInt64(-12345) // -12.345
			v.AppendInt64(5)      // 0.005
			return v
		}(), []string{"-12.35", "0.01"}},
		{"decimal", func() *vec.Vec {
			v := vec.New(vec.DecimalOf(3), 2)
			v.AppendDecimal(bigDec)
			v.AppendDecimal(decimal.FromInt64(-5, 3))
			return v
		}(), []string{"123456789012345678.13", "-0.01"}},
		{"float8", func() *vec.Vec {
			v := vec.New(vec.Float64, 1)
			v.AppendFloat64(2.5)
			return v
		}(), []string{"2.50"}},
	} {
		e, err := NewCast(&ColRef{Typ: c.in.Type}, to)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		out, err := e.Eval(NewCtx(nil), &vec.Batch{Cols: []*vec.Vec{c.in}, Len: c.in.Len()})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if out.Type != to {
			t.Errorf("%s: result type %+v", c.name, out.Type)
		}
		for i, w := range c.want {
			got := ""
			if !out.Nulls.IsNull(i) {
				got = string(vec.AppendText(nil, out, i, nil))
				if out.Decimals()[i].Scale != 2 {
					t.Errorf("%s row %d: scale %d", c.name, i, out.Decimals()[i].Scale)
				}
			}
			if got != w {
				t.Errorf("%s row %d: %q, want %q", c.name, i, got, w)
			}
		}
	}

	// Overflow, also where rounding carries into a new digit; a NULL row
	// never fails.
	over, _ := decimal.Parse([]byte("999999999999999999.995"))
	for _, d := range []decimal.Decimal{over, over.Neg()} {
		in := vec.New(vec.DecimalOf(3), 2)
		in.AppendNull()
		in.AppendDecimal(d)
		e, _ := NewCast(&ColRef{Typ: in.Type}, to)
		_, err := e.Eval(NewCtx(nil), &vec.Batch{Cols: []*vec.Vec{in}, Len: 2})
		f := sqlerr.Flatten(err)
		if f.Code != sqlerr.NumericValueOutOfRange || f.Message != "numeric field overflow" ||
			f.Detail != "A field with precision 20, scale 2 must round to an absolute value less than 10^18." {
			t.Errorf("%v: %v (%q)", d, err, f.Detail)
		}
	}

	// A selection vector converts only the live rows.
	in := vec.New(vec.Int64, 2)
	in.AppendInt64(1_000_000_000_000_000_000) // too wide, not selected
	in.AppendInt64(42)
	e, _ := NewCast(&ColRef{Typ: in.Type}, to)
	out, err := e.Eval(NewCtx(nil), &vec.Batch{Cols: []*vec.Vec{in}, Len: 1, Sel: []int32{1}})
	if err != nil || string(vec.AppendText(nil, out, 1, nil)) != "42.00" {
		t.Errorf("selected row: %v", err)
	}

	// Back to narrow and plain types, as PostgreSQL's casts round.
	wide := vec.New(to, 1)
	wide.AppendDecimal(decimal.FromInt64(-1250, 2)) // -12.50
	for _, c := range []struct {
		to   vec.Type
		want string
	}{{vec.Int32, "-13"}, {vec.Numeric(5, 1), "-12.5"}, {vec.DecimalOf(0), "-12.50"}, {vec.Text, "-12.50"}} {
		e, err := NewCast(&ColRef{Typ: to}, c.to)
		if err != nil {
			t.Fatal(err)
		}
		out, err := e.Eval(NewCtx(nil), &vec.Batch{Cols: []*vec.Vec{wide}, Len: 1})
		if err != nil {
			t.Fatalf("to %s: %v", c.to, err)
		}
		if got := string(vec.AppendText(nil, out, 0, nil)); got != c.want {
			t.Errorf("to %s: %s, want %s", c.to, got, c.want)
		}
	}
}
