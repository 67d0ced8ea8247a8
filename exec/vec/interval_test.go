package vec

import (
	"math/big"
	"math/rand/v2"
	"testing"
)

// Span is exact: it equals the big-integer length for short, long and
// negative intervals, including the extremes of every field.
func TestIntervalSpan(t *testing.T) {
	ivs := []Interval{
		{}, {Micros: -1}, {Days: 1}, {Months: 1}, {Months: -1, Days: 30},
		{Days: 213503982, Micros: 28909551616}, // 2^64 µs: int64 wraps to 0
		{Months: 1<<31 - 1, Days: 1<<31 - 1, Micros: 1<<63 - 1},
		{Months: -1 << 31, Days: -1 << 31, Micros: -1 << 63},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 1000 {
		ivs = append(ivs, Interval{Months: int32(rng.Uint32()), Days: int32(rng.Uint32()), Micros: int64(rng.Uint64())})
	}
	for _, iv := range ivs {
		want := new(big.Int).Mul(big.NewInt(int64(iv.Months)*30+int64(iv.Days)), big.NewInt(86400_000_000))
		want.Add(want, big.NewInt(iv.Micros))
		hi, lo := iv.Span()
		got := new(big.Int).Lsh(big.NewInt(hi), 64)
		got.Add(got, new(big.Int).SetUint64(lo))
		if got.Cmp(want) != 0 {
			t.Fatalf("%+v: span %s, want %s", iv, got, want)
		}
	}
}
