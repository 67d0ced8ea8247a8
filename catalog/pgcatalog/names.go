package pgcatalog

import (
	"strings"

	"github.com/apiarydb/apiary/sqlerr"
)

// codeInvalidName is PostgreSQL's invalid_name (42602), raised for
// malformed qualified names in reg* input.
const codeInvalidName = sqlerr.Code("42602")

// Keyword is one row of pg_get_keywords().
type Keyword struct {
	Word      string
	CatCode   byte // U unreserved, C column name, T type or function name, R reserved
	BareLabel bool
	CatDesc   string
	BareDesc  string
}

var (
	keywords     []Keyword
	keywordCodes = map[string]byte{}
)

func init() {
	d := mustLoad("pg_get_keywords.tsv")
	for _, row := range d.rows {
		k := Keyword{
			Word:      d.str(row, "word"),
			CatCode:   d.str(row, "catcode")[0],
			BareLabel: d.str(row, "barelabel") == "t",
			CatDesc:   d.str(row, "catdesc"),
			BareDesc:  d.str(row, "baredesc"),
		}
		keywords = append(keywords, k)
		keywordCodes[k.Word] = k.CatCode
	}
}

// Keywords returns PostgreSQL 15's SQL keywords, the rows of
// pg_get_keywords().
func Keywords() []Keyword { return keywords }

// QuoteIdent quotes an identifier as PostgreSQL's quote_ident does: left
// bare when it is lower-case letters, digits and underscores not starting
// with a digit, and not a keyword other than an unreserved one.
func QuoteIdent(s string) string {
	safe := s != ""
	for i := 0; i < len(s) && safe; i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9':
			safe = i > 0
		default:
			safe = false
		}
	}
	if safe {
		if code, ok := keywordCodes[s]; ok && code != 'U' {
			safe = false
		}
	}
	if safe {
		return s
	}
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// QualifiedName joins parts with dots, quoting each as needed.
func QualifiedName(parts ...string) string {
	q := make([]string, len(parts))
	for i, p := range parts {
		q[i] = QuoteIdent(p)
	}
	return strings.Join(q, ".")
}

// ParseQualifiedName splits a possibly qualified, possibly quoted name as
// PostgreSQL's reg* input functions read it: parts separated by dots,
// unquoted parts folded to lower case, "" inside quotes standing for one
// quote. A malformed name is 42602.
func ParseQualifiedName(s string) ([]string, error) {
	var parts []string
	i := 0
	s = strings.TrimSpace(s)
	for {
		var part strings.Builder
		if i < len(s) && s[i] == '"' {
			i++
			closed := false
			for i < len(s) {
				if s[i] == '"' {
					if i+1 < len(s) && s[i+1] == '"' {
						part.WriteByte('"')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				part.WriteByte(s[i])
				i++
			}
			if !closed || part.Len() == 0 {
				return nil, invalidName(s)
			}
		} else {
			start := i
			for i < len(s) && s[i] != '.' && s[i] != ' ' {
				i++
			}
			if i == start {
				return nil, invalidName(s)
			}
			part.WriteString(strings.ToLower(s[start:i]))
		}
		parts = append(parts, part.String())
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			return parts, nil
		}
		if s[i] != '.' {
			return nil, invalidName(s)
		}
		i++
		for i < len(s) && s[i] == ' ' {
			i++
		}
	}
}

func invalidName(s string) error {
	return sqlerr.New(codeInvalidName, "invalid name syntax").WithDetail("%q is not a valid name", s)
}
