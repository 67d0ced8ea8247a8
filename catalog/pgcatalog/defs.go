package pgcatalog

import (
	"sort"
)

// The schemas whose relations this package emulates.
const (
	SchemaPgCatalog         = "pg_catalog"
	SchemaInformationSchema = "information_schema"
)

// Column is a column of an emulated relation, declared as PostgreSQL 15
// declares it. information_schema's columns are declared with the base
// types of PostgreSQL's domains (sql_identifier is name, cardinal_number
// integer, character_data and yes_or_no varchar, time_stamp timestamptz).
type Column struct {
	Name    string
	TypeOID uint32
	Typmod  int32
	NotNull bool
}

// Relation is an emulated catalog table or view: every relation of
// PostgreSQL 15's pg_catalog and information_schema, with its OID and
// columns in PostgreSQL's order. Relations without a row producer are
// empty.
type Relation struct {
	OID     uint32
	Schema  string
	Name    string
	Kind    byte // 'r' table, 'v' view
	Columns []Column

	colIndex map[string]int
	fill     func(b *rowSet)
}

// Col returns the position of a column by name, or -1.
func (r *Relation) Col(name string) int {
	if i, ok := r.colIndex[name]; ok {
		return i
	}
	return -1
}

var (
	relations   []*Relation
	relByName   = map[[2]string]*Relation{}
	relByOID    = map[uint32]*Relation{}
	schemaOIDs  = map[string]uint32{}
	schemaNames = map[uint32]string{}
)

func init() {
	rels := mustLoad("relations.tsv")
	for _, row := range rels.rows {
		r := &Relation{
			OID:      uint32(rels.num(row, "oid")),
			Schema:   rels.str(row, "nspname"),
			Name:     rels.str(row, "relname"),
			Kind:     rels.str(row, "relkind")[0],
			colIndex: map[string]int{},
		}
		relations = append(relations, r)
		relByName[[2]string{r.Schema, r.Name}] = r
		relByOID[r.OID] = r
	}
	attrs := mustLoad("attributes.tsv")
	for _, row := range attrs.rows {
		r := relByName[[2]string{attrs.str(row, "nspname"), attrs.str(row, "relname")}]
		c := Column{
			Name:    attrs.str(row, "attname"),
			TypeOID: uint32(attrs.num(row, "atttypid")),
			Typmod:  int32(attrs.num(row, "atttypmod")),
			NotNull: attrs.str(row, "attnotnull") == "t",
		}
		r.colIndex[c.Name] = len(r.Columns)
		r.Columns = append(r.Columns, c)
	}
	ns := mustLoad("namespaces.tsv")
	for _, row := range ns.rows {
		schemaOIDs[ns.str(row, "nspname")] = uint32(ns.num(row, "oid"))
		schemaNames[uint32(ns.num(row, "oid"))] = ns.str(row, "nspname")
	}
	for name, fill := range producers {
		relByName[name].fill = fill
	}
}

// Lookup returns the emulated relation schema.name.
func Lookup(schema, name string) (*Relation, bool) {
	r, ok := relByName[[2]string{schema, name}]
	return r, ok
}

// Relations returns every emulated relation, ordered by schema and name.
func Relations() []*Relation {
	out := append([]*Relation(nil), relations...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Schema != out[j].Schema {
			return out[i].Schema < out[j].Schema
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// IsSystemSchema reports whether name is a schema whose relations this
// package provides.
func IsSystemSchema(name string) bool {
	return name == SchemaPgCatalog || name == SchemaInformationSchema
}

// SchemaOID returns the fixed OID of pg_catalog, public or
// information_schema.
func SchemaOID(name string) (uint32, bool) {
	oid, ok := schemaOIDs[name]
	return oid, ok
}

// tableFunctions are the set-returning functions without arguments that
// are served as relations, their rows being the function's result.
var tableFunctions = map[string]*Relation{
	"pg_get_keywords": newRelation(SchemaPgCatalog, "pg_get_keywords", fillKeywords,
		Column{Name: "word", TypeOID: oidText, Typmod: -1}, Column{Name: "catcode", TypeOID: oidChar, Typmod: -1},
		Column{Name: "barelabel", TypeOID: oidBool, Typmod: -1}, Column{Name: "catdesc", TypeOID: oidText, Typmod: -1},
		Column{Name: "baredesc", TypeOID: oidText, Typmod: -1}),
}

// Type OIDs the table functions' columns use.
const (
	oidBool = 16
	oidChar = 18
	oidText = 25
)

func newRelation(schema, name string, fill func(*rowSet), cols ...Column) *Relation {
	r := &Relation{Schema: schema, Name: name, Kind: 'f', Columns: cols, colIndex: map[string]int{}, fill: fill}
	for i, c := range cols {
		r.colIndex[c.Name] = i
	}
	return r
}

// TableFunction returns the set-returning function name() served as a
// relation (pg_get_keywords).
func TableFunction(name string) (*Relation, bool) {
	r, ok := tableFunctions[name]
	return r, ok
}

func fillKeywords(s *rowSet) {
	for _, k := range keywords {
		s.add("word", k.Word, "catcode", k.CatCode, "barelabel", k.BareLabel, "catdesc", k.CatDesc, "baredesc", k.BareDesc)
	}
}
