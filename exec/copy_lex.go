package exec

import (
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/sqlerr"
)

// A small lexer for the statements Apiary parses itself (COPY, OPTIMIZE,
// TRUNCATE ... PARTITION): the SQL parser knows COPY only in CockroachDB's
// reduced form (no file sources, no FORCE_* options, none of Apiary's
// options) and does not know the others at all. It follows PostgreSQL's
// lexical rules for what these statements contain: identifiers (unquoted
// ones fold to lower case), string constants ('...', E'...'), numbers and
// punctuation.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokNumber
	tokPunct
)

type token struct {
	kind tokKind
	// text is the identifier (folded unless quoted), the string's value,
	// the number as written, or the punctuation character.
	text   string
	quoted bool // a "quoted" identifier
	pos    int  // byte offset in the statement
}

type lexer struct {
	src  string
	toks []token
	i    int
}

func lex(src string) (*lexer, error) {
	l := &lexer{src: src}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case c == '-' && strings.HasPrefix(src[i:], "--"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j + 1
			}
		case c == '/' && strings.HasPrefix(src[i:], "/*"):
			j, err := skipBlockComment(src, i)
			if err != nil {
				return nil, err
			}
			i = j
		case c == '\'' || ((c == 'e' || c == 'E') && i+1 < len(src) && src[i+1] == '\''):
			start := i
			escapes := c != '\''
			if escapes {
				i++
			}
			s, j, err := scanString(src, i, escapes)
			if err != nil {
				return nil, err
			}
			l.toks = append(l.toks, token{kind: tokString, text: s, pos: start})
			i = j
		case c == '"':
			j := i + 1
			var b strings.Builder
			for {
				k := strings.IndexByte(src[j:], '"')
				if k < 0 {
					return nil, sqlerr.New(sqlerr.SyntaxError, "unterminated quoted identifier at or near %q", src[i:]).WithPosition(i + 1)
				}
				b.WriteString(src[j : j+k])
				j += k + 1
				if j < len(src) && src[j] == '"' {
					b.WriteByte('"')
					j++
					continue
				}
				break
			}
			if b.Len() == 0 {
				return nil, sqlerr.New(sqlerr.SyntaxError, "zero-length delimited identifier").WithPosition(i + 1)
			}
			l.toks = append(l.toks, token{kind: tokIdent, text: b.String(), quoted: true, pos: i})
			i = j
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			l.toks = append(l.toks, token{kind: tokIdent, text: foldIdent(src[i:j]), pos: i})
			i = j
		case c >= '0' && c <= '9' || (c == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9'):
			j := i + 1
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			l.toks = append(l.toks, token{kind: tokNumber, text: src[i:j], pos: i})
			i = j
		default:
			l.toks = append(l.toks, token{kind: tokPunct, text: string(c), pos: i})
			i++
		}
	}
	l.toks = append(l.toks, token{kind: tokEOF, pos: len(src)})
	return l, nil
}

func skipBlockComment(src string, i int) (int, error) {
	depth, j := 1, i+2
	for j < len(src) && depth > 0 {
		switch {
		case strings.HasPrefix(src[j:], "/*"):
			depth++
			j += 2
		case strings.HasPrefix(src[j:], "*/"):
			depth--
			j += 2
		default:
			j++
		}
	}
	if depth > 0 {
		return 0, sqlerr.New(sqlerr.SyntaxError, "unterminated /* comment").WithPosition(i + 1)
	}
	return j, nil
}

// scanString reads a string constant starting at the quote at src[i].
// escapes selects the rules of E'...' strings (backslash escapes); standard strings only
// double quotes, as standard_conforming_strings = on.
func scanString(src string, i int, escapes bool) (string, int, error) {
	var b strings.Builder
	j := i + 1
	for j < len(src) {
		c := src[j]
		switch {
		case c == '\'':
			if j+1 < len(src) && src[j+1] == '\'' {
				b.WriteByte('\'')
				j += 2
				continue
			}
			return b.String(), j + 1, nil
		case c == '\\' && escapes && j+1 < len(src):
			j++
			switch e := src[j]; e {
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'x':
				v, n := 0, 0
				for n < 2 && j+1 < len(src) && isHex(src[j+1]) {
					v = v*16 + hexVal(src[j+1])
					j++
					n++
				}
				if n == 0 {
					b.WriteByte('x')
				} else {
					b.WriteByte(byte(v))
				}
			default:
				if e >= '0' && e <= '7' {
					v, n := int(e-'0'), 1
					for n < 3 && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '7' {
						v = v*8 + int(src[j+1]-'0')
						j++
						n++
					}
					b.WriteByte(byte(v))
				} else {
					b.WriteByte(e)
				}
			}
			j++
		default:
			b.WriteByte(c)
			j++
		}
	}
	return "", 0, sqlerr.New(sqlerr.SyntaxError, "unterminated quoted string at or near %q", src[i:]).WithPosition(i + 1)
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	}
	return int(c-'A') + 10
}

// foldIdent lower-cases ASCII letters, as PostgreSQL folds unquoted
// identifiers.
func foldIdent(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			return strings.Map(func(r rune) rune {
				if r >= 'A' && r <= 'Z' {
					return r + 'a' - 'A'
				}
				return r
			}, s)
		}
	}
	return s
}

func (l *lexer) peek() token { return l.toks[l.i] }

func (l *lexer) next() token {
	t := l.toks[l.i]
	if t.kind != tokEOF {
		l.i++
	}
	return t
}

// keyword reports whether the next token is the unquoted keyword kw (lower
// case), consuming it if so.
func (l *lexer) keyword(kw string) bool {
	t := l.peek()
	if t.kind == tokIdent && !t.quoted && t.text == kw {
		l.i++
		return true
	}
	return false
}

// isKeyword reports whether the next token is the unquoted keyword kw
// without consuming it.
func (l *lexer) isKeyword(kw string) bool {
	t := l.peek()
	return t.kind == tokIdent && !t.quoted && t.text == kw
}

func (l *lexer) punct(p string) bool {
	t := l.peek()
	if t.kind == tokPunct && t.text == p {
		l.i++
		return true
	}
	return false
}

// syntaxError reports an unexpected token as PostgreSQL does.
func (l *lexer) syntaxError() error {
	t := l.peek()
	if t.kind == tokEOF {
		return sqlerr.New(sqlerr.SyntaxError, "syntax error at end of input").WithPosition(t.pos + 1)
	}
	end := t.pos + 1
	for end < len(l.src) && l.src[end] != ' ' && l.src[end] != '(' && l.src[end] != ')' && l.src[end] != ',' {
		end++
	}
	return sqlerr.New(sqlerr.SyntaxError, "syntax error at or near %q", l.src[t.pos:end]).WithPosition(t.pos + 1)
}

func (l *lexer) expectPunct(p string) error {
	if !l.punct(p) {
		return l.syntaxError()
	}
	return nil
}

func (l *lexer) ident() (string, error) {
	t := l.peek()
	if t.kind != tokIdent {
		return "", l.syntaxError()
	}
	l.i++
	return t.text, nil
}

// tableName reads name, box.name or hive.box.name.
func (l *lexer) tableName() (*tree.TableName, string, error) {
	start := l.peek().pos
	var parts []string
	for {
		p, err := l.ident()
		if err != nil {
			return nil, "", err
		}
		parts = append(parts, p)
		if len(parts) == 3 || !l.punct(".") {
			break
		}
	}
	text := strings.TrimSpace(l.src[start:l.peek().pos])
	var tn tree.TableName
	switch len(parts) {
	case 1:
		tn = tree.MakeUnqualifiedTableName(tree.Name(parts[0]))
	case 2:
		tn = tree.MakeTableNameWithSchema("", tree.Name(parts[0]), tree.Name(parts[1]))
		tn.ExplicitCatalog = false
		tn.ExplicitSchema = true
	default:
		tn = tree.MakeTableNameWithSchema(tree.Name(parts[0]), tree.Name(parts[1]), tree.Name(parts[2]))
	}
	return &tn, text, nil
}

// nameList reads "(a, b, ...)" after the opening parenthesis was seen.
func (l *lexer) nameList() ([]string, error) {
	var names []string
	for {
		n, err := l.ident()
		if err != nil {
			return nil, err
		}
		names = append(names, n)
		if l.punct(")") {
			return names, nil
		}
		if err := l.expectPunct(","); err != nil {
			return nil, err
		}
	}
}

// atEnd accepts an optional trailing semicolon and then end of input.
func (l *lexer) atEnd() error {
	l.punct(";")
	if l.peek().kind != tokEOF {
		return l.syntaxError()
	}
	return nil
}

// quoteIdent quotes an identifier for SQL text Apiary generates.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
