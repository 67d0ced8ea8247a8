package exec

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// cellSink feeds batches to a cell writer on a goroutine of its own, so
// that parsing the input and encoding cells (the two costs of a load, of
// similar size) run on two cores at once. A few batches circulate between
// the producer and the sink; memory is those batches plus what the writer
// holds (one row group and the encoded cell so far per open partition).
type cellSink struct {
	w    *cell.Writer
	in   chan *vec.Batch
	free chan *vec.Batch
	done chan struct{}
	// err is the writer's first error: written by the sink goroutine before
	// done closes, read by the producer after done or through failed.
	err    error
	failed atomic.Bool
	closed bool
}

// sinkBatches is how many batches circulate: one being filled, one being
// written, one in the channel between.
const sinkBatches = 3

// copyBatchRows is the number of rows per batch handed to the writer: large
// enough to make channel hand-offs rare, small enough that three batches of
// a wide frame stay a few MiB.
const copyBatchRows = 16 << 10

func newCellSink(ctx context.Context, w *cell.Writer, types []vec.Type) *cellSink {
	k := &cellSink{
		w:    w,
		in:   make(chan *vec.Batch, 1),
		free: make(chan *vec.Batch, sinkBatches),
		done: make(chan struct{}),
	}
	for range sinkBatches {
		k.free <- vec.NewBatch(types, copyBatchRows)
	}
	go func() {
		defer close(k.done)
		for b := range k.in {
			if k.err == nil {
				if err := ctx.Err(); err != nil {
					k.err = err
				} else {
					k.err = w.Write(ctx, b)
				}
				if k.err != nil {
					k.failed.Store(true)
				}
			}
			b.Reset()
			k.free <- b
		}
	}()
	return k
}

// batch returns an empty batch to fill, waiting until the writer has
// finished with one. The goroutine returns every batch it receives, failed
// or not, so this never waits for ever.
func (k *cellSink) batch() *vec.Batch { return <-k.free }

// send hands a filled batch to the writer. It reports the writer's error,
// if it already failed, so the producer stops early.
func (k *cellSink) send(b *vec.Batch) error {
	if k.failed.Load() {
		// err was written before failed was set, so reading it after
		// observing failed is ordered (and it is never written again).
		return k.err
	}
	k.in <- b
	return nil
}

// stop closes the input and waits for the goroutine.
func (k *cellSink) stop() {
	if !k.closed {
		k.closed = true
		close(k.in)
	}
	<-k.done
}

// finish writes what is left and returns the cells. On error the cells
// already put are deleted.
func (k *cellSink) finish(ctx context.Context) ([]txn.AddCell, error) {
	k.stop()
	if k.err != nil {
		return nil, errors.Join(k.err, k.w.Abort(ctx))
	}
	cells, err := k.w.Close(ctx)
	if err != nil {
		return nil, errors.Join(err, k.w.Abort(ctx))
	}
	return cells, nil
}

// abort stops the sink and deletes the cells it put: they were never
// committed, so nothing refers to them.
func (k *cellSink) abort(ctx context.Context) error {
	k.stop()
	return k.w.Abort(context.WithoutCancel(ctx))
}
