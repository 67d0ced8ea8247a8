package pgcatalog

import (
	"strconv"
)

// information_schema, derived as PostgreSQL 15's information_schema.sql
// derives it from the catalogs. Apiary has no constraints, defaults,
// identities, domains or privileges to report, so those columns hold what
// PostgreSQL shows for a table without them.

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

func fillSchemata(s *rowSet) {
	for _, n := range s.c.namespaces {
		owner, _ := s.c.RoleName(namespaceOwner(n.oid))
		s.add("catalog_name", s.c.in.Database, "schema_name", n.name, "schema_owner", owner)
	}
}

// infoRelation is a relation as the information_schema views walk them:
// frames, then the emulated relations.
type infoRelation struct {
	schema, name string
	kind         byte
	columns      []infoColumn
}

type infoColumn struct {
	name    string
	typ     uint32
	typmod  int32
	notNull bool
}

func (c *Catalog) infoRelations() []infoRelation {
	var out []infoRelation
	for i := range c.tables {
		t := &c.tables[i]
		r := infoRelation{schema: t.schema, name: t.Name, kind: 'r'}
		for _, col := range t.Columns {
			r.columns = append(r.columns, infoColumn{col.Name, col.Type.OID(), col.Type.TypeMod(), col.NotNull})
		}
		out = append(out, r)
	}
	for _, rel := range relations {
		r := infoRelation{schema: rel.Schema, name: rel.Name, kind: rel.Kind}
		for _, col := range rel.Columns {
			r.columns = append(r.columns, infoColumn{col.Name, col.TypeOID, col.Typmod, col.NotNull})
		}
		out = append(out, r)
	}
	return out
}

func fillInfoTables(s *rowSet) {
	for _, r := range s.c.infoRelations() {
		typ, insertable := "BASE TABLE", true
		if r.kind == 'v' {
			typ, insertable = "VIEW", false
		}
		if IsSystemSchema(r.schema) {
			insertable = r.kind == 'r'
		}
		s.add("table_catalog", s.c.in.Database, "table_schema", r.schema, "table_name", r.name, "table_type", typ,
			"is_insertable_into", yesNo(insertable), "is_typed", "NO")
	}
}

func fillInfoViews(s *rowSet) {
	for _, r := range relations {
		if r.Kind == 'v' {
			s.add("table_catalog", s.c.in.Database, "table_schema", r.Schema, "table_name", r.Name, "check_option", "NONE",
				"is_updatable", "NO", "is_insertable_into", "NO", "is_trigger_updatable", "NO",
				"is_trigger_deletable", "NO", "is_trigger_insertable_into", "NO")
		}
	}
}

// maxFieldBytes is PostgreSQL's largest field, what character_octet_length
// reports for text and unbounded varchar.
const maxFieldBytes = 1073741824

// maxUTF8Bytes is the longest UTF-8 encoding of one character.
const maxUTF8Bytes = 4

func fillInfoColumns(s *rowSet) {
	db := s.c.in.Database
	for _, r := range s.c.infoRelations() {
		for i, col := range r.columns {
			t := typesByOID[col.typ]
			dataType, udtName := "USER-DEFINED", ""
			if t != nil {
				udtName = t.name
				switch {
				case t.isArray():
					dataType = "ARRAY"
				default:
					dataType = FormatType(col.typ, -1, false)
				}
			}
			charMax, charOctets := charLengths(udtName, col.typmod)
			precision, radix, scale := numericFacts(udtName, col.typmod)
			s.add("table_catalog", db, "table_schema", r.schema, "table_name", r.name, "column_name", col.name,
				"ordinal_position", int32(i+1), "is_nullable", yesNo(!col.notNull), "data_type", dataType,
				"character_maximum_length", charMax, "character_octet_length", charOctets,
				"numeric_precision", precision, "numeric_precision_radix", radix, "numeric_scale", scale,
				"datetime_precision", datetimePrecision(udtName, col.typmod),
				"udt_catalog", db, "udt_schema", SchemaPgCatalog, "udt_name", udtName,
				"dtd_identifier", strconv.Itoa(i+1), "is_self_referencing", "NO", "is_identity", "NO",
				"identity_cycle", "NO", "is_generated", "NEVER", "is_updatable", yesNo(r.kind == 'r'))
		}
	}
}

// charLengths is information_schema's _pg_char_max_length and
// _pg_char_octet_length.
func charLengths(typ string, typmod int32) (maxLen, octets any) {
	switch typ {
	case "bpchar", "varchar":
		if typmod == -1 {
			return nil, int32(maxFieldBytes)
		}
		return typmod - 4, (typmod - 4) * maxUTF8Bytes
	case "text":
		return nil, int32(maxFieldBytes)
	}
	return nil, nil
}

// numericFacts is _pg_numeric_precision, _pg_numeric_precision_radix and
// _pg_numeric_scale.
func numericFacts(typ string, typmod int32) (precision, radix, scale any) {
	switch typ {
	case "int2":
		return int32(16), int32(2), int32(0)
	case "int4":
		return int32(32), int32(2), int32(0)
	case "int8":
		return int32(64), int32(2), int32(0)
	case "float4":
		return int32(24), int32(2), nil
	case "float8":
		return int32(53), int32(2), nil
	case "numeric":
		if typmod == -1 {
			return nil, int32(10), nil
		}
		return ((typmod - 4) >> 16) & 0xffff, int32(10), (typmod - 4) & 0xffff
	}
	return nil, nil, nil
}

// datetimePrecision is _pg_datetime_precision.
func datetimePrecision(typ string, typmod int32) any {
	switch typ {
	case "date":
		return int32(0)
	case "time", "timetz", "timestamp", "timestamptz":
		if typmod == -1 {
			return int32(6)
		}
		return typmod
	case "interval":
		if typmod == -1 || typmod&0xffff == 0xffff {
			return int32(6)
		}
		return typmod & 0xffff
	}
	return nil
}

func fillCharacterSets(s *rowSet) {
	s.add("character_set_name", "UTF8", "character_repertoire", "UCS", "form_of_use", "UTF8",
		"default_collate_catalog", s.c.in.Database)
}

func fillCatalogName(s *rowSet) {
	s.add("catalog_name", s.c.in.Database)
}

func fillEnabledRoles(s *rowSet) {
	for _, r := range s.c.roles {
		s.add("role_name", r.name)
	}
}
