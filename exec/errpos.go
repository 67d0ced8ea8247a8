package exec

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/lexbase"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/scanner"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/sqlerr"
)

// PostgreSQL reports where in the statement a name it could not resolve
// is written (psql draws a caret under it): an unknown column (42703), a
// relation or a table qualifier missing from FROM (42P01), a function no
// signature matches or an operator without an implementation for its
// operands (42883). The parser's tree keeps no positions, so the binder's
// errors have none. withNamePosition finds the name again in the
// statement's text with the parser's own scanner (strings, quoted
// identifiers and comments are read as the parser reads them), and only
// when the text names it in exactly one place, in the shape the error
// speaks of: a position that could point at another use of the name
// would be worse than none.

// positionedStatement reports whether PostgreSQL analyses ast as a query,
// reporting positions for the names it cannot resolve (utility statements
// such as DROP or COPY report none).
func positionedStatement(ast tree.Statement) bool {
	switch n := ast.(type) {
	case *tree.Select, *tree.Insert, *tree.Update, *tree.Delete, *tree.Explain, *tree.ExplainAnalyze,
		*tree.DeclareCursor, *tree.Prepare:
		return true
	case *tree.CreateTable:
		return n.AsSource != nil
	}
	return false
}

// withNamePosition returns err with the position of the name it is about
// in stmt (1-based, in characters), when err is an error about a name
// without a position and stmt names it exactly once; otherwise err.
func withNamePosition(err error, stmt string) error {
	if err == nil {
		return nil
	}
	flat := sqlerr.Flatten(err)
	if flat.Position > 0 {
		return err
	}
	want, ok := nameErrorTarget(flat.Code, flat.Message, err)
	if !ok {
		return err
	}
	toks, ok := scanTokens(stmt)
	if !ok {
		return err
	}
	var at int
	if want.operator != "" {
		at = operatorAt(stmt, want.operator)
	} else {
		at = want.find(toks)
	}
	if at < 0 {
		return err
	}
	// The wrapper repeats the fields, for callers that read the first
	// sqlerr.Error of the chain rather than Flatten's answer.
	return &sqlerr.Error{Code: flat.Code, Message: flat.Message, Detail: flat.Detail, Hint: flat.Hint,
		Position: utf8.RuneCountInString(stmt[:at]) + 1, Err: err}
}

// nameShape is what an error's name looks like where it is written.
type nameShape int

const (
	// shapeColumn is a column reference: the name, qualified or not, not
	// itself a qualifier nor called.
	shapeColumn nameShape = iota
	// shapeQualifier is a table name qualifying a column (t.a, t.*).
	shapeQualifier
	// shapeRelation is a relation's name, qualified or not.
	shapeRelation
	// shapeCall is a function name followed by its arguments.
	shapeCall
)

// nameTarget is the written form an error is about: the dotted name parts
// (normalised as the scanner normalises identifiers) in one of the
// shapes, or an operator.
type nameTarget struct {
	parts    []string
	shape    nameShape
	args     int    // shapeCall: the number of arguments
	operator string // an operator instead of a name
}

// Messages of the errors withNamePosition places, as the binder and the
// catalog write them.
const (
	msgDoesNotExist   = " does not exist"
	msgColumnPrefix   = "column "
	msgMissingFrom    = "missing FROM-clause entry for table "
	msgFunctionPrefix = "function "
	msgOperatorPrefix = "operator does not exist: "
	msgOfRelation     = " of relation "

	msgAmbiguousPrefix = "column reference "
	msgIsAmbiguous     = " is ambiguous"
)

// nameErrorTarget reads what err, flattened to code and msg, is about.
func nameErrorTarget(code sqlerr.Code, msg string, err error) (nameTarget, bool) {
	switch code {
	case sqlerr.UndefinedColumn:
		rest, ok := cutAround(msg, msgColumnPrefix, msgDoesNotExist)
		if !ok {
			return nameTarget{}, false
		}
		if col, _, found := strings.Cut(rest, msgOfRelation); found {
			// column "a" of relation "t": a target column of INSERT.
			if name, ok := unquoteMessageName(col); ok {
				return nameTarget{parts: []string{name}, shape: shapeColumn}, true
			}
			return nameTarget{}, false
		}
		if name, ok := unquoteMessageName(rest); ok {
			return nameTarget{parts: []string{name}, shape: shapeColumn}, true
		}
		// column t.a: the binder writes a qualified name bare, so a
		// name holding a dot is ambiguous.
		if parts := strings.Split(rest, "."); len(parts) == 2 && !strings.Contains(rest, `"`) {
			return nameTarget{parts: parts, shape: shapeColumn}, true
		}
	case sqlerr.AmbiguousColumn:
		// column reference "a" is ambiguous; a qualified reference is
		// left without a position, its dot being ambiguous as above.
		rest, ok := cutAround(msg, msgAmbiguousPrefix, msgIsAmbiguous)
		if !ok {
			return nameTarget{}, false
		}
		if name, ok := unquoteMessageName(rest); ok && !strings.Contains(name, ".") {
			return nameTarget{parts: []string{name}, shape: shapeColumn}, true
		}
	case sqlerr.UndefinedTable:
		if rest, ok := strings.CutPrefix(msg, msgMissingFrom); ok {
			if name, ok := unquoteMessageName(rest); ok {
				return nameTarget{parts: []string{name}, shape: shapeQualifier}, true
			}
			return nameTarget{}, false
		}
		// A relation's message joins its parts with dots, which cannot be
		// split again ("a.b" may be one name): the error carries them.
		var rel writtenRelation
		if errors.As(err, &rel) {
			return nameTarget{parts: rel, shape: shapeRelation}, true
		}
	case sqlerr.UndefinedFunction:
		if rest, ok := strings.CutPrefix(msg, msgOperatorPrefix); ok {
			if op, ok := messageOperator(rest); ok {
				return nameTarget{operator: op}, true
			}
			return nameTarget{}, false
		}
		rest, ok := cutAround(msg, msgFunctionPrefix, ")"+msgDoesNotExist)
		if !ok {
			return nameTarget{}, false
		}
		// A call the binder names as written (expr.NameCall) carries the
		// name's parts, which the message joins with dots; otherwise the
		// message's name is placed only when it is a plain one.
		var written expr.CallName
		var parts []string
		var args string
		if errors.As(err, &written) {
			if args, ok = strings.CutPrefix(rest, written.Error()+"("); !ok {
				return nameTarget{}, false
			}
			parts = written
		} else {
			var name string
			name, args, ok = strings.Cut(rest, "(")
			if !ok || strings.ContainsAny(name, `". `) || name == "" {
				return nameTarget{}, false
			}
			parts = []string{name}
		}
		n := 0
		if args != "" {
			n = strings.Count(args, ", ") + 1
		}
		return nameTarget{parts: parts, shape: shapeCall, args: n}, true
	}
	return nameTarget{}, false
}

// cutAround returns s without prefix and suffix, if it has both.
func cutAround(s, prefix, suffix string) (string, bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", false
	}
	return strings.CutSuffix(rest, suffix)
}

// unquoteMessageName reads a name a message quotes as PostgreSQL does:
// between double quotes, with none of its characters escaped.
func unquoteMessageName(s string) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	return s[1 : len(s)-1], true
}

// messageOperator returns the operator of the rest of an "operator does
// not exist" message ("integer @ integer", "- text"), when it is one whose
// every use is written: comparisons are left out, for IN, BETWEEN, CASE
// and USING compare without writing an operator, and so is LIKE's family,
// which is mostly written as keywords.
func messageOperator(rest string) (string, bool) {
	var op string
	for _, f := range strings.Fields(rest) {
		isOp := true
		for i := 0; i < len(f); i++ {
			if !compatIsOperatorChar(f[i]) {
				isOp = false
				break
			}
		}
		if isOp {
			if op != "" {
				return "", false
			}
			op = f
		}
	}
	switch op {
	case "", "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "!~~", "~~*", "!~~*":
		return "", false
	}
	return op, true
}

// operatorAt returns the byte offset of the one place stmt writes the
// operator op, read as PostgreSQL's lexer reads operators (outside
// literals, quoted identifiers and comments), or -1 when there is no
// such place or more than one. A statement with an explicit
// OPERATOR(...), which PostgreSQL reports at its keyword, has none.
func operatorAt(stmt, op string) int {
	at := -1
	for i := 0; i < len(stmt); {
		if n := compatSkipQuoted(stmt, i); n > i {
			i = n
			continue
		}
		if compatIsWordStart(stmt, i) {
			if _, _, ok := compatMatchOperator(stmt, i); ok {
				return -1
			}
		}
		if !compatIsOperatorChar(stmt[i]) {
			i++
			continue
		}
		end := compatOperatorToken(stmt, i)
		if stmt[i:end] == op {
			if at >= 0 {
				return -1
			}
			at = i
		}
		i = end
	}
	return at
}

// sqlToken is a token of the statement as the parser's scanner reads it.
type sqlToken struct {
	id    int32
	start int    // byte offset in the statement
	str   string // an identifier's or keyword's normalised text
}

// scanTokens scans stmt, without the end token; ok is false when the
// scanner fails (the statement parsed, so that is not expected).
func scanTokens(stmt string) ([]sqlToken, bool) {
	var toks []sqlToken
	for _, t := range scanner.Inspect(stmt) {
		switch t.ID {
		case 0:
			return toks, true
		case lexbase.ERROR, -1:
			return nil, false
		}
		toks = append(toks, sqlToken{id: t.ID, start: int(t.Start), str: t.Str})
	}
	return toks, true
}

// isName reports a token that may be a name: an identifier, or a keyword
// (many may name columns and functions: name, left, year).
func (t sqlToken) isName() bool {
	return t.id == lexbase.IDENT || lexbase.GetKeywordID(t.str) == t.id
}

func (t sqlToken) is(c byte) bool { return t.id == int32(c) }

// find returns the byte offset PostgreSQL reports for the one place toks
// write the target, or -1. Every place that writes the dotted name (in
// any shape) counts; the target is placed only if that place is the only
// one and has the target's shape.
func (w nameTarget) find(toks []sqlToken) int {
	at := -1
	found := 0
	for i := range toks {
		end, ok := w.matchAt(toks, i)
		if !ok {
			continue
		}
		found++
		if found > 1 {
			return -1
		}
		at = w.place(toks, i, end)
	}
	return at
}

// matchAt reports whether toks[i:] start with the target's parts, and
// returns the index after them.
func (w nameTarget) matchAt(toks []sqlToken, i int) (int, bool) {
	for k, p := range w.parts {
		if k > 0 {
			if i >= len(toks) || !toks[i].is('.') {
				return 0, false
			}
			i++
		}
		if i >= len(toks) || !toks[i].isName() || toks[i].str != p {
			return 0, false
		}
		i++
	}
	return i, true
}

// place returns the offset to report for the target written at
// toks[i:end], or -1 when the place does not have the target's shape.
func (w nameTarget) place(toks []sqlToken, i, end int) int {
	qualified := i > 0 && toks[i-1].is('.')
	next := func(c byte) bool { return end < len(toks) && toks[end].is(c) }
	switch w.shape {
	case shapeColumn, shapeRelation:
		if qualified || next('.') || next('(') {
			return -1
		}
	case shapeQualifier:
		if qualified || !next('.') {
			return -1
		}
	case shapeCall:
		if !next('(') || callArgs(toks, end) != w.args {
			return -1
		}
		// A qualified call is reported at its first qualifier.
		for i >= 2 && toks[i-1].is('.') && toks[i-2].isName() {
			i -= 2
		}
	}
	return toks[i].start
}

// callArgs counts the arguments of the call whose parenthesis is
// toks[open], or returns -1 when they are not a plain list (unbalanced, or
// with the keywords of SQL's special call syntax, which PostgreSQL may
// report elsewhere).
func callArgs(toks []sqlToken, open int) int {
	depth, n := 0, 0
	for i := open; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.is('(') || t.is('['):
			depth++
		case t.is(')') || t.is(']'):
			depth--
			if depth == 0 {
				if i == open+1 {
					return 0
				}
				return n + 1
			}
		case depth == 1 && t.is(','):
			n++
		case depth == 1 && t.id != lexbase.IDENT && t.isName():
			switch t.str {
			case "from", "in", "for", "placing", "similar", "both", "leading", "trailing", "variadic", "distinct", "all", "order":
				return -1
			}
		}
	}
	return -1
}
