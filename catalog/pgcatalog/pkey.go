package pgcatalog

import (
	"strings"
)

// A frame's declared primary key appears as PostgreSQL shows one: a unique
// btree index named <frame>_pkey (pg_class relkind 'i', pg_index with
// indisprimary, its columns in pg_attribute) and a constraint of the same
// name (pg_constraint contype 'p'), listed by pg_indexes,
// information_schema.table_constraints, key_column_usage and
// constraint_column_usage, and described by pg_get_indexdef and
// pg_get_constraintdef. Apiary does not enforce it.

// primaryKey is a frame's primary key as the catalogs show it.
type primaryKey struct {
	name     string // the index's and the constraint's
	indexOID uint32
	conOID   uint32
	attnums  []int16  // the key columns' attnums, in key order
	columns  []string // their names
}

// defaultBtreeOpclass is the default btree operator class of each type a
// key column may have (pg_index.indclass), as PostgreSQL 15 numbers them.
var defaultBtreeOpclass = map[uint32]uint32{
	16: 10003, 17: 10006, 18: 10007, 19: 10028, 20: 3124, 21: 1979, 23: 1978, 25: 3126, 26: 1981,
	700: 10012, 701: 3123, 1042: 10004, 1043: 3126, 1082: 3122, 1114: 3128, 1184: 3127, 1186: 10022, 1700: 3125,
}

// newPrimaryKey describes e's primary key, nil when it has none or names a
// column the frame lacks.
func newPrimaryKey(e *tableEntry, indexOID, conOID uint32) *primaryKey {
	if len(e.PrimaryKey) == 0 {
		return nil
	}
	pk := &primaryKey{name: constraintName(e.Name, "pkey"), indexOID: indexOID, conOID: conOID}
	for _, name := range e.PrimaryKey {
		found := false
		for i, c := range e.Columns {
			if c.Name == name {
				pk.attnums = append(pk.attnums, int16(i+1))
				pk.columns = append(pk.columns, name)
				found = true
				break
			}
		}
		if !found {
			return nil
		}
	}
	return pk
}

// constraintName is PostgreSQL's name for a table's constraint or index:
// the table's name and a label joined by "_", the table's part cut (on a
// character boundary) so that the whole fits in a name's 63 bytes.
func constraintName(table, label string) string {
	room := 63 - len(label) - 1
	if len(table) > room {
		cut := room
		for cut > 0 && table[cut]&0xc0 == 0x80 {
			cut--
		}
		table = table[:cut]
	}
	return table + "_" + label
}

// keyList is "(a, b)" with each name quoted as needed.
func (pk *primaryKey) keyList() string {
	q := make([]string, len(pk.columns))
	for i, c := range pk.columns {
		q[i] = QuoteIdent(c)
	}
	return "(" + strings.Join(q, ", ") + ")"
}

// indexDef is pg_get_indexdef: the CREATE INDEX statement, the table
// qualified with its schema unless pretty output finds it by search path.
func (c *Catalog) indexDef(e *tableEntry, pretty bool) string {
	table := QualifiedName(e.schema, e.Name)
	if pretty && c.RelationVisible(e.oid) {
		table = QuoteIdent(e.Name)
	}
	return "CREATE UNIQUE INDEX " + QuoteIdent(e.pkey.name) + " ON " + table + " USING btree " + e.pkey.keyList()
}

// IndexDef is pg_get_indexdef(oid, column, pretty): the whole definition
// for column 0, else the column's name; ok is false for an unknown index
// or column.
func (c *Catalog) IndexDef(oid uint32, column int, pretty bool) (string, bool) {
	e, ok := c.indexByOID[oid]
	if !ok {
		return "", false
	}
	if column == 0 {
		return c.indexDef(e, pretty), true
	}
	if column < 0 || column > len(e.pkey.columns) {
		return "", false
	}
	return QuoteIdent(e.pkey.columns[column-1]), true
}

// ConstraintDef is pg_get_constraintdef: "PRIMARY KEY (a, b)".
func (c *Catalog) ConstraintDef(oid uint32) (string, bool) {
	e, ok := c.conByOID[oid]
	if !ok {
		return "", false
	}
	return "PRIMARY KEY " + e.pkey.keyList(), true
}

// keyColumnsTypes returns the pg_index vectors of a key: indcollation and
// indclass per column.
func (e *tableEntry) keyColumnsTypes() (collations, opclasses []uint32) {
	for _, n := range e.pkey.attnums {
		oid := e.Columns[n-1].Type.OID()
		var coll uint32
		if t, ok := typesByOID[oid]; ok {
			coll = t.collation
		}
		collations = append(collations, coll)
		opclasses = append(opclasses, defaultBtreeOpclass[oid])
	}
	return collations, opclasses
}

func fillIndex(s *rowSet) {
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		collations, opclasses := e.keyColumnsTypes()
		n := int16(len(e.pkey.attnums))
		s.add("indexrelid", e.pkey.indexOID, "indrelid", e.oid, "indnatts", n, "indnkeyatts", n,
			"indisunique", true, "indnullsnotdistinct", false, "indisprimary", true, "indisexclusion", false,
			"indimmediate", true, "indisclustered", false, "indisvalid", true, "indcheckxmin", false,
			"indisready", true, "indislive", true, "indisreplident", false,
			"indkey", e.pkey.attnums, "indcollation", collations, "indclass", opclasses, "indoption", make([]int16, n))
	}
}

func fillConstraint(s *rowSet) {
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		s.add("oid", e.pkey.conOID, "conname", e.pkey.name, "connamespace", e.nsOID, "contype", byte('p'),
			"condeferrable", false, "condeferred", false, "convalidated", true, "conrelid", e.oid,
			"contypid", uint32(0), "conindid", e.pkey.indexOID, "conparentid", uint32(0), "confrelid", uint32(0),
			"confupdtype", byte(' '), "confdeltype", byte(' '), "confmatchtype", byte(' '), "conislocal", true,
			"coninhcount", int32(0), "connoinherit", true, "conkey", e.pkey.attnums)
	}
}

func fillIndexes(s *rowSet) {
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		s.add("schemaname", e.schema, "tablename", e.Name, "indexname", e.pkey.name, "indexdef", s.c.indexDef(e, false))
	}
}

func fillTableConstraints(s *rowSet) {
	db := s.c.in.Database
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		s.add("constraint_catalog", db, "constraint_schema", e.schema, "constraint_name", e.pkey.name,
			"table_catalog", db, "table_schema", e.schema, "table_name", e.Name, "constraint_type", "PRIMARY KEY",
			"is_deferrable", "NO", "initially_deferred", "NO", "enforced", "YES")
	}
}

func fillKeyColumnUsage(s *rowSet) {
	db := s.c.in.Database
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		for k, col := range e.pkey.columns {
			s.add("constraint_catalog", db, "constraint_schema", e.schema, "constraint_name", e.pkey.name,
				"table_catalog", db, "table_schema", e.schema, "table_name", e.Name, "column_name", col,
				"ordinal_position", int32(k+1))
		}
	}
}

func fillConstraintColumnUsage(s *rowSet) {
	db := s.c.in.Database
	for i := range s.c.tables {
		e := &s.c.tables[i]
		if e.pkey == nil {
			continue
		}
		for _, col := range e.pkey.columns {
			s.add("table_catalog", db, "table_schema", e.schema, "table_name", e.Name, "column_name", col,
				"constraint_catalog", db, "constraint_schema", e.schema, "constraint_name", e.pkey.name)
		}
	}
}
