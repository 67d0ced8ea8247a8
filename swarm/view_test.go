package swarm

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// countingStore counts GETs and LISTs.
type countingStore struct {
	objstore.Store
	gets, lists atomic.Int64
}

func (s *countingStore) Get(ctx context.Context, key string) ([]byte, error) {
	s.gets.Add(1)
	return s.Store.Get(ctx, key)
}

func (s *countingStore) List(ctx context.Context, prefix string) ([]objstore.ObjectInfo, error) {
	s.lists.Add(1)
	return s.Store.List(ctx, prefix)
}

const (
	testInterval = time.Second
	testSuspect  = 3 * time.Second
	testDead     = 6 * time.Second
)

func testView(store objstore.Store, clock Clock) *View {
	return NewView(ViewConfig{Store: store, Interval: testInterval, SuspectAfter: testSuspect, DeadAfter: testDead, Clock: clock})
}

func beat(t *testing.T, w *Writer) {
	t.Helper()
	if err := w.Beat(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func refresh(t *testing.T, v *View) {
	t.Helper()
	if err := v.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// states renders the view as "node=state/seq ..." sorted by node.
func states(v *View) string {
	var parts []string
	for _, m := range v.Snapshot() {
		parts = append(parts, m.Node+"="+string(m.State)+"/"+itoa(m.Seq))
	}
	return strings.Join(parts, " ")
}

func itoa(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func expectStates(t *testing.T, v *View, want string) {
	t.Helper()
	if got := states(v); got != want {
		t.Fatalf("view: got %q, want %q", got, want)
	}
}

// refreshExpect refreshes the view once and checks its states.
func refreshExpect(t *testing.T, v *View, want string) {
	t.Helper()
	refresh(t, v)
	expectStates(t, v, want)
}

func TestViewTransitions(t *testing.T) {
	store := objstore.NewMem()
	clock := newFakeClock()
	v := testView(store, clock)
	w := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval, Clock: clock})

	refreshExpect(t, v, "")
	beat(t, w)
	refreshExpect(t, v, "a=alive/1")

	// Silence shorter than suspect_after: still alive.
	clock.Advance(testSuspect - time.Millisecond)
	refreshExpect(t, v, "a=alive/1")
	clock.Advance(time.Millisecond)
	refreshExpect(t, v, "a=suspect/1")

	// A beat that the view reads brings it back before dead.
	beat(t, w)
	refreshExpect(t, v, "a=alive/2")

	clock.Advance(testDead - time.Millisecond)
	refreshExpect(t, v, "a=suspect/2")
	clock.Advance(time.Millisecond)
	refreshExpect(t, v, "a=dead/2")

	// The state follows the observer's clock even without a refresh:
	// a snapshot taken later judges a longer silence.
	beat(t, w)
	refreshExpect(t, v, "a=alive/3")
	clock.Advance(testDead)
	expectStates(t, v, "a=dead/3")

	// A restarted process starts its sequence again; the new incarnation
	// counts as an advance although the number went down.
	restarted := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval, Clock: clock})
	beat(t, restarted)
	refreshExpect(t, v, "a=alive/1")
	if got := v.Snapshot()[0].Incarnation; got != restarted.Incarnation() || got == w.Incarnation() {
		t.Fatalf("incarnation %q, want the restarted writer's %q", got, restarted.Incarnation())
	}

	// A node that leaves is shown as left at once, and stays so.
	if err := restarted.Leave(context.Background()); err != nil {
		t.Fatal(err)
	}
	refreshExpect(t, v, "a=left/2")
	clock.Advance(2 * testDead)
	refreshExpect(t, v, "a=left/2")

	// Its heartbeat object removed, the node leaves the view.
	if err := store.Delete(context.Background(), HeartbeatKey("a")); err != nil {
		t.Fatal(err)
	}
	refreshExpect(t, v, "")
}

// A late GET that returns an older sequence of the same incarnation (an
// eventually consistent read, or a slow replica) must not count as an
// advance nor roll the view back.
func TestViewIgnoresOlderSequence(t *testing.T) {
	store := objstore.NewMem()
	clock := newFakeClock()
	v := testView(store, clock)
	w := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval, Clock: clock})
	beat(t, w)
	old, err := store.Get(context.Background(), HeartbeatKey("a"))
	if err != nil {
		t.Fatal(err)
	}
	beat(t, w)
	refreshExpect(t, v, "a=alive/2")
	clock.Advance(testSuspect)
	if err := store.Put(context.Background(), HeartbeatKey("a"), old); err != nil {
		t.Fatal(err)
	}
	refreshExpect(t, v, "a=suspect/2")
}

func TestViewReadsOnlyChangedObjects(t *testing.T) {
	store := &countingStore{Store: objstore.NewMem()}
	clock := newFakeClock()
	v := testView(store, clock)
	a := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval, Clock: clock})
	b := NewWriter(WriterConfig{Store: store, Node: "b", Interval: testInterval, Clock: clock})
	beat(t, a)
	beat(t, b)
	refresh(t, v)
	if got := store.gets.Load(); got != 2 {
		t.Fatalf("first refresh: %d GETs, want 2", got)
	}
	clock.Advance(testInterval / 4)
	refresh(t, v)
	if got := store.gets.Load(); got != 2 {
		t.Fatalf("refresh with nothing changed: %d GETs in all, want still 2", got)
	}
	clock.Advance(testInterval / 4)
	beat(t, b)
	refresh(t, v)
	if got := store.gets.Load(); got != 3 {
		t.Fatalf("refresh after one beat: %d GETs in all, want 3", got)
	}
	if got := store.lists.Load(); got != 3 {
		t.Fatalf("%d LISTs for 3 refreshes", got)
	}
	// An object unchanged for long is read again all the same, in case a
	// coarse modification time hid a rewrite.
	clock.Advance(v.refetchAfter())
	refresh(t, v)
	if got := store.gets.Load(); got != 5 {
		t.Fatalf("refresh after refetchAfter: %d GETs in all, want 5", got)
	}
}

func TestViewSkipsForeignAndBrokenObjects(t *testing.T) {
	store := objstore.NewMem()
	clock := newFakeClock()
	v := testView(store, clock)
	ctx := context.Background()
	if err := store.Put(ctx, HeartbeatPrefix+"notes.txt", []byte("hello")); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, HeartbeatPrefix+"deeper/x.json", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, HeartbeatKey("broken"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	// Well-formed JSON, but no node to address tasks to: one under
	// another's name, one without a name, one without an incarnation.
	for key, hb := range map[string]string{"impostor": `{"node":"ok","incarnation":"x","seq":1}`,
		"nameless": `{"incarnation":"x","seq":1}`, "unborn": `{"node":"unborn","seq":1}`} {
		if err := store.Put(ctx, HeartbeatKey(key), []byte(hb)); err != nil {
			t.Fatal(err)
		}
	}
	beat(t, NewWriter(WriterConfig{Store: store, Node: "ok", Interval: testInterval, Clock: clock}))
	err := v.Refresh(ctx)
	for _, bad := range []string{"broken", "impostor", "nameless", "unborn"} {
		if err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("refresh error %v, want one naming the %s heartbeat", err, bad)
		}
	}
	expectStates(t, v, "ok=alive/1")
}

func TestHeartbeatContent(t *testing.T) {
	store := objstore.NewMem()
	clock := newFakeClock()
	w := NewWriter(WriterConfig{
		Store: store, Node: "pi/1", Address: "127.0.0.1:5432", Interval: testInterval, Clock: clock,
		Load: LoadFunc(func() Load {
			return Load{Bees: 3, BeeMemory: 1 << 20, MemoryInUse: 4096, Temperature: 42.5, Band: "ideal"}
		}),
		Cache: cacheStub{CacheSummary{Cells: 7, Bytes: 9000}},
	})
	beat(t, w)
	beat(t, w)
	key := HeartbeatKey("pi/1")
	if key != "_swarm/heartbeats/pi%2F1.json" {
		t.Fatalf("key %q", key)
	}
	if name, ok := nodeFromKey(key); !ok || name != "pi/1" {
		t.Fatalf("nodeFromKey(%q) = %q, %v", key, name, ok)
	}
	data, err := store.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	var hb Heartbeat
	if err := json.Unmarshal(data, &hb); err != nil {
		t.Fatal(err)
	}
	want := Heartbeat{
		Node: "pi/1", Incarnation: w.Incarnation(), Address: "127.0.0.1:5432", Seq: 2,
		StartedAt: clock.Now(), WrittenAt: clock.Now(), Bees: 3, BeeMemory: 1 << 20, MemoryInUse: 4096,
		Temperature: 42.5, Band: "ideal", CachedCells: 7, CachedBytes: 9000,
	}
	if hb.AcceptsTasks == nil || !*hb.AcceptsTasks {
		t.Fatalf("a node with a worker wrote accepts_tasks %v, want true", hb.AcceptsTasks)
	}
	hb.AcceptsTasks = nil // a pointer: compared above
	if !reflect.DeepEqual(hb, want) {
		t.Fatalf("heartbeat\n got %+v\nwant %+v", hb, want)
	}
	if len(w.Incarnation()) != 16 || w.Incarnation() == NewIncarnation() {
		t.Fatalf("incarnation %q is not a fresh random id", w.Incarnation())
	}
}

type cacheStub struct{ s CacheSummary }

func (c cacheStub) CacheSummary() CacheSummary { return c.s }
func (c cacheStub) CacheKeys() []string        { return nil }

// changingCache is a cell cache whose cells a test sets, counting how
// often the writer lists them.
type changingCache struct {
	keys       []string
	generation uint64
	listed     int
}

func (c *changingCache) CacheSummary() CacheSummary {
	return CacheSummary{Cells: int64(len(c.keys)), Generation: c.generation}
}

func (c *changingCache) CacheKeys() []string {
	c.listed++
	return c.keys
}

func (c *changingCache) hold(keys ...string) {
	c.keys = keys
	c.generation++
}

// The writer lists the cache and builds its filter once per generation,
// not once per beat, and the filter it writes follows the cells held.
func TestHeartbeatFilterFollowsTheCache(t *testing.T) {
	store := objstore.NewMem()
	cache := &changingCache{keys: []string{"frames/f/data/a.parquet"}}
	w := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval, Cache: cache})
	written := func() Heartbeat {
		t.Helper()
		data, err := store.Get(context.Background(), HeartbeatKey("a"))
		if err != nil {
			t.Fatal(err)
		}
		var hb Heartbeat
		if err := json.Unmarshal(data, &hb); err != nil {
			t.Fatal(err)
		}
		return hb
	}
	for range 3 {
		beat(t, w)
	}
	if hb := written(); cache.listed != 1 || !hb.CachedFilter.MayContain("frames/f/data/a.parquet") {
		t.Fatalf("three beats over one generation listed the cache %d times (want 1); filter holds a: %v",
			cache.listed, hb.CachedFilter.MayContain("frames/f/data/a.parquet"))
	}
	cache.hold("frames/f/data/b.parquet")
	beat(t, w)
	beat(t, w)
	hb := written()
	if cache.listed != 2 || !hb.CachedFilter.MayContain("frames/f/data/b.parquet") || hb.CachedFilter.MayContain("frames/f/data/a.parquet") {
		t.Errorf("after the cache changed: listed %d times (want 2), filter %x", cache.listed, hb.CachedFilter)
	}
	cache.hold()
	beat(t, w)
	if hb := written(); cache.listed != 3 || hb.CachedFilter != nil || hb.CachedCells != 0 {
		t.Errorf("an emptied cache: listed %d times (want 3), filter %x, cells %d", cache.listed, hb.CachedFilter, hb.CachedCells)
	}
}

// A failed write must not use up a sequence number, or the observer
// could see the same number twice for different beats.
func TestWriterKeepsSequenceOnFailure(t *testing.T) {
	store := objstore.NewMem()
	w := NewWriter(WriterConfig{Store: store, Node: "a", Interval: testInterval})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Beat(ctx); err == nil {
		t.Fatal("beat with a cancelled context succeeded")
	}
	beat(t, w)
	data, err := store.Get(context.Background(), HeartbeatKey("a"))
	if err != nil {
		t.Fatal(err)
	}
	var hb Heartbeat
	if err := json.Unmarshal(data, &hb); err != nil {
		t.Fatal(err)
	}
	if hb.Seq != 1 {
		t.Fatalf("seq %d after one failed and one good beat, want 1", hb.Seq)
	}
}

// Several writers share one local directory, as nodes share a bucket; one
// observer follows them all.
func TestSeveralWritersOneObserver(t *testing.T) {
	store, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	clock := newFakeClock()
	var writers []*Writer
	for _, name := range []string{"n1", "n2", "n3"} {
		writers = append(writers, NewWriter(WriterConfig{Store: store, Node: name, Address: name + ":5432", Interval: testInterval, Clock: clock}))
	}
	v := NewView(ViewConfig{Store: store, Interval: testInterval, SuspectAfter: testSuspect, DeadAfter: testDead,
		Clock: clock, Self: writers[0].Incarnation()})
	var wg sync.WaitGroup
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := w.Beat(context.Background()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	refreshExpect(t, v, "n1=alive/5 n2=alive/5 n3=alive/5")

	// n3 stops; the others go on beating.
	for range 4 {
		clock.Advance(testInterval)
		beat(t, writers[0])
		beat(t, writers[1])
		refresh(t, v)
	}
	expectStates(t, v, "n1=alive/9 n2=alive/9 n3=suspect/5")
	for range 3 {
		clock.Advance(testInterval)
		beat(t, writers[0])
		beat(t, writers[1])
		refresh(t, v)
	}
	expectStates(t, v, "n1=alive/12 n2=alive/12 n3=dead/5")

	nodes := v.SystemNodes()
	if len(nodes) != 3 || !nodes[0].Self || nodes[1].Self || nodes[2].Self {
		t.Fatalf("self marking: %+v", nodes)
	}
	if n := nodes[2]; n.Node != "n3" || n.State != "dead" || n.Address != "n3:5432" || n.HeartbeatSeq != 5 || n.Incarnation != writers[2].Incarnation() {
		t.Fatalf("system node n3: %+v", n)
	}
}

// Stopping the background loops writes the leaving heartbeat before Stop
// returns.
func TestBackgroundLeavesOnStop(t *testing.T) {
	store := objstore.NewMem()
	w := NewWriter(WriterConfig{Store: store, Node: "a", Interval: 10 * time.Millisecond})
	v := NewView(ViewConfig{Store: store, Interval: 10 * time.Millisecond, SuspectAfter: time.Minute, DeadAfter: 2 * time.Minute})
	b := StartBackground(context.Background(), w, v)
	deadline := time.Now().Add(10 * time.Second)
	for len(v.Snapshot()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the view never saw the writer's heartbeat")
		}
		time.Sleep(5 * time.Millisecond)
	}
	b.Stop()
	data, err := store.Get(context.Background(), HeartbeatKey("a"))
	if err != nil {
		t.Fatal(err)
	}
	var hb Heartbeat
	if err := json.Unmarshal(data, &hb); err != nil {
		t.Fatal(err)
	}
	if !hb.Leaving || hb.Seq < 2 {
		t.Fatalf("after Stop: %+v, want a leaving heartbeat after the first", hb)
	}
}
