package cell

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/lz4"
)

// Default row group limits. 128K rows matches DuckDB's 122,880 and makes one
// row group a good morsel; the byte limit keeps wide rows from building huge
// row groups in memory.
const (
	DefaultRowGroupRows  = 128 << 10
	DefaultRowGroupBytes = 64 << 20
	// DefaultPageBytes is the in-memory size at which parquet-go cuts a
	// page. 1 MiB pages keep page headers and the page index small while a
	// page still decodes within CPU caches.
	DefaultPageBytes = 1 << 20
)

// WriterOptions configure a Writer.
type WriterOptions struct {
	// TxnID names the writing transaction; it starts every cell name so
	// that garbage collection can tie orphaned cells to failed commits.
	TxnID string
	// TargetCellBytes is the on-storage size at which a cell is closed and
	// the next begun (see TargetCellBytes and TargetFromOptions). Zero means
	// TargetCellBytes(0), the minimum.
	TargetCellBytes int64
	// RowGroupRows and RowGroupBytes cap a row group by rows and by
	// in-memory (decoded) bytes; zero picks the defaults. The byte cap is
	// also cut to what still fits the current cell, so cells end near the
	// target instead of one row group past it.
	RowGroupRows  int
	RowGroupBytes int64
	// PageBytes is the page size before encoding; zero means
	// DefaultPageBytes.
	PageBytes int
}

// Writer turns batches into cells under one frame prefix. Rows are routed to
// their partition, buffered up to one row group, encoded into an in-memory
// Parquet file per partition and put into the store when the file reaches
// the target size or the writer is closed. Memory held: per open partition,
// one row group of decoded rows plus the encoded cell so far (≤ target).
//
// A Writer is not safe for concurrent use; use one per bee.
type Writer struct {
	store  objstore.Store
	prefix string
	schema *Schema
	opts   WriterOptions
	nonce  string
	seq    int

	parts map[string]*partWriter
	order []*partWriter
	added []txn.AddCell
	keys  []string // object keys written, for Abort

	// ratio estimates encoded bytes per decoded byte from finished row
	// groups; it sizes later row groups to fill cells to the target.
	encoded, decoded int64

	values []parquet.Value
	ivl    []byte
	dec    []byte
}

// partWriter is the state of one partition tuple.
type partWriter struct {
	dir     string
	pvals   map[string]string
	pending []*vec.Vec
	rows    int
	bytes   int64

	buf       bytes.Buffer
	pw        *parquet.GenericWriter[any]
	cellRows  int64
	cellStats []statsAcc
	rgStats   [][]txn.ColumnStats
}

// NewWriter returns a writer of cells for the frame stored under prefix
// (cell keys are prefix + "/" + AddCell.Path).
func NewWriter(store objstore.Store, prefix string, schema *Schema, opts WriterOptions) (*Writer, error) {
	if opts.TxnID == "" {
		return nil, fmt.Errorf("cell: writer needs a transaction id")
	}
	if opts.TargetCellBytes <= 0 {
		opts.TargetCellBytes = TargetCellBytes(0)
	}
	if opts.RowGroupRows <= 0 {
		opts.RowGroupRows = DefaultRowGroupRows
	}
	if opts.RowGroupBytes <= 0 {
		opts.RowGroupBytes = DefaultRowGroupBytes
	}
	if opts.PageBytes <= 0 {
		opts.PageBytes = DefaultPageBytes
	}
	var nonce [4]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return nil, fmt.Errorf("cell: writer nonce: %w", err)
	}
	return &Writer{
		store:  store,
		prefix: strings.TrimSuffix(prefix, "/"),
		schema: schema,
		opts:   opts,
		nonce:  hex.EncodeToString(nonce[:]),
		parts:  map[string]*partWriter{},
	}, nil
}

// Write adds the live rows of b (columns in schema order).
func (w *Writer) Write(ctx context.Context, b *vec.Batch) error {
	if len(b.Cols) != len(w.schema.Columns) {
		return fmt.Errorf("cell: batch has %d columns, frame %d", len(b.Cols), len(w.schema.Columns))
	}
	for i, c := range b.Cols {
		if c.Type.Kind != w.schema.Columns[i].Type.Kind {
			return fmt.Errorf("cell: column %q is %s, batch has %s", w.schema.Columns[i].Name, w.schema.Columns[i].Type, c.Type)
		}
		if w.schema.Columns[i].NotNull && c.Nulls.Any() {
			var sel []int32
			if b.Sel != nil {
				sel = b.Sel[:b.Len]
			}
			if hasNull(c, b.Len, sel) {
				return fmt.Errorf("cell: NULL in NOT NULL column %q", w.schema.Columns[i].Name)
			}
		}
	}
	if b.Len == 0 {
		return nil
	}
	if len(w.schema.Partition) == 0 {
		p := w.part("", nil, nil)
		if b.Sel == nil {
			return w.appendRange(ctx, p, b, 0, b.Len)
		}
		return w.appendSel(ctx, p, b, b.Sel[:b.Len])
	}
	// Route rows by partition tuple. The common case of a batch inside one
	// partition goes through the bulk path; otherwise rows are grouped first
	// so each partition still receives a selection, not single rows.
	groups := map[string][]int32{}
	var order []string
	vals := make([]string, len(w.schema.Partition))
	oks := make([]bool, len(w.schema.Partition))
	var key strings.Builder
	for i := 0; i < b.Len; i++ {
		r := b.Row(i)
		key.Reset()
		for j, ci := range w.schema.Partition {
			vals[j], oks[j] = partitionText(b.Cols[ci], r)
			if oks[j] {
				key.WriteByte(1)
				key.WriteString(vals[j])
			} else {
				key.WriteByte(0)
			}
			key.WriteByte(0xFF) // not valid UTF-8, so never inside a value
		}
		k := key.String()
		g, seen := groups[k]
		if !seen {
			order = append(order, k)
			w.part(k, vals, oks)
		}
		groups[k] = append(g, int32(r))
	}
	for _, k := range order {
		if err := w.appendSel(ctx, w.parts[k], b, groups[k]); err != nil {
			return err
		}
	}
	return nil
}

func hasNull(c *vec.Vec, n int, sel []int32) bool {
	if sel == nil {
		return c.Nulls.Count(n) > 0
	}
	for _, r := range sel {
		if c.Nulls.IsNull(int(r)) {
			return true
		}
	}
	return false
}

// part returns the partition writer for key, creating it.
func (w *Writer) part(key string, vals []string, oks []bool) *partWriter {
	if p, ok := w.parts[key]; ok {
		return p
	}
	p := &partWriter{pvals: map[string]string{}}
	if len(w.schema.Partition) > 0 {
		p.dir = partitionDir(w.schema, vals, oks)
		for j, ci := range w.schema.Partition {
			if oks[j] {
				p.pvals[w.schema.Columns[ci].Name] = vals[j]
			}
		}
	}
	p.pending = make([]*vec.Vec, len(w.schema.Columns))
	for i, c := range w.schema.Columns {
		p.pending[i] = vec.New(c.Type, 1024)
	}
	w.parts[key] = p
	w.order = append(w.order, p)
	return p
}

// rowGroupByteCap is the decoded size at which p's pending rows become a row
// group: the configured cap, lowered to what the current cell still has room
// for at the observed compression ratio (1:1 until a row group has been
// encoded), but never below 1 MiB or 1/16 of the cap so row groups stay
// worth a morsel.
func (w *Writer) rowGroupByteCap(p *partWriter) int64 {
	limit := w.opts.RowGroupBytes
	room := w.opts.TargetCellBytes - int64(p.buf.Len())
	fit := room // before any row group is encoded, assume no compression
	if w.decoded > 0 && w.encoded > 0 {
		fit = room * w.decoded / w.encoded
	}
	return min(limit, max(fit, w.opts.RowGroupBytes/16, 1<<20))
}

func (w *Writer) appendRange(ctx context.Context, p *partWriter, b *vec.Batch, lo, hi int) error {
	for lo < hi {
		n := min(hi-lo, w.opts.RowGroupRows-p.rows)
		for i, c := range b.Cols {
			p.bytes += appendRows(p.pending[i], c, lo, lo+n)
		}
		p.rows += n
		lo += n
		if p.rows >= w.opts.RowGroupRows || p.bytes >= w.rowGroupByteCap(p) {
			if err := w.flushRowGroup(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *Writer) appendSel(ctx context.Context, p *partWriter, b *vec.Batch, sel []int32) error {
	for len(sel) > 0 {
		n := min(len(sel), w.opts.RowGroupRows-p.rows)
		for i, c := range b.Cols {
			p.bytes += appendSel(p.pending[i], c, sel[:n])
		}
		p.rows += n
		sel = sel[n:]
		if p.rows >= w.opts.RowGroupRows || p.bytes >= w.rowGroupByteCap(p) {
			if err := w.flushRowGroup(ctx, p); err != nil {
				return err
			}
		}
	}
	return nil
}

// appendRows copies rows [lo, hi) of src to dst and returns the decoded bytes
// added.
func appendRows(dst, src *vec.Vec, lo, hi int) int64 {
	base := dst.Len()
	if src.Nulls.Any() {
		for i := lo; i < hi; i++ {
			if src.Nulls.IsNull(i) {
				dst.Nulls.SetNull(base + i - lo)
			}
		}
	}
	n := int64(hi - lo)
	switch src.Type.Kind {
	case vec.KindBool:
		dst.SetBools(append(dst.Bools(), src.Bools()[lo:hi]...))
		return n
	case vec.KindInt16:
		dst.SetInt16s(append(dst.Int16s(), src.Int16s()[lo:hi]...))
		return 2 * n
	case vec.KindInt32, vec.KindDate:
		dst.SetInt32s(append(dst.Int32s(), src.Int32s()[lo:hi]...))
		return 4 * n
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		dst.SetInt64s(append(dst.Int64s(), src.Int64s()[lo:hi]...))
		return 8 * n
	case vec.KindFloat32:
		dst.SetFloat32s(append(dst.Float32s(), src.Float32s()[lo:hi]...))
		return 4 * n
	case vec.KindFloat64:
		dst.SetFloat64s(append(dst.Float64s(), src.Float64s()[lo:hi]...))
		return 8 * n
	case vec.KindInterval:
		dst.SetIntervals(append(dst.Intervals(), src.Intervals()[lo:hi]...))
		return 16 * n
	case vec.KindDecimal:
		dst.SetDecimals(append(dst.Decimals(), src.Decimals()[lo:hi]...))
		return decimalSize * n
	case vec.KindText, vec.KindBytea:
		d, s := dst.Bytes(), src.Bytes()
		bb := vec.Bytes{Data: d.Data, Offsets: d.Offsets}
		if len(bb.Offsets) == 0 {
			bb.Offsets = append(bb.Offsets, 0)
		}
		start := s.Offsets[lo]
		shift := int32(len(bb.Data)) - start
		bb.Data = append(bb.Data, s.Data[start:s.Offsets[hi]]...)
		for _, o := range s.Offsets[lo+1 : hi+1] {
			bb.Offsets = append(bb.Offsets, o+shift)
		}
		dst.SetBytes(bb)
		return int64(s.Offsets[hi]-start) + 4*n
	}
	return 0
}

// appendSel copies the rows sel of src to dst and returns the decoded bytes
// added.
func appendSel(dst, src *vec.Vec, sel []int32) int64 {
	base := dst.Len()
	if src.Nulls.Any() {
		for i, r := range sel {
			if src.Nulls.IsNull(int(r)) {
				dst.Nulls.SetNull(base + i)
			}
		}
	}
	n := int64(len(sel))
	switch src.Type.Kind {
	case vec.KindBool:
		dst.SetBools(gatherAppend(dst.Bools(), src.Bools(), sel))
		return n
	case vec.KindInt16:
		dst.SetInt16s(gatherAppend(dst.Int16s(), src.Int16s(), sel))
		return 2 * n
	case vec.KindInt32, vec.KindDate:
		dst.SetInt32s(gatherAppend(dst.Int32s(), src.Int32s(), sel))
		return 4 * n
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		dst.SetInt64s(gatherAppend(dst.Int64s(), src.Int64s(), sel))
		return 8 * n
	case vec.KindFloat32:
		dst.SetFloat32s(gatherAppend(dst.Float32s(), src.Float32s(), sel))
		return 4 * n
	case vec.KindFloat64:
		dst.SetFloat64s(gatherAppend(dst.Float64s(), src.Float64s(), sel))
		return 8 * n
	case vec.KindInterval:
		dst.SetIntervals(gatherAppend(dst.Intervals(), src.Intervals(), sel))
		return 16 * n
	case vec.KindDecimal:
		dst.SetDecimals(gatherAppend(dst.Decimals(), src.Decimals(), sel))
		return decimalSize * n
	case vec.KindText, vec.KindBytea:
		d, s := dst.Bytes(), src.Bytes()
		bb := vec.Bytes{Data: d.Data, Offsets: d.Offsets}
		if len(bb.Offsets) == 0 {
			bb.Offsets = append(bb.Offsets, 0)
		}
		added := 4 * n
		for _, r := range sel {
			x := s.Data[s.Offsets[r]:s.Offsets[r+1]]
			bb.Data = append(bb.Data, x...)
			bb.Offsets = append(bb.Offsets, int32(len(bb.Data)))
			added += int64(len(x))
		}
		dst.SetBytes(bb)
		return added
	}
	return 0
}

func gatherAppend[T any](dst, src []T, sel []int32) []T {
	for _, r := range sel {
		dst = append(dst, src[r])
	}
	return dst
}

// useDictionary decides a text or bytea column's encoding for one cell
// from its first row group: dictionary pages pay off when values repeat
// (flags, codes, names) and cost a hash lookup per value and a second copy
// when they do not.
func useDictionary(v *vec.Vec) bool {
	if v.Type.Kind != vec.KindText && v.Type.Kind != vec.KindBytea {
		return false
	}
	b := v.Bytes()
	n := min(v.Len(), 4096)
	if n == 0 {
		return true
	}
	seen := make(map[string]struct{}, 256)
	for i := 0; i < n; i++ {
		seen[string(b.Get(i))] = struct{}{}
		if len(seen) > n/4+16 {
			return false
		}
	}
	return true
}

// openCell starts the Parquet writer of p's next cell.
func (w *Writer) openCell(p *partWriter) {
	dict := make([]bool, len(w.schema.Columns))
	for i := range dict {
		dict[i] = useDictionary(p.pending[i])
	}
	opts := []parquet.WriterOption{
		w.schema.parquetSchema(dict),
		parquet.Compression(&lz4Fastest),
		parquet.DataPageVersion(2),
		parquet.PageBufferSize(w.opts.PageBytes),
		// Writing straight into the buffer avoids a second copy through
		// bufio: the cell is in memory anyway until it is put.
		parquet.WriteBufferSize(0),
		parquet.CreatedBy("apiary", "0", ""),
		parquet.KeyValueMetadata(metaSchema, mustJSON(w.schema.ledgerColumns())),
	}
	for i, c := range w.schema.Columns {
		if c.Type.Kind == vec.KindInterval || c.Type.Kind == vec.KindBytea || c.Type.Kind == vec.KindDecimal {
			// Byte-wise bounds of these are meaningless (interval, and
			// two's-complement decimals, negative ones sorting last) or
			// unbounded in size (bytea): keep them out of the footer; the
			// stats key holds the decimals' bounds.
			opts = append(opts, parquet.SkipPageBounds(w.schema.Columns[i].Name))
		}
	}
	p.buf.Reset()
	p.pw = parquet.NewGenericWriter[any](&p.buf, opts...)
	p.cellRows = 0
	p.cellStats = make([]statsAcc, len(w.schema.Columns))
	for i, c := range w.schema.Columns {
		p.cellStats[i] = newStatsAcc(c.Type.Kind)
	}
	p.rgStats = p.rgStats[:0]
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// flushRowGroup encodes p's pending rows as one row group and closes the
// cell when it reached the target size.
func (w *Writer) flushRowGroup(ctx context.Context, p *partWriter) error {
	if p.rows == 0 {
		return nil
	}
	if p.pw == nil {
		w.openCell(p)
	}
	before := p.buf.Len()
	cols := p.pw.ColumnWriters()
	rg := make([]txn.ColumnStats, len(w.schema.Columns))
	for i, c := range w.schema.Columns {
		acc := newStatsAcc(c.Type.Kind)
		acc.addVec(p.pending[i], 0, p.rows)
		cs, err := acc.columnStats(c)
		if err != nil {
			return fmt.Errorf("cell: stats of %q: %w", c.Name, err)
		}
		rg[i] = cs
		p.cellStats[i].merge(&acc)
		if err := w.writeColumn(cols[i], i, p.pending[i], p.rows); err != nil {
			return fmt.Errorf("cell: write column %q: %w", c.Name, err)
		}
	}
	if err := p.pw.Flush(); err != nil {
		return fmt.Errorf("cell: flush row group: %w", err)
	}
	p.rgStats = append(p.rgStats, rg)
	w.encoded += int64(p.buf.Len() - before)
	w.decoded += p.bytes
	p.cellRows += int64(p.rows)
	for _, v := range p.pending {
		v.Reset()
	}
	p.rows, p.bytes = 0, 0
	if int64(p.buf.Len()) >= w.opts.TargetCellBytes {
		return w.closeCell(ctx, p)
	}
	return nil
}

// lz4Fastest is LZ4_RAW with the plain (non-HC) LZ4 compressor. parquet-go's
// default Lz4Raw level runs the high-compression compressor, which made the
// lineitem write benchmark 14× slower (11 MB/s instead of 157 MB/s on a
// 2-core x86 box): writes would be CPU-bound at a few MB/s on a Pi.
var lz4Fastest = lz4.Codec{Level: lz4.Fastest}

// valueChunk is how many parquet.Values are built per column write; it
// bounds the scratch memory and lets parquet-go cut pages between chunks.
const valueChunk = 4096

// writeColumn hands column col (n rows) to parquet-go. Values are built in
// typed loops, one kind per loop; parquet-go needs parquet.Value structs for
// optional columns, which carry the definition level per value.
func (w *Writer) writeColumn(cw *parquet.ColumnWriter, col int, v *vec.Vec, n int) error {
	optional := !w.schema.Columns[col].NotNull
	hasNulls := optional && v.Nulls.Any()
	def := 0
	if optional {
		def = 1
	}
	if cap(w.values) < valueChunk {
		w.values = make([]parquet.Value, valueChunk)
	}
	for lo := 0; lo < n; lo += valueChunk {
		hi := min(lo+valueChunk, n)
		vals := w.values[:hi-lo]
		switch v.Type.Kind {
		case vec.KindBool:
			for i, x := range v.Bools()[lo:hi] {
				vals[i] = parquet.BooleanValue(x).Level(0, def, col)
			}
		case vec.KindInt16:
			for i, x := range v.Int16s()[lo:hi] {
				vals[i] = parquet.Int32Value(int32(x)).Level(0, def, col)
			}
		case vec.KindInt32, vec.KindDate:
			for i, x := range v.Int32s()[lo:hi] {
				vals[i] = parquet.Int32Value(x).Level(0, def, col)
			}
		case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
			for i, x := range v.Int64s()[lo:hi] {
				vals[i] = parquet.Int64Value(x).Level(0, def, col)
			}
		case vec.KindFloat32:
			for i, x := range v.Float32s()[lo:hi] {
				vals[i] = parquet.FloatValue(x).Level(0, def, col)
			}
		case vec.KindFloat64:
			for i, x := range v.Float64s()[lo:hi] {
				vals[i] = parquet.DoubleValue(x).Level(0, def, col)
			}
		case vec.KindText, vec.KindBytea:
			b := v.Bytes()
			offs := b.Offsets[lo : hi+1]
			for i := range vals {
				vals[i] = parquet.ByteArrayValue(b.Data[offs[i]:offs[i+1]]).Level(0, def, col)
			}
		case vec.KindInterval:
			ivs := v.Intervals()[lo:hi]
			if cap(w.ivl) < len(ivs)*intervalSize {
				w.ivl = make([]byte, valueChunk*intervalSize)
			}
			for i, x := range ivs {
				e := w.ivl[i*intervalSize : (i+1)*intervalSize]
				binary.LittleEndian.PutUint32(e[0:], uint32(x.Months))
				binary.LittleEndian.PutUint32(e[4:], uint32(x.Days))
				binary.LittleEndian.PutUint64(e[8:], uint64(x.Micros))
				vals[i] = parquet.FixedLenByteArrayValue(e).Level(0, def, col)
			}
		case vec.KindDecimal:
			ds := v.Decimals()[lo:hi]
			if cap(w.dec) < len(ds)*decimalSize {
				w.dec = make([]byte, valueChunk*decimalSize)
			}
			t := w.schema.Columns[col].Type
			for i, x := range ds {
				if x.Scale != t.Scale && (!hasNulls || !v.Nulls.IsNull(lo+i)) {
					// The column's casts give every value its scale; a
					// value that arrives otherwise is fitted, not stored
					// at a scale the file's type would misread.
					var err error
					if x, err = vec.FitDecimal(x, t); err != nil {
						return err
					}
				}
				e := w.dec[i*decimalSize : (i+1)*decimalSize]
				binary.BigEndian.PutUint64(e[0:], uint64(x.Hi))
				binary.BigEndian.PutUint64(e[8:], x.Lo)
				vals[i] = parquet.FixedLenByteArrayValue(e).Level(0, def, col)
			}
		}
		if hasNulls {
			for i := range vals {
				if v.Nulls.IsNull(lo + i) {
					vals[i] = parquet.NullValue().Level(0, 0, col)
				}
			}
		}
		if _, err := cw.WriteRowValues(vals); err != nil {
			return err
		}
	}
	return nil
}

// closeCell finishes p's current cell and puts it into the store.
func (w *Writer) closeCell(ctx context.Context, p *partWriter) error {
	if p.pw == nil {
		return nil
	}
	p.pw.SetKeyValueMetadata(metaStats, mustJSON(p.rgStats))
	if err := p.pw.Close(); err != nil {
		return fmt.Errorf("cell: close parquet writer: %w", err)
	}
	p.pw = nil
	w.seq++
	name := fmt.Sprintf("%s-%s-%05d.parquet", EscapePartitionValue(w.opts.TxnID), w.nonce, w.seq)
	path := "data/" + p.dir + name
	key := path
	if w.prefix != "" {
		key = w.prefix + "/" + path
	}
	data := p.buf.Bytes()
	if err := w.store.PutIfAbsent(ctx, key, data); err != nil {
		return fmt.Errorf("cell: put %s: %w", key, err)
	}
	w.keys = append(w.keys, key)
	add := txn.AddCell{Path: path, Rows: p.cellRows, Bytes: int64(len(data)), DataChange: true}
	if len(p.pvals) > 0 {
		add.Partition = make(map[string]string, len(p.pvals))
		for k, v := range p.pvals {
			add.Partition[k] = v
		}
	}
	for i, c := range w.schema.Columns {
		cs, err := p.cellStats[i].columnStats(c)
		if err != nil {
			return fmt.Errorf("cell: stats of %q: %w", c.Name, err)
		}
		add.Stats = append(add.Stats, cs)
	}
	w.added = append(w.added, add)
	// Drop a large buffer rather than keep a target-sized allocation per
	// partition alive for the rest of the write.
	if p.buf.Cap() > 1<<20 {
		p.buf = bytes.Buffer{}
	}
	return nil
}

// Close flushes every partition and returns the cells written, in the order
// they were finished. The caller commits them (or calls Abort).
func (w *Writer) Close(ctx context.Context) ([]txn.AddCell, error) {
	for _, p := range w.order {
		if err := w.flushRowGroup(ctx, p); err != nil {
			return nil, err
		}
		if err := w.closeCell(ctx, p); err != nil {
			return nil, err
		}
	}
	added := w.added
	w.added = nil
	return added, nil
}

// Abort deletes the cells this writer put. Cells never committed are
// invisible anyway; deleting them early saves garbage collection the work.
func (w *Writer) Abort(ctx context.Context) error {
	var first error
	for _, k := range w.keys {
		if err := w.store.Delete(ctx, k); err != nil && first == nil {
			first = fmt.Errorf("cell: abort delete %s: %w", k, err)
		}
	}
	w.keys = nil
	return first
}
