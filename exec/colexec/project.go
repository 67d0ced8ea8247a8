package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// Project computes one expression per output column. Column references pass
// the input vectors through; the selection is kept, so nothing is copied
// for plain columns.
type Project struct {
	In    Operator
	Exprs []expr.Expr
	ctx   *expr.Ctx
	types []vec.Type
	out   vec.Batch
}

// NewProject returns a projection of in.
func NewProject(in Operator, exprs []expr.Expr, env *expr.Env) *Project {
	p := &Project{In: in, Exprs: exprs, ctx: expr.NewCtx(env)}
	for _, e := range exprs {
		p.types = append(p.types, e.Type())
	}
	p.out.Cols = make([]*vec.Vec, len(exprs))
	return p
}

func (p *Project) Types() []vec.Type { return p.types }

func (p *Project) Next(ctx context.Context) (*vec.Batch, error) {
	b, err := p.In.Next(ctx)
	if err != nil || b == nil || b.Len == 0 {
		return nil, err
	}
	p.ctx.Reset()
	for i, e := range p.Exprs {
		v, err := e.Eval(p.ctx, b)
		if err != nil {
			return nil, err
		}
		p.out.Cols[i] = v
	}
	p.out.Len, p.out.Sel = b.Len, b.Sel
	if len(p.Exprs) == 0 && b.Sel != nil {
		// No columns to carry a physical length: keep the selection so
		// PhysLen stays right for consumers that evaluate constants.
		p.out.Sel = b.Sel
	}
	return &p.out, nil
}

func (p *Project) Close() { p.In.Close() }
