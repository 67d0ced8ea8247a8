package exec

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// foreignParquet writes rows [lo, hi) as a Parquet file the way other
// tools do (arrow-go: no Apiary metadata, Parquet types only).
func foreignParquet(t *testing.T, lo, hi int) []byte {
	t.Helper()
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "ID", Type: arrow.PrimitiveTypes.Int32, Nullable: false},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "amount", Type: &arrow.Decimal128Type{Precision: 12, Scale: 3}, Nullable: true},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "score", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "unused", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	for r := lo; r < hi; r++ {
		rb.Field(0).(*array.Int32Builder).Append(int32(r))
		if r%10 == 0 {
			rb.Field(1).AppendNull()
		} else {
			rb.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", r))
		}
		rb.Field(2).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(r)*1000 + 125))
		rb.Field(3).(*array.Date32Builder).Append(arrow.Date32(19000 + r%100))
		rb.Field(4).(*array.Float32Builder).Append(float32(r) / 4)
		rb.Field(5).(*array.Int64Builder).Append(int64(r))
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy), parquet.WithMaxRowGroupLength(700))
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(schema, &buf, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// memURL returns a fresh mem:// store name for files to load.
func memURL(t *testing.T) (string, objstore.Store) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	u := "mem://loadtest-" + hex.EncodeToString(b)
	st, err := objstore.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	return u, st
}

func TestCopyFromParquet(t *testing.T) {
	ctx := context.Background()
	u, src := memURL(t)
	if err := src.Put(ctx, "in/a.parquet", foreignParquet(t, 0, 1500)); err != nil {
		t.Fatal(err)
	}
	if err := src.Put(ctx, "in/b.parquet", foreignParquet(t, 1500, 2000)); err != nil {
		t.Fatal(err)
	}
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE f (id bigint NOT NULL, name varchar(10), amount numeric(10,2), day date, score double precision)")
	tags, _, _, err := copyRun(t, s, "COPY f FROM '"+u+"/in/*.parquet'", "")
	if err != nil || tags[0] != "COPY 2000" {
		t.Fatalf("tags %v err %v", tags, err)
	}
	rows := mustRun(t, s, "SELECT * FROM f")
	seen := map[string][]string{}
	for _, r := range rows {
		seen[r[0]] = r
	}
	// Conversions: int32 → bigint, decimal(12,3) → numeric(10,2) (rounded
	// as PostgreSQL rounds), date, float4 → float8; column names match
	// case-insensitively (ID → id); the file's extra column is ignored.
	if got := strings.Join(seen["1234"], "|"); got != "1234|n1234|1234.13|2022-02-11|308.5" {
		t.Fatalf("row 1234: %s", got)
	}
	if got := seen["10"][1]; got != "NULL" {
		t.Fatalf("row 10 name %q", got)
	}
	if len(rows) != 2000 {
		t.Fatalf("%d rows", len(rows))
	}
	// A frame column the file lacks, and a value the frame cannot hold.
	mustRun(t, s, "CREATE TABLE g (id bigint, missing text)")
	wantCopyError(t, s, "COPY g FROM '"+u+"/in/a.parquet'", "", sqlerr.UndefinedColumn, "")
	mustCopy(t, s, "COPY g (id) FROM '"+u+"/in/a.parquet'", "")
	mustRun(t, s, "CREATE TABLE h (id int, name varchar(3))")
	wantCopyError(t, s, "COPY h FROM '"+u+"/in/b.parquet' (FORMAT parquet)", "", sqlerr.StringDataRightTruncation,
		fmt.Sprintf(`COPY h, file "%s/in/b.parquet", row 2, column name: "n1501"`, u))
	if n := len(mustRun(t, s, "SELECT * FROM h")); n != 0 {
		t.Fatalf("%d rows after a failed COPY", n)
	}
	wantCopyError(t, s, "COPY h FROM '"+u+"/in/a.parquet' (FORMAT parquet, HEADER)", "", sqlerr.SyntaxError, "")
}

func TestLoadCreates(t *testing.T) {
	ctx := context.Background()
	u, src := memURL(t)
	if err := src.Put(ctx, "p/x.parquet", foreignParquet(t, 0, 100)); err != nil {
		t.Fatal(err)
	}
	s := testSession(t, objstore.NewMem())
	var last LoadProgress
	res, err := s.Load(ctx, LoadRequest{Frame: "fromparquet", Sources: []string{u + "/p/x.parquet"}, Create: true,
		Progress: func(p LoadProgress) { last = p }})
	if err != nil || res.Rows != 100 || !res.Created {
		t.Fatalf("load: %+v %v", res, err)
	}
	if last.Rows != 100 || last.Bytes != last.TotalBytes || last.FilesDone != 1 {
		t.Fatalf("final progress %+v", last)
	}
	got := joinRows(mustRun(t, s, "DESCRIBE fromparquet"))
	for _, want := range []string{"ID|integer|NO", "amount|numeric(12,3)|YES", "day|date", "score|real"} {
		if !strings.Contains(got, want) {
			t.Fatalf("DESCRIBE lacks %q:\n%s", want, got)
		}
	}
	csv := "id,price,flag,day,at,name\n1,1.5,true,2024-01-02,2024-01-02 03:04:05,a\n2,-20.25,false,2024-02-03,2024-01-02 03:04:05.5,\n3,,t,,,c\n"
	res, err = s.Load(ctx, LoadRequest{Frame: "public.fromcsv", Sources: []string{"-"}, Stdin: strings.NewReader(csv),
		Format: "csv", Header: true, Create: true, PartitionBy: []string{"flag"}})
	if err != nil || res.Rows != 3 {
		t.Fatalf("load csv: %+v %v", res, err)
	}
	got = joinRows(mustRun(t, s, "DESCRIBE fromcsv"))
	for _, want := range []string{"id|bigint", "price|numeric(18,2)", "flag|boolean|YES|YES", "day|date", "at|timestamp without time zone", "name|text"} {
		if !strings.Contains(got, want) {
			t.Fatalf("DESCRIBE lacks %q:\n%s", want, got)
		}
	}
	if got := sortedRows(mustRun(t, s, "SELECT id, price, name FROM fromcsv")); got != "1|1.50|a\n2|-20.25|NULL\n3|NULL|c" {
		t.Fatalf("rows:\n%s", got)
	}
	// An existing frame is loaded into, not re-created; a failed load
	// creates nothing.
	res, err = s.Load(ctx, LoadRequest{Frame: "fromcsv", Sources: []string{"-"}, Stdin: strings.NewReader(csv), Format: "csv", Header: true, Create: true})
	if err != nil || res.Created || res.Rows != 3 {
		t.Fatalf("second load: %+v %v", res, err)
	}
	_, err = s.Load(ctx, LoadRequest{Frame: "broken", Sources: []string{"-"}, Stdin: strings.NewReader("a,b\n1,2\n3\n"), Format: "csv", Header: true, Create: true})
	if sqlerr.CodeOf(err) != sqlerr.BadCopyFileFormat {
		t.Fatalf("broken load: %v", err)
	}
	wantCode(t, s, "SELECT * FROM broken", sqlerr.UndefinedTable)
}
