package exec

import (
	"strings"

	crerrors "github.com/cockroachdb/errors"

	"github.com/apiarydb/apiary/sqlerr"
)

// PostgreSQL's grammar rejects some window frames itself, with SQLSTATE
// 42P20 and the position of one of the frame's bounds; the parser rejects
// the same frames, in the same order and with the same words, but as
// syntax errors pointing at the frame's last word. frameBoundErrors holds
// those messages, each with whether PostgreSQL points at the end bound
// (true) or the start bound.
var frameBoundErrors = map[string]bool{
	"frame start cannot be UNBOUNDED FOLLOWING":                     false,
	"frame starting from following row cannot end with current row": false,
	"frame end cannot be UNBOUNDED PRECEDING":                       true,
	"frame starting from current row cannot have preceding rows":    true,
	"frame starting from following row cannot have preceding rows":  true,
}

// frameParseError returns PostgreSQL's error for a parse error that
// rejects a window frame, or nil when err is another error. source and
// edits are as for parseErrorIn.
func frameParseError(err error, source string, edits compatEdits) error {
	_, reason, ok := strings.Cut(err.Error(), ": syntax error: ")
	if !ok {
		return nil
	}
	reason, _, _ = strings.Cut(reason, "\n")
	endBound, ok := frameBoundErrors[reason]
	if !ok {
		return nil
	}
	e := sqlerr.Wrap(err, sqlerr.WindowingError, "%s", reason)
	src, offset, ok := errorOffset(crerrors.FlattenDetails(err))
	if !ok {
		return e
	}
	at, ok := frameBoundOffset(src, offset, endBound)
	if !ok {
		return e
	}
	return e.WithPosition(edits.position(src, at, source))
}

// frameBoundOffset finds, in the statement src whose frame clause ends at
// byte offset last, where the frame's start bound (or its end bound)
// begins: the word after ROWS, RANGE or GROUPS, or after BETWEEN, or after
// the AND that follows the start bound.
func frameBoundOffset(src string, last int, endBound bool) (int, bool) {
	type token struct {
		at    int
		word  string // lower case; "" for anything but a word
		depth int    // parentheses open before it
	}
	var toks []token
	mode := -1 // index of the last ROWS, RANGE or GROUPS
	depth := 0
	for i := 0; i < len(src) && i <= last; {
		if n := compatSkipQuoted(src, i); n > i {
			if !strings.HasPrefix(src[i:], "--") && !strings.HasPrefix(src[i:], "/*") {
				toks = append(toks, token{at: i, depth: depth})
			}
			i = n
			continue
		}
		c := src[i]
		switch {
		case compatIsSpace(c):
			i++
			continue
		case compatIsWordStart(src, i):
			end := i + 1
			for compatIsIdentCont(src, end) {
				end++
			}
			w := strings.ToLower(src[i:end])
			if w == "rows" || w == "range" || w == "groups" {
				mode = len(toks)
			}
			toks = append(toks, token{at: i, word: w, depth: depth})
			i = end
			continue
		case c == '(':
			depth++
		case c == ')':
			depth--
		}
		toks = append(toks, token{at: i, depth: depth})
		i++
	}
	if mode < 0 || mode+1 >= len(toks) {
		return 0, false
	}
	start := mode + 1
	if toks[start].word == "between" {
		start++
	}
	if start >= len(toks) {
		return 0, false
	}
	if !endBound {
		return toks[start].at, true
	}
	// The start bound ends at its first PRECEDING, FOLLOWING or ROW at the
	// frame's own depth (an offset may hold parentheses, not these words
	// outside them); AND and the end bound follow.
	d := toks[mode].depth
	for k := start; k+2 < len(toks); k++ {
		switch t := toks[k]; {
		case t.depth != d:
		case t.word == "preceding" || t.word == "following" || t.word == "row":
			if toks[k+1].word != "and" {
				return 0, false
			}
			return toks[k+2].at, true
		}
	}
	return 0, false
}
