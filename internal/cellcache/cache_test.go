package cellcache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// countingStore counts the reads that reach storage, and can hold them
// until released so that concurrent misses overlap.
type countingStore struct {
	objstore.Store
	gets     atomic.Int64 // Get and GetRange calls
	keyGets  sync.Map     // key → *atomic.Int64
	gate     chan struct{}
	entering chan struct{}
}

func (s *countingStore) count(key string) {
	s.gets.Add(1)
	n, _ := s.keyGets.LoadOrStore(key, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
	if s.gate != nil {
		s.entering <- struct{}{}
		<-s.gate
	}
}

func (s *countingStore) getsOf(key string) int64 {
	n, ok := s.keyGets.Load(key)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.count(key)
	return s.Store.Get(ctx, key)
}

func (s *countingStore) GetRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	s.count(key)
	return s.Store.GetRange(ctx, key, off, n)
}

func cellKey(i int) string { return fmt.Sprintf("frames/f1/data/c%03d.parquet", i) }

func cellData(i, size int) []byte {
	return bytes.Repeat([]byte{byte('a' + i%26)}, size)
}

func newTestCache(t *testing.T, store objstore.Store, dir string, maxBytes int64) *Cache {
	t.Helper()
	c, err := Open(context.Background(), store, Config{Dir: dir, MaxBytes: maxBytes, FetchChunk: 64})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { c.lock.Close() })
	return c
}

// keepOpen is a store whose Close does nothing, so that a test can close a
// cache and open another over the same objects.
type keepOpen struct{ objstore.Store }

func (keepOpen) Close() error { return nil }

func put(t *testing.T, s objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), key, data); err != nil {
		t.Fatal(err)
	}
}

func mustGet(t *testing.T, c *Cache, key string, want []byte) {
	t.Helper()
	got, err := c.Get(context.Background(), key)
	if err != nil {
		t.Fatalf("Get %s: %v", key, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get %s: %d bytes that differ from the %d stored", key, len(got), len(want))
	}
}

func TestIsCellKey(t *testing.T) {
	for key, want := range map[string]bool{
		"frames/f1/data/x.parquet":             true,
		"frames/f1/data/region=EU/x.parquet":   true,
		"frames/f1/_ledger/00000001.json":      false,
		"frames/f1/_ledger/00000001.parquet":   false,
		"frames/f1/_txns/t.parquet":            false,
		"_txns/abc.json":                       false,
		"catalog/_ledger/00000001.json":        false,
		"nodes/n1/heartbeat.json":              false,
		"frames/f1/data/x.parquet.tmp":         false,
		"frames/f1/../x.parquet":               false,
		"tasks/q1/t1/partial.parquet":          false,
		"frames/f1/data/weird//name.parquet":   false,
		"frames/f1/data/café=été/x.parquet":    true,
		"frames/f1/data/x.PARQUET":             false,
		"frames/f1/data/nested/deep/x.parquet": true,
	} {
		if got := IsCellKey(key); got != want {
			t.Errorf("IsCellKey(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestHitMissAndRanges(t *testing.T) {
	ctx := context.Background()
	inner := &countingStore{Store: objstore.NewMem()}
	data := []byte("0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789") // 70 bytes: two chunks
	put(t, inner, cellKey(1), data)
	c := newTestCache(t, inner, t.TempDir(), 1<<20)

	for _, r := range []struct{ off, n int64 }{{0, 10}, {60, 20}, {70, 5}, {100, 5}, {5, 0}, {0, 70}} {
		got, err := c.GetRange(ctx, cellKey(1), r.off, r.n)
		if err != nil {
			t.Fatalf("GetRange(%d, %d): %v", r.off, r.n, err)
		}
		lo, hi := min(r.off, 70), min(r.off+r.n, 70)
		if !bytes.Equal(got, data[lo:hi]) {
			t.Errorf("GetRange(%d, %d) = %q, want %q", r.off, r.n, got, data[lo:hi])
		}
	}
	// Into a caller's buffer, the same bytes, in that buffer.
	buf := make([]byte, 80)
	for _, r := range []struct{ off, n int64 }{{0, 10}, {60, 20}, {70, 5}, {100, 5}} {
		got, err := c.GetRangeInto(ctx, cellKey(1), r.off, buf[:r.n])
		lo, hi := min(r.off, 70), min(r.off+r.n, 70)
		if err != nil || !bytes.Equal(got, data[lo:hi]) || (len(got) > 0 && &got[0] != &buf[0]) {
			t.Errorf("GetRangeInto(%d, %d) = %q, %v; want %q in the buffer", r.off, r.n, got, err, data[lo:hi])
		}
	}
	mustGet(t, c, cellKey(1), data)
	// 70 bytes in 64-byte chunks: two ranges, fetched once for all reads.
	if n := inner.gets.Load(); n != 2 {
		t.Errorf("storage reads = %d, want 2 (one fetch in two ranges)", n)
	}
	st := c.Stats()
	if st.Hits != 10 || st.Misses != 1 || st.Fetches != 1 || st.FetchedBytes != 70 || st.Cells != 1 || st.Bytes != 70 {
		t.Errorf("stats = %+v", st)
	}

	// Not cells: straight through, every time.
	put(t, inner, "frames/f1/_ledger/00000000000000000001.json", []byte("{}"))
	for range 2 {
		if _, err := c.Get(ctx, "frames/f1/_ledger/00000000000000000001.json"); err != nil {
			t.Fatal(err)
		}
	}
	if n := inner.getsOf("frames/f1/_ledger/00000000000000000001.json"); n != 2 {
		t.Errorf("ledger reads reaching storage = %d, want 2", n)
	}
	if c.Contains("frames/f1/_ledger/00000000000000000001.json") {
		t.Error("a ledger object was cached")
	}

	// A missing cell is storage's ErrNotExist, and caches nothing.
	if _, err := c.Get(ctx, cellKey(9)); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("missing cell: %v, want ErrNotExist", err)
	}
	if c.Contains(cellKey(9)) {
		t.Error("a missing cell is cached")
	}
}

func TestEvictionOrderAndBound(t *testing.T) {
	inner := &countingStore{Store: objstore.NewMem()}
	for i := range 5 {
		put(t, inner, cellKey(i), cellData(i, 100))
	}
	c := newTestCache(t, inner, t.TempDir(), 300)
	for _, i := range []int{0, 1, 2} {
		mustGet(t, c, cellKey(i), cellData(i, 100))
	}
	mustGet(t, c, cellKey(0), cellData(0, 100)) // 0 is now the most recent; 1 the least
	mustGet(t, c, cellKey(3), cellData(3, 100)) // evicts 1
	if c.Contains(cellKey(1)) || !c.Contains(cellKey(0)) || !c.Contains(cellKey(2)) || !c.Contains(cellKey(3)) {
		t.Fatalf("after evicting one: holds %v, want cells 0, 2 and 3", c.Keys())
	}
	mustGet(t, c, cellKey(4), cellData(4, 100)) // evicts 2
	want := []string{cellKey(0), cellKey(3), cellKey(4)}
	if got := c.Keys(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("holds %v, want %v", got, want)
	}
	if count, b := c.Summary(); count != 3 || b != 300 {
		t.Errorf("Summary = %d cells, %d bytes; want 3, 300", count, b)
	}
	if st := c.Stats(); st.Evictions != 2 {
		t.Errorf("evictions = %d, want 2", st.Evictions)
	}
	if _, err := os.Stat(c.path(cellKey(1))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("evicted cell's file: %v, want it removed", err)
	}
	if du := diskBytes(t, c.cellsDir); du > 300 {
		t.Errorf("%d bytes on disk, bound 300", du)
	}

	// Larger than the whole cache: served, not cached, nothing evicted.
	put(t, inner, cellKey(7), cellData(7, 400))
	mustGet(t, c, cellKey(7), cellData(7, 400))
	if c.Contains(cellKey(7)) || len(c.Keys()) != 3 {
		t.Errorf("an oversized cell changed the cache: %v", c.Keys())
	}
}

func diskBytes(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return err
	})
	return n
}

func TestEvictionKeepsOpenReadersReading(t *testing.T) {
	inner := objstore.NewMem()
	put(t, inner, cellKey(0), cellData(0, 100))
	put(t, inner, cellKey(1), cellData(1, 100))
	c := newTestCache(t, inner, t.TempDir(), 100)
	f, size, err := c.acquire(context.Background(), cellKey(0))
	if err != nil || f == nil {
		t.Fatalf("acquire: %v %v", f, err)
	}
	defer f.Close()
	mustGet(t, c, cellKey(1), cellData(1, 100)) // evicts cell 0 while f is open
	if c.Contains(cellKey(0)) {
		t.Fatal("cell 0 not evicted")
	}
	buf := make([]byte, size)
	if _, err := f.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, cellData(0, 100)) {
		t.Fatalf("reading an evicted cell's open file: %v", err)
	}
}

func TestConcurrentMissesFetchOnce(t *testing.T) {
	inner := &countingStore{Store: objstore.NewMem(), gate: make(chan struct{}), entering: make(chan struct{}, 64)}
	data := cellData(3, 50) // one chunk
	put(t, inner, cellKey(3), data)
	c := newTestCache(t, inner, t.TempDir(), 1<<20)

	const readers = 8
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			got, err := c.GetRange(context.Background(), cellKey(3), 10, 20)
			if err == nil && !bytes.Equal(got, data[10:30]) {
				err = fmt.Errorf("got %q", got)
			}
			errs <- err
		})
	}
	<-inner.entering // the leader's fetch is in storage
	// Every reader has either joined the flight or not yet looked: wait
	// until all have registered as misses, then let the fetch finish.
	deadline := time.Now().Add(10 * time.Second)
	for c.misses.Load() < readers && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	close(inner.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if n := inner.getsOf(cellKey(3)); n != 1 {
		t.Errorf("%d concurrent readers made %d storage reads, want 1", readers, n)
	}
	if st := c.Stats(); st.Fetches != 1 || st.Misses != readers {
		t.Errorf("stats = %+v", st)
	}
}

func TestRestartKeepsEntriesAndOrder(t *testing.T) {
	dir := t.TempDir()
	inner := &countingStore{Store: keepOpen{objstore.NewMem()}}
	for i := range 4 {
		put(t, inner, cellKey(i), cellData(i, 100))
	}
	c := newTestCache(t, inner, dir, 1000)
	for i := range 3 {
		mustGet(t, c, cellKey(i), cellData(i, 100))
	}
	// Recency across a restart is the files' modification times: make
	// cell 0 the most recent and 1 the least, as a touch would.
	base := time.Now().Add(-time.Hour)
	for i, age := range []int{0: 3, 1: 1, 2: 2} {
		mt := base.Add(time.Duration(age) * time.Minute)
		if err := os.Chtimes(c.path(cellKey(i)), mt, mt); err != nil {
			t.Fatal(err)
		}
	}
	before := inner.gets.Load()
	if _, err := Open(context.Background(), inner, Config{Dir: dir, MaxBytes: 200}); !errors.Is(err, ErrLocked) {
		t.Fatalf("a second Open of a directory in use: %v, want ErrLocked", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopened with room for two: the least recent (1) goes.
	c2 := newTestCache(t, inner, dir, 200)
	want := []string{cellKey(0), cellKey(2)}
	if got := c2.Keys(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after restart holds %v, want %v", got, want)
	}
	mustGet(t, c2, cellKey(0), cellData(0, 100))
	mustGet(t, c2, cellKey(2), cellData(2, 100))
	if n := inner.gets.Load() - before; n != 0 {
		t.Errorf("cached cells read %d times from storage after restart", n)
	}
	if st := c2.Stats(); st.Hits != 2 || st.Evictions != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestPartialAndStrayFilesIgnored(t *testing.T) {
	dir := t.TempDir()
	inner := &countingStore{Store: objstore.NewMem()}
	data := cellData(5, 100)
	put(t, inner, cellKey(5), data)
	// A crash mid-fetch leaves a partial temporary file; a stray file
	// under cells/ is not a cell.
	for path, content := range map[string]string{
		filepath.Join(dir, "tmp", "fetch-123"):                                  "partial",
		filepath.Join(dir, "cells", "frames", "f1", "data", "c005.parquet.tmp"): "partial",
	} {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c := newTestCache(t, inner, dir, 1000)
	if count, _ := c.Summary(); count != 0 {
		t.Fatalf("indexed %v from partial files", c.Keys())
	}
	mustGet(t, c, cellKey(5), data)
	if n := inner.getsOf(cellKey(5)); n != 2 { // 100 bytes in 64-byte chunks
		t.Errorf("storage reads = %d, want 2: the cell fetched whole", n)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(entries) != 0 {
		t.Errorf("tmp holds %v (%v), want nothing", entries, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "cells", "frames", "f1", "data", "c005.parquet.tmp")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("stray file: %v, want removed", err)
	}
}

func TestFailedFetchLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	inner := &failingStore{Store: objstore.NewMem(), failAt: 1}
	put(t, inner, cellKey(6), cellData(6, 200))
	c := newTestCache(t, inner, dir, 1000)
	if _, err := c.Get(context.Background(), cellKey(6)); !errors.Is(err, objstore.ErrTransient) {
		t.Fatalf("Get: %v, want the storage's transient error", err)
	}
	if c.Contains(cellKey(6)) {
		t.Fatal("a cell whose fetch failed is cached")
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(entries) != 0 {
		t.Errorf("a failed fetch left %v", entries)
	}
	inner.failAt = -1
	mustGet(t, c, cellKey(6), cellData(6, 200))
	if !c.Contains(cellKey(6)) {
		t.Error("not cached once storage recovered")
	}
}

// failingStore fails its range read number failAt (counting from 0).
type failingStore struct {
	objstore.Store
	mu     sync.Mutex
	reads  int
	failAt int
}

func (s *failingStore) GetRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	s.mu.Lock()
	i := s.reads
	s.reads++
	s.mu.Unlock()
	if i == s.failAt {
		return nil, fmt.Errorf("injected: %w", objstore.ErrTransient)
	}
	return s.Store.GetRange(ctx, key, off, n)
}

func TestPutAndDeleteDropLocalCopy(t *testing.T) {
	ctx := context.Background()
	c := newTestCache(t, objstore.NewMem(), t.TempDir(), 1000)
	put(t, c, cellKey(1), cellData(1, 10))
	mustGet(t, c, cellKey(1), cellData(1, 10))
	put(t, c, cellKey(1), cellData(2, 20))
	mustGet(t, c, cellKey(1), cellData(2, 20))
	if err := c.Delete(ctx, cellKey(1)); err != nil {
		t.Fatal(err)
	}
	if c.Contains(cellKey(1)) {
		t.Error("a deleted cell is still cached")
	}
	if _, err := c.Get(ctx, cellKey(1)); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("Get after Delete: %v, want ErrNotExist", err)
	}
}

// The generation moves when the set of cells held changes, and only then:
// the heartbeat rebuilds its filter of Keys on a move.
func TestGenerationFollowsTheCellsHeld(t *testing.T) {
	ctx := context.Background()
	inner := objstore.NewMem()
	for i := range 3 {
		put(t, inner, cellKey(i), cellData(i, 100))
	}
	c := newTestCache(t, inner, t.TempDir(), 200)
	last := c.Generation()
	step := func(what string, moves bool, do func()) {
		t.Helper()
		do()
		if g := c.Generation(); (g != last) != moves {
			t.Errorf("%s: generation %d after %d; want a move: %v", what, g, last, moves)
		}
		last = c.Generation()
	}
	step("a miss fetches a cell", true, func() { mustGet(t, c, cellKey(0), cellData(0, 100)) })
	step("a hit", false, func() { mustGet(t, c, cellKey(0), cellData(0, 100)) })
	step("a read that is no cell", false, func() { _, _ = c.Get(ctx, "frames/f1/_ledger/1.json") })
	step("a second cell", true, func() { mustGet(t, c, cellKey(1), cellData(1, 100)) })
	step("a third evicts the first", true, func() { mustGet(t, c, cellKey(2), cellData(2, 100)) })
	step("a delete drops a cell", true, func() {
		if err := c.Delete(ctx, cellKey(2)); err != nil {
			t.Fatal(err)
		}
	})
	var none *Cache
	if g := none.Generation(); g != 0 {
		t.Errorf("nil cache at generation %d", g)
	}
}

// The cache is a Store: it passes the backends' conformance suite.
func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store {
		c, err := Open(context.Background(), objstoretest.NewMem(t), Config{Dir: t.TempDir(), MaxBytes: 1 << 20})
		if err != nil {
			t.Fatal(err)
		}
		return c
	})
}

func TestNilCacheHoldsNothing(t *testing.T) {
	var c *Cache
	if count, b := c.Summary(); count != 0 || b != 0 || c.Keys() != nil {
		t.Errorf("nil cache: %d cells, %d bytes, keys %v", count, b, c.Keys())
	}
}

func TestAutoMaxBytes(t *testing.T) {
	for _, c := range []struct{ free, want int64 }{{-1, AutoUnknown}, {40 << 30, 10 << 30}, {1 << 20, 0}, {0, 0}} {
		if got := AutoMaxBytes(c.free); got != c.want {
			t.Errorf("AutoMaxBytes(%d) = %d, want %d", c.free, got, c.want)
		}
	}
}
