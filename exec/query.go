package exec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// txnCatalog resolves frames for the planner as one transaction sees them:
// its snapshot of each frame plus its own pending writes.
type txnCatalog struct {
	s *Session
	t *txn.Txn
}

func (c txnCatalog) Table(ctx context.Context, tn *tree.TableName) (*plan.Table, error) {
	s := c.s
	if !tn.ExplicitSchema && s.partials != nil {
		if t, ok := s.partials[string(tn.ObjectName)]; ok {
			return t, nil
		}
	}
	// pg_catalog and information_schema first (pgcatalog.go).
	if vt, ok, err := s.virtualTable(ctx, c.t, tn); ok || err != nil {
		return vt, err
	}
	// Reading a frame is what admission control may hold a query back
	// for (colony_admission.go).
	if err := s.admitFrameRead(ctx); err != nil {
		return nil, err
	}
	ns, err := s.namespace(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.resolveFrame(ns, tn)
	if err != nil {
		return nil, err
	}
	if c.t == s.txn {
		// The block's own buffered rows must be visible to its reads.
		if err := s.flushFrame(ctx, f.Prefix()); err != nil {
			return nil, err
		}
	}
	ledger := s.eng.txns.Ledger(f.Prefix())
	snap, err := c.t.Read(ctx, ledger)
	if err != nil {
		return nil, err
	}
	md := snap.Metadata
	pending := c.t.Pending(ledger)
	if pending.Metadata != nil {
		md = pending.Metadata
	}
	if md == nil {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q has no schema", f.Name)
	}
	schema, err := cell.NewSchema(md.Columns, md.PartitionBy)
	if err != nil {
		return nil, err
	}
	cols, err := frameSchema(md)
	if err != nil {
		return nil, err
	}
	t := &plan.Table{
		Hive:   f.Hive,
		Box:    f.Box,
		Name:   f.Name,
		Schema: schema,
		Store:  &s.eng.scans,
		Prefix: f.Prefix(),
		Cells:  visibleCells(snap, pending),
	}
	if cells, ok := s.fragmentCells[f.Prefix()]; ok {
		// A swarm fragment reads the cells its coordinator gave it.
		t.Cells = cells
	}
	for _, c := range cols {
		t.Columns = append(t.Columns, plan.Column{Name: c.Name, Type: c.Type})
	}
	return t, nil
}

// bees is how many workers a query's parallel pipelines use: one per core,
// or the configured number.
func (e *Engine) bees() int {
	if e.cfg.Bees > 0 {
		return e.cfg.Bees
	}
	return runtime.GOMAXPROCS(0)
}

// spill returns where this engine's queries spill, nil when disabled.
func (e *Engine) spill() *colexec.Spill {
	switch e.cfg.SpillDir {
	case "off":
		return nil
	case "":
		return &colexec.Spill{Dir: filepath.Join(os.TempDir(), "apiary-spill")}
	}
	return &colexec.Spill{Dir: e.cfg.SpillDir}
}

// queryMemory returns a fresh memory account for one query: the chambers
// of all the bees that run it.
func (e *Engine) queryMemory() *colexec.Memory {
	return colexec.NewMemory(e.cfg.BeeMemory * int64(e.bees()))
}

// env returns the evaluation environment of a statement.
func (s *Session) env() *expr.Env {
	tf := s.TextFormat()
	// The statement's pg_catalog view answers reg* casts and catalog
	// functions (pgcatalog.go).
	view := s.statementView()
	now := s.statementTime
	if now.IsZero() {
		now = time.Now()
	}
	return &expr.Env{Loc: tf.Loc, Now: now, Settings: settingsView{s},
		FloatDigits: tf.FloatDigits, ByteaEscape: tf.ByteaEscape, Catalog: view, Session: view}
}

// planner returns a planner for a statement reading in transaction t, with
// the statement's memory account, bees and spill directory.
func (s *Session) planner(ctx context.Context, t *txn.Txn) *plan.Planner {
	return s.plannerWithMemory(ctx, t, s.queryMemory())
}

// plannerWithMemory is planner with a memory account the caller has
// already charged (a distributed query's gathered rows).
func (s *Session) plannerWithMemory(ctx context.Context, t *txn.Txn, mem *colexec.Memory) *plan.Planner {
	return plan.New(ctx, txnCatalog{s: s, t: t}, plan.Options{Env: s.env(), Mem: mem, Bees: s.eng.bees(),
		Spill: s.eng.spill(), ScanTotals: &s.eng.scans.totals})
}

// query plans and starts a SELECT.
func (s *Session) query(ctx context.Context, n *tree.Select) (Result, error) {
	deadline, err := s.statementDeadline()
	if err != nil {
		return Result{}, err
	}
	t, done := s.readTxn()
	pctx := ctx
	if !deadline.IsZero() {
		// Planning may run uncorrelated subqueries: they count too.
		var cancel context.CancelFunc
		pctx, cancel = context.WithDeadline(ctx, deadline)
		defer cancel()
	}
	op, cols, distributed, err := s.planDistributed(pctx, n, t)
	if !distributed && err == nil {
		op, cols, err = s.planner(pctx, t).Select(n)
	}
	if err != nil {
		done()
		return Result{}, timeoutError(err, pctx)
	}
	out := s.resultColumns(ctx, cols)
	return Result{Tag: "SELECT", Rows: &opRows{op: op, cols: out, done: done, deadline: deadline}}, nil
}

// statementDeadline returns when the statement started now must stop under
// the session's statement_timeout (zero time: no limit).
func (s *Session) statementDeadline() (time.Time, error) {
	d := s.StatementTimeout()
	if d <= 0 {
		return time.Time{}, nil
	}
	return time.Now().Add(d), nil
}

// opRows streams an operator's batches as a Result's rows.
type opRows struct {
	op   colexec.Operator
	cols []Column
	done func()
	// deadline is the statement_timeout's; the first Next derives the
	// context every later call uses, so the bees started then live on
	// until the statement ends.
	deadline time.Time
	ctx      context.Context
	cancel   context.CancelFunc
}

func (r *opRows) Columns() []Column { return r.cols }

func (r *opRows) Next(ctx context.Context) (b *vec.Batch, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", p)
		}
	}()
	if !r.deadline.IsZero() {
		if r.ctx == nil {
			r.ctx, r.cancel = context.WithDeadline(ctx, r.deadline)
		}
		ctx = r.ctx
	}
	b, err = r.op.Next(ctx)
	return b, timeoutError(err, ctx)
}

// timeoutError reports a statement stopped by statement_timeout as
// PostgreSQL does.
func timeoutError(err error, ctx context.Context) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return sqlerr.Wrap(err, sqlerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	return err
}

func (r *opRows) Close() {
	if r.cancel != nil {
		r.cancel()
	}
	if r.op != nil {
		r.op.Close()
		r.op = nil
	}
	if r.done != nil {
		r.done()
		r.done = nil
	}
}
