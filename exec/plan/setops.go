package plan

import (
	"fmt"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// planValues plans a VALUES list: every row a constant, columns typed by
// their common type.
func (p *Planner) planValues(v *tree.ValuesClause, outer *scope) (node, []column, error) {
	if len(v.Rows) == 0 {
		return nil, nil, sqlerr.New(sqlerr.SyntaxError, "VALUES needs at least one row")
	}
	width := len(v.Rows[0])
	b := &binder{p: p, scope: &scope{parent: outer}, clause: "VALUES"}
	rows := make([][]expr.Expr, len(v.Rows))
	for i, r := range v.Rows {
		if len(r) != width {
			return nil, nil, sqlerr.New(sqlerr.SyntaxError, "VALUES lists must all be the same length")
		}
		bound, err := b.bindList(r)
		if err != nil {
			return nil, nil, err
		}
		rows[i] = bound
	}
	cols := make([]column, width)
	types := make([]vec.Type, width)
	for c := 0; c < width; c++ {
		var es []expr.Expr
		for _, r := range rows {
			es = append(es, r[c])
		}
		t, err := expr.ResultType(es, "VALUES")
		if err != nil {
			return nil, nil, sqlerr.New(sqlerr.DatatypeMismatch, "VALUES types cannot be matched: %v", err)
		}
		types[c] = t
		cols[c] = column{name: fmt.Sprintf("column%d", c+1), typ: t}
	}
	batch := vec.NewBatch(types, len(rows))
	for _, r := range rows {
		for c, e := range r {
			ce, err := expr.Coerce(e, types[c])
			if err != nil {
				return nil, nil, err
			}
			if ce, err = expr.FoldConstants(ce, p.opts.Env); err != nil {
				return nil, nil, err
			}
			k, ok := ce.(*expr.Const)
			if !ok {
				return nil, nil, unsupported("VALUES rows must be constants for now")
			}
			batch.Cols[c].AppendFrom(k.Val, 0)
		}
	}
	batch.Len = len(rows)
	return &valuesNode{typs: types, rows: batch}, cols, nil
}

// planSetOp plans UNION, INTERSECT and EXCEPT.
func (p *Planner) planSetOp(u *tree.UnionClause, outer *scope) (node, []column, error) {
	ln, lcols, err := p.planSelect(u.Left, outer)
	if err != nil {
		return nil, nil, err
	}
	rn, rcols, err := p.planSelect(u.Right, outer)
	if err != nil {
		return nil, nil, err
	}
	op := map[tree.UnionType]string{tree.UnionOp: "UNION", tree.IntersectOp: "INTERSECT", tree.ExceptOp: "EXCEPT"}[u.Type]
	if len(lcols) != len(rcols) {
		return nil, nil, sqlerr.New(sqlerr.SyntaxError, "each %s query must have the same number of columns", op)
	}
	cols := make([]column, len(lcols))
	lexprs := make([]expr.Expr, len(lcols))
	rexprs := make([]expr.Expr, len(lcols))
	for i := range lcols {
		l := expr.Expr(&expr.ColRef{Idx: i, Typ: lcols[i].typ})
		r := expr.Expr(&expr.ColRef{Idx: i, Typ: rcols[i].typ})
		lt, rt := l, r
		if lcols[i].unknown {
			lt = expr.NullLiteral()
		}
		if rcols[i].unknown {
			rt = expr.NullLiteral()
		}
		t, err := expr.ResultType([]expr.Expr{lt, rt}, op)
		if err != nil {
			return nil, nil, sqlerr.New(sqlerr.DatatypeMismatch, "%s types %s and %s cannot be matched", op, lcols[i].typ, rcols[i].typ)
		}
		if lexprs[i], err = expr.Coerce(l, t); err != nil {
			return nil, nil, err
		}
		if rexprs[i], err = expr.Coerce(r, t); err != nil {
			return nil, nil, err
		}
		cols[i] = column{name: lcols[i].name, typ: t, unknown: lcols[i].unknown && rcols[i].unknown}
	}
	if u.Type == tree.UnionOp {
		var n node = &unionNode{ins: []node{&projectNode{in: ln, exprs: lexprs}, &projectNode{in: rn, exprs: rexprs}}}
		if !u.All {
			n = distinctAll(n, cols)
		}
		return n, cols, nil
	}
	var ln2, rn2 node = &projectNode{in: ln, exprs: lexprs}, &projectNode{in: rn, exprs: rexprs}
	width := len(cols)
	if u.All {
		// Number the copies of each row on each side (row_number over a
		// partition of every column): the set operation on (row, number)
		// then keeps min(left, right) copies for INTERSECT ALL and
		// left - right copies for EXCEPT ALL.
		number := func(side node) (node, error) {
			ts := side.types()
			wc := winCall{name: "row_number", typ: vec.Int64}
			for i, t := range ts {
				wc.partition = append(wc.partition, &expr.ColRef{Idx: i, Typ: t})
			}
			wn, _, err := p.addWindows(side, []winCall{wc})
			return wn, err
		}
		var err error
		if ln2, err = number(ln2); err != nil {
			return nil, nil, err
		}
		if rn2, err = number(rn2); err != nil {
			return nil, nil, err
		}
		lexprs, rexprs = nil, nil
		for i, t := range ln2.types() {
			lexprs = append(lexprs, &expr.ColRef{Idx: i, Typ: t})
			rexprs = append(rexprs, &expr.ColRef{Idx: i, Typ: t})
		}
		cols = append(append([]column(nil), cols...), column{name: "?copy?", typ: vec.Int64})
		ln, rn = ln2, rn2
	}
	// Tag each side, group by every column and count the rows of each
	// side per group.
	tag := func(k int64) expr.Expr {
		v := vec.New(vec.Int64, 1)
		v.AppendInt64(k)
		return expr.NewConst(v)
	}
	lp := &projectNode{in: ln, exprs: append(lexprs, tag(0))}
	rp := &projectNode{in: rn, exprs: append(rexprs, tag(1))}
	un := &unionNode{ins: []node{lp, rp}}
	w := len(cols)
	tagCol := &expr.ColRef{Idx: w, Typ: vec.Int64}
	var keys []expr.Expr
	for i, c := range cols {
		keys = append(keys, &expr.ColRef{Idx: i, Typ: c.typ})
	}
	isSide := func(k int64) expr.Expr {
		e, _ := expr.NewCompare(expr.EQ, tagCol, tag(k))
		return e
	}
	agg := &aggNode{in: un, keys: keys, aggs: []aggCall{
		{fn: colexec.AggCountStar, name: "count", filter: isSide(0), typ: vec.Int64},
		{fn: colexec.AggCountStar, name: "count", filter: isSide(1), typ: vec.Int64},
	}}
	zero := tag(0)
	leftHas, _ := expr.NewCompare(expr.GT, &expr.ColRef{Idx: w, Typ: vec.Int64}, zero)
	var rightCond expr.Expr
	if u.Type == tree.IntersectOp {
		rightCond, _ = expr.NewCompare(expr.GT, &expr.ColRef{Idx: w + 1, Typ: vec.Int64}, zero)
	} else {
		rightCond, _ = expr.NewCompare(expr.EQ, &expr.ColRef{Idx: w + 1, Typ: vec.Int64}, zero)
	}
	cond, err := expr.NewAnd(leftHas, rightCond)
	if err != nil {
		return nil, nil, err
	}
	var outs []expr.Expr
	for i, c := range cols[:width] {
		outs = append(outs, &expr.ColRef{Idx: i, Typ: c.typ})
	}
	return &projectNode{in: &filterNode{in: agg, pred: cond}, exprs: outs}, cols[:width], nil
}

// distinctAll removes duplicate rows.
func distinctAll(n node, cols []column) node {
	var keys []expr.Expr
	for i, c := range cols {
		keys = append(keys, &expr.ColRef{Idx: i, Typ: c.typ})
	}
	return &aggNode{in: n, keys: keys}
}
