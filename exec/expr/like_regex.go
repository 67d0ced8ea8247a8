package expr

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Regular expressions: ~ and its variants, regexp_replace, regexp_like,
// regexp_count, regexp_substr and substring(s FROM pattern).
//
// They use Go's regexp package (RE2), not PostgreSQL's ARE engine. The
// differences: no back-references (\1) or lookaround ((?=), (?!)) in
// patterns, which fail with 2201B; \m, \M, [[:<:]] and [[:>:]] (word start
// and end) are approximated by \b; \y and \Y map to \b and \B, \Z to \z;
// embedded options other than (?i), (?m) and (?s), the "***:" director and
// the b and e flags (POSIX basic and extended syntax) are not supported.
// Like PostgreSQL, . matches a newline and ^ and $ anchor at the ends of
// the string unless the 'n' flag is given. Match positions follow POSIX
// leftmost-longest rules unless the pattern has a non-greedy quantifier,
// which approximates PostgreSQL's preference rules.

// regexFlags are the options of regexp_replace and friends.
type regexFlags struct {
	global, foldCase, newline, quote, expanded bool
}

func parseRegexFlags(s string) (regexFlags, error) {
	var f regexFlags
	for _, c := range s {
		switch c {
		case 'g':
			f.global = true
		case 'i':
			f.foldCase = true
		case 'c':
			f.foldCase = false
		case 'n', 'm':
			f.newline = true
		case 's', 'p', 'w':
			f.newline = false
		case 'q':
			f.quote = true
		case 'x':
			f.expanded = true
		case 't':
		case 'b', 'e':
			return f, sqlerr.New(sqlerr.FeatureNotSupported, "regular expression option \"%c\" (basic or extended POSIX syntax) is not supported", c)
		default:
			return f, sqlerr.New(sqlerr.InvalidParameterValue, "invalid regular expression option: \"%c\"", c)
		}
	}
	return f, nil
}

// compileRegex translates a PostgreSQL regular expression to RE2 syntax
// and compiles it.
func compileRegex(pattern string, f regexFlags) (*regexp.Regexp, error) {
	var sb strings.Builder
	switch {
	case f.foldCase && f.newline:
		sb.WriteString("(?im)")
	case f.foldCase:
		sb.WriteString("(?is)")
	case f.newline:
		sb.WriteString("(?m)")
	default:
		sb.WriteString("(?s)")
	}
	if f.quote {
		pattern = regexp.QuoteMeta(pattern)
	} else if f.expanded {
		pattern = stripExpanded(pattern)
	}
	nonGreedy := false
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '\\' && i+1 < len(pattern):
			switch d := pattern[i+1]; d {
			case 'y', 'm', 'M':
				sb.WriteString(`\b`)
			case 'Y':
				sb.WriteString(`\B`)
			case 'Z':
				sb.WriteString(`\z`)
			default:
				if d >= '1' && d <= '9' {
					return nil, errRegex("back-references are not supported")
				}
				sb.WriteByte(c)
				sb.WriteByte(d)
			}
			i++
			continue
		case strings.HasPrefix(pattern[i:], "[[:<:]]"), strings.HasPrefix(pattern[i:], "[[:>:]]"):
			sb.WriteString(`\b`)
			i += 6
			continue
		case (c == '*' || c == '+' || c == '?' || c == '}') && i+1 < len(pattern) && pattern[i+1] == '?':
			nonGreedy = true
		}
		sb.WriteByte(c)
	}
	re, err := regexp.Compile(sb.String())
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = string(se.Code) + ": " + se.Expr
		}
		return nil, errRegex(msg)
	}
	if !nonGreedy {
		re.Longest()
	}
	return re, nil
}

// stripExpanded removes the white space and #-comments of the 'x'
// (expanded) syntax, outside bracket expressions and escapes.
func stripExpanded(p string) string {
	var sb strings.Builder
	inBracket := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			sb.WriteByte(c)
			sb.WriteByte(p[i+1])
			i++
			continue
		case inBracket:
			if c == ']' {
				inBracket = false
			}
		case c == '[':
			inBracket = true
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '#':
			for i < len(p) && p[i] != '\n' {
				i++
			}
			continue
		}
		sb.WriteByte(c)
	}
	return sb.String()
}

func errRegex(msg string) error {
	return sqlerr.New(codeInvalidRegex, "invalid regular expression: %s", msg)
}

// RegexMatch is x ~ pattern and its variants (~*, !~, !~*).
type RegexMatch struct {
	X, Pattern Expr
	CaseFold   bool
	Negate     bool
	re         *regexp.Regexp
	reErr      error
}

// NewRegexMatch builds x ~ pattern (~* when caseInsensitive, !~ when
// negate). See the package's notes on RE2 above for the syntax.
func NewRegexMatch(x, pattern Expr, caseInsensitive, negate bool) (Expr, error) {
	op := regexOpName(caseInsensitive, negate)
	for _, e := range []Expr{x, pattern} {
		if !isUntyped(e) && e.Type().Kind != vec.KindText {
			return nil, errUndefinedOperatorExprs(op, x, pattern)
		}
	}
	var err error
	if x, err = coerceArg(x, vec.Text); err != nil {
		return nil, err
	}
	if pattern, err = coerceArg(pattern, vec.Text); err != nil {
		return nil, err
	}
	for _, e := range []Expr{x, pattern} {
		if k, ok := e.(*Const); ok && k.IsNull() {
			return NullConst(vec.Bool), nil
		}
	}
	e := &RegexMatch{X: x, Pattern: pattern, CaseFold: caseInsensitive, Negate: negate}
	e.compileConst()
	if allConst([]Expr{x, pattern}) {
		return FoldConstants(e, nil)
	}
	return e, nil
}

func (e *RegexMatch) compileConst() {
	e.re, e.reErr = nil, nil
	if s, ok := constText([]Expr{e.Pattern}, 0); ok {
		e.re, e.reErr = compileRegex(s, regexFlags{foldCase: e.CaseFold})
	}
}

func (e *RegexMatch) Type() vec.Type { return vec.Bool }
func (e *RegexMatch) String() string {
	return fmt.Sprintf("(%s %s %s)", e.X, regexOpName(e.CaseFold, e.Negate), e.Pattern)
}

// regexOpName spells the operator: ~, ~*, !~ or !~*.
func regexOpName(caseFold, negate bool) string {
	op := "~"
	if caseFold {
		op = "~*"
	}
	if negate {
		op = "!" + op
	}
	return op
}
func (e *RegexMatch) Children() []Expr { return []Expr{e.X, e.Pattern} }
func (e *RegexMatch) WithChildren(c []Expr) Expr {
	n := *e
	n.X, n.Pattern = c[0], c[1]
	n.compileConst()
	return &n
}

func (e *RegexMatch) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	xv, err := e.X.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	out.Nulls.CopyFrom(&xv.Nulls, n)
	var ps *vec.Bytes
	constPattern := e.re != nil || e.reErr != nil
	if !constPattern {
		pv, err := e.Pattern.Eval(c, b)
		if err != nil {
			return nil, err
		}
		out.Nulls.Or(&pv.Nulls, n)
		ps = pv.Bytes()
	}
	var nulls *vec.Nulls
	if out.Nulls.Any() {
		nulls = &out.Nulls
	}
	o, xs := out.Bools(), xv.Bytes()
	flags := regexFlags{foldCase: e.CaseFold}
	var cache regexCache
	err = eachRow(n, Sel(b), nulls, func(i int) error {
		re := e.re
		if e.reErr != nil {
			return e.reErr
		}
		if re == nil {
			var err error
			if re, err = cache.get(string(ps.Get(i)), flags); err != nil {
				return err
			}
		}
		o[i] = re.Match(xs.Get(i)) != e.Negate
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// regexCache compiles non-constant patterns, reusing the last one: rows
// of a column often repeat their pattern. It lives for one kernel call,
// since expression trees are shared by concurrent evaluations.
type regexCache struct {
	re      *regexp.Regexp
	pattern string
	flags   regexFlags
}

func (rc *regexCache) get(pattern string, f regexFlags) (*regexp.Regexp, error) {
	if rc.re != nil && rc.pattern == pattern && rc.flags == f {
		return rc.re, nil
	}
	re, err := compileRegex(pattern, f)
	if err != nil {
		return nil, err
	}
	rc.re, rc.pattern, rc.flags = re, pattern, f
	return re, nil
}

func init() {
	def("regexp_replace",
		&overload{params: []vec.Type{tText, tText, tText}, ret: tText, bind: bindRegexReplace},
		&overload{params: []vec.Type{tText, tText, tText, tText}, ret: tText, bind: bindRegexReplace})
	def("regexp_like",
		&overload{params: []vec.Type{tText, tText}, ret: tBool, bind: bindRegexFunc(regexLike)},
		&overload{params: []vec.Type{tText, tText, tText}, ret: tBool, bind: bindRegexFunc(regexLike)})
	def("regexp_count",
		&overload{params: []vec.Type{tText, tText}, ret: tI32, bind: bindRegexFunc(regexCount)})
	def("regexp_substr",
		&overload{params: []vec.Type{tText, tText}, ret: tText, bind: bindRegexFunc(regexSubstr)})
	// substring(s FROM pattern): the first parenthesized group's match,
	// or the whole match when the pattern has no group.
	def("substring",
		&overload{params: []vec.Type{tText, tText}, ret: tText, bind: bindRegexFunc(regexSubstring)})
}

// regexArgs resolves the pattern (argument 1) and flags (argument
// flagArg, if present) of a regex function, compiling constants once.
type regexArgs struct {
	re       *regexp.Regexp
	flags    regexFlags // the flags when constant
	captured uint32
	flagArg  int
}

func bindRegexArgs(args []Expr, flagArg int) (regexArgs, error) {
	ra := regexArgs{flagArg: flagArg}
	flagsConst := flagArg >= len(args)
	if !flagsConst {
		if s, ok := constText(args, flagArg); ok {
			f, err := parseRegexFlags(s)
			if err != nil {
				return ra, err
			}
			ra.flags, flagsConst = f, true
			ra.captured |= 1 << flagArg
		}
	}
	if p, ok := constText(args, 1); ok && flagsConst {
		re, err := compileRegex(p, ra.flags)
		if err != nil {
			return ra, err
		}
		ra.re = re
		ra.captured |= 1 << 1
	}
	return ra, nil
}

// at returns the compiled pattern and flags of row i.
func (ra *regexArgs) at(cache *regexCache, a []*vec.Vec, i int) (*regexp.Regexp, regexFlags, error) {
	f := ra.flags
	if ra.flagArg < len(a) && a[ra.flagArg] != nil {
		var err error
		if f, err = parseRegexFlags(string(a[ra.flagArg].Bytes().Get(i))); err != nil {
			return nil, f, err
		}
	}
	if ra.re != nil {
		return ra.re, f, nil
	}
	re, err := cache.get(string(a[1].Bytes().Get(i)), f)
	return re, f, err
}

func bindRegexReplace(args []Expr, _ vec.Type) (kernel, uint32, error) {
	ra, err := bindRegexArgs(args, 3)
	if err != nil {
		return nil, 0, err
	}
	k := func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		src, repl := a[0].Bytes(), a[2].Bytes()
		var cache regexCache
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			re, f, err := ra.at(&cache, a, i)
			if err != nil {
				return dst, err
			}
			s := src.Get(i)
			r := repl.Get(i)
			limit := 1
			if f.global {
				limit = -1
			}
			last := 0
			for _, m := range re.FindAllSubmatchIndex(s, limit) {
				dst = append(dst, s[last:m[0]]...)
				dst = expandReplacement(dst, r, s, m)
				last = m[1]
			}
			return append(dst, s[last:]...), nil
		})
	}
	return k, ra.captured, nil
}

// expandReplacement appends a regexp_replace replacement: \1 to \9 are
// submatches, \& the whole match, \\ a backslash; any other backslash is
// kept.
func expandReplacement(dst, r, s []byte, m []int) []byte {
	for i := 0; i < len(r); i++ {
		c := r[i]
		if c != '\\' || i+1 >= len(r) {
			dst = append(dst, c)
			continue
		}
		d := r[i+1]
		switch {
		case d >= '1' && d <= '9':
			g := int(d - '0')
			if 2*g+1 < len(m) && m[2*g] >= 0 {
				dst = append(dst, s[m[2*g]:m[2*g+1]]...)
			}
			i++
		case d == '&':
			dst = append(dst, s[m[0]:m[1]]...)
			i++
		case d == '\\':
			dst = append(dst, '\\')
			i++
		default:
			dst = append(dst, '\\')
		}
	}
	return dst
}

type regexOp uint8

const (
	regexLike regexOp = iota
	regexCount
	regexSubstr
	regexSubstring
)

func bindRegexFunc(op regexOp) func(args []Expr, _ vec.Type) (kernel, uint32, error) {
	return func(args []Expr, _ vec.Type) (kernel, uint32, error) {
		ra, err := bindRegexArgs(args, 2)
		if err != nil {
			return nil, 0, err
		}
		k := func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			src := a[0].Bytes()
			var cache regexCache
			if op == regexSubstr || op == regexSubstring {
				return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
					re, _, err := ra.at(&cache, a, i)
					if err != nil {
						return dst, err
					}
					s := src.Get(i)
					loc := re.FindSubmatchIndex(s)
					if op == regexSubstring && re.NumSubexp() > 0 && loc != nil {
						loc = loc[2:4]
					}
					if loc == nil || loc[0] < 0 {
						out.Nulls.SetNull(i)
						return dst, nil
					}
					return append(dst, s[loc[0]:loc[1]]...), nil
				})
			}
			return eachRow(n, sel, nulls, func(i int) error {
				re, _, err := ra.at(&cache, a, i)
				if err != nil {
					return err
				}
				if op == regexLike {
					out.Bools()[i] = re.Match(src.Get(i))
				} else {
					out.Int32s()[i] = int32(len(re.FindAllIndex(src.Get(i), -1)))
				}
				return nil
			})
		}
		return k, ra.captured, nil
	}
}
