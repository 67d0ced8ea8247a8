package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
)

// limitOp passes rows offset..offset+limit of its input. It narrows the
// input's batches with a selection instead of copying them.
type limitOp struct {
	in        Operator
	remaining int64 // rows still to emit; < 0 means no limit
	skip      int64 // rows still to skip
	done      bool
	inClosed  bool
	sel       []int32
	out       vec.Batch
}

var _ Operator = (*limitOp)(nil)

// NewLimit returns an operator emitting rows offset..offset+limit of in
// (limit < 0: no limit; a negative offset counts as 0). Once limit rows are
// out it pulls nothing more from in and closes it.
func NewLimit(in Operator, limit, offset int64) Operator {
	return &limitOp{in: in, remaining: limit, skip: max(offset, 0)}
}

func (l *limitOp) Types() []vec.Type { return l.in.Types() }

func (l *limitOp) Next(ctx context.Context) (*vec.Batch, error) {
	if l.done {
		return nil, nil
	}
	if l.remaining == 0 {
		// The input is closed here rather than when the last batch went
		// out: that batch belongs to the input and is still being read.
		l.finish()
		return nil, nil
	}
	for {
		b, err := l.in.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b == nil || b.Len == 0 {
			l.finish()
			return nil, nil
		}
		start, end := 0, b.Len
		if l.skip > 0 {
			if l.skip >= int64(b.Len) {
				l.skip -= int64(b.Len)
				continue
			}
			start = int(l.skip)
			l.skip = 0
		}
		if l.remaining >= 0 && int64(end-start) > l.remaining {
			end = start + int(l.remaining)
		}
		if l.remaining >= 0 {
			l.remaining -= int64(end - start)
		}
		if start == 0 && end == b.Len {
			return b, nil
		}
		l.out = *b
		if b.Sel != nil {
			l.out.Sel = b.Sel[start:end]
		} else {
			l.sel = l.sel[:0]
			for i := start; i < end; i++ {
				l.sel = append(l.sel, int32(i))
			}
			l.out.Sel = l.sel
		}
		l.out.Len = end - start
		return &l.out, nil
	}
}

func (l *limitOp) finish() {
	l.done = true
	if !l.inClosed {
		l.inClosed = true
		l.in.Close()
	}
}

func (l *limitOp) Close() { l.finish() }
