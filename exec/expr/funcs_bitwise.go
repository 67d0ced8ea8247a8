package expr

import (
	"github.com/apiarydb/apiary/exec/vec"
)

// The integer bitwise operators &, |, # (xor), ~ (not), << and >>. They are
// registered as functions under internal names the binder maps the
// operators to; catalog queries use them (pgJDBC's getIndexInfo tests
// indoption & 1).

func init() {
	bitOp := func(f func(x, y int64) int64) func(t vec.Type) kernel {
		return func(t vec.Type) kernel {
			return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
				x, y := intsOf(a[0]), intsOf(a[1])
				return eachRow(n, sel, nulls, func(i int) error { return storeInt(out, i, f(x(i), y(i))) })
			}
		}
	}
	binary := func(name string, f func(x, y int64) int64) {
		k := bitOp(f)
		def(name, sig(tI16, k(tI16), tI16, tI16), sig(tI32, k(tI32), tI32, tI32), sig(tI64, k(tI64), tI64, tI64))
	}
	binary("@bitand", func(x, y int64) int64 { return x & y })
	binary("@bitor", func(x, y int64) int64 { return x | y })
	binary("@bitxor", func(x, y int64) int64 { return x ^ y })
	// Shifts take an int4 count and keep the left operand's type. Like
	// PostgreSQL's C shifts on x86-64 they take the count modulo the width
	// the shift is done in: 64 for int8, 32 for int4 and for int2, which
	// C promotes to int (so 1::int2 << 16 is 0, not 1).
	shift := func(name string, left bool) {
		k := func(t vec.Type) kernel {
			mask := int64(31)
			if t.Kind == vec.KindInt64 {
				mask = 63
			}
			return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
				x, y := intsOf(a[0]), intsOf(a[1])
				return eachRow(n, sel, nulls, func(i int) error {
					s := uint(y(i) & mask)
					var r int64
					if left {
						r = x(i) << s
					} else {
						r = x(i) >> s
					}
					// Wrap to the result's width, as the C conversion
					// of the shifted int does.
					switch t.Kind {
					case vec.KindInt16:
						r = int64(int16(r))
					case vec.KindInt32:
						r = int64(int32(r))
					}
					return storeInt(out, i, r)
				})
			}
		}
		def(name, sig(tI16, k(tI16), tI16, tI32), sig(tI32, k(tI32), tI32, tI32), sig(tI64, k(tI64), tI64, tI32))
	}
	shift("@shiftleft", true)
	shift("@shiftright", false)
	not := func(t vec.Type) kernel {
		return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			x := intsOf(a[0])
			return eachRow(n, sel, nulls, func(i int) error { return storeInt(out, i, ^x(i)) })
		}
	}
	def("@bitnot", sig(tI16, not(tI16), tI16), sig(tI32, not(tI32), tI32), sig(tI64, not(tI64), tI64))
}
