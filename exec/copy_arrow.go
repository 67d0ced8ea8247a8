package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// COPY ... TO STDOUT (FORMAT arrow): the Arrow fast path.
//
// The result leaves as one Arrow IPC stream in the streaming format — the
// schema message, one record batch message per engine batch, the
// end-of-stream marker — cut into CopyData pieces of at most
// arrowChunkSize bytes. No value passes through text: each vec.Batch
// becomes an Arrow record with vec.ToArrow, which shares the batch's memory
// wherever the layouts agree (vec/arrow.go has the type mapping), and
// arrow-go's ipc.Writer serialises it. A client concatenates the CopyData
// payloads and hands the bytes to any Arrow IPC stream reader
// (pyarrow.ipc.open_stream, arrow-go's ipc.NewReader).
//
// Every type is checked before the CopyOutResponse, so a result with a
// column Arrow cannot carry fails with 0A000 and sends nothing.

// arrowChunkSize bounds one CopyData message of an Arrow stream. Large
// enough that per-message overhead is negligible, small enough that the
// server's output buffer and the client's copy buffer stay small.
const arrowChunkSize = 64 << 10

// copyToArrow prepares the Arrow stream of rows; it owns rows from here on.
func (s *Session) copyToArrow(rows Rows) (Result, error) {
	cols := rows.Columns()
	names := make([]string, len(cols))
	types := make([]vec.Type, len(cols))
	for i, c := range cols {
		names[i], types[i] = c.Name, exportType(c.Type)
		if _, err := vec.ArrowType(c.Type); err != nil {
			rows.Close()
			return Result{}, unsupported("COPY (FORMAT arrow) cannot send column %q of type %s", c.Name, c.Type)
		}
	}
	schema, err := vec.ArrowSchema(names, types)
	if err != nil {
		rows.Close()
		return Result{}, sqlerr.Wrap(err, sqlerr.InternalError, "build the Arrow schema")
	}
	run := func(ctx context.Context, _ *time.Location, emit func([]byte) error) (tag string, err error) {
		defer s.guardRun("COPY TO STDOUT (FORMAT arrow)", &err)
		defer rows.Close()
		out := &copyChunker{emit: emit}
		w := ipc.NewWriter(out, ipc.WithSchema(schema), ipc.WithAllocator(memory.NewGoAllocator()))
		n, err := writeArrowBatches(ctx, rows, schema, w)
		if err == nil {
			// Close writes the schema (when no batch came) and the
			// end-of-stream marker.
			err = w.Close()
		} else {
			_ = w.Close()
		}
		if err == nil {
			err = out.flush()
		}
		if err != nil {
			// The client's own failure is reported as it happened, not as
			// arrow-go's wrapping of it.
			if out.err != nil {
				return "", out.err
			}
			return "", err
		}
		return copyTag(n), nil
	}
	return Result{Tag: "COPY", CopyOut: &CopyOut{Columns: len(cols), Run: run, Binary: true}}, nil
}

// writeArrowBatches writes every batch of rows as one record and returns
// the number of rows written.
func writeArrowBatches(ctx context.Context, rows Rows, schema *arrow.Schema, w *ipc.Writer) (int64, error) {
	var n int64
	arrays := make([]arrow.Array, schema.NumFields())
	err := colexec.Drain(ctx, rows, func(b *vec.Batch) error {
		if err := batchArrays(b, schema, arrays); err != nil {
			return err
		}
		rec := array.NewRecordBatch(schema, arrays, int64(b.Len))
		for _, a := range arrays {
			a.Release()
		}
		err := w.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("write arrow record: %w", err)
		}
		n += int64(b.Len)
		return nil
	})
	return n, err
}

// exportType is the type a column leaves as. A numeric held as
// decimal.Decimal has a scale per value, which Arrow's Decimal128 cannot
// carry (vec's own Arrow form is only for Apiary's spill and exchange): it
// leaves as Decimal128(38, its nominal scale), each value rounded to that;
// a declared numeric(p,s) column, whose values all have s decimals, as
// Decimal128(p, s) exactly.
func exportType(t vec.Type) vec.Type {
	if t.Kind == vec.KindDecimal {
		if t.Precision > 0 {
			return vec.Numeric(t.Precision, t.Scale)
		}
		return vec.Numeric(decimal.MaxDigits, t.Scale)
	}
	return t
}

// decimalArrow converts the KindDecimal column called name to Decimal128
// values of dt's scale, as a numeric(dt.Precision, dt.Scale) column would
// hold them.
func decimalArrow(v *vec.Vec, n int, sel []int32, name string, dt *arrow.Decimal128Type) (arrow.Array, error) {
	if sel != nil {
		n = len(sel)
	}
	bld := array.NewDecimal128Builder(memory.NewGoAllocator(), dt)
	defer bld.Release()
	bld.Reserve(n)
	field := vec.DeclaredNumeric(dt.Precision, dt.Scale)
	vals := v.Decimals()
	for i := range n {
		r := i
		if sel != nil {
			r = int(sel[i])
		}
		if v.Nulls.IsNull(r) {
			bld.AppendNull()
			continue
		}
		d, err := vec.FitDecimal(vals[r], field)
		if err != nil {
			return nil, sqlerr.Wrap(err, sqlerr.NumericValueOutOfRange,
				"value %s in column \"%s\" does not fit Arrow's decimal128(%d, %d)", vals[r], name, dt.Precision, dt.Scale)
		}
		bld.Append(decimal128.New(d.Hi, d.Lo))
	}
	return bld.NewArray(), nil
}

// batchArrays fills arrays with the live rows of b, one array per column.
// Without a selection vector the arrays alias the batch's memory, which
// stays valid until the next rows.Next: the record is written before that.
func batchArrays(b *vec.Batch, schema *arrow.Schema, arrays []arrow.Array) error {
	var sel []int32
	if b.Sel != nil {
		sel = b.Sel[:b.Len]
	}
	for i, c := range b.Cols {
		var a arrow.Array
		var err error
		if dt, ok := schema.Field(i).Type.(*arrow.Decimal128Type); ok && c.Type.Kind == vec.KindDecimal {
			// A client's stream (exportType); fragments keep vec's form.
			// Its errors already speak to the client.
			a, err = decimalArrow(c, b.Len, sel, schema.Field(i).Name, dt)
		} else if a, err = vec.ToArrow(c, b.Len, sel); err != nil {
			if c.Type.Kind == vec.KindInterval {
				err = sqlerr.Wrap(err, sqlerr.DatetimeFieldOverflow, "interval in column %q is out of range for Arrow's month_day_nano interval", schema.Field(i).Name)
			} else {
				err = sqlerr.Wrap(err, sqlerr.InternalError, "convert column %q to Arrow", schema.Field(i).Name)
			}
		}
		if err != nil {
			for _, done := range arrays[:i] {
				done.Release()
			}
			return err
		}
		arrays[i] = a
	}
	return nil
}

// copyChunker cuts the IPC stream into CopyData-sized pieces. ipc.Writer
// writes each message in several small writes (prefix, metadata, one per
// buffer); they are gathered up to arrowChunkSize, while a write larger
// than a whole chunk goes out in place without being copied first.
type copyChunker struct {
	emit func([]byte) error
	buf  []byte
	// err is the first error emit returned: the client's, which must reach
	// the caller unchanged (a lost connection is recognised by type).
	err error
}

func (w *copyChunker) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := len(p)
	for len(p) > 0 {
		if len(w.buf) == 0 && len(p) >= arrowChunkSize {
			if err := w.send(p[:arrowChunkSize]); err != nil {
				return 0, err
			}
			p = p[arrowChunkSize:]
			continue
		}
		if w.buf == nil {
			w.buf = make([]byte, 0, arrowChunkSize)
		}
		k := min(arrowChunkSize-len(w.buf), len(p))
		w.buf = append(w.buf, p[:k]...)
		p = p[k:]
		if len(w.buf) == arrowChunkSize {
			if err := w.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// flush sends what is gathered.
func (w *copyChunker) flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	err := w.send(w.buf)
	w.buf = w.buf[:0]
	return err
}

func (w *copyChunker) send(p []byte) error {
	if err := w.emit(p); err != nil {
		w.err = err
		return err
	}
	return nil
}
