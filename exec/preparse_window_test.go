package exec

import (
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// A column called rows, range or groups followed by @ is an operand with
// an infix @ (42883 for integers), except where the word begins a window
// frame, where @ is prefix (abs). Answers and SQLSTATEs are PostgreSQL
// 15's; the positions are where psql draws its caret.
func TestFrameKeywordsOrColumns(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const three = `FROM (VALUES (1), (2), (3)) t(x) ORDER BY x`
	for _, c := range []struct {
		sql  string
		want string // the rows, or the SQLSTATE and position of the error
	}{
		{`SELECT rows @ 1 FROM (SELECT 1 AS rows) s`, "42883 at 13"},
		{`SELECT range @ 1 FROM (SELECT 1 AS range) s`, "42883 at 14"},
		{`SELECT groups @ 1 FROM (SELECT 1 AS groups) s`, "42883 at 15"},
		{`SELECT (SELECT rows @ 1) FROM (SELECT 1 AS rows) s`, "42883 at 21"},
		{`WITH w AS (SELECT 1 AS rows) SELECT rows @ 1 FROM w`, "42883 at 42"},
		{`SELECT rows FROM (SELECT 1 AS rows) s ORDER BY rows @ 1`, "42883 at 53"},
		// Inside a window specification, where no frame may begin.
		{`SELECT sum(rows) OVER (ORDER BY rows @ 1) FROM (SELECT 1 AS rows) s`, "42883 at 38"},
		{`SELECT sum(x) OVER (PARTITION BY rows @ 1) FROM (SELECT 1 AS rows, 1 AS x) s`, "42883 at 39"},
		{`SELECT sum(x) OVER (ORDER BY x, rows @ 1) FROM (SELECT 1 AS rows, 1 AS x) s`, "42883 at 38"},
		{`SELECT sum(x) OVER (ORDER BY (rows @ 1)) FROM (SELECT 1 AS rows, 1 AS x) s`, "42883 at 36"},
		{`SELECT over(rows @ 1) FROM (SELECT 1 AS rows) s`, "42883 at 18"},
		// Frames.
		{`SELECT x, sum(x) OVER (ORDER BY x ROWS @ -1 PRECEDING) ` + three, "1|1\n2|3\n3|5"},
		{`SELECT x, sum(x) OVER (rows @ -1 preceding) ` + three, "1|1\n2|3\n3|5"},
		{`SELECT x, sum(x) OVER (ORDER BY x DESC ROWS @ -1 PRECEDING) ` + three, "1|3\n2|5\n3|3"},
		{`SELECT x, sum(x) OVER (ORDER BY x NULLS LAST ROWS @ -1 PRECEDING) ` + three, "1|1\n2|3\n3|5"},
		{`SELECT x, sum(x) OVER (ORDER BY x RANGE BETWEEN @ -1 PRECEDING AND @ 1 FOLLOWING) ` + three, "1|3\n2|6\n3|5"},
		{`SELECT x, sum(x) OVER w FROM (VALUES (1), (2), (3)) t(x) WINDOW w AS (ORDER BY x ROWS @ -1 PRECEDING) ORDER BY x`,
			"1|1\n2|3\n3|5"},
		{`SELECT x, sum(x) OVER w2 FROM (VALUES (1), (2), (3)) t(x) WINDOW w1 AS (ORDER BY x), w2 AS (w1 GROUPS @ -1 PRECEDING) ORDER BY x`,
			"1|1\n2|3\n3|5"},
	} {
		_, rows, err := run(t, s, c.sql)
		got := joinRows(rows)
		if err != nil {
			e := sqlerr.Flatten(err)
			got = string(e.Code) + " at " + strconv.Itoa(e.Position)
		}
		if got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}
}

// The frame of a window function with a FILTER clause follows the
// filter's parenthesis, not the call's.
func TestFrameKeywordAfterFilter(t *testing.T) {
	in := `SELECT count(*) FILTER (WHERE x > 1) OVER (ORDER BY x ROWS @ -1 PRECEDING), rows @ 1 FROM t`
	out := strings.Join(strings.Fields(rewriteCompat(in)), " ")
	if want := "ROWS " + absMarkOperator + " -1"; !strings.Contains(out, want) {
		t.Errorf("frame's @ not read as prefix: %s", out)
	}
	if want := "rows " + strings.TrimSpace(compatForeignOperatorMark("@")) + " 1"; !strings.Contains(out, want) {
		t.Errorf("column's @ not read as infix: %s", out)
	}
}
