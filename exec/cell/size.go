package cell

import (
	"fmt"
	"strconv"
	"strings"
)

// Leafcutter sizing. A cell is the unit a bee (one worker with one memory
// budget) decodes, so its size on storage follows from that budget:
//
//	target = clamp(budget / (DecodeExpansion × Headroom), MinCellBytes, MaxCellBytes)
//
// DecodeExpansion is how much larger a cell is in memory as vec columns than
// on storage: LZ4 on analytical columns compresses 2-3×, dictionary strings
// expand further when materialised and every text value gains a 4-byte
// offset, so 4× covers typical frames. Headroom reserves the other half of
// the budget for the operators consuming the decoded data (hash tables,
// sort buffers) and for the compressed bytes held while decoding.
const (
	DecodeExpansion = 4
	Headroom        = 2
	MinCellBytes    = 8 << 20
	MaxCellBytes    = 512 << 20
)

// TargetCellBytes returns the on-storage cell size for bees with the given
// memory budget in bytes.
func TargetCellBytes(beeMemoryBudget int64) int64 {
	t := beeMemoryBudget / (DecodeExpansion * Headroom)
	return min(max(t, MinCellBytes), MaxCellBytes)
}

// TargetCellSizeOption is the frame option that fixes the target cell size
// ("64MiB", "8388608", "1 GiB"), overriding the budget-derived value.
const TargetCellSizeOption = "target_cell_size"

// TargetFromOptions returns the explicit target in a frame's options, or
// TargetCellBytes(beeMemoryBudget) when the option is absent.
func TargetFromOptions(options map[string]string, beeMemoryBudget int64) (int64, error) {
	s, ok := options[TargetCellSizeOption]
	if !ok {
		return TargetCellBytes(beeMemoryBudget), nil
	}
	n, err := ParseSize(s)
	if err != nil {
		return 0, fmt.Errorf("cell: option %s: %w", TargetCellSizeOption, err)
	}
	if n < 1<<20 {
		return 0, fmt.Errorf("cell: option %s = %q is below 1 MiB", TargetCellSizeOption, s)
	}
	return n, nil
}

// ParseSize reads a byte count with an optional binary or decimal unit
// (B, kB/KiB, MB/MiB, GB/GiB; case-insensitive).
func ParseSize(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"kb", 1000}, {"mb", 1000_000}, {"gb", 1000_000_000}, {"k", 1 << 10}, {"m", 1 << 20}, {"g", 1 << 30}, {"b", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mult, nil
}
