// Package objstoretest is the test kit for objstore: a conformance suite
// every backend must pass (Run), a MinIO server for S3 tests (StartMinIO,
// SharedMinIO), and helpers that hand tests a fresh store (NewDir, NewMem,
// OpenURL). Packages above objstore use it to run their own tests against
// every backend.
//
// Usage:
//
//	func TestLedgerOnMinIO(t *testing.T) {
//		st := objstoretest.OpenURL(t, objstoretest.StartMinIO(t))
//		...
//	}
//
// Imports objstore, internal/testenv and minio-go (to create buckets).
package objstoretest

import (
	"context"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

// NewMem returns an empty in-memory store private to the test.
func NewMem(t testing.TB) objstore.Store {
	t.Helper()
	s := objstore.NewMem()
	t.Cleanup(func() { s.Close() })
	return s
}

// NewDir returns a local-filesystem store in a fresh temporary directory,
// removed after the test.
func NewDir(t testing.TB) objstore.Store {
	t.Helper()
	s, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatalf("open local store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// OpenURL opens a storage URL and closes the store after the test.
func OpenURL(t testing.TB, storageURL string) objstore.Store {
	t.Helper()
	s, err := objstore.Open(context.Background(), storageURL)
	if err != nil {
		t.Fatalf("open %s: %v", storageURL, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close %s: %v", s.URL(), err)
		}
	})
	return s
}
