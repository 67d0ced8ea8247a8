package plan

import (
	"strconv"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treewindow"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// winCall is one window function call found in a select list or ORDER BY.
// Its expressions are over the query's input (after aggregation, once
// rewritten).
type winCall struct {
	name      string
	args      []expr.Expr
	partition []expr.Expr
	order     []expr.Expr
	orderKeys []sortKey // col = index into order
	frame     colexec.Frame
	offset    int64
	deflt     *vec.Vec
	// rowDefault: lag's or lead's offset is constant and its default,
	// args[1], is read per row (colexec.WindowFunc.RowDefault).
	rowDefault bool
	typ        vec.Type
}

// winRef stands for window call i's result until the window node's output
// replaces it.
type winRef struct {
	idx int
	typ vec.Type
}

func (e *winRef) Type() vec.Type { return e.typ }
func (e *winRef) String() string { return "window#" + strconv.Itoa(e.idx) }
func (e *winRef) Eval(*expr.Ctx, *vec.Batch) (*vec.Vec, error) {
	panic("plan: winRef evaluated")
}

// winCollector records window calls while binding.
type winCollector struct {
	calls []winCall
}

type windowNode struct {
	in        node
	partition []int
	order     []sortKey
	funcs     []colexec.WindowFunc
}

func (n *windowNode) types() []vec.Type {
	ts := append([]vec.Type(nil), n.in.types()...)
	for _, f := range n.funcs {
		ts = append(ts, f.ResultType)
	}
	return ts
}

var windowNames = map[string]bool{
	"row_number": true, "rank": true, "dense_rank": true, "percent_rank": true, "cume_dist": true,
	"ntile": true, "lag": true, "lead": true, "first_value": true, "last_value": true, "nth_value": true,
	"sum": true, "avg": true, "count": true, "min": true, "max": true, "string_agg": true,
}

// windowAggArity is the number of arguments of each aggregate that runs
// as a window function.
var windowAggArity = map[string]int{"sum": 1, "avg": 1, "count": 1, "min": 1, "max": 1, "string_agg": 2}

func (b *binder) bindWindow(e *tree.FuncExpr, name string) (expr.Expr, error) {
	if b.win == nil {
		return nil, sqlerr.New(sqlerr.WindowingError, "window functions are not allowed in %s", b.clauseName())
	}
	// bool_and (every) and bool_or are min and max over booleans, with
	// false < true.
	boolAgg := ""
	switch name {
	case "bool_and", "every":
		boolAgg, name = name, "min"
	case "bool_or":
		boolAgg, name = name, "max"
	}
	if !windowNames[name] {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "%s is not supported as a window function", name)
	}
	if e.WindowDef.RefName != "" || e.WindowDef.Name != "" {
		// resolveNamedWindows replaced every reference it could see.
		return nil, sqlerr.New(sqlerr.UndefinedObject, "window %q does not exist", string(e.WindowDef.Name)+string(e.WindowDef.RefName))
	}
	if e.Type == tree.DistinctFuncType {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "DISTINCT is not implemented for window functions")
	}
	if e.Filter != nil {
		return nil, unsupported("FILTER is not supported for window functions yet")
	}
	// Window arguments may hold aggregates (sum(sum(x)) OVER ...), not other
	// window functions.
	inner := *b
	inner.win = nil
	call := winCall{name: name}
	switch {
	case name == "count" && len(e.Exprs) == 1 && isStar(e.Exprs[0]):
		call.name = "count_star"
	case name == "lag" || name == "lead":
		if err := inner.bindLagLead(e.Exprs, &call); err != nil {
			return nil, err
		}
	case windowOnlySignatures[name] != nil:
		if err := inner.bindWindowOnlyArgs(e.Exprs, &call); err != nil {
			return nil, err
		}
	default:
		for _, a := range e.Exprs {
			x, err := inner.bind(a)
			if err != nil {
				return nil, err
			}
			call.args = append(call.args, x)
		}
		// The aggregates take one argument, string_agg two; PostgreSQL has
		// no other signature (sum(1, 2) OVER () used to ignore the second).
		if want := windowAggArity[call.name]; len(call.args) != want {
			shown := call.name
			if boolAgg != "" {
				shown = boolAgg
			}
			if len(call.args) == 0 && name == "count" {
				return nil, sqlerr.New(sqlerr.WrongObjectType, "count(*) must be used to call a parameterless aggregate function")
			}
			return nil, expr.ErrNoFunction(shown, call.args)
		}
		for i, x := range call.args {
			var err error
			if call.args[i], err = untypedAsText(x); err != nil {
				return nil, err
			}
		}
	}
	var argTypes []vec.Type
	for i, a := range call.args {
		if boolAgg != "" {
			c, err := expr.Coerce(a, vec.Bool)
			if err != nil || c.Type().Kind != vec.KindBool {
				return nil, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", boolAgg, a.Type())
			}
			// Over booleans as 0 and 1: the frame's min or max is 1
			// exactly when every or any value is true.
			if c, err = expr.NewCast(c, vec.Int32); err != nil {
				return nil, err
			}
			call.args[i], a = c, c
		}
		argTypes = append(argTypes, a.Type())
	}
	t, err := colexec.WindowResultType(call.name, argTypes)
	if err != nil {
		return nil, err
	}
	call.typ = t
	for _, p := range e.WindowDef.Partitions {
		x, err := inner.bind(p)
		if err != nil {
			return nil, err
		}
		call.partition = append(call.partition, x)
	}
	for i, o := range e.WindowDef.OrderBy {
		x, err := inner.bind(o.Expr)
		if err != nil {
			return nil, err
		}
		k := makeSortKey(len(call.order), o)
		if repeatsOrderKey(e.WindowDef.OrderBy[:i], o) {
			// PostgreSQL drops it from the sort clause: RANGE offsets
			// see one key in ORDER BY x, x DESC.
			continue
		}
		call.orderKeys = append(call.orderKeys, k)
		call.order = append(call.order, x)
	}
	call.frame.HasOrder = len(call.order) > 0
	if f := e.WindowDef.Frame; f != nil {
		if err := b.bindFrame(f, &call); err != nil {
			return nil, err
		}
	}
	b.win.calls = append(b.win.calls, call)
	ref := &winRef{idx: len(b.win.calls) - 1, typ: t}
	if boolAgg != "" {
		one := vec.New(vec.Int32, 1)
		one.AppendInt32(1)
		return expr.NewCompare(expr.EQ, ref, expr.NewConst(one))
	}
	return ref, nil
}

// Parameter kinds of windowOnlySignatures.
const (
	winParamValue   = iota // anyelement: any type, but not an untyped literal
	winParamInteger        // integer: smallint, integer or an untyped literal
)

// windowOnlySignatures are PostgreSQL's signatures of the functions that
// exist only as window functions, lag and lead aside (bindLagLead):
// row_number(), ntile(integer), first_value(anyelement),
// nth_value(anyelement, integer) and so on. The ranks also exist as
// hypothetical-set aggregates, which is why PostgreSQL answers rank(1)
// OVER () as it does.
var windowOnlySignatures = map[string][]int{
	"row_number": {}, "rank": {}, "dense_rank": {}, "percent_rank": {}, "cume_dist": {},
	"ntile":       {winParamInteger},
	"first_value": {winParamValue}, "last_value": {winParamValue},
	"nth_value": {winParamValue, winParamInteger},
}

// bindWindowOnlyArgs binds the arguments of a function of
// windowOnlySignatures with PostgreSQL's checks, in its order: a call no
// signature matches is 42883 (ntile(bigint), nth_value(x, numeric)), an
// untyped literal where any type is allowed 42804. A constant count (ntile)
// or position (nth_value) becomes call.offset; any other, NULL included,
// stays an argument read per row, whose NULLs make the results NULL.
func (b *binder) bindWindowOnlyArgs(exprs tree.Exprs, call *winCall) error {
	params := windowOnlySignatures[call.name]
	args, err := b.bindList(exprs)
	if err != nil {
		return err
	}
	if len(args) > 0 && len(params) == 0 && call.name != "row_number" {
		return sqlerr.New(sqlerr.WrongObjectType, "WITHIN GROUP is required for ordered-set aggregate %s", call.name)
	}
	fits := len(args) == len(params)
	for i := 0; fits && i < len(args); i++ {
		k, isConst := args[i].(*expr.Const)
		switch kind := args[i].Type().Kind; {
		case params[i] == winParamValue:
		case isConst && k.Untyped, args[i].Type().Shape == vec.ShapeScalar && (kind == vec.KindInt16 || kind == vec.KindInt32):
		default:
			fits = false
		}
	}
	if !fits {
		return expr.ErrNoFunction(call.name, args)
	}
	for i, x := range args {
		if params[i] == winParamValue {
			if k, ok := x.(*expr.Const); ok && k.Untyped {
				return sqlerr.New(sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown")
			}
			call.args = append(call.args, x)
			continue
		}
		if x, err = expr.Coerce(x, vec.Int32); err != nil {
			return err
		}
		if k, ok := x.(*expr.Const); ok && !k.IsNull() {
			call.offset = int64(k.Val.Int32s()[0])
			continue
		}
		call.args = append(call.args, x)
	}
	return nil
}

// bindLagLead binds lag's and lead's arguments as PostgreSQL types
// lag(anycompatible, integer, anycompatible): the offset is an integer, the
// value and the default meet at their common type. A constant offset or
// default becomes a parameter of the call (offset, deflt); any other is an
// argument column read per row. A NULL offset stays a column, whose NULLs
// make every result NULL.
func (b *binder) bindLagLead(exprs tree.Exprs, call *winCall) error {
	args, err := b.bindList(exprs)
	if err != nil {
		return err
	}
	noFunction := func() error { return expr.ErrNoFunction(call.name, args) }
	if len(args) == 0 || len(args) > 3 {
		return noFunction()
	}
	value := args[0]
	call.offset = 1
	var offset expr.Expr
	if len(args) > 1 {
		k, isConst := args[1].(*expr.Const)
		switch kind := args[1].Type().Kind; {
		case isConst && k.Untyped, kind == vec.KindInt16, kind == vec.KindInt32:
		default:
			return noFunction()
		}
		x, err := expr.Coerce(args[1], vec.Int32)
		if err != nil {
			return err
		}
		if k, ok := x.(*expr.Const); ok && !k.IsNull() {
			call.offset = int64(k.Val.Int32s()[0])
		} else {
			offset = x
		}
	}
	var deflt expr.Expr
	if len(args) > 2 {
		t, err := expr.ResultType([]expr.Expr{value, args[2]}, call.name)
		if err != nil {
			return noFunction()
		}
		if value, err = expr.Coerce(value, t); err != nil {
			return err
		}
		if deflt, err = expr.Coerce(args[2], t); err != nil {
			return err
		}
	} else if k, ok := value.(*expr.Const); ok && k.Untyped {
		// lag(anyelement [, integer]): nothing else gives the value a type.
		return sqlerr.New(sqlerr.DatatypeMismatch, "could not determine polymorphic type because input has type unknown")
	}
	call.args = append(call.args, value)
	if offset != nil {
		call.args = append(call.args, offset)
	}
	if k, ok := deflt.(*expr.Const); ok {
		call.deflt = k.Val
	} else if deflt != nil {
		call.args, call.rowDefault = append(call.args, deflt), offset == nil
	}
	return nil
}

func (b *binder) clauseName() string {
	if b.clause == "" {
		return "this context"
	}
	return b.clause
}

func (b *binder) bindFrame(f *tree.WindowFrame, call *winCall) error {
	mode := "RANGE"
	switch f.Mode {
	case treewindow.ROWS:
		call.frame.Mode, mode = colexec.FrameRows, "ROWS"
	case treewindow.GROUPS:
		call.frame.Mode, mode = colexec.FrameGroups, "GROUPS"
		if len(call.order) == 0 {
			return sqlerr.New(sqlerr.WindowingError, "GROUPS mode requires an ORDER BY clause")
		}
	}
	switch f.Exclusion {
	case treewindow.ExcludeCurrentRow:
		call.frame.Exclude = colexec.ExcludeCurrentRow
	case treewindow.ExcludeGroup:
		call.frame.Exclude = colexec.ExcludeGroup
	case treewindow.ExcludeTies:
		call.frame.Exclude = colexec.ExcludeTies
	}
	kinds := map[treewindow.WindowFrameBoundType]colexec.FrameBound{
		treewindow.UnboundedPreceding: colexec.UnboundedPreceding, treewindow.OffsetPreceding: colexec.OffsetPreceding,
		treewindow.CurrentRow: colexec.CurrentRow, treewindow.OffsetFollowing: colexec.OffsetFollowing,
		treewindow.UnboundedFollowing: colexec.UnboundedFollowing,
	}
	end := f.Bounds.EndBound
	if call.frame.Mode == colexec.FrameRange && len(call.order) != 1 &&
		(f.Bounds.StartBound.OffsetExpr != nil || end != nil && end.OffsetExpr != nil) {
		// PostgreSQL's parser says so before it looks at the offsets.
		return sqlerr.New(sqlerr.WindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
	}
	// bound returns a bound's kind and offset, and whether the offset is
	// NULL (an error the operator raises when it runs, as PostgreSQL's
	// executor does).
	bound := func(fb *tree.WindowFrameBound, start bool) (colexec.FrameBound, int64, bool, error) {
		k := kinds[fb.BoundType]
		if fb.OffsetExpr == nil {
			return k, 0, false, nil
		}
		if refersToColumns(fb.OffsetExpr) {
			return 0, 0, false, sqlerr.New(sqlerr.InvalidColumnReference, "argument of %s must not contain variables", mode)
		}
		x, err := (&binder{p: b.p, scope: &scope{}, clause: "window frame"}).bind(fb.OffsetExpr)
		if err != nil {
			return 0, 0, false, err
		}
		lit, isConst := x.(*expr.Const)
		untyped := isConst && lit.Untyped
		target := vec.Int64
		if call.frame.Mode == colexec.FrameRange {
			offsetType := x.Type()
			if scale, ok := plainNumericScale(x); ok && untyped && call.order[0].Type().Kind == vec.KindNumeric {
				// An untyped offset over a numeric key is a numeric of
				// its own scale, as PostgreSQL reads it: '1.45' stays
				// 1.45 over a numeric(6,1) key.
				offsetType, untyped = vec.Type{Kind: vec.KindNumeric, Scale: scale}, false
			}
			if target, err = rangeOffsetType(call.order[0].Type(), offsetType, untyped); err != nil {
				return 0, 0, false, err
			}
		} else if !untyped && !assignableToBigint(x.Type()) {
			// PostgreSQL coerces ROWS and GROUPS offsets to bigint as
			// an assignment would: numbers and untyped literals only.
			return 0, 0, false, sqlerr.New(sqlerr.DatatypeMismatch, "argument of %s must be type bigint, not type %s", mode, x.Type())
		}
		c, err := expr.Coerce(x, target)
		if err != nil {
			return 0, 0, false, err
		}
		if c, err = expr.FoldConstants(c, b.p.opts.Env); err != nil {
			return 0, 0, false, err
		}
		kc, ok := c.(*expr.Const)
		if !ok {
			return 0, 0, false, unsupported("window frame offsets must be constants")
		}
		if kc.IsNull() {
			return k, 0, true, nil
		}
		off := kc.Val.Int64s()[0]
		if target.Kind == vec.KindNumeric {
			off = inKeyUnits(off, target.Scale-call.order[0].Type().Scale, (k == colexec.OffsetPreceding) == start)
		}
		return k, off, false, nil
	}
	fr := &call.frame
	var err error
	if fr.StartKind, fr.StartOffset, fr.StartNull, err = bound(f.Bounds.StartBound, true); err != nil {
		return err
	}
	fr.EndKind = colexec.CurrentRow
	if end != nil {
		if fr.EndKind, fr.EndOffset, fr.EndNull, err = bound(end, false); err != nil {
			return err
		}
	}
	return nil
}

// repeatsOrderKey reports whether the ORDER BY item o repeats one of
// before, written the same way: PostgreSQL keeps the first of them,
// whatever their directions, as the later one can order nothing.
func repeatsOrderKey(before tree.OrderBy, o *tree.Order) bool {
	for _, p := range before {
		if tree.AsString(p.Expr) == tree.AsString(o.Expr) {
			return true
		}
	}
	return false
}

// rangeOffsetType returns the type a RANGE offset of type offset is read
// in for an ORDER BY key of type key, or PostgreSQL's error where it has no
// in_range function for the pair: integer keys take integer offsets,
// numeric keys integers and numerics, and an untyped literal is read as
// the key's type. A numeric offset keeps its decimals beyond the key's, for
// inKeyUnits to round.
func rangeOffsetType(key, offset vec.Type, untyped bool) (vec.Type, error) {
	integer := offset.Shape == vec.ShapeScalar && offset.Variant == 0 &&
		(offset.Kind == vec.KindInt16 || offset.Kind == vec.KindInt32 || offset.Kind == vec.KindInt64)
	switch key.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		if untyped || integer {
			return vec.Int64, nil
		}
	case vec.KindNumeric:
		t := vec.Type{Kind: vec.KindNumeric, Scale: key.Scale}
		if offset.Kind == vec.KindNumeric && offset.Shape == vec.ShapeScalar {
			t.Scale = max(t.Scale, offset.Scale)
			return t, nil
		}
		if untyped || integer {
			return t, nil
		}
	default:
		return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", key)
	}
	return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s and offset type %s", key, offset).
		WithHint("Cast the offset value to an appropriate type.")
}

// inKeyUnits converts a numeric RANGE offset x, which has extra more
// decimals than the key, to the key's units. Keys are whole units, so a
// bound that widens the frame (start PRECEDING, end FOLLOWING) reaches the
// same keys with the offset truncated, and one that narrows it with the
// offset rounded up. A negative offset is an error once a key meets it,
// so it only has to stay negative.
func inKeyUnits(x int64, extra int32, widens bool) int64 {
	if extra <= 0 {
		return x
	}
	p := vec.Pow10(extra)
	q := x / p
	switch {
	case x < 0:
		return min(q, -1)
	case x%p != 0 && !widens:
		q++
	}
	return q
}

// assignableToBigint reports whether PostgreSQL has an assignment cast
// from t to bigint: the number types do.
func assignableToBigint(t vec.Type) bool {
	if t.Shape != vec.ShapeScalar {
		return false
	}
	switch t.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindFloat32, vec.KindFloat64:
		return true
	}
	return false
}

// refersToColumns reports whether e names a column outside its
// subqueries (which are queries of their own).
func refersToColumns(e tree.Expr) bool {
	v := &columnFinder{}
	tree.WalkExprConst(v, e)
	return v.found
}

// addWindows appends window nodes computing calls over n (one node per
// distinct PARTITION BY / ORDER BY) and returns the new node and, for each
// call, the column holding its result.
func (p *Planner) addWindows(n node, calls []winCall) (node, []int, error) {
	cols := make([]int, len(calls))
	done := make([]bool, len(calls))
	for i := range calls {
		if done[i] {
			continue
		}
		spec := specKey(calls[i])
		width := len(n.types())
		// Project the input plus the window's expressions.
		var exprs []expr.Expr
		for c, t := range n.types() {
			exprs = append(exprs, &expr.ColRef{Idx: c, Typ: t})
		}
		add := func(e expr.Expr) int {
			if c, ok := e.(*expr.ColRef); ok {
				return c.Idx
			}
			exprs = append(exprs, e)
			return len(exprs) - 1
		}
		var part []int
		for _, e := range calls[i].partition {
			part = append(part, add(e))
		}
		var order []sortKey
		for k, e := range calls[i].order {
			sk := calls[i].orderKeys[k]
			sk.col = add(e)
			order = append(order, sk)
		}
		var funcs []colexec.WindowFunc
		var members []int
		for j := i; j < len(calls); j++ {
			if done[j] || specKey(calls[j]) != spec {
				continue
			}
			c := calls[j]
			wf := colexec.WindowFunc{Name: c.name, Offset: c.offset, Default: c.deflt, RowDefault: c.rowDefault, Frame: c.frame, ResultType: c.typ}
			for _, a := range c.args {
				wf.Args = append(wf.Args, add(a))
			}
			funcs = append(funcs, wf)
			members = append(members, j)
			done[j] = true
		}
		in := node(&projectNode{in: n, exprs: exprs})
		w := &windowNode{in: in, partition: part, order: order, funcs: funcs}
		pw := len(exprs)
		for k, j := range members {
			cols[j] = pw + k
		}
		// Drop the helper columns again so later windows and the select
		// list see the original layout plus results.
		var keep []expr.Expr
		wt := w.types()
		for c := 0; c < width; c++ {
			keep = append(keep, &expr.ColRef{Idx: c, Typ: wt[c]})
		}
		for k, j := range members {
			keep = append(keep, &expr.ColRef{Idx: pw + k, Typ: wt[pw+k]})
			cols[j] = width + k
		}
		n = &projectNode{in: w, exprs: keep}
	}
	return n, cols, nil
}

func specKey(c winCall) string {
	s := ""
	for _, e := range c.partition {
		s += e.String() + ","
	}
	s += "|"
	for k, e := range c.order {
		sk := c.orderKeys[k]
		s += e.String() + strconv.FormatBool(sk.desc) + strconv.FormatBool(sk.nullsFirst) + ","
	}
	return s
}

// resolveNamedWindows replaces the references to the WINDOW clause's
// windows in the select list, HAVING and ORDER BY (OVER w, OVER (w ORDER BY
// ...)) by the definitions they name, with PostgreSQL's rules for what a
// reference may add: an ORDER BY when the named window has none, and a
// frame; never a PARTITION BY.
func resolveNamedWindows(sc *tree.SelectClause, orderBy tree.OrderBy) error {
	defs := map[string]*tree.WindowDef{}
	for _, w := range sc.Window {
		name := string(w.Name)
		if _, dup := defs[name]; dup {
			return sqlerr.New(sqlerr.WindowingError, "window %q is already defined", name)
		}
		// A window of the clause may build on an earlier one.
		if w.RefName != "" {
			merged, err := mergeWindow(defs, w)
			if err != nil {
				return err
			}
			merged.Name = w.Name
			w = merged
		}
		defs[name] = w
	}
	visit := func(e tree.Expr) error {
		_, err := tree.SimpleVisit(e, func(x tree.Expr) (bool, tree.Expr, error) {
			fe, ok := x.(*tree.FuncExpr)
			if !ok || fe.WindowDef == nil {
				return true, x, nil
			}
			d := fe.WindowDef
			switch {
			case d.RefName != "":
				merged, err := mergeWindow(defs, d)
				if err != nil {
					return false, nil, err
				}
				fe.WindowDef = merged
			case d.Name != "":
				base, ok := defs[string(d.Name)]
				if !ok {
					return false, nil, sqlerr.New(sqlerr.UndefinedObject, "window %q does not exist", string(d.Name))
				}
				c := *base
				c.Name = ""
				fe.WindowDef = &c
			}
			return true, fe, nil
		})
		return err
	}
	for _, se := range sc.Exprs {
		if err := visit(se.Expr); err != nil {
			return err
		}
	}
	if sc.Having != nil {
		if err := visit(sc.Having.Expr); err != nil {
			return err
		}
	}
	for _, o := range orderBy {
		if o.Expr != nil {
			if err := visit(o.Expr); err != nil {
				return err
			}
		}
	}
	return nil
}

// mergeWindow builds the window OVER (w ...) names from the named window w
// and what the reference adds.
func mergeWindow(defs map[string]*tree.WindowDef, ref *tree.WindowDef) (*tree.WindowDef, error) {
	name := string(ref.RefName)
	base, ok := defs[name]
	if !ok {
		return nil, sqlerr.New(sqlerr.UndefinedObject, "window %q does not exist", name)
	}
	if len(ref.Partitions) > 0 {
		return nil, sqlerr.New(sqlerr.WindowingError, "cannot override PARTITION BY clause of window %q", name)
	}
	if len(ref.OrderBy) > 0 && len(base.OrderBy) > 0 {
		return nil, sqlerr.New(sqlerr.WindowingError, "cannot override ORDER BY clause of window %q", name)
	}
	if base.Frame != nil {
		return nil, sqlerr.New(sqlerr.WindowingError, "cannot copy window %q because it has a frame clause", name)
	}
	out := &tree.WindowDef{Partitions: base.Partitions, OrderBy: base.OrderBy, Frame: ref.Frame}
	if len(ref.OrderBy) > 0 {
		out.OrderBy = ref.OrderBy
	}
	return out, nil
}
