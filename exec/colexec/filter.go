package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// Filter passes the rows for which a boolean expression is true, by
// narrowing the batch's selection; no column is copied.
type Filter struct {
	In   Operator
	Pred expr.Expr
	ctx  *expr.Ctx
	out  vec.Batch
	sel  []int32
}

// NewFilter returns a filter of in by pred.
func NewFilter(in Operator, pred expr.Expr, env *expr.Env) *Filter {
	return &Filter{In: in, Pred: pred, ctx: expr.NewCtx(env)}
}

func (f *Filter) Types() []vec.Type { return f.In.Types() }

func (f *Filter) Next(ctx context.Context) (*vec.Batch, error) {
	for {
		b, err := f.In.Next(ctx)
		if err != nil || b == nil || b.Len == 0 {
			return nil, err
		}
		f.ctx.Reset()
		v, err := f.Pred.Eval(f.ctx, b)
		if err != nil {
			return nil, err
		}
		f.sel = SelectTrue(v, b, f.sel[:0])
		if len(f.sel) == 0 {
			continue
		}
		f.out = *b
		f.out.Sel, f.out.Len = f.sel, len(f.sel)
		return &f.out, nil
	}
}

func (f *Filter) Close() { f.In.Close() }

// SelectTrue appends to sel the live rows of b where v is true and not NULL.
func SelectTrue(v *vec.Vec, b *vec.Batch, sel []int32) []int32 {
	vals := v.Bools()
	hasNulls := v.Nulls.Any()
	if b.Sel == nil {
		if cap(sel) < b.Len {
			sel = make([]int32, 0, b.Len)
		}
		sel = sel[:b.Len]
		k := 0
		if !hasNulls {
			for i, x := range vals[:b.Len] {
				sel[k] = int32(i)
				if x {
					k++
				}
			}
			return sel[:k]
		}
		for i, x := range vals[:b.Len] {
			if x && !v.Nulls.IsNull(i) {
				sel[k] = int32(i)
				k++
			}
		}
		return sel[:k]
	}
	for _, i := range b.Sel[:b.Len] {
		if vals[i] && (!hasNulls || !v.Nulls.IsNull(int(i))) {
			sel = append(sel, i)
		}
	}
	return sel
}
