package colexec

import (
	"context"
	"log/slog"
	"runtime/debug"
	"sync"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Parallel runs one copy of a pipeline per bee, each in its own goroutine,
// and merges their batches in arrival order. The copies usually share a
// ScanSource, so together they read each row group once.
//
// A bee hands its batch over and waits until the consumer asks for the next
// one before it produces more: batches are reused by their producers, so
// this keeps each one valid while the consumer reads it, and it bounds
// memory to one batch in flight per bee.
type Parallel struct {
	inputs []Operator
	types  []vec.Type

	started bool
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	results chan beeResult
	acks    []chan struct{}
	pending int // index of the bee whose batch the consumer holds, -1 none
	running int
	err     error
	onClose []func()
}

type beeResult struct {
	bee int
	b   *vec.Batch
	err error
}

// NewParallel returns an operator merging the outputs of inputs, which all
// produce the same types.
func NewParallel(inputs []Operator) *Parallel {
	return &Parallel{inputs: inputs, types: inputs[0].Types(), pending: -1}
}

func (p *Parallel) Types() []vec.Type { return p.types }

func (p *Parallel) start(ctx context.Context) {
	p.started = true
	ctx, p.cancel = context.WithCancel(ctx)
	p.results = make(chan beeResult, len(p.inputs))
	p.acks = make([]chan struct{}, len(p.inputs))
	p.running = len(p.inputs)
	for i, in := range p.inputs {
		p.acks[i] = make(chan struct{}, 1)
		p.wg.Add(1)
		go p.bee(ctx, i, in)
	}
}

func (p *Parallel) bee(ctx context.Context, i int, in Operator) {
	defer p.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			p.results <- beeResult{bee: i, err: panicError(r)}
		}
	}()
	for {
		b, err := in.Next(ctx)
		if err != nil || b == nil || b.Len == 0 {
			p.results <- beeResult{bee: i, err: err}
			return
		}
		p.results <- beeResult{bee: i, b: b}
		select {
		case <-p.acks[i]:
		case <-ctx.Done():
			return
		}
	}
}

func (p *Parallel) Next(ctx context.Context) (*vec.Batch, error) {
	if p.err != nil {
		return nil, p.err
	}
	if !p.started {
		p.start(ctx)
	}
	if p.pending >= 0 {
		p.acks[p.pending] <- struct{}{}
		p.pending = -1
	}
	for p.running > 0 {
		select {
		case r := <-p.results:
			if r.err != nil {
				p.err = r.err
				p.cancel()
				return nil, r.err
			}
			if r.b == nil {
				p.running--
				continue
			}
			p.pending = r.bee
			return r.b, nil
		case <-ctx.Done():
			p.err = ctx.Err()
			return nil, p.err
		}
	}
	return nil, nil
}

func (p *Parallel) Close() {
	if p.started {
		p.cancel()
		// Bees blocked handing over a result must be able to finish.
		done := make(chan struct{})
		go func() { p.wg.Wait(); close(done) }()
		for {
			select {
			case <-p.results:
				continue
			case <-done:
			}
			break
		}
		p.started = false
	}
	for _, in := range p.inputs {
		in.Close()
	}
	for _, f := range p.onClose {
		f()
	}
	p.onClose = nil
}

// panicError turns a bee's panic into an internal error for the query, so
// that a bug in one operator fails the statement instead of the server.
func panicError(r any) error {
	// The stack goes to the node's log, not to the client.
	slog.Error("panic in a bee", "panic", r, "stack", string(debug.Stack()))
	return sqlerr.New(sqlerr.InternalError, "internal error in a bee: %v", r)
}

// OnClose registers functions to run when the operator closes, after its
// bees stopped: shared join builds live as long as every bee probing them.
func (p *Parallel) OnClose(fs ...func()) { p.onClose = append(p.onClose, fs...) }
