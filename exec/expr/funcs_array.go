package expr

import (
	"bytes"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The array functions: array_to_string, array_upper, array_lower,
// array_length, array_ndims, array_dims, cardinality, array_position,
// array_append, array_prepend, array_cat, string_to_array; and the
// building blocks the planner uses for array_agg and the reg* output
// names. Their arguments are polymorphic (anyarray, anyelement), so they
// resolve here rather than through fixed overloads.

func init() {
	arrayFuncs := map[string]func(args []Expr) (Expr, error){
		"array_to_string": newArrayToString,
		"array_upper":     func(a []Expr) (Expr, error) { return newArrayDim("array_upper", a) },
		"array_lower":     func(a []Expr) (Expr, error) { return newArrayDim("array_lower", a) },
		"array_length":    func(a []Expr) (Expr, error) { return newArrayDim("array_length", a) },
		"array_ndims":     newArrayNdims,
		"array_dims":      newArrayDims,
		"cardinality":     newCardinality,
		"array_position":  newArrayPosition,
		"array_append":    func(a []Expr) (Expr, error) { return newArrayConcat("array_append", a) },
		"array_prepend":   func(a []Expr) (Expr, error) { return newArrayConcat("array_prepend", a) },
		"array_cat":       func(a []Expr) (Expr, error) { return newArrayConcat("array_cat", a) },
		"string_to_array": newStringToArray,
	}
	for name, f := range arrayFuncs {
		specialFuncs[name] = f
	}
	for _, op := range []string{"@>", "<@", "&&"} {
		specialFuncs[OperatorFunctionName(op)] = func(args []Expr) (Expr, error) { return newArrayContainment(op, args) }
	}
}

// newArrayContainment stands for PostgreSQL's @>, <@ and && on arrays
// (containment and overlap), which Apiary does not have yet. PostgreSQL
// also defines them on types Apiary lacks (ranges, geometry, text
// search), so on Apiary's other types no such operator exists.
func newArrayContainment(op string, args []Expr) (Expr, error) {
	if len(args) == 2 {
		l, r := args[0].Type().IsArray(), args[1].Type().IsArray()
		if l && (r || isUntyped(args[1])) || r && isUntyped(args[0]) {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s on arrays is not supported", op)
		}
	}
	return nil, errNoFunction(OperatorFunctionName(op), args)
}

// rowFunc is a function evaluated row by row: fn appends one value to out
// for each live row (strict functions are not called for NULL arguments
// and get a NULL). The array functions run over catalog-sized data, where
// a call per row costs nothing that matters.
type rowFunc struct {
	name      string
	args      []Expr
	typ       vec.Type
	nonStrict bool
	fn        func(c *Ctx, args []*vec.Vec, row int, out *vec.Vec) error
}

func newRowFunc(f *rowFunc) (Expr, error) {
	if !f.nonStrict {
		for _, a := range f.args {
			if k, ok := a.(*Const); ok && k.IsNull() {
				return NullConst(f.typ), nil
			}
		}
	}
	if allConst(f.args) {
		return FoldConstants(f, nil)
	}
	return f, nil
}

func (f *rowFunc) Type() vec.Type { return f.typ }

func (f *rowFunc) String() string {
	parts := make([]string, len(f.args))
	for i, a := range f.args {
		parts[i] = a.String()
	}
	return f.name + "(" + strings.Join(parts, ", ") + ")"
}

func (f *rowFunc) Children() []Expr { return f.args }

func (f *rowFunc) WithChildren(c []Expr) Expr {
	g := *f
	g.args = c
	return &g
}

func (f *rowFunc) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	vals := make([]*vec.Vec, len(f.args))
	for i, a := range f.args {
		v, err := a.Eval(c, b)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	n := b.PhysLen()
	out := c.Alloc(f.typ, n)
	out.Reset()
	live := liveRows(b)
	k := 0
	for i := 0; i < n; i++ {
		if k >= len(live) || int(live[k]) != i {
			out.AppendNull()
			continue
		}
		k++
		if !f.nonStrict && anyNull(vals, i) {
			out.AppendNull()
			continue
		}
		if err := f.fn(c, vals, i, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func anyNull(vals []*vec.Vec, i int) bool {
	for _, v := range vals {
		if v.Nulls.IsNull(i) {
			return true
		}
	}
	return false
}

func errArgCount(name string, args []Expr) error { return errNoFunction(name, args) }

// arrayArg checks that args[i] is an array; an untyped literal cannot
// say which array type it is, as in PostgreSQL.
func arrayArg(name string, args []Expr, i int) (vec.Type, error) {
	if isUntyped(args[i]) {
		return vec.Type{}, sqlerr.New(sqlerr.Code("42P18"), "could not determine polymorphic type because input has type unknown")
	}
	t := args[i].Type()
	if !t.IsArray() {
		return vec.Type{}, errNoFunction(name, args)
	}
	return t, nil
}

func coerceArgs(args []Expr, types ...vec.Type) ([]Expr, error) {
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if types[i].Kind == vec.KindUnknown {
			out[i] = a
			continue
		}
		if out[i], err = Coerce(a, types[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// newArrayToString is array_to_string(anyarray, delimiter [, null_string]):
// the elements' text forms joined by the delimiter, NULL elements left out
// unless null_string stands in for them.
func newArrayToString(args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, errArgCount("array_to_string", args)
	}
	at, err := arrayArg("array_to_string", args, 0)
	if err != nil {
		return nil, err
	}
	types := []vec.Type{{}, vec.Text, vec.Text}
	if args, err = coerceArgs(args, types[:len(args)]...); err != nil {
		return nil, err
	}
	f := &rowFunc{name: "array_to_string", args: args, typ: vec.Text, nonStrict: true}
	f.fn = func(c *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		if v[0].Nulls.IsNull(i) || v[1].Nulls.IsNull(i) {
			out.AppendNull()
			return nil
		}
		sep := v[1].Bytes().Get(i)
		var nullStr []byte
		hasNull := len(v) == 3 && !v[2].Nulls.IsNull(i)
		if hasNull {
			nullStr = v[2].Bytes().Get(i)
		}
		elems := vec.New(at.ElemType(), 4)
		if err := vec.DecodeArray(at, v[0].Bytes().Get(i), elems); err != nil {
			return err
		}
		var s []byte
		first := true
		for j := 0; j < elems.Len(); j++ {
			if elems.Nulls.IsNull(j) && !hasNull {
				continue
			}
			if !first {
				s = append(s, sep...)
			}
			first = false
			if elems.Nulls.IsNull(j) {
				s = append(s, nullStr...)
			} else {
				s = vec.AppendTextFormat(s, elems, j, c.Env.TextFormat())
			}
		}
		out.AppendBytes(s)
		return nil
	}
	return newRowFunc(f)
}

// arrayCount returns the number of elements of row i of an array column.
func arrayCount(t vec.Type, v *vec.Vec, i int) (int, error) {
	return vec.ArrayLen(t, v.Bytes().Get(i))
}

// newArrayDim is array_upper, array_lower and array_length (anyarray,
// dimension): NULL for an empty array and for a dimension other than 1.
func newArrayDim(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, errArgCount(name, args)
	}
	at, err := arrayArg(name, args, 0)
	if err != nil {
		return nil, err
	}
	if args, err = coerceArgs(args, vec.Type{}, vec.Int32); err != nil {
		return nil, err
	}
	if args[1].Type().Kind != vec.KindInt32 && args[1].Type().Kind != vec.KindInt16 {
		return nil, errNoFunction(name, args)
	}
	f := &rowFunc{name: name, args: args, typ: vec.Int32}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		n, err := arrayCount(at, v[0], i)
		if err != nil {
			return err
		}
		if n == 0 || intsOf(v[1])(i) != 1 {
			out.AppendNull()
			return nil
		}
		lb := at.LowerBound()
		switch name {
		case "array_upper":
			out.AppendInt32(int32(lb + n - 1))
		case "array_lower":
			out.AppendInt32(int32(lb))
		default:
			out.AppendInt32(int32(n))
		}
		return nil
	}
	return newRowFunc(f)
}

func newArrayNdims(args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, errArgCount("array_ndims", args)
	}
	at, err := arrayArg("array_ndims", args, 0)
	if err != nil {
		return nil, err
	}
	f := &rowFunc{name: "array_ndims", args: args, typ: vec.Int32}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		n, err := arrayCount(at, v[0], i)
		if n == 0 || err != nil {
			out.AppendNull()
			return err
		}
		out.AppendInt32(1)
		return nil
	}
	return newRowFunc(f)
}

func newArrayDims(args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, errArgCount("array_dims", args)
	}
	at, err := arrayArg("array_dims", args, 0)
	if err != nil {
		return nil, err
	}
	f := &rowFunc{name: "array_dims", args: args, typ: vec.Text}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		n, err := arrayCount(at, v[0], i)
		if n == 0 || err != nil {
			out.AppendNull()
			return err
		}
		lb := at.LowerBound()
		out.AppendBytes([]byte("[" + itoa(lb) + ":" + itoa(lb+n-1) + "]"))
		return nil
	}
	return newRowFunc(f)
}

func itoa(n int) string { return string(vec.AppendText(nil, int32Vec(int32(n)), 0, nil)) }

func int32Vec(n int32) *vec.Vec {
	v := vec.New(vec.Int32, 1)
	v.AppendInt32(n)
	return v
}

func newCardinality(args []Expr) (Expr, error) {
	if len(args) != 1 {
		return nil, errArgCount("cardinality", args)
	}
	at, err := arrayArg("cardinality", args, 0)
	if err != nil {
		return nil, err
	}
	f := &rowFunc{name: "cardinality", args: args, typ: vec.Int32}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		n, err := arrayCount(at, v[0], i)
		out.AppendInt32(int32(n))
		return err
	}
	return newRowFunc(f)
}

// newArrayPosition is array_position(anyarray, anyelement [, start]): the
// subscript of the first element IS NOT DISTINCT FROM the value.
func newArrayPosition(args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, errArgCount("array_position", args)
	}
	at, err := arrayArg("array_position", args, 0)
	if err != nil {
		return nil, err
	}
	at = widenNumericArray(at, args[1])
	types := []vec.Type{at, at.ElemType(), vec.Int32}
	if args, err = coerceArgs(args, types[:len(args)]...); err != nil {
		return nil, err
	}
	f := &rowFunc{name: "array_position", args: args, typ: vec.Int32, nonStrict: true}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		if v[0].Nulls.IsNull(i) || len(v) == 3 && v[2].Nulls.IsNull(i) {
			out.AppendNull()
			return nil
		}
		key := vec.AppendElem(nil, v[1], i)
		lb := at.LowerBound()
		start := lb
		if len(v) == 3 {
			start = int(intsOf(v[2])(i))
		}
		data := v[0].Bytes().Get(i)
		for j := lb; len(data) > 0; j++ {
			elem, rest, err := vec.NextElem(at.Elem, data)
			if err != nil {
				return err
			}
			data = rest
			if j >= start && bytes.Equal(elem, key) {
				out.AppendInt32(int32(j))
				return nil
			}
		}
		out.AppendNull()
		return nil
	}
	return newRowFunc(f)
}

// newArrayConcat is array_append(anyarray, anyelement),
// array_prepend(anyelement, anyarray) and array_cat(anyarray, anyarray).
func newArrayConcat(name string, args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, errArgCount(name, args)
	}
	arrPos := 0
	if name == "array_prepend" || name == "array_cat" && isUntyped(args[0]) {
		arrPos = 1
	}
	at, err := arrayArg(name, args, arrPos)
	if err != nil {
		return nil, err
	}
	if at.Shape == vec.ShapeVector {
		at, _ = vec.ArrayOf(at.ElemType())
		if args[arrPos], err = NewCast(args[arrPos], at); err != nil {
			return nil, err
		}
	}
	at = widenNumericArray(at, args[1-arrPos])
	other := at.ElemType()
	if name == "array_cat" {
		other = at
	}
	types := []vec.Type{at, other}
	if arrPos == 1 {
		types = []vec.Type{other, at}
	}
	if args, err = coerceArgs(args, types...); err != nil {
		return nil, err
	}
	f := &rowFunc{name: name, args: args, typ: at, nonStrict: true}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		var b []byte
		for k, x := range v {
			switch {
			case k != arrPos && name != "array_cat":
				b = vec.AppendElem(b, x, i)
			case x.Nulls.IsNull(i):
			default:
				b = append(b, x.Bytes().Get(i)...)
			}
		}
		if name == "array_cat" && v[0].Nulls.IsNull(i) && v[1].Nulls.IsNull(i) {
			out.AppendNull()
			return nil
		}
		out.AppendBytes(b)
		return nil
	}
	return newRowFunc(f)
}

// newStringToArray is string_to_array(text, delimiter [, null_string]):
// a NULL delimiter splits into characters, an empty one keeps the string
// whole, and an empty string is an empty array.
func newStringToArray(args []Expr) (Expr, error) {
	if len(args) != 2 && len(args) != 3 {
		return nil, errArgCount("string_to_array", args)
	}
	var err error
	types := []vec.Type{vec.Text, vec.Text, vec.Text}
	if args, err = coerceArgs(args, types[:len(args)]...); err != nil {
		return nil, err
	}
	at, _ := vec.ArrayOf(vec.Text)
	f := &rowFunc{name: "string_to_array", args: args, typ: at, nonStrict: true}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		if v[0].Nulls.IsNull(i) {
			out.AppendNull()
			return nil
		}
		s := string(v[0].Bytes().Get(i))
		var parts []string
		switch {
		case s == "":
		case v[1].Nulls.IsNull(i):
			for _, r := range s {
				parts = append(parts, string(r))
			}
		case len(v[1].Bytes().Get(i)) == 0:
			parts = []string{s}
		default:
			parts = strings.Split(s, string(v[1].Bytes().Get(i)))
		}
		hasNull := len(v) == 3 && !v[2].Nulls.IsNull(i)
		elem := vec.New(vec.Text, 1)
		b := []byte{}
		for _, p := range parts {
			elem.Reset()
			if hasNull && p == string(v[2].Bytes().Get(i)) {
				elem.AppendNull()
			} else {
				elem.AppendBytes([]byte(p))
			}
			b = vec.AppendElem(b, elem, 0)
		}
		out.AppendBytes(b)
		return nil
	}
	return newRowFunc(f)
}

// NewArrayElem returns the element encoding of x as bytea, NULL included
// (never NULL itself): array_agg(x) is planned as string_agg over it with
// an empty separator, whose concatenation is the array (NewArrayFromElems).
func NewArrayElem(x Expr) (Expr, error) {
	if isUntyped(x) {
		var err error
		if x, err = Coerce(x, vec.Text); err != nil {
			return nil, err
		}
	}
	// Arrays hold narrow numerics only (NewArrayFromElems reads a
	// KindDecimal's array type as NarrowType's).
	x, err := NarrowDecimal(x)
	if err != nil {
		return nil, err
	}
	if _, err := arrayType(x.Type()); err != nil {
		return nil, err
	}
	f := &rowFunc{name: "array_elem", args: []Expr{x}, typ: vec.Bytea, nonStrict: true}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		out.AppendBytes(vec.AppendElem(nil, v[0], i))
		return nil
	}
	return f, nil
}

// NewArrayFromElems reads concatenated element encodings (bytea) as an
// array of type at.
func NewArrayFromElems(x Expr, at vec.Type) Expr {
	if at.Shape == vec.ShapeArray && at.Elem == vec.KindDecimal {
		// NewArrayElem encoded the elements as NarrowType.
		at, _ = vec.ArrayOf(NarrowType(at.ElemType()))
	}
	f := &rowFunc{name: "array_from_elems", args: []Expr{x}, typ: at}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		out.AppendBytes(v[0].Bytes().Get(i))
		return nil
	}
	return f
}

// NewRecordField is (rec).x or (rec).n of a _pg_expandarray record.
func NewRecordField(rec Expr, field string) (Expr, error) {
	rt := rec.Type()
	if rt.Shape != vec.ShapeRecord {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", field, rt)
	}
	var typ vec.Type
	switch field {
	case "x":
		typ = rt.ElemType()
	case "n":
		typ = vec.Int32
	default:
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" not found in data type record", field)
	}
	f := &rowFunc{name: "field_" + field, args: []Expr{rec}, typ: typ}
	f.fn = func(_ *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
		x, n, err := vec.RecordElem(rt, v[0].Bytes().Get(i))
		if err != nil {
			return err
		}
		if field == "n" {
			out.AppendInt32(n)
		} else {
			out.AppendDecoded(x)
		}
		return nil
	}
	return newRowFunc(f)
}

// NewRegName renders a reg* value (or an array of them) as the names its
// output function prints. The result keeps the reg* type's OID for
// clients and is stored as text: the planner adds it above a query's
// result, the one place the names are needed, so comparisons, joins and
// sorts below work on the numbers.
func NewRegName(x Expr) Expr {
	t := x.Type()
	if t.IsReg() {
		rt := vec.Type{Kind: vec.KindText, Variant: t.Variant}
		f := &rowFunc{name: "regout", args: []Expr{x}, typ: rt}
		f.fn = func(c *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
			out.AppendBytes([]byte(regOut(c.Env, t.Variant, v[0].Int64s()[i])))
			return nil
		}
		return f
	}
	if t.Shape == vec.ShapeArray && vec.IsRegOID(t.Variant) && t.Elem == vec.KindInt64 {
		rt := t
		rt.Elem = vec.KindText
		f := &rowFunc{name: "regout", args: []Expr{x}, typ: rt}
		f.fn = func(c *Ctx, v []*vec.Vec, i int, out *vec.Vec) error {
			// Bees share the expression: scratch vectors are per call.
			name := vec.New(vec.Type{Kind: vec.KindText, Variant: t.Variant}, 1)
			oids := vec.New(t.ElemType(), 1)
			data := v[0].Bytes().Get(i)
			var b []byte
			for len(data) > 0 {
				elem, rest, err := vec.NextElem(t.Elem, data)
				if err != nil {
					return err
				}
				data = rest
				name.Reset()
				if vec.ElemIsNull(elem) {
					name.AppendNull()
				} else {
					oids.Reset()
					oids.AppendDecoded(elem)
					name.AppendBytes([]byte(regOut(c.Env, t.Variant, oids.Int64s()[0])))
				}
				b = vec.AppendElem(b, name, 0)
			}
			out.AppendBytes(b)
			return nil
		}
		return f
	}
	return x
}

// NeedsRegName reports whether values of t print as names through
// NewRegName.
func NeedsRegName(t vec.Type) bool {
	return t.IsReg() || t.Shape == vec.ShapeArray && vec.IsRegOID(t.Variant) && t.Elem == vec.KindInt64
}

// AddInterval adds an interval to a timestamp (tz false: wall-clock time)
// or a timestamptz in loc, as timestamp + interval does; generate_series
// over timestamps steps with it.
func AddInterval(t int64, iv vec.Interval, tz bool, loc *time.Location) (int64, error) {
	if tz {
		return addIntervalTZ(t, iv, loc)
	}
	return addInterval(t, iv)
}

// IntervalSign is the sign of an interval's length (months as 30 days,
// days as 24 hours), which decides the direction of generate_series.
func IntervalSign(iv vec.Interval) int {
	return CompareIntervals(iv, vec.Interval{})
}

// NewArrayConcat is the || operator with an array operand: array_cat of
// two arrays (an untyped literal beside an array is read as one, as
// PostgreSQL prefers), array_append or array_prepend of an element.
func NewArrayConcat(l, r Expr) (Expr, error) {
	lt, rt := l.Type(), r.Type()
	switch {
	case lt.IsArray() && (rt.IsArray() || isUntyped(r)):
		return NewFunc("array_cat", []Expr{l, r})
	case rt.IsArray() && isUntyped(l):
		return NewFunc("array_cat", []Expr{l, r})
	case lt.IsArray():
		return NewFunc("array_append", []Expr{l, r})
	}
	return NewFunc("array_prepend", []Expr{l, r})
}
