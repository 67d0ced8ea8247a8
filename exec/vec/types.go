package vec

import (
	"fmt"
	"strconv"
	"strings"
)

// Kind is the physical family of a SQL type: it fixes how a Vec stores values.
type Kind uint8

// The kinds. Comments give the in-memory representation.
const (
	KindUnknown     Kind = iota
	KindBool             // []bool
	KindInt16            // []int16
	KindInt32            // []int32
	KindInt64            // []int64
	KindFloat32          // []float32
	KindFloat64          // []float64
	KindNumeric          // []int64 scaled by 10^Scale (precision ≤ 18)
	KindText             // Bytes (UTF-8): text, varchar(n), char(n)
	KindBytea            // Bytes
	KindDate             // []int32 days since 1970-01-01
	KindTimestamp        // []int64 microseconds since 1970-01-01 00:00:00, no zone
	KindTimestampTZ      // []int64 microseconds since 1970-01-01 00:00:00 UTC
	KindInterval         // []Interval
	KindDecimal          // []decimal.Decimal: numeric past 18 digits, each value with its own scale
)

// Type is a SQL type as Apiary stores and transmits it.
type Type struct {
	Kind Kind
	// Precision and Scale apply to KindNumeric: numeric(Precision, Scale).
	// For KindDecimal, whose values carry their own scales, Scale is the
	// nominal scale used where one scale must serve every value: Arrow
	// export and the column a CREATE TABLE AS gives it; a KindDecimal with
	// Precision > 0 is a declared numeric(19..38, Scale) whose values all
	// have Scale decimals.
	// Values are stored with Scale decimals. Precision 0 means numeric
	// without a declared precision: a column declared plain "numeric" gets
	// DefaultNumericScale decimals, and computed values get the scale their
	// operation defines (the sum of two numeric(15,2) is numeric with scale
	// 2). Use UnconstrainedNumeric for the declared form.
	Precision, Scale int32
	// Width is the declared length n of varchar(n) and char(n); 0 means no
	// limit.
	Width int32
	// Blank marks char(n) (blank-padded) as opposed to varchar(n) or text.
	Blank bool
	// Variant is the PostgreSQL OID of a type that shares its Kind's
	// storage with the Kind's own types (types_pg.go): oid, xid and the
	// reg* types are KindInt64 holding 0..2^32-1; name, "char", aclitem
	// and pg_node_tree are KindText. Zero for the Kind's own types. In an
	// array it describes the element.
	Variant uint32
	// Shape marks a KindBytea value that is not plain bytea but an array,
	// an int2vector or oidvector, or _pg_expandarray's record (array.go);
	// Elem and the fields above then describe the element.
	Shape Shape
	Elem  Kind
}

// DefaultNumericScale is the scale kept for numeric columns declared without
// one. PostgreSQL keeps arbitrary precision; Apiary stores numeric as a scaled
// 64-bit integer, so an unconstrained numeric keeps this many decimals.
const DefaultNumericScale = 6

// MaxNumericPrecision is the largest precision a scaled int64 holds exactly.
const MaxNumericPrecision = 18

// MaxDeclaredPrecision is the largest precision a numeric column may
// declare: past MaxNumericPrecision its values are KindDecimal, whose
// 128-bit coefficients hold 38 digits.
const MaxDeclaredPrecision = 38

// Convenience values for the common types.
var (
	Bool        = Type{Kind: KindBool}
	Int16       = Type{Kind: KindInt16}
	Int32       = Type{Kind: KindInt32}
	Int64       = Type{Kind: KindInt64}
	Float32     = Type{Kind: KindFloat32}
	Float64     = Type{Kind: KindFloat64}
	Text        = Type{Kind: KindText}
	Bytea       = Type{Kind: KindBytea}
	Date        = Type{Kind: KindDate}
	Timestamp   = Type{Kind: KindTimestamp}
	TimestampTZ = Type{Kind: KindTimestampTZ}
	IntervalT   = Type{Kind: KindInterval}
)

// Numeric returns the type numeric(precision, scale).
func Numeric(precision, scale int32) Type {
	return Type{Kind: KindNumeric, Precision: precision, Scale: scale}
}

// DeclaredNumeric returns the type of a column declared numeric(precision,
// scale): a scaled int64 up to MaxNumericPrecision digits, KindDecimal
// values all of the given scale beyond.
func DeclaredNumeric(precision, scale int32) Type {
	if precision > MaxNumericPrecision {
		return Type{Kind: KindDecimal, Precision: precision, Scale: scale}
	}
	return Numeric(precision, scale)
}

// DecimalOf returns the type of numeric values held as decimal.Decimal,
// with nominal scale s.
func DecimalOf(s int32) Type { return Type{Kind: KindDecimal, Scale: s} }

// IsNumeric reports whether t is SQL numeric in either representation.
func (t Type) IsNumeric() bool {
	return t.Shape == ShapeScalar && (t.Kind == KindNumeric || t.Kind == KindDecimal)
}

// Varchar returns varchar(n); n = 0 is varchar without a limit.
func Varchar(n int32) Type { return Type{Kind: KindText, Width: n} }

// Char returns char(n).
func Char(n int32) Type { return Type{Kind: KindText, Width: n, Blank: true} }

// PostgreSQL type OIDs (pg_type.oid), as clients expect them.
const (
	OIDBool        = 16
	OIDBytea       = 17
	OIDInt8        = 20
	OIDInt2        = 21
	OIDInt4        = 23
	OIDText        = 25
	OIDFloat4      = 700
	OIDFloat8      = 701
	OIDUnknown     = 705
	OIDBpchar      = 1042
	OIDVarchar     = 1043
	OIDDate        = 1082
	OIDTimestamp   = 1114
	OIDTimestampTZ = 1184
	OIDInterval    = 1186
	OIDNumeric     = 1700
)

// OID returns the PostgreSQL type OID.
func (t Type) OID() uint32 {
	if t.Shape != ShapeScalar {
		return t.containerOID()
	}
	if t.Variant != 0 {
		return t.Variant
	}
	switch t.Kind {
	case KindBool:
		return OIDBool
	case KindInt16:
		return OIDInt2
	case KindInt32:
		return OIDInt4
	case KindInt64:
		return OIDInt8
	case KindFloat32:
		return OIDFloat4
	case KindFloat64:
		return OIDFloat8
	case KindNumeric, KindDecimal:
		return OIDNumeric
	case KindText:
		if t.Blank {
			return OIDBpchar
		}
		if t.Width > 0 {
			return OIDVarchar
		}
		return OIDText
	case KindBytea:
		return OIDBytea
	case KindDate:
		return OIDDate
	case KindTimestamp:
		return OIDTimestamp
	case KindTimestampTZ:
		return OIDTimestampTZ
	case KindInterval:
		return OIDInterval
	}
	return OIDUnknown
}

// TypeLen returns pg_type.typlen: the fixed size in bytes, or -1 for
// variable-length types.
func (t Type) TypeLen() int16 {
	if t.Shape != ShapeScalar {
		return -1
	}
	if t.Variant != 0 {
		return variantLen(t.Variant)
	}
	switch t.Kind {
	case KindBool:
		return 1
	case KindInt16:
		return 2
	case KindInt32, KindFloat32, KindDate:
		return 4
	case KindInt64, KindFloat64, KindTimestamp, KindTimestampTZ:
		return 8
	case KindInterval:
		return 16
	}
	return -1
}

// TypeMod returns the atttypmod PostgreSQL reports for the type: -1 when it
// has no modifier.
func (t Type) TypeMod() int32 {
	if t.Variant != 0 || t.Shape == ShapeVector || t.Shape == ShapeRecord {
		return -1
	}
	if t.Shape == ShapeArray {
		// An array reports its element's modifier, as atttypmod does.
		return t.ElemType().TypeMod()
	}
	switch t.Kind {
	case KindNumeric, KindDecimal:
		if t.Precision == 0 {
			return -1
		}
		return (t.Precision<<16 | t.Scale) + 4
	case KindText:
		if t.Width > 0 {
			return t.Width + 4
		}
	}
	return -1
}

// String returns the type as PostgreSQL's format_type spells it, e.g.
// "integer", "numeric(15,2)", "character varying(25)".
func (t Type) String() string {
	if t.Shape != ShapeScalar {
		return t.containerString()
	}
	if t.Variant != 0 {
		return variantName(t.Variant)
	}
	switch t.Kind {
	case KindBool:
		return "boolean"
	case KindInt16:
		return "smallint"
	case KindInt32:
		return "integer"
	case KindInt64:
		return "bigint"
	case KindFloat32:
		return "real"
	case KindFloat64:
		return "double precision"
	case KindNumeric, KindDecimal:
		// A KindDecimal without a precision is a computed value whose
		// scale is only nominal: plain numeric, as PostgreSQL says.
		if t.Precision == 0 {
			return "numeric"
		}
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case KindText:
		switch {
		case t.Blank && t.Width == 0:
			return "bpchar"
		case t.Blank:
			return fmt.Sprintf("character(%d)", t.Width)
		case t.Width > 0:
			return fmt.Sprintf("character varying(%d)", t.Width)
		}
		return "text"
	case KindBytea:
		return "bytea"
	case KindDate:
		return "date"
	case KindTimestamp:
		return "timestamp without time zone"
	case KindTimestampTZ:
		return "timestamp with time zone"
	case KindInterval:
		return "interval"
	}
	return "unknown"
}

// ParseType reads a type name as String writes it, and the common
// PostgreSQL aliases (int4, int8, float8, varchar(n), timestamptz, ...). It is
// how the ledger's schema strings become Types.
func ParseType(s string) (Type, error) {
	name := strings.ToLower(strings.TrimSpace(s))
	if t, ok, err := parseTypePG(name); ok || err != nil {
		return t, err
	}
	var args []int32
	if i := strings.IndexByte(name, '('); i >= 0 {
		if !strings.HasSuffix(name, ")") {
			return Type{}, fmt.Errorf("vec: malformed type %q", s)
		}
		for _, a := range strings.Split(name[i+1:len(name)-1], ",") {
			n, err := strconv.ParseInt(strings.TrimSpace(a), 10, 32)
			if err != nil {
				return Type{}, fmt.Errorf("vec: malformed type modifier in %q", s)
			}
			args = append(args, int32(n))
		}
		name = strings.TrimSpace(name[:i])
	}
	var t Type
	switch name {
	case "boolean", "bool":
		t = Bool
	case "smallint", "int2":
		t = Int16
	case "integer", "int", "int4":
		t = Int32
	case "bigint", "int8":
		t = Int64
	case "real", "float4":
		t = Float32
	case "double precision", "float8", "float":
		t = Float64
	case "numeric", "decimal":
		t = Type{Kind: KindNumeric}
		switch len(args) {
		case 0:
			t.Scale = DefaultNumericScale
		case 1:
			t.Precision = args[0]
		case 2:
			t.Precision, t.Scale = args[0], args[1]
		default:
			return Type{}, fmt.Errorf("vec: numeric takes at most two modifiers: %q", s)
		}
		if t.Precision < 0 || t.Precision > MaxDeclaredPrecision || t.Scale < 0 || t.Scale > t.Precision && t.Precision > 0 {
			return Type{}, fmt.Errorf("vec: numeric precision must be 1..%d and scale 0..precision: %q", MaxDeclaredPrecision, s)
		}
		if t.Precision > MaxNumericPrecision {
			t.Kind = KindDecimal
		}
		return t, nil
	case "text":
		t = Text
	case "character varying", "varchar":
		t = Text
		if len(args) == 1 {
			t.Width = args[0]
		}
		return t, nil
	case "character", "char", "bpchar":
		t = Type{Kind: KindText, Blank: true, Width: 1}
		if len(args) == 1 {
			t.Width = args[0]
		}
		return t, nil
	case "bytea":
		t = Bytea
	case "date":
		t = Date
	case "timestamp", "timestamp without time zone":
		t = Timestamp
	case "timestamptz", "timestamp with time zone":
		t = TimestampTZ
	case "interval":
		t = IntervalT
	default:
		return Type{}, fmt.Errorf("vec: unknown type %q", s)
	}
	if len(args) > 0 {
		return Type{}, fmt.Errorf("vec: type %s takes no modifier: %q", name, s)
	}
	return t, nil
}

// Scale10 returns 10^Scale for numeric types, 1 otherwise.
func (t Type) Scale10() int64 {
	if t.Kind != KindNumeric {
		return 1
	}
	return Pow10(t.EffectiveScale())
}

// EffectiveScale returns the number of decimals a numeric value is stored with.
func (t Type) EffectiveScale() int32 { return t.Scale }

// UnconstrainedNumeric is the type of a column declared "numeric" without
// a precision.
var UnconstrainedNumeric = Type{Kind: KindNumeric, Scale: DefaultNumericScale}

// Pow10 returns 10^n for 0 ≤ n ≤ 18.
func Pow10(n int32) int64 {
	p := int64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}
