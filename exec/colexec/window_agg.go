package colexec

import (
	"math"
	"math/bits"

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
	if !fr.Rows && (isOffset(fr.StartKind) || isOffset(fr.EndKind)) {
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
		if fr.Rows {
			return i + end
		}
		return int(w.groups[int(w.grp[i])+end])
	}
	if fr.Rows {
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

// minMax keeps, for the sliding frame, a deque of candidate rows whose
// values strictly improve from back to front; the front is the answer.
// Among equal values the latest row wins, as in PostgreSQL, whose
// min/max transition functions keep the newer of two equal values (which
// shows for intervals: '1 mon' equals '30 days').
func (w *windowOp) minMax(f WindowFunc, res *vec.Vec) error {
	arg := w.cols[f.Args[0]]
	c := colCmp(arg, arg, false, false)
	isMax := f.Name == "max"
	argNulls := colHasNulls(arg)
	idx := make([]int32, w.n)
	var dq []int32
	err := w.partitions(func(ps, pe int) error {
		dq = dq[:0]
		head, next := 0, ps
		for i := ps; i < pe; i++ {
			s, e := int(w.fs[i]), int(w.fe[i])
			for ; next < e; next++ {
				if argNulls && arg.Nulls.IsNull(next) {
					continue
				}
				for len(dq) > head {
					r := c(int(dq[len(dq)-1]), next)
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
			idx[i] = pickNull
			if head < len(dq) {
				idx[i] = dq[head]
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pickRows(res, arg, idx, nil, false)
	return nil
}

func (w *windowOp) sumAvg(f WindowFunc, res *vec.Vec) error {
	arg := w.cols[f.Args[0]]
	avg := f.Name == "avg"
	switch arg.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric:
		return w.sumAvgExact(arg, avg, res)
	case vec.KindFloat32:
		if res.Type.Kind == vec.KindFloat32 {
			return floatFrameAgg(arg.Float32s(), arg, w.fs, w.fe, avg, fixedResult[float32](res, w.n), res)
		}
		return floatFrameAgg(arg.Float32s(), arg, w.fs, w.fe, avg, fixedResult[float64](res, w.n), res)
	case vec.KindFloat64:
		return floatFrameAgg(arg.Float64s(), arg, w.fs, w.fe, avg, fixedResult[float64](res, w.n), res)
	case vec.KindInterval:
		if !avg {
			return intervalFrameSum(arg, w.fs, w.fe, fixedResult[vec.Interval](res, w.n), res)
		}
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "window function %s(%s) is not supported", f.Name, arg.Type)
}

// sumAvgExact sums integers and numerics through 128-bit prefix sums: any
// frame's sum is a difference of two prefixes, exact and without
// intermediate overflow, so only the result is range checked.
func (w *windowOp) sumAvgExact(arg *vec.Vec, avg bool, res *vec.Vec) error {
	n := w.n
	if err := w.acct.grow(20 * int64(n+1)); err != nil {
		return err
	}
	defer w.acct.shrink(20 * int64(n+1))
	vals := intValues(arg)
	cnt := w.prefixCounts(arg)
	pre := make([]winI128, n+1)
	argNulls := colHasNulls(arg)
	for i, x := range vals[:n] {
		pre[i+1] = pre[i]
		if !argNulls || !arg.Nulls.IsNull(i) {
			pre[i+1] = pre[i].add(x)
		}
	}
	var inScale, outScale int32
	if arg.Type.Kind == vec.KindNumeric {
		inScale = arg.Type.Scale
	}
	if res.Type.Kind == vec.KindNumeric {
		outScale = res.Type.Scale
	}
	out := fixedResult[int64](res, n)
	for i := range out {
		s, e := w.fs[i], w.fe[i]
		c := cnt[e] - cnt[s]
		if c == 0 {
			res.Nulls.SetNull(i)
			continue
		}
		div := uint64(1)
		if avg {
			div = uint64(c)
		}
		v, ok := pre[e].sub(pre[s]).scaledQuo(outScale-inScale, div)
		if !ok {
			if res.Type.Kind == vec.KindInt64 {
				return sqlerr.New(sqlerr.NumericValueOutOfRange, "bigint out of range")
			}
			return sqlerr.New(sqlerr.NumericValueOutOfRange, "numeric field overflow").
				WithDetail("Apiary's numeric holds at most %d digits.", vec.MaxNumericPrecision)
		}
		out[i] = v
	}
	return nil
}

// floatFrameAgg sums floats in row order, restarting at the frame start
// whenever the start moves, as PostgreSQL does for float aggregates (which
// have no inverse transition): rounding then matches it bit for bit. The
// accumulator has the result's width: float4 for sum(real), float8
// otherwise.
func floatFrameAgg[T, A float32 | float64](vals []T, arg *vec.Vec, fs, fe []int32, avg bool, out []A, res *vec.Vec) error {
	argNulls := colHasNulls(arg)
	curS, curE := int32(-1), int32(-1)
	var acc A
	cnt := 0
	for i := range out {
		s, e := fs[i], fe[i]
		if s != curS || e < curE {
			acc, cnt, curS, curE = 0, 0, s, s
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			x := A(vals[curE])
			sum := acc + x
			if math.IsInf(float64(sum), 0) && !math.IsInf(float64(acc), 0) && !math.IsInf(float64(x), 0) {
				return sqlerr.New(sqlerr.NumericValueOutOfRange, "value out of range: overflow")
			}
			acc = sum
			cnt++
		}
		switch {
		case cnt == 0:
			res.Nulls.SetNull(i)
		case avg:
			out[i] = acc / A(cnt)
		default:
			out[i] = acc
		}
	}
	return nil
}

// intervalFrameSum is floatFrameAgg for sum(interval), with PostgreSQL's
// field-wise overflow checks.
func intervalFrameSum(arg *vec.Vec, fs, fe []int32, out []vec.Interval, res *vec.Vec) error {
	vals := arg.Intervals()
	argNulls := colHasNulls(arg)
	curS, curE := int32(-1), int32(-1)
	var acc vec.Interval
	cnt := 0
	for i := range out {
		s, e := fs[i], fe[i]
		if s != curS || e < curE {
			acc, cnt, curS, curE = vec.Interval{}, 0, s, s
		}
		for ; curE < e; curE++ {
			if argNulls && arg.Nulls.IsNull(int(curE)) {
				continue
			}
			x := vals[curE]
			m, d := int64(acc.Months)+int64(x.Months), int64(acc.Days)+int64(x.Days)
			us := acc.Micros + x.Micros
			usOvf := x.Micros > 0 && us < acc.Micros || x.Micros < 0 && us > acc.Micros
			if m != int64(int32(m)) || d != int64(int32(d)) || usOvf {
				return sqlerr.New(sqlerr.DatetimeFieldOverflow, "interval out of range")
			}
			acc = vec.Interval{Months: int32(m), Days: int32(d), Micros: us}
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

// winI128 is a two's complement 128-bit integer for exact window sums.
type winI128 struct {
	hi int64
	lo uint64
}

func (a winI128) add(x int64) winI128 {
	lo, carry := bits.Add64(a.lo, uint64(x), 0)
	hi := a.hi + int64(carry)
	if x < 0 {
		hi--
	}
	return winI128{hi, lo}
}

func (a winI128) sub(b winI128) winI128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	return winI128{a.hi - b.hi - int64(borrow), lo}
}

// scaledQuo returns a * 10^shift / div rounded half away from zero (as
// numeric rounds), and false when that does not fit an int64.
func (a winI128) scaledQuo(shift int32, div uint64) (int64, bool) {
	neg := a.hi < 0
	hi, lo := uint64(a.hi), a.lo
	if neg {
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, borrow)
	}
	if shift > vec.MaxNumericPrecision || -shift > vec.MaxNumericPrecision {
		return 0, false
	}
	if shift > 0 {
		m := uint64(vec.Pow10(shift))
		h1, l1 := bits.Mul64(hi, m)
		h2, l2 := bits.Mul64(lo, m)
		var carry uint64
		hi, carry = bits.Add64(l1, h2, 0)
		if h1 != 0 || carry != 0 {
			return 0, false
		}
		lo = l2
	} else if shift < 0 {
		dh, dl := bits.Mul64(div, uint64(vec.Pow10(-shift)))
		if dh != 0 {
			return 0, false
		}
		div = dl
	}
	if hi >= div {
		return 0, false
	}
	q, r := bits.Div64(hi, lo, div)
	if r >= div-r {
		q++
		if q == 0 {
			return 0, false
		}
	}
	if neg {
		if q > 1<<63 {
			return 0, false
		}
		return int64(-q), true
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	return int64(q), true
}
