package expr

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The scalar function library: a registry of overloads per name, resolved
// with PostgreSQL's rules for picking a function from implicit coercions
// (the "Function Type Resolution" algorithm of the PostgreSQL manual, section
// 10.3), and Func, the node that runs a resolved overload's kernel.
//
// testdata/funcs_pg.txt (and decimal_pg.txt for numeric division and the
// numerics past 18 digits) holds the cases checked against PostgreSQL 15,
// and the deliberate differences, each with its reason. In short:
//   - numeric results follow PostgreSQL's scales exactly (round and trunc
//     with a per-row d, sqrt, exp, ln, log and power included); a computed
//     numeric past 38 digits keeps 38 by dropping decimals, or fails with
//     22003; EXTRACT(julian FROM timestamp) keeps 11 decimals; EXTRACT of
//     an infinite timestamp's unbounded fields is an error, not Infinity.
//   - float functions use Go's math package, which can differ from glibc
//     in the last bit (cot, cbrt).
//   - regular expressions are RE2 (see like_regex.go).
//   - to_char's TM prefix and SP suffix are ignored, names are English;
//     to_date/to_timestamp do not implement FX's exact matching.
//   - quote_ident does not quote keywords.

// SQLSTATEs sqlerr does not name; sqlerr.Code is a plain string.
const (
	codeAmbiguousFunction     = sqlerr.Code("42725")
	codeInvalidArgumentLog    = sqlerr.Code("2201E")
	codeInvalidArgumentPower  = sqlerr.Code("2201F")
	codeInvalidRegex          = sqlerr.Code("2201B")
	codeSubstringError        = sqlerr.Code("22011")
	codeInvalidEscapeSequence = sqlerr.Code("22025")
	codeInvalidWidthBucket    = sqlerr.Code("2201G")
	codeProgramLimit          = sqlerr.ProgramLimitExceeded
)

// funcFlags describe how an overload behaves beyond its types.
type funcFlags uint8

const (
	// nonStrict functions are called on rows with NULL arguments and set
	// their own NULLs; strict ones (the default) give NULL when any
	// argument is NULL without being called, as PostgreSQL's STRICT.
	nonStrict funcFlags = 1 << iota
	// usesEnv functions read the Env (statement time, session time zone):
	// they are not folded while planning, when there is no Env yet.
	usesEnv
	// volatile functions change from call to call (random()): never folded.
	volatile
)

// kernel computes a function for the live rows of a batch. args are the
// evaluated arguments (nil for those the bound kernel captured as
// constants); out is prepared with n rows (variable-length kinds: empty, to
// be appended in physical order). For strict functions out.Nulls already
// holds the union of the arguments' NULLs and nulls points at it when any is
// set; kernels skip those rows. Non-strict kernels get nulls == nil.
type kernel func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error

// overload is one signature of a function.
type overload struct {
	params []vec.Type
	ret    vec.Type
	// retFn, when set, computes the result type from the coerced
	// arguments (round(numeric, 2) has scale 2).
	retFn func(args []Expr) (vec.Type, error)
	// kern is the kernel, unless bind is set.
	kern kernel
	// bind builds a kernel specialised on the arguments, typically on
	// constant ones (a date_trunc unit, a to_char pattern, a regular
	// expression), so that they are parsed once per query rather than once
	// per row. captured marks the argument positions the kernel took from
	// the constants and will not read, so Eval skips broadcasting them.
	bind func(args []Expr, ret vec.Type) (k kernel, captured uint32, err error)
	// prep, when set, adjusts the coerced arguments before the node is
	// built (aligning numeric scales, say); its casts become children.
	prep func(args []Expr) ([]Expr, error)
	// show, when set, renders the call for EXPLAIN (operators and SQL's
	// keyword syntax); the default is name(args).
	show  func(args []string) string
	flags funcFlags
	// dec, when set, is the overload's form for KindDecimal numerics: a
	// call with a KindDecimal argument at a numeric parameter uses it,
	// its KindDecimal parameters taking every numeric argument as a
	// KindDecimal. Without one, such an argument is read as NarrowType.
	dec *overload
}

// funcs maps a lower-case function name to its overloads.
var funcs = map[string][]*overload{}

// def registers overloads under one or more space-separated names.
func def(names string, ovs ...*overload) {
	for _, n := range strings.Fields(names) {
		funcs[n] = append(funcs[n], ovs...)
	}
}

// sig is shorthand for an overload with a fixed kernel.
func sig(ret vec.Type, k kernel, params ...vec.Type) *overload {
	return &overload{params: params, ret: ret, kern: k}
}

// specialFuncs are the functions whose argument lists do not fit fixed
// signatures (variadic "any", a result type that is the arguments' common
// type).
var specialFuncs = map[string]func(args []Expr) (Expr, error){}

// NewFunc builds a call of the function name (lower case) on args,
// resolving the overload with PostgreSQL's implicit coercions: untyped
// literals take the parameter's type, integers widen to numeric or double
// precision, date widens to timestamp, and so on. An unknown name or
// argument list is 42883, as in PostgreSQL. A call whose arguments are all
// constants is folded at once unless it depends on the statement's Env.
func NewFunc(name string, args []Expr) (Expr, error) {
	if sp, ok := specialFuncs[name]; ok {
		return sp(args)
	}
	ovs, ok := funcs[name]
	if !ok {
		return nil, errNoFunction(name, args)
	}
	ov, err := resolveOverload(name, ovs, args)
	if err != nil {
		return nil, err
	}
	if ov.dec != nil && decimalAtNumeric(ov, args) {
		ov = ov.dec
	}
	cargs := make([]Expr, len(args))
	for i, a := range args {
		if cargs[i], err = coerceArg(a, ov.params[i]); err != nil {
			return nil, err
		}
	}
	if ov.prep != nil {
		if cargs, err = ov.prep(cargs); err != nil {
			return nil, err
		}
	}
	return buildFunc(name, ov, cargs)
}

// buildFunc makes the node for a resolved overload on coerced arguments.
func buildFunc(name string, ov *overload, args []Expr) (Expr, error) {
	typ := ov.ret
	if ov.retFn != nil {
		var err error
		if typ, err = ov.retFn(args); err != nil {
			return nil, err
		}
	}
	if ov.flags&nonStrict == 0 {
		for _, a := range args {
			if k, ok := a.(*Const); ok && k.IsNull() {
				// PostgreSQL's planner also reduces a strict function
				// of a NULL constant to NULL.
				return NullConst(typ), nil
			}
		}
	}
	f := newFuncNode(name, ov, args, typ)
	if ov.flags&(usesEnv|volatile) == 0 && allConst(args) {
		return FoldConstants(f, nil)
	}
	return f, nil
}

// decimalAtNumeric reports whether a KindDecimal argument meets one of
// ov's numeric parameters.
func decimalAtNumeric(ov *overload, args []Expr) bool {
	for i, p := range ov.params {
		if p.Kind == vec.KindNumeric && args[i].Type().Kind == vec.KindDecimal && !isUntyped(args[i]) {
			return true
		}
	}
	return false
}

func allConst(args []Expr) bool {
	for _, a := range args {
		if _, ok := a.(*Const); !ok {
			return false
		}
	}
	return true
}

// Func is a call of a scalar function.
type Func struct {
	Name     string
	Args     []Expr
	typ      vec.Type
	ov       *overload
	fn       kernel
	captured uint32
}

func newFuncNode(name string, ov *overload, args []Expr, typ vec.Type) *Func {
	f := &Func{Name: name, Args: args, typ: typ, ov: ov, fn: ov.kern}
	if ov.bind != nil {
		k, captured, err := ov.bind(args, typ)
		if err != nil {
			// PostgreSQL reports a bad constant argument (an invalid
			// regular expression, an unknown date_trunc unit) when the
			// function first runs on a row, so a query over no rows
			// succeeds; so does this.
			k, captured = errKernel(err), 0
		}
		f.fn, f.captured = k, captured
	}
	return f
}

// errKernel fails on the first live row that is not NULL.
func errKernel(err error) kernel {
	return func(_ *Ctx, _ []*vec.Vec, _ *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		return eachRow(n, sel, nulls, func(int) error { return err })
	}
}

func (e *Func) Type() vec.Type { return e.typ }

func (e *Func) String() string {
	parts := make([]string, len(e.Args))
	for i, a := range e.Args {
		parts[i] = a.String()
	}
	if e.ov != nil && e.ov.show != nil {
		return e.ov.show(parts)
	}
	return e.Name + "(" + strings.Join(parts, ", ") + ")"
}

func (e *Func) Children() []Expr { return e.Args }

func (e *Func) WithChildren(c []Expr) Expr { return newFuncNode(e.Name, e.ov, c, e.typ) }

// Volatile reports whether the function's value changes between calls.
func (e *Func) Volatile() bool { return e.ov.flags&volatile != 0 }

func (e *Func) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	args := c.argBuf(len(e.Args))
	for i, a := range e.Args {
		if e.captured&(1<<i) != 0 {
			args = append(args, nil)
			continue
		}
		v, err := a.Eval(c, b)
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	out := c.Alloc(e.typ, n)
	var nulls *vec.Nulls
	if e.ov.flags&nonStrict == 0 {
		for _, a := range args {
			if a != nil {
				out.Nulls.Or(&a.Nulls, n)
			}
		}
		if out.Nulls.Any() {
			nulls = &out.Nulls
		}
	}
	if err := e.fn(c, args, out, n, Sel(b), nulls); err != nil {
		return nil, err
	}
	return out, nil
}

// Type resolution.

// typeCategory is pg_type.typcategory for Apiary's types.
type typeCategory byte

const (
	catNumeric  typeCategory = 'N'
	catString   typeCategory = 'S'
	catDatetime typeCategory = 'D'
	catTimespan typeCategory = 'T'
	catBool     typeCategory = 'B'
	catUser     typeCategory = 'U'
	catArray    typeCategory = 'A'
)

func categoryOf(t vec.Type) typeCategory {
	if t.IsArray() {
		return catArray
	}
	if t.IsOIDFamily() {
		return catNumeric
	}
	switch t.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDecimal, vec.KindFloat32, vec.KindFloat64:
		return catNumeric
	case vec.KindText:
		return catString
	case vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
		return catDatetime
	case vec.KindInterval:
		return catTimespan
	case vec.KindBool:
		return catBool
	}
	return catUser
}

// isPreferred is pg_type.typispreferred.
func isPreferred(t vec.Type) bool {
	switch t.Kind {
	case vec.KindFloat64, vec.KindTimestampTZ, vec.KindInterval, vec.KindBool:
		return true
	case vec.KindText:
		return t.Width == 0 && !t.Blank
	}
	return false
}

// sameType compares types as PostgreSQL's type OIDs do: type modifiers
// (numeric scale, varchar length) do not count.
func sameType(a, b vec.Type) bool {
	if a.IsNumeric() && b.IsNumeric() {
		return true // narrow or KindDecimal, both numeric
	}
	if a.Kind != b.Kind {
		return false
	}
	if a.Variant != 0 || b.Variant != 0 || a.Shape != b.Shape || a.Shape != vec.ShapeScalar {
		return a.OID() == b.OID()
	}
	if a.Kind == vec.KindText {
		return a.OID() == b.OID()
	}
	return true
}

// canImplicit reports whether PostgreSQL casts from to to implicitly
// (pg_cast.castcontext 'i', or binary coercible).
func canImplicit(from, to vec.Type) bool {
	if sameType(from, to) {
		return true
	}
	if isNumber(from) && isNumber(to) {
		return numberRank(from) < numberRank(to)
	}
	if to.IsOIDFamily() {
		// Integers and the other OID types reach oid and the reg* types
		// implicitly; text reaches regclass ('pg_class' as a table).
		return from.IsOIDFamily() || isNumber(from) && !from.IsNumeric() && from.Kind != vec.KindFloat32 &&
			from.Kind != vec.KindFloat64 || from.Kind == vec.KindText && to.Variant == vec.OIDRegclass
	}
	if from.Variant != 0 && from.Kind != vec.KindText || from.Shape != vec.ShapeScalar || to.Shape != vec.ShapeScalar {
		return false
	}
	switch from.Kind {
	case vec.KindText:
		return to.Kind == vec.KindText
	case vec.KindDate:
		return to.Kind == vec.KindTimestamp || to.Kind == vec.KindTimestampTZ
	case vec.KindTimestamp:
		return to.Kind == vec.KindTimestampTZ
	}
	return false
}

func isUntyped(e Expr) bool {
	k, ok := e.(*Const)
	return ok && k.Untyped
}

// resolveOverload picks the overload of name for args.
func resolveOverload(name string, ovs []*overload, args []Expr) (*overload, error) {
	n := len(args)
	unknown := make([]bool, n)
	in := make([]vec.Type, n)
	for i, a := range args {
		unknown[i] = isUntyped(a)
		in[i] = a.Type()
	}
	var cands []*overload
	for _, ov := range ovs {
		if len(ov.params) != n {
			continue
		}
		ok := true
		for i, p := range ov.params {
			if !unknown[i] && !canImplicit(in[i], p) {
				ok = false
				break
			}
		}
		if ok {
			cands = append(cands, ov)
		}
	}
	if len(cands) == 0 {
		return nil, errNoFunction(name, args)
	}
	// Keep the candidates with the most exact matches, then those taking
	// preferred types at the most positions needing a conversion.
	score := func(exactOnly bool) {
		best, kept := -1, cands[:0:0]
		for _, ov := range cands {
			s := 0
			for i, p := range ov.params {
				if !unknown[i] && (sameType(in[i], p) || !exactOnly && isPreferred(p)) {
					s++
				}
			}
			switch {
			case s > best:
				best, kept = s, append(kept[:0], ov)
			case s == best:
				kept = append(kept, ov)
			}
		}
		cands = kept
	}
	if len(cands) > 1 {
		score(true)
	}
	if len(cands) > 1 {
		score(false)
	}
	// Unknown arguments: prefer the string category where any candidate
	// takes a string there, else the one category all candidates agree
	// on, and within it the preferred type.
	if len(cands) > 1 {
		resolved := true
		kept := cands
		for i := 0; i < n && resolved; i++ {
			if !unknown[i] {
				continue
			}
			var cat typeCategory
			hasPref := false
			for _, ov := range kept {
				p := ov.params[i]
				pc := categoryOf(p)
				switch {
				case cat == 0:
					cat, hasPref = pc, isPreferred(p)
				case pc == cat:
					hasPref = hasPref || isPreferred(p)
				case pc == catString:
					cat, hasPref = pc, isPreferred(p)
				case cat != catString:
					resolved = false
				}
			}
			if !resolved {
				break
			}
			var next []*overload
			for _, ov := range kept {
				p := ov.params[i]
				if categoryOf(p) == cat && (!hasPref || isPreferred(p)) {
					next = append(next, ov)
				}
			}
			if len(next) > 0 {
				kept = next
			}
		}
		if resolved {
			cands = kept
		}
	}
	if len(cands) > 1 {
		// Last resort: unknowns take the type shared by all known
		// arguments.
		var known vec.Type
		same, haveKnown := true, false
		for i := range args {
			if unknown[i] {
				continue
			}
			if haveKnown && !sameType(known, in[i]) {
				same = false
			}
			known, haveKnown = in[i], true
		}
		if same && haveKnown {
			var hit []*overload
			for _, ov := range cands {
				ok := true
				for i, p := range ov.params {
					if unknown[i] && !canImplicit(known, p) {
						ok = false
					}
				}
				if ok {
					hit = append(hit, ov)
				}
			}
			if len(hit) == 1 {
				cands = hit
			}
		}
	}
	if len(cands) > 1 {
		return nil, sqlerr.New(codeAmbiguousFunction, "function %s(%s) is not unique", name, argTypeList(args)).
			WithHint("Could not choose a best candidate function. You might need to add explicit type casts.")
	}
	return cands[0], nil
}

// coerceArg converts an argument to a parameter type. Numeric parameters
// keep the argument's scale: Apiary's numeric has one scale per column,
// and rescaling to the parameter's nominal scale would lose digits. A
// KindDecimal argument at a narrow numeric parameter is read as
// NarrowType; a KindDecimal parameter (an overload's dec form) takes any
// numeric or integer as a KindDecimal with the scale it has.
func coerceArg(e Expr, p vec.Type) (Expr, error) {
	t := e.Type()
	untyped := isUntyped(e)
	switch p.Kind {
	case vec.KindDecimal:
		if untyped {
			k := e.(*Const)
			if k.IsNull() {
				return NullConst(vec.DecimalOf(0)), nil
			}
			return castLiteral(k, vec.DecimalOf(LiteralScale(string(k.Val.Bytes().Get(0)))))
		}
		if t.Kind == vec.KindDecimal {
			return e, nil
		}
		return NewCast(e, vec.DecimalOf(numberScale(t)))
	case vec.KindNumeric:
		if untyped {
			k := e.(*Const)
			if k.IsNull() {
				return NullConst(vec.Type{Kind: vec.KindNumeric}), nil
			}
			return castLiteral(k, vec.Type{Kind: vec.KindNumeric, Scale: LiteralScale(string(k.Val.Bytes().Get(0)))})
		}
		switch t.Kind {
		case vec.KindNumeric:
			return e, nil
		case vec.KindDecimal:
			return NewCast(e, NarrowType(t))
		}
		return NewCast(e, vec.Type{Kind: vec.KindNumeric})
	case vec.KindText:
		if untyped || p.Blank {
			return Coerce(e, vec.Text)
		}
		if t.Blank {
			// char(n) → text drops the padding, as bpchar's cast to
			// text does.
			return NewCast(e, vec.Text)
		}
		return Coerce(e, vec.Text)
	}
	return coerceInEnv(e, p)
}

// zoneDependent reports whether a conversion reads the session time zone.
func zoneDependent(from, to vec.Type) bool {
	other := func(k vec.Kind) bool {
		return k == vec.KindDate || k == vec.KindTimestamp || k == vec.KindText
	}
	switch {
	case from.Kind == vec.KindTimestampTZ && to.Kind == vec.KindTimestampTZ:
		return false
	case to.Kind == vec.KindTimestampTZ:
		return other(from.Kind)
	case from.Kind == vec.KindTimestampTZ:
		return other(to.Kind)
	}
	return false
}

// coerceInEnv is Coerce, except that a constant whose conversion depends
// on the session time zone (a date becoming a timestamptz, say) becomes an
// unfolded Cast: NewCast would fold it now, without an Env, in UTC. The
// planner's FoldConstants with the statement's Env folds it correctly.
func coerceInEnv(e Expr, t vec.Type) (Expr, error) {
	k, ok := e.(*Const)
	if !ok || k.IsNull() {
		return Coerce(e, t)
	}
	from := k.Type()
	if k.Untyped {
		if t.Kind != vec.KindTimestampTZ {
			return Coerce(e, t)
		}
		from, e = vec.Text, &Const{Val: k.Val}
	}
	if !zoneDependent(from, t) {
		return Coerce(e, t)
	}
	fn, err := castFor(from, t)
	if err != nil {
		return nil, err
	}
	return &Cast{In: e, To: t, fn: fn}, nil
}

// LiteralScale is the number of decimals a numeric literal spells, less
// its exponent, within numeric's limits.
func LiteralScale(s string) int32 {
	s = strings.TrimSpace(s)
	mant, exp, _ := strings.Cut(strings.ToLower(s), "e")
	scale := 0
	if _, frac, ok := strings.Cut(mant, "."); ok {
		scale = len(frac)
	}
	if exp != "" {
		var e int
		if _, err := fmt.Sscan(exp, &e); err == nil {
			scale -= e
		}
	}
	return int32(min(max(scale, 0), vec.MaxNumericPrecision))
}

// operatorFunctionPrefix begins the names of the functions that stand for
// operators the parser cannot read (package exec rewrites them into calls
// of these names): text ^@ text is one, and any other such name is an
// operator PostgreSQL does not have for Apiary's types, whose call fails
// as PostgreSQL's lookup of the operator does.
const operatorFunctionPrefix = "@op"

// OperatorFunctionName is the name of the function standing for the
// operator op (see operatorFunctionPrefix).
func OperatorFunctionName(op string) string { return operatorFunctionPrefix + op }

// pgTypeName names a type as PostgreSQL's error messages do, without
// modifiers.
func pgTypeName(t vec.Type) string {
	switch t.Kind {
	case vec.KindNumeric, vec.KindDecimal:
		return "numeric"
	case vec.KindText:
		switch {
		case t.Blank:
			return "character"
		case t.Width > 0:
			return "character varying"
		}
	}
	return t.String()
}

func argTypeList(args []Expr) string {
	parts := make([]string, len(args))
	for i, a := range args {
		if isUntyped(a) {
			parts[i] = "unknown"
		} else {
			parts[i] = pgTypeName(a.Type())
		}
	}
	return strings.Join(parts, ", ")
}

// ErrNoFunction is PostgreSQL's error for a call of name with arguments
// of args' types that no function (or, for an operator's function, no
// operator) accepts: 42883, the types named as PostgreSQL names them.
func ErrNoFunction(name string, args []Expr) error { return errNoFunction(name, args) }

// infixOperators names the operators whose functions the binder calls
// under names of their own: a failed call is reported as the operator.
var infixOperators = map[string]string{"@bitand": "&", "@bitor": "|", "@bitxor": "#", "@shiftleft": "<<", "@shiftright": ">>"}

func errNoFunction(name string, args []Expr) error {
	op, ok := prefixOperators[name]
	if !ok && len(args) == 2 {
		op, ok = infixOperators[name]
	}
	if !ok {
		op, ok = strings.CutPrefix(name, operatorFunctionPrefix)
	}
	switch {
	case ok && len(args) == 1:
		return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s %s", op, argTypeList(args)).
			WithHint("No operator matches the given name and argument type. You might need to add an explicit type cast.")
	case ok && len(args) == 2:
		return errUndefinedOperatorExprs(op, args[0], args[1])
	}
	call := &noFunction{name: name, args: argTypeList(args)}
	return sqlerr.Wrap(call, sqlerr.UndefinedFunction, "%s", call.Error()).WithHint(noFunctionHint)
}

const noFunctionHint = "No function matches the given name and argument types. You might need to add explicit type casts."

// noFunction is the cause of errNoFunction's 42883 for a call of a
// function by name, which NameCall recognises.
type noFunction struct {
	name string // the name looked up
	args string // the argument types, as the message lists them
}

func (f *noFunction) Error() string {
	return fmt.Sprintf("function %s(%s) does not exist", f.name, f.args)
}

// CallName is a function's name as a call writes it, one element per
// dotted part: the cause of NameCall's errors, from which the position of
// the call can be found (the message's dotted name cannot be split again).
type CallName []string

func (n CallName) Error() string { return strings.Join(n, ".") }

// NameCall returns err naming the function as the call wrote it, written
// (schema-qualified if it was, a quoted name's case kept), as PostgreSQL's
// message does, when err is the 42883 of no function called name
// accepting the call's arguments. The binder looks functions up by a
// name without its schema, in lower case; other errors come back as they
// are.
func NameCall(err error, name string, written CallName) error {
	var call *noFunction
	if !errors.As(err, &call) || call.name != name {
		return err
	}
	shown := &noFunction{name: written.Error(), args: call.args}
	return sqlerr.Wrap(written, sqlerr.UndefinedFunction, "%s", shown.Error()).WithHint(noFunctionHint)
}

// Kernel helpers.

// textRows produces a text or bytea result: it appends one value per
// physical row 0..n-1, calling f for the live rows that are not NULL in out
// (f appends the value to dst and returns it, or marks the row NULL with
// out.Nulls.SetNull) and an empty value for the others.
func textRows(out *vec.Vec, n int, sel []int32, f func(dst []byte, i int) ([]byte, error)) error {
	b := out.Bytes()
	data, offs := b.Data, b.Offsets
	if len(offs) == 0 {
		offs = append(offs, 0)
	}
	hasNulls := out.Nulls.Any()
	var err error
	k := 0
	for i := 0; i < n; i++ {
		live := sel == nil
		if !live && k < len(sel) && int(sel[k]) == i {
			live = true
			k++
		}
		if live && !(hasNulls && out.Nulls.IsNull(i)) {
			if data, err = f(data, i); err != nil {
				return err
			}
			if len(data) > math.MaxInt32 {
				return sqlerr.New(codeProgramLimit, "string data of one batch exceeds 2 GB")
			}
		}
		offs = append(offs, int32(len(data)))
	}
	b.Data, b.Offsets = data, offs
	out.SetLen(n)
	return nil
}

// mapRows runs a value-to-value function over the live non-NULL rows,
// with a plain loop when every row is live and none is NULL.
func mapRows[T, U any](in []T, out []U, n int, sel []int32, nulls *vec.Nulls, f func(T) U) {
	if sel == nil && nulls == nil {
		in = in[:n]
		for i := range in {
			out[i] = f(in[i])
		}
		return
	}
	_ = eachRow(n, sel, nulls, func(i int) error { out[i] = f(in[i]); return nil })
}

// mapRowsErr is mapRows for functions that can fail.
func mapRowsErr[T, U any](in []T, out []U, n int, sel []int32, nulls *vec.Nulls, f func(T) (U, error)) error {
	return eachRow(n, sel, nulls, func(i int) error {
		r, err := f(in[i])
		out[i] = r
		return err
	})
}

// constArg returns argument i when it is a non-NULL constant.
func constArg(args []Expr, i int) (*vec.Vec, bool) {
	if i >= len(args) {
		return nil, false
	}
	k, ok := args[i].(*Const)
	if !ok || k.IsNull() {
		return nil, false
	}
	return k.Val, true
}

// constText returns argument i when it is a non-NULL text constant.
func constText(args []Expr, i int) (string, bool) {
	v, ok := constArg(args, i)
	if !ok || v.Type.Kind != vec.KindText {
		return "", false
	}
	return string(v.Bytes().Get(0)), true
}

// constInt returns argument i when it is a non-NULL integer constant.
func constInt(args []Expr, i int) (int64, bool) {
	v, ok := constArg(args, i)
	if !ok {
		return 0, false
	}
	switch v.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		return intsOf(v)(0), true
	}
	return 0, false
}
