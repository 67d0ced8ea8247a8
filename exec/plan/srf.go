package plan

import (
	"context"
	"math"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Set-returning functions: unnest, generate_series, generate_subscripts
// and information_schema._pg_expandarray, in FROM (with column aliases,
// WITH ORDINALITY, ROWS FROM, and arguments that read earlier FROM items)
// and in the select list, where PostgreSQL 10's rules apply: every SRF of
// the list runs in lockstep over each input row, the shorter ones padded
// with NULLs, and a row whose SRFs all return nothing disappears.
//
// Both places become an srfNode: for each input row it evaluates the
// calls' arguments and emits as many rows as the longest call yields, each
// carrying the input row's columns followed by the calls' values (and the
// position, for WITH ORDINALITY).

type srfKind uint8

const (
	srfUnnest srfKind = iota
	srfSeries
	srfSubscripts
	srfExpand
)

var srfKinds = map[string]srfKind{
	"unnest": srfUnnest, "generate_series": srfSeries, "generate_subscripts": srfSubscripts,
	"_pg_expandarray": srfExpand,
}

func isSRF(name string) bool {
	_, ok := srfKinds[name]
	return ok
}

// srfCall is one call of a set-returning function.
type srfCall struct {
	kind srfKind
	name string
	args []expr.Expr
	// cols are the call's output columns: the element for unnest, the
	// series' type, x and n for _pg_expandarray in FROM, or in a select
	// list its one record column.
	cols []vec.Type
}

// srfCollector gathers the SRF calls of a select list.
type srfCollector struct {
	calls []srfCall
}

// srfRef stands for column col of SRF call idx until the srfNode's
// output replaces it.
type srfRef struct {
	call, col int
	typ       vec.Type
}

func (e *srfRef) Type() vec.Type { return e.typ }
func (e *srfRef) String() string { return "srf" }
func (e *srfRef) Eval(*expr.Ctx, *vec.Batch) (*vec.Vec, error) {
	panic("plan: srfRef evaluated")
}

type srfNode struct {
	in         node
	calls      []srfCall
	ordinality bool
}

func (n *srfNode) types() []vec.Type {
	ts := append([]vec.Type(nil), n.in.types()...)
	for _, c := range n.calls {
		ts = append(ts, c.cols...)
	}
	if n.ordinality {
		ts = append(ts, vec.Int64)
	}
	return ts
}

// newSRFCall type-checks a call; record asks _pg_expandarray for its
// record column rather than x and n.
func newSRFCall(name string, args []expr.Expr, record bool) (srfCall, error) {
	c := srfCall{kind: srfKinds[name], name: name}
	noFunc := func() error {
		types := make([]string, len(args))
		for i, a := range args {
			types[i] = a.Type().String()
			if k, ok := a.(*expr.Const); ok && k.Untyped {
				types[i] = "unknown"
			}
		}
		return sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, strings.Join(types, ", ")).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	arrayArg := func() (vec.Type, error) {
		if k, ok := args[0].(*expr.Const); ok && k.Untyped {
			return vec.Type{}, sqlerr.New(sqlerr.Code("42P18"), "could not determine polymorphic type because input has type unknown")
		}
		t := args[0].Type()
		if !t.IsArray() {
			return vec.Type{}, noFunc()
		}
		return t, nil
	}
	switch c.kind {
	case srfUnnest, srfExpand:
		if len(args) != 1 {
			return c, noFunc()
		}
		at, err := arrayArg()
		if err != nil {
			return c, err
		}
		switch {
		case c.kind == srfUnnest:
			c.cols = []vec.Type{at.ElemType()}
		case record:
			c.cols = []vec.Type{vec.ExpandRecordOf(at.ElemType())}
		default:
			c.cols = []vec.Type{at.ElemType(), vec.Int32}
		}
	case srfSubscripts:
		if len(args) != 2 {
			return c, noFunc()
		}
		if _, err := arrayArg(); err != nil {
			return c, err
		}
		d, err := expr.Coerce(args[1], vec.Int32)
		if err != nil {
			return c, err
		}
		args[1] = d
		c.cols = []vec.Type{vec.Int32}
	case srfSeries:
		if len(args) != 2 && len(args) != 3 {
			return c, noFunc()
		}
		t, err := expr.CommonType(args[:2], "generate_series")
		if err != nil {
			return c, noFunc()
		}
		switch t.Kind {
		case vec.KindInt16:
			t = vec.Int32
		case vec.KindInt32, vec.KindInt64, vec.KindTimestamp, vec.KindTimestampTZ:
		case vec.KindNumeric:
			if len(args) == 3 && args[2].Type().Kind == vec.KindNumeric {
				t.Scale = max(t.Scale, args[2].Type().Scale)
			}
		case vec.KindDate:
			t = vec.TimestampTZ // generate_series(date, date, interval) resolves to timestamptz
		default:
			return c, noFunc()
		}
		if t.Variant != 0 {
			return c, noFunc()
		}
		stepType := t
		if t.Kind == vec.KindTimestamp || t.Kind == vec.KindTimestampTZ {
			if len(args) != 3 {
				return c, noFunc()
			}
			stepType = vec.IntervalT
		}
		for i := range args {
			want := t
			if i == 2 {
				want = stepType
			}
			if args[i], err = expr.Coerce(args[i], want); err != nil {
				return c, err
			}
		}
		c.cols = []vec.Type{t}
	}
	c.args = args
	return c, nil
}

// bindSRF binds a set-returning function in a select list; field selects
// one column of _pg_expandarray's record ((f(a)).n).
func (b *binder) bindSRF(e *tree.FuncExpr, name, field string) (expr.Expr, error) {
	if b.srf == nil {
		if b.clause == "aggregate function calls" {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "aggregate function calls cannot contain set-returning function calls").
				WithHint("You might be able to move the set-returning function into a LATERAL FROM item.")
		}
		clause := b.clause
		if clause == "" {
			clause = "this context"
		}
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "set-returning functions are not allowed in %s", clause)
	}
	if e.WindowDef != nil || e.Filter != nil || e.Type == tree.DistinctFuncType || len(e.OrderBy) > 0 {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "%s is not an aggregate or window function", name)
	}
	// Arguments bind where the list does, but SRFs inside them would need
	// a second expansion level.
	inner := *b
	inner.srf = nil
	inner.clause = "arguments of a set-returning function"
	args, err := inner.bindList(e.Exprs)
	if err != nil {
		return nil, err
	}
	record := field == "" && name == "_pg_expandarray"
	c, err := newSRFCall(name, args, record)
	if err != nil {
		return nil, err
	}
	col := 0
	if field != "" {
		if c.kind != srfExpand {
			return nil, sqlerr.New(sqlerr.WrongObjectType, "column notation .%s applied to type %s, which is not a composite type", field, c.cols[0])
		}
		switch field {
		case "x":
		case "n":
			col = 1
		default:
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" not found in data type record", field)
		}
	}
	b.srf.calls = append(b.srf.calls, c)
	return &srfRef{call: len(b.srf.calls) - 1, col: col, typ: c.cols[col]}, nil
}

// addSRFs puts the select list's SRF calls above n and replaces their
// references in exprs by the srfNode's columns.
func addSRFs(n node, calls []srfCall, exprs []expr.Expr) (node, []expr.Expr) {
	width := len(n.types())
	first := make([]int, len(calls))
	pos := width
	for i, c := range calls {
		first[i] = pos
		pos += len(c.cols)
	}
	out := make([]expr.Expr, len(exprs))
	for i, e := range exprs {
		out[i] = expr.Map(e, func(x expr.Expr) expr.Expr {
			if r, ok := x.(*srfRef); ok {
				return &expr.ColRef{Idx: first[r.call] + r.col, Typ: r.typ}
			}
			return x
		})
	}
	return &srfNode{in: n, calls: calls}, out
}

// mapSRFArgs applies f to every argument of calls.
func mapSRFArgs(calls []srfCall, f func(expr.Expr) (expr.Expr, error)) error {
	for i := range calls {
		for j, a := range calls[i].args {
			x, err := f(a)
			if err != nil {
				return err
			}
			calls[i].args[j] = x
		}
	}
	return nil
}

// rowsFrom returns the function calls of a FROM item that is one (or ROWS
// FROM of several), with its alias clause and ordinality.
func rowsFrom(te tree.TableExpr) (*tree.AliasedTableExpr, []*tree.FuncExpr, bool) {
	a, ok := te.(*tree.AliasedTableExpr)
	if !ok {
		return nil, nil, false
	}
	rf, ok := a.Expr.(*tree.RowsFromExpr)
	if !ok {
		return nil, nil, false
	}
	var fs []*tree.FuncExpr
	for _, it := range rf.Items {
		f, ok := it.(*tree.FuncExpr)
		if !ok {
			return nil, nil, false
		}
		fs = append(fs, f)
	}
	return a, fs, true
}

// readsColumns reports whether any argument of the calls names a column,
// which makes the item LATERAL (PostgreSQL lets a function in FROM read
// the items before it even without the keyword).
func readsColumns(fs []*tree.FuncExpr) bool {
	v := &columnFinder{}
	for _, f := range fs {
		for _, a := range f.Exprs {
			tree.WalkExprConst(v, a)
		}
	}
	return v.found
}

// columnFinder is a tree.Visitor noting whether an expression names a
// column outside subqueries.
type columnFinder struct{ found bool }

func (v *columnFinder) VisitPre(e tree.Expr) (bool, tree.Expr) {
	switch e.(type) {
	case *tree.UnresolvedName:
		v.found = true
	case *tree.Subquery:
		return false, e
	}
	return !v.found, e
}

func (v *columnFinder) VisitPost(e tree.Expr) tree.Expr { return e }

// planRowsFrom plans a FROM item made of function calls over in, whose
// columns sc describes (a single row of no columns when the item reads no
// other item). The unit's columns are in's followed by the calls'.
func (p *Planner) planRowsFrom(a *tree.AliasedTableExpr, fs []*tree.FuncExpr, in node, sc *scope) (*unit, error) {
	if len(fs) == 1 && !isSRF(funcName(fs[0])) {
		return p.planScalarFrom(a, fs[0], in, sc)
	}
	b := &binder{p: p, scope: sc, clause: "functions in FROM"}
	var calls []srfCall
	var names []string
	for _, f := range fs {
		name := funcName(f)
		if !isSRF(name) {
			return nil, unsupported("function %s in FROM is not supported", name)
		}
		args, err := b.bindList(f.Exprs)
		if err != nil {
			return nil, err
		}
		for _, x := range args {
			if d1, deeper := hasOuter(x); d1 || deeper {
				return nil, unsupported("function arguments reading an enclosing query are not supported here")
			}
		}
		if name == "unnest" && len(args) > 1 {
			// unnest(a, b) is ROWS FROM (unnest(a), unnest(b)).
			for _, x := range args {
				c, err := newSRFCall(name, []expr.Expr{x}, false)
				if err != nil {
					return nil, err
				}
				calls, names = append(calls, c), append(names, name)
			}
			continue
		}
		c, err := newSRFCall(name, args, false)
		if err != nil {
			return nil, err
		}
		calls = append(calls, c)
		if c.kind == srfExpand {
			names = append(names, "x", "n")
		} else {
			names = append(names, name)
		}
	}
	alias := string(a.As.Alias)
	if alias == "" {
		alias = funcName(fs[0])
	}
	// One function of one column is named after the alias: FROM
	// generate_series(1, 3) g has a column g.
	if len(names) == 1 && a.As.Alias != "" {
		names[0] = alias
	}
	if a.Ordinality {
		names = append(names, "ordinality")
	}
	if len(a.As.Cols) > len(names) {
		return nil, sqlerr.New(sqlerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", alias, len(names), len(a.As.Cols))
	}
	for i, c := range a.As.Cols {
		names[i] = string(c.Name)
	}
	n := &srfNode{in: in, calls: calls, ordinality: a.Ordinality}
	cols := append([]column(nil), sc.cols...)
	for i, t := range n.types()[len(sc.cols):] {
		cols = append(cols, column{table: alias, name: names[i], typ: t})
	}
	return &unit{n: n, cols: cols, rows: 1000, full: 1000}, nil
}

// buildSRF builds an srfNode: its input's needed columns pass through,
// followed by every call's columns.
func (b *builder) buildSRF(n *srfNode, need []bool) (colexec.Operator, []int, error) {
	nin := len(n.in.types())
	inNeed := make([]bool, nin)
	copy(inNeed, need[:nin])
	for _, c := range n.calls {
		for _, a := range c.args {
			markCols(a, inNeed)
		}
	}
	in, m, err := b.build(n.in, inNeed)
	if err != nil {
		return nil, nil, err
	}
	calls := make([]srfCall, len(n.calls))
	for i, c := range n.calls {
		calls[i] = c
		calls[i].args = make([]expr.Expr, len(c.args))
		for j, a := range c.args {
			calls[i].args[j] = remap(a, m)
		}
	}
	op := newSRFOp(in, calls, n.ordinality, b.p.opts.Env)
	out := append([]int(nil), m...)
	w := len(in.Types())
	for i := nin; i < len(n.types()); i++ {
		out = append(out, w+i-nin)
	}
	return op, out, nil
}

// srfGen produces one call's values for one input row at a time.
type srfGen interface {
	// start prepares the row (a physical index into the evaluated
	// arguments) and returns how many values it yields.
	start(args []*vec.Vec, row int) (int64, error)
	// emit appends value p (< the count start returned) to outs.
	emit(p int64, outs []*vec.Vec)
}

// srfOp is the operator of an srfNode.
type srfOp struct {
	in    colexec.Operator
	calls []srfCall
	gens  []srfGen
	ord   bool
	types []vec.Type
	width int // input columns passed through
	ectx  *expr.Ctx
	out   *vec.Batch

	cur    *vec.Batch
	args   [][]*vec.Vec
	live   int   // next live row of cur to expand
	pos    int64 // next position of the row being expanded
	count  int64 // rows the row being expanded yields; -1 before start
	counts []int64
	done   bool
}

func newSRFOp(in colexec.Operator, calls []srfCall, ord bool, env *expr.Env) *srfOp {
	types := append([]vec.Type(nil), in.Types()...)
	width := len(types)
	gens := make([]srfGen, len(calls))
	for i, c := range calls {
		types = append(types, c.cols...)
		gens[i] = newGen(c, env)
	}
	if ord {
		types = append(types, vec.Int64)
	}
	return &srfOp{in: in, calls: calls, gens: gens, ord: ord, types: types, width: width,
		ectx: expr.NewCtx(env), out: vec.NewBatch(types, colexec.BatchSize), count: -1, counts: make([]int64, len(calls))}
}

func (o *srfOp) Types() []vec.Type { return o.types }

func (o *srfOp) Close() { o.in.Close() }

func (o *srfOp) Next(ctx context.Context) (*vec.Batch, error) {
	o.out.Reset()
	for !o.done && o.out.Len < colexec.BatchSize {
		if o.cur == nil || o.live >= o.cur.Len {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err := o.nextInput(ctx); err != nil {
				return nil, err
			}
			continue
		}
		row := o.cur.Row(o.live)
		if o.count < 0 {
			o.count = 0
			for i, g := range o.gens {
				c, err := g.start(o.args[i], row)
				if err != nil {
					return nil, err
				}
				o.counts[i] = c
				o.count = max(o.count, c)
			}
			o.pos = 0
		}
		for o.pos < o.count && o.out.Len < colexec.BatchSize {
			o.emit(row)
		}
		if o.pos >= o.count {
			o.live++
			o.count = -1
		}
	}
	if o.out.Len == 0 {
		return nil, nil
	}
	return o.out, nil
}

func (o *srfOp) nextInput(ctx context.Context) error {
	b, err := o.in.Next(ctx)
	if err != nil {
		return err
	}
	if b == nil || b.Len == 0 {
		o.done = true
		return nil
	}
	o.ectx.Reset()
	o.args = o.args[:0]
	for _, c := range o.calls {
		vals := make([]*vec.Vec, len(c.args))
		for j, a := range c.args {
			if vals[j], err = a.Eval(o.ectx, b); err != nil {
				return err
			}
		}
		o.args = append(o.args, vals)
	}
	o.cur, o.live, o.count = b, 0, -1
	return nil
}

// emit appends output row o.pos of input row row.
func (o *srfOp) emit(row int) {
	cols := o.out.Cols
	for i := 0; i < o.width; i++ {
		cols[i].AppendFrom(o.cur.Cols[i], row)
	}
	at := o.width
	for i, c := range o.calls {
		outs := cols[at : at+len(c.cols)]
		if o.pos < o.counts[i] {
			o.gens[i].emit(o.pos, outs)
		} else {
			for _, v := range outs {
				v.AppendNull()
			}
		}
		at += len(c.cols)
	}
	if o.ord {
		cols[at].AppendInt64(o.pos + 1)
	}
	o.pos++
	o.out.Len++
}

func newGen(c srfCall, env *expr.Env) srfGen {
	switch c.kind {
	case srfUnnest, srfExpand:
		at := c.args[0].Type()
		g := &arrayGen{at: at, elems: vec.New(at.ElemType(), 8), record: c.kind == srfExpand && len(c.cols) == 1}
		return g
	case srfSubscripts:
		return &subscriptsGen{at: c.args[0].Type()}
	}
	t := c.cols[0]
	if t.Kind == vec.KindTimestamp || t.Kind == vec.KindTimestampTZ {
		return &timeSeriesGen{tz: t.Kind == vec.KindTimestampTZ, env: env, vals: vec.New(t, 8)}
	}
	return &intSeriesGen{t: t}
}

// arrayGen is unnest and _pg_expandarray.
type arrayGen struct {
	at     vec.Type
	elems  *vec.Vec
	record bool
	enc    []byte
}

func (g *arrayGen) start(args []*vec.Vec, row int) (int64, error) {
	g.elems.Reset()
	if args[0].Nulls.IsNull(row) {
		return 0, nil
	}
	if err := vec.DecodeArray(g.at, args[0].Bytes().Get(row), g.elems); err != nil {
		return 0, err
	}
	return int64(g.elems.Len()), nil
}

func (g *arrayGen) emit(p int64, outs []*vec.Vec) {
	switch {
	case g.record:
		g.enc = vec.AppendRecordN(vec.AppendElem(g.enc[:0], g.elems, int(p)), int32(p+1))
		outs[0].AppendBytes(g.enc)
	case len(outs) == 2:
		outs[0].AppendFrom(g.elems, int(p))
		outs[1].AppendInt32(int32(p + 1))
	default:
		outs[0].AppendFrom(g.elems, int(p))
	}
}

// subscriptsGen is generate_subscripts(array, dim).
type subscriptsGen struct {
	at vec.Type
	lb int64
}

func (g *subscriptsGen) start(args []*vec.Vec, row int) (int64, error) {
	if args[0].Nulls.IsNull(row) || args[1].Nulls.IsNull(row) || args[1].Int32s()[row] != 1 {
		return 0, nil
	}
	n, err := vec.ArrayLen(g.at, args[0].Bytes().Get(row))
	g.lb = int64(g.at.LowerBound())
	return int64(n), err
}

func (g *subscriptsGen) emit(p int64, outs []*vec.Vec) { outs[0].AppendInt32(int32(g.lb + p)) }

// intSeriesGen is generate_series over integers and numerics (scaled
// integers): value p is start + p*step, computed in unsigned arithmetic so
// that a series reaching the type's ends neither overflows nor loops.
type intSeriesGen struct {
	t          vec.Type
	from, step int64
}

func (g *intSeriesGen) start(args []*vec.Vec, row int) (int64, error) {
	for _, a := range args {
		if a.Nulls.IsNull(row) {
			return 0, nil
		}
	}
	get := func(v *vec.Vec) int64 {
		switch v.Type.Kind {
		case vec.KindInt16:
			return int64(v.Int16s()[row])
		case vec.KindInt32:
			return int64(v.Int32s()[row])
		}
		return v.Int64s()[row]
	}
	g.from = get(args[0])
	stop := get(args[1])
	g.step = vec.Pow10(g.t.Scale)
	if g.t.Kind != vec.KindNumeric {
		g.step = 1
	}
	if len(args) == 3 {
		g.step = get(args[2])
	}
	if g.step == 0 {
		return 0, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
	}
	var span, step uint64
	switch {
	case g.step > 0 && stop >= g.from:
		span, step = uint64(stop)-uint64(g.from), uint64(g.step)
	case g.step < 0 && stop <= g.from:
		span, step = uint64(g.from)-uint64(stop), -uint64(g.step)
	default:
		return 0, nil
	}
	n := span/step + 1
	if n > math.MaxInt64 {
		n = math.MaxInt64
	}
	return int64(n), nil
}

func (g *intSeriesGen) emit(p int64, outs []*vec.Vec) {
	x := int64(uint64(g.from) + uint64(p)*uint64(g.step))
	switch g.t.Kind {
	case vec.KindInt32:
		outs[0].AppendInt32(int32(x))
	default:
		outs[0].AppendInt64(x)
	}
}

// timeSeriesGen is generate_series over timestamps: the step is added
// again and again (so a month step from January 31 gives February 29,
// then March 29, as PostgreSQL does), the values of one row materialised
// as they are produced.
type timeSeriesGen struct {
	tz   bool
	env  *expr.Env
	vals *vec.Vec
}

// maxTimeSeries bounds one row's timestamp series, which is materialised.
const maxTimeSeries = 10_000_000

func (g *timeSeriesGen) start(args []*vec.Vec, row int) (int64, error) {
	g.vals.Reset()
	for _, a := range args {
		if a.Nulls.IsNull(row) {
			return 0, nil
		}
	}
	cur, stop := args[0].Int64s()[row], args[1].Int64s()[row]
	step := args[2].Intervals()[row]
	sign := expr.IntervalSign(step)
	if sign == 0 {
		return 0, sqlerr.New(sqlerr.InvalidParameterValue, "step size cannot equal zero")
	}
	for sign > 0 && cur <= stop || sign < 0 && cur >= stop {
		if g.vals.Len() >= maxTimeSeries {
			return 0, sqlerr.New(sqlerr.ProgramLimitExceeded, "generate_series over timestamps is limited to %d values per call", maxTimeSeries)
		}
		g.vals.AppendInt64(cur)
		next, err := expr.AddInterval(cur, step, g.tz, g.env.Location())
		if err != nil {
			break // past the end of the timestamp range: the series ends
		}
		cur = next
	}
	return int64(g.vals.Len()), nil
}

func (g *timeSeriesGen) emit(p int64, outs []*vec.Vec) { outs[0].AppendFrom(g.vals, int(p)) }

func containsSRF(e expr.Expr) bool {
	found := false
	expr.Walk(e, func(x expr.Expr) bool {
		if _, ok := x.(*srfRef); ok {
			found = true
		}
		return !found
	})
	return found
}

// lateralPrefix handles the last FROM item that is a function call over
// columns of the items before it: those items are planned first (joined
// with their ON conditions and the WHERE conditions that read only them),
// the calls run over their rows, and the result is one unit; rest are the
// items after it and kept the WHERE conditions left for the whole FROM. u
// is nil when there is no such item.
func (p *Planner) lateralPrefix(tables tree.TableExprs, where *tree.Where, outer *scope) (u *unit, rest tree.TableExprs, kept *tree.Where, err error) {
	for i := len(tables) - 1; i > 0; i-- {
		a, fs, ok := rowsFrom(tables[i])
		if !ok || !readsColumns(fs) {
			continue
		}
		pushed, left, err := p.prefixConditions(tables[:i], where, outer)
		if err != nil {
			return nil, nil, nil, err
		}
		in, sc, err := p.planFrom(tables[:i], pushed, outer)
		if err != nil {
			return nil, nil, nil, err
		}
		u, err := p.planRowsFrom(a, fs, in, sc)
		if err != nil {
			return nil, nil, nil, err
		}
		return u, tables[i+1:], left, nil
	}
	return nil, tables, where, nil
}

// prefixConditions splits WHERE into the conjuncts that read only the
// items of prefix (which must filter them before a function runs over
// their rows: PostgreSQL never calls it for rows its filters remove) and
// the rest. Conjuncts with subqueries stay with the rest.
func (p *Planner) prefixConditions(prefix tree.TableExprs, where *tree.Where, outer *scope) (pushed, left *tree.Where, err error) {
	if where == nil {
		return nil, nil, nil
	}
	_, sc, err := p.planFrom(prefix, nil, outer)
	if err != nil {
		return nil, nil, err
	}
	var in, out tree.Expr
	and := func(acc, x tree.Expr) tree.Expr {
		if acc == nil {
			return x
		}
		return &tree.AndExpr{Left: acc, Right: x}
	}
	for _, c := range splitAnd(where.Expr) {
		if readsOnly(p, c, sc) {
			in = and(in, c)
		} else {
			out = and(out, c)
		}
	}
	if in != nil {
		pushed = &tree.Where{Type: tree.AstWhere, Expr: in}
	}
	if out != nil {
		left = &tree.Where{Type: tree.AstWhere, Expr: out}
	}
	return pushed, left, nil
}

// readsOnly reports whether c binds in sc alone without subqueries or
// references to enclosing queries.
func readsOnly(p *Planner, c tree.Expr, sc *scope) bool {
	v := &subqueryFinder{}
	tree.WalkExprConst(v, c)
	if v.found {
		return false
	}
	x, err := (&binder{p: p, scope: &scope{cols: sc.cols}, clause: "WHERE"}).bind(c)
	return err == nil && !containsOuter(x)
}

func containsOuter(e expr.Expr) bool {
	d1, deeper := hasOuter(e)
	return d1 || deeper
}

// subqueryFinder is a tree.Visitor noting subqueries.
type subqueryFinder struct{ found bool }

func (v *subqueryFinder) VisitPre(e tree.Expr) (bool, tree.Expr) {
	if _, ok := e.(*tree.Subquery); ok {
		v.found = true
	}
	return !v.found, e
}

func (v *subqueryFinder) VisitPost(e tree.Expr) tree.Expr { return e }

// srfNames renders the calls for EXPLAIN.
func srfNames(calls []srfCall) string {
	parts := make([]string, len(calls))
	for i, c := range calls {
		args := make([]string, len(c.args))
		for j, a := range c.args {
			args[j] = a.String()
		}
		parts[i] = c.name + "(" + strings.Join(args, ", ") + ")"
	}
	return strings.Join(parts, ", ")
}
