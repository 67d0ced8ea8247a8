package colexec

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
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
		keys[i] = int64(i * 1000003) // too sparse for a direct table
	}
	all := vec.New(vec.Int64, len(keys))
	for _, x := range keys {
		all.AppendInt64(x)
	}
	h := newHashTable([]vec.Type{vec.Int64}, nil)
	if err := h.reserveKeys([]*vec.Vec{all}, len(keys)); err != nil || h.direct {
		t.Fatalf("reserveKeys: %v, direct %v", err, h.direct)
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

// A direct table gives the same ids as open addressing, whatever order
// the keys come in, and moves to open addressing, keeping its ids, when
// a key falls too far outside its range, in the middle of a batch too.
func TestHashTableDirect(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	ascending := make([]int64, 20000)
	for i := range ascending {
		ascending[i] = int64(i / 3) // duplicates, in order
	}
	descending := make([]int64, len(ascending))
	for i, x := range ascending {
		descending[len(descending)-1-i] = x - 1000
	}
	random := make([]int64, 30000)
	for i := range random {
		random[i] = rng.Int64N(4000) - 2000
	}
	escaping := append(append([]int64(nil), random[:5000]...), math.MaxInt64, math.MinInt64, 7, -3)
	escaping = append(escaping, random[5000:]...)
	extremes := []int64{math.MaxInt64, math.MaxInt64 - 1, math.MaxInt64, math.MaxInt64 - 70}
	lows := []int64{math.MinInt64 + 5, math.MinInt64, math.MinInt64 + 100, math.MinInt64 + 5}
	for name, keys := range map[string][]int64{
		"ascending": ascending, "descending": descending, "random": random,
		"escaping": escaping, "extremes": extremes, "lows": lows,
	} {
		t.Run(name, func(t *testing.T) {
			h := newHashTable([]vec.Type{vec.Int64}, nil)
			want := map[int64]int32{}
			var sc probeScratch
			for _, in := range intBatches(keys) {
				ids := make([]int32, in.Len)
				if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
					t.Fatal(err)
				}
				for k, id := range ids {
					x := in.Cols[0].Int64s()[k]
					if w, ok := want[x]; !ok {
						if id != int32(len(want)) {
							t.Fatalf("new key %d got id %d, want %d", x, id, len(want))
						}
						want[x] = id
					} else if id != w {
						t.Fatalf("key %d got id %d, had %d", x, id, w)
					}
				}
			}
			if wantDirect := name != "escaping"; h.direct != wantDirect {
				t.Fatalf("direct %v, want %v", h.direct, wantDirect)
			}
			// Lookups without insert find every key and miss others.
			probe := intBatches([]int64{keys[0], keys[len(keys)-1], 1 << 40, -1 << 40})[0]
			ids := make([]int32, probe.Len)
			if err := h.find(probe.Cols, probe, ids, false, &sc); err != nil {
				t.Fatal(err)
			}
			if ids[0] != want[keys[0]] || ids[1] != want[keys[len(keys)-1]] || ids[2] != -1 || ids[3] != -1 {
				t.Fatalf("lookups %v", ids)
			}
		})
	}
}

// A join build sizes a direct table to its keys' range, NULLs aside, or
// uses open addressing when the range is too sparse.
func TestHashTableReserveDirect(t *testing.T) {
	in := intBatches([]int64{100, 0, 5, 100, 4000})[0]
	in.Cols[0].Nulls.SetNull(1)
	h := newHashTable([]vec.Type{vec.Int64}, nil)
	if err := h.reserveKeys(in.Cols, in.Len); err != nil {
		t.Fatal(err)
	}
	if !h.direct || h.dirBase != 5 || len(h.dir) != 4000-5+1 {
		t.Fatalf("direct %v base %d size %d", h.direct, h.dirBase, len(h.dir))
	}
	ids := make([]int32, in.Len)
	var sc probeScratch
	if err := h.find(in.Cols, in, ids, true, &sc); err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(ids), "[0 1 2 0 3]"; got != want || len(h.dir) != 4000-5+1 {
		t.Fatalf("ids %s, want %s; %d entries", got, want, len(h.dir))
	}
	sparse := intBatches([]int64{0, 1 << 20, 2 << 20})[0]
	h = newHashTable([]vec.Type{vec.Int64}, nil)
	if err := h.reserveKeys(sparse.Cols, sparse.Len); err != nil || h.direct {
		t.Fatalf("sparse keys: %v, direct %v", err, h.direct)
	}
}

// A join build whose keys are too sparse for a dense direct table but
// known in advance uses the rank bitmap: ids in insertion order, every key
// found, others missed, and a key it was not sized for moves it to open
// addressing with the ids it gave.
func TestHashTableSparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	keys := make([]int64, 3000)
	for i := range keys {
		keys[i] = 1000 + rng.Int64N(200000) // about 66 entries per key
	}
	keys[7], keys[8] = 1000, 1000+199999
	all := vec.New(vec.Int64, len(keys))
	for _, x := range keys {
		all.AppendInt64(x)
	}
	all.Nulls.SetNull(5)
	h := newHashTable([]vec.Type{vec.Int64}, nil)
	if err := h.reserveKeys([]*vec.Vec{all}, all.Len()); err != nil {
		t.Fatal(err)
	}
	if !h.direct || h.rank == nil {
		t.Fatalf("direct %v sparse %v", h.direct, h.rank != nil)
	}
	want := map[int64]int32{}
	var sc probeScratch
	check := func(in *vec.Batch, insert bool) {
		t.Helper()
		ids := make([]int32, in.Len)
		if err := h.find(in.Cols, in, ids, insert, &sc); err != nil {
			t.Fatal(err)
		}
		for k, id := range ids {
			row := in.Row(k)
			x := in.Cols[0].Int64s()[row]
			if in.Cols[0].Nulls.IsNull(row) {
				x = math.MinInt64 // stands for NULL here
			}
			w, ok := want[x]
			switch {
			case !ok && insert:
				w = int32(len(want))
				want[x] = w
			case !ok:
				w = -1
			}
			if id != w {
				t.Fatalf("key %d: id %d, want %d", x, id, w)
			}
		}
	}
	for base := 0; base < all.Len(); base += BatchSize {
		view := &vec.Batch{Cols: []*vec.Vec{all}, Len: min(BatchSize, all.Len()-base)}
		for i := range view.Len {
			view.Sel = append(view.Sel, int32(base+i))
		}
		check(view, true)
	}
	check(intBatches([]int64{999, 1000, keys[100], 1000 + 200000, 1 << 50, keys[2999]})[0], false)
	check(intBatches([]int64{keys[3], 5, keys[4]})[0], true) // 5 was not reserved
	if h.direct {
		t.Fatal("an unreserved key left the table sparse")
	}
	check(intBatches(keys[:500])[0], false)
}

// indexRows writes no chains while every build row is its own key, and
// when a key repeats, however late, every row is still reached from its
// key exactly once.
func TestIndexRowsChains(t *testing.T) {
	for _, late := range []int{-1, 0, 5000, 9999} {
		keys := make([]int64, 10000)
		for i := range keys {
			keys[i] = int64(i * 3)
		}
		if late >= 0 {
			keys[late] = keys[(late+1)%len(keys)] // one key twice
		}
		rows := vec.NewBatch([]vec.Type{vec.Int64}, len(keys))
		for _, k := range keys {
			rows.Cols[0].AppendInt64(k)
		}
		rows.Len = len(keys)
		x, err := indexRows(rows, []int{0}, nil, false)
		if err != nil {
			t.Fatal(err)
		}
		if x.keyIsRow != (late < 0) || (late < 0 && x.next != nil) {
			t.Fatalf("late %d: keyIsRow %v, chains %v", late, x.keyIsRow, x.next != nil)
		}
		probe := intBatches(keys)
		seen := make([]int, len(keys))
		var sc probeScratch
		for bi, in := range probe {
			ids := make([]int32, in.Len)
			if err := x.table.find(in.Cols, in, ids, false, &sc); err != nil {
				t.Fatal(err)
			}
			for k, id := range ids {
				for r := x.first(id); r >= 0; r = x.after(r) {
					if keys[r] != keys[bi*BatchSize+k] {
						t.Fatalf("late %d: key %d reached row %d of key %d", late, keys[bi*BatchSize+k], r, keys[r])
					}
					seen[r]++
				}
			}
		}
		for r, n := range seen {
			want := 1
			if late >= 0 && keys[r] == keys[late] {
				want = 2 // probed once per row holding the key
			}
			if n != want {
				t.Fatalf("late %d: row %d reached %d times, want %d", late, r, n, want)
			}
		}
	}
}

// A direct table that cannot leave direct mode for lack of budget stays
// whole, as an open-addressing table that cannot rehash does: a spilling
// aggregation then goes on finding the groups it holds. Every byte the
// table accounted, for its direct array and for its slots, is released
// exactly once.
func TestHashTableDirectBudget(t *testing.T) {
	dense := make([]int64, 1500)
	for i := range dense {
		dense[i] = int64(i)
	}
	far := intBatches([]int64{1 << 40})[0]
	for _, limit := range []int64{40000, 1 << 20} {
		mem := NewMemory(limit)
		h := newHashTable([]vec.Type{vec.Int64}, mem)
		var sc probeScratch
		for _, in := range intBatches(dense) {
			if err := h.find(in.Cols, in, make([]int32, in.Len), true, &sc); err != nil {
				t.Fatal(err)
			}
		}
		if !h.direct {
			t.Fatal("dense keys left direct mode")
		}
		err := h.find(far.Cols, far, make([]int32, 1), true, &sc)
		switch {
		case limit < 1<<20 && sqlerr.CodeOf(err) != sqlerr.OutOfMemory:
			t.Fatalf("limit %d: leaving direct mode gave %v, want 53200", limit, err)
		case limit >= 1<<20 && (err != nil || h.direct):
			t.Fatalf("limit %d: %v, direct %v", limit, err, h.direct)
		}
		for _, in := range intBatches(dense) {
			ids := make([]int32, in.Len)
			if err := h.find(in.Cols, in, ids, false, &sc); err != nil {
				t.Fatal(err)
			}
			for k, id := range ids {
				if x := in.Cols[0].Int64s()[k]; id != int32(x) {
					t.Fatalf("limit %d: key %d has id %d after leaving direct mode failed or not", limit, x, id)
				}
			}
		}
		if mem.Used() != h.accounted {
			t.Fatalf("limit %d: memory holds %d, the table accounted %d", limit, mem.Used(), h.accounted)
		}
		h.release()
		if mem.Used() != 0 {
			t.Fatalf("limit %d: %d bytes held after release", limit, mem.Used())
		}
	}
	// A join build's dense and sparse tables, and one that left sparse
	// mode, release all they accounted.
	sparse := make([]int64, 100)
	for i := range sparse {
		sparse[i] = int64(i) * 100
	}
	for _, keys := range [][]int64{dense, sparse} {
		mem := NewMemory(0)
		all := intBatches(keys)[0]
		x, err := indexRows(all, []int{0}, mem, false)
		if err != nil || !x.table.direct || (x.table.rank != nil) != (len(keys) == len(sparse)) {
			t.Fatalf("indexRows: %v, direct %v, sparse %v", err, x.table.direct, x.table.rank != nil)
		}
		var sc probeScratch
		if err := x.table.find(far.Cols, far, make([]int32, 1), true, &sc); err != nil || x.table.direct {
			t.Fatalf("an unreserved key: %v, direct %v", err, x.table.direct)
		}
		x.table.release()
		if mem.Used() != 0 {
			t.Fatalf("%d bytes held after release", mem.Used())
		}
	}
}

// Joins on every integer-like key kind, with keys from a dense range, a
// sparse one, a wide one and ranges at the ends of the type, NULLs
// among them, match the same build rows whether the key is indexed
// directly, by rank or by open addressing as when it is hashed as text.
func TestIndexRowsMatchesHashedKeys(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const n = 3000
	kinds := []struct {
		typ    vec.Type
		lo, hi int64
	}{
		{vec.Bool, 0, 1},
		{vec.Int16, math.MinInt16, math.MaxInt16},
		{vec.Int32, math.MinInt32, math.MaxInt32},
		{vec.Date, math.MinInt32, math.MaxInt32},
		{vec.Int64, math.MinInt64, math.MaxInt64},
		{vec.Numeric(15, 2), math.MinInt64, math.MaxInt64},
		{vec.Timestamp, math.MinInt64, math.MaxInt64},
		{vec.TimestampTZ, math.MinInt64, math.MaxInt64},
	}
	// Each spread draws a value between from and from+width-1, clamped
	// to the kind's range.
	spreads := []struct {
		name        string
		from, width func(lo, hi int64) int64
	}{
		{"dense", func(lo, hi int64) int64 { return max(lo, -700) }, func(lo, hi int64) int64 { return n / 2 }},
		{"sparse", func(lo, hi int64) int64 { return max(lo, 1000) }, func(lo, hi int64) int64 { return min(50*n, hi-1000) }},
		{"wide", func(lo, hi int64) int64 { return lo }, func(lo, hi int64) int64 { return 0 }}, // 0: the whole range
		{"low end", func(lo, hi int64) int64 { return lo }, func(lo, hi int64) int64 { return n }},
		{"high end", func(lo, hi int64) int64 { return hi - n + 1 }, func(lo, hi int64) int64 { return n }},
	}
	for _, kind := range kinds {
		for _, spread := range spreads {
			from, width := spread.from(kind.lo, kind.hi), spread.width(kind.lo, kind.hi)
			draw := func() int64 {
				if width == 0 || kind.typ.Kind == vec.KindBool {
					x := int64(rng.Uint64())
					if kind.hi-kind.lo != -1 { // a narrower type: its range
						x = kind.lo + rng.Int64N(kind.hi-kind.lo+1)
					}
					return x
				}
				return min(from+rng.Int64N(width), kind.hi)
			}
			for _, chainNulls := range []bool{false, true} {
				name := fmt.Sprintf("%v/%s/nullsEqual=%v", kind.typ, spread.name, chainNulls)
				rows := n
				if kind.typ.Kind == vec.KindBool {
					rows = 200 // two keys: every row matches a hundred
				}
				t.Run(name, func(t *testing.T) {
					build := keyRows(kind.typ, rows, draw, rng)
					probe := keyRows(kind.typ, rows, draw, rng)
					got, mode := joinPairs(t, build, probe, 0, chainNulls)
					want, _ := joinPairs(t, build, probe, 1, chainNulls)
					wantMode := map[string]string{"sparse": "sparse", "wide": "hashed"}[spread.name]
					switch {
					case kind.typ.Kind == vec.KindBool || wantMode == "":
						wantMode = "dense"
					case kind.typ.Kind == vec.KindInt16 && wantMode == "hashed":
						wantMode = "sparse" // 65,536 values for 3,000 keys
					}
					if mode != wantMode {
						t.Fatalf("a %s table, want %s", mode, wantMode)
					}
					if len(got) != len(want) {
						t.Fatalf("%d pairs, %d when hashed as text", len(got), len(want))
					}
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("pair %d is %v, %v when hashed as text", i, got[i], want[i])
						}
					}
				})
			}
		}
	}
}

// keyRows returns n rows of two columns: a key of type typ drawn by draw
// (NULL one time in 40) and the same key as text.
func keyRows(typ vec.Type, n int, draw func() int64, rng *rand.Rand) *vec.Batch {
	b := vec.NewBatch([]vec.Type{typ, vec.Text}, n)
	key, text := b.Cols[0], b.Cols[1]
	for range n {
		if rng.IntN(40) == 0 {
			key.AppendNull()
			text.AppendNull()
			continue
		}
		x := draw()
		switch typ.Kind {
		case vec.KindBool:
			key.AppendBool(x != 0)
			x = min(x, 1)
		case vec.KindInt16:
			key.AppendInt16(int16(x))
		case vec.KindInt32, vec.KindDate:
			key.AppendInt32(int32(x))
		default:
			key.AppendInt64(x)
		}
		text.AppendBytes([]byte(fmt.Sprint(x)))
	}
	b.Len = n
	return b
}

// joinPairs indexes build on its column col and returns, sorted, the
// (probe row, build row) pairs whose keys the index matches, and the kind
// of table it built: dense, sparse or hashed.
func joinPairs(t *testing.T, build, probe *vec.Batch, col int, chainNulls bool) ([][2]int32, string) {
	t.Helper()
	x, err := indexRows(build, []int{col}, nil, chainNulls)
	if err != nil {
		t.Fatal(err)
	}
	var pairs [][2]int32
	var sc probeScratch
	for base := 0; base < probe.Len; base += BatchSize {
		view := &vec.Batch{Cols: probe.Cols[col : col+1], Len: min(BatchSize, probe.Len-base)}
		for i := range view.Len {
			view.Sel = append(view.Sel, int32(base+i))
		}
		ids := make([]int32, view.Len)
		if err := x.table.find(view.Cols, view, ids, false, &sc); err != nil {
			t.Fatal(err)
		}
		for k, id := range ids {
			for r := x.first(id); r >= 0; r = x.after(r) {
				pairs = append(pairs, [2]int32{int32(base + k), r})
			}
		}
	}
	slices.SortFunc(pairs, func(a, b [2]int32) int {
		if c := cmp.Compare(a[0], b[0]); c != 0 {
			return c
		}
		return cmp.Compare(a[1], b[1])
	})
	switch {
	case x.table.rank != nil:
		return pairs, "sparse"
	case x.table.direct:
		return pairs, "dense"
	}
	return pairs, "hashed"
}

// A spilling aggregation whose direct table cannot move to open
// addressing for lack of budget emits each group once, with all its rows:
// the groups in memory keep taking their rows, the others spill.
func TestHashAggSpillsFromDirectTable(t *testing.T) {
	types := []vec.Type{vec.Int64}
	in := vec.NewBatch(types, 8000)
	want := map[int64]int64{}
	for i := range 8000 {
		x := int64(i % 1500) // dense keys first, then dense and far ones mixed
		if i >= 3000 && i%2 == 1 {
			x += 1 << 40
		}
		in.Cols[0].AppendInt64(x)
		want[x]++
	}
	in.Len = 8000
	for _, limit := range []int64{48 << 10, 64 << 10, 0} {
		mem := NewMemory(limit)
		h, err := NewHashAgg(NewValues(types, in), []int{0}, []AggSpec{
			{Func: AggCountStar, Arg: -1, Filter: -1, ResultType: vec.Int64},
		}, mem)
		if err != nil {
			t.Fatal(err)
		}
		h.WithSpill(&Spill{Dir: t.TempDir()})
		got := map[int64]int64{}
		err = Drain(context.Background(), h, func(o *vec.Batch) error {
			for k := range o.Len {
				x := o.Cols[0].Int64s()[o.Row(k)]
				if _, dup := got[x]; dup {
					return fmt.Errorf("group %d emitted twice", x)
				}
				got[x] = o.Cols[1].Int64s()[o.Row(k)]
			}
			return nil
		})
		h.Close()
		if err != nil {
			t.Fatalf("limit %d: %v", limit, err)
		}
		if !maps.Equal(got, want) {
			t.Fatalf("limit %d: %d groups, want %d", limit, len(got), len(want))
		}
		if mem.Used() != 0 {
			t.Fatalf("limit %d: %d bytes held after Close", limit, mem.Used())
		}
	}
}
