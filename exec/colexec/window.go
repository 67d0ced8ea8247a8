package colexec

import (
	"context"
	"math"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// FrameBound is one end of a window frame.
type FrameBound uint8

// The frame bounds, in the order SQL ranks them.
const (
	UnboundedPreceding FrameBound = iota
	OffsetPreceding
	CurrentRow
	OffsetFollowing
	UnboundedFollowing
)

// FrameMode is the unit a frame's offsets count in.
type FrameMode uint8

// The frame modes. RANGE is the zero value, as it is SQL's default.
const (
	// FrameRange counts in values of the single ORDER BY key.
	FrameRange FrameMode = iota
	// FrameRows counts in rows.
	FrameRows
	// FrameGroups counts in peer groups (rows equal on every ORDER BY key).
	FrameGroups
)

// FrameExclusion is a frame's EXCLUDE clause: which rows around the
// current one leave its frame after the bounds are applied.
type FrameExclusion uint8

// The exclusions. EXCLUDE NO OTHERS, SQL's default, is the zero value.
const (
	ExcludeNoOthers FrameExclusion = iota
	// ExcludeCurrentRow removes the current row.
	ExcludeCurrentRow
	// ExcludeGroup removes the current row and its peers.
	ExcludeGroup
	// ExcludeTies removes the current row's peers but keeps the row.
	ExcludeTies
)

// Frame is a window frame clause. The zero value (an end of UNBOUNDED
// PRECEDING, which SQL rejects) stands for the default frame, RANGE BETWEEN
// UNBOUNDED PRECEDING AND CURRENT ROW: with an ORDER BY that runs to the
// current row's last peer, without one every row is a peer and the frame is
// the whole partition.
//
// In RANGE mode an offset is in the units of the single ORDER BY column as
// stored: whole numbers for integer columns, scaled by 10^Scale for numeric
// (the planner rescales the literal, rounding each offset so that its
// bound reaches the same keys as the exact one). Other key types do not
// support RANGE offsets. In ROWS and GROUPS mode an offset counts rows or
// peer groups.
type Frame struct {
	Mode                   FrameMode
	StartKind, EndKind     FrameBound
	StartOffset, EndOffset int64
	// StartNull and EndNull record an offset given as NULL. PostgreSQL's
	// executor, not its parser, rejects those (22004), so a plan holding
	// one still explains; the operator fails at its first Next.
	StartNull, EndNull bool
	Exclude            FrameExclusion
	// HasOrder records whether the window has an ORDER BY. The operator
	// does not need it (peers follow from the ORDER BY keys it is given);
	// it documents the plan.
	HasOrder bool
}

// WindowFunc is one window function call of a Window operator.
type WindowFunc struct {
	// Name is one of row_number, rank, dense_rank, percent_rank,
	// cume_dist, ntile, lag, lead, first_value, last_value, nth_value, sum,
	// avg, count, count_star, min, max.
	Name string
	// Args are input columns. ntile reads its bucket count from Args[0]
	// (or Offset when Args is empty). lag and lead read the value from
	// Args[0], and per row the offset from Args[1] and the default from
	// Args[2] when present; with RowDefault, Args[1] is the default
	// instead. nth_value reads n from Args[1] when present.
	Args []int
	// Offset is the constant offset of lag and lead (the planner passes 1
	// when the query gives none), n of nth_value, the bucket count of ntile.
	Offset int64
	// Default is lag's and lead's constant default: one row of the result
	// type, or nil for NULL.
	Default *vec.Vec
	// RowDefault says that lag's or lead's default is read per row from
	// Args[1] while the offset is the constant Offset.
	RowDefault bool
	Frame      Frame
	// ResultType is the output column's type; the zero value means
	// WindowResultType's answer.
	ResultType vec.Type
}

// sqlstates PostgreSQL uses for window errors that sqlerr does not name.
const (
	codeWindowingError        sqlerr.Code = "42P20"
	codeInvalidNtile          sqlerr.Code = "22014"
	codeInvalidNthValue       sqlerr.Code = "22016"
	codeInvalidPrecedingOrFol sqlerr.Code = "22013"
	codeNullValueNotAllowed   sqlerr.Code = "22004"
)

// WindowResultType returns the type of window function name applied to
// arguments of types args, following PostgreSQL: ranks and counts are
// bigint; sum and avg have the aggregates' types (AggResultType): sum
// widens integers (bigint to numeric held as decimal.Decimal), avg of
// integers and numerics is such a numeric, avg of floats is double
// precision; value functions and min/max keep the type.
func WindowResultType(name string, args []vec.Type) (vec.Type, error) {
	arg := vec.Type{}
	if len(args) > 0 {
		arg = args[0]
	}
	bad := func() (vec.Type, error) {
		names := ""
		for i, a := range args {
			if i > 0 {
				names += ", "
			}
			names += a.String()
		}
		return vec.Type{}, sqlerr.New(sqlerr.UndefinedFunction, "function %s(%s) does not exist", name, names).
			WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
	}
	switch name {
	case "row_number", "rank", "dense_rank", "count", "count_star":
		return vec.Int64, nil
	case "percent_rank", "cume_dist":
		return vec.Float64, nil
	case "ntile":
		return vec.Int32, nil
	case "lag", "lead", "first_value", "last_value", "nth_value":
		if len(args) == 0 {
			return bad()
		}
		return arg, nil
	case "sum":
		if t, ok := sumType(arg); ok {
			return t, nil
		}
	case "avg":
		if t, ok := avgType(arg); ok {
			return t, nil
		}
		if arg.Kind == vec.KindInterval {
			return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "avg(interval) is not supported as a window function")
		}
	case "min", "max":
		switch arg.Kind {
		case vec.KindUnknown, vec.KindBool, vec.KindBytea:
			return bad()
		case vec.KindNumeric:
			return vec.Type{Kind: vec.KindNumeric, Scale: arg.Scale}, nil
		}
		return arg, nil
	case "string_agg":
		if len(args) != 2 || args[1].Kind != arg.Kind {
			return bad()
		}
		switch arg.Kind {
		case vec.KindText:
			return vec.Text, nil
		case vec.KindBytea:
			return vec.Bytea, nil
		}
	}
	return bad()
}

// windowOp materialises its input, sorts it by (partition keys, order
// keys) and appends one column per function. Output rows come in that
// sorted order. Past its budget, with a spill, it reads its input back
// from sorted runs a few partitions at a time instead (window_spill.go),
// in the same order.
type windowOp struct {
	in          Operator
	partitionBy []int
	orderBy     []SortKey
	funcs       []WindowFunc
	inTypes     []vec.Type
	types       []vec.Type
	acct        heldMem
	err         error // invalid call, or the error that ended the stream
	spill       *Spill
	// merge holds the sorted runs written while reading the input; stream
	// replaces it once the input is read.
	merge  *runMerger
	stream *windowStream

	loaded   bool
	inClosed bool
	cols     []*vec.Vec // sorted input columns, then one per function
	n        int
	pos      int
	out      *vec.Batch

	// Layout of the sorted rows: partitions [parts[p], parts[p+1]) and peer
	// groups [groups[g], groups[g+1]); grp[i] is row i's peer group.
	parts  []int32
	groups []int32
	grp    []int32
	// Frame bounds of the function being computed: rows [fs[i], fe[i]).
	fs, fe []int32
	// rangeKey holds the ORDER BY column as int64 for RANGE offsets.
	rangeKey []int64
}

var _ Operator = (*windowOp)(nil)

// NewWindow returns an operator computing funcs over the windows
// PARTITION BY partitionBy ORDER BY orderBy of in. Its output is the input
// columns followed by one column per function. Invalid calls (unknown
// function, bad frame) fail at the first Next.
func NewWindow(in Operator, partitionBy []int, orderBy []SortKey, funcs []WindowFunc, mem *Memory) Operator {
	w := &windowOp{in: in, partitionBy: partitionBy, orderBy: orderBy, inTypes: in.Types(), acct: heldMem{mem: mem}}
	w.types = append([]vec.Type(nil), w.inTypes...)
	w.funcs = make([]WindowFunc, len(funcs))
	for i, f := range funcs {
		f, err := w.check(f)
		if err != nil && w.err == nil {
			w.err = err
		}
		w.funcs[i] = f
		w.types = append(w.types, f.ResultType)
	}
	return w
}

// check validates f against the input and fills in its defaults.
func (w *windowOp) check(f WindowFunc) (WindowFunc, error) {
	for _, a := range f.Args {
		if a < 0 || a >= len(w.inTypes) {
			return f, sqlerr.New(sqlerr.InternalError, "window function %s: argument column %d out of range", f.Name, a)
		}
	}
	var argTypes []vec.Type
	for _, a := range f.Args {
		argTypes = append(argTypes, w.inTypes[a])
	}
	rt, err := WindowResultType(f.Name, argTypes)
	if err != nil {
		return f, err
	}
	if f.ResultType.Kind == vec.KindUnknown {
		f.ResultType = rt
	} else if f.ResultType.Kind != rt.Kind {
		return f, sqlerr.New(sqlerr.InternalError, "window function %s: result type %s, want %s", f.Name, f.ResultType, rt)
	}
	switch f.Name {
	case "sum", "avg", "count", "min", "max", "first_value", "last_value", "nth_value", "lag", "lead":
		if len(f.Args) == 0 {
			return f, sqlerr.New(sqlerr.UndefinedFunction, "function %s() does not exist", f.Name)
		}
	}
	if f.Name == "lag" || f.Name == "lead" {
		if err := w.checkLagLead(f, rt); err != nil {
			return f, err
		}
	}
	fr := &f.Frame
	if fr.EndKind == UnboundedPreceding {
		*fr = Frame{StartKind: UnboundedPreceding, EndKind: CurrentRow, Exclude: fr.Exclude, HasOrder: fr.HasOrder}
	}
	// PostgreSQL's parser rejects the frame's shape first; its executor
	// checks the offsets when it starts, start before end.
	switch {
	case fr.StartKind == UnboundedFollowing:
		return f, sqlerr.New(codeWindowingError, "frame start cannot be UNBOUNDED FOLLOWING")
	case fr.StartKind > fr.EndKind:
		return f, sqlerr.New(codeWindowingError, "frame starting from %s row cannot end with %s row", boundWord(fr.StartKind), boundWord(fr.EndKind))
	case fr.Mode == FrameGroups && len(w.orderBy) == 0:
		return f, sqlerr.New(codeWindowingError, "GROUPS mode requires an ORDER BY clause")
	}
	if fr.Mode == FrameRange && (isOffset(fr.StartKind) || isOffset(fr.EndKind)) {
		if len(w.orderBy) != 1 {
			return f, sqlerr.New(codeWindowingError, "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
		}
		switch t := w.inTypes[w.orderBy[0].Col]; t.Kind {
		case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric:
		default:
			return f, sqlerr.New(sqlerr.FeatureNotSupported, "RANGE with offset PRECEDING/FOLLOWING is not supported for column type %s", t)
		}
	}
	// A negative RANGE offset only fails once a key is compared with it
	// (rangeOffsetsValid); ROWS and GROUPS offsets fail at once.
	counted := fr.Mode != FrameRange
	switch {
	case isOffset(fr.StartKind) && fr.StartNull:
		return f, sqlerr.New(codeNullValueNotAllowed, "frame starting offset must not be null")
	case isOffset(fr.StartKind) && counted && fr.StartOffset < 0:
		return f, sqlerr.New(codeInvalidPrecedingOrFol, "frame starting offset must not be negative")
	case isOffset(fr.EndKind) && fr.EndNull:
		return f, sqlerr.New(codeNullValueNotAllowed, "frame ending offset must not be null")
	case isOffset(fr.EndKind) && counted && fr.EndOffset < 0:
		return f, sqlerr.New(codeInvalidPrecedingOrFol, "frame ending offset must not be negative")
	}
	return f, nil
}

// checkLagLead checks that lag's or lead's columns are where lagLeadCols
// looks for them, with types lagLead can read: the planner's promise.
func (w *windowOp) checkLagLead(f WindowFunc, rt vec.Type) error {
	if len(f.Args) > 3 || f.RowDefault && len(f.Args) != 2 {
		return sqlerr.New(sqlerr.InternalError, "window function %s: %d argument columns", f.Name, len(f.Args))
	}
	offset, deflt := f.lagLeadCols()
	if offset >= 0 {
		switch t := w.inTypes[offset]; t.Kind {
		case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		default:
			return sqlerr.New(sqlerr.InternalError, "window function %s: offset of type %s", f.Name, t)
		}
	}
	var defType *vec.Type
	if f.Default != nil {
		defType = &f.Default.Type
	}
	if deflt >= 0 {
		defType = &w.inTypes[deflt]
	}
	// pickRows copies the default's storage as the result's: a narrow
	// numeric's scale must match, a decimal's values carry their own.
	if defType != nil && (defType.Kind != rt.Kind || rt.Kind == vec.KindNumeric && defType.Scale != rt.Scale) {
		return sqlerr.New(sqlerr.InternalError, "window function %s: default of type %s for %s", f.Name, *defType, rt)
	}
	return nil
}

// lagLeadCols returns the columns lag or lead reads its offset and its
// default from per row, -1 for one that is constant (Offset, Default).
func (f WindowFunc) lagLeadCols() (offset, deflt int) {
	offset, deflt = -1, -1
	switch {
	case f.RowDefault:
		deflt = f.Args[1]
	case len(f.Args) == 3:
		offset, deflt = f.Args[1], f.Args[2]
	case len(f.Args) == 2:
		offset = f.Args[1]
	}
	return offset, deflt
}

// rangeOffsetsValid fails, as PostgreSQL's in_range functions do, when a
// RANGE frame has a negative offset and some row has a key to compare it
// with. PostgreSQL keeps every frame bound up to date whichever functions
// read them, so this holds for ranking functions too.
func (w *windowOp) rangeOffsetsValid(f WindowFunc) error {
	fr := f.Frame
	if fr.Mode != FrameRange || !(isOffset(fr.StartKind) && fr.StartOffset < 0 || isOffset(fr.EndKind) && fr.EndOffset < 0) {
		return nil
	}
	key := w.cols[w.orderBy[0].Col]
	if key.Nulls.Count(w.n) == w.n {
		return nil
	}
	return sqlerr.New(codeInvalidPrecedingOrFol, "invalid preceding or following size in window function")
}

func isOffset(b FrameBound) bool { return b == OffsetPreceding || b == OffsetFollowing }

func boundWord(b FrameBound) string {
	switch b {
	case OffsetPreceding, UnboundedPreceding:
		return "preceding"
	case CurrentRow:
		return "current"
	}
	return "following"
}

func (w *windowOp) Types() []vec.Type { return w.types }

func (w *windowOp) Next(ctx context.Context) (*vec.Batch, error) {
	if w.err != nil {
		return nil, w.err
	}
	if !w.loaded {
		w.loaded = true
		if err := w.load(ctx); err != nil {
			w.err = err
			return nil, err
		}
	}
	if w.stream != nil {
		b, err := w.nextStreamed(ctx)
		if err != nil {
			w.err = err
		}
		return b, err
	}
	if w.pos >= w.n {
		w.release()
		return nil, nil
	}
	return w.emit(w.n), nil
}

// emit returns the next rows of w.cols before end, a batch at most.
func (w *windowOp) emit(end int) *vec.Batch {
	end = min(w.pos+BatchSize, end)
	w.out.Reset()
	for c, col := range w.cols {
		w.out.Cols[c].AppendRange(col, w.pos, end)
	}
	w.out.Len = end - w.pos
	w.pos = end
	return w.out
}

func (w *windowOp) load(ctx context.Context) error {
	cols, n, err := materialiseSorted(ctx, w.in, w.inTypes, w.sortKeys(), &w.acct, w.spill, &w.merge)
	if err != nil {
		return err
	}
	w.closeInput()
	if w.merge == nil {
		err := w.loadInMemory(ctx, cols, n)
		if err == nil || w.spill == nil || sqlerr.CodeOf(err) != sqlerr.OutOfMemory || n < 2 || len(w.inTypes) == 0 {
			return err
		}
		// The input fitted the budget but sorting it or computing the
		// functions did not: what is held, sorted or not, becomes the one
		// run the stream reads back.
		cols = w.cols[:len(w.inTypes)]
	}
	return w.startStream(ctx, cols, n)
}

// loadInMemory sorts the n rows of cols and computes every function over
// them. w.cols holds the input columns (sorted once the sort is done)
// whenever it fails, so that the caller can spill them instead.
func (w *windowOp) loadInMemory(ctx context.Context, cols []*vec.Vec, n int) error {
	w.cols, w.n = cols, n
	keys := w.sortKeys()
	if len(keys) > 0 && n > 1 {
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		sortRows(cols, keys, perm)
		held := colsHeldBytes(cols)
		sorted := newColumnSet(w.inTypes, n)
		for c, col := range cols {
			appendRowsAt(sorted[c], col, perm)
			cols[c] = nil
		}
		w.cols = sorted
		// Both copies were held for a moment; that peak is what a tight
		// budget has to allow.
		if err := w.acct.grow(colsHeldBytes(sorted)); err != nil {
			return err
		}
		w.acct.shrink(held)
	}
	if len(keys) > 0 {
		// What sorting took, accounted with the rows (materialiseSorted).
		w.acct.shrink(sortStateBytes * int64(n))
	}
	if err := w.evaluate(ctx, n, nil); err != nil {
		w.cols = w.cols[:len(w.inTypes)]
		return err
	}
	w.dropLayout()
	w.out = vec.NewBatch(w.types, min(n, BatchSize))
	return nil
}

// sortKeys are the partition keys followed by the ORDER BY keys: the
// order the operator sorts its input in.
func (w *windowOp) sortKeys() []SortKey {
	keys := make([]SortKey, 0, len(w.partitionBy)+len(w.orderBy))
	for _, p := range w.partitionBy {
		keys = append(keys, SortKey{Col: p})
	}
	return append(keys, w.orderBy...)
}

// evaluate computes every function over the first n rows of w.cols, which
// hold the sorted input (perhaps more rows after those n), and appends one
// result column per function. The n rows are whole partitions, or with
// carry one piece of a partition too big to hold (window_spill.go). The
// layout it builds stays until dropLayout.
func (w *windowOp) evaluate(ctx context.Context, n int, carry *partCarry) error {
	w.n = n
	if err := w.acct.grow(12 * int64(n)); err != nil {
		return err
	}
	w.layout(w.sortKeys()[:len(w.partitionBy)])
	for i, f := range w.funcs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.rangeOffsetsValid(f); err != nil {
			return err
		}
		res := vec.New(f.ResultType, n)
		var seed *funcCarry
		if carry != nil && carry.funcs[i].running {
			seed = &carry.funcs[i]
		}
		if err := w.compute(ctx, f, seed, res); err != nil {
			return err
		}
		if carry != nil {
			res = w.addCarried(carry, i, res)
		}
		if err := w.acct.grow(colHeldBytes(res)); err != nil {
			return err
		}
		w.cols = append(w.cols, res)
	}
	return nil
}

// dropLayout lets go of what evaluate built besides the results.
func (w *windowOp) dropLayout() {
	w.grp, w.groups, w.parts, w.fs, w.fe, w.rangeKey = nil, nil, nil, nil, nil, nil
}

// layout finds the partitions and peer groups of the sorted rows.
func (w *windowOp) layout(partKeys []SortKey) {
	n := w.n
	partCmp := keysCmp(partKeys, w.cols, w.cols)
	peerCmp := keysCmp(w.orderBy, w.cols, w.cols)
	w.parts = append(w.parts[:0], 0)
	w.groups = append(w.groups[:0], 0)
	w.grp = make([]int32, n)
	for i := 1; i < n; i++ {
		switch {
		case partCmp(i-1, i) != 0:
			w.parts = append(w.parts, int32(i))
			w.groups = append(w.groups, int32(i))
		case peerCmp(i-1, i) != 0:
			w.groups = append(w.groups, int32(i))
		}
		w.grp[i] = int32(len(w.groups) - 1)
	}
	if n == 0 {
		w.parts, w.groups = w.parts[:0], w.groups[:0]
	}
	w.parts = append(w.parts, int32(n))
	w.groups = append(w.groups, int32(n))
}

// partitions calls f for each partition [ps, pe).
func (w *windowOp) partitions(f func(ps, pe int) error) error {
	for p := 0; p+1 < len(w.parts); p++ {
		if err := f(int(w.parts[p]), int(w.parts[p+1])); err != nil {
			return err
		}
	}
	return nil
}

// compute fills res with f over the rows of w.cols. seed, set only for a
// function whose frame starts at UNBOUNDED PRECEDING while a partition is
// streamed, is the state its rows before w.cols left behind.
func (w *windowOp) compute(ctx context.Context, f WindowFunc, seed *funcCarry, res *vec.Vec) error {
	switch f.Name {
	case "row_number", "rank", "dense_rank", "percent_rank", "cume_dist":
		return w.ranking(f.Name, res)
	case "ntile":
		return w.ntile(f, res)
	case "lag", "lead":
		return w.lagLead(f, res)
	}
	if err := w.frames(f.Frame); err != nil {
		return err
	}
	ex := f.Frame.Exclude
	switch f.Name {
	case "first_value", "last_value", "nth_value":
		return w.frameValue(f, res)
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
		if ex != ExcludeNoOthers {
			return w.minMaxExcluding(f, res)
		}
		return w.minMax(f, res)
	case "sum", "avg":
		return w.sumAvg(ctx, f, seed, res)
	case "string_agg":
		return w.stringAgg(ctx, f, res)
	}
	return sqlerr.New(sqlerr.UndefinedFunction, "window function %s does not exist", f.Name)
}

// fixedResult prepares res as n values and returns them. T must be the
// storage type of res's kind.
func fixedResult[T int32 | int64 | float32 | float64 | vec.Interval | decimal.Decimal](res *vec.Vec, n int) []T {
	res.Prepare(res.Type, n)
	var out any
	switch res.Type.Kind {
	case vec.KindInt32, vec.KindDate:
		out = res.Int32s()
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		out = res.Int64s()
	case vec.KindFloat32:
		out = res.Float32s()
	case vec.KindFloat64:
		out = res.Float64s()
	case vec.KindInterval:
		out = res.Intervals()
	case vec.KindDecimal:
		out = res.Decimals()
	}
	return out.([]T)
}

func (w *windowOp) ranking(name string, res *vec.Vec) error {
	if name == "percent_rank" || name == "cume_dist" {
		out := fixedResult[float64](res, w.n)
		return w.partitions(func(ps, pe int) error {
			size := float64(pe - ps)
			for i := ps; i < pe; i++ {
				g := w.grp[i]
				if name == "cume_dist" {
					out[i] = float64(int(w.groups[g+1])-ps) / size
				} else if pe-ps > 1 {
					out[i] = float64(int(w.groups[g])-ps) / (size - 1)
				} else {
					out[i] = 0
				}
			}
			return nil
		})
	}
	out := fixedResult[int64](res, w.n)
	return w.partitions(func(ps, pe int) error {
		first := w.grp[ps]
		for i := ps; i < pe; i++ {
			switch name {
			case "row_number":
				out[i] = int64(i - ps + 1)
			case "rank":
				out[i] = int64(int(w.groups[w.grp[i]]) - ps + 1)
			default:
				out[i] = int64(w.grp[i] - first + 1)
			}
		}
		return nil
	})
}

// ntile follows PostgreSQL: the bucket count is read at the partition's
// first row (at the next row while it is NULL, those rows getting NULL),
// and the first total%buckets buckets get one extra row.
func (w *windowOp) ntile(f WindowFunc, res *vec.Vec) error {
	out := fixedResult[int32](res, w.n)
	var arg *vec.Vec
	var argVals []int64
	if len(f.Args) > 0 {
		arg = w.cols[f.Args[0]]
		argVals = intValues(arg)
	}
	return w.partitions(func(ps, pe int) error {
		total := int64(pe - ps)
		var bucket, inBucket, boundary, remainder int64
		for i := ps; i < pe; i++ {
			if bucket == 0 {
				buckets := f.Offset
				if arg != nil {
					if arg.Nulls.IsNull(i) {
						res.Nulls.SetNull(i)
						continue
					}
					buckets = argVals[i]
				}
				if buckets <= 0 {
					return sqlerr.New(codeInvalidNtile, "argument of ntile must be greater than zero")
				}
				bucket, inBucket = 1, 0
				boundary, remainder = total/buckets, 0
				if boundary <= 0 {
					boundary = 1
				} else if remainder = total % buckets; remainder != 0 {
					boundary++
				}
			}
			inBucket++
			if inBucket > boundary {
				if remainder != 0 && bucket == remainder {
					remainder = 0
					boundary--
				}
				bucket++
				inBucket = 1
			}
			out[i] = int32(bucket)
		}
		return nil
	})
}

// intValues returns an integer column's values widened to int64.
func intValues(v *vec.Vec) []int64 {
	switch v.Type.Kind {
	case vec.KindInt16:
		return widen(v.Int16s())
	case vec.KindInt32, vec.KindDate:
		return widen(v.Int32s())
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		return v.Int64s()
	}
	return make([]int64, v.Len())
}

func widen[T int16 | int32](s []T) []int64 {
	out := make([]int64, len(s))
	for i, x := range s {
		out[i] = int64(x)
	}
	return out
}

// Special source rows for pickRows.
const (
	pickNull    = -1 // the result is NULL
	pickDefault = -2 // the result is lag's or lead's default
)

// lagLead picks, for each row, the row offset rows before (lag) or after
// (lead) it in its partition, ignoring the frame.
func (w *windowOp) lagLead(f WindowFunc, res *vec.Vec) error {
	src := w.cols[f.Args[0]]
	offArg, defArg := f.lagLeadCols()
	var offCol *vec.Vec
	var offVals []int64
	if offArg >= 0 {
		offCol = w.cols[offArg]
		offVals = intValues(offCol)
	}
	def, defPerRow := f.Default, defArg >= 0
	if defPerRow {
		def = w.cols[defArg]
	}
	idx := make([]int32, w.n)
	err := w.partitions(func(ps, pe int) error {
		for i := ps; i < pe; i++ {
			off := f.Offset
			if offCol != nil {
				if offCol.Nulls.IsNull(i) {
					idx[i] = pickNull
					continue
				}
				off = offVals[i]
			}
			if f.Name == "lag" {
				off = negSat(off)
			}
			// The target is i+off; compare against the partition without
			// computing it, so huge offsets cannot overflow.
			switch {
			case off >= 0 && off < int64(pe-i), off < 0 && off >= -int64(i-ps):
				idx[i] = int32(int64(i) + off)
			default:
				idx[i] = pickDefault
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	pickRows(res, src, idx, def, defPerRow)
	return nil
}

func negSat(x int64) int64 {
	if x == math.MinInt64 {
		return math.MaxInt64
	}
	return -x
}

// frameValue is first_value, last_value and nth_value: the frame's first,
// last or nth row, NULL past its end. Under an exclusion the position
// steps over the excluded rows (inFrameExcluding).
func (w *windowOp) frameValue(f WindowFunc, res *vec.Vec) error {
	src := w.cols[f.Args[0]]
	ex := f.Frame.Exclude
	last := f.Name == "last_value"
	var nthCol *vec.Vec
	var nthVals []int64
	if f.Name == "nth_value" && len(f.Args) > 1 {
		nthCol = w.cols[f.Args[1]]
		nthVals = intValues(nthCol)
	}
	idx := make([]int32, w.n)
	for i := range idx {
		idx[i] = pickNull
		// rel is how far past the frame's head the row is: nth_value's n
		// less one, 0 for the others (last_value reads the tail instead).
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
			// Also covers an empty frame; no exclusion brings a position
			// past the tail back into the frame.
			continue
		}
		pos := head + rel
		if last {
			pos = tail - 1
		}
		if ex != ExcludeNoOthers {
			var ok bool
			if pos, ok = w.inFrameExcluding(ex, last, i, pos, head, tail); !ok {
				continue
			}
		}
		idx[i] = int32(pos)
	}
	pickRows(res, src, idx, nil, false)
	return nil
}

// pickRows fills res with, per row i, row idx[i] of src, NULL for pickNull,
// and for pickDefault row 0 of def (row i when defPerRow; NULL when def is
// nil).
func pickRows(res, src *vec.Vec, idx []int32, def *vec.Vec, defPerRow bool) {
	n := len(idx)
	defRow := func(i int) int {
		if defPerRow {
			return i
		}
		return 0
	}
	if def == nil {
		for i, r := range idx {
			if r == pickDefault {
				idx[i] = pickNull
			}
		}
	}
	switch src.Type.Kind {
	case vec.KindText, vec.KindBytea:
		res.Prepare(res.Type, n)
		rb, sb := res.Bytes(), src.Bytes()
		for i, r := range idx {
			switch {
			case r >= 0:
				rb.Append(sb.Get(int(r)))
			case r == pickDefault:
				rb.Append(def.Bytes().Get(defRow(i)))
			default:
				rb.Append(nil)
			}
		}
		res.SetLen(n)
	case vec.KindBool:
		res.Prepare(res.Type, n)
		pickTyped(res.Bools(), src.Bools(), idx, defSlice(def, (*vec.Vec).Bools), defPerRow)
	case vec.KindInt16:
		res.Prepare(res.Type, n)
		pickTyped(res.Int16s(), src.Int16s(), idx, defSlice(def, (*vec.Vec).Int16s), defPerRow)
	case vec.KindInt32, vec.KindDate:
		res.Prepare(res.Type, n)
		pickTyped(res.Int32s(), src.Int32s(), idx, defSlice(def, (*vec.Vec).Int32s), defPerRow)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		res.Prepare(res.Type, n)
		pickTyped(res.Int64s(), src.Int64s(), idx, defSlice(def, (*vec.Vec).Int64s), defPerRow)
	case vec.KindFloat32:
		res.Prepare(res.Type, n)
		pickTyped(res.Float32s(), src.Float32s(), idx, defSlice(def, (*vec.Vec).Float32s), defPerRow)
	case vec.KindFloat64:
		res.Prepare(res.Type, n)
		pickTyped(res.Float64s(), src.Float64s(), idx, defSlice(def, (*vec.Vec).Float64s), defPerRow)
	case vec.KindInterval:
		res.Prepare(res.Type, n)
		pickTyped(res.Intervals(), src.Intervals(), idx, defSlice(def, (*vec.Vec).Intervals), defPerRow)
	case vec.KindDecimal:
		res.Prepare(res.Type, n)
		pickTyped(res.Decimals(), src.Decimals(), idx, defSlice(def, (*vec.Vec).Decimals), defPerRow)
	}
	srcNulls, defNulls := colHasNulls(src), def != nil && colHasNulls(def)
	for i, r := range idx {
		switch {
		case r == pickNull:
			res.Nulls.SetNull(i)
		case r == pickDefault:
			if defNulls && def.Nulls.IsNull(defRow(i)) {
				res.Nulls.SetNull(i)
			}
		case srcNulls && src.Nulls.IsNull(int(r)):
			res.Nulls.SetNull(i)
		}
	}
}

func defSlice[T any](def *vec.Vec, get func(*vec.Vec) []T) []T {
	if def == nil {
		return nil
	}
	return get(def)
}

func pickTyped[T any](out, src []T, idx []int32, def []T, defPerRow bool) {
	var zero T
	for i, r := range idx {
		switch {
		case r >= 0:
			out[i] = src[r]
		case r == pickDefault && defPerRow:
			out[i] = def[i]
		case r == pickDefault:
			out[i] = def[0]
		default:
			out[i] = zero
		}
	}
}

// prefixCounts returns c with c[i] the number of non-NULL values among the
// sorted rows before i, so a frame's count is c[e]-c[s].
func (w *windowOp) prefixCounts(arg *vec.Vec) []int32 {
	c := make([]int32, w.n+1)
	if !colHasNulls(arg) {
		for i := range c {
			c[i] = int32(i)
		}
		return c
	}
	for i := 0; i < w.n; i++ {
		c[i+1] = c[i]
		if !arg.Nulls.IsNull(i) {
			c[i+1]++
		}
	}
	return c
}

func (w *windowOp) release() {
	w.cols = nil
	w.acct.release()
}

func (w *windowOp) closeInput() {
	if !w.inClosed {
		w.inClosed = true
		w.in.Close()
	}
}

func (w *windowOp) Close() {
	w.closeInput()
	w.release()
	if w.merge != nil {
		w.merge.close()
		w.merge = nil
	}
	if w.stream != nil {
		w.stream.merge.close()
		w.stream = nil
	}
	w.loaded = true
	w.n, w.pos = 0, 0
}
