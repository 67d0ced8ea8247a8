package exec

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// arrowCopy runs one COPY ... (FORMAT arrow) and returns its tag and the
// CopyData pieces it produced.
func arrowCopy(t *testing.T, s *Session, sql string) (string, [][]byte) {
	t.Helper()
	tag, chunks, err := tryArrowCopy(s, sql)
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return tag, chunks
}

func tryArrowCopy(s *Session, sql string) (tag string, chunks [][]byte, err error) {
	ctx := context.Background()
	err = s.ExecSimple(ctx, sql, func(r Result) error {
		if r.CopyOut == nil {
			return fmt.Errorf("result %q is not a COPY TO", r.Tag)
		}
		if !r.CopyOut.Binary {
			return fmt.Errorf("FORMAT arrow is not marked binary")
		}
		var err error
		tag, err = r.CopyOut.Run(ctx, time.UTC, func(p []byte) error {
			chunks = append(chunks, bytes.Clone(p))
			return nil
		})
		return err
	})
	return tag, chunks, err
}

// readArrowStream decodes an IPC stream into its schema and records.
func readArrowStream(t *testing.T, stream []byte) (*arrow.Schema, []arrow.RecordBatch) {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(stream), ipc.WithAllocator(memory.NewGoAllocator()))
	if err != nil {
		t.Fatalf("open arrow stream: %v", err)
	}
	defer r.Release()
	var recs []arrow.RecordBatch
	for r.Next() {
		rec := r.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := r.Err(); err != nil {
		t.Fatalf("read arrow stream: %v", err)
	}
	return r.Schema(), recs
}

// arrowRowsAsText prints the records' values as the text protocol would,
// NULL as "NULL", through the types recorded in the schema.
func arrowRowsAsText(t *testing.T, recs []arrow.RecordBatch) [][]string {
	t.Helper()
	var rows [][]string
	for _, rec := range recs {
		b, _, err := vec.RecordToBatch(rec)
		if err != nil {
			t.Fatal(err)
		}
		for r := 0; r < b.Len; r++ {
			var row []string
			for _, c := range b.Cols {
				if c.Nulls.IsNull(r) {
					row = append(row, "NULL")
					continue
				}
				row = append(row, string(vec.AppendText(nil, c, r, time.UTC)))
			}
			rows = append(rows, row)
		}
	}
	return rows
}

func TestCopyToArrowEveryType(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE every (id int NOT NULL, b bool, i2 smallint, i8 bigint, f4 real, f8 double precision,
		n numeric(10,2), nu numeric, t text, vc varchar(5), ch char(3), by bytea, d date, ts timestamp, tz timestamptz, iv interval)`)
	mustRun(t, s, `INSERT INTO every VALUES
		(1, true, -32768, 9223372036854775807, 1.5, -2.25e300, -12345678.91, 3.141593, 'żółw', 'abc', 'x', '\x00ff', '2024-02-29',
		 '1969-12-31 23:59:59.999999', '2000-01-01 00:00:00+00', '1 year 2 mons -3 days 04:05:06.789'),
		(2, false, 0, -1, 'NaN', 'Infinity', 0, -0.5, '', '', '', '', '0001-01-01', '2262-04-11 23:47:16', '1970-01-01 00:00:01+05:30', '-1 day'),
		(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`)
	const query = "SELECT * FROM every ORDER BY id"
	want := mustRun(t, s, query)

	tag, chunks := arrowCopy(t, s, "COPY ("+query+") TO STDOUT (FORMAT arrow)")
	if tag != "COPY 3" {
		t.Fatalf("tag %q", tag)
	}
	schema, recs := readArrowStream(t, bytes.Join(chunks, nil))
	if got := joinRows(arrowRowsAsText(t, recs)); got != joinRows(want) {
		t.Fatalf("arrow values:\n%s\ntext protocol:\n%s", got, joinRows(want))
	}

	// The Arrow types are the documented ones (docs/clients.md), so a
	// reader without Apiary's metadata gets the right values too.
	wantTypes := map[string]string{
		"id": "int32", "b": "bool", "i2": "int16", "i8": "int64", "f4": "float32", "f8": "float64",
		"n": "decimal(10, 2)", "nu": "decimal(18, 6)", "t": "utf8", "vc": "utf8", "ch": "utf8", "by": "binary",
		"d": "date32", "ts": "timestamp[us]", "tz": "timestamp[us, tz=UTC]", "iv": "month_day_nano_interval",
	}
	for _, f := range schema.Fields() {
		if got := f.Type.String(); got != wantTypes[f.Name] {
			t.Errorf("column %s: arrow type %s, want %s", f.Name, got, wantTypes[f.Name])
		}
		if !f.Nullable {
			t.Errorf("column %s is not nullable", f.Name)
		}
	}
	rec := recs[0]
	col := func(name string) arrow.Array {
		idx := schema.FieldIndices(name)
		return rec.Column(idx[0])
	}
	if v := col("d").(*array.Date32).Value(0); v != 19782 {
		t.Errorf("date32 of 2024-02-29 = %d, want 19782 days since 1970", v)
	}
	if v := col("ts").(*array.Timestamp).Value(0); v != -1 {
		t.Errorf("timestamp 1969-12-31 23:59:59.999999 = %d µs, want -1", v)
	}
	if v := col("tz").(*array.Timestamp).Value(1); v != (1-5*3600-30*60)*1_000_000 {
		t.Errorf("timestamptz 1970-01-01 00:00:01+05:30 = %d", v)
	}
	if v := col("n").(*array.Decimal128).Value(0); v != decimal128.FromI64(-1234567891) {
		t.Errorf("numeric -12345678.91 as decimal128 = %v", v)
	}
	if v := col("iv").(*array.MonthDayNanoInterval).Value(0); v != (arrow.MonthDayNanoInterval{Months: 14, Days: -3, Nanoseconds: 14706789000000}) {
		t.Errorf("interval = %+v", v)
	}
	if v := col("by").(*array.Binary).Value(0); !bytes.Equal(v, []byte{0, 255}) {
		t.Errorf("bytea = %x", v)
	}
	if v := col("ch").(*array.String).Value(0); v != "x  " {
		t.Errorf("char(3) = %q, want blank-padded as in the text protocol", v)
	}
	for i := 1; i < int(rec.NumCols()); i++ {
		if !rec.Column(i).IsNull(2) {
			t.Errorf("column %s row 3 is not NULL", schema.Field(i).Name)
		}
	}
}

func TestCopyToArrowFrameFormAndEmpty(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, `CREATE TABLE "Mixed" (id int, "Name" text, amount numeric(8,3))`)

	// An empty result is a schema and the end-of-stream marker.
	tag, chunks := arrowCopy(t, s, `COPY "Mixed" ("Name", id) TO STDOUT (FORMAT arrow)`)
	if tag != "COPY 0" {
		t.Fatalf("tag %q", tag)
	}
	schema, recs := readArrowStream(t, bytes.Join(chunks, nil))
	if len(recs) != 0 || schema.NumFields() != 2 || schema.Field(0).Name != "Name" || schema.Field(1).Name != "id" {
		t.Fatalf("empty copy: schema %v, %d records", schema, len(recs))
	}
	stream := bytes.Join(chunks, nil)
	if !bytes.HasSuffix(stream, []byte{0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0}) {
		t.Fatalf("stream does not end with the end-of-stream marker: % x", stream[max(0, len(stream)-8):])
	}

	mustRun(t, s, `INSERT INTO "Mixed" VALUES (1, 'a', 1.5), (2, NULL, NULL), (3, 'c', -0.001)`)
	tag, chunks = arrowCopy(t, s, `COPY "Mixed" TO STDOUT WITH (FORMAT 'arrow')`)
	if tag != "COPY 3" {
		t.Fatalf("tag %q", tag)
	}
	_, recs = readArrowStream(t, bytes.Join(chunks, nil))
	got := sortedRows(arrowRowsAsText(t, recs))
	if want := sortedRows(mustRun(t, s, `SELECT * FROM "Mixed"`)); got != want {
		t.Fatalf("frame copy:\n%s\nwant:\n%s", got, want)
	}
}

func TestCopyToArrowStreamsManyBatches(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE big (id int NOT NULL, label text, x double precision)")
	var in strings.Builder
	const rows = 50_000
	for i := range rows {
		fmt.Fprintf(&in, "%d\tlabel number %d with some padding to make the stream large\t%d.25\n", i, i, i)
	}
	mustCopy(t, s, "COPY big FROM STDIN", in.String())

	// A filter leaves selection vectors in the batches, the gathering path.
	tag, chunks := arrowCopy(t, s, "COPY (SELECT id, label, x FROM big WHERE id % 3 <> 0) TO STDOUT (FORMAT arrow)")
	want := rows - (rows+2)/3
	if tag != fmt.Sprintf("COPY %d", want) {
		t.Fatalf("tag %q, want COPY %d", tag, want)
	}
	if len(chunks) < 10 {
		t.Fatalf("%d CopyData pieces for %d rows: the stream was not cut", len(chunks), want)
	}
	for i, c := range chunks {
		if len(c) == 0 || len(c) > arrowChunkSize {
			t.Fatalf("piece %d has %d bytes (limit %d)", i, len(c), arrowChunkSize)
		}
	}
	_, recs := readArrowStream(t, bytes.Join(chunks, nil))
	if len(recs) < 2 {
		t.Fatalf("%d records: the result was not streamed batch by batch", len(recs))
	}
	seen := make([]bool, rows)
	total := 0
	for _, rec := range recs {
		ids := rec.Column(0).(*array.Int32)
		labels := rec.Column(1).(*array.String)
		xs := rec.Column(2).(*array.Float64)
		for i := 0; i < ids.Len(); i++ {
			id := int(ids.Value(i))
			if id%3 == 0 || seen[id] {
				t.Fatalf("row id %d should not be there (or twice)", id)
			}
			seen[id] = true
			if labels.Value(i) != fmt.Sprintf("label number %d with some padding to make the stream large", id) || xs.Value(i) != float64(id)+0.25 {
				t.Fatalf("row %d: %q %v", id, labels.Value(i), xs.Value(i))
			}
			total++
		}
	}
	if total != want {
		t.Fatalf("%d rows decoded, want %d", total, want)
	}
}

func TestCopyArrowErrors(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int)")
	for sql, code := range map[string]sqlerr.Code{
		"COPY t FROM STDIN (FORMAT arrow)":                   sqlerr.FeatureNotSupported,
		"COPY t TO STDOUT (FORMAT arrow, DELIMITER ',')":     sqlerr.SyntaxError,
		"COPY t TO STDOUT (FORMAT arrow, HEADER)":            sqlerr.SyntaxError,
		"COPY t TO STDOUT (FORMAT arrow, NULL 'x')":          sqlerr.SyntaxError,
		"COPY t TO STDOUT (FORMAT arrow, FORCE_QUOTE *)":     sqlerr.FeatureNotSupported,
		"COPY t TO '/tmp/apiary-never.arrow' (FORMAT arrow)": sqlerr.FeatureNotSupported,
		"COPY (SELECT nope FROM t) TO STDOUT (FORMAT arrow)": sqlerr.UndefinedColumn,
	} {
		_, _, err := tryArrowCopy(s, sql)
		if got := sqlerr.CodeOf(err); got != code {
			t.Errorf("%s: SQLSTATE %s (%v), want %s", sql, got, err, code)
		}
	}
	// An interval beyond Arrow's int64 nanoseconds (about 292 years of
	// hours) fails the stream rather than wrapping around.
	_, _, err := tryArrowCopy(s, "COPY (SELECT interval '3000000 hours') TO STDOUT (FORMAT arrow)")
	if got := sqlerr.CodeOf(err); got != sqlerr.DatetimeFieldOverflow {
		t.Errorf("huge interval: SQLSTATE %s (%v), want 22008", got, err)
	}
}

// A client that goes away mid-stream stops the COPY with its own error.
func TestCopyToArrowClientError(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE t (a int, b text)")
	var in strings.Builder
	for i := range 20_000 {
		fmt.Fprintf(&in, "%d\t%s\n", i, strings.Repeat("y", 20))
	}
	mustCopy(t, s, "COPY t FROM STDIN", in.String())
	gone := fmt.Errorf("client went away")
	ctx := context.Background()
	calls := 0
	err := s.ExecSimple(ctx, "COPY t TO STDOUT (FORMAT arrow)", func(r Result) error {
		_, err := r.CopyOut.Run(ctx, time.UTC, func([]byte) error {
			calls++
			if calls == 2 {
				return gone
			}
			return nil
		})
		return err
	})
	if err != gone {
		t.Fatalf("error %v, want the client's own", err)
	}
	if calls != 2 {
		t.Fatalf("%d pieces sent after the client failed", calls-2)
	}
	// The session is fine afterwards.
	if rows := mustRun(t, s, "SELECT count(*) FROM t"); rows[0][0] != "20000" {
		t.Fatalf("count %v", rows)
	}
}

// Arrays become Arrow lists of their element type, and oid uint32
// (vec/arrow.go).
func TestCopyToArrowArraysAndOids(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	const query = "SELECT ARRAY[1, 2, NULL]::int[] AS a, 1259::oid AS o, ARRAY['x', 'y'] AS t, NULL::int[] AS n"
	want := mustRun(t, s, query)
	tag, chunks := arrowCopy(t, s, "COPY ("+query+") TO STDOUT (FORMAT arrow)")
	if tag != "COPY 1" {
		t.Fatalf("tag %q", tag)
	}
	schema, recs := readArrowStream(t, bytes.Join(chunks, nil))
	var types []string
	for _, f := range schema.Fields() {
		types = append(types, f.Type.String())
	}
	if got := strings.Join(types, ", "); got != "list<item: int32, nullable>, uint32, list<item: utf8, nullable>, list<item: int32, nullable>" {
		t.Fatalf("arrow types %s", got)
	}
	if got := joinRows(arrowRowsAsText(t, recs)); got != joinRows(want) {
		t.Fatalf("arrow values %s, text protocol %s", got, joinRows(want))
	}
	list := recs[0].Column(0).(*array.List)
	start, end := list.ValueOffsets(0)
	elems := list.ListValues().(*array.Int32)
	if end-start != 3 || elems.Value(int(start)) != 1 || !elems.IsNull(int(start)+2) {
		t.Fatalf("int[] as arrow list: %v", list)
	}
}
