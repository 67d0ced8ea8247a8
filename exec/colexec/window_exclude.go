package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
)

// Frame exclusion (EXCLUDE CURRENT ROW | GROUP | TIES) cuts a hole into a
// frame, so its rows are no longer one run. The frames stay [fs[i], fe[i])
// as frames computes them; the functions here read each one as up to three
// runs in row order (framePieces), which is also the order PostgreSQL
// feeds them to an aggregate.

// framePieces is a frame minus its exclusion: rows [s, aEnd), then the
// current row when keepCur, then rows [bStart, e). s <= aEnd <= bStart <=
// e, and within a partition each of the four never decreases from one row
// to the next, so each run can be slid like a frame of its own.
type framePieces struct {
	s, aEnd, bStart, e int32
	keepCur            bool
}

// pieces splits row i's frame under exclusion ex; without one the frame is
// a single run.
func (w *windowOp) pieces(ex FrameExclusion, i int) framePieces {
	s, e := w.fs[i], w.fe[i]
	if ex == ExcludeNoOthers {
		return framePieces{s: s, aEnd: e, bStart: e, e: e}
	}
	// [xs, xe) are the rows ex removes: the row itself, or its peer group
	// (whose row i EXCLUDE TIES puts back if the frame holds it).
	xs, xe := int32(i), int32(i)+1
	if ex != ExcludeCurrentRow {
		g := w.grp[i]
		xs, xe = w.groups[g], w.groups[g+1]
	}
	p := framePieces{s: s, e: e}
	p.aEnd = min(max(xs, s), e)
	p.bStart = min(max(xe, s), e)
	p.keepCur = ex == ExcludeTies && s <= int32(i) && int32(i) < e
	return p
}

// rows returns how many rows the pieces hold.
func (p framePieces) rows() int64 {
	n := int64(p.aEnd-p.s) + int64(p.e-p.bStart)
	if p.keepCur {
		n++
	}
	return n
}

// inFrameExcluding moves pos, row i's frame head plus some offset (its
// tail less one for last_value), over the rows exclusion ex removes, as
// PostgreSQL's WinGetFuncArgInFrame does, and reports whether the row it
// lands on is in the frame and not excluded. Where the current row lies
// outside the frame that arithmetic can land on an excluded or outside row,
// and the answer is NULL even though the frame holds other rows;
// PostgreSQL answers the same, and so must we.
func (w *windowOp) inFrameExcluding(ex FrameExclusion, last bool, i int, pos, head, tail int64) (int64, bool) {
	cur := int64(i)
	g := w.grp[i]
	gh, gt := int64(w.groups[g]), int64(w.groups[g+1])
	if last {
		switch {
		case ex == ExcludeCurrentRow && pos <= cur && cur < tail:
			pos--
		case ex == ExcludeGroup && pos < gt && gh < tail:
			pos -= min(gt, tail) - gh
		case ex == ExcludeTies && pos < gt && gh < tail:
			if overlapEnd := min(gt, tail); pos == overlapEnd-1 {
				pos = cur
			} else {
				pos -= overlapEnd - 1 - gh
			}
		}
	} else {
		switch {
		case ex == ExcludeCurrentRow && pos >= cur && cur >= head:
			pos++
		case ex == ExcludeGroup && pos >= gh && gt > head:
			pos += gt - max(gh, head)
		case ex == ExcludeTies && pos >= gh && gt > head:
			if overlapStart := max(gh, head); pos == overlapStart {
				pos = cur
			} else {
				pos += gt - overlapStart - 1
			}
		}
	}
	if pos < head || pos >= tail {
		return 0, false
	}
	switch ex {
	case ExcludeCurrentRow:
		return pos, pos != cur
	case ExcludeGroup:
		return pos, pos < gh || pos >= gt
	case ExcludeTies:
		return pos, pos == cur || pos < gh || pos >= gt
	}
	return pos, true
}

// minMaxExcluding slides one extreme over the run before the excluded
// rows and one over the run after them, and picks among those two and the
// kept current row; on ties the later row wins, as in minMax.
func (w *windowOp) minMaxExcluding(f WindowFunc, res *vec.Vec) error {
	ex := f.Frame.Exclude
	arg := w.cols[f.Args[0]]
	before := newSlidingExtreme(arg, f.Name == "max")
	after := newSlidingExtreme(arg, f.Name == "max")
	argNulls := colHasNulls(arg)
	idx := make([]int32, w.n)
	_ = w.partitions(func(ps, pe int) error {
		before.reset(ps)
		after.reset(ps)
		for i := ps; i < pe; i++ {
			p := w.pieces(ex, i)
			best := before.slide(int(p.s), int(p.aEnd))
			if p.keepCur && (!argNulls || !arg.Nulls.IsNull(i)) {
				best = before.pick(best, int32(i))
			}
			idx[i] = before.pick(best, after.slide(int(p.bStart), int(p.e)))
		}
		return nil
	})
	pickRows(res, arg, idx, nil, false)
	return nil
}

// seqFoldExcluding folds each row's frame under exclusion ex in row order
// (for the aggregates whose result depends on that order: float rounding,
// interval overflow). The run before the excluded rows only grows at its
// end while its start stays put, and a fold over it is the same whether
// carried over or redone, so it is carried over; the rest is folded anew
// for every row. add gets the fold so far and whether the value is the
// first; done gets each row's fold and how many values went in.
func seqFoldExcluding[T, A any](ctx context.Context, w *windowOp, ex FrameExclusion, vals []T, arg *vec.Vec,
	add func(acc A, x T, first bool) (A, error), done func(i int, acc A, n int)) error {
	argNulls := colHasNulls(arg)
	var zero, lead A
	leadN := 0
	leadS, leadE := int32(-1), int32(-1)
	var work workCount
	for i := 0; i < w.n; i++ {
		p := w.pieces(ex, i)
		if err := work.did(ctx, int64(p.e-p.bStart)); err != nil {
			return err
		}
		if p.s != leadS || p.aEnd < leadE {
			lead, leadN, leadS, leadE = zero, 0, p.s, p.s
		}
		var err error
		for ; leadE < p.aEnd; leadE++ {
			if argNulls && arg.Nulls.IsNull(int(leadE)) {
				continue
			}
			if lead, err = add(lead, vals[leadE], leadN == 0); err != nil {
				return err
			}
			leadN++
		}
		acc, n := lead, leadN
		if p.keepCur && (!argNulls || !arg.Nulls.IsNull(i)) {
			if acc, err = add(acc, vals[i], n == 0); err != nil {
				return err
			}
			n++
		}
		for r := p.bStart; r < p.e; r++ {
			if argNulls && arg.Nulls.IsNull(int(r)) {
				continue
			}
			if acc, err = add(acc, vals[r], n == 0); err != nil {
				return err
			}
			n++
		}
		done(i, acc, n)
	}
	return nil
}

// workCount paces cancellation checks in loops whose rows cost more than
// a constant (a frame each): the context is polled after every 1<<16
// units of work rather than every so many rows.
type workCount int64

// did records n units of work (at least one) and, past the threshold,
// returns ctx's error.
func (c *workCount) did(ctx context.Context, n int64) error {
	*c += workCount(max(n, 1))
	if *c < 1<<16 {
		return nil
	}
	*c = 0
	return ctx.Err()
}
