package plan

import (
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treecmp"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Binding of the SQL that drivers' catalog queries use beyond plain
// expressions: arrays (ARRAY[...], ARRAY(subquery), subscripts, ANY/ALL
// over an array, array_agg), record fields ((f(x)).n), COLLATE and the
// reg* casts.

// maxArraySubquery bounds the rows ARRAY(subquery) collects into one
// value.
const maxArraySubquery = 1_000_000

func (b *binder) bindPG(e tree.Expr) (expr.Expr, error) {
	switch e := e.(type) {
	case *tree.Array:
		return b.bindArray(e, vec.Type{})
	case *tree.ArrayFlatten:
		return b.bindArrayFlatten(e)
	case *tree.IndirectionExpr:
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		for _, s := range e.Indirection {
			if s.Slice {
				return nil, unsupported("array slices are not supported")
			}
			i, err := b.bind(s.Begin)
			if err != nil {
				return nil, err
			}
			if x, err = expr.NewSubscript(x, i); err != nil {
				return nil, err
			}
		}
		return x, nil
	case *tree.ColumnAccessExpr:
		if e.ByIndex {
			return nil, unsupported("column access by index is not supported")
		}
		inner := e.Expr
		for {
			p, ok := inner.(*tree.ParenExpr)
			if !ok {
				break
			}
			inner = p.Expr
		}
		field := string(e.ColName)
		if f, ok := inner.(*tree.FuncExpr); ok && isSRF(funcName(f)) {
			return b.bindSRF(f, funcName(f), field)
		}
		x, err := b.bind(inner)
		if err != nil {
			return nil, err
		}
		return expr.NewRecordField(x, field)
	case *tree.CollateExpr:
		// Apiary compares text byte-wise, which is the C collation; the
		// collations clients name ("default", "C", pg_catalog.default)
		// change nothing.
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		if x, err = untypedAsText(x); err != nil {
			return nil, err
		}
		if x.Type().Kind != vec.KindText {
			return nil, sqlerr.New(sqlerr.DatatypeMismatch, "collations are not supported by type %s", x.Type())
		}
		return x, nil
	}
	return nil, unsupported("expression %s is not supported", tree.AsString(e))
}

// bindArray binds ARRAY[...]; t is the array type a cast gives it, or the
// zero Type.
func (b *binder) bindArray(arr *tree.Array, t vec.Type) (expr.Expr, error) {
	elems, err := b.bindList(arr.Exprs)
	if err != nil {
		return nil, err
	}
	if t == plainNumericArray {
		t = plainNumericArrayOf(elems)
	}
	return expr.NewArrayCtor(elems, t)
}

// plainNumericArray is numeric[] without a declared scale, whose casts
// choose the element scale from what they convert (castToPlainNumeric's
// rule for arrays).
var plainNumericArray, _ = vec.ArrayOf(vec.UnconstrainedNumeric)

// plainNumericArrayOf is the type ARRAY[...]::numeric[] gives elems. The
// array has one scale, so it takes the largest of the scales
// castToPlainNumeric would give each element, and every element keeps its
// digits: ARRAY[1, 2] is {1,2}, ARRAY[1.5, 2.25] is {1.50,2.25}. An
// element the scalar cast gives the default scale (a float, a text column,
// a parameter) counts as that; a NULL counts as nothing.
func plainNumericArrayOf(elems []expr.Expr) vec.Type {
	var scale int32
	for _, e := range elems {
		if k, ok := e.(*expr.Const); ok && k.IsNull() && k.Param == nil {
			continue
		}
		s, ok := plainNumericScale(e)
		if !ok {
			s = vec.DefaultNumericScale
		}
		scale = max(scale, s)
	}
	at, _ := vec.ArrayOf(vec.Type{Kind: vec.KindNumeric, Scale: scale})
	return at
}

// castToPlainNumericArray is castToPlainNumeric for numeric[]: an integer
// array gets scale 0, a numeric array keeps its scale, and an untyped
// literal takes the largest scale among its elements, since the array's
// one scale must hold each of them exactly ('{1.5,2.25}' is {1.50,2.25},
// where PostgreSQL keeps each element's own scale). ok is false for other
// operands, and for a literal that does not read at that scale, which the
// ordinary cast then reads at the default scale or rejects.
func castToPlainNumericArray(x expr.Expr) (expr.Expr, bool) {
	var scale int32
	xt := x.Type()
	if k, ok := x.(*expr.Const); ok && k.Untyped {
		if k.IsNull() {
			return nil, false
		}
		textArray, _ := vec.ArrayOf(vec.Text)
		_, err := vec.ParseArrayWith(textArray, string(k.Val.Bytes().Get(0)), func(v *vec.Vec, text string) error {
			scale = max(scale, expr.LiteralScale(text))
			v.AppendBytes([]byte(text))
			return nil
		})
		if err != nil {
			return nil, false
		}
	} else {
		if !xt.IsArray() || xt.Variant != 0 {
			return nil, false
		}
		switch xt.Elem {
		case vec.KindNumeric:
			scale = xt.Scale
		case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		default:
			return nil, false
		}
	}
	at, _ := vec.ArrayOf(vec.Type{Kind: vec.KindNumeric, Scale: scale})
	y, err := expr.Coerce(x, at)
	return y, err == nil
}

// bindArrayFlatten binds ARRAY(subquery): the subquery's values in order,
// as one array. An uncorrelated subquery runs now; a correlated one runs
// for each row of the enclosing query (apply.go).
func (b *binder) bindArrayFlatten(e *tree.ArrayFlatten) (expr.Expr, error) {
	sq, ok := e.Subquery.(*tree.Subquery)
	if !ok {
		return nil, unsupported("ARRAY(%s) is not supported", tree.AsString(e.Subquery))
	}
	n, cols, corr, err := b.p.planSubquery(sq, b.scope)
	if err != nil || len(corr) > 0 {
		if x, aerr := b.apply(sq, applyArray); aerr == nil {
			return x, nil
		} else if err == nil {
			err = aerr
		}
		return nil, err
	}
	if len(cols) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
	}
	at, err := arrayOfColumn(cols[0].typ)
	if err != nil {
		return nil, err
	}
	vals, err := b.runValues(n, cols[0].typ, maxArraySubquery, func() error {
		return unsupported("ARRAY(subquery) is limited to %d values", maxArraySubquery)
	})
	if err != nil {
		return nil, err
	}
	return arrayConst(at, vals), nil
}

func arrayOfColumn(t vec.Type) (vec.Type, error) {
	if t.Kind == vec.KindUnknown {
		t = vec.Text
	}
	at, ok := vec.ArrayOf(t)
	if !ok {
		return vec.Type{}, unsupported("arrays of %s are not supported", t)
	}
	return at, nil
}

// arrayConst builds the array constant holding vals.
func arrayConst(at vec.Type, vals []*expr.Const) *expr.Const {
	data := []byte{}
	for _, v := range vals {
		data = vec.AppendElem(data, v.Val, 0)
	}
	out := vec.New(at, 1)
	out.AppendBytes(data)
	return expr.NewConst(out)
}

// castReg builds a cast to or from a reg* type and, when its operand is a
// constant, resolves it now with the session's catalog, so that a bad name
// fails while planning as in PostgreSQL.
func (b *binder) castReg(x expr.Expr, t vec.Type) (expr.Expr, error) {
	c, err := expr.NewCast(x, t)
	if err != nil {
		return nil, err
	}
	return expr.FoldConstants(c, b.p.opts.Env)
}

// bindAnyArray binds x op ANY (array) and x op ALL (array).
func (b *binder) bindAnyArray(e *tree.ComparisonExpr) (expr.Expr, error) {
	op, ok := cmpOps[e.SubOperator.Symbol]
	if !ok {
		return nil, unsupported("%s with ANY or ALL is not supported", e.SubOperator)
	}
	x, arr, err := b.bind2(e.Left, e.Right)
	if err != nil {
		return nil, err
	}
	return expr.NewAnyAll(op, x, arr, e.Operator.Symbol == treecmp.All)
}

// bindArrayAgg binds array_agg(x [ORDER BY ...]) as string_agg over the
// element encodings of x with no separator: their concatenation is the
// array (vec/array.go), and string_agg brings ORDER BY, DISTINCT, FILTER
// and parallel aggregation along.
func (b *binder) bindArrayAgg(e *tree.FuncExpr) (expr.Expr, error) {
	if b.agg == nil {
		return nil, b.errAggNotAllowed()
	}
	inner := b.agg.inner
	if len(e.Exprs) != 1 {
		args := make([]expr.Expr, len(e.Exprs))
		for i, a := range e.Exprs {
			x, err := inner.bind(a)
			if err != nil {
				return nil, err
			}
			args[i] = x
		}
		return nil, expr.ErrNoFunction("array_agg", args)
	}
	arg, err := inner.bind(e.Exprs[0])
	if err != nil {
		return nil, err
	}
	if arg, err = untypedAsText(arg); err != nil {
		return nil, err
	}
	at, err := arrayOfColumn(arg.Type())
	if err != nil {
		return nil, err
	}
	elem, err := expr.NewArrayElem(arg)
	if err != nil {
		return nil, err
	}
	call := aggCall{fn: colexec.AggStringAgg, name: "array_agg", arg: elem, typ: vec.Bytea, distinct: e.Type == tree.DistinctFuncType, value: arg}
	idx, err := b.addAggCall(e, call)
	if err != nil {
		return nil, err
	}
	return expr.NewArrayFromElems(&aggRef{idx: idx, typ: vec.Bytea}, at), nil
}
