package expr

import (
	"math"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// PostgreSQL 15's float8 and float4 operators: which operands fail, with
// which SQLSTATE, and which give IEEE's infinities and NaNs.
func TestFloatChecked(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	for _, c := range []struct {
		op   ArithOp
		x, y float64
		code sqlerr.Code // "" for success
	}{
		{Add, 1e308, 1e308, sqlerr.NumericValueOutOfRange},
		{Sub, -1e308, 1e308, sqlerr.NumericValueOutOfRange},
		{Add, inf, 1, ""},
		{Sub, inf, inf, ""}, // NaN
		{Mul, 1e308, 10, sqlerr.NumericValueOutOfRange},
		{Mul, 1e-300, 1e-100, sqlerr.NumericValueOutOfRange}, // underflow
		{Mul, 1e-300, 1e-10, ""},                             // a subnormal, not zero
		{Mul, 0, 1e-300, ""},
		{Mul, inf, 0, ""},
		{Div, 1, 0, sqlerr.DivisionByZero},
		{Div, 0, 0, sqlerr.DivisionByZero},
		{Div, nan, 0, ""},
		{Div, 1e308, 1e-10, sqlerr.NumericValueOutOfRange},
		{Div, 1e-308, 1e308, sqlerr.NumericValueOutOfRange}, // underflow
		{Div, 1, inf, ""},
		{Div, inf, 1e-300, ""},
	} {
		_, err := floatChecked(c.op, c.x, c.y)
		if got := sqlerr.CodeOf(err); err != nil && got != c.code || err == nil && c.code != "" {
			t.Errorf("%g %s %g: %v, want %q", c.x, c.op, c.y, err, c.code)
		}
	}
	if _, err := floatChecked(Mul, float32(1e-30), float32(1e-30)); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
		t.Errorf("real 1e-30 * 1e-30: %v, want an underflow", err)
	}
	if r, err := floatChecked(Add, float32(3e38), float32(3e37)); err != nil || r != float32(3.3e38) {
		t.Errorf("real 3e38 + 3e37 = %v, %v", r, err)
	}
}

// A row that is NULL, or not selected, fails nothing whatever its stored
// value: the typed loop computes it, and only live rows are checked.
func TestFloatArithSkipsDeadRows(t *testing.T) {
	b := vec.NewBatch([]vec.Type{vec.Float64, vec.Float64}, 4)
	for _, xy := range [][2]float64{{2, 3}, {0, 10}, {1e308, 10}, {1e-300, 1e-100}} {
		b.Cols[0].AppendFloat64(xy[0])
		b.Cols[1].AppendFloat64(xy[1])
	}
	b.Len = 4
	b.Cols[0].Nulls.SetNull(1)
	b.Cols[0].Float64s()[1] = 1e308 // a NULL row's arbitrary value
	mul, err := NewArith(Mul, &ColRef{Idx: 0, Typ: vec.Float64}, &ColRef{Idx: 1, Typ: vec.Float64})
	if err != nil {
		t.Fatal(err)
	}
	b.Sel, b.Len = []int32{0, 1}, 2
	if got := render(t, mul, nil, b); len(got) != 2 || got[0] != "6" || got[1] != "NULL" {
		t.Errorf("rows 0 and 1: %q", got)
	}
	for _, row := range []int32{2, 3} {
		b.Sel, b.Len = []int32{row}, 1
		if _, err := mul.Eval(NewCtx(nil), b); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
			t.Errorf("row %d: %v, want 22003", row, err)
		}
	}
}
