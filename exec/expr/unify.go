package expr

import (
	"cmp"
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Unify coerces l and r to one type the way PostgreSQL resolves a binary
// operator's operands: an untyped literal takes the other side's type;
// numbers promote along smallint < integer < bigint < numeric < real <
// double precision (numerics of different scales meet at the larger scale,
// and a narrow numeric or an integer meets a KindDecimal as KindDecimal);
// text types meet as text; date meets timestamp as timestamp and timestamp
// meets timestamptz as timestamptz. op names the operator in the error.
func Unify(l, r Expr, op string) (Expr, Expr, error) {
	t, err := CommonType([]Expr{l, r}, op)
	if err != nil {
		return nil, nil, err
	}
	if l, err = Coerce(l, t); err != nil {
		return nil, nil, err
	}
	if r, err = Coerce(r, t); err != nil {
		return nil, nil, err
	}
	return l, r, nil
}

// Coerce converts e to t implicitly; numerics keep precision-free types so
// arithmetic can still see through the rescaling.
func Coerce(e Expr, t vec.Type) (Expr, error) {
	if e.Type() == t {
		if k, ok := e.(*Const); ok && k.Untyped {
			k.infer(t)
			return &Const{Val: k.Val}, nil
		}
		return e, nil
	}
	if k, ok := e.(*Const); ok && k.Untyped {
		return castLiteral(k, t)
	}
	ft := e.Type()
	if ft.Kind == vec.KindNumeric && t.Kind == vec.KindNumeric && ft.Scale == t.Scale && t.Precision == 0 {
		// Same representation; dropping the declared precision changes
		// nothing about the values.
		return e, nil
	}
	if ft.Kind == vec.KindDecimal && t.Kind == vec.KindDecimal && ft.Shape == t.Shape {
		// Each value carries its own scale; the nominal one changes
		// nothing about them.
		return e, nil
	}
	if ft.Kind == vec.KindText && t.Kind == vec.KindText && t.Variant == 0 {
		// varchar, char and text share one representation. (Functions
		// with bpchar overloads, octet_length among them, see the padded
		// value; where PostgreSQL's implicit bpchar-to-text cast trims,
		// the caller casts explicitly.)
		return e, nil
	}
	return NewCast(e, t)
}

// CommonType is the type a list of expressions (CASE branches, COALESCE
// arguments, IN list, UNION columns, operator operands) resolve to.
func CommonType(es []Expr, what string) (vec.Type, error) {
	var t vec.Type
	have := false
	for _, e := range es {
		if k, ok := e.(*Const); ok && k.Untyped {
			continue
		}
		et := e.Type()
		if !have {
			t, have = et, true
			continue
		}
		nt, ok := unify2(t, et)
		if !ok {
			return vec.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", t, what, et).
				WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
		}
		t = nt
	}
	if !have {
		// Only untyped literals: PostgreSQL resolves unknown to text.
		return vec.Text, nil
	}
	// An untyped literal meets a numeric as PostgreSQL's numeric without a
	// typmod: '1.255' next to a numeric(15,2) column is 1.255, not 1.26, so
	// the common scale must hold the literal's, as far as a declared
	// precision leaves room for the typed side's integer digits in 18. An
	// untyped array literal is a numeric[] without a typmod too, each
	// element at its own scale: '{1.25}' next to a numeric(6,1)[] column
	// holds 1.25, not 1.3.
	switch {
	case t.Kind == vec.KindDecimal:
		// The literals keep their own scales as values; the nominal
		// scale covers them too. A declared numeric(p,s) column's typmod
		// would round them to s decimals: the common type has none.
		t.Precision = 0
		for _, e := range es {
			if k, ok := e.(*Const); ok && k.Untyped {
				t.Scale = max(t.Scale, literalScale(k))
			}
		}
	case t.Kind == vec.KindNumeric:
		t = widenForLiterals(t, es, literalScale)
		if literalNeedsDecimal(t, es) {
			t = vec.DecimalOf(t.Scale)
		}
	case t.Shape == vec.ShapeArray && t.Elem == vec.KindNumeric:
		t = widenForLiterals(t, es, arrayLiteralScale)
	}
	if t.Kind == vec.KindText && !t.Blank && t.Variant == 0 {
		t = vec.Text
	}
	return t, nil
}

// ResultType is CommonType for expressions whose values become the result
// (CASE, COALESCE, GREATEST/LEAST, VALUES, UNION) rather than operands of
// a comparison. Where numerics of different scales meet (an integer's is
// 0, an untyped literal's its own digits), each value keeps its own scale,
// as PostgreSQL's numeric does: CASE WHEN c THEN 1 ELSE 2.5 END is 1 or
// 2.5, never 1.0. They meet as KindDecimal; numerics of one scale stay
// narrow.
func ResultType(es []Expr, what string) (vec.Type, error) {
	t, err := CommonType(es, what)
	if err != nil || t.Kind != vec.KindNumeric || t.Shape != vec.ShapeScalar {
		return t, err
	}
	seen := int32(-1)
	for _, e := range es {
		var s int32
		et := e.Type()
		switch k, isConst := e.(*Const); {
		case isConst && k.IsNull():
			continue
		case isConst && k.Untyped:
			s = literalScale(k)
		case et.Kind == vec.KindNumeric:
			s = et.Scale
		case isIntKind(et.Kind):
			s = 0
		default:
			continue
		}
		if seen >= 0 && s != seen {
			return vec.DecimalOf(t.Scale), nil
		}
		seen = s
	}
	return t, nil
}

// unify2 is the common type of two typed operands.
func unify2(a, b vec.Type) (vec.Type, bool) {
	if t, ok, handled := unifyPG(a, b); handled {
		return t, ok
	}
	if a.Kind == b.Kind {
		switch a.Kind {
		case vec.KindNumeric:
			return vec.Type{Kind: vec.KindNumeric, Scale: max(a.Scale, b.Scale)}, true
		case vec.KindDecimal:
			return vec.DecimalOf(max(a.Scale, b.Scale)), true
		case vec.KindText:
			if a.Blank && b.Blank && a.Width == b.Width {
				// Same char(n): compare padded values byte-wise, which
				// is bpchar's comparison for equal widths.
				return a, true
			}
			return vec.Text, true
		}
		return a, true
	}
	if isNumber(a) && isNumber(b) {
		if numberRank(b) > numberRank(a) {
			a, b = b, a
		}
		if a.Kind == vec.KindFloat32 {
			// real meets an integer or numeric as double precision,
			// PostgreSQL's preferred numeric type.
			return vec.Float64, true
		}
		if a.Kind != vec.KindFloat64 && (a.Kind == vec.KindDecimal || b.Kind == vec.KindDecimal) {
			// A narrow numeric or an integer meets a KindDecimal as
			// one: the values that need it carry their own scales.
			return vec.DecimalOf(max(numberScale(a), numberScale(b))), true
		}
		if a.Kind == vec.KindNumeric {
			return vec.Type{Kind: vec.KindNumeric, Scale: a.Scale}, true
		}
		return a, true
	}
	time := func(t vec.Type) int {
		switch t.Kind {
		case vec.KindDate:
			return 1
		case vec.KindTimestamp:
			return 2
		case vec.KindTimestampTZ:
			return 3
		}
		return 0
	}
	if ta, tb := time(a), time(b); ta > 0 && tb > 0 {
		if tb > ta {
			return b, true
		}
		return a, true
	}
	return vec.Type{}, false
}

// literalScale is the number of decimals an untyped literal holding a
// decimal number writes, less its exponent ('1.250' has 3, '125e-2' 2), 0
// for anything else (NULL, text that is no number, which its cast will
// reject), capped where an 18-digit numeric still holds its integer part.
func literalScale(k *Const) int32 {
	if k.Val.Type.Kind != vec.KindText || k.Val.Len() != 1 || k.Val.Nulls.IsNull(0) {
		return 0
	}
	return numberTextScale(string(k.Val.Bytes().Get(0)))
}

// arrayLiteralScale is literalScale for an untyped array literal: the
// largest scale among its elements, 0 when it is no array of numbers
// (which its cast will reject).
func arrayLiteralScale(k *Const) int32 {
	if k.Val.Type.Kind != vec.KindText || k.Val.Len() != 1 || k.Val.Nulls.IsNull(0) {
		return 0
	}
	var scale int32
	textArray, _ := vec.ArrayOf(vec.Text)
	_, err := vec.ParseArrayWith(textArray, string(k.Val.Bytes().Get(0)), func(v *vec.Vec, text string) error {
		scale = max(scale, numberTextScale(text))
		v.AppendBytes([]byte(text))
		return nil
	})
	if err != nil {
		return 0
	}
	return scale
}

// numberTextScale is literalScale of the text of one number.
func numberTextScale(text string) int32 {
	mant, exp, _ := strings.Cut(strings.ToLower(strings.TrimSpace(text)), "e")
	whole, frac, _ := strings.Cut(strings.TrimLeft(mant, "+-"), ".")
	shift, err := strconv.Atoi(cmp.Or(exp, "0"))
	if err != nil || whole+frac == "" || strings.Trim(whole+frac, "0123456789") != "" {
		return 0
	}
	integerDigits := max(len(strings.TrimLeft(whole, "0"))+shift, 1)
	return int32(max(0, min(int(LiteralScale(text)), 18-integerDigits)))
}

// widenForLiterals widens numeric type t (or numeric[]) to the scale of
// the untyped literals among es, as scaleOf reads it, within the room t's
// precision leaves in 18 digits; the result has no declared precision.
func widenForLiterals(t vec.Type, es []Expr, scaleOf func(*Const) int32) vec.Type {
	maxScale := int32(18)
	if t.Precision > 0 {
		maxScale = 18 - (t.Precision - t.Scale)
	}
	for _, e := range es {
		if k, ok := e.(*Const); ok && k.Untyped {
			t.Scale = max(t.Scale, min(scaleOf(k), maxScale))
		}
	}
	t.Precision = 0
	return t
}

// literalNeedsDecimal reports whether an untyped literal among es is a
// number the narrow numeric t cannot hold (more than 18 digits): the
// operands then meet as KindDecimal, where PostgreSQL's numeric holds it.
func literalNeedsDecimal(t vec.Type, es []Expr) bool {
	for _, e := range es {
		k, ok := e.(*Const)
		if !ok || !k.Untyped || k.IsNull() || k.Val.Type.Kind != vec.KindText {
			continue
		}
		text := string(k.Val.Bytes().Get(0))
		if _, err := vec.ParseText(t, text, nil); err == nil {
			continue
		}
		if _, err := vec.ParseDecimal(text); err == nil {
			return true
		}
	}
	return false
}
