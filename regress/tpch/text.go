package tpch

import "sync"

// Comments are substrings of one pseudo-text, as the specification
// prescribes (clause 4.2.2.10): a text pool is produced once from a small
// sentence grammar, and each comment is the pool slice at a random offset
// with a random length. The grammar below is the specification's; the word
// lists are the specification's words with rough weights of our own (dbgen
// has its own weight tables), and the pool is 4 MiB rather than 300 MB, which only makes repeated
// substrings more likely. The words the queries look for ("special",
// "requests", "Customer ... Complaints" is inserted separately) occur.

const poolSize = 4 << 20

var (
	// Weights approximate dbgen's skew towards a few words (its comments
	// are dominated by "packages", "requests", "accounts", "deposits",
	// "regular", "final", "ironic", "special", ...). Uniform lists made
	// '%special%requests%' (Q13's filter) match 0.09% of orders at SF 0.01;
	// these weights give 0.6%, nearer dbgen's skew.
	nouns = weighted(
		wordGroup{8, []string{"packages", "requests", "accounts", "deposits"}},
		wordGroup{4, []string{"foxes", "ideas", "theodolites", "pinto beans", "instructions"}},
		wordGroup{2, []string{"dependencies", "excuses", "platelets", "asymptotes", "courts", "dolphins"}},
		wordGroup{1, []string{
			"multipliers", "sauternes", "warthogs", "frets", "dinos",
			"attainments", "somas", "Tiresias", "patterns", "forges", "braids",
			"hockey players", "frays", "warhorses", "dugouts", "notornis",
			"epitaphs", "pearls", "tithes", "waters", "orbits", "gifts",
			"sheaves", "depths", "sentiments", "decoys", "realms", "pains",
			"grouches", "escapades",
		}},
	)
	verbs = []string{
		"sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost",
		"affix", "detect", "integrate", "maintain", "nod", "was", "lose",
		"sublate", "solve", "thrash", "promise", "engage", "hinder", "print",
		"x-ray", "breach", "eat", "grow", "impress", "mold", "poach", "serve",
		"run", "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang",
		"believe", "doubt",
	}
	adjectives = weighted(
		wordGroup{4, []string{"regular", "final", "ironic", "express", "special", "pending", "even", "bold", "unusual", "silent"}},
		wordGroup{2, []string{"furious", "sly", "careful", "blithe", "quick", "fluffy"}},
		wordGroup{1, []string{
			"slow", "quiet", "ruthless", "thin", "close", "dogged", "daring",
			"brave", "stealthy", "permanent", "enticing", "idle", "busy",
		}},
	)
	adverbs = []string{
		"sometimes", "always", "never", "furiously", "slyly", "carefully",
		"blithely", "quickly", "fluffily", "slowly", "quietly", "ruthlessly",
		"thinly", "closely", "doggedly", "daringly", "bravely", "stealthily",
		"permanently", "enticingly", "idly", "busily", "regularly", "finally",
		"ironically", "evenly", "boldly", "silently",
	}
	prepositions = []string{
		"about", "above", "according to", "across", "after", "against",
		"along", "alongside of", "among", "around", "at", "atop", "before",
		"behind", "beneath", "beside", "besides", "between", "beyond", "by",
		"despite", "during", "except", "for", "from", "in place of", "inside",
		"instead of", "into", "near", "of", "on", "outside", "over", "past",
		"since", "through", "throughout", "to", "toward", "under", "until",
		"up", "upon", "without", "with", "within",
	}
	auxiliaries = []string{
		"do", "may", "might", "shall", "will", "would", "can", "could",
		"should", "ought to", "must", "will have to", "shall have to",
		"could have to", "should have to", "must have to", "need to", "try to",
	}
	terminators = []string{".", ";", ":", "?", "!", "--"}
)

// wordGroup is a set of words sharing one weight.
type wordGroup struct {
	weight int
	words  []string
}

// weighted expands groups into a list where each word occurs weight times,
// so a uniform pick follows the weights.
func weighted(groups ...wordGroup) []string {
	var out []string
	for _, g := range groups {
		for _, word := range g.words {
			for range g.weight {
				out = append(out, word)
			}
		}
	}
	return out
}

var (
	poolOnce sync.Once
	pool     []byte
)

// textPool returns the shared pool, building it on first use (~20 ms).
func textPool() []byte {
	poolOnce.Do(func() { pool = buildPool(poolSize) })
	return pool
}

func buildPool(size int) []byte {
	r := at(seedOf("text.pool"), 0)
	b := make([]byte, 0, size+256)
	for len(b) < size {
		b = appendSentence(b, &r)
		b = append(b, ' ')
	}
	return b[:size]
}

func appendSentence(b []byte, r *stream) []byte {
	switch r.intn(0, 4) {
	case 0:
		b = appendNounPhrase(b, r)
		b = appendVerbPhrase(append(b, ' '), r)
	case 1:
		b = appendNounPhrase(b, r)
		b = appendVerbPhrase(append(b, ' '), r)
		b = appendPrepPhrase(append(b, ' '), r)
	case 2:
		b = appendNounPhrase(b, r)
		b = appendVerbPhrase(append(b, ' '), r)
		b = appendNounPhrase(append(b, ' '), r)
	case 3:
		b = appendNounPhrase(b, r)
		b = appendPrepPhrase(append(b, ' '), r)
		b = appendVerbPhrase(append(b, ' '), r)
		b = appendNounPhrase(append(b, ' '), r)
	default:
		b = appendNounPhrase(b, r)
		b = appendPrepPhrase(append(b, ' '), r)
		b = appendVerbPhrase(append(b, ' '), r)
		b = appendPrepPhrase(append(b, ' '), r)
	}
	// The specification attaches the terminator to the last word.
	return append(b, pick(r, terminators)...)
}

func appendNounPhrase(b []byte, r *stream) []byte {
	switch r.intn(0, 3) {
	case 0:
	case 1:
		b = append(append(b, pick(r, adjectives)...), ' ')
	case 2:
		b = append(append(b, pick(r, adjectives)...), ", "...)
		b = append(append(b, pick(r, adjectives)...), ' ')
	default:
		b = append(append(b, pick(r, adverbs)...), ' ')
		b = append(append(b, pick(r, adjectives)...), ' ')
	}
	return append(b, pick(r, nouns)...)
}

func appendVerbPhrase(b []byte, r *stream) []byte {
	switch r.intn(0, 3) {
	case 0:
		return append(b, pick(r, verbs)...)
	case 1:
		b = append(append(b, pick(r, auxiliaries)...), ' ')
		return append(b, pick(r, verbs)...)
	case 2:
		b = append(append(b, pick(r, verbs)...), ' ')
		return append(b, pick(r, adverbs)...)
	default:
		b = append(append(b, pick(r, auxiliaries)...), ' ')
		b = append(append(b, pick(r, verbs)...), ' ')
		return append(b, pick(r, adverbs)...)
	}
}

func appendPrepPhrase(b []byte, r *stream) []byte {
	b = append(append(b, pick(r, prepositions)...), " the "...)
	return appendNounPhrase(b, r)
}

// text returns a pool slice whose length is uniform in [lo, hi].
func text(r *stream, lo, hi int64) []byte {
	p := textPool()
	n := r.intn(lo, hi)
	off := r.intn(0, int64(len(p))-n)
	return p[off : off+n]
}
