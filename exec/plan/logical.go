package plan

import (
	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// node is a logical plan node. Expressions inside a node refer to its
// input's output columns by position (expr.ColRef.Idx); for joins, to the
// left columns followed by the right ones.
type node interface {
	types() []vec.Type
}

type scanNode struct {
	table   *Table
	filters []expr.Expr // over the table's columns
	ranges  []cell.Range
	// est is estRows's figure for the first estFor filters: reading the
	// cells' statistics once per plan is enough.
	est       float64
	estFor    int
	estimated bool
}

type filterNode struct {
	in   node
	pred expr.Expr
}

type projectNode struct {
	in    node
	exprs []expr.Expr
}

type joinNode struct {
	kind         colexec.JoinKind
	left, right  node
	lkeys, rkeys []expr.Expr // over left / right outputs, pairwise one type
	residual     expr.Expr   // over left ++ right; nil when none
	// nullsEqual makes NULL keys match each other (joining the parts of
	// an aggregation on group keys).
	nullsEqual bool
	// reversed builds the left side of a semi or anti join and streams
	// the (much bigger) right side past it (colexec.ReverseSemiJoin).
	reversed bool
	// streamsUnit says that the left input is the relation joined last,
	// streamed past the rows joined before it (joinUnits' swap): for the
	// estimate, the left side plays the joined relation's part.
	streamsUnit bool
}

type aggCall struct {
	fn       colexec.AggFunc
	name     string
	arg      expr.Expr // nil for count(*)
	filter   expr.Expr // nil when none
	distinct bool
	typ      vec.Type
	delim    []byte     // string_agg's separator
	order    []aggOrder // ORDER BY inside the call
	// value is what a DISTINCT call's ORDER BY may sort by when arg is an
	// encoding of it (array_agg's element); nil means arg itself.
	value expr.Expr
}

type aggOrder struct {
	e                expr.Expr
	desc, nullsFirst bool
}

type aggNode struct {
	in   node
	keys []expr.Expr
	aggs []aggCall
	// ordered: the input is sorted for ORDER BY inside an aggregate, so
	// the aggregation must not run in parallel.
	ordered bool
}

type sortNode struct {
	in   node
	keys []sortKey
}

type sortKey struct {
	col        int
	desc       bool
	nullsFirst bool
}

type limitNode struct {
	in            node
	limit, offset int64 // limit < 0: none
}

type unionNode struct {
	ins []node
}

type valuesNode struct {
	typs []vec.Type
	rows *vec.Batch
	// fromStats marks aggregates answered from the ledger's statistics.
	fromStats bool
}

func (n *scanNode) types() []vec.Type {
	ts := make([]vec.Type, len(n.table.Columns))
	for i, c := range n.table.Columns {
		ts[i] = c.Type
	}
	return ts
}
func (n *filterNode) types() []vec.Type { return n.in.types() }
func (n *projectNode) types() []vec.Type {
	ts := make([]vec.Type, len(n.exprs))
	for i, e := range n.exprs {
		ts[i] = e.Type()
	}
	return ts
}
func (n *joinNode) types() []vec.Type {
	ts := append([]vec.Type(nil), n.left.types()...)
	switch n.kind {
	case colexec.SemiJoin, colexec.AntiJoin, colexec.NullAwareAntiJoin:
		return ts
	}
	return append(ts, n.right.types()...)
}
func (n *aggNode) types() []vec.Type {
	var ts []vec.Type
	for _, k := range n.keys {
		ts = append(ts, k.Type())
	}
	for _, a := range n.aggs {
		ts = append(ts, a.typ)
	}
	return ts
}
func (n *sortNode) types() []vec.Type   { return n.in.types() }
func (n *limitNode) types() []vec.Type  { return n.in.types() }
func (n *unionNode) types() []vec.Type  { return n.ins[0].types() }
func (n *valuesNode) types() []vec.Type { return n.typs }

// remap rewrites column references through m (old position → new).
func remap(e expr.Expr, m []int) expr.Expr {
	return expr.Map(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.ColRef); ok {
			if m[c.Idx] == c.Idx {
				return c
			}
			return &expr.ColRef{Idx: m[c.Idx], Typ: c.Typ, Name: c.Name}
		}
		return x
	})
}

// shift offsets every column reference by d.
func shift(e expr.Expr, d int) expr.Expr {
	return expr.Map(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.ColRef); ok {
			return &expr.ColRef{Idx: c.Idx + d, Typ: c.Typ, Name: c.Name}
		}
		return x
	})
}

// markCols sets need[i] for every column e reads.
func markCols(e expr.Expr, need []bool) {
	if e == nil {
		return
	}
	for _, c := range expr.Columns(e) {
		need[c] = true
	}
}

// estRows guesses a node's output rows from the ledger's row counts and
// the planner's selectivity guesses; it only has to order alternatives.
func estRows(n node) float64 {
	switch n := n.(type) {
	case *scanNode:
		if !n.estimated || n.estFor != len(n.filters) {
			n.est, n.estFor, n.estimated = (float64(n.table.Rows())+1)*scanSelectivity(n.table, n.filters), len(n.filters), true
		}
		return n.est
	case *filterNode:
		return estRows(n.in) * filterSelectivity(n.pred)
	case *projectNode:
		return estRows(n.in)
	case *joinNode:
		l, r := estRows(n.left), estRows(n.right)
		switch n.kind {
		case colexec.InnerJoin:
			if len(n.lkeys) == 0 {
				return l * r
			}
			// Key joins are mostly many-to-one: the rows joined so far
			// survive in proportion to the joined relation's filtering.
			if n.streamsUnit {
				return r * min(1, l/max(fullRows(n.left), 1))
			}
			return l * min(1, r/max(fullRows(n.right), 1))
		case colexec.LeftJoin:
			return l
		case colexec.FullJoin:
			return l + r
		}
		return l * 0.5
	case *aggNode:
		if len(n.keys) == 0 {
			return 1
		}
		return estRows(n.in) * 0.1
	case *sortNode:
		return estRows(n.in)
	case *limitNode:
		if n.limit >= 0 {
			return min(estRows(n.in), float64(n.limit))
		}
		return estRows(n.in)
	case *unionNode:
		t := 0.0
		for _, in := range n.ins {
			t += estRows(in)
		}
		return t
	case *valuesNode:
		if n.rows != nil {
			return float64(n.rows.Len)
		}
	case *windowNode:
		return estRows(n.in)
	}
	return 1000
}

// fullRows is estRows without the filters of the scans below n.
func fullRows(n node) float64 {
	switch n := n.(type) {
	case *scanNode:
		return float64(n.table.Rows()) + 1
	case *filterNode:
		return fullRows(n.in)
	case *projectNode:
		return fullRows(n.in)
	}
	return estRows(n)
}
