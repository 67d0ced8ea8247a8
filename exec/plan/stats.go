package plan

import (
	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// fromStatistics answers count(*), count(col), min(col) and max(col) over a
// whole frame from the ledger: row counts, null counts and the exact
// min/max the cell writer records for integer-like columns (integers,
// numerics, dates, timestamps). No cell is opened. It returns nil when the
// query needs the data: a filter, grouping, DISTINCT, FILTER, another
// aggregate, another type, or a cell without the statistics.
func fromStatistics(in node, keys []expr.Expr, calls []aggCall) node {
	if len(keys) > 0 || len(calls) == 0 {
		return nil
	}
	// A plain scan (perhaps under an identity projection), and calls the
	// statistics answer.
	if p, ok := in.(*projectNode); ok {
		for i, e := range p.exprs {
			if c, ok := e.(*expr.ColRef); !ok || c.Idx != i {
				return nil
			}
		}
		in = p.in
	}
	scan, ok := in.(*scanNode)
	if !ok || len(scan.filters) > 0 || scan.table.Virtual != nil {
		return nil
	}
	// Only then read the statistics of every cell, and only when a call
	// needs more than the row count.
	needBounds := false
	for _, c := range calls {
		switch {
		case c.filter != nil, c.distinct && c.fn != colexec.AggMin && c.fn != colexec.AggMax:
			return nil
		case c.fn == colexec.AggCountStar:
		case c.fn == colexec.AggCount, c.fn == colexec.AggMin, c.fn == colexec.AggMax:
			needBounds = true
		default:
			return nil
		}
	}
	t := scan.table
	var bounds []cell.Bounds
	if needBounds {
		bounds = make([]cell.Bounds, len(t.Cells))
		for i := range t.Cells {
			bounds[i] = cell.BoundsFromStats(t.Schema, &t.Cells[i])
		}
	}
	var types []vec.Type
	row := make([]*vec.Vec, len(calls))
	for ci, c := range calls {
		out := vec.New(c.typ, 1)
		types = append(types, c.typ)
		row[ci] = out
		if c.fn == colexec.AggCountStar {
			out.AppendInt64(t.Rows())
			continue
		}
		ref, ok := c.arg.(*expr.ColRef)
		if !ok {
			return nil
		}
		col := t.Columns[ref.Idx]
		switch c.fn {
		case colexec.AggCount:
			var n int64
			for i, cl := range t.Cells {
				cb, ok := bounds[i].Columns[col.Name]
				if !ok || cb.NullCount < 0 {
					return nil
				}
				n += cl.Rows - cb.NullCount
			}
			out.AppendInt64(n)
		case colexec.AggMin, colexec.AggMax:
			if !intLikeKind(col.Type.Kind) || col.Type != c.typ && !(c.typ.Kind == vec.KindNumeric && c.typ.Scale == col.Type.Scale) {
				return nil
			}
			found := false
			var best int64
			for i, cl := range t.Cells {
				cb, ok := bounds[i].Columns[col.Name]
				if !ok || cb.NullCount < 0 {
					return nil
				}
				if cb.NullCount >= cl.Rows {
					continue // only NULLs: no bound
				}
				v, has := cb.Min, cb.HasMin
				if c.fn == colexec.AggMax {
					v, has = cb.Max, cb.HasMax
				}
				if !has {
					return nil
				}
				if !found || (c.fn == colexec.AggMin && v.I < best) || (c.fn == colexec.AggMax && v.I > best) {
					best, found = v.I, true
				}
			}
			if !found {
				out.AppendNull()
				continue
			}
			switch c.typ.Kind {
			case vec.KindBool:
				out.AppendBool(best != 0)
			case vec.KindInt16:
				out.AppendInt16(int16(best))
			case vec.KindInt32, vec.KindDate:
				out.AppendInt32(int32(best))
			default:
				out.AppendInt64(best)
			}
		default:
			return nil
		}
	}
	b := &vec.Batch{Cols: row, Len: 1}
	return &valuesNode{typs: types, rows: b, fromStats: true}
}

func intLikeKind(k vec.Kind) bool {
	switch k {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
		return true
	}
	return false
}
