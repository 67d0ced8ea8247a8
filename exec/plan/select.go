package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

func unsupported(format string, args ...any) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "%s", fmt.Sprintf(format, args...))
}

// planSelect plans a full SELECT statement (WITH, body, ORDER BY, LIMIT).
func (p *Planner) planSelect(sel *tree.Select, outer *scope) (node, []column, error) {
	p.depth++
	defer func() { p.depth-- }()
	if sel.With != nil {
		if sel.With.Recursive {
			return nil, nil, unsupported("WITH RECURSIVE is not supported")
		}
		m := map[string]*cte{}
		for _, c := range sel.With.CTEList {
			s, ok := c.Stmt.(*tree.Select)
			if !ok {
				return nil, nil, unsupported("only SELECT is supported in WITH")
			}
			m[string(c.Name.Alias)] = &cte{name: string(c.Name.Alias), sel: s, cols: c.Name.Cols}
		}
		p.ctes = append(p.ctes, m)
		defer func() { p.ctes = p.ctes[:len(p.ctes)-1] }()
	}
	var n node
	var cols []column
	var err error
	switch body := sel.Select.(type) {
	case *tree.SelectClause:
		n, cols, err = p.planClause(body, sel.OrderBy, outer)
	case *tree.ParenSelect:
		n, cols, err = p.planSelect(body.Select, outer)
		if err == nil && len(sel.OrderBy) > 0 {
			n, err = p.orderByOutput(n, cols, sel.OrderBy)
		}
	case *tree.UnionClause:
		n, cols, err = p.planSetOp(body, outer)
		if err == nil && len(sel.OrderBy) > 0 {
			n, err = p.orderByOutput(n, cols, sel.OrderBy)
		}
	case *tree.ValuesClause:
		n, cols, err = p.planValues(body, outer)
		if err == nil && len(sel.OrderBy) > 0 {
			n, err = p.orderByOutput(n, cols, sel.OrderBy)
		}
	default:
		return nil, nil, unsupported("%T is not supported yet", body)
	}
	if err != nil {
		return nil, nil, err
	}
	if sel.Limit != nil {
		lim, off, err := p.limitValues(sel.Limit)
		if err != nil {
			return nil, nil, err
		}
		n = &limitNode{in: n, limit: lim, offset: off}
	}
	if p.depth == 1 {
		n, cols = regOutput(n, cols)
	}
	return n, cols, nil
}

func (p *Planner) limitValues(l *tree.Limit) (int64, int64, error) {
	lim, off := int64(-1), int64(0)
	val := func(e tree.Expr, what string) (int64, error) {
		b := &binder{p: p, scope: &scope{}, clause: what}
		x, err := b.bind(e)
		if err != nil {
			return 0, err
		}
		if x, err = expr.Coerce(x, vec.Int64); err != nil {
			return 0, err
		}
		if x, err = expr.FoldConstants(x, p.opts.Env); err != nil {
			return 0, err
		}
		k, ok := x.(*expr.Const)
		if !ok {
			return 0, sqlerr.New(sqlerr.SyntaxError, "argument of %s must not contain variables", what)
		}
		if k.IsNull() {
			return -1, nil
		}
		v := k.Val.Int64s()[0]
		if v < 0 {
			if what == "OFFSET" {
				return 0, sqlerr.New("2201X", "OFFSET must not be negative")
			}
			return 0, sqlerr.New("2201W", "LIMIT must not be negative")
		}
		return v, nil
	}
	var err error
	if l.Count != nil && !l.LimitAll {
		if lim, err = val(l.Count, "LIMIT"); err != nil {
			return 0, 0, err
		}
	}
	if l.Offset != nil {
		if off, err = val(l.Offset, "OFFSET"); err != nil {
			return 0, 0, err
		}
		if off < 0 {
			off = 0
		}
	}
	return lim, off, nil
}

// orderByOutput sorts a finished result by output names or ordinals.
func (p *Planner) orderByOutput(n node, cols []column, ob tree.OrderBy) (node, error) {
	var keys []sortKey
	for _, o := range ob {
		idx, err := outputColumn(o.Expr, cols)
		if err != nil {
			return nil, err
		}
		if idx < 0 {
			return nil, unsupported("ORDER BY %s: only output columns can order this query", tree.AsString(o.Expr))
		}
		keys = append(keys, makeSortKey(idx, o))
	}
	return &sortNode{in: n, keys: keys}, nil
}

func makeSortKey(col int, o *tree.Order) sortKey {
	desc := o.Direction == tree.Descending
	nf := desc
	switch o.NullsOrder {
	case tree.NullsFirst:
		nf = true
	case tree.NullsLast:
		nf = false
	}
	return sortKey{col: col, desc: desc, nullsFirst: nf}
}

// outputColumn finds an ORDER BY item that is an ordinal or an output
// column name; -1 when it is neither.
func outputColumn(e tree.Expr, cols []column) (int, error) {
	if n, ok := e.(*tree.NumVal); ok {
		i, err := strconv.Atoi(n.String())
		if err != nil || i < 1 || i > len(cols) {
			return 0, sqlerr.New(sqlerr.InvalidColumnReference, "ORDER BY position %s is not in select list", n.String())
		}
		return i - 1, nil
	}
	if u, ok := e.(*tree.UnresolvedName); ok && u.NumParts == 1 && !u.Star {
		found := -1
		for i, c := range cols {
			if c.name == u.Parts[0] && !c.hidden {
				if found >= 0 {
					return 0, sqlerr.New(sqlerr.AmbiguousColumn, "ORDER BY %q is ambiguous", u.Parts[0])
				}
				found = i
			}
		}
		return found, nil
	}
	return -1, nil
}

// planClause plans SELECT ... FROM ... WHERE ... GROUP BY ... HAVING with
// the statement's ORDER BY (which may name FROM columns and aggregates).
func (p *Planner) planClause(sc *tree.SelectClause, orderBy tree.OrderBy, outer *scope) (node, []column, error) {
	if len(sc.Window) > 0 {
		if err := resolveNamedWindows(sc, orderBy); err != nil {
			return nil, nil, err
		}
	}
	from, fscope, err := p.planFrom(sc.From.Tables, sc.Where, outer)
	if err != nil {
		return nil, nil, err
	}
	fromBinder := &binder{p: p, scope: fscope, clause: "WHERE"}
	coll := &aggCollector{inner: &binder{p: p, scope: fscope, clause: "aggregate function calls"}}
	wins := &winCollector{}
	// Correlated scalar subqueries in the select list and ORDER BY become
	// left joins appended to the FROM relation, as in WHERE.
	selFrom := &fromCtx{width: len(fscope.cols), extWid: len(fscope.cols)}
	srfs := &srfCollector{}
	selBinder := &binder{p: p, scope: fscope, agg: coll, win: wins, srf: srfs, clause: "this context", from: selFrom}

	// Select list.
	var outExprs []expr.Expr
	var outCols []column
	for _, se := range sc.Exprs {
		if star, table := starOf(se.Expr); star {
			any := false
			for i, c := range fscope.cols {
				if (c.hidden && table == "") || (table != "" && c.table != table) {
					continue
				}
				any = true
				outExprs = append(outExprs, &expr.ColRef{Idx: i, Typ: c.typ, Name: qualified(c.table, c.name)})
				outCols = append(outCols, column{name: c.name, typ: c.typ, origin: c.origin})
			}
			if !any && table != "" {
				return nil, nil, sqlerr.New(sqlerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", table)
			}
			continue
		}
		x, err := selBinder.bind(se.Expr)
		if err != nil {
			return nil, nil, err
		}
		unknown := false
		if k, ok := x.(*expr.Const); ok && k.Untyped {
			unknown = k.IsNull()
			if x, err = expr.Coerce(x, vec.Text); err != nil {
				return nil, nil, err
			}
		}
		name := string(se.As)
		if name == "" {
			name = columnName(se.Expr)
		}
		outExprs = append(outExprs, x)
		col := column{name: name, typ: x.Type(), unknown: unknown}
		if ref, ok := x.(*expr.ColRef); ok && ref.Idx < len(fscope.cols) {
			col.origin = fscope.cols[ref.Idx].origin
		}
		outCols = append(outCols, col)
	}

	// GROUP BY keys: ordinals and output aliases refer to the select list.
	var keys []expr.Expr
	for _, g := range sc.GroupBy {
		if t, ok := g.(*tree.Tuple); ok && len(t.Exprs) == 0 {
			// GROUP BY (): the empty grouping set adds no key, and
			// alone makes the query one group, even over no rows.
			continue
		}
		if n, ok := g.(*tree.NumVal); ok {
			i, err := strconv.Atoi(n.String())
			if err != nil || i < 1 || i > len(outExprs) {
				return nil, nil, sqlerr.New(sqlerr.InvalidColumnReference, "GROUP BY position %s is not in select list", n.String())
			}
			keys = append(keys, outExprs[i-1])
			continue
		}
		if u, ok := g.(*tree.UnresolvedName); ok && u.NumParts == 1 {
			if _, err := fscope.resolve("", u.Parts[0]); err != nil && sqlerr.CodeOf(err) == sqlerr.UndefinedColumn {
				found := false
				for i, c := range outCols {
					if c.name == u.Parts[0] {
						keys, found = append(keys, outExprs[i]), true
						break
					}
				}
				if found {
					continue
				}
			}
		}
		k, err := (&binder{p: p, scope: fscope, clause: "GROUP BY"}).bind(g)
		if err != nil {
			return nil, nil, err
		}
		keys = append(keys, k)
	}

	for _, k := range keys {
		if containsSRF(k) {
			return nil, nil, sqlerr.New(sqlerr.FeatureNotSupported, "set-returning functions are not allowed in GROUP BY")
		}
	}

	var having expr.Expr
	if sc.Having != nil {
		hb := &binder{p: p, scope: fscope, agg: coll}
		h, err := hb.bind(sc.Having.Expr)
		if err != nil {
			return nil, nil, err
		}
		having = h
	}

	// DISTINCT ON expressions: output columns, or hidden ones.
	var donCols []int
	for _, d := range sc.DistinctOn {
		idx, err := outputColumn(d, outCols)
		if err != nil {
			return nil, nil, err
		}
		if idx < 0 {
			x, err := selBinder.bind(d)
			if err != nil {
				return nil, nil, err
			}
			for i, e := range outExprs {
				if e.String() == x.String() && e.Type() == x.Type() {
					idx = i
					break
				}
			}
			if idx < 0 {
				idx = len(outExprs)
				outExprs = append(outExprs, x)
				outCols = append(outCols, column{name: "?distinct?", typ: x.Type(), hidden: true})
			}
		}
		donCols = append(donCols, idx)
	}

	// ORDER BY items: output columns, or expressions added as hidden
	// columns.
	var sortKeys []sortKey
	for _, o := range orderBy {
		idx, err := outputColumn(o.Expr, outCols)
		if err != nil {
			return nil, nil, err
		}
		if idx < 0 {
			x, err := selBinder.bind(o.Expr)
			if err != nil {
				return nil, nil, err
			}
			for i, e := range outExprs {
				if e.String() == x.String() && e.Type() == x.Type() {
					idx = i
					break
				}
			}
			if idx < 0 {
				if sc.Distinct && len(donCols) == 0 {
					return nil, nil, sqlerr.New(sqlerr.InvalidColumnReference, "for SELECT DISTINCT, ORDER BY expressions must appear in select list")
				}
				idx = len(outExprs)
				outExprs = append(outExprs, x)
				outCols = append(outCols, column{name: "?order?", typ: x.Type(), hidden: true})
			}
		}
		sortKeys = append(sortKeys, makeSortKey(idx, o))
	}

	n := from
	aggregating := len(sc.GroupBy) > 0 || len(coll.calls) > 0 || having != nil
	if len(selFrom.joins) > 0 {
		if aggregating {
			return nil, nil, unsupported("correlated subqueries in the select list of a grouped query are not supported yet")
		}
		for _, j := range selFrom.joins {
			ts := j.n.types()
			rkeys := make([]expr.Expr, j.nkeys)
			for i := range rkeys {
				rkeys[i] = &expr.ColRef{Idx: i, Typ: ts[i]}
			}
			n = &joinNode{kind: colexec.LeftJoin, left: n, right: j.n, lkeys: j.outerKeys, rkeys: rkeys}
		}
	}
	if aggregating {
		var srfArgs [][]expr.Expr
		for _, c := range srfs.calls {
			srfArgs = append(srfArgs, c.args)
		}
		n, outExprs, having, err = p.aggregate(n, keys, coll.calls, outExprs, having, wins.calls, srfArgs...)
		if err != nil {
			return nil, nil, err
		}
	}
	_ = fromBinder
	if having != nil {
		n = &filterNode{in: n, pred: having}
	}
	if len(wins.calls) > 0 {
		var cols []int
		n, cols, err = p.addWindows(n, wins.calls)
		if err != nil {
			return nil, nil, err
		}
		toCol := func(x expr.Expr) expr.Expr {
			if r, ok := x.(*winRef); ok {
				return &expr.ColRef{Idx: cols[r.idx], Typ: r.typ}
			}
			return x
		}
		for i, e := range outExprs {
			outExprs[i] = expr.Map(e, toCol)
		}
		_ = mapSRFArgs(srfs.calls, func(a expr.Expr) (expr.Expr, error) { return expr.Map(a, toCol), nil })
	}
	if len(srfs.calls) > 0 {
		n, outExprs = addSRFs(n, srfs.calls, outExprs)
	}
	n = &projectNode{in: n, exprs: outExprs}
	if len(donCols) > 0 {
		// DISTINCT ON keeps the first row of each group in ORDER BY
		// order: row_number() over the group, ordered so, equal to 1.
		// As in PostgreSQL, the ORDER BY items among the DISTINCT ON
		// expressions must lead it, and cover them all unless it ends
		// there (DISTINCT ON (a, b) ... ORDER BY a is fine).
		don := map[int]bool{}
		for _, c := range donCols {
			don[c] = true
		}
		covered, skipped := map[int]bool{}, false
		for _, k := range sortKeys {
			switch {
			case !don[k.col]:
				skipped = true
			case skipped:
				return nil, nil, errDistinctOnOrder()
			default:
				covered[k.col] = true
			}
		}
		if skipped && len(covered) < len(don) {
			return nil, nil, errDistinctOnOrder()
		}
		ts := n.types()
		wc := winCall{name: "row_number", typ: vec.Int64}
		for _, c := range donCols {
			wc.partition = append(wc.partition, &expr.ColRef{Idx: c, Typ: ts[c]})
		}
		for _, k := range sortKeys {
			sk := k
			sk.col = len(wc.order)
			wc.orderKeys = append(wc.orderKeys, sk)
			wc.order = append(wc.order, &expr.ColRef{Idx: k.col, Typ: ts[k.col]})
		}
		wc.frame.HasOrder = len(wc.order) > 0
		wn, cols, err := p.addWindows(n, []winCall{wc})
		if err != nil {
			return nil, nil, err
		}
		one := vec.New(vec.Int64, 1)
		one.AppendInt64(1)
		first, err := expr.NewCompare(expr.EQ, &expr.ColRef{Idx: cols[0], Typ: vec.Int64}, expr.NewConst(one))
		if err != nil {
			return nil, nil, err
		}
		var keep []expr.Expr
		for i, t := range ts {
			keep = append(keep, &expr.ColRef{Idx: i, Typ: t})
		}
		n = &projectNode{in: &filterNode{in: wn, pred: first}, exprs: keep}
	} else if sc.Distinct {
		var ks []expr.Expr
		for i, e := range outExprs {
			ks = append(ks, &expr.ColRef{Idx: i, Typ: e.Type()})
		}
		n = &aggNode{in: n, keys: ks}
	}
	if len(sortKeys) > 0 {
		n = &sortNode{in: n, keys: sortKeys}
	}
	visible := 0
	for _, c := range outCols {
		if !c.hidden {
			visible++
		}
	}
	if visible < len(outCols) {
		var ex []expr.Expr
		for i, c := range outCols[:visible] {
			ex = append(ex, &expr.ColRef{Idx: i, Typ: c.typ})
		}
		n = &projectNode{in: n, exprs: ex}
		outCols = outCols[:visible]
	}
	return n, outCols, nil
}

func errDistinctOnOrder() error {
	return sqlerr.New(sqlerr.InvalidColumnReference, "SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
}

// aggregate adds the aggregation and rewrites the select list and HAVING
// over its output: group keys become key columns, aggregate calls their
// result columns, and any other column is a grouping error.
func (p *Planner) aggregate(in node, keys []expr.Expr, calls []aggCall, outs []expr.Expr, having expr.Expr, wins []winCall, srfArgs ...[]expr.Expr) (node, []expr.Expr, expr.Expr, error) {
	var err error
	var agg node
	if v := fromStatistics(in, keys, calls); v != nil {
		agg = v
	} else if agg, err = p.aggregation(in, keys, calls); err != nil {
		return nil, nil, nil, err
	}
	keyStr := make([]string, len(keys))
	for i, k := range keys {
		keyStr[i] = k.String()
	}
	rewrite := func(e expr.Expr) (expr.Expr, error) {
		var bad error
		out := mapTopDown(e, func(x expr.Expr) (expr.Expr, bool) {
			if r, ok := x.(*aggRef); ok {
				return &expr.ColRef{Idx: len(keys) + r.idx, Typ: r.typ}, true
			}
			if _, ok := x.(*winRef); ok {
				return x, true
			}
			if _, isConst := x.(*expr.Const); isConst {
				return x, true
			}
			s := x.String()
			for i, k := range keyStr {
				if s == k && keys[i].Type() == x.Type() {
					return &expr.ColRef{Idx: i, Typ: x.Type(), Name: s}, true
				}
			}
			if c, ok := x.(*expr.ColRef); ok && bad == nil {
				bad = sqlerr.New(sqlerr.GroupingError, "column %q must appear in the GROUP BY clause or be used in an aggregate function", c.Name)
			}
			return nil, false
		})
		return out, bad
	}
	newOuts := make([]expr.Expr, len(outs))
	for i, o := range outs {
		r, err := rewrite(o)
		if err != nil {
			return nil, nil, nil, err
		}
		newOuts[i] = r
	}
	if having != nil {
		h, err := rewrite(having)
		if err != nil {
			return nil, nil, nil, err
		}
		having = h
	}
	for _, list := range srfArgs {
		for j, e := range list {
			r, err := rewrite(e)
			if err != nil {
				return nil, nil, nil, err
			}
			list[j] = r
		}
	}
	for i := range wins {
		w := &wins[i]
		for _, list := range [][]expr.Expr{w.args, w.partition, w.order} {
			for j, e := range list {
				r, err := rewrite(e)
				if err != nil {
					return nil, nil, nil, err
				}
				list[j] = r
			}
		}
	}
	return agg, newOuts, having, nil
}

// mapTopDown replaces the largest subtrees f accepts.
func mapTopDown(e expr.Expr, f func(expr.Expr) (expr.Expr, bool)) expr.Expr {
	if r, ok := f(e); ok {
		return r
	}
	ch := expr.Children(e)
	if len(ch) == 0 {
		return e
	}
	nc := make([]expr.Expr, len(ch))
	changed := false
	for i, c := range ch {
		nc[i] = mapTopDown(c, f)
		changed = changed || nc[i] != c
	}
	if !changed {
		return e
	}
	return expr.WithChildren(e, nc)
}

func starOf(e tree.Expr) (bool, string) {
	switch e := e.(type) {
	case tree.UnqualifiedStar:
		return true, ""
	case *tree.AllColumnsSelector:
		return true, e.TableName.Parts[0]
	case *tree.UnresolvedName:
		if e.Star {
			if e.NumParts > 1 {
				return true, e.Parts[1]
			}
			return true, ""
		}
	}
	return false, ""
}

// columnName is the name PostgreSQL gives an unaliased select item.
func columnName(e tree.Expr) string {
	name, _ := figureName(e)
	return name
}

// figureName follows PostgreSQL's FigureColname: a column or function name
// is a strong choice; a cast names the column after its type unless its
// operand had a strong name; everything else is "?column?".
func figureName(e tree.Expr) (string, int) {
	switch e := e.(type) {
	case *tree.UnresolvedName:
		return e.Parts[0], 2
	case *tree.FuncExpr:
		n := funcName(e)
		if expr.IsLikeEscape(n) || strings.HasPrefix(n, "@") {
			// Operators that are functions here (@ is @abs) name no
			// column.
			return "?column?", 0
		}
		return n, 2
	case *tree.CastExpr:
		if n, strength := figureName(e.Expr); strength > 1 {
			return n, strength
		}
		if ct, ok := e.Type.(*types.T); ok && ct.Oid() == vec.OIDVarchar && ct.Width() == 0 {
			// varchar without a length is text to the engine, but the
			// column is named after the type written, as in PostgreSQL.
			return "varchar", 1
		}
		if t, err := TypeFromAST(e.Type); err == nil {
			return pgTypeName(t), 1
		}
	case *tree.CaseExpr:
		return "case", 1
	case *tree.CoalesceExpr:
		return strings.ToLower(e.Name), 2
	case *tree.NullIfExpr:
		return "nullif", 2
	case *tree.ParenExpr:
		return figureName(e.Expr)
	case *tree.Subquery:
		if e.Exists {
			return "exists", 2
		}
		// A scalar subquery is named after its one column.
		if ps, ok := e.Select.(*tree.ParenSelect); ok {
			if sc, ok := ps.Select.Select.(*tree.SelectClause); ok && len(sc.Exprs) == 1 {
				if sc.Exprs[0].As != "" {
					return string(sc.Exprs[0].As), 2
				}
				if star, _ := starOf(sc.Exprs[0].Expr); !star {
					return columnName(sc.Exprs[0].Expr), 2
				}
			}
		}
	case *tree.Array, *tree.ArrayFlatten:
		return "array", 2
	case *tree.IndirectionExpr:
		return figureName(e.Expr)
	case *tree.ColumnAccessExpr:
		return string(e.ColName), 2
	case *tree.CollateExpr:
		return figureName(e.Expr)
	}
	return "?column?", 0
}

func pgTypeName(t vec.Type) string {
	if t.Shape == vec.ShapeArray {
		return pgTypeName(t.ElemType()) // int4[] names a column int4, as FigureColname does
	}
	if t.Variant != 0 || t.Shape != vec.ShapeScalar {
		return strings.Trim(t.String(), `"`)
	}
	switch t.Kind {
	case vec.KindInt16:
		return "int2"
	case vec.KindInt32:
		return "int4"
	case vec.KindInt64:
		return "int8"
	case vec.KindFloat32:
		return "float4"
	case vec.KindFloat64:
		return "float8"
	case vec.KindNumeric, vec.KindDecimal:
		return "numeric"
	case vec.KindBool:
		return "bool"
	case vec.KindText:
		if t.Blank {
			return "bpchar"
		}
		if t.Width > 0 {
			return "varchar"
		}
		return "text"
	case vec.KindBytea:
		return "bytea"
	case vec.KindDate:
		return "date"
	case vec.KindTimestamp:
		return "timestamp"
	case vec.KindTimestampTZ:
		return "timestamptz"
	case vec.KindInterval:
		return "interval"
	}
	return t.String()
}

// aggregation builds the node computing calls grouped by keys, with output
// [keys..., one column per call]. Plain aggregates are one HashAgg. Each
// set of DISTINCT aggregates over one argument is a grouping on (keys,
// argument) followed by the aggregates; the parts are joined on the keys
// (NULL keys matching) and put back in the calls' order.
func (p *Planner) aggregation(in node, keys []expr.Expr, calls []aggCall) (node, error) {
	type part struct {
		arg   string
		calls []int
	}
	var plain []int
	var parts []part
	for i, c := range calls {
		if !c.distinct {
			plain = append(plain, i)
			continue
		}
		if c.filter != nil {
			return nil, unsupported("DISTINCT aggregates with FILTER are not supported yet")
		}
		found := false
		for j := range parts {
			if parts[j].arg == c.arg.String() {
				parts[j].calls = append(parts[j].calls, i)
				found = true
			}
		}
		if !found {
			parts = append(parts, part{arg: c.arg.String(), calls: []int{i}})
		}
	}
	keyRefs := func() []expr.Expr {
		var out []expr.Expr
		for i, k := range keys {
			out = append(out, &expr.ColRef{Idx: i, Typ: k.Type()})
		}
		return out
	}
	var nodes []node
	var members [][]int
	if len(plain) > 0 || len(parts) == 0 {
		var cs []aggCall
		for _, i := range plain {
			cs = append(cs, calls[i])
		}
		nodes = append(nodes, orderedAgg(in, keys, cs))
		members = append(members, plain)
	}
	for _, pt := range parts {
		arg := calls[pt.calls[0]].arg
		innerKeys := append(append([]expr.Expr(nil), keys...), arg)
		// The value arg encodes (array_agg's element), for ORDER BY: it
		// is a key too, which groups nothing apart since arg follows
		// from it.
		value := calls[pt.calls[0]].value
		valueRef := expr.Expr(&expr.ColRef{Idx: len(keys), Typ: arg.Type()})
		if value != nil && value.String() != arg.String() {
			innerKeys = append(innerKeys, value)
			valueRef = &expr.ColRef{Idx: len(keys) + 1, Typ: value.Type()}
		} else {
			value = arg
		}
		inner := &aggNode{in: in, keys: innerKeys}
		var cs []aggCall
		for _, i := range pt.calls {
			c := calls[i]
			c.distinct = false
			c.arg = &expr.ColRef{Idx: len(keys), Typ: arg.Type()}
			// The distinct values are all the inner aggregation keeps, so
			// an ORDER BY can only sort by the argument, as PostgreSQL
			// requires.
			order := make([]aggOrder, len(c.order))
			for k, o := range c.order {
				if o.e.String() != value.String() {
					return nil, sqlerr.New(sqlerr.InvalidColumnReference, "in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")
				}
				order[k] = aggOrder{e: valueRef, desc: o.desc, nullsFirst: o.nullsFirst}
			}
			c.order, c.value = order, nil
			cs = append(cs, c)
		}
		nodes = append(nodes, orderedAgg(inner, keyRefs(), cs))
		members = append(members, pt.calls)
	}
	if len(nodes) == 1 && len(parts) <= 1 && (len(plain) == 0) == (len(parts) == 1) {
		return nodes[0], nil
	}
	// Join the parts on the group keys and pick each call's column.
	nk := len(keys)
	cur := nodes[0]
	pos := make([]int, len(calls))
	for k, i := range members[0] {
		pos[i] = nk + k
	}
	width := nk + len(members[0])
	for j := 1; j < len(nodes); j++ {
		cur = &joinNode{kind: colexec.InnerJoin, left: cur, right: nodes[j], lkeys: keyRefs(), rkeys: keyRefs(), nullsEqual: true}
		for k, i := range members[j] {
			pos[i] = width + nk + k
		}
		width += nk + len(members[j])
	}
	ts := cur.types()
	out := keyRefs()
	for i := range calls {
		out = append(out, &expr.ColRef{Idx: pos[i], Typ: ts[pos[i]]})
	}
	return &projectNode{in: cur, exprs: out}, nil
}

// orderedAgg is an aggNode whose input is first sorted when an aggregate
// has ORDER BY (string_agg(x, ',' ORDER BY y)): the aggregation then sees
// each group's rows in that order.
func orderedAgg(in node, keys []expr.Expr, calls []aggCall) node {
	var order []aggOrder
	for _, c := range calls {
		if len(c.order) > 0 {
			order = c.order
			break
		}
	}
	if len(order) == 0 {
		return &aggNode{in: in, keys: keys, aggs: calls}
	}
	ts := in.types()
	var exprs []expr.Expr
	for i, t := range ts {
		exprs = append(exprs, &expr.ColRef{Idx: i, Typ: t})
	}
	var sk []sortKey
	for _, o := range order {
		sk = append(sk, sortKey{col: len(exprs), desc: o.desc, nullsFirst: o.nullsFirst})
		exprs = append(exprs, o.e)
	}
	sorted := &sortNode{in: &projectNode{in: in, exprs: exprs}, keys: sk}
	return &aggNode{in: sorted, keys: keys, aggs: calls, ordered: true}
}
