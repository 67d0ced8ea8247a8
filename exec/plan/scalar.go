package plan

import (
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treebin"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treecmp"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// binder binds scalar expressions in a scope.
type binder struct {
	p     *Planner
	scope *scope
	// agg collects aggregate calls while binding an aggregating query's
	// select list, HAVING and ORDER BY; nil where aggregates are not
	// allowed, with clause naming the clause for the error.
	agg    *aggCollector
	clause string
	// from is the FROM planning a WHERE clause belongs to; correlated
	// scalar subqueries add joins to it.
	from *fromCtx
	// win collects window function calls where they are allowed (select
	// list, ORDER BY).
	win *winCollector
	// srf collects set-returning function calls where they are allowed
	// (select list, ORDER BY).
	srf *srfCollector
}

// aggCollector records aggregates found while binding.
type aggCollector struct {
	calls []aggCall
	// inner binds aggregate arguments: against the FROM scope, with no
	// aggregates allowed inside.
	inner *binder
}

// aggRef stands for the result of aggregate i until the aggregation's
// output replaces it.
type aggRef struct {
	idx int
	typ vec.Type
}

func (e *aggRef) Type() vec.Type { return e.typ }
func (e *aggRef) String() string { return "agg" }
func (e *aggRef) Eval(*expr.Ctx, *vec.Batch) (*vec.Vec, error) {
	panic("plan: aggRef evaluated")
}

func (b *binder) bind(e tree.Expr) (expr.Expr, error) {
	switch e := e.(type) {
	case *tree.ParenExpr:
		return b.bind(e.Expr)
	case *tree.UnresolvedName:
		if e.Star {
			return nil, sqlerr.New(sqlerr.FeatureNotSupported, "* is not allowed here")
		}
		table := ""
		if e.NumParts > 1 {
			table = e.Parts[1]
		}
		return b.scope.resolve(table, e.Parts[0])
	case *tree.NumVal:
		return numConst(e)
	case *tree.StrVal:
		lit := expr.Literal(e.RawString())
		// A literal that turns out to be a timestamptz without a zone is
		// read in the session's time zone.
		lit.Loc = b.p.opts.Env.Location()
		return lit, nil
	case *tree.Placeholder:
		return b.p.opts.Params.placeholder(int(e.Idx))
	case *tree.DBool:
		v := vec.New(vec.Bool, 1)
		v.AppendBool(bool(*e))
		return expr.NewConst(v), nil
	case tree.Datum:
		if e == tree.DNull {
			return expr.NullLiteral(), nil
		}
		// Datums the parser makes up itself: substring(s FOR n) starts at
		// an implicit 1.
		switch d := e.(type) {
		case *tree.DInt:
			v := vec.New(vec.Int64, 1)
			v.AppendInt64(int64(*d))
			if int64(*d) == int64(int32(*d)) {
				v = vec.New(vec.Int32, 1)
				v.AppendInt32(int32(*d))
			}
			return expr.NewConst(v), nil
		case *tree.DString:
			return expr.Literal(string(*d)), nil
		}
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "constant %s is not supported", tree.AsString(e))
	case *tree.CastExpr:
		return b.bindCast(e)
	case *tree.AndExpr:
		l, r, err := b.bind2(e.Left, e.Right)
		if err != nil {
			return nil, err
		}
		return expr.NewAnd(l, r)
	case *tree.OrExpr:
		l, r, err := b.bind2(e.Left, e.Right)
		if err != nil {
			return nil, err
		}
		return expr.NewOr(l, r)
	case *tree.NotExpr:
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		return expr.NewNot(x)
	case *tree.IsNullExpr:
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		return &expr.IsNull{In: x}, nil
	case *tree.IsNotNullExpr:
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		return &expr.IsNull{In: x, Negate: true}, nil
	case *tree.UnaryExpr:
		x, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		switch e.Operator.Symbol {
		case tree.UnaryMinus:
			return expr.NewNeg(x)
		case tree.UnaryPlus:
			return x, nil
		case tree.UnaryComplement:
			return expr.NewFunc("@bitnot", []expr.Expr{x})
		}
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s is not supported", e.Operator)
	case *tree.BinaryExpr:
		return b.bindBinary(e)
	case *tree.ComparisonExpr:
		return b.bindComparison(e)
	case *tree.RangeCond:
		return b.bindBetween(e)
	case *tree.CaseExpr:
		return b.bindCase(e)
	case *tree.CoalesceExpr:
		args, err := b.bindList(e.Exprs)
		if err != nil {
			return nil, err
		}
		if strings.EqualFold(e.Name, "IFNULL") && len(args) != 2 {
			return nil, sqlerr.New(sqlerr.UndefinedFunction, "function ifnull does not exist")
		}
		return expr.NewCoalesce(args)
	case *tree.NullIfExpr:
		l, r, err := b.bind2(e.Expr1, e.Expr2)
		if err != nil {
			return nil, err
		}
		return expr.NewFunc("nullif", []expr.Expr{l, r})
	case *tree.FuncExpr:
		return b.bindFunc(e)
	case *tree.Subquery:
		return b.bindScalarSubquery(e)
	case *tree.Tuple:
		if len(e.Exprs) == 1 {
			return b.bind(e.Exprs[0])
		}
	case *tree.Array, *tree.ArrayFlatten, *tree.IndirectionExpr, *tree.ColumnAccessExpr, *tree.CollateExpr:
		return b.bindPG(e)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "expression %s is not supported", tree.AsString(e))
}

func (b *binder) bind2(l, r tree.Expr) (expr.Expr, expr.Expr, error) {
	le, err := b.bind(l)
	if err != nil {
		return nil, nil, err
	}
	re, err := b.bind(r)
	if err != nil {
		return nil, nil, err
	}
	return le, re, nil
}

func (b *binder) bindList(es tree.Exprs) ([]expr.Expr, error) {
	out := make([]expr.Expr, len(es))
	for i, e := range es {
		x, err := b.bind(e)
		if err != nil {
			return nil, err
		}
		out[i] = x
	}
	return out, nil
}

// numConst types a numeric literal as PostgreSQL does: integer if it fits
// int4, then int8, else numeric with the literal's own scale.
func numConst(n *tree.NumVal) (expr.Expr, error) {
	s := tree.AsString(n)
	if !strings.ContainsAny(s, ".eE") {
		for _, t := range []vec.Type{vec.Int32, vec.Int64} {
			if v, err := vec.ParseText(t, s, nil); err == nil {
				return expr.NewConst(v), nil
			}
		}
	}
	// The literal's scale: digits after the point, less the exponent.
	mant, exp := strings.ToLower(s), 0
	if i := strings.IndexByte(mant, 'e'); i >= 0 {
		e, err := strconv.Atoi(mant[i+1:])
		if err != nil {
			return nil, sqlerr.New(sqlerr.SyntaxError, "invalid number %q", s)
		}
		mant, exp = mant[:i], e
	}
	scale := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		scale = len(mant) - i - 1
	}
	scale = max(scale-exp, 0)
	if scale <= vec.MaxNumericPrecision {
		if v, err := vec.ParseText(vec.Type{Kind: vec.KindNumeric, Scale: int32(scale)}, s, nil); err == nil {
			return expr.NewConst(v), nil
		}
	}
	// Past 18 digits the literal is a numeric held as decimal.Decimal, and
	// past its 38 a double.
	if v, err := vec.ParseText(vec.DecimalOf(int32(min(scale, decimal.MaxDigits))), s, nil); err == nil {
		return expr.NewConst(v), nil
	}
	v, err := vec.ParseText(vec.Float64, s, nil)
	if err != nil {
		return nil, err
	}
	return expr.NewConst(v), nil
}

func (b *binder) bindCast(e *tree.CastExpr) (expr.Expr, error) {
	t, err := TypeFromAST(e.Type)
	if err != nil {
		return nil, err
	}
	if s, ok := e.Expr.(*tree.StrVal); ok && t.Kind == vec.KindInterval {
		// interval '90' day: the qualifier gives a bare number its unit.
		if ct, ok := e.Type.(*types.T); ok {
			if md, err := ct.IntervalTypeMetadata(); err == nil {
				if unit := intervalUnit(md.DurationField.DurationType); unit != "" && isBareNumber(s.RawString()) {
					return expr.NewCast(expr.Literal(s.RawString()+" "+unit), t)
				}
			}
		}
	}
	if arr, ok := e.Expr.(*tree.Array); ok && t.IsArray() {
		return b.bindArray(arr, t)
	}
	x, err := b.bind(e.Expr)
	if err != nil {
		return nil, err
	}
	if expr.NeedsRegName(t) || expr.NeedsRegName(x.Type()) {
		return b.castReg(x, t)
	}
	if t == vec.UnconstrainedNumeric {
		if y, ok := castToPlainNumeric(x); ok {
			return y, nil
		}
	}
	if t == plainNumericArray {
		if y, ok := castToPlainNumericArray(x); ok {
			return y, nil
		}
	}
	if k, ok := x.(*expr.Const); ok && k.Untyped && t.Kind == vec.KindText && t.Width > 0 {
		// An explicit cast truncates ('abcdef'::varchar(3) is 'abc'),
		// where reading a literal as varchar(3) would reject it.
		if x, err = expr.Coerce(x, vec.Text); err != nil {
			return nil, err
		}
	}
	return expr.NewCast(x, t)
}

// untypedAsText resolves an untyped literal ('abc', NULL) to text, as
// PostgreSQL resolves an unknown-type value nothing else gives a type;
// other expressions come back as they are.
func untypedAsText(x expr.Expr) (expr.Expr, error) {
	if k, ok := x.(*expr.Const); ok && k.Untyped {
		return expr.Coerce(x, vec.Text)
	}
	return x, nil
}

// castToPlainNumeric casts to numeric without a declared scale the way
// PostgreSQL does, keeping the value's own scale: '1.25'::numeric and
// 1.25::numeric are 1.25 (not 1.250000), an integer gets scale 0. Other
// operands (text columns, floats) keep the engine's default scale; ok is
// false for them.
//
// Values whose scales differ row by row, or that need more than 18 digits,
// become numerics held as decimal.Decimal, which keep each value's own
// digits as PostgreSQL does: a literal of more than 18 digits, text
// ('1.50'::numeric is 1.50) and floats (0.1::float8::numeric is 0.1, with
// float8's 15 significant digits).
func castToPlainNumeric(x expr.Expr) (expr.Expr, bool) {
	xt := x.Type()
	if xt.Shape != vec.ShapeScalar || xt.Variant != 0 {
		return nil, false
	}
	switch xt.Kind {
	case vec.KindDecimal:
		return x, true
	case vec.KindText, vec.KindFloat32, vec.KindFloat64:
		if k, isConst := x.(*expr.Const); !isConst || !k.Untyped {
			y, err := expr.NewCast(x, vec.DecimalOf(vec.DefaultNumericScale))
			return y, err == nil
		}
	}
	if k, isConst := x.(*expr.Const); isConst && k.Untyped && !k.IsNull() {
		text := strings.TrimSpace(string(k.Val.Bytes().Get(0)))
		if d, err := vec.ParseDecimal(text); err == nil {
			if _, narrow := d.Scaled(d.Scale); !narrow || d.Scale > vec.MaxNumericPrecision {
				v := vec.New(vec.DecimalOf(d.Scale), 1)
				v.AppendDecimal(d)
				return expr.NewConst(v), true
			}
		}
	}
	scale, ok := plainNumericScale(x)
	if !ok {
		return nil, false
	}
	y, err := expr.Coerce(x, vec.Type{Kind: vec.KindNumeric, Scale: scale})
	return y, err == nil
}

// plainNumericScale is the scale castToPlainNumeric gives x: a literal's
// own digits, a numeric's scale, 0 for an integer. ok is false where the
// engine's default scale applies, and for a literal that does not read as
// a numeric of its own scale (too many digits, not a number), so that the
// ordinary cast reports or rounds it.
func plainNumericScale(x expr.Expr) (int32, bool) {
	xt := x.Type()
	if k, ok := x.(*expr.Const); ok && k.Untyped {
		if k.IsNull() {
			return 0, false
		}
		text := strings.TrimSpace(string(k.Val.Bytes().Get(0)))
		scale := expr.LiteralScale(text)
		if _, err := vec.ParseText(vec.Type{Kind: vec.KindNumeric, Scale: scale}, text, nil); err != nil {
			return 0, false
		}
		return scale, true
	}
	switch xt.Kind {
	case vec.KindNumeric:
		return xt.Scale, true
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		return 0, true
	}
	return 0, false
}

func intervalUnit(d types.IntervalDurationType) string {
	switch d {
	case types.IntervalDurationType_YEAR:
		return "year"
	case types.IntervalDurationType_MONTH:
		return "month"
	case types.IntervalDurationType_DAY:
		return "day"
	case types.IntervalDurationType_HOUR:
		return "hour"
	case types.IntervalDurationType_MINUTE:
		return "minute"
	}
	return ""
}

func isBareNumber(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c >= '0' && c <= '9' || c == '.' || (i == 0 && (c == '-' || c == '+'))) {
			return false
		}
	}
	return true
}

func (b *binder) bindBinary(e *tree.BinaryExpr) (expr.Expr, error) {
	l, r, err := b.bind2(e.Left, e.Right)
	if err != nil {
		return nil, err
	}
	switch e.Operator.Symbol {
	case treebin.Plus:
		return expr.NewArith(expr.Add, l, r)
	case treebin.Minus:
		return expr.NewArith(expr.Sub, l, r)
	case treebin.Mult:
		return expr.NewArith(expr.Mul, l, r)
	case treebin.Div:
		return expr.NewArith(expr.Div, l, r)
	case treebin.Mod:
		return expr.NewArith(expr.Mod, l, r)
	case treebin.Concat:
		if l.Type().IsArray() || r.Type().IsArray() {
			return expr.NewArrayConcat(l, r)
		}
		return expr.NewConcat(l, r)
	case treebin.Pow:
		return expr.NewFunc("power", []expr.Expr{l, r})
	case treebin.Bitand:
		return expr.NewFunc("@bitand", []expr.Expr{l, r})
	case treebin.Bitor:
		return expr.NewFunc("@bitor", []expr.Expr{l, r})
	case treebin.Bitxor:
		return expr.NewFunc("@bitxor", []expr.Expr{l, r})
	case treebin.LShift:
		return expr.NewFunc("@shiftleft", []expr.Expr{l, r})
	case treebin.RShift:
		return expr.NewFunc("@shiftright", []expr.Expr{l, r})
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s is not supported", e.Operator)
}

var cmpOps = map[treecmp.ComparisonOperatorSymbol]expr.CmpOp{
	treecmp.EQ: expr.EQ, treecmp.NE: expr.NE, treecmp.LT: expr.LT,
	treecmp.LE: expr.LE, treecmp.GT: expr.GT, treecmp.GE: expr.GE,
}

func (b *binder) bindComparison(e *tree.ComparisonExpr) (expr.Expr, error) {
	sym := e.Operator.Symbol
	if sym == treecmp.Any || sym == treecmp.Some || sym == treecmp.All {
		sq, ok := e.Right.(*tree.Subquery)
		if !ok {
			return b.bindAnyArray(e)
		}
		if q := quantifiedIn(e); q != treecmp.EQ {
			return b.bindInSubquery(e.Left, sq, q == treecmp.NotIn)
		}
		return b.bindQuantified(e.Left, sq, e.SubOperator.Symbol, sym == treecmp.All)
	}
	if sym == treecmp.In || sym == treecmp.NotIn {
		if sq, ok := e.Right.(*tree.Subquery); ok {
			return b.bindInSubquery(e.Left, sq, sym == treecmp.NotIn)
		}
		return b.bindInList(e.Left, e.Right, sym == treecmp.NotIn)
	}
	l, r, err := b.bind2(e.Left, e.Right)
	if err != nil {
		return nil, err
	}
	if op, ok := cmpOps[sym]; ok {
		return expr.NewCompare(op, l, r)
	}
	switch sym {
	case treecmp.Like, treecmp.NotLike, treecmp.ILike, treecmp.NotILike:
		return expr.NewLike(l, r, sym == treecmp.ILike || sym == treecmp.NotILike, sym == treecmp.NotLike || sym == treecmp.NotILike)
	case treecmp.RegMatch, treecmp.NotRegMatch, treecmp.RegIMatch, treecmp.NotRegIMatch:
		return expr.NewRegexMatch(l, r, sym == treecmp.RegIMatch || sym == treecmp.NotRegIMatch, sym == treecmp.NotRegMatch || sym == treecmp.NotRegIMatch)
	case treecmp.IsDistinctFrom:
		return expr.NewIsDistinct(l, r, false)
	case treecmp.IsNotDistinctFrom:
		return expr.NewIsDistinct(l, r, true)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "operator %s is not supported", e.Operator)
}

func (b *binder) bindInList(left, right tree.Expr, negate bool) (expr.Expr, error) {
	tup, ok := right.(*tree.Tuple)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "IN needs a list or a subquery")
	}
	x, err := b.bind(left)
	if err != nil {
		return nil, err
	}
	items, err := b.bindList(tup.Exprs)
	if err != nil {
		return nil, err
	}
	var consts []*expr.Const
	for _, it := range items {
		k, ok := it.(*expr.Const)
		if !ok {
			consts = nil
			break
		}
		consts = append(consts, k)
	}
	if consts != nil {
		return expr.NewInList(x, consts, negate)
	}
	// Non-constant members: x = a OR x = b ..., negated for NOT IN.
	var out expr.Expr
	for _, it := range items {
		c, err := expr.NewCompare(expr.EQ, x, it)
		if err != nil {
			return nil, err
		}
		if out == nil {
			out = c
		} else if out, err = expr.NewOr(out, c); err != nil {
			return nil, err
		}
	}
	if negate {
		return expr.NewNot(out)
	}
	return out, nil
}

func (b *binder) bindBetween(e *tree.RangeCond) (expr.Expr, error) {
	x, err := b.bind(e.Left)
	if err != nil {
		return nil, err
	}
	lo, hi, err := b.bind2(e.From, e.To)
	if err != nil {
		return nil, err
	}
	between := func(lo, hi expr.Expr) (expr.Expr, error) {
		ge, err := expr.NewCompare(expr.GE, x, lo)
		if err != nil {
			return nil, err
		}
		le, err := expr.NewCompare(expr.LE, x, hi)
		if err != nil {
			return nil, err
		}
		return expr.NewAnd(ge, le)
	}
	out, err := between(lo, hi)
	if err != nil {
		return nil, err
	}
	if e.Symmetric {
		swapped, err := between(hi, lo)
		if err != nil {
			return nil, err
		}
		if out, err = expr.NewOr(out, swapped); err != nil {
			return nil, err
		}
	}
	if e.Not {
		return expr.NewNot(out)
	}
	return out, nil
}

func (b *binder) bindCase(e *tree.CaseExpr) (expr.Expr, error) {
	var subject expr.Expr
	if e.Expr != nil {
		s, err := b.bind(e.Expr)
		if err != nil {
			return nil, err
		}
		subject = s
	}
	var whens, thens []expr.Expr
	for _, w := range e.Whens {
		c, err := b.bind(w.Cond)
		if err != nil {
			return nil, err
		}
		if subject != nil {
			if c, err = expr.NewCompare(expr.EQ, subject, c); err != nil {
				return nil, err
			}
		}
		v, err := b.bind(w.Val)
		if err != nil {
			return nil, err
		}
		whens, thens = append(whens, c), append(thens, v)
	}
	var els expr.Expr
	if e.Else != nil {
		x, err := b.bind(e.Else)
		if err != nil {
			return nil, err
		}
		els = x
	}
	return expr.NewCase(whens, thens, els)
}

func funcName(f *tree.FuncExpr) string {
	// Keywords used as function names (left, right) come back quoted.
	name := strings.ToLower(strings.Trim(tree.AsStringWithFlags(&f.Func, tree.FmtBareIdentifiers), `"`))
	// pg_catalog.lower(x) is lower(x); information_schema's functions
	// (_pg_expandarray) are known by their bare names too.
	for _, schema := range []string{"pg_catalog.", "information_schema."} {
		if rest, ok := strings.CutPrefix(name, schema); ok {
			return strings.Trim(rest, `"`)
		}
	}
	return name
}

func (b *binder) bindFunc(e *tree.FuncExpr) (expr.Expr, error) {
	name := funcName(e)
	if e.WindowDef != nil {
		return b.bindWindow(e, name)
	}
	if fn, ok := colexec.LookupAgg(name); ok {
		return b.bindAgg(e, name, fn)
	}
	if name == "array_agg" {
		return b.bindArrayAgg(e)
	}
	if isSRF(name) {
		return b.bindSRF(e, name, "")
	}
	if e.Filter != nil || e.Type == tree.DistinctFuncType {
		return nil, sqlerr.New(sqlerr.WrongObjectType, "%s is not an aggregate function", name)
	}
	switch name {
	case "extract", "date_part":
		if len(e.Exprs) == 2 {
			field := ""
			if s, ok := e.Exprs[0].(*tree.StrVal); ok {
				field = strings.ToLower(s.RawString())
			} else if n, ok := e.Exprs[0].(*tree.UnresolvedName); ok {
				field = strings.ToLower(n.Parts[0])
			}
			if field != "" && name == "extract" {
				x, err := b.bind(e.Exprs[1])
				if err != nil {
					return nil, err
				}
				return expr.NewExtract(field, x)
			}
		}
	}
	args, err := b.bindList(e.Exprs)
	if err != nil {
		return nil, err
	}
	x, err := expr.NewFunc(name, args)
	if err != nil {
		err = expr.NameCall(err, name, writtenFuncName(e))
	}
	return x, err
}

// writtenFuncName is f's name as the call writes it, for its errors:
// funcName's drops pg_catalog and folds quoted names to lower case.
func writtenFuncName(f *tree.FuncExpr) expr.CallName {
	un, ok := f.Func.FunctionReference.(*tree.UnresolvedName)
	if !ok {
		return expr.CallName{funcName(f)}
	}
	parts := make(expr.CallName, un.NumParts)
	for i := range parts {
		parts[i] = un.Parts[un.NumParts-1-i]
	}
	return parts
}

func (b *binder) bindAgg(e *tree.FuncExpr, name string, fn colexec.AggFunc) (expr.Expr, error) {
	if b.agg == nil {
		return nil, b.errAggNotAllowed()
	}
	inner := b.agg.inner
	call := aggCall{fn: fn, name: name, distinct: e.Type == tree.DistinctFuncType}
	switch {
	case name == "count" && len(e.Exprs) == 1 && isStar(e.Exprs[0]):
		call.fn = colexec.AggCountStar
	case fn == colexec.AggStringAgg && len(e.Exprs) == 2:
		arg, err := inner.bind(e.Exprs[0])
		if err != nil {
			return nil, err
		}
		if arg.Type().Kind != vec.KindBytea {
			if arg.Type().Blank {
				// char(n) reaches string_agg's text parameter without its
				// trailing blanks.
				if arg, err = expr.NewCast(arg, vec.Text); err != nil {
					return nil, err
				}
			} else if arg, err = expr.Coerce(arg, vec.Text); err != nil {
				return nil, err
			}
		}
		d, err := inner.bind(e.Exprs[1])
		if err != nil {
			return nil, err
		}
		if d, err = expr.Coerce(d, arg.Type()); err != nil {
			return nil, err
		}
		dk, ok := d.(*expr.Const)
		if !ok {
			return nil, unsupported("string_agg needs a constant separator")
		}
		if !dk.IsNull() {
			call.delim = append([]byte(nil), dk.Val.Bytes().Get(0)...)
		}
		call.arg = arg
	case name == "count" && len(e.Exprs) == 0:
		// The lookup finds count(*), which is written with its star.
		return nil, sqlerr.New(sqlerr.WrongObjectType, "count(*) must be used to call a parameterless aggregate function")
	case len(e.Exprs) != 1:
		args, err := inner.bindList(e.Exprs)
		if err != nil {
			return nil, err
		}
		return nil, expr.NameCall(expr.ErrNoFunction(name, args), name, writtenFuncName(e))
	default:
		arg, err := inner.bind(e.Exprs[0])
		if err != nil {
			return nil, err
		}
		if arg, err = untypedAsText(arg); err != nil {
			return nil, err
		}
		call.arg = arg
	}
	var argType vec.Type
	if call.arg != nil {
		argType = call.arg.Type()
	}
	t, err := colexec.AggResultType(call.fn, argType, name)
	if err != nil {
		if sqlerr.CodeOf(err) == sqlerr.UndefinedFunction && call.arg != nil {
			// Named as written, the argument's type as PostgreSQL names it.
			err = expr.NameCall(expr.ErrNoFunction(name, []expr.Expr{call.arg}), name, writtenFuncName(e))
		}
		return nil, err
	}
	call.typ = t
	idx, err := b.addAggCall(e, call)
	if err != nil {
		return nil, err
	}
	return &aggRef{idx: idx, typ: t}, nil
}

func (b *binder) errAggNotAllowed() error {
	clause := b.clause
	if clause == "" {
		clause = "this context"
	}
	return sqlerr.New(sqlerr.GroupingError, "aggregate functions are not allowed in %s", clause)
}

// addAggCall binds the FILTER and ORDER BY of the aggregate e into call,
// records the call and returns its index among the query's aggregates.
func (b *binder) addAggCall(e *tree.FuncExpr, call aggCall) (int, error) {
	inner := b.agg.inner
	if e.Filter != nil {
		f, err := inner.bind(e.Filter)
		if err != nil {
			return 0, err
		}
		if f.Type().Kind != vec.KindBool {
			return 0, sqlerr.New(sqlerr.DatatypeMismatch, "argument of FILTER must be type boolean, not type %s", f.Type())
		}
		call.filter = f
	}
	for _, o := range e.OrderBy {
		x, err := inner.bind(o.Expr)
		if err != nil {
			return 0, err
		}
		k := makeSortKey(0, o)
		call.order = append(call.order, aggOrder{e: x, desc: k.desc, nullsFirst: k.nullsFirst})
	}
	if len(call.order) > 0 {
		for _, other := range b.agg.calls {
			if len(other.order) > 0 && orderString(other.order) != orderString(call.order) {
				return 0, unsupported("aggregates with different ORDER BY in one query are not supported yet")
			}
		}
	}
	b.agg.calls = append(b.agg.calls, call)
	return len(b.agg.calls) - 1, nil
}

func isStar(e tree.Expr) bool {
	switch e := e.(type) {
	case tree.UnqualifiedStar:
		return true
	case *tree.UnresolvedName:
		return e.Star
	}
	return false
}

func orderString(os []aggOrder) string {
	s := ""
	for _, o := range os {
		s += o.e.String() + "/" + strconv.FormatBool(o.desc) + strconv.FormatBool(o.nullsFirst) + ","
	}
	return s
}

// bindQuantified binds x op ANY (subquery) and x op ALL (subquery) for an
// uncorrelated subquery: it runs now, and the comparison becomes the OR
// (ANY) or AND (ALL) of x op v over its values, which gives SQL's NULL
// rules exactly. An empty subquery makes ANY false and ALL true.
func (b *binder) bindQuantified(left tree.Expr, sq *tree.Subquery, sym treecmp.ComparisonOperatorSymbol, all bool) (expr.Expr, error) {
	op, ok := cmpOps[sym]
	if !ok {
		return nil, unsupported("%s with ANY or ALL is not supported", treecmp.MakeComparisonOperator(sym))
	}
	x, err := b.bind(left)
	if err != nil {
		return nil, err
	}
	vals, err := b.subqueryValues(sq, 1000, "ANY/ALL (subquery)")
	if err != nil {
		return nil, err
	}
	if len(vals) == 0 {
		v := vec.New(vec.Bool, 1)
		v.AppendBool(all)
		return expr.NewConst(v), nil
	}
	var out expr.Expr
	for _, v := range vals {
		c, err := expr.NewCompare(op, x, v)
		if err != nil {
			return nil, err
		}
		switch {
		case out == nil:
			out = c
		case all:
			out, err = expr.NewAnd(out, c)
		default:
			out, err = expr.NewOr(out, c)
		}
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
