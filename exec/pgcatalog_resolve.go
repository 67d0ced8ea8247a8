package exec

import (
	"time"

	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/exec/expr"
)

// The catalog view answers the reg* casts (expr.Catalog) and the session
// and catalog functions (expr.Session, expr.CatalogInfo). Lookups build
// the view on first use; a view that failed to build (a storage error)
// finds nothing, and the error itself reaches the client through the
// catalog functions, which report it.

var (
	_ expr.Catalog     = (*catalogView)(nil)
	_ expr.Session     = (*catalogView)(nil)
	_ expr.CatalogInfo = catalogInfo{}
)

// lookup returns the built emulation, nil when it could not be built.
func (v *catalogView) lookup() *pgcatalog.Catalog {
	cat, err := v.catalogForLookup()
	if err != nil {
		v.buildWarned.Do(func() { v.eng.log.Warn("pg_catalog emulation unavailable", "err", err) })
		return nil
	}
	return cat
}

func (v *catalogView) RelationOID(schema, name string) (uint32, bool) {
	cat := v.lookup()
	if cat == nil {
		return 0, false
	}
	parts := []string{name}
	if schema != "" {
		parts = []string{schema, name}
	}
	oid, err := cat.RelationOID(parts)
	return oid, err == nil
}

func (v *catalogView) RelationName(oid uint32) (schema, name string, visible, ok bool) {
	cat := v.lookup()
	if cat == nil {
		return "", "", false, false
	}
	r, ok := cat.Relation(oid)
	if !ok {
		return "", "", false, false
	}
	return r.Schema, r.Name, cat.RelationVisible(oid), true
}

func (v *catalogView) TypeOID(schema, name string) (uint32, bool) {
	if schema != "" && schema != pgcatalog.SchemaPgCatalog {
		return 0, false
	}
	return pgcatalog.TypeOIDByTypname(name)
}

func (v *catalogView) TypeName(oid uint32) (schema, name string, visible, ok bool) {
	name, ok = pgcatalog.TypeName(oid)
	return pgcatalog.SchemaPgCatalog, name, ok, ok
}

func (v *catalogView) NamespaceOID(name string) (uint32, bool) {
	if cat := v.lookup(); cat != nil {
		return cat.NamespaceOID(name)
	}
	return 0, false
}

func (v *catalogView) NamespaceName(oid uint32) (string, bool) {
	if cat := v.lookup(); cat != nil {
		return cat.NamespaceName(oid)
	}
	return "", false
}

func (v *catalogView) ProcOIDs(schema, name string) []uint32 {
	if schema != "" && schema != pgcatalog.SchemaPgCatalog {
		return nil
	}
	return pgcatalog.ProcOIDsByName(name)
}

func (v *catalogView) ProcName(oid uint32) (schema, name string, visible, ok bool) {
	name, ok = pgcatalog.ProcName(oid)
	return pgcatalog.SchemaPgCatalog, name, ok, ok
}

func (v *catalogView) ProcArgs(oid uint32) ([]uint32, bool) { return pgcatalog.ProcArgs(oid) }

func (v *catalogView) RoleOID(name string) (uint32, bool) {
	if cat := v.lookup(); cat != nil {
		return cat.RoleOID(name)
	}
	return 0, false
}

func (v *catalogView) RoleName(oid uint32) (string, bool) {
	if cat := v.lookup(); cat != nil {
		return cat.RoleName(oid)
	}
	return "", false
}

// expr.Session.

func (v *catalogView) CurrentUser() string  { return v.user }
func (v *catalogView) SessionUser() string  { return v.user }
func (v *catalogView) Database() string     { return v.hive }
func (v *catalogView) BackendPID() int32    { return v.pid }
func (v *catalogView) StartTime() time.Time { return nodeStart }
func (v *catalogView) Version() string      { return versionString() }

func (v *catalogView) Catalog() (expr.CatalogInfo, error) {
	cat, err := v.catalogForLookup()
	if err != nil {
		return nil, err
	}
	return catalogInfo{v: v, cat: cat}, nil
}

// catalogInfo is the built emulation as the catalog functions see it.
type catalogInfo struct {
	v   *catalogView
	cat *pgcatalog.Catalog
}

func (c catalogInfo) CurrentSchema() (string, bool) {
	s := c.cat.CurrentSchema()
	return s, s != ""
}

func (c catalogInfo) SearchPathSchemas(implicit bool) []string {
	return c.cat.SearchPathSchemas(implicit)
}

func (c catalogInfo) FormatType(oid uint32, typmod int32, typmodGiven bool) string {
	return pgcatalog.FormatType(oid, typmod, typmodGiven)
}

func (c catalogInfo) RoleName(oid uint32) (string, bool) { return c.cat.RoleName(oid) }
func (c catalogInfo) RoleOID(name string) (uint32, bool) { return c.cat.RoleOID(name) }

func (c catalogInfo) RelationOID(name string) (uint32, error) {
	parts, err := pgcatalog.ParseQualifiedName(name)
	if err != nil {
		return 0, err
	}
	return c.cat.RelationOID(parts)
}

func (c catalogInfo) Relation(oid uint32) (kind byte, table bool, bytes int64, ok bool) {
	r, ok := c.cat.Relation(oid)
	return r.Kind, ok && !r.Emulated, r.Bytes, ok
}

func (c catalogInfo) RelationVisible(oid uint32) (bool, bool) {
	_, ok := c.cat.Relation(oid)
	return ok && c.cat.RelationVisible(oid), ok
}

func (c catalogInfo) TypeVisible(oid uint32) (bool, bool) {
	ok := c.cat.TypeVisible(oid)
	return ok, ok
}

func (c catalogInfo) FunctionVisible(oid uint32) (bool, bool) {
	ok := c.cat.ProcVisible(oid)
	return ok, ok
}

func (c catalogInfo) NamespaceOID(name string) (uint32, bool) { return c.cat.NamespaceOID(name) }

func (c catalogInfo) NamespaceExists(oid uint32) bool {
	_, ok := c.cat.NamespaceName(oid)
	return ok
}

func (c catalogInfo) DatabaseOID(name string) (uint32, bool) { return c.cat.DatabaseOID(name) }

func (c catalogInfo) DatabaseSize(oid uint32) (int64, bool, error) {
	name, ok := c.cat.DatabaseName(oid)
	if !ok {
		return 0, false, nil
	}
	size, err := c.v.databaseSize(name)
	return size, err == nil, err
}

func (c catalogInfo) IndexDef(oid uint32, column int, pretty bool) (string, bool) {
	return c.cat.IndexDef(oid, column, pretty)
}

func (c catalogInfo) ConstraintDef(oid uint32) (string, bool) { return c.cat.ConstraintDef(oid) }

func (c catalogInfo) FunctionArguments(oid uint32) (string, bool) {
	return pgcatalog.FunctionArguments(oid)
}
func (c catalogInfo) FunctionResult(oid uint32) (string, bool) { return pgcatalog.FunctionResult(oid) }
