package cell

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// DefaultBatchSize is the number of rows per batch handed to the engine.
const DefaultBatchSize = 2048

// OpenOptions configure Open.
type OpenOptions struct {
	// WholeReadBytes: cells up to this size are fetched with one Get, which
	// costs one request instead of two or more (footer, then column chunks)
	// at the price of also fetching unprojected columns. Zero means 8 MiB;
	// negative always reads by ranges.
	WholeReadBytes int64
}

// Cell is an open Parquet cell: footer parsed, column data fetched per row
// group on demand.
type Cell struct {
	key    string
	size   int64
	file   *parquet.File
	src    *storeReader
	schema *Schema
	// rgStats holds Apiary's own per-row-group statistics when the cell
	// carries them; otherwise Parquet's are used conservatively.
	rgStats [][]txn.ColumnStats
	// Testing knobs. parquetGoPages makes every page go through
	// parquet-go, the reference the fast page reader is tested against;
	// fastPageLimit > 0 hands each chunk to parquet-go after that many
	// data pages.
	parquetGoPages bool
	fastPageLimit  int
}

// seg is a fetched byte range of the object.
type seg struct {
	off  int64
	data []byte
}

// storeReader is an io.ReaderAt over an object: ranges already fetched are
// served from memory, anything else costs a GetRange.
type storeReader struct {
	ctx   context.Context
	store objstore.Store
	key   string
	size  int64
	segs  []seg
}

func (r *storeReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= r.size {
		return 0, io.EOF
	}
	for _, s := range r.segs {
		if off >= s.off && off+int64(len(p)) <= s.off+int64(len(s.data)) {
			return copy(p, s.data[off-s.off:]), nil
		}
	}
	b, err := r.store.GetRange(r.ctx, r.key, off, int64(len(p)))
	if err != nil {
		return 0, err
	}
	n := copy(p, b)
	if n < len(p) {
		return n, io.ErrUnexpectedEOF
	}
	return n, nil
}

// segReader serves ReadAt from prefetched segments only.
type segReader []seg

// slice returns the bytes [lo, hi) of the object when one segment holds
// them, nil otherwise.
func (r segReader) slice(lo, hi int64) []byte {
	for _, s := range r {
		if lo >= s.off && hi <= s.off+int64(len(s.data)) && lo <= hi {
			return s.data[lo-s.off : hi-s.off]
		}
	}
	return nil
}

func (r segReader) ReadAt(p []byte, off int64) (int, error) {
	for _, s := range r {
		if off >= s.off && off < s.off+int64(len(s.data)) {
			n := copy(p, s.data[off-s.off:])
			if n < len(p) {
				return n, io.EOF
			}
			return n, nil
		}
	}
	return 0, fmt.Errorf("cell: read at %d outside fetched ranges", off)
}

// tailBytes is how much of the object's end Open fetches first: footers of
// cells with a few hundred row groups and columns fit, so one request
// usually suffices.
const tailBytes = 256 << 10

// Open opens the cell stored under key. size is the object size when known
// (AddCell.Bytes), or ≤ 0 to ask the store.
func Open(ctx context.Context, store objstore.Store, key string, size int64, opts OpenOptions) (*Cell, error) {
	if size <= 0 {
		info, err := store.Stat(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("cell: stat %s: %w", key, err)
		}
		size = info.Size
	}
	if size < 12 {
		return nil, fmt.Errorf("cell: %s: %d bytes is too small for Parquet", key, size)
	}
	whole := opts.WholeReadBytes
	if whole == 0 {
		whole = 8 << 20
	}
	src := &storeReader{ctx: ctx, store: store, key: key, size: size}
	if size <= whole {
		data, err := store.Get(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("cell: get %s: %w", key, err)
		}
		if int64(len(data)) != size {
			return nil, fmt.Errorf("cell: %s is %d bytes, expected %d", key, len(data), size)
		}
		src.segs = []seg{{0, data}}
	} else {
		off := max(size-tailBytes, 0)
		tail, err := store.GetRange(ctx, key, off, size-off)
		if err != nil {
			return nil, fmt.Errorf("cell: read footer %s: %w", key, err)
		}
		if int64(len(tail)) != size-off {
			return nil, fmt.Errorf("cell: read footer %s: short read", key)
		}
		footer := int64(binary.LittleEndian.Uint32(tail[len(tail)-8:])) + 8
		if footer > int64(len(tail)) && footer <= size {
			// The footer is larger than the optimistic tail: fetch it whole.
			off = size - footer
			if tail, err = store.GetRange(ctx, key, off, footer); err != nil {
				return nil, fmt.Errorf("cell: read footer %s: %w", key, err)
			}
		}
		src.segs = []seg{{off, tail}}
	}
	f, err := parquet.OpenFile(src, size,
		parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true), parquet.SkipMagicBytes(true))
	if err != nil {
		return nil, fmt.Errorf("cell: open %s: %w", key, err)
	}
	schema, err := schemaFromFile(f)
	if err != nil {
		return nil, fmt.Errorf("cell: open %s: %w", key, err)
	}
	c := &Cell{key: key, size: size, file: f, src: src, schema: schema}
	if raw, ok := f.Lookup(metaStats); ok {
		if err := json.Unmarshal([]byte(raw), &c.rgStats); err != nil || len(c.rgStats) != len(f.RowGroups()) {
			c.rgStats = nil
		}
	}
	return c, nil
}

// Schema returns the cell's columns.
func (c *Cell) Schema() *Schema { return c.schema }

// NumRows returns the number of rows in the cell.
func (c *Cell) NumRows() int64 { return c.file.NumRows() }

// NumRowGroups returns the number of row groups.
func (c *Cell) NumRowGroups() int { return len(c.file.RowGroups()) }

// RowGroupRows returns the number of rows of row group i.
func (c *Cell) RowGroupRows(i int) int64 { return c.file.RowGroups()[i].NumRows() }

// RowGroupBounds returns what is known about row group i for pruning.
func (c *Cell) RowGroupBounds(i int) Bounds {
	rows := c.RowGroupRows(i)
	if c.rgStats != nil {
		return BoundsFromStats(c.schema, &txn.AddCell{Rows: rows, Stats: c.rgStats[i]})
	}
	b := Bounds{Rows: rows, Columns: map[string]ColumnBounds{}}
	md := &c.file.Metadata().RowGroups[i]
	for j, col := range c.schema.Columns {
		if j >= len(md.Columns) {
			break
		}
		cb := ColumnBounds{NullCount: md.Columns[j].MetaData.Statistics.NullCount}
		st := &md.Columns[j].MetaData.Statistics
		if st.NullCount == 0 && st.MinValue == nil && st.MaxValue == nil {
			// Writers that keep no statistics leave NullCount zero too.
			cb.NullCount = -1
		}
		leaf := c.file.Root().Columns()[j]
		kind, lt, _ := physicalOf(leaf)
		// Foreign statistics are trusted only where their meaning is
		// certain: integers stored in Apiary's own units, bools, and text
		// minimums (a truncated maximum would be too low). Float bounds
		// may include or skip NaN depending on the writer: none are used.
		exactInt := (kind == parquet.Int32 || kind == parquet.Int64 || kind == parquet.Boolean) &&
			!(lt != nil && lt.Timestamp != nil && lt.Timestamp.Unit.Micros == nil) &&
			!(lt != nil && lt.Integer != nil && !lt.Integer.IsSigned) // unsigned order and width differ
		switch {
		case familyOf(col.Type.Kind) == famInt && exactInt:
			if st.MinValue != nil && st.MaxValue != nil {
				cb.Min, cb.HasMin = Int(statInt(kind, st.MinValue)), true
				cb.Max, cb.HasMax = Int(statInt(kind, st.MaxValue)), true
			}
		case col.Type.Kind == vec.KindText && st.MinValue != nil:
			cb.Min, cb.HasMin = Bytes(append([]byte(nil), st.MinValue...)), true
		}
		b.Columns[col.Name] = cb
	}
	return b
}

// statInt decodes a plain-encoded Parquet statistic of an integer column.
func statInt(kind parquet.Kind, b []byte) int64 {
	switch {
	case kind == parquet.Boolean && len(b) >= 1:
		return int64(b[0] & 1)
	case kind == parquet.Int32 && len(b) >= 4:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	case len(b) >= 8:
		return int64(binary.LittleEndian.Uint64(b))
	}
	return 0
}

// Scan reads the projected columns (indexes into Schema().Columns) of every
// row group that may match preds, calling fn with batches of at most
// batchSize rows. The batch is reused: fn must copy what it keeps.
func (c *Cell) Scan(ctx context.Context, cols []int, preds []Range, batchSize int, fn func(*vec.Batch) error) error {
	for rg := 0; rg < c.NumRowGroups(); rg++ {
		if len(preds) > 0 && !MayMatch(c.schema, c.RowGroupBounds(rg), preds) {
			continue
		}
		r, err := c.ReadRowGroup(ctx, rg, cols, batchSize)
		if err != nil {
			return err
		}
		for {
			b, err := r.Next()
			if err != nil {
				r.Close()
				return err
			}
			if b.Len == 0 {
				break
			}
			if err := fn(b); err != nil {
				r.Close()
				return err
			}
		}
		r.Close()
	}
	return nil
}

// coalesceGap: column chunks closer than this are fetched in one request;
// reading a little unneeded data is cheaper than another round trip.
const coalesceGap = 1 << 20

// ReadRowGroup prepares to decode the projected columns of row group rg.
// It fetches their column chunks (adjacent ones in one request) unless the
// whole cell is already in memory.
func (c *Cell) ReadRowGroup(ctx context.Context, rg int, cols []int, batchSize int) (*RowGroupReader, error) {
	if rg < 0 || rg >= c.NumRowGroups() {
		return nil, fmt.Errorf("cell: %s has no row group %d", c.key, rg)
	}
	if batchSize <= 0 {
		batchSize = DefaultBatchSize
	}
	md := &c.file.Metadata().RowGroups[rg]
	spans := make([]span, 0, len(cols))
	for _, ci := range cols {
		if ci < 0 || ci >= len(md.Columns) {
			return nil, fmt.Errorf("cell: %s has no column %d", c.key, ci)
		}
		lo, hi := chunkRange(&md.Columns[ci].MetaData)
		if lo < 0 || hi < lo || hi > c.size {
			return nil, sqlerr.New(dataCorrupted, "cell: %s column %d: chunk at [%d, %d) lies outside the %d bytes of the file", c.key, ci, lo, hi, c.size)
		}
		spans = append(spans, span{lo, hi})
	}
	var src segReader
	var chunkBuf *[]byte
	if len(c.src.segs) == 1 && c.src.segs[0].off == 0 && int64(len(c.src.segs[0].data)) == c.size {
		src = segReader(c.src.segs)
	} else {
		sort.Slice(spans, func(i, j int) bool { return spans[i].lo < spans[j].lo })
		var merged []span
		for _, s := range spans {
			if n := len(merged); n > 0 && s.lo <= merged[n-1].hi+coalesceGap {
				merged[n-1].hi = max(merged[n-1].hi, s.hi)
				continue
			}
			merged = append(merged, s)
		}
		var err error
		if src, chunkBuf, err = c.fetch(ctx, merged); err != nil {
			return nil, err
		}
	}
	r := &RowGroupReader{rows: int(md.NumRows), batchSize: batchSize, batch: &vec.Batch{}, chunkBuf: chunkBuf}
	chunks := c.file.RowGroups()[rg].ColumnChunks()
	for _, ci := range cols {
		fc, ok := chunks[ci].(*parquet.FileColumnChunk)
		if !ok {
			r.Close()
			return nil, fmt.Errorf("cell: unexpected column chunk type %T", chunks[ci])
		}
		leaf := c.file.Root().Columns()[ci]
		cmd := &md.Columns[ci].MetaData
		var chunk []byte
		if !c.parquetGoPages {
			chunk = src.slice(chunkRange(cmd))
		}
		cr, err := newColReader(c.schema.Columns[ci].Type, leaf, fc, cmd, chunk, src)
		if err != nil {
			r.Close()
			return nil, fmt.Errorf("cell: %s column %q: %w", c.key, c.schema.Columns[ci].Name, err)
		}
		if cr.fast != nil {
			cr.fast.limit = c.fastPageLimit
		}
		r.cols = append(r.cols, cr)
		r.batch.Cols = append(r.batch.Cols, vec.New(c.schema.Columns[ci].Type, 0))
	}
	return r, nil
}

// chunkRange returns the byte range of a column chunk.
func chunkRange(md *format.ColumnMetaData) (lo, hi int64) {
	lo = md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < lo {
		lo = md.DictionaryPageOffset
	}
	return lo, lo + md.TotalCompressedSize
}

// RowGroupReader decodes one row group into batches.
type RowGroupReader struct {
	cols      []*colReader
	rows      int
	done      int
	batchSize int
	batch     *vec.Batch
	// chunkBuf holds the fetched column chunks when they were read into a
	// pooled buffer; the colReaders read from it until Close. nil after.
	chunkBuf *[]byte
}

// Next returns the next batch, or a batch with Len 0 at the end. The batch
// and its columns are reused by the following call.
func (r *RowGroupReader) Next() (*vec.Batch, error) {
	n := min(r.batchSize, r.rows-r.done)
	r.batch.Len, r.batch.Sel = n, nil
	if n <= 0 {
		r.batch.Len = 0
		return r.batch, nil
	}
	for i, c := range r.cols {
		if err := c.read(r.batch.Cols[i], n); err != nil {
			return nil, err
		}
	}
	r.done += n
	return r.batch, nil
}

// Close releases the pages and buffers still held. The last batch stays
// readable; the reader cannot be used again. Close is idempotent.
func (r *RowGroupReader) Close() {
	for _, c := range r.cols {
		c.close()
	}
	if r.chunkBuf != nil {
		// Every colReader is closed: nothing refers to the chunks any more.
		putChunkBuf(r.chunkBuf)
		r.chunkBuf = nil
	}
}

// colReader decodes one column chunk page by page. Each page is turned into
// dense values in Apiary's representation (aliasing the page where the
// layouts agree), then spread over the batch rows by definition levels.
//
// Pages come from the fast reader (chunkPages) when the chunk is in memory
// and its metadata allows it, otherwise, or from the first page the fast
// reader does not recognise, from parquet-go.
type colReader struct {
	typ      vec.Type
	phys     parquet.Kind
	optional bool
	maxDef   byte
	tsMul    int64 // timestamp unit → µs: multiply (ms) ...
	tsDiv    int64 // ... or floor-divide (ns)
	flbaLen  int
	uint32   bool // INT32 holding UINT_32: widened without sign extension

	fast    *chunkPages // nil once parquet-go reads the chunk
	decoded decodedPage
	fc      *parquet.FileColumnChunk
	src     io.ReaderAt
	pages   *parquet.FilePages // opened on the first page parquet-go reads
	page    parquet.Page

	// fastPages and slowPages count the data pages each reader decoded.
	fastPages, slowPages int

	loaded  bool // a page is current
	defs    []byte
	rows    int // rows in the current page
	row     int // next row of the current page
	val     int // next dense value of the current page
	nonNull int // dense values in the current page

	// Dense values of the current page, one of these in use (bools, i16
	// and ivl are in pageBufs).
	i32   []int32
	i64   []int64
	f32   []float32
	f64   []float64
	bdata []byte
	boffs []uint32

	// Output buffers reused across batches. They are the colReader's own,
	// not pooled: the last batch stays readable after Close.
	oBools []bool
	oI16   []int16
	oI32   []int32
	oI64   []int64
	oF32   []float32
	oF64   []float64
	oIvl   []vec.Interval
	oDec   []decimal.Decimal
	oBytes vec.Bytes

	// pageBufs holds the page-sized buffers: the fast reader's and the
	// scratch of conversions and dictionary gathers. nil after close.
	*pageBufs
}

// newColReader prepares to read column chunk fc. chunk holds its bytes when
// they are in memory (the fast reader needs them), src serves parquet-go.
func newColReader(t vec.Type, leaf *parquet.Column, fc *parquet.FileColumnChunk, md *format.ColumnMetaData, chunk []byte, src io.ReaderAt) (*colReader, error) {
	kind, lt, length := physicalOf(leaf)
	c := &colReader{typ: t, phys: kind, optional: leaf.MaxDefinitionLevel() > 0, maxDef: byte(leaf.MaxDefinitionLevel()), fc: fc, src: src, flbaLen: length}
	if leaf.MaxRepetitionLevel() > 0 {
		return nil, fmt.Errorf("repeated columns are not supported")
	}
	c.uint32 = lt != nil && lt.Integer != nil && !lt.Integer.IsSigned && lt.Integer.BitWidth == 32
	if lt != nil && lt.Timestamp != nil {
		switch {
		case lt.Timestamp.Unit.Millis != nil:
			c.tsMul = 1000
		case lt.Timestamp.Unit.Nanos != nil:
			c.tsDiv = 1000
		}
	}
	if (t.Kind == vec.KindNumeric || t.Kind == vec.KindDecimal) && lt != nil && lt.Decimal != nil && lt.Decimal.Scale != t.EffectiveScale() {
		return nil, fmt.Errorf("decimal scale %d does not match %s", lt.Decimal.Scale, t)
	}
	if !storedAs(t.Kind, kind) {
		// dense's typed views would panic on the mismatch: a schema in the
		// metadata that the file's columns contradict.
		return nil, sqlerr.New(dataCorrupted, "column stored as %s cannot be read as %s", kind, t)
	}
	c.pageBufs = getPageBufs()
	if chunk != nil && fastChunk(md, leaf) {
		c.fast = newChunkPages(chunk, md, leaf, c.pageBufs)
	}
	return c, nil
}

// storedAs reports whether colReader.dense reads values of Apiary kind k
// from Parquet physical type phys.
func storedAs(k vec.Kind, phys parquet.Kind) bool {
	switch k {
	case vec.KindBool:
		return phys == parquet.Boolean
	case vec.KindInt16, vec.KindInt32, vec.KindDate:
		return phys == parquet.Int32
	case vec.KindInt64, vec.KindTimestamp, vec.KindTimestampTZ:
		return phys == parquet.Int64 || phys == parquet.Int32 || phys == parquet.FixedLenByteArray
	case vec.KindNumeric:
		return phys == parquet.Int64 || phys == parquet.Int32 || phys == parquet.FixedLenByteArray || phys == parquet.ByteArray
	case vec.KindDecimal:
		return phys == parquet.FixedLenByteArray || phys == parquet.ByteArray
	case vec.KindFloat32:
		return phys == parquet.Float
	case vec.KindFloat64:
		return phys == parquet.Double
	case vec.KindText, vec.KindBytea:
		return phys == parquet.ByteArray || phys == parquet.FixedLenByteArray
	case vec.KindInterval:
		return phys == parquet.FixedLenByteArray
	}
	return false
}

func (c *colReader) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	if c.pages != nil {
		c.pages.Close()
		c.pages = nil
	}
	c.fast = nil
	if c.pageBufs != nil {
		// Dense slices may alias the pooled buffers: forget them before
		// another reader can take them.
		c.i32, c.i64, c.f32, c.f64, c.bdata, c.boffs, c.defs = nil, nil, nil, nil, nil, nil, nil
		c.decoded = decodedPage{}
		putPageBufs(c.pageBufs)
		c.pageBufs = nil
	}
	c.loaded = false
}

// nextPage loads the next page and converts its values to dense form.
func (c *colReader) nextPage() error {
	if c.pageBufs == nil {
		return fmt.Errorf("cell: column reader used after Close")
	}
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.loaded = false
	c.row, c.val = 0, 0
	if c.fast != nil {
		p := &c.decoded
		err := c.fast.next(p)
		if err == nil {
			c.rows, c.nonNull, c.defs = p.rows, p.nonNull, p.defs
			c.loaded = true
			c.fastPages++
			return c.dense(&p.values, p.codes)
		}
		if !errors.Is(err, errUnrecognised) {
			return err
		}
		// parquet-go reads the rest of the chunk, skipping the rows the
		// fast reader has decoded.
		done := c.fast.rows
		c.fast = nil
		if err := c.openPages(); err != nil {
			return err
		}
		if err := c.pages.SeekToRow(done); err != nil {
			return err
		}
	}
	if c.pages == nil {
		if err := c.openPages(); err != nil {
			return err
		}
	}
	p, err := c.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sqlerr.New(dataCorrupted, "column chunk ended before the row group")
		}
		// The chunk was fetched whole before parquet-go started: what it
		// fails on is the chunk's bytes, never I/O.
		return sqlerr.Wrap(err, dataCorrupted, "")
	}
	c.page = p
	c.loaded = true
	c.slowPages++
	c.rows = int(p.NumRows())
	c.nonNull = int(p.NumValues() - p.NumNulls())
	c.defs = nil
	if c.optional && p.NumNulls() > 0 {
		c.defs = p.DefinitionLevels()
	}
	data := p.Data()
	var codes []int32
	if d := p.Dictionary(); d != nil {
		codes = data.Int32()
		data = d.Page().Data()
	}
	return c.dense(&data, codes)
}

// openPages starts parquet-go's page reader of the chunk.
func (c *colReader) openPages() error {
	if c.fc == nil || c.src == nil {
		return fmt.Errorf("cell: page needs parquet-go, which has no source")
	}
	c.pages = c.fc.PagesFrom(c.src)
	return nil
}

// dense sets the dense value slices from page (or dictionary) values,
// gathering through codes when the page is dictionary-encoded.
func (c *colReader) dense(data *encoding.Values, codes []int32) error {
	switch c.typ.Kind {
	case vec.KindBool:
		bits := data.Boolean()
		n := len(codes)
		if codes == nil {
			n = c.nonNull
		}
		c.bools = grow(c.bools, n)
		for i := range c.bools {
			j := i
			if codes != nil {
				j = int(codes[i])
			}
			c.bools[i] = bits[j>>3]&(1<<(uint(j)&7)) != 0
		}
	case vec.KindInt16:
		src := gatherCodes(data.Int32(), codes, &c.sI32)
		c.i16 = grow(c.i16, len(src))
		for i, x := range src {
			c.i16[i] = int16(x)
		}
	case vec.KindInt32, vec.KindDate:
		c.i32 = gatherCodes(data.Int32(), codes, &c.sI32)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		switch c.phys {
		case parquet.Int64:
			c.i64 = gatherCodes(data.Int64(), codes, &c.sI64)
		case parquet.Int32:
			src := gatherCodes(data.Int32(), codes, &c.sI32)
			c.sI64 = grow(c.sI64, len(src))
			if c.uint32 {
				for i, x := range src {
					c.sI64[i] = int64(uint32(x))
				}
			} else {
				for i, x := range src {
					c.sI64[i] = int64(x)
				}
			}
			c.i64 = c.sI64
		case parquet.FixedLenByteArray, parquet.ByteArray:
			// A DECIMAL of up to 18 digits in big-endian bytes, fixed or
			// minimal (foreign writers).
			d, offs := c.byteArrays(data)
			c.sI64 = grow(c.sI64, denseLen(offs, codes))
			if err := decodeEach(c.sI64, d, offs, codes, beInt64, 18); err != nil {
				return err
			}
			c.i64 = c.sI64
		default:
			return fmt.Errorf("cannot read %s as %s", c.phys, c.typ)
		}
		if c.tsMul != 0 || c.tsDiv != 0 {
			// In place: c.i64 is either scratch or this page's own decoded
			// buffer, never the shared dictionary.
			for i, x := range c.i64 {
				if c.tsMul != 0 {
					c.i64[i] = x * c.tsMul
				} else {
					q := x / c.tsDiv
					if x%c.tsDiv < 0 {
						q--
					}
					c.i64[i] = q
				}
			}
		}
	case vec.KindFloat32:
		if codes == nil {
			c.f32 = data.Float()
		} else {
			d := data.Float()
			c.f32 = grow(c.f32, len(codes))
			for i, k := range codes {
				c.f32[i] = d[k]
			}
		}
	case vec.KindFloat64:
		if codes == nil {
			c.f64 = data.Double()
		} else {
			d := data.Double()
			c.f64 = grow(c.f64, len(codes))
			for i, k := range codes {
				c.f64[i] = d[k]
			}
		}
	case vec.KindText, vec.KindBytea:
		d, offs := c.byteArrays(data)
		if codes != nil {
			return c.gatherBytes(d, offs, codes)
		}
		c.bdata, c.boffs = d, offs
	case vec.KindInterval:
		raw, size := data.FixedLenByteArray()
		if size != intervalSize {
			return sqlerr.New(dataCorrupted, "interval values are %d bytes, want %d", size, intervalSize)
		}
		n := len(raw) / size
		if codes != nil {
			n = len(codes)
		}
		c.ivl = grow(c.ivl, n)
		for i := range c.ivl {
			j := i
			if codes != nil {
				j = int(codes[i])
			}
			e := raw[j*size : (j+1)*size]
			c.ivl[i] = vec.Interval{
				Months: int32(binary.LittleEndian.Uint32(e[0:])),
				Days:   int32(binary.LittleEndian.Uint32(e[4:])),
				Micros: int64(binary.LittleEndian.Uint64(e[8:])),
			}
		}
	case vec.KindDecimal:
		return c.denseDecimals(data, codes)
	default:
		return fmt.Errorf("cannot decode %s", c.typ)
	}
	return nil
}

// denseDecimals decodes numeric(19..38, s) values: big-endian
// two's-complement coefficients of at most 16 bytes (FIXED_LEN_BYTE_ARRAY
// as Apiary writes them, or BYTE_ARRAY from other writers), each given the
// column's scale.
func (c *colReader) denseDecimals(data *encoding.Values, codes []int32) error {
	d, offs := c.byteArrays(data)
	c.dec = grow(c.dec, denseLen(offs, codes))
	scale := c.typ.Scale
	return decodeEach(c.dec, d, offs, codes, func(b []byte) (decimal.Decimal, bool) {
		hi, lo, ok := beInt128(b)
		if !ok {
			return decimal.Decimal{}, false
		}
		x, err := decimal.FromInt128(hi, lo, scale)
		return x, err == nil && x.Scale == scale
	}, 38)
}

// byteArrays views data's values as bytes and offsets, those of
// FIXED_LEN_BYTE_ARRAY values built in c.fixedOffs.
func (c *colReader) byteArrays(data *encoding.Values) ([]byte, []uint32) {
	if c.phys != parquet.FixedLenByteArray {
		return data.ByteArray()
	}
	raw, size := data.FixedLenByteArray()
	c.fixedOffs = grow(c.fixedOffs, len(raw)/max(size, 1)+1)
	for i := range c.fixedOffs {
		c.fixedOffs[i] = uint32(i * size)
	}
	return raw, c.fixedOffs
}

// denseLen is the number of dense values of a page: its values, or its
// dictionary indices when it has them.
func denseLen(offs []uint32, codes []int32) int {
	if codes != nil {
		return len(codes)
	}
	return max(len(offs)-1, 0)
}

// decodeEach fills dst with the decimals of up to digits digits that
// decode finds in the byte arrays of d at offs: the i-th or, on a
// dictionary page, the codes[i]-th. Only the values the page uses are
// decoded.
func decodeEach[T any](dst []T, d []byte, offs []uint32, codes []int32, decode func([]byte) (T, bool), digits int) error {
	for i := range dst {
		j := i
		if codes != nil {
			j = int(codes[i])
			if j < 0 || j+1 >= len(offs) {
				return sqlerr.New(dataCorrupted, "dictionary index %d out of range", j)
			}
		}
		x, ok := decode(d[offs[j]:offs[j+1]])
		if !ok {
			return sqlerr.New(dataCorrupted, "decimal value exceeds %d digits", digits)
		}
		dst[i] = x
	}
	return nil
}

// beInt128 decodes a big-endian two's-complement integer that fits 128
// bits (longer encodings only sign-extend).
func beInt128(b []byte) (hi int64, lo uint64, ok bool) {
	if len(b) == 0 {
		return 0, 0, true
	}
	neg := b[0]&0x80 != 0
	for len(b) > 16 {
		if neg && b[0] != 0xFF || !neg && b[0] != 0 {
			return 0, 0, false
		}
		b = b[1:]
	}
	if len(b) == 16 && (b[0]&0x80 != 0) != neg {
		return 0, 0, false
	}
	var uh, ul uint64
	if neg {
		uh, ul = math.MaxUint64, math.MaxUint64
	}
	for _, x := range b {
		uh = uh<<8 | ul>>56
		ul = ul<<8 | uint64(x)
	}
	return int64(uh), ul, true
}

func (c *colReader) gatherBytes(d []byte, offs []uint32, codes []int32) error {
	// Size the buffers first: a reader lives for one row group, so
	// growing them by appending reallocated and copied them page after
	// page.
	total := 0
	for _, k := range codes {
		if int(k)+1 >= len(offs) || k < 0 {
			return sqlerr.New(dataCorrupted, "dictionary index %d out of range", k)
		}
		total += int(offs[k+1] - offs[k])
	}
	c.sData = slices.Grow(c.sData[:0], total)
	c.sOffs = append(slices.Grow(c.sOffs[:0], len(codes)+1), 0)
	for _, k := range codes {
		c.sData = append(c.sData, d[offs[k]:offs[k+1]]...)
		c.sOffs = append(c.sOffs, uint32(len(c.sData)))
	}
	c.bdata, c.boffs = c.sData, c.sOffs
	return nil
}

// beInt64 decodes a big-endian two's-complement integer of up to 16 bytes.
func beInt64(b []byte) (int64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	neg := b[0]&0x80 != 0
	for len(b) > 8 {
		if neg && b[0] != 0xFF || !neg && b[0] != 0 {
			return 0, false
		}
		b = b[1:]
	}
	var u uint64
	if neg {
		u = math.MaxUint64
	}
	for _, x := range b {
		u = u<<8 | uint64(x)
	}
	x := int64(u)
	if (x < 0) != neg {
		return 0, false
	}
	return x, true
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// gatherCodes returns vals directly for plain pages (aliasing the page) or
// vals[codes[i]] in scratch for dictionary pages.
func gatherCodes[T int32 | int64](vals []T, codes []int32, scratch *[]T) []T {
	if codes == nil {
		return vals
	}
	out := grow(*scratch, len(codes))
	for i, k := range codes {
		out[i] = vals[k]
	}
	*scratch = out
	return out
}

// read decodes the next n rows into v.
func (c *colReader) read(v *vec.Vec, n int) error {
	v.Reset()
	filled := 0
	switch c.typ.Kind {
	case vec.KindText, vec.KindBytea:
		c.oBytes.Data = c.oBytes.Data[:0]
		c.oBytes.Offsets = append(c.oBytes.Offsets[:0], 0)
	}
	for filled < n {
		if !c.loaded || c.row >= c.rows {
			if err := c.nextPage(); err != nil {
				return err
			}
			continue
		}
		k := min(n-filled, c.rows-c.row)
		var defs []byte
		if c.defs != nil {
			defs = c.defs[c.row : c.row+k]
		}
		switch c.typ.Kind {
		case vec.KindBool:
			c.oBools = grow(c.oBools, n)
			c.val += spread(c.oBools[filled:filled+k], c.bools[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindInt16:
			c.oI16 = grow(c.oI16, n)
			c.val += spread(c.oI16[filled:filled+k], c.i16[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindInt32, vec.KindDate:
			c.oI32 = grow(c.oI32, n)
			c.val += spread(c.oI32[filled:filled+k], c.i32[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
			c.oI64 = grow(c.oI64, n)
			c.val += spread(c.oI64[filled:filled+k], c.i64[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindFloat32:
			c.oF32 = grow(c.oF32, n)
			c.val += spread(c.oF32[filled:filled+k], c.f32[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindFloat64:
			c.oF64 = grow(c.oF64, n)
			c.val += spread(c.oF64[filled:filled+k], c.f64[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindInterval:
			c.oIvl = grow(c.oIvl, n)
			c.val += spread(c.oIvl[filled:filled+k], c.ivl[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindDecimal:
			c.oDec = grow(c.oDec, n)
			c.val += spread(c.oDec[filled:filled+k], c.dec[c.val:], defs, c.maxDef, &v.Nulls, filled)
		case vec.KindText, vec.KindBytea:
			c.val += c.spreadBytes(k, defs, &v.Nulls, filled)
		}
		c.row += k
		filled += k
	}
	switch c.typ.Kind {
	case vec.KindBool:
		v.SetBools(c.oBools[:n])
	case vec.KindInt16:
		v.SetInt16s(c.oI16[:n])
	case vec.KindInt32, vec.KindDate:
		v.SetInt32s(c.oI32[:n])
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		v.SetInt64s(c.oI64[:n])
	case vec.KindFloat32:
		v.SetFloat32s(c.oF32[:n])
	case vec.KindFloat64:
		v.SetFloat64s(c.oF64[:n])
	case vec.KindInterval:
		v.SetIntervals(c.oIvl[:n])
	case vec.KindDecimal:
		v.SetDecimals(c.oDec[:n])
	case vec.KindText, vec.KindBytea:
		v.SetBytes(c.oBytes)
	}
	return nil
}

// spread copies dense values into out, leaving zero values and NULL marks
// where the definition level says NULL; it returns the dense values used.
// With no definition levels the copy is a memmove.
func spread[T any](out, dense []T, defs []byte, maxDef byte, nulls *vec.Nulls, base int) int {
	if defs == nil {
		return copy(out, dense[:len(out)])
	}
	j := 0
	var zero T
	for i, d := range defs {
		if d == maxDef {
			out[i] = dense[j]
			j++
		} else {
			out[i] = zero
			nulls.SetNull(base + i)
		}
	}
	return j
}

// spreadBytes appends k rows of byte values to the output column.
func (c *colReader) spreadBytes(k int, defs []byte, nulls *vec.Nulls, base int) int {
	o := &c.oBytes
	offs := c.boffs
	if defs == nil {
		lo, hi := offs[c.val], offs[c.val+k]
		shift := int32(len(o.Data)) - int32(lo)
		o.Data = append(o.Data, c.bdata[lo:hi]...)
		for _, x := range offs[c.val+1 : c.val+k+1] {
			o.Offsets = append(o.Offsets, int32(x)+shift)
		}
		return k
	}
	j := c.val
	for i, d := range defs {
		if d == c.maxDef {
			o.Data = append(o.Data, c.bdata[offs[j]:offs[j+1]]...)
			j++
		} else {
			nulls.SetNull(base + i)
		}
		o.Offsets = append(o.Offsets, int32(len(o.Data)))
	}
	return j - c.val
}
