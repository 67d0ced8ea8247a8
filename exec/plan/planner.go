package plan

import (
	"context"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Column is a result column.
type Column struct {
	Name string
	Type vec.Type
	// Origin is the frame column a result column reads unchanged, nil
	// for computed ones: clients ask the catalog about it (pgJDBC's
	// ResultSetMetaData.isNullable).
	Origin *Origin
}

// Origin is a frame column: its frame and 1-based position.
type Origin struct {
	Hive, Box, Frame string
	Attnum           int
}

// Table is a frame as a transaction sees it, or a virtual table.
type Table struct {
	// Hive and Box place a frame in the namespace ("" for virtual
	// tables); result columns read straight from a frame name it as their
	// origin (Column.Origin).
	Hive, Box string
	Name      string
	Columns   []Column
	Schema    *cell.Schema
	Store     objstore.Store
	Prefix    string
	Cells     []txn.AddCell
	// Virtual, when set, holds all the rows of a table that lives in
	// memory rather than in cells (pg_catalog, information_schema); Schema,
	// Store, Prefix and Cells are then unused. Scans read it without
	// modifying it, so one batch may serve several queries.
	Virtual *vec.Batch
}

// Rows estimates the table's row count from the ledger.
func (t *Table) Rows() int64 {
	if t.Virtual != nil {
		return int64(t.Virtual.Len)
	}
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
	// ScanTotals, when set, accumulates what the statement's scans read
	// into the node's running totals (metrics).
	ScanTotals *colexec.ScanTotals
	// Params describes the $n placeholders of a statement being prepared;
	// nil when the statement has none (a placeholder is then 42P02).
	// Planning with Params set only describes: uncorrelated subqueries are
	// not run.
	Params *Params
}

// Params are the placeholders of a statement being described: the types
// the client declared, and slots receiving the types the context gives the
// others.
type Params struct {
	// Declared[i] is the type the client gave $i+1; the zero Type
	// (KindUnknown) leaves it to be inferred.
	Declared []vec.Type
	slots    []expr.ParamSlot
}

// NewParams returns the placeholders $1..$n with the declared types.
func NewParams(declared []vec.Type) *Params {
	return &Params{Declared: declared, slots: make([]expr.ParamSlot, len(declared))}
}

// Types returns each placeholder's type: declared, inferred from its
// context, or text when nothing settled it (PostgreSQL's unknown).
func (ps *Params) Types() []vec.Type {
	out := make([]vec.Type, len(ps.Declared))
	for i, t := range ps.Declared {
		switch {
		case t.Kind != vec.KindUnknown:
			out[i] = t
		case ps.slots[i].Set:
			out[i] = ps.slots[i].Type
		default:
			out[i] = vec.Text
		}
	}
	return out
}

// placeholder binds $n while describing.
func (ps *Params) placeholder(idx int) (expr.Expr, error) {
	if ps == nil || idx < 0 || idx >= len(ps.Declared) {
		return nil, sqlerr.New(sqlerr.UndefinedParameter, "there is no parameter $%d", idx+1)
	}
	if t := ps.Declared[idx]; t.Kind != vec.KindUnknown {
		return expr.NullConst(t), nil
	}
	return expr.ParamLiteral(&ps.slots[idx]), nil
}

// Planner plans one statement.
type Planner struct {
	ctx  context.Context
	cat  Catalog
	opts Options
	ctes []map[string]*cte
	corr []*corrFrame
	// depth counts the planSelect calls in progress: 1 is the statement's
	// own query, whose reg* columns print as names (regout.go).
	depth int
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
		out[i] = Column{Name: c.name, Type: c.typ, Origin: c.origin}
	}
	return op, out, nil
}

// Describe returns the result columns of a SELECT without building or
// running anything; with Options.Params it also settles the placeholders'
// types.
func (p *Planner) Describe(sel *tree.Select) ([]Column, error) {
	_, cols, err := p.planSelect(sel, nil)
	if err != nil {
		return nil, err
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.typ, Origin: c.origin}
	}
	return out, nil
}
