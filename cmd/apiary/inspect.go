package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/internal/hardware"
)

const configAbout = `
Prints the configuration 'apiary serve' would run with, given the same flags,
environment and configuration file: every key with its value and, in a
comment, where the value came from (default, file, env or flag). Secrets are
shown as <redacted>. The output is itself a valid configuration file.

An invalid configuration is reported as serve reports it, with exit code 2.`

// showConfig runs `apiary config`.
func showConfig(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := nodeConfig(newCommand("config", "config [flags as for serve]", configAbout), args, stdout, stderr)
	if !ok {
		return code
	}
	if err := cfg.WriteTOML(stdout); err != nil {
		fmt.Fprintf(stderr, "apiary config: %v\n", err)
		return exitFailure
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	return exitOK
}

const hardwareAbout = `
Prints what 'apiary serve' would detect — architecture, CPUs and the cgroup
CPU quota, memory and the cgroup memory limit, free disk of the cache
directory — and the budgets it derives: bees (workers per query), each bee's
memory, the target cell size and the Go runtime's memory limit (GOMEMLIMIT).
Flags, environment and configuration file are read as serve reads them, so
--bees and --bee-memory show their effect. docs/operations.md explains the
rules.`

// showHardware runs `apiary hardware`.
func showHardware(args []string, stdout, stderr io.Writer) int {
	cfg, code, ok := nodeConfig(newCommand("hardware", "hardware [flags as for serve]", hardwareAbout), args, stdout, stderr)
	if !ok {
		return code
	}
	hw, b, rt := detectBudgets(cfg)
	writeHardware(stdout, hw, b, rt)
	return exitOK
}

// runtimeSettings are the Go runtime's memory limit and GOGC a node runs
// with, and where each came from.
type runtimeSettings struct {
	memLimit        int64
	memLimitSource  string
	gcPercent       int
	gcPercentSource string
}

// detectBudgets detects the hardware as serve does, derives the budgets
// cfg asks for and applies the Go runtime's memory limit and GOGC.
func detectBudgets(cfg *config.Config) (hardware.Info, hardware.Budgets, runtimeSettings) {
	hw := hardware.Detect(hardware.Options{CacheDir: cfg.Node.CacheDir})
	b := hardware.Derive(hw, hardware.Overrides{Bees: cfg.Bees.Count, BeeMemory: cfg.Bees.Memory})
	var rt runtimeSettings
	rt.memLimit, rt.memLimitSource = hardware.ApplyMemoryLimit(b.MemoryLimit, os.Getenv)
	rt.gcPercent, rt.gcPercentSource = hardware.ApplyGCPercent(rt.memLimit, os.Getenv)
	return hw, b, rt
}

func writeHardware(w io.Writer, hw hardware.Info, b hardware.Budgets, rt runtimeSettings) {
	row := func(name, format string, args ...any) {
		fmt.Fprintf(w, "  %-18s%s\n", name, fmt.Sprintf(format, args...))
	}
	size := func(n int64) string {
		if n <= 0 {
			return "unknown"
		}
		return hardware.FormatBytes(n)
	}
	from := func(file string) string {
		if file == "" {
			return ""
		}
		return " (" + file + ")"
	}

	fmt.Fprintln(w, "Hardware")
	row("architecture", "%s", hw.Arch)
	row("CPUs", "%d", hw.NumCPU)
	if hw.CPUQuota > 0 {
		row("CPU quota", "%.2f cores%s", hw.CPUQuota, from(hw.CPUQuotaFile))
	} else {
		row("CPU quota", "none")
	}
	row("usable cores", "%d", hw.Cores)
	row("memory", "%s total, %s available (/proc/meminfo)", size(hw.MemTotal), size(hw.MemAvailable))
	if hw.MemLimit > 0 {
		row("memory limit", "%s%s", size(hw.MemLimit), from(hw.MemLimitFile))
	} else {
		row("memory limit", "none")
	}
	if hw.AddressSpaceCapped {
		row("usable memory", "%s (what a 32-bit process can address)", size(hw.Memory))
	} else {
		row("usable memory", "%s", size(hw.Memory))
	}
	row("cgroup", "%s", hw.Cgroup)
	switch {
	case hw.CacheDir == "":
	case hw.DiskFree < 0:
		row("cache directory", "%s (free disk unknown)", hw.CacheDir)
	default:
		row("cache directory", "%s (%s free on %s)", hw.CacheDir, hardware.FormatBytes(hw.DiskFree), hw.DiskPath)
	}

	fmt.Fprintln(w, "\nBudgets")
	row("bees", "%d (%s)", b.Bees, b.BeesSource)
	row("bee memory", "%s (%s)", hardware.FormatBytes(b.BeeMemory), b.BeeMemorySource)
	row("query memory", "%s (bees × bee memory)", hardware.FormatBytes(b.BeeMemory*int64(b.Bees)))
	row("target cell size", "%s (bee memory / %d, between %s and %s)", hardware.FormatBytes(b.TargetCellBytes),
		cell.DecodeExpansion*cell.Headroom, hardware.FormatBytes(cell.MinCellBytes), hardware.FormatBytes(cell.MaxCellBytes))
	row("GOMEMLIMIT", "%s (%s)", hardware.FormatBytes(rt.memLimit), rt.memLimitSource)
	row("GOGC", "%d (%s)", rt.gcPercent, rt.gcPercentSource)

	var notes []string
	notes = append(notes, b.Warnings...)
	notes = append(notes, hw.Problems...)
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nWarnings\n  %s\n", strings.Join(notes, "\n  "))
	}
}
