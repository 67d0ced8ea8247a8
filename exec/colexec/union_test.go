package colexec

import (
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

func TestUnionAll(t *testing.T) {
	types := []vec.Type{vec.Int32, vec.Text}
	a := [][]any{{int64(1), "a"}, {nil, "b"}}
	b := [][]any{}
	c := [][]any{{int64(3), nil}, {int64(4), "d"}, {int64(5), "e"}}
	for _, sel := range []bool{false, true} {
		srcs := []*skSource{newSkSource(t, types, a, 1, sel), newSkSource(t, types, b, 1, sel), newSkSource(t, types, c, 2, sel)}
		op := NewUnionAll([]Operator{srcs[0], srcs[1], srcs[2]})
		got := skMustDrain(t, op)
		skEqualRows(t, got, append(append(append([][]any{}, a...), b...), c...))
		for i, s := range srcs {
			if s.closed != 1 {
				t.Errorf("input %d closed %d times after the end, want 1", i, s.closed)
			}
		}
		op.Close()
		for i, s := range srcs {
			if s.closed != 1 {
				t.Errorf("input %d closed %d times after Close, want 1", i, s.closed)
			}
		}
	}
}

func TestUnionAllEarlyClose(t *testing.T) {
	types := []vec.Type{vec.Int64}
	s1, s2 := newSkSource(t, types, skIntRows(5), 2, false), newSkSource(t, types, skIntRows(5), 2, false)
	op := NewUnionAll([]Operator{s1, s2})
	if _, err := op.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	op.Close()
	if s1.closed != 1 || s2.closed != 1 {
		t.Fatalf("closed %d, %d times; want 1, 1", s1.closed, s2.closed)
	}
	if s2.nexts != 0 {
		t.Fatalf("second input pulled before the first ended")
	}
}

func TestUnionAllTypeMismatch(t *testing.T) {
	s1 := newSkSource(t, []vec.Type{vec.Numeric(10, 2)}, nil, 1, false)
	s2 := newSkSource(t, []vec.Type{vec.Numeric(10, 3)}, nil, 1, false)
	_, err := skDrain(t, NewUnionAll([]Operator{s1, s2}))
	if sqlerr.CodeOf(err) != sqlerr.InternalError {
		t.Fatalf("got %v, want an internal error", err)
	}
	// varchar(n) and text share storage.
	s3 := newSkSource(t, []vec.Type{vec.Varchar(3)}, [][]any{{"x"}}, 1, false)
	s4 := newSkSource(t, []vec.Type{vec.Text}, [][]any{{"yy"}}, 1, false)
	skEqualRows(t, skMustDrain(t, NewUnionAll([]Operator{s3, s4})), [][]any{{"x"}, {"yy"}})
	if rows := skMustDrain(t, NewUnionAll(nil)); len(rows) != 0 {
		t.Fatalf("empty union gave %v", rows)
	}
}

func TestValues(t *testing.T) {
	types := []vec.Type{vec.Int64, vec.Text}
	for _, n := range []int{0, 1, BatchSize, BatchSize + 1, 3*BatchSize + 5} {
		rows := make([][]any, n)
		for i := range rows {
			var s any = "v"
			if i%3 == 0 {
				s = nil
			}
			rows[i] = []any{int64(i), s}
		}
		op := NewValues(types, skBatch(types, rows))
		sizes := []int{}
		got := [][]any{}
		for {
			b, err := op.Next(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if b == nil || b.Len == 0 {
				break
			}
			if b.Sel != nil {
				t.Fatalf("values batch has a selection")
			}
			sizes = append(sizes, b.Len)
			for i := 0; i < b.Len; i++ {
				got = append(got, []any{skValue(b.Cols[0], i), skValue(b.Cols[1], i)})
			}
		}
		skEqualRows(t, got, rows)
		for _, s := range sizes {
			if s > BatchSize {
				t.Fatalf("batch of %d rows", s)
			}
		}
	}
}

func TestValuesSelectionAndRows(t *testing.T) {
	types := []vec.Type{vec.Int64}
	b := skBatch(types, skIntRows(10))
	b.Sel, b.Len = []int32{1, 4, 9}, 3
	skEqualRows(t, skMustDrain(t, NewValues(types, b)), [][]any{{int64(1)}, {int64(4)}, {int64(9)}})

	one := func(x any) *vec.Vec {
		v := vec.New(vec.Text, 1)
		skAppend(v, x)
		return v
	}
	op := NewValuesRows([]vec.Type{vec.Text}, [][]*vec.Vec{{one("a")}, {one(nil)}})
	skEqualRows(t, skMustDrain(t, op), [][]any{{"a"}, {nil}})

	n := 0
	err := Drain(t.Context(), NewValues(nil, &vec.Batch{Len: 2}), func(b *vec.Batch) error { n += b.Len; return nil })
	if err != nil || n != 2 {
		t.Fatalf("zero-column values: %d rows, %v", n, err)
	}
	if rows := skMustDrain(t, NewValues(types, nil)); len(rows) != 0 {
		t.Fatalf("nil values gave %v", rows)
	}
}
