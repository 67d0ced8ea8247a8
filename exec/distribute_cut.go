package exec

import (
	"cmp"
	"context"
	"fmt"
	"go/constant"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treebin"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// A distributed query is cut at the SQL level. One frame F (the largest
// the statement reads) has its cells shared out among the nodes. One
// SELECT block B that reads F, where every row of F contributes to B's
// result independently of F's other rows, is sent to every node as a
// fragment restricted to that node's cells of F (other frames are read
// whole, as the coordinator's snapshot lists them). The coordinator runs
// the statement with B replaced by a scan of the gathered rows. Three cuts,
// by what B does:
//
//   - partial aggregation: B groups or aggregates with count, sum, avg,
//     min, max, bool_and or bool_or. Fragments group by B's keys and
//     compute partial aggregates; the coordinator's B groups the partial
//     rows again and finishes them (sum of counts, sum of sums divided by
//     sum of counts for avg, ...).
//   - rows: B aggregates otherwise (DISTINCT aggregates, string_agg,
//     variance...) or has window functions. Fragments run B's FROM and
//     WHERE and return the columns the rest of B reads; the coordinator
//     runs the rest of B over them.
//   - block: B neither aggregates nor has window functions. Fragments run
//     all of B (with ORDER BY and LIMIT n+offset pushed down when B has
//     them); the coordinator unions, sorts and limits.
//
// B is only looked for where it cannot read columns of an enclosing query
// (the statement's top, CTE bodies, derived tables in FROM), and F must
// appear exactly once in the fragment, on a side of its joins that keeps
// every row (not the nullable side of an outer join). Anything the cut
// does not recognise runs on this node as before.

// cut is a statement cut for the swarm.
type cut struct {
	how string // "partial aggregation", "rows" or "block"
	// frame is F at the statement's snapshot.
	frame *plan.Table
	// fragment is the SQL every node runs over its share of F's cells.
	fragment string
	// fragmentFrames are the other frames the fragment reads, by prefix,
	// with the cells the coordinator's snapshot has.
	fragmentFrames map[string][]txn.AddCell
	// columns are the fragment's result columns (named __c1...).
	columns []plan.Column
	// stmt is the coordinator's statement: it reads partialTable.
	stmt *tree.Select
}

// partialTable names the gathered rows in the coordinator's statement.
// The planner finds it through Session.partials before any frame.
const partialTable = "apiary_swarm_partial"

// cutter cuts one statement.
type cutter struct {
	s   *Session
	ctx context.Context
	cat txnCatalog
	ns  *catalog.Namespace
	// prefixes caches name resolution: the frame prefix of each table
	// name, "" when it names no frame.
	prefixes map[string]string
	tables   map[string]*plan.Table // by prefix
}

// fmtFlags formats ASTs back into SQL the parser reads the same way.
const fmtFlags = tree.FmtParsable

// cutStatement returns the statement cut for the swarm, or nil when it
// should run on this node: nothing to share, too small for mode, or a
// shape the cut does not handle.
func (s *Session) cutStatement(ctx context.Context, n *tree.Select, t *txn.Txn, mode Distribution, minBytes int64) (*cut, error) {
	ns, err := s.namespace(ctx)
	if err != nil {
		return nil, err
	}
	c := &cutter{s: s, ctx: ctx, cat: txnCatalog{s: s, t: t}, ns: ns, prefixes: map[string]string{}, tables: map[string]*plan.Table{}}

	// The frames worth sharing, largest first, read off the statement as
	// it is: most statements are too small to cut, and need no copy.
	type sized struct {
		t     *plan.Table
		bytes int64
	}
	var frames []sized
	var lookupErr error
	walkTables(n, func(tn *tree.TableName) {
		p := c.prefix(tn)
		if _, seen := c.tables[p]; p == "" || seen || lookupErr != nil {
			return
		}
		tab, err := c.table(tn, p)
		if err != nil {
			lookupErr = err
			return
		}
		if size := tableBytes(tab); len(tab.Cells) > 0 && (mode != DistributeAuto || size >= minBytes) {
			frames = append(frames, sized{tab, size})
		}
	})
	if lookupErr != nil || len(frames) == 0 {
		// A lookup error is the local plan's to report, the usual way.
		return nil, nil
	}
	slices.SortStableFunc(frames, func(a, b sized) int { return cmp.Compare(b.bytes, a.bytes) })
	// The cut rewrites a private copy: a prepared statement's tree is run
	// again later.
	stmts, err := parseSQL(rewriteCompat(tree.AsStringWithFlags(n, fmtFlags)))
	if err != nil || len(stmts) != 1 {
		return nil, nil
	}
	clone, ok := stmts[0].AST.(*tree.Select)
	if !ok {
		return nil, nil
	}
	for _, f := range frames {
		if k := c.cutOver(clone, f.t); k != nil {
			return k, nil
		}
	}
	return nil, nil
}

func tableBytes(t *plan.Table) int64 {
	var n int64
	for _, c := range t.Cells {
		n += c.Bytes
	}
	return n
}

// prefix resolves a table name to a frame's prefix, "" for anything else
// (a virtual table, a CTE, an unknown name).
func (c *cutter) prefix(tn *tree.TableName) string {
	key := tree.AsStringWithFlags(tn, fmtFlags)
	if p, ok := c.prefixes[key]; ok {
		return p
	}
	p := ""
	if f, err := c.s.resolveFrame(c.ns, tn); err == nil {
		p = f.Prefix()
	}
	c.prefixes[key] = p
	return p
}

func (c *cutter) table(tn *tree.TableName, prefix string) (*plan.Table, error) {
	if t, ok := c.tables[prefix]; ok {
		return t, nil
	}
	t, err := c.cat.Table(c.ctx, tn)
	if err != nil {
		return nil, err
	}
	c.tables[prefix] = t
	return t, nil
}

// block is a SELECT clause that cannot read an enclosing query's columns.
type block struct {
	wrap    *tree.Select // the Select whose body sc is: its ORDER BY and LIMIT apply to sc
	sc      *tree.SelectClause
	visible []*tree.CTE // the CTEs sc may name
}

// blocks lists sel's blocks, outermost first.
func blocks(sel *tree.Select, visible []*tree.CTE, out *[]block) {
	if sel == nil || len(sel.Locking) > 0 {
		return
	}
	if sel.With != nil {
		if sel.With.Recursive {
			return
		}
		for i, cte := range sel.With.CTEList {
			if body, ok := cte.Stmt.(*tree.Select); ok {
				blocks(body, append(slices.Clip(visible), sel.With.CTEList[:i]...), out)
			}
		}
		visible = append(slices.Clip(visible), sel.With.CTEList...)
	}
	switch body := sel.Select.(type) {
	case *tree.SelectClause:
		*out = append(*out, block{wrap: sel, sc: body, visible: visible})
		for _, te := range body.From.Tables {
			derivedBlocks(te, visible, out)
		}
	case *tree.ParenSelect:
		blocks(body.Select, visible, out)
	case *tree.UnionClause:
		blocks(body.Left, visible, out)
		blocks(body.Right, visible, out)
	}
}

// derivedBlocks lists the blocks of the derived tables in a FROM item.
func derivedBlocks(te tree.TableExpr, visible []*tree.CTE, out *[]block) {
	switch te := te.(type) {
	case *tree.AliasedTableExpr:
		if sq, ok := te.Expr.(*tree.Subquery); ok && !te.Lateral {
			if ps, ok := sq.Select.(*tree.ParenSelect); ok {
				blocks(ps.Select, visible, out)
			}
		}
	case *tree.ParenTableExpr:
		derivedBlocks(te.Expr, visible, out)
	case *tree.JoinTableExpr:
		derivedBlocks(te.Left, visible, out)
		derivedBlocks(te.Right, visible, out)
	}
}

// cutOver tries to share out frame f's cells over one block of stmt.
func (c *cutter) cutOver(stmt *tree.Select, f *plan.Table) *cut {
	var bs []block
	blocks(stmt, nil, &bs)
	for _, b := range bs {
		if c.preservedRefs(b.sc.From.Tables, f.Prefix, true) != 1 {
			continue
		}
		if k := c.cutBlock(b, f); k != nil {
			k.stmt = stmt
			return k
		}
	}
	return nil
}

// preservedRefs counts the references to the frame at prefix among FROM
// items in positions whose every row reaches the join's result; it returns
// -1 when one is elsewhere (the nullable side of an outer join).
func (c *cutter) preservedRefs(tes tree.TableExprs, prefix string, preserved bool) int {
	n := 0
	for _, te := range tes {
		k := c.preservedRef(te, prefix, preserved)
		if k < 0 {
			return -1
		}
		n += k
	}
	return n
}

func (c *cutter) preservedRef(te tree.TableExpr, prefix string, preserved bool) int {
	switch te := te.(type) {
	case *tree.AliasedTableExpr:
		if tn, ok := te.Expr.(*tree.TableName); ok && c.prefix(tn) == prefix {
			if !preserved || te.Ordinality {
				return -1
			}
			return 1
		}
		return 0
	case *tree.TableName:
		if c.prefix(te) == prefix {
			if !preserved {
				return -1
			}
			return 1
		}
		return 0
	case *tree.ParenTableExpr:
		return c.preservedRef(te.Expr, prefix, preserved)
	case *tree.JoinTableExpr:
		left, right := preserved, preserved
		switch strings.ToUpper(te.JoinType) {
		case tree.AstLeft:
			right = false
		case tree.AstRight:
			left = false
		case tree.AstFull:
			left, right = false, false
		}
		l := c.preservedRef(te.Left, prefix, left)
		r := c.preservedRef(te.Right, prefix, right)
		if l < 0 || r < 0 {
			return -1
		}
		return l + r
	}
	return 0
}

// cutBlock cuts b, whose FROM reads f once in a preserved position.
func (c *cutter) cutBlock(b block, f *plan.Table) *cut {
	sc := b.sc
	if len(sc.DistinctOn) > 0 || len(sc.Window) > 0 {
		return nil
	}
	aggregates, windows := false, false
	for _, se := range sc.Exprs {
		scanCalls(se.Expr, &aggregates, &windows)
	}
	if sc.Having != nil {
		scanCalls(sc.Having.Expr, &aggregates, &windows)
	}
	for _, o := range b.wrap.OrderBy {
		scanCalls(o.Expr, &aggregates, &windows)
	}
	aggregates = aggregates || len(sc.GroupBy) > 0 || sc.Having != nil
	var k *cut
	switch {
	case aggregates && !windows:
		if k = c.cutPartialAggregation(b, f); k == nil {
			k = c.cutRows(b, f)
		}
	case windows:
		k = c.cutRows(b, f)
	default:
		k = c.cutWhole(b, f)
	}
	return k
}

// scanCalls notes whether e calls an aggregate or a window function
// outside subqueries (which are blocks of their own).
func scanCalls(e tree.Expr, aggregates, windows *bool) {
	v := &callScanner{}
	tree.WalkExprConst(v, e)
	*aggregates = *aggregates || v.aggregates
	*windows = *windows || v.windows
}

type callScanner struct{ aggregates, windows bool }

func (v *callScanner) VisitPre(e tree.Expr) (bool, tree.Expr) {
	switch e := e.(type) {
	case *tree.Subquery:
		return false, e
	case *tree.FuncExpr:
		if e.WindowDef != nil {
			v.windows = true
		} else if plan.IsAggregate(plan.FuncName(e)) {
			v.aggregates = true
		}
	}
	return true, e
}

func (v *callScanner) VisitPost(e tree.Expr) tree.Expr { return e }

// fragmentFor completes a fragment's SELECT clause into a statement: the
// CTEs it names, its ORDER BY and LIMIT. It checks f is read exactly once
// and lists the other frames read.
func (c *cutter) fragmentFor(b block, f *plan.Table, sc *tree.SelectClause, orderBy tree.OrderBy, limit *tree.Limit) (*tree.Select, map[string][]txn.AddCell, bool) {
	sel := &tree.Select{Select: sc, OrderBy: orderBy, Limit: limit}
	// The CTEs the fragment names, and those they name in turn.
	var with []*tree.CTE
	for {
		added := false
		walkTables(sel, func(tn *tree.TableName) {
			if tn.ExplicitSchema || tn.ExplicitCatalog {
				return
			}
			for _, cte := range b.visible {
				if string(cte.Name.Alias) == string(tn.ObjectName) && !slices.Contains(with, cte) {
					with = append(with, cte)
					added = true
				}
			}
		})
		if !added {
			break
		}
		ordered := make([]*tree.CTE, 0, len(with))
		for _, cte := range b.visible {
			if slices.Contains(with, cte) {
				ordered = append(ordered, cte)
			}
		}
		sel.With = &tree.With{CTEList: ordered}
	}
	reads := 0
	others := map[string][]txn.AddCell{}
	ok := true
	walkTables(sel, func(tn *tree.TableName) {
		p := c.prefix(tn)
		switch {
		case p == "":
		case p == f.Prefix:
			reads++
		default:
			tab, err := c.table(tn, p)
			if err != nil {
				ok = false
				return
			}
			others[p] = tab.Cells
		}
	})
	return sel, others, ok && reads == 1
}

// describe returns the columns a SELECT would return, running nothing.
func (c *cutter) describe(sel *tree.Select) ([]plan.Column, error) {
	p := plan.New(c.ctx, c.cat, plan.Options{Env: c.s.env(), Mem: c.s.eng.queryMemory(), Bees: 1, Params: plan.NewParams(nil)})
	return p.Describe(sel)
}

// finishCut describes the fragment and the coordinator's statement, which
// replace then makes from the fragment's columns; a cut that does not
// plan is dropped (the statement runs locally and reports its own
// errors).
func (c *cutter) finishCut(how string, f *plan.Table, frag *tree.Select, others map[string][]txn.AddCell, replace func(cols []plan.Column) bool) *cut {
	cols, err := c.describe(frag)
	if err != nil {
		c.s.eng.log.Debug("swarm: fragment does not plan; the query runs locally", "fragment", tree.AsString(frag), "err", err)
		return nil
	}
	named := make([]plan.Column, len(cols))
	for i, col := range cols {
		named[i] = plan.Column{Name: fmt.Sprintf("__c%d", i+1), Type: col.Type}
	}
	k := &cut{how: how, frame: f, fragment: tree.AsStringWithFlags(frag, fmtFlags), fragmentFrames: others, columns: named}
	if !replace(cols) {
		return nil
	}
	return k
}

// partialRef is the FROM item reading the gathered rows.
func partialRef() tree.TableExprs {
	tn := tree.MakeUnqualifiedTableName(tree.Name(partialTable))
	return tree.TableExprs{&tree.AliasedTableExpr{Expr: &tn}}
}

func colName(s string) *tree.UnresolvedName {
	return &tree.UnresolvedName{NumParts: 1, Parts: tree.NameParts{s}}
}

func call(fn string, args ...tree.Expr) *tree.FuncExpr {
	return &tree.FuncExpr{Func: tree.WrapFunction(fn), Exprs: args}
}

func castTo(e tree.Expr, t *types.T) tree.Expr {
	return &tree.CastExpr{Expr: e, Type: t, SyntaxMode: tree.CastShort}
}

func intLiteral(n int64) tree.Expr {
	return tree.NewNumVal(constant.MakeInt64(n), strconv.FormatInt(n, 10), false)
}

// outputName is the name a select item's column gets.
func outputName(se tree.SelectExpr) string {
	if se.As != "" {
		return string(se.As)
	}
	return plan.ColumnName(se.Expr)
}

// isStar reports a select item that expands to several columns.
func isStar(e tree.Expr) bool {
	switch e := e.(type) {
	case tree.UnqualifiedStar, *tree.UnqualifiedStar, *tree.AllColumnsSelector, *tree.TupleStar:
		return true
	case *tree.UnresolvedName:
		return e.Star
	}
	return false
}

// ordinal reads an integer constant: the position an ORDER BY or GROUP BY
// item names by number, or a LIMIT.
func ordinal(e tree.Expr) (int64, bool) {
	nv, ok := e.(*tree.NumVal)
	if !ok {
		return 0, false
	}
	n, err := nv.AsInt64()
	return n, err == nil
}

// bareName returns the name of an unqualified column reference.
func bareName(e tree.Expr) (string, bool) {
	n, ok := e.(*tree.UnresolvedName)
	if !ok || n.Star || n.NumParts != 1 {
		return "", false
	}
	return n.Parts[0], true
}

// inputHas reports whether b's FROM has a column called name; ok is false
// when that is unknown (a FROM item is not a frame).
func (c *cutter) inputHas(sc *tree.SelectClause, name string) (has, ok bool) {
	var tables []*tree.TableName
	known := true
	var collect func(te tree.TableExpr)
	collect = func(te tree.TableExpr) {
		switch te := te.(type) {
		case *tree.AliasedTableExpr:
			tn, isName := te.Expr.(*tree.TableName)
			if !isName || len(te.As.Cols) > 0 {
				known = false
				return
			}
			tables = append(tables, tn)
		case *tree.TableName:
			tables = append(tables, te)
		case *tree.ParenTableExpr:
			collect(te.Expr)
		case *tree.JoinTableExpr:
			collect(te.Left)
			collect(te.Right)
		default:
			known = false
		}
	}
	for _, te := range sc.From.Tables {
		collect(te)
	}
	if !known {
		return false, false
	}
	for _, tn := range tables {
		p := c.prefix(tn)
		if p == "" {
			return false, false
		}
		tab, err := c.table(tn, p)
		if err != nil {
			return false, false
		}
		for _, col := range tab.Columns {
			if col.Name == name {
				return true, true
			}
		}
	}
	return false, true
}

// groupAlias returns the position of the select item a bare GROUP BY
// name stands for: the output it names, when no input column has that
// name (PostgreSQL looks at the input first). i is -1 when g is no such
// alias; ok is false when the input's columns are unknown, or the name
// fits several outputs.
func (c *cutter) groupAlias(sc *tree.SelectClause, outputs []string, g tree.Expr) (i int, ok bool) {
	name, isName := bareName(g)
	if !isName {
		return -1, true
	}
	i = slices.Index(outputs, name)
	if i < 0 {
		return -1, true
	}
	has, known := c.inputHas(sc, name)
	switch {
	case !known:
		return -1, false
	case has:
		return -1, true
	case slices.Index(outputs[i+1:], name) >= 0:
		return -1, false
	}
	return i, true
}

// outputNames names the select items as the block's result columns.
func outputNames(sc *tree.SelectClause) []string {
	out := make([]string, len(sc.Exprs))
	for i, se := range sc.Exprs {
		out[i] = outputName(se)
	}
	return out
}

// groupKeys resolves GROUP BY items as PostgreSQL does: a number is a
// select item, a bare name an input column before an output.
func (c *cutter) groupKeys(sc *tree.SelectClause) ([]tree.Expr, bool) {
	outputs := outputNames(sc)
	keys := make([]tree.Expr, 0, len(sc.GroupBy))
	for _, g := range sc.GroupBy {
		k, isOrdinal := ordinal(g)
		if !isOrdinal {
			i, ok := c.groupAlias(sc, outputs, g)
			if !ok {
				return nil, false
			}
			if i < 0 {
				keys = append(keys, g)
				continue
			}
			k = int64(i) + 1
		}
		if k < 1 || k > int64(len(sc.Exprs)) || isStar(sc.Exprs[k-1].Expr) {
			return nil, false
		}
		keys = append(keys, sc.Exprs[k-1].Expr)
	}
	return keys, true
}

// blockRest is what the coordinator keeps of a block above its FROM and
// WHERE: the select list (each item named as the block named it), HAVING
// and the enclosing ORDER BY, rewritten for the gathered rows.
type blockRest struct {
	items   tree.SelectExprs
	outputs []string
	having  *tree.Where
	order   tree.OrderBy
}

// rewriteRest rewrites b's select list, HAVING and ORDER BY with rewrite;
// ORDER BY items that name an output by position or name stay as they
// are. ok is false when rewrite refuses an expression or the select list
// has a star.
func rewriteRest(b block, rewrite func(tree.Expr) (tree.Expr, bool)) (*blockRest, bool) {
	sc := b.sc
	r := &blockRest{outputs: outputNames(sc), items: make(tree.SelectExprs, len(sc.Exprs))}
	for i, se := range sc.Exprs {
		if isStar(se.Expr) {
			return nil, false
		}
		e, ok := rewrite(se.Expr)
		if !ok {
			return nil, false
		}
		r.items[i] = tree.SelectExpr{Expr: e, As: tree.UnrestrictedName(r.outputs[i])}
	}
	if sc.Having != nil {
		e, ok := rewrite(sc.Having.Expr)
		if !ok {
			return nil, false
		}
		r.having = &tree.Where{Type: tree.AstHaving, Expr: e}
	}
	r.order = make(tree.OrderBy, len(b.wrap.OrderBy))
	for i, o := range b.wrap.OrderBy {
		o2 := *o
		if !keepsOrderItem(o, r.outputs) {
			e, ok := rewrite(o.Expr)
			if !ok {
				return nil, false
			}
			o2.Expr = e
		}
		r.order[i] = &o2
	}
	return r, true
}

// install puts the rest in the block's place in the coordinator's
// statement, reading the gathered rows.
func (r *blockRest) install(b block, groupBy tree.GroupBy) {
	*b.sc = tree.SelectClause{Distinct: b.sc.Distinct, Exprs: r.items, From: tree.From{Tables: partialRef()}, GroupBy: groupBy, Having: r.having}
	if len(b.wrap.OrderBy) > 0 {
		b.wrap.OrderBy = r.order
	}
}

// keepsOrderItem reports an ORDER BY item the coordinator resolves
// against the block's output as written: a position or an output name.
func keepsOrderItem(o *tree.Order, outputs []string) bool {
	if _, ok := ordinal(o.Expr); ok {
		return true
	}
	if name, ok := bareName(o.Expr); ok {
		return slices.Contains(outputs, name)
	}
	return false
}

// aggFinal is one aggregate call of a partial-aggregation cut: its partial
// columns in the fragment and how the coordinator finishes them.
type aggFinal struct {
	fn    string
	parts []int // positions of the partial columns in the fragment
}

// cutPartialAggregation cuts an aggregating block into partial
// aggregates on the nodes and their final aggregation here.
func (c *cutter) cutPartialAggregation(b block, f *plan.Table) *cut {
	sc := b.sc
	keys, ok := c.groupKeys(sc)
	if !ok {
		return nil
	}
	frag := &tree.SelectClause{From: sc.From, Where: sc.Where}
	keyIndex := map[string]int{}
	for i, k := range keys {
		frag.Exprs = append(frag.Exprs, tree.SelectExpr{Expr: k, As: tree.UnrestrictedName(fmt.Sprintf("__k%d", i+1))})
		keyIndex[tree.AsStringWithFlags(k, fmtFlags)] = i
		frag.GroupBy = append(frag.GroupBy, k)
	}
	rw := &aggRewriter{keys: keyIndex, frag: frag, partIndex: map[string]int{}}
	rest, ok := rewriteRest(b, rw.rewrite)
	if !ok {
		return nil
	}
	fragSel, others, ok := c.fragmentFor(b, f, frag, nil, nil)
	if !ok {
		return nil
	}
	return c.finishCut("partial aggregation", f, fragSel, others, func(cols []plan.Column) bool {
		finals := make([]tree.Expr, len(rw.finals))
		for i, a := range rw.finals {
			if finals[i] = finalAggregate(a, cols); finals[i] == nil {
				return false
			}
		}
		sub := func(e tree.Expr) tree.Expr {
			out, _ := tree.SimpleVisit(e, func(x tree.Expr) (bool, tree.Expr, error) {
				if n, ok := x.(*tree.UnresolvedName); ok && n.NumParts == 1 && strings.HasPrefix(n.Parts[0], "__agg") {
					i, _ := strconv.Atoi(strings.TrimPrefix(n.Parts[0], "__agg"))
					return false, finals[i], nil
				}
				return true, x, nil
			})
			return out
		}
		for i := range rest.items {
			rest.items[i].Expr = sub(rest.items[i].Expr)
		}
		if rest.having != nil {
			rest.having.Expr = sub(rest.having.Expr)
		}
		for _, o := range rest.order {
			o.Expr = sub(o.Expr)
		}
		var groupBy tree.GroupBy
		for i := range keys {
			groupBy = append(groupBy, colName(fmt.Sprintf("__c%d", i+1)))
		}
		rest.install(b, groupBy)
		return true
	})
}

// aggRewriter rewrites a block's expressions for a partial-aggregation
// cut: group keys become the fragment's key columns, aggregate calls
// placeholders (__aggN) for their final aggregates; anything else that
// reads the input refuses the cut.
type aggRewriter struct {
	keys      map[string]int
	frag      *tree.SelectClause
	partIndex map[string]int
	finals    []aggFinal
	failed    bool
}

func (r *aggRewriter) rewrite(e tree.Expr) (tree.Expr, bool) {
	r.failed = false
	out, _ := tree.WalkExpr(r, e)
	return out, !r.failed
}

// part adds a partial aggregate to the fragment (once) and returns its
// column position.
func (r *aggRewriter) part(e *tree.FuncExpr) int {
	key := tree.AsStringWithFlags(e, fmtFlags)
	if i, ok := r.partIndex[key]; ok {
		return i
	}
	i := len(r.frag.Exprs)
	r.frag.Exprs = append(r.frag.Exprs, tree.SelectExpr{Expr: e, As: tree.UnrestrictedName(fmt.Sprintf("__p%d", i+1))})
	r.partIndex[key] = i
	return i
}

func (r *aggRewriter) VisitPre(e tree.Expr) (bool, tree.Expr) {
	if r.failed {
		return false, e
	}
	if i, ok := r.keys[tree.AsStringWithFlags(e, fmtFlags)]; ok {
		return false, colName(fmt.Sprintf("__c%d", i+1))
	}
	switch x := e.(type) {
	case *tree.Subquery, *tree.Placeholder:
		r.failed = true
		return false, e
	case *tree.UnresolvedName:
		// An input column outside an aggregate that is no group key:
		// the local plan reports 42803, or it is something the cut does
		// not know.
		r.failed = true
		return false, e
	case *tree.FuncExpr:
		if x.WindowDef != nil {
			r.failed = true
			return false, e
		}
		name := plan.FuncName(x)
		if !plan.IsAggregate(name) {
			return true, e
		}
		if x.Type == tree.DistinctFuncType || len(x.OrderBy) > 0 || len(x.Exprs) != 1 {
			r.failed = true
			return false, e
		}
		a := aggFinal{fn: name}
		switch name {
		case "count", "sum", "min", "max", "bool_and", "bool_or", "every":
			a.parts = []int{r.part(x)}
		case "avg":
			sum := &tree.FuncExpr{Func: tree.WrapFunction("sum"), Exprs: x.Exprs, Filter: x.Filter}
			count := &tree.FuncExpr{Func: tree.WrapFunction("count"), Exprs: x.Exprs, Filter: x.Filter}
			a.parts = []int{r.part(sum), r.part(count)}
		default:
			r.failed = true
			return false, e
		}
		r.finals = append(r.finals, a)
		return false, colName(fmt.Sprintf("__agg%d", len(r.finals)-1))
	}
	return true, e
}

func (r *aggRewriter) VisitPost(e tree.Expr) tree.Expr { return e }

// finalAggregate finishes an aggregate from its partial columns, nil when
// their types leave no exact way.
func finalAggregate(a aggFinal, cols []plan.Column) tree.Expr {
	col := func(i int) tree.Expr { return colName(fmt.Sprintf("__c%d", a.parts[i]+1)) }
	switch a.fn {
	case "count":
		return castTo(call("sum", col(0)), types.Int)
	case "sum":
		if cols[a.parts[0]].Type.Kind == vec.KindInt64 {
			// sum(int4) is int8, whose own sum would be numeric.
			return castTo(call("sum", col(0)), types.Int)
		}
		return call("sum", col(0))
	case "min", "max", "bool_and", "bool_or":
		return call(a.fn, col(0))
	case "every":
		return call("bool_and", col(0))
	case "avg":
		// PostgreSQL's avg is the sum divided by the count, in numeric
		// for integers and numerics, in float8 for floats.
		var sum tree.Expr = call("sum", col(0))
		var divisorType *types.T
		switch cols[a.parts[0]].Type.Kind {
		case vec.KindInt64:
			sum, divisorType = castTo(sum, types.Decimal), types.Decimal
		case vec.KindNumeric, vec.KindDecimal:
			divisorType = types.Decimal
		case vec.KindFloat64:
			divisorType = types.Float
		default:
			// float4 sums lose what avg's float8 state keeps; intervals
			// divide differently.
			return nil
		}
		count := &tree.NullIfExpr{Expr1: call("sum", col(1)), Expr2: intLiteral(0)}
		return &tree.ParenExpr{Expr: &tree.BinaryExpr{
			Operator: treebin.MakeBinaryOperator(treebin.Div),
			Left:     sum,
			Right:    castTo(count, divisorType),
		}}
	}
	return nil
}

// cutRows cuts a block into its FROM and WHERE on the nodes and the rest
// here: the fragment returns the input columns the rest reads.
func (c *cutter) cutRows(b block, f *plan.Table) *cut {
	sc := b.sc
	rn := &renamer{index: map[string]int{}}
	rest, ok := rewriteRest(b, rn.rename)
	if !ok {
		return nil
	}
	var groupBy tree.GroupBy
	for _, g := range sc.GroupBy {
		// Positions and output names are the coordinator's to resolve,
		// against the rest's select list.
		i, ok := c.groupAlias(sc, rest.outputs, g)
		if !ok {
			return nil
		}
		if _, isOrdinal := ordinal(g); isOrdinal || i >= 0 {
			groupBy = append(groupBy, g)
			continue
		}
		e, ok := rn.rename(g)
		if !ok {
			return nil
		}
		groupBy = append(groupBy, e)
	}
	frag := &tree.SelectClause{From: sc.From, Where: sc.Where, Exprs: rn.items}
	if len(frag.Exprs) == 0 {
		frag.Exprs = tree.SelectExprs{{Expr: tree.DBoolTrue, As: "__r0"}}
	}
	fragSel, others, ok := c.fragmentFor(b, f, frag, nil, nil)
	if !ok {
		return nil
	}
	return c.finishCut("rows", f, fragSel, others, func([]plan.Column) bool {
		rest.install(b, groupBy)
		return true
	})
}

// renamer replaces the input columns an expression reads by the
// fragment's columns __cN, noting each once as a fragment select item.
type renamer struct {
	index  map[string]int
	items  tree.SelectExprs
	failed bool
}

func (r *renamer) rename(e tree.Expr) (tree.Expr, bool) {
	r.failed = false
	out, _ := tree.WalkExpr(r, e)
	return out, !r.failed
}

func (r *renamer) column(n *tree.UnresolvedName) tree.Expr {
	key := tree.AsStringWithFlags(n, fmtFlags)
	i, ok := r.index[key]
	if !ok {
		i = len(r.items)
		r.index[key] = i
		r.items = append(r.items, tree.SelectExpr{Expr: n, As: tree.UnrestrictedName(fmt.Sprintf("__r%d", i+1))})
	}
	return colName(fmt.Sprintf("__c%d", i+1))
}

func (r *renamer) VisitPre(e tree.Expr) (bool, tree.Expr) {
	if r.failed {
		return false, e
	}
	switch x := e.(type) {
	case *tree.Subquery, *tree.Placeholder:
		r.failed = true
		return false, e
	case *tree.UnresolvedName:
		if x.Star {
			r.failed = true
			return false, e
		}
		return false, r.column(x)
	case *tree.FuncExpr:
		if x.WindowDef == nil {
			return true, e
		}
		// The walk does not enter window definitions: rename them here.
		w := x.WindowDef
		if w.Name != "" || w.RefName != "" || w.Frame != nil {
			r.failed = true
			return false, e
		}
		fn := *x
		wd := *w
		fn.WindowDef = &wd
		fn.Exprs = make(tree.Exprs, len(x.Exprs))
		for i, a := range x.Exprs {
			fn.Exprs[i], _ = tree.WalkExpr(r, a)
		}
		if x.Filter != nil {
			fn.Filter, _ = tree.WalkExpr(r, x.Filter)
		}
		wd.Partitions = make(tree.Exprs, len(w.Partitions))
		for i, p := range w.Partitions {
			wd.Partitions[i], _ = tree.WalkExpr(r, p)
		}
		wd.OrderBy = make(tree.OrderBy, len(w.OrderBy))
		for i, o := range w.OrderBy {
			o2 := *o
			o2.Expr, _ = tree.WalkExpr(r, o.Expr)
			wd.OrderBy[i] = &o2
		}
		return false, &fn
	}
	return true, e
}

func (r *renamer) VisitPost(e tree.Expr) tree.Expr { return e }

// cutWhole sends a whole non-aggregating block to the nodes; with ORDER BY
// and a constant LIMIT each node returns only its first rows.
func (c *cutter) cutWhole(b block, f *plan.Table) *cut {
	sc := b.sc
	frag := &tree.SelectClause{Distinct: sc.Distinct, Exprs: slices.Clone(sc.Exprs), From: sc.From, Where: sc.Where}
	visible := -1 // how many columns are the block's own; known once described
	var order tree.OrderBy
	if len(b.wrap.OrderBy) > 0 {
		// Each ORDER BY item becomes a column of the fragment: an output
		// column, or a hidden one after them. Matching positions and
		// names takes the block's columns.
		baseSel, _, ok := c.fragmentFor(b, f, &tree.SelectClause{Distinct: sc.Distinct, Exprs: sc.Exprs, From: sc.From, Where: sc.Where}, nil, nil)
		if !ok {
			return nil
		}
		outCols, err := c.describe(baseSel)
		if err != nil {
			return nil
		}
		visible = len(outCols)
		stars := slices.ContainsFunc(sc.Exprs, func(se tree.SelectExpr) bool { return isStar(se.Expr) })
		order = make(tree.OrderBy, len(b.wrap.OrderBy))
		for i, o := range b.wrap.OrderBy {
			at := -1
			if k, ok := ordinal(o.Expr); ok {
				if k < 1 || k > int64(len(outCols)) {
					return nil
				}
				at = int(k) - 1
			} else if name, ok := bareName(o.Expr); ok && slices.ContainsFunc(outCols, func(c plan.Column) bool { return c.Name == name }) {
				for j, oc := range outCols {
					if oc.Name == name {
						if at >= 0 {
							return nil // ambiguous: the local plan reports it
						}
						at = j
					}
				}
			} else if !stars {
				s := tree.AsStringWithFlags(o.Expr, fmtFlags)
				at = slices.IndexFunc(sc.Exprs, func(se tree.SelectExpr) bool { return tree.AsStringWithFlags(se.Expr, fmtFlags) == s })
			}
			if at < 0 {
				if sc.Distinct || stars {
					// DISTINCT sorts by its outputs only; after a star the
					// position of a hidden column is unknown here.
					return nil
				}
				at = len(frag.Exprs)
				frag.Exprs = append(frag.Exprs, tree.SelectExpr{Expr: o.Expr, As: tree.UnrestrictedName(fmt.Sprintf("__h%d", i+1))})
			}
			o2 := *o
			o2.Expr = colName(fmt.Sprintf("__c%d", at+1))
			order[i] = &o2
		}
	}
	var fragOrder tree.OrderBy
	var fragLimit *tree.Limit
	if l := b.wrap.Limit; l != nil && l.Count != nil && !l.LimitAll {
		n, okN := ordinal(l.Count)
		off, okOff := int64(0), true
		if l.Offset != nil {
			off, okOff = ordinal(l.Offset)
		}
		// A negative or overflowing bound is left to the coordinator,
		// which reports it as the local plan does.
		if okN && okOff && n >= 0 && off >= 0 && n <= math.MaxInt64-off {
			fragOrder, fragLimit = b.wrap.OrderBy, &tree.Limit{Count: intLiteral(n + off)}
		}
	}
	fragSel, others, ok := c.fragmentFor(b, f, frag, fragOrder, fragLimit)
	if !ok {
		return nil
	}
	return c.finishCut("block", f, fragSel, others, func(cols []plan.Column) bool {
		if visible < 0 {
			visible = len(cols)
		}
		rest := &blockRest{items: make(tree.SelectExprs, visible), order: order}
		for i, col := range cols[:visible] {
			rest.items[i] = tree.SelectExpr{Expr: colName(fmt.Sprintf("__c%d", i+1)), As: tree.UnrestrictedName(col.Name)}
		}
		rest.install(b, nil)
		return true
	})
}

// walkTables calls fn for every table name a statement reads: in FROM
// items, CTEs and subqueries anywhere in it.
func walkTables(sel *tree.Select, fn func(*tree.TableName)) {
	w := &tableWalker{fn: fn}
	w.sel(sel)
}

type tableWalker struct{ fn func(*tree.TableName) }

func (w *tableWalker) sel(sel *tree.Select) {
	if sel == nil {
		return
	}
	if sel.With != nil {
		for _, cte := range sel.With.CTEList {
			w.stmt(cte.Stmt)
		}
	}
	w.body(sel.Select)
	for _, o := range sel.OrderBy {
		w.expr(o.Expr)
	}
	if sel.Limit != nil {
		w.expr(sel.Limit.Count)
		w.expr(sel.Limit.Offset)
	}
}

func (w *tableWalker) stmt(s tree.Statement) {
	switch s := s.(type) {
	case *tree.Select:
		w.sel(s)
	case tree.SelectStatement:
		w.body(s)
	}
}

func (w *tableWalker) body(s tree.SelectStatement) {
	switch s := s.(type) {
	case *tree.SelectClause:
		for _, te := range s.From.Tables {
			w.table(te)
		}
		for _, se := range s.Exprs {
			w.expr(se.Expr)
		}
		if s.Where != nil {
			w.expr(s.Where.Expr)
		}
		for _, g := range s.GroupBy {
			w.expr(g)
		}
		if s.Having != nil {
			w.expr(s.Having.Expr)
		}
		for _, d := range s.DistinctOn {
			w.expr(d)
		}
	case *tree.ParenSelect:
		w.sel(s.Select)
	case *tree.UnionClause:
		w.sel(s.Left)
		w.sel(s.Right)
	case *tree.ValuesClause:
		for _, row := range s.Rows {
			for _, e := range row {
				w.expr(e)
			}
		}
	}
}

func (w *tableWalker) table(te tree.TableExpr) {
	switch te := te.(type) {
	case *tree.AliasedTableExpr:
		w.table(te.Expr)
	case *tree.TableName:
		w.fn(te)
	case *tree.ParenTableExpr:
		w.table(te.Expr)
	case *tree.JoinTableExpr:
		w.table(te.Left)
		w.table(te.Right)
		if on, ok := te.Cond.(*tree.OnJoinCond); ok {
			w.expr(on.Expr)
		}
	case *tree.Subquery:
		w.body(te.Select)
	case *tree.RowsFromExpr:
		for _, e := range te.Items {
			w.expr(e)
		}
	}
}

func (w *tableWalker) expr(e tree.Expr) {
	if e == nil {
		return
	}
	tree.WalkExprConst(w, e)
}

func (w *tableWalker) VisitPre(e tree.Expr) (bool, tree.Expr) {
	if sq, ok := e.(*tree.Subquery); ok {
		w.body(sq.Select)
		return false, e
	}
	return true, e
}

func (w *tableWalker) VisitPost(e tree.Expr) tree.Expr { return e }
