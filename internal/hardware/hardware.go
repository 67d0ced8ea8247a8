package hardware

import (
	"bufio"
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
)

// Options says where Detect looks.
type Options struct {
	// Root is the directory /proc and /sys/fs/cgroup are read under; ""
	// means "/".
	Root string
	// CacheDir is the node's cache directory, whose file system's free
	// space Detect reports. It need not exist yet: its nearest existing
	// ancestor is measured. "" skips the measurement.
	CacheDir string
	// NumCPU overrides runtime.NumCPU() (the CPUs this process may run on);
	// 0 means ask the runtime.
	NumCPU int
}

// Info is what Detect found. Sizes are bytes; 0 means unknown or none, as
// each field says.
type Info struct {
	// Arch is GOARCH, with the ARM variant for 32-bit ARM ("armv7").
	Arch string
	// NumCPU is the number of CPUs the process may run on.
	NumCPU int
	// CPUQuota is the cgroup's CPU bandwidth limit in cores (1.5 = one and
	// a half cores' time per period); 0 means no quota.
	CPUQuota float64
	// Cores is the number of cores the node may use: NumCPU, lowered to
	// the quota rounded up. At least 1.
	Cores int
	// MemTotal and MemAvailable are /proc/meminfo's; 0 if unreadable.
	MemTotal, MemAvailable int64
	// MemLimit is the cgroup memory limit; 0 means none.
	MemLimit int64
	// Memory is the memory the node may use: the smaller of MemTotal and
	// MemLimit (whichever are known), and of what a 32-bit process can
	// address; 0 if neither is known.
	Memory int64
	// AddressSpaceCapped is true when Memory was lowered to what a 32-bit
	// process can address (a Pi with 8 GiB on a 32-bit OS).
	AddressSpaceCapped bool
	// Cgroup is "v2", "v1" or "none": the hierarchy the limits were read from.
	Cgroup string
	// CPUQuotaFile and MemLimitFile name the files the limits came from
	// (without Root), for the report; "" when there was none.
	CPUQuotaFile, MemLimitFile string
	// CacheDir is the absolute cache directory, and DiskPath the existing
	// directory whose file system was measured; DiskFree is the space an
	// unprivileged process may still use there, -1 if unknown.
	CacheDir, DiskPath string
	DiskFree           int64
	// Problems lists what could not be read; detection carries on without it.
	Problems []string
}

// Detect reads the hardware and the cgroup limits. It does not fail: what
// it cannot read is left unknown and listed in Problems.
func Detect(opts Options) Info {
	if opts.Root == "" {
		opts.Root = "/"
	}
	info := Info{Arch: arch(), NumCPU: opts.NumCPU, DiskFree: -1}
	if info.NumCPU <= 0 {
		info.NumCPU = runtime.NumCPU()
	}
	fs := rootFS(opts.Root)

	if err := info.readMeminfo(fs); err != nil {
		info.Problems = append(info.Problems, err.Error())
	}
	cg := readCgroups(fs)
	info.Cgroup = cg.version()
	info.CPUQuota, info.CPUQuotaFile = cg.cpuQuota()
	info.MemLimit, info.MemLimitFile = cg.memoryLimit()
	if info.MemTotal > 0 && info.MemLimit >= info.MemTotal {
		// Above the machine's memory a limit limits nothing; 32-bit v1
		// kernels report "none" as about 2 GiB, which lands here.
		info.MemLimit, info.MemLimitFile = 0, ""
	}

	info.Cores = info.NumCPU
	if info.CPUQuota > 0 {
		info.Cores = min(info.Cores, int(math.Ceil(info.CPUQuota)))
	}
	info.Cores = max(info.Cores, 1)
	info.Memory = info.MemTotal
	if info.MemLimit > 0 && (info.Memory == 0 || info.MemLimit < info.Memory) {
		info.Memory = info.MemLimit
	}
	info.Memory, info.AddressSpaceCapped = capAddressSpace(info.Memory, strconv.IntSize)

	if opts.CacheDir != "" {
		info.measureDisk(opts.CacheDir)
	}
	return info
}

// addressable32 is the memory a 32-bit Linux process can use: of its 4 GiB
// address space the kernel keeps 1 GiB on the usual 3G/1G split, and the
// binary, stacks and mappings take some of the rest.
const addressable32 = 2 << 30

// capAddressSpace lowers mem to what a process with intBits-bit pointers
// can address, and says whether it did.
func capAddressSpace(mem int64, intBits int) (int64, bool) {
	if intBits == 32 && mem > addressable32 {
		return addressable32, true
	}
	return mem, false
}

// arch names the architecture the binary was built for.
func arch() string {
	if runtime.GOARCH != "arm" {
		return runtime.GOARCH
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "GOARM" && s.Value != "" {
				return "armv" + strings.SplitN(s.Value, ",", 2)[0]
			}
		}
	}
	return "arm"
}

// rootFS reads files below a root directory.
type rootFS string

func (r rootFS) read(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join(string(r), filepath.FromSlash(name)))
}

func (r rootFS) exists(name string) bool {
	_, err := os.Stat(filepath.Join(string(r), filepath.FromSlash(name)))
	return err == nil
}

// readMeminfo reads MemTotal and MemAvailable (kB in the file).
func (info *Info) readMeminfo(fs rootFS) error {
	data, err := fs.read("/proc/meminfo")
	if err != nil {
		return fmt.Errorf("memory size unknown: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch name {
		case "MemTotal":
			dst = &info.MemTotal
		case "MemAvailable":
			dst = &info.MemAvailable
		default:
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		n, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			return fmt.Errorf("/proc/meminfo: bad %s line %q", name, sc.Text())
		}
		if len(fields) > 1 && strings.EqualFold(fields[1], "kB") {
			n *= 1024
		}
		*dst = n
	}
	if info.MemTotal == 0 {
		return fmt.Errorf("/proc/meminfo has no MemTotal")
	}
	return nil
}

// measureDisk finds the free space of the file system holding dir.
func (info *Info) measureDisk(dir string) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		info.Problems = append(info.Problems, fmt.Sprintf("cache directory %s: %v", dir, err))
		return
	}
	info.CacheDir = abs
	p := abs
	for {
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			break
		}
		parent := filepath.Dir(p)
		if parent == p {
			break
		}
		p = parent
	}
	free, err := freeBytes(p)
	if err != nil {
		info.Problems = append(info.Problems, fmt.Sprintf("free disk of %s unknown: %v", p, err))
		return
	}
	info.DiskPath, info.DiskFree = p, free
}
