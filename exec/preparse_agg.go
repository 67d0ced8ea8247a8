package exec

import (
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser/statements"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"
)

// PostgreSQL allows DISTINCT and ORDER BY in one aggregate call
// (string_agg(DISTINCT v, ',' ORDER BY v)); the parser accepts either but
// not both. Before parsing, rewriteCompat takes such a call's DISTINCT away
// and gives its function name distinctMark; after parsing, unmarkDistinct
// (from restoreCompatForms) takes the mark off the name and makes the
// call DISTINCT again, which the planner knows how to run.

// distinctMark cannot end a name anyone writes: identifiers ending in it
// would be taken for the rewrite.
const distinctMark = "__apiary_distinct"

// compatMatchDistinctOrdered matches name(DISTINCT ... ORDER BY ...) at i:
// the end of the name, and the position after DISTINCT.
func compatMatchDistinctOrdered(s string, i int) (nameEnd, end int, ok bool) {
	nameEnd = i
	for compatIsIdentChar(s, nameEnd) {
		nameEnd++
	}
	open := compatSkipSpace(s, nameEnd)
	if open >= len(s) || s[open] != '(' {
		return 0, 0, false
	}
	end, ok = compatKeywordAt(s, compatSkipSpace(s, open+1), "distinct")
	if !ok || !orderByBeforeClose(s, end) {
		return 0, 0, false
	}
	return nameEnd, end, true
}

// orderByBeforeClose reports whether ORDER BY comes at the call's own
// depth before the parenthesis that closes it.
func orderByBeforeClose(s string, i int) bool {
	depth := 0
	for i < len(s) {
		if n := compatSkipQuoted(s, i); n > i {
			i = n
			continue
		}
		switch s[i] {
		case '(':
			depth++
		case ')':
			if depth == 0 {
				return false
			}
			depth--
		}
		if depth == 0 && compatIsWordStart(s, i) {
			if j, ok := compatKeywordAt(s, i, "order"); ok {
				if _, ok := compatKeywordAt(s, compatSkipSpace(s, j), "by"); ok {
					return true
				}
			}
		}
		i++
	}
	return false
}

// unmarkDistinct returns the DISTINCT call f stands for when
// rewriteCompat marked its name, or nil.
func unmarkDistinct(f *tree.FuncExpr) *tree.FuncExpr {
	name, ok := f.Func.FunctionReference.(*tree.UnresolvedName)
	if !ok {
		return nil
	}
	base, marked := strings.CutSuffix(name.Parts[0], distinctMark)
	if !marked {
		return nil
	}
	unmarked := *name
	unmarked.Parts[0] = base
	g := *f
	g.Func = tree.ResolvableFunctionReference{FunctionReference: &unmarked}
	g.Type = tree.DistinctFuncType
	return &g
}

// parseSQL parses statements as the engine reads them, after
// rewriteCompat: a bare INT is int4, and the forms restoreCompatForms
// knows take PostgreSQL's shape.
func parseSQL(sql string) (statements.Statements, error) {
	stmts, err := parser.ParseWithInt(sql, types.Int4)
	if err != nil || !compatRestoreNeeded(sql) {
		return stmts, err
	}
	for i := range stmts {
		stmts[i].AST = restoreCompatForms(stmts[i].AST)
	}
	return stmts, nil
}
