package cell

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// TestReadByArrowGo checks that arrow-go's Parquet reader reads our cells
// with the same values (every type but interval, which other readers see as
// 16 opaque bytes).
// readArrowGo reads the Parquet file data whole with arrow-go.
func readArrowGo(t *testing.T, data []byte) arrow.Table {
	t.Helper()
	rdr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

func TestReadByArrowGo(t *testing.T) {
	ctx := context.Background()
	cols := allTypesSchema[:len(allTypesSchema)-1]
	s := mustSchema(t, cols, nil)
	st := objstore.NewMem()
	w, _ := NewWriter(st, "a", s, WriterOptions{TxnID: "x", RowGroupRows: 900})
	b := makeBatch(s, 0, 3000)
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := st.Get(ctx, "a/"+adds[0].Path)
	tbl := readArrowGo(t, data)
	defer tbl.Release()
	if tbl.NumRows() != 3000 || tbl.NumCols() != int64(len(cols)) {
		t.Fatalf("arrow table %dx%d", tbl.NumRows(), tbl.NumCols())
	}
	for c := range cols {
		if got := tbl.Schema().Field(c).Name; got != cols[c].Name {
			t.Fatalf("column %d is %q, want %q (order kept)", c, got, cols[c].Name)
		}
		chunks := tbl.Column(c).Data().Chunks()
		row := 0
		for _, arr := range chunks {
			// Convert with vec's own Arrow import, except where Parquet
			// logical types map to a different Arrow type.
			want := b.Cols[c]
			for i := 0; i < arr.Len(); i++ {
				r := row + i
				if arr.IsNull(i) != want.Nulls.IsNull(r) {
					t.Fatalf("%s row %d: null mismatch", cols[c].Name, r)
				}
				if arr.IsNull(i) {
					continue
				}
				var got any
				switch a := arr.(type) {
				case *array.Boolean:
					got = a.Value(i)
				case *array.Int16:
					got = a.Value(i)
				case *array.Int32:
					got = a.Value(i)
				case *array.Int64:
					got = a.Value(i)
				case *array.Float32:
					got = math.Float32bits(a.Value(i))
				case *array.Float64:
					got = math.Float64bits(a.Value(i))
				case *array.Decimal128:
					got = int64(a.Value(i).LowBits())
				case *array.String:
					got = a.Value(i)
				case *array.Binary:
					got = string(a.Value(i))
				case *array.Date32:
					got = int32(a.Value(i))
				case *array.Timestamp:
					got = int64(a.Value(i))
					tt := a.DataType().(*arrow.TimestampType)
					if tt.Unit != arrow.Microsecond || (tt.TimeZone != "") != (want.Type.Kind == vec.KindTimestampTZ) {
						t.Fatalf("%s: arrow type %s", cols[c].Name, tt)
					}
				default:
					t.Fatalf("%s: unexpected arrow array %T", cols[c].Name, arr)
				}
				if w := rowValue(want, r); got != w {
					t.Fatalf("%s row %d: arrow-go read %v, wrote %v", cols[c].Name, r, got, w)
				}
			}
			row += arr.Len()
		}
	}
}

// TestReadArrowGoV1Pages is the regression test behind pinning parquet-go
// v0.25.1: arrow-go writes optional columns with data page v1 pages of far
// more than 4096 values (as DuckDB does), which v0.27-v0.32 fail to decode.
// It also covers dictionary pages, LZ4_RAW, and type mapping of foreign
// files (no Apiary metadata).
func TestReadArrowGoV1Pages(t *testing.T) {
	ctx := context.Background()
	const rows = 50_000
	mem := memory.DefaultAllocator
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "req", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
	}, nil)
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	words := []string{"alpha", "beta", "gamma", "", "żółw"}
	for r := 0; r < rows; r++ {
		null := r%13 == 0
		for c, fb := range rb.Fields() {
			if null && c != 8 {
				fb.AppendNull()
				continue
			}
			switch f := fb.(type) {
			case *array.Int64Builder:
				f.Append(int64(r)*1_000_003 - 7)
			case *array.Int32Builder:
				f.Append(int32(r) - 25_000)
			case *array.Float64Builder:
				f.Append(float64(r) / 3)
			case *array.StringBuilder:
				f.Append(words[r%len(words)])
			case *array.Date32Builder:
				f.Append(arrow.Date32(r % 20000))
			case *array.TimestampBuilder:
				f.Append(arrow.Timestamp(int64(r) * 1_000_001))
			case *array.BooleanBuilder:
				f.Append(r%3 == 0)
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	data := writeArrowGo(t, rec,
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithDataPageSize(64<<20), // one page per column chunk: ≥ 4096 values
		parquet.WithCompression(compress.Codecs.Lz4Raw),
		parquet.WithMaxRowGroupLength(30_000),
	)
	if os.Getenv("APIARY_KEEP_INTEROP") != "" {
		_ = os.WriteFile(filepath.Join(os.TempDir(), "arrow_v1.parquet"), data, 0o644)
	}
	st := objstore.NewMem()
	if err := st.Put(ctx, "ext/arrow.parquet", data); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, st, "ext/arrow.parquet", int64(len(data)), OpenOptions{WholeReadBytes: -1})
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []vec.Type{vec.Int64, vec.Int32, vec.Float64, vec.Text, vec.Date, vec.TimestampTZ, vec.Timestamp, vec.Bool, vec.Int64}
	if got := c.Schema().Types(); len(got) != len(wantTypes) {
		t.Fatalf("types %v", got)
	} else {
		for i := range got {
			if got[i] != wantTypes[i] {
				t.Fatalf("column %d type %v, want %v", i, got[i], wantTypes[i])
			}
		}
	}
	if c.NumRowGroups() != 2 {
		t.Fatalf("%d row groups", c.NumRowGroups())
	}
	all := []int{0, 1, 2, 3, 4, 5, 6, 7, 8}
	row := 0
	err = c.Scan(ctx, all, nil, 2048, func(b *vec.Batch) error {
		for i := 0; i < b.Len; i++ {
			r := row + i
			for ci, arr := range rec.Columns() {
				v := b.Cols[ci]
				if v.Nulls.IsNull(i) != arr.IsNull(r) {
					t.Fatalf("col %d row %d: null mismatch", ci, r)
				}
				if arr.IsNull(r) {
					continue
				}
				var want, got any
				switch a := arr.(type) {
				case *array.Int64:
					want, got = a.Value(r), v.Int64s()[i]
				case *array.Int32:
					want, got = a.Value(r), v.Int32s()[i]
				case *array.Float64:
					want, got = a.Value(r), v.Float64s()[i]
				case *array.String:
					want, got = a.Value(r), string(v.Bytes().Get(i))
				case *array.Date32:
					want, got = int32(a.Value(r)), v.Int32s()[i]
				case *array.Timestamp:
					want = int64(a.Value(r))
					if a.DataType().(*arrow.TimestampType).Unit == arrow.Millisecond {
						want = int64(a.Value(r)) * 1000
					}
					got = v.Int64s()[i]
				case *array.Boolean:
					want, got = a.Value(r), v.Bools()[i]
				}
				if want != got {
					t.Fatalf("col %d row %d: read %v, arrow-go wrote %v", ci, r, got, want)
				}
			}
		}
		row += b.Len
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if row != rows {
		t.Fatalf("read %d rows", row)
	}
	// Foreign statistics: integers prune, floats never do.
	b := c.RowGroupBounds(0)
	if cb := b.Columns["req"]; !cb.HasMin || cb.Min.I != -7 || cb.NullCount != 0 {
		t.Fatalf("req bounds %+v", cb)
	}
	if cb := b.Columns["f64"]; cb.HasMin || cb.HasMax {
		t.Fatalf("float bounds trusted: %+v", cb)
	}
	s2, _ := NewSchema([]txn.Column{{Name: "req", Type: "int8"}}, nil)
	if MayMatch(s2, b, []Range{{Column: "req", Op: Gt, Value: Int(math.MaxInt64 - 1)}}) {
		t.Fatal("row group not pruned by foreign int stats")
	}
}
