package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/swarm"
)

// fragmentDelayEnv names the test hook that holds every fragment this node
// runs for the swarm before it starts, so that a test can kill a worker
// in the middle of one (docs/swarm.md, "Testing hooks").
const fragmentDelayEnv = "APIARY_TEST_FRAGMENT_DELAY"

// sweepEvery is how many heartbeat intervals pass between two sweeps of
// abandoned task folders: often enough that a dead coordinator's objects
// do not pile up, rarely enough that the LIST costs nothing.
const sweepEvery = 10

// swarmWiring is this node's part in distributed queries: the coordinator
// and the distributor the engine hands fragments to, the worker that runs
// the fragments other coordinators address to this node, and the sweeper.
// The coordinator and the worker exist before the engine, whose
// configuration points at them; the worker and the sweeper start once the
// engine is open.
type swarmWiring struct {
	cfg     config.Swarm
	store   objstore.Store
	members swarm.SelfMembers
	log     *slog.Logger
	delay   time.Duration

	coord *swarm.Coordinator
	dist  *swarm.Distributor
	// worker is nil on a coordinator-only node (swarm.worker off).
	worker *swarm.Worker
	// eng is set once the engine is open: until then this node's own
	// entry in the members shows the budgets alone, and no fragment runs.
	eng atomic.Pointer[exec.Engine]

	wg sync.WaitGroup
}

// newSwarmWiring builds the coordinator, the distributor and the worker on
// store, the raw store: task objects must not pass through the cell cache.
func newSwarmWiring(cfg config.Swarm, store objstore.Store, view *swarm.View, node, incarnation, address string,
	budgets hardware.Budgets, log *slog.Logger) (*swarmWiring, error) {
	w := &swarmWiring{cfg: cfg, store: store, log: log}
	if v := os.Getenv(fragmentDelayEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("%s=%q is not a duration such as 2s", fragmentDelayEnv, v)
		}
		w.delay = d
		log.Warn("test hook on: every fragment run for the swarm waits first; never set this in production",
			"env", fragmentDelayEnv, "delay", d.String())
	}
	w.members = swarm.SelfMembers{Source: view, Node: node, Incarnation: incarnation, Address: address,
		CoordinatorOnly: !cfg.Worker,
		Load: swarm.LoadFunc(func() swarm.Load {
			if eng := w.eng.Load(); eng != nil {
				return engineLoad(eng, budgets)()
			}
			return swarm.Load{Bees: budgets.Bees, BeeMemory: budgets.BeeMemory}
		})}
	w.coord = swarm.NewCoordinator(swarm.CoordinatorConfig{
		Store: store, Members: w.members, Node: node, Incarnation: incarnation, PollInterval: cfg.PollInterval,
		TaskTimeout: cfg.TaskTimeout, MaxAttempts: cfg.MaxAttempts, Logger: log,
	})
	w.dist = swarm.NewDistributor(w.coord)
	if !cfg.Worker {
		log.Info("swarm worker off: this node coordinates its own queries and runs no fragments; other nodes give it no tasks")
		return w, nil
	}
	concurrency := cfg.WorkerTasks
	if concurrency == 0 {
		// auto: a fragment already runs on every bee, so a second one at
		// once would only share them.
		concurrency = 1
	}
	w.worker = swarm.NewWorker(swarm.WorkerConfig{
		Store: store, Node: node, Incarnation: incarnation, PollInterval: cfg.PollInterval,
		Concurrency: concurrency, Handler: w.runFragment, Logger: log,
	})
	return w, nil
}

// configureEngine points the engine at the swarm.
func (w *swarmWiring) configureEngine(cfg *exec.Config) {
	cfg.Swarm = w.dist
	cfg.DistributeMinBytes = w.cfg.DistributeMinBytes
	cfg.Tasks = w.coord.SystemTasks
	if w.worker != nil {
		cfg.TaskCounters = w.worker.Counters
	}
}

// start runs the worker and the sweeper until ctx ends (shutdown begins)
// or the function it returns is called, which stops them and waits; it
// must be called before the engine closes. The worker takes no task once
// shutdown begins, and the fragments it runs are cancelled then: their
// coordinators see this node leave and give them to others.
func (w *swarmWiring) start(ctx context.Context, eng *exec.Engine) func() {
	w.eng.Store(eng)
	ctx, cancel := context.WithCancel(ctx)
	if w.worker != nil {
		w.wg.Add(1)
		go func() { defer w.wg.Done(); w.worker.Run(ctx) }()
	}
	w.wg.Add(1)
	go func() { defer w.wg.Done(); w.sweep(ctx) }()
	return func() {
		cancel()
		w.wg.Wait()
		// Finished queries' objects are removed in the background;
		// each removal is bounded by its own timeout.
		w.coord.Wait()
	}
}

// runFragment is the worker's handler: one fragment, run on this node's
// engine, its result as Arrow IPC.
func (w *swarmWiring) runFragment(ctx context.Context, payload []byte) ([]byte, error) {
	f, err := exec.UnmarshalFragment(payload)
	if err != nil {
		return nil, err
	}
	if w.delay > 0 {
		t := time.NewTimer(w.delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, sqlerr.Wrap(ctx.Err(), sqlerr.QueryCanceled, "fragment cancelled during %s", fragmentDelayEnv)
		case <-t.C:
		}
	}
	eng := w.eng.Load()
	if eng == nil {
		return nil, sqlerr.New(sqlerr.AdminShutdown, "this node's engine is not open")
	}
	return eng.RunFragment(ctx, f)
}

// sweep removes the task folders of dead coordinators every sweepEvery
// heartbeat intervals. The first sweep waits one period, by which time the
// view has read every live coordinator's heartbeat. The grace outlasts
// the longest a query's tasks can run, every attempt missing its deadline.
func (w *swarmWiring) sweep(ctx context.Context) {
	// This node's own queries count as live even before its view has
	// read its heartbeat.
	cfg := swarm.SweeperConfig{Store: w.store, Members: w.members, Grace: sweepGrace(w.cfg), Logger: w.log}
	t := time.NewTicker(sweepEvery * w.cfg.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := swarm.Sweep(ctx, cfg); err != nil && ctx.Err() == nil {
			w.log.Warn("swarm: sweep failed; the next one retries", "err", err)
		}
	}
}

// sweepGrace is how old a dead coordinator's newest task object must be
// before its folder goes: every attempt of a task missing its deadline in
// turn, plus the time it takes to judge a node dead.
func sweepGrace(c config.Swarm) time.Duration {
	return time.Duration(max(c.MaxAttempts, 1))*c.TaskTimeout + c.DeadAfter
}
