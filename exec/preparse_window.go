package exec

import "strings"

// ROWS, RANGE and GROUPS are unreserved keywords in PostgreSQL: a column
// may be called rows, and rows @ 1 is then the infix @ (42883 for
// Apiary's types). Only where a window frame may begin are they the frame's
// keywords, after which an operand starts (ROWS @ -1 PRECEDING takes a
// prefix @): directly inside a window specification, at its start (the
// grammar prefers the frame to an existing window's name there) or after
// a complete name, expression or sort direction (a column named rows
// follows an operator, a comma or BY instead). compatWindowSpecs follows a
// statement's tokens to know where the window specifications are.

// compatFrameKeywords are the words that begin a window frame.
var compatFrameKeywords = map[string]bool{"rows": true, "range": true, "groups": true}

// compatWindowSpecs tracks the parentheses of a statement as rewriteCompat
// scans it, to tell when the scan is directly inside a window
// specification: OVER ( ... ) after a call, or name AS ( ... ) in a WINDOW
// clause.
type compatWindowSpecs struct {
	depth int // parentheses open before the scan position
	// open holds the open window specifications, innermost last.
	open []compatWindowSpec
	// last and beforeLast are the two tokens before the scan position
	// (comments aside), as written.
	last, beforeLast string
	clause           compatWindowClauseStep
	clauseDepth      int // the depth of the WINDOW clause being read
}

// compatWindowSpec is an open window specification: the depth of its
// parenthesis, and whether a WINDOW clause defines it.
type compatWindowSpec struct {
	depth  int
	clause bool
}

// compatWindowClauseStep is where the scan is in WINDOW name AS (...), ...
type compatWindowClauseStep int

const (
	clauseNone  compatWindowClauseStep = iota
	clauseName                         // after WINDOW, or the comma after a definition
	clauseAs                           // after the window's name
	clauseParen                        // after AS
	clauseAfter                        // after a definition's closing parenthesis
)

// next moves past the token tok as written: a word, an operator, one
// punctuation character, or a literal or quoted identifier with its quotes.
func (w *compatWindowSpecs) next(tok string) {
	isName := tok != "" && (compatIsIdentChar(tok, 0) || tok[0] == '"')
	step := clauseNone
	switch {
	case tok == "(":
		w.depth++
		switch {
		case strings.EqualFold(w.last, "over") && w.beforeLast == ")":
			// OVER follows the call (or its FILTER clause); a function
			// called over follows no closing parenthesis.
			w.open = append(w.open, compatWindowSpec{depth: w.depth})
		case w.clause == clauseParen:
			w.open = append(w.open, compatWindowSpec{depth: w.depth, clause: true})
		}
	case tok == ")":
		if n := len(w.open); n > 0 && w.open[n-1].depth == w.depth {
			if w.open[n-1].clause {
				step = clauseAfter
			}
			w.open = w.open[:n-1]
		}
		w.depth--
	case strings.EqualFold(tok, "window"):
		step, w.clauseDepth = clauseName, w.depth
	case tok == "," && w.clause == clauseAfter && w.depth == w.clauseDepth:
		step = clauseName
	case isName && w.clause == clauseName:
		step = clauseAs
	case w.clause == clauseAs && strings.EqualFold(tok, "as"):
		step = clauseParen
	}
	w.clause = step
	w.beforeLast, w.last = w.last, tok
}

// inSpec reports whether the scan is directly inside a window
// specification, not inside parentheses within it.
func (w *compatWindowSpecs) inSpec() bool {
	n := len(w.open)
	return n > 0 && w.open[n-1].depth == w.depth
}

// startsFrame reports whether word, met now with prev (as rewriteCompat
// tracks it) before it, begins a window frame.
func (w *compatWindowSpecs) startsFrame(word, prev string) bool {
	// inSpec first: it is cheap, and false for nearly every token.
	if !w.inSpec() || !compatFrameKeywords[strings.ToLower(word)] {
		return false
	}
	switch strings.ToLower(prev) {
	case "(", "asc", "desc":
		return true
	}
	return compatEndsOperand(prev)
}
