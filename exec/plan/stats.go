package plan

import (
	"math"

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

// scanSelectivity estimates the fraction of a table's rows its pushed
// filters keep. Comparisons of an integer-like column (integers, numerics,
// dates, timestamps) with constants are combined per column into one
// interval and read against each cell's min/max statistics, as if values
// spread evenly between a cell's bounds: a date range over lineitem keeps
// the share of the dates it covers, where a fixed guess had Q7's filtered
// lineitem smaller than orders and built the join on the larger side.
// Other conditions, and columns some cell has no bounds for, take
// filterSelectivity's guesses.
func scanSelectivity(t *Table, filters []expr.Expr) float64 {
	type interval struct {
		lo, hi int64 // inclusive
		conds  []expr.Expr
	}
	byColumn := map[string]*interval{}
	var order []string
	sel := 1.0
	var terms []expr.Expr
	for _, f := range filters {
		terms = append(terms, conjuncts(f)...)
	}
	for _, f := range terms {
		rg, ok := pruneRange(t, f)
		if !ok || rg.Value.Null || !intLikeKind(columnKind(t, rg.Column)) {
			sel *= filterSelectivity(f)
			continue
		}
		iv := byColumn[rg.Column]
		if iv == nil {
			iv = &interval{lo: math.MinInt64, hi: math.MaxInt64}
			byColumn[rg.Column] = iv
			order = append(order, rg.Column)
		}
		iv.conds = append(iv.conds, f)
		v := rg.Value.I
		switch rg.Op {
		case cell.Eq:
			iv.lo, iv.hi = max(iv.lo, v), min(iv.hi, v)
		case cell.Lt:
			if v == math.MinInt64 {
				iv.hi, iv.lo = math.MinInt64, math.MaxInt64 // empty
			} else {
				iv.hi = min(iv.hi, v-1)
			}
		case cell.Le:
			iv.hi = min(iv.hi, v)
		case cell.Gt:
			if v == math.MaxInt64 {
				iv.hi, iv.lo = math.MinInt64, math.MaxInt64
			} else {
				iv.lo = max(iv.lo, v+1)
			}
		case cell.Ge:
			iv.lo = max(iv.lo, v)
		}
	}
	if len(order) == 0 {
		return sel
	}
	bounds := make([]cell.Bounds, len(t.Cells))
	for i := range t.Cells {
		bounds[i] = cell.BoundsFromStats(t.Schema, &t.Cells[i])
	}
	for _, name := range order {
		iv := byColumn[name]
		kept, total, known := 0.0, 0.0, len(t.Cells) > 0
		for i, c := range t.Cells {
			cb, ok := bounds[i].Columns[name]
			if !ok || !cb.HasMin || !cb.HasMax || cb.NullCount < 0 {
				known = false
				break
			}
			total += float64(c.Rows)
			lo, hi := max(iv.lo, cb.Min.I), min(iv.hi, cb.Max.I)
			if lo > hi || cb.NullCount >= c.Rows {
				continue
			}
			width := float64(cb.Max.I) - float64(cb.Min.I) + 1
			kept += float64(c.Rows-cb.NullCount) * (float64(hi) - float64(lo) + 1) / width
		}
		if !known || total == 0 {
			for _, f := range iv.conds {
				sel *= filterSelectivity(f)
			}
			continue
		}
		sel *= kept / total
	}
	return sel
}

// columnKind is the kind of t's column name.
func columnKind(t *Table, name string) vec.Kind {
	for _, c := range t.Columns {
		if c.Name == name {
			return c.Type.Kind
		}
	}
	return vec.KindText
}
