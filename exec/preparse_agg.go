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
// not both. Before parsing, such a call loses its DISTINCT and its function
// name gets distinctMark; after parsing, parseSQL takes the mark off the
// name and makes the call DISTINCT again, which the planner knows how to
// run.

// distinctMark cannot end a name anyone writes: identifiers ending in it
// would be taken for the rewrite.
const distinctMark = "__apiary_distinct"

// markDistinctOrdered rewrites name(DISTINCT ... ORDER BY ...) calls, outside
// string literals, quoted identifiers and comments.
func markDistinctOrdered(sql string) string {
	lower := strings.ToLower(sql)
	if !strings.Contains(lower, "distinct") || !strings.Contains(lower, "order") {
		return sql
	}
	var out strings.Builder
	last := 0
	for i := 0; i < len(sql); {
		if n := compatSkipQuoted(sql, i); n > i {
			i = n
			continue
		}
		if !compatIsWordStart(sql, i) {
			i++
			continue
		}
		nameEnd := i
		for compatIsIdentChar(sql, nameEnd) {
			nameEnd++
		}
		open := compatSkipSpace(sql, nameEnd)
		if open >= len(sql) || sql[open] != '(' {
			i = nameEnd
			continue
		}
		d := compatSkipSpace(sql, open+1)
		afterDistinct, ok := compatKeywordAt(sql, d, "distinct")
		if !ok || !orderByBeforeClose(sql, afterDistinct) {
			i = nameEnd
			continue
		}
		out.WriteString(sql[last:nameEnd])
		out.WriteString(distinctMark + "(")
		i, last = afterDistinct, afterDistinct
	}
	if last == 0 {
		return sql
	}
	out.WriteString(sql[last:])
	return out.String()
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

// parseSQL parses statements as the engine reads them: a bare INT is int4,
// and calls markDistinctOrdered marked are DISTINCT again.
func parseSQL(sql string) (statements.Statements, error) {
	stmts, err := parser.ParseWithInt(sql, types.Int4)
	if err != nil || !strings.Contains(sql, distinctMark) {
		return stmts, err
	}
	for i := range stmts {
		ast, err := tree.SimpleStmtVisit(stmts[i].AST, func(e tree.Expr) (bool, tree.Expr, error) {
			f, ok := e.(*tree.FuncExpr)
			if !ok {
				return true, e, nil
			}
			name := tree.AsStringWithFlags(&f.Func, tree.FmtBareIdentifiers)
			base, marked := strings.CutSuffix(name, distinctMark)
			if !marked {
				return true, e, nil
			}
			g := *f
			g.Func = tree.WrapFunction(base)
			g.Type = tree.DistinctFuncType
			return true, &g, nil
		})
		if err != nil {
			return nil, err
		}
		stmts[i].AST = ast
	}
	return stmts, nil
}
