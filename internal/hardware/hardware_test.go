package hardware

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/cell"
)

// fakeRoot writes files (path → content) below a temporary directory and
// returns it, to stand for / in Detect.
func fakeRoot(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

const (
	gib = int64(1) << 30
	mib = int64(1) << 20
)

func meminfo(totalKB, availKB int64) string {
	return "MemTotal:       " + strconv.FormatInt(totalKB, 10) + " kB\nMemFree:          1000 kB\nMemAvailable:   " + strconv.FormatInt(availKB, 10) + " kB\nBuffers: 1 kB\n"
}

const (
	mountinfoV2 = "25 1 0:22 / / rw - ext4 /dev/root rw\n" +
		"30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate\n"
	mountinfoV1 = "25 1 0:22 / / rw - ext4 /dev/root rw\n" +
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n" +
		"32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n" +
		"35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n" +
		"41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name      string
		files     map[string]string
		numCPU    int
		cgroup    string
		quota     float64
		quotaFile string
		cores     int
		limit     int64
		limitFile string
		memory    int64
	}{
		{
			name: "v2 nested limits, the tighter of each wins",
			files: map[string]string{
				"/proc/meminfo":                                         meminfo(4*1024*1024, 3*1024*1024),
				"/proc/self/mountinfo":                                  mountinfoV2,
				"/proc/self/cgroup":                                     "0::/system.slice/apiary.service\n",
				"/sys/fs/cgroup/cgroup.controllers":                     "cpu memory\n",
				"/sys/fs/cgroup/system.slice/cpu.max":                   "150000 100000\n",
				"/sys/fs/cgroup/system.slice/memory.max":                "1073741824\n",
				"/sys/fs/cgroup/system.slice/apiary.service/cpu.max":    "max 100000\n",
				"/sys/fs/cgroup/system.slice/apiary.service/memory.max": "536870912\n",
			},
			numCPU: 4, cgroup: "v2", quota: 1.5, quotaFile: "/sys/fs/cgroup/system.slice/cpu.max", cores: 2,
			limit: 512 * mib, limitFile: "/sys/fs/cgroup/system.slice/apiary.service/memory.max", memory: 512 * mib,
		},
		{
			name: "v2 without limits",
			files: map[string]string{
				"/proc/meminfo":                     meminfo(2*1024*1024, 1024*1024),
				"/proc/self/mountinfo":              mountinfoV2,
				"/proc/self/cgroup":                 "0::/\n",
				"/sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
				"/sys/fs/cgroup/cpu.max":            "max 100000\n",
				"/sys/fs/cgroup/memory.max":         "max\n",
			},
			numCPU: 4, cgroup: "v2", cores: 4, memory: 2 * gib,
		},
		{
			name: "v2 without mountinfo: the usual mount point is assumed",
			files: map[string]string{
				"/proc/meminfo":                     meminfo(2*1024*1024, 1024*1024),
				"/sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
				"/sys/fs/cgroup/cpu.max":            "250000 100000\n",
				"/sys/fs/cgroup/memory.max":         "805306368\n",
			},
			numCPU: 8, cgroup: "v2", quota: 2.5, quotaFile: "/sys/fs/cgroup/cpu.max", cores: 3,
			limit: 768 * mib, limitFile: "/sys/fs/cgroup/memory.max", memory: 768 * mib,
		},
		{
			name: "v1 limits below the machine",
			files: map[string]string{
				"/proc/meminfo":                                       meminfo(8*1024*1024, 7*1024*1024),
				"/proc/self/mountinfo":                                mountinfoV1,
				"/proc/self/cgroup":                                   "12:memory:/apiary\n5:cpu,cpuacct:/apiary\n0::/\n",
				"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":         "-1\n",
				"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us":        "100000\n",
				"/sys/fs/cgroup/cpu,cpuacct/apiary/cpu.cfs_quota_us":  "50000\n",
				"/sys/fs/cgroup/cpu,cpuacct/apiary/cpu.cfs_period_us": "100000\n",
				"/sys/fs/cgroup/memory/memory.limit_in_bytes":         "9223372036854771712\n",
				"/sys/fs/cgroup/memory/apiary/memory.limit_in_bytes":  "268435456\n",
			},
			numCPU: 2, cgroup: "v1", quota: 0.5, quotaFile: "/sys/fs/cgroup/cpu,cpuacct/apiary/cpu.cfs_quota_us", cores: 1,
			limit: 256 * mib, limitFile: "/sys/fs/cgroup/memory/apiary/memory.limit_in_bytes", memory: 256 * mib,
		},
		{
			name: "v1 without limits (this machine's layout)",
			files: map[string]string{
				"/proc/meminfo":                                                  meminfo(24684100, 24070536),
				"/proc/self/mountinfo":                                           mountinfoV1,
				"/proc/self/cgroup":                                              "4:memory:/process_api/f92330\n1:cpu:/\n2:cpuacct:/\n0::/\n",
				"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us":                    "-1\n",
				"/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us":                   "100000\n",
				"/sys/fs/cgroup/memory/memory.limit_in_bytes":                    "9223372036854771712\n",
				"/sys/fs/cgroup/memory/process_api/f92330/memory.limit_in_bytes": "9223372036854771712\n",
			},
			numCPU: 2, cgroup: "v1", cores: 2, memory: 24684100 * 1024,
		},
		{
			name: "v1 container that sees only its own subtree",
			files: map[string]string{
				"/proc/meminfo": meminfo(4*1024*1024, 3*1024*1024),
				"/proc/self/mountinfo": "40 30 0:32 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n" +
					"41 30 0:29 /docker/abc /sys/fs/cgroup/cpu ro - cgroup cgroup rw,cpu\n",
				"/proc/self/cgroup":                           "4:memory:/docker/abc\n1:cpu:/docker/abc\n",
				"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n",
				"/sys/fs/cgroup/cpu/cpu.cfs_quota_us":         "200000\n",
				"/sys/fs/cgroup/cpu/cpu.cfs_period_us":        "100000\n",
			},
			numCPU: 16, cgroup: "v1", quota: 2, quotaFile: "/sys/fs/cgroup/cpu/cpu.cfs_quota_us", cores: 2,
			limit: gib, limitFile: "/sys/fs/cgroup/memory/memory.limit_in_bytes", memory: gib,
		},
		{
			name: "a limit above the machine limits nothing",
			files: map[string]string{
				"/proc/meminfo":                     meminfo(1024*1024, 512*1024),
				"/proc/self/mountinfo":              mountinfoV2,
				"/proc/self/cgroup":                 "0::/\n",
				"/sys/fs/cgroup/cgroup.controllers": "cpu memory\n",
				"/sys/fs/cgroup/memory.max":         "4294967296\n",
			},
			numCPU: 4, cgroup: "v2", cores: 4, memory: gib,
		},
		{
			name:   "no cgroups at all",
			files:  map[string]string{"/proc/meminfo": meminfo(1024*1024, 512*1024)},
			numCPU: 1, cgroup: "none", cores: 1, memory: gib,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info := Detect(Options{Root: fakeRoot(t, tc.files), NumCPU: tc.numCPU})
			if info.Cgroup != tc.cgroup || info.CPUQuota != tc.quota || info.CPUQuotaFile != tc.quotaFile || info.Cores != tc.cores ||
				info.MemLimit != tc.limit || info.MemLimitFile != tc.limitFile || info.Memory != tc.memory {
				t.Errorf("Detect:\n got cgroup %s quota %v (%s) cores %d limit %d (%s) memory %d\nwant cgroup %s quota %v (%s) cores %d limit %d (%s) memory %d",
					info.Cgroup, info.CPUQuota, info.CPUQuotaFile, info.Cores, info.MemLimit, info.MemLimitFile, info.Memory,
					tc.cgroup, tc.quota, tc.quotaFile, tc.cores, tc.limit, tc.limitFile, tc.memory)
			}
			if len(info.Problems) != 0 {
				t.Errorf("problems: %q", info.Problems)
			}
		})
	}
}

func TestCapAddressSpace(t *testing.T) {
	for _, tc := range []struct {
		mem    int64
		bits   int
		want   int64
		capped bool
	}{
		{8 * gib, 32, 2 * gib, true},
		{gib, 32, gib, false},
		{8 * gib, 64, 8 * gib, false},
		{0, 32, 0, false},
	} {
		if got, capped := capAddressSpace(tc.mem, tc.bits); got != tc.want || capped != tc.capped {
			t.Errorf("capAddressSpace(%d, %d) = %d, %v; want %d, %v", tc.mem, tc.bits, got, capped, tc.want, tc.capped)
		}
	}
}

func TestDetectMeminfo(t *testing.T) {
	info := Detect(Options{Root: fakeRoot(t, map[string]string{"/proc/meminfo": meminfo(1000, 600)}), NumCPU: 1})
	if info.MemTotal != 1000*1024 || info.MemAvailable != 600*1024 {
		t.Errorf("MemTotal %d, MemAvailable %d", info.MemTotal, info.MemAvailable)
	}
	info = Detect(Options{Root: t.TempDir(), NumCPU: 1})
	if info.Memory != 0 || len(info.Problems) != 1 || !strings.Contains(info.Problems[0], "memory size unknown") {
		t.Errorf("without /proc/meminfo: memory %d, problems %q", info.Memory, info.Problems)
	}
}

func TestDetectDisk(t *testing.T) {
	dir := t.TempDir()
	info := Detect(Options{Root: t.TempDir(), NumCPU: 1, CacheDir: filepath.Join(dir, "not", "yet")})
	if runtime.GOOS != "linux" {
		t.Skip("free disk is measured on Linux only")
	}
	if info.DiskPath != dir || info.DiskFree <= 0 || info.CacheDir != filepath.Join(dir, "not", "yet") {
		t.Errorf("disk: path %q free %d cache %q", info.DiskPath, info.DiskFree, info.CacheDir)
	}
}

func TestDetectThisMachine(t *testing.T) {
	info := Detect(Options{})
	if info.NumCPU != runtime.NumCPU() || info.Cores < 1 || info.Cores > info.NumCPU || info.Arch == "" {
		t.Errorf("this machine: %+v", info)
	}
	if runtime.GOOS == "linux" && info.Memory <= 0 {
		t.Errorf("this machine: memory unknown: %q", info.Problems)
	}
}

func TestDerive(t *testing.T) {
	pi := Info{Cores: 4, Memory: gib}
	b := Derive(pi, Overrides{})
	wantLimit := gib / 100 * 80
	wantBee := wantLimit / 100 * 50 / 4
	if b.Bees != 4 || b.MemoryLimit != wantLimit || b.BeeMemory != wantBee || b.TargetCellBytes != cell.TargetCellBytes(wantBee) || len(b.Warnings) != 0 {
		t.Errorf("Pi 4 with 1 GiB: %+v", b)
	}
	if b.TargetCellBytes < cell.MinCellBytes || b.TargetCellBytes > cell.MaxCellBytes {
		t.Errorf("cell size %d outside the leafcutter clamp", b.TargetCellBytes)
	}

	b = Derive(pi, Overrides{Bees: 2, BeeMemory: 64 * mib})
	if b.Bees != 2 || b.BeesSource != "configured" || b.BeeMemory != 64*mib || b.BeeMemorySource != "configured" ||
		b.TargetCellBytes != cell.MinCellBytes {
		t.Errorf("overrides: %+v", b)
	}
	b = Derive(pi, Overrides{BeeMemory: 512 * mib})
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "exceed the memory limit") {
		t.Errorf("oversized chambers: warnings %q", b.Warnings)
	}

	// A small container with many cores: the chamber floor.
	b = Derive(Info{Cores: 16, Memory: 256 * mib}, Overrides{})
	if b.BeeMemory != MinBeeMemory || !strings.Contains(b.BeeMemorySource, "minimum") {
		t.Errorf("floor: %+v", b)
	}
	b = Derive(Info{Cores: 2}, Overrides{})
	if b.BeeMemory != FallbackBeeMemory || b.MemoryLimit != 0 {
		t.Errorf("memory unknown: %+v", b)
	}
	b = Derive(Info{Cores: 2, Memory: 4 * gib}, Overrides{Bees: 8})
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "more bees than cores") {
		t.Errorf("8 bees on 2 cores: warnings %q", b.Warnings)
	}
	// Large machines: cells stop at the leafcutter's ceiling.
	b = Derive(Info{Cores: 2, Memory: 64 * gib}, Overrides{})
	if b.TargetCellBytes != cell.MaxCellBytes {
		t.Errorf("64 GiB: cell %d", b.TargetCellBytes)
	}
}

func TestApplyMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })

	got, src := ApplyMemoryLimit(3*gib, func(string) string { return "" })
	if got != 3*gib || debug.SetMemoryLimit(-1) != 3*gib || !strings.Contains(src, "derived") {
		t.Errorf("derived: %d (%s), runtime %d", got, src, debug.SetMemoryLimit(-1))
	}
	debug.SetMemoryLimit(5 * gib) // as the runtime would have from GOMEMLIMIT=5GiB
	got, src = ApplyMemoryLimit(3*gib, func(k string) string {
		if k == "GOMEMLIMIT" {
			return "5GiB"
		}
		return ""
	})
	if got != 5*gib || debug.SetMemoryLimit(-1) != 5*gib || !strings.Contains(src, "GOMEMLIMIT") {
		t.Errorf("GOMEMLIMIT set: %d (%s), runtime %d", got, src, debug.SetMemoryLimit(-1))
	}
	debug.SetMemoryLimit(math.MaxInt64)
	if got, src = ApplyMemoryLimit(0, func(string) string { return "" }); got != math.MaxInt64 || !strings.Contains(src, "unknown") {
		t.Errorf("memory unknown: %d (%s)", got, src)
	}
}

func TestApplyGCPercent(t *testing.T) {
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
	none := func(string) string { return "" }

	if got, src := ApplyGCPercent(3*gib, none); got != GCPercentUnderLimit || debug.SetGCPercent(100) != GCPercentUnderLimit || !strings.Contains(src, "limit") {
		t.Errorf("under a limit: %d (%s)", got, src)
	}
	debug.SetGCPercent(50) // as the runtime would have from GOGC=50
	got, src := ApplyGCPercent(3*gib, func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	})
	if got != 50 || debug.SetGCPercent(100) != 50 || !strings.Contains(src, "GOGC") {
		t.Errorf("GOGC set: %d (%s)", got, src)
	}
	debug.SetGCPercent(GCPercentUnderLimit)
	if got, src := ApplyGCPercent(math.MaxInt64, none); got != 100 || debug.SetGCPercent(100) != 100 || !strings.Contains(src, "no memory limit") {
		t.Errorf("no limit: %d (%s)", got, src)
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{512: "512B", 1536: "1.5KiB", 256 * mib: "256MiB", 3*gib + gib/2: "3.5GiB", math.MaxInt64: "none"} {
		if got := FormatBytes(n); got != want {
			t.Errorf("FormatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
