package expr

import (
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// x [NOT] [I]LIKE pattern ESCAPE e, which the parser turns into calls of
// like_escape, not_like_escape, ilike_escape and not_ilike_escape. The
// pattern is rewritten to the backslash escapes the matcher reads, so the
// pattern and the escape character must be constants (they are in practice;
// anything else is 0A000).
var likeEscapeModes = map[string]struct{ fold, negate bool }{
	"like_escape": {false, false}, "not_like_escape": {false, true},
	"ilike_escape": {true, false}, "not_ilike_escape": {true, true},
}

// IsLikeEscape reports whether name is the parser's spelling of a LIKE
// ... ESCAPE operator (an operator to PostgreSQL, so it names no column).
func IsLikeEscape(name string) bool {
	_, ok := likeEscapeModes[name]
	return ok
}

func init() {
	for name, mode := range likeEscapeModes {
		specialFuncs[name] = func(args []Expr) (Expr, error) {
			if len(args) != 3 {
				return nil, errNoFunction(name, args)
			}
			for _, a := range args[1:] {
				if k := a.Type().Kind; !isUntyped(a) && k != vec.KindText && k != vec.KindBytea {
					// PostgreSQL's like_escape(pattern, escape) takes text
					// or bytea.
					return nil, sqlerr.New(sqlerr.UndefinedFunction, "function like_escape(%s, %s) does not exist", typeNameOrUnknown(args[1]), typeNameOrUnknown(args[2])).
						WithHint("No function matches the given name and argument types. You might need to add explicit type casts.")
				}
			}
			pat, ok1 := args[1].(*Const)
			esc, ok2 := args[2].(*Const)
			if !ok1 || !ok2 {
				return nil, sqlerr.New(sqlerr.FeatureNotSupported, "LIKE ... ESCAPE needs a constant pattern and escape character")
			}
			if pat.IsNull() || esc.IsNull() {
				return NullConst(vec.Bool), nil
			}
			rewritten, err := rewriteLikeEscape(pat.Val.Bytes().Get(0), esc.Val.Bytes().Get(0))
			if err != nil {
				return nil, err
			}
			return NewLike(args[0], Literal(string(rewritten)), mode.fold, mode.negate)
		}
	}
}

// rewriteLikeEscape turns a pattern whose escape character is esc (one
// character, or none when empty) into one escaped with backslashes.
func rewriteLikeEscape(p, esc []byte) ([]byte, error) {
	if utf8.RuneCount(esc) > 1 {
		return nil, sqlerr.New(codeInvalidEscapeSequence, "invalid escape string").
			WithHint("Escape string must be empty or one character.")
	}
	out := make([]byte, 0, len(p)+4)
	for i := 0; i < len(p); {
		_, size := utf8.DecodeRune(p[i:])
		c := p[i : i+size]
		switch {
		case len(esc) > 0 && string(c) == string(esc):
			if i+size >= len(p) {
				return nil, errLikeEscape()
			}
			_, size2 := utf8.DecodeRune(p[i+size:])
			out = append(out, '\\')
			out = append(out, p[i+size:i+size+size2]...)
			i += size + size2
			continue
		case c[0] == '\\':
			// A backslash that is not the escape character is itself.
			out = append(out, '\\', '\\')
		default:
			out = append(out, c...)
		}
		i += size
	}
	return out, nil
}
