package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
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

// pieces splits row i's frame under exclusion ex.
func (w *windowOp) pieces(ex FrameExclusion, i int) framePieces {
	s, e := w.fs[i], w.fe[i]
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

// computeExcluding computes a frame-reading function over frames with an
// exclusion. The caller has run frames.
func (w *windowOp) computeExcluding(ctx context.Context, f WindowFunc, res *vec.Vec) error {
	ex := f.Frame.Exclude
	switch f.Name {
	case "first_value", "last_value", "nth_value":
		return w.frameValueExcluding(f, ex, res)
	case "count_star":
		out := fixedResult[int64](res, w.n)
		for i := range out {
			out[i] = w.pieces(ex, i).rows()
		}
		return nil
	case "count":
		arg := w.cols[f.Args[0]]
		cnt := w.prefixCounts(arg)
		out := fixedResult[int64](res, w.n)
		for i := range out {
			p := w.pieces(ex, i)
			c := int64(cnt[p.aEnd]-cnt[p.s]) + int64(cnt[p.e]-cnt[p.bStart])
			if p.keepCur && !arg.Nulls.IsNull(i) {
				c++
			}
			out[i] = c
		}
		return nil
	case "min", "max":
		return w.minMaxExcluding(f, ex, res)
	case "sum", "avg":
		return w.sumAvg(ctx, f, res)
	case "string_agg":
		return w.stringAggExcluding(ctx, f, ex, res)
	}
	return sqlerr.New(sqlerr.UndefinedFunction, "window function %s does not exist", f.Name)
}

// frameValueExcluding is first_value, last_value and nth_value under an
// exclusion, done as PostgreSQL's WinGetFuncArgInFrame does it: step from
// the frame's head (or tail) over the excluded rows with its arithmetic,
// then return the row only if it is in the frame and not excluded. Where
// the current row lies outside the frame the arithmetic can land on an
// excluded or outside row and the answer is NULL even though the frame
// holds other rows; PostgreSQL answers the same, and so must we.
func (w *windowOp) frameValueExcluding(f WindowFunc, ex FrameExclusion, res *vec.Vec) error {
	src := w.cols[f.Args[0]]
	var nthCol *vec.Vec
	var nthVals []int64
	if f.Name == "nth_value" && len(f.Args) > 1 {
		nthCol = w.cols[f.Args[1]]
		nthVals = intValues(nthCol)
	}
	idx := make([]int32, w.n)
	err := w.partitions(func(ps, pe int) error {
		for i := ps; i < pe; i++ {
			idx[i] = pickNull
			rel := int64(0)
			if f.Name == "nth_value" {
				rel = f.Offset
				if nthCol != nil {
					if nthCol.Nulls.IsNull(i) {
						continue
					}
					rel = nthVals[i]
				}
				if rel <= 0 {
					return sqlerr.New(codeInvalidNthValue, "argument of nth_value must be greater than zero")
				}
				rel--
			}
			head, tail := int64(w.fs[i]), int64(w.fe[i])
			if rel >= tail-head {
				// Also covers an empty frame. No step below can bring
				// a position past the tail back into the frame.
				continue
			}
			cur := int64(i)
			g := w.grp[i]
			gh, gt := int64(w.groups[g]), int64(w.groups[g+1])
			var pos int64
			if f.Name == "last_value" {
				pos = tail - 1
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
				pos = head + rel
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
				continue
			}
			excluded := false
			switch ex {
			case ExcludeCurrentRow:
				excluded = pos == cur
			case ExcludeGroup:
				excluded = pos >= gh && pos < gt
			case ExcludeTies:
				excluded = pos != cur && pos >= gh && pos < gt
			}
			if !excluded {
				idx[i] = int32(pos)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pickRows(res, src, idx, nil, false)
	return nil
}

// minMaxExcluding slides one extreme over the run before the excluded
// rows and one over the run after them, and picks among those two and the
// kept current row; on ties the later row wins, as in minMax.
func (w *windowOp) minMaxExcluding(f WindowFunc, ex FrameExclusion, res *vec.Vec) error {
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

// stringAggExcluding concatenates each row's frame anew. The result is as
// long as the frame anyway, so this costs no more than writing it.
func (w *windowOp) stringAggExcluding(ctx context.Context, f WindowFunc, ex FrameExclusion, res *vec.Vec) error {
	src, delim := w.cols[f.Args[0]], w.cols[f.Args[1]]
	sb, db := src.Bytes(), delim.Bytes()
	res.Prepare(res.Type, w.n)
	rb := res.Bytes()
	var buf []byte
	seen := false
	var work workCount
	appendRow := func(r int) {
		if src.Nulls.IsNull(r) {
			return
		}
		if seen && !delim.Nulls.IsNull(r) {
			buf = append(buf, db.Get(r)...)
		}
		buf = append(buf, sb.Get(r)...)
		seen = true
	}
	for i := 0; i < w.n; i++ {
		buf, seen = buf[:0], false
		p := w.pieces(ex, i)
		if err := work.did(ctx, p.rows()); err != nil {
			return err
		}
		for r := p.s; r < p.aEnd; r++ {
			appendRow(int(r))
		}
		if p.keepCur {
			appendRow(i)
		}
		for r := p.bStart; r < p.e; r++ {
			appendRow(int(r))
		}
		if seen {
			rb.Append(buf)
		} else {
			rb.Append(nil)
			res.Nulls.SetNull(i)
		}
	}
	res.SetLen(w.n)
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
