package expr

import (
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// TestSqrtNumericMatchesPostgres: sqrt of either numeric kind has
// numeric_sqrt's digits and scale (PostgreSQL 15: select sqrt(x) over
// the values listed).
func TestSqrtNumericMatchesPostgres(t *testing.T) {
	narrow := typedCol(t, vec.Numeric(10, 2), "2.00", "0.01", "NULL", "10000.00", "99999999.99", "0.00")
	dec := decCol(t, "2", "0.0001", "NULL", "123456789.123", "99999999999999999999999999999999999999", "0.5")
	b := &vec.Batch{Cols: []*vec.Vec{narrow, dec}, Len: 6}
	for _, c := range []struct {
		col  int
		want string
	}{
		{0, "1.414213562373095|0.10000000000000000|NULL|100.0000000000000|9999.9999995000000|0.000000000000000"},
		{1, "1.414213562373095|0.01000000000000000|NULL|11111.11106609056|10000000000000000000|0.70710678118654752"},
	} {
		e, err := NewFunc("sqrt", []Expr{&ColRef{Idx: c.col, Typ: b.Cols[c.col].Type}})
		if got := mustEval(t, e, err, b); got != c.want {
			t.Errorf("sqrt of column %d: %s, want %s", c.col, got, c.want)
		}
		if e.Type() != vec.DecimalOf(16) {
			t.Errorf("sqrt of column %d has type %#v", c.col, e.Type())
		}
	}
	// An integer argument is double precision's, as PostgreSQL resolves
	// sqrt(4::int).
	e, err := NewFunc("sqrt", []Expr{&ColRef{Idx: 0, Typ: vec.Int32}})
	if err != nil || e.Type() != vec.Float64 {
		t.Errorf("sqrt(integer): %v, %v", e, err)
	}
}

func TestSqrtNumericNegative(t *testing.T) {
	for _, col := range []*vec.Vec{
		typedCol(t, vec.Numeric(10, 2), "4.00", "-0.01", "9.00"),
		decCol(t, "4", "-0.01", "9"),
	} {
		e, err := NewFunc("sqrt", []Expr{&ColRef{Idx: 0, Typ: col.Type}})
		if err != nil {
			t.Fatal(err)
		}
		b := &vec.Batch{Cols: []*vec.Vec{col}, Len: 3}
		if _, err := e.Eval(NewCtx(nil), b); sqlerr.CodeOf(err) != "2201F" {
			t.Errorf("sqrt over %s with -0.01: %v, want 2201F", col.Type, err)
		}
		// Outside the selection the negative value is not evaluated.
		b.Len, b.Sel = 2, []int32{0, 2}
		v, err := e.Eval(NewCtx(nil), b)
		if err != nil {
			t.Fatalf("sqrt over %s, negative row not selected: %v", col.Type, err)
		}
		if got := rowsText(v, b); got != "2.000000000000000|3.000000000000000" {
			t.Errorf("sqrt over %s: %s", col.Type, got)
		}
	}
}
