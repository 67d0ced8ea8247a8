package vec

import (
	"math"
	"reflect"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// arrowTestBatch holds one column of every kind with NULLs and extremes.
func arrowTestBatch() (*Batch, []string) {
	types := []Type{Bool, Int16, Int32, Int64, Float32, Float64, Numeric(15, 2), UnconstrainedNumeric,
		Varchar(10), Bytea, Date, Timestamp, TimestampTZ, IntervalT}
	names := []string{"b", "i2", "i4", "i8", "f4", "f8", "n", "nu", "t", "by", "d", "ts", "tz", "iv"}
	b := NewBatch(types, 8)
	const rows = 70 // crosses a 64-row bitmap word
	for r := 0; r < rows; r++ {
		for c, col := range b.Cols {
			if (r+c)%5 == 0 {
				col.AppendNull()
				continue
			}
			x := int64(r - 35)
			switch col.Type.Kind {
			case KindBool:
				col.AppendBool(r%2 == 0)
			case KindInt16:
				col.AppendInt16([]int16{math.MinInt16, math.MaxInt16, int16(x)}[r%3])
			case KindInt32, KindDate:
				col.AppendInt32([]int32{math.MinInt32, math.MaxInt32, int32(x)}[r%3])
			case KindInt64, KindTimestamp, KindTimestampTZ:
				col.AppendInt64([]int64{math.MinInt64, math.MaxInt64, x * 1_000_003}[r%3])
			case KindNumeric:
				col.AppendInt64([]int64{-999999999999999999, 999999999999999999, x * 12345}[r%3])
			case KindFloat32:
				col.AppendFloat32(float32([]float64{math.Inf(-1), math.Copysign(0, -1), float64(x) / 3}[r%3]))
			case KindFloat64:
				col.AppendFloat64([]float64{math.Inf(1), math.NaN(), float64(x) / 7}[r%3])
			case KindText:
				col.AppendBytes([]byte([]string{"", "żółw", "abc"}[r%3]))
			case KindBytea:
				col.AppendBytes([]byte{byte(r), 0, 255}[:r%4%3])
			case KindInterval:
				col.AppendInterval(Interval{Months: int32(x), Days: -int32(x), Micros: x * 86_400_000_001})
			}
		}
	}
	b.Len = rows
	return b, names
}

func equalRow(t *testing.T, a *Vec, i int, b *Vec, j int) {
	t.Helper()
	if a.Nulls.IsNull(i) != b.Nulls.IsNull(j) {
		t.Fatalf("%s: null mismatch at %d/%d", a.Type, i, j)
	}
	if a.Nulls.IsNull(i) {
		return
	}
	var x, y any
	switch a.Type.Kind {
	case KindBool:
		x, y = a.Bools()[i], b.Bools()[j]
	case KindInt16:
		x, y = a.Int16s()[i], b.Int16s()[j]
	case KindInt32, KindDate:
		x, y = a.Int32s()[i], b.Int32s()[j]
	case KindInt64, KindNumeric, KindTimestamp, KindTimestampTZ:
		x, y = a.Int64s()[i], b.Int64s()[j]
	case KindFloat32:
		x, y = math.Float32bits(a.Float32s()[i]), math.Float32bits(b.Float32s()[j])
	case KindFloat64:
		x, y = math.Float64bits(a.Float64s()[i]), math.Float64bits(b.Float64s()[j])
	case KindText, KindBytea:
		x, y = string(a.Bytes().Get(i)), string(b.Bytes().Get(j))
	case KindInterval:
		x, y = a.Intervals()[i], b.Intervals()[j]
	}
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("%s: row %d/%d: %v != %v", a.Type, i, j, x, y)
	}
}

func TestArrowRoundTrip(t *testing.T) {
	b, names := arrowTestBatch()
	rec, err := BatchToRecord(b, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if rec.NumRows() != int64(b.Len) || rec.NumCols() != int64(len(names)) {
		t.Fatalf("record shape %dx%d", rec.NumRows(), rec.NumCols())
	}
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatal(err)
	}
	back, gotNames, err := RecordToBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotNames, names) {
		t.Fatalf("names %v", gotNames)
	}
	for c := range b.Cols {
		if back.Cols[c].Type != b.Cols[c].Type {
			t.Fatalf("column %s: type %v != %v", names[c], back.Cols[c].Type, b.Cols[c].Type)
		}
		for r := 0; r < b.Len; r++ {
			equalRow(t, b.Cols[c], r, back.Cols[c], r)
		}
	}
}

func TestArrowSelection(t *testing.T) {
	b, names := arrowTestBatch()
	b.Sel = []int32{0, 3, 4, 63, 64, 65, 69}
	b.Len = len(b.Sel)
	rec, err := BatchToRecord(b, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if err := array.ValidateRecordFull(rec); err != nil {
		t.Fatal(err)
	}
	back, _, err := RecordToBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	for c := range b.Cols {
		for i, r := range b.Sel {
			equalRow(t, b.Cols[c], int(r), back.Cols[c], i)
		}
	}
}

func TestArrowValues(t *testing.T) {
	// Spot-check the Arrow side, not only the round trip.
	b, names := arrowTestBatch()
	rec, err := BatchToRecord(b, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	n := rec.Column(6).(*array.Decimal128)
	if got := n.Value(1).LowBits(); int64(got) != b.Cols[6].Int64s()[1] {
		t.Fatalf("decimal %v", n.Value(1))
	}
	if dt := rec.Column(12).DataType().(*arrow.TimestampType); dt.TimeZone != "UTC" || dt.Unit != arrow.Microsecond {
		t.Fatalf("timestamptz type %v", dt)
	}
	if dt := rec.Column(11).DataType().(*arrow.TimestampType); dt.TimeZone != "" {
		t.Fatalf("timestamp type %v", dt)
	}
	iv := rec.Column(13).(*array.MonthDayNanoInterval).Value(2)
	want := b.Cols[13].Intervals()[2]
	if iv.Months != want.Months || iv.Days != want.Days || iv.Nanoseconds != want.Micros*1000 {
		t.Fatalf("interval %v vs %v", iv, want)
	}
	s := rec.Column(8).(*array.String)
	if !s.IsNull(2) && s.Value(1) != "żółw" {
		t.Fatalf("string %q", s.Value(1))
	}
}

func TestFromArrowSliced(t *testing.T) {
	bld := array.NewStringBuilder(memory.DefaultAllocator)
	bld.AppendValues([]string{"a", "bb", "ccc", "dddd"}, []bool{true, false, true, true})
	arr := bld.NewArray()
	defer arr.Release()
	sl := array.NewSlice(arr, 1, 4)
	defer sl.Release()
	v, err := FromArrow(sl, Text)
	if err != nil {
		t.Fatal(err)
	}
	if v.Len() != 3 || !v.Nulls.IsNull(0) || string(v.Bytes().Get(1)) != "ccc" || string(v.Bytes().Get(2)) != "dddd" {
		t.Fatalf("sliced import wrong: len %d", v.Len())
	}
	v.Reset()
	v.AppendBytes([]byte("x"))
	if string(v.Bytes().Get(0)) != "x" {
		t.Fatal("append after reset")
	}
	if arr.(*array.String).Value(2) != "ccc" {
		t.Fatal("arrow buffer was overwritten")
	}
}
