package exec

import (
	"context"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
)

// explain answers EXPLAIN and EXPLAIN ANALYZE for SELECT statements with
// one text column, "QUERY PLAN", as PostgreSQL does.
func (s *Session) explain(ctx context.Context, stmt tree.Statement, analyze bool) (Result, error) {
	sel, ok := stmt.(*tree.Select)
	if !ok {
		return Result{}, unsupported("EXPLAIN supports SELECT statements only")
	}
	t, done := s.readTxn()
	defer done()
	p := s.planner(ctx, t)
	lines, err := p.Explain(sel, analyze)
	if err != nil {
		return Result{}, err
	}
	rows := make([][]*string, len(lines))
	for i := range lines {
		rows[i] = []*string{&lines[i]}
	}
	return Result{Tag: "EXPLAIN", Rows: textTable([]string{"QUERY PLAN"}, rows)}, nil
}
