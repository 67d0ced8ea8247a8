package swarm

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
)

// Handler runs one task's payload and returns its result.
type Handler func(ctx context.Context, payload []byte) ([]byte, error)

// WorkerConfig configures a worker.
type WorkerConfig struct {
	Store             objstore.Store
	Node, Incarnation string
	// PollInterval is how often the worker lists the task objects.
	PollInterval time.Duration
	// Concurrency is how many tasks run at once; 0 means 1.
	Concurrency int
	Handler     Handler
	Logger      *slog.Logger
}

// Worker runs the tasks addressed to its node.
type Worker struct {
	cfg WorkerConfig

	mu      sync.Mutex
	running map[string]*runningTask // by attempt folder
	wg      sync.WaitGroup

	// ended and failed count the attempts this worker finished, and those
	// of them that failed for the node's sake or were abandoned, for the
	// colony's task-failure input (Counters).
	ended, failed atomic.Uint64
}

type runningTask struct {
	query  string
	task   int
	cancel context.CancelCauseFunc
}

// Why a running attempt is stopped, as its context's cause.
var (
	errQueryEnded    = errors.New("swarm: the query ended")
	errDoneElsewhere = errors.New("swarm: another attempt finished the task")
)

// Counters reports the attempts this worker finished since it started and
// how many of them failed or were abandoned: a handler error that belongs
// to the node (not to the query), a missed deadline, or another attempt
// finishing first. Attempts stopped because their query ended or the
// worker stopped count in neither. It is the engine's
// exec.Config.TaskCounters hook.
func (w *Worker) Counters() (ended, failed uint64) {
	return w.ended.Load(), w.failed.Load()
}

// NewWorker returns a worker; nothing happens until Poll or Run.
func NewWorker(cfg WorkerConfig) *Worker {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Worker{cfg: cfg, running: map[string]*runningTask{}}
}

// Run polls at once and then every interval until ctx ends, then waits
// for the tasks it started, whose contexts ctx's end cancels.
func (w *Worker) Run(ctx context.Context) {
	defer w.wg.Wait()
	t := time.NewTicker(w.cfg.PollInterval)
	defer t.Stop()
	for {
		if err := w.Poll(ctx); err != nil && ctx.Err() == nil {
			w.cfg.Logger.Warn("swarm: cannot poll for tasks", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// queryState is what one listing says about a query folder.
type queryState struct {
	anchor, cancel bool
	done           map[int]bool
}

// Poll lists the task objects once, stops running tasks whose query ended
// or whose task another attempt finished, and claims and starts new tasks
// addressed to this node up to the concurrency limit. Tasks run in
// goroutines tied to ctx.
func (w *Worker) Poll(ctx context.Context) error {
	infos, err := w.cfg.Store.List(ctx, TaskPrefix)
	if err != nil {
		return err
	}
	queries := map[string]*queryState{}
	state := func(q string) *queryState {
		s := queries[q]
		if s == nil {
			s = &queryState{done: map[int]bool{}}
			queries[q] = s
		}
		return s
	}
	claimed := map[string]bool{}
	var mine []taskKey
	for _, info := range infos {
		k, ok := parseTaskKey(info.Key)
		if !ok {
			continue
		}
		s := state(k.Query)
		switch {
		case k.Name == anchorName:
			s.anchor = true
		case k.Name == cancelName:
			s.cancel = true
		case k.Name == doneName:
			s.done[k.Task] = true
		case k.Name == claimName:
			claimed[attemptDirOf(k)] = true
		case k.Node == w.cfg.Node:
			mine = append(mine, k)
		}
	}

	w.mu.Lock()
	for _, rt := range w.running {
		switch s := state(rt.query); {
		case !s.anchor || s.cancel:
			rt.cancel(errQueryEnded)
		case s.done[rt.task]:
			rt.cancel(errDoneElsewhere)
		}
	}
	w.mu.Unlock()

	for _, k := range mine {
		s := queries[k.Query]
		dir := attemptDirOf(k)
		if !s.anchor || s.cancel || s.done[k.Task] || claimed[dir] {
			continue
		}
		w.mu.Lock()
		_, busy := w.running[dir]
		full := len(w.running) >= w.cfg.Concurrency
		w.mu.Unlock()
		if busy {
			continue
		}
		if full {
			break
		}
		if err := w.claim(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

func attemptDirOf(k taskKey) string {
	return attemptDir(TaskPrefix+k.Query+"/", k.Task, k.Attempt)
}

// claim reads a task object, claims the attempt with create-if-absent and
// starts it. Losing the claim is not an error: someone else runs it.
func (w *Worker) claim(ctx context.Context, k taskKey) error {
	dir := attemptDirOf(k)
	key := taskObjectKey(TaskPrefix+k.Query+"/", k.Task, k.Attempt, k.Node)
	data, err := w.cfg.Store.Get(ctx, key)
	if errors.Is(err, objstore.ErrNotExist) {
		return nil // the query was removed since the listing
	}
	if err != nil {
		return err
	}
	var meta taskMeta
	merr := json.Unmarshal(data, &meta)
	claim, _ := json.Marshal(map[string]string{"node": w.cfg.Node, "incarnation": w.cfg.Incarnation})
	if err := w.cfg.Store.PutIfAbsent(ctx, dir+claimName, claim); errors.Is(err, objstore.ErrExist) {
		return nil
	} else if err != nil {
		return err
	}
	if merr != nil {
		// Claimed and failed rather than skipped: skipped, it would be
		// read again at every poll while its coordinator waited out the
		// deadline. As a storage error (not the query's), the next
		// attempt is written afresh, at once.
		w.cfg.Logger.Warn("swarm: a damaged task object fails its attempt", "key", key, "err", merr)
		data, _ := json.Marshal(errorMeta{Code: string(sqlerr.IOError), Message: "damaged task object: " + merr.Error(), Node: w.cfg.Node})
		return w.cfg.Store.Put(ctx, dir+errorName, data)
	}
	tctx, cancel := context.WithCancelCause(ctx)
	stopTimer := func() {}
	if meta.Timeout > 0 {
		tctx, stopTimer = context.WithTimeout(tctx, meta.Timeout)
	}
	w.mu.Lock()
	w.running[dir] = &runningTask{query: k.Query, task: k.Task, cancel: cancel}
	w.mu.Unlock()
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() {
			stopTimer()
			cancel(nil)
			w.mu.Lock()
			delete(w.running, dir)
			w.mu.Unlock()
		}()
		w.execute(tctx, k, dir, meta)
	}()
	return nil
}

// execute runs one claimed attempt and writes its outcome: the result and
// then the done marker, or an error object.
func (w *Worker) execute(ctx context.Context, k taskKey, dir string, meta taskMeta) {
	qdir := TaskPrefix + k.Query + "/"
	result, err := w.runHandler(ctx, meta.Payload)
	if errors.Is(ctx.Err(), context.Canceled) {
		// Cancelled: the query ended, the task was finished elsewhere or
		// this worker stops. Nobody waits for this attempt. Err, not the
		// cause, tells cancellation from the deadline: a signal's context
		// has a cause of its own.
		if errors.Is(context.Cause(ctx), errDoneElsewhere) {
			w.count(true)
		}
		return
	}
	w.count(ctx.Err() != nil || (err != nil && !isQueryError(sqlerr.CodeOf(err))))
	// The outcome is written even when the task's own timeout expired, on
	// a context of its own: the coordinator decides what is late.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout(w.cfg.PollInterval))
	defer cancel()
	var written []string
	if err != nil {
		flat := sqlerr.Flatten(err)
		data, _ := json.Marshal(errorMeta{Code: string(flat.Code), Message: flat.Message, Node: w.cfg.Node})
		if perr := w.cfg.Store.Put(wctx, dir+errorName, data); perr != nil {
			w.cfg.Logger.Warn("swarm: cannot report a task's error", "dir", dir, "err", perr)
		}
		written = append(written, dir+errorName)
	} else {
		if perr := w.cfg.Store.Put(wctx, dir+resultName, result); perr != nil {
			w.cfg.Logger.Warn("swarm: cannot write a task's result", "dir", dir, "err", perr)
			return
		}
		written = append(written, dir+resultName)
		done, _ := json.Marshal(doneMeta{Attempt: k.Attempt, Node: w.cfg.Node})
		switch derr := w.cfg.Store.PutIfAbsent(wctx, taskDir(qdir, k.Task)+doneName, done); {
		case errors.Is(derr, objstore.ErrExist):
			// Another attempt won; this result is never read.
			_ = w.cfg.Store.Delete(wctx, dir+resultName)
		case derr != nil:
			w.cfg.Logger.Warn("swarm: cannot write a done marker", "dir", dir, "err", derr)
		default:
			written = append(written, taskDir(qdir, k.Task)+doneName)
		}
	}
	// A query that ended while this attempt ran was already cleaned up:
	// remove what was just written, or the sweeper will.
	if _, serr := w.cfg.Store.Stat(wctx, qdir+anchorName); errors.Is(serr, objstore.ErrNotExist) {
		for _, key := range append(written, dir+claimName) {
			_ = w.cfg.Store.Delete(wctx, key)
		}
	}
}

func (w *Worker) count(failed bool) {
	w.ended.Add(1)
	if failed {
		w.failed.Add(1)
	}
}

// runHandler calls the handler; a panic in it fails the attempt instead
// of the node.
func (w *Worker) runHandler(ctx context.Context, payload []byte) (result []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = sqlerr.New(sqlerr.InternalError, "swarm: task handler panicked: %v", p)
		}
	}()
	return w.cfg.Handler(ctx, payload)
}
