package swarm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// MemberSource is where the coordinator learns which nodes are alive; View
// is one.
type MemberSource interface {
	Snapshot() []Member
}

// Task is one unit of work of a distributed query.
type Task struct {
	// Payload is passed to the worker's handler unchanged.
	Payload []byte
	// Key places the task (Rendezvous hashes it); "" uses the task's index.
	Key string
	// Node, when not "", takes the first attempt if it is an alive
	// candidate then (the placement chose it, e.g. for its cached cells);
	// otherwise, and for every retry, the Assigner chooses by Key.
	Node string
}

// Task states, as system.tasks shows them.
const (
	TaskAssigned  = "assigned"  // the task object is written; no claim seen yet
	TaskRunning   = "running"   // a worker claimed the current attempt
	TaskDone      = "done"      // a done marker was read and its result taken
	TaskFailed    = "failed"    // the query failed while the task was unfinished
	TaskCancelled = "cancelled" // the query was cancelled while the task was unfinished
)

// CoordinatorConfig configures a coordinator.
type CoordinatorConfig struct {
	Store   objstore.Store
	Members MemberSource
	// Node and Incarnation name this node (the heartbeat writer's).
	Node, Incarnation string
	// PollInterval is how often a running query lists its objects.
	PollInterval time.Duration
	// TaskTimeout is how long one attempt may take before it is abandoned.
	TaskTimeout time.Duration
	// MaxAttempts bounds the attempts per task; 0 means 3.
	MaxAttempts int
	// Assign picks a node per attempt; nil is Rendezvous.
	Assign Assigner
	// Recent is how many finished tasks system.tasks keeps; 0 means 1000.
	Recent int
	Clock  Clock
	Logger *slog.Logger
}

// Coordinator posts a query's tasks to nodes through storage and collects
// their results.
type Coordinator struct {
	cfg     CoordinatorConfig
	queries atomic.Int64

	// cleanups are the removals of finished queries' objects, running
	// after Run returned.
	cleanups sync.WaitGroup

	mu      sync.Mutex
	running map[*taskRecord]struct{}
	recent  []*taskRecord // finished, oldest first
}

// taskRecord is what system.tasks shows of one task; guarded by
// Coordinator.mu.
type taskRecord struct {
	query    int64
	task     int
	node     string
	state    string
	attempts int
	err      string
	started  time.Time
	finished time.Time
}

// NewCoordinator returns a coordinator.
func NewCoordinator(cfg CoordinatorConfig) *Coordinator {
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 3
	}
	if cfg.Assign == nil {
		cfg.Assign = Rendezvous
	}
	if cfg.Recent <= 0 {
		cfg.Recent = 1000
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Coordinator{cfg: cfg, running: map[*taskRecord]struct{}{}}
}

// Wait waits until the objects of every query Run has finished are
// removed (or their removal failed).
func (c *Coordinator) Wait() { c.cleanups.Wait() }

// SystemTasks lists running and recent tasks, newest query first; it is
// the engine's exec.Config.Tasks hook.
func (c *Coordinator) SystemTasks() []exec.SystemTask {
	c.mu.Lock()
	all := make([]*taskRecord, 0, len(c.running)+len(c.recent))
	for r := range c.running {
		all = append(all, r)
	}
	all = append(all, c.recent...)
	out := make([]exec.SystemTask, len(all))
	for i, r := range all {
		out[i] = exec.SystemTask{QueryID: r.query, Task: int32(r.task), Node: r.node, State: r.state,
			Attempts: int32(r.attempts), Error: r.err, StartedAt: r.started, FinishedAt: r.finished}
	}
	c.mu.Unlock()
	slices.SortFunc(out, func(a, b exec.SystemTask) int {
		if a.QueryID != b.QueryID {
			return cmp.Compare(b.QueryID, a.QueryID)
		}
		return cmp.Compare(a.Task, b.Task)
	})
	return out
}

// attempt is one try of a task on one node.
type attempt struct {
	node        string
	incarnation string // the node's, when assigned: a restart abandons it
	deadline    time.Time
	reason      string // why it was abandoned; "" while current
}

// taskRun is the coordinator's state of one task during Run.
type taskRun struct {
	index    int
	key      string
	node     string // preferred for the first attempt
	payload  []byte
	attempts []attempt
	result   []byte
	finished bool
	rec      *taskRecord
}

// Run posts the tasks, waits for their results and returns them in task
// order. query identifies the query in system.tasks and in object names;
// 0 draws a number from this coordinator's counter. Whatever the
// outcome, the query's objects are removed once Run has returned (Wait).
func (c *Coordinator) Run(ctx context.Context, query int64, tasks []Task) ([][]byte, error) {
	if query == 0 {
		query = c.queries.Add(1)
	}
	qdir := queryDir(c.cfg.Incarnation, query)
	now := c.cfg.Clock.Now()
	runs := make([]*taskRun, len(tasks))
	c.mu.Lock()
	for i, t := range tasks {
		key := t.Key
		if key == "" {
			key = fmt.Sprint(i)
		}
		runs[i] = &taskRun{index: i, key: key, node: t.Node, payload: t.Payload,
			rec: &taskRecord{query: query, task: i, state: TaskAssigned, started: now}}
		c.running[runs[i].rec] = struct{}{}
	}
	c.mu.Unlock()

	results, err := c.run(ctx, query, qdir, runs)
	final := TaskFailed
	if ctx.Err() != nil {
		final = TaskCancelled
	}
	c.finish(runs, final, err)
	// The results are in memory: removing the objects need not delay
	// the query (Wait waits for it; the sweeper removes what a crash
	// leaves).
	c.cleanups.Add(1)
	go func() {
		defer c.cleanups.Done()
		c.cleanup(ctx, qdir, err != nil)
	}()
	return results, err
}

func (c *Coordinator) run(ctx context.Context, query int64, qdir string, runs []*taskRun) ([][]byte, error) {
	anchor, _ := json.Marshal(anchorMeta{Query: query, Coordinator: c.cfg.Node, CoordinatorIncarnation: c.cfg.Incarnation,
		Tasks: len(runs), StartedAt: c.cfg.Clock.Now().UTC()})
	if err := c.cfg.Store.Put(ctx, qdir+anchorName, anchor); err != nil {
		return nil, c.storageError(ctx, "write the query's anchor", err)
	}
	for _, r := range runs {
		if err := c.assign(ctx, query, qdir, r, ""); err != nil {
			return nil, err
		}
	}
	// Polls start at an eighth of the interval and double up to it:
	// short queries (most) are seen done sooner, at the cost of a few
	// more LISTs in their first interval.
	wait := max(c.cfg.PollInterval/8, time.Millisecond)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		finished, err := c.poll(ctx, query, qdir, runs)
		if err != nil {
			return nil, err
		}
		if finished {
			out := make([][]byte, len(runs))
			for i, r := range runs {
				out[i] = r.result
			}
			return out, nil
		}
		select {
		case <-ctx.Done():
			return nil, sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled, "swarm: query %d cancelled", query)
		case <-timer.C:
		}
		wait = min(2*wait, c.cfg.PollInterval)
		timer.Reset(wait)
	}
}

// poll lists the query's objects once and moves every unfinished task on.
func (c *Coordinator) poll(ctx context.Context, query int64, qdir string, runs []*taskRun) (bool, error) {
	infos, err := c.cfg.Store.List(ctx, qdir)
	if err != nil {
		// Storage may come back; the attempts' deadlines bound the wait.
		if ctx.Err() != nil {
			return false, sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled, "swarm: query %d cancelled", query)
		}
		c.cfg.Logger.Warn("swarm: cannot list a query's tasks", "query", query, "err", err)
		infos = nil
	}
	type seen struct{ done, claim, errObj bool }
	byTask := map[int]*seen{}
	current := func(t int) int { return len(runs[t].attempts) }
	for _, info := range infos {
		k, ok := parseTaskKey(info.Key)
		if !ok || k.Task < 0 || k.Task >= len(runs) {
			continue
		}
		s := byTask[k.Task]
		if s == nil {
			s = &seen{}
			byTask[k.Task] = s
		}
		switch {
		case k.Name == doneName:
			s.done = true
		case k.Attempt == current(k.Task) && k.Name == claimName:
			s.claim = true
		case k.Attempt == current(k.Task) && k.Name == errorName:
			s.errObj = true
		}
	}
	members := c.members()
	all := true
	for _, r := range runs {
		if r.finished {
			continue
		}
		s := byTask[r.index]
		if s == nil {
			s = &seen{}
		}
		switch {
		case s.done:
			if err := c.collect(ctx, qdir, r); err != nil {
				return false, err
			}
			continue
		case s.errObj:
			em, err := c.readError(ctx, qdir, r)
			if err != nil {
				return false, err
			}
			if isQueryError(sqlerr.Code(em.Code)) {
				// The fragment itself is wrong (a division by zero, a bad
				// cast): another node would fail the same way.
				return false, sqlerr.New(sqlerr.Code(em.Code), "%s", em.Message).
					WithDetail("Task %d of swarm query %d failed on node %s.", r.index, query, em.Node)
			}
			if err := c.retry(ctx, query, qdir, r, fmt.Sprintf("failed: %s", em.Message)); err != nil {
				return false, err
			}
		default:
			a := r.attempts[len(r.attempts)-1]
			if reason := abandonReason(a, members, c.cfg.Clock.Now()); reason != "" {
				if err := c.retry(ctx, query, qdir, r, reason); err != nil {
					return false, err
				}
			} else if s.claim {
				c.setState(r, TaskRunning)
			}
		}
		all = false
	}
	return all, nil
}

// abandonReason says why an attempt is given up, or "" to keep waiting.
func abandonReason(a attempt, members map[string]Member, now time.Time) string {
	m, ok := members[a.node]
	switch {
	case !ok:
		return "its heartbeat is gone"
	case m.Incarnation != a.incarnation:
		return "it restarted"
	case m.State != Alive:
		return "it is " + string(m.State)
	case !now.Before(a.deadline):
		return "it missed its deadline"
	}
	return ""
}

// isQueryError reports whether a handler's error belongs to the query
// rather than the node that ran it: any class but resources, operator
// intervention, system errors, connections and internal errors.
func isQueryError(code sqlerr.Code) bool {
	if len(code) != 5 {
		return false
	}
	switch code[:2] {
	case "08", "53", "57", "58", "XX":
		return false
	}
	return true
}

// snapshot is the world view; without one, no node is alive.
func (c *Coordinator) snapshot() []Member {
	if c.cfg.Members == nil {
		return nil
	}
	return c.cfg.Members.Snapshot()
}

// workers are the alive members that take tasks: the candidates for
// placement and for every attempt. A coordinator-only node runs no
// worker: an attempt sent there would wait out its deadline.
func (c *Coordinator) workers() []Member {
	var out []Member
	for _, m := range c.snapshot() {
		if m.State == Alive && m.TakesTasks() {
			out = append(out, m)
		}
	}
	return out
}

func (c *Coordinator) members() map[string]Member {
	out := map[string]Member{}
	for _, m := range c.snapshot() {
		out[m.Node] = m
	}
	return out
}

// assign writes the next attempt of r. reason, when not "", is why the
// previous attempt was abandoned.
func (c *Coordinator) assign(ctx context.Context, query int64, qdir string, r *taskRun, reason string) error {
	if n := len(r.attempts); n > 0 {
		r.attempts[n-1].reason = reason
	}
	if len(r.attempts) >= c.cfg.MaxAttempts {
		return c.exhausted(query, r)
	}
	tried := make([]string, len(r.attempts))
	for i, a := range r.attempts {
		tried[i] = a.node
	}
	alive := c.workers()
	var fresh []Member
	for _, m := range alive {
		if !slices.Contains(tried, m.Node) {
			fresh = append(fresh, m)
		}
	}
	if len(fresh) > 0 {
		alive = fresh
	}
	if len(alive) == 0 {
		r.attempts = append(r.attempts, attempt{reason: "no node taking tasks was alive"})
		return c.exhausted(query, r)
	}
	var node string
	if len(r.attempts) == 0 && r.node != "" && slices.ContainsFunc(alive, func(m Member) bool { return m.Node == r.node }) {
		node = r.node
	} else {
		node = c.cfg.Assign(r.key, alive, tried)
	}
	var target Member
	for _, m := range alive {
		if m.Node == node {
			target = m
		}
	}
	if target.Node == "" {
		return sqlerr.New(sqlerr.InternalError, "swarm: the assigner chose %q, which is not a candidate", node)
	}
	n := len(r.attempts) + 1
	meta, err := json.Marshal(taskMeta{Query: query, Task: r.index, Attempt: n, Node: node, Coordinator: c.cfg.Node,
		CoordinatorIncarnation: c.cfg.Incarnation, Timeout: c.cfg.TaskTimeout, Payload: r.payload})
	if err != nil {
		return sqlerr.Wrap(err, sqlerr.InternalError, "swarm: encode task")
	}
	if err := c.cfg.Store.Put(ctx, taskObjectKey(qdir, r.index, n, node), meta); err != nil {
		return c.storageError(ctx, "write a task", err)
	}
	r.attempts = append(r.attempts, attempt{node: node, incarnation: target.Incarnation,
		deadline: c.cfg.Clock.Now().Add(c.cfg.TaskTimeout)})
	c.mu.Lock()
	r.rec.node, r.rec.attempts, r.rec.state = node, n, TaskAssigned
	if reason != "" {
		r.rec.err = reason
	}
	c.mu.Unlock()
	return nil
}

func (c *Coordinator) retry(ctx context.Context, query int64, qdir string, r *taskRun, reason string) error {
	a := r.attempts[len(r.attempts)-1]
	c.cfg.Logger.Info("swarm: task abandoned", "query", query, "task", r.index, "attempt", len(r.attempts),
		"node", a.node, "reason", reason)
	return c.assign(ctx, query, qdir, r, reason)
}

// exhausted is the diagnostic of a task that ran out of attempts.
func (c *Coordinator) exhausted(query int64, r *taskRun) error {
	var tries []string
	for i, a := range r.attempts {
		if a.node == "" {
			tries = append(tries, fmt.Sprintf("attempt %d: %s", i+1, a.reason))
			continue
		}
		tries = append(tries, fmt.Sprintf("attempt %d on node %s: %s", i+1, a.node, a.reason))
	}
	// 58000 (system_error): the failure lies outside this node and outside
	// the query; 53000 would suggest waiting for resources, 58030 a file.
	return sqlerr.New(sqlerr.SystemError, "swarm: task %d of query %d failed after %d attempts", r.index, query, len(r.attempts)).
		WithDetail("%s.", strings.Join(tries, "; ")).
		WithHint("Check system.nodes; the query can run on this node alone with SET apiary.distribution = 'never'.")
}

// collect takes the winning attempt's result.
func (c *Coordinator) collect(ctx context.Context, qdir string, r *taskRun) error {
	data, err := c.cfg.Store.Get(ctx, taskDir(qdir, r.index)+doneName)
	if err != nil {
		return c.storageError(ctx, "read a done marker", err)
	}
	var d doneMeta
	if err := json.Unmarshal(data, &d); err != nil {
		return sqlerr.Wrap(err, sqlerr.IOError, "swarm: damaged done marker of task %d", r.index)
	}
	result, err := c.cfg.Store.Get(ctx, attemptDir(qdir, r.index, d.Attempt)+resultName)
	if err != nil {
		return c.storageError(ctx, "read a result", err)
	}
	r.result, r.finished = result, true
	c.mu.Lock()
	r.rec.node, r.rec.state, r.rec.finished = d.Node, TaskDone, c.cfg.Clock.Now()
	c.mu.Unlock()
	return nil
}

func (c *Coordinator) readError(ctx context.Context, qdir string, r *taskRun) (errorMeta, error) {
	data, err := c.cfg.Store.Get(ctx, attemptDir(qdir, r.index, len(r.attempts))+errorName)
	if err != nil {
		return errorMeta{}, c.storageError(ctx, "read a task's error", err)
	}
	var em errorMeta
	if err := json.Unmarshal(data, &em); err != nil {
		em = errorMeta{Code: string(sqlerr.InternalError), Message: "damaged error object"}
	}
	if !isSQLSTATE(em.Code) {
		// A query error's code reaches the client: only a well-formed one
		// may; anything else is the node's failure, and retried.
		em.Code = string(sqlerr.InternalError)
	}
	return em, nil
}

// isSQLSTATE reports whether code has a SQLSTATE's form: five digits or
// upper-case letters.
func isSQLSTATE(code string) bool {
	if len(code) != 5 {
		return false
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

func (c *Coordinator) storageError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled, "swarm: query cancelled")
	}
	return sqlerr.Wrap(err, sqlerr.IOError, "swarm: cannot %s", what)
}

func (c *Coordinator) setState(r *taskRun, state string) {
	c.mu.Lock()
	r.rec.state = state
	c.mu.Unlock()
}

// finish moves the query's records from running to recent.
func (c *Coordinator) finish(runs []*taskRun, final string, err error) {
	now := c.cfg.Clock.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range runs {
		delete(c.running, r.rec)
		if !r.finished {
			r.rec.state, r.rec.finished = final, now
			if err != nil {
				r.rec.err = err.Error()
			}
		}
		c.recent = append(c.recent, r.rec)
	}
	if over := len(c.recent) - c.cfg.Recent; over > 0 {
		c.recent = slices.Delete(c.recent, 0, over)
	}
}

// cleanup removes the query's objects, anchor last: a worker that finds
// the anchor gone removes what it writes late, and the sweeper removes
// whatever a race still leaves. A failed query is marked cancelled first
// so that its workers stop.
func (c *Coordinator) cleanup(ctx context.Context, qdir string, failed bool) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout(c.cfg.PollInterval))
	defer cancel()
	if failed {
		if err := c.cfg.Store.Put(ctx, qdir+cancelName, nil); err != nil {
			c.cfg.Logger.Warn("swarm: cannot cancel a query's tasks", "dir", qdir, "err", err)
		}
	}
	if err := removeQuery(ctx, c.cfg.Store, qdir); err != nil {
		c.cfg.Logger.Warn("swarm: cannot remove a query's objects; the sweeper will", "dir", qdir, "err", err)
	}
}

func cleanupTimeout(interval time.Duration) time.Duration { return max(10*time.Second, 4*interval) }

// removeQuery deletes every object of a query folder, the anchor last.
func removeQuery(ctx context.Context, store objstore.Store, qdir string) error {
	infos, err := store.List(ctx, qdir)
	if err != nil {
		return err
	}
	keys := make([]string, len(infos))
	for i, info := range infos {
		keys[i] = info.Key
	}
	return removeKeys(ctx, store, qdir, keys)
}

// removeKeys deletes keys, the objects of the query folder qdir, its
// anchor last and only once every other object is gone.
func removeKeys(ctx context.Context, store objstore.Store, qdir string, keys []string) error {
	var errs []error
	hasAnchor := false
	for _, key := range keys {
		if key == qdir+anchorName {
			hasAnchor = true
			continue
		}
		if err := store.Delete(ctx, key); err != nil {
			errs = append(errs, err)
		}
	}
	if hasAnchor && len(errs) == 0 {
		errs = append(errs, store.Delete(ctx, qdir+anchorName))
	}
	return errors.Join(errs...)
}
