package exec

import (
	"context"
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

// showColumnsRe is SHOW COLUMNS FROM frame, which answers as DESCRIBE does.
var showColumnsRe = regexp.MustCompile(`(?is)^show\s+columns\s+(?:from|in)\s+(.+)$`)

// preparsed is a statement after the vocabulary rewrite. describe is set for
// DESCRIBE, which PostgreSQL lacks and the parser rejects: it holds the frame
// name as written. own is set for the statements Apiary parses itself.
type preparsed struct {
	sql      string
	describe string
	own      func(ctx context.Context, s *Session) (Result, error)
}

// Statements the SQL parser does not know (OPTIMIZE, TRUNCATE ...
// PARTITION) or knows only in a reduced form (COPY: no file sources, no
// FORCE_* options, none of Apiary's options) are parsed by Apiary's own
// small parsers (copy_parse.go, optimize.go, truncate.go).
var (
	copyRe              = regexp.MustCompile(`(?i)^copy\b`)
	optimizeRe          = regexp.MustCompile(`(?i)^optimize\b`)
	truncatePartitionRe = regexp.MustCompile(`(?is)^truncate\b.*\bpartition\s*\(`)
)

func ownStatement(body string) func(ctx context.Context, s *Session) (Result, error) {
	switch {
	case copyRe.MatchString(body):
		return func(ctx context.Context, s *Session) (Result, error) { return s.copyStatement(ctx, body) }
	case optimizeRe.MatchString(body):
		return func(ctx context.Context, s *Session) (Result, error) {
			tn, err := parseOptimize(body)
			if err != nil {
				return Result{}, err
			}
			return s.optimize(ctx, tn)
		}
	case truncatePartitionRe.MatchString(body):
		return func(ctx context.Context, s *Session) (Result, error) {
			st, err := parseTruncatePartition(body)
			if err != nil {
				return Result{}, err
			}
			return s.truncatePartition(ctx, st)
		}
	}
	return nil
}

func preparse(stmt string) preparsed {
	body := stripLeadingComments(stmt)
	if m := showColumnsRe.FindStringSubmatch(body); m != nil {
		return preparsed{describe: strings.TrimSpace(m[1])}
	}
	if m := describeRe.FindStringSubmatch(body); m != nil {
		return preparsed{describe: strings.TrimSpace(m[1])}
	}
	if own := ownStatement(body); own != nil {
		return preparsed{own: own}
	}
	for _, v := range vocabulary {
		if v.re.MatchString(body) {
			return preparsed{sql: v.re.ReplaceAllString(body, v.repl)}
		}
	}
	return preparsed{sql: stmt}
}
