package objstoretest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Run is the conformance suite for objstore.Store implementations. newStore
// must return an empty store for each call; stores sharing a server should
// differ in bucket or key prefix. Every subtest runs against its own store.
//
// Not covered, because the local backend cannot store it: one key being a
// directory-prefix of another ("a/b" and "a/b/c") — see objstore.Local.
func Run(t *testing.T, newStore func(t *testing.T) objstore.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s objstore.Store)
	}{
		{"PutGet", testPutGet},
		{"Missing", testMissing},
		{"GetRange", testGetRange},
		{"GetRangeInto", testGetRangeInto},
		{"PutIfAbsent", testPutIfAbsent},
		{"PutIfAbsentRace", testPutIfAbsentRace},
		{"ListOrder", testListOrder},
		{"ListPaging", testListPaging},
		{"NoPartialVisibility", testNoPartialVisibility},
		{"Delete", testDelete},
		{"Stat", testStat},
		{"ReadAfterWrite", testReadAfterWrite},
		{"InvalidKeys", testInvalidKeys},
		{"Canceled", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newStore(t)) })
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func mustPut(t *testing.T, s objstore.Store, key string, data []byte) {
	t.Helper()
	if err := s.Put(ctxT(t), key, data); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
}

func mustGet(t *testing.T, s objstore.Store, key string) []byte {
	t.Helper()
	data, err := s.Get(ctxT(t), key)
	if err != nil {
		t.Fatalf("Get(%q): %v", key, err)
	}
	return data
}

func keysOf(infos []objstore.ObjectInfo) []string {
	out := make([]string, len(infos))
	for i, oi := range infos {
		out[i] = oi.Key
	}
	return out
}

func mustList(t *testing.T, s objstore.Store, prefix string) []objstore.ObjectInfo {
	t.Helper()
	infos, err := s.List(ctxT(t), prefix)
	if err != nil {
		t.Fatalf("List(%q): %v", prefix, err)
	}
	return infos
}

func testPutGet(t *testing.T, s objstore.Store) {
	binary := make([]byte, 1<<20+3)
	for i := range binary {
		binary[i] = byte(i*7 + i>>9)
	}
	cases := []struct {
		key  string
		data []byte
	}{
		{"x", []byte("hello")},
		{"dir/sub/obj.json", []byte(`{"a":1}`)},
		{"empty", []byte{}},
		{"big/blob.bin", binary},
		{"sp ace/ü/ключ", []byte("utf-8 keys")},
	}
	for _, c := range cases {
		mustPut(t, s, c.key, c.data)
	}
	for _, c := range cases {
		if got := mustGet(t, s, c.key); !bytes.Equal(got, c.data) {
			t.Errorf("Get(%q) = %d bytes, want %d bytes as written", c.key, len(got), len(c.data))
		}
	}
	mustPut(t, s, "x", []byte("replaced, and longer than before"))
	if got := mustGet(t, s, "x"); string(got) != "replaced, and longer than before" {
		t.Errorf("after overwrite Get = %q", got)
	}
	mustPut(t, s, "x", []byte("short"))
	if got := mustGet(t, s, "x"); string(got) != "short" {
		t.Errorf("after shrinking overwrite Get = %q", got)
	}
	// The store must not keep a reference to the caller's buffer.
	buf := []byte("original")
	mustPut(t, s, "aliased", buf)
	copy(buf, "XXXXXXXX")
	if got := mustGet(t, s, "aliased"); string(got) != "original" {
		t.Errorf("store aliases the caller's buffer: Get = %q", got)
	}
}

func testMissing(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	mustPut(t, s, "present/file", []byte("x"))
	for _, key := range []string{"absent", "present/absent", "present/file/below", "present"} {
		if _, err := s.Get(ctx, key); !errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("Get(%q) error = %v, want ErrNotExist", key, err)
		}
		if _, err := s.GetRange(ctx, key, 0, 10); !errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("GetRange(%q) error = %v, want ErrNotExist", key, err)
		}
		if _, err := s.GetRange(ctx, key, 0, 0); !errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("GetRange(%q, 0, 0) error = %v, want ErrNotExist", key, err)
		}
		if _, err := s.Stat(ctx, key); !errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("Stat(%q) error = %v, want ErrNotExist", key, err)
		}
	}
}

func testGetRange(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	mustPut(t, s, "r", []byte("0123456789"))
	mustPut(t, s, "zero", nil)
	cases := []struct {
		key            string
		offset, length int64
		want           string
	}{
		{"r", 0, 4, "0123"},
		{"r", 3, 4, "3456"},
		{"r", 0, 10, "0123456789"},
		{"r", 9, 1, "9"},
		{"r", 8, 10, "89"}, // cut at the end
		{"r", 0, 100, "0123456789"},
		{"r", 10, 5, ""},   // offset at the end
		{"r", 20, 5, ""},   // offset beyond the end
		{"r", 4, 0, ""},    // empty range
		{"zero", 0, 5, ""}, // empty object
		{"zero", 3, 5, ""},
	}
	for _, c := range cases {
		got, err := s.GetRange(ctx, c.key, c.offset, c.length)
		if err != nil {
			t.Errorf("GetRange(%q, %d, %d): %v", c.key, c.offset, c.length, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("GetRange(%q, %d, %d) = %q, want %q", c.key, c.offset, c.length, got, c.want)
		}
	}
	if _, err := s.GetRange(ctx, "r", -1, 3); err == nil {
		t.Error("GetRange with negative offset succeeded")
	}
	if _, err := s.GetRange(ctx, "r", 0, -3); err == nil {
		t.Error("GetRange with negative length succeeded")
	}
}

func testPutIfAbsent(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	if err := s.PutIfAbsent(ctx, "ledger/00001.json", []byte("first")); err != nil {
		t.Fatalf("PutIfAbsent on a free key: %v", err)
	}
	err := s.PutIfAbsent(ctx, "ledger/00001.json", []byte("second"))
	if !errors.Is(err, objstore.ErrExist) {
		t.Fatalf("PutIfAbsent on a taken key: error = %v, want ErrExist", err)
	}
	if errors.Is(err, objstore.ErrTransient) || errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("ErrExist also matches another sentinel: %v", err)
	}
	if got := mustGet(t, s, "ledger/00001.json"); string(got) != "first" {
		t.Errorf("losing PutIfAbsent changed the object: %q", got)
	}
	// A key taken by a plain Put is taken too.
	mustPut(t, s, "ledger/00002.json", []byte("put"))
	if err := s.PutIfAbsent(ctx, "ledger/00002.json", []byte("pia")); !errors.Is(err, objstore.ErrExist) {
		t.Errorf("PutIfAbsent over a Put object: error = %v, want ErrExist", err)
	}
	// Delete frees the key again.
	if err := s.Delete(ctx, "ledger/00001.json"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutIfAbsent(ctx, "ledger/00001.json", []byte("third")); err != nil {
		t.Fatalf("PutIfAbsent after Delete: %v", err)
	}
	if got := mustGet(t, s, "ledger/00001.json"); string(got) != "third" {
		t.Errorf("after re-create Get = %q", got)
	}
	if err := s.PutIfAbsent(ctx, "empty-marker", nil); err != nil {
		t.Fatalf("PutIfAbsent of an empty body: %v", err)
	}
	if oi, err := s.Stat(ctx, "empty-marker"); err != nil || oi.Size != 0 {
		t.Errorf("Stat(empty-marker) = %+v, %v", oi, err)
	}
}

// testPutIfAbsentRace releases 32 writers at once on one key: exactly one
// must win and its body must be the one stored. Servers that check and write
// without a lock (versitygw posix, SeaweedFS < 4.18) fail this.
func testPutIfAbsentRace(t *testing.T, s objstore.Store) {
	const writers = 32
	rounds := 4
	if testing.Short() {
		rounds = 1
	}
	ctx := ctxT(t)
	for round := range rounds {
		key := fmt.Sprintf("race/%d/_ledger/00000000000000000001.json", round)
		start := make(chan struct{})
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				<-start
				errs[w] = s.PutIfAbsent(ctx, key, []byte(fmt.Sprintf("writer %02d of round %d", w, round)))
			})
		}
		close(start)
		wg.Wait()
		winner := -1
		for w, err := range errs {
			switch {
			case err == nil:
				if winner >= 0 {
					t.Errorf("round %d: writers %d and %d both won", round, winner, w)
				}
				winner = w
			case !errors.Is(err, objstore.ErrExist):
				t.Errorf("round %d: writer %d: error = %v, want nil or ErrExist", round, w, err)
			}
		}
		if winner < 0 {
			t.Fatalf("round %d: no writer won", round)
		}
		want := fmt.Sprintf("writer %02d of round %d", winner, round)
		if got := mustGet(t, s, key); string(got) != want {
			t.Errorf("round %d: stored %q, but the winner wrote %q", round, got, want)
		}
	}
}

func testListOrder(t *testing.T, s objstore.Store) {
	// Chosen so that a depth-first directory walk gets the order wrong:
	// '-' (0x2d) and '.' sort before '/' (0x2f), '0' after it, and UTF-8
	// multi-byte keys after all ASCII.
	keys := []string{"a/b/c", "a-b", "a/b-c", "a/b0", "a0", "ab", "a.b", "a/b/d/e", "b/x", "Z", "é/x", "a/b/d-e"}
	for _, k := range keys {
		mustPut(t, s, k, []byte(k))
	}
	sorted := slices.Clone(keys)
	sort.Strings(sorted)
	for _, c := range []struct {
		prefix string
		want   []string
	}{
		{"", sorted},
		{"a", []string{"a-b", "a.b", "a/b-c", "a/b/c", "a/b/d-e", "a/b/d/e", "a/b0", "a0", "ab"}},
		{"a/", []string{"a/b-c", "a/b/c", "a/b/d-e", "a/b/d/e", "a/b0"}},
		{"a/b", []string{"a/b-c", "a/b/c", "a/b/d-e", "a/b/d/e", "a/b0"}},
		{"a/b/", []string{"a/b/c", "a/b/d-e", "a/b/d/e"}},
		{"a/b/d", []string{"a/b/d-e", "a/b/d/e"}},
		{"a/b/c", []string{"a/b/c"}},
		{"é", []string{"é/x"}},
		{"zz", nil},
		{"a/zz/", nil},
		{"a/b/c/", nil},
	} {
		infos := mustList(t, s, c.prefix)
		if got := keysOf(infos); !slices.Equal(got, c.want) {
			t.Errorf("List(%q) = %q, want %q", c.prefix, got, c.want)
		}
		for _, oi := range infos {
			if oi.Size != int64(len(oi.Key)) || oi.Modified.IsZero() {
				t.Errorf("List(%q): %+v: want size %d and a modification time", c.prefix, oi, len(oi.Key))
			}
		}
	}
}

// testListPaging lists more keys than S3 returns in one page (1000).
func testListPaging(t *testing.T, s objstore.Store) {
	n := 1100
	if testing.Short() {
		n = 150
	}
	ctx := ctxT(t)
	keys := make(chan int)
	errs := make(chan error, 8)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range keys {
				if err := s.Put(ctx, fmt.Sprintf("many/%05d", i), nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for i := range n {
		keys <- i
	}
	close(keys)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	mustPut(t, s, "manz", nil)
	got := keysOf(mustList(t, s, "many/"))
	if len(got) != n {
		t.Fatalf("List returned %d keys, want %d", len(got), n)
	}
	for i, k := range got {
		if want := fmt.Sprintf("many/%05d", i); k != want {
			t.Fatalf("List[%d] = %q, want %q", i, k, want)
		}
	}
}

// testNoPartialVisibility overwrites and creates objects while readers list
// and read them: a reader must never see a half-written object or the
// backend's staging files.
func testNoPartialVisibility(t *testing.T, s objstore.Store) {
	const size = 64 << 10
	iters := 30
	if testing.Short() {
		iters = 8
	}
	ctx := ctxT(t)
	body := func(w, i int) []byte {
		return bytes.Repeat([]byte{byte('A' + w), byte(i)}, size/2)
	}
	valid := func(b []byte) bool {
		if len(b) != size {
			return false
		}
		return bytes.Equal(b, bytes.Repeat(b[:2], size/2))
	}
	allowed := map[string]bool{"vis/shared": true}
	for w := range 3 {
		for i := range iters {
			allowed[fmt.Sprintf("vis/w%d/%03d", w, i)] = true
		}
	}
	mustPut(t, s, "vis/shared", body(0, 0))
	done := make(chan struct{})
	var writers, readers sync.WaitGroup
	for w := range 3 {
		writers.Go(func() {
			for i := range iters {
				if err := s.Put(ctx, "vis/shared", body(w, i)); err != nil {
					t.Errorf("Put: %v", err)
					return
				}
				if err := s.PutIfAbsent(ctx, fmt.Sprintf("vis/w%d/%03d", w, i), body(w, i)); err != nil {
					t.Errorf("PutIfAbsent: %v", err)
					return
				}
			}
		})
	}
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				infos, err := s.List(ctx, "vis/")
				if err != nil {
					t.Errorf("List: %v", err)
					return
				}
				for _, oi := range infos {
					if !allowed[oi.Key] {
						t.Errorf("List shows %q, which nobody wrote", oi.Key)
						return
					}
					if oi.Size != size {
						t.Errorf("List shows %q with size %d, want %d", oi.Key, oi.Size, size)
						return
					}
				}
				data, err := s.Get(ctx, "vis/shared")
				if err != nil || !valid(data) {
					t.Errorf("Get(vis/shared) returned a torn or missing object (%d bytes, %v)", len(data), err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(done)
	readers.Wait()
	if got := len(mustList(t, s, "vis/")); got != 1+3*iters {
		t.Errorf("List after the writers finished: %d objects, want %d", got, 1+3*iters)
	}
}

func testDelete(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	mustPut(t, s, "d/one", []byte("1"))
	mustPut(t, s, "d/two", []byte("2"))
	mustPut(t, s, "d/deep/three", []byte("3"))
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(ctx, "d/one"); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("Get after Delete: error = %v, want ErrNotExist", err)
	}
	if err := s.Delete(ctx, "d/one"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if err := s.Delete(ctx, "never/was/here"); err != nil {
		t.Errorf("Delete of a missing key: %v", err)
	}
	if err := s.Delete(ctx, "d/deep/three"); err != nil {
		t.Fatal(err)
	}
	if got := keysOf(mustList(t, s, "d/")); !slices.Equal(got, []string{"d/two"}) {
		t.Errorf("List after Delete = %q, want [d/two]", got)
	}
	// Keys under a deleted key's former directory stay writable.
	mustPut(t, s, "d/deep/four", []byte("4"))
	if got := mustGet(t, s, "d/deep/four"); string(got) != "4" {
		t.Errorf("Get(d/deep/four) = %q", got)
	}
}

func testStat(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	before := time.Now()
	mustPut(t, s, "s/obj", []byte("12345"))
	oi, err := s.Stat(ctx, "s/obj")
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if oi.Key != "s/obj" || oi.Size != 5 {
		t.Errorf("Stat = %+v, want key s/obj size 5", oi)
	}
	// The storage clock may differ from ours; tests run storage locally, so
	// a minute covers rounding (S3 has 1 s resolution) without hiding a
	// zero or garbage time.
	if d := oi.Modified.Sub(before); d < -time.Minute || d > time.Minute {
		t.Errorf("Stat Modified = %v, test started at %v", oi.Modified, before)
	}
	mustPut(t, s, "s/obj", []byte("123"))
	oi2, err := s.Stat(ctx, "s/obj")
	if err != nil {
		t.Fatal(err)
	}
	if oi2.Size != 3 || oi2.Modified.Before(oi.Modified) {
		t.Errorf("Stat after overwrite = %+v, before it %+v", oi2, oi)
	}
	// S3 HEAD reports seconds while listings carry milliseconds.
	infos := mustList(t, s, "s/obj")
	if len(infos) != 1 || infos[0].Size != oi2.Size || infos[0].Modified.Sub(oi2.Modified).Abs() >= time.Second {
		t.Errorf("List = %+v disagrees with Stat = %+v", infos, oi2)
	}
}

func testReadAfterWrite(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	for i := range 20 {
		want := fmt.Sprintf("version %d", i)
		key := fmt.Sprintf("raw/%02d", i)
		mustPut(t, s, "raw/latest", []byte(want))
		if err := s.PutIfAbsent(ctx, key, []byte(want)); err != nil {
			t.Fatal(err)
		}
		if got := mustGet(t, s, "raw/latest"); string(got) != want {
			t.Fatalf("Get right after Put = %q, want %q", got, want)
		}
		if got := mustGet(t, s, key); string(got) != want {
			t.Fatalf("Get right after PutIfAbsent = %q, want %q", got, want)
		}
		if got := keysOf(mustList(t, s, "raw/")); len(got) != i+2 || got[len(got)-2] != key {
			t.Fatalf("List right after PutIfAbsent = %q, want %d keys ending in %q", got, i+2, key)
		}
	}
}

func testInvalidKeys(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	for _, key := range []string{"", "/abs", "a//b", "a/./b", "a/../b", "trailing/", ".", "..", "../escape"} {
		check := func(op string, err error) {
			if err == nil {
				t.Errorf("%s(%q) succeeded", op, key)
			} else if errors.Is(err, objstore.ErrNotExist) || errors.Is(err, objstore.ErrExist) {
				t.Errorf("%s(%q) error = %v: an invalid key must not look like a missing or taken one", op, key, err)
			}
		}
		_, err := s.Get(ctx, key)
		check("Get", err)
		_, err = s.GetRange(ctx, key, 0, 1)
		check("GetRange", err)
		check("Put", s.Put(ctx, key, []byte("x")))
		check("PutIfAbsent", s.PutIfAbsent(ctx, key, []byte("x")))
		_, err = s.Stat(ctx, key)
		check("Stat", err)
		check("Delete", s.Delete(ctx, key))
	}
	if got := mustList(t, s, ""); len(got) != 0 {
		t.Errorf("invalid-key writes left objects: %q", keysOf(got))
	}
}

func testCanceled(t *testing.T, s objstore.Store) {
	mustPut(t, s, "c/existing", []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a canceled context: error = %v, want context.Canceled", op, err)
		}
	}
	_, err := s.Get(ctx, "c/existing")
	check("Get", err)
	_, err = s.GetRange(ctx, "c/existing", 0, 1)
	check("GetRange", err)
	check("Put", s.Put(ctx, "c/new", []byte("x")))
	check("PutIfAbsent", s.PutIfAbsent(ctx, "c/new2", []byte("x")))
	_, err = s.List(ctx, "c/")
	check("List", err)
	_, err = s.Stat(ctx, "c/existing")
	check("Stat", err)
	check("Delete", s.Delete(ctx, "c/existing"))
	if got := keysOf(mustList(t, s, "c/")); !slices.Equal(got, []string{"c/existing"}) {
		t.Errorf("calls with a canceled context changed the store: %q", got)
	}

	// A deadline that passes while calls are in flight must end them too.
	ctx, cancel = context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	if _, err := s.List(ctx, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("List with an expired deadline: error = %v, want DeadlineExceeded", err)
	}
}

// testGetRangeInto checks objstore.GetRangeInto: the bytes GetRange gives,
// read into the caller's buffer when the store implements RangeIntoGetter.
func testGetRangeInto(t *testing.T, s objstore.Store) {
	ctx := ctxT(t)
	mustPut(t, s, "r", []byte("0123456789"))
	mustPut(t, s, "zero", nil)
	_, into := s.(objstore.RangeIntoGetter)
	cases := []struct {
		key    string
		offset int64
		length int
		want   string
	}{
		{"r", 0, 4, "0123"},
		{"r", 3, 4, "3456"},
		{"r", 0, 10, "0123456789"},
		{"r", 8, 10, "89"},
		{"r", 10, 5, ""},
		{"r", 20, 5, ""},
		{"r", 4, 0, ""},
		{"zero", 0, 5, ""},
	}
	for _, c := range cases {
		dst := bytes.Repeat([]byte{'#'}, c.length)
		got, err := objstore.GetRangeInto(ctx, s, c.key, c.offset, dst)
		if err != nil {
			t.Errorf("GetRangeInto(%q, %d, %d): %v", c.key, c.offset, c.length, err)
			continue
		}
		if string(got) != c.want {
			t.Errorf("GetRangeInto(%q, %d, %d) = %q, want %q", c.key, c.offset, c.length, got, c.want)
		}
		if into && len(got) > 0 && &got[0] != &dst[0] {
			t.Errorf("GetRangeInto(%q, %d, %d) did not read into the buffer given", c.key, c.offset, c.length)
		}
	}
	if _, err := objstore.GetRangeInto(ctx, s, "missing", 0, make([]byte, 4)); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("GetRangeInto of a missing key: %v, want ErrNotExist", err)
	}
	if _, err := objstore.GetRangeInto(ctx, s, "r", -1, make([]byte, 4)); err == nil {
		t.Error("GetRangeInto with negative offset succeeded")
	}
}
