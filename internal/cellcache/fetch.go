package cellcache

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// errTooBig ends a fetch whose object outgrows the whole cache.
var errTooBig = errors.New("cellcache: cell larger than the cache")

// acquire opens key's local file, fetching the cell first on a miss, and
// returns it with its size. A nil file and nil error mean the cache cannot
// serve key (the local disk failed, the cell is too big, or a fetch this
// call waited for failed): the caller reads from storage instead, so that
// a storage error reaches it under its own context. A non-nil error is
// the storage's, or ctx's.
func (c *Cache) acquire(ctx context.Context, key string) (*os.File, int64, error) {
	if f, size, ok := c.openLocal(key); ok {
		c.hits.Add(1)
		return f, size, nil
	}
	c.misses.Add(1)
	c.mu.Lock()
	if _, ok := c.entries[key]; ok {
		// Fetched by another between openLocal and here.
		c.mu.Unlock()
		f, size, _ := c.openLocal(key)
		return f, size, nil
	}
	fl, waiting := c.flights[key]
	if !waiting {
		fl = &flight{done: make(chan struct{})}
		c.flights[key] = fl
		c.mu.Unlock()
		return c.fill(ctx, key, fl)
	}
	c.mu.Unlock()
	select {
	case <-fl.done:
	case <-ctx.Done():
		return nil, 0, ctx.Err()
	}
	f, size, _ := c.openLocal(key)
	return f, size, nil
}

// openLocal opens key's file if the cell is indexed and marks it most
// recently used. The open happens under mu so that eviction, which
// unlinks under mu too, cannot remove the file between lookup and open.
func (c *Cache) openLocal(key string) (*os.File, int64, bool) {
	c.mu.Lock()
	e, ok := c.entries[key]
	if !ok {
		c.mu.Unlock()
		return nil, 0, false
	}
	f, err := os.Open(c.path(key))
	if err != nil {
		// Removed behind the cache's back: forget it and fetch again.
		c.removeLocked(e)
		c.mu.Unlock()
		c.log.Warn("cell cache: a cached cell's file is gone", "key", key, "err", err)
		return nil, 0, false
	}
	c.lru.MoveToFront(e.elem)
	size := e.size
	now := time.Now()
	touch := now.Sub(e.touched) >= touchInterval
	if touch {
		e.touched = now
	}
	c.mu.Unlock()
	if touch {
		// Best effort: a lost touch only ages the cell after a restart.
		_ = os.Chtimes(f.Name(), now, now)
	}
	return f, size, true
}

// fill fetches key as fl's leader, installs it and opens it. Waiters are
// released once the cell is indexed or the fetch has failed.
func (c *Cache) fill(ctx context.Context, key string, fl *flight) (*os.File, int64, error) {
	defer func() {
		c.mu.Lock()
		delete(c.flights, key)
		c.mu.Unlock()
		close(fl.done)
	}()
	tmp, size, err := c.fetch(ctx, key)
	var local *localError
	switch {
	case errors.Is(err, errTooBig):
		return nil, 0, nil
	case errors.As(err, &local):
		c.log.Warn("cell cache: cannot cache a cell; reading it from storage", "key", key, "err", err)
		return nil, 0, nil
	case err != nil:
		return nil, 0, err
	}
	if err := c.install(key, tmp, size); err != nil {
		os.Remove(tmp)
		c.log.Warn("cell cache: cannot cache a cell; reading it from storage", "key", key, "err", err)
		return nil, 0, nil
	}
	c.fetches.Add(1)
	c.fetchedBytes.Add(size)
	f, size, _ := c.openLocal(key)
	return f, size, nil
}

// localError marks a failure of the local disk, as opposed to storage's.
type localError struct{ err error }

func (e *localError) Error() string { return "cellcache: local disk: " + e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

// fetch copies key's object into a temporary file in FetchChunk ranges
// and returns the file's path and size. A range shorter than asked for is
// the object's end (the Store contract). The file is fsynced and its size
// checked against the bytes received, so that what install renames into
// place is complete.
func (c *Cache) fetch(ctx context.Context, key string) (path string, size int64, err error) {
	f, err := os.CreateTemp(c.tmpDir, "fetch-*")
	if err != nil {
		return "", 0, &localError{err}
	}
	name := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(name)
		}
	}()
	for {
		b, err := c.Store.GetRange(ctx, key, size, c.chunk)
		if err != nil {
			return "", 0, err
		}
		if size+int64(len(b)) > c.maxBytes {
			return "", 0, errTooBig
		}
		if _, err := f.Write(b); err != nil {
			return "", 0, &localError{err}
		}
		size += int64(len(b))
		if int64(len(b)) < c.chunk {
			break
		}
	}
	if err := f.Sync(); err != nil {
		return "", 0, &localError{err}
	}
	info, err := f.Stat()
	if err != nil {
		return "", 0, &localError{err}
	}
	if info.Size() != size {
		return "", 0, &localError{fmt.Errorf("%s holds %d bytes, %d were fetched", f.Name(), info.Size(), size)}
	}
	cerr := f.Close()
	f = nil
	if cerr != nil {
		return "", 0, &localError{cerr}
	}
	return name, size, nil
}

// install renames the complete temporary file tmp into key's place and
// indexes it, evicting to make room. Only the flight's leader writes key's
// path, and key is not indexed meanwhile, so the rename needs no lock.
func (c *Cache) install(key, tmp string, size int64) error {
	dst := c.path(key)
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	// The rename is durable only once its directory is.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evictLocked(size)
	e := &entry{key: key, size: size, touched: time.Now()}
	e.elem = c.lru.PushFront(e)
	c.entries[key] = e
	c.bytes += size
	c.generation++
	return nil
}
