package expr

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// IN and NOT IN give the same answers with a short list (compared value
// by value) and a long one (hashed), over selections and NULLs, NULLs in
// the list making non-matches unknown.
func TestInListShortAndLong(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, typ := range []vec.Type{vec.Int16, vec.Int32, vec.Int64, vec.Text} {
		for _, size := range []int{1, 3, shortInList, shortInList + 1, 40} {
			for _, withNull := range []bool{false, true} {
				for _, negate := range []bool{false, true} {
					// Without NULLs in the column either, the answer skips
					// the pass over NULLs.
					colNulls := size != 3
					name := fmt.Sprintf("%v/%d/null=%v/not=%v/colnulls=%v", typ, size, withNull, negate, colNulls)
					value := func(x int) *vec.Vec {
						v := vec.New(typ, 1)
						switch typ.Kind {
						case vec.KindInt16:
							v.AppendInt16(int16(x))
						case vec.KindInt32:
							v.AppendInt32(int32(x))
						case vec.KindInt64:
							v.AppendInt64(int64(x) << 33)
						default:
							v.AppendBytes([]byte(fmt.Sprint("v", x)))
						}
						return v
					}
					list := map[int]bool{}
					var consts []*Const
					for len(consts) < size {
						x := rng.IntN(60)
						list[x] = true
						consts = append(consts, NewConst(value(x)))
					}
					if withNull {
						nv := vec.New(typ, 1)
						nv.AppendNull()
						consts = append(consts, NewConst(nv))
					}
					rows := 500
					col := vec.New(typ, rows)
					xs := make([]int, rows)
					for i := range rows {
						xs[i] = rng.IntN(60)
						if colNulls && rng.IntN(10) == 0 {
							col.AppendNull()
							xs[i] = -1
							continue
						}
						col.AppendFrom(value(xs[i]), 0)
					}
					b := &vec.Batch{Cols: []*vec.Vec{col}, Len: rows}
					if size%2 == 1 {
						for i := 0; i < rows; i += 3 {
							b.Sel = append(b.Sel, int32(i))
						}
						b.Len = len(b.Sel)
					}
					e, err := NewInList(&ColRef{Idx: 0, Typ: typ}, consts, negate)
					if err != nil {
						t.Fatal(err)
					}
					out, err := e.Eval(NewCtx(nil), b)
					if err != nil {
						t.Fatal(err)
					}
					for k := 0; k < b.Len; k++ {
						i := b.Row(k)
						want := "t"
						switch {
						case xs[i] < 0 || !list[xs[i]] && withNull:
							want = "null"
						case list[xs[i]] == negate:
							want = "f"
						}
						got := "null"
						if !out.Nulls.IsNull(i) {
							got = map[bool]string{true: "t", false: "f"}[out.Bools()[i]]
						}
						if got != want {
							t.Fatalf("%s: row %d (value %d) gave %s, want %s", name, i, xs[i], got, want)
						}
					}
				}
			}
		}
	}
}
