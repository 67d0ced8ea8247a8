package plan

import (
	"fmt"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// column is one column of a relation as names see it.
type column struct {
	table  string // the FROM item's alias or name; "" for computed columns
	name   string
	typ    vec.Type
	hidden bool // not expanded by * nor found unqualified (USING duplicates)
	// unknown marks a select item that is a bare NULL: in UNION it takes
	// the other branch's type, as PostgreSQL's unknown type does.
	unknown bool
	// origin is the frame column this one reads unchanged, if any.
	origin *Origin
}

// scope is the set of columns names resolve against: the current FROM
// clause, with the enclosing query's scope as parent for correlation.
type scope struct {
	cols   []column
	parent *scope
	// outer collects references into parent scopes made while binding.
	outer *[]*outerRef
	// consts, when set, are the values of cols for one row of an
	// enclosing query: a subquery planned per row (apply.go) reads them
	// as constants instead of correlating.
	consts []*expr.Const
}

// outerRef is a reference from a subquery to a column of an enclosing
// query. It is never evaluated: decorrelation replaces it by a column of
// the join that replaces the subquery.
type outerRef struct {
	depth int // 1 = the immediately enclosing query
	idx   int
	typ   vec.Type
	name  string
}

func (e *outerRef) Type() vec.Type { return e.typ }
func (e *outerRef) String() string { return "outer." + e.name }
func (e *outerRef) Eval(*expr.Ctx, *vec.Batch) (*vec.Vec, error) {
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "this correlated subquery is not supported yet")
}

// resolve finds a column by optional table qualifier and name.
func (s *scope) resolve(table, name string) (expr.Expr, error) {
	depth := 0
	for sc := s; sc != nil; sc = sc.parent {
		idx := -1
		for i, c := range sc.cols {
			if c.name != name || (table != "" && c.table != table) || (table == "" && c.hidden) {
				continue
			}
			if idx >= 0 {
				return nil, sqlerr.New(sqlerr.AmbiguousColumn, "column reference \"%s\" is ambiguous", qualified(table, name))
			}
			idx = i
		}
		if idx >= 0 {
			c := sc.cols[idx]
			if sc.consts != nil {
				return sc.consts[idx], nil
			}
			if depth == 0 {
				return &expr.ColRef{Idx: idx, Typ: c.typ, Name: qualified(c.table, c.name)}, nil
			}
			ref := &outerRef{depth: depth, idx: idx, typ: c.typ, name: qualified(c.table, c.name)}
			if s.outer != nil {
				*s.outer = append(*s.outer, ref)
			}
			return ref, nil
		}
		if table != "" && depth == 0 && !sc.hasTable(table) && sc.parent == nil {
			return nil, sqlerr.New(sqlerr.UndefinedTable, "missing FROM-clause entry for table \"%s\"", table)
		}
		depth++
	}
	if table != "" {
		return nil, sqlerr.New(sqlerr.UndefinedColumn, "column %s.%s does not exist", table, name)
	}
	return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" does not exist", name)
}

func (s *scope) hasTable(t string) bool {
	for _, c := range s.cols {
		if c.table == t {
			return true
		}
	}
	return false
}

func qualified(table, name string) string {
	if table == "" {
		return name
	}
	return fmt.Sprintf("%s.%s", table, name)
}
