package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var apiaryBuild struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// ApiaryBinary builds cmd/apiary once per test binary, without the race
// detector, so that tests run and measure the server users get. The
// package's TestMain removes it with RemoveApiaryBinary.
func ApiaryBinary(t testing.TB) string {
	t.Helper()
	b := &apiaryBuild
	b.once.Do(func() {
		if b.dir, b.err = os.MkdirTemp("", "apiary-test-bin-"); b.err != nil {
			return
		}
		b.path = filepath.Join(b.dir, "apiary")
		cmd := exec.Command("go", "build", "-o", b.path, "./cmd/apiary")
		cmd.Dir = ModuleRoot()
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// RemoveApiaryBinary removes what ApiaryBinary built, if anything; a
// TestMain calls it after m.Run.
func RemoveApiaryBinary() {
	if apiaryBuild.dir != "" {
		os.RemoveAll(apiaryBuild.dir)
	}
}
