package exec

import (
	"context"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/txn"
)

// selectStmt plans and starts a SELECT (exec/plan builds the operators).
func (s *Session) selectStmt(ctx context.Context, n *tree.Select) (Result, error) {
	return s.query(ctx, n)
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
