package difftest

import (
	"strings"
	"testing"
)

func TestParseCorpus(t *testing.T) {
	text := `-- a header comment, ignored

SELECT 1;
SELECT 2; SELECT 3;

-- ordered
SELECT a
FROM t
ORDER BY a

-- error 42703
-- a free comment between directives
SELECT nope FROM t;

-- skip not yet
SELECT 'a;b', 'it''s', "we;ird", E'x\';y'
-- a comment inside the query; it stays
FROM t;

-- statement
SET TimeZone = 'UTC';
SELECT 'multi

line' /* block ; comment
*/ FROM t; -- ordered (a trailing comment, not a directive)
SELECT 4
`
	qs, err := ParseCorpus("x.sql", text)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line      int
		sql       string
		ordered   bool
		code      string
		skip      string
		statement bool
	}{
		{3, "SELECT 1", false, "", "", false},
		{4, "SELECT 2", false, "", "", false},
		{4, "SELECT 3", false, "", "", false},
		{7, "SELECT a\nFROM t\nORDER BY a", true, "", "", false},
		{13, "SELECT nope FROM t", false, "42703", "", false},
		{16, "SELECT 'a;b', 'it''s', \"we;ird\", E'x\\';y'\n-- a comment inside the query; it stays\nFROM t", false, "", "not yet", false},
		{21, "SET TimeZone = 'UTC'", false, "", "", true},
		{22, "SELECT 'multi\n\nline' /* block ; comment\n*/ FROM t", false, "", "", false},
		{26, "SELECT 4", false, "", "", false},
	}
	if len(qs) != len(want) {
		for _, q := range qs {
			t.Logf("%d: %q", q.Line, q.SQL)
		}
		t.Fatalf("got %d queries, want %d", len(qs), len(want))
	}
	for i, w := range want {
		q := qs[i]
		if q.Line != w.line || q.SQL != w.sql || q.Ordered != w.ordered || q.Error != w.code || q.Skip != w.skip || q.Statement != w.statement || q.N != i+1 {
			t.Errorf("query %d = %+v, want %+v", i+1, q, w)
		}
	}
	if id := qs[3].ID(); id != "x.sql:7" {
		t.Errorf("ID = %q", id)
	}
	// Two queries on one line share an id; the corpus test rejects that.
}

func TestParseCorpusErrors(t *testing.T) {
	for _, text := range []string{
		"-- ordered\n\nSELECT 1",            // directive before a blank line
		"SELECT 1;\n-- ordered\n",           // directive at the end
		"-- error 4270\nSELECT x",           // malformed SQLSTATE
		"-- skip\nSELECT 1",                 // skip without a reason
		"SELECT 'open",                      // unterminated string
		"-- statement\n-- ordered\nSET x=1", // statements have no order
	} {
		if _, err := ParseCorpus("bad.sql", text); err == nil {
			t.Errorf("ParseCorpus(%q) succeeded, want an error", text)
		}
	}
	// Comments that merely start like a directive are free text.
	qs, err := ParseCorpus("ok.sql", "-- ordered by nothing in particular\n-- statement of intent\nSELECT 1")
	if err != nil || len(qs) != 1 || qs[0].Ordered || qs[0].Statement {
		t.Errorf("free comments: %+v, %v", qs, err)
	}
}

func TestRoundDecimal(t *testing.T) {
	for _, c := range []struct {
		in   string
		d    int
		want string
	}{
		{"0.3333333333333333", 6, "0.333333"},
		{"0.6666666666666667", 6, "0.666667"},
		{"2.5", 0, "3"},
		{"-2.5", 0, "-3"},
		{"-0.0000001", 6, "0.000000"},
		{"1.005", 2, "1.01"},
		{"9.9999995", 6, "10.000000"},
		{"12", 2, "12.00"},
		{"0.5", 3, "0.500"},
		{"-1.25", 1, "-1.3"},
	} {
		if got := roundDecimal(c.in, c.d); got != c.want {
			t.Errorf("roundDecimal(%q, %d) = %q, want %q", c.in, c.d, got, c.want)
		}
	}
}

func TestEqualValues(t *testing.T) {
	v := func(s string) Value { return Value{Text: s} }
	null := Value{Null: true}
	for _, c := range []struct {
		kind   ColumnKind
		pg, ap Value
		want   bool
	}{
		{KindExact, null, null, true},
		{KindExact, null, v(""), false},
		{KindExact, v(""), null, false},
		{KindExact, v("abc"), v("abc"), true},
		{KindExact, v("1.5"), v("1.50"), false}, // not a computed numeric
		{KindExact, v("007"), v("7"), false},
		{KindNumeric, v("0.33333333333333333333"), v("0.333333"), false}, // numeric digits must match
		{KindNumeric, v("2.3333333333333333"), v("2.333334"), false},
		{KindNumeric, v("0.50000000000000000000"), v("0.500000"), false},
		{KindNumeric, v("1"), v("1.000000"), false}, // a lost or extra zero is a bug
		{KindNumeric, v("-0.0000001"), v("0.000000"), false},
		{KindNumeric, v("12.35"), v("12.34"), false}, // same decimals: exact
		{KindNumeric, v("114495.904285714286"), v("114495.904286"), false},
		{KindNumeric, v("1.2909944487358056"), v("1.2909944487358058"), false}, // no float tolerance
		{KindNumeric, v("NaN"), v("NaN"), true},
		{KindNumeric, v("1"), v("2"), false},
		{KindFloat8, v("0.30000000000000004"), v("0.3"), true},
		{KindFloat8, v("0.1"), v("0.1000000000000001"), true},
		{KindFloat8, v("0.1"), v("0.1001"), false},
		{KindFloat8, v("1e-05"), v("0.00001"), false}, // same number, other spelling
		{KindFloat8, v("NaN"), v("Infinity"), false},
		{KindFloat8, v("Infinity"), v("1.7976931348623157e+308"), false},
		{KindFloat8, v("-0"), v("0"), false},
		{KindFloat4, v("0.33333334"), v("0.33333331"), true},
		{KindFloat4, v("0.33333334"), v("0.3334"), false},
	} {
		if got := EqualValues(c.kind, c.pg, c.ap); got != c.want {
			t.Errorf("EqualValues(%v, %v, %v) = %v, want %v", c.kind, c.pg, c.ap, got, c.want)
		}
	}
}

func rows(lines ...string) [][]Value {
	var out [][]Value
	for _, l := range lines {
		var row []Value
		for _, f := range strings.Split(l, "|") {
			if f == "NULL" {
				row = append(row, Value{Null: true})
			} else {
				row = append(row, Value{Text: f})
			}
		}
		out = append(out, row)
	}
	return out
}

func TestCompareResults(t *testing.T) {
	pg := &Result{HasRows: true, Columns: []string{"k", "avg"}, Kinds: []ColumnKind{KindExact, KindNumeric},
		Rows: rows("b|0.33333333333333333333", "a|2.5000000000000000", "NULL|1")}
	ap := &Result{HasRows: true, Columns: []string{"k", "avg"},
		Rows: rows("a|2.5000000000000000", "NULL|1", "b|0.33333333333333333333")}
	if m := CompareResults(pg, ap, false); m != nil {
		t.Errorf("unordered: %s", m.Reason)
	}
	if m := CompareResults(pg, ap, true); m == nil || m.Row != 0 {
		t.Errorf("ordered: want a difference in row 1, got %+v", m)
	}
	ap2 := &Result{HasRows: true, Columns: []string{"k", "average"}, Rows: ap.Rows}
	if m := CompareResults(pg, ap2, false); m == nil || !strings.Contains(m.Reason, "named") {
		t.Errorf("column names: %+v", m)
	}
	ap3 := &Result{HasRows: true, Columns: pg.Columns, Rows: ap.Rows[:2]}
	if m := CompareResults(pg, ap3, false); m == nil || !strings.Contains(m.Reason, "3 rows, apiary 2") {
		t.Errorf("row count: %+v", m)
	} else if out := m.Render(pg.Columns, ap3.Columns); !strings.Contains(out, "(no row)") {
		t.Errorf("render lacks the missing row:\n%s", out)
	}
	ap4 := &Result{HasRows: true, Columns: pg.Columns, Rows: rows("a|2.5000000000000000", "|1", "b|0.33333333333333333333")}
	if m := CompareResults(pg, ap4, false); m == nil {
		t.Error("empty string compared equal to NULL")
	}
	none := &Result{}
	if m := CompareResults(none, pg, false); m == nil {
		t.Error("a statement result compared equal to a row set")
	}
}

func TestJudge(t *testing.T) {
	ok := &Result{HasRows: true, Columns: []string{"x"}, Rows: rows("1")}
	fail := func(code string) *Result { return &Result{Code: code, Message: "boom"} }
	for _, c := range []struct {
		name        string
		q           Query
		pg, ap      *Result
		pass, bogus bool
	}{
		{"same rows", Query{}, ok, ok, true, false},
		{"apiary fails", Query{}, ok, fail("0A000"), false, false},
		{"postgres fails unexpectedly", Query{}, fail("42703"), fail("42703"), false, true},
		{"expected error on both", Query{Error: "22012"}, fail("22012"), fail("22012"), true, false},
		{"apiary other code", Query{Error: "22012"}, fail("22012"), fail("XX000"), false, false},
		{"apiary succeeds", Query{Error: "22012"}, fail("22012"), ok, false, false},
		{"postgres other code", Query{Error: "22012"}, fail("22003"), fail("22012"), false, true},
		{"statement", Query{Statement: true}, &Result{}, &Result{}, true, false},
	} {
		q := c.q
		q.File, q.Line, q.SQL = "x.sql", 1, "SELECT x"
		o := &Outcome{Query: &q}
		judge(o, c.pg, c.ap)
		if o.Pass != c.pass || o.Corpus != c.bogus {
			t.Errorf("%s: pass=%v corpus=%v (%s), want pass=%v corpus=%v", c.name, o.Pass, o.Corpus, o.Reason, c.pass, c.bogus)
		}
		if !o.Pass && (o.Reason == "" || !strings.Contains(o.Detail, "x.sql:1")) {
			t.Errorf("%s: reason %q, detail %q", c.name, o.Reason, o.Detail)
		}
	}
}

func TestPendingRoundTrip(t *testing.T) {
	path := t.TempDir() + "/pending.txt"
	ids := []string{"b.sql:10", "a.sql:2", "a.sql:10", "load:types"}
	sortIDs(ids)
	if strings.Join(ids, " ") != "a.sql:2 a.sql:10 b.sql:10 load:types" {
		t.Fatalf("sortIDs: %v", ids)
	}
	reasons := map[string]string{"a.sql:2": "apiary failed with 0A000:  x\ny", "a.sql:10": "", "b.sql:10": "r", "load:types": "l"}
	if err := WritePending(path, []string{"# head"}, ids, reasons); err != nil {
		t.Fatal(err)
	}
	p, err := ReadPending(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(p.Order, " ") != strings.Join(ids, " ") || p.Reasons["a.sql:2"] != "apiary failed with 0A000: x y" || len(p.Header) != 1 {
		t.Errorf("read back %+v", p)
	}
	if pendingFile("load:types") != "load" || pendingFile("a.sql:2") != "a.sql" {
		t.Error("pendingFile")
	}
}
