package vec

import "testing"

func TestAppendRange(t *testing.T) {
	src := New(Text, 4)
	src.AppendBytes([]byte("a"))
	src.AppendNull()
	src.AppendBytes([]byte("ccc"))
	src.AppendBytes([]byte(""))
	dst := New(Text, 0)
	dst.AppendBytes([]byte("zz"))
	dst.AppendRange(src, 1, 4)
	want := []string{"zz", "", "ccc", ""}
	if dst.Len() != 4 {
		t.Fatalf("len %d", dst.Len())
	}
	for i, w := range want {
		if got := string(dst.Bytes().Get(i)); got != w {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
	if !dst.Nulls.IsNull(1) || dst.Nulls.IsNull(2) || dst.Nulls.IsNull(0) {
		t.Errorf("NULLs moved: %v %v %v", dst.Nulls.IsNull(0), dst.Nulls.IsNull(1), dst.Nulls.IsNull(2))
	}
	ints := New(Int64, 0)
	ints.AppendInt64(7)
	more := New(Int64, 3)
	more.AppendInt64(1)
	more.AppendNull()
	more.AppendInt64(3)
	ints.AppendRange(more, 0, 3)
	if got := ints.Int64s(); len(got) != 4 || got[0] != 7 || got[3] != 3 || !ints.Nulls.IsNull(2) {
		t.Errorf("ints = %v", got)
	}
}

// Values appended within a reservation land in the reserved array, and a
// reservation keeps what the column held.
func TestReserve(t *testing.T) {
	for _, typ := range []Type{Int64, Int32, Bool, Text, IntervalT} {
		v := New(typ, 0)
		v.AppendNull()
		v.Reserve(2000) // the warm-up run appends too
		src := New(typ, 1)
		switch typ.Kind {
		case KindInt64:
			src.AppendInt64(7)
		case KindInt32:
			src.AppendInt32(7)
		case KindBool:
			src.AppendBool(true)
		case KindText:
			src.AppendBytes([]byte("x"))
		case KindInterval:
			src.AppendInterval(Interval{Days: 7})
		}
		allocs := testing.AllocsPerRun(1, func() {
			for range 999 {
				v.AppendFrom(src, 0)
			}
		})
		if typ.Kind != KindText && allocs > 0 {
			t.Errorf("%v: %v allocations appending within the reservation", typ, allocs)
		}
		if v.Len() != 1999 || !v.Nulls.IsNull(0) || v.Nulls.IsNull(1) {
			t.Errorf("%v: %d values, NULL at 0: %v", typ, v.Len(), v.Nulls.IsNull(0))
		}
	}
}

const batchRows = 2048

// A column grown batch by batch doubles its array, so appending n values
// reallocates about log2(n) times (append alone grows big slices by a
// quarter).
func TestAppendRangeDoubles(t *testing.T) {
	src := New(Int32, batchRows)
	for i := range batchRows {
		src.AppendInt32(int32(i))
	}
	v := New(Int32, 0)
	grows, last := 0, -1
	for range 2000 {
		v.AppendRange(src, 0, batchRows)
		if c := cap(v.i32); c != last {
			grows, last = grows+1, c
		}
	}
	if grows > 25 {
		t.Fatalf("%d reallocations for %d values", grows, v.Len())
	}
	for i, x := range v.Int32s() {
		if x != int32(i%batchRows) {
			t.Fatalf("value %d is %d", i, x)
		}
	}
}
