package exec

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// copyRun runs sql like run does, feeding input to COPY FROM STDIN and
// collecting COPY TO STDOUT output.
func copyRun(t *testing.T, s *Session, sql, input string) (tags []string, out string, rows [][]string, err error) {
	t.Helper()
	ctx := context.Background()
	var b strings.Builder
	err = s.ExecSimple(ctx, sql, func(r Result) error {
		switch {
		case r.CopyIn != nil:
			tag, err := r.CopyIn.Run(ctx, strings.NewReader(input), time.UTC)
			if err != nil {
				return err
			}
			tags = append(tags, tag)
			return nil
		case r.CopyOut != nil:
			tag, err := r.CopyOut.Run(ctx, time.UTC, func(row []byte) error {
				if len(row) == 0 || row[len(row)-1] != '\n' {
					t.Errorf("COPY TO row %q does not end in a newline", row)
				}
				b.Write(row)
				return nil
			})
			if err != nil {
				return err
			}
			tags = append(tags, tag)
			return nil
		}
		tags = append(tags, r.Tag)
		return collectRows(ctx, r.Rows, &rows)
	})
	return tags, b.String(), rows, err
}

func mustCopy(t *testing.T, s *Session, sql, input string) (string, [][]string) {
	t.Helper()
	_, out, rows, err := copyRun(t, s, sql, input)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return out, rows
}

// wantCopyError runs a COPY that must fail with code, and whose detail
// (the COPY context) must contain detail.
func wantCopyError(t *testing.T, s *Session, sql, input string, code sqlerr.Code, detail string) {
	t.Helper()
	_, _, _, err := copyRun(t, s, sql, input)
	if err == nil {
		t.Fatalf("%s: succeeded, want %s", sql, code)
	}
	f := sqlerr.Flatten(err)
	if f.Code != code {
		t.Fatalf("%s: SQLSTATE %s (%v, detail %q), want %s", sql, f.Code, err, f.Detail, code)
	}
	if !strings.Contains(f.Detail, detail) {
		t.Fatalf("%s: detail %q lacks %q (message %q)", sql, f.Detail, detail, f.Message)
	}
}

func TestCopyFromStdinText(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int NOT NULL, b text, c numeric(10,2), d date)")
	input := "1\tone\t1.50\t2024-02-29\n" +
		"2\t\\N\t\\N\t\\N\n" +
		"3\ttab\\there\\nnewline \\\\ back\\x41\\101\t-3\t2000-01-01\n" +
		"4\t\t0\t1999-12-31\n"
	tags, _, _, err := copyRun(t, s, "COPY t FROM STDIN", input)
	if err != nil {
		t.Fatal(err)
	}
	if tags[0] != "COPY 4" {
		t.Fatalf("tag %q", tags[0])
	}
	got := sortedRowList(mustRun(t, s, "SELECT * FROM t"))
	want := "1|one|1.50|2024-02-29\n2|NULL|NULL|NULL\n3|tab\there\nnewline \\ backAA|-3.00|2000-01-01\n4||0.00|1999-12-31"
	if got != want {
		t.Fatalf("rows:\n%s\nwant:\n%s", got, want)
	}
	// The text output escapes what the input escaped.
	out, _ := mustCopy(t, s, "COPY (SELECT * FROM t WHERE a = 3) TO STDOUT", "")
	if out != "3\ttab\\there\\nnewline \\\\ backAA\t-3.00\t2000-01-01\n" {
		t.Fatalf("COPY TO text: %q", out)
	}
}

func TestCopyFromStdinCSV(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int, b text, c text)")
	input := "a,b,c\r\n" +
		"1,\"quoted, with comma\",plain\r\n" +
		"2,\"multi\r\nline\",\"\"\r\n" +
		"3,,\"say \"\"hi\"\"\"\r\n" +
		"\\.\r\n" +
		"ignored after the end marker\r\n"
	tags, _, _, err := copyRun(t, s, "COPY t FROM STDIN WITH (FORMAT csv, HEADER true)", input)
	if err != nil {
		t.Fatal(err)
	}
	if tags[0] != "COPY 3" {
		t.Fatalf("tag %v", tags)
	}
	got := sortedRowList(mustRun(t, s, "SELECT * FROM t"))
	want := "1|quoted, with comma|plain\n2|multi\r\nline|\n3|NULL|say \"hi\""
	if got != want {
		t.Fatalf("rows:\n%q\nwant:\n%q", got, want)
	}
	// Legacy syntax, another delimiter and NULL string, FORCE_NOT_NULL.
	mustRun(t, s, "CREATE TABLE u (a int, b text)")
	mustCopy(t, s, "COPY u FROM STDIN CSV DELIMITER ';' NULL 'NA'", "1;NA\n2;\n")
	mustCopy(t, s, "COPY u (b, a) FROM STDIN (FORMAT csv, FORCE_NOT_NULL (b), NULL 'NA')", "NA,3\n")
	mustCopy(t, s, "COPY u FROM STDIN (FORMAT csv, FORCE_NULL (b))", "4,\"\"\n")
	got = sortedRows(mustRun(t, s, "SELECT * FROM u"))
	if want := "1|NULL\n2|\n3|NA\n4|NULL"; got != want {
		t.Fatalf("rows:\n%q\nwant:\n%q", got, want)
	}
	// HEADER MATCH checks the names.
	mustCopy(t, s, "COPY u FROM STDIN (FORMAT csv, HEADER match)", "a,b\n5,x\n")
	wantCopyError(t, s, "COPY u FROM STDIN (FORMAT csv, HEADER match)", "a,c\n6,y\n", sqlerr.BadCopyFileFormat, "line 1")
}

func TestCopyBadInput(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE lineitem (l_orderkey bigint NOT NULL, l_quantity numeric(15,2), l_comment varchar(5))")
	good := "1,1.00,ok\n2,2.00,ok\n"
	for _, c := range []struct {
		name, sql, input string
		code             sqlerr.Code
		detail           string
	}{
		{"type error", "COPY lineitem FROM STDIN (FORMAT csv)", good + "3,abc,x\n", sqlerr.InvalidTextRepresentation,
			`COPY lineitem, line 3, column l_quantity: "abc"`},
		{"type error text", "COPY lineitem FROM STDIN", "1\t1\tok\n2\t2\tok\n3\t4\tok\n4\t4x\tok\n", sqlerr.InvalidTextRepresentation,
			`COPY lineitem, line 4, column l_quantity: "4x"`},
		{"out of range", "COPY lineitem FROM STDIN (FORMAT csv)", "99999999999999999999,1,x\n", sqlerr.NumericValueOutOfRange,
			`line 1, column l_orderkey`},
		{"too long", "COPY lineitem FROM STDIN (FORMAT csv)", good + "3,1,toolong\n", sqlerr.StringDataRightTruncation,
			`line 3, column l_comment: "toolong"`},
		{"not null", "COPY lineitem FROM STDIN (FORMAT csv)", good + ",1,x\n", sqlerr.NotNullViolation,
			`COPY lineitem, line 3, column l_orderkey: null input`},
		{"not null by column list", "COPY lineitem (l_quantity) FROM STDIN (FORMAT csv)", "1\n", sqlerr.NotNullViolation,
			`line 1, column l_orderkey: null input`},
		{"too many columns", "COPY lineitem FROM STDIN (FORMAT csv)", good + "3,1,x,extra\n", sqlerr.BadCopyFileFormat,
			`COPY lineitem, line 3: "3,1,x,extra"`},
		{"too few columns", "COPY lineitem FROM STDIN (FORMAT csv)", good + "3,1\n", sqlerr.BadCopyFileFormat,
			`COPY lineitem, line 3: "3,1"`},
		{"unterminated quote", "COPY lineitem FROM STDIN (FORMAT csv)", good + "3,1,\"x\n4,1,y\n", sqlerr.BadCopyFileFormat,
			`line 3`},
		{"bad utf8", "COPY lineitem FROM STDIN (FORMAT csv)", "3,1,\xff\n", sqlerr.Code("22021"), `line 1, column l_comment`},
		{"carriage return", "COPY lineitem FROM STDIN", "1\t1\tok\n2\t2\to\rk\n", sqlerr.BadCopyFileFormat, `line 2`},
	} {
		t.Run(c.name, func(t *testing.T) {
			wantCopyError(t, s, c.sql, c.input, c.code, c.detail)
			if rows := mustRun(t, s, "SELECT * FROM lineitem"); len(rows) != 0 {
				t.Fatalf("a failed COPY left %d rows visible", len(rows))
			}
		})
	}
	// Messages are PostgreSQL's.
	_, _, _, err := copyRun(t, s, "COPY lineitem FROM STDIN (FORMAT csv)", "1,2\n")
	if msg := sqlerr.Flatten(err).Message; msg != `missing data for column "l_comment"` {
		t.Fatalf("message %q", msg)
	}
	_, _, _, err = copyRun(t, s, "COPY lineitem FROM STDIN (FORMAT csv)", "1,2,x,y\n")
	if msg := sqlerr.Flatten(err).Message; msg != "extra data after last expected column" {
		t.Fatalf("message %q", msg)
	}
	// Statement-level mistakes are found before any data is read.
	for sql, code := range map[string]sqlerr.Code{
		"COPY missing FROM STDIN":                                    sqlerr.UndefinedTable,
		"COPY lineitem (nope) FROM STDIN":                            sqlerr.UndefinedColumn,
		"COPY lineitem (l_quantity, l_quantity) FROM STDIN":          sqlerr.DuplicateColumn,
		"COPY lineitem FROM STDIN (FORMAT xml)":                      sqlerr.InvalidParameterValue,
		"COPY lineitem FROM STDIN (FORMAT binary)":                   sqlerr.BadCopyFileFormat, // text is no binary stream
		"COPY lineitem FROM STDIN (FORMAT csv, FORMAT text)":         sqlerr.SyntaxError,
		"COPY lineitem FROM STDIN (DELIMITER ',,')":                  sqlerr.FeatureNotSupported,
		"COPY lineitem FROM STDIN (QUOTE '\"')":                      sqlerr.FeatureNotSupported,
		"COPY lineitem FROM STDIN (FORMAT csv, DELIMITER '\"')":      sqlerr.InvalidParameterValue,
		"COPY lineitem FROM STDIN (BOGUS 1)":                         sqlerr.SyntaxError,
		"COPY lineitem FROM PROGRAM 'ls'":                            sqlerr.FeatureNotSupported,
		"COPY lineitem FROM 'relative.csv'":                          sqlerr.InvalidParameterValue,
		"COPY lineitem FROM '/nonexistent/dir/x.csv'":                sqlerr.Code("58P01"),
		"COPY lineitem FROM STDIN (FORMAT arrow)":                    sqlerr.FeatureNotSupported,
		"COPY lineitem TO '/tmp/x.csv'":                              sqlerr.FeatureNotSupported,
		"COPY lineitem FROM STDIN (OVERWRITE, OVERWRITE_PARTITIONS)": sqlerr.SyntaxError,
		"COPY lineitem FROM STDIN (OVERWRITE_PARTITIONS)":            sqlerr.InvalidParameterValue,
	} {
		_, _, _, err := copyRun(t, s, sql, good)
		if got := sqlerr.CodeOf(err); got != code {
			t.Errorf("%s: SQLSTATE %s (%v), want %s", sql, got, err, code)
		}
	}
	if rows := mustRun(t, s, "SELECT * FROM lineitem"); len(rows) != 0 {
		t.Fatalf("failed statements left %d rows", len(rows))
	}
}

func TestCopyToStdout(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE "Mixed" (id int, "Name" text, ts timestamptz)`)
	mustCopy(t, s, `COPY "Mixed" FROM STDIN (FORMAT csv)`, "1,plain,2024-01-02 03:04:05+00\n2,\"a,b\",\n3,\"\",\n4,\"q\"\"q\",\n")
	out, _ := mustCopy(t, s, `COPY "Mixed" (id, "Name") TO STDOUT (FORMAT csv, HEADER)`, "")
	want := "id,Name\n1,plain\n2,\"a,b\"\n3,\"\"\n4,\"q\"\"q\"\n"
	if sortLines(out) != sortLines(want) {
		t.Fatalf("csv:\n%s\nwant:\n%s", out, want)
	}
	out, _ = mustCopy(t, s, `COPY "Mixed" TO STDOUT WITH CSV FORCE QUOTE *`, "")
	if !strings.Contains(out, `"1","plain","2024-01-02 03:04:05+00"`) {
		t.Fatalf("force quote:\n%s", out)
	}
	out, _ = mustCopy(t, s, `COPY (SELECT id, ts FROM "Mixed" WHERE id = 1) TO STDOUT`, "")
	if out != "1\t2024-01-02 03:04:05+00\n" {
		t.Fatalf("text: %q", out)
	}
	tags, _, _, err := copyRun(t, s, `COPY "Mixed" TO STDOUT`, "")
	if err != nil || tags[0] != "COPY 4" {
		t.Fatalf("tags %v, %v", tags, err)
	}
	// COPY ... FROM STDIN; SELECT 1 in one query string, as psql sends.
	tags, _, rows, err := copyRun(t, s, `COPY "Mixed" (id) FROM STDIN; SELECT id FROM "Mixed" WHERE id = 9`, "9\n")
	if err != nil || strings.Join(tags, ",") != "COPY 1,SELECT" || len(rows) != 1 || rows[0][0] != "9" {
		t.Fatalf("multi-statement: tags %v rows %v err %v", tags, rows, err)
	}
}

// sortedRowList sorts rows before joining them, for values holding
// newlines.
func sortedRowList(rows [][]string) string {
	var lines []string
	for _, r := range rows {
		lines = append(lines, strings.Join(r, "|"))
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func sortLines(s string) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestCopyInTransactionAndCellSizing(t *testing.T) {
	st := objstore.NewMem()
	s := testSession(t, st)
	mustRun(t, s, "CREATE TABLE t (a int, b text) WITH (partition_by = 'b')")
	var in strings.Builder
	for i := range 50_000 {
		fmt.Fprintf(&in, "%d\t%s\n", i, []string{"x", "y"}[i%2])
	}
	mustRun(t, s, "BEGIN")
	mustCopy(t, s, "COPY t FROM STDIN", in.String())
	if n := len(mustRun(t, s, "SELECT a FROM t")); n != 50_000 {
		t.Fatalf("inside the block: %d rows", n)
	}
	mustRun(t, s, "ROLLBACK")
	if n := len(mustRun(t, s, "SELECT a FROM t")); n != 0 {
		t.Fatalf("after ROLLBACK: %d rows", n)
	}
	mustCopy(t, s, "COPY t FROM STDIN", in.String())
	// Batches of 16K rows never become a cell each: one cell per partition.
	cells := describeValue(t, s, "t", "# cells")
	if cells != "2" {
		t.Fatalf("%s cells, want 2 (one per partition)", cells)
	}
}

// describeValue returns a DESCRIBE summary row's value.
func describeValue(t *testing.T, s *Session, frame, key string) string {
	t.Helper()
	for _, r := range mustRun(t, s, "DESCRIBE "+frame) {
		if r[0] == key {
			return r[1]
		}
	}
	t.Fatalf("DESCRIBE %s has no %q row", frame, key)
	return ""
}

func TestCopyFromFiles(t *testing.T) {
	dir := t.TempDir()
	for i := range 3 {
		var b strings.Builder
		b.WriteString("id,name\n")
		for j := range 100 {
			fmt.Fprintf(&b, "%d,n%d\n", i*100+j, j)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", i)), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "_SUCCESS"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE f (id int, name text)")
	version := describeValue(t, s, "f", "# ledger version")
	tags, _, _, err := copyRun(t, s, fmt.Sprintf("COPY f FROM '%s/part-*.csv' (FORMAT csv, HEADER)", dir), "")
	if err != nil || tags[0] != "COPY 300" {
		t.Fatalf("tags %v err %v", tags, err)
	}
	if v := describeValue(t, s, "f", "# ledger version"); v == version || v != fmt.Sprint(mustAtoi(t, version)+1) {
		t.Fatalf("ledger version %s → %s, want one commit", version, v)
	}
	// A directory loads every file in it but markers.
	tags, _, _, err = copyRun(t, s, fmt.Sprintf("COPY f FROM 'file://%s' (FORMAT csv, HEADER)", dir), "")
	if err != nil || tags[0] != "COPY 300" {
		t.Fatalf("directory: tags %v err %v", tags, err)
	}
	// A bad row in the last file leaves nothing of any file.
	if err := os.WriteFile(filepath.Join(dir, "part-9.csv"), []byte("id,name\n1,a\nx,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantCopyError(t, s, fmt.Sprintf("COPY f FROM '%s/*.csv' (FORMAT csv, HEADER)", dir), "", sqlerr.InvalidTextRepresentation,
		fmt.Sprintf(`COPY f, file "%s/part-9.csv", line 3, column id: "x"`, dir))
	if n := len(mustRun(t, s, "SELECT id FROM f")); n != 600 {
		t.Fatalf("%d rows after the failed COPY, want 600", n)
	}
	wantCopyError(t, s, fmt.Sprintf("COPY f FROM '%s/nothing-*.csv'", dir), "", sqlerr.Code("58P01"), "")
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCopyOverwrite(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE p (region text, v int) WITH (partition_by = 'region')")
	mustCopy(t, s, "COPY p FROM STDIN (FORMAT csv)", "EU,1\nEU,2\nUS,3\nAS,4\n")
	mustCopy(t, s, "COPY p FROM STDIN (FORMAT csv, OVERWRITE_PARTITIONS)", "EU,10\n")
	if got := sortedRows(mustRun(t, s, "SELECT * FROM p")); got != "AS|4\nEU|10\nUS|3" {
		t.Fatalf("after partition overwrite:\n%s", got)
	}
	mustRun(t, s, "BEGIN")
	mustCopy(t, s, "COPY p FROM STDIN (FORMAT csv)", "XX,0\n")
	mustCopy(t, s, "COPY p FROM STDIN (FORMAT csv, OVERWRITE)", "US,7\n")
	if got := sortedRows(mustRun(t, s, "SELECT * FROM p")); got != "US|7" {
		t.Fatalf("overwrite inside the block:\n%s", got)
	}
	mustRun(t, s, "COMMIT")
	if got := sortedRows(mustRun(t, s, "SELECT * FROM p")); got != "US|7" {
		t.Fatalf("after overwrite:\n%s", got)
	}
	// An empty overwrite empties the frame, like TRUNCATE.
	mustCopy(t, s, "COPY p FROM STDIN (OVERWRITE true)", "")
	if n := len(mustRun(t, s, "SELECT * FROM p")); n != 0 {
		t.Fatalf("%d rows after an empty overwrite", n)
	}
}

func TestTruncate(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE a (x int); CREATE FRAME b (day date, x int) WITH (partition_by = 'day')")
	mustRun(t, s, "INSERT INTO a VALUES (1), (2); INSERT INTO b VALUES ('2026-01-05', 1), ('2026-01-06', 2)")
	mustRun(t, s, "BEGIN")
	mustRun(t, s, "TRUNCATE a, b")
	if n := len(mustRun(t, s, "SELECT * FROM a")) + len(mustRun(t, s, "SELECT * FROM b")); n != 0 {
		t.Fatalf("%d rows inside the block after TRUNCATE", n)
	}
	mustRun(t, s, "ROLLBACK")
	if n := len(mustRun(t, s, "SELECT * FROM a")) + len(mustRun(t, s, "SELECT * FROM b")); n != 4 {
		t.Fatalf("%d rows after ROLLBACK, want 4", n)
	}
	tags, _, _ := run(t, s, "TRUNCATE FRAME b PARTITION (day = '2026-1-5')")
	if len(tags) != 1 || tags[0] != "TRUNCATE TABLE" {
		t.Fatalf("tags %v", tags)
	}
	if got := sortedRows(mustRun(t, s, "SELECT * FROM b")); got != "2026-01-06|2" {
		t.Fatalf("after partition truncate: %s", got)
	}
	wantCode(t, s, "TRUNCATE b PARTITION (x = 1)", sqlerr.InvalidColumnReference)
	wantCode(t, s, "TRUNCATE b PARTITION (day = 'nope')", sqlerr.InvalidDatetimeFormat)
	mustRun(t, s, "INSERT INTO a VALUES (3); TRUNCATE TABLE a; INSERT INTO a VALUES (4)")
	if got := sortedRows(mustRun(t, s, "SELECT * FROM a")); got != "4" {
		t.Fatalf("after TRUNCATE in a multi-statement string: %s", got)
	}
	wantCode(t, s, "TRUNCATE missing", sqlerr.UndefinedTable)
}

func TestOptimize(t *testing.T) {
	st := objstore.NewMem()
	s := testSession(t, st)
	mustRun(t, s, "CREATE TABLE o (id int NOT NULL, region text, v numeric(10,2), note text) WITH (partition_by = 'region')")
	for i := range 60 {
		mustRun(t, s, fmt.Sprintf("INSERT INTO o VALUES (%d, '%s', %d.25, %s)", i, []string{"EU", "US", "AS"}[i%3], i, map[bool]string{true: "NULL", false: "'n'"}[i%7 == 0]))
	}
	before := sortedRows(mustRun(t, s, "SELECT * FROM o"))
	if c := describeValue(t, s, "o", "# cells"); c != "60" {
		t.Fatalf("%s cells before OPTIMIZE", c)
	}
	tags, _, err := run(t, s, "OPTIMIZE FRAME o")
	if err != nil || tags[0] != "OPTIMIZE" {
		t.Fatalf("OPTIMIZE: %v %v", tags, err)
	}
	if c := describeValue(t, s, "o", "# cells"); c != "3" {
		t.Fatalf("%s cells after OPTIMIZE, want 3 (one per partition)", c)
	}
	if after := sortedRows(mustRun(t, s, "SELECT * FROM o")); after != before {
		t.Fatalf("rows changed:\n%s\nvs\n%s", after, before)
	}
	// Nothing left to merge: a no-op, no commit.
	v := describeValue(t, s, "o", "# ledger version")
	mustRun(t, s, "OPTIMIZE o")
	mustRun(t, s, "OPTIMIZE TABLE o")
	if v2 := describeValue(t, s, "o", "# ledger version"); v2 != v {
		t.Fatalf("idle OPTIMIZE committed: %s → %s", v, v2)
	}
	mustRun(t, s, "BEGIN")
	wantCode(t, s, "OPTIMIZE o", sqlerr.ActiveSQLTransaction)
	mustRun(t, s, "ROLLBACK")
}

func TestCopyStatementParsing(t *testing.T) {
	for sql, want := range map[string]string{
		`COPY t FROM STDIN`: "t|from|stdin|text",
		`copy "T"."u" (a, "B") from stdin with csv header`:      "T.u|from|stdin|csv",
		`COPY t FROM 'mem://x/*.parquet' (FORMAT parquet)`:      "t|from|mem://x/*.parquet|parquet",
		`COPY (SELECT 1; ) TO STDOUT`:                           "(SELECT 1;)|to|stdout|text",
		`COPY (SELECT ')' FROM t) TO STDOUT WITH (FORMAT csv)`:  "(SELECT ')' FROM t)|to|stdout|csv",
		`COPY t TO STDOUT (FORMAT text, DELIMITER E'\x01');`:    "t|to|stdout|text",
		`COPY t FROM STDIN DELIMITER AS '|' NULL AS '' -- note`: "t|from|stdin|text",
	} {
		st, err := parseCopy(sql)
		if err != nil {
			t.Errorf("%s: %v", sql, err)
			continue
		}
		name := st.tableText
		if st.query != "" {
			name = "(" + st.query + ")"
		}
		src := st.source
		if src == "" {
			src = map[bool]string{true: "stdin", false: "stdout"}[st.from]
		}
		format := st.opts.format
		if format == "" {
			format = "text"
		}
		got := strings.Join([]string{strings.ReplaceAll(name, `"`, ""), map[bool]string{true: "from", false: "to"}[st.from], src, format}, "|")
		if got != want {
			t.Errorf("%s: parsed as %s, want %s", sql, got, want)
		}
	}
	for _, sql := range []string{`COPY`, `COPY t`, `COPY t FROM`, `COPY t FROM STDOUT`, `COPY (SELECT 1) FROM STDIN`, `COPY t FROM STDIN (FORMAT)`, `COPY t FROM STDIN extra`} {
		if _, err := parseCopy(sql); sqlerr.CodeOf(err) != sqlerr.SyntaxError {
			t.Errorf("%s: %v, want a syntax error", sql, err)
		}
	}
}

func TestRecordReaderChunkBoundaries(t *testing.T) {
	// Records straddling the reader's buffer (1 MiB) and a source that
	// returns one byte at a time must split as in one piece.
	var b, head strings.Builder
	for i := range 40_000 {
		fmt.Fprintf(&b, "%d,\"quoted \"\"%d\"\"\nsecond line\",%s\n", i, i, strings.Repeat("x", i%50))
		if i == 2000 {
			head.WriteString(b.String())
		}
	}
	for _, name := range []string{"whole", "bytewise"} {
		var src io.Reader = strings.NewReader(b.String())
		if name == "bytewise" {
			src = oneByteReader{strings.NewReader(head.String())}
		}
		f, err := (&copyOptions{format: "csv", seen: map[string]bool{}}).resolve(true, "csv")
		if err != nil {
			t.Fatal(err)
		}
		rr := newRecordReader(src, f)
		n := 0
		for {
			ok, err := rr.next()
			if err != nil {
				t.Fatalf("%s: record %d: %v", name, n, err)
			}
			if !ok {
				break
			}
			if len(rr.fields) != 3 || string(rr.fields[1].val) != fmt.Sprintf("quoted \"%d\"\nsecond line", n) {
				t.Fatalf("%s: record %d: %q", name, n, rr.raw)
			}
			n++
		}
		if name == "whole" && n != 40_000 {
			t.Fatalf("%d records", n)
		}
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.r.Read(p)
}

func TestOverwriteConflictsAndOptimizeDoesNot(t *testing.T) {
	st := objstore.NewMem()
	a := testSession(t, st)
	b := testSession(t, st)
	mustRun(t, a, "CREATE TABLE c (x int)")
	mustRun(t, a, "INSERT INTO c VALUES (1)")
	mustRun(t, a, "INSERT INTO c VALUES (2)")

	// A TRUNCATE racing an append: one of them must lose, not the append
	// silently survive (or vanish).
	mustRun(t, a, "BEGIN")
	mustRun(t, a, "TRUNCATE c")
	mustRun(t, b, "INSERT INTO c VALUES (3)")
	wantCode(t, a, "COMMIT", sqlerr.SerializationFailure)
	if got := sortedRows(mustRun(t, a, "SELECT * FROM c")); got != "1\n2\n3" {
		t.Fatalf("after the conflict: %s", got)
	}

	// Compaction racing an append: both commit.
	ctx := context.Background()
	tx := a.eng.txns.Begin("OPTIMIZE")
	tn, err := parseOptimize("OPTIMIZE c")
	if err != nil {
		t.Fatal(err)
	}
	stats, err := a.compact(ctx, tx, tn)
	if err != nil || stats.CellsRemoved != 3 || stats.CellsAdded != 1 {
		t.Fatalf("compact: %+v %v", stats, err)
	}
	mustRun(t, b, "INSERT INTO c VALUES (4)")
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatalf("compaction lost to an append: %v", err)
	}
	if got := sortedRows(mustRun(t, a, "SELECT * FROM c")); got != "1\n2\n3\n4" {
		t.Fatalf("after compaction and append: %s", got)
	}
	if c := describeValue(t, a, "c", "# cells"); c != "2" {
		t.Fatalf("%s cells, want 2 (the compacted one and the new append)", c)
	}
}
