package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The reg* types are OIDs that read and print as the names of the objects
// they identify: 'pg_class'::regclass is 1259, and 1259::regclass prints
// pg_class. The names come from the catalog through Env.Catalog, which exec
// implements over pg_catalog's rows; expr only parses and formats them as
// PostgreSQL's regclassin/regclassout and friends do.

// Catalog resolves the names behind the reg* types. Names are passed as
// they are after SQL identifier rules (unquoted parts lower-cased, quotes
// removed); schema "" means "search the search path". The methods are
// called while planning and by bees during execution, concurrently: an
// implementation must be safe for concurrent use and must not block on
// I/O.
type Catalog interface {
	// RelationOID finds a table, view, index or catalog by name.
	RelationOID(schema, name string) (oid uint32, ok bool)
	// RelationName returns a relation's schema and name, and whether the
	// name alone finds it on the search path.
	RelationName(oid uint32) (schema, name string, visible, ok bool)
	// TypeOID finds a type by its pg_type.typname ("int4", "_text",
	// "varchar"); SQL spellings are translated before the call.
	TypeOID(schema, name string) (oid uint32, ok bool)
	// TypeName returns a type's schema, typname and visibility, for the
	// types vec.FormatTypeOID does not know.
	TypeName(oid uint32) (schema, name string, visible, ok bool)
	// NamespaceOID and NamespaceName map schemas.
	NamespaceOID(name string) (oid uint32, ok bool)
	NamespaceName(oid uint32) (name string, ok bool)
	// ProcOIDs returns the OIDs of every function called name (one per
	// overload); ProcName and ProcArgs describe one.
	ProcOIDs(schema, name string) []uint32
	ProcName(oid uint32) (schema, name string, visible, ok bool)
	ProcArgs(oid uint32) (argTypes []uint32, ok bool)
	// RoleOID and RoleName map roles.
	RoleOID(name string) (oid uint32, ok bool)
	RoleName(oid uint32) (name string, ok bool)
}

// SQLSTATEs of failed name lookups, as PostgreSQL reports them.
const (
	codeUndefinedSchema = sqlerr.Code("3F000")
)

// sqlTypeNames maps the SQL standard's spellings to pg_type.typname.
var sqlTypeNames = map[string]string{
	"integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
	"double precision": "float8", "float": "float8", "boolean": "bool", "decimal": "numeric",
	"character varying": "varchar", "character": "bpchar", "char": "bpchar", `"char"`: "char",
	"timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
	"time without time zone": "time", "time with time zone": "timetz", "bit varying": "varbit",
}

// splitQualified splits a possibly qualified, possibly quoted name as
// PostgreSQL's stringToQualifiedNameList does: parts separated by dots,
// unquoted parts lower-cased, "" inside quotes a quote.
func splitQualified(s string) ([]string, bool) {
	var parts []string
	s = strings.TrimSpace(s)
	for {
		var part strings.Builder
		if strings.HasPrefix(s, `"`) {
			s = s[1:]
			for {
				i := strings.IndexByte(s, '"')
				if i < 0 {
					return nil, false
				}
				part.WriteString(s[:i])
				s = s[i+1:]
				if !strings.HasPrefix(s, `"`) {
					break
				}
				part.WriteByte('"')
				s = s[1:]
			}
			if part.Len() == 0 {
				return nil, false
			}
		} else {
			i := strings.IndexByte(s, '.')
			if i < 0 {
				i = len(s)
			}
			w := strings.TrimSpace(s[:i])
			if w == "" || strings.ContainsAny(w, `" `) {
				return nil, false
			}
			part.WriteString(strings.ToLower(w))
			s = s[i:]
		}
		parts = append(parts, part.String())
		s = strings.TrimSpace(s)
		if s == "" {
			return parts, true
		}
		if s[0] != '.' {
			return nil, false
		}
		s = strings.TrimSpace(s[1:])
	}
}

// quoteIdent quotes an identifier when PostgreSQL's quote_identifier
// would (keywords aside, as the quote_ident function here).
func quoteIdent(s string) string { return string(appendQuoteIdent(nil, []byte(s))) }

func qualify(schema, name string, visible bool) string {
	if visible || schema == "" {
		return quoteIdent(name)
	}
	return quoteIdent(schema) + "." + quoteIdent(name)
}

// regNumeric reads the numeric form every reg* input accepts (and "-" for
// 0); ok is false when s is a name.
func regNumeric(s string) (int64, bool, error) {
	if s == "-" {
		return 0, true, nil
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false, nil
		}
	}
	if s == "" {
		return 0, false, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil || n > math.MaxUint32 {
		return 0, true, sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type oid", s)
	}
	return int64(n), true, nil
}

// schemaAndName splits a name of at most two parts (three with the
// database), as the reg* inputs accept.
func schemaAndName(s, what string) (schema, name string, err error) {
	parts, ok := splitQualified(s)
	if !ok {
		return "", "", sqlerr.New(sqlerr.InvalidName, "invalid name syntax")
	}
	switch len(parts) {
	case 1:
		return "", parts[0], nil
	case 2:
		return parts[0], parts[1], nil
	case 3:
		return "", "", sqlerr.New(sqlerr.FeatureNotSupported, "cross-database references are not implemented: %s", s)
	}
	return "", "", sqlerr.New(sqlerr.SyntaxError, "improper %s name (too many dotted names): %s", what, s)
}

// regIn reads the text form of a reg* type as its input function does.
func regIn(env *Env, typ vec.Type, s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, ok, err := regNumeric(s); ok || err != nil {
		return n, err
	}
	cat := env.catalog()
	switch typ.Variant {
	case vec.OIDRegclass:
		schema, name, err := schemaAndName(s, "relation")
		if err != nil {
			return 0, err
		}
		if cat != nil {
			if schema != "" {
				if _, ok := cat.NamespaceOID(schema); !ok {
					return 0, sqlerr.New(codeUndefinedSchema, "schema \"%s\" does not exist", schema)
				}
			}
			if oid, ok := cat.RelationOID(schema, name); ok {
				return int64(oid), nil
			}
		}
		if schema != "" {
			name = schema + "." + name
		}
		return 0, sqlerr.New(sqlerr.UndefinedTable, "relation \"%s\" does not exist", name)
	case vec.OIDRegtype:
		oid, err := typeOIDByName(cat, s)
		return int64(oid), err
	case vec.OIDRegnamespace:
		parts, ok := splitQualified(s)
		if !ok || len(parts) != 1 {
			return 0, sqlerr.New(sqlerr.InvalidName, "invalid name syntax")
		}
		if oid, ok := namespaceOID(cat, parts[0]); ok {
			return int64(oid), nil
		}
		return 0, sqlerr.New(codeUndefinedSchema, "schema \"%s\" does not exist", parts[0])
	case vec.OIDRegrole:
		parts, ok := splitQualified(s)
		if !ok || len(parts) != 1 {
			return 0, sqlerr.New(sqlerr.InvalidName, "invalid name syntax")
		}
		if cat != nil {
			if oid, ok := cat.RoleOID(parts[0]); ok {
				return int64(oid), nil
			}
		}
		return 0, sqlerr.New(sqlerr.UndefinedObject, "role \"%s\" does not exist", parts[0])
	case vec.OIDRegproc:
		schema, name, err := schemaAndName(s, "function")
		if err != nil {
			return 0, err
		}
		var oids []uint32
		if cat != nil {
			oids = cat.ProcOIDs(schema, name)
		}
		switch len(oids) {
		case 0:
			return 0, sqlerr.New(sqlerr.UndefinedFunction, "function \"%s\" does not exist", s)
		case 1:
			return int64(oids[0]), nil
		}
		return 0, sqlerr.New(codeAmbiguousFunction, "more than one function named \"%s\"", s)
	case vec.OIDRegprocedure:
		return regprocedureIn(cat, s)
	}
	return 0, sqlerr.New(sqlerr.FeatureNotSupported, "%s names cannot be looked up; use the numeric OID", typ)
}

func namespaceOID(cat Catalog, name string) (uint32, bool) {
	if cat != nil {
		return cat.NamespaceOID(name)
	}
	switch name {
	case "pg_catalog":
		return 11, true
	case "public":
		return 2200, true
	}
	return 0, false
}

// typeOIDByName reads a type name as regtypein's parseTypeString does:
// SQL spellings (integer, character varying, double precision), modifiers
// (dropped), a trailing [] or leading _ for arrays, and a schema.
func typeOIDByName(cat Catalog, s string) (uint32, error) {
	notFound := func() (uint32, error) {
		return 0, sqlerr.New(sqlerr.UndefinedObject, "type \"%s\" does not exist", s)
	}
	name := strings.TrimSpace(s)
	array := false
	for strings.HasSuffix(name, "]") {
		i := strings.LastIndexByte(name, '[')
		if i < 0 {
			return notFound()
		}
		name, array = strings.TrimSpace(name[:i]), true
	}
	if i := strings.IndexByte(name, '('); i >= 0 && !strings.HasPrefix(name, `"`) {
		j := strings.IndexByte(name[i:], ')')
		if j < 0 {
			return 0, sqlerr.New(sqlerr.SyntaxError, "syntax error in type name \"%s\"", s)
		}
		name = strings.TrimSpace(name[:i] + name[i+j+1:])
	}
	schema := ""
	if !strings.HasPrefix(name, `"`) {
		lower := strings.Join(strings.Fields(strings.ToLower(name)), " ")
		if t, ok := sqlTypeNames[lower]; ok {
			name = t
		} else {
			name = lower
		}
	}
	if name == `"char"` {
		name = "char"
	} else if !typnameOK(name) {
		var err error
		if schema, name, err = schemaAndName(name, "type"); err != nil {
			return 0, err
		}
		if t, ok := sqlTypeNames[name]; ok && schema == "pg_catalog" {
			name = t
		}
	}
	if array {
		name = "_" + name
	}
	if cat != nil {
		if oid, ok := cat.TypeOID(schema, name); ok {
			return oid, nil
		}
	}
	if schema == "" || schema == "pg_catalog" {
		if elem, ok := strings.CutPrefix(name, "_"); ok {
			if oid := vec.ArrayOIDOf(typnameOID(elem)); oid != 0 && typnameOK(elem) {
				return oid, nil
			}
		} else if oid, ok := vec.OIDForTypname(name); ok {
			return oid, nil
		}
	}
	return notFound()
}

// regprocedureIn reads "name(type, ...)".
func regprocedureIn(cat Catalog, s string) (int64, error) {
	open := strings.IndexByte(s, '(')
	if open < 0 || !strings.HasSuffix(s, ")") {
		return 0, sqlerr.New(sqlerr.InvalidTextRepresentation, "expected a left parenthesis")
	}
	schema, name, err := schemaAndName(s[:open], "function")
	if err != nil {
		return 0, err
	}
	var want []uint32
	if args := strings.TrimSpace(s[open+1 : len(s)-1]); args != "" {
		for _, a := range strings.Split(args, ",") {
			oid, err := typeOIDByName(cat, a)
			if err != nil {
				return 0, err
			}
			want = append(want, oid)
		}
	}
	if cat != nil {
		for _, oid := range cat.ProcOIDs(schema, name) {
			if got, ok := cat.ProcArgs(oid); ok && equalOIDs(got, want) {
				return int64(oid), nil
			}
		}
	}
	return 0, sqlerr.New(sqlerr.UndefinedFunction, "function \"%s\" does not exist", s)
}

func equalOIDs(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// regOut formats a reg* value as its output function does: the object's
// name, schema-qualified when the search path does not find it, the number
// when there is no such object, and "-" for 0.
func regOut(env *Env, variant uint32, oid int64) string {
	if oid == 0 {
		return "-"
	}
	u := uint32(oid)
	num := strconv.FormatInt(oid, 10)
	cat := env.catalog()
	switch variant {
	case vec.OIDRegtype:
		return typeName(cat, u, num)
	case vec.OIDRegclass:
		if cat != nil {
			if schema, name, visible, ok := cat.RelationName(u); ok {
				return qualify(schema, name, visible)
			}
		}
	case vec.OIDRegnamespace:
		if cat != nil {
			if name, ok := cat.NamespaceName(u); ok {
				return quoteIdent(name)
			}
		}
	case vec.OIDRegrole:
		if cat != nil {
			if name, ok := cat.RoleName(u); ok {
				return quoteIdent(name)
			}
		}
	case vec.OIDRegproc, vec.OIDRegprocedure:
		if cat == nil {
			break
		}
		schema, name, visible, ok := cat.ProcName(u)
		if !ok {
			break
		}
		if variant == vec.OIDRegproc {
			return qualify(schema, name, visible)
		}
		args, _ := cat.ProcArgs(u)
		var b strings.Builder
		b.WriteString(qualify(schema, name, visible))
		b.WriteByte('(')
		for i, a := range args {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(typeName(cat, a, strconv.FormatUint(uint64(a), 10)))
		}
		b.WriteByte(')')
		return b.String()
	}
	return num
}

// typeName is regtypeout: format_type for the types Apiary knows, else the
// catalog's name, qualified when not visible.
func typeName(cat Catalog, oid uint32, num string) string {
	if s, ok := vec.FormatTypeOID(oid, -1, true); ok {
		return s
	}
	if cat != nil {
		if schema, name, visible, ok := cat.TypeName(oid); ok {
			if elem, isArray := strings.CutPrefix(name, "_"); isArray && len(elem) > 0 {
				return qualify(schema, elem, visible) + "[]"
			}
			return qualify(schema, name, visible)
		}
	}
	return num
}

func (e *Env) catalog() Catalog {
	if e == nil {
		return nil
	}
	return e.Catalog
}

// castNeedsEnv reports whether a cast from from to to consults the Env's
// catalog, so that it must not be folded before the planner has an Env.
func castNeedsEnv(from, to vec.Type) bool {
	return readsNames(to) && from.Kind == vec.KindText || from.IsReg() && to.Kind == vec.KindText ||
		from.Kind == vec.KindText && vec.IsRegOID(from.Variant) && to.IsOIDFamily()
}

// readsNames reports whether text input of t may name catalog objects: a
// reg* type or an array of one.
func readsNames(t vec.Type) bool {
	return t.IsReg() || t.IsArray() && t.Elem == vec.KindInt64 && vec.IsRegOID(t.Variant)
}

// castOIDFamily converts to and from oid, xid and the reg* types; ok is
// false when neither side is one of them.
func castOIDFamily(from, to vec.Type) (castFunc, bool, error) {
	fromOID, toOID := from.IsOIDFamily(), to.IsOIDFamily()
	if !fromOID && !toOID {
		return nil, false, nil
	}
	switch {
	case toOID && from.Kind == vec.KindText:
		if !to.IsReg() {
			return castFromText(to), true, nil
		}
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			src, o := in.Bytes(), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				x, err := regIn(c.Env, to, bytesAsString(src.Get(i)))
				o[i] = x
				return err
			})
		}, true, nil
	case fromOID && to.Kind == vec.KindText:
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			s := in.Int64s()
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				start := len(dst)
				if from.IsReg() {
					dst = append(dst, regOut(c.Env, from.Variant, s[i])...)
				} else {
					dst = strconv.AppendInt(dst, s[i], 10)
				}
				if to.Variant == vec.OIDName {
					return append(dst[:start], vec.ClipName(dst[start:])...), nil
				}
				return fitWidth(dst, start, to), nil
			})
		}, true, nil
	case fromOID && toOID:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			copy(out.Int64s(), in.Int64s()[:n])
			return nil
		}, true, nil
	case toOID && (from.Kind == vec.KindInt16 || from.Kind == vec.KindInt32) && from.Variant == 0:
		// int2 and int4 reach oid bit for bit: -1 is 4294967295.
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := intsOf(in), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error { o[i] = int64(uint32(get(i))); return nil })
		}, true, nil
	case toOID && from.Kind == vec.KindInt64 && from.Variant == 0:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				if s[i] < 0 || s[i] > math.MaxUint32 {
					return sqlerr.New(sqlerr.NumericValueOutOfRange, "OID out of range")
				}
				o[i] = s[i]
				return nil
			})
		}, true, nil
	case fromOID && to.Kind == vec.KindInt64 && to.Variant == 0:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			copy(out.Int64s(), in.Int64s()[:n])
			return nil
		}, true, nil
	case fromOID && to.Kind == vec.KindInt32 && to.Variant == 0:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int32s()
			return rowsOf(in, n, sel, func(i int) error { o[i] = int32(uint32(s[i])); return nil })
		}, true, nil
	}
	return nil, true, errCannotCast(from, to)
}

// castTextVariant converts into name, "char", aclitem and pg_node_tree,
// and from "char" (whose high bytes print as octal escapes); ok is false
// for other pairs.
func castTextVariant(from, to vec.Type) (castFunc, bool, error) {
	switch {
	case to.Kind == vec.KindText && to.Variant == vec.OIDPgNodeTree && from.Variant != vec.OIDPgNodeTree:
		return nil, true, sqlerr.New(sqlerr.FeatureNotSupported, "cannot accept a value of type pg_node_tree")
	case to.Kind == vec.KindText && to.Variant == vec.OIDChar && from.Kind == vec.KindInt32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			s := in.Int32s()
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				if s[i] < math.MinInt8 || s[i] > math.MaxInt8 {
					return dst, sqlerr.New(sqlerr.NumericValueOutOfRange, "\"char\" out of range")
				}
				if s[i] == 0 {
					return dst, nil
				}
				return append(dst, byte(s[i])), nil
			})
		}, true, nil
	case from.Kind == vec.KindText && from.Variant == vec.OIDChar && to.Kind == vec.KindInt32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			src, o := in.Bytes(), out.Int32s()
			return rowsOf(in, n, sel, func(i int) error {
				o[i] = 0
				if b := src.Get(i); len(b) > 0 {
					o[i] = int32(int8(b[0]))
				}
				return nil
			})
		}, true, nil
	case to.Kind == vec.KindText && (to.Variant == vec.OIDName || to.Variant == vec.OIDChar || to.Variant == vec.OIDAclitem) && !from.IsOIDFamily():
		toText := castToText(from, vec.Text)
		if from.Kind == vec.KindText {
			toText = nil
		}
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			src := in
			if toText != nil {
				tmp := vec.New(vec.Text, n)
				tmp.Prepare(vec.Text, n)
				if err := toText(c, in, tmp, n, sel); err != nil {
					return err
				}
				src = tmp
			}
			out.Nulls.CopyFrom(&src.Nulls, n)
			b := src.Bytes()
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				v := b.Get(i)
				switch to.Variant {
				case vec.OIDName:
					return append(dst, vec.ClipName(v)...), nil
				case vec.OIDChar:
					if from.Variant == vec.OIDChar || len(v) == 0 {
						return append(dst, v...), nil
					}
					return append(dst, v[0]), nil
				}
				return append(dst, v...), nil
			})
		}, true, nil
	case from.Kind == vec.KindText && from.Variant == vec.OIDChar && to.Kind == vec.KindText:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				start := len(dst)
				dst = vec.AppendText(dst, in, i, nil)
				return fitWidth(dst, start, to), nil
			})
		}, true, nil
	}
	return nil, false, nil
}

// castPG is the cast lookup for the catalog-support types and arrays; ok
// is false when neither side is one.
func castPG(from, to vec.Type) (castFunc, bool, error) {
	if from.Shape != vec.ShapeScalar || to.Shape != vec.ShapeScalar {
		return castArray(from, to)
	}
	if fn, ok, err := castOIDFamily(from, to); ok || err != nil {
		return fn, ok, err
	}
	if from.Variant != 0 || to.Variant != 0 {
		return castTextVariant(from, to)
	}
	return nil, false, nil
}

// unifyPG is the common type of two operands when either is an OID type
// or an array; handled is false otherwise. oid meets the integers and the
// other OID types as oid (PostgreSQL compares them with oid's operators
// through implicit casts); arrays meet when their elements do.
func unifyPG(a, b vec.Type) (t vec.Type, ok, handled bool) {
	if a.Shape != vec.ShapeScalar || b.Shape != vec.ShapeScalar {
		if a == b {
			return a, true, true
		}
		if !a.IsArray() || !b.IsArray() {
			return vec.Type{}, false, true
		}
		e, ok := unify2(a.ElemType(), b.ElemType())
		if !ok {
			return vec.Type{}, false, true
		}
		at, ok := vec.ArrayOf(e)
		return at, ok, true
	}
	ao, bo := a.IsOIDFamily(), b.IsOIDFamily()
	if !ao && !bo {
		if a.Kind == vec.KindText && a == b {
			return a, true, true // name = name stays name
		}
		return vec.Type{}, false, false
	}
	isInt := func(t vec.Type) bool {
		return t.Variant == 0 && (t.Kind == vec.KindInt16 || t.Kind == vec.KindInt32 || t.Kind == vec.KindInt64)
	}
	switch {
	case ao && bo && a.Variant == b.Variant:
		return a, true, true
	case ao && bo:
		return vec.Oid, true, true
	case ao && isInt(b) && !a.IsReg():
		return a, true, true
	case bo && isInt(a) && !b.IsReg():
		return b, true, true
	case ao && isInt(b), bo && isInt(a):
		return vec.Oid, true, true
	}
	return vec.Type{}, false, true
}

func typnameOID(name string) uint32 {
	oid, _ := vec.OIDForTypname(name)
	return oid
}

func typnameOK(name string) bool {
	_, ok := vec.OIDForTypname(name)
	return ok
}
