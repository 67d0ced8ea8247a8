package pgcatalog

import (
	"sort"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
)

// BootstrapUser is the role that owns every object, with PostgreSQL's
// bootstrap superuser OID 10: the user a fresh Apiary node accepts.
const BootstrapUser = "apiary"

// DatabaseOwnerRole is PostgreSQL's predefined role standing for a
// database's owner, which owns the public schema since PostgreSQL 15; it
// cannot log in.
const DatabaseOwnerRole = "pg_database_owner"

// Input is what the emulation is built from: one hive's namespace as a
// session sees it, plus the session's identity and settings.
type Input struct {
	// Database is the session's hive (current_database()).
	Database string
	// Databases lists every hive, for pg_database.
	Databases []string
	// Schemas lists the boxes of Database.
	Schemas []string
	// Tables lists the frames of Database with their columns and sizes.
	Tables []Table
	// User is current_user; SessionUser is session_user.
	User, SessionUser string
	// Roles lists the configured users besides BootstrapUser and User, if
	// the node knows them.
	Roles []string
	// SearchPath is the session's search_path as set, "$user" included;
	// pg_catalog is searched first unless it is listed.
	SearchPath []string
	// Functions lists the names (lower case) of the functions, aggregates
	// and window functions the engine runs; pg_proc lists PostgreSQL's
	// built-in functions of those names over the types pg_type lists.
	Functions []string
	// Settings are pg_settings' rows.
	Settings []Setting
	// Activity are pg_stat_activity's rows.
	Activity []Activity
}

// Table is a frame as the catalogs describe it.
type Table struct {
	Schema, Name string
	Columns      []TableColumn
	// Rows and Bytes are the frame's live row count and stored bytes
	// (from its ledger).
	Rows, Bytes int64
	// PrimaryKey names the columns of the frame's declared primary key,
	// in key order; nil when it has none. Apiary does not enforce it, but
	// clients read it (getPrimaryKeys, Metabase's entity keys), so it is
	// shown as PostgreSQL shows one: a unique btree index <frame>_pkey
	// and a constraint of the same name (pkey.go).
	PrimaryKey []string
}

// TableColumn is one column of a frame.
type TableColumn struct {
	Name    string
	Type    vec.Type
	NotNull bool
}

// Setting is one row of pg_settings, with PostgreSQL's column meanings.
// Empty strings other than Setting are NULL.
type Setting struct {
	Name, Setting, Unit, Category, ShortDesc, ExtraDesc, Context, Vartype, Source string
	MinVal, MaxVal                                                                string
	EnumVals                                                                      []string
	BootVal, ResetVal                                                             string
	PendingRestart                                                                bool
}

// Activity is one row of pg_stat_activity: a session of this node.
type Activity struct {
	PID             int32
	User            string
	Database        string
	ApplicationName string
	ClientAddr      string // "" when unknown
	ClientPort      int32  // -1 for a Unix socket, 0 when unknown
	BackendStart    time.Time
	XactStart       time.Time // zero when idle
	QueryStart      time.Time
	State           string // "active", "idle", "idle in transaction"
	Query           string
}

// Catalog is the emulation built for one Input: every object numbered, and
// the rows of each relation on demand. It is immutable and safe for
// concurrent use.
type Catalog struct {
	in *Input

	databases  []named // sorted by name
	namespaces []named // pg_catalog, public, information_schema first, then boxes
	roles      []named
	tables     []tableEntry

	nsByName  map[string]uint32
	nsByOID   map[uint32]string
	relByOID  map[uint32]*tableEntry
	relByName map[[2]string]*tableEntry
	// indexByOID, indexByName and conByOID find the frame a primary key's
	// index or constraint belongs to.
	indexByOID  map[uint32]*tableEntry
	indexByName map[[2]string]*tableEntry
	conByOID    map[uint32]*tableEntry
	roleByOID   map[uint32]string
	roleByNam   map[string]uint32
	dbByName    map[string]uint32
	dbByOID     map[uint32]string

	procs []*procInfo // pg_proc's rows
	// path is the effective search path: namespace OIDs in search order.
	path []uint32
}

type named struct {
	oid  uint32
	name string
}

type tableEntry struct {
	oid    uint32
	nsOID  uint32
	schema string
	Table
	// pkey is the primary key's index and constraint, nil without one.
	pkey *primaryKey
}

// allocateOIDs numbers the user objects of in. Everything but a primary
// key's index and constraint depends on names alone, and is numbered first:
// a relation's OID can then be computed from the namespace without reading
// any frame's metadata (RelationOIDs).
func allocateOIDs(in *Input) *allocator {
	a := newAllocator()
	// Shared objects first, from names alone: the OIDs of hives and roles
	// are the same whichever hive a session is in.
	a.reserve(oidKey{kind: kindRole, parts: [3]string{BootstrapUser}}, OIDBootstrapSuperuser)
	a.reserve(oidKey{kind: kindRole, parts: [3]string{DatabaseOwnerRole}}, OIDDatabaseOwner)
	var shared []oidKey
	for _, d := range in.Databases {
		shared = append(shared, oidKey{kind: kindDatabase, parts: [3]string{d}})
	}
	for _, r := range sessionRoles(in) {
		shared = append(shared, oidKey{kind: kindRole, parts: [3]string{r}})
	}
	a.assign(shared)
	// Then the hive's own objects; fixed schema OIDs are taken first.
	for name, oid := range schemaOIDs {
		if name != "public" {
			a.reserve(oidKey{kind: kindNamespace, parts: [3]string{in.Database, name}}, oid)
		}
	}
	var local, keys []oidKey
	for _, s := range in.Schemas {
		if s == "public" {
			a.reserve(oidKey{kind: kindNamespace, parts: [3]string{in.Database, s}}, OIDPublic)
			continue
		}
		local = append(local, oidKey{kind: kindNamespace, parts: [3]string{in.Database, s}})
	}
	for _, t := range in.Tables {
		local = append(local, oidKey{kind: kindRelation, parts: [3]string{in.Database, t.Schema, t.Name}})
		if len(t.PrimaryKey) > 0 {
			keys = append(keys, oidKey{kind: kindIndex, parts: [3]string{in.Database, t.Schema, t.Name}},
				oidKey{kind: kindConstraint, parts: [3]string{in.Database, t.Schema, t.Name}})
		}
	}
	a.assign(local)
	a.assign(keys)
	return a
}

// sessionRoles are the roles in numbers: the built-in ones, the session's
// users and the configured ones.
func sessionRoles(in *Input) []string {
	var out []string
	for _, r := range append([]string{BootstrapUser, DatabaseOwnerRole, in.User, in.SessionUser}, in.Roles...) {
		if r != "" {
			out = append(out, r)
		}
	}
	return out
}

// RelationOIDs returns the OID of each frame of in.Tables, keyed by
// [schema, name], as Build numbers them. Only names are read (Database,
// Databases, Schemas, Tables' Schema and Name, the users), so callers may
// leave the columns and metadata out.
func RelationOIDs(in *Input) map[[2]string]uint32 {
	a := allocateOIDs(in)
	out := make(map[[2]string]uint32, len(in.Tables))
	for _, t := range in.Tables {
		out[[2]string{t.Schema, t.Name}] = a.oids[oidKey{kind: kindRelation, parts: [3]string{in.Database, t.Schema, t.Name}}]
	}
	return out
}

// Build numbers the objects of in and returns the emulation over them.
func Build(in *Input) *Catalog {
	c := &Catalog{
		in:          in,
		nsByName:    map[string]uint32{},
		nsByOID:     map[uint32]string{},
		relByOID:    map[uint32]*tableEntry{},
		relByName:   map[[2]string]*tableEntry{},
		indexByOID:  map[uint32]*tableEntry{},
		indexByName: map[[2]string]*tableEntry{},
		conByOID:    map[uint32]*tableEntry{},
		roleByOID:   map[uint32]string{},
		roleByNam:   map[string]uint32{},
		dbByName:    map[string]uint32{},
		dbByOID:     map[uint32]string{},
	}
	a := allocateOIDs(in)

	for _, d := range in.Databases {
		oid := a.oids[oidKey{kind: kindDatabase, parts: [3]string{d}}]
		c.databases = append(c.databases, named{oid, d})
		c.dbByName[d], c.dbByOID[oid] = oid, d
	}
	sort.Slice(c.databases, func(i, j int) bool { return c.databases[i].name < c.databases[j].name })
	for _, r := range sessionRoles(in) {
		if r == "" {
			continue
		}
		if _, dup := c.roleByNam[r]; dup {
			continue
		}
		oid := a.oids[oidKey{kind: kindRole, parts: [3]string{r}}]
		c.roles = append(c.roles, named{oid, r})
		c.roleByNam[r], c.roleByOID[oid] = oid, r
	}
	addNS := func(oid uint32, name string) {
		c.namespaces = append(c.namespaces, named{oid, name})
		c.nsByName[name], c.nsByOID[oid] = oid, name
	}
	addNS(OIDPgCatalog, SchemaPgCatalog)
	for _, s := range in.Schemas {
		if IsSystemSchema(s) {
			continue // a box cannot shadow the emulated schemas
		}
		addNS(a.oids[oidKey{kind: kindNamespace, parts: [3]string{in.Database, s}}], s)
	}
	addNS(schemaOIDs[SchemaInformationSchema], SchemaInformationSchema)
	c.tables = make([]tableEntry, 0, len(in.Tables))
	for _, t := range in.Tables {
		nsOID, ok := c.nsByName[t.Schema]
		if !ok || IsSystemSchema(t.Schema) {
			continue
		}
		c.tables = append(c.tables, tableEntry{
			oid:    a.oids[oidKey{kind: kindRelation, parts: [3]string{in.Database, t.Schema, t.Name}}],
			nsOID:  nsOID,
			schema: t.Schema,
			Table:  t,
		})
	}
	for i := range c.tables {
		e := &c.tables[i]
		c.relByOID[e.oid] = e
		c.relByName[[2]string{e.schema, e.Name}] = e
		e.pkey = newPrimaryKey(e, a.oids[oidKey{kind: kindIndex, parts: [3]string{in.Database, e.schema, e.Name}}],
			a.oids[oidKey{kind: kindConstraint, parts: [3]string{in.Database, e.schema, e.Name}}])
		if e.pkey != nil {
			c.indexByOID[e.pkey.indexOID] = e
			c.indexByName[[2]string{e.schema, e.pkey.name}] = e
			c.conByOID[e.pkey.conOID] = e
		}
	}
	c.path = c.effectivePath()
	c.procs = selectProcs(in.Functions)
	return c
}

// effectivePath resolves the search path to namespace OIDs as PostgreSQL
// does: pg_catalog first unless listed, "$user" meaning the schema named
// after the user, unknown schemas skipped.
func (c *Catalog) effectivePath() []uint32 {
	var out []uint32
	seen := map[uint32]bool{}
	add := func(name string) {
		if oid, ok := c.nsByName[name]; ok && !seen[oid] {
			seen[oid] = true
			out = append(out, oid)
		}
	}
	listed := false
	for _, s := range c.in.SearchPath {
		if s == SchemaPgCatalog {
			listed = true
		}
	}
	if !listed {
		add(SchemaPgCatalog)
	}
	for _, s := range c.in.SearchPath {
		if s == "$user" {
			s = c.in.User
		}
		add(s)
	}
	return out
}

// SearchPathSchemas returns the schemas of the effective search path, in
// order; implicit includes pg_catalog when the search path does not list
// it (current_schemas(true) against current_schemas(false)).
func (c *Catalog) SearchPathSchemas(implicit bool) []string {
	var out []string
	listed := false
	for _, s := range c.in.SearchPath {
		listed = listed || s == SchemaPgCatalog
	}
	for i, oid := range c.path {
		if i == 0 && !listed && !implicit {
			continue
		}
		out = append(out, c.nsByOID[oid])
	}
	return out
}

// CurrentSchema returns the first existing schema of the search path
// other than an implicit pg_catalog (current_schema()), "" when there is
// none.
func (c *Catalog) CurrentSchema() string {
	if s := c.SearchPathSchemas(false); len(s) > 0 {
		return s[0]
	}
	return ""
}
