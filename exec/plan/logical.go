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
