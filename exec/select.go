package exec

import (
	"context"
	"strconv"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// selectStmt runs the SELECT forms the storage foundation needs end to end:
// a projection of columns (or *) from one frame, with an optional LIMIT.
// Everything else answers 0A000 until the vectorized planner lands.
func (s *Session) selectStmt(ctx context.Context, n *tree.Select) (Result, error) {
	if n.With != nil || len(n.OrderBy) > 0 {
		return Result{}, unsupported("WITH and ORDER BY are not supported yet")
	}
	sc, ok := n.Select.(*tree.SelectClause)
	if !ok {
		return Result{}, unsupported("this form of SELECT is not supported yet")
	}
	if sc.Where != nil || len(sc.GroupBy) > 0 || sc.Having != nil || sc.Distinct || len(sc.Window) > 0 {
		return Result{}, unsupported("WHERE, GROUP BY, HAVING, DISTINCT and windows are not supported yet")
	}
	if len(sc.From.Tables) != 1 {
		return Result{}, unsupported("SELECT needs exactly one frame in FROM for now")
	}
	ate, ok := sc.From.Tables[0].(*tree.AliasedTableExpr)
	if !ok {
		return Result{}, unsupported("joins and subqueries in FROM are not supported yet")
	}
	tn, ok := ate.Expr.(*tree.TableName)
	if !ok {
		return Result{}, unsupported("subqueries in FROM are not supported yet")
	}
	limit := int64(-1)
	if n.Limit != nil {
		if n.Limit.Offset != nil {
			return Result{}, unsupported("OFFSET is not supported yet")
		}
		if n.Limit.Count != nil {
			v, err := strconv.ParseInt(tree.AsString(n.Limit.Count), 10, 64)
			if err != nil || v < 0 {
				return Result{}, unsupported("LIMIT must be a non-negative integer constant for now")
			}
			limit = v
		}
	}

	t, done := s.readTxn()
	ns, err := s.namespace(ctx)
	if err != nil {
		done()
		return Result{}, err
	}
	f, err := s.resolveFrame(ns, tn)
	if err != nil {
		done()
		return Result{}, err
	}
	ledger := s.eng.txns.Ledger(f.Prefix())
	snap, err := t.Read(ctx, ledger)
	if err != nil {
		done()
		return Result{}, err
	}
	md := snap.Metadata
	pending := t.Pending(ledger)
	if pending.Metadata != nil {
		md = pending.Metadata
	}
	if md == nil {
		done()
		return Result{}, sqlerr.New(sqlerr.UndefinedTable, "relation %q has no schema", f.Name)
	}
	schema, err := frameSchema(md)
	if err != nil {
		done()
		return Result{}, err
	}
	proj, cols, err := bindProjection(sc.Exprs, schema)
	if err != nil {
		done()
		return Result{}, err
	}
	rows, err := newFrameScan(s.eng.store, f.Prefix(), visibleCells(snap, pending), proj, cols, limit, done)
	if err != nil {
		done()
		return Result{}, err
	}
	return Result{Tag: "SELECT", Rows: rows}, nil
}

// visibleCells are the cells a transaction sees: its snapshot's, plus its
// own additions, minus its own removals.
func visibleCells(snap *txn.Snapshot, p txn.Pending) []txn.AddCell {
	if p.Overwrite {
		return append([]txn.AddCell(nil), p.Adds...)
	}
	removed := map[string]bool{}
	for _, r := range p.Removes {
		removed[r.Path] = true
	}
	out := make([]txn.AddCell, 0, len(snap.Cells)+len(p.Adds))
	for _, c := range snap.Cells {
		if !removed[c.Path] {
			out = append(out, c)
		}
	}
	return append(out, p.Adds...)
}

// bindProjection resolves the select list against the frame's columns: * and
// frame.* expand to every column; names must match a column.
func bindProjection(exprs tree.SelectExprs, schema []Column) (proj []int, cols []Column, err error) {
	for _, se := range exprs {
		switch e := se.Expr.(type) {
		case tree.UnqualifiedStar, *tree.AllColumnsSelector:
			for i, c := range schema {
				proj = append(proj, i)
				cols = append(cols, c)
			}
			continue
		case *tree.UnresolvedName:
			if e.Star {
				for i, c := range schema {
					proj = append(proj, i)
					cols = append(cols, c)
				}
				continue
			}
			name := e.Parts[0]
			idx := -1
			for i, c := range schema {
				if c.Name == name {
					idx = i
					break
				}
			}
			if idx < 0 {
				return nil, nil, sqlerr.New(sqlerr.UndefinedColumn, "column %q does not exist", tree.AsString(e))
			}
			col := schema[idx]
			if se.As != "" {
				col.Name = string(se.As)
			}
			proj = append(proj, idx)
			cols = append(cols, col)
			continue
		}
		return nil, nil, unsupported("expressions in the select list are not supported yet: %s", tree.AsString(se.Expr))
	}
	return proj, cols, nil
}
