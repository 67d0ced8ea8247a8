package exec

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// COPY ... (FORMAT binary): PostgreSQL's binary copy format, which pgx's
// CopyFrom and psycopg's binary copy speak. A stream is a signature, a flags
// word and a header extension, then one tuple per row (a field count, then
// each field's length, -1 for NULL, and its bytes in the type's binary
// form), then a field count of -1.

var binaryCopySignature = []byte("PGCOPY\n\xff\r\n\x00")

// maxBinaryField is the largest field a binary COPY may carry: PostgreSQL's
// 1 GB limit on a value.
const maxBinaryField = 1<<30 - 1

// copyBinaryOIDs is the flag bit of streams carrying row OIDs, which
// PostgreSQL removed in version 12 and frames never had.
const copyBinaryOIDs = 1 << 16

func binaryCopyError(format string, args ...any) error {
	return sqlerr.New(sqlerr.BadCopyFileFormat, format, args...)
}

// feedBinary reads a binary COPY stream into the load.
func (ld *loader) feedBinary(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var hdr [19]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return binaryCopyError("COPY file signature not recognized")
		}
		return err
	}
	if string(hdr[:11]) != string(binaryCopySignature) {
		return binaryCopyError("COPY file signature not recognized")
	}
	flags := binary.BigEndian.Uint32(hdr[11:])
	if flags&copyBinaryOIDs != 0 {
		return binaryCopyError("COPY file has OIDs, which frames do not have")
	}
	if flags&0xffff0000&^copyBinaryOIDs != 0 {
		return binaryCopyError("unrecognized critical flags in COPY file header")
	}
	if ext := binary.BigEndian.Uint32(hdr[15:]); ext > 0 {
		if _, err := br.Discard(int(ext)); err != nil {
			return binaryCopyError("invalid COPY file header (wrong length)")
		}
	}
	tgt := ld.tgt
	var buf []byte
	var field bytes.Buffer
	var lenBuf [4]byte
	for line := int64(1); ; line++ {
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		var cnt [2]byte
		if _, err := io.ReadFull(br, cnt[:]); err != nil {
			if errors.Is(err, io.EOF) {
				// PostgreSQL accepts a stream that ends without its
				// trailer only at a tuple boundary, as here.
				return nil
			}
			return ld.binaryReadError(err, line)
		}
		n := int16(binary.BigEndian.Uint16(cnt[:]))
		if n == -1 {
			// The trailer; anything after it is ignored, as by PostgreSQL.
			_, err := io.Copy(io.Discard, br)
			return err
		}
		if int(n) != len(tgt.fields) {
			return copyContext(binaryCopyError("row field count is %d, expected %d", n, len(tgt.fields)), ld.lineWhere(line))
		}
		b := ld.cur
		for i := range int(n) {
			if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
				return ld.binaryReadError(err, line)
			}
			ci := tgt.fields[i]
			size := int32(binary.BigEndian.Uint32(lenBuf[:]))
			if size == -1 {
				if ld.notNull[ci] {
					return ld.notNullError(ci, line)
				}
				b.Cols[ci].AppendNull()
				continue
			}
			if size < 0 {
				return copyContext(binaryCopyError("invalid field size"), ld.lineWhere(line))
			}
			if size > maxBinaryField {
				return copyContext(sqlerr.New(sqlerr.ProgramLimitExceeded, "field size %d exceeds the limit of %d bytes", size, maxBinaryField), ld.lineWhere(line))
			}
			// The buffer grows as the bytes arrive, so a length the client
			// only claims costs nothing.
			field.Reset()
			if _, err := io.CopyN(&field, br, int64(size)); err != nil {
				return ld.binaryReadError(err, line)
			}
			buf = field.Bytes()
			if err := b.Cols[ci].AppendBinaryValue(buf, ld.loc); err != nil {
				return copyContext(err, fmt.Sprintf("%s, column %s", ld.lineWhere(line), tgt.schema.Columns[ci].Name))
			}
		}
		for _, ci := range tgt.missing {
			if ld.notNull[ci] {
				return ld.notNullError(ci, line)
			}
			b.Cols[ci].AppendNull()
		}
		b.Len++
		ld.rows++
		if ld.cur.Len >= copyBatchRows {
			if err := ld.flush(ctx); err != nil {
				return err
			}
		}
	}
}

func (ld *loader) binaryReadError(err error, line int64) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return copyContext(binaryCopyError("unexpected EOF in COPY data"), ld.lineWhere(line))
	}
	return err
}

// copyToBinary streams rows in the binary format, several rows per
// CopyData message (at most about 64 KiB each).
func (s *Session) copyToBinary(rows Rows) (Result, error) {
	cols := rows.Columns()
	for _, c := range cols {
		if !vec.HasBinary(c.Type) {
			rows.Close()
			return Result{}, sqlerr.New(sqlerr.UndefinedFunction, "no binary output function available for type %s", c.Type)
		}
	}
	run := func(ctx context.Context, _ *time.Location, emit func([]byte) error) (tag string, err error) {
		defer s.guardRun("COPY TO STDOUT (FORMAT binary)", &err)
		defer rows.Close()
		buf := appendBinaryCopyHeader(nil)
		var n int64
		err = colexec.Drain(ctx, rows, func(b *vec.Batch) error {
			for i := range b.Len {
				buf = appendBinaryCopyRow(buf, b, i)
				if len(buf) >= copyChunk {
					if err := emit(buf); err != nil {
						return err
					}
					buf = buf[:0]
				}
			}
			n += int64(b.Len)
			return nil
		})
		if err != nil {
			return "", err
		}
		if err := emit(appendBinaryCopyTrailer(buf)); err != nil {
			return "", err
		}
		return copyTag(n), nil
	}
	return Result{Tag: "COPY", CopyOut: &CopyOut{Columns: len(cols), Run: run, Binary: true}}, nil
}

// copyChunk is the size at which a binary COPY stream is cut into a
// CopyData message.
const copyChunk = 64 << 10

// appendBinaryCopyHeader starts a binary COPY stream.
func appendBinaryCopyHeader(dst []byte) []byte {
	dst = append(dst, binaryCopySignature...)
	dst = binary.BigEndian.AppendUint32(dst, 0)
	return binary.BigEndian.AppendUint32(dst, 0)
}

// appendBinaryCopyRow appends one tuple of a binary COPY stream.
func appendBinaryCopyRow(dst []byte, b *vec.Batch, i int) []byte {
	row := b.Row(i)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(b.Cols)))
	for _, col := range b.Cols {
		if col.Nulls.IsNull(row) {
			dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
			continue
		}
		at := len(dst)
		dst = append(dst, 0, 0, 0, 0)
		dst = vec.AppendBinary(dst, col, row)
		binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	}
	return dst
}

// appendBinaryCopyTrailer ends a binary COPY stream.
func appendBinaryCopyTrailer(dst []byte) []byte { return binary.BigEndian.AppendUint16(dst, 0xffff) }
