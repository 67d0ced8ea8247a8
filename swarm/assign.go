package swarm

import (
	"math"

	"github.com/apiarydb/apiary/exec"
)

// Assigner chooses the node for one attempt of a task among candidates,
// which are alive and never empty. key is the task's placement key
// (Task.Key); tried lists the nodes earlier attempts went to, which the
// candidates already exclude when another node was available.
type Assigner func(key string, candidates []Member, tried []string) string

// Rendezvous is weighted rendezvous (highest random weight) hashing: each
// node scores -w/ln(u) for a hash u of (key, node) in (0,1) and its weight
// w (Weight: bees, lowered as the node heats up), and the best score
// wins. Critical nodes are left out while any candidate is not critical.
// A node joining or leaving, or changing band, moves only the keys it
// wins or held, so placements stay stable and the node that cached a
// cell keeps getting it; a node with twice the bees wins about twice the
// keys.
func Rendezvous(key string, candidates []Member, _ []string) string {
	return rendezvous(key, weigh(usable(candidates)))
}

// candidate is a node as placement sees it, its Weight worked out once per
// placement rather than once per key.
type candidate struct {
	node   string
	weight float64
	filter CacheFilter
}

func weigh(members []Member) []candidate {
	out := make([]candidate, len(members))
	for i, m := range members {
		out[i] = candidate{node: m.Node, weight: Weight(m), filter: m.CachedFilter}
	}
	return out
}

func rendezvous(key string, candidates []candidate) string {
	best, bestScore := "", math.Inf(-1)
	keyHash := hashKey(key)
	for _, c := range candidates {
		score := -c.weight / math.Log(unitHash(keyHash, c.node))
		if score > bestScore || (score == bestScore && c.node < best) {
			best, bestScore = c.node, score
		}
	}
	return best
}

// Weight is a node's share of placements: its bees (at least one) times
// the factor of its temperature band. The band, not the temperature, sets
// it, so that placements move only when a node crosses a band boundary.
func Weight(m Member) float64 {
	return float64(max(m.Bees, 1)) * bandFactor(memberBand(m))
}

// bandFactor is how much a node of a band takes: a warm node is busy but
// admits everything; a hot one makes new queries wait, so it should get
// little; a critical one refuses queries and gets work only when no other
// node is left (usable), and then as much as a hot one.
func bandFactor(b exec.Band) float64 {
	switch b {
	case exec.BandWarm:
		return 0.75
	case exec.BandHot, exec.BandCritical:
		return 0.25
	}
	return 1
}

// memberBand is the node's band as its heartbeat states it, or derived
// from its temperature when the heartbeat names none.
func memberBand(m Member) exec.Band {
	if m.Band != "" {
		return exec.Band(m.Band)
	}
	return exec.BandOf(m.Temperature)
}

// usable drops critical nodes unless every candidate is critical: a
// critical node refuses new queries, so it should not be handed work
// that another node can take.
func usable(candidates []Member) []Member {
	var cool []Member
	for _, m := range candidates {
		if memberBand(m) != exec.BandCritical {
			cool = append(cool, m)
		}
	}
	if len(cool) == 0 {
		return candidates
	}
	return cool
}

// hashKey is the part of unitHash that depends on the key alone, worked
// out once for all the candidates.
func hashKey(key string) uint64 { return fnv64a(fnv64a(fnvOffset64, key), "\x00") }

// unitHash maps (key, node), the key as hashKey's, to a number in the
// open interval (0, 1).
func unitHash(keyHash uint64, node string) float64 {
	x := fnv64a(keyHash, node)
	// FNV's low bits mix poorly on short inputs; a finaliser spreads them
	// before the top 53 bits become the fraction.
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return (float64(x>>11) + 0.5) / (1 << 53)
}

// FNV-1a's 64-bit offset basis and prime.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// fnv64a continues the FNV-1a hash h over s: hash/fnv's New64a, without
// the allocations it costs per call, which Place would pay for every cell
// and every node.
func fnv64a(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime64
	}
	return h
}
