package plan

import (
	"context"
	"fmt"
	"sync"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Apply: a correlated subquery that decorrelation cannot turn into a join
// (correlated by other than equalities, an SRF over an outer column,
// ARRAY(...) of a correlated query) is planned and run again for each
// distinct combination of the enclosing row's values, which it reads as
// constants. That is a nested loop, fine for the catalog queries that need
// it (psql's \d asks for a table's policies and publications this way) and
// slow over big tables, where the planner's joins remain the way.

type applyKind uint8

const (
	applyScalar applyKind = iota
	applyArray
)

// apply binds sq, correlated with the binder's scope, as an applyExpr.
func (b *binder) apply(sq *tree.Subquery, kind applyKind) (expr.Expr, error) {
	sel, err := subquerySelect(sq)
	if err != nil {
		return nil, err
	}
	outerCols := b.scope.cols
	// Plan once over NULLs: it checks the subquery and gives its type.
	nulls := make([]*expr.Const, len(outerCols))
	for i, c := range outerCols {
		nulls[i] = expr.NullConst(c.typ)
	}
	ctes := append([]map[string]*cte(nil), b.p.ctes...)
	probe := &Planner{ctx: b.p.ctx, cat: b.p.cat, opts: b.p.opts, ctes: ctes, depth: 1}
	_, cols, err := probe.planSelect(sel, &scope{cols: outerCols, consts: nulls})
	if err != nil {
		return nil, err
	}
	if len(cols) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "subquery must return only one column")
	}
	elem := cols[0].typ
	typ := elem
	if kind == applyArray {
		if typ, err = arrayOfColumn(elem); err != nil {
			return nil, err
		}
	}
	opts := b.p.opts
	opts.Bees = 1
	refs := make([]expr.Expr, len(outerCols))
	for i, c := range outerCols {
		refs[i] = &expr.ColRef{Idx: i, Typ: c.typ, Name: qualified(c.table, c.name)}
	}
	return &applyExpr{shared: &applyShared{
		ctx: b.p.ctx, cat: b.p.cat, opts: opts, ctes: ctes, sel: sel, cols: outerCols,
		kind: kind, elem: elem, typ: typ, cache: map[string]*vec.Vec{},
	}, refs: refs}, nil
}

// applyShared is what every copy of an applyExpr (bees, remapped trees)
// shares, results cache included.
type applyShared struct {
	ctx  context.Context
	cat  Catalog
	opts Options
	ctes []map[string]*cte
	sel  *tree.Select
	cols []column
	kind applyKind
	elem vec.Type
	typ  vec.Type

	mu    sync.Mutex
	cache map[string]*vec.Vec // outer values (element-encoded) → one-row result
}

// applyExpr is the expression of an applied subquery; its children are
// the enclosing query's columns.
type applyExpr struct {
	shared *applyShared
	refs   []expr.Expr
}

func (e *applyExpr) Type() vec.Type        { return e.shared.typ }
func (e *applyExpr) String() string        { return fmt.Sprintf("(SubPlan %s)", tree.AsString(e.shared.sel)) }
func (e *applyExpr) Children() []expr.Expr { return e.refs }
func (e *applyExpr) WithChildren(c []expr.Expr) expr.Expr {
	return &applyExpr{shared: e.shared, refs: c}
}

// Volatile keeps the planner from folding an apply whose enclosing
// columns were all pruned away: it still depends on the row.
func (e *applyExpr) Volatile() bool { return len(e.refs) > 0 }

func (e *applyExpr) Eval(c *expr.Ctx, b *vec.Batch) (*vec.Vec, error) {
	vals := make([]*vec.Vec, len(e.refs))
	for i, r := range e.refs {
		v, err := r.Eval(c, b)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	n := b.PhysLen()
	out := c.Alloc(e.shared.typ, n)
	out.Reset()
	live := expr.Sel(b)
	k := 0
	var key []byte
	for i := 0; i < n; i++ {
		if live != nil {
			if k >= len(live) || int(live[k]) != i {
				out.AppendNull()
				continue
			}
			k++
		} else if i >= b.Len {
			out.AppendNull()
			continue
		}
		key = key[:0]
		for _, v := range vals {
			key = vec.AppendElem(key, v, i)
		}
		res, err := e.shared.result(string(key), vals, i)
		if err != nil {
			return nil, err
		}
		out.AppendFrom(res, 0)
	}
	return out, nil
}

// result runs the subquery for the outer values at row i of vals, once
// per distinct key.
func (s *applyShared) result(key string, vals []*vec.Vec, i int) (*vec.Vec, error) {
	s.mu.Lock()
	res, ok := s.cache[key]
	s.mu.Unlock()
	if ok {
		return res, nil
	}
	consts := make([]*expr.Const, len(vals))
	for j, v := range vals {
		one := vec.New(v.Type, 1)
		one.AppendFrom(v, i)
		consts[j] = expr.NewConst(one)
	}
	p := &Planner{ctx: s.ctx, cat: s.cat, opts: s.opts, ctes: s.ctes, depth: 1}
	n, cols, err := p.planSelect(s.sel, &scope{cols: s.cols, consts: consts})
	if err != nil {
		return nil, err
	}
	if len(cols) != 1 || cols[0].typ != s.elem {
		return nil, sqlerr.New(sqlerr.InternalError, "correlated subquery changed type between rows")
	}
	op, m, err := (&builder{p: p}).build(n, all(1))
	if err != nil {
		return nil, err
	}
	defer op.Close()
	op = denseColumns(op, m, s.opts.Env)
	res = vec.New(s.typ, 1)
	var arr []byte
	rows := 0
	err = colexec.Drain(s.ctx, op, func(bt *vec.Batch) error {
		for r := 0; r < bt.Len; r++ {
			row := bt.Row(r)
			rows++
			if s.kind == applyArray {
				if rows > maxArraySubquery {
					return unsupported("ARRAY(subquery) is limited to %d values", maxArraySubquery)
				}
				arr = vec.AppendElem(arr, bt.Cols[0], row)
				continue
			}
			if rows > 1 {
				return sqlerr.New(sqlerr.CardinalityViolation, "more than one row returned by a subquery used as an expression")
			}
			res.AppendFrom(bt.Cols[0], row)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case s.kind == applyArray:
		res.AppendBytes(append([]byte{}, arr...))
	case rows == 0:
		res.AppendNull()
	}
	s.mu.Lock()
	s.cache[key] = res
	s.mu.Unlock()
	return res, nil
}

// applyInstead retries a scalar subquery that failed to plan as a join
// with 0A000 as an applied one; any other error, or a failure of apply
// too, is the original error.
func (b *binder) applyInstead(sq *tree.Subquery, err error) (expr.Expr, error) {
	if sqlerr.CodeOf(err) != sqlerr.FeatureNotSupported || len(b.scope.cols) == 0 {
		return nil, err
	}
	x, aerr := b.apply(sq, applyScalar)
	if aerr != nil {
		return nil, err
	}
	return x, nil
}
