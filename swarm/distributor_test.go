package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// distributorOver returns a distributor whose coordinator sees members and
// touches no storage: enough for Alive and Place.
func distributorOver(members MemberSource) *Distributor {
	return NewDistributor(NewCoordinator(CoordinatorConfig{Members: members, Node: "coord", Incarnation: "inc-coord"}))
}

func cellKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprintf("hive/box/frame/part=%d/cell-%06d.parquet", i%7, i)
	}
	return keys
}

func countPlaced(placed []string) map[string]int {
	counts := map[string]int{}
	for _, n := range placed {
		counts[n]++
	}
	return counts
}

func TestPlaceIsStable(t *testing.T) {
	members := newFakeMembers("a", "b", "c", "d")
	keys := cellKeys(2000)
	first := distributorOver(members).Place(keys)
	// Another distributor over the same membership (another query, or
	// another coordinator) places every key the same way.
	again := distributorOver(members).Place(keys)
	for i := range keys {
		if first[i] != again[i] {
			t.Fatalf("key %s placed on %s, then on %s", keys[i], first[i], again[i])
		}
	}
	counts := countPlaced(first)
	if len(counts) != 4 {
		t.Fatalf("2000 keys went to %v; want all four nodes used", counts)
	}

	members.set("c", Dead)
	without := distributorOver(members).Place(keys)
	moved := 0
	for i := range keys {
		switch {
		case without[i] == "c":
			t.Fatalf("key %s placed on dead node c", keys[i])
		case first[i] != "c" && without[i] != first[i]:
			t.Errorf("key %s moved from %s to %s though c never held it", keys[i], first[i], without[i])
		case first[i] == "c":
			moved++
		}
	}
	if moved != counts["c"] {
		t.Errorf("%d keys moved, want c's %d", moved, counts["c"])
	}
}

func TestPlaceWeighsBeesAndTemperature(t *testing.T) {
	keys := cellKeys(10000)
	members := newFakeMembers("a", "b", "c")
	members.members[2].Bees = 4 // twice the others' 2
	counts := countPlaced(distributorOver(members).Place(keys))
	// Shares 1:1:2 of 10000: c about 5000, the others about 2500.
	if c := counts["c"]; c < 4600 || c > 5400 {
		t.Errorf("node with twice the bees got %d of 10000 keys (%v), want about 5000", c, counts)
	}

	for _, tc := range []struct {
		band    string
		temp    float64
		lowest  int
		highest int
	}{
		// A warm b weighs 0.75 against 1 and 1: about 2727 of 10000.
		{"warm", 0, 2400, 3050},
		// A hot b weighs 0.25 against 1 and 1: about 1111.
		{"hot", 0, 900, 1350},
		// No band in the heartbeat: the temperature says hot.
		{"", 80, 900, 1350},
		// A critical b gets nothing while others are alive.
		{"critical", 0, 0, 0},
	} {
		members := newFakeMembers("a", "b", "c")
		members.members[1].Band, members.members[1].Temperature = tc.band, tc.temp
		d := distributorOver(members)
		counts := countPlaced(d.Place(keys))
		if b := counts["b"]; b < tc.lowest || b > tc.highest {
			t.Errorf("band %q temperature %v: b got %d of 10000 keys (%v), want %d to %d", tc.band, tc.temp, b, counts, tc.lowest, tc.highest)
		}
		if d.Alive() != 3 {
			t.Errorf("band %q: Alive() = %d, want 3", tc.band, d.Alive())
		}
	}

	// A critical node alone still takes the work: refusing it would fail
	// the query where running it slowly would not.
	alone := newFakeMembers("a", "b")
	alone.members[0].Band = "critical"
	alone.set("b", Suspect)
	placed := distributorOver(alone).Place(keys[:10])
	if counts := countPlaced(placed); counts["a"] != 10 {
		t.Errorf("the only alive node, critical, got %v", counts)
	}
}

func TestPlaceAndAliveWithoutNodes(t *testing.T) {
	members := newFakeMembers("a", "b")
	members.set("a", Suspect)
	members.set("b", Left)
	d := distributorOver(members)
	if n := d.Alive(); n != 0 {
		t.Errorf("Alive() = %d, want 0", n)
	}
	if placed := d.Place(cellKeys(3)); placed != nil {
		t.Errorf("Place with no alive node = %v, want nil", placed)
	}
	if n := distributorOver(nil).Alive(); n != 0 {
		t.Errorf("Alive() without a member source = %d", n)
	}
}

// A node counts itself before its view has read its own heartbeat, and
// takes the place of its own previous incarnation.
func TestSelfMembers(t *testing.T) {
	view := newFakeMembers("a", "c")
	view.members[0].Incarnation = "old-a" // a restarted; its view still shows the old one
	self := SelfMembers{Source: view, Node: "a", Incarnation: "new-a",
		Load: LoadFunc(func() Load { return Load{Bees: 3, Band: "warm"} })}
	got := self.Snapshot()
	if len(got) != 2 || got[0].Node != "a" || got[0].Incarnation != "new-a" || !got[0].Self || got[0].State != Alive ||
		got[0].Bees != 3 || got[0].Band != "warm" || got[1].Node != "c" {
		t.Fatalf("snapshot %+v", got)
	}
	b := SelfMembers{Source: view, Node: "b", Incarnation: "inc-b"}.Snapshot()
	if len(b) != 3 || b[1].Node != "b" || !b[1].Self {
		t.Errorf("a new node is not inserted in order: %+v", b)
	}
	if n := distributorOver(SelfMembers{Node: "solo", Incarnation: "x"}).Alive(); n != 1 {
		t.Errorf("a node alone with an empty view: Alive() = %d, want 1", n)
	}

	// Once the view holds this incarnation, its judgement stands: a node
	// whose heartbeat says it is leaving takes no more work.
	view.members[0].Incarnation = "new-a"
	view.set("a", Left)
	got = self.Snapshot()
	if len(got) != 2 || got[0].State != Left {
		t.Errorf("snapshot %+v, want the view's own entry, left", got)
	}
	if n := distributorOver(self).Alive(); n != 1 {
		t.Errorf("Alive() = %d with this node leaving, want 1", n)
	}
}

func TestFirstAttemptGoesToPlacedNode(t *testing.T) {
	// pickFirst would send everything to a: each task must go where it
	// was placed instead.
	c := newCluster(t, CoordinatorConfig{Assign: pickFirst}, "a", "b", "c")
	for _, n := range []string{"a", "b", "c"} {
		c.start(n, echo(n))
	}
	d := NewDistributor(c.coord)
	placed := []string{"b", "c", "a", "c", "gone"}
	tasks := make([]exec.SwarmTask, len(placed))
	for i, n := range placed {
		tasks[i] = exec.SwarmTask{Node: n, Payload: fmt.Appendf(nil, "task%d", i)}
	}
	results, err := d.Run(context.Background(), 0, tasks)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		want := placed[i]
		if want == "gone" {
			want = "a" // not a candidate: the assigner chooses
		}
		if got := string(r); got != fmt.Sprintf("TASK%d@%s", i, want) {
			t.Errorf("task %d: result %q, want it from %s", i, got, want)
		}
	}
	for _, row := range c.coord.SystemTasks() {
		if row.Attempts != 1 {
			t.Errorf("system.tasks row %+v, want one attempt", row)
		}
	}
	c.waitEmpty()
}

func TestRetryLeavesDeadPlacedNode(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a", "b", "c")
	started := make(chan struct{}, 1)
	c.start("b", holdUntilCancelled(started))
	c.start("a", echo("a"))
	c.start("c", echo("c"))
	d := NewDistributor(c.coord)
	out := runInBackground(func() ([][]byte, error) {
		return d.Run(context.Background(), 0, []exec.SwarmTask{{Node: "b", Payload: []byte("task0")}})
	})
	<-started
	c.members.set("b", Dead)
	o := <-out
	if o.err != nil {
		t.Fatal(o.err)
	}
	if got := string(o.results[0]); got != "TASK0@a" && got != "TASK0@c" {
		t.Errorf("result %q, want it from a or c", got)
	}
	rows := c.coord.SystemTasks()
	if len(rows) != 1 || rows[0].Attempts != 2 || rows[0].Node == "b" || !strings.Contains(rows[0].Error, "dead") {
		t.Errorf("system.tasks: %+v", rows)
	}
	c.stop("b")
	c.waitEmpty()
}

// The worker counts what the colony's task-failure input needs: node
// failures and abandoned attempts, not the query's own errors.
func TestWorkerCounters(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a")
	fail := map[string]error{
		"ok":    nil,
		"query": sqlerr.New(sqlerr.DivisionByZero, "division by zero"),
		"node":  sqlerr.New(sqlerr.OutOfMemory, "out of memory"),
	}
	w := NewWorker(WorkerConfig{Store: c.store, Node: "a", Incarnation: "inc-a", PollInterval: testPoll,
		Handler: func(_ context.Context, p []byte) ([]byte, error) { return p, fail[string(p)] }})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for _, p := range []string{"ok", "query"} {
		_, _ = c.coord.Run(context.Background(), 0, []Task{{Payload: []byte(p)}})
	}
	if ended, failed := w.Counters(); ended != 2 || failed != 0 {
		t.Errorf("after a success and a query error: ended %d, failed %d; want 2, 0", ended, failed)
	}
	// One node, three attempts: the node's error thrice.
	if _, err := c.coord.Run(context.Background(), 0, []Task{{Payload: []byte("node")}}); sqlerr.CodeOf(err) != sqlerr.SystemError {
		t.Fatalf("err %v, want 58000", err)
	}
	if ended, failed := w.Counters(); ended != 5 || failed != 3 {
		t.Errorf("after three node errors: ended %d, failed %d; want 5, 3", ended, failed)
	}
}

// A worker stopped by shutdown writes nothing for the attempts it was
// running, even when its context carries a cause of its own (a signal's
// context does): the coordinator gives them to others.
func TestWorkerStoppedWithCauseWritesNothing(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a")
	started := make(chan struct{}, 1)
	w := NewWorker(WorkerConfig{Store: c.store, Node: "a", Incarnation: "inc-a", PollInterval: testPoll,
		Handler: func(ctx context.Context, _ []byte) ([]byte, error) {
			started <- struct{}{}
			<-ctx.Done()
			return nil, sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled, "cancelled")
		}})
	wctx, stop := context.WithCancelCause(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	qctx, cancelQuery := context.WithCancel(context.Background())
	queryDone := make(chan struct{})
	go func() { defer close(queryDone); _, _ = c.coord.Run(qctx, 0, payloads(1)) }()
	<-started
	stop(errors.New("terminated signal received"))
	<-done
	for _, key := range c.objects() {
		if strings.HasSuffix(key, "/"+errorName) || strings.HasSuffix(key, "/"+resultName) {
			t.Errorf("a stopped worker wrote %s", key)
		}
	}
	if ended, failed := w.Counters(); ended != 0 || failed != 0 {
		t.Errorf("counters %d, %d after a stop; want 0, 0", ended, failed)
	}
	cancelQuery()
	<-queryDone
}

// A coordinator-only node (swarm.worker off) says so in its heartbeats;
// heartbeats without the field, from nodes older than it, take tasks.
func TestCoordinatorOnlyHeartbeat(t *testing.T) {
	store := objstore.NewMem()
	w := NewWriter(WriterConfig{Store: store, Node: "gate", Interval: testInterval, CoordinatorOnly: true})
	beat(t, w)
	view := testView(store, newFakeClock())
	refresh(t, view)
	got := view.Snapshot()
	if len(got) != 1 || got[0].State != Alive || got[0].TakesTasks() {
		t.Fatalf("snapshot %+v, want gate alive and taking no tasks", got)
	}
	data, err := store.Get(context.Background(), HeartbeatKey("gate"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"accepts_tasks":false`) {
		t.Errorf("heartbeat %s lacks accepts_tasks false", data)
	}
	var old Heartbeat
	if err := json.Unmarshal([]byte(`{"node":"old","incarnation":"x","seq":1}`), &old); err != nil || !old.TakesTasks() {
		t.Errorf("a heartbeat without accepts_tasks: %+v, %v; want it to take tasks", old, err)
	}
}

// No coordinator places cells on a coordinator-only node or sends it an
// attempt, neither first nor on retry, even when a task names it; when
// only such nodes are alive, the query fails with 58000 at once.
func TestCoordinatorOnlyNodeGetsNoTasks(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a", "b", "c")
	off := false
	c.members.members[0].AcceptsTasks = &off
	// a's worker would answer if asked: the test sees where tasks went.
	for _, n := range []string{"a", "b", "c"} {
		c.start(n, echo(n))
	}
	d := NewDistributor(c.coord)
	if n := d.Alive(); n != 2 {
		t.Errorf("Alive() = %d with a coordinator only among three, want 2", n)
	}
	if counts := countPlaced(d.Place(cellKeys(300))); counts["a"] != 0 || counts["b"] == 0 || counts["c"] == 0 {
		t.Errorf("placements %v, want b and c only", counts)
	}
	tasks := []exec.SwarmTask{{Node: "a", Payload: []byte("task0")}, {Node: "b", Payload: []byte("task1")}}
	results, err := d.Run(context.Background(), 0, tasks)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range results {
		if strings.HasSuffix(string(r), "@a") {
			t.Errorf("task %d ran on the coordinator-only node: %q", i, r)
		}
	}

	// b fails its task: the retry goes to c, never to a.
	c.stop("b")
	c.start("b", func(context.Context, []byte) ([]byte, error) {
		return nil, sqlerr.New(sqlerr.OutOfMemory, "out of memory")
	})
	results, err = c.coord.Run(context.Background(), 0, []Task{{Node: "b", Payload: []byte("again")}})
	if err != nil || string(results[0]) != "AGAIN@c" {
		t.Errorf("retry of b's task: %q, %v; want it from c", results, err)
	}

	c.members.set("b", Dead)
	c.members.set("c", Dead)
	if n := d.Alive(); n != 0 {
		t.Errorf("Alive() = %d with only the coordinator-only node alive, want 0", n)
	}
	if placed := d.Place(cellKeys(3)); placed != nil {
		t.Errorf("Place = %v with only the coordinator-only node alive, want nil", placed)
	}
	_, err = c.coord.Run(context.Background(), 0, []Task{{Node: "a", Payload: []byte("last")}})
	if sqlerr.CodeOf(err) != sqlerr.SystemError || !strings.Contains(sqlerr.Flatten(err).Detail, "no node taking tasks was alive") {
		t.Errorf("err %v, want 58000: no node taking tasks", err)
	}
	c.waitEmpty()
}

// A coordinator-only node does not count itself before its view has read
// its heartbeat either.
func TestSelfMembersCoordinatorOnly(t *testing.T) {
	self := SelfMembers{Source: newFakeMembers("b"), Node: "a", Incarnation: "inc-a", CoordinatorOnly: true}
	got := self.Snapshot()
	if len(got) != 2 || got[0].Node != "a" || !got[0].Self || got[0].TakesTasks() {
		t.Fatalf("snapshot %+v, want a's own entry taking no tasks", got)
	}
	if n := distributorOver(self).Alive(); n != 1 {
		t.Errorf("Alive() = %d, want 1 (b alone)", n)
	}
}

// TestPlacePrefersCachedCells: a node whose heartbeat says it holds a cell
// takes it, within a little over its share; cells nobody holds go by
// rendezvous; and the filter has no false negatives.
func TestPlacePrefersCachedCells(t *testing.T) {
	keys := make([]string, 300)
	for i := range keys {
		keys[i] = fmt.Sprintf("frames/h/b/f/data/cell-%03d.parquet", i)
	}
	filter := NewCacheFilter(keys[:100])
	for _, k := range keys[:100] {
		if !filter.MayContain(k) {
			t.Fatalf("the filter lost %s", k)
		}
	}
	falsePositives := 0
	for _, k := range keys[100:] {
		if filter.MayContain(k) {
			falsePositives++
		}
	}
	if falsePositives > 10 {
		t.Errorf("%d false positives in 200 keys; about 2 expected", falsePositives)
	}

	plain := newFakeMembers("a", "b", "c")
	cached := newFakeMembers("a", "b", "c")
	cached.members[2].CachedFilter = filter // c holds the first 100 cells
	before := distributorOver(plain).Place(keys)
	after := distributorOver(cached).Place(keys)
	toC := 0
	for i := range keys[:100] {
		if after[i] == "c" {
			toC++
		}
	}
	if toC < 95 {
		t.Errorf("c holds 100 cells and took %d of them", toC)
	}
	for i := 100; i < len(keys); i++ {
		if after[i] != before[i] && after[i] != "c" && before[i] != "c" {
			t.Errorf("%s moved from %s to %s though neither holds it", keys[i], before[i], after[i])
		}
	}

	// A node holding everything still takes only a little over its share.
	cached.members[2].CachedFilter = NewCacheFilter(keys)
	all := distributorOver(cached).Place(keys)
	n := 0
	for _, node := range all {
		if node == "c" {
			n++
		}
	}
	if n > 130 {
		t.Errorf("the node holding every cell took %d of 300", n)
	}
}

// Filters travel between nodes and placements should not move across an
// upgrade: the hand-written FNV-1a must hash as hash/fnv does.
func TestFNVMatchesTheStandardLibrary(t *testing.T) {
	for _, s := range []string{"", "a", "frames/h/b/f/data/cell-001.parquet", "n\x00ü"} {
		h := fnv.New64a()
		_, _ = h.Write([]byte(s))
		if got, want := fnv64a(fnvOffset64, s), h.Sum64(); got != want {
			t.Errorf("fnv64a(%q) = %x, want %x", s, got, want)
		}
		h.Reset()
		_, _ = h.Write([]byte(s + "\x00node-b"))
		if got, want := fnv64a(hashKey(s), "node-b"), h.Sum64(); got != want {
			t.Errorf("fnv64a over %q and a node = %x, want %x", s, got, want)
		}
	}
}
