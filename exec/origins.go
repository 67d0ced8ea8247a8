package exec

import (
	"context"

	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/exec/plan"
)

// resultColumns turns the planner's result columns into the session's,
// naming the pg_class OID and attribute number of each column read
// unchanged from a frame of the current hive, as PostgreSQL's
// RowDescription does: drivers ask the catalog about them (pgJDBC's
// ResultSetMetaData). The OIDs come from names alone (pgcatalog's
// RelationOIDs), so no frame's metadata is read.
func (s *Session) resultColumns(ctx context.Context, cols []plan.Column) []Column {
	out := make([]Column, len(cols))
	var oids map[[2]string]uint32
	for i, c := range cols {
		out[i] = Column{Name: c.Name, Type: c.Type}
		o := c.Origin
		if o == nil || o.Hive != s.hive || o.Attnum > 1<<15-1 {
			continue
		}
		if oids == nil {
			oids = s.relationOIDs(ctx)
		}
		if oid, ok := oids[[2]string{o.Box, o.Frame}]; ok {
			out[i].TableOID, out[i].AttNum = oid, int16(o.Attnum)
		}
	}
	return out
}

// relationOIDs numbers the frames of the session's hive as pg_class does.
func (s *Session) relationOIDs(ctx context.Context) map[[2]string]uint32 {
	ns, err := s.namespace(ctx)
	if err != nil {
		// The columns are described without origins; nothing is wrong
		// with the query itself.
		return map[[2]string]uint32{}
	}
	in := &pgcatalog.Input{Database: s.hive, User: s.user, SessionUser: s.user}
	for _, h := range ns.Hives() {
		in.Databases = append(in.Databases, h.Name)
	}
	for _, b := range ns.Boxes(s.hive) {
		in.Schemas = append(in.Schemas, b.Name)
	}
	for _, f := range ns.Frames(s.hive, "") {
		in.Tables = append(in.Tables, pgcatalog.Table{Schema: f.Box, Name: f.Name})
	}
	return pgcatalog.RelationOIDs(in)
}
