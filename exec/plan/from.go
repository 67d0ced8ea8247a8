package plan

import (
	"sort"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treecmp"

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
	rows float64 // estimated rows after the unit's own filters
	full float64 // rows before them
	base int     // position of its first column in the combined scope
}

// selectivity is the estimated fraction of its rows a unit keeps.
func (u *unit) selectivity() float64 {
	if u.full <= 0 {
		return 1
	}
	return u.rows / u.full
}

// fromCtx is the state of one FROM/WHERE planning that subqueries bound in
// its WHERE clause add to: correlated scalar subqueries become left joins
// appended to the relation, their values extra columns after the scope's.
type fromCtx struct {
	width  int // columns of the FROM scope
	extWid int // width including the subquery joins' columns
	joins  []scalarJoin
}

type scalarJoin struct {
	n         node
	outerKeys []expr.Expr // over the FROM scope
	nkeys     int
	width     int // columns n produces
}

// corrFrame collects the correlated conjuncts found while planning a
// subquery's FROM/WHERE: conjuncts that read columns of the enclosing
// query, bound over the subquery's scope with outerRef leaves.
type corrFrame struct {
	conjs []expr.Expr
}

func hasOuter(e expr.Expr) (depth1, deeper bool) {
	expr.Walk(e, func(x expr.Expr) bool {
		if r, ok := x.(*outerRef); ok {
			if r.depth == 1 {
				depth1 = true
			} else {
				deeper = true
			}
		}
		return true
	})
	return depth1, deeper
}

// subqueryConj is a WHERE conjunct that is a subquery predicate.
type subqueryConj struct {
	exists bool // EXISTS / NOT EXISTS; else [NOT] IN
	negate bool
	left   tree.Expr // IN's left operand
	sub    *tree.Subquery
}

func asSubqueryConj(e tree.Expr) (subqueryConj, bool) {
	neg := false
	if n, ok := e.(*tree.NotExpr); ok {
		neg, e = true, n.Expr
	}
	for {
		pe, ok := e.(*tree.ParenExpr)
		if !ok {
			break
		}
		e = pe.Expr
	}
	switch x := e.(type) {
	case *tree.Subquery:
		if x.Exists {
			return subqueryConj{exists: true, negate: neg, sub: x}, true
		}
	case *tree.ComparisonExpr:
		if sq, ok := x.Right.(*tree.Subquery); ok && !neg {
			switch quantifiedIn(x) {
			case treecmp.In:
				return subqueryConj{left: x.Left, sub: sq}, true
			case treecmp.NotIn:
				return subqueryConj{left: x.Left, sub: sq, negate: true}, true
			}
		}
	}
	return subqueryConj{}, false
}

// planFrom plans FROM and WHERE together (see the package comment).
func (p *Planner) planFrom(tables tree.TableExprs, where *tree.Where, outer *scope) (node, *scope, error) {
	var units []*unit
	var onConds []tree.Expr
	if u, rest, kept, err := p.lateralPrefix(tables, where, outer); err != nil {
		return nil, nil, err
	} else if u != nil {
		units, tables, where = append(units, u), rest, kept
	}
	for _, te := range tables {
		us, conds, err := p.flatten(te, outer)
		if err != nil {
			return nil, nil, err
		}
		units = append(units, us...)
		onConds = append(onConds, conds...)
	}
	sc := &scope{parent: outer}
	if len(units) == 0 {
		// SELECT without FROM: one row of no columns.
		units = append(units, &unit{n: &valuesNode{rows: &vec.Batch{Len: 1}}, rows: 1})
	}
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
	fc := &fromCtx{width: len(sc.cols), extWid: len(sc.cols)}
	b := &binder{p: p, scope: sc, clause: "WHERE", from: fc}
	var bound []expr.Expr
	var subs []subqueryConj
	for _, c := range conjs {
		if sq, ok := asSubqueryConj(c); ok {
			subs = append(subs, sq)
			continue
		}
		x, err := b.bind(c)
		if err != nil {
			return nil, nil, err
		}
		if x, err = asCondition(x, "WHERE"); err != nil {
			return nil, nil, err
		}
		if d1, deeper := hasOuter(x); deeper {
			return nil, nil, unsupported("subqueries correlated across more than one level are not supported yet")
		} else if d1 {
			if len(p.corr) == 0 {
				return nil, nil, unsupported("this correlated subquery is not supported yet")
			}
			f := p.corr[len(p.corr)-1]
			f.conjs = append(f.conjs, x)
			continue
		}
		bound = append(bound, x)
	}
	bound = factorOrs(bound)
	unitOf := func(col int) int {
		if col >= fc.width {
			return -1 // a scalar subquery's value
		}
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
	// An OR spanning relations implies, for each relation every branch
	// constrains, the OR of those constraints: a filter that can be pushed
	// into the relation while the whole OR is still checked after the join.
	for _, x := range append([]expr.Expr(nil), bound...) {
		if _, ok := x.(*expr.Or); !ok || len(refs(x)) < 2 {
			continue
		}
		for ui := range units {
			if d := impliedFilter(x, func(e expr.Expr) bool {
				r := refs(e)
				return len(r) == 1 && r[ui]
			}); d != nil {
				bound = append(bound, d)
			}
		}
	}
	// Push single-unit conjuncts down; keep the rest for the joins, and
	// those reading subquery values for after the subquery joins.
	var multi, late []expr.Expr
	for _, x := range bound {
		r := refs(x)
		if r[-1] {
			late = append(late, x)
			continue
		}
		if len(r) != 1 {
			multi = append(multi, x)
			continue
		}
		for ui := range r {
			u := units[ui]
			local := shift(x, -u.base)
			if s, ok := u.n.(*scanNode); ok {
				s.filters = append(s.filters, local)
				// BETWEEN is one conjunct of two comparisons.
				for _, c := range conjuncts(local) {
					if rg, ok := pruneRange(s.table, c); ok {
						s.ranges = append(s.ranges, rg)
					}
				}
				// Estimated from the cells' statistics once all
				// filters are in, below.
				continue
			}
			u.n = &filterNode{in: u.n, pred: local}
			u.rows *= filterSelectivity(local)
		}
	}
	for _, u := range units {
		if s, ok := u.n.(*scanNode); ok && len(s.filters) > 0 {
			// estRows keeps its figure, which the joins read again.
			u.rows = estRows(s)
		}
	}
	// An IN (subquery) whose left side belongs to one relation filters
	// that relation before the joins (TPC-H Q18's 59 big orders), when the
	// subquery needs nothing else of the outer query.
	if len(units) > 1 {
		var rest []subqueryConj
		for _, sq := range subs {
			if !sq.exists && p.pushInSubquery(units, sc, sq, refs) {
				continue
			}
			rest = append(rest, sq)
		}
		subs = rest
	}
	cur, err := joinUnits(units, multi, refs, len(sc.cols), sc)
	if err != nil {
		return nil, nil, err
	}
	// Correlated scalar subqueries: left joins adding their values.
	for _, j := range fc.joins {
		rkeys := make([]expr.Expr, j.nkeys)
		ts := j.n.types()
		for i := range rkeys {
			rkeys[i] = &expr.ColRef{Idx: i, Typ: ts[i]}
		}
		cur = &joinNode{kind: colexec.LeftJoin, left: cur, right: j.n, lkeys: j.outerKeys, rkeys: rkeys}
	}
	for _, x := range late {
		cur = &filterNode{in: cur, pred: x}
	}
	if len(fc.joins) > 0 {
		proj := make([]expr.Expr, len(sc.cols))
		for g, c := range sc.cols {
			proj[g] = &expr.ColRef{Idx: g, Typ: c.typ, Name: qualified(c.table, c.name)}
		}
		cur = &projectNode{in: cur, exprs: proj}
	}
	for _, sq := range subs {
		if cur, err = p.subqueryJoin(cur, sc, sq); err != nil {
			return nil, nil, err
		}
	}
	return cur, sc, nil
}

func asCondition(x expr.Expr, clause string) (expr.Expr, error) {
	if x.Type().Kind == vec.KindBool {
		return x, nil
	}
	if k, ok := x.(*expr.Const); ok && k.Untyped {
		return expr.Coerce(x, vec.Bool)
	}
	return nil, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be type boolean, not type %s", clause, x.Type())
}

// joinUnits joins the units greedily and returns a node whose columns are
// in scope order.
func joinUnits(units []*unit, multi []expr.Expr, refs func(expr.Expr) map[int]bool, width int, sc *scope) (node, error) {
	order := make([]int, len(units))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return units[order[a]].rows > units[order[b]].rows })
	joined := map[int]bool{order[0]: true}
	cur := units[order[0]].n
	// layout[g] = position of scope column g in cur, -1 if absent.
	layout := make([]int, width)
	for i := range layout {
		layout[i] = -1
	}
	place := func(u *unit, at int) {
		for i := range u.cols {
			layout[u.base+i] = at + i
		}
	}
	place(units[order[0]], 0)
	curWidth := len(units[order[0]].cols)
	used := make([]bool, len(multi))
	for len(joined) < len(units) {
		// Next: the connected unit that keeps the fewest of the rows it
		// joins (a filtered dimension shrinks the probe side for every
		// later join), counting the filters of units reachable only
		// through it (supplier is selective when its nation is), then the
		// smallest.
		eff := func(ui int) float64 {
			return effectiveSelectivity(ui, units, multi, used, refs, joined, map[int]bool{ui: true}, 3)
		}
		next := -1
		for _, ui := range order {
			if joined[ui] {
				continue
			}
			connected := false
			for ci, x := range multi {
				if !used[ci] {
					if _, _, _, ok := equiSides(x, refs, joined, ui); ok {
						connected = true
						break
					}
				}
			}
			if !connected {
				continue
			}
			if next < 0 {
				next = ui
				continue
			}
			a, b := units[ui], units[next]
			if ea, eb := eff(ui), eff(next); ea < eb || ea == eb && a.rows < b.rows {
				next = ui
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
		// IS NOT DISTINCT FROM conjuncts that could be keys, by index in
		// multi, with their sides.
		type nullsEqualKey struct {
			ci   int
			l, r expr.Expr
		}
		var nullsEqual []nullsEqualKey
		for ci, x := range multi {
			if used[ci] {
				continue
			}
			l, r, ne, ok := equiSides(x, refs, joined, next)
			if !ok {
				continue
			}
			if ne {
				nullsEqual = append(nullsEqual, nullsEqualKey{ci, l, r})
				continue
			}
			used[ci] = true
			lkeys = append(lkeys, remap(l, layout))
			rkeys = append(rkeys, shift(r, -u.base))
		}
		// A join's keys all match NULLs or none do: IS NOT DISTINCT FROM
		// conditions are its keys when it has no equality, and otherwise
		// residual conditions. (PostgreSQL runs them as a nested loop.)
		keysNullsEqual := len(lkeys) == 0 && len(nullsEqual) > 0
		if keysNullsEqual {
			for _, k := range nullsEqual {
				used[k.ci] = true
				lkeys = append(lkeys, remap(k.l, layout))
				rkeys = append(rkeys, shift(k.r, -u.base))
			}
		}
		joined[next] = true
		// A hash join builds its right side. When the rows joined so far
		// are far fewer than the unit's (a selective chain of joins
		// meeting a big table: Q7's French and German lineitems meeting
		// all of orders), the unit streams past them instead.
		swap := len(lkeys) > 0 && estRows(cur)*2 < u.rows
		if swap {
			for g, at := range layout {
				if at >= 0 {
					layout[g] = at + len(u.cols)
				}
			}
			place(u, 0)
		} else {
			place(u, curWidth)
		}
		curWidth += len(u.cols)
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
					return nil, err
				}
				residual = a
			}
		}
		if swap {
			cur = &joinNode{kind: colexec.InnerJoin, left: u.n, right: cur, lkeys: rkeys, rkeys: lkeys, residual: residual, nullsEqual: keysNullsEqual, streamsUnit: true}
		} else {
			cur = &joinNode{kind: colexec.InnerJoin, left: cur, right: u.n, lkeys: lkeys, rkeys: rkeys, residual: residual, nullsEqual: keysNullsEqual}
		}
	}
	for ci, x := range multi {
		if !used[ci] {
			cur = &filterNode{in: cur, pred: remap(x, layout)}
		}
	}
	proj := make([]expr.Expr, width)
	for g, c := range sc.cols[:width] {
		proj[g] = &expr.ColRef{Idx: layout[g], Typ: c.typ, Name: qualified(c.table, c.name)}
	}
	return &projectNode{in: cur, exprs: proj}, nil
}

// equiSides recognises l = r, or l IS NOT DISTINCT FROM r (nullsEqual),
// with l over joined units and r over unit ui only (in either order) and
// returns them in that order.
func equiSides(x expr.Expr, refs func(expr.Expr) map[int]bool, joined map[int]bool, ui int) (l, r expr.Expr, nullsEqual, ok bool) {
	switch c := x.(type) {
	case *expr.Compare:
		if c.Op != expr.EQ {
			return nil, nil, false, false
		}
		l, r = c.L, c.R
	case *expr.IsDistinct:
		if !c.Negate {
			return nil, nil, false, false
		}
		l, r, nullsEqual = c.L, c.R, true
	default:
		return nil, nil, false, false
	}
	lr, rr := refs(l), refs(r)
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
		return l, r, nullsEqual, true
	case only(rr, isJoined) && only(lr, isUnit):
		return r, l, nullsEqual, true
	}
	return nil, nil, false, false
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
				u, err := p.planJoinUnit(t, outer)
				if err != nil {
					return nil, nil, err
				}
				return []*unit{u}, nil, nil
			}
			return append(lu, ru...), conds, nil
		case tree.AstLeft, tree.AstRight, tree.AstFull:
			u, err := p.planJoinUnit(t, outer)
			if err != nil {
				return nil, nil, err
			}
			return []*unit{u}, nil, nil
		}
		return nil, nil, unsupported("%s JOIN is not supported", t.JoinType)
	}
	return nil, nil, unsupported("FROM item %s is not supported", tree.AsString(te))
}

func (p *Planner) planAliased(t *tree.AliasedTableExpr, outer *scope) (*unit, error) {
	if a, fs, ok := rowsFrom(t); ok {
		if u, ok, err := p.tableFunction(a, fs); ok || err != nil {
			return u, err
		}
		return p.planRowsFrom(a, fs, &valuesNode{rows: &vec.Batch{Len: 1}}, &scope{parent: outer})
	}
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
					if len(c.cols) > len(cols) {
						return nil, sqlerr.New(sqlerr.InvalidColumnReference, "WITH query %q has %d columns available but %d columns specified", name, len(cols), len(c.cols))
					}
					for j, d := range c.cols {
						cols[j].name = string(d.Name)
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
				if tab.Virtual == nil && tab.Hive != "" {
					cols[i].origin = &Origin{Hive: tab.Hive, Box: tab.Box, Frame: tab.Name, Attnum: i + 1}
				}
			}
			u = &unit{n: &scanNode{table: tab}, cols: cols, rows: float64(tab.Rows()) + 1, full: float64(tab.Rows()) + 1}
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
	if len(t.As.Cols) > len(u.cols) {
		return nil, sqlerr.New(sqlerr.InvalidColumnReference, "table %q has %d columns available but %d columns specified", alias, len(u.cols), len(t.As.Cols))
	}
	for i, c := range t.As.Cols {
		u.cols[i].name = string(c.Name)
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
	case vec.KindDecimal:
		// Decimals compare by value, whatever either side's scale.
		v = cell.Decimal(k.Val.Decimals()[0])
	default:
		return cell.Range{}, false
	}
	cop := map[expr.CmpOp]cell.Op{expr.EQ: cell.Eq, expr.LT: cell.Lt, expr.LE: cell.Le, expr.GT: cell.Gt, expr.GE: cell.Ge}[op]
	return cell.Range{Column: t.Columns[col.Idx].Name, Op: cop, Value: v}, true
}

// simpleSubquery returns the SELECT clause of a subquery that has no
// grouping, DISTINCT, ORDER BY or LIMIT, so that its WHERE conjuncts can be
// moved into a join.
func simpleSubquery(sq *tree.Subquery) (*tree.SelectClause, bool) {
	ps, ok := sq.Select.(*tree.ParenSelect)
	if !ok || ps.Select.With != nil || ps.Select.Limit != nil || len(ps.Select.OrderBy) > 0 {
		return nil, false
	}
	sc, ok := ps.Select.Select.(*tree.SelectClause)
	if !ok || len(sc.GroupBy) > 0 || sc.Having != nil || sc.Distinct || len(sc.Window) > 0 {
		return nil, false
	}
	return sc, true
}

func subquerySelect(sq *tree.Subquery) (*tree.Select, error) {
	ps, ok := sq.Select.(*tree.ParenSelect)
	if !ok {
		return nil, unsupported("subquery form %T is not supported", sq.Select)
	}
	return ps.Select, nil
}

// planSubquery plans a subquery in the scope of the enclosing query and
// returns, besides its node and columns, the conjuncts of its WHERE that
// read the enclosing query (nil when it is uncorrelated).
func (p *Planner) planSubquery(sq *tree.Subquery, outer *scope) (node, []column, []expr.Expr, error) {
	sel, err := subquerySelect(sq)
	if err != nil {
		return nil, nil, nil, err
	}
	f := &corrFrame{}
	p.corr = append(p.corr, f)
	n, cols, err := p.planSelect(sel, outer)
	p.corr = p.corr[:len(p.corr)-1]
	return n, cols, f.conjs, err
}

// planOneColumn is planSubquery for an uncorrelated subquery of one column;
// what names the construct in the error a correlated one gets.
func (p *Planner) planOneColumn(sq *tree.Subquery, outer *scope, what string) (node, vec.Type, error) {
	n, cols, corr, err := p.planSubquery(sq, outer)
	if err != nil {
		return nil, vec.Type{}, err
	}
	if len(corr) > 0 {
		return nil, vec.Type{}, unsupported("correlated %s is not supported yet", what)
	}
	if len(cols) != 1 {
		return nil, vec.Type{}, sqlerr.New(sqlerr.SyntaxError, "subquery has too many columns")
	}
	return n, cols[0].typ, nil
}

// planCorrelated plans a simple subquery's FROM and WHERE in the scope of
// the enclosing query and returns its node, scope and correlated conjuncts.
func (p *Planner) planCorrelated(sc *tree.SelectClause, outer *scope) (node, *scope, []expr.Expr, error) {
	f := &corrFrame{}
	p.corr = append(p.corr, f)
	n, isc, err := p.planFrom(sc.From.Tables, sc.Where, outer)
	p.corr = p.corr[:len(p.corr)-1]
	return n, isc, f.conjs, err
}

// splitCorrelated sorts correlated conjuncts into equalities inner = outer
// (returned as pairs, the outer side over the enclosing scope) and the rest.
func splitCorrelated(conjs []expr.Expr) (inner, outer []expr.Expr, rest []expr.Expr) {
	for _, c := range conjs {
		if cmp, ok := c.(*expr.Compare); ok && cmp.Op == expr.EQ {
			l, r := cmp.L, cmp.R
			lo, _ := hasOuter(l)
			ro, _ := hasOuter(r)
			lc, rc := len(expr.Columns(l)) > 0, len(expr.Columns(r)) > 0
			switch {
			case lo && !lc && rc && !ro:
				inner, outer = append(inner, r), append(outer, outerToCol(l, 0))
				continue
			case ro && !rc && lc && !lo:
				inner, outer = append(inner, l), append(outer, outerToCol(r, 0))
				continue
			}
		}
		rest = append(rest, c)
	}
	return inner, outer, rest
}

// unifyKeys brings each pair of equality keys to the type "=" compares
// them in, in place, so that a hash join matches their values.
func unifyKeys(lkeys, rkeys []expr.Expr) error {
	for i := range lkeys {
		l, r, err := expr.Unify(lkeys[i], rkeys[i], "=")
		if err != nil {
			return err
		}
		lkeys[i], rkeys[i] = l, r
	}
	return nil
}

// outerToCol turns outer references into column references over the
// enclosing scope and shifts the subquery's own columns by innerBase.
func outerToCol(e expr.Expr, innerBase int) expr.Expr {
	return expr.Map(e, func(x expr.Expr) expr.Expr {
		switch x := x.(type) {
		case *outerRef:
			return &expr.ColRef{Idx: x.idx, Typ: x.typ, Name: x.name}
		case *expr.ColRef:
			if innerBase != 0 {
				return &expr.ColRef{Idx: x.Idx + innerBase, Typ: x.Typ, Name: x.Name}
			}
		}
		return x
	})
}

// subqueryJoin applies an EXISTS or IN conjunct to cur (columns in scope
// order) as a semi or anti join.
func (p *Planner) subqueryJoin(cur node, sc *scope, sq subqueryConj) (node, error) {
	width := len(sc.cols)
	var lkeys, rkeys []expr.Expr
	var residual expr.Expr
	var right node
	kind := colexec.SemiJoin
	if sq.negate {
		kind = colexec.AntiJoin
	}
	// IN's left operand: one expression, or a row of them matched
	// column for column against the subquery's select list.
	var inLefts []expr.Expr
	if !sq.exists {
		lefts := tree.Exprs{sq.left}
		if t, ok := sq.left.(*tree.Tuple); ok && len(t.Exprs) > 1 {
			lefts = t.Exprs
		}
		for _, le := range lefts {
			l, err := (&binder{p: p, scope: sc, clause: "WHERE"}).bind(le)
			if err != nil {
				return nil, err
			}
			inLefts = append(inLefts, l)
		}
	}
	simple, isSimple := simpleSubquery(sq.sub)
	if len(inLefts) > 1 && !(isSimple && !sq.negate) {
		return nil, unsupported("a row of values NOT IN, or IN a grouped or limited subquery, is not supported")
	}
	if isSimple && !(sq.negate && !sq.exists) {
		n, isc, corr, err := p.planCorrelated(simple, sc)
		if err != nil {
			return nil, err
		}
		right = n
		in, out, rest := splitCorrelated(corr)
		if !sq.exists {
			if len(simple.Exprs) > len(inLefts) {
				return nil, sqlerr.New(sqlerr.SyntaxError, "subquery has too many columns")
			}
			if len(simple.Exprs) < len(inLefts) {
				return nil, sqlerr.New(sqlerr.SyntaxError, "subquery has too few columns")
			}
			for i, se := range simple.Exprs {
				v, err := (&binder{p: p, scope: isc, clause: "IN"}).bind(se.Expr)
				if err != nil {
					return nil, err
				}
				if o, _ := hasOuter(v); o {
					return nil, unsupported("IN (subquery) selecting outer columns is not supported")
				}
				in, out = append(in, v), append(out, inLefts[i])
			}
		}
		if err := unifyKeys(out, in); err != nil {
			return nil, err
		}
		lkeys, rkeys = out, in
		for _, x := range rest {
			rx := outerToCol(x, width)
			if residual == nil {
				residual = rx
			} else if residual, err = expr.NewAnd(residual, rx); err != nil {
				return nil, err
			}
		}
	} else {
		if sq.exists {
			return nil, unsupported("EXISTS over a grouped or limited subquery is not supported yet")
		}
		n, t, err := p.planOneColumn(sq.sub, sc, "NOT IN, or IN over a grouped subquery,")
		if err != nil {
			return nil, err
		}
		right = n
		l, r, err := expr.Unify(inLefts[0], &expr.ColRef{Idx: 0, Typ: t}, "=")
		if err != nil {
			return nil, err
		}
		lkeys, rkeys = []expr.Expr{l}, []expr.Expr{r}
		if sq.negate {
			kind = colexec.NullAwareAntiJoin
		}
	}
	j := &joinNode{kind: kind, left: cur, right: right, lkeys: lkeys, rkeys: rkeys, residual: residual}
	// With far fewer rows to filter than subquery rows, build the rows to
	// filter and stream the subquery past them.
	j.reversed = len(lkeys) > 0 && estRows(cur)*4 < estRows(right)
	return j, nil
}

// bindScalarSubquery binds a scalar subquery. An uncorrelated one runs now
// and becomes a constant; one correlated by equalities in a WHERE clause
// becomes a left join against the subquery grouped by its correlation keys.
func (b *binder) bindScalarSubquery(sq *tree.Subquery) (expr.Expr, error) {
	if sq.Exists {
		return b.bindExists(sq)
	}
	n, cols, corr, err := b.p.planSubquery(sq, b.scope)
	if err != nil {
		return b.applyInstead(sq, err)
	}
	if len(cols) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
	}
	if len(corr) > 0 {
		x, err := b.correlatedScalar(sq)
		if err != nil {
			return b.applyInstead(sq, err)
		}
		return x, nil
	}
	vals, err := b.runValues(n, cols[0].typ, 1, func() error {
		return sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
	})
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		return expr.NullConst(cols[0].typ), nil
	}
	return vals[0], nil
}

func (b *binder) correlatedScalar(sq *tree.Subquery) (expr.Expr, error) {
	simple, ok := simpleSubquery(sq)
	if !ok || b.from == nil || len(simple.Exprs) != 1 {
		return nil, unsupported("this correlated scalar subquery is not supported yet: only single-column subqueries correlated by equalities, in WHERE or the select list")
	}
	n, isc, corr, err := b.p.planCorrelated(simple, b.scope)
	if err != nil {
		return nil, err
	}
	in, out, rest := splitCorrelated(corr)
	if len(rest) > 0 || len(in) == 0 {
		return nil, unsupported("correlated scalar subqueries need equality correlation")
	}
	coll := &aggCollector{inner: &binder{p: b.p, scope: isc, clause: "aggregate function calls"}}
	v, err := (&binder{p: b.p, scope: isc, agg: coll}).bind(simple.Exprs[0].Expr)
	if err != nil {
		return nil, err
	}
	if err := unifyKeys(out, in); err != nil {
		return nil, err
	}
	nk := len(in)
	fc := b.from
	if len(coll.calls) == 0 {
		// A plain value: at most one row per correlation key, else 21000.
		// Grouping by the keys with count(*) and min(value) finds both the
		// value and the rows that would break that rule.
		if v, err = untypedAsText(v); err != nil {
			return nil, err
		}
		mt, err := colexec.AggResultType(colexec.AggMin, v.Type(), "min")
		if err != nil {
			return nil, err
		}
		agg := &aggNode{in: n, keys: in, aggs: []aggCall{
			{fn: colexec.AggCountStar, name: "count", typ: vec.Int64},
			{fn: colexec.AggMin, name: "min", arg: v, typ: mt},
		}}
		fc.joins = append(fc.joins, scalarJoin{n: agg, outerKeys: out, nkeys: nk, width: nk + 2})
		pos := fc.extWid + nk
		fc.extWid += nk + 2
		return expr.NewSingleRow(&expr.ColRef{Idx: pos, Typ: vec.Int64}, &expr.ColRef{Idx: pos + 1, Typ: mt, Name: "subquery"}), nil
	}
	agg, outs, _, err := b.p.aggregate(n, in, coll.calls, []expr.Expr{v}, nil, nil)
	if err != nil {
		return nil, err
	}
	ts := agg.types()
	proj := make([]expr.Expr, 0, nk+1)
	for i := 0; i < nk; i++ {
		proj = append(proj, &expr.ColRef{Idx: i, Typ: ts[i]})
	}
	proj = append(proj, outs[0])
	fc.joins = append(fc.joins, scalarJoin{n: &projectNode{in: agg, exprs: proj}, outerKeys: out, nkeys: nk, width: nk + 1})
	pos := fc.extWid + nk
	fc.extWid += nk + 1
	var ref expr.Expr = &expr.ColRef{Idx: pos, Typ: v.Type(), Name: "subquery"}
	if fe, ok := simple.Exprs[0].Expr.(*tree.FuncExpr); ok && funcName(fe) == "count" {
		zero := vec.New(vec.Int64, 1)
		zero.AppendInt64(0)
		return expr.NewCoalesce([]expr.Expr{ref, expr.NewConst(zero)})
	}
	return ref, nil
}

// bindInSubquery handles IN (subquery) where it cannot become a semi join
// (inside OR, CASE, the select list): an uncorrelated subquery runs now and
// its values become an IN list.
func (b *binder) bindInSubquery(left tree.Expr, sq *tree.Subquery, negate bool) (expr.Expr, error) {
	x, err := b.bind(left)
	if err != nil {
		return nil, err
	}
	vals, err := b.subqueryValues(sq, 100000, "IN (subquery) outside a WHERE condition")
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		// x IN (empty) is false, and NOT IN true, even for a NULL x.
		v := vec.New(vec.Bool, 1)
		v.AppendBool(negate)
		return expr.NewConst(v), nil
	}
	return expr.NewInList(x, vals, negate)
}

// planJoinUnit plans an outer join, or an inner join with USING or
// NATURAL, as one unit of the enclosing FROM.
func (p *Planner) planJoinUnit(t *tree.JoinTableExpr, outer *scope) (*unit, error) {
	kind := colexec.InnerJoin
	swap := false
	switch t.JoinType {
	case tree.AstLeft:
		kind = colexec.LeftJoin
	case tree.AstRight:
		kind, swap = colexec.LeftJoin, true
	case tree.AstFull:
		kind = colexec.FullJoin
	}
	ln, lsc, err := p.planFrom(tree.TableExprs{t.Left}, nil, outer)
	if err != nil {
		return nil, err
	}
	rn, rsc, err := p.planFrom(tree.TableExprs{t.Right}, nil, outer)
	if err != nil {
		return nil, err
	}
	nl := len(lsc.cols)
	sc := &scope{parent: outer, cols: append(append([]column(nil), lsc.cols...), rsc.cols...)}
	var conds []expr.Expr
	var using []string
	switch c := t.Cond.(type) {
	case *tree.OnJoinCond:
		b := &binder{p: p, scope: sc, clause: "JOIN conditions"}
		for _, x := range splitAnd(c.Expr) {
			bx, err := b.bind(x)
			if err != nil {
				return nil, err
			}
			if bx, err = asCondition(bx, "JOIN"); err != nil {
				return nil, err
			}
			if o, _ := hasOuter(bx); o {
				return nil, unsupported("outer references in JOIN conditions are not supported")
			}
			conds = append(conds, bx)
		}
	case *tree.UsingJoinCond:
		for _, n := range c.Cols {
			using = append(using, string(n))
		}
	case tree.NaturalJoinCond:
		for _, lc := range lsc.cols {
			for _, rc := range rsc.cols {
				if lc.name == rc.name && !lc.hidden && !rc.hidden {
					using = append(using, lc.name)
				}
			}
		}
	case nil:
	default:
		return nil, unsupported("join condition %T is not supported", c)
	}
	var pairs [][2]int // USING columns: left and right positions
	for _, name := range using {
		li, ri := -1, -1
		for i, c := range lsc.cols {
			if c.name == name && !c.hidden {
				li = i
			}
		}
		for i, c := range rsc.cols {
			if c.name == name && !c.hidden {
				ri = i
			}
		}
		if li < 0 || ri < 0 {
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" specified in USING clause does not exist in %s table", name, map[bool]string{true: "left", false: "right"}[li < 0])
		}
		eq, err := expr.NewCompare(expr.EQ, &expr.ColRef{Idx: li, Typ: lsc.cols[li].typ}, &expr.ColRef{Idx: nl + ri, Typ: rsc.cols[ri].typ})
		if err != nil {
			return nil, err
		}
		conds = append(conds, eq)
		sc.cols[li].hidden = true
		sc.cols[nl+ri].hidden = true
		pairs = append(pairs, [2]int{li, nl + ri})
	}
	side := func(e expr.Expr) (left, right bool) {
		for _, c := range expr.Columns(e) {
			if c < nl {
				left = true
			} else {
				right = true
			}
		}
		return
	}
	var lkeys, rkeys []expr.Expr
	var residual expr.Expr
	for _, c := range conds {
		if cmp, ok := c.(*expr.Compare); ok && cmp.Op == expr.EQ {
			ll, lr := side(cmp.L)
			rl, rr := side(cmp.R)
			switch {
			case ll && !lr && rr && !rl:
				lkeys, rkeys = append(lkeys, cmp.L), append(rkeys, shift(cmp.R, -nl))
				continue
			case rl && !rr && lr && !ll:
				lkeys, rkeys = append(lkeys, cmp.R), append(rkeys, shift(cmp.L, -nl))
				continue
			}
		}
		l, r := side(c)
		// A condition on the preserved side's partner alone filters it
		// before the join; anything else is checked per pair.
		if r && !l && (kind == colexec.InnerJoin || (kind == colexec.LeftJoin && !swap)) {
			rn = &filterNode{in: rn, pred: shift(c, -nl)}
			continue
		}
		if l && !r && (kind == colexec.InnerJoin || (kind == colexec.LeftJoin && swap)) {
			ln = &filterNode{in: ln, pred: c}
			continue
		}
		if residual == nil {
			residual = c
		} else {
			a, err := expr.NewAnd(residual, c)
			if err != nil {
				return nil, err
			}
			residual = a
		}
	}
	if err := unifyKeys(lkeys, rkeys); err != nil {
		return nil, err
	}
	var n node
	if swap {
		// a RIGHT JOIN b is b LEFT JOIN a with the columns put back.
		nr := len(rsc.cols)
		var res expr.Expr
		if residual != nil {
			m := make([]int, nl+nr)
			for i := 0; i < nl; i++ {
				m[i] = nr + i
			}
			for i := 0; i < nr; i++ {
				m[nl+i] = i
			}
			res = remap(residual, m)
		}
		j := &joinNode{kind: kind, left: rn, right: ln, lkeys: rkeys, rkeys: lkeys, residual: res}
		proj := make([]expr.Expr, 0, nl+nr)
		for i, c := range lsc.cols {
			proj = append(proj, &expr.ColRef{Idx: nr + i, Typ: c.typ})
		}
		for i, c := range rsc.cols {
			proj = append(proj, &expr.ColRef{Idx: i, Typ: c.typ})
		}
		n = &projectNode{in: j, exprs: proj}
	} else {
		n = &joinNode{kind: kind, left: ln, right: rn, lkeys: lkeys, rkeys: rkeys, residual: residual}
	}
	cols := sc.cols
	if len(pairs) > 0 {
		// USING columns come first, merged: the left one for inner and
		// left joins, the right one for right joins, COALESCE of both for
		// full joins. The originals stay reachable by qualified name.
		var exprs []expr.Expr
		var merged []column
		for _, pr := range pairs {
			l := &expr.ColRef{Idx: pr[0], Typ: sc.cols[pr[0]].typ}
			r := &expr.ColRef{Idx: pr[1], Typ: sc.cols[pr[1]].typ}
			var m expr.Expr = l
			switch {
			case t.JoinType == tree.AstRight:
				m = r
			case t.JoinType == tree.AstFull:
				c, err := expr.NewCoalesce([]expr.Expr{l, r})
				if err != nil {
					return nil, err
				}
				m = c
			}
			exprs = append(exprs, m)
			merged = append(merged, column{name: sc.cols[pr[0]].name, typ: m.Type()})
		}
		for i, c := range sc.cols {
			exprs = append(exprs, &expr.ColRef{Idx: i, Typ: c.typ})
		}
		n = &projectNode{in: n, exprs: exprs}
		cols = append(merged, sc.cols...)
	}
	return &unit{n: n, cols: cols, rows: 1000, full: 1000}, nil
}

func disjuncts(e expr.Expr) []expr.Expr {
	if o, ok := e.(*expr.Or); ok {
		return append(disjuncts(o.L), disjuncts(o.R)...)
	}
	return []expr.Expr{e}
}

func conjuncts(e expr.Expr) []expr.Expr {
	if a, ok := e.(*expr.And); ok {
		return append(conjuncts(a.L), conjuncts(a.R)...)
	}
	return []expr.Expr{e}
}

func andAll(es []expr.Expr) expr.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = &expr.And{L: out, R: e}
	}
	return out
}

func orAll(es []expr.Expr) expr.Expr {
	out := es[0]
	for _, e := range es[1:] {
		out = &expr.Or{L: out, R: e}
	}
	return out
}

// factorOrs pulls conjuncts common to every branch of an OR out of it:
// (a AND b) OR (a AND c) becomes a AND (b OR c), so that a join key hidden
// in each branch (TPC-H Q19) becomes a join key.
func factorOrs(conjs []expr.Expr) []expr.Expr {
	var out []expr.Expr
	for _, x := range conjs {
		ds := disjuncts(x)
		if len(ds) < 2 {
			out = append(out, x)
			continue
		}
		branches := make([][]expr.Expr, len(ds))
		for i, d := range ds {
			branches[i] = conjuncts(d)
		}
		var common []expr.Expr
		for _, c := range branches[0] {
			key := c.String()
			inAll := true
			for _, br := range branches[1:] {
				found := false
				for _, o := range br {
					found = found || o.String() == key
				}
				inAll = inAll && found
			}
			if inAll {
				common = append(common, c)
			}
		}
		if len(common) == 0 {
			out = append(out, x)
			continue
		}
		out = append(out, common...)
		rest := make([]expr.Expr, 0, len(ds))
		emptyBranch := false
		for _, br := range branches {
			var keep []expr.Expr
			for _, c := range br {
				isCommon := false
				for _, k := range common {
					isCommon = isCommon || k.String() == c.String()
				}
				if !isCommon {
					keep = append(keep, c)
				}
			}
			if len(keep) == 0 {
				// One branch is just the common part: the OR is true.
				emptyBranch = true
				break
			}
			rest = append(rest, andAll(keep))
		}
		if !emptyBranch {
			out = append(out, orAll(rest))
		}
	}
	return out
}

// impliedFilter returns the OR, over the branches of x, of each branch's
// conjuncts that own accepts, or nil when some branch has none.
func impliedFilter(x expr.Expr, own func(expr.Expr) bool) expr.Expr {
	var parts []expr.Expr
	for _, d := range disjuncts(x) {
		var mine []expr.Expr
		for _, c := range conjuncts(d) {
			if own(c) {
				mine = append(mine, c)
			}
		}
		if len(mine) == 0 {
			return nil
		}
		parts = append(parts, andAll(mine))
	}
	return orAll(parts)
}

// quantifiedIn reads IN, NOT IN, = ANY (= SOME) and <> ALL as IN or NOT IN;
// anything else gives EQ (not a membership test).
func quantifiedIn(x *tree.ComparisonExpr) treecmp.ComparisonOperatorSymbol {
	switch x.Operator.Symbol {
	case treecmp.In, treecmp.NotIn:
		return x.Operator.Symbol
	case treecmp.Any, treecmp.Some:
		if x.SubOperator.Symbol == treecmp.EQ {
			return treecmp.In
		}
	case treecmp.All:
		if x.SubOperator.Symbol == treecmp.NE {
			return treecmp.NotIn
		}
	}
	return treecmp.EQ
}

// filterSelectivity guesses the fraction of rows a pushed condition keeps,
// without column statistics: equalities keep few, ranges and patterns more.
func filterSelectivity(e expr.Expr) float64 {
	switch e := e.(type) {
	case *expr.Compare:
		if e.Op == expr.EQ {
			return 0.05
		}
		if e.Op == expr.NE {
			return 0.9
		}
		return 0.3
	case *expr.InList:
		return min(0.05*float64(len(e.Vals)), 0.5)
	case *expr.And:
		return filterSelectivity(e.L) * filterSelectivity(e.R)
	case *expr.Or:
		return min(filterSelectivity(e.L)+filterSelectivity(e.R), 1)
	case *expr.Not:
		return 1 - filterSelectivity(e.In)
	}
	return 0.3
}

// effectiveSelectivity is unit ui's selectivity times that of the units
// joined to it by an equality that no joined unit touches (up to depth
// levels): joining ui brings their filters within reach.
func effectiveSelectivity(ui int, units []*unit, multi []expr.Expr, used []bool, refs func(expr.Expr) map[int]bool, joined, seen map[int]bool, depth int) float64 {
	sel := units[ui].selectivity()
	if depth == 0 {
		return sel
	}
	for ci, x := range multi {
		if used[ci] {
			continue
		}
		c, ok := x.(*expr.Compare)
		if !ok || c.Op != expr.EQ {
			continue
		}
		r := refs(x)
		if len(r) != 2 || !r[ui] {
			continue
		}
		for other := range r {
			if other == ui || joined[other] || seen[other] || connectedToJoined(other, multi, used, refs, joined) {
				continue
			}
			seen[other] = true
			sel *= effectiveSelectivity(other, units, multi, used, refs, joined, seen, depth-1)
		}
	}
	return sel
}

func connectedToJoined(ui int, multi []expr.Expr, used []bool, refs func(expr.Expr) map[int]bool, joined map[int]bool) bool {
	for ci, x := range multi {
		if used[ci] {
			continue
		}
		r := refs(x)
		if !r[ui] {
			continue
		}
		for o := range r {
			if joined[o] {
				return true
			}
		}
	}
	return false
}

// runValues runs a planned one-column subquery and returns its values as
// constants; past limit values it fails with tooMany's error.
func (b *binder) runValues(n node, t vec.Type, limit int, tooMany func() error) ([]*expr.Const, error) {
	if b.p.opts.Params != nil {
		// Describing a prepared statement: the value cannot matter, only
		// its type, and the subquery may be expensive.
		return []*expr.Const{expr.NullConst(t)}, nil
	}
	op, m, err := (&builder{p: b.p}).build(n, all(1))
	if err != nil {
		return nil, err
	}
	defer op.Close()
	op = denseColumns(op, m, b.p.opts.Env)
	var vals []*expr.Const
	err = colexec.Drain(b.p.ctx, op, func(bt *vec.Batch) error {
		if len(vals)+bt.Len > limit {
			return tooMany()
		}
		for k := 0; k < bt.Len; k++ {
			v := vec.New(t, 1)
			v.AppendFrom(bt.Cols[0], bt.Row(k))
			vals = append(vals, expr.NewConst(v))
		}
		return nil
	})
	return vals, err
}

// subqueryValues plans and runs an uncorrelated one-column subquery used
// as what, returning at most limit values.
func (b *binder) subqueryValues(sq *tree.Subquery, limit int, what string) ([]*expr.Const, error) {
	n, t, err := b.p.planOneColumn(sq, b.scope, what)
	if err != nil {
		return nil, err
	}
	return b.runValues(n, t, limit, func() error {
		return unsupported("a subquery used as %s is limited to %d values; use it as a WHERE condition", what, limit)
	})
}

// bindExists binds EXISTS (subquery) where it is a value rather than a WHERE
// conjunct (the select list, CASE, OR). Uncorrelated, it runs now; correlated
// by equalities, it becomes a left join against the subquery's distinct
// correlation keys, true where one matched.
func (b *binder) bindExists(sq *tree.Subquery) (expr.Expr, error) {
	simple, ok := simpleSubquery(sq)
	if !ok {
		// Grouped or limited: run it when uncorrelated.
		n, _, corr, err := b.p.planSubquery(sq, b.scope)
		if err != nil {
			return nil, err
		}
		if len(corr) > 0 {
			return nil, unsupported("a correlated EXISTS over a grouped or limited subquery is supported only as a WHERE condition")
		}
		return b.existsNow(n)
	}
	n, _, corr, err := b.p.planCorrelated(simple, b.scope)
	if err != nil {
		return nil, err
	}
	if len(corr) == 0 {
		return b.existsNow(n)
	}
	in, out, rest := splitCorrelated(corr)
	if len(rest) > 0 || len(in) == 0 || b.from == nil {
		return nil, unsupported("EXISTS correlated by other than equalities is supported only as a WHERE condition")
	}
	if err := unifyKeys(out, in); err != nil {
		return nil, err
	}
	nk := len(in)
	fc := b.from
	fc.joins = append(fc.joins, scalarJoin{n: &aggNode{in: n, keys: in}, outerKeys: out, nkeys: nk, width: nk})
	pos := fc.extWid
	fc.extWid += nk
	// The left join leaves the subquery's key NULL where nothing matched.
	return &expr.IsNull{In: &expr.ColRef{Idx: pos, Typ: in[0].Type()}, Negate: true}, nil
}

// existsNow runs an uncorrelated subquery far enough to see one row.
func (b *binder) existsNow(n node) (expr.Expr, error) {
	op, _, err := (&builder{p: b.p}).build(&limitNode{in: n, limit: 1}, all(len(n.types())))
	if err != nil {
		return nil, err
	}
	defer op.Close()
	found := false
	err = colexec.Drain(b.p.ctx, op, func(bt *vec.Batch) error {
		found = found || bt.Len > 0
		return nil
	})
	if err != nil {
		return nil, err
	}
	v := vec.New(vec.Bool, 1)
	v.AppendBool(found)
	return expr.NewConst(v), nil
}

// pushInSubquery applies an IN or NOT IN subquery conjunct to the one unit
// its left operand reads, reporting whether it did. The subquery is planned
// against that unit's columns alone, so any reference to another relation
// makes it stay where it was, after the joins.
func (p *Planner) pushInSubquery(units []*unit, sc *scope, sq subqueryConj, refs func(expr.Expr) map[int]bool) bool {
	x, err := (&binder{p: p, scope: sc, clause: "WHERE"}).bind(sq.left)
	if err != nil {
		return false
	}
	r := refs(x)
	if len(r) != 1 {
		return false
	}
	for ui := range r {
		if ui < 0 {
			return false
		}
		u := units[ui]
		usc := &scope{cols: u.cols, parent: sc.parent}
		f := &corrFrame{}
		p.corr = append(p.corr, f)
		n, err := p.subqueryJoin(u.n, usc, sq)
		p.corr = p.corr[:len(p.corr)-1]
		if err != nil || len(f.conjs) > 0 {
			return false
		}
		u.n = n
		u.rows *= 0.1
	}
	return true
}
