package plan

import "github.com/apiarydb/apiary/exec/expr"

// These forward to exec/expr constructors that are landing in the same
// series of changes; until then the operators answer 0A000.

func newConcat(l, r expr.Expr) (expr.Expr, error) {
	return nil, unsupported("the || operator is not supported yet")
}

func newLike(x, pattern expr.Expr, ci, negate bool) (expr.Expr, error) {
	return nil, unsupported("LIKE is not supported yet")
}

func newRegexMatch(x, pattern expr.Expr, ci, negate bool) (expr.Expr, error) {
	return nil, unsupported("regular expression matching is not supported yet")
}

func newExtract(field string, x expr.Expr) (expr.Expr, error) {
	return nil, unsupported("EXTRACT is not supported yet")
}

func newFunc(name string, args []expr.Expr) (expr.Expr, error) {
	return nil, unsupported("function %s is not supported yet", name)
}
