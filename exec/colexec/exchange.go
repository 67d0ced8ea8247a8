package colexec

import (
	"context"
	"sync"

	"github.com/apiarydb/apiary/exec/vec"
)

// HashExchange routes the rows of several producers to fanout consumers by
// a hash of their key columns, so that every row of a key reaches the same
// consumer. It lets the final phase of a parallel aggregation run on every
// bee: each bee's partial groups are split by key, and each final
// aggregation owns one share of the keys.
//
// Each producer runs in its own goroutine from the first Next of any
// output; rows are copied into fresh batches, since producers reuse
// theirs. The outputs must be consumed concurrently (each by its own bee),
// as they are under a Parallel operator.
type HashExchange struct {
	inputs []Operator
	keys   []int
	types  []vec.Type
	outs   []*exchangeOut

	once    sync.Once
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	err     error
	closed  int
	stopped bool
}

type exchangeOut struct {
	x  *HashExchange
	ch chan *vec.Batch // closed by the exchange when every producer is done
	// done: this output was closed (Close may be called more than once).
	done bool
}

// NewHashExchange returns fanout operators reading inputs routed by keys.
func NewHashExchange(inputs []Operator, keys []int, fanout int) []Operator {
	x := &HashExchange{inputs: inputs, keys: keys, types: inputs[0].Types()}
	outs := make([]Operator, fanout)
	for i := range outs {
		o := &exchangeOut{x: x, ch: make(chan *vec.Batch, 4)}
		x.outs = append(x.outs, o)
		outs[i] = o
	}
	return outs
}

func (x *HashExchange) start(ctx context.Context) {
	x.once.Do(func() {
		ctx, x.cancel = context.WithCancel(ctx)
		for _, in := range x.inputs {
			x.wg.Add(1)
			go x.produce(ctx, in)
		}
		go func() {
			x.wg.Wait()
			for _, o := range x.outs {
				close(o.ch)
			}
		}()
	})
}

func (x *HashExchange) fail(err error) {
	x.mu.Lock()
	if x.err == nil {
		x.err = err
	}
	x.mu.Unlock()
	x.cancel()
}

func (x *HashExchange) produce(ctx context.Context, in Operator) {
	defer x.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			x.fail(panicError(r))
		}
	}()
	fanout := len(x.outs)
	sels := make([][]int32, fanout)
	keyCols := make([]*vec.Vec, len(x.keys))
	var hashes, scratch []uint64
	err := Drain(ctx, in, func(b *vec.Batch) error {
		for p := range sels {
			sels[p] = sels[p][:0]
		}
		for i, k := range x.keys {
			keyCols[i] = b.Cols[k]
		}
		hashes, scratch = hashKeys(keyCols, b, hashes, scratch)
		for k, hv := range hashes {
			// The high half of the hash: the consumers' tables index by
			// its top bits, but any number of consumers gets an even
			// share.
			p := int((hv >> 32) % uint64(fanout))
			sels[p] = append(sels[p], int32(b.Row(k)))
		}
		for p, sel := range sels {
			if len(sel) == 0 {
				continue
			}
			nb := vec.NewBatch(x.types, len(sel))
			for c, col := range b.Cols {
				appendRowsAt(nb.Cols[c], col, sel)
			}
			nb.Len = len(sel)
			select {
			case x.outs[p].ch <- nb:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
	if err != nil {
		x.fail(err)
	}
}

func (o *exchangeOut) Types() []vec.Type { return o.x.types }

func (o *exchangeOut) Next(ctx context.Context) (*vec.Batch, error) {
	o.x.start(ctx)
	select {
	case b, ok := <-o.ch:
		if ok {
			return b, nil
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	o.x.mu.Lock()
	err := o.x.err
	o.x.mu.Unlock()
	return nil, err
}

// Close stops the producers once every output is closed.
func (o *exchangeOut) Close() {
	x := o.x
	x.mu.Lock()
	if o.done {
		x.mu.Unlock()
		return
	}
	o.done = true
	x.closed++
	last := x.closed == len(x.outs) && !x.stopped
	if last {
		x.stopped = true
	}
	x.mu.Unlock()
	if !last {
		return
	}
	if x.cancel != nil {
		x.cancel()
		// Producers blocked on a full channel see the cancellation;
		// drain what is left so none waits for ever.
		for _, out := range x.outs {
			go func(ch chan *vec.Batch) {
				for range ch {
				}
			}(out.ch)
		}
		x.wg.Wait()
	}
	for _, in := range x.inputs {
		in.Close()
	}
}
