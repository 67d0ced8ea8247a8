package exec

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree/treebin"

	"github.com/apiarydb/apiary/exec/expr"
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
	// source is the text rewriteCompat made sql from, and edits what it
	// changed, so that parse errors point into the text the user sent.
	source string
	edits  compatEdits
}

// parseError is parseError for a statement of p.
func (p preparsed) parseError(err error) error {
	if e := frameParseError(err, p.source, p.edits); e != nil {
		return e
	}
	return parseErrorIn(err, p.source, p.edits)
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
	// Session and transaction statements the parser rejects (txn_control.go).
	if own := sessionOwnStatement(body); own != nil {
		return preparsed{own: own}
	}
	if sql, ok := rewriteSessionStatement(body); ok {
		return preparsed{sql: sql}
	}
	for _, v := range vocabulary {
		if v.re.MatchString(body) {
			stmt = v.re.ReplaceAllString(body, v.repl)
			break
		}
	}
	sql, edits := rewriteCompatEdits(stmt)
	return preparsed{sql: sql, source: stmt, edits: edits}
}

// rewriteCompat rewrites the spellings PostgreSQL clients send that the
// parser rejects or reads differently, outside string literals, quoted
// identifiers and comments: OPERATOR(schema.op) becomes the bare operator
// (psql writes relname OPERATOR(pg_catalog.~) '^(t)$'), with LIKE's ~~
// family spelled as keywords; COLLATE pg_catalog.name becomes COLLATE
// "name"; an aggregate call with both DISTINCT and ORDER BY is marked
// (preparse_agg.go); the prefix operator @ (absolute value), which the
// parser reads as a column ordinal, becomes a marked square root that
// restoreCompatForms turns back into @; and the keywords user and
// current_role become calls of their own names (compatRoleWordAt).
func rewriteCompat(sql string) string {
	out, _ := rewriteCompatEdits(sql)
	return out
}

// compatEdit is one replacement of rewriteCompat: input bytes
// [inStart, inEnd) became output bytes [outStart, outEnd).
type compatEdit struct{ inStart, inEnd, outStart, outEnd int }

// compatEdits are a rewrite's replacements in order.
type compatEdits []compatEdit

// origin maps a byte offset of the rewritten text back to the text
// rewritten; an offset inside a replacement maps to the replaced text's
// start.
func (e compatEdits) origin(off int) int {
	i := sort.Search(len(e), func(i int) bool { return e[i].outStart > off }) - 1
	switch {
	case i < 0:
		return off
	case off < e[i].outEnd:
		return e[i].inStart
	}
	return off - e[i].outEnd + e[i].inEnd
}

// position is the 1-based character position PostgreSQL reports for byte
// offset off of the parsed text src: counted in source, the text
// rewritten, when there are edits.
func (e compatEdits) position(src string, off int, source string) int {
	if len(e) > 0 {
		return utf8.RuneCountInString(source[:min(e.origin(off), len(source))]) + 1
	}
	return utf8.RuneCountInString(src[:off]) + 1
}

// rewriteCompatEdits is rewriteCompat, also returning its replacements.
func rewriteCompatEdits(sql string) (string, compatEdits) {
	lower := strings.ToLower(sql)
	if !strings.Contains(lower, "operator") && !strings.Contains(lower, "collate") &&
		!(strings.Contains(lower, "distinct") && strings.Contains(lower, "order")) &&
		!strings.Contains(lower, "@") && !strings.Contains(lower, "user") && !strings.Contains(lower, "current_role") &&
		!compatMayHoldForeignOperator(sql) {
		return sql, nil
	}
	roleWords := compatRoleWordsAllowed(sql)
	var out strings.Builder
	var edits compatEdits
	last := 0
	// replace writes with in place of sql[from:to].
	replace := func(from, to int, with string) {
		out.WriteString(sql[last:from])
		e := compatEdit{inStart: from, inEnd: to, outStart: out.Len()}
		out.WriteString(with)
		e.outEnd = out.Len()
		edits = append(edits, e)
		last = to
	}
	prev := "" // the last token before i as written; "" after a literal
	// frame is whether prev is ROWS, RANGE or GROUPS beginning a window
	// frame, after which @ is prefix (compatWindowSpecs).
	frame := false
	var specs compatWindowSpecs
	// advance moves past tok, which leaves prev as asPrev.
	advance := func(tok, asPrev string) {
		frame = specs.startsFrame(tok, prev)
		specs.next(tok)
		prev = asPrev
	}
	for i := 0; i < len(sql); {
		if n := compatSkipQuoted(sql, i); n > i {
			if !strings.HasPrefix(sql[i:], "--") && !strings.HasPrefix(sql[i:], "/*") {
				advance(sql[i:n], "")
			}
			i = n
			continue
		}
		if compatIsSpace(sql[i]) {
			i++
			continue
		}
		if compatIsOperatorChar(sql[i]) {
			end := compatOperatorToken(sql, i)
			if sql[i:end] == "@" && compatEndsOperand(prev) && !frame {
				// a @ b: PostgreSQL has no infix @ for Apiary's types.
				replace(i, end, " "+compatForeignOperatorMark("@")+" ")
			} else if with, ok := compatOperatorReplacement(sql[i:end]); ok {
				replace(i, end, " "+with+" ")
			}
			advance(sql[i:end], sql[i:end])
			i = end
			continue
		}
		if !compatIsWordStart(sql, i) {
			advance(sql[i:i+1], sql[i:i+1])
			i++
			continue
		}
		if end, op, ok := compatMatchOperator(sql, i); ok {
			replace(i, end, " "+op+" ")
			tok := op[strings.LastIndexByte(op, ' ')+1:]
			advance(tok, tok)
			i = end
			continue
		}
		if end, name, ok := compatMatchCollate(sql, i); ok {
			replace(i, end, `COLLATE "`+name+`"`)
			advance(sql[i:end], "")
			i = end
			continue
		}
		if nameEnd, end, ok := compatMatchDistinctOrdered(sql, i); ok {
			replace(nameEnd, end, distinctMark+"(")
			advance(sql[i:nameEnd], sql[i:nameEnd])
			advance("(", "(")
			advance("distinct", "distinct")
			i = end
			continue
		}
		if end, word, ok := compatRoleWordAt(sql, i, prev); ok && roleWords {
			replace(i, end, `"`+word+`"()`)
			advance(word, word)
			i = end
			continue
		}
		end := i + 1
		for compatIsIdentCont(sql, end) {
			end++
		}
		advance(sql[i:end], sql[i:end])
		i = end
	}
	if len(edits) == 0 {
		return sql, nil
	}
	out.WriteString(sql[last:])
	return out.String(), edits
}

// PostgreSQL's prefix @ is abs(); the parser has no such operator and reads
// @1 as a column ordinal. absMarkOperator is what rewriteCompat writes for
// it: an explicit square root, which binds as tightly as @ (below + and *,
// above comparisons) and is told apart from |/ because every OPERATOR(...)
// a client writes is gone by then. restoreCompatForms makes it @abs.
const absMarkOperator = "OPERATOR(|/)"

func compatIsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// compatIsOperatorChar reports the characters PostgreSQL's lexer builds
// operators from.
func compatIsOperatorChar(c byte) bool { return strings.IndexByte("+-*/<>=~!@#%^&|`?", c) >= 0 }

// compatOperatorEnd returns the end of the operator starting at i: the run
// of operator characters, cut before a comment as PostgreSQL's lexer does.
func compatOperatorEnd(s string, i int) int {
	j := i + 1
	for j < len(s) && compatIsOperatorChar(s[j]) && !strings.HasPrefix(s[j:], "--") && !strings.HasPrefix(s[j:], "/*") {
		j++
	}
	return j
}

// compatOperatorToken returns the end of the operator PostgreSQL's lexer
// reads at i: the run of operator characters, less its trailing + and -
// unless the run holds a character SQL's own operators lack, so that =-
// is = followed by a minus, while @- and |/- are operators of their own.
func compatOperatorToken(s string, i int) int {
	end := compatOperatorEnd(s, i)
	if end-i > 1 && (s[end-1] == '+' || s[end-1] == '-') && !strings.ContainsAny(s[i:end-1], "~!@#%^&|`?") {
		for end-i > 1 && (s[end-1] == '+' || s[end-1] == '-') {
			end--
		}
	}
	return end
}

// compatParserOperators are the operators PostgreSQL reads as one token
// that the parser also reads as one and Apiary binds (the rest of its
// grammar's operators are single characters). The parser also reads
// PostgreSQL's operators for JSON, arrays, geometry, networks and text
// search (->, ?|, @>, <<=, <->, @@ ...), which Apiary's types lack; those
// become marks (compatForeignOperatorMark) and fail as PostgreSQL does
// (42883), at PostgreSQL's precedence for named operators. => is left to
// the parser, for PostgreSQL, too, has no such operator (a syntax error).
var compatParserOperators = map[string]bool{
	"!=": true, "!~": true, "!~*": true, "<<": true, "<>": true, "<=": true, ">>": true, ">=": true,
	"||": true, "||/": true, "|/": true, "~*": true, "=>": true,
}

// compatOperandKeywords are the keywords after which an expression starts,
// so that an @ after them is prefix (absolute value): PostgreSQL's
// reserved keywords and the others that introduce an operand, less those
// that are values themselves (NULL, TRUE, END, CURRENT_DATE ...). ROWS,
// RANGE and GROUPS introduce one only where they begin a window frame
// (compatWindowSpecs).
var compatOperandKeywords = map[string]bool{
	"all": true, "analyse": true, "analyze": true, "and": true, "any": true, "array": true, "as": true,
	"asc": true, "asymmetric": true, "between": true, "both": true, "by": true, "case": true, "cast": true,
	"check": true, "collate": true, "column": true, "constraint": true, "create": true, "default": true,
	"deferrable": true, "desc": true, "distinct": true, "do": true, "else": true, "escape": true,
	"except": true, "exists": true, "fetch": true, "for": true, "foreign": true, "from": true,
	"grant": true, "group": true, "having": true, "ilike": true, "in": true, "initially": true,
	"intersect": true, "into": true, "is": true, "lateral": true, "leading": true, "like": true,
	"limit": true, "not": true, "offset": true, "on": true, "only": true, "or": true, "order": true,
	"overlaps": true, "placing": true, "primary": true, "references": true, "returning": true,
	"select": true, "set": true, "similar": true, "some": true, "symmetric": true, "table": true,
	"then": true, "to": true, "trailing": true, "union": true, "unique": true, "using": true,
	"values": true, "variadic": true, "when": true, "where": true, "window": true, "with": true,
	"zone": true,
}

// compatEndsOperand reports whether the token prev (as rewriteCompat
// tracks it: "" after a literal) ends an operand, so that an operator
// after it is infix: a literal, a closing bracket, a name or a value
// keyword do; an operator, an opening bracket, a comma and the keywords
// that introduce operands do not.
func compatEndsOperand(prev string) bool {
	switch {
	case prev == "", prev == ")", prev == "]":
		return true
	case !compatIsIdentChar(prev, 0):
		return false
	}
	return !compatOperandKeywords[strings.ToLower(prev)]
}

// compatOperatorReplacement returns what rewriteCompat writes for the
// operator token op, if anything: the mark of the prefix @, LIKE's keywords
// for the ~~ family, and for an operator the parser would read as
// something else (@-, ~-, !, ^@, ...) a mark that restoreCompatForms turns
// into a call naming it (see compatForeignOperatorMark).
func compatOperatorReplacement(op string) (string, bool) {
	switch {
	case op == "@":
		return absMarkOperator, true
	case compatLikeOperators[op] != "":
		return compatLikeOperators[op], true
	case len(op) == 1 && op != "!" && op != "`" && op != "?", compatParserOperators[op]:
		return "", false
	}
	return compatForeignOperatorMark(op), true
}

// An operator the parser cannot read (PostgreSQL looks such operators up
// by name, and has none of them for Apiary's types but ^@) is written as
// OPERATOR(-) 'op' OPERATOR(-): explicit operators parse at PostgreSQL's
// precedence for named operators, and none is left in the text once
// rewriteCompat has made the ones a client wrote bare. The parser groups
// the mark to the right, so a prefix use becomes -(op - x) and an infix
// one l - (op - r), all three minus signs explicit; restoreCompatForms
// (compatForeignOperatorCall) makes them calls of expr's operator
// functions, which fail as PostgreSQL does where no operator exists.
const compatForeignOperatorPrefix = "OPERATOR(-) '"

func compatForeignOperatorMark(op string) string {
	return compatForeignOperatorPrefix + op + "' OPERATOR(-)"
}

// compatMayHoldForeignOperator reports text that may hold an operator
// compatOperatorReplacement changes: two operator characters in a row, or
// one of the characters the parser has no operator of its own for. It
// errs on the side of yes (<= and || are common and harmless).
func compatMayHoldForeignOperator(sql string) bool {
	for i := 0; i < len(sql); i++ {
		switch c := sql[i]; {
		case c == '!' || c == '`' || c == '?':
			return true
		case compatIsOperatorChar(c) && i+1 < len(sql) && compatIsOperatorChar(sql[i+1]):
			return true
		}
	}
	return false
}

// user and current_role name their columns "user" and "current_role" in
// PostgreSQL, but the parser makes both current_user(). Where one of them
// is a value (after SELECT, a comma, an operator, WHERE ...; not after AS,
// where it is a column label, nor after TO or ROLE in role statements) it
// is written as a call of the function of its own name, which funcs_catalog
// defines as current_user.
var compatValueContext = map[string]bool{
	"select": true, "distinct": true, "all": true, "and": true, "or": true, "not": true, "from": true, "join": true,
	"when": true, "then": true, "else": true, "where": true, "having": true, "is": true,
	"by": true, "on": true, "returning": true, "like": true, "ilike": true, "between": true,
	"(": true, ",": true, "[": true,
}

// compatRoleWordsAllowed reports a statement that names columns or holds
// expressions only: role statements (GRANT ... TO a, current_role) keep
// the keywords.
func compatRoleWordsAllowed(sql string) bool {
	s := strings.TrimLeft(stripLeadingComments(sql), "( \t\r\n\f")
	end := 0
	for compatIsIdentChar(s, end) {
		end++
	}
	switch strings.ToLower(s[:end]) {
	case "select", "with", "values", "table", "create", "insert", "update", "delete", "explain", "declare", "prepare":
		return true
	}
	return false
}

// compatRoleWordAt matches user or current_role at i as a value: prev is
// the token before it.
func compatRoleWordAt(s string, i int, prev string) (end int, word string, ok bool) {
	for _, kw := range []string{"user", "current_role"} {
		if end, ok = compatKeywordAt(s, i, kw); ok {
			word = kw
			break
		}
	}
	if !ok {
		return i, "", false
	}
	valueContext := compatValueContext[strings.ToLower(prev)] || prev != "" && compatIsOperatorChar(prev[len(prev)-1])
	if !valueContext || compatDeleteTarget(s, i) {
		return i, "", false
	}
	if next := compatSkipSpace(s, end); next < len(s) && (s[next] == '(' || s[next] == '.') {
		return i, "", false
	}
	return end, word, true
}

// compatDeleteTarget reports whether i follows DELETE FROM, where a name is
// the table's: DELETE FROM user is a syntax error at user, as in
// PostgreSQL, not a call.
func compatDeleteTarget(s string, i int) bool {
	before, ok := compatCutWordSuffix(s[:i], "from")
	if !ok {
		return false
	}
	_, ok = compatCutWordSuffix(before, "delete")
	return ok
}

// compatCutWordSuffix cuts the keyword kw (lower case) off the end of s,
// white space after it included.
func compatCutWordSuffix(s, kw string) (string, bool) {
	s = strings.TrimRight(s, " \t\r\n\f")
	n := len(s) - len(kw)
	if n < 0 || !strings.EqualFold(s[n:], kw) || n > 0 && compatIsIdentCont(s, n-1) {
		return s, false
	}
	return s[:n], true
}

// compatSkipQuoted returns the end of the string literal, quoted identifier or
// comment starting at i, or i when none starts there.
func compatSkipQuoted(s string, i int) int {
	switch {
	case strings.HasPrefix(s[i:], "--"):
		if j := strings.IndexByte(s[i:], '\n'); j >= 0 {
			return i + j + 1
		}
		return len(s)
	case strings.HasPrefix(s[i:], "/*"):
		depth := 0
		for j := i; j < len(s)-1; j++ {
			switch s[j : j+2] {
			case "/*":
				depth++
				j++
			case "*/":
				depth--
				j++
				if depth == 0 {
					return j + 1
				}
			}
		}
		return len(s)
	case s[i] == '\'' || s[i] == '"':
		escapes := s[i] == '\'' && i > 0 && (s[i-1] == 'e' || s[i-1] == 'E') && !compatIsIdentCont(s, i-2)
		q := s[i]
		for j := i + 1; j < len(s); j++ {
			switch {
			case escapes && s[j] == '\\':
				j++
			case s[j] == q && j+1 < len(s) && s[j+1] == q:
				j++
			case s[j] == q:
				return j + 1
			}
		}
		return len(s)
	case s[i] == '$':
		if compatIsIdentCont(s, i-1) {
			return i // $1 is a placeholder; a$b and a$$ part of a name
		}
		j := i + 1
		for j < len(s) && (compatIsIdentChar(s, j) && !(s[j] >= '0' && s[j] <= '9' && j == i+1)) {
			j++
		}
		if j < len(s) && s[j] == '$' {
			tag := s[i : j+1]
			if k := strings.Index(s[j+1:], tag); k >= 0 {
				return j + 1 + k + len(tag)
			}
			return len(s)
		}
	}
	return i
}

func compatIsIdentChar(s string, i int) bool {
	if i < 0 || i >= len(s) {
		return false
	}
	c := s[i]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// compatIsIdentCont reports a character that continues a word: after
// its first character an identifier or keyword may hold $ (user$1 is a
// name, not the keyword user).
func compatIsIdentCont(s string, i int) bool {
	return compatIsIdentChar(s, i) || i >= 0 && i < len(s) && s[i] == '$'
}

func compatIsWordStart(s string, i int) bool {
	return compatIsIdentChar(s, i) && !compatIsIdentCont(s, i-1)
}

// compatKeywordAt reports whether the keyword kw (lower case) is at i as a
// whole word, and returns the position after it.
func compatKeywordAt(s string, i int, kw string) (int, bool) {
	end := i + len(kw)
	if end > len(s) || !strings.EqualFold(s[i:end], kw) || compatIsIdentCont(s, end) {
		return i, false
	}
	return end, true
}

// compatSkipSpace skips white space and comments, which PostgreSQL's
// lexer drops between tokens: OPERATOR(/*x*/ pg_catalog.|/) is a square
// root, and left unrewritten would be taken for the mark of @.
func compatSkipSpace(s string, i int) int {
	for i < len(s) {
		switch {
		case compatIsSpace(s[i]):
			i++
		case strings.HasPrefix(s[i:], "--") || strings.HasPrefix(s[i:], "/*"):
			i = compatSkipQuoted(s, i)
		default:
			return i
		}
	}
	return i
}

// compatSkipQualifier skips "name." or "\"name\"." at i.
func compatSkipQualifier(s string, i int) int {
	j := i
	if j < len(s) && s[j] == '"' {
		k := strings.IndexByte(s[j+1:], '"')
		if k < 0 {
			return i
		}
		j += k + 2
	} else {
		for compatIsIdentChar(s, j) {
			j++
		}
	}
	j = compatSkipSpace(s, j)
	if j > i && j < len(s) && s[j] == '.' {
		return compatSkipSpace(s, j+1)
	}
	return i
}

// compatLikeOperators spell LIKE's operators, which the parser knows only as
// keywords.
var compatLikeOperators = map[string]string{"~~": "LIKE", "!~~": "NOT LIKE", "~~*": "ILIKE", "!~~*": "NOT ILIKE"}

func compatMatchOperator(s string, i int) (end int, op string, ok bool) {
	j, ok := compatKeywordAt(s, i, "operator")
	if !ok {
		return i, "", false
	}
	j = compatSkipSpace(s, j)
	if j >= len(s) || s[j] != '(' {
		return i, "", false
	}
	j = compatSkipQualifier(s, compatSkipSpace(s, j+1))
	if j >= len(s) || !compatIsOperatorChar(s[j]) {
		return i, "", false
	}
	k := compatOperatorEnd(s, j)
	op = s[j:k]
	k = compatSkipSpace(s, k)
	if k >= len(s) || s[k] != ')' {
		return i, "", false
	}
	if with, ok := compatOperatorReplacement(op); ok {
		op = with
	}
	return k + 1, op, true
}

func compatMatchCollate(s string, i int) (end int, name string, ok bool) {
	j, ok := compatKeywordAt(s, i, "collate")
	if !ok {
		return i, "", false
	}
	j = compatSkipSpace(s, j)
	k, ok := compatKeywordAt(s, j, "pg_catalog")
	if !ok {
		return i, "", false
	}
	k = compatSkipSpace(s, k)
	if k >= len(s) || s[k] != '.' {
		return i, "", false
	}
	k = compatSkipSpace(s, k+1)
	if k < len(s) && s[k] == '"' {
		m := strings.IndexByte(s[k+1:], '"')
		if m < 0 {
			return i, "", false
		}
		return k + m + 2, s[k+1 : k+1+m], true
	}
	m := k
	for compatIsIdentChar(s, m) {
		m++
	}
	if m == k {
		return i, "", false
	}
	return m, strings.ToLower(s[k:m]), true
}

// compatRestoreNeeded reports SQL that may hold a form
// restoreCompatForms changes. It reads the text on every statement, so it
// folds case without copying it.
func compatRestoreNeeded(sql string) bool {
	return strings.Contains(sql, "|/") || strings.Contains(sql, distinctMark) || strings.Contains(sql, compatForeignOperatorPrefix) ||
		compatContainsFold(sql, "position") || compatContainsFold(sql, "current_catalog")
}

// compatContainsFold reports whether s holds word, a lower-case ASCII
// word, in any case.
func compatContainsFold(s, word string) bool {
	for i := 0; i+len(word) <= len(s); i++ {
		if s[i]|0x20 == word[0] && strings.EqualFold(s[i:i+len(word)], word) {
			return true
		}
	}
	return false
}

// restoreCompatForms gives back to a parsed statement what the parser's
// tree loses and PostgreSQL keeps: the operators @, |/ and ||/ become
// calls of @abs, @sqrt and @cbrt (operators name no column, and |/ takes
// double precision where sqrt also takes numeric); position(a IN b) and
// current_catalog, which the parser makes strpos(b, a) and
// current_database(), become calls of functions with PostgreSQL's names,
// which name their columns; and the calls rewriteCompat marked are
// DISTINCT again (preparse_agg.go). Calls the parser built from special
// syntax hold a *tree.FunctionDefinition; calls written as f(...) an
// *tree.UnresolvedName, so strpos(b, a) keeps its own name. Each result
// formats as SQL that parses back to itself, which the distributed
// planner relies on: a form left behind would run as something else
// there (OPERATOR(|/) x as a square root).
//
// The parser's walk (tree.WalkStmt) skips join conditions, a call's
// window and a cursor's query; compatRestorer reaches them itself,
// changing the freshly parsed tree in place.
func restoreCompatForms(stmt tree.Statement) tree.Statement {
	return compatRestorer{}.statement(stmt)
}

type compatRestorer struct{}

func (r compatRestorer) statement(stmt tree.Statement) tree.Statement {
	r.skipped(stmt)
	out, _ := tree.WalkStmt(r, stmt)
	return out
}

func (r compatRestorer) expr(e tree.Expr) tree.Expr {
	if e == nil {
		return nil
	}
	out, _ := tree.WalkExpr(r, e)
	return out
}

// skipped restores what tree.WalkStmt does not visit in stmt: the query
// of a cursor, and the ON conditions of the joins in its FROM clauses,
// down to its CTEs and derived tables (subqueries in expressions are
// reached from VisitPre).
func (r compatRestorer) skipped(stmt tree.Statement) {
	switch s := stmt.(type) {
	case *tree.DeclareCursor:
		if s.Select == nil {
			return
		}
		if sel, ok := r.statement(s.Select).(*tree.Select); ok {
			s.Select = sel
		}
	case *tree.Select:
		if s == nil {
			return
		}
		if s.With != nil {
			for _, cte := range s.With.CTEList {
				r.skipped(cte.Stmt)
			}
		}
		r.skipped(s.Select)
	case *tree.ParenSelect:
		r.skipped(s.Select)
	case *tree.UnionClause:
		r.skipped(s.Left)
		r.skipped(s.Right)
	case *tree.SelectClause:
		for _, t := range s.From.Tables {
			r.skippedInTable(t)
		}
	case *tree.Insert:
		r.skipped(s.Rows)
	case *tree.CreateTable:
		r.skipped(s.AsSource)
	case *tree.Explain:
		r.skipped(s.Statement)
	case *tree.ExplainAnalyze:
		r.skipped(s.Statement)
	}
}

func (r compatRestorer) skippedInTable(t tree.TableExpr) {
	switch t := t.(type) {
	case *tree.AliasedTableExpr:
		r.skippedInTable(t.Expr)
	case *tree.ParenTableExpr:
		r.skippedInTable(t.Expr)
	case *tree.JoinTableExpr:
		r.skippedInTable(t.Left)
		r.skippedInTable(t.Right)
		if on, ok := t.Cond.(*tree.OnJoinCond); ok {
			on.Expr = r.expr(on.Expr)
		}
	case *tree.Subquery:
		r.skipped(t.Select)
	case *tree.RowsFromExpr:
		for i, f := range t.Items {
			t.Items[i] = r.expr(f)
		}
	case *tree.StatementSource:
		r.skipped(t.Statement)
	}
}

func (r compatRestorer) window(w *tree.WindowDef) {
	for i := range w.Partitions {
		w.Partitions[i] = r.expr(w.Partitions[i])
	}
	for _, o := range w.OrderBy {
		o.Expr = r.expr(o.Expr)
	}
	if f := w.Frame; f != nil {
		for _, b := range []*tree.WindowFrameBound{f.Bounds.StartBound, f.Bounds.EndBound} {
			if b != nil {
				b.OffsetExpr = r.expr(b.OffsetExpr)
			}
		}
	}
}

// VisitPre returns e's replacement, or e to keep it.
func (r compatRestorer) VisitPre(e tree.Expr) (bool, tree.Expr) {
	switch e := e.(type) {
	case *tree.Subquery:
		r.skipped(e.Select)
	case *tree.UnaryExpr:
		if f := compatForeignOperatorCall(e); f != nil {
			return true, f
		}
		name := ""
		switch {
		case e.Operator.Symbol == tree.UnarySqrt && e.Operator.IsExplicitOperator:
			name = "@abs"
		case e.Operator.Symbol == tree.UnarySqrt:
			name = "@sqrt"
		case e.Operator.Symbol == tree.UnaryCbrt:
			name = "@cbrt"
		default:
			return true, e
		}
		return true, &tree.FuncExpr{Func: compatFuncName(name), Exprs: tree.Exprs{e.Expr}}
	case *tree.BinaryExpr:
		if f := compatForeignOperatorCall(e); f != nil {
			return true, f
		}
	case *tree.FuncExpr:
		if e.WindowDef != nil {
			r.window(e.WindowDef)
		}
		if f := unmarkDistinct(e); f != nil {
			return true, f
		}
		def, ok := e.Func.FunctionReference.(*tree.FunctionDefinition)
		if !ok {
			return true, e
		}
		var name string
		switch def.Name {
		case "strpos":
			name = "position"
		case "current_database":
			name = "current_catalog"
		default:
			return true, e
		}
		f := *e
		f.Func = compatFuncName(name)
		return true, &f
	}
	return true, e
}

func (compatRestorer) VisitPost(e tree.Expr) tree.Expr { return e }

// compatForeignOperatorCall returns the call of the operator function
// that a mark of compatForeignOperatorMark stands for, when e is one:
// -('op' - x) is op x, and l - ('op' - r) is l op r (all explicit).
func compatForeignOperatorCall(e tree.Expr) tree.Expr {
	explicitMinus := func(e tree.Expr) (*tree.BinaryExpr, bool) {
		b, ok := e.(*tree.BinaryExpr)
		return b, ok && b.Operator.Symbol == treebin.Minus && b.Operator.IsExplicitOperator
	}
	var left tree.Expr
	var mark *tree.BinaryExpr
	switch e := e.(type) {
	case *tree.UnaryExpr:
		if e.Operator.Symbol != tree.UnaryMinus || !e.Operator.IsExplicitOperator {
			return nil
		}
		m, ok := explicitMinus(e.Expr)
		if !ok {
			return nil
		}
		mark = m
	case *tree.BinaryExpr:
		if _, ok := explicitMinus(e); !ok {
			return nil
		}
		m, ok := explicitMinus(e.Right)
		if !ok {
			return nil
		}
		left, mark = e.Left, m
	default:
		return nil
	}
	op, ok := mark.Left.(*tree.StrVal)
	if !ok {
		return nil
	}
	args := tree.Exprs{mark.Right}
	if left != nil {
		args = tree.Exprs{left, mark.Right}
	}
	return &tree.FuncExpr{Func: compatFuncName(expr.OperatorFunctionName(op.RawString())), Exprs: args}
}

func compatFuncName(name string) tree.ResolvableFunctionReference {
	return tree.ResolvableFunctionReference{FunctionReference: &tree.UnresolvedName{NumParts: 1, Parts: tree.NameParts{name}}}
}
