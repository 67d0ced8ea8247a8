package exec

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"
)

func TestRewriteCompat(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default`,
			`WHERE c.relname  ~  '^(t)$' COLLATE "default"`},
		{`a operator ( public . !~ ) b`, `a  !~  b`},
		{`a OPERATOR("pg_catalog".~~) b`, `a  LIKE  b`},
		{`a OPERATOR(pg_catalog.!~~*) b`, `a  NOT ILIKE  b`},
		{`x COLLATE pg_catalog."C"`, `x COLLATE "C"`},
		{`x COLLATE "C"`, `x COLLATE "C"`},
		{`SELECT 'OPERATOR(pg_catalog.~)', "OPERATOR(pg_catalog.~)" -- OPERATOR(pg_catalog.~)`,
			`SELECT 'OPERATOR(pg_catalog.~)', "OPERATOR(pg_catalog.~)" -- OPERATOR(pg_catalog.~)`},
		{`/* COLLATE pg_catalog.default /* nested */ */ SELECT E'\' OPERATOR(pg_catalog.~)' `,
			`/* COLLATE pg_catalog.default /* nested */ */ SELECT E'\' OPERATOR(pg_catalog.~)' `},
		{`SELECT $$ OPERATOR(pg_catalog.~) $$, $1 OPERATOR(pg_catalog.=) 2`, `SELECT $$ OPERATOR(pg_catalog.~) $$, $1  =  2`},
		{`SELECT my_operator(x)`, `SELECT my_operator(x)`},
		// The prefix @ is marked; @ inside longer operators, literals,
		// identifiers and comments is not.
		{`SELECT @ -5, |/ 16.0, @5`, `SELECT  OPERATOR(|/)  -5, |/ 16.0,  OPERATOR(|/) 5`},
		// After an operand @ is infix, which PostgreSQL has for none of
		// Apiary's types; so are the operators of JSON, arrays, geometry
		// and text search, which the parser reads.
		{`SELECT a @ b, 1 @ @ 2, (1) @ 2, null @ 1, 'a' @ 1, x IS NOT @ -1, a @> b, a <@ b, x @@ y, j ? 'k'`,
			`SELECT a  OPERATOR(-) '@' OPERATOR(-)  b, 1  OPERATOR(-) '@' OPERATOR(-)   OPERATOR(|/)  2, (1)  OPERATOR(-) '@' OPERATOR(-)  2, null  OPERATOR(-) '@' OPERATOR(-)  1, 'a'  OPERATOR(-) '@' OPERATOR(-)  1, x IS NOT  OPERATOR(|/)  -1, a  OPERATOR(-) '@>' OPERATOR(-)  b, a  OPERATOR(-) '<@' OPERATOR(-)  b, x  OPERATOR(-) '@@' OPERATOR(-)  y, j  OPERATOR(-) '?' OPERATOR(-)  'k'`},
		// Operators PostgreSQL reads as one token and the parser would
		// split or misread are marked by name; trailing + and - leave an
		// operator of SQL's own characters (=- is = and a minus), as
		// PostgreSQL's lexer has it.
		{`SELECT 1*@2, @-5, ~-5, !5, 1 ## 2, 7 // 2, 1 ?? 2`,
			`SELECT 1 OPERATOR(-) '*@' OPERATOR(-) 2,  OPERATOR(-) '@-' OPERATOR(-) 5,  OPERATOR(-) '~-' OPERATOR(-) 5,  OPERATOR(-) '!' OPERATOR(-) 5, 1  OPERATOR(-) '##' OPERATOR(-)  2, 7  OPERATOR(-) '//' OPERATOR(-)  2, 1  OPERATOR(-) '??' OPERATOR(-)  2`},
		{`SELECT 1 =- 2, 1 <- 2, 1 <=- 2, 1 +- 2, 2*-3, a->-1, x<>-1, 1 @-- c` + "\n" + ` 2`,
			`SELECT 1 =- 2, 1 <- 2, 1 <=- 2, 1 +- 2, 2*-3, a OPERATOR(-) '->' OPERATOR(-) -1, x<>-1, 1  OPERATOR(-) '@' OPERATOR(-) -- c` + "\n" + ` 2`},
		{`SELECT 'a' ~~ 'b', 'a' !~~ 'b', 'a' ~~* 'b', 'a' !~~* 'b', 'a' ^@ 'b', OPERATOR(pg_catalog.@-) 1`,
			`SELECT 'a'  LIKE  'b', 'a'  NOT LIKE  'b', 'a'  ILIKE  'b', 'a'  NOT ILIKE  'b', 'a'  OPERATOR(-) '^@' OPERATOR(-)  'b',  OPERATOR(-) '@-' OPERATOR(-)  1`},
		{`SELECT * FROM t, count(*), a.* /* ** */`, `SELECT * FROM t, count(*), a.* /* ** */`},
		{`SELECT '@', "@", E'\'@', $$ @ $$, 'a'||'b' -- @`, `SELECT '@', "@", E'\'@', $$ @ $$, 'a'||'b' -- @`},
		{`SELECT /* @ /* @ */ */ 1, x/*c*/@/*c*/1, -/*c*/@/*c*/1`, `SELECT /* @ /* @ */ */ 1, x/*c*/ OPERATOR(-) '@' OPERATOR(-) /*c*/1, -/*c*/ OPERATOR(|/) /*c*/1`},
		{`SELECT OPERATOR(pg_catalog.@) -7`, `SELECT  OPERATOR(|/)  -7`},
		// user and current_role where they are values; not where they are
		// labels, qualified names, calls or role names.
		{`SELECT user, current_role, CURRENT_ROLE = current_user FROM t WHERE u IN (User)`,
			`SELECT "user"(), "current_role"(), "current_role"() = current_user FROM t WHERE u IN ("user"())`},
		{`SELECT 1 user, 2 AS user, t.user, "user", user(), current_user FROM t`,
			`SELECT 1 user, 2 AS user, t.user, "user", user(), current_user FROM t`},
		{`SELECT coalesce(x, user) /* c */, /* c */ user`, `SELECT coalesce(x, "user"()) /* c */, /* c */ "user"()`},
		{`GRANT SELECT ON t TO a, current_role`, `GRANT SELECT ON t TO a, current_role`},
		{`CREATE USER bob`, `CREATE USER bob`},
		{`SELECT usename FROM pg_user WHERE usename = user`, `SELECT usename FROM pg_user WHERE usename = "user"()`},
		// In FROM, user is a function call too, as in PostgreSQL.
		{`SELECT * FROM user, current_role JOIN user u ON true`, `SELECT * FROM "user"(), "current_role"() JOIN "user"() u ON true`},
		{`DELETE FROM user WHERE a = user`, `DELETE FROM user WHERE a = "user"()`},
		// Comments are white space inside the forms rewritten, as they
		// are to PostgreSQL: a client's OPERATOR(|/) left in place would
		// be taken for the mark of @.
		{`SELECT OPERATOR(/*c*/ pg_catalog./*c*/|/) 16, 'a' COLLATE /*c*/ pg_catalog."default", OPERATOR(|/*c*/) 4`,
			`SELECT  |/  16, 'a' COLLATE "default",  |  4`},
		// After its first character a word may hold $: user$x and a$user
		// are names, and e$$$ starts no dollar quote.
		{`SELECT user$x, a$user, current_role$, e$$$ @ user $$`, `SELECT user$x, a$user, current_role$, e$$$  OPERATOR(-) '@' OPERATOR(-)  "user"() $$`},
	}
	for _, c := range cases {
		if got := rewriteCompat(c.in); got != c.want {
			t.Errorf("rewriteCompat(%q)\n = %q\nwant %q", c.in, got, c.want)
		}
	}
	// psql's \d pattern query parses after the rewrite.
	q := `SELECT c.oid, n.nspname, c.relname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relname OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default AND pg_catalog.pg_table_is_visible(c.oid)
ORDER BY 2, 3;`
	if _, err := parser.ParseWithInt(preparse(q).sql, types.Int4); err != nil {
		t.Errorf("psql's \\d query does not parse: %v", err)
	}
}

// rewriteCompat runs on every statement a client sends: whatever the text,
// it must not panic, and the string literals, quoted identifiers and
// dollar quotes in it must come out as they went in (comments may go
// where a rewritten form held them).
func TestRewriteCompatKeepsQuoted(t *testing.T) {
	pieces := []string{"SELECT ", "user", "current_role", " ", ",", "@", "-", "!", "~", "5", "(", ")", ".", "=", "x", "e", "1", "AS ",
		"|/", "OPERATOR(pg_catalog.@)", "OPERATOR(", "string_agg(DISTINCT ", " ORDER BY ", "position", "(SELECT ", "pg_catalog",
		"'a@user'", `"user"`, "$$ @ user $$", "$t$ user $t$", "/* @ user */", "-- @ user\n", `E'\'@'`, "'it''s user'",
		"U&", "$1", "a$b", "'", `"`, "$", "/*", "*/", "--", "\n"}
	quoted := func(s string) []string {
		var out []string
		for i := 0; i < len(s); {
			if n := compatSkipQuoted(s, i); n > i {
				// The quoted identifiers the rewrite writes are left out.
				if q := s[i:n]; !strings.HasPrefix(q, "--") && !strings.HasPrefix(q, "/*") && q != `"user"` && q != `"current_role"` {
					out = append(out, q)
				}
				i = n
				continue
			}
			if compatIsWordStart(s, i) {
				for i++; compatIsIdentCont(s, i); i++ {
				}
				continue
			}
			i++
		}
		return out
	}
	// The string literals of the marks of foreign operators are the
	// rewrite's own, too.
	marks := regexp.MustCompile(regexp.QuoteMeta(compatForeignOperatorPrefix) + `[^']*' OPERATOR\(-\)`)
	r := rand.New(rand.NewPCG(1, 2))
	for range 50000 {
		var b strings.Builder
		for k := r.IntN(12) + 1; k > 0; k-- {
			b.WriteString(pieces[r.IntN(len(pieces))])
		}
		in := b.String()
		out := rewriteCompat(in)
		if want, got := quoted(in), quoted(marks.ReplaceAllString(out, "")); !slices.Equal(want, got) {
			t.Fatalf("rewriteCompat(%q)\n = %q\nquoted parts %q, want %q", in, out, got, want)
		}
	}
}

// The forms rewriteCompat and restoreCompatForms handle parse into trees
// that print as SQL that parses back to the same tree: the distributed
// planner ships statements as text.
func TestCompatFormsParse(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT @ -5 + 3, |/ 16, ||/ 27, @ @ -1, |/ @ -4`,
			`SELECT "@abs"(-5 + 3), "@sqrt"(16), "@cbrt"(27), "@abs"("@abs"(-1)), "@sqrt"("@abs"(-4))`},
		{`SELECT 2 * @ -3, @ -1 < 2`, `SELECT 2 * "@abs"(-3), "@abs"(-1) < 2`},
		{`SELECT position('l' IN t), strpos(t, 'l'), "position"(t, 'l'), current_catalog, current_database()`,
			`SELECT "position"(t, 'l'), strpos(t, 'l'), "position"(t, 'l'), "current_catalog"(), current_database()`},
		{`SELECT (SELECT @ x FROM t WHERE position('a' IN y) > 0) FROM u ORDER BY @ z`,
			`SELECT (SELECT "@abs"(x) FROM t WHERE "position"(y, 'a') > 0) FROM u ORDER BY "@abs"(z)`},
		{`SELECT user, current_role, current_user, session_user`,
			`SELECT "user"(), "current_role"(), current_user(), session_user()`},
		// Where the parser's own walk does not reach: join conditions,
		// a call's window, a cursor's query.
		{`SELECT 1 FROM a JOIN (b JOIN c ON @ b.x = 1) ON |/ a.x = position('s' IN (SELECT 1 FROM d JOIN e ON @ d.x = 1))`,
			`SELECT 1 FROM a JOIN (b JOIN c ON "@abs"(b.x) = 1) ON "@sqrt"(a.x) = "position"((SELECT 1 FROM d JOIN e ON "@abs"(d.x) = 1), 's')`},
		{`SELECT sum(x) OVER (PARTITION BY @ x ORDER BY ||/ x, string_agg(DISTINCT y, ',' ORDER BY y) ROWS @ -1 PRECEDING) FROM t`,
			`SELECT sum(x) OVER (PARTITION BY "@abs"(x) ORDER BY "@cbrt"(x), string_agg(DISTINCT y, ',' ORDER BY y) ROWS "@abs"(-1) PRECEDING) FROM t`},
		{`DECLARE c CURSOR FOR SELECT @ x FROM a JOIN b ON |/ y = 2`,
			`DECLARE c CURSOR FOR SELECT "@abs"(x) FROM a JOIN b ON "@sqrt"(y) = 2`},
		// Operators the parser cannot read become calls naming them,
		// grouped at PostgreSQL's precedence for named operators.
		{`SELECT @-5, 1 ## 2, 2 * ~-5 + 1, 'a' ^@ 'b' = true, -@-5`,
			`SELECT "@op@-"(5), "@op##"(1, 2), 2 * "@op~-"(5 + 1), "@op^@"('a', 'b') = true, "@op-@-"(5)`},
		{`SELECT 1 FROM a JOIN b ON a.x @- b.x WHERE |/-4 > 0`,
			`SELECT 1 FROM a JOIN b ON "@op@-"(a.x, b.x) WHERE "@op|/-"(4) > 0`},
		// FROM user and FROM current_catalog keep their names.
		{`SELECT * FROM user, current_catalog`, `SELECT * FROM ROWS FROM ("user"()), ROWS FROM ("current_catalog"())`},
	}
	for _, c := range cases {
		stmts, err := parseSQL(preparse(c.in).sql)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		got := tree.AsStringWithFlags(stmts[0].AST, fmtFlags)
		if got != c.want {
			t.Errorf("%s\n parses as %s\n      want %s", c.in, got, c.want)
			continue
		}
		again, err := parseSQL(rewriteCompat(got))
		if err != nil {
			t.Errorf("%s: printed form does not parse: %v", got, err)
		} else if back := tree.AsStringWithFlags(again[0].AST, fmtFlags); back != got {
			t.Errorf("%s\n parses back as %s", got, back)
		}
	}
}

// PostgreSQL's results and column names for the prefix operators and the
// special forms whose names the parser loses.
func TestCompatFormsRun(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE nums (id int, x numeric(6,2), s text)`)
	mustRun(t, s, `INSERT INTO nums VALUES (1, -2.50, 'hello'), (2, 4, NULL)`)
	cases := []struct{ sql, names, want string }{
		{`SELECT @ -5, |/ 16.0, ||/ 27, @ -5 + 3 AS a, |/ 16 + 9 AS b, 2 * @ -3 AS c`,
			"?column?|?column?|?column?|a|b|c", "5|4|3|2|5|6"},
		{`SELECT pg_typeof(@ -5), pg_typeof(@ -5::int2), pg_typeof(@ 1.5), pg_typeof(@ 1.5::real), pg_typeof(|/ 4), pg_typeof(||/ 8.0)`,
			"pg_typeof|pg_typeof|pg_typeof|pg_typeof|pg_typeof|pg_typeof", "integer|smallint|numeric|real|double precision|double precision"},
		{`SELECT @ x, |/ id, @5 FROM nums ORDER BY @ x`, "?column?|?column?|?column?", "2.50|1|5\n4.00|1.4142135623730951|5"},
		{`SELECT |/ NULL, @ NULL, ||/ -8`, "?column?|?column?|?column?", "NULL|NULL|-2"},
		{`SELECT position('l' in s), "position"(s, 'l'), strpos(s, 'l') FROM nums ORDER BY id`,
			"position|position|strpos", "3|3|3\nNULL|NULL|NULL"},
		{`SELECT current_catalog, current_database(), user, current_role, current_user, session_user`,
			"current_catalog|current_database|user|current_role|current_user|session_user", "apiary|apiary|apiary|apiary|apiary|apiary"},
		{`SELECT 1 user, 2 AS current_role`, "user|current_role", "1|2"},
		{`SELECT OPERATOR(/*c*/ pg_catalog.|/) 16`, "?column?", "4"},
		{`SELECT n.id, sum(@ n.x) OVER (ORDER BY @ n.x ROWS BETWEEN @ -1 PRECEDING AND CURRENT ROW) AS s
			FROM nums n JOIN nums m ON @ n.x = @ m.x AND |/ n.id = |/ m.id ORDER BY n.id`, "id|s", "1|2.50\n2|6.50"},
		{`SELECT id, row_number() OVER (ORDER BY string_agg(DISTINCT s, ',' ORDER BY s) DESC) FROM nums GROUP BY id ORDER BY id`,
			"id|row_number", "1|2\n2|1"},
	}
	for _, c := range cases {
		names, rows, err := runColumns(s, c.sql)
		if err != nil {
			t.Errorf("%s: %v", c.sql, err)
			continue
		}
		if names != c.names {
			t.Errorf("%s: columns %s, want %s", c.sql, names, c.names)
		}
		if got := joinRows(rows); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
	mustRun(t, s, `BEGIN`)
	mustRun(t, s, `DECLARE c CURSOR FOR SELECT @ x, position('l' IN s) FROM nums ORDER BY id`)
	if got := joinRows(mustRun(t, s, `FETCH ALL c`)); got != "2.50|3\n4.00|NULL" {
		t.Errorf("cursor over @ and position: got %q", got)
	}
	mustRun(t, s, `COMMIT`)
	wantCode(t, s, `SELECT |/ -4`, sqlerr.Code("2201F"))
	wantCode(t, s, `SELECT @ 'a'::text`, sqlerr.UndefinedFunction)
	wantCode(t, s, `SELECT ||/ interval '1 day'`, sqlerr.UndefinedFunction)
	wantCode(t, s, `SELECT @ -2147483648`, sqlerr.NumericValueOutOfRange)
}

// Syntax errors point into the statement as sent, not into the text the
// compatibility rewrites made of it (positions as PostgreSQL 15 reports
// them).
func TestCompatRewritePositions(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for sql, want := range map[string]int{
		`SELECT user, 1 +`:          17,
		`SELECT @ -5, 1 +`:          17,
		`SELECT user, 1 + + FROM x`: 20,
		`SELECT 1 FROM t WHERE a OPERATOR(pg_catalog.~) 'x' AND`:                                            55,
		`SELECT current_role, string_agg(DISTINCT x, ',' ORDER BY x) FROM (VALUES ('a')) v(x) GROUP BY 1 +`: 98,
		`SELECT 'é', user, @ 1 @ FROM x WHERE`:                                                              25,
	} {
		_, _, err := run(t, s, sql)
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.SyntaxError || se.Position != want {
			t.Errorf("%s: %v, position %d; want 42601 at %d", sql, err, se.Position, want)
		}
	}
}

// Operators PostgreSQL reads as one token fail as its lookup of them does,
// with its message and hint (PostgreSQL 15's answers); ^@ and the ~~
// family are operators it has for text.
func TestForeignOperators(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const prefixHint = "No operator matches the given name and argument type. You might need to add an explicit type cast."
	const infixHint = "No operator matches the given name and argument types. You might need to add explicit type casts."
	for _, c := range []struct{ sql, msg, hint string }{
		{`SELECT @-5`, "operator does not exist: @- integer", prefixHint},
		{`SELECT @- 'a'`, "operator does not exist: @- unknown", prefixHint},
		{`SELECT 1 @- 5.5`, "operator does not exist: integer @- numeric", infixHint},
		{`SELECT 2 * ~-5 + 1`, "operator does not exist: ~- integer", prefixHint},
		{`SELECT |/-4`, "operator does not exist: |/- integer", prefixHint},
		{`SELECT 2 +@-5`, "operator does not exist: integer +@- integer", infixHint},
		{`SELECT !5`, "operator does not exist: ! integer", prefixHint},
		{`SELECT 7 // 2`, "operator does not exist: integer // integer", infixHint},
		{`SELECT 5#-2`, "operator does not exist: integer #- integer", infixHint},
		{`SELECT 2^-1`, "operator does not exist: integer ^- integer", infixHint},
		{`SELECT 1 ?? 2`, "operator does not exist: integer ?? integer", infixHint},
		{`SELECT 'a' ## 1`, "operator does not exist: unknown ## integer", infixHint},
		{`SELECT 1 ^@ 2`, "operator does not exist: integer ^@ integer", infixHint},
		{`SELECT x ## 2 FROM (VALUES (1.5::float8)) t(x) WHERE false`, "operator does not exist: double precision ## integer", infixHint},
		{`SELECT 1 OPERATOR(pg_catalog.@-) 2`, "operator does not exist: integer @- integer", infixHint},
		{`SELECT nosuch @- 1`, `column "nosuch" does not exist`, ""},
	} {
		_, _, err := run(t, s, c.sql)
		var se *sqlerr.Error
		if !errors.As(err, &se) {
			t.Errorf("%s: %v, want an error", c.sql, err)
			continue
		}
		if se.Message != c.msg || se.Hint != c.hint {
			t.Errorf("%s: %s (hint %q), want %s (hint %q)", c.sql, se.Message, se.Hint, c.msg, c.hint)
		}
	}
	got := mustRun(t, s, `SELECT 'abc' ^@ 'ab', 'abc' ^@ 'b', 'abc' ~~ 'a%', 'abc' !~~ 'a%', 'abc' ~~* 'A%', 'abc' ^@ NULL`)
	if want := "t|f|t|f|t|NULL"; joinRows(got) != want {
		t.Errorf("text operators: got %q, want %q", joinRows(got), want)
	}
}

// The window frames PostgreSQL's grammar rejects fail with 42P20, its
// message and the position of the bound it names, as PostgreSQL 15
// reports them.
func TestFrameErrors(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	for _, c := range []struct{ sql, at, msg string }{
		{`SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN CURRENT ROW AND UNBOUNDED PRECEDING) FROM (VALUES (1)) t(x)`,
			"UNBOUNDED PRECEDING", "frame end cannot be UNBOUNDED PRECEDING"},
		{`SELECT sum(x) OVER (ORDER BY x ROWS UNBOUNDED FOLLOWING) FROM (VALUES (1)) t(x)`,
			"UNBOUNDED FOLLOWING", "frame start cannot be UNBOUNDED FOLLOWING"},
		{`SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM (VALUES (1)) t(x)`,
			"UNBOUNDED FOLLOWING", "frame start cannot be UNBOUNDED FOLLOWING"},
		{`SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN 1 FOLLOWING AND CURRENT ROW) FROM (VALUES (1)) t(x)`,
			"CURRENT ROW)", "frame starting from following row cannot have preceding rows"},
		{`SELECT sum(x) OVER (ORDER BY x ROWS 1 FOLLOWING) FROM (VALUES (1)) t(x)`,
			"1 FOLLOWING", "frame starting from following row cannot end with current row"},
		{`SELECT sum(x) OVER (ORDER BY x RANGE BETWEEN CURRENT ROW AND 2 PRECEDING) FROM (VALUES (1)) t(x)`,
			"2 PRECEDING", "frame starting from current row cannot have preceding rows"},
		{`SELECT sum(x) OVER (ORDER BY x ROWS BETWEEN (1 + 1) FOLLOWING AND (SELECT 1) PRECEDING) FROM (VALUES (1)) t(x)`,
			"(SELECT 1)", "frame starting from following row cannot have preceding rows"},
		{`SELECT user, sum(x) OVER (ORDER BY x /* rows */ GROUPS BETWEEN UNBOUNDED FOLLOWING AND CURRENT ROW) FROM (VALUES (1)) t(x)`,
			"UNBOUNDED", "frame start cannot be UNBOUNDED FOLLOWING"},
		{`SELECT 'é', sum(x) OVER w FROM (VALUES (1)) t(x) WINDOW w AS (ORDER BY x ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING)`,
			"1 PRECEDING", "frame starting from following row cannot have preceding rows"},
	} {
		want := utf8.RuneCountInString(c.sql[:strings.Index(c.sql, c.at)]) + 1
		_, _, err := run(t, s, c.sql)
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.WindowingError || se.Message != c.msg || se.Position != want {
			t.Errorf("%s: %v (position %d), want 42P20 %q at %d", c.sql, err, se.Position, c.msg, want)
		}
	}
}
