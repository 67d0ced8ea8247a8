package swarm

import (
	"hash/fnv"
	"math"
)

// Assigner chooses the node for one attempt of a task among candidates,
// which are alive and never empty. key is the task's placement key
// (Task.Key); tried lists the nodes earlier attempts went to, which the
// candidates already exclude when another node was available.
type Assigner func(key string, candidates []Member, tried []string) string

// Rendezvous is weighted rendezvous (highest random weight) hashing: each
// node scores -bees/ln(u) for a hash u of (key, node) in (0,1), and the
// best score wins. A node joining or leaving moves only the keys it wins
// or held, so placements stay stable, which a cache-aware assigner will
// build on; a node with twice the bees wins about twice the keys.
func Rendezvous(key string, candidates []Member, _ []string) string {
	best, bestScore := "", math.Inf(-1)
	for _, m := range candidates {
		weight := float64(max(m.Bees, 1))
		u := unitHash(key, m.Node)
		score := -weight / math.Log(u)
		if score > bestScore || (score == bestScore && m.Node < best) {
			best, bestScore = m.Node, score
		}
	}
	return best
}

// unitHash maps (key, node) to a number in the open interval (0, 1).
func unitHash(key, node string) float64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(key))
	_, _ = h.Write([]byte{0})
	_, _ = h.Write([]byte(node))
	x := h.Sum64()
	// FNV's low bits mix poorly on short inputs; a finaliser spreads them
	// before the top 53 bits become the fraction.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return (float64(x>>11) + 0.5) / (1 << 53)
}
