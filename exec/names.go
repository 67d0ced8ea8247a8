package exec

import (
	"context"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/sqlerr"
)

// schemaName resolves a schema name as CREATE/DROP SCHEMA write it: "box" in
// the current hive, or "hive.box".
func (s *Session) schemaName(p tree.ObjectNamePrefix) (hive, box string, err error) {
	hive = s.hive
	if p.ExplicitCatalog {
		hive = string(p.CatalogName)
	}
	box = string(p.SchemaName)
	if box == "" {
		return "", "", sqlerr.New(sqlerr.SyntaxError, "schema name missing")
	}
	return hive, box, nil
}

// frameRef is a resolved frame name.
type frameRef struct {
	hive, box, name string
}

// candidates returns where an (unresolved) frame name may live, in the order
// the lookup tries them: hive.box.frame is exact; box.frame is first a box of
// the current hive, then hive.public.frame; a bare name walks the search path.
func (s *Session) candidates(tn *tree.TableName) []frameRef {
	name := string(tn.ObjectName)
	switch {
	case tn.ExplicitCatalog:
		return []frameRef{{string(tn.CatalogName), string(tn.SchemaName), name}}
	case tn.ExplicitSchema:
		q := string(tn.SchemaName)
		return []frameRef{{s.hive, q, name}, {q, catalog.DefaultBox, name}}
	}
	refs := make([]frameRef, 0, len(s.searchPath))
	for _, box := range s.searchPath {
		refs = append(refs, frameRef{s.hive, box, name})
	}
	return refs
}

// resolveFrame finds an existing frame.
func (s *Session) resolveFrame(ns *catalog.Namespace, tn *tree.TableName) (catalog.FrameEntry, error) {
	for _, ref := range s.candidates(tn) {
		if f, ok := ns.Frame(ref.hive, ref.box, ref.name); ok {
			return f, nil
		}
	}
	return catalog.FrameEntry{}, s.errUndefinedRelation(tn)
}

// errUndefinedRelation is 42P01 for tn, worded as PostgreSQL words it:
// the name's parts joined by dots, unquoted, without the database when it
// is the current one (the only one PostgreSQL can name). That text cannot
// be split back into parts ("a.b" may be one name), so the parts travel
// as the cause, for withNamePosition.
func (s *Session) errUndefinedRelation(tn *tree.TableName) error {
	written := writtenRelation{string(tn.ObjectName)}
	if tn.ExplicitSchema {
		written = writtenRelation{string(tn.SchemaName), string(tn.ObjectName)}
	}
	shown := written
	if tn.ExplicitCatalog {
		written = append(writtenRelation{string(tn.CatalogName)}, written...)
		if string(tn.CatalogName) != s.hive {
			shown = written
		}
	}
	return sqlerr.Wrap(written, sqlerr.UndefinedTable, "relation \"%s\" does not exist", strings.Join(shown, "."))
}

// writtenRelation is a relation's name as a statement writes it, one
// element per dotted part.
type writtenRelation []string

func (w writtenRelation) Error() string { return strings.Join(w, ".") }

// newFrameRef decides where CREATE TABLE puts a new frame: the explicit
// qualification, or the first existing box of the search path.
func (s *Session) newFrameRef(ns *catalog.Namespace, tn *tree.TableName) (frameRef, error) {
	cands := s.candidates(tn)
	if tn.ExplicitCatalog {
		return cands[0], nil
	}
	for _, ref := range cands {
		if _, ok := ns.Box(ref.hive, ref.box); ok {
			return ref, nil
		}
	}
	if tn.ExplicitSchema {
		return frameRef{}, sqlerr.New(sqlerr.UndefinedSchema, "schema \"%s\" does not exist", string(tn.SchemaName))
	}
	return frameRef{}, sqlerr.New(sqlerr.UndefinedSchema, "no schema has been selected to create in")
}

// namespace returns the namespace the session sees right now.
func (s *Session) namespace(ctx context.Context) (*catalog.Namespace, error) {
	if s.txn != nil {
		return s.eng.catalog.InTxn(ctx, s.txn)
	}
	return s.eng.catalog.Latest(ctx)
}
