package colexec

import (
	"context"
	"math"
	"sort"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// A window whose input outgrows the budget spills like a sort: each
// budget's worth of input is sorted by (partition keys, order keys) and
// written as a run (runMerger.writeRun), and the runs are merged back.
// The merge is stable, so the merged stream is exactly the order the
// in-memory sort gives, ties included, and every function answers what it
// answers in memory. The operator reads that stream into a buffer and
// evaluates it a few whole partitions at a time (a chunk), emitting them
// before it reads on; it then holds about one chunk plus one batch.
//
// A single partition bigger than the budget is read in pieces when every
// function can be evaluated so (streamPlan): each piece is evaluated as if
// it were the partition, with the rows before it that the functions still
// read kept in front of it (context) and the rows after it they read
// appended (lookahead); only its own rows are emitted. What a piece's
// functions cannot see of the rows before its context (row numbers,
// ranks, running counts, sums, extremes and the partition's first value)
// is carried from piece to piece (partCarry). Otherwise such a partition
// fails with 53200.

// NewWindowSpill is NewWindow that, past its budget, spills its input to
// sorted runs in spill and evaluates it back a few partitions at a time. A
// nil spill behaves as NewWindow.
func NewWindowSpill(in Operator, partitionBy []int, orderBy []SortKey, funcs []WindowFunc, mem *Memory, spill *Spill) Operator {
	w := NewWindow(in, partitionBy, orderBy, funcs, mem).(*windowOp)
	w.spill = spill
	return w
}

// maxStreamReach bounds the rows before or after the current one that a
// streamed function may read (lag's offset, a ROWS frame's): the context
// and lookahead of every piece are held in memory.
const maxStreamReach = 1 << 20

// windowStream is the state of a window reading its merged runs back.
// w.cols[:len(w.inTypes)] is the buffer of sorted input rows.
type windowStream struct {
	merge *runMerger
	plan  streamPlan
	// target is the memory at which the buffer is evaluated: its bytes
	// plus rowCost, the estimated bytes evaluating needs, for each row.
	target, rowCost int64
	// pending is the merge's last batch, of which rows [pendPos, Len) are
	// not yet buffered: batches are buffered a slice at a time, so that
	// the buffer grows in steps small beside the target.
	pending *vec.Batch
	pendPos int
	inDone  bool // the merge has no more rows

	rows    int // rows in the buffer
	emitted int // rows [0, emitted) are out already: context of a streamed partition
	// carry is set while a partition is streamed: its first row is no
	// longer in the buffer, or its first piece is out.
	carry *partCarry

	// Partition boundaries found among rows [1, partScanned): the first
	// and last rows starting a partition (0 when none).
	partScanned         int
	firstPart, lastPart int
	// Peer-group starts among rows [1, peerScanned), ascending; looked
	// for only when a piece has to end at one.
	peerScanned int
	peerStarts  []int

	// The chunk being emitted is rows [w.pos, emitEnd) of w.cols; once it
	// is out, the buffer drops the rows before keep.
	emitEnd, keep int
	finished      bool
}

// streamPlan says whether, and how, a partition can be evaluated a piece
// at a time.
type streamPlan struct {
	// blocker names the first function that needs its whole partition at
	// once; empty when a partition can be streamed.
	blocker string
	// before and after are the most rows before and after the current one
	// that some function reads.
	before, after int
	// peers: some function reads whole peer groups, so pieces end at a
	// peer-group boundary.
	peers bool
	// running[i]: function i's frame starts at the partition's first row,
	// so its state is carried from piece to piece.
	running []bool
}

// partCarry is what the pieces of a streamed partition before the current
// one leave to it.
type partCarry struct {
	rows   int64 // rows of the partition before the piece
	groups int64 // peer groups that ended before the piece's first row
	funcs  []funcCarry
}

// funcCarry is one running function's state over the rows before a piece.
type funcCarry struct {
	running bool
	n       int64           // count(*): rows; otherwise non-NULL values folded
	sum     int128          // exact sum and avg of integers and numerics
	dsum    decimal.Decimal // sum and avg of decimals
	fsum    float64         // float sum, avg's Sx (a float4 sum held exactly)
	fsxx    float64         // float avg's Sxx (floatMoments)
	isum    vec.Interval    // sum(interval)
	// val is the extreme so far (min, max) or the partition's first value
	// (first_value), one row; nil when there is none yet.
	val *vec.Vec
}

// moments is the float avg state carried.
func (fc *funcCarry) moments() floatMoments {
	return floatMoments{n: float64(fc.n), sx: fc.fsum, sxx: fc.fsxx}
}

// startStream writes the n rows of cols as the last run (the only one
// when the input fitted the budget) and sets up the reading back of the
// runs.
func (w *windowOp) startStream(ctx context.Context, cols []*vec.Vec, n int) error {
	if w.merge == nil {
		w.merge = newRunMerger(w.sortKeys(), w.inTypes)
	}
	if err := w.merge.writeRun(ctx, w.spill, cols, n); err != nil {
		return err
	}
	w.cols, w.n = nil, 0
	w.acct.release()
	w.merge.out = vec.NewBatch(w.inTypes, BatchSize)
	w.stream = &windowStream{merge: w.merge, plan: w.planStream(), target: w.chunkTarget(), rowCost: w.evaluationRowCost()}
	w.merge = nil
	w.cols = newColumnSet(w.inTypes, BatchSize)
	w.out = vec.NewBatch(w.types, BatchSize)
	w.pos = 0
	return nil
}

// chunkTarget is the memory at which the stream evaluates what it holds:
// a quarter of the budget left, the rest being margin for what the
// estimate misses and for the operators around.
func (w *windowOp) chunkTarget() int64 {
	root := w.budget()
	if root.Limit() <= 0 {
		return math.MaxInt64
	}
	return max((root.Limit()-root.Used())/4, 16<<10)
}

// budget is the query's account, which enforces the limit: the
// operator's own account may be a child of it, for EXPLAIN ANALYZE.
func (w *windowOp) budget() *Memory {
	root := w.acct.mem
	for root != nil && root.parent != nil {
		root = root.parent
	}
	return root
}

// evaluationRowCost estimates the bytes evaluate needs for each row on top
// of the row itself: the layout (12), frame bounds and picks (12), prefix
// sums (20) and one result per function.
func (w *windowOp) evaluationRowCost() int64 {
	cost := int64(44)
	for _, f := range w.funcs {
		switch t := f.ResultType; t.Kind {
		case vec.KindText, vec.KindBytea:
			// An offset and a guess at the value.
			cost += 20
		default:
			cost += valueBytes(t)
		}
	}
	return cost
}

// planStream works out how the operator's functions read a partition
// streamed in pieces.
func (w *windowOp) planStream() streamPlan {
	p := streamPlan{running: make([]bool, len(w.funcs))}
	for i, f := range w.funcs {
		before, after, peers, running, ok := w.streamShape(f)
		if !ok || before > maxStreamReach || after > maxStreamReach {
			p.blocker = f.Name
			return p
		}
		p.before, p.after = max(p.before, int(before)), max(p.after, int(after))
		p.peers = p.peers || peers
		p.running[i] = running
	}
	return p
}

// streamShape says how far around the current row f reads, whether it
// reads whole peer groups, whether its frame starts at the partition's
// first row (running), and whether it can be streamed at all: not when
// it needs the partition's size (percent_rank, cume_dist, ntile), reads
// to its end (UNBOUNDED FOLLOWING), reaches a distance in key values
// (RANGE offsets) or peer groups (GROUPS offsets), or folds a growing
// frame into more than a few values (string_agg and nth_value from
// UNBOUNDED PRECEDING, or any running frame with an exclusion).
func (w *windowOp) streamShape(f WindowFunc) (before, after int64, peers, running, ok bool) {
	switch f.Name {
	case "row_number":
		return 0, 0, false, false, true
	case "rank", "dense_rank":
		return 0, 0, true, false, len(w.orderBy) > 0
	case "percent_rank", "cume_dist", "ntile":
		return 0, 0, false, false, false
	case "lag", "lead":
		if offset, _ := f.lagLeadCols(); offset >= 0 {
			// A per-row offset can reach anywhere; a per-row default is
			// read at the current row.
			return 0, 0, false, false, false
		}
		off := f.Offset
		if f.Name == "lag" {
			off = negSat(off)
		}
		if off < 0 {
			return negSat(off), 0, false, false, off != math.MinInt64
		}
		return 0, off, false, false, true
	}
	fr := f.Frame
	if fr.EndKind == UnboundedFollowing {
		return 0, 0, false, false, false
	}
	if fr.Mode == FrameRows {
		if fr.StartKind == OffsetPreceding {
			before = fr.StartOffset
		}
		if fr.EndKind == OffsetPreceding {
			// A running frame ending before the current row reads its
			// tail from the context.
			before = max(before, fr.EndOffset)
		}
		if fr.EndKind == OffsetFollowing {
			after = fr.EndOffset
		}
	} else {
		if isOffset(fr.StartKind) || isOffset(fr.EndKind) || len(w.orderBy) == 0 {
			return 0, 0, false, false, false
		}
		peers = true
	}
	if fr.StartKind != UnboundedPreceding {
		return before, after, peers, false, true
	}
	if fr.Exclude != ExcludeNoOthers {
		return 0, 0, false, false, false
	}
	switch f.Name {
	case "last_value":
		// Reads the frame's tail only.
		return before, after, peers, false, true
	case "count", "count_star", "sum", "avg", "min", "max", "first_value":
		return before, after, peers, true, true
	}
	return 0, 0, false, false, false
}

// nextStreamed is Next once the input is on disk.
func (w *windowOp) nextStreamed(ctx context.Context) (*vec.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := w.stream
	for w.pos >= st.emitEnd {
		if st.finished {
			w.release()
			return nil, nil
		}
		if err := w.nextChunk(ctx); err != nil {
			return nil, err
		}
	}
	return w.emit(st.emitEnd), nil
}

// nextChunk drops the chunk just emitted, then reads the merged runs
// until it can evaluate the next chunk or piece, or the input ends.
func (w *windowOp) nextChunk(ctx context.Context) error {
	st := w.stream
	if err := w.dropEmitted(); err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		w.scanPartitions()
		if ok, err := w.evaluateReady(ctx); ok || err != nil {
			return err
		}
		if st.inDone {
			st.finished = true
			return nil
		}
		if err := w.readMore(ctx); err != nil {
			return err
		}
	}
}

// evaluateReady evaluates the next chunk or piece if the buffer holds
// one, and reports whether it did.
func (w *windowOp) evaluateReady(ctx context.Context) (bool, error) {
	st := w.stream
	held := colsHeldBytes(w.cols) + int64(st.rows)*st.rowCost
	switch {
	case st.carry != nil && (st.firstPart > 0 || st.inDone):
		// The streamed partition's last piece.
		end := st.rows
		if st.firstPart > 0 {
			end = st.firstPart
		}
		return true, w.evaluateRows(ctx, end, end, end, st.carry, true)
	case st.inDone && st.rows > 0:
		return true, w.evaluateRows(ctx, st.rows, st.rows, st.rows, nil, true)
	case st.lastPart > 0 && held >= st.target:
		return true, w.evaluateRows(ctx, st.lastPart, st.lastPart, st.lastPart, nil, true)
	case st.lastPart == 0 && held >= st.target && st.plan.blocker == "" &&
		st.rows-st.emitted >= 2*(st.plan.before+st.plan.after):
		// One partition so far, and it is big: emit a piece of it.
		cut := w.pieceEnd()
		if cut <= st.emitted {
			return false, nil
		}
		if st.carry == nil {
			st.carry = w.newCarry()
		}
		return true, w.evaluateRows(ctx, min(st.rows, cut+st.plan.after), cut, max(cut-st.plan.before, 0), st.carry, false)
	}
	return false, nil
}

// evaluateRows evaluates the first n buffered rows and sets up the
// emission of rows [emitted, to); keep is the first row the buffer keeps
// afterwards. With carry the rows are a piece of a streamed partition;
// last says that they end their partition (or with no carry, that they
// are whole partitions).
func (w *windowOp) evaluateRows(ctx context.Context, n, to, keep int, carry *partCarry, last bool) error {
	st := w.stream
	if err := w.evaluate(ctx, n, carry); err != nil {
		if sqlerr.CodeOf(err) == sqlerr.OutOfMemory && (carry != nil || st.firstPart == 0 || st.firstPart >= n) {
			return w.partitionTooBig()
		}
		return err
	}
	if carry != nil && !last {
		if err := w.advanceCarry(carry, keep); err != nil {
			return err
		}
	} else {
		st.carry = nil
	}
	w.dropLayout()
	w.pos, st.emitEnd, st.keep = st.emitted, to, keep
	return nil
}

// dropEmitted drops the result columns of the chunk just emitted and the
// buffered rows no later piece reads.
func (w *windowOp) dropEmitted() error {
	st := w.stream
	w.cols = w.cols[:len(w.inTypes)]
	// What stays of a streamed partition was emitted up to the piece's end.
	st.emitted = 0
	if st.carry != nil {
		st.emitted = st.emitEnd - st.keep
	}
	if st.keep > 0 {
		kept := newColumnSet(w.inTypes, max(st.rows-st.keep, BatchSize))
		for c, col := range w.cols {
			kept[c].AppendRange(col, st.keep, st.rows)
		}
		w.cols = kept
		st.rows -= st.keep
		st.partScanned, st.firstPart, st.lastPart = 0, 0, 0
		st.peerScanned, st.peerStarts = 0, st.peerStarts[:0]
		st.keep = 0
	}
	st.emitEnd = 0
	w.pos = 0
	return w.acct.set(colsHeldBytes(w.cols))
}

// readMore appends the next rows of the merge to the buffer: a slice of
// a batch worth about a sixteenth of the target.
func (w *windowOp) readMore(ctx context.Context) error {
	st := w.stream
	if st.pending == nil || st.pendPos >= st.pending.Len {
		b, err := st.merge.next(ctx)
		if err != nil {
			return err
		}
		if b == nil || b.Len == 0 {
			st.inDone, st.pending = true, nil
			st.merge.close()
			return nil
		}
		st.pending, st.pendPos = b, 0
	}
	b := st.pending
	rowBytes := colsHeldBytes(b.Cols)/int64(b.Len) + st.rowCost
	take := int(min(int64(b.Len-st.pendPos), max(st.target/16/rowBytes, 1)))
	before := colsHeldBytes(w.cols)
	had := st.rows
	// The merge's batches are dense.
	for c, col := range w.cols {
		col.AppendRange(b.Cols[c], st.pendPos, st.pendPos+take)
	}
	st.pendPos += take
	st.rows += take
	if err := w.acct.grow(colsHeldBytes(w.cols) - before); err != nil {
		w.scanPartitions()
		if sqlerr.CodeOf(err) == sqlerr.OutOfMemory && (st.firstPart == 0 || st.firstPart >= had) {
			return w.partitionTooBig()
		}
		return err
	}
	return nil
}

// partitionTooBig is the error for a partition that cannot be held, nor
// streamed in pieces that can.
func (w *windowOp) partitionTooBig() error {
	e := sqlerr.New(sqlerr.OutOfMemory, "out of memory: one window partition exceeds the query's budget of %s", FormatBytes(w.budget().Limit()))
	if b := w.stream.plan.blocker; b != "" {
		e = e.WithDetail("Windows spill to disk a partition at a time, and %s needs its whole partition in memory.", b)
	} else {
		e = e.WithDetail("Windows spill to disk a partition at a time and read a partition too big for memory in pieces, but one piece (the rows a frame reaches, or one group of peers) does not fit either.")
	}
	return e.WithHint("Raise the bee memory budget (--bee-memory), or partition the window more finely.")
}

// scanPartitions finds the partition boundaries among the buffered rows
// not yet looked at.
func (w *windowOp) scanPartitions() {
	st := w.stream
	if st.partScanned >= st.rows {
		return
	}
	if len(w.partitionBy) > 0 {
		cmp := keysCmp(w.sortKeys()[:len(w.partitionBy)], w.cols, w.cols)
		for i := max(st.partScanned, 1); i < st.rows; i++ {
			if cmp(i-1, i) != 0 {
				if st.firstPart == 0 {
					st.firstPart = i
				}
				st.lastPart = i
			}
		}
	}
	st.partScanned = st.rows
}

// pieceEnd returns where the next piece of a streamed partition ends: as
// late as the lookahead allows, and at the start of a peer group when
// some function reads whole groups; 0 when no such place is buffered.
func (w *windowOp) pieceEnd() int {
	st := w.stream
	limit := st.rows - st.plan.after
	if !st.plan.peers {
		return limit
	}
	if st.peerScanned < st.rows {
		cmp := keysCmp(w.orderBy, w.cols, w.cols)
		for i := max(st.peerScanned, 1); i < st.rows; i++ {
			if cmp(i-1, i) != 0 {
				st.peerStarts = append(st.peerStarts, i)
			}
		}
		st.peerScanned = st.rows
	}
	k := sort.SearchInts(st.peerStarts, limit+1) - 1
	if k < 0 {
		return 0
	}
	return st.peerStarts[k]
}

func (w *windowOp) newCarry() *partCarry {
	c := &partCarry{funcs: make([]funcCarry, len(w.funcs))}
	for i := range c.funcs {
		c.funcs[i].running = w.stream.plan.running[i]
	}
	return c
}

// addCarried turns function fi's results over a piece into the
// partition's: ranks count the rows and groups before the piece, running
// counts and extremes take in the carried ones, and first_value is the
// partition's. Running sums were seeded instead (compute).
func (w *windowOp) addCarried(c *partCarry, fi int, res *vec.Vec) *vec.Vec {
	f, fc := w.funcs[fi], &c.funcs[fi]
	switch f.Name {
	case "row_number", "rank":
		addToAll(res.Int64s(), c.rows)
	case "dense_rank":
		addToAll(res.Int64s(), c.groups)
	}
	if !fc.running {
		return res
	}
	switch f.Name {
	case "count", "count_star":
		addToAll(res.Int64s(), fc.n)
	case "min", "max":
		if fc.val == nil {
			return res
		}
		// The carried extreme came from earlier rows: it wins only when
		// strictly better, as in slidingExtreme.
		isMax := f.Name == "max"
		cmp := colCmp(fc.val, res, false, false)
		idx := make([]int32, w.n)
		for i := range idx {
			idx[i] = int32(i)
			if res.Nulls.IsNull(i) {
				idx[i] = pickDefault
			} else if r := cmp(0, i); isMax && r > 0 || !isMax && r < 0 {
				idx[i] = pickDefault
			}
		}
		out := vec.New(res.Type, w.n)
		pickRows(out, res, idx, fc.val, false)
		return out
	case "first_value":
		if fc.val == nil {
			return res
		}
		idx := make([]int32, w.n)
		for i := range idx {
			idx[i] = pickDefault
		}
		out := vec.New(res.Type, w.n)
		pickRows(out, res, idx, fc.val, false)
		return out
	}
	return res
}

func addToAll(vals []int64, d int64) {
	if d == 0 {
		return
	}
	for i := range vals {
		vals[i] += d
	}
}

// advanceCarry moves the carry past the first keep rows of the piece just
// evaluated, which the next piece no longer holds. It needs the piece's
// layout.
func (w *windowOp) advanceCarry(c *partCarry, keep int) error {
	if keep == 0 {
		return nil
	}
	for fi, f := range w.funcs {
		fc := &c.funcs[fi]
		if !fc.running {
			continue
		}
		var arg *vec.Vec
		if len(f.Args) > 0 {
			arg = w.cols[f.Args[0]]
		}
		switch f.Name {
		case "count_star":
			fc.n += int64(keep)
		case "count":
			fc.n += int64(keep - arg.Nulls.Count(keep))
		case "first_value":
			if c.rows == 0 {
				fc.val = vec.New(arg.Type, 1)
				fc.val.AppendRange(arg, 0, 1)
			}
		case "min", "max":
			w.carryExtreme(fc, arg, f.Name == "max", keep)
		case "sum", "avg":
			if err := w.carrySum(fc, arg, f, keep); err != nil {
				return err
			}
		}
	}
	if keep < w.n {
		c.groups += int64(w.grp[keep])
	} else {
		c.groups += int64(len(w.groups) - 1)
	}
	c.rows += int64(keep)
	return nil
}

// carryExtreme folds the extreme of rows [0, keep) into fc.val; the later
// of equal values wins, as in slidingExtreme.
func (w *windowOp) carryExtreme(fc *funcCarry, arg *vec.Vec, isMax bool, keep int) {
	ext := newSlidingExtreme(arg, isMax)
	ext.reset(0)
	best := ext.slide(0, keep)
	if best == pickNull {
		return
	}
	if fc.val != nil {
		r := colCmp(fc.val, arg, false, false)(0, int(best))
		if isMax && r > 0 || !isMax && r < 0 {
			return
		}
	}
	fc.val = vec.New(arg.Type, 1)
	fc.val.AppendRange(arg, int(best), int(best)+1)
}

// carrySum folds rows [0, keep) into a running sum or avg the way the
// functions themselves fold them, so that float rounding and overflow
// errors come out as in one pass.
func (w *windowOp) carrySum(fc *funcCarry, arg *vec.Vec, f WindowFunc, keep int) error {
	nulls := colHasNulls(arg)
	live := func(r int) bool { return !nulls || !arg.Nulls.IsNull(r) }
	avg := f.Name == "avg"
	var err error
	switch arg.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric:
		vals := intValues(arg)
		for r := 0; r < keep; r++ {
			if live(r) {
				fc.sum, fc.n = fc.sum.add(vals[r]), fc.n+1
			}
		}
	case vec.KindDecimal:
		for r, x := range arg.Decimals()[:keep] {
			if live(r) {
				if fc.dsum, err = decimal.Add(fc.dsum, x); err != nil {
					return vec.DecimalError(err)
				}
				fc.n++
			}
		}
	case vec.KindFloat32, vec.KindFloat64:
		if avg {
			return carryFloatAvg(fc, arg, keep)
		}
		if arg.Type.Kind == vec.KindFloat64 {
			for r, x := range arg.Float64s()[:keep] {
				if live(r) {
					if fc.fsum, err = addFloat(fc.fsum, x, fc.n == 0); err != nil {
						return err
					}
					fc.n++
				}
			}
			return nil
		}
		// sum(real) adds in real.
		acc := float32(fc.fsum)
		for r, x := range arg.Float32s()[:keep] {
			if live(r) {
				if acc, err = addFloat(acc, x, fc.n == 0); err != nil {
					return err
				}
				fc.n++
			}
		}
		fc.fsum = float64(acc)
	case vec.KindInterval:
		for r, x := range arg.Intervals()[:keep] {
			if live(r) {
				if fc.isum, err = addInterval(fc.isum, x); err != nil {
					return err
				}
				fc.n++
			}
		}
	}
	return nil
}

// carryFloatAvg folds rows [0, keep) of a real or double precision column
// into a running avg's float8_accum state.
func carryFloatAvg(fc *funcCarry, arg *vec.Vec, keep int) error {
	nulls := colHasNulls(arg)
	m := fc.moments()
	var err error
	for r := 0; r < keep; r++ {
		if nulls && arg.Nulls.IsNull(r) {
			continue
		}
		x := 0.0
		if arg.Type.Kind == vec.KindFloat32 {
			x = float64(arg.Float32s()[r])
		} else {
			x = arg.Float64s()[r]
		}
		if m, err = m.add(x); err != nil {
			return err
		}
	}
	fc.n, fc.fsum, fc.fsxx = int64(m.n), m.sx, m.sxx
	return nil
}
