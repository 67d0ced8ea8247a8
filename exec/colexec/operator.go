package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
)

// BatchSize is the number of rows operators aim to put in a batch.
const BatchSize = 2048

// Operator is a node of a query plan that produces batches.
//
// Next returns the next batch; a nil batch or one with Len 0 means the
// stream has ended. The batch belongs to the operator and stays valid until
// the next call to Next or Close; consumers copy what they keep. Close
// releases the operator's resources and those of its inputs; it is
// idempotent and may come before the end of the stream.
type Operator interface {
	Types() []vec.Type
	Next(ctx context.Context) (*vec.Batch, error)
	Close()
}

// BatchSource is what Drain reads: an Operator, or anything else whose
// Next keeps Operator.Next's contract (exec's result rows).
type BatchSource interface {
	Next(ctx context.Context) (*vec.Batch, error)
}

// Drain reads src to the end, calling f on each batch; it checks ctx
// before each batch.
func Drain(ctx context.Context, src BatchSource, f func(b *vec.Batch) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := src.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil || b.Len == 0 {
			return nil
		}
		if err := f(b); err != nil {
			return err
		}
	}
}

// AppendRows copies the live rows of src onto the ends of dst's columns
// (same types), compacting away the selection, with typed bulk copies.
func AppendRows(dst *vec.Batch, src *vec.Batch) {
	appendLiveRows(dst.Cols, src)
	dst.Len += src.Len
}
