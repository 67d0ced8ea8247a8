package colexec

import (
	"context"
	"fmt"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/apiarydb/apiary/exec/vec"
)

// Spill is where operators that outgrow their memory budget write the rows
// they cannot hold: a local directory of temporary Arrow IPC files, removed
// as soon as they are read back. A nil *Spill disables spilling, and going
// over budget fails with 53200 instead.
type Spill struct {
	Dir string
}

// spillWriter appends batches to one temporary file.
type spillWriter struct {
	f     *os.File
	w     *ipc.Writer
	types []vec.Type
	names []string
	rows  int64
}

func (s *Spill) newWriter(types []vec.Type) (*spillWriter, error) {
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("colexec: spill directory: %w", err)
	}
	f, err := os.CreateTemp(s.Dir, "spill-*.arrow")
	if err != nil {
		return nil, fmt.Errorf("colexec: spill file: %w", err)
	}
	names := make([]string, len(types))
	for i := range names {
		names[i] = fmt.Sprintf("c%d", i)
	}
	schema, err := vec.ArrowSchema(names, types)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &spillWriter{f: f, w: ipc.NewWriter(f, ipc.WithSchema(schema)), types: types, names: names}, nil
}

// write appends the live rows of b.
func (w *spillWriter) write(b *vec.Batch) error {
	if b.Len == 0 {
		return nil
	}
	rec, err := vec.BatchToRecord(b, w.names)
	if err != nil {
		return err
	}
	defer rec.Release()
	w.rows += int64(b.Len)
	if err := w.w.Write(rec); err != nil {
		return fmt.Errorf("colexec: writing spill file: %w", err)
	}
	return nil
}

// finish closes the writer and returns an operator reading the rows back,
// which deletes the file when closed.
func (w *spillWriter) finish() (*spillReader, error) {
	if err := w.w.Close(); err != nil {
		w.discard()
		return nil, fmt.Errorf("colexec: closing spill file: %w", err)
	}
	if _, err := w.f.Seek(0, 0); err != nil {
		w.discard()
		return nil, err
	}
	return &spillReader{f: w.f, types: w.types, rows: w.rows}, nil
}

func (w *spillWriter) discard() {
	w.f.Close()
	os.Remove(w.f.Name())
}

// spillReader is an Operator over a spill file.
type spillReader struct {
	f     *os.File
	r     *ipc.Reader
	rec   arrow.RecordBatch
	types []vec.Type
	rows  int64
}

func (r *spillReader) Types() []vec.Type { return r.types }

func (r *spillReader) Next(ctx context.Context) (*vec.Batch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.f == nil {
		return nil, nil
	}
	if r.r == nil {
		rd, err := ipc.NewReader(r.f)
		if err != nil {
			return nil, fmt.Errorf("colexec: reading spill file: %w", err)
		}
		r.r = rd
	}
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if !r.r.Next() {
		return nil, r.r.Err()
	}
	r.rec = r.r.RecordBatch()
	r.rec.Retain()
	b, _, err := vec.RecordToBatch(r.rec)
	if err != nil {
		return nil, err
	}
	// Arrow keeps kind and scale; the operator's own types (char(n),
	// declared precisions) are put back.
	for i, c := range b.Cols {
		c.Type = r.types[i]
	}
	return b, nil
}

func (r *spillReader) Close() {
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.r != nil {
		r.r.Release()
		r.r = nil
	}
	if r.f != nil {
		r.f.Close()
		os.Remove(r.f.Name())
		r.f = nil
	}
}
