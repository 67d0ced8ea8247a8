package plan

import (
	"sort"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// unit is one relation of a FROM clause's inner-join graph: a table, a
// derived table or an outer join planned as a whole.
type unit struct {
	n    node
	cols []column
	rows float64
	base int // position of its first column in the combined scope
}

// planFrom plans FROM and WHERE together (see the package comment).
func (p *Planner) planFrom(tables tree.TableExprs, where *tree.Where, outer *scope) (node, *scope, error) {
	var units []*unit
	var onConds []tree.Expr
	for _, te := range tables {
		us, conds, err := p.flatten(te, outer)
		if err != nil {
			return nil, nil, err
		}
		units = append(units, us...)
		onConds = append(onConds, conds...)
	}
	if len(units) == 0 {
		// SELECT without FROM: one row of no columns.
		return &valuesNode{rows: &vec.Batch{Len: 1}}, &scope{parent: outer}, nil
	}
	sc := &scope{parent: outer}
	for _, u := range units {
		u.base = len(sc.cols)
		sc.cols = append(sc.cols, u.cols...)
	}
	var conjs []tree.Expr
	for _, c := range onConds {
		conjs = append(conjs, splitAnd(c)...)
	}
	if where != nil {
		conjs = append(conjs, splitAnd(where.Expr)...)
	}
	b := &binder{p: p, scope: sc, clause: "WHERE"}
	var bound []expr.Expr
	for _, c := range conjs {
		x, err := b.bind(c)
		if err != nil {
			return nil, nil, err
		}
		if x.Type().Kind != vec.KindBool {
			if k, ok := x.(*expr.Const); !ok || !k.Untyped {
				return nil, nil, sqlerr.New(sqlerr.DatatypeMismatch, "argument of WHERE must be type boolean, not type %s", x.Type())
			}
			if x, err = expr.Coerce(x, vec.Bool); err != nil {
				return nil, nil, err
			}
		}
		bound = append(bound, x)
	}
	unitOf := func(col int) int {
		for i := len(units) - 1; i >= 0; i-- {
			if col >= units[i].base {
				return i
			}
		}
		return 0
	}
	refs := func(e expr.Expr) map[int]bool {
		m := map[int]bool{}
		for _, c := range expr.Columns(e) {
			m[unitOf(c)] = true
		}
		return m
	}
	// Push single-unit conjuncts down.
	var multi []expr.Expr
	for _, x := range bound {
		r := refs(x)
		if len(r) != 1 {
			multi = append(multi, x)
			continue
		}
		for ui := range r {
			u := units[ui]
			local := shift(x, -u.base)
			if s, ok := u.n.(*scanNode); ok {
				s.filters = append(s.filters, local)
				if rg, ok := pruneRange(s.table, local); ok {
					s.ranges = append(s.ranges, rg)
				}
				u.rows *= 0.3
			} else {
				u.n = &filterNode{in: u.n, pred: local}
				u.rows *= 0.3
			}
		}
	}
	// Greedy join order from the largest unit.
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return units[order[a]].rows > units[order[b]].rows })
	joined := map[int]bool{order[0]: true}
	cur := units[order[0]].n
	// layout[g] = position of combined-scope column g in cur, -1 if absent.
	layout := make([]int, len(sc.cols))
	for i := range layout {
		layout[i] = -1
	}
	place := func(u *unit, at int) {
		for i := range u.cols {
			layout[u.base+i] = at + i
		}
	}
	place(units[order[0]], 0)
	width := len(units[order[0]].cols)
	curRows := units[order[0]].rows
	used := make([]bool, len(multi))
	for len(joined) < len(units) {
		// Pick the next unit: one connected by an equality, else any.
		next := -1
		for _, ui := range order {
			if joined[ui] {
				continue
			}
			for ci, x := range multi {
				if used[ci] {
					continue
				}
				if _, _, ok := equiSides(x, refs, joined, ui); ok {
					next = ui
					break
				}
			}
			if next >= 0 {
				break
			}
		}
		if next < 0 {
			for _, ui := range order {
				if !joined[ui] {
					next = ui
					break
				}
			}
		}
		u := units[next]
		var lkeys, rkeys []expr.Expr
		for ci, x := range multi {
			if used[ci] {
				continue
			}
			l, r, ok := equiSides(x, refs, joined, next)
			if !ok {
				continue
			}
			used[ci] = true
			lkeys = append(lkeys, remap(l, layout))
			rkeys = append(rkeys, shift(r, -u.base))
		}
		joined[next] = true
		place(u, width)
		width += len(u.cols)
		// Residual: multi-unit conjuncts now fully covered.
		var residual expr.Expr
		for ci, x := range multi {
			if used[ci] {
				continue
			}
			covered := true
			for ui := range refs(x) {
				covered = covered && joined[ui]
			}
			if !covered {
				continue
			}
			used[ci] = true
			rx := remap(x, layout)
			if residual == nil {
				residual = rx
			} else {
				a, err := expr.NewAnd(residual, rx)
				if err != nil {
					return nil, nil, err
				}
				residual = a
			}
		}
		cur = &joinNode{kind: colexec.InnerJoin, left: cur, right: u.n, lkeys: lkeys, rkeys: rkeys, residual: residual}
		curRows = max(curRows, u.rows)
	}
	// Conjuncts on no unit (constants) filter the result.
	for ci, x := range multi {
		if !used[ci] {
			cur = &filterNode{in: cur, pred: remap(x, layout)}
		}
	}
	// Present the columns in scope order.
	proj := make([]expr.Expr, len(sc.cols))
	for g, c := range sc.cols {
		proj[g] = &expr.ColRef{Idx: layout[g], Typ: c.typ, Name: qualified(c.table, c.name)}
	}
	return &projectNode{in: cur, exprs: proj}, sc, nil
}

// equiSides recognises l = r with l over joined units and r over unit ui
// only (in either order) and returns them in that order.
func equiSides(x expr.Expr, refs func(expr.Expr) map[int]bool, joined map[int]bool, ui int) (expr.Expr, expr.Expr, bool) {
	c, ok := x.(*expr.Compare)
	if !ok || c.Op != expr.EQ {
		return nil, nil, false
	}
	lr, rr := refs(c.L), refs(c.R)
	only := func(m map[int]bool, f func(int) bool) bool {
		if len(m) == 0 {
			return false
		}
		for u := range m {
			if !f(u) {
				return false
			}
		}
		return true
	}
	isJoined := func(u int) bool { return joined[u] }
	isUnit := func(u int) bool { return u == ui }
	switch {
	case only(lr, isJoined) && only(rr, isUnit):
		return c.L, c.R, true
	case only(rr, isJoined) && only(lr, isUnit):
		return c.R, c.L, true
	}
	return nil, nil, false
}

func splitAnd(e tree.Expr) []tree.Expr {
	switch e := e.(type) {
	case *tree.AndExpr:
		return append(splitAnd(e.Left), splitAnd(e.Right)...)
	case *tree.ParenExpr:
		return splitAnd(e.Expr)
	}
	return []tree.Expr{e}
}

// flatten turns a FROM item into inner-join units and ON conditions.
func (p *Planner) flatten(te tree.TableExpr, outer *scope) ([]*unit, []tree.Expr, error) {
	switch t := te.(type) {
	case *tree.AliasedTableExpr:
		u, err := p.planAliased(t, outer)
		if err != nil {
			return nil, nil, err
		}
		return []*unit{u}, nil, nil
	case *tree.ParenTableExpr:
		return p.flatten(t.Expr, outer)
	case *tree.JoinTableExpr:
		switch t.JoinType {
		case "", tree.AstInner, tree.AstCross:
			lu, lc, err := p.flatten(t.Left, outer)
			if err != nil {
				return nil, nil, err
			}
			ru, rc, err := p.flatten(t.Right, outer)
			if err != nil {
				return nil, nil, err
			}
			conds := append(lc, rc...)
			switch c := t.Cond.(type) {
			case nil:
			case *tree.OnJoinCond:
				conds = append(conds, c.Expr)
			default:
				return nil, nil, unsupported("USING and NATURAL joins are not supported yet")
			}
			return append(lu, ru...), conds, nil
		}
		return nil, nil, unsupported("%s JOIN is not supported yet", t.JoinType)
	}
	return nil, nil, unsupported("FROM item %s is not supported", tree.AsString(te))
}

func (p *Planner) planAliased(t *tree.AliasedTableExpr, outer *scope) (*unit, error) {
	alias := string(t.As.Alias)
	var u *unit
	switch src := t.Expr.(type) {
	case *tree.TableName:
		name := string(src.ObjectName)
		if !src.ExplicitSchema {
			for i := len(p.ctes) - 1; i >= 0; i-- {
				if c, ok := p.ctes[i][name]; ok {
					n, cols, err := p.planSelect(c.sel, nil)
					if err != nil {
						return nil, err
					}
					for j, d := range c.cols {
						if j < len(cols) {
							cols[j].name = string(d.Name)
						}
					}
					u = &unit{n: n, cols: cols, rows: 1000}
					if alias == "" {
						alias = name
					}
					break
				}
			}
		}
		if u == nil {
			tab, err := p.cat.Table(p.ctx, src)
			if err != nil {
				return nil, err
			}
			cols := make([]column, len(tab.Columns))
			for i, c := range tab.Columns {
				cols[i] = column{name: c.Name, typ: c.Type}
			}
			u = &unit{n: &scanNode{table: tab}, cols: cols, rows: float64(tab.Rows()) + 1}
			if alias == "" {
				alias = name
			}
		}
	case *tree.Subquery:
		sel, ok := src.Select.(*tree.ParenSelect)
		if !ok {
			return nil, unsupported("subquery form %T is not supported", src.Select)
		}
		n, cols, err := p.planSelect(sel.Select, nil)
		if err != nil {
			return nil, err
		}
		u = &unit{n: n, cols: cols, rows: 1000}
	default:
		return nil, unsupported("FROM item %s is not supported", tree.AsString(t))
	}
	for i := range u.cols {
		u.cols[i].table = alias
		u.cols[i].hidden = false
	}
	for i, c := range t.As.Cols {
		if i < len(u.cols) {
			u.cols[i].name = string(c.Name)
		}
	}
	return u, nil
}

// pruneRange turns "column op constant" over a scan into a pruning range
// when the constant is in the column's stored form.
func pruneRange(t *Table, e expr.Expr) (cell.Range, bool) {
	c, ok := e.(*expr.Compare)
	if !ok || c.Op == expr.NE {
		return cell.Range{}, false
	}
	col, lok := c.L.(*expr.ColRef)
	k, rok := c.R.(*expr.Const)
	op := c.Op
	if !lok || !rok {
		col, lok = c.R.(*expr.ColRef)
		k, rok = c.L.(*expr.Const)
		op = op.Commute()
	}
	if !lok || !rok || k.IsNull() {
		return cell.Range{}, false
	}
	ct := t.Columns[col.Idx].Type
	kt := k.Val.Type
	if ct.Kind != kt.Kind || (ct.Kind == vec.KindNumeric && ct.Scale != kt.Scale) {
		return cell.Range{}, false
	}
	var v cell.Value
	switch kt.Kind {
	case vec.KindInt16:
		v = cell.Int(int64(k.Val.Int16s()[0]))
	case vec.KindInt32, vec.KindDate:
		v = cell.Int(int64(k.Val.Int32s()[0]))
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		v = cell.Int(k.Val.Int64s()[0])
	case vec.KindText:
		v = cell.Bytes(k.Val.Bytes().Get(0))
	default:
		return cell.Range{}, false
	}
	cop := map[expr.CmpOp]cell.Op{expr.EQ: cell.Eq, expr.LT: cell.Lt, expr.LE: cell.Le, expr.GT: cell.Gt, expr.GE: cell.Ge}[op]
	return cell.Range{Column: t.Columns[col.Idx].Name, Op: cop, Value: v}, true
}

// bindScalarSubquery runs an uncorrelated scalar subquery now and returns
// its value as a constant.
func (b *binder) bindScalarSubquery(sq *tree.Subquery) (expr.Expr, error) {
	if sq.Exists {
		return nil, unsupported("EXISTS is supported only as a WHERE condition for now")
	}
	sel, ok := sq.Select.(*tree.ParenSelect)
	if !ok {
		return nil, unsupported("subquery form %T is not supported", sq.Select)
	}
	var outer []*outerRef
	sc := &scope{parent: b.scope, outer: &outer}
	_ = sc
	n, cols, err := b.p.planSelect(sel.Select, nil)
	if err != nil {
		if sqlerr.CodeOf(err) == sqlerr.UndefinedColumn || sqlerr.CodeOf(err) == sqlerr.UndefinedTable {
			return nil, sqlerr.Wrap(err, sqlerr.CodeOf(err), "%v (correlated subqueries are not supported yet)", err)
		}
		return nil, err
	}
	if len(cols) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
	}
	op, m, err := (&builder{p: b.p}).build(n, all(1))
	if err != nil {
		return nil, err
	}
	defer op.Close()
	op = denseColumns(op, m, b.p.opts.Env)
	val := vec.New(cols[0].typ, 1)
	rows := 0
	err = colexec.Drain(b.p.ctx, op, func(bt *vec.Batch) error {
		rows += bt.Len
		if rows > 1 {
			return sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
		}
		val.AppendFrom(bt.Cols[0], bt.Row(0))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if rows == 0 {
		return expr.NullConst(cols[0].typ), nil
	}
	return expr.NewConst(val), nil
}

func (b *binder) bindInSubquery(left tree.Expr, sq *tree.Subquery, negate bool) (expr.Expr, error) {
	return nil, unsupported("IN (subquery) is not supported yet")
}
