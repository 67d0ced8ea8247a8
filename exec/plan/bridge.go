package plan

import "github.com/apiarydb/apiary/exec/expr"

// Thin indirections to exec/expr's constructors, kept so the binder reads
// uniformly.

func newConcat(l, r expr.Expr) (expr.Expr, error) { return expr.NewConcat(l, r) }

func newLike(x, pattern expr.Expr, ci, negate bool) (expr.Expr, error) {
	return expr.NewLike(x, pattern, ci, negate)
}

func newRegexMatch(x, pattern expr.Expr, ci, negate bool) (expr.Expr, error) {
	return expr.NewRegexMatch(x, pattern, ci, negate)
}

func newExtract(field string, x expr.Expr) (expr.Expr, error) { return expr.NewExtract(field, x) }

func newFunc(name string, args []expr.Expr) (expr.Expr, error) { return expr.NewFunc(name, args) }
