package expr

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// LIKE and ILIKE.
//
// A LIKE pattern is compiled once (when it is a constant, at build time)
// into a matcher: patterns made of literals and % only, which is every
// pattern TPC-H uses ('PROMO%', '%BRASS', '%green%',
// '%special%requests%'), match with prefix, suffix and substring searches
// in linear time; patterns with _ use a backtracking matcher over runes.
// Regular expressions are in like_regex.go.

// likeTok is one element of a LIKE pattern.
type likeTok struct {
	kind byte // 'l' literal rune, '_' any one character, '%' any sequence, 'e' trailing escape
	r    rune
}

// likeMatcher matches one compiled LIKE pattern.
type likeMatcher struct {
	// Fast form: the pattern is segs joined by %, with anchored ends.
	simple       bool
	segs         [][]byte
	anchorStart  bool // no leading %
	anchorEnd    bool // no trailing %
	toks         []likeTok
	bytewise     bool // bytea: _ is one byte
	foldCase     bool
	patternBytes []byte
}

func errLikeEscape() error {
	return sqlerr.New(codeInvalidEscapeSequence, "LIKE pattern must not end with escape character")
}

// compileLike parses a pattern with backslash as the escape character.
func compileLike(p []byte, foldCase, bytewise bool) *likeMatcher {
	m := &likeMatcher{foldCase: foldCase, bytewise: bytewise, patternBytes: append([]byte(nil), p...)}
	if foldCase {
		p = appendLower(nil, p)
	}
	simple := true
	var lit []byte
	for i := 0; i < len(p); {
		c := p[i]
		var r rune
		size := 1
		if bytewise || c < utf8.RuneSelf {
			r = rune(c)
		} else {
			r, size = utf8.DecodeRune(p[i:])
		}
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				m.toks = append(m.toks, likeTok{kind: 'e'})
				simple = false
				i++
				continue
			}
			c2 := p[i+1]
			size2 := 1
			r2 := rune(c2)
			if !bytewise && c2 >= utf8.RuneSelf {
				r2, size2 = utf8.DecodeRune(p[i+1:])
			}
			m.toks = append(m.toks, likeTok{kind: 'l', r: r2})
			lit = append(lit, p[i+1:i+1+size2]...)
			i += 1 + size2
			continue
		case c == '%':
			if n := len(m.toks); n == 0 || m.toks[n-1].kind != '%' {
				m.toks = append(m.toks, likeTok{kind: '%'})
			}
			m.segs = append(m.segs, lit)
			lit = nil
		case c == '_':
			m.toks = append(m.toks, likeTok{kind: '_'})
			simple = false
		default:
			m.toks = append(m.toks, likeTok{kind: 'l', r: r})
			lit = append(lit, p[i:i+size]...)
		}
		i += size
	}
	m.segs = append(m.segs, lit)
	m.simple = simple
	m.anchorStart = len(m.toks) == 0 || m.toks[0].kind != '%'
	m.anchorEnd = len(m.toks) == 0 || m.toks[len(m.toks)-1].kind != '%'
	// Drop the empty segments that leading, trailing and doubled %
	// produce; anchors keep the ends.
	segs := m.segs[:0]
	for i, s := range m.segs {
		if len(s) > 0 || i == 0 && m.anchorStart || i == len(m.segs)-1 && m.anchorEnd {
			segs = append(segs, s)
		}
	}
	m.segs = segs
	return m
}

// match reports whether s matches. scratch holds the lower-cased value
// for ILIKE.
func (m *likeMatcher) match(s []byte, scratch *[]byte) (bool, error) {
	if m.foldCase {
		*scratch = appendLower((*scratch)[:0], s)
		s = *scratch
	}
	if m.simple {
		return m.matchSimple(s), nil
	}
	return m.matchGeneral(s)
}

func (m *likeMatcher) matchSimple(s []byte) bool {
	segs := m.segs
	if len(m.toks) == 0 {
		return len(s) == 0
	}
	if m.anchorStart && m.anchorEnd && len(segs) == 1 {
		return bytes.Equal(s, segs[0])
	}
	if m.anchorStart {
		if !bytes.HasPrefix(s, segs[0]) {
			return false
		}
		s, segs = s[len(segs[0]):], segs[1:]
	}
	if m.anchorEnd {
		last := segs[len(segs)-1]
		if !bytes.HasSuffix(s, last) {
			return false
		}
		s, segs = s[:len(s)-len(last)], segs[:len(segs)-1]
	}
	// The middle segments, leftmost first: taking each as early as
	// possible leaves the most room for the rest.
	for _, seg := range segs {
		k := bytes.Index(s, seg)
		if k < 0 {
			return false
		}
		s = s[k+len(seg):]
	}
	return true
}

// matchGeneral is the classic wildcard algorithm: on a mismatch, retry
// from the last % one character further.
func (m *likeMatcher) matchGeneral(s []byte) (bool, error) {
	toks := m.toks
	ti, si := 0, 0
	starTok, starS := -1, 0
	next := func(i int) (rune, int) {
		if m.bytewise || s[i] < utf8.RuneSelf {
			return rune(s[i]), 1
		}
		return utf8.DecodeRune(s[i:])
	}
	for si < len(s) {
		if ti < len(toks) {
			t := toks[ti]
			switch t.kind {
			case '%':
				starTok, starS = ti, si
				ti++
				continue
			case 'e':
				return false, errLikeEscape()
			case '_':
				_, size := next(si)
				si += size
				ti++
				continue
			case 'l':
				if r, size := next(si); r == t.r {
					si += size
					ti++
					continue
				}
			}
		}
		if starTok < 0 {
			return false, nil
		}
		_, size := next(starS)
		starS += size
		ti, si = starTok+1, starS
	}
	for ti < len(toks) && toks[ti].kind == '%' {
		ti++
	}
	return ti == len(toks), nil
}

// Like is x [NOT] LIKE/ILIKE pattern.
type Like struct {
	X, Pattern Expr
	CaseFold   bool
	Negate     bool
	m          *likeMatcher // compiled constant pattern, or nil
}

// NewLike builds x LIKE pattern (ILIKE when caseInsensitive, NOT when
// negate). Backslash is the escape character. Text and bytea operands are
// supported; an untyped literal takes the other side's type.
func NewLike(x, pattern Expr, caseInsensitive, negate bool) (Expr, error) {
	op := "~~"
	if caseInsensitive {
		op = "~~*"
	}
	if negate {
		op = "!" + op
	}
	t := vec.Text
	switch {
	case !isUntyped(x) && x.Type().Kind == vec.KindBytea && !caseInsensitive:
		t = vec.Bytea
	case !isUntyped(x) && x.Type().Kind != vec.KindText:
		return nil, errUndefinedOperatorExprs(op, x, pattern)
	}
	if !isUntyped(pattern) && pattern.Type().Kind != t.Kind {
		return nil, errUndefinedOperatorExprs(op, x, pattern)
	}
	var err error
	if isUntyped(x) {
		if x, err = Coerce(x, t); err != nil {
			return nil, err
		}
	}
	if isUntyped(pattern) {
		if pattern, err = Coerce(pattern, t); err != nil {
			return nil, err
		}
	}
	for _, e := range []Expr{x, pattern} {
		if k, ok := e.(*Const); ok && k.IsNull() {
			return NullConst(vec.Bool), nil
		}
	}
	e := &Like{X: x, Pattern: pattern, CaseFold: caseInsensitive, Negate: negate}
	if k, ok := pattern.(*Const); ok {
		e.m = compileLike(k.Val.Bytes().Get(0), caseInsensitive, t.Kind == vec.KindBytea)
	}
	if allConst([]Expr{x, pattern}) {
		return FoldConstants(e, nil)
	}
	return e, nil
}

func errUndefinedOperatorExprs(op string, l, r Expr) error {
	return sqlerr.New(sqlerr.UndefinedFunction, "operator does not exist: %s %s %s", typeNameOrUnknown(l), op, typeNameOrUnknown(r)).
		WithHint("No operator matches the given name and argument types. You might need to add explicit type casts.")
}

func (e *Like) Type() vec.Type { return vec.Bool }
func (e *Like) String() string {
	op := "LIKE"
	if e.CaseFold {
		op = "ILIKE"
	}
	if e.Negate {
		op = "NOT " + op
	}
	return fmt.Sprintf("(%s %s %s)", e.X, op, e.Pattern)
}
func (e *Like) Children() []Expr { return []Expr{e.X, e.Pattern} }
func (e *Like) WithChildren(c []Expr) Expr {
	n := *e
	n.X, n.Pattern = c[0], c[1]
	if k, ok := c[1].(*Const); ok && !k.IsNull() {
		n.m = compileLike(k.Val.Bytes().Get(0), e.CaseFold, c[0].Type().Kind == vec.KindBytea)
	} else {
		n.m = nil
	}
	return &n
}

func (e *Like) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	xv, err := e.X.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	out.Nulls.CopyFrom(&xv.Nulls, n)
	o := out.Bools()
	xs := xv.Bytes()
	sel := Sel(b)
	m := e.m
	var ps *vec.Bytes
	if m == nil {
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
	bytewise := e.X.Type().Kind == vec.KindBytea
	// A non-constant pattern is compiled per distinct consecutive value;
	// the tree is shared by concurrent evaluations, so the cache lives
	// here rather than in the node.
	var last *likeMatcher
	if m != nil && m.simple && !m.foldCase && nulls == nil {
		// The common case, without a call per row beyond the search.
		forRows(n, sel, func(i int) { o[i] = m.matchSimple(xs.Get(i)) != e.Negate })
		return out, nil
	}
	err = eachRow(n, sel, nulls, func(i int) error {
		mm := m
		if mm == nil {
			p := ps.Get(i)
			if last == nil || !bytes.Equal(last.patternBytes, p) {
				last = compileLike(p, e.CaseFold, bytewise)
			}
			mm = last
		}
		ok, err := mm.match(xs.Get(i), &c.Buf)
		o[i] = ok != e.Negate
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
