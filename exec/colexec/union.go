package colexec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// unionAll emits all of its first input, then all of its second, and so on.
// Batches pass through as the inputs produced them.
type unionAll struct {
	inputs []Operator
	types  []vec.Type
	cur    int    // input being read
	closed []bool // per input
	err    error  // mismatched input types, reported by Next
}

var _ Operator = (*unionAll)(nil)

// NewUnionAll returns the concatenation of inputs, which must have the same
// column types (the planner casts them first). Each input is closed as soon
// as it is exhausted.
func NewUnionAll(inputs []Operator) Operator {
	u := &unionAll{inputs: inputs, closed: make([]bool, len(inputs))}
	if len(inputs) > 0 {
		u.types = inputs[0].Types()
	}
	for i, in := range inputs[min(1, len(inputs)):] {
		ts := in.Types()
		if !sameStorage(u.types, ts) {
			u.err = sqlerr.New(sqlerr.InternalError, "UNION ALL input %d has types %v, input 1 has %v", i+2, ts, u.types)
		}
	}
	return u
}

// sameStorage reports whether batches of types a and b hold values the same
// way: varchar(10) and text may meet, narrow numerics of different scale
// may not, decimals of different nominal scale may (each value carries its
// own).
func sameStorage(a, b []vec.Type) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Kind != b[i].Kind || a[i].Kind == vec.KindNumeric && a[i].Scale != b[i].Scale {
			return false
		}
	}
	return true
}

func (u *unionAll) Types() []vec.Type { return u.types }

func (u *unionAll) Next(ctx context.Context) (*vec.Batch, error) {
	if u.err != nil {
		return nil, u.err
	}
	for u.cur < len(u.inputs) {
		b, err := u.inputs[u.cur].Next(ctx)
		if err != nil {
			return nil, err
		}
		if b != nil && b.Len > 0 {
			return b, nil
		}
		u.closeInput(u.cur)
		u.cur++
	}
	return nil, nil
}

func (u *unionAll) closeInput(i int) {
	if !u.closed[i] {
		u.closed[i] = true
		u.inputs[i].Close()
	}
}

func (u *unionAll) Close() {
	for i := range u.inputs {
		u.closeInput(i)
	}
	u.cur = len(u.inputs)
}

// valuesOp emits a constant set of rows in batches of at most BatchSize.
type valuesOp struct {
	types []vec.Type
	rows  *vec.Batch
	pos   int // next live row of rows to emit
	out   *vec.Batch
}

var _ Operator = (*valuesOp)(nil)

// NewValues returns an operator emitting the live rows of rows (nil: none),
// whose columns have the given types; a batch without columns stands for
// rows of no columns (SELECT without FROM). The operator keeps rows and does
// not modify it.
func NewValues(types []vec.Type, rows *vec.Batch) Operator {
	if rows == nil {
		rows = &vec.Batch{}
	}
	return &valuesOp{types: types, rows: rows}
}

// NewValuesRows is NewValues for rows given one at a time: rows[r][c] is a
// one-value vector holding column c of row r.
func NewValuesRows(types []vec.Type, rows [][]*vec.Vec) Operator {
	b := vec.NewBatch(types, len(rows))
	for _, row := range rows {
		for c, v := range row {
			b.Cols[c].AppendFrom(v, 0)
		}
	}
	b.Len = len(rows)
	return NewValues(types, b)
}

func (v *valuesOp) Types() []vec.Type { return v.types }

func (v *valuesOp) Next(context.Context) (*vec.Batch, error) {
	n := v.rows.Len
	if v.pos >= n {
		return nil, nil
	}
	if v.pos == 0 && n <= BatchSize && v.rows.Sel == nil {
		v.pos = n
		return v.rows, nil
	}
	end := min(v.pos+BatchSize, n)
	if v.out == nil {
		v.out = vec.NewBatch(v.types, end-v.pos)
	}
	v.out.Reset()
	sel := batchLive(v.rows)
	for c, col := range v.rows.Cols {
		if sel != nil {
			appendRowsAt(v.out.Cols[c], col, sel[v.pos:end])
		} else {
			v.out.Cols[c].AppendRange(col, v.pos, end)
		}
	}
	v.out.Len = end - v.pos
	v.pos = end
	return v.out, nil
}

func (v *valuesOp) Close() { v.pos = v.rows.Len }
