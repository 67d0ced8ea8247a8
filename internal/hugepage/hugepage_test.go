package hugepage

import (
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// Make returns a zeroed array of the length asked, small or large, which
// the program can write. Whether the kernel then backs a large one with
// huge pages depends on its settings and free memory, so that is only
// reported.
func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, 1000, MinBytes / 8, 3*MinBytes/8 + 5} {
		s := Make[int64](n)
		if len(s) != n {
			t.Fatalf("Make(%d) has length %d", n, len(s))
		}
		for i := range s {
			if s[i] != 0 {
				t.Fatalf("Make(%d)[%d] = %d", n, i, s[i])
			}
			s[i] = int64(i)
		}
	}
	if runtime.GOOS != "linux" {
		return
	}
	mode, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(mode), "[never]") {
		return // transparent huge pages are off here
	}
	before := anonHuge(t)
	s := Make[byte](64 << 20)
	for i := 0; i < len(s); i += 4096 {
		s[i] = 1
	}
	t.Logf("a touched 64 MiB array: AnonHugePages %d -> %d kB", before, anonHuge(t))
	runtime.KeepAlive(s)
}

// anonHuge returns the process's AnonHugePages in kB.
func anonHuge(t *testing.T) int {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0 // an older kernel
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "AnonHugePages:" {
			kb, _ := strconv.Atoi(f[1])
			return kb
		}
	}
	return 0
}
