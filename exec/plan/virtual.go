package plan

import (
	"context"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// virtualScan reads a virtual table: its in-memory rows, every column,
// through the filters pushed into the scan. The batch is shared with other
// queries, so the scan works on a copy of its header and never writes to
// it.
func (b *builder) virtualScan(n *scanNode, env *expr.Env) (colexec.Operator, []int, error) {
	t := n.table
	types := make([]vec.Type, len(t.Columns))
	m := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		types[i], m[i] = c.Type, i
	}
	rows := *t.Virtual
	var op colexec.Operator = colexec.NewValues(types, &rows)
	for _, f := range n.filters {
		op = colexec.NewFilter(op, f, env)
	}
	return op, m, nil
}

// TableFunctions is optionally implemented by a Catalog whose
// set-returning functions without arguments are in-memory tables
// (pg_get_keywords()).
type TableFunctions interface {
	// TableFunction returns the rows of name() as a virtual table; ok is
	// false when name is no such function.
	TableFunction(ctx context.Context, name string) (t *Table, ok bool, err error)
}

// tableFunction plans FROM name() when the catalog serves name as a
// virtual table; ok is false otherwise.
func (p *Planner) tableFunction(a *tree.AliasedTableExpr, fs []*tree.FuncExpr) (*unit, bool, error) {
	tf, ok := p.cat.(TableFunctions)
	if !ok || len(fs) != 1 || len(fs[0].Exprs) != 0 || a.Ordinality {
		return nil, false, nil
	}
	name := strings.TrimPrefix(funcName(fs[0]), "pg_catalog.")
	tab, ok, err := tf.TableFunction(p.ctx, name)
	if err != nil || !ok {
		return nil, false, err
	}
	alias := string(a.As.Alias)
	if alias == "" {
		alias = name
	}
	if len(a.As.Cols) > len(tab.Columns) {
		return nil, false, sqlerr.New(sqlerr.InvalidColumnReference, "table %q has %d columns available but %d columns specified", alias, len(tab.Columns), len(a.As.Cols))
	}
	cols := make([]column, len(tab.Columns))
	for i, c := range tab.Columns {
		cols[i] = column{table: alias, name: c.Name, typ: c.Type}
	}
	for i, c := range a.As.Cols {
		cols[i].name = string(c.Name)
	}
	rows := float64(tab.Rows()) + 1
	return &unit{n: &scanNode{table: tab}, cols: cols, rows: rows, full: rows}, true, nil
}
