package cell

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The RLE/bit-packed hybrid encoding carries definition levels and
// dictionary indices: a sequence of runs, each headed by a ULEB128 varint
// whose low bit tells the kind. RLE runs (low bit 0) repeat one value,
// stored little-endian in ceil(bitWidth/8) bytes, header>>1 times.
// Bit-packed runs (low bit 1) hold header>>1 groups of 8 values packed
// LSB first, bitWidth bits each; the last group may be padding past the
// values the page holds.

var errHybridTruncated = errors.New("RLE/bit-packed data ends early")

// decodeHybrid fills dst with values of bitWidth bits (at most 32) decoded
// from src. Bytes after the last value needed are ignored, as a page's
// level section may be padded. For int32 output, bit width 32 yields
// negative values where the top bit is set: callers range-check.
func decodeHybrid[T uint8 | int32](dst []T, src []byte, bitWidth uint) error {
	if bitWidth > 32 {
		return fmt.Errorf("RLE/bit-packed bit width %d exceeds 32", bitWidth)
	}
	valueBytes := int(bitWidth+7) / 8
	limit := uint64(1)<<bitWidth - 1
	pos := 0
	for i := 0; i < len(dst); {
		header, n := binary.Uvarint(src[pos:])
		if n <= 0 {
			return errHybridTruncated
		}
		pos += n
		left := uint64(len(dst) - i)
		if header&1 == 0 {
			if len(src)-pos < valueBytes {
				return errHybridTruncated
			}
			var v uint64
			for k := range valueBytes {
				v |= uint64(src[pos+k]) << (8 * k)
			}
			pos += valueBytes
			if v > limit {
				return fmt.Errorf("RLE run value %d exceeds bit width %d", v, bitWidth)
			}
			run := int(min(header>>1, left))
			fill := dst[i : i+run]
			for k := range fill {
				fill[k] = T(v)
			}
			i += run
			continue
		}
		groups := header >> 1
		if groups > uint64(len(src)-pos) {
			// Each group takes bitWidth ≥ 1 bytes; with width 0 it takes
			// none, but then a count beyond the values left is damage too.
			if bitWidth > 0 || groups > left {
				return errHybridTruncated
			}
		}
		nbytes := int(groups) * int(bitWidth)
		if nbytes > len(src)-pos {
			return errHybridTruncated
		}
		run := int(min(groups*8, left))
		unpackBits(dst[i:i+run], src[pos:pos+nbytes], bitWidth)
		pos += nbytes
		i += run
	}
	return nil
}

// unpackBits unpacks len(dst) values of bitWidth bits, LSB first, from src,
// which holds at least len(dst)*bitWidth bits.
func unpackBits[T uint8 | int32](dst []T, src []byte, bitWidth uint) {
	switch bitWidth {
	case 0:
		clear(dst)
		return
	case 1:
		// Definition levels of optional columns: eight per byte.
		j := 0
		for ; j+8 <= len(dst); j += 8 {
			b := src[j>>3]
			d := dst[j : j+8 : j+8]
			d[0] = T(b & 1)
			d[1] = T(b >> 1 & 1)
			d[2] = T(b >> 2 & 1)
			d[3] = T(b >> 3 & 1)
			d[4] = T(b >> 4 & 1)
			d[5] = T(b >> 5 & 1)
			d[6] = T(b >> 6 & 1)
			d[7] = T(b >> 7 & 1)
		}
		for ; j < len(dst); j++ {
			dst[j] = T(src[j>>3] >> (j & 7) & 1)
		}
		return
	}
	mask := uint64(1)<<bitWidth - 1
	// A value starts at most 7 bits into a byte and spans at most 32 bits,
	// so one 8-byte load holds it while 8 bytes remain from its first
	// byte; the last few values are assembled byte by byte.
	fast := 0
	if len(src) >= 8 {
		fast = min(len(dst), ((len(src)-8)*8)/int(bitWidth)+1)
	}
	bit := uint(0)
	i := 0
	for ; i < fast; i++ {
		w := binary.LittleEndian.Uint64(src[bit>>3:])
		dst[i] = T(w >> (bit & 7) & mask)
		bit += bitWidth
	}
	for ; i < len(dst); i++ {
		var w uint64
		for k, at := uint(0), bit>>3; k < 8 && int(at+k) < len(src); k++ {
			w |= uint64(src[at+k]) << (8 * k)
		}
		dst[i] = T(w >> (bit & 7) & mask)
		bit += bitWidth
	}
}
