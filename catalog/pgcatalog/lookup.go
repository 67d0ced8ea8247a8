package pgcatalog

import (
	"strings"

	"github.com/apiarydb/apiary/sqlerr"
)

// Lookups behind the reg* types and the catalog functions
// (pg_table_is_visible, pg_get_userbyid, ...).

// codeAmbiguousFunction is PostgreSQL's ambiguous_function (42725).
const codeAmbiguousFunction = sqlerr.Code("42725")

// RelationInfo describes a relation by OID.
type RelationInfo struct {
	OID    uint32
	Schema string
	Name   string
	Kind   byte // 'r' table, 'v' view, 'i' index
	// Rows and Bytes are a frame's live rows and stored bytes; 0 for the
	// emulated relations.
	Rows, Bytes int64
	// Emulated marks a pg_catalog or information_schema relation.
	Emulated bool
}

// Relation returns the relation with the given OID: a frame of the hive or
// an emulated relation.
func (c *Catalog) Relation(oid uint32) (RelationInfo, bool) {
	if t, ok := c.relByOID[oid]; ok {
		return RelationInfo{OID: oid, Schema: t.schema, Name: t.Name, Kind: 'r', Rows: t.Rows, Bytes: t.Bytes}, true
	}
	if t, ok := c.indexByOID[oid]; ok {
		// A primary key's index stores nothing of its own.
		return RelationInfo{OID: oid, Schema: t.schema, Name: t.pkey.name, Kind: 'i'}, true
	}
	if r, ok := relByOID[oid]; ok {
		return RelationInfo{OID: oid, Schema: r.Schema, Name: r.Name, Kind: r.Kind, Emulated: true}, true
	}
	return RelationInfo{}, false
}

// relationIn returns the OID of the relation name in the namespace.
func (c *Catalog) relationIn(schema, name string) (uint32, bool) {
	if t, ok := c.relByName[[2]string{schema, name}]; ok {
		return t.oid, true
	}
	if t, ok := c.indexByName[[2]string{schema, name}]; ok {
		return t.pkey.indexOID, true
	}
	if r, ok := relByName[[2]string{schema, name}]; ok {
		return r.OID, true
	}
	return 0, false
}

// RelationOID resolves a relation name as regclass input does: qualified
// names (schema.name, or database.schema.name in the current database)
// exactly, a bare name along the search path. A missing relation is 42P01.
func (c *Catalog) RelationOID(parts []string) (uint32, error) {
	// The name is formatted only for an error: regclass input may run
	// once per row.
	switch len(parts) {
	case 1:
		for _, ns := range c.path {
			if oid, ok := c.relationIn(c.nsByOID[ns], parts[0]); ok {
				return oid, nil
			}
		}
	case 2, 3:
		if len(parts) == 3 && parts[0] != c.in.Database {
			return 0, sqlerr.New(sqlerr.FeatureNotSupported, "cross-database references are not implemented: %s", QualifiedName(parts...))
		}
		schema, name := parts[len(parts)-2], parts[len(parts)-1]
		if _, ok := c.nsByName[schema]; !ok {
			return 0, sqlerr.New(sqlerr.UndefinedSchema, "schema \"%s\" does not exist", schema)
		}
		if oid, ok := c.relationIn(schema, name); ok {
			return oid, nil
		}
	default:
		return 0, sqlerr.New(sqlerr.SyntaxError, "improper relation name (too many dotted names): %s", QualifiedName(parts...))
	}
	// PostgreSQL names the relation unquoted, without its database.
	return 0, sqlerr.New(sqlerr.UndefinedTable, "relation \"%s\" does not exist", strings.Join(parts[max(len(parts)-2, 0):], "."))
}

// RelationVisible is pg_table_is_visible: whether the relation is the one
// its bare name finds along the search path. An unknown OID is not visible.
func (c *Catalog) RelationVisible(oid uint32) bool {
	r, ok := c.Relation(oid)
	if !ok {
		return false
	}
	for _, ns := range c.path {
		if found, ok := c.relationIn(c.nsByOID[ns], r.Name); ok {
			return found == oid
		}
	}
	return false
}

// RelationName is regclass output: the name, qualified with its schema
// when the bare name would not find it, quoted as needed.
func (c *Catalog) RelationName(oid uint32) (string, bool) {
	r, ok := c.Relation(oid)
	if !ok {
		return "", false
	}
	if c.RelationVisible(oid) {
		return QuoteIdent(r.Name), true
	}
	return QualifiedName(r.Schema, r.Name), true
}

// NamespaceOID returns a schema's OID.
func (c *Catalog) NamespaceOID(name string) (uint32, bool) {
	oid, ok := c.nsByName[name]
	return oid, ok
}

// NamespaceName returns a schema's name by OID.
func (c *Catalog) NamespaceName(oid uint32) (string, bool) {
	n, ok := c.nsByOID[oid]
	return n, ok
}

// RoleOID returns a role's OID.
func (c *Catalog) RoleOID(name string) (uint32, bool) {
	oid, ok := c.roleByNam[name]
	return oid, ok
}

// RoleName returns a role's name by OID (pg_get_userbyid).
func (c *Catalog) RoleName(oid uint32) (string, bool) {
	n, ok := c.roleByOID[oid]
	return n, ok
}

// DatabaseOID returns a hive's OID.
func (c *Catalog) DatabaseOID(name string) (uint32, bool) {
	oid, ok := c.dbByName[name]
	return oid, ok
}

// DatabaseName returns a hive's name by OID.
func (c *Catalog) DatabaseName(oid uint32) (string, bool) {
	n, ok := c.dbByOID[oid]
	return n, ok
}

// TypeOID resolves regtype input (see TypeOIDByName); a missing type is
// 42704.
func (c *Catalog) TypeOID(name string) (uint32, error) {
	if oid, ok := TypeOIDByName(name); ok {
		return oid, nil
	}
	return 0, sqlerr.New(sqlerr.UndefinedObject, "type %q does not exist", name)
}

// TypeVisible is pg_type_is_visible: every type Apiary has lives in
// pg_catalog, which is always searched.
func (c *Catalog) TypeVisible(oid uint32) bool {
	_, ok := typesByOID[oid]
	return ok
}

// ProcOID resolves regproc input: a function name (optionally qualified
// with pg_catalog) that must name exactly one built-in function. Unknown
// names are 42883, overloaded ones 42725.
func (c *Catalog) ProcOID(parts []string) (uint32, error) {
	if len(parts) > 2 || (len(parts) == 2 && parts[0] != SchemaPgCatalog) {
		return 0, sqlerr.New(sqlerr.UndefinedFunction, "function %q does not exist", QualifiedName(parts...))
	}
	oids := ProcOIDsByName(parts[len(parts)-1])
	switch len(oids) {
	case 0:
		return 0, sqlerr.New(sqlerr.UndefinedFunction, "function %q does not exist", QualifiedName(parts...))
	case 1:
		return oids[0], nil
	}
	return 0, sqlerr.New(codeAmbiguousFunction, "more than one function named %q", QualifiedName(parts...))
}

// ProcVisible is pg_function_is_visible: built-in functions live in
// pg_catalog.
func (c *Catalog) ProcVisible(oid uint32) bool {
	_, ok := procByOID[oid]
	return ok
}

// TotalBytes is the stored size of every frame of the hive.
func (c *Catalog) TotalBytes() int64 {
	var n int64
	for i := range c.tables {
		n += c.tables[i].Bytes
	}
	return n
}
