package plan

import (
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
)

// What the engine's distributed planner (exec/distribute_cut.go) needs to
// cut a statement the way this planner will read it.

// ColumnName is the name PostgreSQL gives a select-list expression
// without an alias.
func ColumnName(e tree.Expr) string { return columnName(e) }

// FuncName is a function call's name as the planner looks it up: lower
// case, without the pg_catalog qualifier.
func FuncName(f *tree.FuncExpr) string { return funcName(f) }

// IsAggregate reports whether name is an aggregate function when called
// without OVER.
func IsAggregate(name string) bool {
	if _, ok := colexec.LookupAgg(name); ok {
		return true
	}
	return name == "array_agg"
}
