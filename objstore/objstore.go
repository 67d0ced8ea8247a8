package objstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Store is a flat namespace of immutable-or-overwritable objects addressed by
// slash-separated keys ("frames/7f3a/_ledger/00000000000000000001.json").
//
// Every implementation is safe for concurrent use by many goroutines, and the
// conditional operation (PutIfAbsent) is atomic across processes and, for
// remote backends, across machines: that single guarantee is what the ledger's
// commit protocol rests on.
//
// Error contract, for every method:
//   - a missing key yields an error for which errors.Is(err, ErrNotExist);
//   - PutIfAbsent on a taken key yields errors.Is(err, ErrExist);
//   - a failure whose outcome is unknown or which may succeed when repeated
//     (timeouts, 5xx, connection resets) yields errors.Is(err, ErrTransient).
//     After a transient PutIfAbsent error the object may or may not have been
//     written: callers that care read it back.
//
// Keys never start with "/" and never contain "//", "." or ".." segments.
type Store interface {
	// Get returns the whole object.
	Get(ctx context.Context, key string) ([]byte, error)

	// GetRange returns length bytes starting at offset. A range that runs
	// past the end of the object is cut short at the end (as HTTP ranges
	// are); an offset beyond the end returns an empty slice. Parquet readers
	// use it to fetch footers and column chunks.
	GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error)

	// Put writes the object, replacing any previous content atomically:
	// readers see the old or the new bytes, never a mix.
	Put(ctx context.Context, key string, data []byte) error

	// PutIfAbsent writes the object only if no object exists under key. Of
	// any number of concurrent calls for one key exactly one succeeds; the
	// others return ErrExist. The object is never visible partially written.
	PutIfAbsent(ctx context.Context, key string, data []byte) error

	// List returns the objects whose keys start with prefix, in ascending
	// byte order of their keys. It lists recursively (no delimiter).
	List(ctx context.Context, prefix string) ([]ObjectInfo, error)

	// Stat returns the size and modification time of one object.
	Stat(ctx context.Context, key string) (ObjectInfo, error)

	// Delete removes the object. Deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error

	// URL returns the storage URL the store was opened with, credentials
	// removed; it names the store in logs and errors.
	URL() string

	// Close releases resources. The store must not be used afterwards.
	Close() error
}

// ObjectInfo describes one stored object.
type ObjectInfo struct {
	Key  string
	Size int64
	// Modified is the server's (or filesystem's) modification time. It comes
	// from the storage's clock, not this node's, which makes it usable for
	// age-based cleanup across nodes with skewed clocks.
	Modified time.Time
}

// Sentinel errors. Implementations wrap them with context; callers test them
// with errors.Is.
var (
	// ErrNotExist reports a missing object.
	ErrNotExist = errors.New("objstore: object does not exist")
	// ErrExist reports that PutIfAbsent lost: another writer created the key
	// first (S3 412 Precondition Failed, or EEXIST from link(2)).
	ErrExist = errors.New("objstore: object exists")
	// ErrTransient reports a failure that may succeed if repeated, and whose
	// effect on the store is unknown.
	ErrTransient = errors.New("objstore: transient failure")
)

// Opener builds a Store from a parsed storage URL. Backends register one per
// URL scheme.
type Opener func(ctx context.Context, u *url.URL) (Store, error)

var openers = map[string]Opener{}

// Register makes a backend available under a URL scheme. It is called from
// init functions and panics on a duplicate scheme.
func Register(scheme string, open Opener) {
	if _, dup := openers[scheme]; dup {
		panic("objstore: scheme registered twice: " + scheme)
	}
	openers[scheme] = open
}

// Open opens the store named by a storage URL:
//
//	file:///var/lib/apiary          a directory on the local filesystem
//	file://./apiary-data            a directory relative to the working directory
//	s3://bucket/prefix?endpoint=127.0.0.1:9000&secure=false&region=us-east-1
//	mem://name                      process-local, for tests
//
// S3 credentials come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY unless
// the URL's user info carries them.
func Open(ctx context.Context, storageURL string) (Store, error) {
	u, err := url.Parse(storageURL)
	if err != nil {
		return nil, fmt.Errorf("objstore: parse storage URL %q: %w", storageURL, err)
	}
	open, ok := openers[u.Scheme]
	if !ok {
		return nil, fmt.Errorf("objstore: unsupported storage URL scheme %q in %q (want file, s3 or mem)", u.Scheme, storageURL)
	}
	return open(ctx, u)
}

// ValidateKey reports whether key is a well-formed object key.
func ValidateKey(key string) error {
	if key == "" {
		return fmt.Errorf("objstore: empty key")
	}
	if key[0] == '/' {
		return fmt.Errorf("objstore: key %q starts with /", key)
	}
	start := 0
	for i := 0; i <= len(key); i++ {
		if i == len(key) || key[i] == '/' {
			seg := key[start:i]
			if seg == "" && i != len(key) {
				return fmt.Errorf("objstore: key %q has an empty segment", key)
			}
			if seg == "." || seg == ".." {
				return fmt.Errorf("objstore: key %q has a %q segment", key, seg)
			}
			start = i + 1
		}
	}
	if key[len(key)-1] == '/' {
		return fmt.Errorf("objstore: key %q ends with /", key)
	}
	return nil
}
