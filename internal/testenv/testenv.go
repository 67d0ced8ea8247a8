// Package testenv finds the external parts some tests need — the MinIO
// binary, PostgreSQL's initdb, client drivers — and decides what a test does
// when one is missing: under `make test` (APIARY_TEST_STRICT=1) it fails
// loudly; in a bare `go test` it skips, naming the make target that provides
// the part.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Strict reports whether missing external parts must fail tests.
func Strict() bool { return os.Getenv("APIARY_TEST_STRICT") == "1" }

// Missing fails (strict) or skips the test because part is unavailable.
func Missing(t testing.TB, part, why string) {
	t.Helper()
	if Strict() {
		t.Fatalf("%s is required under make test but unavailable: %s", part, why)
	}
	t.Skipf("%s unavailable (%s); run `make test`, which installs and requires it", part, why)
}

// ModuleRoot returns the repository root (the directory holding go.mod).
func ModuleRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// MinIOBinary returns the path of the MinIO server binary: $APIARY_MINIO_BIN,
// then tools/bin/minio (where `make tools` puts it), then PATH.
func MinIOBinary(t testing.TB) string {
	t.Helper()
	candidates := []string{os.Getenv("APIARY_MINIO_BIN"), filepath.Join(ModuleRoot(), "tools", "bin", "minio")}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return c
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p
	}
	Missing(t, "MinIO", "no minio binary in $APIARY_MINIO_BIN, tools/bin or PATH")
	return ""
}

// LookPath returns the path of an executable, or fails/skips the test.
func LookPath(t testing.TB, name, hint string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, hint)
	}
	return p
}
