package colexec

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// MarkBuild is the built side of a reversed semi or anti join: the rows
// being filtered (EXISTS's outer query) are small, the subquery's rows are
// many, so the small side is built into a hash table once and every bee
// streams its share of the big side past it, marking the build rows that
// found a match. The last bee to finish emits the marked (semi) or
// unmarked (anti) rows. Building the small side instead of the big one is
// what makes TPC-H Q4 and Q21 cheap.
type MarkBuild struct {
	left  Operator
	lkeys []int
	mem   *Memory

	once sync.Once
	err  error
	rows *vec.Batch
	rowIndex
	matched   []uint32 // set atomically by the probing bees
	rightNull atomic.Bool
	rightRows atomic.Int64
	accounted int64

	mu        sync.Mutex
	probers   int
	closeOnce sync.Once
}

// NewMarkBuild prepares the build of left on its key columns.
func NewMarkBuild(left Operator, lkeys []int, mem *Memory) *MarkBuild {
	return &MarkBuild{left: left, lkeys: lkeys, mem: mem}
}

func (mb *MarkBuild) ensure(ctx context.Context) error {
	mb.once.Do(func() { mb.err = mb.build(ctx) })
	return mb.err
}

// build reads the whole input, then indexes it in a table sized for its
// rows (as JoinBuild does).
func (mb *MarkBuild) build(ctx context.Context) error {
	mb.rows = vec.NewBatch(mb.left.Types(), BatchSize)
	err := Drain(ctx, mb.left, func(b *vec.Batch) error {
		AppendRows(mb.rows, b)
		sz := batchBytes(b) + int64(b.Len)*13
		if err := mb.mem.Grow(sz); err != nil {
			return err
		}
		mb.accounted += sz
		return nil
	})
	mb.left.Close()
	if err != nil {
		return err
	}
	if mb.rowIndex, err = indexRows(mb.rows, mb.lkeys, mb.mem, false); err != nil {
		return err
	}
	mb.matched = make([]uint32, mb.rows.Len)
	return nil
}

// Close releases the build.
func (mb *MarkBuild) Close() {
	mb.closeOnce.Do(func() {
		mb.left.Close()
		if mb.table != nil {
			mb.table.release()
		}
		mb.mem.Shrink(mb.accounted)
		mb.rows = nil
	})
}

// ReverseSemiJoin probes a MarkBuild with its input (the big side) and,
// once every prober is done, emits the build rows its kind keeps: SemiJoin
// the matched ones, AntiJoin the unmatched ones, NullAwareAntiJoin the
// unmatched ones NOT IN's NULL rule lets through. The residual is over the
// build's columns followed by the input's.
type ReverseSemiJoin struct {
	kind      JoinKind
	right     Operator
	rkeys     []int
	residual  expr.Expr
	mb        *MarkBuild
	ownsBuild bool

	ectx     *expr.Ctx
	scratch  probeScratch
	ids      []int32
	keyCols  []*vec.Vec
	pairs    *vec.Batch
	pairL    []int32
	pairR    []int32
	sel      []int32
	idx      []int32
	done     bool
	finisher bool
	emitPos  int
	out      *vec.Batch
	closed   bool
}

// NewReverseSemiJoin returns a prober of mb reading right.
func NewReverseSemiJoin(kind JoinKind, right Operator, mb *MarkBuild, rkeys []int, residual expr.Expr, env *expr.Env) *ReverseSemiJoin {
	mb.mu.Lock()
	mb.probers++
	mb.mu.Unlock()
	return &ReverseSemiJoin{kind: kind, right: right, rkeys: rkeys, residual: residual, mb: mb, ectx: expr.NewCtx(env)}
}

// OwnMarkBuild makes j close its build when it closes.
func (j *ReverseSemiJoin) OwnMarkBuild() *ReverseSemiJoin {
	j.ownsBuild = true
	return j
}

func (j *ReverseSemiJoin) Types() []vec.Type { return j.mb.left.Types() }

func (j *ReverseSemiJoin) Next(ctx context.Context) (*vec.Batch, error) {
	mb := j.mb
	if !j.done {
		if err := mb.ensure(ctx); err != nil {
			return nil, err
		}
		if err := Drain(ctx, j.right, j.probe); err != nil {
			return nil, err
		}
		j.right.Close()
		j.done = true
		mb.mu.Lock()
		mb.probers--
		j.finisher = mb.probers == 0
		mb.mu.Unlock()
	}
	if !j.finisher {
		return nil, nil
	}
	if j.out == nil {
		j.out = vec.NewBatch(mb.rows.Types(), BatchSize)
	}
	nonEmpty := mb.rightRows.Load() > 0
	rightNull := mb.rightNull.Load()
	// Scan until a batch is full or the build rows run out, so an empty
	// result means the end.
	idx := j.idx[:0]
	for j.emitPos < mb.rows.Len && len(idx) < BatchSize {
		r := j.emitPos
		j.emitPos++
		m := atomic.LoadUint32(&mb.matched[r]) != 0
		keep := false
		switch j.kind {
		case SemiJoin:
			keep = m
		case AntiJoin:
			keep = !m
		case NullAwareAntiJoin:
			keep = !m && !(nonEmpty && (rightNull || mb.hasNullKey(r)))
		}
		if keep {
			idx = append(idx, int32(r))
		}
	}
	j.idx = idx
	if len(idx) == 0 {
		return nil, nil
	}
	j.out.Reset()
	for c, col := range mb.rows.Cols {
		appendRowsAt(j.out.Cols[c], col, idx)
	}
	j.out.Len = len(idx)
	return j.out, nil
}

// probe marks the build rows one batch of the big side matches.
func (j *ReverseSemiJoin) probe(b *vec.Batch) error {
	mb := j.mb
	mb.rightRows.Add(int64(b.Len))
	if cap(j.ids) < b.Len {
		j.ids = make([]int32, b.Len)
	}
	ids := j.ids[:b.Len]
	j.keyCols = j.keyCols[:0]
	for _, k := range j.rkeys {
		j.keyCols = append(j.keyCols, b.Cols[k])
	}
	if err := mb.table.find(j.keyCols, b, ids, false, &j.scratch); err != nil {
		return err
	}
	j.pairL, j.pairR = j.pairL[:0], j.pairR[:0]
	hasNulls := anyNulls(j.keyCols)
	for k := 0; k < b.Len; k++ {
		row := b.Row(k)
		if hasNulls && anyNull(j.keyCols, row) {
			mb.rightNull.Store(true)
			continue
		}
		for r := mb.first(ids[k]); r >= 0; r = mb.after(r) {
			if j.residual == nil {
				atomic.StoreUint32(&mb.matched[r], 1)
				continue
			}
			j.pairL = append(j.pairL, r)
			j.pairR = append(j.pairR, int32(row))
		}
	}
	for start := 0; start < len(j.pairL); start += BatchSize {
		end := min(start+BatchSize, len(j.pairL))
		if err := j.checkPairs(b, j.pairL[start:end], j.pairR[start:end]); err != nil {
			return err
		}
	}
	return nil
}

// checkPairs evaluates the residual on candidate pairs and marks the build
// rows of those that pass.
func (j *ReverseSemiJoin) checkPairs(b *vec.Batch, left, right []int32) error {
	mb := j.mb
	if j.pairs == nil {
		j.pairs = vec.NewBatch(append(append([]vec.Type(nil), mb.rows.Types()...), b.Types()...), BatchSize)
	}
	p := j.pairs
	p.Reset()
	nl := len(mb.rows.Cols)
	for c, col := range mb.rows.Cols {
		appendRowsAt(p.Cols[c], col, left)
	}
	for c, col := range b.Cols {
		appendRowsAt(p.Cols[nl+c], col, right)
	}
	p.Len = len(left)
	j.ectx.Reset()
	v, err := j.residual.Eval(j.ectx, p)
	if err != nil {
		return err
	}
	j.sel = SelectTrue(v, p, j.sel[:0])
	for _, i := range j.sel {
		atomic.StoreUint32(&mb.matched[left[i]], 1)
	}
	return nil
}

func (j *ReverseSemiJoin) Close() {
	if j.closed {
		return
	}
	j.closed = true
	j.right.Close()
	if !j.done {
		j.done = true
		j.mb.mu.Lock()
		j.mb.probers--
		j.mb.mu.Unlock()
	}
	if j.ownsBuild {
		j.mb.Close()
	}
}

// Types returns the build side's column types.
func (mb *MarkBuild) Types() []vec.Type { return mb.left.Types() }
