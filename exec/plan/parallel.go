package plan

import (
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

type sharedBuild struct {
	jb *colexec.JoinBuild
	m  []int
}

// parallelizable reports whether copies of n can run side by side, each
// reading part of the data: a pipeline from a scan through filters,
// projections and join probes (whose build sides are shared), up to but not
// including a pipeline breaker.
func parallelizable(n node) bool {
	switch n := n.(type) {
	case *scanNode:
		// A virtual table is one in-memory batch, not morsels to share.
		return n.table.Virtual == nil
	case *filterNode:
		return parallelizable(n.in)
	case *projectNode:
		return parallelizable(n.in)
	case *joinNode:
		if n.reversed {
			return parallelizable(n.right)
		}
		return n.kind != colexec.FullJoin && parallelizable(n.left)
	}
	return false
}

// parallel builds bees copies of n sharing their sources and returns an
// operator merging their outputs, or the single operator when one bee is
// configured or n does not split.
func (b *builder) parallel(n node, need []bool) (colexec.Operator, []int, error) {
	bees := b.p.opts.Bees
	if bees <= 1 || !parallelizable(n) {
		return b.build(n, need)
	}
	ops, m, err := b.copies(n, need, bees)
	if err != nil {
		return nil, nil, err
	}
	return ops, m, nil
}

func (b *builder) copies(n node, need []bool, bees int) (*colexec.Parallel, []int, error) {
	sub := &builder{p: b.p, shared: map[node]any{}, stats: b.stats}
	var ops []colexec.Operator
	var m []int
	for i := 0; i < bees; i++ {
		op, mi, err := sub.build(n, need)
		if err != nil {
			for _, o := range ops {
				o.Close()
			}
			for _, f := range sub.cleanup {
				f()
			}
			return nil, nil, err
		}
		ops, m = append(ops, op), mi
	}
	par := colexec.NewParallel(ops)
	par.OnClose(sub.cleanup...)
	return par, m, nil
}

// decomposable reports whether every aggregate splits into a partial one
// per bee and a final one combining them.
func decomposable(aggs []aggCall) bool {
	for _, a := range aggs {
		switch a.fn {
		case colexec.AggCountStar, colexec.AggCount, colexec.AggSum, colexec.AggAvg,
			colexec.AggMin, colexec.AggMax, colexec.AggBoolAnd, colexec.AggBoolOr:
		default:
			return false
		}
	}
	return true
}

// parallelAgg builds a two-phase aggregation: a partial HashAgg in each bee
// over its share of the input, and a final HashAgg merging the partial
// groups. avg is split into sum and count and divided at the end. The same
// split is what the swarm ships between nodes.
func (b *builder) parallelAgg(n *aggNode, bees int) (colexec.Operator, []int, error) {
	env, mem := b.p.opts.Env, b.memFor(n)
	nk := len(n.keys)
	// Partial calls, and for each original call the partial columns it
	// reads.
	var partial []aggCall
	type parts struct{ first, count int }
	var where []parts
	for _, a := range n.aggs {
		switch a.fn {
		case colexec.AggAvg:
			sumArg := a.arg
			if sumArg.Type().Kind == vec.KindFloat32 {
				// avg(real) adds in double precision, as PostgreSQL's
				// float4_accum does; sum(real) would round to real.
				var err error
				if sumArg, err = expr.NewCast(sumArg, vec.Float64); err != nil {
					return nil, nil, err
				}
			}
			st, err := colexec.AggResultType(colexec.AggSum, sumArg.Type(), "sum")
			if err != nil {
				return nil, nil, err
			}
			where = append(where, parts{len(partial), 2})
			partial = append(partial,
				aggCall{fn: colexec.AggSum, name: "sum", arg: sumArg, filter: a.filter, typ: st},
				aggCall{fn: colexec.AggCount, name: "count", arg: a.arg, filter: a.filter, typ: vec.Int64})
		default:
			where = append(where, parts{len(partial), 1})
			partial = append(partial, a)
		}
	}
	pn := &aggNode{in: n.in, keys: n.keys, aggs: partial}
	partials, cleanup, err := b.copiesAgg(pn, bees)
	if err != nil {
		return nil, nil, err
	}
	ptypes := pn.types()
	keys := make([]int, nk)
	for i := range keys {
		keys[i] = i
	}
	var finals []colexec.AggSpec
	for i, a := range partial {
		col := nk + i
		s := colexec.AggSpec{Arg: col, ArgType: ptypes[col], Filter: -1, ResultType: a.typ}
		switch a.fn {
		case colexec.AggCountStar, colexec.AggCount, colexec.AggSum:
			s.Func = colexec.AggSum
		default:
			s.Func = a.fn
		}
		finals = append(finals, s)
	}
	// With group keys, the partial groups are split by key among the
	// bees and each merges its share; without, one bee merges.
	var finalIns []colexec.Operator
	if nk > 0 {
		finalIns = colexec.NewHashExchange(partials, keys, bees)
	} else {
		par := colexec.NewParallel(partials)
		par.OnClose(cleanup...)
		cleanup = nil
		finalIns = []colexec.Operator{par}
	}
	var finalOps []colexec.Operator
	closeAll := func() {
		for _, in := range finalIns {
			in.Close()
		}
		for _, f := range cleanup {
			f()
		}
	}
	// Put the results back in the node's order, dividing avg's parts.
	var outs []expr.Expr
	for i := 0; i < nk; i++ {
		outs = append(outs, &expr.ColRef{Idx: i, Typ: ptypes[i]})
	}
	for i, a := range n.aggs {
		w := where[i]
		sum := &expr.ColRef{Idx: nk + w.first, Typ: partial[w.first].typ}
		if w.count == 1 {
			outs = append(outs, sum)
			continue
		}
		cnt := &expr.ColRef{Idx: nk + w.first + 1, Typ: vec.Int64}
		var num, den expr.Expr = sum, cnt
		if a.typ.IsNumeric() {
			if !sum.Typ.IsNumeric() {
				if num, err = expr.NewCast(sum, vec.Type{Kind: vec.KindNumeric}); err != nil {
					return nil, nil, err
				}
			}
			if den, err = expr.NewCast(cnt, vec.Type{Kind: vec.KindNumeric}); err != nil {
				return nil, nil, err
			}
		} else if den, err = expr.NewCast(cnt, vec.Float64); err != nil {
			return nil, nil, err
		}
		avg, err := expr.NewArith(expr.Div, num, den)
		if err != nil {
			return nil, nil, err
		}
		if avg.Type() != a.typ {
			if avg, err = expr.NewCast(avg, a.typ); err != nil {
				return nil, nil, err
			}
		}
		outs = append(outs, avg)
	}
	for _, in := range finalIns {
		final, err := colexec.NewHashAgg(in, keys, finals, mem)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		final.WithSpill(b.p.opts.Spill)
		finalOps = append(finalOps, colexec.NewProject(final, outs, env))
	}
	if len(finalOps) == 1 {
		return finalOps[0], identity(len(outs)), nil
	}
	merged := colexec.NewParallel(finalOps)
	merged.OnClose(cleanup...)
	return merged, identity(len(outs)), nil
}

// copiesAgg builds a partial aggregation per bee over shared sources, and
// returns them with the cleanups of the state they share.
func (b *builder) copiesAgg(n *aggNode, bees int) ([]colexec.Operator, []func(), error) {
	sub := &builder{p: b.p, shared: map[node]any{}, stats: b.stats}
	var ops []colexec.Operator
	for i := 0; i < bees; i++ {
		op, _, err := sub.buildAgg(n)
		if err != nil {
			for _, o := range ops {
				o.Close()
			}
			for _, f := range sub.cleanup {
				f()
			}
			return nil, nil, err
		}
		if agg, ok := op.(*colexec.HashAgg); ok {
			// A partial aggregation hands its groups on when its memory
			// is full instead of spilling them: the final one merges
			// them, and the budget stays free for it.
			agg.FlushWhenFull()
		}
		ops = append(ops, op)
	}
	return ops, sub.cleanup, nil
}
