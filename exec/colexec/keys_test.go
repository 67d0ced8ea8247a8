package colexec

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/big"
	"math/rand"
	"reflect"
	"slices"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// Test rows are [][]any: nil is NULL, integers are int64 (also for int2,
// int4, date, timestamps and scaled numerics), floats float64, text string,
// bool bool, intervals vec.Interval, decimals decimal.Decimal.

// skBatch builds a dense batch of types from rows.
func skBatch(types []vec.Type, rows [][]any) *vec.Batch {
	b := vec.NewBatch(types, len(rows))
	for _, r := range rows {
		for c, v := range r {
			skAppend(b.Cols[c], v)
		}
	}
	b.Len = len(rows)
	return b
}

func skAppend(col *vec.Vec, v any) {
	if v == nil {
		col.AppendNull()
		return
	}
	switch col.Type.Kind {
	case vec.KindBool:
		col.AppendBool(v.(bool))
	case vec.KindInt16:
		col.AppendInt16(int16(v.(int64)))
	case vec.KindInt32, vec.KindDate:
		col.AppendInt32(int32(v.(int64)))
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		col.AppendInt64(v.(int64))
	case vec.KindFloat32:
		col.AppendFloat32(float32(v.(float64)))
	case vec.KindFloat64:
		col.AppendFloat64(v.(float64))
	case vec.KindText, vec.KindBytea:
		col.AppendBytes([]byte(v.(string)))
	case vec.KindInterval:
		col.AppendInterval(v.(vec.Interval))
	case vec.KindDecimal:
		col.AppendDecimal(v.(decimal.Decimal))
	default:
		panic(fmt.Sprintf("skAppend: kind %d", col.Type.Kind))
	}
}

// skValue reads row i of col back as a test value.
func skValue(col *vec.Vec, i int) any {
	if col.Nulls.IsNull(i) {
		return nil
	}
	switch col.Type.Kind {
	case vec.KindBool:
		return col.Bools()[i]
	case vec.KindInt16:
		return int64(col.Int16s()[i])
	case vec.KindInt32, vec.KindDate:
		return int64(col.Int32s()[i])
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		return col.Int64s()[i]
	case vec.KindFloat32:
		return float64(col.Float32s()[i])
	case vec.KindFloat64:
		return col.Float64s()[i]
	case vec.KindText, vec.KindBytea:
		return string(col.Bytes().Get(i))
	case vec.KindInterval:
		return col.Intervals()[i]
	case vec.KindDecimal:
		return col.Decimals()[i]
	}
	panic("skValue: kind")
}

// skSource emits rows in batches of batchSize. With sel set every batch
// carries a selection vector over interleaved junk rows, so an operator that
// ignores Sel sees the junk. It counts Next calls, records Close, and fails
// the test when pulled after it reported the end or after it was closed.
type skSource struct {
	t         testing.TB
	types     []vec.Type
	rows      [][]any
	batchSize int
	sel       bool
	pos       int
	nexts     int
	ended     bool
	closed    int
	out       *vec.Batch
	lastSel   []int32 // copy of the selection last handed out
}

func newSkSource(t testing.TB, types []vec.Type, rows [][]any, batchSize int, sel bool) *skSource {
	return &skSource{t: t, types: types, rows: rows, batchSize: batchSize, sel: sel}
}

func (s *skSource) Types() []vec.Type { return s.types }

func (s *skSource) Next(context.Context) (*vec.Batch, error) {
	s.nexts++
	if s.closed > 0 {
		s.t.Errorf("skSource: Next after Close")
	}
	if s.ended {
		s.t.Errorf("skSource: Next after end of stream")
	}
	if s.pos >= len(s.rows) {
		s.checkSel()
		s.ended = true
		return nil, nil
	}
	end := min(s.pos+s.batchSize, len(s.rows))
	chunk := s.rows[s.pos:end]
	s.pos = end
	s.checkSel()
	if !s.sel {
		s.out = skBatch(s.types, chunk)
		return s.out, nil
	}
	// Junk rows before, between and after the live ones.
	var phys [][]any
	var sel []int32
	junk := make([]any, len(s.types))
	for c, t := range s.types {
		junk[c] = skJunk(t)
	}
	for _, r := range chunk {
		phys = append(phys, junk)
		sel = append(sel, int32(len(phys)))
		phys = append(phys, r)
	}
	phys = append(phys, junk)
	s.out = skBatch(s.types, phys)
	s.out.Sel, s.out.Len = sel, len(sel)
	s.lastSel = slices.Clone(sel)
	return s.out, nil
}

// checkSel fails the test when a consumer changed the selection of the
// batch it was given: the batch belongs to the source.
func (s *skSource) checkSel() {
	if s.lastSel != nil && (s.out.Len != len(s.lastSel) || !slices.Equal(s.out.Sel, s.lastSel)) {
		s.t.Errorf("skSource: consumer modified the input batch's selection")
	}
	s.lastSel = nil
}

func skJunk(t vec.Type) any {
	switch t.Kind {
	case vec.KindBool:
		return true
	case vec.KindFloat32, vec.KindFloat64:
		return -12345.5
	case vec.KindText, vec.KindBytea:
		return "JUNK"
	case vec.KindInterval:
		return vec.Interval{Months: 999}
	case vec.KindInt16:
		return int64(-999)
	case vec.KindDecimal:
		return decimal.FromInt64(-999999, 2)
	}
	return int64(-999999)
}

func (s *skSource) Close() { s.closed++ }

// skDrain reads op to the end and returns its live rows.
func skDrain(t testing.TB, op Operator) ([][]any, error) {
	t.Helper()
	var out [][]any
	err := Drain(context.Background(), op, func(b *vec.Batch) error {
		for i := 0; i < b.Len; i++ {
			r := b.Row(i)
			row := make([]any, len(b.Cols))
			for c, col := range b.Cols {
				row[c] = skValue(col, r)
			}
			out = append(out, row)
		}
		return nil
	})
	return out, err
}

func skMustDrain(t testing.TB, op Operator) [][]any {
	t.Helper()
	rows, err := skDrain(t, op)
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	return rows
}

func skEqualRows(t testing.TB, got, want [][]any) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows differ\n got: %v\nwant: %v", got, want)
	}
}

// skRefCompare is a slow, obviously right comparison of test values with
// PostgreSQL's ordering, for checking the typed comparators.
func skRefCompare(a, b any, k SortKey) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		if k.NullsFirst {
			return -1
		}
		return 1
	case b == nil:
		if k.NullsFirst {
			return 1
		}
		return -1
	}
	c := 0
	switch x := a.(type) {
	case int64:
		c = cmp.Compare(x, b.(int64))
	case float64:
		y := b.(float64)
		switch {
		case math.IsNaN(x) && math.IsNaN(y):
		case math.IsNaN(x):
			c = 1
		case math.IsNaN(y):
			c = -1
		case x < y:
			c = -1
		case x > y:
			c = 1
		}
	case string:
		y := b.(string)
		switch {
		case x < y:
			c = -1
		case x > y:
			c = 1
		}
	case bool:
		y := b.(bool)
		if x != y {
			c = 1
			if !x {
				c = -1
			}
		}
	case decimal.Decimal:
		// Through text and big.Rat: slow and independent of decimal.Cmp.
		rx, _ := new(big.Rat).SetString(x.String())
		ry, _ := new(big.Rat).SetString(b.(decimal.Decimal).String())
		c = rx.Cmp(ry)
	}
	if k.Desc {
		c = -c
	}
	return c
}

func skRefSort(rows [][]any, keys []SortKey) [][]any {
	out := slices.Clone(rows)
	slices.SortStableFunc(out, func(a, b []any) int {
		for _, k := range keys {
			if c := skRefCompare(a[k.Col], b[k.Col], k); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}

// skRandRows makes n rows of (int8 with few distinct values and NULLs,
// float8 with NaN/-0/NULL, text sharing long prefixes, int4 row id).
func skRandRows(rng *rand.Rand, n int) [][]any {
	rows := make([][]any, n)
	words := []string{"", "a", "ab", "abcdefgh", "abcdefgh0", "abcdefgh1", "abcdefghZ", "b", "\xff", "Zebra", "abcdefg"}
	for i := range rows {
		var iv, fv, sv any
		if rng.Intn(8) != 0 {
			iv = int64(rng.Intn(7) - 3)
			if rng.Intn(20) == 0 {
				iv = []int64{math.MinInt64, math.MaxInt64}[rng.Intn(2)]
			}
		}
		if rng.Intn(8) != 0 {
			fv = []float64{math.NaN(), math.Inf(1), math.Inf(-1), 0, math.Copysign(0, -1), 1.5, -2.25, 1e300}[rng.Intn(8)]
		}
		if rng.Intn(8) != 0 {
			sv = words[rng.Intn(len(words))]
		}
		rows[i] = []any{iv, fv, sv, int64(i)}
	}
	return rows
}

var skRandTypes = []vec.Type{vec.Int64, vec.Float64, vec.Text, vec.Int32}

// skSameOrder compares row orders, treating NaN as equal to NaN and -0 as
// a value distinct only in its sign (the row ids in column 3 decide).
func skSameOrder(t *testing.T, got, want [][]any) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d rows, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i][3] != want[i][3] {
			t.Fatalf("row %d: got id %v (%v), want id %v (%v)", i, got[i][3], got[i], want[i][3], want[i])
		}
	}
}

func TestSortRowsMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	keySets := [][]SortKey{
		{{Col: 0}},
		{{Col: 0, Desc: true, NullsFirst: true}},
		{{Col: 1}},
		{{Col: 1, Desc: true}},
		{{Col: 2}},
		{{Col: 2, Desc: true, NullsFirst: true}},
		{{Col: 2, NullsFirst: true}, {Col: 0, Desc: true}},
		{{Col: 0}, {Col: 1, Desc: true, NullsFirst: true}, {Col: 2}},
		{{Col: 1, NullsFirst: true}, {Col: 2, Desc: true}},
		{},
	}
	for _, n := range []int{0, 1, 2, 17, 500} {
		rows := skRandRows(rng, n)
		b := skBatch(skRandTypes, rows)
		for _, keys := range keySets {
			perm := make([]int32, n)
			for i := range perm {
				perm[i] = int32(i)
			}
			sortRows(b.Cols, keys, perm)
			got := make([][]any, n)
			for i, r := range perm {
				got[i] = rows[r]
			}
			skSameOrder(t, got, skRefSort(rows, keys))
		}
	}
}

func TestColCmpAcrossColumnSets(t *testing.T) {
	a := skBatch([]vec.Type{vec.Text, vec.IntervalT}, [][]any{{"abc", vec.Interval{Months: 1}}, {nil, vec.Interval{Days: 30}}})
	b := skBatch([]vec.Type{vec.Text, vec.IntervalT}, [][]any{{"abd", vec.Interval{Days: 29}}, {"", nil}})
	cases := []struct {
		keys []SortKey
		i, j int
		want int
	}{
		{[]SortKey{{Col: 0}}, 0, 0, -1},
		{[]SortKey{{Col: 0, Desc: true}}, 0, 0, 1},
		{[]SortKey{{Col: 0}}, 1, 1, 1},                    // NULLS LAST
		{[]SortKey{{Col: 0, NullsFirst: true}}, 1, 1, -1}, // NULLS FIRST
		{[]SortKey{{Col: 0, Desc: true}}, 1, 1, 1},        // DESC NULLS LAST
		{[]SortKey{{Col: 1}}, 0, 0, 1},                    // 1 mon > 29 days
		{[]SortKey{{Col: 1}}, 1, 0, 1},                    // 30 days > 29 days
		{[]SortKey{{Col: 1, Desc: true}}, 0, 1, -1},       // NULL last even when DESC
		{[]SortKey{{Col: 1}, {Col: 0}}, 0, 0, 1},          // first key decides
		{[]SortKey{{Col: 0, NullsFirst: true}}, 0, 1, 1},  // "abc" > ""
	}
	for i, c := range cases {
		if got := keysCmp(c.keys, a.Cols, b.Cols)(c.i, c.j); got != c.want {
			t.Errorf("case %d: got %d, want %d", i, got, c.want)
		}
	}
	// Equal spans: '1 mon' and '30 days' are peers.
	if got := keysCmp([]SortKey{{Col: 1}}, a.Cols, a.Cols)(0, 1); got != 0 {
		t.Errorf("1 mon vs 30 days: got %d, want 0", got)
	}
}
