package pgcatalog

import (
	"math"
)

// Rows that come verbatim from PostgreSQL.
var (
	amData         = mustLoad("pg_am.tsv")
	languageData   = mustLoad("pg_language.tsv")
	collationData  = mustLoad("pg_collation.tsv")
	tablespaceData = mustLoad("pg_tablespace.tsv")
)

// DatabaseCollation is datcollate and datctype of every hive. Apiary
// compares text byte by byte, which is what the C.UTF-8 locale orders by;
// initdb picks the same on a machine without other locales.
const DatabaseCollation = "C.UTF-8"

// producers maps each relation with rows to the function producing them.
var producers = map[[2]string]func(*rowSet){
	{SchemaPgCatalog, "pg_namespace"}:          fillNamespace,
	{SchemaPgCatalog, "pg_class"}:              fillClass,
	{SchemaPgCatalog, "pg_attribute"}:          fillAttribute,
	{SchemaPgCatalog, "pg_type"}:               fillType,
	{SchemaPgCatalog, "pg_proc"}:               fillProc,
	{SchemaPgCatalog, "pg_database"}:           fillDatabase,
	{SchemaPgCatalog, "pg_am"}:                 copyData(amData),
	{SchemaPgCatalog, "pg_language"}:           copyData(languageData),
	{SchemaPgCatalog, "pg_collation"}:          copyData(collationData),
	{SchemaPgCatalog, "pg_tablespace"}:         copyData(tablespaceData),
	{SchemaPgCatalog, "pg_roles"}:              fillRoles,
	{SchemaPgCatalog, "pg_authid"}:             fillRoles,
	{SchemaPgCatalog, "pg_user"}:               fillRoles,
	{SchemaPgCatalog, "pg_shadow"}:             fillRoles,
	{SchemaPgCatalog, "pg_settings"}:           fillSettings,
	{SchemaPgCatalog, "pg_stat_all_tables"}:    fillStatTables,
	{SchemaPgCatalog, "pg_stat_user_tables"}:   fillStatTables,
	{SchemaPgCatalog, "pg_statio_all_tables"}:  fillStatioTables,
	{SchemaPgCatalog, "pg_statio_user_tables"}: fillStatioTables,
	{SchemaPgCatalog, "pg_stat_activity"}:      fillActivity,
	{SchemaPgCatalog, "pg_tables"}:             fillTables,
	{SchemaPgCatalog, "pg_views"}:              fillViews,
	{SchemaPgCatalog, "pg_stat_database"}:      fillStatDatabase,
	{SchemaPgCatalog, "pg_index"}:              fillIndex,
	{SchemaPgCatalog, "pg_constraint"}:         fillConstraint,
	{SchemaPgCatalog, "pg_indexes"}:            fillIndexes,

	{SchemaInformationSchema, "schemata"}:                        fillSchemata,
	{SchemaInformationSchema, "tables"}:                          fillInfoTables,
	{SchemaInformationSchema, "columns"}:                         fillInfoColumns,
	{SchemaInformationSchema, "views"}:                           fillInfoViews,
	{SchemaInformationSchema, "character_sets"}:                  fillCharacterSets,
	{SchemaInformationSchema, "information_schema_catalog_name"}: fillCatalogName,
	{SchemaInformationSchema, "enabled_roles"}:                   fillEnabledRoles,
	{SchemaInformationSchema, "table_constraints"}:               fillTableConstraints,
	{SchemaInformationSchema, "key_column_usage"}:                fillKeyColumnUsage,
	{SchemaInformationSchema, "constraint_column_usage"}:         fillConstraintColumnUsage,
}

func copyData(d *tsv) func(*rowSet) {
	return func(s *rowSet) {
		for _, row := range d.rows {
			s.addData(d, row)
		}
	}
}

func fillNamespace(s *rowSet) {
	for _, n := range s.c.namespaces {
		s.add("oid", n.oid, "nspname", n.name, "nspowner", namespaceOwner(n.oid))
	}
}

// namespaceOwner is a schema's owner: public belongs to pg_database_owner,
// as in a new PostgreSQL 15 database, the others to the bootstrap user.
func namespaceOwner(oid uint32) uint32 {
	if oid == OIDPublic {
		return OIDDatabaseOwner
	}
	return OIDBootstrapSuperuser
}

// sharedCatalogs are the relations PostgreSQL keeps once per cluster
// (pg_class.relisshared).
var sharedCatalogs = map[string]bool{
	"pg_authid": true, "pg_auth_members": true, "pg_database": true, "pg_db_role_setting": true,
	"pg_tablespace": true, "pg_shdepend": true, "pg_shdescription": true, "pg_shseclabel": true,
	"pg_replication_origin": true, "pg_subscription": true, "pg_parameter_acl": true,
}

// pageSize is PostgreSQL's block size, the unit of relpages.
const pageSize = 8192

func fillClass(s *rowSet) {
	for i := range s.c.tables {
		t := &s.c.tables[i]
		pages := t.Bytes / pageSize
		if t.Bytes > 0 && pages == 0 {
			pages = 1
		}
		s.add(classRow(t.oid, t.Name, t.nsOID, 'r', len(t.Columns), false,
			"relfilenode", t.oid,
			"relpages", int32(min(pages, math.MaxInt32)),
			"reltuples", float64(t.Rows),
			"relhasindex", t.pkey != nil)...)
		if t.pkey != nil {
			s.add(classRow(t.pkey.indexOID, t.pkey.name, t.nsOID, 'i', len(t.pkey.attnums), false,
				"relam", uint32(OIDBtree), "relfilenode", t.pkey.indexOID, "reltuples", float64(t.Rows))...)
		}
	}
	for _, r := range relations {
		s.add(classRow(r.OID, r.Name, schemaOIDs[r.Schema], r.Kind, len(r.Columns), sharedCatalogs[r.Name],
			"reltuples", float64(-1))...)
	}
}

// classRow returns a pg_class row for a table ('r') or view ('v'), as
// name, value pairs; extra pairs override.
func classRow(oid uint32, name string, ns uint32, kind byte, natts int, shared bool, extra ...any) []any {
	var am, tablespace uint32
	if kind == 'r' {
		am = OIDHeap
	}
	if shared {
		tablespace = OIDPgGlobal
	}
	row := []any{
		"oid", oid, "relname", name, "relnamespace", ns, "reltype", uint32(0), "reloftype", uint32(0),
		"relowner", OIDBootstrapSuperuser, "relam", am, "relfilenode", uint32(0), "reltablespace", tablespace,
		"relpages", int32(0), "reltuples", float64(0), "relallvisible", int32(0), "reltoastrelid", uint32(0),
		"relhasindex", false, "relisshared", shared, "relpersistence", byte('p'), "relkind", kind,
		"relnatts", int16(natts), "relchecks", int16(0), "relhasrules", false, "relhastriggers", false,
		"relhassubclass", false, "relrowsecurity", false, "relforcerowsecurity", false,
		"relispopulated", true, "relreplident", byte('n'), "relispartition", false, "relrewrite", uint32(0),
		"relfrozenxid", uint32(0), "relminmxid", uint32(0),
	}
	if kind == 'r' {
		row = append(row, "relreplident", byte('d'))
	}
	return append(row, extra...)
}

func fillAttribute(s *rowSet) {
	for i := range s.c.tables {
		t := &s.c.tables[i]
		for j, col := range t.Columns {
			s.add(attributeRow(t.oid, j+1, col.Name, col.Type.OID(), col.Type.TypeMod(), col.NotNull)...)
		}
		if t.pkey != nil {
			for k, n := range t.pkey.attnums {
				col := t.Columns[n-1]
				s.add(attributeRow(t.pkey.indexOID, k+1, col.Name, col.Type.OID(), col.Type.TypeMod(), false)...)
			}
		}
	}
	for _, r := range relations {
		for j, col := range r.Columns {
			s.add(attributeRow(r.OID, j+1, col.Name, col.TypeOID, col.Typmod, col.NotNull)...)
		}
	}
}

func attributeRow(rel uint32, num int, name string, typ uint32, typmod int32, notNull bool) []any {
	align, storage, byVal, ndims := byte('i'), byte('p'), false, int32(0)
	var collation uint32
	if t, ok := typesByOID[typ]; ok {
		align = t.rawByte("typalign")
		storage = t.rawByte("typstorage")
		byVal = t.rawStr("typbyval") == "t"
		collation = t.collation
		if t.isArray() {
			ndims = 1
		}
	}
	return []any{
		"attrelid", rel, "attname", name, "atttypid", typ, "attstattarget", int32(-1),
		"attlen", TypeLen(typ), "attnum", int16(num), "attndims", ndims, "attcacheoff", int32(-1),
		"atttypmod", typmod, "attbyval", byVal, "attalign", align, "attstorage", storage,
		"attcompression", byte(0), "attnotnull", notNull, "atthasdef", false, "atthasmissing", false,
		"attidentity", byte(0), "attgenerated", byte(0), "attisdropped", false, "attislocal", true,
		"attinhcount", int32(0), "attcollation", collation,
	}
}

func (t *typeInfo) rawStr(col string) string { return typeData.str(t.raw, col) }

func (t *typeInfo) rawByte(col string) byte {
	if v := t.rawStr(col); v != "" {
		return v[0]
	}
	return 0
}

func fillType(s *rowSet) {
	for _, t := range typeList {
		s.addData(typeData, t.raw)
	}
}

func fillProc(s *rowSet) {
	for _, p := range s.c.procs {
		s.addData(procData, p.raw)
	}
}

func fillDatabase(s *rowSet) {
	for _, d := range s.c.databases {
		s.add("oid", d.oid, "datname", d.name, "datdba", OIDBootstrapSuperuser, "encoding", int32(OIDEncodingUTF8),
			"datlocprovider", byte('c'), "datistemplate", false, "datallowconn", true, "datconnlimit", int32(-1),
			"datfrozenxid", uint32(0), "datminmxid", uint32(1), "dattablespace", OIDPgDefault,
			"datcollate", DatabaseCollation, "datctype", DatabaseCollation)
	}
}

// fillRoles serves pg_roles, pg_authid, pg_user and pg_shadow: every user
// may do everything (Apiary has no privileges), and no password is shown.
// pg_database_owner is a group, as in PostgreSQL, and no user.
func fillRoles(s *rowSet) {
	for _, r := range s.c.roles {
		user := r.oid != OIDDatabaseOwner
		switch s.rel.Name {
		case "pg_roles", "pg_authid":
			pw := any("********")
			if s.rel.Name == "pg_authid" {
				pw = nil
			}
			s.add("oid", r.oid, "rolname", r.name, "rolsuper", user, "rolinherit", true, "rolcreaterole", user,
				"rolcreatedb", user, "rolcanlogin", user, "rolreplication", false, "rolconnlimit", int32(-1),
				"rolpassword", pw, "rolbypassrls", user)
		case "pg_user", "pg_shadow":
			if !user {
				continue
			}
			pw := any("********")
			if s.rel.Name == "pg_shadow" {
				pw = nil
			}
			s.add("usename", r.name, "usesysid", r.oid, "usecreatedb", true, "usesuper", true, "userepl", false,
				"usebypassrls", true, "passwd", pw)
		}
	}
}

func nullIfEmpty(v string) any {
	if v == "" {
		return nil
	}
	return v
}

func fillSettings(s *rowSet) {
	for _, st := range s.c.in.Settings {
		var enums any
		if st.EnumVals != nil {
			enums = st.EnumVals
		}
		s.add("name", st.Name, "setting", st.Setting, "unit", nullIfEmpty(st.Unit), "category", nullIfEmpty(st.Category),
			"short_desc", nullIfEmpty(st.ShortDesc), "extra_desc", nullIfEmpty(st.ExtraDesc), "context", nullIfEmpty(st.Context),
			"vartype", nullIfEmpty(st.Vartype), "source", nullIfEmpty(st.Source), "min_val", nullIfEmpty(st.MinVal),
			"max_val", nullIfEmpty(st.MaxVal), "enumvals", enums, "boot_val", nullIfEmpty(st.BootVal),
			"reset_val", nullIfEmpty(st.ResetVal), "pending_restart", st.PendingRestart)
	}
}

// fillStatTables reports each frame's live rows; Apiary counts no scans or
// tuple operations, so the counters are zero, and a frame has no indexes,
// so the index counters are NULL as PostgreSQL shows them for such tables.
func fillStatTables(s *rowSet) {
	for i := range s.c.tables {
		t := &s.c.tables[i]
		s.add("relid", t.oid, "schemaname", t.schema, "relname", t.Name, "seq_scan", int64(0), "seq_tup_read", int64(0),
			"n_tup_ins", int64(0), "n_tup_upd", int64(0), "n_tup_del", int64(0), "n_tup_hot_upd", int64(0),
			"n_live_tup", t.Rows, "n_dead_tup", int64(0), "n_mod_since_analyze", int64(0), "n_ins_since_vacuum", int64(0),
			"vacuum_count", int64(0), "autovacuum_count", int64(0), "analyze_count", int64(0), "autoanalyze_count", int64(0))
	}
}

func fillStatioTables(s *rowSet) {
	for i := range s.c.tables {
		t := &s.c.tables[i]
		s.add("relid", t.oid, "schemaname", t.schema, "relname", t.Name, "heap_blks_read", int64(0), "heap_blks_hit", int64(0))
	}
}

func fillStatDatabase(s *rowSet) {
	for _, d := range s.c.databases {
		s.add("datid", d.oid, "datname", d.name, "numbackends", int32(0), "xact_commit", int64(0), "xact_rollback", int64(0),
			"blks_read", int64(0), "blks_hit", int64(0), "tup_returned", int64(0), "tup_fetched", int64(0),
			"tup_inserted", int64(0), "tup_updated", int64(0), "tup_deleted", int64(0), "conflicts", int64(0),
			"temp_files", int64(0), "temp_bytes", int64(0), "deadlocks", int64(0))
	}
}

func fillActivity(s *rowSet) {
	for _, a := range s.c.in.Activity {
		var xact, query, addr, port any
		if !a.XactStart.IsZero() {
			xact = a.XactStart
		}
		if !a.QueryStart.IsZero() {
			query = a.QueryStart
		}
		if a.ClientAddr != "" {
			addr = a.ClientAddr
		}
		if a.ClientPort != 0 {
			port = a.ClientPort
		}
		var backendStart any
		if !a.BackendStart.IsZero() {
			backendStart = a.BackendStart
		}
		s.add("datid", s.c.dbByName[a.Database], "datname", a.Database, "pid", a.PID, "usesysid", s.c.roleByNam[a.User],
			"usename", a.User, "application_name", a.ApplicationName, "client_addr", addr, "client_port", port,
			"backend_start", backendStart, "xact_start", xact, "query_start", query, "state_change", query,
			"state", a.State, "query", a.Query, "backend_type", "client backend")
	}
}

func fillTables(s *rowSet) {
	for i := range s.c.tables {
		t := &s.c.tables[i]
		s.add("schemaname", t.schema, "tablename", t.Name, "tableowner", BootstrapUser, "hasindexes", t.pkey != nil,
			"hasrules", false, "hastriggers", false, "rowsecurity", false)
	}
	for _, r := range relations {
		if r.Kind == 'r' {
			var space any
			if sharedCatalogs[r.Name] {
				space = "pg_global"
			}
			s.add("schemaname", r.Schema, "tablename", r.Name, "tableowner", BootstrapUser, "tablespace", space,
				"hasindexes", false, "hasrules", false, "hastriggers", false, "rowsecurity", false)
		}
	}
}

// fillViews lists the emulated views. Their definitions are not SQL
// Apiary could show, so definition is NULL.
func fillViews(s *rowSet) {
	for _, r := range relations {
		if r.Kind == 'v' {
			s.add("schemaname", r.Schema, "viewname", r.Name, "viewowner", BootstrapUser)
		}
	}
}
