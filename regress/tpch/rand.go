package tpch

import "math/bits"

// Every (table, column) has its own stream seed, and every row re-seeds the
// stream from (column seed, row number). Rows are therefore independent of
// each other: any row can be generated on its own (orders and lineitem share
// one order's draws without generating the other table; a future parallel or
// partitioned generator needs no state hand-off), and changing how one column
// is drawn never shifts the values of another.

const golden = 0x9E3779B97F4A7C15

// mix64 is the SplitMix64 finaliser: a bijection that spreads every input
// bit over the output, so consecutive row numbers give unrelated states.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xBF58476D1CE4E5B9
	z = (z ^ z>>27) * 0x94D049BB133111EB
	return z ^ z>>31
}

// seedOf derives a column's stream seed from its name (FNV-1a, then mixed),
// so seeds are stable across releases as long as names are.
func seedOf(name string) uint64 {
	h := uint64(0xcbf29ce484222325)
	for i := 0; i < len(name); i++ {
		h ^= uint64(name[i])
		h *= 0x100000001b3
	}
	return mix64(h)
}

// stream is a SplitMix64 generator positioned at one row of one column.
type stream struct{ s uint64 }

// at positions the column stream seed at row. The row number is mixed before
// it meets the seed because SplitMix64 advances by adding golden: with a
// plain seed+row*golden, row r's second draw would equal row r+1's first.
func at(seed uint64, row int64) stream {
	return stream{s: mix64(seed ^ mix64(uint64(row)+golden))}
}

func (r *stream) next() uint64 {
	r.s += golden
	return mix64(r.s)
}

// intn returns a uniform integer in [lo, hi] (inclusive, as the
// specification writes its ranges) by Lemire's multiply-high method; the
// bias for spans below 2^32 is under 2^-32, irrelevant here.
func (r *stream) intn(lo, hi int64) int64 {
	h, _ := bits.Mul64(r.next(), uint64(hi-lo+1))
	return lo + int64(h)
}

// pick returns a uniform element of list.
func pick[T any](r *stream, list []T) T {
	return list[r.intn(0, int64(len(list))-1)]
}
