package swarm

// A node's heartbeat carries a Bloom filter of the cells its local cache
// holds, so a coordinator can prefer, for each cell, a node that would
// read it from its own disk. A Bloom filter answers "maybe" for keys it
// holds and, rarely, for keys it does not (a wasted preference, never a
// wrong result); it is a few bits per cell where the keys themselves are
// about a hundred bytes each.

// cacheFilterBitsPerKey gives about a 1% false-positive rate with
// cacheFilterHashes hashes.
const (
	cacheFilterBitsPerKey = 10
	cacheFilterHashes     = 7
	// cacheFilterMaxBytes bounds the heartbeat's size: past about 50,000
	// cells the filter saturates gracefully (more false positives).
	cacheFilterMaxBytes = 64 << 10
)

// CacheFilter is the filter's bit array, as the heartbeat carries it.
type CacheFilter []byte

// NewCacheFilter builds the filter of keys; nil when there are none.
func NewCacheFilter(keys []string) CacheFilter {
	if len(keys) == 0 {
		return nil
	}
	n := min(max((len(keys)*cacheFilterBitsPerKey+7)/8, 8), cacheFilterMaxBytes)
	f := make(CacheFilter, n)
	for _, k := range keys {
		h1, h2 := filterHashes(k)
		for i := uint32(0); i < cacheFilterHashes; i++ {
			bit := (h1 + i*h2) % uint32(len(f)*8)
			f[bit/8] |= 1 << (bit % 8)
		}
	}
	return f
}

// MayContain reports whether key may be in the filter; false is certain.
func (f CacheFilter) MayContain(key string) bool {
	h1, h2 := filterHashes(key)
	return f.mayContain(h1, h2)
}

// mayContain is MayContain for a key whose filterHashes are known: Place
// hashes each cell once for all the nodes' filters.
func (f CacheFilter) mayContain(h1, h2 uint32) bool {
	if len(f) == 0 {
		return false
	}
	for i := uint32(0); i < cacheFilterHashes; i++ {
		bit := (h1 + i*h2) % uint32(len(f)*8)
		if f[bit/8]&(1<<(bit%8)) == 0 {
			return false
		}
	}
	return true
}

// filterHashes derives the filter's hashes from one 64-bit FNV-1a hash
// (double hashing: h1 + i·h2); h2 is odd so the probes differ. Filters
// travel between nodes: changing this function changes what every older
// node's filter means.
func filterHashes(key string) (uint32, uint32) {
	x := fnv64a(fnvOffset64, key)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return uint32(x), uint32(x>>32) | 1
}
