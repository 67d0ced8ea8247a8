package hardware

import (
	"fmt"
	"math"
	"runtime/debug"

	"github.com/apiarydb/apiary/exec/cell"
)

// The shares of usable memory the budgets take (docs/operations.md).
const (
	// MemoryLimitPercent of usable memory becomes the Go runtime's soft
	// limit (GOMEMLIMIT). The rest is for what the Go runtime does not
	// count or cannot return at once, the OS, and the page cache the local
	// backend reads through.
	MemoryLimitPercent = 80
	// ChamberPercent of the memory limit is shared out among the bees as
	// their chambers; the rest of the heap serves sessions, decoded cells
	// in flight, catalog and ledger snapshots, and garbage not yet
	// collected.
	ChamberPercent = 50
	// MinBeeMemory is the smallest derived chamber: below it a bee cannot
	// hold a useful hash table, and spilling does the work instead.
	MinBeeMemory = 16 << 20
	// FallbackBeeMemory is the chamber when memory is unknown; it equals
	// exec.DefaultBeeMemory (a test in cmd/apiary checks).
	FallbackBeeMemory = 256 << 20
)

// Overrides are the configured values that take precedence over derived
// ones; zero fields are derived.
type Overrides struct {
	Bees      int
	BeeMemory int64
}

// Budgets are what the node gives its bees.
type Budgets struct {
	// Bees is the number of workers per query; BeesSource says why.
	Bees       int
	BeesSource string
	// BeeMemory is one bee's chamber in bytes; BeeMemorySource says why.
	BeeMemory       int64
	BeeMemorySource string
	// TargetCellBytes is the leafcutter size of the cells this node writes.
	TargetCellBytes int64
	// MemoryLimit is the derived soft memory limit for the Go runtime; 0
	// when memory is unknown.
	MemoryLimit int64
	// Warnings describe budgets that do not fit the machine.
	Warnings []string
}

// Derive computes the budgets for info, honouring the overrides.
func Derive(info Info, o Overrides) Budgets {
	var b Budgets
	if info.Memory > 0 {
		b.MemoryLimit = info.Memory / 100 * MemoryLimitPercent
	}
	b.Bees, b.BeesSource = o.Bees, "configured"
	if b.Bees <= 0 {
		b.Bees, b.BeesSource = max(info.Cores, 1), "one per usable core"
	}
	switch {
	case o.BeeMemory > 0:
		b.BeeMemory, b.BeeMemorySource = o.BeeMemory, "configured"
	case b.MemoryLimit > 0:
		share := b.MemoryLimit / 100 * ChamberPercent / int64(b.Bees)
		b.BeeMemory = max(share, MinBeeMemory)
		b.BeeMemorySource = fmt.Sprintf("%d%% of the memory limit shared by %d bees", ChamberPercent, b.Bees)
		if share < MinBeeMemory {
			b.BeeMemorySource = fmt.Sprintf("the %s minimum", FormatBytes(MinBeeMemory))
		}
	default:
		b.BeeMemory, b.BeeMemorySource = FallbackBeeMemory, "default: memory size unknown"
	}
	b.TargetCellBytes = cell.TargetCellBytes(b.BeeMemory)

	chambers := b.BeeMemory * int64(b.Bees)
	if b.MemoryLimit > 0 && chambers > b.MemoryLimit {
		b.Warnings = append(b.Warnings, fmt.Sprintf(
			"the bees' chambers (%d × %s = %s) exceed the memory limit (%s): one large query can exhaust the node's memory; lower bees.memory or bees.count",
			b.Bees, FormatBytes(b.BeeMemory), FormatBytes(chambers), FormatBytes(b.MemoryLimit)))
	}
	if info.Cores > 0 && b.Bees > 2*info.Cores {
		b.Warnings = append(b.Warnings, fmt.Sprintf("%d bees on %d usable cores: more bees than cores only adds switching", b.Bees, info.Cores))
	}
	return b
}

// MemoryLimitEnv is the variable through which an operator sets the Go
// runtime's limit directly.
const MemoryLimitEnv = "GOMEMLIMIT"

// ApplyMemoryLimit sets the Go runtime's soft memory limit to limit unless
// GOMEMLIMIT is set (getenv(MemoryLimitEnv) != ""), in which case the
// runtime already follows the operator's value. It returns the limit in
// force (math.MaxInt64 means none) and where it came from.
func ApplyMemoryLimit(limit int64, getenv func(string) string) (int64, string) {
	switch {
	case getenv(MemoryLimitEnv) != "":
		return debug.SetMemoryLimit(-1), "the GOMEMLIMIT environment variable"
	case limit <= 0:
		return debug.SetMemoryLimit(-1), "none: memory size unknown"
	}
	debug.SetMemoryLimit(limit)
	return limit, fmt.Sprintf("derived: %d%% of usable memory", MemoryLimitPercent)
}

// GCPercentEnv is the variable through which an operator sets the Go
// collector's GOGC directly.
const GCPercentEnv = "GOGC"

// GCPercentUnderLimit is the GOGC a node runs with under a memory limit.
// The default 100 collects whenever the heap doubles: a query streaming
// cells through a heap of a few hundred MiB then spends a fifth of its
// CPU collecting and being preempted for it (TPC-H SF 1 ran about 20%
// faster at 400; docs/performance.md). The memory limit, not GOGC, is
// what bounds the heap: near it the collector runs as often as needed.
const GCPercentUnderLimit = 400

// ApplyGCPercent sets GOGC to GCPercentUnderLimit when a memory limit is in
// force (limit < math.MaxInt64) and GOGC is not set in the environment. It
// returns the GOGC in force (-1 is off) and where it came from.
func ApplyGCPercent(limit int64, getenv func(string) string) (int, string) {
	switch {
	case getenv(GCPercentEnv) != "":
		cur := debug.SetGCPercent(100)
		debug.SetGCPercent(cur)
		return cur, "the GOGC environment variable"
	case limit == math.MaxInt64:
		debug.SetGCPercent(100)
		return 100, "Go's default: no memory limit"
	}
	debug.SetGCPercent(GCPercentUnderLimit)
	return GCPercentUnderLimit, "under the memory limit"
}

// FormatBytes writes n bytes for people: 512MiB, 1.5GiB, 7.8TiB.
func FormatBytes(n int64) string {
	if n == math.MaxInt64 {
		return "none"
	}
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%dB", n)
	}
	v, i := float64(n), -1
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	s := fmt.Sprintf("%.1f", v)
	if len(s) > 2 && s[len(s)-2:] == ".0" {
		s = s[:len(s)-2]
	}
	return s + []string{"KiB", "MiB", "GiB", "TiB", "PiB"}[i]
}
