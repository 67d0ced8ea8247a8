package vec

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/sqlerr"
)

// PostgreSQL's catalog-support types. Drivers and psql read pg_catalog
// through them, so they follow PostgreSQL's OIDs, names and text forms, but
// none of them needs storage of its own: each is a Variant of a Kind (oid
// and the reg* types are KindInt64 values 0..2^32-1, name and "char" are
// KindText), or a Shape of KindBytea (arrays, int2vector, oidvector; see
// array.go). Kernels that only move values (hashing, sorting, joins,
// spilling) therefore handle them unchanged; the places where the type's
// meaning matters (casts, operators, text forms) look at Variant and Shape.

// The OIDs of the catalog-support types.
const (
	OIDChar         = 18
	OIDName         = 19
	OIDInt2Vector   = 22
	OIDRegproc      = 24
	OIDOid          = 26
	OIDXid          = 28
	OIDOidVector    = 30
	OIDPgNodeTree   = 194
	OIDAclitem      = 1033
	OIDRegprocedure = 2202
	OIDRegoper      = 2203
	OIDRegoperator  = 2204
	OIDRegclass     = 2205
	OIDRegtype      = 2206
	OIDRecord       = 2249
	OIDRegnamespace = 4089
	OIDRegrole      = 4096
)

// NameDataLen is PostgreSQL's NAMEDATALEN: a name holds at most
// NameDataLen-1 bytes.
const NameDataLen = 64

// Convenience values for the catalog-support types.
var (
	Oid          = Type{Kind: KindInt64, Variant: OIDOid}
	Xid          = Type{Kind: KindInt64, Variant: OIDXid}
	Regclass     = Type{Kind: KindInt64, Variant: OIDRegclass}
	Regtype      = Type{Kind: KindInt64, Variant: OIDRegtype}
	Regproc      = Type{Kind: KindInt64, Variant: OIDRegproc}
	Regprocedure = Type{Kind: KindInt64, Variant: OIDRegprocedure}
	Regoper      = Type{Kind: KindInt64, Variant: OIDRegoper}
	Regoperator  = Type{Kind: KindInt64, Variant: OIDRegoperator}
	Regnamespace = Type{Kind: KindInt64, Variant: OIDRegnamespace}
	Regrole      = Type{Kind: KindInt64, Variant: OIDRegrole}
	Name         = Type{Kind: KindText, Variant: OIDName}
	// CharByte is PostgreSQL's one-byte "char" (not char(n), which is
	// Char(n)).
	CharByte   = Type{Kind: KindText, Variant: OIDChar}
	Aclitem    = Type{Kind: KindText, Variant: OIDAclitem}
	PgNodeTree = Type{Kind: KindText, Variant: OIDPgNodeTree}
	// Bpchar is character without a length: blank-padded semantics, no
	// limit.
	Bpchar     = Type{Kind: KindText, Blank: true}
	Int2Vector = Type{Kind: KindBytea, Shape: ShapeVector, Elem: KindInt16}
	OidVector  = Type{Kind: KindBytea, Shape: ShapeVector, Elem: KindInt64, Variant: OIDOid}
)

// variantKinds maps each Variant to the Kind that stores it.
var variantKinds = map[uint32]Kind{
	OIDOid: KindInt64, OIDXid: KindInt64, OIDRegproc: KindInt64, OIDRegprocedure: KindInt64,
	OIDRegoper: KindInt64, OIDRegoperator: KindInt64, OIDRegclass: KindInt64, OIDRegtype: KindInt64,
	OIDRegnamespace: KindInt64, OIDRegrole: KindInt64,
	OIDName: KindText, OIDChar: KindText, OIDAclitem: KindText, OIDPgNodeTree: KindText,
}

// variantNames are the variants' format_type spellings.
var variantNames = map[uint32]string{
	OIDOid: "oid", OIDXid: "xid", OIDRegproc: "regproc", OIDRegprocedure: "regprocedure",
	OIDRegoper: "regoper", OIDRegoperator: "regoperator", OIDRegclass: "regclass", OIDRegtype: "regtype",
	OIDRegnamespace: "regnamespace", OIDRegrole: "regrole",
	OIDName: "name", OIDChar: `"char"`, OIDAclitem: "aclitem", OIDPgNodeTree: "pg_node_tree",
}

func variantName(oid uint32) string {
	if n, ok := variantNames[oid]; ok {
		return n
	}
	return "unknown"
}

// variantLen is pg_type.typlen of a variant.
func variantLen(oid uint32) int16 {
	switch oid {
	case OIDName:
		return NameDataLen
	case OIDChar:
		return 1
	case OIDAclitem:
		return 12
	case OIDPgNodeTree:
		return -1
	}
	return 4 // oid, xid and the reg* types
}

// IsOIDFamily reports whether t is oid, xid or a reg* type: an unsigned
// 32-bit value kept in an int64.
func (t Type) IsOIDFamily() bool {
	return t.Shape == ShapeScalar && t.Kind == KindInt64 && t.Variant != 0
}

// IsReg reports whether t is one of the reg* types, whose values print as
// the names of the objects they identify.
func (t Type) IsReg() bool { return t.IsOIDFamily() && IsRegOID(t.Variant) }

// IsRegOID reports whether oid is the OID of a reg* type.
func IsRegOID(oid uint32) bool {
	switch oid {
	case OIDRegproc, OIDRegprocedure, OIDRegoper, OIDRegoperator, OIDRegclass, OIDRegtype,
		OIDRegnamespace, OIDRegrole:
		return true
	}
	return false
}

// arrayOIDs maps element type OIDs to their array types' OIDs
// (pg_type.typarray).
var arrayOIDs = map[uint32]uint32{
	OIDBool: 1000, OIDBytea: 1001, OIDChar: 1002, OIDName: 1003, OIDInt8: 1016, OIDInt2: 1005,
	OIDInt2Vector: 1006, OIDInt4: 1007, OIDRegproc: 1008, OIDText: 1009, OIDOid: 1028, OIDXid: 1011,
	OIDOidVector: 1013, OIDFloat4: 1021, OIDFloat8: 1022, OIDAclitem: 1034, OIDBpchar: 1014,
	OIDVarchar: 1015, OIDDate: 1182, OIDTimestamp: 1115, OIDTimestampTZ: 1185, OIDInterval: 1187,
	OIDNumeric: 1231, OIDRegprocedure: 2207, OIDRegoper: 2208, OIDRegoperator: 2209,
	OIDRegclass: 2210, OIDRegtype: 2211, OIDRegnamespace: 4090, OIDRegrole: 4097,
}

// elemOIDs is arrayOIDs reversed.
var elemOIDs = func() map[uint32]uint32 {
	m := make(map[uint32]uint32, len(arrayOIDs))
	for e, a := range arrayOIDs {
		m[a] = e
	}
	return m
}()

// ArrayOIDOf returns the OID of the array type whose elements have OID
// elem (pg_type.typarray), or 0 when there is none.
func ArrayOIDOf(elem uint32) uint32 { return arrayOIDs[elem] }

// TypeForOID returns the Type for a PostgreSQL type OID and type modifier
// (atttypmod; -1 for none), for every type Apiary has. varchar without a
// length is text (Apiary does not tell them apart), and bpchar without one
// is Bpchar. ok is false for types Apiary lacks and for modifiers it cannot
// hold (numeric beyond 38 digits).
func TypeForOID(oid uint32, typmod int32) (Type, bool) {
	switch oid {
	case OIDBool:
		return Bool, true
	case OIDBytea:
		return Bytea, true
	case OIDInt8:
		return Int64, true
	case OIDInt2:
		return Int16, true
	case OIDInt4:
		return Int32, true
	case OIDText:
		return Text, true
	case OIDFloat4:
		return Float32, true
	case OIDFloat8:
		return Float64, true
	case OIDBpchar:
		if typmod >= 4 {
			return Char(typmod - 4), true
		}
		return Bpchar, true
	case OIDVarchar:
		if typmod >= 4 {
			return Varchar(typmod - 4), true
		}
		return Text, true
	case OIDDate:
		return Date, true
	case OIDTimestamp:
		return Timestamp, true
	case OIDTimestampTZ:
		return TimestampTZ, true
	case OIDInterval:
		return IntervalT, true
	case OIDNumeric:
		if typmod < 4 {
			return UnconstrainedNumeric, true
		}
		p, s := (typmod-4)>>16&0xffff, (typmod-4)&0xffff
		if p < 1 || p > MaxDeclaredPrecision || s > p {
			return Type{}, false
		}
		return DeclaredNumeric(p, s), true
	case OIDInt2Vector:
		return Int2Vector, true
	case OIDOidVector:
		return OidVector, true
	}
	if k, ok := variantKinds[oid]; ok {
		return Type{Kind: k, Variant: oid}, true
	}
	if e, ok := elemOIDs[oid]; ok {
		et, ok := TypeForOID(e, typmod)
		if !ok {
			return Type{}, false
		}
		return ArrayOf(et)
	}
	return Type{}, false
}

// ArrayOf returns the one-dimensional array type of elem; ok is false when
// elem cannot be an array element (arrays of arrays, records).
func ArrayOf(elem Type) (Type, bool) {
	if elem.Kind == KindUnknown || elem.Shape == ShapeArray || elem.Shape == ShapeRecord {
		return Type{}, false
	}
	if elem.Shape == ShapeVector {
		// int2vector[] and oidvector[] exist in PostgreSQL; Apiary keeps
		// arrays one level deep.
		return Type{}, false
	}
	return Type{
		Kind: KindBytea, Shape: ShapeArray, Elem: elem.Kind,
		Precision: elem.Precision, Scale: elem.Scale, Width: elem.Width, Blank: elem.Blank, Variant: elem.Variant,
	}, true
}

// ElemType returns the element type of an array or vector, and the type of
// the x field of _pg_expandarray's record.
func (t Type) ElemType() Type {
	return Type{Kind: t.Elem, Precision: t.Precision, Scale: t.Scale, Width: t.Width, Blank: t.Blank, Variant: t.Variant}
}

// IsArray reports whether t is an array or an int2vector/oidvector.
func (t Type) IsArray() bool { return t.Shape == ShapeArray || t.Shape == ShapeVector }

// ExpandRecordOf returns the type of _pg_expandarray's (x, n) record for
// arrays of elem.
func ExpandRecordOf(elem Type) Type {
	t, _ := ArrayOf(elem)
	t.Shape = ShapeRecord
	return t
}

func (t Type) containerOID() uint32 {
	switch t.Shape {
	case ShapeVector:
		if t.Elem == KindInt16 {
			return OIDInt2Vector
		}
		return OIDOidVector
	case ShapeRecord:
		return OIDRecord
	}
	return ArrayOIDOf(t.ElemType().OID())
}

func (t Type) containerString() string {
	switch t.Shape {
	case ShapeVector:
		if t.Elem == KindInt16 {
			return "int2vector"
		}
		return "oidvector"
	case ShapeRecord:
		return "record"
	}
	return t.ElemType().String() + "[]"
}

// parseTypePG is ParseType for the catalog-support types and arrays; ok is
// false for names it leaves to ParseType.
func parseTypePG(name string) (Type, bool, error) {
	if base, ok := strings.CutSuffix(name, "[]"); ok {
		et, err := ParseType(base)
		if err != nil {
			return Type{}, true, err
		}
		at, ok := ArrayOf(et)
		if !ok {
			return Type{}, true, fmt.Errorf("vec: no array type of %s", et)
		}
		return at, true, nil
	}
	switch name {
	case "bpchar":
		return Bpchar, true, nil
	case "int2vector":
		return Int2Vector, true, nil
	case "oidvector":
		return OidVector, true, nil
	case "record":
		return Type{}, true, fmt.Errorf("vec: record is not a column type")
	case `"char"`:
		return CharByte, true, nil
	}
	for oid, n := range variantNames {
		if n == name {
			return Type{Kind: variantKinds[oid], Variant: oid}, true, nil
		}
	}
	return Type{}, false, nil
}

// FormatTypeOID is format_type(oid, typmod) for the types Apiary has; ok
// is false for other OIDs, which the caller looks up in the catalog.
// typmod -1 means none; nullTypmod is format_type's NULL modifier (how
// regtype prints), which spells bpchar "character" rather than "bpchar".
func FormatTypeOID(oid uint32, typmod int32, nullTypmod bool) (string, bool) {
	if oid == OIDBpchar && nullTypmod {
		return "character", true
	}
	if oid == OIDVarchar && typmod < 4 {
		return "character varying", true
	}
	if oid == OIDNumeric && typmod < 4 {
		return "numeric", true
	}
	if e, ok := elemOIDs[oid]; ok {
		s, ok := FormatTypeOID(e, typmod, nullTypmod)
		if !ok {
			return "", false
		}
		return s + "[]", true
	}
	if oid == OIDNumeric {
		p, s := (typmod-4)>>16&0xffff, (typmod-4)&0xffff
		return "numeric(" + strconv.Itoa(int(p)) + "," + strconv.Itoa(int(s)) + ")", true
	}
	t, ok := TypeForOID(oid, typmod)
	if !ok {
		return "", false
	}
	return t.String(), true
}

// parseOIDText reads oid's and xid's unsigned decimal input (oidin: signs
// and surrounding white space allowed, a negative value wraps as int4 does)
// and the reg* types' numeric form; a reg* name needs the catalog, which
// exec/expr's casts consult.
func parseOIDText(s string, t Type) (int64, error) {
	name := variantName(t.Variant)
	if IsRegOID(t.Variant) {
		if trimSpace(s) == "-" {
			return 0, nil
		}
		if !allDigits(s) {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "%s input %q needs the catalog: only numeric values are read here", name, s)
		}
	}
	u := trimSpace(s)
	neg := false
	if u != "" && (u[0] == '-' || u[0] == '+') {
		neg, u = u[0] == '-', u[1:]
	}
	if u == "" || !allDigits(u) {
		return 0, syntaxError(name, s)
	}
	n, err := strconv.ParseUint(u, 10, 64)
	if err != nil || n > math.MaxUint32 || neg && n > -math.MinInt32 {
		return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "value \"%s\" is out of range for type %s", s, name)
	}
	if neg {
		return int64(uint32(-int64(n))), nil
	}
	return int64(n), nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseTextVariant reads name (cut to NameDataLen-1 bytes on a character
// boundary), "char" (the first byte, or a \ooo octal escape) and the other
// text-stored types.
func parseTextVariant(s string, t Type) ([]byte, error) {
	if t.Variant == OIDChar {
		if len(s) == 4 && s[0] == '\\' && isOctal(s[1]) && isOctal(s[2]) && isOctal(s[3]) {
			return []byte{(s[1]-'0')<<6 | (s[2]-'0')<<3 | (s[3] - '0')}, nil
		}
		if s == "" {
			return []byte{}, nil
		}
		return []byte{s[0]}, nil
	}
	b, err := checkText(s, Text)
	if err != nil {
		return nil, err
	}
	if t.Variant == OIDName {
		b = ClipName(b)
	}
	return b, nil
}

// ClipName cuts b to what a name holds: NameDataLen-1 bytes, never
// splitting a UTF-8 character.
func ClipName(b []byte) []byte {
	if len(b) < NameDataLen {
		return b
	}
	n := NameDataLen - 1
	for n > 0 && b[n]&0xc0 == 0x80 {
		n-- // b[n] continues a character that starts before it
	}
	return b[:n]
}

// appendCharByte prints a "char" value as charout does: the byte itself,
// or \ooo for bytes outside ASCII.
func appendCharByte(dst, b []byte) []byte {
	if len(b) == 0 || b[0] == 0 {
		return dst
	}
	c := b[0]
	if c < 0x80 {
		return append(dst, c)
	}
	return append(dst, '\\', '0'+c>>6, '0'+c>>3&7, '0'+c&7)
}

// typnames are pg_type.typname → OID for the types Apiary has (and
// record and unknown, which name results rather than columns).
var typnames = map[string]uint32{
	"bool": OIDBool, "bytea": OIDBytea, "char": OIDChar, "name": OIDName,
	"int8": OIDInt8, "int2": OIDInt2, "int2vector": OIDInt2Vector, "int4": OIDInt4,
	"regproc": OIDRegproc, "text": OIDText, "oid": OIDOid, "xid": OIDXid,
	"oidvector": OIDOidVector, "pg_node_tree": OIDPgNodeTree, "float4": OIDFloat4,
	"float8": OIDFloat8, "unknown": OIDUnknown, "aclitem": OIDAclitem,
	"bpchar": OIDBpchar, "varchar": OIDVarchar, "date": OIDDate,
	"timestamp": OIDTimestamp, "timestamptz": OIDTimestampTZ, "interval": OIDInterval,
	"numeric": OIDNumeric, "regprocedure": OIDRegprocedure, "regoper": OIDRegoper,
	"regoperator": OIDRegoperator, "regclass": OIDRegclass, "regtype": OIDRegtype,
	"record": OIDRecord, "regnamespace": OIDRegnamespace, "regrole": OIDRegrole,
}

// OIDForTypname returns the OID of the built-in type whose pg_type.typname
// is name ("int4", "bpchar", "char" for "char"); array types are "_" and
// the element's typname.
func OIDForTypname(name string) (uint32, bool) {
	if elem, ok := strings.CutPrefix(name, "_"); ok {
		if e, ok := typnames[elem]; ok && ArrayOIDOf(e) != 0 {
			return ArrayOIDOf(e), true
		}
		return 0, false
	}
	oid, ok := typnames[name]
	return oid, ok
}
