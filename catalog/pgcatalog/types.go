package pgcatalog

import (
	"fmt"
	"strings"
)

// typeInfo is one built-in type of pg_type.
type typeInfo struct {
	oid       uint32
	name      string
	typtype   byte
	category  byte
	elem      uint32 // element type of an array, 0 otherwise
	array     uint32 // the type's array type, 0 when none
	typlen    int16
	delim     byte
	collation uint32
	modout    uint32 // typmodout's proc OID, 0 when the type takes none
	procs     []uint32
	raw       []*string // the row as pg_type.tsv holds it
}

var (
	typeData   = mustLoad("pg_type.tsv")
	typesByOID = map[uint32]*typeInfo{}
	typesByNam = map[string]*typeInfo{}
	typeList   []*typeInfo
)

func init() {
	d := typeData
	for _, row := range d.rows {
		t := &typeInfo{
			oid:       uint32(d.num(row, "oid")),
			name:      d.str(row, "typname"),
			typtype:   d.str(row, "typtype")[0],
			category:  d.str(row, "typcategory")[0],
			elem:      uint32(d.num(row, "typelem")),
			array:     uint32(d.num(row, "typarray")),
			typlen:    int16(d.num(row, "typlen")),
			delim:     d.str(row, "typdelim")[0],
			collation: uint32(d.num(row, "typcollation")),
			modout:    uint32(d.num(row, "typmodout")),
			raw:       row,
		}
		for _, col := range []string{"typinput", "typoutput", "typreceive", "typsend", "typmodin", "typmodout", "typanalyze", "typsubscript"} {
			if p := uint32(d.num(row, col)); p != 0 {
				t.procs = append(t.procs, p)
			}
		}
		typesByOID[t.oid] = t
		typesByNam[t.name] = t
		typeList = append(typeList, t)
	}
}

// isArray reports whether t is a true array type, as format_type decides
// it: int2vector and oidvector have an element type and array subscripts
// too, but plain storage, and print without "[]".
func (t *typeInfo) isArray() bool {
	return t.elem != 0 && t.category == 'A' && t.rawStr("typstorage") != "p"
}

// TypeName returns a built-in type's pg_type.typname.
func TypeName(oid uint32) (string, bool) {
	if t, ok := typesByOID[oid]; ok {
		return t.name, true
	}
	return "", false
}

// TypeLen returns a built-in type's typlen (-1 variable, -2 C string).
func TypeLen(oid uint32) int16 {
	if t, ok := typesByOID[oid]; ok {
		return t.typlen
	}
	return -1
}

// ArrayElem returns the element type of an array type.
func ArrayElem(oid uint32) (uint32, bool) {
	if t, ok := typesByOID[oid]; ok && t.isArray() {
		return t.elem, true
	}
	return 0, false
}

// FormatType is format_type(oid, typmod): the SQL spelling of a type,
// e.g. "integer", "character varying(10)", "text[]". typmodGiven false is
// a NULL typmod. An unknown OID gives "???", as in PostgreSQL.
func FormatType(oid uint32, typmod int32, typmodGiven bool) string {
	t, ok := typesByOID[oid]
	if !ok {
		return "???"
	}
	if t.isArray() {
		// Arrays print their element type with the typmod, then [].
		return FormatType(t.elem, typmod, typmodGiven) + "[]"
	}
	withMod := typmodGiven && typmod >= 0
	switch t.name {
	case "bool":
		return "boolean"
	case "bpchar":
		switch {
		case withMod:
			return fmt.Sprintf("character(%d)", typmod-4)
		case typmodGiven:
			return "bpchar"
		}
		return "character"
	case "varchar":
		if withMod {
			return fmt.Sprintf("character varying(%d)", typmod-4)
		}
		return "character varying"
	case "float4":
		return "real"
	case "float8":
		return "double precision"
	case "int2":
		return "smallint"
	case "int4":
		return "integer"
	case "int8":
		return "bigint"
	case "numeric":
		if withMod {
			return fmt.Sprintf("numeric(%d,%d)", ((typmod-4)>>16)&0xffff, (typmod-4)&0xffff)
		}
		return "numeric"
	case "timestamp", "timestamptz":
		zone := " without time zone"
		if t.name == "timestamptz" {
			zone = " with time zone"
		}
		if withMod {
			return fmt.Sprintf("timestamp(%d)%s", typmod, zone)
		}
		return "timestamp" + zone
	case "interval":
		if withMod {
			// Apiary's intervals carry no fields or precision; only the
			// precision part of a typmod is shown.
			if p := typmod & 0xffff; p != 0xffff {
				return fmt.Sprintf("interval(%d)", p)
			}
		}
		return "interval"
	}
	name := QuoteIdent(t.name)
	if withMod {
		return fmt.Sprintf("%s(%d)", name, typmod)
	}
	return name
}

// sqlTypeNames maps the SQL spellings of built-in types that differ from
// their typname, for regtype input ('integer'::regtype).
var sqlTypeNames = map[string]string{
	"boolean": "bool", "smallint": "int2", "integer": "int4", "int": "int4", "bigint": "int8",
	"real": "float4", "float": "float8", "double precision": "float8", "decimal": "numeric",
	"character varying": "varchar", "character": "bpchar", "char": "bpchar", "\"char\"": "char",
	"timestamp without time zone": "timestamp", "timestamp with time zone": "timestamptz",
	"dec": "numeric",
}

// TypeOIDByName resolves a type name as regtype input reads it: a typname
// ("int4", "_text"), an SQL spelling ("integer", "character varying",
// "double precision"), optionally qualified with pg_catalog, with a type
// modifier (ignored) and [] for arrays.
func TypeOIDByName(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	arrays := 0
	for strings.HasSuffix(s, "[]") {
		s = strings.TrimSpace(strings.TrimSuffix(s, "[]"))
		arrays++
	}
	if i := strings.IndexByte(s, '('); i >= 0 && strings.HasSuffix(s, ")") {
		// "numeric(10,2)", "timestamp(3) with time zone": drop the modifier.
		end := strings.IndexByte(s, ')')
		s = strings.TrimSpace(s[:i] + s[end+1:])
	}
	var name string
	if strings.HasPrefix(s, `"`) {
		parts, err := ParseQualifiedName(s)
		if err != nil || len(parts) > 2 || (len(parts) == 2 && parts[0] != SchemaPgCatalog) {
			return 0, false
		}
		name = parts[len(parts)-1]
	} else {
		name = strings.Join(strings.Fields(strings.ToLower(s)), " ")
		name = strings.TrimPrefix(name, SchemaPgCatalog+".")
		if alias, ok := sqlTypeNames[name]; ok {
			name = alias
		}
	}
	t, ok := typesByNam[name]
	if !ok {
		return 0, false
	}
	for ; arrays > 0; arrays-- {
		if t.array == 0 {
			return 0, false
		}
		t = typesByOID[t.array]
	}
	return t.oid, true
}

// TypeOIDByTypname returns the OID of the built-in type with exactly this
// pg_type.typname ("int4", "_text", "char").
func TypeOIDByTypname(name string) (uint32, bool) {
	if t, ok := typesByNam[name]; ok {
		return t.oid, true
	}
	return 0, false
}
