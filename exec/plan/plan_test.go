package plan

import (
	"testing"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

func col(i int) expr.Expr { return &expr.ColRef{Idx: i, Typ: vec.Int32, Name: string(rune('a' + i))} }

func lit(n int32) expr.Expr {
	v := vec.New(vec.Int32, 1)
	v.AppendInt32(n)
	return expr.NewConst(v)
}

func eq(l, r expr.Expr) expr.Expr {
	e, err := expr.NewCompare(expr.EQ, l, r)
	if err != nil {
		panic(err)
	}
	return e
}

// TestFactorOrs checks that a condition in every branch of an OR is pulled
// out (the join key of TPC-H Q19) and that the rest stays an OR.
func TestFactorOrs(t *testing.T) {
	key := eq(col(0), col(1))
	x := &expr.Or{
		L: &expr.And{L: key, R: eq(col(2), lit(1))},
		R: &expr.And{L: eq(col(3), lit(2)), R: key},
	}
	out := factorOrs([]expr.Expr{x})
	if len(out) != 2 || out[0].String() != key.String() {
		t.Fatalf("factorOrs = %v", out)
	}
	if _, ok := out[1].(*expr.Or); !ok {
		t.Fatalf("remainder %s is not an OR", out[1])
	}
	// A branch that is only the common part makes the OR true.
	y := &expr.Or{L: key, R: &expr.And{L: key, R: eq(col(2), lit(1))}}
	if out := factorOrs([]expr.Expr{y}); len(out) != 1 || out[0].String() != key.String() {
		t.Fatalf("factorOrs = %v", out)
	}
	// Nothing common: unchanged.
	z := &expr.Or{L: eq(col(2), lit(1)), R: eq(col(3), lit(2))}
	if out := factorOrs([]expr.Expr{z}); len(out) != 1 || out[0] != z {
		t.Fatalf("factorOrs changed %s into %v", z, out)
	}
}

func TestImpliedFilter(t *testing.T) {
	// (a = 1 AND c = 5) OR (a = 2 AND d = 6): the unit owning a gets
	// a = 1 OR a = 2; a unit one branch does not constrain gets nothing.
	x := &expr.Or{
		L: &expr.And{L: eq(col(0), lit(1)), R: eq(col(2), lit(5))},
		R: &expr.And{L: eq(col(0), lit(2)), R: eq(col(3), lit(6))},
	}
	ownsA := func(e expr.Expr) bool { return expr.Columns(e)[0] == 0 }
	if f := impliedFilter(x, ownsA); f == nil || f.String() != "((a = 1) OR (a = 2))" {
		t.Fatalf("implied filter for a: %v", f)
	}
	ownsC := func(e expr.Expr) bool { return expr.Columns(e)[0] == 2 }
	if f := impliedFilter(x, ownsC); f != nil {
		t.Fatalf("implied filter for c: %v, want none", f)
	}
}

func TestFilterSelectivity(t *testing.T) {
	if s := filterSelectivity(eq(col(0), lit(1))); s >= filterSelectivity(&expr.Compare{Op: expr.LT, L: col(0), R: lit(1)}) {
		t.Errorf("an equality (%v) should keep fewer rows than a range", s)
	}
}
