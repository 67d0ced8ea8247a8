package cell

import (
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
	"unsafe"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
	"github.com/pierrec/lz4/v4"
)

// The fast page reader decodes the pages Apiary writes (docs/cells.md):
// data page v2, LZ4_RAW or no compression, PLAIN values or a PLAIN
// dictionary with RLE_DICTIONARY indices, flat columns with at most one
// definition level. It works on the column chunk's bytes in memory and
// decodes into buffers that are reused from page to page and, through
// pageBufPool, from column chunk to column chunk, where parquet-go's path
// allocates a page buffer per page (its LZ4 codec reserves three times
// the compressed size, ignoring the size the page header states).
//
// Whether a chunk may take this path is decided from its metadata
// (fastChunk); whether a page may, from its header (chunkPages.next). A
// page it does not recognise hands the rest of the chunk to parquet-go;
// a page it recognises but finds damaged is an error, never a guess.

// plainDictionary is PLAIN_DICTIONARY (2), deprecated for writing but
// found in older files: in a dictionary page it means PLAIN, in a data page
// RLE_DICTIONARY.
const plainDictionary = format.Encoding(2)

// dataCorrupted is PostgreSQL's data_corrupted: a cell's bytes contradict
// themselves (checksum, sizes, encodings), so re-reading cannot help.
const dataCorrupted = sqlerr.Code("XX001")

// fastChunk reports whether the fast reader may read a column chunk with
// this metadata and schema leaf. Pages are checked again one by one.
func fastChunk(md *format.ColumnMetaData, leaf *parquet.Column) bool {
	if md.Codec != format.Uncompressed && md.Codec != format.Lz4Raw {
		return false
	}
	for _, e := range md.Encoding {
		switch e {
		case format.Plain, format.RLE, plainDictionary, format.RLEDictionary:
		case format.DeltaLengthByteArray:
			if leaf.Type().Kind() != parquet.ByteArray {
				return false
			}
		default:
			return false
		}
	}
	if leaf.MaxRepetitionLevel() != 0 || leaf.MaxDefinitionLevel() > 1 {
		return false
	}
	switch leaf.Type().Kind() {
	case parquet.Boolean, parquet.Int32, parquet.Int64, parquet.Float, parquet.Double, parquet.ByteArray:
		return true
	case parquet.FixedLenByteArray:
		return leaf.Type().Length() > 0
	}
	return false
}

// pageBufs are the page-sized buffers of one column reader. Nothing
// outside the reader refers to them: batches are filled by copying out of
// them, so they go back to pageBufPool when the reader closes.
type pageBufs struct {
	// vals holds the current data page's values section, decompressed
	// (or copied, when stored uncompressed, so that in-place conversions
	// never touch the chunk). Words keep it 8-byte aligned for the typed
	// views over it.
	vals []uint64
	// dict holds the chunk's dictionary page, dictOffs its byte-array
	// offsets.
	dict     []uint64
	dictOffs []uint32
	offs     []uint32 // byte-array offsets of a PLAIN data page
	levels   []byte   // definition levels of the current page
	codes    []int32  // dictionary indices of the current page
	lens     []int32  // value lengths of a DELTA_LENGTH_BYTE_ARRAY page

	// Dense values and conversion scratch of colReader (dense, gatherCodes,
	// gatherBytes), sized by pages too.
	bools []bool
	i16   []int16
	ivl   []vec.Interval
	dec   []decimal.Decimal
	sI32  []int32
	sI64  []int64
	sData []byte
	sOffs []uint32
	// fixedOffs are the offsets of FIXED_LEN_BYTE_ARRAY values, apart
	// from sOffs, which gatherBytes rewrites while reading them.
	fixedOffs []uint32
}

// maxPooledBytes: a buffer grown past this by an unusual page (huge
// strings) is dropped rather than kept in the pool for every later reader.
const maxPooledBytes = 32 << 20

var pageBufPool = sync.Pool{New: func() any { return new(pageBufs) }}

func getPageBufs() *pageBufs { return pageBufPool.Get().(*pageBufs) }

func putPageBufs(b *pageBufs) {
	dropBig(&b.vals)
	dropBig(&b.dict)
	dropBig(&b.dictOffs)
	dropBig(&b.offs)
	dropBig(&b.levels)
	dropBig(&b.codes)
	dropBig(&b.lens)
	dropBig(&b.bools)
	dropBig(&b.i16)
	dropBig(&b.ivl)
	dropBig(&b.dec)
	dropBig(&b.sI32)
	dropBig(&b.sI64)
	dropBig(&b.sData)
	dropBig(&b.sOffs)
	dropBig(&b.fixedOffs)
	pageBufPool.Put(b)
}

func dropBig[T any](s *[]T) {
	var zero T
	if uintptr(cap(*s))*unsafe.Sizeof(zero) > maxPooledBytes {
		*s = nil
	}
}

// wordBytes returns n bytes in *buf's storage, growing it as needed.
func wordBytes(buf *[]uint64, n int) []byte {
	words := (n + 7) / 8
	if cap(*buf) < words {
		*buf = make([]uint64, words)
	}
	*buf = (*buf)[:words]
	if words == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(*buf))), n)
}

// decodedPage is a data page decoded by chunkPages.next.
type decodedPage struct {
	rows    int
	nonNull int
	// defs holds one definition level per row, nil when the page has no
	// NULLs.
	defs []byte
	// values are the page's PLAIN values, or the chunk's dictionary when
	// codes is set.
	values encoding.Values
	codes  []int32
}

var noCodes = []int32{}

// chunkPages reads the pages of one column chunk held in memory.
type chunkPages struct {
	data   []byte // the column chunk as stored; never written
	pos    int    // offset in data of the next page header
	codec  format.CompressionCodec
	kind   parquet.Kind
	size   int // value width of FIXED_LEN_BYTE_ARRAY
	maxDef byte
	column string // for errors

	pageNo    int   // index of the next page in the chunk, for errors
	dataPages int   // data pages decoded so far
	rows      int64 // rows of the data pages decoded so far
	// values is the chunk's value count from its metadata. Pages are
	// checked against it before any buffer is sized from their headers,
	// so a damaged count cannot claim gigabytes.
	values int64

	hasDict bool
	dict    encoding.Values
	dictLen int

	b *pageBufs

	// Testing knobs: limit > 0 leaves the data pages after the first limit
	// to parquet-go; noCRC skips checksums, so that damage reaches the
	// decoders.
	limit int
	noCRC bool
}

func newChunkPages(data []byte, md *format.ColumnMetaData, leaf *parquet.Column, b *pageBufs) *chunkPages {
	return &chunkPages{
		data:   data,
		codec:  md.Codec,
		kind:   leaf.Type().Kind(),
		size:   leaf.Type().Length(),
		maxDef: byte(leaf.MaxDefinitionLevel()),
		values: md.NumValues,
		column: leaf.Name(),
		b:      b,
	}
}

// errUnrecognised reports a page the fast reader does not decode; the
// caller hands the chunk to parquet-go from the rows decoded so far.
var errUnrecognised = errors.New("page not decoded by the fast reader")

func (c *chunkPages) corrupt(format string, args ...any) error {
	return sqlerr.New(dataCorrupted, "cell: column %q page %d: %s", c.column, c.pageNo, fmt.Sprintf(format, args...))
}

// next decodes the next data page into p, first loading a dictionary page
// if one comes. It returns errUnrecognised, having consumed nothing of the
// page in question, for a page it does not decode.
func (c *chunkPages) next(p *decodedPage) error {
	for {
		if c.pos >= len(c.data) {
			return c.corrupt("column chunk ended before the row group")
		}
		h, n, err := readPageHeader(c.data[c.pos:])
		if err != nil {
			return c.corrupt("%v", err)
		}
		body := c.data[c.pos+n:]
		if int(h.compressedSize) > len(body) {
			return c.corrupt("page of %d bytes runs past the column chunk (%d bytes left)", h.compressedSize, len(body))
		}
		body = body[:h.compressedSize]
		switch {
		case h.typ == format.DictionaryPage && h.hasDict && !c.hasDict &&
			(h.encoding == format.Plain || h.encoding == plainDictionary):
			if err := c.checksum(&h, body); err != nil {
				return err
			}
			if err := c.readDictionary(&h, body); err != nil {
				return err
			}
		case h.typ == format.DataPageV2 && h.hasV2 && h.repLen == 0 && c.decodes(h.encoding) &&
			(c.maxDef == 1 || h.defLen == 0) && (c.limit == 0 || c.dataPages < c.limit):
			if err := c.checksum(&h, body); err != nil {
				return err
			}
			if err := c.readDataPage(&h, body, p); err != nil {
				return err
			}
			c.rows += int64(p.rows)
			c.dataPages++
		default:
			return errUnrecognised
		}
		c.pos += n + int(h.compressedSize)
		c.pageNo++
		if h.typ == format.DataPageV2 {
			return nil
		}
	}
}

// decodes reports whether the fast reader decodes data pages of encoding e.
func (c *chunkPages) decodes(e format.Encoding) bool {
	switch e {
	case format.Plain:
		return true
	case format.DeltaLengthByteArray:
		return c.kind == parquet.ByteArray
	case format.RLEDictionary, plainDictionary:
		return c.hasDict
	}
	return false
}

// checksum verifies the page's CRC when it has one, as parquet-go does:
// over the bytes as stored, levels and compressed values together.
func (c *chunkPages) checksum(h *pageHeader, body []byte) error {
	if h.crc == 0 || c.noCRC {
		return nil
	}
	if got := crc32.ChecksumIEEE(body); got != uint32(h.crc) {
		return c.corrupt("crc32 checksum mismatch: header says 0x%08X, page has 0x%08X", uint32(h.crc), got)
	}
	return nil
}

// maxLZ4Ratio bounds how far an LZ4 block expands: a sequence costs at
// least one byte per 255 bytes it produces.
const maxLZ4Ratio = 256

// uncompress returns the values section of a page in buf: decompressed,
// or copied when stored as is.
func (c *chunkPages) uncompress(buf *[]uint64, stored []byte, size int, compressed bool) ([]byte, error) {
	if size < 0 {
		return nil, c.corrupt("values section of negative size %d", size)
	}
	if size > maxLZ4Ratio*len(stored)+64 {
		// More than LZ4 can expand to: a damaged size, not worth a buffer.
		return nil, c.corrupt("%d bytes cannot decompress to %d", len(stored), size)
	}
	out := wordBytes(buf, size)
	if !compressed || c.codec == format.Uncompressed {
		if len(stored) != size {
			return nil, c.corrupt("uncompressed values of %d bytes stored in %d", size, len(stored))
		}
		copy(out, stored)
		return out, nil
	}
	if size == 0 && len(stored) <= 1 {
		// An empty values section (a page of NULLs) compresses to at most
		// one token byte.
		return out, nil
	}
	n, err := lz4.UncompressBlock(stored, out)
	if err != nil || n != size {
		return nil, c.corrupt("LZ4 values do not decompress to the %d bytes the header states", size)
	}
	return out, nil
}

func (c *chunkPages) readDictionary(h *pageHeader, body []byte) error {
	if h.numValues < 0 {
		return c.corrupt("dictionary of %d entries", h.numValues)
	}
	raw, err := c.uncompress(&c.b.dict, body, int(h.uncompressedSize), true)
	if err != nil {
		return err
	}
	n := int(h.numValues)
	if c.dict, err = c.plain(raw, n, &c.b.dictOffs); err != nil {
		return err
	}
	c.dictLen, c.hasDict = n, true
	return nil
}

func (c *chunkPages) readDataPage(h *pageHeader, body []byte, p *decodedPage) error {
	if h.numRows != h.numValues {
		return c.corrupt("%d rows but %d values in a column that is not repeated", h.numRows, h.numValues)
	}
	if int64(h.numValues) > c.values-c.rows {
		return c.corrupt("page of %d values past the %d of the column chunk", h.numValues, c.values)
	}
	levels := int(h.defLen)
	if levels > len(body) {
		return c.corrupt("%d bytes of definition levels in a page of %d", levels, len(body))
	}
	n := int(h.numValues)
	p.rows, p.nonNull, p.defs, p.codes = n, n-int(h.numNulls), nil, nil
	if h.numNulls > 0 {
		if c.maxDef == 0 || levels == 0 {
			return c.corrupt("%d NULLs without definition levels", h.numNulls)
		}
		c.b.levels = grow(c.b.levels, n)
		if err := decodeHybrid(c.b.levels, body[:levels], 1); err != nil {
			return c.corrupt("definition levels: %v", err)
		}
		defined := 0
		for _, d := range c.b.levels {
			defined += int(d)
		}
		if defined != p.nonNull {
			return c.corrupt("definition levels count %d values, header %d", defined, p.nonNull)
		}
		p.defs = c.b.levels
	}
	stored, size := body[levels:], int(h.uncompressedSize)-levels
	switch h.encoding {
	case format.Plain:
		raw, err := c.uncompress(&c.b.vals, stored, size, h.compressed)
		if err != nil {
			return err
		}
		p.values, err = c.plain(raw, p.nonNull, &c.b.offs)
		return err
	case format.DeltaLengthByteArray:
		raw, err := c.uncompress(&c.b.vals, stored, size, h.compressed)
		if err != nil {
			return err
		}
		p.values, err = c.deltaLengthByteArray(raw, p.nonNull)
		return err
	}
	raw := stored
	if h.compressed && c.codec != format.Uncompressed {
		var err error
		if raw, err = c.uncompress(&c.b.vals, stored, size, true); err != nil {
			return err
		}
	} else if len(stored) != size {
		// Indices are only read: decoded from the chunk where stored as is.
		return c.corrupt("uncompressed values of %d bytes stored in %d", size, len(stored))
	}
	if p.nonNull == 0 {
		// Non-nil: nil codes would mean a PLAIN page.
		p.values, p.codes = c.dict, noCodes
		return nil
	}
	if len(raw) == 0 {
		return c.corrupt("dictionary indices missing")
	}
	c.b.codes = grow(c.b.codes, p.nonNull)
	if err := decodeHybrid(c.b.codes, raw[1:], uint(raw[0])); err != nil {
		return c.corrupt("dictionary indices: %v", err)
	}
	for _, k := range c.b.codes {
		if uint32(k) >= uint32(c.dictLen) {
			return c.corrupt("dictionary index %d of %d entries", uint32(k), c.dictLen)
		}
	}
	p.values, p.codes = c.dict, c.b.codes
	return nil
}

// plain views n PLAIN-encoded values in raw (which the reader owns) as
// typed values. Byte arrays are compacted in place, their length prefixes
// squeezed out, with offsets in *offs.
func (c *chunkPages) plain(raw []byte, n int, offs *[]uint32) (encoding.Values, error) {
	width := 0
	switch c.kind {
	case parquet.Boolean:
		if len(raw) != (n+7)/8 {
			return encoding.Values{}, c.corrupt("%d booleans in %d bytes", n, len(raw))
		}
		return encoding.BooleanValues(raw), nil
	case parquet.Int32, parquet.Float:
		width = 4
	case parquet.Int64, parquet.Double:
		width = 8
	case parquet.FixedLenByteArray:
		width = c.size
	case parquet.ByteArray:
		return c.plainByteArray(raw, n, offs)
	default:
		return encoding.Values{}, fmt.Errorf("cell: column %q: no fast decoding of %s", c.column, c.kind)
	}
	if len(raw) != n*width {
		return encoding.Values{}, c.corrupt("%d values of %d bytes in %d bytes", n, width, len(raw))
	}
	switch c.kind {
	case parquet.Int32:
		return encoding.Int32ValuesFromBytes(raw), nil
	case parquet.Float:
		return encoding.FloatValuesFromBytes(raw), nil
	case parquet.Int64:
		return encoding.Int64ValuesFromBytes(raw), nil
	case parquet.Double:
		return encoding.DoubleValuesFromBytes(raw), nil
	}
	return encoding.FixedLenByteArrayValues(raw, width), nil
}

func (c *chunkPages) plainByteArray(raw []byte, n int, offs *[]uint32) (encoding.Values, error) {
	if n > len(raw)/4 {
		return encoding.Values{}, c.corrupt("%d byte arrays in %d bytes", n, len(raw))
	}
	o := grow(*offs, n+1)
	*offs = o
	o[0] = 0
	in, out := 0, 0
	for i := range n {
		if len(raw)-in < 4 {
			return encoding.Values{}, c.corrupt("byte array %d of %d truncated", i, n)
		}
		size := int(uint32(raw[in]) | uint32(raw[in+1])<<8 | uint32(raw[in+2])<<16 | uint32(raw[in+3])<<24)
		in += 4
		if size < 0 || size > len(raw)-in {
			return encoding.Values{}, c.corrupt("byte array %d of %d claims %d bytes", i, n, size)
		}
		// The destination trails the source by the prefixes seen, so the
		// overlapping copy moves bytes down safely.
		copy(raw[out:], raw[in:in+size])
		in += size
		out += size
		o[i+1] = uint32(out)
	}
	if in != len(raw) {
		return encoding.Values{}, c.corrupt("%d bytes after %d byte arrays", len(raw)-in, n)
	}
	return encoding.ByteArrayValues(raw[:out], o), nil
}

// deltaLengthByteArray views n DELTA_LENGTH_BYTE_ARRAY values in raw.
func (c *chunkPages) deltaLengthByteArray(raw []byte, n int) (encoding.Values, error) {
	if n == 0 && len(raw) == 0 {
		// A page of NULLs may carry no length header at all.
		c.b.offs = append(c.b.offs[:0], 0)
		return encoding.ByteArrayValues(nil, c.b.offs), nil
	}
	c.b.lens = grow(c.b.lens, n)
	at, err := decodeDeltaInt32(c.b.lens, raw)
	if err != nil {
		return encoding.Values{}, c.corrupt("value lengths: %v", err)
	}
	o := grow(c.b.offs, n+1)
	c.b.offs = o
	o[0] = 0
	end := uint64(0)
	for i, size := range c.b.lens {
		if size < 0 {
			return encoding.Values{}, c.corrupt("byte array %d of %d has length %d", i, n, size)
		}
		end += uint64(size)
		o[i+1] = uint32(end)
	}
	if end != uint64(len(raw)-at) {
		return encoding.Values{}, c.corrupt("%d bytes of byte arrays where lengths sum to %d", len(raw)-at, end)
	}
	return encoding.ByteArrayValues(raw[at:], o), nil
}
