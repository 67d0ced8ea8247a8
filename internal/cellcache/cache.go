package cellcache

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// DefaultFetchChunk is how many bytes one request of a miss asks for when
// Config.FetchChunk is 0: large enough that most cells come in one or a
// few requests, small enough that a miss holds little memory.
const DefaultFetchChunk = 16 << 20

// AutoShare is the share of the cache directory's free disk that
// AutoMaxBytes grants the cache, and AutoUnknown what it grants when the
// free space is unknown.
const (
	AutoShare   = 0.25
	AutoUnknown = 1 << 30
)

// touchInterval bounds how often a hit rewrites its file's modification
// time, which is what carries recency over a restart; once a minute keeps
// a hot cell from costing a syscall per row group.
const touchInterval = time.Minute

// Config configures a Cache.
type Config struct {
	// Dir is the cache directory; it is created when missing. Nothing
	// else should write under it.
	Dir string
	// MaxBytes bounds the bytes of the cells kept, and must be positive
	// (a node with no cache does not open one). A cell larger than it is
	// read straight from storage, uncached.
	MaxBytes int64
	// FetchChunk is the length of each range request that fetches a
	// missed cell; 0 means DefaultFetchChunk.
	FetchChunk int64
	// Logger receives the local disk problems the cache works around;
	// nil means slog.Default().
	Logger *slog.Logger
}

// AutoMaxBytes is the cache size node.cache_size = auto gives a node whose
// cache directory has diskFree bytes free (-1 if unknown): AutoShare of it,
// or AutoUnknown. It returns 0 (no cache) when that share is under 1 MiB.
func AutoMaxBytes(diskFree int64) int64 {
	if diskFree < 0 {
		return AutoUnknown
	}
	n := int64(float64(diskFree) * AutoShare)
	if n < 1<<20 {
		return 0
	}
	return n
}

// Stats are a cache's counters. Hits, Misses, Fetches and Evictions count
// since Open; Cells and Bytes are what it holds now.
type Stats struct {
	// Hits are reads served from a local file; Misses reads that found
	// none (a miss that waited for another's fetch counts too).
	Hits, Misses int64
	// Fetches are cells fetched from storage into the cache, and
	// FetchedBytes their bytes.
	Fetches, FetchedBytes int64
	// Evictions are cells removed to stay within MaxBytes.
	Evictions int64
	// Cells and Bytes are the cells held and their total size.
	Cells int
	Bytes int64
	// MaxBytes is the configured bound.
	MaxBytes int64
}

// Cache is an objstore.Store that serves cells from local files and
// everything else from the store it wraps. It is safe for concurrent use.
type Cache struct {
	// Store is the wrapped store: every request that is not a cell read
	// goes to it unchanged.
	objstore.Store

	cellsDir, tmpDir string   // immutable after Open
	lock             *os.File // holds the directory's lock until Close
	maxBytes, chunk  int64    // immutable after Open
	log              *slog.Logger

	mu      sync.Mutex
	entries map[string]*entry  // by key; guarded by mu
	lru     *list.List         // of *entry, most recent at the front; guarded by mu
	bytes   int64              // sum of entries' sizes; guarded by mu
	flights map[string]*flight // fetches in progress, by key; guarded by mu
	// generation moves whenever entries gains or loses a key (Generation);
	// guarded by mu.
	generation uint64

	hits, misses, fetches, fetchedBytes, evictions atomic.Int64
}

// entry is one cached cell. Its fields are guarded by Cache.mu.
type entry struct {
	key     string
	size    int64
	elem    *list.Element
	touched time.Time // the file's modification time as last set
}

// flight is one fetch of a missed cell; done closes once the cell is
// indexed or the fetch has failed.
type flight struct{ done chan struct{} }

var _ objstore.Store = (*Cache)(nil)

// IsCellKey reports whether key names a cell: an object under "frames/"
// ending in ".parquet", none of whose segments starts with "_" (ledgers,
// checkpoints and transaction records live under such segments).
func IsCellKey(key string) bool {
	if !strings.HasPrefix(key, "frames/") || !strings.HasSuffix(key, ".parquet") {
		return false
	}
	return !strings.Contains(key, "/_") && objstore.ValidateKey(key) == nil
}

// Open returns a cache over store kept in cfg.Dir, indexing the cells a
// previous run left there (least recently used first, by modification
// time) and removing its unfinished fetches. Closing the Cache closes
// store.
func Open(ctx context.Context, store objstore.Store, cfg Config) (*Cache, error) {
	if cfg.Dir == "" {
		return nil, errors.New("cellcache: no directory")
	}
	if cfg.MaxBytes <= 0 {
		return nil, fmt.Errorf("cellcache: size bound %d is not positive", cfg.MaxBytes)
	}
	if cfg.FetchChunk <= 0 {
		cfg.FetchChunk = DefaultFetchChunk
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	c := &Cache{
		Store:    store,
		cellsDir: filepath.Join(cfg.Dir, "cells"), tmpDir: filepath.Join(cfg.Dir, "tmp"),
		maxBytes: cfg.MaxBytes, chunk: cfg.FetchChunk, log: cfg.Logger,
		entries: map[string]*entry{}, lru: list.New(), flights: map[string]*flight{},
	}
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("cellcache: create %s: %w", cfg.Dir, err)
	}
	lock, err := lockDir(filepath.Join(cfg.Dir, "lock"))
	if err != nil {
		return nil, err
	}
	c.lock = lock
	// A fetch cut short by a crash leaves only a temporary file: nothing
	// in it was ever indexed, so it all goes.
	if err := os.RemoveAll(c.tmpDir); err != nil {
		lock.Close()
		return nil, fmt.Errorf("cellcache: clear %s: %w", c.tmpDir, err)
	}
	for _, d := range []string{c.cellsDir, c.tmpDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			lock.Close()
			return nil, fmt.Errorf("cellcache: create %s: %w", d, err)
		}
	}
	if err := c.rebuild(ctx); err != nil {
		lock.Close()
		return nil, err
	}
	return c, nil
}

// ErrLocked reports that another process has the cache directory open.
var ErrLocked = errors.New("cellcache: cache directory in use by another process")

// Close closes the wrapped store and releases the directory; the cached
// cells stay for the next Open.
func (c *Cache) Close() error {
	return errors.Join(c.Store.Close(), c.Release())
}

// Release releases the directory, leaving the wrapped store open, for an
// owner that closes the store itself. The cache must not be used
// afterwards.
func (c *Cache) Release() error { return c.lock.Close() }

// rebuild indexes the files under cellsDir. Files that are not cells (put
// there by hand, or by a version that laid the directory out otherwise)
// are removed, since they would count against nothing yet fill the disk.
func (c *Cache) rebuild(ctx context.Context) error {
	type found struct {
		key   string
		size  int64
		mtime time.Time
	}
	var all []found
	err := filepath.WalkDir(c.cellsDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return ctx.Err()
		}
		rel, err := filepath.Rel(c.cellsDir, path)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() || !IsCellKey(key) {
			c.log.Warn("cell cache: removing a file that is not a cell", "path", path)
			return os.Remove(path)
		}
		all = append(all, found{key, info.Size(), info.ModTime()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("cellcache: index %s: %w", c.cellsDir, err)
	}
	slices.SortFunc(all, func(a, b found) int { return a.mtime.Compare(b.mtime) })
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range all {
		e := &entry{key: f.key, size: f.size, touched: f.mtime}
		e.elem = c.lru.PushFront(e)
		c.entries[f.key] = e
		c.bytes += f.size
	}
	c.generation++
	// The bound may have shrunk since the last run.
	c.evictLocked(0)
	return nil
}

// path is where key's file lives; key must satisfy IsCellKey.
func (c *Cache) path(key string) string {
	return filepath.Join(c.cellsDir, filepath.FromSlash(key))
}

// Get returns the whole object, from the local copy when key is a cell.
func (c *Cache) Get(ctx context.Context, key string) ([]byte, error) {
	if !IsCellKey(key) {
		return c.Store.Get(ctx, key)
	}
	f, size, err := c.acquire(ctx, key)
	if err != nil {
		return nil, err
	}
	if f == nil {
		return c.Store.Get(ctx, key)
	}
	defer f.Close()
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		c.log.Warn("cell cache: reading a cached cell failed; reading it from storage", "key", key, "err", err)
		return c.Store.Get(ctx, key)
	}
	return buf, nil
}

// GetRange returns part of the object, from the local copy when key is a
// cell, cut short at its end as the Store contract says.
func (c *Cache) GetRange(ctx context.Context, key string, offset, length int64) ([]byte, error) {
	if !IsCellKey(key) || offset < 0 || length < 0 {
		return c.Store.GetRange(ctx, key, offset, length)
	}
	b, ok, err := c.readLocal(ctx, key, offset, length, func(n int64) []byte { return make([]byte, n) })
	if ok || err != nil {
		return b, err
	}
	return c.Store.GetRange(ctx, key, offset, length)
}

// GetRangeInto is GetRange into the caller's buffer
// (objstore.RangeIntoGetter), from the local copy when key is a cell: a
// scan reads row group after row group into one reused buffer.
func (c *Cache) GetRangeInto(ctx context.Context, key string, offset int64, dst []byte) ([]byte, error) {
	if !IsCellKey(key) || offset < 0 {
		return objstore.GetRangeInto(ctx, c.Store, key, offset, dst)
	}
	b, ok, err := c.readLocal(ctx, key, offset, int64(len(dst)), func(n int64) []byte { return dst[:n] })
	if ok || err != nil {
		return b, err
	}
	return objstore.GetRangeInto(ctx, c.Store, key, offset, dst)
}

// readLocal reads up to length bytes of cell key at offset from its local
// copy, into the buffer of the size left before the end that buf returns.
// ok is false when there is no usable local copy: the caller reads from
// storage.
func (c *Cache) readLocal(ctx context.Context, key string, offset, length int64, buf func(n int64) []byte) (b []byte, ok bool, err error) {
	f, size, err := c.acquire(ctx, key)
	if err != nil || f == nil {
		return nil, false, err
	}
	defer f.Close()
	if offset >= size {
		return buf(0), true, nil
	}
	b = buf(min(length, size-offset))
	if _, err := f.ReadAt(b, offset); err != nil {
		c.log.Warn("cell cache: reading a cached cell failed; reading it from storage", "key", key, "err", err)
		return nil, false, nil
	}
	return b, true, nil
}

// Put writes through and drops any local copy of key, which Put replaces.
func (c *Cache) Put(ctx context.Context, key string, data []byte) error {
	err := c.Store.Put(ctx, key, data)
	if IsCellKey(key) {
		c.drop(key)
	}
	return err
}

// Delete deletes from storage and drops any local copy of key.
func (c *Cache) Delete(ctx context.Context, key string) error {
	err := c.Store.Delete(ctx, key)
	if IsCellKey(key) {
		c.drop(key)
	}
	return err
}

// Summary returns how many cells the cache holds and their total bytes,
// for the heartbeat. A nil Cache (a node without one) holds none.
func (c *Cache) Summary() (count int, bytes int64) {
	if c == nil {
		return 0, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries), c.bytes
}

// Keys returns the object keys of the cells held, in ascending order, for
// the heartbeat: a coordinator prefers a node that holds a cell. A nil
// Cache holds none.
func (c *Cache) Keys() []string {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	keys := make([]string, 0, len(c.entries))
	for k := range c.entries {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	slices.Sort(keys)
	return keys
}

// Generation changes whenever the set of cells held does (a cell fetched,
// evicted or dropped), so that the heartbeat lists Keys and rebuilds its
// filter only then. A nil Cache stays at 0.
func (c *Cache) Generation() uint64 {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.generation
}

// Contains reports whether a local copy of key is held.
func (c *Cache) Contains(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.entries[key]
	return ok
}

// Stats returns the cache's counters.
func (c *Cache) Stats() Stats {
	count, bytes := c.Summary()
	return Stats{
		Hits: c.hits.Load(), Misses: c.misses.Load(),
		Fetches: c.fetches.Load(), FetchedBytes: c.fetchedBytes.Load(),
		Evictions: c.evictions.Load(), Cells: count, Bytes: bytes, MaxBytes: c.maxBytes,
	}
}

// drop forgets key's local copy, if any.
func (c *Cache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok {
		c.removeLocked(e)
	}
}

// removeLocked unindexes e and unlinks its file. Doing both under mu is
// what keeps a later fetch of the same key from having its new file
// unlinked; readers holding the old file open keep their data.
func (c *Cache) removeLocked(e *entry) {
	c.lru.Remove(e.elem)
	delete(c.entries, e.key)
	c.bytes -= e.size
	c.generation++
	if err := os.Remove(c.path(e.key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		c.log.Warn("cell cache: removing a cached cell failed", "key", e.key, "err", err)
	}
}

// evictLocked removes least recently used cells until incoming more bytes
// fit within the bound.
func (c *Cache) evictLocked(incoming int64) {
	for c.bytes+incoming > c.maxBytes && c.lru.Len() > 0 {
		c.removeLocked(c.lru.Back().Value.(*entry))
		c.evictions.Add(1)
	}
}
