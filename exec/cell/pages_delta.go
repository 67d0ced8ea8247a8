package cell

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// parquet-go writes non-dictionary BYTE_ARRAY columns (Apiary's PLAIN text
// and bytea) with DELTA_LENGTH_BYTE_ARRAY: the value lengths in
// DELTA_BINARY_PACKED, then the values back to back. The lengths decode
// with decodeDeltaInt32; the values need no copy at all.
//
// DELTA_BINARY_PACKED: a header of ULEB128 block size (values per block, a
// multiple of 128), miniblocks per block, total value count, and the first
// value (zigzag). Then blocks: the minimum delta (zigzag), one bit-width
// byte per miniblock, and the miniblocks, each holding blockSize/miniblocks
// deltas minus the minimum, bit-packed LSB first. A miniblock past the last
// value takes no bytes whatever its width byte says; the last one in use
// is stored whole.

// maxDeltaBlock bounds the block size a header may claim.
const maxDeltaBlock = 1 << 16

var errDeltaTruncated = errors.New("DELTA_BINARY_PACKED data ends early")

// decodeDeltaInt32 decodes len(dst) int32 values from the start of src and
// returns how many bytes they took. Arithmetic wraps at 32 bits, as the
// encoder's does.
func decodeDeltaInt32(dst []int32, src []byte) (int, error) {
	pos := 0
	uvarint := func() (uint64, error) {
		x, n := binary.Uvarint(src[pos:])
		if n <= 0 {
			return 0, errDeltaTruncated
		}
		pos += n
		return x, nil
	}
	varint := func() (int64, error) {
		x, n := binary.Varint(src[pos:])
		if n <= 0 {
			return 0, errDeltaTruncated
		}
		pos += n
		return x, nil
	}
	blockSize, err := uvarint()
	if err != nil {
		return 0, err
	}
	miniBlocks, err := uvarint()
	if err != nil {
		return 0, err
	}
	total, err := uvarint()
	if err != nil {
		return 0, err
	}
	first, err := varint()
	if err != nil {
		return 0, err
	}
	if blockSize == 0 || blockSize%128 != 0 || blockSize > maxDeltaBlock ||
		miniBlocks == 0 || blockSize%miniBlocks != 0 || (blockSize/miniBlocks)%32 != 0 {
		return 0, fmt.Errorf("DELTA_BINARY_PACKED blocks of %d values in %d miniblocks", blockSize, miniBlocks)
	}
	if total != uint64(len(dst)) {
		return 0, fmt.Errorf("DELTA_BINARY_PACKED holds %d values, want %d", total, len(dst))
	}
	if len(dst) == 0 {
		return pos, nil
	}
	if first < math.MinInt32 || first > math.MaxInt32 {
		return 0, fmt.Errorf("DELTA_BINARY_PACKED first value %d exceeds int32", first)
	}
	dst[0] = int32(first)
	last := uint32(first)
	perMini := int(blockSize / miniBlocks)
	for i := 1; i < len(dst); {
		minDelta, err := varint()
		if err != nil {
			return 0, err
		}
		if len(src)-pos < int(miniBlocks) {
			return 0, errDeltaTruncated
		}
		widths := src[pos : pos+int(miniBlocks)]
		pos += int(miniBlocks)
		for _, w := range widths {
			if i == len(dst) {
				break
			}
			if w > 32 {
				return 0, fmt.Errorf("DELTA_BINARY_PACKED bit width %d exceeds 32", w)
			}
			n := min(perMini, len(dst)-i)
			size := perMini * int(w) / 8
			if len(src)-pos < size {
				return 0, errDeltaTruncated
			}
			run := dst[i : i+n]
			unpackBits(run, src[pos:pos+size], uint(w))
			pos += size
			for k, d := range run {
				last += uint32(minDelta) + uint32(d)
				run[k] = int32(last)
			}
			i += n
		}
	}
	return pos, nil
}
