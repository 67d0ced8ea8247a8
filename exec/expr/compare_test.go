package expr

import (
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// TestCompareBools checks every operator on booleans (false < true), both
// column against column and column against a constant.
func TestCompareBools(t *testing.T) {
	l, r := vec.New(vec.Bool, 4), vec.New(vec.Bool, 4)
	for _, p := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
		l.AppendBool(p[0])
		r.AppendBool(p[1])
	}
	b := &vec.Batch{Cols: []*vec.Vec{l, r}, Len: 4}
	want := map[CmpOp]string{EQ: "tfft", NE: "fttf", LT: "ftff", LE: "ttft", GT: "fftf", GE: "tftt"}
	for op, w := range want {
		e, err := NewCompare(op, &ColRef{Idx: 0, Typ: vec.Bool}, &ColRef{Idx: 1, Typ: vec.Bool})
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.Eval(NewCtx(nil), b)
		if err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, x := range v.Bools() {
			got += map[bool]string{true: "t", false: "f"}[x]
		}
		if got != w {
			t.Errorf("%s: %s, want %s", op, got, w)
		}
	}
	// Against the constant true: a < true only for false.
	k := vec.New(vec.Bool, 1)
	k.AppendBool(true)
	e, err := NewCompare(LT, &ColRef{Idx: 0, Typ: vec.Bool}, NewConst(k))
	if err != nil {
		t.Fatal(err)
	}
	v, err := e.Eval(NewCtx(nil), b)
	if err != nil {
		t.Fatal(err)
	}
	if got := v.Bools(); !got[0] || !got[1] || got[2] || got[3] {
		t.Errorf("col < true = %v", got)
	}
}
