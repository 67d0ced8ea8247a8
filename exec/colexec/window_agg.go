package colexec

import (
	"context"
	"math"
	"math/bits"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// frames computes the frame [fs[i], fe[i]) of every sorted row. Within a
// partition both ends never decrease from one row to the next, which the
// sliding aggregates below rely on; an empty frame has fe == fs.
func (w *windowOp) frames(fr Frame) error {
	if cap(w.fs) < w.n {
		w.fs, w.fe = make([]int32, w.n), make([]int32, w.n)
	}
	w.fs, w.fe = w.fs[:w.n], w.fe[:w.n]
	var key *vec.Vec
	if fr.Mode == FrameRange && (isOffset(fr.StartKind) || isOffset(fr.EndKind)) {
		key = w.cols[w.orderBy[0].Col]
		if w.rangeKey == nil {
			w.rangeKey = intValues(key)
		}
	}
	return w.partitions(func(ps, pe int) error {
		// The key's NULLs sit at one end of the partition; offsets only
		// reach the non-NULL rows [nnS, nnE).
		nnS, nnE := ps, pe
		if key != nil {
			for nnS < nnE && key.Nulls.IsNull(nnS) {
				nnS++
			}
			for nnE > nnS && key.Nulls.IsNull(nnE-1) {
				nnE--
			}
		}
		for i := ps; i < pe; i++ {
			s := w.bound(fr, fr.StartKind, fr.StartOffset, true, i, ps, pe, nnS, nnE, key)
			e := w.bound(fr, fr.EndKind, fr.EndOffset, false, i, ps, pe, nnS, nnE, key)
			w.fs[i], w.fe[i] = int32(s), int32(max(e, s))
		}
		return nil
	})
}

// bound returns one end of row i's frame: the first row of the frame for a
// start, one past the last for an end.
func (w *windowOp) bound(fr Frame, kind FrameBound, off int64, start bool, i, ps, pe, nnS, nnE int, key *vec.Vec) int {
	end := 0
	if !start {
		end = 1
	}
	switch kind {
	case UnboundedPreceding:
		return ps
	case UnboundedFollowing:
		return pe
	case CurrentRow:
		if fr.Mode == FrameRows {
			return i + end
		}
		return int(w.groups[int(w.grp[i])+end])
	}
	switch fr.Mode {
	case FrameGroups:
		return w.groupsBound(kind, off, end, i, ps, pe)
	case FrameRows:
		r := 0
		switch {
		case kind == OffsetPreceding && off > int64(i-ps):
			r = ps - 1
		case kind == OffsetPreceding:
			r = i - int(off)
		case off >= int64(pe-i):
			r = pe
		default:
			r = i + int(off)
		}
		return min(max(r+end, ps), pe)
	}
	// RANGE with an offset. A NULL key is only in range of NULLs, so its
	// bound is that of CURRENT ROW (PostgreSQL does the same).
	if key.Nulls.IsNull(i) {
		return int(w.groups[int(w.grp[i])+end])
	}
	desc := w.orderBy[0].Desc
	v := w.rangeKey[i]
	// In key order PRECEDING is towards smaller values, unless DESC.
	up := (kind == OffsetFollowing) != desc
	var t int64
	if up {
		if v > math.MaxInt64-off {
			// Past every value: in key order the bound is at the end
			// (ascending) or the start (descending) of the non-NULL rows.
			if desc {
				return nnS
			}
			return nnE
		}
		t = v + off
	} else {
		if v < math.MinInt64+off {
			if desc {
				return nnE
			}
			return nnS
		}
		t = v - off
	}
	// First row in [nnS, nnE) at or past t in key order: for a start the
	// first with key >= t (<= t when DESC), for an end the first with
	// key > t (< t).
	keys := w.rangeKey
	lo, hi := nnS, nnE
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		var past bool
		switch {
		case !desc && start:
			past = keys[m] >= t
		case !desc:
			past = keys[m] > t
		case start:
			past = keys[m] <= t
		default:
			past = keys[m] < t
		}
		if past {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}

// groupsBound is bound for GROUPS offsets: off peer groups before or
// after row i's group, counted within the partition. A target group
// before the partition's first puts the bound at its start, one after its
// last at its end; the comparisons avoid computing targets that overflow.
func (w *windowOp) groupsBound(kind FrameBound, off int64, end, i, ps, pe int) int {
	g, first, last := int64(w.grp[i]), int64(w.grp[ps]), int64(w.grp[pe-1])
	switch {
	case kind == OffsetPreceding && off > g-first:
		return ps
	case kind == OffsetFollowing && off > last-g:
		return pe
	case kind == OffsetPreceding:
		g -= off
	default:
		g += off
	}
	return int(w.groups[g+int64(end)])
}

// minMax slides the frame's extreme along the partition (slidingExtreme).
// Among equal values the latest row wins, as in PostgreSQL, whose min/max
// transition functions keep the newer of two equal values (which shows for
// intervals: '1 mon' equals '30 days').
func (w *windowOp) minMax(f WindowFunc, res *vec.Vec) error {
	arg := w.cols[f.Args[0]]
	ext := newSlidingExtreme(arg, f.Name == "max")
	idx := make([]int32, w.n)
	_ = w.partitions(func(ps, pe int) error {
		ext.reset(ps)
		for i := ps; i < pe; i++ {
			idx[i] = ext.slide(int(w.fs[i]), int(w.fe[i]))
		}
		return nil
	})
	pickRows(res, arg, idx, nil, false)
	return nil
}

// slidingExtreme finds the minimum or maximum non-NULL value of a window
// of rows [s, e) whose ends never move backwards. It keeps a deque of
// candidate rows whose values strictly improve from back to front, so the
// front is the answer and each row is pushed and popped at most once.
type slidingExtreme struct {
	arg      *vec.Vec
	argNulls bool
	cmp      rowCmp
	isMax    bool
	dq       []int32
	head     int // dq[head:] is the deque
	next     int // the first row not yet pushed
}

func newSlidingExtreme(arg *vec.Vec, isMax bool) *slidingExtreme {
	return &slidingExtreme{arg: arg, argNulls: colHasNulls(arg), cmp: colCmp(arg, arg, false, false), isMax: isMax}
}

// reset starts over for a partition beginning at row ps.
func (x *slidingExtreme) reset(ps int) {
	x.dq, x.head, x.next = x.dq[:0], 0, ps
}

// slide moves the window to [s, e) and returns its extreme row, or
// pickNull when it holds no value. Its loops, the inner loops of every
// framed min and max, run on local copies of the state rather than
// through the pointer.
func (x *slidingExtreme) slide(s, e int) int32 {
	dq, head, next := x.dq, x.head, x.next
	if s >= next {
		// Everything pushed so far is behind the window.
		dq, head, next = dq[:0], 0, s
	}
	cmp, isMax, nulls := x.cmp, x.isMax, x.argNulls
	for ; next < e; next++ {
		if nulls && x.arg.Nulls.IsNull(next) {
			continue
		}
		for len(dq) > head {
			r := cmp(int(dq[len(dq)-1]), next)
			if isMax && r > 0 || !isMax && r < 0 {
				break
			}
			dq = dq[:len(dq)-1]
		}
		dq = append(dq, int32(next))
	}
	for head < len(dq) && int(dq[head]) < s {
		head++
	}
	x.dq, x.head, x.next = dq, head, next
	if head < len(dq) {
		return dq[head]
	}
	return pickNull
}

// better reports whether row a beats the later row b: strictly, so the
// later of two equal values wins.
func (x *slidingExtreme) better(a, b int) bool {
	r := x.cmp(a, b)
	return x.isMax && r > 0 || !x.isMax && r < 0
}

// pick returns the better of two candidate rows, a before b in row order,
// either of which may be pickNull.
func (x *slidingExtreme) pick(a, b int32) int32 {
	switch {
	case a == pickNull:
		return b
	case b == pickNull || x.better(int(a), int(b)):
		return a
	}
	return b
}

// sumAvg is sum and avg. seed (see compute) starts every frame of a
// running sum from the rows before w.cols.
func (w *windowOp) sumAvg(ctx context.Context, f WindowFunc, seed *funcCarry, res *vec.Vec) error {
	arg := w.cols[f.Args[0]]
	avg := f.Name == "avg"
	ex := f.Frame.Exclude
	switch arg.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric:
		return w.sumAvgExact(arg, avg, ex, seed, res)
	case vec.KindDecimal:
		return w.sumAvgDecimal(ctx, arg, avg, ex, seed, res)
	case vec.KindFloat32:
		switch {
		case avg:
			return floatAvg(ctx, w, ex, arg.Float32s(), arg, fixedResult[float64](res, w.n), res, seed)
		case res.Type.Kind == vec.KindFloat32:
			return floatSum(ctx, w, ex, arg.Float32s(), arg, fixedResult[float32](res, w.n), res, seed)
		}
		return floatSum(ctx, w, ex, arg.Float32s(), arg, fixedResult[float64](res, w.n), res, seed)
	case vec.KindFloat64:
		if avg {
			return floatAvg(ctx, w, ex, arg.Float64s(), arg, fixedResult[float64](res, w.n), res, seed)
		}
		return floatSum(ctx, w, ex, arg.Float64s(), arg, fixedResult[float64](res, w.n), res, seed)
	case vec.KindInterval:
		if avg {
			break
		}
		out := fixedResult[vec.Interval](res, w.n)
		if ex == ExcludeNoOthers {
			return intervalFrameSum(arg, w.fs, w.fe, out, res, seed)
		}
		add := func(acc, x vec.Interval, first bool) (vec.Interval, error) { return addInterval(acc, x) }
		return seqFoldExcluding(ctx, w, ex, arg.Intervals(), arg, add, func(i int, acc vec.Interval, n int) {
			if n == 0 {
				res.Nulls.SetNull(i)
			} else {
				out[i] = acc
			}
		})
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "window function %s(%s) is not supported", f.Name, arg.Type)
}

// sumAvgExact sums integers and numerics through 128-bit prefix sums: any
// frame's sum is a difference of two prefixes, exact and without
// intermediate overflow, so only the result is range checked. Under an
// exclusion a frame is two such differences plus perhaps the current row.
// A seed (frames without exclusion only) is added to every frame. The
// result is a decimal, the sum or the sum divided by the count as
// PostgreSQL's avg divides it, or for the sum of smallints or integers a
// bigint, range checked (WindowResultType's types, which check enforces).
func (w *windowOp) sumAvgExact(arg *vec.Vec, avg bool, ex FrameExclusion, seed *funcCarry, res *vec.Vec) error {
	n := w.n
	if err := w.acct.grow(20 * int64(n+1)); err != nil {
		return err
	}
	defer w.acct.shrink(20 * int64(n+1))
	vals := intValues(arg)
	cnt := w.prefixCounts(arg)
	pre := make([]int128, n+1)
	argNulls := colHasNulls(arg)
	for i, x := range vals[:n] {
		pre[i+1] = pre[i]
		if !argNulls || !arg.Nulls.IsNull(i) {
			pre[i+1] = pre[i].add(x)
		}
	}
	var inScale int32
	if arg.Type.Kind == vec.KindNumeric {
		inScale = arg.Type.Scale
	}
	var out []int64
	var decOut []decimal.Decimal
	if res.Type.Kind == vec.KindDecimal {
		decOut = fixedResult[decimal.Decimal](res, n)
	} else {
		out = fixedResult[int64](res, n)
	}
	for i := range n {
		var sum int128
		var c int64
		if ex == ExcludeNoOthers {
			s, e := w.fs[i], w.fe[i]
			sum, c = pre[e].sub(pre[s]), int64(cnt[e]-cnt[s])
			if seed != nil {
				sum, c = sum.plus(seed.sum), c+seed.n
			}
		} else {
			p := w.pieces(ex, i)
			sum = pre[p.aEnd].sub(pre[p.s]).plus(pre[p.e].sub(pre[p.bStart]))
			c = int64(cnt[p.aEnd] - cnt[p.s] + cnt[p.e] - cnt[p.bStart])
			if p.keepCur && (!argNulls || !arg.Nulls.IsNull(i)) {
				sum, c = sum.add(vals[i]), c+1
			}
		}
		if c == 0 {
			res.Nulls.SetNull(i)
			continue
		}
		if decOut != nil {
			d, err := decimal.FromInt128(sum.hi, sum.lo, inScale)
			if err == nil && avg {
				d, err = decimal.Div(d, decimal.FromInt64(c, 0))
			}
			if err != nil {
				return vec.DecimalError(err)
			}
			decOut[i] = d
			continue
		}
		v, ok := sum.int64()
		if !ok {
			return sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
		}
		out[i] = v
	}
	return nil
}

// sumAvgDecimal is sum and avg over decimal.Decimal values. Their scales
// differ from value to value, and a frame's sum has the largest scale among
// its own values (PostgreSQL's), which a difference of prefix sums would
// not know; so each frame is folded with decimal.Add in row order, carried
// over from the previous row while the frame's start stays put (running
// and whole-partition frames cost one addition a row) and folded anew when
// it moves. avg divides the sum by the count as PostgreSQL's does.
func (w *windowOp) sumAvgDecimal(ctx context.Context, arg *vec.Vec, avg bool, ex FrameExclusion, seed *funcCarry, res *vec.Vec) error {
	out := fixedResult[decimal.Decimal](res, w.n)
	done := func(i int, acc decimal.Decimal, n int64) error {
		if n == 0 {
			res.Nulls.SetNull(i)
			return nil
		}
		if avg {
			var err error
			if acc, err = decimal.Div(acc, decimal.FromInt64(n, 0)); err != nil {
				return vec.DecimalError(err)
			}
		}
		out[i] = acc
		return nil
	}
	add := func(acc, x decimal.Decimal, _ bool) (decimal.Decimal, error) {
		s, err := decimal.Add(acc, x)
		return s, vec.DecimalError(err)
	}
	if ex != ExcludeNoOthers {
		var err error
		ferr := seqFoldExcluding(ctx, w, ex, arg.Decimals(), arg, add, func(i int, acc decimal.Decimal, n int) {
			if e := done(i, acc, int64(n)); e != nil && err == nil {
				err = e
			}
		})
		if ferr != nil {
			return ferr
		}
		return err
	}
	vals := arg.Decimals()
	argNulls := colHasNulls(arg)
	var acc, seedAcc decimal.Decimal
	var cnt, seedCnt int64
	if seed != nil {
		seedAcc, seedCnt = seed.dsum, seed.n
	}
	curS, curE := int32(-1), int32(-1)
	var work workCount
	for i := range w.n {
		s, e := w.fs[i], w.fe[i]
		if s != curS || e < curE {
			acc, cnt, curS, curE = seedAcc, seedCnt, s, s
		}
		if err := work.did(ctx, int64(e-curE)); err != nil {
			return err
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			var err error
			if acc, err = add(acc, vals[curE], false); err != nil {
				return err
			}
			cnt++
		}
		if err := done(i, acc, cnt); err != nil {
			return err
		}
	}
	return nil
}

// floatSum is sum over floats, in A: float4 for sum(real), float8
// otherwise.
func floatSum[T, A float32 | float64](ctx context.Context, w *windowOp, ex FrameExclusion, vals []T, arg *vec.Vec, out []A, res *vec.Vec, seed *funcCarry) error {
	if ex == ExcludeNoOthers {
		return floatFrameSum(vals, arg, w.fs, w.fe, out, res, seed)
	}
	add := func(acc A, x T, first bool) (A, error) { return addFloat(acc, A(x), first) }
	return seqFoldExcluding(ctx, w, ex, vals, arg, add, func(i int, acc A, n int) {
		if n == 0 {
			res.Nulls.SetNull(i)
		} else {
			out[i] = acc
		}
	})
}

// floatAvg is avg over floats: PostgreSQL's float8_accum state, whose
// overflow errors it shares (see floatMoments).
func floatAvg[T float32 | float64](ctx context.Context, w *windowOp, ex FrameExclusion, vals []T, arg *vec.Vec, out []float64, res *vec.Vec, seed *funcCarry) error {
	if ex == ExcludeNoOthers {
		return floatFrameAvg(vals, arg, w.fs, w.fe, out, res, seed)
	}
	add := func(acc floatMoments, x T, _ bool) (floatMoments, error) { return acc.add(float64(x)) }
	return seqFoldExcluding(ctx, w, ex, vals, arg, add, func(i int, acc floatMoments, n int) {
		if n == 0 {
			res.Nulls.SetNull(i)
		} else {
			out[i] = acc.sx / acc.n
		}
	})
}

// addFloat adds x to a float sum, failing where PostgreSQL does: when
// finite operands make an infinite sum. With first the sum is x itself:
// PostgreSQL's sum starts from its first input, which keeps -0.
func addFloat[A float32 | float64](acc, x A, first bool) (A, error) {
	if first {
		return x, nil
	}
	sum := acc + x
	if math.IsInf(float64(sum), 0) && !math.IsInf(float64(acc), 0) && !math.IsInf(float64(x), 0) {
		return 0, sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
	}
	return sum, nil
}

// floatFrameSum sums floats in row order, restarting at the frame start
// whenever the start moves, as PostgreSQL does for float aggregates (which
// have no inverse transition): rounding and overflow errors then match it
// bit for bit. Every sum starts from seed's (whose frames never move their
// start), if any.
func floatFrameSum[T, A float32 | float64](vals []T, arg *vec.Vec, fs, fe []int32, out []A, res *vec.Vec, seed *funcCarry) error {
	argNulls := colHasNulls(arg)
	curS, curE := int32(-1), int32(-1)
	var acc, seedAcc A
	cnt, seedCnt := 0, 0
	if seed != nil {
		seedAcc, seedCnt = A(seed.fsum), int(seed.n)
	}
	var err error
	for i := range out {
		s, e := fs[i], fe[i]
		if s != curS || e < curE {
			acc, cnt, curS, curE = seedAcc, seedCnt, s, s
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			if acc, err = addFloat(acc, A(vals[curE]), cnt == 0); err != nil {
				return err
			}
			cnt++
		}
		if cnt == 0 {
			res.Nulls.SetNull(i)
		} else {
			out[i] = acc
		}
	}
	return nil
}

// floatFrameAvg is floatFrameSum for avg, folding floatMoments.
func floatFrameAvg[T float32 | float64](vals []T, arg *vec.Vec, fs, fe []int32, out []float64, res *vec.Vec, seed *funcCarry) error {
	argNulls := colHasNulls(arg)
	curS, curE := int32(-1), int32(-1)
	var acc, start floatMoments
	if seed != nil {
		start = seed.moments()
	}
	var err error
	for i := range out {
		s, e := fs[i], fe[i]
		if s != curS || e < curE {
			acc, curS, curE = start, s, s
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			if acc, err = acc.add(float64(vals[curE])); err != nil {
				return err
			}
		}
		if acc.n == 0 {
			res.Nulls.SetNull(i)
		} else {
			out[i] = acc.sx / acc.n
		}
	}
	return nil
}

// intervalFrameSum is floatFrameSum for sum(interval).
func intervalFrameSum(arg *vec.Vec, fs, fe []int32, out []vec.Interval, res *vec.Vec, seed *funcCarry) error {
	vals := arg.Intervals()
	argNulls := colHasNulls(arg)
	curS, curE := int32(-1), int32(-1)
	var acc, seedAcc vec.Interval
	cnt, seedCnt := 0, 0
	if seed != nil {
		seedAcc, seedCnt = seed.isum, int(seed.n)
	}
	var err error
	for i := range out {
		s, e := fs[i], fe[i]
		if s != curS || e < curE {
			acc, cnt, curS, curE = seedAcc, seedCnt, s, s
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			if acc, err = addInterval(acc, vals[curE]); err != nil {
				return err
			}
			cnt++
		}
		if cnt == 0 {
			res.Nulls.SetNull(i)
		} else {
			out[i] = acc
		}
	}
	return nil
}

// addInterval adds intervals field by field with PostgreSQL's overflow
// checks.
func addInterval(acc, x vec.Interval) (vec.Interval, error) {
	m, d := int64(acc.Months)+int64(x.Months), int64(acc.Days)+int64(x.Days)
	us := acc.Micros + x.Micros
	usOvf := x.Micros > 0 && us < acc.Micros || x.Micros < 0 && us > acc.Micros
	if m != int64(int32(m)) || d != int64(int32(d)) || usOvf {
		return vec.Interval{}, sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
	}
	return vec.Interval{Months: int32(m), Days: int32(d), Micros: us}, nil
}

// stringAgg concatenates each row's frame: its non-NULL values in frame
// order, separated by the delimiter of the value that follows, as
// PostgreSQL's string_agg does; NULL when the frame holds none. The run
// before the excluded rows (without an exclusion, the whole frame) is
// carried over from the previous row while it only grows at its end, as
// the default frame under ORDER BY does; the rest of the frame is appended
// anew for each row. The result itself is still as big as the sum of the
// frames.
func (w *windowOp) stringAgg(ctx context.Context, f WindowFunc, res *vec.Vec) error {
	src, delim := w.cols[f.Args[0]], w.cols[f.Args[1]]
	sb, db := src.Bytes(), delim.Bytes()
	ex := f.Frame.Exclude
	res.Prepare(res.Type, w.n)
	rb := res.Bytes()
	// cat appends row r's value to buf, after its delimiter unless it is
	// the first value.
	cat := func(buf []byte, seen bool, r int) ([]byte, bool) {
		if src.Nulls.IsNull(r) {
			return buf, seen
		}
		if seen && !delim.Nulls.IsNull(r) {
			buf = append(buf, db.Get(r)...)
		}
		return append(buf, sb.Get(r)...), true
	}
	var lead, whole []byte // lead holds rows [lo, hi)
	leadSeen := false
	var lo, hi int32
	var work workCount
	for i := 0; i < w.n; i++ {
		p := w.pieces(ex, i)
		if err := work.did(ctx, p.rows()); err != nil {
			return err
		}
		if p.s != lo || p.aEnd < hi {
			lead, leadSeen, lo, hi = lead[:0], false, p.s, p.s
		}
		for ; hi < p.aEnd; hi++ {
			lead, leadSeen = cat(lead, leadSeen, int(hi))
		}
		out, seen := lead, leadSeen
		if p.keepCur || p.bStart < p.e {
			out = append(whole[:0], lead...)
			if p.keepCur {
				out, seen = cat(out, seen, i)
			}
			for r := p.bStart; r < p.e; r++ {
				out, seen = cat(out, seen, int(r))
			}
			whole = out
		}
		if seen {
			rb.Append(out)
		} else {
			rb.Append(nil)
			res.Nulls.SetNull(i)
		}
	}
	res.SetLen(w.n)
	return nil
}

// int128 is a two's complement 128-bit integer: exact sums of int64s, of
// aggregates and windows, which 2^64 values cannot overflow.
type int128 struct {
	hi int64
	lo uint64
}

func (a int128) add(x int64) int128 {
	lo, carry := bits.Add64(a.lo, uint64(x), 0)
	// x>>63 is x's sign extended into the high word: 0 or -1.
	return int128{a.hi + int64(carry) + x>>63, lo}
}

func (a int128) plus(b int128) int128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	return int128{a.hi + b.hi + int64(carry), lo}
}

func (a int128) sub(b int128) int128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	return int128{a.hi - b.hi - int64(borrow), lo}
}

// int64 returns a as an int64, and whether it fits one.
func (a int128) int64() (int64, bool) {
	v := int64(a.lo)
	// It fits when the high word is the low word's sign extended.
	return v, a.hi == v>>63
}
