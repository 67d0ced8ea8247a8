package expr

import (
	"fmt"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
)

// Expr is a typed scalar expression.
type Expr interface {
	// Type is the SQL type of the result.
	Type() vec.Type
	// Eval computes the expression for the live rows of b (see the package
	// comment for the alignment of the result). The result may be one of
	// b's columns or a vector from c's arena; either way it is valid until
	// the next c.Reset and must not be modified by the caller.
	Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error)
	// String renders the expression for EXPLAIN and error messages.
	String() string
}

// Env is what evaluation depends on beyond the data: fixed for a statement.
type Env struct {
	// Loc is the session time zone (TimeZone); nil means UTC.
	Loc *time.Location
	// Now is the statement's transaction timestamp (now(), current_date).
	Now time.Time
	// Settings are the session's configuration parameters, which
	// current_setting and set_config read and write; nil when there is no
	// session (set_config then fails, current_setting finds nothing).
	Settings Settings
	// FloatDigits and ByteaEscape are the session's extra_float_digits
	// and bytea_output as vec.TextFormat holds them, for casts to text;
	// the zero values are PostgreSQL's defaults.
	FloatDigits int
	ByteaEscape bool
	// Catalog resolves the names the reg* types stand for ('pg_class' as
	// a regclass); nil knows only the built-in types (regtypes.go).
	Catalog Catalog
	// Session answers the session and catalog functions (current_user,
	// format_type, pg_table_is_visible, ...; funcs_catalog.go); nil
	// outside a session, where they fail.
	Session Session
}

// Settings is a session's configuration parameters as current_setting and
// set_config see them. Implementations must be safe for concurrent use:
// bees evaluate a query's expressions in parallel.
type Settings interface {
	// Get returns name's value as SHOW prints it; ok is false when no
	// such setting exists.
	Get(name string) (value string, ok bool)
	// Set changes name as SET does, or SET LOCAL when local; a nil value
	// resets it as RESET does. It returns the new value as SHOW prints it.
	Set(name string, value *string, local bool) (string, error)
}

// TextFormat returns how values print as text under the Env's session.
func (e *Env) TextFormat() vec.TextFormat {
	if e == nil {
		return vec.TextFormat{Loc: time.UTC}
	}
	return vec.TextFormat{Loc: e.Location(), FloatDigits: e.FloatDigits, ByteaEscape: e.ByteaEscape}
}

// Location returns the session time zone, UTC when unset.
func (e *Env) Location() *time.Location {
	if e == nil || e.Loc == nil {
		return time.UTC
	}
	return e.Loc
}

// Ctx is the evaluation state of one operator instance: an Env and an arena
// of result vectors. It is not safe for concurrent use; each bee has its own.
type Ctx struct {
	Env  *Env
	vecs []*vec.Vec
	next int
	// Buf is scratch space kernels may use for formatting values.
	Buf []byte

	sels  [][]int32
	nsels int
	// argv holds the evaluated arguments of function calls, nargv
	// entries of it in use: the kernel is an indirect call, so an
	// argument list on the stack would escape to the heap every batch.
	argv  []*vec.Vec
	nargv int
}

// argBuf returns an empty argument list with room for n vectors, from the
// arena; it stays valid until Reset.
func (c *Ctx) argBuf(n int) []*vec.Vec {
	if c.nargv+n > len(c.argv) {
		// Earlier lists keep the old array; new ones come from a bigger.
		c.argv, c.nargv = make([]*vec.Vec, max(2*len(c.argv), n, 16)), 0
	}
	a := c.argv[c.nargv : c.nargv : c.nargv+n]
	c.nargv += n
	return a
}

// SelBuf returns an empty selection slice with room for n rows, from the
// arena.
func (c *Ctx) SelBuf(n int) []int32 {
	if c.nsels == len(c.sels) {
		c.sels = append(c.sels, make([]int32, 0, n))
	}
	s := c.sels[c.nsels]
	c.nsels++
	if cap(s) < n {
		s = make([]int32, 0, n)
		c.sels[c.nsels-1] = s
	}
	return s[:0]
}

// NewCtx returns an evaluation context for env.
func NewCtx(env *Env) *Ctx {
	if env == nil {
		env = &Env{}
	}
	return &Ctx{Env: env}
}

// Reset makes every arena vector available again. Operators call it before
// evaluating their expressions on a new batch, once the consumer is done
// with the previous results.
func (c *Ctx) Reset() { c.next, c.nsels, c.nargv = 0, 0, 0 }

// Alloc returns an arena vector prepared as n values of type t (see
// vec.Vec.Prepare: variable-length vectors come back empty for appending).
func (c *Ctx) Alloc(t vec.Type, n int) *vec.Vec {
	if c.next == len(c.vecs) {
		c.vecs = append(c.vecs, vec.New(t, n))
	}
	v := c.vecs[c.next]
	c.next++
	v.Prepare(t, n)
	return v
}

// ColRef reads column Idx of the input batch.
type ColRef struct {
	Idx  int
	Typ  vec.Type
	Name string
}

func (e *ColRef) Type() vec.Type { return e.Typ }

func (e *ColRef) Eval(_ *Ctx, b *vec.Batch) (*vec.Vec, error) { return b.Cols[e.Idx], nil }

func (e *ColRef) String() string {
	if e.Name != "" {
		return e.Name
	}
	return fmt.Sprintf("#%d", e.Idx)
}

// Const is a constant, possibly NULL. Val is a one-row vector of the type.
type Const struct {
	Val *vec.Vec
	// Untyped marks a string literal or a bare NULL whose type is not
	// settled yet ('1998-12-01' next to a date column is a date): coercion
	// re-reads it as the type the context needs, as PostgreSQL's unknown
	// type does.
	Untyped bool
	// Loc is the session time zone an untyped literal is read in when it
	// becomes a timestamptz without a zone of its own ('2024-07-01 12:00'
	// next to a timestamptz column); nil is UTC.
	Loc *time.Location
	// Param is set on the stand-in for a $n placeholder while a prepared
	// statement is described: coercion records there the type the context
	// gives the parameter, which is how PostgreSQL infers the types of
	// parameters a client sent as unknown.
	Param *ParamSlot
}

// ParamSlot receives the type inferred for one placeholder.
type ParamSlot struct {
	Type vec.Type
	Set  bool
}

// infer records t as the parameter's type when the context is the first
// to settle it.
func (k *Const) infer(t vec.Type) {
	if k.Param != nil && !k.Param.Set {
		k.Param.Type, k.Param.Set = t, true
	}
}

// ParamLiteral returns the stand-in for an undeclared placeholder: an
// untyped NULL whose coercions are recorded in slot.
func ParamLiteral(slot *ParamSlot) *Const {
	c := NullLiteral()
	c.Param = slot
	return c
}

// Literal returns an untyped string literal.
func Literal(s string) *Const {
	v := vec.New(vec.Text, 1)
	v.AppendBytes([]byte(s))
	return &Const{Val: v, Untyped: true}
}

// NullLiteral returns a bare NULL whose type the context decides.
func NullLiteral() *Const {
	c := NullConst(vec.Text)
	c.Untyped = true
	return c
}

// NewConst wraps a one-row vector as a constant.
func NewConst(v *vec.Vec) *Const { return &Const{Val: v} }

// NullConst returns the NULL of type t.
func NullConst(t vec.Type) *Const {
	v := vec.New(t, 1)
	v.AppendNull()
	return &Const{Val: v}
}

// IsNull reports whether the constant is NULL.
func (e *Const) IsNull() bool { return e.Val.Nulls.IsNull(0) }

func (e *Const) Type() vec.Type { return e.Val.Type }

// Eval broadcasts the constant over the batch's physical rows.
func (e *Const) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	out := c.Alloc(e.Val.Type, n)
	Broadcast(out, e.Val, 0, n)
	return out, nil
}

func (e *Const) String() string {
	if e.IsNull() {
		return "NULL"
	}
	s := string(vec.AppendText(nil, e.Val, 0, time.UTC))
	switch e.Val.Type.Kind {
	case vec.KindText, vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ, vec.KindInterval, vec.KindBytea:
		return "'" + s + "'::" + e.Val.Type.String()
	case vec.KindNumeric, vec.KindDecimal, vec.KindFloat64, vec.KindFloat32, vec.KindInt16, vec.KindInt64:
		return s + "::" + e.Val.Type.String()
	}
	return s
}

// Broadcast fills out, prepared with n rows, with row `row` of src.
func Broadcast(out, src *vec.Vec, row, n int) {
	if src.Nulls.IsNull(row) {
		for i := 0; i < n; i++ {
			out.Nulls.SetNull(i)
		}
		if k := out.Type.Kind; k == vec.KindText || k == vec.KindBytea {
			for i := 0; i < n; i++ {
				out.Bytes().Append(nil)
			}
			out.SetLen(n)
		}
		return
	}
	switch src.Type.Kind {
	case vec.KindBool:
		fill(out.Bools(), src.Bools()[row])
	case vec.KindInt16:
		fill(out.Int16s(), src.Int16s()[row])
	case vec.KindInt32, vec.KindDate:
		fill(out.Int32s(), src.Int32s()[row])
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		fill(out.Int64s(), src.Int64s()[row])
	case vec.KindFloat32:
		fill(out.Float32s(), src.Float32s()[row])
	case vec.KindFloat64:
		fill(out.Float64s(), src.Float64s()[row])
	case vec.KindInterval:
		fill(out.Intervals(), src.Intervals()[row])
	case vec.KindDecimal:
		fill(out.Decimals(), src.Decimals()[row])
	case vec.KindText, vec.KindBytea:
		val := src.Bytes().Get(row)
		ob := out.Bytes()
		for i := 0; i < n; i++ {
			ob.Append(val)
		}
		out.SetLen(n)
	}
}

func fill[T any](s []T, v T) {
	for i := range s {
		s[i] = v
	}
}

// Sel returns the selection of b as a slice of physical row indices, or nil
// when every row 0..b.Len-1 is live.
func Sel(b *vec.Batch) []int32 {
	if b.Sel == nil {
		return nil
	}
	return b.Sel[:b.Len]
}

// Narrow returns a view of b whose live rows are sel (a subset of b's).
func Narrow(b *vec.Batch, sel []int32) *vec.Batch {
	nb := *b
	nb.Sel, nb.Len = sel, len(sel)
	return &nb
}
