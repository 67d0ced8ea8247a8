package plan

import (
	"github.com/apiarydb/apiary/exec/expr"
)

// regOutput renders the reg* columns of a statement's result as the names
// their output functions print (1259::regclass is pg_class). Below this
// last projection the values stay OIDs, so comparisons, joins, grouping
// and ordering work on numbers as in PostgreSQL, and the catalog is asked
// only for the rows that reach the client. The rendered columns keep the
// reg* type's OID in their type, so clients see regclass.
func regOutput(n node, cols []column) (node, []column) {
	need := false
	for _, c := range cols {
		need = need || expr.NeedsRegName(c.typ)
	}
	if !need {
		return n, cols
	}
	out := make([]column, len(cols))
	exprs := make([]expr.Expr, len(cols))
	for i, c := range cols {
		var x expr.Expr = &expr.ColRef{Idx: i, Typ: c.typ, Name: c.name}
		if expr.NeedsRegName(c.typ) {
			x = expr.NewRegName(x)
		}
		exprs[i] = x
		out[i] = c
		out[i].typ = x.Type()
	}
	return &projectNode{in: n, exprs: exprs}, out
}
