package cell

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/encoding"
)

func mustDecimal(t testing.TB, s string, scale int32) decimal.Decimal {
	t.Helper()
	d, err := decimal.Parse([]byte(s))
	if err == nil {
		d, err = decimal.Round(d, scale)
	}
	if err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return d
}

// wideValues are numeric(38,10) values at the edges of 128 bits and of the
// byte encoding (sign extension, zero, the largest 38-digit coefficients).
var wideValues = []string{
	"9999999999999999999999999999.9999999999",
	"-9999999999999999999999999999.9999999999",
	"0", "-0.0000000001", "0.0000000001", "1.5",
	"123456789012345678901.5", "-123456789012345678901.5",
	"18446744073709551616", "-18446744073709551616", // 2^64: crosses the word boundary
	"922337203685477580.8", "-922337203685477580.9",
}

// wideBatch is rows [from, from+n) of a (numeric(38,10), numeric(25,0))
// batch: the first column cycles wideValues, the second holds r·10^20 and a
// NULL every seventh row.
func wideBatch(t testing.TB, s *Schema, from, n int) *vec.Batch {
	b := vec.NewBatch(s.Types(), n)
	for r := from; r < from+n; r++ {
		b.Cols[0].AppendDecimal(mustDecimal(t, wideValues[r%len(wideValues)], 10))
		if r%7 == 3 {
			b.Cols[1].AppendNull()
		} else {
			b.Cols[1].AppendDecimal(mustDecimal(t, fmt.Sprintf("%d00000000000000000000", r-from/2), 0))
		}
		b.Len++
	}
	return b
}

func TestWideNumericRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{{Name: "a", Type: "numeric(38,10)", NotNull: true}, {Name: "b", Type: "numeric(25,0)"}}, nil)
	if s.Columns[0].Type != (vec.Type{Kind: vec.KindDecimal, Precision: 38, Scale: 10}) {
		t.Fatalf("schema type %+v", s.Columns[0].Type)
	}
	st := objstore.NewMem()
	w, _ := NewWriter(st, "w", s, WriterOptions{TxnID: "x", RowGroupRows: 1000})
	in := wideBatch(t, s, 0, 2500)
	if err := w.Write(ctx, in); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	add := adds[0]
	for _, parquetGo := range []bool{false, true} {
		c, err := Open(ctx, st, "w/"+add.Path, add.Bytes, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		c.parquetGoPages = parquetGo
		if got := c.Schema().Columns[1].Type; got != vec.DeclaredNumeric(25, 0) {
			t.Fatalf("read schema %+v", got)
		}
		row := 0
		err = c.Scan(ctx, []int{0, 1}, nil, 333, func(b *vec.Batch) error {
			for i := 0; i < b.Len; i++ {
				for j, v := range b.Cols {
					want := in.Cols[j]
					if v.Nulls.IsNull(i) != want.Nulls.IsNull(row) {
						return fmt.Errorf("col %d row %d: NULL mismatch", j, row)
					}
					if want.Nulls.IsNull(row) {
						continue
					}
					if got, w := v.Decimals()[i], want.Decimals()[row]; got != w {
						return fmt.Errorf("col %d row %d: read %v (scale %d), wrote %v", j, row, got, got.Scale, w)
					}
				}
				row++
			}
			return nil
		})
		if err != nil {
			t.Fatalf("parquet-go pages %v: %v", parquetGo, err)
		}
		if row != in.Len {
			t.Fatalf("read %d rows", row)
		}
	}

	// Other readers see Parquet's DECIMAL(38, 10) with the same values.
	data, _ := st.Get(ctx, "w/"+add.Path)
	tbl := readArrowGo(t, data)
	defer tbl.Release()
	if dt, ok := tbl.Schema().Field(0).Type.(*arrow.Decimal128Type); !ok || dt.Precision != 38 || dt.Scale != 10 {
		t.Fatalf("arrow-go reads %s", tbl.Schema().Field(0).Type)
	}
	row := 0
	for _, arr := range tbl.Column(0).Data().Chunks() {
		a := arr.(*array.Decimal128)
		for i := 0; i < a.Len(); i++ {
			x, want := a.Value(i), in.Cols[0].Decimals()[row]
			if x.HighBits() != want.Hi || x.LowBits() != want.Lo {
				t.Fatalf("arrow-go row %d: %s, want %v", row, x.ToString(10), want)
			}
			row++
		}
	}
}

func TestWideNumericStatsAndPruning(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{{Name: "a", Type: "numeric(38,10)", NotNull: true}, {Name: "b", Type: "numeric(25,0)"}}, nil)
	st := objstore.NewMem()
	w, _ := NewWriter(st, "w", s, WriterOptions{TxnID: "x", RowGroupRows: 4})
	// Row group 0 holds wideValues[4:8], row group 1 wideValues[8:12].
	if err := w.Write(ctx, wideBatch(t, s, 4, 8)); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	add := adds[0]
	if got := string(add.Stats[0].Min) + " " + string(add.Stats[0].Max); got != "-123456789012345678901.5000000000 123456789012345678901.5000000000" {
		t.Fatalf("cell stats of a: %s", got)
	}
	b := BoundsFromStats(s, &add)
	gt := func(x string) []Range { return []Range{{Column: "a", Op: Gt, Value: Decimal(mustDecimal(t, x, 1))}} }
	if !MayMatch(s, b, gt("123456789012345678901.4")) {
		t.Fatal("a cell holding 123456789012345678901.5 was pruned")
	}
	if MayMatch(s, b, gt("123456789012345678901.5")) {
		t.Fatal("cell not pruned by a > its maximum")
	}
	c, err := Open(ctx, st, "w/"+add.Path, add.Bytes, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumRowGroups() != 2 {
		t.Fatalf("%d row groups", c.NumRowGroups())
	}
	// Row group 1's largest a is 2^64; row group 0's is 123456789012345678901.5.
	if rg := c.RowGroupBounds(1); MayMatch(s, rg, gt("123456789012345678901")) {
		t.Fatalf("row group 1 not pruned: %+v", rg.Columns["a"])
	}
	if rg := c.RowGroupBounds(0); !MayMatch(s, rg, gt("123456789012345678901")) {
		t.Fatalf("row group 0 pruned: %+v", rg.Columns["a"])
	}
	if rg := c.RowGroupBounds(0); MayMatch(s, rg, []Range{{Column: "a", Op: Lt, Value: Decimal(mustDecimal(t, "-123456789012345678901.5", 0))}}) {
		t.Fatal("row group 0 not pruned by a < its minimum")
	}
	// The bounds decode to what was written, by value whatever the scale.
	lo, err := DecodeStat(s.Columns[1].Type, add.Stats[1].Min)
	if err != nil || decimal.Cmp(lo.D, mustDecimal(t, "200000000000000000000", 0)) != 0 {
		t.Fatalf("b min %s: %v %v", add.Stats[1].Min, lo.D, err)
	}
}

// A Parquet file from another writer with DECIMAL(30, 4) in a
// FIXED_LEN_BYTE_ARRAY (13 bytes, sign-extended on read) loads as
// numeric(30, 4).
func TestForeignWideDecimal(t *testing.T) {
	ctx := context.Background()
	dt := &arrow.Decimal128Type{Precision: 30, Scale: 4}
	schema := arrow.NewSchema([]arrow.Field{{Name: "d", Type: dt, Nullable: true}}, nil)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	texts := []string{"12345678901234567890123456.7891", "-12345678901234567890123456.7891", "0.0001", "-1", ""}
	for _, s := range texts {
		if s == "" {
			rb.Field(0).AppendNull()
			continue
		}
		n, err := decimal128.FromString(s, 30, 4)
		if err != nil {
			t.Fatal(err)
		}
		rb.Field(0).(*array.Decimal128Builder).Append(n)
	}
	rec := rb.NewRecordBatch()
	defer rec.Release()
	data := writeArrowGo(t, rec)
	st := objstore.NewMem()
	if err := st.Put(ctx, "ext/d.parquet", data); err != nil {
		t.Fatal(err)
	}
	c, err := Open(ctx, st, "ext/d.parquet", int64(len(data)), OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Schema().Columns[0].Type; got != vec.DeclaredNumeric(30, 4) || got.String() != "numeric(30,4)" {
		t.Fatalf("foreign type %+v", got)
	}
	var got []string
	err = c.Scan(ctx, []int{0}, nil, 100, func(b *vec.Batch) error {
		for i := 0; i < b.Len; i++ {
			got = append(got, string(vec.AppendText(nil, b.Cols[0], i, nil)))
			if b.Cols[0].Nulls.IsNull(i) {
				got[len(got)-1] = ""
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"12345678901234567890123456.7891", "-12345678901234567890123456.7891", "0.0001", "-1.0000", ""}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("read %q, want %q", got, want)
	}
}

// Partitioning by a numeric(25,0) column: the directory holds the value's
// text, and the partition bound reads back by value.
func TestWideNumericPartition(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{{Name: "a", Type: "numeric(38,10)", NotNull: true}, {Name: "b", Type: "numeric(25,0)"}}, []string{"b"})
	st := objstore.NewMem()
	w, _ := NewWriter(st, "w", s, WriterOptions{TxnID: "x"})
	b := vec.NewBatch(s.Types(), 2)
	b.Cols[0].AppendDecimal(mustDecimal(t, "1.5", 10))
	b.Cols[1].AppendDecimal(mustDecimal(t, "1234567890123456789012345", 0))
	b.Len = 1
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil || len(adds) != 1 {
		t.Fatalf("%v, %d cells", err, len(adds))
	}
	if got := adds[0].Partition["b"]; got != "1234567890123456789012345" {
		t.Fatalf("partition value %q", got)
	}
	bd := BoundsFromStats(s, &adds[0])
	eq := func(x string) []Range {
		return []Range{{Column: "b", Op: Eq, Value: Decimal(mustDecimal(t, x, 2))}}
	}
	if !MayMatch(s, bd, eq("1234567890123456789012345")) || MayMatch(s, bd, eq("1234567890123456789012346")) {
		t.Fatal("partition bound does not prune by value")
	}
}

// TestDamagedDecimalsAreCorruption decodes decimal values that no writer
// produces (coefficients past the column's digits, dictionary indices past
// the dictionary): the error must be data corruption (XX001), as for other
// damage, not an internal error.
func TestDamagedDecimalsAreCorruption(t *testing.T) {
	tooWide := bytes.Repeat([]byte{0xff}, 16)
	tooWide[0] = 0x7f                              // 2^127-1: 39 digits
	tooNarrow := []byte{1, 0, 0, 0, 0, 0, 0, 0, 0} // 2^64
	for _, tc := range []struct {
		name  string
		typ   string
		phys  parquet.Kind
		data  encoding.Values
		codes []int32
	}{
		{"numeric(38) of 39 digits", "numeric(38,0)", parquet.FixedLenByteArray, encoding.FixedLenByteArrayValues(tooWide, 16), nil},
		{"numeric(38) index past the dictionary", "numeric(38,0)", parquet.ByteArray, encoding.ByteArrayValues([]byte{1}, []uint32{0, 1}), []int32{0, 1}},
		{"numeric(18) of 20 digits", "numeric(18,0)", parquet.ByteArray, encoding.ByteArrayValues(tooNarrow, []uint32{0, 9}), nil},
		{"numeric(18) fixed of 20 digits", "numeric(18,0)", parquet.FixedLenByteArray, encoding.FixedLenByteArrayValues(tooNarrow, 9), []int32{0}},
		{"text index past the dictionary", "text", parquet.FixedLenByteArray, encoding.FixedLenByteArrayValues([]byte("ab"), 2), []int32{1}},
	} {
		s := mustSchema(t, []txn.Column{{Name: "d", Type: tc.typ}}, nil)
		c := &colReader{typ: s.Columns[0].Type, phys: tc.phys, pageBufs: getPageBufs()}
		err := c.dense(&tc.data, tc.codes)
		if sqlerr.CodeOf(err) != dataCorrupted {
			t.Errorf("%s: %v (SQLSTATE %s), want XX001", tc.name, err, sqlerr.CodeOf(err))
		}
		c.close()
	}
}

// TestFixedWidthDictionaryText gathers FIXED_LEN_BYTE_ARRAY text through a
// dictionary, indices out of order and repeated, more of them than values.
func TestFixedWidthDictionaryText(t *testing.T) {
	s := mustSchema(t, []txn.Column{{Name: "t", Type: "text"}}, nil)
	c := &colReader{typ: s.Columns[0].Type, phys: parquet.FixedLenByteArray, pageBufs: getPageBufs()}
	defer c.close()
	data := encoding.FixedLenByteArrayValues([]byte("aabbcc"), 2)
	codes := []int32{2, 0, 1, 2, 2, 0, 1}
	if err := c.dense(&data, codes); err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := range codes {
		got = append(got, string(c.bdata[c.boffs[i]:c.boffs[i+1]]))
	}
	if want := []string{"cc", "aa", "bb", "cc", "cc", "aa", "bb"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("gathered %q, want %q", got, want)
	}
}
