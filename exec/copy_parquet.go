package exec

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Parquet import. Files are opened with exec/cell's reader, which reads
// foreign files (arrow-go, DuckDB, Spark, parquet-go) by their Parquet types
// alone (docs/cells.md); flat schemas only. Columns are matched by name,
// exactly or else case-insensitively; a frame column the file lacks is an
// error unless the COPY's column list leaves it out, and file columns the
// frame lacks are ignored. Values convert when the types differ: integers
// widen, float widens, and anything else goes through PostgreSQL's text
// form, exactly as an explicit cast of a literal would, so a value the
// frame's type cannot hold is rejected with the usual SQLSTATE (22003,
// 22001, 22P02, ...).

// feedParquet loads one Parquet object.
func (ld *loader) feedParquet(ctx context.Context, src copySource) error {
	c, err := cell.Open(ctx, src.store, src.key, src.size, cell.OpenOptions{})
	if err != nil {
		return sqlerr.Wrap(err, sqlerr.BadCopyFileFormat, "could not read Parquet file %q: %v", src.name, err)
	}
	fs := c.Schema()
	tgt := ld.tgt
	proj := make([]int, len(tgt.fields))
	convs := make([]parquetConv, len(tgt.fields))
	for i, ci := range tgt.fields {
		col := tgt.schema.Columns[ci]
		fi := fs.Index(col.Name)
		if fi < 0 {
			for j, fc := range fs.Columns {
				if strings.EqualFold(fc.Name, col.Name) {
					if fi >= 0 {
						return sqlerr.New(sqlerr.AmbiguousColumn, "column %q matches several columns of Parquet file %q", col.Name, src.name)
					}
					fi = j
				}
			}
		}
		if fi < 0 {
			return sqlerr.New(sqlerr.UndefinedColumn, "column %q of relation %q is not in Parquet file %q", col.Name, tgt.name, src.name).
				WithHint("Name the columns the file holds in a column list: COPY %s (a, b, ...) FROM ...", tgt.name)
		}
		proj[i] = fi
		convs[i] = parquetConverter(fs.Columns[fi].Type, col.Type)
	}
	var row int64 // rows of this file done, for error contexts
	total := c.NumRows()
	for rg := 0; rg < c.NumRowGroups(); rg++ {
		r, err := c.ReadRowGroup(ctx, rg, proj, copyBatchRows)
		if err != nil {
			return sqlerr.Wrap(err, sqlerr.BadCopyFileFormat, "could not read Parquet file %q: %v", src.name, err)
		}
		for {
			in, err := r.Next()
			if err != nil {
				r.Close()
				return sqlerr.Wrap(err, sqlerr.BadCopyFileFormat, "could not read Parquet file %q: %v", src.name, err)
			}
			if in.Len == 0 {
				break
			}
			if err := ld.addParquetBatch(in, convs, src.name, row); err != nil {
				r.Close()
				return err
			}
			row += int64(in.Len)
			if total > 0 {
				ld.counted = src.size * row / total
			}
			if ld.cur.Len >= copyBatchRows {
				if err := ld.flush(ctx); err != nil {
					r.Close()
					return err
				}
			}
		}
		r.Close()
	}
	ld.counted = src.size
	return nil
}

// addParquetBatch appends a decoded batch (columns in field order) to the
// current batch; the caller flushes it when full. base is the number of
// rows of the file before this batch.
func (ld *loader) addParquetBatch(in *vec.Batch, convs []parquetConv, file string, base int64) error {
	tgt := ld.tgt
	nullErr := func(ci, r int) error {
		name := tgt.schema.Columns[ci].Name
		return sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", name, tgt.name).
			WithDetail("COPY %s, file %q, row %d, column %s: null input", tgt.name, file, base+int64(r)+1, name)
	}
	for i, ci := range tgt.fields {
		src, dst := in.Cols[i], ld.cur.Cols[ci]
		if ld.notNull[ci] && src.Nulls.Any() {
			for r := 0; r < in.Len; r++ {
				if src.Nulls.IsNull(r) {
					return nullErr(ci, r)
				}
			}
		}
		if r, err := convs[i](dst, src, 0, in.Len); err != nil {
			text := vec.AppendText(nil, src, r, time.UTC)
			return copyContext(err, fmt.Sprintf("COPY %s, file %q, row %d, column %s: %s", tgt.name, file, base+int64(r)+1, tgt.schema.Columns[ci].Name, quoteForContext(text)))
		}
	}
	for _, ci := range tgt.missing {
		if ld.notNull[ci] {
			return nullErr(ci, 0)
		}
		for range in.Len {
			ld.cur.Cols[ci].AppendNull()
		}
	}
	ld.cur.Len += in.Len
	ld.rows += int64(in.Len)
	return nil
}

// parquetConv appends rows [lo, hi) of src to dst, converting; on error it
// returns the failing row.
type parquetConv func(dst, src *vec.Vec, lo, hi int) (int, error)

// parquetConverter picks the conversion from a file column type to a frame
// column type.
func parquetConverter(from, to vec.Type) parquetConv {
	switch {
	case from == to:
		return copyRows
	case to.Kind == vec.KindInt64 && (from.Kind == vec.KindInt32 || from.Kind == vec.KindInt16):
		return widenInts
	case to.Kind == vec.KindInt32 && from.Kind == vec.KindInt16:
		return widenInts
	case to.Kind == vec.KindFloat64 && from.Kind == vec.KindFloat32:
		return widenFloat
	case to.Kind == vec.KindText && (from.Kind == vec.KindBytea || from.Kind == vec.KindText):
		// Writers that predate the STRING annotation store text as plain
		// binary; take its bytes as text (checked for UTF-8 and length).
		return bytesToText
	}
	return viaText
}

func copyRows(dst, src *vec.Vec, lo, hi int) (int, error) {
	for r := lo; r < hi; r++ {
		dst.AppendFrom(src, r)
	}
	return 0, nil
}

func widenInts(dst, src *vec.Vec, lo, hi int) (int, error) {
	for r := lo; r < hi; r++ {
		if src.Nulls.IsNull(r) {
			dst.AppendNull()
			continue
		}
		var v int64
		switch src.Type.Kind {
		case vec.KindInt16:
			v = int64(src.Int16s()[r])
		default:
			v = int64(src.Int32s()[r])
		}
		if dst.Type.Kind == vec.KindInt32 {
			dst.AppendInt32(int32(v))
		} else {
			dst.AppendInt64(v)
		}
	}
	return 0, nil
}

func widenFloat(dst, src *vec.Vec, lo, hi int) (int, error) {
	for r := lo; r < hi; r++ {
		if src.Nulls.IsNull(r) {
			dst.AppendNull()
			continue
		}
		dst.AppendFloat64(float64(src.Float32s()[r]))
	}
	return 0, nil
}

func bytesToText(dst, src *vec.Vec, lo, hi int) (int, error) {
	b := src.Bytes()
	for r := lo; r < hi; r++ {
		if src.Nulls.IsNull(r) {
			dst.AppendNull()
			continue
		}
		v := b.Get(r)
		if dst.Type.Width <= 0 && utf8.Valid(v) {
			dst.AppendBytes(v)
			continue
		}
		if err := dst.AppendParsed(string(v), time.UTC); err != nil {
			return r, err
		}
	}
	return 0, nil
}

func viaText(dst, src *vec.Vec, lo, hi int) (int, error) {
	var buf []byte
	for r := lo; r < hi; r++ {
		if src.Nulls.IsNull(r) {
			dst.AppendNull()
			continue
		}
		buf = vec.AppendText(buf[:0], src, r, time.UTC)
		if err := dst.AppendParsed(bytesString(buf), time.UTC); err != nil {
			return r, err
		}
	}
	return 0, nil
}
