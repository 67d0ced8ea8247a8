package exec

import (
	"bytes"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// Columns declared numeric(19..38, s) store their values exactly; the
// expected answers are PostgreSQL 15's.
func TestWideNumericColumns(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE w (k int, a numeric(38,10), b numeric(25,0), c decimal(20,2))`)
	mustRun(t, s, `INSERT INTO w VALUES (1, 1234567890123456789012345678.1234567891, 1234567890123456789012345, 123456789012345678.125),
		(2, -0.00000000005, -9999999999999999999999999, -0.005), (1, 1.5, 2.5, 3), (2, NULL, NULL, NULL)`)
	for _, c := range []struct{ sql, want string }{
		{`SELECT * FROM w ORDER BY k, a`,
			"1|1.5000000000|3|3.00\n" +
				"1|1234567890123456789012345678.1234567891|1234567890123456789012345|123456789012345678.13\n" +
				"2|-0.0000000001|-9999999999999999999999999|-0.01\n" +
				"2|NULL|NULL|NULL"},
		{`SELECT k, sum(a), avg(a), sum(b), avg(b), min(c), max(c), count(*) FROM w GROUP BY k ORDER BY k`,
			"1|1234567890123456789012345679.6234567891|617283945061728394506172839.8117283946|1234567890123456789012348|617283945061728394506174|3.00|123456789012345678.13|2\n" +
				"2|-0.0000000001|-0.0000000001000000000000000000|-9999999999999999999999999|-9999999999999999999999999|-0.01|-0.01|2"},
		{`SELECT a * 2, b / 3, c + 1 FROM w WHERE c > 1 ORDER BY c`,
			"3.0000000000|1.00000000000000000000|4.00\n" +
				"2469135780246913578024691356.2469135782|411522630041152263004115|123456789012345679.13"},
		{`SELECT c FROM w WHERE c > 123456789012345678.12`, "123456789012345678.13"},
		// A narrow numeric meets the column by value.
		{`SELECT count(*) FROM w WHERE c = 3.0::numeric(5,1)`, "1"},
		{`SELECT b FROM w GROUP BY b ORDER BY b`, "-9999999999999999999999999\n3\n1234567890123456789012345\nNULL"},
		{`SELECT '12.345'::numeric(20,2), (-12.345)::numeric(20,2), 5::numeric(19,18), 123456789012345678901::numeric(21,0)`,
			"12.35|-12.35|5.000000000000000000|123456789012345678901"},
		{`SELECT format_type(atttypid, atttypmod), atttypmod FROM pg_attribute WHERE attrelid = 'w'::regclass AND attnum > 0 ORDER BY attnum`,
			"integer|-1\nnumeric(38,10)|2490382\nnumeric(25,0)|1638404\nnumeric(20,2)|1310726"},
	} {
		if got := joinRows(mustRun(t, s, c.sql)); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.sql, got, c.want)
		}
	}

	for _, c := range []struct{ sql, detail string }{
		{`INSERT INTO w (c) VALUES (1234567890123456789.5)`, "A field with precision 20, scale 2 must round to an absolute value less than 10^18."},
		{`INSERT INTO w (c) VALUES (999999999999999999.995)`, "A field with precision 20, scale 2 must round to an absolute value less than 10^18."},
		{`INSERT INTO w (a) SELECT 1e28`, "A field with precision 38, scale 10 must round to an absolute value less than 10^28."},
		{`SELECT 12::numeric(19,18)`, "A field with precision 19, scale 18 must round to an absolute value less than 10^1."},
	} {
		_, _, err := run(t, s, c.sql)
		f := sqlerr.Flatten(err)
		if err == nil || f.Code != sqlerr.NumericValueOutOfRange || f.Message != "numeric field overflow" || f.Detail != c.detail {
			t.Errorf("%s: %v (detail %q), want 22003 with %q", c.sql, err, f.Detail, c.detail)
		}
	}
	_, _, err := run(t, s, `CREATE TABLE too_wide (x numeric(39,2))`)
	if f := sqlerr.Flatten(err); err == nil || f.Code != sqlerr.FeatureNotSupported || !strings.Contains(f.Message, "38") {
		t.Errorf("numeric(39,2): %v, want 0A000 naming 38", err)
	}

	// CREATE TABLE AS keeps the declared types.
	mustRun(t, s, `CREATE TABLE w2 AS SELECT a, b FROM w`)
	if got := joinRows(mustRun(t, s, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'w2'::regclass AND attnum > 0 ORDER BY attnum`)); got != "numeric(38,10)\nnumeric(25,0)" {
		t.Errorf("CREATE TABLE AS types: %q", got)
	}
	if got, want := sortedRows(mustRun(t, s, `SELECT * FROM w2`)), sortedRows(mustRun(t, s, `SELECT a, b FROM w`)); got != want {
		t.Errorf("CREATE TABLE AS rows:\n%s\nwant\n%s", got, want)
	}

	// Computed numerics past 18 digits are stored as numeric(38, their
	// nominal scale): a bigint sum beyond int64 and an average fit.
	mustRun(t, s, `CREATE TABLE big (i bigint)`)
	mustRun(t, s, `INSERT INTO big VALUES (9223372036854775807), (9223372036854775807), (1)`)
	mustRun(t, s, `CREATE TABLE sums AS SELECT sum(i) s, avg(i) a FROM big`)
	if got := joinRows(mustRun(t, s, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'sums'::regclass AND attnum > 0 ORDER BY attnum`)); got != "numeric(38,0)\nnumeric(38,16)" {
		t.Errorf("CREATE TABLE AS of a sum and an avg: types %q", got)
	}
	if got := joinRows(mustRun(t, s, `SELECT s, a FROM sums`)); got != "18446744073709551615|6148914691236517205.0000000000000000" {
		t.Errorf("CREATE TABLE AS of a sum and an avg: %q", got)
	}
}

// COPY round-trips wide values in text and csv, and exports them as
// Arrow Decimal128(p, s).
func TestWideNumericCopy(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE src (a numeric(38,10), b numeric(25,0))`)
	mustCopy(t, s, "COPY src FROM STDIN", "1234567890123456789012345678.12345678905\t-1234567890123456789012345\n\\N\t7\n-0.5\t0\n")
	want := "-0.5000000000|0\n1234567890123456789012345678.1234567891|-1234567890123456789012345\nNULL|7"
	if got := sortedRows(mustRun(t, s, `SELECT * FROM src`)); got != want {
		t.Fatalf("after COPY FROM:\n%s\nwant\n%s", got, want)
	}
	wantCopyError(t, s, "COPY src FROM STDIN", "12345678901234567890123456789\t1\n", sqlerr.NumericValueOutOfRange, "")

	for _, format := range []string{"text", "csv"} {
		out, _ := mustCopy(t, s, "COPY src TO STDOUT (FORMAT "+format+")", "")
		mustRun(t, s, `CREATE TABLE dst (a numeric(38,10), b numeric(25,0))`)
		mustCopy(t, s, "COPY dst FROM STDIN (FORMAT "+format+")", out)
		if got := sortedRows(mustRun(t, s, `SELECT * FROM dst`)); got != want {
			t.Errorf("%s round trip:\n%s\nwant\n%s", format, got, want)
		}
		mustRun(t, s, `DROP TABLE dst`)
	}

	_, chunks := arrowCopy(t, s, `COPY src TO STDOUT (FORMAT arrow)`)
	schema, recs := readArrowStream(t, bytes.Join(chunks, nil))
	for i, w := range []arrow.Decimal128Type{{Precision: 38, Scale: 10}, {Precision: 25, Scale: 0}} {
		dt, ok := schema.Field(i).Type.(*arrow.Decimal128Type)
		if !ok || *dt != w {
			t.Errorf("arrow column %d: %s, want %s", i, schema.Field(i).Type, &w)
		}
	}
	if got := sortedRows(arrowRowsAsText(t, recs)); got != want {
		t.Errorf("arrow export:\n%s\nwant\n%s", got, want)
	}
}

// A computed numeric leaves as Arrow's Decimal128(38, its nominal scale):
// a value whose integer digits leave no room for that scale is 22003
// naming the column and the Arrow type, with the field's limits in the
// detail, not an internal conversion failure.
func TestArrowExportNumericOverflow(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const q = `COPY (SELECT x / 1 AS q FROM (VALUES (99999999999999999999999999999999999999::numeric)) v(x)) TO STDOUT (FORMAT arrow)`
	_, _, err := tryArrowCopy(s, q)
	if err == nil {
		t.Fatalf("%s: succeeded, want 22003", q)
	}
	e := sqlerr.Flatten(err)
	if e.Code != sqlerr.NumericValueOutOfRange || !strings.Contains(e.Message, `column "q"`) || !strings.Contains(e.Message, "decimal128(38, 16)") ||
		!strings.Contains(e.Detail, "precision 38, scale 16") {
		t.Errorf("%s:\n got %s %q (detail %q)\nwant 22003 naming column \"q\" and decimal128(38, 16), detail naming precision 38, scale 16", q, e.Code, e.Message, e.Detail)
	}
}
