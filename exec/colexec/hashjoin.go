package colexec

import (
	"context"
	"sync"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/internal/hugepage"
)

// JoinKind is the kind of a hash join.
type JoinKind uint8

// The join kinds. The left input is probed, the right one built.
const (
	InnerJoin JoinKind = iota
	LeftJoin           // unmatched left rows with NULLs for the right
	FullJoin           // LeftJoin plus unmatched right rows with NULLs for the left
	SemiJoin           // left rows with at least one match; left columns only
	AntiJoin           // left rows without a match; left columns only
	// NullAwareAntiJoin is NOT IN: a left row passes when no right row
	// matches, its key is not NULL and no right key is NULL; with an
	// empty right side every left row passes.
	NullAwareAntiJoin
)

var joinNames = [...]string{"Inner", "Left", "Full", "Semi", "Anti", "Null-aware anti"}

func (k JoinKind) String() string { return joinNames[k] }

// JoinBuild is the built side of a hash join: the right input's rows and a
// hash table of their keys, built once on first use. Several HashJoins (one
// per bee) may share one and probe it concurrently.
type JoinBuild struct {
	right Operator
	rkeys []int
	mem   *Memory
	// NullsEqual makes NULL keys match NULL keys (IS NOT DISTINCT FROM).
	NullsEqual bool

	once sync.Once
	err  error
	rows *vec.Batch
	rowIndex
	rightNull bool // some right key is NULL (NOT IN)
	n         int
	accounted int64
	closeOnce sync.Once

	// Spilling (hashjoin_spill.go): past the budget the build rows go to
	// hash partitions on disk, each prober partitions its rows the same
	// way, and the last prober to finish joins partition by partition.
	spill      *Spill
	depth      int
	spilled    bool
	buildParts []*spillWriter
	parts      partitioner // splits build batches into buildParts
	buildRdrs  []*spillReader
	mu         sync.Mutex
	probers    int
	probeParts [][]*spillReader
	// nonEmpty overrides n > 0 for NOT IN's empty-set rule when this
	// build is one partition of a bigger one.
	nonEmpty bool
}

// WithSpill lets the build side spill to s when over budget.
func (jb *JoinBuild) WithSpill(s *Spill) *JoinBuild {
	jb.spill = s
	return jb
}

// NewJoinBuild prepares the build side of a join on right's key columns.
func NewJoinBuild(right Operator, rkeys []int, mem *Memory) *JoinBuild {
	return &JoinBuild{right: right, rkeys: rkeys, mem: mem}
}

func (jb *JoinBuild) ensure(ctx context.Context) error {
	jb.once.Do(func() { jb.err = jb.build(ctx) })
	return jb.err
}

// build reads the whole right input first and indexes it after, with a
// table sized for its rows: the bees reading the input are not held up by
// the insertion, and the table never rehashes.
func (jb *JoinBuild) build(ctx context.Context) error {
	jb.rows = vec.NewBatch(jb.right.Types(), BatchSize)
	err := Drain(ctx, jb.right, func(b *vec.Batch) error {
		if jb.spilled {
			return jb.spillBuildBatch(b)
		}
		AppendRows(jb.rows, b)
		sz := batchBytes(b) + int64(b.Len)*8 // rows plus chain links
		if err := jb.mem.Grow(sz); err != nil {
			if !jb.canSpill(err) {
				return err
			}
			return jb.startSpilling()
		}
		jb.accounted += sz
		return nil
	})
	jb.right.Close()
	if err != nil {
		return err
	}
	if !jb.spilled {
		var err error
		if jb.rowIndex, err = indexRows(jb.rows, jb.rkeys, jb.mem, jb.NullsEqual); err == nil {
			// A partition of a spilled build inherits its parent's.
			jb.rightNull = jb.rightNull || jb.keyNull != nil && !jb.NullsEqual
		} else {
			if !jb.canSpill(err) {
				return err
			}
			if err := jb.startSpilling(); err != nil {
				return err
			}
		}
	}
	if jb.spilled {
		return jb.finishSpilledBuild()
	}
	jb.n = jb.rows.Len
	return nil
}

// rowIndex is a hash table over the keys of a batch of build rows and the
// chains that link the rows of each key.
type rowIndex struct {
	table *hashTable
	head  []int32 // first build row per key id, -1 none
	next  []int32 // next build row with the same key, -1 none
	// keyNull[r] says that row r's key holds a NULL; nil when no key does.
	keyNull []bool
	// keyIsRow says that every build row has its own key and key id i is
	// row i, as when the build side is a table's primary key: a probe
	// then needs neither head nor next.
	keyIsRow bool
}

// indexRows indexes rows on their key columns in a table sized for them,
// so that it never rehashes. A key holding a NULL is chained only with
// chainNulls (IS NOT DISTINCT FROM keys): no probe matches it otherwise.
func indexRows(rows *vec.Batch, keys []int, mem *Memory, chainNulls bool) (rowIndex, error) {
	keyTypes := make([]vec.Type, len(keys))
	keyCols := make([]*vec.Vec, len(keys))
	for i, k := range keys {
		keyTypes[i], keyCols[i] = rows.Cols[k].Type, rows.Cols[k]
	}
	x := rowIndex{table: newHashTable(keyTypes, mem), keyIsRow: true}
	if err := x.table.reserveKeys(keyCols, rows.Len); err != nil {
		return x, err
	}
	hasNulls := anyNulls(keyCols)
	if hasNulls {
		x.keyNull = make([]bool, rows.Len)
	}
	ids := make([]int32, BatchSize)
	view := &vec.Batch{Cols: rows.Cols, Sel: make([]int32, BatchSize)}
	var scratch probeScratch
	for base := 0; base < rows.Len; base += BatchSize {
		n := min(BatchSize, rows.Len-base)
		for i := range n {
			view.Sel[i] = int32(base + i)
		}
		view.Len = n
		if err := x.table.find(keyCols, view, ids[:n], true, &scratch); err != nil {
			return x, err
		}
		if x.keyIsRow {
			// While every row is its own key no chain is written: a
			// primary-key build never needs them.
			if x.ownKeys(keyCols, ids[:n], base, hasNulls, chainNulls) {
				continue
			}
			x.startChains(rows.Len, base)
		}
		for k, id := range ids[:n] {
			r := int32(base + k)
			x.next[r] = -1
			if hasNulls && anyNull(keyCols, int(r)) {
				x.keyNull[r] = true
				if !chainNulls {
					continue
				}
			}
			for int(id) >= len(x.head) {
				x.head = append(x.head, -1)
			}
			// Prepending makes chains come out in reverse build order,
			// which no SQL result depends on.
			x.next[r] = x.head[id]
			x.head[id] = r
		}
	}
	return x, nil
}

// ownKeys reports whether each row from base of a batch whose key ids are
// ids is its own key (id equal to row number, no unmatchable NULL key),
// noting the NULL keys it meets.
func (x *rowIndex) ownKeys(keyCols []*vec.Vec, ids []int32, base int, hasNulls, chainNulls bool) bool {
	for k, id := range ids {
		r := base + k
		if hasNulls && anyNull(keyCols, r) {
			x.keyNull[r] = true
			if !chainNulls {
				return false
			}
		}
		if id != int32(r) {
			return false
		}
	}
	return true
}

// startChains leaves keyIsRow: the rows before base, each its own key,
// become chains of one.
func (x *rowIndex) startChains(rows, base int) {
	x.keyIsRow = false
	x.next = hugepage.Make[int32](rows)
	// Ids are dense and below the row count: head grows within this
	// capacity, one key at a time.
	x.head = hugepage.Make[int32](rows)[:base]
	for r := range base {
		x.next[r], x.head[r] = -1, int32(r)
	}
}

// first returns the first build row with key id, -1 when none.
func (x *rowIndex) first(id int32) int32 {
	switch {
	case id < 0:
		return -1
	case x.keyIsRow:
		return id
	case int(id) >= len(x.head):
		return -1
	}
	return x.head[id]
}

// after returns the build row after r with the same key, -1 when none.
func (x *rowIndex) after(r int32) int32 {
	if x.keyIsRow {
		return -1
	}
	return x.next[r]
}

// hasNullKey reports whether build row r's key holds a NULL.
func (x *rowIndex) hasNullKey(r int) bool { return x.keyNull != nil && x.keyNull[r] }

// Close releases the build side.
func (jb *JoinBuild) Close() {
	jb.closeOnce.Do(func() {
		jb.right.Close()
		jb.releaseRows()
		jb.closeSpill()
	})
}

func (jb *JoinBuild) releaseRows() {
	if jb.table != nil {
		jb.table.release()
		jb.table = nil
	}
	jb.mem.Shrink(jb.accounted)
	jb.accounted = 0
	jb.rows, jb.rowIndex = nil, rowIndex{}
}

// HashJoin joins by equality of key columns (left keys against right keys,
// pairwise of one type), then applies an optional residual condition over
// the concatenated left and right columns. Rows whose key holds a NULL never
// match.
type HashJoin struct {
	kind      JoinKind
	left      Operator
	jb        *JoinBuild
	ownsBuild bool
	lkeys     []int
	residual  expr.Expr
	types     []vec.Type
	leftTypes []vec.Type

	built      bool
	matchedR   []bool
	probe      *vec.Batch
	probeIDs   []int32
	probeK     int   // next live probe row to expand
	chain      int32 // next build row in the current chain, -1 none
	matchedL   []bool
	probeDone  bool
	fullEmit   int // next build row to check for the FULL JOIN tail
	ectx       *expr.Ctx
	out        *vec.Batch
	pairL      []int32
	pairR      []int32
	scratch    probeScratch
	keyCols    []*vec.Vec
	pairs      *vec.Batch
	sel        []int32
	phys       []int32 // physical probe rows of the current pairs
	idx        []int32 // rows emitted for unmatched/matched probe rows
	leftClosed bool
	env        *expr.Env
	sp         *joinSpillState
}

// NewHashJoin returns a hash join building right. residual may be nil.
func NewHashJoin(kind JoinKind, left, right Operator, lkeys, rkeys []int, residual expr.Expr, env *expr.Env, mem *Memory) *HashJoin {
	j := NewHashJoinShared(kind, left, NewJoinBuild(right, rkeys, mem), lkeys, residual, env)
	j.ownsBuild = true
	return j
}

// NewHashJoinShared returns a hash join probing a build side it may share
// with other joins; the caller closes jb. FULL joins cannot share one.
func NewHashJoinShared(kind JoinKind, left Operator, jb *JoinBuild, lkeys []int, residual expr.Expr, env *expr.Env) *HashJoin {
	j := &HashJoin{kind: kind, left: left, jb: jb, lkeys: lkeys, residual: residual, env: env}
	jb.mu.Lock()
	jb.probers++
	jb.mu.Unlock()
	j.leftTypes = left.Types()
	j.types = append(j.types, j.leftTypes...)
	if kind != SemiJoin && kind != AntiJoin && kind != NullAwareAntiJoin {
		j.types = append(j.types, jb.right.Types()...)
	}
	j.ectx = expr.NewCtx(env)
	return j
}

func (j *HashJoin) Types() []vec.Type { return j.types }

func (j *HashJoin) Next(ctx context.Context) (*vec.Batch, error) {
	if !j.built {
		j.built = true
		if err := j.jb.ensure(ctx); err != nil {
			return nil, err
		}
		if j.jb.spilled {
			j.sp = &joinSpillState{}
		}
		if j.kind == FullJoin {
			j.matchedR = make([]bool, j.jb.n)
		}
		if j.jb.n == 0 && (j.kind == InnerJoin || j.kind == SemiJoin) {
			j.probeDone = true
		}
	}
	if j.sp != nil {
		return j.spilledNext(ctx)
	}
	if j.out == nil {
		j.out = vec.NewBatch(j.types, BatchSize)
	}
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if j.probe == nil {
			if j.probeDone {
				return j.fullTail()
			}
			b, err := j.left.Next(ctx)
			if err != nil {
				return nil, err
			}
			if b == nil || b.Len == 0 {
				j.probeDone = true
				j.left.Close()
				j.leftClosed = true
				continue
			}
			if err := j.startProbe(b); err != nil {
				return nil, err
			}
		}
		out, err := j.expand()
		if err != nil {
			return nil, err
		}
		if out != nil && out.Len > 0 {
			return out, nil
		}
	}
}

func (j *HashJoin) startProbe(b *vec.Batch) error {
	j.probe = b
	j.probeK = 0
	j.chain = -1
	if cap(j.probeIDs) < b.Len {
		j.probeIDs = make([]int32, b.Len)
	}
	j.probeIDs = j.probeIDs[:b.Len]
	j.keyCols = j.keyCols[:0]
	for _, k := range j.lkeys {
		j.keyCols = append(j.keyCols, b.Cols[k])
	}
	if err := j.jb.table.find(j.keyCols, b, j.probeIDs, false, &j.scratch); err != nil {
		return err
	}
	// A NULL key never matches, even the NULL group a key table keeps.
	if !j.jb.NullsEqual && anyNulls(j.keyCols) {
		for k := 0; k < b.Len; k++ {
			if anyNull(j.keyCols, b.Row(k)) {
				j.probeIDs[k] = -2
			}
		}
	}
	j.matchedL = growZero(j.matchedL[:0], b.Len)
	clear(j.matchedL)
	return nil
}

// expand produces the next output batch from the current probe batch: up to
// BatchSize matching pairs, or, once every pair was seen, the rows the join
// kind emits for unmatched or matched probe rows.
func (j *HashJoin) expand() (*vec.Batch, error) {
	b := j.probe
	next := j.jb.next
	j.pairL, j.pairR = j.pairL[:0], j.pairR[:0]
	if j.jb.keyIsRow && j.probeK < b.Len {
		// At most one pair per probe row, so a probe batch fits one
		// output batch.
		for k, id := range j.probeIDs[:b.Len] {
			if id >= 0 {
				j.pairL = append(j.pairL, int32(k))
				j.pairR = append(j.pairR, id)
			}
		}
		j.probeK = b.Len
	}
	for j.probeK < b.Len && len(j.pairL) < BatchSize {
		k := j.probeK
		if j.chain == -1 {
			if j.chain = j.jb.first(j.probeIDs[k]); j.chain < 0 {
				j.probeK++
				continue
			}
		}
		for j.chain >= 0 && len(j.pairL) < BatchSize {
			j.pairL = append(j.pairL, int32(k))
			j.pairR = append(j.pairR, j.chain)
			j.chain = next[j.chain]
		}
		if j.chain < 0 {
			j.chain = -1
			j.probeK++
		}
	}
	if len(j.pairL) > 0 {
		return j.emitPairs()
	}
	// Every pair of this probe batch has been produced.
	j.probe = nil
	switch j.kind {
	case LeftJoin, FullJoin, SemiJoin, AntiJoin, NullAwareAntiJoin:
		return j.emitProbeRows(b)
	}
	return nil, nil
}

// emitPairs gathers the candidate pairs, applies the residual and records
// matches; inner, left and full joins output the surviving pairs.
func (j *HashJoin) emitPairs() (*vec.Batch, error) {
	b := j.probe
	build := j.jb.rows
	if j.pairs == nil {
		j.pairs = vec.NewBatch(append(append([]vec.Type(nil), j.leftTypes...), build.Types()...), BatchSize)
	}
	needPairs := j.residual != nil || j.kind == InnerJoin || j.kind == LeftJoin || j.kind == FullJoin
	if !needPairs {
		for _, k := range j.pairL {
			j.matchedL[k] = true
		}
		return nil, nil
	}
	p := j.pairs
	p.Reset()
	phys := j.phys[:0]
	for _, k := range j.pairL {
		phys = append(phys, int32(b.Row(int(k))))
	}
	j.phys = phys
	for c := range j.leftTypes {
		appendRowsAt(p.Cols[c], b.Cols[c], phys)
	}
	for c, col := range build.Cols {
		appendRowsAt(p.Cols[len(j.leftTypes)+c], col, j.pairR)
	}
	p.Len = len(j.pairL)
	if j.residual != nil {
		j.ectx.Reset()
		v, err := j.residual.Eval(j.ectx, p)
		if err != nil {
			return nil, err
		}
		j.sel = SelectTrue(v, p, j.sel[:0])
		if len(j.sel) < p.Len {
			p.Sel, p.Len = j.sel, len(j.sel)
		}
	}
	for i := 0; i < p.Len; i++ {
		r := p.Row(i)
		j.matchedL[j.pairL[r]] = true
		if j.matchedR != nil {
			j.matchedR[j.pairR[r]] = true
		}
	}
	if j.kind == InnerJoin || j.kind == LeftJoin || j.kind == FullJoin {
		return p, nil
	}
	return nil, nil
}

// emitProbeRows emits, for a finished probe batch, the rows its kind keeps:
// unmatched rows padded with NULLs (left, full), matched rows (semi) or
// unmatched rows (anti).
func (j *HashJoin) emitProbeRows(b *vec.Batch) (*vec.Batch, error) {
	idx := j.idx[:0]
	for k := 0; k < b.Len; k++ {
		m := j.matchedL[k]
		switch j.kind {
		case SemiJoin:
			if m {
				idx = append(idx, int32(b.Row(k)))
			}
		case NullAwareAntiJoin:
			if m {
				continue
			}
			if (j.jb.n > 0 || j.jb.nonEmpty) && (j.jb.rightNull || j.probeIDs[k] == -2) {
				continue
			}
			idx = append(idx, int32(b.Row(k)))
		default:
			if !m {
				idx = append(idx, int32(b.Row(k)))
			}
		}
	}
	j.idx = idx
	if len(idx) == 0 {
		return nil, nil
	}
	out := j.out
	out.Reset()
	for c := range j.leftTypes {
		appendRowsAt(out.Cols[c], b.Cols[c], idx)
	}
	for c := len(j.leftTypes); c < len(j.types); c++ {
		appendNulls(out.Cols[c], len(idx))
	}
	out.Len = len(idx)
	return out, nil
}

// fullTail emits the build rows no probe row matched, for FULL JOIN.
func (j *HashJoin) fullTail() (*vec.Batch, error) {
	for j.kind == FullJoin && j.fullEmit < j.jb.n {
		idx := j.idx[:0]
		for ; j.fullEmit < j.jb.n && len(idx) < BatchSize; j.fullEmit++ {
			if !j.matchedR[j.fullEmit] {
				idx = append(idx, int32(j.fullEmit))
			}
		}
		j.idx = idx
		if len(idx) == 0 {
			continue
		}
		out := j.out
		out.Reset()
		nl := len(j.leftTypes)
		for c := 0; c < nl; c++ {
			appendNulls(out.Cols[c], len(idx))
		}
		for c, col := range j.jb.rows.Cols {
			appendRowsAt(out.Cols[nl+c], col, idx)
		}
		out.Len = len(idx)
		return out, nil
	}
	return nil, nil
}

func (j *HashJoin) Close() {
	if !j.leftClosed {
		j.left.Close()
		j.leftClosed = true
	}
	j.closeSpill()
	if j.ownsBuild {
		j.jb.Close()
	}
}

// OwnBuild makes j close its build side when it closes.
func OwnBuild(j *HashJoin) *HashJoin {
	j.ownsBuild = true
	return j
}

// batchBytes estimates the memory the live rows of b take once copied:
// fixed-width values at their width, variable-length ones at their length
// plus an offset, and a bit per row for NULLs.
func batchBytes(b *vec.Batch) int64 {
	var n int64
	for _, c := range b.Cols {
		if k := c.Type.Kind; k != vec.KindText && k != vec.KindBytea {
			n += int64(b.Len) * max(valueBytes(c.Type), 8)
			continue
		}
		bs := c.Bytes()
		if b.Sel == nil && bs.Len() > 0 {
			n += int64(bs.Offsets[b.Len]-bs.Offsets[0]) + int64(b.Len)*4
			continue
		}
		for k := 0; k < b.Len; k++ {
			n += int64(len(bs.Get(b.Row(k)))) + 4
		}
	}
	return n + int64(len(b.Cols)*b.Len/8)
}
