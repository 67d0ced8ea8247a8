package hardware

import (
	"bufio"
	"bytes"
	"path"
	"slices"
	"strconv"
	"strings"
)

// cgroupMount is one mounted cgroup hierarchy, from /proc/self/mountinfo.
type cgroupMount struct {
	// root is the directory of the hierarchy that is mounted ("/" unless
	// the mount shows only a subtree, as in some containers) and point
	// where it is mounted.
	root, point string
	v2          bool
	// options are a v1 mount's super options, which name its controllers.
	options []string
}

// cgroups is the process's place in the cgroup hierarchies.
type cgroups struct {
	fs     rootFS
	mounts []cgroupMount
	// v2Path is the process's cgroup in the unified hierarchy and v1Paths
	// its cgroup per v1 controller, from /proc/self/cgroup; "/" when
	// unknown.
	v2Path  string
	v1Paths map[string]string
}

func readCgroups(fs rootFS) *cgroups {
	cg := &cgroups{fs: fs, v2Path: "/", v1Paths: map[string]string{}}
	if data, err := fs.read("/proc/self/mountinfo"); err == nil {
		cg.mounts = parseMountinfo(data)
	} else {
		cg.mounts = guessMounts(fs)
	}
	if data, err := fs.read("/proc/self/cgroup"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(data))
		for sc.Scan() {
			// hierarchy-id:controller-list:path
			parts := strings.SplitN(sc.Text(), ":", 3)
			if len(parts) != 3 {
				continue
			}
			if parts[0] == "0" && parts[1] == "" {
				cg.v2Path = parts[2]
				continue
			}
			for _, c := range strings.Split(parts[1], ",") {
				cg.v1Paths[c] = parts[2]
			}
		}
	}
	return cg
}

// parseMountinfo returns the cgroup mounts of a mountinfo file:
//
//	36 35 98:0 /root /mount/point rw,noatime master:1 - cgroup cgroup rw,memory
func parseMountinfo(data []byte) []cgroupMount {
	var mounts []cgroupMount
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := slices.Index(f, "-")
		if sep < 5 || len(f) < sep+4 {
			continue
		}
		m := cgroupMount{root: unescapeMount(f[3]), point: unescapeMount(f[4])}
		switch f[sep+1] {
		case "cgroup2":
			m.v2 = true
		case "cgroup":
			m.options = strings.Split(f[sep+3], ",")
		default:
			continue
		}
		mounts = append(mounts, m)
	}
	return mounts
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// guessMounts stands in for mountinfo when it cannot be read: the usual
// layouts under /sys/fs/cgroup.
func guessMounts(fs rootFS) []cgroupMount {
	const base = "/sys/fs/cgroup"
	if fs.exists(base + "/cgroup.controllers") {
		return []cgroupMount{{root: "/", point: base, v2: true}}
	}
	var mounts []cgroupMount
	for _, dir := range []string{"cpu,cpuacct", "cpu", "memory"} {
		if fs.exists(base + "/" + dir) {
			mounts = append(mounts, cgroupMount{root: "/", point: base + "/" + dir, options: strings.Split(dir, ",")})
		}
	}
	return mounts
}

// version names the hierarchy the limits come from: v1 when a v1 mount
// has the cpu or memory controller (hybrid systems mount v2 without them).
func (cg *cgroups) version() string {
	v2 := false
	for _, m := range cg.mounts {
		if !m.v2 && (slices.Contains(m.options, "cpu") || slices.Contains(m.options, "memory")) {
			return "v1"
		}
		v2 = v2 || m.v2
	}
	if v2 {
		return "v2"
	}
	return "none"
}

// dirs returns the directories, from the process's own cgroup up to the
// hierarchy's mount point, that hold controller's files, and whether the
// hierarchy is v2. Limits nest, so every level counts.
func (cg *cgroups) dirs(controller string) ([]string, bool) {
	var m *cgroupMount
	for i := range cg.mounts {
		if !cg.mounts[i].v2 && slices.Contains(cg.mounts[i].options, controller) {
			m = &cg.mounts[i]
			break
		}
	}
	p := cg.v1Paths[controller]
	if m == nil {
		for i := range cg.mounts {
			if cg.mounts[i].v2 {
				m = &cg.mounts[i]
				break
			}
		}
		p = cg.v2Path
	}
	if m == nil {
		return nil, false
	}
	// Inside a cgroup namespace or a container the mount may show only
	// the process's subtree; a path outside what is mounted cannot be
	// followed, and the mount point is the best left.
	rel := "/"
	switch {
	case p == "":
	case m.root == "/":
		rel = p
	case p == m.root || strings.HasPrefix(p, m.root+"/"):
		rel = strings.TrimPrefix(p, m.root)
	}
	dir := path.Join(m.point, rel)
	var out []string
	for {
		out = append(out, dir)
		if dir == m.point || !strings.HasPrefix(dir, m.point) {
			break
		}
		dir = path.Dir(dir)
	}
	return out, m.v2
}

// cpuQuota returns the tightest CPU bandwidth limit in cores and the file
// it came from; 0 when there is none.
func (cg *cgroups) cpuQuota() (float64, string) {
	dirs, v2 := cg.dirs("cpu")
	best, bestFile := 0.0, ""
	for _, d := range dirs {
		var quota, period float64
		var file string
		if v2 {
			file = d + "/cpu.max"
			data, err := cg.fs.read(file)
			if err != nil {
				continue
			}
			f := strings.Fields(string(data))
			if len(f) != 2 || f[0] == "max" {
				continue
			}
			quota, period = parseFloat(f[0]), parseFloat(f[1])
		} else {
			file = d + "/cpu.cfs_quota_us"
			q, err := cg.fs.read(file)
			if err != nil {
				continue
			}
			per, err := cg.fs.read(d + "/cpu.cfs_period_us")
			if err != nil {
				continue
			}
			quota, period = parseFloat(string(q)), parseFloat(string(per))
		}
		if quota <= 0 || period <= 0 {
			continue // -1 (v1's "no limit") or unreadable
		}
		if cores := quota / period; best == 0 || cores < best {
			best, bestFile = cores, file
		}
	}
	return best, bestFile
}

// noLimit is where a memory limit stops meaning anything: cgroup v1
// reports "none" as the largest page-aligned int64 (0x7FFFFFFFFFFFF000).
const noLimit = 1 << 60

// memoryLimit returns the tightest memory limit and the file it came from;
// 0 when there is none.
func (cg *cgroups) memoryLimit() (int64, string) {
	dirs, v2 := cg.dirs("memory")
	var best int64
	bestFile := ""
	for _, d := range dirs {
		file := d + "/memory.limit_in_bytes"
		if v2 {
			file = d + "/memory.max"
		}
		data, err := cg.fs.read(file)
		if err != nil {
			continue
		}
		s := strings.TrimSpace(string(data))
		if s == "max" {
			continue
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 || n >= noLimit {
			continue
		}
		if best == 0 || n < best {
			best, bestFile = n, file
		}
	}
	return best, bestFile
}

func parseFloat(s string) float64 {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0
	}
	return f
}
