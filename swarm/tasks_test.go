package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// fakeMembers is a world view the test sets by hand.
type fakeMembers struct {
	mu      sync.Mutex
	members []Member
}

func newFakeMembers(nodes ...string) *fakeMembers {
	f := &fakeMembers{}
	for _, n := range nodes {
		f.members = append(f.members, Member{Heartbeat: Heartbeat{Node: n, Incarnation: "inc-" + n, Bees: 2}, State: Alive})
	}
	return f
}

func (f *fakeMembers) Snapshot() []Member {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Member(nil), f.members...)
}

func (f *fakeMembers) set(node string, s State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.members {
		if f.members[i].Node == node {
			f.members[i].State = s
		}
	}
}

const testPoll = 2 * time.Millisecond

// cluster is a coordinator and workers sharing one local store.
type cluster struct {
	t       *testing.T
	store   objstore.Store
	members *fakeMembers
	coord   *Coordinator
	stops   map[string]context.CancelFunc
	done    map[string]chan struct{}
}

func newCluster(t *testing.T, cfg CoordinatorConfig, nodes ...string) *cluster {
	t.Helper()
	store, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, store: store, members: newFakeMembers(nodes...), stops: map[string]context.CancelFunc{},
		done: map[string]chan struct{}{}}
	cfg.Store, cfg.Members, cfg.Node, cfg.Incarnation = store, c.members, "coord", "inc-coord"
	if cfg.PollInterval == 0 {
		cfg.PollInterval = testPoll
	}
	if cfg.TaskTimeout == 0 {
		cfg.TaskTimeout = 10 * time.Second
	}
	c.coord = NewCoordinator(cfg)
	t.Cleanup(func() {
		for n := range c.stops {
			c.stop(n)
		}
		c.coord.Wait() // before the temporary directory goes
	})
	return c
}

// start runs a worker for node with handler.
func (c *cluster) start(node string, h Handler) {
	ctx, cancel := context.WithCancel(context.Background())
	w := NewWorker(WorkerConfig{Store: c.store, Node: node, Incarnation: "inc-" + node, PollInterval: testPoll,
		Concurrency: 2, Handler: h})
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	c.stops[node], c.done[node] = cancel, done
}

// stop stops a worker and waits until its loop and tasks have returned.
func (c *cluster) stop(node string) {
	if cancel, ok := c.stops[node]; ok {
		cancel()
		<-c.done[node]
		delete(c.stops, node)
	}
}

// objects lists what is left under TaskPrefix.
func (c *cluster) objects() []string {
	infos, err := c.store.List(context.Background(), TaskPrefix)
	if err != nil {
		c.t.Fatal(err)
	}
	var keys []string
	for _, i := range infos {
		keys = append(keys, i.Key)
	}
	return keys
}

// waitEmpty polls until no task objects are left.
func (c *cluster) waitEmpty() {
	c.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(c.objects()) > 0 {
		if time.Now().After(deadline) {
			c.t.Fatalf("objects left: %v", c.objects())
		}
		time.Sleep(time.Millisecond)
	}
}

func echo(node string) Handler {
	return func(_ context.Context, p []byte) ([]byte, error) {
		return []byte(strings.ToUpper(string(p)) + "@" + node), nil
	}
}

func payloads(n int) []Task {
	tasks := make([]Task, n)
	for i := range tasks {
		tasks[i] = Task{Payload: fmt.Appendf(nil, "task%d", i)}
	}
	return tasks
}

func TestTasksRunOnThreeWorkers(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a", "b", "c")
	for _, n := range []string{"a", "b", "c"} {
		c.start(n, echo(n))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	results, err := c.coord.Run(ctx, 0, payloads(12))
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for i, r := range results {
		body, node, _ := strings.Cut(string(r), "@")
		if body != fmt.Sprintf("TASK%d", i) {
			t.Errorf("task %d: result %q", i, r)
		}
		used[node] = true
	}
	if len(used) < 2 {
		t.Errorf("12 tasks went to %v only; rendezvous should spread them", used)
	}
	c.coord.Wait()
	if left := c.objects(); len(left) > 0 {
		t.Errorf("objects left after the query: %v", left)
	}
	rows := c.coord.SystemTasks()
	if len(rows) != 12 {
		t.Fatalf("system.tasks has %d rows, want 12", len(rows))
	}
	for _, r := range rows {
		if r.State != TaskDone || r.Attempts != 1 || r.Node == "" || r.FinishedAt.IsZero() || r.QueryID != 1 {
			t.Errorf("system.tasks row %+v", r)
		}
	}
}

// holdUntilCancelled is a handler that says on started that it began and
// then runs until its attempt is cancelled.
func holdUntilCancelled(started chan<- struct{}) Handler {
	return func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

// runOutcome is what a query run in the background returned.
type runOutcome struct {
	results [][]byte
	err     error
}

func runInBackground(run func() ([][]byte, error)) <-chan runOutcome {
	out := make(chan runOutcome, 1)
	go func() {
		r, err := run()
		out <- runOutcome{r, err}
	}()
	return out
}

// pickFirst assigns every task to the first candidate, to make tests
// deterministic.
func pickFirst(_ string, candidates []Member, _ []string) string { return candidates[0].Node }

func TestTaskReassignedWhenItsWorkerDies(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{Assign: pickFirst}, "a", "b")
	started := make(chan struct{}, 1)
	c.start("a", holdUntilCancelled(started))
	c.start("b", echo("b"))
	out := runInBackground(func() ([][]byte, error) { return c.coord.Run(context.Background(), 0, payloads(1)) })
	<-started
	c.stop("a")
	c.members.set("a", Dead)
	o := <-out
	if o.err != nil {
		t.Fatal(o.err)
	}
	if got := string(o.results[0]); got != "TASK0@b" {
		t.Errorf("result %q, want TASK0@b", got)
	}
	rows := c.coord.SystemTasks()
	if len(rows) != 1 || rows[0].Attempts != 2 || rows[0].Node != "b" || !strings.Contains(rows[0].Error, "dead") {
		t.Errorf("system.tasks: %+v", rows)
	}
	c.waitEmpty()
}

func TestQueryFailsWhenEveryWorkerIsGone(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{TaskTimeout: 20 * time.Millisecond, MaxAttempts: 3}, "a", "b")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.coord.Run(ctx, 0, payloads(2))
	if err == nil {
		t.Fatal("query succeeded without workers")
	}
	flat := sqlerr.Flatten(err)
	if flat.Code != sqlerr.SystemError {
		t.Errorf("code %s (%v), want 58000", flat.Code, err)
	}
	for _, want := range []string{"node a", "node b", "missed its deadline", "attempt 3"} {
		if !strings.Contains(flat.Detail, want) {
			t.Errorf("detail %q lacks %q", flat.Detail, want)
		}
	}
	if !strings.Contains(flat.Message, "after 3 attempts") {
		t.Errorf("message %q", flat.Message)
	}
	c.coord.Wait()
	if left := c.objects(); len(left) > 0 {
		t.Errorf("objects left: %v", left)
	}
	for _, r := range c.coord.SystemTasks() {
		if r.State != TaskFailed {
			t.Errorf("system.tasks row %+v, want failed", r)
		}
	}
}

func TestNoAliveNodeFailsAtOnce(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a")
	c.members.set("a", Suspect)
	_, err := c.coord.Run(context.Background(), 0, payloads(1))
	if sqlerr.CodeOf(err) != sqlerr.SystemError || !strings.Contains(sqlerr.Flatten(err).Detail, "no node taking tasks was alive") {
		t.Fatalf("err %v", err)
	}
}

// A late attempt that finishes after another won must not replace the
// winner's result, and its objects must not outlive the query.
func TestDuplicateAndLateCompletionIgnored(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{Assign: pickFirst, TaskTimeout: 30 * time.Millisecond}, "a", "b")
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	finished := make(chan struct{})
	c.start("a", func(ctx context.Context, p []byte) ([]byte, error) {
		started <- struct{}{}
		<-release
		defer close(finished)
		return []byte("late@a"), nil
	})
	c.start("b", echo("b"))
	results, err := c.coord.Run(context.Background(), 0, payloads(1))
	if err != nil {
		t.Fatal(err)
	}
	<-started
	if got := string(results[0]); got != "TASK0@b" {
		t.Errorf("result %q, want TASK0@b", got)
	}
	// a finishes once the query's objects are gone, as a late attempt
	// does; one finishing while they are being removed can leave its
	// writes to the sweeper, which is not what this test is about.
	c.coord.Wait()
	close(release)
	<-finished
	c.waitEmpty()

	// Two done markers for one task: only the first is written.
	ctx := context.Background()
	key := taskDir(queryDir("x", 1), 0) + doneName
	if err := c.store.PutIfAbsent(ctx, key, []byte(`{"attempt":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.store.PutIfAbsent(ctx, key, []byte(`{"attempt":2}`)); !errors.Is(err, objstore.ErrExist) {
		t.Fatalf("second done marker: %v", err)
	}
}

func TestCancelReachesWorkers(t *testing.T) {
	c := newCluster(t, CoordinatorConfig{}, "a")
	started := make(chan struct{}, 1)
	cancelled := make(chan error, 1)
	c.start("a", func(ctx context.Context, _ []byte) ([]byte, error) {
		started <- struct{}{}
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.coord.Run(ctx, 0, payloads(1))
		errc <- err
	}()
	<-started
	cancel()
	if err := <-errc; sqlerr.CodeOf(err) != sqlerr.QueryCanceled {
		t.Fatalf("err %v, want 57014", err)
	}
	select {
	case <-cancelled:
	case <-time.After(5 * time.Second):
		t.Fatal("the worker's handler was not cancelled")
	}
	c.waitEmpty()
	if rows := c.coord.SystemTasks(); rows[0].State != TaskCancelled {
		t.Errorf("system.tasks %+v", rows)
	}
}

func TestHandlerErrors(t *testing.T) {
	t.Run("query error fails at once with its code", func(t *testing.T) {
		c := newCluster(t, CoordinatorConfig{}, "a", "b")
		calls := make(chan struct{}, 10)
		h := func(context.Context, []byte) ([]byte, error) {
			calls <- struct{}{}
			return nil, sqlerr.New(sqlerr.DivisionByZero, "division by zero")
		}
		c.start("a", h)
		c.start("b", h)
		_, err := c.coord.Run(context.Background(), 0, payloads(1))
		if sqlerr.CodeOf(err) != sqlerr.DivisionByZero {
			t.Fatalf("err %v, want 22012", err)
		}
		if len(calls) != 1 {
			t.Errorf("handler ran %d times, want 1", len(calls))
		}
		c.waitEmpty()
	})
	t.Run("node error is retried elsewhere", func(t *testing.T) {
		c := newCluster(t, CoordinatorConfig{Assign: pickFirst}, "a", "b")
		c.start("a", func(context.Context, []byte) ([]byte, error) { panic("broken node") })
		c.start("b", echo("b"))
		results, err := c.coord.Run(context.Background(), 0, payloads(1))
		if err != nil {
			t.Fatal(err)
		}
		if string(results[0]) != "TASK0@b" {
			t.Errorf("result %q", results[0])
		}
		if rows := c.coord.SystemTasks(); !strings.Contains(rows[0].Error, "panicked") {
			t.Errorf("system.tasks %+v", rows)
		}
		c.waitEmpty()
	})
}

func TestSweeperRemovesDeadCoordinatorsQueries(t *testing.T) {
	local, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: local}
	ctx := context.Background()
	members := newFakeMembers("live")
	dead, live, orphan := queryDir("inc-gone", 7), queryDir("inc-live", 8), queryDir("inc-live", 9)
	for _, key := range []string{
		dead + anchorName, taskObjectKey(dead, 0, 1, "x"), dead + "000000/001/claim",
		live + anchorName, taskObjectKey(live, 0, 1, "live"),
		orphan + "000000/001/" + resultName, // written late, after its query ended
	} {
		if err := store.Put(ctx, key, []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	clock := newFakeClock()
	clock.t = time.Now()
	cfg := SweeperConfig{Store: store, Members: members, Grace: time.Minute, Clock: clock}
	if n, err := Sweep(ctx, cfg); err != nil || n != 0 {
		t.Fatalf("within grace: removed %d, %v", n, err)
	}
	clock.Advance(2 * time.Minute)
	lists := store.lists.Load()
	if n, err := Sweep(ctx, cfg); err != nil || n != 2 {
		t.Fatalf("removed %d, %v; want 2", n, err)
	}
	if got := store.lists.Load() - lists; got != 1 {
		t.Errorf("a sweep of two folders made %d LISTs, want 1", got)
	}
	infos, _ := store.List(ctx, TaskPrefix)
	if len(infos) != 2 || !strings.HasPrefix(infos[0].Key, live) || !strings.HasPrefix(infos[1].Key, live) {
		t.Errorf("left %v, want only the live coordinator's query", infos)
	}
}

func TestRendezvousIsStableAndWeighted(t *testing.T) {
	nodes := []Member{{Heartbeat: Heartbeat{Node: "a", Bees: 1}}, {Heartbeat: Heartbeat{Node: "b", Bees: 1}},
		{Heartbeat: Heartbeat{Node: "c", Bees: 2}}}
	counts := map[string]int{}
	moved := 0
	for i := range 4000 {
		key := fmt.Sprint(i)
		got := Rendezvous(key, nodes, nil)
		counts[got]++
		// Removing a node moves only the keys that node held.
		if without := Rendezvous(key, nodes[1:], nil); got != "a" && without != got {
			moved++
		}
	}
	if moved != 0 {
		t.Errorf("%d keys moved that node a did not hold", moved)
	}
	if c := counts["c"]; c < 1700 || c > 2300 {
		t.Errorf("node with twice the bees won %d of 4000 keys (%v), want about 2000", c, counts)
	}
}

func TestParseTaskKey(t *testing.T) {
	q := queryDir("abc", 5)
	for key, want := range map[string]taskKey{
		q + anchorName:                   {Query: "abc-5", Task: -1, Attempt: -1, Name: anchorName},
		taskDir(q, 3) + doneName:         {Query: "abc-5", Task: 3, Attempt: -1, Name: doneName},
		taskObjectKey(q, 3, 2, "n/1.x"):  {Query: "abc-5", Task: 3, Attempt: 2, Name: "task.n%2F1.x.json", Node: "n/1.x"},
		attemptDir(q, 3, 2) + resultName: {Query: "abc-5", Task: 3, Attempt: 2, Name: resultName},
	} {
		got, ok := parseTaskKey(key)
		if !ok || got != want {
			t.Errorf("parseTaskKey(%q) = %+v, %v; want %+v", key, got, ok, want)
		}
	}
	for _, key := range []string{TaskPrefix + "abc-5/other", q + "x/done", q + "000001/001/junk"} {
		if _, ok := parseTaskKey(key); ok {
			t.Errorf("parseTaskKey(%q) accepted", key)
		}
	}
}

// BenchmarkTaskRoundTrip measures the fixed cost of one query of one task
// on the local backend: anchor, task object, LISTs, claim, result, done
// marker and cleanup, with 1 ms polls on both sides.
func BenchmarkTaskRoundTrip(b *testing.B) {
	store, err := objstore.OpenLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	members := newFakeMembers("a")
	coord := NewCoordinator(CoordinatorConfig{Store: store, Members: members, Node: "a", Incarnation: "inc-a",
		PollInterval: time.Millisecond, TaskTimeout: time.Minute})
	ctx, cancel := context.WithCancel(context.Background())
	w := NewWorker(WorkerConfig{Store: store, Node: "a", Incarnation: "inc-a", PollInterval: time.Millisecond, Handler: echo("a")})
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	defer func() { cancel(); <-done; coord.Wait() }()
	tasks := payloads(1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := coord.Run(context.Background(), 0, tasks); err != nil {
			b.Fatal(err)
		}
	}
}

// A worker's poll costs one LIST however many tasks exist; it reads only
// the task objects addressed to it.
func TestWorkerPollIsOneList(t *testing.T) {
	local, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{Store: local}
	ctx := context.Background()
	q := queryDir("inc-x", 1)
	if err := store.Put(ctx, q+anchorName, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		if err := store.Put(ctx, taskObjectKey(q, i, 1, "other"), []byte("{}")); err != nil {
			t.Fatal(err)
		}
	}
	w := NewWorker(WorkerConfig{Store: store, Node: "me", PollInterval: time.Second, Handler: echo("me")})
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if l, g := store.lists.Load(), store.gets.Load(); l != 1 || g != 0 {
		t.Errorf("one poll made %d LISTs and %d GETs, want 1 and 0", l, g)
	}
}

// A task object that does not decode is claimed and failed as a storage
// error, so its coordinator retries at once, and it is not read again at
// the next poll.
func TestWorkerFailsDamagedTaskObject(t *testing.T) {
	store := &countingStore{Store: objstore.NewMem()}
	ctx := context.Background()
	q := queryDir("inc-x", 1)
	if err := store.Put(ctx, q+anchorName, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := store.Put(ctx, taskObjectKey(q, 0, 1, "me"), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	ran := false
	w := NewWorker(WorkerConfig{Store: store, Node: "me", PollInterval: time.Second,
		Handler: func(context.Context, []byte) ([]byte, error) { ran = true; return nil, nil }})
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	data, err := store.Get(ctx, attemptDir(q, 0, 1)+errorName)
	if err != nil {
		t.Fatalf("no error object for the damaged task: %v", err)
	}
	var em errorMeta
	if err := json.Unmarshal(data, &em); err != nil || sqlerr.Code(em.Code) != sqlerr.IOError || isQueryError(sqlerr.Code(em.Code)) {
		t.Errorf("error object %s (%v), want 58030, which the coordinator retries", data, err)
	}
	if _, err := store.Stat(ctx, attemptDir(q, 0, 1)+claimName); err != nil {
		t.Errorf("the damaged attempt is not claimed: %v", err)
	}
	gets := store.gets.Load()
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if g := store.gets.Load(); g != gets || ran {
		t.Errorf("the next poll read %d objects (want none); handler ran: %v", g-gets, ran)
	}
}

// An error object whose code is no SQLSTATE does not reach the client as
// one: it counts as the node's failure, message kept.
func TestMalformedErrorCodeIsTheNodes(t *testing.T) {
	store := objstore.NewMem()
	c := NewCoordinator(CoordinatorConfig{Store: store, Node: "coord", Incarnation: "inc-coord"})
	q := queryDir("inc-coord", 1)
	ctx := context.Background()
	for code, want := range map[string]sqlerr.Code{"22012": sqlerr.DivisionByZero, "ab cd": sqlerr.InternalError,
		"2201": sqlerr.InternalError, "": sqlerr.InternalError} {
		data, _ := json.Marshal(errorMeta{Code: code, Message: "boom", Node: "a"})
		if err := store.Put(ctx, attemptDir(q, 0, 1)+errorName, data); err != nil {
			t.Fatal(err)
		}
		em, err := c.readError(ctx, q, &taskRun{attempts: []attempt{{node: "a"}}})
		if err != nil || sqlerr.Code(em.Code) != want || em.Message != "boom" {
			t.Errorf("code %q read as %+v, %v; want %s, message kept", code, em, err, want)
		}
	}
}
