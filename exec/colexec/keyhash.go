package colexec

import (
	"hash/maphash"
	"math/bits"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// Key hashing for hash tables and exchanges, a batch at a time: one typed
// loop per key column hashes its live values, and a second one folds them
// into each row's hash. Equal keys hash equally whatever side of a join or
// exchange they come from (the planner gives both sides one type), NULLs
// included; -0.0 and 0.0, all NaNs, intervals of equal span, and decimals of
// equal value whatever their scales (1.5 and 1.50) hash as the equal keys
// they are for grouping.

var textSeed = maphash.MakeSeed()

// tableHash is the hash tables' key hash; tests make every key collide
// through it.
var tableHash = hashKeys

const (
	hashMul  = 0x9E3779B97F4A7C15
	nullHash = 0x5851F42D4C957F2D
)

// hashKeys sets dst[k] to the hash of live row k's key columns cols and
// returns dst; col is scratch for one column's values.
func hashKeys(cols []*vec.Vec, b *vec.Batch, dst, col []uint64) (hashes, scratch []uint64) {
	dst = resizeUint64(dst, b.Len)
	col = resizeUint64(col, b.Len)
	for i := range dst {
		dst[i] = 0
	}
	for _, c := range cols {
		hashColumn(c, b, col)
		for k, v := range col {
			dst[k] = (bits.RotateLeft64(dst[k], 29) ^ v) * hashMul
		}
	}
	// Finish so that every bit depends on every key bit: tables index by
	// the high bits, spill partitions by the low ones.
	for k, h := range dst {
		h ^= h >> 33
		h *= 0xff51afd7ed558ccd
		h ^= h >> 33
		dst[k] = h
	}
	return dst, col
}

func resizeUint64(s []uint64, n int) []uint64 {
	if cap(s) < n {
		return make([]uint64, n, max(n, BatchSize))
	}
	return s[:n]
}

// hashColumn writes a value hash per live row of b into out.
func hashColumn(c *vec.Vec, b *vec.Batch, out []uint64) {
	n := b.Len
	switch c.Type.Kind {
	case vec.KindBool:
		s := c.Bools()
		for k := 0; k < n; k++ {
			if s[b.Row(k)] {
				out[k] = 1
			} else {
				out[k] = 0
			}
		}
	case vec.KindInt16:
		s := c.Int16s()
		for k := 0; k < n; k++ {
			out[k] = uint64(int64(s[b.Row(k)]))
		}
	case vec.KindInt32, vec.KindDate:
		s := c.Int32s()
		if b.Sel == nil {
			for k, x := range s[:n] {
				out[k] = uint64(int64(x))
			}
		} else {
			for k, i := range b.Sel[:n] {
				out[k] = uint64(int64(s[i]))
			}
		}
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		s := c.Int64s()
		if b.Sel == nil {
			for k, x := range s[:n] {
				out[k] = uint64(x)
			}
		} else {
			for k, i := range b.Sel[:n] {
				out[k] = uint64(s[i])
			}
		}
	case vec.KindFloat32:
		s := c.Float32s()
		for k := 0; k < n; k++ {
			out[k] = normFloat(float64(s[b.Row(k)]))
		}
	case vec.KindFloat64:
		s := c.Float64s()
		for k := 0; k < n; k++ {
			out[k] = normFloat(s[b.Row(k)])
		}
	case vec.KindText, vec.KindBytea:
		bs := c.Bytes()
		for k := 0; k < n; k++ {
			row := b.Row(k)
			v := bs.Data[bs.Offsets[row]:bs.Offsets[row+1]]
			if len(v) < 8 {
				// Short values (flags, codes, names of a few letters)
				// are their own hash, bytes and length packed: the
				// final mix spreads them.
				var x uint64
				for i, c := range v {
					x |= uint64(c) << (8 * i)
				}
				out[k] = x | uint64(len(v))<<56
				continue
			}
			out[k] = maphash.Bytes(textSeed, v)
		}
	case vec.KindInterval:
		s := c.Intervals()
		for k := 0; k < n; k++ {
			hi, lo := s[b.Row(k)].Span()
			out[k] = lo ^ bits.RotateLeft64(uint64(hi), 32)
		}
	case vec.KindDecimal:
		s := c.Decimals()
		for k := 0; k < n; k++ {
			out[k] = decimalHash(s[b.Row(k)])
		}
	}
	if c.Nulls.Any() {
		for k := 0; k < n; k++ {
			if c.Nulls.IsNull(b.Row(k)) {
				out[k] = nullHash
			}
		}
	}
}

// keysEqual reports whether row of cols holds the same key as row at of
// keys (NULLs equal to NULLs), comparing as hashColumn hashes.
func keysEqual(cols []*vec.Vec, row int, keys []*vec.Vec, at int) bool {
	for c, kc := range keys {
		pc := cols[c]
		pn, kn := pc.Nulls.IsNull(row), kc.Nulls.IsNull(at)
		if pn || kn {
			if pn != kn {
				return false
			}
			continue
		}
		switch kc.Type.Kind {
		case vec.KindBool:
			if pc.Bools()[row] != kc.Bools()[at] {
				return false
			}
		case vec.KindInt16:
			if pc.Int16s()[row] != kc.Int16s()[at] {
				return false
			}
		case vec.KindInt32, vec.KindDate:
			if pc.Int32s()[row] != kc.Int32s()[at] {
				return false
			}
		case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
			if pc.Int64s()[row] != kc.Int64s()[at] {
				return false
			}
		case vec.KindFloat32:
			if normFloat(float64(pc.Float32s()[row])) != normFloat(float64(kc.Float32s()[at])) {
				return false
			}
		case vec.KindFloat64:
			if normFloat(pc.Float64s()[row]) != normFloat(kc.Float64s()[at]) {
				return false
			}
		case vec.KindText, vec.KindBytea:
			if string(pc.Bytes().Get(row)) != string(kc.Bytes().Get(at)) {
				return false
			}
		case vec.KindInterval:
			if ph, pl := pc.Intervals()[row].Span(); !spanIs(kc.Intervals()[at], ph, pl) {
				return false
			}
		case vec.KindDecimal:
			if decimal.Cmp(pc.Decimals()[row], kc.Decimals()[at]) != 0 {
				return false
			}
		}
	}
	return true
}

func spanIs(iv vec.Interval, hi int64, lo uint64) bool {
	h, l := iv.Span()
	return h == hi && l == lo
}

// decimalHash hashes d's value: its coefficient and scale once trailing
// zero decimals are gone, which equal values share.
func decimalHash(d decimal.Decimal) uint64 {
	if d.Scale > 0 {
		d = decimal.Normalize(d)
	}
	return d.Lo ^ bits.RotateLeft64(uint64(d.Hi), 32) ^ uint64(d.Scale)<<56
}
