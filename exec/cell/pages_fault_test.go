package cell

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// arrowGoFile writes rows of a few nullable columns with arrow-go, which
// writes pages differently from parquet-go (page versions, boolean and
// level encodings, dictionary fallback).
func arrowGoFile(t *testing.T, rows int, props ...parquet.WriterProperty) []byte {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "u", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ms", Type: &arrow.TimestampType{Unit: arrow.Millisecond}, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "req", Type: arrow.PrimitiveTypes.Int64},
	}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	words := []string{"alpha", "beta", "", "żółw"}
	for r := 0; r < rows; r++ {
		null := r%13 == 0 || r/1000%5 == 3 // scattered NULLs and whole pages of them
		for c, fb := range rb.Fields() {
			if null && c != 7 {
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
				if c == 3 {
					f.Append(words[r%len(words)])
				} else {
					f.Append(strings.Repeat("u", r%17) + string(rune('a'+r%26)))
				}
			case *array.TimestampBuilder:
				f.Append(arrow.Timestamp(int64(r)*1_000_001 - 5))
			case *array.BooleanBuilder:
				f.Append(r%3 == 0)
			}
		}
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	return writeArrowGo(t, rec, props...)
}

// writeArrowGo writes rec as a Parquet file with arrow-go.
func writeArrowGo(t *testing.T, rec arrow.RecordBatch, props ...parquet.WriterProperty) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := pqarrow.NewFileWriter(rec.Schema(), &buf, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
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

func sumTally(m map[string]int) int {
	n := 0
	for _, k := range m {
		n += k
	}
	return n
}

// TestFastPagesForeignFiles reads files of another writer: data page v1
// goes to parquet-go from the first page, DELTA_BINARY_PACKED chunks by
// their metadata, while v2 pages in the encodings the fast reader knows are
// decoded by it; every way must give what parquet-go alone gives.
func TestFastPagesForeignFiles(t *testing.T) {
	base := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Lz4Raw),
		parquet.WithMaxRowGroupLength(7_000),
		parquet.WithDataPageSize(4 << 10),
	}
	cases := []struct {
		name       string
		props      []parquet.WriterProperty
		fast, slow bool // whether some pages must take each path
	}{
		{"v1 pages", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV1)}, false, true},
		{"v2 pages", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2)}, true, false},
		{"v2 uncompressed", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Uncompressed)}, true, false},
		{"v2 snappy", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithCompression(compress.Codecs.Snappy)}, false, true},
		{"v2 delta ints", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDictionaryFor("i64", false), parquet.WithEncodingFor("i64", parquet.Encodings.DeltaBinaryPacked)}, true, true},
		{"v2 small dictionary pages", []parquet.WriterProperty{parquet.WithDataPageVersion(parquet.DataPageV2), parquet.WithDictionaryPageSizeLimit(200)}, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := arrowGoFile(t, 20_000, append(base, tc.props...)...)
			st := objstore.NewMem()
			if err := st.Put(context.Background(), "ext/f.parquet", data); err != nil {
				t.Fatal(err)
			}
			for _, opts := range []OpenOptions{{}, {WholeReadBytes: -1}} {
				tally := compareRowGroups(t, st, "ext/f.parquet", opts, 1000)
				fast, slow := sumTally(tally.fast), sumTally(tally.slow)
				if tc.fast != (fast > 0) || tc.slow != (slow > 0) {
					t.Fatalf("%d pages decoded fast, %d by parquet-go: %v / %v", fast, slow, tally.fast, tally.slow)
				}
			}
		})
	}
}

// TestFastPagesHandOver leaves every chunk to parquet-go after a few pages,
// as happens when a page the fast reader does not know follows pages it
// decoded: parquet-go must go on at the first row not yet read.
func TestFastPagesHandOver(t *testing.T) {
	s := mustSchema(t, pagesSchema, nil)
	st := objstore.NewMem()
	rng := rand.New(rand.NewPCG(11, 11))
	// Pages end at 4096 values at the latest (the writer's value chunks).
	key := writePagesCell(t, st, s, rng, 30_000, 0.2, WriterOptions{PageBytes: 1 << 10, RowGroupRows: 13_000})
	ctx := context.Background()
	for _, limit := range []int{1, 3} {
		fast, err := Open(ctx, st, key, 0, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		fast.fastPageLimit = limit
		want := readAll(t, st, key, 0, allColumns(s), 500, OpenOptions{})
		var got [][]any
		var fastPages, slowPages int
		for rg := 0; rg < fast.NumRowGroups(); rg++ {
			r, err := fast.ReadRowGroup(ctx, rg, allColumns(s), 500)
			if err != nil {
				t.Fatal(err)
			}
			for {
				b, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if b.Len == 0 {
					break
				}
				for i := 0; i < b.Len; i++ {
					row := make([]any, len(b.Cols))
					for j, v := range b.Cols {
						row[j] = rowValue(v, i)
					}
					got = append(got, row)
				}
			}
			for _, c := range r.cols {
				fastPages += c.fastPages
				slowPages += c.slowPages
			}
			r.Close()
		}
		if fastPages == 0 || slowPages == 0 {
			t.Fatalf("limit %d: %d pages fast, %d by parquet-go; want both", limit, fastPages, slowPages)
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d rows, want %d", limit, len(got), len(want))
		}
		for i := range got {
			for j := range got[i] {
				if got[i][j] != want[i][j] {
					t.Fatalf("limit %d: row %d column %s: %v, want %v", limit, i, s.Columns[j].Name, got[i][j], want[i][j])
				}
			}
		}
	}
}

func allColumns(s *Schema) []int {
	cols := make([]int, len(s.Columns))
	for i := range cols {
		cols[i] = i
	}
	return cols
}

// pageBodies returns the byte ranges of the page bodies (what the CRC
// covers) of every column chunk of the cell's bytes.
func pageBodies(t *testing.T, c *Cell, data []byte) [][2]int {
	t.Helper()
	var out [][2]int
	for _, rg := range c.file.Metadata().RowGroups {
		for _, col := range rg.Columns {
			lo, hi := chunkRange(&col.MetaData)
			for pos := int(lo); pos < int(hi); {
				h, n, err := readPageHeader(data[pos:hi])
				if err != nil {
					t.Fatal(err)
				}
				if h.crc == 0 {
					t.Fatalf("page at %d has no CRC", pos)
				}
				out = append(out, [2]int{pos + n, pos + n + int(h.compressedSize)})
				pos += n + int(h.compressedSize)
			}
		}
	}
	return out
}

// TestFastPagesDamage flips bytes inside page bodies of a cell: each flip
// must be reported as corruption (SQLSTATE XX001) by the checksum, never
// decoded.
func TestFastPagesDamage(t *testing.T) {
	ctx := context.Background()
	st, key, good, s, c := damageCell(t)
	flipped := 0
	for _, body := range pageBodies(t, c, good) {
		for pos := body[0]; pos < body[1]; pos += 3 {
			bad := bytes.Clone(good)
			bad[pos] ^= 0x10
			if err := st.Put(ctx, key, bad); err != nil {
				t.Fatal(err)
			}
			c, err := Open(ctx, st, key, 0, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Scan(ctx, allColumns(s), nil, 128, func(*vec.Batch) error { return nil })
			if err == nil || sqlerr.CodeOf(err) != dataCorrupted || !strings.Contains(err.Error(), "checksum") {
				t.Fatalf("byte %d of a page body flipped: %v (SQLSTATE %s), want a checksum error", pos, err, sqlerr.CodeOf(err))
			}
			flipped++
		}
	}
	if flipped < 100 {
		t.Fatalf("only %d flips tried", flipped)
	}
}

// TestFastPagesDamagedPageType damages the page type in the first page
// header of each column chunk, which the checksum does not cover: the fast
// reader leaves such a page to parquet-go, whose failure is corruption
// (XX001) as well, not an internal error.
func TestFastPagesDamagedPageType(t *testing.T) {
	ctx := context.Background()
	st, key, good, s, c := damageCell(t)
	damaged := 0
	for ci, col := range c.file.Metadata().RowGroups[0].Columns {
		lo := col.MetaData.DataPageOffset
		// The header opens with field 1, the page type: a short field
		// header (0x15: delta 1, i32), then the zigzag varint 6 (DATA_PAGE_V2).
		if good[lo] != 0x15 || good[lo+1] != 6 {
			t.Fatalf("column %d: first data page header starts % x", ci, good[lo:lo+2])
		}
		for _, typ := range []byte{0 /* DATA_PAGE */, 2 /* INDEX_PAGE */, 14 /* none */} {
			bad := bytes.Clone(good)
			bad[lo+1] = typ
			if err := st.Put(ctx, key, bad); err != nil {
				t.Fatal(err)
			}
			c, err := Open(ctx, st, key, 0, OpenOptions{})
			if err != nil {
				t.Fatal(err)
			}
			err = c.Scan(ctx, []int{ci}, nil, 128, func(*vec.Batch) error { return nil })
			if sqlerr.CodeOf(err) != dataCorrupted {
				t.Errorf("column %s, page type %d: %v (SQLSTATE %s), want XX001", s.Columns[ci].Name, typ/2, err, sqlerr.CodeOf(err))
			}
			damaged++
		}
	}
	if damaged == 0 {
		t.Fatal("no page damaged")
	}
}

// damageCell writes a small cell of many small pages: plain and
// dictionary, with NULLs and without. It returns the store holding the
// cell under key, the cell's bytes, and the cell opened.
func damageCell(t testing.TB) (st *objstore.Mem, key string, data []byte, s *Schema, c *Cell) {
	ctx := context.Background()
	s = mustSchema(t, []txn.Column{
		{Name: "i", Type: "bigint"}, {Name: "t_dict", Type: "text"}, {Name: "u", Type: "text"},
		{Name: "b", Type: "boolean"}, {Name: "f", Type: "real", NotNull: true}, {Name: "iv", Type: "interval"},
	}, nil)
	st = objstore.NewMem()
	w, err := NewWriter(st, "d", s, WriterOptions{TxnID: "d", PageBytes: 256, RowGroupRows: 300})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, randomPagesBatch(rand.New(rand.NewPCG(5, 5)), s, 600, 0.2)); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key = "d/" + adds[0].Path
	data, err = st.Get(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err = Open(ctx, st, key, 0, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return st, key, data, s, c
}

// decodeDamagedChunks decodes every column chunk of a cell (bytes data)
// from damaged copies made by damage, with the fast reader alone: no
// checksums, so damage reaches the decoders, and no parquet-go, whose
// tolerance of garbage is not under test. Errors are expected; a panic
// fails.
func decodeDamagedChunks(t testing.TB, c *Cell, data []byte, damage func(chunk []byte) []byte) {
	md := c.file.Metadata()
	for rg := range md.RowGroups {
		rows := int(md.RowGroups[rg].NumRows)
		for ci := range md.RowGroups[rg].Columns {
			cmd := &md.RowGroups[rg].Columns[ci].MetaData
			lo, hi := chunkRange(cmd)
			chunk := damage(bytes.Clone(data[lo:hi]))
			leaf := c.file.Root().Columns()[ci]
			cr, err := newColReader(c.schema.Columns[ci].Type, leaf, nil, cmd, chunk, nil)
			if err != nil {
				t.Fatal(err)
			}
			if cr.fast == nil {
				t.Fatalf("column %d is not read by the fast reader", ci)
			}
			cr.fast.noCRC = true
			v := vec.New(cr.typ, 0)
			for done := 0; done < rows; done += 100 {
				if err := cr.read(v, min(100, rows-done)); err != nil {
					break
				}
			}
			cr.close()
		}
	}
}

// TestFastPagesGarbage feeds truncated and garbled column chunks to the
// fast reader: it may fail, never panic.
func TestFastPagesGarbage(t *testing.T) {
	_, _, good, _, c := damageCell(t)
	rng := rand.New(rand.NewPCG(13, 13))
	for cut := 0; cut < 400; cut++ {
		decodeDamagedChunks(t, c, good, func(ch []byte) []byte { return ch[:min(cut, len(ch))] })
	}
	for range 3000 {
		decodeDamagedChunks(t, c, good, func(ch []byte) []byte {
			for range 1 + rng.IntN(4) {
				if len(ch) > 0 {
					ch[rng.IntN(len(ch))] ^= byte(1 << rng.IntN(8))
				}
			}
			if rng.IntN(4) == 0 && len(ch) > 0 {
				ch = ch[:rng.IntN(len(ch))]
			}
			return ch
		})
	}
}

// FuzzFastPages garbles every column chunk of a small cell with the fuzzer's
// bytes (XORed in at an offset) and decodes: it may fail, never panic.
//
//	go test ./exec/cell/ -run '^$' -fuzz FuzzFastPages -fuzztime 60s
func FuzzFastPages(f *testing.F) {
	_, _, good, _, c := damageCell(f)
	f.Add(uint16(0), []byte{0xff}, uint16(0))
	f.Add(uint16(3), []byte{0x80, 0x80, 0x80}, uint16(100))
	f.Add(uint16(40), []byte{1, 2, 3, 4, 5, 6, 7, 8}, uint16(9))
	f.Fuzz(func(t *testing.T, at uint16, mask []byte, cut uint16) {
		decodeDamagedChunks(t, c, good, func(ch []byte) []byte {
			for i, m := range mask {
				if j := int(at) + i; j < len(ch) {
					ch[j] ^= m
				}
			}
			if cut > 0 && int(cut) < len(ch) {
				ch = ch[:cut]
			}
			return ch
		})
	})
}

// TestReadUint32 reads arrow-go's UINT32 (INT32 with an unsigned logical
// type) as bigint, values past 2^31 included, on both page paths.
func TestReadUint32(t *testing.T) {
	ctx := context.Background()
	schema := arrow.NewSchema([]arrow.Field{{Name: "u", Type: arrow.PrimitiveTypes.Uint32, Nullable: true}}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	want := []uint32{0, 1, 1 << 31, math.MaxUint32, 12345, math.MaxInt32}
	ub := rb.Field(0).(*array.Uint32Builder)
	for r := range 5000 {
		ub.Append(want[r%len(want)])
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	for _, version := range []parquet.DataPageVersion{parquet.DataPageV1, parquet.DataPageV2} {
		data := writeArrowGo(t, rec, parquet.WithDataPageVersion(version), parquet.WithCompression(compress.Codecs.Lz4Raw))
		st := objstore.NewMem()
		if err := st.Put(ctx, "u.parquet", data); err != nil {
			t.Fatal(err)
		}
		c, err := Open(ctx, st, "u.parquet", 0, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s2 := mustSchema(t, []txn.Column{{Name: "u", Type: "bigint"}}, nil)
		if !MayMatch(s2, c.RowGroupBounds(0), []Range{{Column: "u", Op: Gt, Value: Int(3_000_000_000)}}) {
			t.Fatal("row group with 2^32-1 pruned for u > 3e9 by its unsigned statistics")
		}
		got := readAll(t, st, "u.parquet", 0, []int{0}, 1000, OpenOptions{})
		for r, row := range got {
			if row[0] != int64(want[r%len(want)]) {
				t.Fatalf("page version %d, row %d: %v, want %d", version, r, row[0], want[r%len(want)])
			}
		}
	}
}
