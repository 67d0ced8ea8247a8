// Package hardware finds out what the node runs on — usable cores, memory,
// architecture, free disk — and derives the node's budgets from it: the
// number of bees (workers per query), each bee's memory chamber, the
// target cell size (leafcutter) and the Go runtime's soft memory limit.
//
// Containers and systemd units limit a process through cgroups, so the
// machine's figures are only an upper bound: Detect reads the cgroup CPU
// quota (v2 cpu.max, v1 cpu.cfs_quota_us over cpu.cfs_period_us) and memory
// limit (v2 memory.max, v1 memory.limit_in_bytes) of the process's own
// cgroup and of each ancestor up to the hierarchy's mount, and keeps the
// tightest. "max", -1 and the huge numbers v1 reports for "no limit" mean
// none.
//
// Every file is read below Options.Root ("/" in production), so tests
// build fake /proc and /sys/fs/cgroup trees in a temporary directory.
//
// The budgets (Derive) follow docs/operations.md:
//
//	memory limit = 80% of usable memory (min of MemTotal and the cgroup limit)
//	chambers     = half the memory limit, shared by the bees
//	bees         = one per usable core (ceil of the CPU quota, at most NumCPU)
//	cell size    = cell.TargetCellBytes(bee memory)
//
// Explicit bee counts and budgets override the derived ones.
//
// Imports: the standard library and exec/cell (the leafcutter rule).
package hardware
