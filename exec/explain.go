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
	var lines []string
	d, err := s.prepareDistributed(ctx, sel, t)
	if err != nil {
		return Result{}, err
	}
	p := s.planner(ctx, t)
	if d != nil {
		// The coordinator's plan, over the fragments' rows: gathered
		// for ANALYZE, none for a plain EXPLAIN.
		defer d.release()
		lines = d.explainLines()
		sel = d.cut.stmt
		if analyze {
			mem, err := s.gather(ctx, d)
			if err != nil {
				return Result{}, err
			}
			p = s.plannerWithMemory(ctx, t, mem)
		}
	}
	planLines, err := p.Explain(sel, analyze)
	if err != nil {
		return Result{}, err
	}
	lines = append(lines, planLines...)
	rows := make([][]*string, len(lines))
	for i := range lines {
		rows[i] = []*string{&lines[i]}
	}
	return Result{Tag: "EXPLAIN", Rows: textTable([]string{"QUERY PLAN"}, rows)}, nil
}
