package plan

import (
	"context"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// Column is a result column.
type Column struct {
	Name string
	Type vec.Type
}

// Table is a frame as a transaction sees it.
type Table struct {
	Name    string
	Columns []Column
	Schema  *cell.Schema
	Store   objstore.Store
	Prefix  string
	Cells   []txn.AddCell
}

// Rows estimates the table's row count from the ledger.
func (t *Table) Rows() int64 {
	var n int64
	for _, c := range t.Cells {
		n += c.Rows
	}
	return n
}

// Catalog resolves table names for the planner; exec implements it over the
// session's transaction.
type Catalog interface {
	Table(ctx context.Context, tn *tree.TableName) (*Table, error)
}

// Options are the per-statement settings planning depends on.
type Options struct {
	Env *expr.Env
	Mem *colexec.Memory
	// Bees is how many workers run each parallel pipeline; 0 or 1 runs
	// every plan in the calling goroutine.
	Bees int
	// Spill is where aggregations past the budget write partitions; nil
	// makes them fail with 53200 instead.
	Spill *colexec.Spill
}

// Planner plans one statement.
type Planner struct {
	ctx  context.Context
	cat  Catalog
	opts Options
	ctes []map[string]*cte
	corr []*corrFrame
}

type cte struct {
	name string
	sel  *tree.Select
	cols tree.ColumnDefList
}

// New returns a planner.
func New(ctx context.Context, cat Catalog, opts Options) *Planner {
	if opts.Env == nil {
		opts.Env = &expr.Env{}
	}
	return &Planner{ctx: ctx, cat: cat, opts: opts}
}

// Select plans a SELECT and returns the operator producing its rows and the
// result columns.
func (p *Planner) Select(sel *tree.Select) (colexec.Operator, []Column, error) {
	n, cols, err := p.planSelect(sel, nil)
	if err != nil {
		return nil, nil, err
	}
	op, m, err := (&builder{p: p}).input(n, all(len(cols)))
	if err != nil {
		return nil, nil, err
	}
	op = denseColumns(op, m, p.opts.Env)
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.typ}
	}
	return op, out, nil
}
