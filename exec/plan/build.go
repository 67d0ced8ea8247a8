package plan

import (
	"fmt"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
)

// builder turns logical nodes into operators, reading only the columns some
// ancestor needs: build returns the operator and, for each output column of
// the node, its position in the operator's output (-1 when not produced).
type builder struct {
	p *Planner
	// shared holds, while building the copies of a parallel pipeline, the
	// state its copies share: a scan's row-group cursor, a join's build.
	shared  map[node]any
	cleanup []func()
	// stats, when set, instruments every operator for EXPLAIN ANALYZE.
	stats *explainStats
}

func all(n int) []bool {
	b := make([]bool, n)
	for i := range b {
		b[i] = true
	}
	return b
}

func (b *builder) build(n node, need []bool) (colexec.Operator, []int, error) {
	op, m, err := b.buildNode(n, need)
	if err != nil || b.stats == nil {
		return op, m, err
	}
	s, ok := b.stats.ops[n]
	if !ok {
		s = &colexec.OpStats{}
		b.stats.ops[n] = s
	}
	return colexec.Instrument(op, s), m, nil
}

// memFor returns the memory account n's operators charge: the query's, or
// under EXPLAIN ANALYZE a per-node child of it that records the node's peak.
func (b *builder) memFor(n node) *colexec.Memory {
	if b.stats == nil {
		return b.p.opts.Mem
	}
	b.stats.mu.Lock()
	defer b.stats.mu.Unlock()
	m, ok := b.stats.mems[n]
	if !ok {
		m = b.p.opts.Mem.Child()
		b.stats.mems[n] = m
	}
	return m
}

func (b *builder) buildNode(n node, need []bool) (colexec.Operator, []int, error) {
	env, mem := b.p.opts.Env, b.memFor(n)
	switch n := n.(type) {
	case *scanNode:
		t := n.table
		if t.Virtual != nil {
			return b.virtualScan(n, env)
		}
		need = append([]bool(nil), need...)
		for _, f := range n.filters {
			markCols(f, need)
		}
		var proj []int
		m := make([]int, len(t.Columns))
		for i := range m {
			m[i] = -1
		}
		for i, x := range need {
			if x {
				m[i] = len(proj)
				proj = append(proj, i)
			}
		}
		if len(proj) == 0 {
			// Something must be read to know how many rows there are:
			// the narrowest column.
			best := 0
			for i, c := range t.Columns {
				if w := c.Type.TypeLen(); w > 0 && (t.Columns[best].Type.TypeLen() < 0 || w < t.Columns[best].Type.TypeLen()) {
					best = i
				}
			}
			proj = []int{best}
		}
		var src *colexec.ScanSource
		if s, ok := b.shared[n].(*colexec.ScanSource); ok {
			src = s
		} else {
			src = colexec.NewScanSource(t.Store, t.Prefix, t.Schema, t.Cells, proj, n.ranges).CountInto(b.p.opts.ScanTotals)
			if b.shared != nil {
				b.shared[n] = src
			}
			if b.stats != nil {
				b.stats.scans[n] = append(b.stats.scans[n], src)
			}
		}
		var op colexec.Operator = colexec.NewScan(src)
		for _, f := range n.filters {
			op = colexec.NewFilter(op, remap(f, m), env)
		}
		return op, m, nil
	case *filterNode:
		need = append([]bool(nil), need...)
		markCols(n.pred, need)
		in, m, err := b.build(n.in, need)
		if err != nil {
			return nil, nil, err
		}
		return colexec.NewFilter(in, remap(n.pred, m), env), m, nil
	case *projectNode:
		inNeed := make([]bool, len(n.in.types()))
		for i, e := range n.exprs {
			if need[i] {
				markCols(e, inNeed)
			}
		}
		in, m, err := b.build(n.in, inNeed)
		if err != nil {
			return nil, nil, err
		}
		var exprs []expr.Expr
		out := make([]int, len(n.exprs))
		for i, e := range n.exprs {
			out[i] = -1
			if need[i] {
				out[i] = len(exprs)
				exprs = append(exprs, remap(e, m))
			}
		}
		return colexec.NewProject(in, exprs, env), out, nil
	case *joinNode:
		nl := len(n.left.types())
		nr := len(n.right.types())
		lneed, rneed := make([]bool, nl), make([]bool, nr)
		for i, x := range need {
			if !x {
				continue
			}
			if i < nl {
				lneed[i] = true
			} else {
				rneed[i-nl] = true
			}
		}
		for _, k := range n.lkeys {
			markCols(k, lneed)
		}
		for _, k := range n.rkeys {
			markCols(k, rneed)
		}
		if n.residual != nil {
			both := make([]bool, nl+nr)
			markCols(n.residual, both)
			for i, x := range both {
				if x && i < nl {
					lneed[i] = true
				} else if x {
					rneed[i-nl] = true
				}
			}
		}
		if n.reversed {
			return b.buildReversed(n, lneed, rneed)
		}
		left, lm, err := b.build(n.left, lneed)
		if err != nil {
			return nil, nil, err
		}
		// Joins copy every column they carry (pairs, the build side), so
		// columns only a pushed filter read are dropped first.
		left, lm = narrow(left, lm, lneed, env)
		var jb *colexec.JoinBuild
		var rm []int
		if sb, ok := b.shared[n].(*sharedBuild); ok {
			jb, rm = sb.jb, sb.m
		} else {
			// The build side is built once even when the probe side
			// runs in several bees; its input is read by all of them.
			right, m, err := (&builder{p: b.p, stats: b.stats}).parallel(n.right, rneed)
			if err != nil {
				left.Close()
				return nil, nil, err
			}
			right, m = narrow(right, m, rneed, env)
			// Keys that are not plain columns are computed by a
			// projection appended to each side.
			right, rk := withKeys(right, n.rkeys, m, env)
			jb, rm = colexec.NewJoinBuild(right, rk, mem).WithSpill(b.p.opts.Spill), m
			jb.NullsEqual = n.nullsEqual
			if b.shared != nil {
				b.shared[n] = &sharedBuild{jb: jb, m: m}
				b.cleanup = append(b.cleanup, jb.Close)
			}
		}
		left, lk := withKeys(left, n.lkeys, lm, env)
		lw := len(left.Types())
		m := make([]int, 0, nl+nr)
		m = append(m, lm...)
		for _, x := range rm {
			if x >= 0 {
				x += lw
			}
			m = append(m, x)
		}
		var residual expr.Expr
		if n.residual != nil {
			residual = remap(n.residual, m)
		}
		op := colexec.NewHashJoinShared(n.kind, left, jb, lk, residual, env)
		if b.shared == nil {
			op = colexec.OwnBuild(op)
		}
		switch n.kind {
		case colexec.SemiJoin, colexec.AntiJoin, colexec.NullAwareAntiJoin:
			m = m[:nl]
		}
		return op, m, nil
	case *aggNode:
		if bees := b.p.opts.Bees; bees > 1 && b.shared == nil && !n.ordered && parallelizable(n.in) && decomposable(n.aggs) {
			return b.parallelAgg(n, bees)
		}
		return b.buildAgg(n)
	case *sortNode:
		need = append([]bool(nil), need...)
		for _, k := range n.keys {
			need[k.col] = true
		}
		in, m, err := b.input(n.in, need)
		if err != nil {
			return nil, nil, err
		}
		keys := make([]colexec.SortKey, len(n.keys))
		for i, k := range n.keys {
			keys[i] = colexec.SortKey{Col: m[k.col], Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		return colexec.NewSortSpill(in, keys, mem, b.p.opts.Spill), m, nil
	case *limitNode:
		if s, ok := n.in.(*sortNode); ok && n.limit >= 0 {
			need = append([]bool(nil), need...)
			for _, k := range s.keys {
				need[k.col] = true
			}
			in, m, err := b.input(s.in, need)
			if err != nil {
				return nil, nil, err
			}
			keys := make([]colexec.SortKey, len(s.keys))
			for i, k := range s.keys {
				keys[i] = colexec.SortKey{Col: m[k.col], Desc: k.desc, NullsFirst: k.nullsFirst}
			}
			return colexec.NewTopN(in, keys, n.limit, n.offset, mem), m, nil
		}
		in, m, err := b.build(n.in, need)
		if err != nil {
			return nil, nil, err
		}
		return colexec.NewLimit(in, n.limit, n.offset), m, nil
	case *unionNode:
		// Every input must produce every column, in the same positions.
		var ops []colexec.Operator
		for _, in := range n.ins {
			op, m, err := b.build(in, all(len(in.types())))
			if err != nil {
				for _, o := range ops {
					o.Close()
				}
				return nil, nil, err
			}
			ops = append(ops, denseColumns(op, m, env))
		}
		return colexec.NewUnionAll(ops), identity(len(n.types())), nil
	case *windowNode:
		in, m, err := b.input(n.in, all(len(n.in.types())))
		if err != nil {
			return nil, nil, err
		}
		in = denseColumns(in, m, env)
		keys := make([]colexec.SortKey, len(n.order))
		for i, k := range n.order {
			keys[i] = colexec.SortKey{Col: k.col, Desc: k.desc, NullsFirst: k.nullsFirst}
		}
		return colexec.NewWindowSpill(in, n.partition, keys, n.funcs, mem, b.p.opts.Spill), identity(len(n.types())), nil
	case *valuesNode:
		return colexec.NewValues(n.typs, n.rows), identity(len(n.typs)), nil
	case *srfNode:
		return b.buildSRF(n, need)
	}
	return nil, nil, fmt.Errorf("plan: cannot build %T", n)
}

func identity(n int) []int {
	m := make([]int, n)
	for i := range m {
		m[i] = i
	}
	return m
}

// denseColumns projects op so that output i is the node's column i.
func denseColumns(op colexec.Operator, m []int, env *expr.Env) colexec.Operator {
	dense := true
	for i, x := range m {
		dense = dense && x == i
	}
	if dense && len(op.Types()) == len(m) {
		return op
	}
	ts := op.Types()
	exprs := make([]expr.Expr, len(m))
	for i, x := range m {
		exprs[i] = &expr.ColRef{Idx: x, Typ: ts[x]}
	}
	return colexec.NewProject(op, exprs, env)
}

// withKeys returns op extended with computed key columns where a key is not
// a plain column, and the key positions.
func withKeys(op colexec.Operator, keys []expr.Expr, m []int, env *expr.Env) (colexec.Operator, []int) {
	ts := op.Types()
	var extra []expr.Expr
	pos := make([]int, len(keys))
	for i, k := range keys {
		k = remap(k, m)
		if c, ok := k.(*expr.ColRef); ok {
			pos[i] = c.Idx
			continue
		}
		pos[i] = len(ts) + len(extra)
		extra = append(extra, k)
	}
	if len(extra) == 0 {
		return op, pos
	}
	exprs := make([]expr.Expr, 0, len(ts)+len(extra))
	for i, t := range ts {
		exprs = append(exprs, &expr.ColRef{Idx: i, Typ: t})
	}
	exprs = append(exprs, extra...)
	return colexec.NewProject(op, exprs, env), pos
}

// narrow projects op down to the columns need asks for (by node position,
// mapped through m), returning the new mapping. Nothing is copied: the
// projection passes the vectors through.
func narrow(op colexec.Operator, m []int, need []bool, env *expr.Env) (colexec.Operator, []int) {
	ts := op.Types()
	kept := 0
	for i, x := range m {
		if need[i] && x >= 0 {
			kept++
		}
	}
	if kept == len(ts) {
		return op, m
	}
	exprs := make([]expr.Expr, 0, kept)
	nm := make([]int, len(m))
	for i, x := range m {
		nm[i] = -1
		if need[i] && x >= 0 {
			nm[i] = len(exprs)
			exprs = append(exprs, &expr.ColRef{Idx: x, Typ: ts[x]})
		}
	}
	return colexec.NewProject(op, exprs, env), nm
}

// input builds the input of a pipeline breaker, in parallel when it can.
func (b *builder) input(n node, need []bool) (colexec.Operator, []int, error) {
	if b.shared == nil {
		return b.parallel(n, need)
	}
	return b.build(n, need)
}

// buildAgg builds a single-phase aggregation.
func (b *builder) buildAgg(n *aggNode) (colexec.Operator, []int, error) {
	env, mem := b.p.opts.Env, b.memFor(n)
	inNeed := make([]bool, len(n.in.types()))
	for _, k := range n.keys {
		markCols(k, inNeed)
	}
	for _, a := range n.aggs {
		markCols(a.arg, inNeed)
		markCols(a.filter, inNeed)
	}
	in, m, err := b.build(n.in, inNeed)
	if err != nil {
		return nil, nil, err
	}
	// Project the input to [keys..., agg args and filters...].
	var exprs []expr.Expr
	var keys []int
	for _, k := range n.keys {
		keys = append(keys, len(exprs))
		exprs = append(exprs, remap(k, m))
	}
	var specs []colexec.AggSpec
	for _, a := range n.aggs {
		s := colexec.AggSpec{Func: a.fn, Arg: -1, Filter: -1, ResultType: a.typ, Delim: a.delim}
		if a.arg != nil {
			s.Arg = len(exprs)
			s.ArgType = a.arg.Type()
			exprs = append(exprs, remap(a.arg, m))
		}
		if a.filter != nil {
			s.Filter = len(exprs)
			exprs = append(exprs, remap(a.filter, m))
		}
		specs = append(specs, s)
	}
	var op colexec.Operator = colexec.NewProject(in, exprs, env)
	agg, err := colexec.NewHashAgg(op, keys, specs, mem)
	if err != nil {
		op.Close()
		return nil, nil, err
	}
	agg.WithSpill(b.p.opts.Spill)
	return agg, identity(len(n.keys) + len(n.aggs)), nil
}

type sharedMark struct {
	mb *colexec.MarkBuild
	m  []int
}

// buildReversed builds a semi or anti join whose left side is built once
// (shared by the bees) and whose right side is streamed past it.
func (b *builder) buildReversed(n *joinNode, lneed, rneed []bool) (colexec.Operator, []int, error) {
	env, mem := b.p.opts.Env, b.memFor(n)
	var mb *colexec.MarkBuild
	var lm []int
	if sm, ok := b.shared[n].(*sharedMark); ok {
		mb, lm = sm.mb, sm.m
	} else {
		left, m, err := (&builder{p: b.p, stats: b.stats}).parallel(n.left, lneed)
		if err != nil {
			return nil, nil, err
		}
		left, m = narrow(left, m, lneed, env)
		left, lk := withKeys(left, n.lkeys, m, env)
		mb, lm = colexec.NewMarkBuild(left, lk, mem), m
		if b.shared != nil {
			b.shared[n] = &sharedMark{mb: mb, m: m}
			b.cleanup = append(b.cleanup, mb.Close)
		}
	}
	right, rm, err := b.build(n.right, rneed)
	if err != nil {
		return nil, nil, err
	}
	right, rm = narrow(right, rm, rneed, env)
	right, rk := withKeys(right, n.rkeys, rm, env)
	var residual expr.Expr
	if n.residual != nil {
		lw := len(mb.Types())
		m := append([]int(nil), lm...)
		for _, x := range rm {
			if x >= 0 {
				x += lw
			}
			m = append(m, x)
		}
		residual = remap(n.residual, m)
	}
	op := colexec.NewReverseSemiJoin(n.kind, right, mb, rk, residual, env)
	if b.shared == nil {
		op.OwnMarkBuild()
	}
	return op, lm, nil
}
