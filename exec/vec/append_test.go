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
