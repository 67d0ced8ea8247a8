package expr

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The branch-free kernels agree with the checked one-row operation on
// every row they compute, and report overflow exactly when some row of the
// selection overflows.
func TestInt64FastMatchesInt64Op(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	edges := []int64{0, 1, -1, 2, -2, 3037000499, 3037000500, -3037000500, math.MaxInt32, math.MinInt32,
		math.MaxInt64, math.MinInt64, math.MaxInt64 / 2, math.MinInt64 / 2, 1 << 62, -(1 << 62)}
	pick := func() int64 {
		switch rng.IntN(3) {
		case 0:
			return edges[rng.IntN(len(edges))]
		case 1:
			return rng.Int64N(1<<20) - 1<<19
		}
		return int64(rng.Uint64())
	}
	for _, op := range []ArithOp{Add, Sub, Mul} {
		for round := 0; round < 2000; round++ {
			n := 1 + rng.IntN(16)
			a, b, out := make([]int64, n), make([]int64, n), make([]int64, n)
			for i := range a {
				a[i], b[i] = pick(), pick()
			}
			var sel []int32
			if rng.IntN(2) == 0 {
				for i := range n {
					if rng.IntN(2) == 0 {
						sel = append(sel, int32(i))
					}
				}
			}
			rows := sel
			if sel == nil {
				for i := range n {
					rows = append(rows, int32(i))
				}
			}
			wantOK := true
			for _, i := range rows {
				if _, ok := int64Op(op, a[i], b[i]); !ok {
					wantOK = false
				}
			}
			if got := int64Fast(op, a, b, out, sel); got != wantOK {
				t.Fatalf("op %d on %v, %v (sel %v): ok %v, want %v", op, a, b, sel, got, wantOK)
			}
			for _, i := range rows {
				if r, ok := int64Op(op, a[i], b[i]); ok && out[i] != r {
					t.Fatalf("op %d: %d, %d gave %d, want %d", op, a[i], b[i], out[i], r)
				}
			}
		}
	}
}

// A NULL row whose stored values overflow raises no error; a live one does.
func TestArithOverflowOnlyOnLiveRows(t *testing.T) {
	for _, typ := range []vec.Type{vec.Int64, vec.Int32, vec.Int16, vec.Numeric(18, 2)} {
		a, b := vec.New(typ, 3), vec.New(typ, 3)
		big := map[vec.Kind]int64{vec.KindInt16: math.MaxInt16, vec.KindInt32: math.MaxInt32}[typ.Kind]
		if big == 0 {
			big = math.MaxInt64
		}
		for _, x := range []int64{1, big, 2} {
			switch typ.Kind {
			case vec.KindInt16:
				a.AppendInt16(int16(x))
				b.AppendInt16(int16(x))
			case vec.KindInt32:
				a.AppendInt32(int32(x))
				b.AppendInt32(int32(x))
			default:
				a.AppendInt64(x)
				b.AppendInt64(x)
			}
		}
		run := func(nulls *vec.Nulls, sel []int32) error {
			out := vec.New(typ, 3)
			out.Prepare(typ, 3)
			switch typ.Kind {
			case vec.KindInt16:
				return arithInt(Mul, a.Int16s(), b.Int16s(), out.Int16s(), sel, nulls, typ)
			case vec.KindInt32:
				return arithInt(Mul, a.Int32s(), b.Int32s(), out.Int32s(), sel, nulls, typ)
			case vec.KindInt64:
				return arithInt64(Mul, a.Int64s(), b.Int64s(), out.Int64s(), sel, nulls)
			}
			return arithNumeric(Mul, a, b, out, sel, nulls)
		}
		var nulls vec.Nulls
		nulls.SetNull(1)
		if err := run(&nulls, nil); err != nil {
			t.Fatalf("%v: NULL row raised %v", typ, err)
		}
		if err := run(nil, []int32{0, 2}); err != nil {
			t.Fatalf("%v: unselected row raised %v", typ, err)
		}
		if err := run(nil, []int32{0, 1}); sqlerr.CodeOf(err) != sqlerr.NumericValueOutOfRange {
			t.Fatalf("%v: live overflow gave %v, want 22003", typ, err)
		}
	}
}

// The smallint and integer kernel computes every selected row as int64
// arithmetic does, and reports overflow exactly when some selected row
// leaves the type's range.
func TestNarrowFastMatchesRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	exact := map[ArithOp]func(x, y int64) int64{
		Add: func(x, y int64) int64 { return x + y },
		Sub: func(x, y int64) int64 { return x - y },
		Mul: func(x, y int64) int64 { return x * y },
	}
	for op, f := range exact {
		for round := 0; round < 2000; round++ {
			n := 1 + rng.IntN(16)
			a, b, out := make([]int16, n), make([]int16, n), make([]int16, n)
			for i := range a {
				a[i], b[i] = int16(rng.Uint32()), int16(rng.IntN(600)-300)
			}
			var sel, rows []int32
			for i := range n {
				if round%2 == 0 || rng.IntN(2) == 0 {
					rows = append(rows, int32(i))
				}
			}
			if round%2 == 1 {
				sel = append([]int32{}, rows...) // perhaps none, which nil would not say
			}
			wantOK := true
			for _, i := range rows {
				if r := f(int64(a[i]), int64(b[i])); r < math.MinInt16 || r > math.MaxInt16 {
					wantOK = false
				}
			}
			if got := narrowFast(op, a, b, out, sel, math.MinInt16, math.MaxInt16); got != wantOK {
				t.Fatalf("op %d on %v, %v (sel %v): ok %v, want %v", op, a, b, sel, got, wantOK)
			}
			for _, i := range rows {
				if r := f(int64(a[i]), int64(b[i])); wantOK && out[i] != int16(r) {
					t.Fatalf("op %d: %d, %d gave %d, want %d", op, a[i], b[i], out[i], r)
				}
			}
		}
	}
}
