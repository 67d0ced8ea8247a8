package colexec

import (
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

func skIntRows(n int) [][]any {
	rows := make([][]any, n)
	for i := range rows {
		rows[i] = []any{int64(i)}
	}
	return rows
}

func TestLimit(t *testing.T) {
	cases := []struct {
		name          string
		n             int
		limit, offset int64
		batch         int
		wantFirst     int
		wantN         int
		// maxNexts bounds the input's Next calls: the limit must stop
		// pulling as soon as it has its rows.
		maxNexts int
	}{
		{"limit within first batch", 100, 5, 0, 10, 0, 5, 1},
		{"limit across batches", 100, 25, 0, 10, 0, 25, 3},
		{"limit at batch boundary", 100, 20, 0, 10, 0, 20, 2},
		{"offset then limit", 100, 7, 13, 10, 13, 7, 3},
		{"offset skips whole batches", 100, 3, 45, 10, 45, 3, 5},
		{"no limit", 35, -1, 0, 10, 0, 35, 5},
		{"no limit with offset", 35, -1, 30, 10, 30, 5, 5},
		{"offset past end", 35, 10, 100, 10, 0, 0, 5},
		{"offset exactly at end", 30, 10, 30, 10, 0, 0, 4},
		{"limit past end", 12, 100, 0, 5, 0, 12, 4},
		{"limit zero pulls nothing", 100, 0, 0, 10, 0, 0, 0},
		{"limit zero with offset pulls nothing", 100, 0, 50, 10, 0, 0, 0},
		{"negative offset", 10, 2, -4, 10, 0, 2, 1},
	}
	for _, c := range cases {
		for _, sel := range []bool{false, true} {
			src := newSkSource(t, []vec.Type{vec.Int64}, skIntRows(c.n), c.batch, sel)
			op := NewLimit(src, c.limit, c.offset)
			got := skMustDrain(t, op)
			want := skIntRows(c.n)[min(c.wantFirst, c.n):][:c.wantN]
			if c.wantN == 0 {
				want = nil
			}
			skEqualRows(t, got, want)
			if src.nexts > c.maxNexts {
				t.Errorf("%s (sel=%v): input pulled %d times, want at most %d", c.name, sel, src.nexts, c.maxNexts)
			}
			if src.closed == 0 {
				t.Errorf("%s (sel=%v): input not closed at end of stream", c.name, sel)
			}
			op.Close()
			op.Close()
			// A further Next after the end must not reach the input.
			if b, err := op.Next(t.Context()); err != nil || (b != nil && b.Len > 0) {
				t.Errorf("%s: Next after end: %v %v", c.name, b, err)
			}
		}
	}
}

func TestLimitEarlyClose(t *testing.T) {
	src := newSkSource(t, []vec.Type{vec.Int64}, skIntRows(100), 10, false)
	op := NewLimit(src, 50, 0)
	if _, err := op.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	op.Close()
	if src.closed != 1 {
		t.Fatalf("input closed %d times, want 1", src.closed)
	}
}
