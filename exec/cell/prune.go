package cell

import "github.com/apiarydb/apiary/exec/vec"

// Op is a comparison in a pruning predicate.
type Op uint8

// The operators. Comparisons follow SQL: a NULL never satisfies one.
const (
	Eq Op = iota
	Lt
	Le
	Gt
	Ge
	IsNull
	IsNotNull
)

// Range is one conjunct the engine pushes to a scan: Column Op Value.
// Value is ignored for IsNull and IsNotNull. Value must be in the column's
// stored form (see Value): numeric constants unscaled at the column's scale,
// dates in days, timestamps in microseconds, text compared byte-wise (C
// collation); the engine must not push a predicate it cannot express so.
type Range struct {
	Column string
	Op     Op
	Value  Value
}

// MayMatch reports whether rows described by b can satisfy every predicate
// of preds (a conjunction). It is false only when some predicate provably
// matches no row; unknown columns, missing bounds and kinds without bounds
// always answer true. Columns not in s are treated as unknown. Use it on
// BoundsFromStats (ledger stats and partition values, before a cell is
// opened) and on Cell.RowGroupBounds (inside a cell).
func MayMatch(s *Schema, b Bounds, preds []Range) bool {
	for _, p := range preds {
		i := s.Index(p.Column)
		if i < 0 {
			continue
		}
		cb, ok := b.Columns[p.Column]
		if !ok {
			continue
		}
		if !mayMatch(s.Columns[i].Type.Kind, b.Rows, cb, p) {
			return false
		}
	}
	return true
}

func mayMatch(kind vec.Kind, rows int64, cb ColumnBounds, p Range) bool {
	allNull := cb.NullCount >= 0 && rows > 0 && cb.NullCount >= rows
	switch p.Op {
	case IsNull:
		return cb.NullCount != 0
	case IsNotNull:
		return !allNull
	}
	if p.Value.Null || allNull {
		// x op NULL is NULL, and NULL rows satisfy no comparison.
		return false
	}
	f := familyOf(kind)
	if f == famNone {
		return true
	}
	switch p.Op {
	case Eq:
		return (!cb.HasMin || compare(f, cb.Min, p.Value) <= 0) && (!cb.HasMax || compare(f, p.Value, cb.Max) <= 0)
	case Lt:
		return !cb.HasMin || compare(f, cb.Min, p.Value) < 0
	case Le:
		return !cb.HasMin || compare(f, cb.Min, p.Value) <= 0
	case Gt:
		return !cb.HasMax || compare(f, cb.Max, p.Value) > 0
	case Ge:
		return !cb.HasMax || compare(f, cb.Max, p.Value) >= 0
	}
	return true
}
