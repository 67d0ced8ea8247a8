package colexec

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
)

// OpStats are the counters EXPLAIN ANALYZE reports for one plan node,
// summed over every bee's copy of it.
type OpStats struct {
	Rows    atomic.Int64
	Batches atomic.Int64
	Nanos   atomic.Int64 // time inside Next, including inputs
	Copies  atomic.Int64
}

// Instrument wraps op so that its output and the time spent in it are
// counted in s.
func Instrument(op Operator, s *OpStats) Operator {
	s.Copies.Add(1)
	return &instrumented{in: op, s: s}
}

type instrumented struct {
	in Operator
	s  *OpStats
}

func (o *instrumented) Types() []vec.Type { return o.in.Types() }

func (o *instrumented) Next(ctx context.Context) (*vec.Batch, error) {
	start := time.Now()
	b, err := o.in.Next(ctx)
	o.s.Nanos.Add(int64(time.Since(start)))
	if b != nil && b.Len > 0 {
		o.s.Rows.Add(int64(b.Len))
		o.s.Batches.Add(1)
	}
	return b, err
}

func (o *instrumented) Close() { o.in.Close() }
