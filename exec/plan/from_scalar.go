package plan

import (
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// planScalarFrom plans a FROM item that calls a function returning one
// value, not a set (FROM lower('A'), FROM user, FROM now() AS t(x)):
// PostgreSQL reads it as a relation of one row whose one column is named
// after the function, or after the alias. Over in, whose columns sc
// describes (the items before it when it reads their columns), it is a
// projection adding that column, and a 1 for WITH ORDINALITY.
func (p *Planner) planScalarFrom(a *tree.AliasedTableExpr, f *tree.FuncExpr, in node, sc *scope) (*unit, error) {
	b := &binder{p: p, scope: sc, clause: "functions in FROM"}
	x, err := b.bind(f)
	if err != nil {
		return nil, err
	}
	if d1, deeper := hasOuter(x); d1 || deeper {
		return nil, unsupported("function arguments reading an enclosing query are not supported here")
	}
	name := funcName(f)
	alias := string(a.As.Alias)
	if alias == "" {
		alias = name
	} else {
		name = alias
	}
	names := []string{name}
	inTypes := in.types()
	exprs := make([]expr.Expr, 0, len(inTypes)+2)
	for i, t := range inTypes {
		exprs = append(exprs, &expr.ColRef{Idx: i, Typ: t})
	}
	exprs = append(exprs, x)
	if a.Ordinality {
		one := vec.New(vec.Int64, 1)
		one.AppendInt64(1)
		exprs = append(exprs, expr.NewConst(one))
		names = append(names, "ordinality")
	}
	if len(a.As.Cols) > len(names) {
		return nil, sqlerr.New(sqlerr.InvalidColumnReference, "table \"%s\" has %d columns available but %d columns specified", alias, len(names), len(a.As.Cols))
	}
	for i, c := range a.As.Cols {
		names[i] = string(c.Name)
	}
	cols := append([]column(nil), sc.cols...)
	for i, x := range exprs[len(inTypes):] {
		cols = append(cols, column{table: alias, name: names[i], typ: x.Type()})
	}
	rows := 1.0
	if _, alone := in.(*valuesNode); !alone {
		rows = 1000 // as planRowsFrom guesses for calls over other items
	}
	return &unit{n: &projectNode{in: in, exprs: exprs}, cols: cols, rows: rows, full: rows}, nil
}
