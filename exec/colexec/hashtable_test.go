package colexec

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
)

// A NULL key whose stored value equals the previous row's key must not
// take that row's group through the previous-key shortcut.
func TestHashTableNullAfterEqualValue(t *testing.T) {
	in := vec.NewBatch([]vec.Type{vec.Int64}, 8)
	c := in.Cols[0]
	for _, x := range []int64{5, 5, 5, 0, 0, 7} {
		c.AppendInt64(x)
	}
	c.Nulls.SetNull(1) // NULL over a stored 5
	c.Nulls.SetNull(4) // NULL over a stored 0
	in.Len = 6
	h := newHashTable([]vec.Type{vec.Int64}, nil)
	ids := make([]int32, in.Len)
	var sc probeScratch
	if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids), "[0 1 0 2 1 3]"; got != want {
		t.Fatalf("ids %s, want %s", got, want)
	}
}

// TestHashTableCollisions groups the same rows with the real hash and
// with one that makes every key collide: the groups must be the same, so
// a key is only ever matched by equal keys, NULLs included.
func TestHashTableCollisions(t *testing.T) {
	types := []vec.Type{vec.Text, vec.Int32, vec.Float64}
	rng := rand.New(rand.NewPCG(7, 8))
	var batches []*vec.Batch
	for range 4 {
		in := vec.NewBatch(types, 300)
		for i := 0; i < 300; i++ {
			in.Cols[0].AppendBytes([]byte([]string{"a", "b", "", "longer than eight"}[rng.IntN(4)]))
			in.Cols[1].AppendInt32(int32(rng.IntN(3)))
			in.Cols[2].AppendFloat64([]float64{0, math.Copysign(0, -1), 1.5}[rng.IntN(3)])
			for c := range types {
				if rng.IntN(10) == 0 {
					in.Cols[c].Nulls.SetNull(i)
				}
			}
		}
		in.Len = 300
		// Every other row live, to cover selection vectors.
		for i := 0; i < 300; i += 2 {
			in.Sel = append(in.Sel, int32(i))
		}
		in.Len = len(in.Sel)
		batches = append(batches, in)
	}
	group := func() ([][]int32, []int32) {
		h := newHashTable(types, nil)
		var sc probeScratch
		var all [][]int32
		for _, in := range batches {
			ids := make([]int32, in.Len)
			if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
				t.Fatal(err)
			}
			all = append(all, ids)
		}
		// A probe of a key never inserted finds nothing.
		probe := vec.NewBatch(types, 1)
		probe.Cols[0].AppendBytes([]byte("absent"))
		probe.Cols[1].AppendInt32(9)
		probe.Cols[2].AppendFloat64(9)
		probe.Len = 1
		miss := make([]int32, 1)
		if err := h.find(probe.Cols, probe, miss, false, &sc); err != nil {
			t.Fatal(err)
		}
		return all, miss
	}
	want, wantMiss := group()
	defer func(f func(cols []*vec.Vec, b *vec.Batch, dst, col []uint64) ([]uint64, []uint64)) { tableHash = f }(tableHash)
	tableHash = func(cols []*vec.Vec, b *vec.Batch, dst, col []uint64) ([]uint64, []uint64) {
		dst = resizeUint64(dst, b.Len)
		for i := range dst {
			dst[i] = 42
		}
		return dst, col
	}
	got, gotMiss := group()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("colliding hash grouped differently:\n got %v\nwant %v", got, want)
	}
	if gotMiss[0] != -1 || wantMiss[0] != -1 {
		t.Fatalf("absent key found: %d, %d", gotMiss[0], wantMiss[0])
	}
	// -0.0 and 0.0 group together, as in PostgreSQL.
	seen := map[string]int32{}
	for bi, in := range batches {
		for k := 0; k < in.Len; k++ {
			row := in.Row(k)
			key := "null"
			if !in.Cols[0].Nulls.IsNull(row) && !in.Cols[1].Nulls.IsNull(row) && !in.Cols[2].Nulls.IsNull(row) {
				key = fmt.Sprint(string(in.Cols[0].Bytes().Get(row)), in.Cols[1].Int32s()[row], in.Cols[2].Float64s()[row] == 0)
			} else {
				continue
			}
			if id, ok := seen[key]; ok && id != want[bi][k] {
				t.Fatalf("key %s in groups %d and %d", key, id, want[bi][k])
			}
			seen[key] = want[bi][k]
		}
	}
}

// A table reserved for n keys takes them without growing, and a join
// build, which knows its rows before indexing them, reserves.
func TestHashTableReserve(t *testing.T) {
	keys := make([]int64, 5000)
	for i := range keys {
		keys[i] = int64(i * 7)
	}
	h := newHashTable([]vec.Type{vec.Int64}, nil)
	if err := h.reserve(len(keys)); err != nil {
		t.Fatal(err)
	}
	size := len(h.slots)
	var sc probeScratch
	for _, in := range intBatches(keys) {
		ids := make([]int32, in.Len)
		if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
			t.Fatal(err)
		}
	}
	if h.Len() != len(keys) || len(h.slots) != size || 2*h.inSlots > len(h.slots) {
		t.Fatalf("%d keys in %d slots (reserved %d)", h.Len(), len(h.slots), size)
	}
	if err := h.reserve(1 << 20); err != nil || len(h.slots) != size {
		t.Fatalf("reserve on a filled table changed it: %v, %d slots", err, len(h.slots))
	}
}

// Intervals group by their exact length: one of 2^64 microseconds is not
// the empty interval, though its length wraps to 0 in an int64.
func TestHashTableLongIntervals(t *testing.T) {
	in := vec.NewBatch([]vec.Type{vec.IntervalT}, 3)
	for _, iv := range []vec.Interval{{}, {Days: 213503982, Micros: 28909551616}, {Months: 1}, {Days: 30}} {
		in.Cols[0].AppendInterval(iv)
	}
	in.Len = 4
	h := newHashTable([]vec.Type{vec.IntervalT}, nil)
	ids := make([]int32, in.Len)
	var sc probeScratch
	if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids), "[0 1 2 2]"; got != want {
		t.Fatalf("ids %s, want %s ('1 mon' and '30 days' are one group)", got, want)
	}
}
