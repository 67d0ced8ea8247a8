package difftest

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/apiarydb/apiary/regress/tpch"
)

// Query is one entry of the corpus.
type Query struct {
	File string // base name of the corpus file, e.g. "joins.sql"
	Line int    // 1-based line of the first line of SQL text (after directives)
	N    int    // 1-based position of the query in its file
	SQL  string // the statement as sent to both systems, without the final ';'

	// Ordered says that the query's ORDER BY fully determines the row
	// order, so rows are compared in order; otherwise they are compared as
	// sorted multisets.
	Ordered bool
	// Error is the SQLSTATE both systems must fail with ("" = must succeed).
	Error string
	// Statement marks a statement that returns no rows (SET ...): both
	// systems must succeed, or fail with the same SQLSTATE, and nothing
	// else is compared. It runs even when it is pending.
	Statement bool
	// Skip, when not empty, is why the query is not run at all.
	Skip string
}

// ID names the query in pending.txt and in failure reports: file:line.
func (q *Query) ID() string { return fmt.Sprintf("%s:%d", q.File, q.Line) }

var sqlstateRe = regexp.MustCompile(`^[0-9A-Z]{5}$`)

// ParseCorpus splits the text of one corpus file into queries.
//
// The format is deliberately small:
//
//   - A query ends at a ';' outside quotes and comments, or at a blank line,
//     whichever comes first. Queries therefore contain no blank lines.
//   - Comment lines ("-- ...") before a query's first SQL line are either
//     directives or free text. A directive is a comment line whose first
//     word is one of: "ordered" (alone on the line), "error" followed by a
//     five-character SQLSTATE, "skip" followed by a reason, "statement"
//     (alone). Any other comment is ignored. Directives followed by a blank
//     line instead of a query are an error, so that they never silently
//     attach to the wrong query.
//   - Comments after the first SQL line belong to the query and are sent to
//     both systems.
//   - Strings ('...', E'...'), quoted identifiers ("...") and block
//     comments may span lines and hold ';' or blank lines. Dollar quoting
//     is not recognised.
func ParseCorpus(file, text string) ([]Query, error) {
	p := corpusParser{file: file}
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	for i, line := range lines {
		if err := p.line(i+1, line); err != nil {
			return nil, err
		}
	}
	if err := p.finish(len(lines)); err != nil {
		return nil, err
	}
	return p.out, nil
}

type corpusParser struct {
	file string
	out  []Query

	cur      Query    // directives gathered for the next query
	directed bool     // cur holds at least one directive
	dirLine  int      // line of the first directive, for errors
	sql      []string // SQL lines of the query being read
	// Lexical state carried across lines.
	inString  bool // inside '...'
	escString bool // the string is an E'...' string (backslash escapes)
	inIdent   bool // inside "..."
	inBlock   int  // depth of /* */ comments
}

func (p *corpusParser) inside() bool { return p.inString || p.inIdent || p.inBlock > 0 }

func (p *corpusParser) line(no int, line string) error {
	if len(p.sql) == 0 {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			if p.directed {
				return fmt.Errorf("%s:%d: directive not followed by a query (blank line at %d)", p.file, p.dirLine, no)
			}
			return nil
		}
		if strings.HasPrefix(trimmed, "--") {
			return p.comment(no, strings.TrimSpace(strings.TrimPrefix(trimmed, "--")))
		}
		p.cur.Line = no
	} else if !p.inside() && strings.TrimSpace(line) == "" {
		return p.end(no)
	}
	// Scan the line for the end of the statement.
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case p.inString:
			if p.escString && c == '\\' {
				i++
			} else if c == '\'' {
				if i+1 < len(line) && line[i+1] == '\'' {
					i++
				} else {
					p.inString = false
				}
			}
		case p.inIdent:
			if c == '"' {
				p.inIdent = false
			}
		case p.inBlock > 0:
			if c == '*' && i+1 < len(line) && line[i+1] == '/' {
				p.inBlock--
				i++
			} else if c == '/' && i+1 < len(line) && line[i+1] == '*' {
				p.inBlock++
				i++
			}
		case c == '\'':
			p.inString = true
			p.escString = i > 0 && (line[i-1] == 'E' || line[i-1] == 'e') && (i == 1 || !isIdentChar(line[i-2]))
		case c == '"':
			p.inIdent = true
		case c == '-' && i+1 < len(line) && line[i+1] == '-':
			i = len(line) // the rest of the line is a comment
		case c == '/' && i+1 < len(line) && line[i+1] == '*':
			p.inBlock++
			i++
		case c == ';':
			p.sql = append(p.sql, line[:i])
			if err := p.end(no); err != nil {
				return err
			}
			rest := strings.TrimSpace(line[i+1:])
			if rest == "" || strings.HasPrefix(rest, "--") {
				return nil // a trailing comment is not a directive for the next query
			}
			// More SQL after ';' on the same line starts the next query.
			return p.line(no, rest)
		}
	}
	p.sql = append(p.sql, line)
	return nil
}

func isIdentChar(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func (p *corpusParser) comment(no int, body string) error {
	word, rest, _ := strings.Cut(body, " ")
	rest = strings.TrimSpace(rest)
	mark := func() {
		if !p.directed {
			p.directed, p.dirLine = true, no
		}
	}
	switch word {
	case "ordered":
		if rest != "" {
			return nil // free text that happens to start with "ordered"
		}
		p.cur.Ordered = true
		mark()
	case "statement":
		if rest != "" {
			return nil
		}
		p.cur.Statement = true
		mark()
	case "error":
		if !sqlstateRe.MatchString(rest) {
			return fmt.Errorf("%s:%d: malformed directive %q: want \"-- error XXXXX\" with a SQLSTATE", p.file, no, "-- "+body)
		}
		p.cur.Error = rest
		mark()
	case "skip":
		if rest == "" {
			return fmt.Errorf("%s:%d: \"-- skip\" needs a reason", p.file, no)
		}
		p.cur.Skip = rest
		mark()
	}
	return nil
}

// end closes the current query (if it has SQL text) at line no.
func (p *corpusParser) end(no int) error {
	sql := strings.TrimSpace(strings.Join(p.sql, "\n"))
	p.sql = nil
	if sql == "" {
		if p.directed {
			return fmt.Errorf("%s:%d: directive not followed by a query", p.file, p.dirLine)
		}
		p.cur = Query{}
		return nil
	}
	if p.inside() {
		return fmt.Errorf("%s:%d: unterminated string, identifier or comment", p.file, no)
	}
	q := p.cur
	q.File, q.SQL, q.N = p.file, sql, len(p.out)+1
	if q.Statement && q.Ordered {
		return fmt.Errorf("%s:%d: a statement has no rows to order", p.file, q.Line)
	}
	p.out = append(p.out, q)
	p.cur, p.directed = Query{}, false
	return nil
}

func (p *corpusParser) finish(lines int) error {
	if p.inside() {
		return fmt.Errorf("%s: unterminated string, identifier or comment at end of file", p.file)
	}
	if len(p.sql) > 0 || p.directed {
		return p.end(lines)
	}
	return nil
}

// LoadCorpus reads every *.sql file of dir, in name order.
func LoadCorpus(dir string) ([]Query, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	var all []Query
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		qs, err := ParseCorpus(filepath.Base(name), string(b))
		if err != nil {
			return nil, err
		}
		all = append(all, qs...)
	}
	text, err := TPCHCorpus()
	if err != nil {
		return nil, err
	}
	qs, err := ParseCorpus(TPCHCorpusName, text)
	if err != nil {
		return nil, err
	}
	return append(all, qs...), nil
}

// TPCHCorpusName is the file name the TPC-H queries are reported under
// (pending ids, subtests), though no such file exists: the queries come
// from regress/tpch, so the two cannot drift apart.
const TPCHCorpusName = "tpch.sql"

// TPCHCorpus renders the 22 TPC-H queries, with the substitution
// parameters for TPCHScale, as a corpus file. Every query's ORDER BY decides
// its order (the specification's keys), so all are compared in order.
func TPCHCorpus() (string, error) {
	var b strings.Builder
	b.WriteString("-- The 22 TPC-H queries at SF 0.01 from regress/tpch (tpch.QueryForSF),\n")
	b.WriteString("-- rendered when the corpus loads.\n")
	for n := 1; n <= len(tpch.Queries); n++ {
		sql, err := tpch.QueryForSF(n, TPCHScale)
		if err != nil {
			return "", err
		}
		b.WriteString("\n-- ordered\n")
		b.WriteString(sql)
		b.WriteString(";\n")
	}
	return b.String(), nil
}
