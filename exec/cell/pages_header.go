package cell

import (
	"errors"
	"fmt"

	"github.com/parquet-go/parquet-go/format"
)

// pageHeader is the part of a Parquet PageHeader that the fast page reader
// needs. It is decoded by readPageHeader from the Thrift compact protocol
// straight out of the column chunk's bytes.
//
// parquet-go's thrift decoder could decode the whole format.PageHeader, but
// it allocates the header and its sub-structs by reflection for every page
// and sizes byte fields from the input before reading them: a damaged
// length in a page's statistics would make it allocate up to 2 GiB. This
// reader only slices the chunk and bounds every length by what is left.
type pageHeader struct {
	typ              format.PageType
	uncompressedSize int32
	compressedSize   int32
	// crc is the CRC-32 (IEEE) of the page's stored bytes; 0 means none
	// was written, as parquet-go also takes it.
	crc int32

	// hasV1, hasV2 and hasDict say which of the type-specific headers
	// were present. Only the fields of v2 and dictionary headers are kept.
	hasV1, hasV2, hasDict bool

	numValues  int32 // v2 data page: values including NULLs; dictionary: entries
	numNulls   int32
	numRows    int32
	encoding   format.Encoding
	defLen     int32 // bytes of definition levels at the start of a v2 page
	repLen     int32 // bytes of repetition levels, before the definition levels
	compressed bool  // v2: whether the values section is compressed (default true)
}

// Compact protocol field types.
const (
	ctStop      = 0
	ctBoolTrue  = 1
	ctBoolFalse = 2
	ctByte      = 3
	ctI16       = 4
	ctI32       = 5
	ctI64       = 6
	ctDouble    = 7
	ctBinary    = 8
	ctList      = 9
	ctSet       = 10
	ctMap       = 11
	ctStruct    = 12
	ctUUID      = 13
)

// maxThriftDepth bounds the nesting the skipper follows: page headers nest
// three levels deep, a damaged header could claim any depth.
const maxThriftDepth = 16

var errThriftTruncated = errors.New("page header truncated")

// thriftReader walks the compact protocol over a byte slice.
type thriftReader struct {
	b   []byte
	pos int
}

func (r *thriftReader) byte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, errThriftTruncated
	}
	x := r.b[r.pos]
	r.pos++
	return x, nil
}

func (r *thriftReader) uvarint() (uint64, error) {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c, err := r.byte()
		if err != nil {
			return 0, err
		}
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return x, nil
		}
	}
	return 0, errors.New("page header varint too long")
}

func (r *thriftReader) varint() (int64, error) {
	u, err := r.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

func (r *thriftReader) i32() (int32, error) {
	x, err := r.varint()
	if err == nil && int64(int32(x)) != x {
		return 0, fmt.Errorf("page header i32 out of range: %d", x)
	}
	return int32(x), err
}

// fieldHeader reads a field header, returning its type and id; typ is
// ctStop at the end of a struct. last is the id of the previous field of
// the same struct, which short headers are relative to.
func (r *thriftReader) fieldHeader(last int16) (typ byte, id int16, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, 0, err
	}
	typ = c & 0x0f
	if typ == ctStop {
		return ctStop, 0, nil
	}
	if delta := int16(c >> 4); delta != 0 {
		return typ, last + delta, nil
	}
	x, err := r.varint()
	return typ, int16(x), err
}

// skip passes over one value of type typ.
func (r *thriftReader) skip(typ byte, depth int) error {
	if depth > maxThriftDepth {
		return errors.New("page header nested too deeply")
	}
	switch typ {
	case ctBoolTrue, ctBoolFalse:
		return nil
	case ctByte:
		_, err := r.byte()
		return err
	case ctI16, ctI32, ctI64:
		_, err := r.uvarint()
		return err
	case ctDouble:
		return r.advance(8)
	case ctUUID:
		return r.advance(16)
	case ctBinary:
		n, err := r.uvarint()
		if err != nil {
			return err
		}
		return r.advance(n)
	case ctList, ctSet:
		c, err := r.byte()
		if err != nil {
			return err
		}
		n, elem := uint64(c>>4), c&0x0f
		if n == 15 {
			if n, err = r.uvarint(); err != nil {
				return err
			}
		}
		if err := r.plausible(n); err != nil {
			return err
		}
		for range n {
			if err := r.skipElem(elem, depth+1); err != nil {
				return err
			}
		}
		return nil
	case ctMap:
		n, err := r.uvarint()
		if err != nil || n == 0 {
			return err
		}
		c, err := r.byte()
		if err != nil {
			return err
		}
		if err := r.plausible(n); err != nil {
			return err
		}
		for range n {
			if err := r.skipElem(c>>4, depth+1); err != nil {
				return err
			}
			if err := r.skipElem(c&0x0f, depth+1); err != nil {
				return err
			}
		}
		return nil
	case ctStruct:
		return r.fields(depth, nil)
	}
	return fmt.Errorf("page header has unknown thrift type %d", typ)
}

// plausible rejects a collection of n elements that cannot fit in the
// bytes left (every element takes at least one), so damage cannot make the
// skipper loop for long.
func (r *thriftReader) plausible(n uint64) error {
	if n > uint64(len(r.b)-r.pos) {
		return errThriftTruncated
	}
	return nil
}

// skipElem skips a collection element: booleans there take a byte each,
// unlike boolean fields, whose value is in the field header.
func (r *thriftReader) skipElem(typ byte, depth int) error {
	if typ == ctBoolTrue || typ == ctBoolFalse {
		_, err := r.byte()
		return err
	}
	return r.skip(typ, depth)
}

func (r *thriftReader) advance(n uint64) error {
	if n > uint64(len(r.b)-r.pos) {
		return errThriftTruncated
	}
	r.pos += int(n)
	return nil
}

// fields walks the fields of a struct at nesting depth, calling field
// with each one's type and id; a field that field does not read (it
// returns false), or every field when field is nil, is skipped.
func (r *thriftReader) fields(depth int, field func(typ byte, id int16) (bool, error)) error {
	var last int16
	for {
		typ, id, err := r.fieldHeader(last)
		if err != nil || typ == ctStop {
			return err
		}
		last = id
		read := false
		if field != nil {
			if read, err = field(typ, id); err != nil {
				return err
			}
		}
		if !read {
			if err := r.skip(typ, depth+1); err != nil {
				return err
			}
		}
	}
}

// i32Field reads the i32 field id into *dst[id-1] and marks bit id-1 of
// seen: the header structs number their i32 fields from 1, in a row.
func (r *thriftReader) i32Field(dst []*int32, id int16, seen *uint8) (bool, error) {
	x, err := r.i32()
	*dst[id-1] = x
	*seen |= 1 << (id - 1)
	return true, err
}

// readPageHeader decodes the page header at the start of b and returns it
// with the number of bytes it took. Fields it does not use (statistics,
// v1 and index page details, fields added by later format versions) are
// skipped; required fields it uses must be present.
func readPageHeader(b []byte) (pageHeader, int, error) {
	r := thriftReader{b: b}
	h := pageHeader{compressed: true}
	ints := [...]*int32{(*int32)(&h.typ), &h.uncompressedSize, &h.compressedSize, &h.crc}
	var seen uint8
	err := r.fields(0, func(typ byte, id int16) (bool, error) {
		switch {
		case typ == ctI32 && id >= 1 && int(id) <= len(ints):
			return r.i32Field(ints[:], id, &seen)
		case id == 5 && typ == ctStruct:
			h.hasV1 = true
		case id == 7 && typ == ctStruct:
			h.hasDict = true
			return true, r.dictionaryHeader(&h)
		case id == 8 && typ == ctStruct:
			h.hasV2 = true
			return true, r.dataPageV2Header(&h)
		}
		return false, nil
	})
	if err != nil {
		return h, 0, err
	}
	if seen&0b111 != 0b111 { // type and sizes; the CRC is optional
		return h, 0, errors.New("page header lacks a required field")
	}
	if h.uncompressedSize < 0 || h.compressedSize < 0 {
		return h, 0, fmt.Errorf("page header has negative sizes %d, %d", h.uncompressedSize, h.compressedSize)
	}
	return h, r.pos, nil
}

func (r *thriftReader) dictionaryHeader(h *pageHeader) error {
	ints := [...]*int32{&h.numValues, (*int32)(&h.encoding)}
	var seen uint8
	err := r.fields(1, func(typ byte, id int16) (bool, error) {
		if typ != ctI32 || id < 1 || int(id) > len(ints) {
			return false, nil
		}
		return r.i32Field(ints[:], id, &seen)
	})
	if err != nil {
		return err
	}
	if seen != 0b11 {
		return errors.New("dictionary page header lacks a required field")
	}
	return nil
}

func (r *thriftReader) dataPageV2Header(h *pageHeader) error {
	ints := [...]*int32{&h.numValues, &h.numNulls, &h.numRows, (*int32)(&h.encoding), &h.defLen, &h.repLen}
	var seen uint8
	err := r.fields(1, func(typ byte, id int16) (bool, error) {
		switch {
		case typ == ctI32 && id >= 1 && int(id) <= len(ints):
			return r.i32Field(ints[:], id, &seen)
		case id == 7 && (typ == ctBoolTrue || typ == ctBoolFalse):
			// A boolean field's value is its type: nothing follows.
			h.compressed = typ == ctBoolTrue
			return true, nil
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	if seen != 0b111111 {
		return errors.New("data page v2 header lacks a required field")
	}
	if h.numValues < 0 || h.numNulls < 0 || h.numNulls > h.numValues || h.numRows < 0 || h.defLen < 0 || h.repLen < 0 {
		return fmt.Errorf("data page v2 header is inconsistent: %d values, %d nulls, %d rows, levels %d+%d bytes",
			h.numValues, h.numNulls, h.numRows, h.repLen, h.defLen)
	}
	return nil
}
