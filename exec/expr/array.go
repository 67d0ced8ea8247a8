package expr

import (
	"fmt"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// One-dimensional arrays: the ARRAY[...] constructor, subscripts, x op ANY
// and ALL over an array, casts between array types, and the array
// functions (funcs_array.go). Values are vec's element encoding (see
// exec/vec/array.go): kernels walk the elements of each row's bytes,
// decoding into a scratch vector only where a value's meaning is needed.

// castArray converts to, from and between array types; ok is false when
// neither side is an array.
func castArray(from, to vec.Type) (castFunc, bool, error) {
	switch {
	case from.Shape == vec.ShapeRecord || to.Shape == vec.ShapeRecord:
		if to.Kind == vec.KindText && to.Shape == vec.ShapeScalar {
			return castToText(from, to), true, nil
		}
		return nil, true, errCannotCast(from, to)
	case to.IsArray() && from.Kind == vec.KindText && from.Shape == vec.ShapeScalar:
		et := to.ElemType()
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			loc := c.Env.Location()
			src := in.Bytes()
			elem := func(v *vec.Vec, text string) error { return v.AppendParsed(text, loc) }
			if et.IsReg() {
				elem = func(v *vec.Vec, text string) error {
					x, err := regIn(c.Env, et, text)
					v.AppendInt64(x)
					return err
				}
			}
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				b, err := vec.ParseArrayWith(to, bytesAsString(src.Get(i)), elem)
				return append(dst, b...), err
			})
		}, true, nil
	case from.IsArray() && to.Kind == vec.KindText && to.Shape == vec.ShapeScalar:
		return castToText(from, to), true, nil
	case from.IsArray() && to.IsArray():
		fe, te := from.ElemType(), to.ElemType()
		if to.Shape == vec.ShapeVector && from.Shape == vec.ShapeArray {
			return nil, true, errCannotCast(from, to)
		}
		// Dropping a numeric's declared precision keeps its scale and so
		// its encoding: numeric(5,2)[] to a plain numeric[] of scale 2
		// copies the bytes.
		dropsPrecision := fe.Kind == vec.KindNumeric && te.Kind == vec.KindNumeric && fe.Scale == te.Scale && te.Precision == 0
		if fe == te || dropsPrecision {
			return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
				out.Nulls.CopyFrom(&in.Nulls, n)
				src := in.Bytes()
				return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) { return append(dst, src.Get(i)...), nil })
			}, true, nil
		}
		elemCast, err := castFor(fe, te)
		if err != nil {
			return nil, true, errCannotCast(from, to)
		}
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			src := in.Bytes()
			elems, conv := vec.New(fe, 8), vec.New(te, 8)
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				elems.Reset()
				if err := vec.DecodeArray(from, src.Get(i), elems); err != nil {
					return dst, err
				}
				m := elems.Len()
				conv.Prepare(te, m)
				if err := elemCast(c, elems, conv, m, nil); err != nil {
					return dst, err
				}
				if k := te.Kind; k != vec.KindText && k != vec.KindBytea {
					conv.Nulls.CopyFrom(&elems.Nulls, m)
				}
				for j := 0; j < m; j++ {
					dst = vec.AppendElem(dst, conv, j)
				}
				return dst, nil
			})
		}, true, nil
	}
	return nil, true, errCannotCast(from, to)
}

// widenNumericArray returns the numeric array type at with its scale
// widened to hold every value of other, a numeric or numeric array, so
// that array_append, array_cat and array_position, which coerce their
// other argument to the array's type, do not round: 2.5 appended to
// ARRAY[1, 2]::numeric[] (scale 0) must stay 2.5. The widened type drops
// the declared precision, as PostgreSQL's result is plain numeric[]. An
// untyped literal, an element or an array of them, is a numeric without a
// typmod, each value at its own scale: '{1.25}' concatenated to a
// numeric(5,1)[] stays 1.25, as far as the declared precision leaves room
// for the array's integer digits in 18 (as CommonType reads literals).
// Any other at or other leaves at unchanged.
func widenNumericArray(at vec.Type, other Expr) vec.Type {
	if at.Shape != vec.ShapeArray || at.Elem != vec.KindNumeric {
		return at
	}
	if k, ok := other.(*Const); ok && k.Untyped {
		room := int32(vec.MaxNumericPrecision)
		if at.Precision > 0 {
			room -= at.Precision - at.Scale
		}
		if scale := min(max(literalScale(k), arrayLiteralScale(k)), room); scale > at.Scale {
			at.Scale, at.Precision = scale, 0
		}
		return at
	}
	ot := other.Type()
	if ot.Kind == vec.KindDecimal {
		ot = NarrowType(ot) // what the element is cast to
	}
	isNumeric := ot.Kind == vec.KindNumeric || ot.Shape == vec.ShapeArray && ot.Elem == vec.KindNumeric
	if !isNumeric || ot.Scale <= at.Scale {
		return at
	}
	at.Scale, at.Precision = ot.Scale, 0
	return at
}

// arrayType returns the array type of elem, or 0A000. Array elements are
// never KindDecimal: callers narrow such elements first (NarrowDecimal).
func arrayType(elem vec.Type) (vec.Type, error) {
	if elem.Kind == vec.KindDecimal {
		return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "arrays of numeric values past %d digits are not supported", vec.MaxNumericPrecision)
	}
	t, ok := vec.ArrayOf(elem)
	if !ok {
		return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "arrays of %s are not supported", elem)
	}
	return t, nil
}

// ArrayCtor is ARRAY[a, b, ...].
type ArrayCtor struct {
	Elems []Expr
	typ   vec.Type
}

// NewArrayCtor builds ARRAY[elems...] with the elements' common type;
// typ, when not the zero Type, is the array type a cast asks for
// (ARRAY[]::text[]).
func NewArrayCtor(elems []Expr, typ vec.Type) (Expr, error) {
	var et vec.Type
	switch {
	case typ.IsArray():
		et = typ.ElemType()
	case len(elems) == 0:
		return nil, sqlerr.New(sqlerr.IndeterminateDatatype, "cannot determine type of empty array").
			WithHint("Explicitly cast to the desired type, for example ARRAY[]::integer[].")
	default:
		var err error
		if et, err = CommonType(elems, "ARRAY"); err != nil {
			return nil, err
		}
	}
	if et.IsArray() {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "multidimensional arrays are not supported")
	}
	if et.Kind == vec.KindDecimal {
		et = NarrowType(et) // arrays hold narrow numerics only
	}
	at, err := arrayType(et)
	if err != nil {
		return nil, err
	}
	out := make([]Expr, len(elems))
	for i, e := range elems {
		if out[i], err = Coerce(e, et); err != nil {
			return nil, err
		}
	}
	ctor := &ArrayCtor{Elems: out, typ: at}
	if allConst(out) {
		return FoldConstants(ctor, nil)
	}
	return ctor, nil
}

func (e *ArrayCtor) Type() vec.Type { return e.typ }

func (e *ArrayCtor) String() string {
	parts := make([]string, len(e.Elems))
	for i, x := range e.Elems {
		parts[i] = x.String()
	}
	return "ARRAY[" + strings.Join(parts, ", ") + "]"
}

func (e *ArrayCtor) Children() []Expr { return e.Elems }

func (e *ArrayCtor) WithChildren(c []Expr) Expr { return &ArrayCtor{Elems: c, typ: e.typ} }

func (e *ArrayCtor) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	vals := make([]*vec.Vec, len(e.Elems))
	for i, x := range e.Elems {
		v, err := x.Eval(c, b)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	out := c.Alloc(e.typ, n)
	err := textRows(out, n, Sel(b), func(dst []byte, i int) ([]byte, error) {
		for _, v := range vals {
			dst = vec.AppendElem(dst, v, i)
		}
		return dst, nil
	})
	return out, err
}

// Subscript is a[i]: the element at subscript i, NULL when i is outside
// the array (or NULL).
type Subscript struct {
	Arr, Index Expr
}

// NewSubscript builds arr[index].
func NewSubscript(arr, index Expr) (Expr, error) {
	at := arr.Type()
	if !at.IsArray() {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "cannot subscript type %s because it does not support subscripting", at)
	}
	idx := index
	var err error
	switch it := index.Type(); {
	case isUntyped(index):
		idx, err = Coerce(index, vec.Int32)
	case it.Variant != 0 || it.Shape != vec.ShapeScalar:
		err = errSubscriptType()
	case it.Kind == vec.KindInt16 || it.Kind == vec.KindInt32:
	case it.Kind == vec.KindInt64:
		idx, err = NewCast(index, vec.Int32)
	default:
		err = errSubscriptType()
	}
	if err != nil {
		return nil, err
	}
	s := &Subscript{Arr: arr, Index: idx}
	if allConst([]Expr{arr, idx}) {
		return FoldConstants(s, nil)
	}
	return s, nil
}

func errSubscriptType() error {
	return sqlerr.New(sqlerr.DatatypeMismatch, "array subscript must have type integer")
}

func (e *Subscript) Type() vec.Type   { return e.Arr.Type().ElemType() }
func (e *Subscript) String() string   { return fmt.Sprintf("(%s)[%s]", e.Arr, e.Index) }
func (e *Subscript) Children() []Expr { return []Expr{e.Arr, e.Index} }
func (e *Subscript) WithChildren(c []Expr) Expr {
	return &Subscript{Arr: c[0], Index: c[1]}
}

func (e *Subscript) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	av, err := e.Arr.Eval(c, b)
	if err != nil {
		return nil, err
	}
	iv, err := e.Index.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	at, et := e.Arr.Type(), e.Type()
	out := c.Alloc(et, n)
	out.Reset()
	idx := intsOf(iv)
	lb := at.LowerBound()
	src := av.Bytes()
	live := liveRows(b)
	k := 0
	for i := 0; i < n; i++ {
		if k >= len(live) || int(live[k]) != i || av.Nulls.IsNull(i) || iv.Nulls.IsNull(i) {
			if k < len(live) && int(live[k]) == i {
				k++
			}
			out.AppendNull()
			continue
		}
		k++
		want := idx(i) - int64(lb)
		data := src.Get(i)
		var found []byte
		for j := int64(0); len(data) > 0 && j <= want; j++ {
			elem, rest, err := vec.NextElem(at.Elem, data)
			if err != nil {
				return nil, err
			}
			if j == want {
				found = elem
			}
			data = rest
		}
		if found == nil || want < 0 {
			out.AppendNull()
			continue
		}
		out.AppendDecoded(found)
	}
	return out, nil
}

// AnyAll is x op ANY (array) and x op ALL (array), with SQL's NULL rules:
// ANY is true when some element compares true, else NULL when x or some
// element is NULL, else false; ALL mirrors it.
type AnyAll struct {
	Op  CmpOp
	X   Expr
	Arr Expr
	All bool
}

// NewAnyAll builds x op ANY(arr) (all false) or x op ALL(arr). An untyped
// literal array takes the array type of x ('{a,b}' next to a text column).
func NewAnyAll(op CmpOp, x, arr Expr, all bool) (Expr, error) {
	// Arrays hold narrow numerics only: x is compared as one.
	x, err := NarrowDecimal(x)
	if err != nil {
		return nil, err
	}
	if isUntyped(arr) {
		xt := x.Type()
		if isUntyped(x) {
			xt = vec.Text
		}
		at, err := arrayType(xt)
		if err != nil {
			return nil, err
		}
		if arr, err = Coerce(arr, at); err != nil {
			return nil, err
		}
	}
	at := arr.Type()
	if !at.IsArray() {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "op ANY/ALL (array) requires array on right side")
	}
	et := at.ElemType()
	// The comparison's common type decides how both sides are read; the
	// elements are cast when they are not already of it.
	probe := NullConst(et)
	lx, rel, err := Unify(x, probe, op.String())
	if err != nil {
		return nil, err
	}
	if ct := rel.Type(); ct != et {
		nat, err := arrayType(ct)
		if err != nil {
			return nil, err
		}
		if arr, err = NewCast(arr, nat); err != nil {
			return nil, err
		}
	}
	return &AnyAll{Op: op, X: lx, Arr: arr, All: all}, nil
}

func (e *AnyAll) Type() vec.Type { return vec.Bool }

func (e *AnyAll) String() string {
	q := "ANY"
	if e.All {
		q = "ALL"
	}
	return fmt.Sprintf("(%s %s %s (%s))", e.X, e.Op, q, e.Arr)
}

func (e *AnyAll) Children() []Expr { return []Expr{e.X, e.Arr} }

func (e *AnyAll) WithChildren(c []Expr) Expr {
	return &AnyAll{Op: e.Op, X: c[0], Arr: c[1], All: e.All}
}

// Eval compares encoded elements: the encoding orders as the values do
// (vec/array.go), so x's encoding compared with each element's bytes
// gives the comparison's answer without decoding.
func (e *AnyAll) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	xv, err := e.X.Eval(c, b)
	if err != nil {
		return nil, err
	}
	av, err := e.Arr.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	res := out.Bools()
	at := e.Arr.Type()
	src := av.Bytes()
	var key []byte
	padded := at.Blank
	for _, i := range liveRows(b) {
		if av.Nulls.IsNull(int(i)) {
			out.Nulls.SetNull(int(i))
			continue
		}
		data := src.Get(int(i))
		if len(data) == 0 {
			res[i] = e.All // ANY of nothing is false, ALL of nothing true
			continue
		}
		if xv.Nulls.IsNull(int(i)) {
			out.Nulls.SetNull(int(i))
			continue
		}
		key = vec.AppendElem(key[:0], xv, int(i))
		if padded {
			key = trimElemBlanks(key)
		}
		sawNull, decided := false, false
		for len(data) > 0 {
			elem, rest, err := vec.NextElem(at.Elem, data)
			if err != nil {
				return nil, err
			}
			data = rest
			if vec.ElemIsNull(elem) {
				sawNull = true
				continue
			}
			if padded {
				elem = trimElemBlanks(elem)
			}
			if cmpResult(e.Op, compareBytes(key, elem)) != e.All {
				decided = true
				break
			}
		}
		switch {
		case decided:
			res[i] = !e.All
		case sawNull:
			out.Nulls.SetNull(int(i))
		default:
			res[i] = e.All
		}
	}
	return out, nil
}

func compareBytes(a, b []byte) int {
	return strings.Compare(bytesAsString(a), bytesAsString(b))
}

// trimElemBlanks drops trailing blanks of an encoded char(n) element, so
// that values compare as bpchar does.
func trimElemBlanks(elem []byte) []byte {
	if len(elem) < 3 || elem[0] == 0x02 {
		return elem
	}
	body := elem[1 : len(elem)-2]
	end := len(body)
	for end > 0 && body[end-1] == ' ' {
		end--
	}
	if end == len(body) {
		return elem
	}
	out := make([]byte, 0, end+3)
	out = append(out, elem[0])
	out = append(out, body[:end]...)
	return append(out, 0, 1)
}
