package cell

import (
	"bytes"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/parquet-go/parquet-go/encoding/delta"
	"github.com/parquet-go/parquet-go/encoding/rle"
	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// hybridInput makes n values below 1<<width: long runs (which encoders
// write as RLE runs) mixed with noise (bit-packed runs).
func hybridInput(rng *rand.Rand, n int, width uint) []int32 {
	limit := uint64(1) << width
	out := make([]int32, 0, n)
	for len(out) < n {
		v := int32(uint32(rng.Uint64N(limit)))
		k := 1 + rng.IntN(20)
		if rng.IntN(3) == 0 {
			k = 1 + rng.IntN(300)
		}
		for range min(k, n-len(out)) {
			if rng.IntN(4) == 0 && k < 20 {
				v = int32(uint32(rng.Uint64N(limit)))
			}
			out = append(out, v)
		}
	}
	return out
}

// TestDecodeHybridMatchesParquetGo decodes what parquet-go's RLE encoder
// writes, for every bit width, as definition levels and as indices.
func TestDecodeHybridMatchesParquetGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	for width := uint(0); width <= 32; width++ {
		for _, n := range []int{0, 1, 7, 8, 9, 63, 1000, 4099} {
			want := hybridInput(rng, n, width)
			enc, err := (&rle.Encoding{BitWidth: int(width)}).EncodeInt32(nil, want)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int32, n)
			if err := decodeHybrid(got, enc, width); err != nil {
				t.Fatalf("width %d, %d values: %v", width, n, err)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("width %d, %d values: decoded differently", width, n)
			}
			if width > 8 {
				continue
			}
			levels := make([]uint8, n)
			for i, x := range want {
				levels[i] = uint8(x)
			}
			enc, err = (&rle.Encoding{BitWidth: int(width)}).EncodeLevels(nil, levels)
			if err != nil {
				t.Fatal(err)
			}
			gotLevels := make([]uint8, n)
			if err := decodeHybrid(gotLevels, enc, width); err != nil {
				t.Fatalf("levels of width %d, %d values: %v", width, n, err)
			}
			if !slices.Equal(gotLevels, levels) {
				t.Fatalf("levels of width %d, %d values: decoded differently", width, n)
			}
		}
	}
}

// TestDecodeHybridRuns checks hand-written runs: padding in the last
// bit-packed group, bit width 0, RLE values wider than one byte, and
// damage, which must be an error.
func TestDecodeHybridRuns(t *testing.T) {
	cases := []struct {
		name  string
		width uint
		src   []byte
		want  []int32
		bad   bool
	}{
		{"rle", 3, []byte{5 << 1, 6}, []int32{6, 6, 6, 6, 6}, false},
		{"rle two bytes", 12, []byte{2 << 1, 0x34, 0x0a}, []int32{0xa34, 0xa34}, false},
		{"packed with padding", 3, []byte{1<<1 | 1, 0x88, 0xc6, 0xfa}, []int32{0, 1, 2, 3, 4}, false},
		{"packed then rle", 1, []byte{1<<1 | 1, 0b10110, 3 << 1, 1}, []int32{0, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1}, false},
		{"width 0", 0, []byte{4 << 1}, []int32{0, 0, 0, 0}, false},
		{"width 0 packed", 0, []byte{1<<1 | 1}, []int32{0, 0, 0}, false},
		{"trailing bytes ignored", 2, []byte{2 << 1, 3, 0xff, 0xff}, []int32{3, 3}, false},
		{"rle value too wide", 2, []byte{2 << 1, 4}, make([]int32, 2), true},
		{"rle value missing", 8, []byte{2 << 1}, make([]int32, 2), true},
		{"packed truncated", 8, []byte{1<<1 | 1, 1, 2}, make([]int32, 8), true},
		{"runs end early", 4, []byte{2 << 1, 1}, make([]int32, 3), true},
		{"empty", 4, nil, make([]int32, 1), true},
		{"header varint cut", 4, []byte{0x80}, make([]int32, 1), true},
		{"width 33", 33, []byte{2 << 1, 0, 0, 0, 0, 0}, make([]int32, 2), true},
		{"huge packed count", 4, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, make([]int32, 2), true},
	}
	for _, c := range cases {
		got := make([]int32, len(c.want))
		err := decodeHybrid(got, c.src, c.width)
		if c.bad {
			if err == nil {
				t.Errorf("%s: decoded %v, want an error", c.name, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, %v; want %v", c.name, got, err, c.want)
		}
	}
}

// TestDecodeDeltaMatchesParquetGo decodes what parquet-go's
// DELTA_BINARY_PACKED encoder writes (value lengths of
// DELTA_LENGTH_BYTE_ARRAY pages), including deltas that wrap.
func TestDecodeDeltaMatchesParquetGo(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	gens := map[string]func(i int) int32{
		"lengths": func(int) int32 { return int32(rng.IntN(60)) },
		"equal":   func(int) int32 { return 17 },
		"rising":  func(i int) int32 { return int32(i * 3) },
		"extreme": func(int) int32 {
			return []int32{math.MinInt32, math.MaxInt32, 0, -1, 1}[rng.IntN(5)]
		},
		"random": func(int) int32 { return int32(rng.Uint32()) },
	}
	for name, gen := range gens {
		for _, n := range []int{0, 1, 2, 128, 129, 1000, 5000} {
			want := make([]int32, n)
			for i := range want {
				want[i] = gen(i)
			}
			enc, err := (&delta.BinaryPackedEncoding{}).EncodeInt32(nil, want)
			if err != nil {
				t.Fatal(err)
			}
			tail := append(slices.Clone(enc), "values follow"...)
			got := make([]int32, n)
			used, err := decodeDeltaInt32(got, tail)
			if err != nil {
				t.Fatalf("%s, %d values: %v", name, n, err)
			}
			if used != len(enc) {
				t.Fatalf("%s, %d values: took %d bytes of %d", name, n, used, len(enc))
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s, %d values: decoded differently", name, n)
			}
			// Every truncation is an error, never a panic or a short
			// success.
			for cut := 0; cut < len(enc); cut += 1 + len(enc)/50 {
				if _, err := decodeDeltaInt32(make([]int32, n), enc[:cut]); err == nil {
					t.Fatalf("%s, %d values: %d of %d bytes decoded without error", name, n, cut, len(enc))
				}
			}
			// A count other than the page's is an error.
			if _, err := decodeDeltaInt32(make([]int32, n+1), enc); err == nil {
				t.Fatalf("%s: %d values decoded as %d", name, n, n+1)
			}
		}
	}
}

// TestReadPageHeader decodes page headers written by parquet-go's Thrift
// encoder, with the fields the reader skips (statistics, v1 and index
// headers) present, and checks that damaged headers are errors.
func TestReadPageHeader(t *testing.T) {
	isCompressed := false
	stats := format.Statistics{Max: []byte("zz"), Min: []byte("a"), NullCount: 3, DistinctCount: 9, MaxValue: bytes.Repeat([]byte{7}, 300), MinValue: []byte{}}
	cases := []struct {
		name string
		in   format.PageHeader
		want pageHeader
	}{
		{"v2", format.PageHeader{
			Type: format.DataPageV2, UncompressedPageSize: 1 << 20, CompressedPageSize: 77_000, CRC: -5,
			DataPageHeaderV2: &format.DataPageHeaderV2{NumValues: 4096, NumNulls: 12, NumRows: 4096, Encoding: format.RLEDictionary,
				DefinitionLevelsByteLength: 513, RepetitionLevelsByteLength: 0, IsCompressed: &isCompressed, Statistics: stats},
		}, pageHeader{typ: format.DataPageV2, uncompressedSize: 1 << 20, compressedSize: 77_000, crc: -5, hasV2: true,
			numValues: 4096, numNulls: 12, numRows: 4096, encoding: format.RLEDictionary, defLen: 513}},
		{"v2 compressed by default", format.PageHeader{
			Type: format.DataPageV2, UncompressedPageSize: 10, CompressedPageSize: 9,
			DataPageHeaderV2: &format.DataPageHeaderV2{NumValues: 1, NumRows: 1, Encoding: format.Plain},
		}, pageHeader{typ: format.DataPageV2, uncompressedSize: 10, compressedSize: 9, hasV2: true,
			numValues: 1, numRows: 1, compressed: true}},
		{"dictionary", format.PageHeader{
			Type: format.DictionaryPage, UncompressedPageSize: 100, CompressedPageSize: 50, CRC: 123456789,
			DictionaryPageHeader: &format.DictionaryPageHeader{NumValues: 17, Encoding: plainDictionary, IsSorted: true},
		}, pageHeader{typ: format.DictionaryPage, uncompressedSize: 100, compressedSize: 50, crc: 123456789, hasDict: true,
			numValues: 17, encoding: plainDictionary, compressed: true}},
		{"v1", format.PageHeader{
			Type: format.DataPage, UncompressedPageSize: 100, CompressedPageSize: 60,
			DataPageHeader: &format.DataPageHeader{NumValues: 5, Encoding: format.Plain, Statistics: stats},
		}, pageHeader{typ: format.DataPage, uncompressedSize: 100, compressedSize: 60, hasV1: true, compressed: true}},
		{"index", format.PageHeader{
			Type: format.IndexPage, UncompressedPageSize: 0, CompressedPageSize: 0, IndexPageHeader: &format.IndexPageHeader{},
		}, pageHeader{typ: format.IndexPage, compressed: true}},
	}
	for _, c := range cases {
		enc, err := thrift.Marshal(new(thrift.CompactProtocol), &c.in)
		if err != nil {
			t.Fatal(err)
		}
		got, n, err := readPageHeader(append(enc, "page body"...))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if n != len(enc) || got != c.want {
			t.Fatalf("%s: read %+v in %d bytes, want %+v in %d", c.name, got, n, c.want, len(enc))
		}
		for cut := range len(enc) {
			if _, _, err := readPageHeader(enc[:cut]); err == nil {
				t.Fatalf("%s: header cut to %d of %d bytes read without error", c.name, cut, len(enc))
			}
		}
	}
	// A required field missing, nesting without end, and a list claiming
	// more elements than bytes are errors.
	for name, b := range map[string][]byte{
		"no sizes":      {0x15, 0x06, 0x00},
		"deep nesting":  bytes.Repeat([]byte{0x1c}, 100),
		"huge list":     {0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"huge binary":   {0x18, 0xff, 0xff, 0xff, 0xff, 0x0f},
		"long varint":   {0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
		"i32 too large": {0x15, 0xfe, 0xff, 0xff, 0xff, 0x1f},
	} {
		if h, _, err := readPageHeader(b); err == nil {
			t.Errorf("%s: read %+v", name, h)
		}
	}
}

// gatherBytes gives each code its dictionary value, whether the values
// move as words (all at most 8 bytes, the last ones near the end of the
// dictionary's bytes) or are copied.
func TestGatherBytes(t *testing.T) {
	for _, words := range [][]string{
		{"", "a", "RAIL", "AIR", "MAIL", "SHIP", "TRUCK", "REG AIR", "FOB", "12345678"},
		{"x", "longer than eight", "", "y"},
	} {
		var d []byte
		offs := []uint32{0}
		for _, w := range words {
			d = append(d, w...)
			offs = append(offs, uint32(len(d)))
		}
		var codes []int32
		var want []byte
		for i := 0; i < 300; i++ {
			k := int32((i * 7) % len(words))
			codes = append(codes, k)
			want = append(want, words[k]...)
		}
		c := colReader{pageBufs: &pageBufs{}}
		if err := c.gatherBytes(d, offs, codes); err != nil {
			t.Fatal(err)
		}
		if string(c.bdata) != string(want) || len(c.boffs) != len(codes)+1 {
			t.Fatalf("gathered %q", c.bdata)
		}
		for i, k := range codes {
			if got := string(c.bdata[c.boffs[i]:c.boffs[i+1]]); got != words[k] {
				t.Fatalf("row %d: %q, want %q", i, got, words[k])
			}
		}
	}
}
