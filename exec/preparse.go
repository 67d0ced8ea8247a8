package exec

import (
	"regexp"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
)

// splitStatements cuts a query string into its statements, dropping empty
// ones (";;", trailing ";", comment-only text). The parser's own scanner finds
// the boundaries, so semicolons inside strings and comments are respected.
func splitStatements(sql string) []string {
	var out []string
	for rest := sql; len(rest) > 0; {
		pos, ok := parser.SplitFirstStatement(rest)
		if !ok {
			pos = len(rest)
		}
		stmt := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest[:pos]), ";"))
		if !isBlank(stmt) {
			out = append(out, stmt)
		}
		rest = rest[pos:]
	}
	return out
}

// isBlank reports whether s holds nothing but white space and comments.
func isBlank(s string) bool { return strings.TrimSpace(stripLeadingComments(s)) == "" }

func stripLeadingComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f")
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// Apiary's vocabulary: hive = database, box = schema, frame = table. The
// parser knows only PostgreSQL's words, so statements that use ours are
// rewritten on their leading keywords before parsing; identifiers and string
// literals further on are never touched.
var vocabulary = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`(?i)^(create|drop)\s+hive\b`), "$1 DATABASE"},
	{regexp.MustCompile(`(?i)^(create|drop)\s+box\b`), "$1 SCHEMA"},
	{regexp.MustCompile(`(?i)^(create|drop|truncate)\s+frame\b`), "$1 TABLE"},
	{regexp.MustCompile(`(?i)^show\s+hives\b`), "SHOW DATABASES"},
	{regexp.MustCompile(`(?i)^show\s+boxes\b`), "SHOW SCHEMAS"},
	{regexp.MustCompile(`(?i)^show\s+frames\b`), "SHOW TABLES"},
}

var describeRe = regexp.MustCompile(`(?is)^(?:describe|desc)\s+(?:(?:frame|table)\s+)?(.+)$`)

// preparsed is a statement after the vocabulary rewrite. describe is set for
// DESCRIBE, which PostgreSQL lacks and the parser rejects: it holds the frame
// name as written.
type preparsed struct {
	sql      string
	describe string
}

func preparse(stmt string) preparsed {
	body := stripLeadingComments(stmt)
	if m := describeRe.FindStringSubmatch(body); m != nil {
		return preparsed{describe: strings.TrimSpace(m[1])}
	}
	for _, v := range vocabulary {
		if v.re.MatchString(body) {
			return preparsed{sql: v.re.ReplaceAllString(body, v.repl)}
		}
	}
	return preparsed{sql: stmt}
}
