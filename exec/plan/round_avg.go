package plan

import (
	"go/constant"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// bindRoundedAvg binds round(avg(x), d) or trunc(avg(x), d) (name says
// which), for an integer or numeric x and a constant d below avg's scale,
// as one rounding of sum(x) / count(x) (expr.RoundedAverageFunc): avg
// itself keeps only max(6, x's scale) decimals, and rounding those again
// can differ from PostgreSQL, which rounds an average of about 20
// significant digits once. The avg call
// becomes a sum and a count with the same argument, FILTER, DISTINCT and
// ORDER BY, or for a window avg (avg(x) OVER w) the same window's sum and
// count. ok is false when e is no such call; it then binds as usual.
func (b *binder) bindRoundedAvg(name string, e *tree.FuncExpr) (x expr.Expr, ok bool, err error) {
	if len(e.Exprs) < 1 || len(e.Exprs) > 2 {
		return nil, false, nil
	}
	avg, isCall := e.Exprs[0].(*tree.FuncExpr)
	if !isCall || funcName(avg) != "avg" || len(avg.Exprs) != 1 || isStar(avg.Exprs[0]) {
		return nil, false, nil
	}
	if avg.WindowDef != nil && b.win == nil || avg.WindowDef == nil && b.agg == nil {
		return nil, false, nil
	}
	// round(x) is round(x, 0), trunc(x) trunc(x, 0).
	var digits expr.Expr = expr.NewConst(int32Vec(0))
	if len(e.Exprs) == 2 {
		if !isIntegerLiteral(e.Exprs[1]) {
			return nil, false, nil
		}
		if digits, err = b.bind(e.Exprs[1]); err != nil {
			return nil, true, err
		}
	}
	plain := func(ref expr.Expr) (expr.Expr, bool, error) {
		args := []expr.Expr{ref}
		if len(e.Exprs) == 2 {
			args = append(args, digits)
		}
		x, err := expr.NewFunc(name, args)
		return x, true, err
	}
	if avg.WindowDef != nil {
		ref, err := b.bindWindow(avg, "avg")
		if err != nil {
			return nil, true, err
		}
		return b.roundWindowAverage(name, ref, digits, plain)
	}
	ref, err := b.bindAgg(avg, "avg", colexec.AggAvg)
	if err != nil {
		return nil, true, err
	}
	call := &b.agg.calls[ref.(*aggRef).idx]
	argType := call.arg.Type()
	if !roundsAvgOnce(argType, call.typ, digits) {
		return plain(ref)
	}
	sumType, err := colexec.AggResultType(colexec.AggSum, argType, "sum")
	if err != nil {
		return nil, true, err
	}
	count := *call
	count.fn, count.name, count.typ = colexec.AggCount, "count", vec.Int64
	call.fn, call.name, call.typ = colexec.AggSum, "sum", sumType
	b.agg.calls = append(b.agg.calls, count)
	sum := &aggRef{idx: ref.(*aggRef).idx, typ: sumType}
	cnt := &aggRef{idx: len(b.agg.calls) - 1, typ: vec.Int64}
	x, err = expr.NewFunc(roundedAverageFunc(name), []expr.Expr{sum, cnt, digits})
	return x, true, err
}

// roundsAvgOnce reports whether rounding avg(x), of type avgType over an x
// of type argType, to digits decimals must be done as one rounding of
// sum(x) / count(x): x is an integer or numeric and digits a constant
// below avg's scale.
func roundsAvgOnce(argType, avgType vec.Type, digits expr.Expr) bool {
	d, isConst := digits.(*expr.Const)
	integer := argType.Kind == vec.KindInt16 || argType.Kind == vec.KindInt32 || argType.Kind == vec.KindInt64
	if !isConst || d.IsNull() || d.Val.Type.Kind != vec.KindInt32 || argType.Shape != vec.ShapeScalar ||
		!integer && argType.Kind != vec.KindNumeric {
		return false
	}
	// Rounding to avg's own scale or beyond is exact; far to the left of
	// the point there is nothing to get right.
	n := int64(d.Val.Int32s()[0])
	return n < int64(avgType.Scale) && n >= int64(argType.Scale)-vec.MaxNumericPrecision
}

// roundedAverageFunc is the expression function that rounds (round) or
// truncates (trunc) a sum divided by a count.
func roundedAverageFunc(name string) string {
	if name == "trunc" {
		return expr.TruncatedAverageFunc
	}
	return expr.RoundedAverageFunc
}

// roundWindowAverage is bindRoundedAvg's answer for the window avg ref
// stands for: the call becomes the window's sum, and a count over the
// same window joins it (the same window node computes both).
func (b *binder) roundWindowAverage(name string, ref, digits expr.Expr, plain func(expr.Expr) (expr.Expr, bool, error)) (expr.Expr, bool, error) {
	wr, isRef := ref.(*winRef)
	if !isRef {
		return plain(ref)
	}
	call := &b.win.calls[wr.idx]
	argType := call.args[0].Type()
	if !roundsAvgOnce(argType, call.typ, digits) {
		return plain(ref)
	}
	sumType, err := colexec.WindowResultType("sum", []vec.Type{argType})
	if err != nil {
		return nil, true, err
	}
	count := *call
	count.name, count.typ = "count", vec.Int64
	// The planner rewrites each call's expressions in place after
	// aggregation: the two calls must not share them.
	count.args = append([]expr.Expr(nil), call.args...)
	count.partition = append([]expr.Expr(nil), call.partition...)
	count.order = append([]expr.Expr(nil), call.order...)
	call.name, call.typ = "sum", sumType
	b.win.calls = append(b.win.calls, count)
	sum := &winRef{idx: wr.idx, typ: sumType}
	cnt := &winRef{idx: len(b.win.calls) - 1, typ: vec.Int64}
	x, err := expr.NewFunc(roundedAverageFunc(name), []expr.Expr{sum, cnt, digits})
	return x, true, err
}

func int32Vec(v int32) *vec.Vec {
	x := vec.New(vec.Int32, 1)
	x.AppendInt32(v)
	return x
}

// isIntegerLiteral reports an integer written as a literal, negative or
// not: binding it has no effect beyond its value.
func isIntegerLiteral(e tree.Expr) bool {
	if u, ok := e.(*tree.UnaryExpr); ok && u.Operator.Symbol == tree.UnaryMinus {
		e = u.Expr
	}
	n, ok := e.(*tree.NumVal)
	return ok && n.Kind() == constant.Int
}
