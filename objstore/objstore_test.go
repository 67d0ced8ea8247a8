package objstore_test

import (
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	objstoretest.StopSharedMinIO()
	os.Exit(code)
}

func TestConformanceMem(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store { return objstoretest.NewMem(t) })
}

func TestConformanceLocal(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store { return objstoretest.NewDir(t) })
}

// TestConformanceMinIO runs every subtest in its own key prefix of one
// bucket, which also exercises the s3 backend's prefix handling.
func TestConformanceMinIO(t *testing.T) {
	base := objstoretest.SharedMinIO(t)
	var n atomic.Int64
	objstoretest.Run(t, func(t *testing.T) objstore.Store {
		u := mustParse(t, base)
		u.Path = fmt.Sprintf("/suite/%d", n.Add(1))
		return objstoretest.OpenURL(t, u.String())
	})
}

// TestConformanceMinIOBucketRoot runs the suite without a prefix, each
// subtest on a fresh bucket.
func TestConformanceMinIOBucketRoot(t *testing.T) {
	if testing.Short() {
		t.Skip("one MinIO conformance run is enough in -short mode")
	}
	objstoretest.Run(t, func(t *testing.T) objstore.Store {
		return objstoretest.OpenURL(t, objstoretest.SharedMinIO(t))
	})
}
