package main

import (
	"log/slog"
	"net/http"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/internal/metrics"
	"github.com/apiarydb/apiary/internal/ops"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/server"
)

// opsWiring connects the node's parts to its metrics (internal/metrics)
// and to the HTTP endpoints /metrics, /healthz and /readyz (internal/ops).
// The parts expose hooks and know nothing of Prometheus; this is the one
// place that plugs the collectors into them.
type opsWiring struct {
	m   *metrics.Metrics
	h   *ops.Handler
	log *slog.Logger
}

func newOpsWiring(version string, log *slog.Logger) *opsWiring {
	return &opsWiring{m: metrics.New(version), log: log}
}

// instrument counts and times every storage request.
func (o *opsWiring) instrument(st objstore.Store) objstore.Store { return o.m.InstrumentStore(st) }

// configureEngine sets the engine's and the ledgers' hooks.
func (o *opsWiring) configureEngine(cfg *exec.Config) {
	cfg.Txn.OnCommit = o.m.CommitEnded
	cfg.StorageCounters = o.m.StorageCounters
}

// engineStarted gives the collectors the engine's figures, and starts the
// query log: one info line per finished statement.
func (o *opsWiring) engineStarted(eng *exec.Engine, b hardware.Budgets) {
	eng.OnQueryFinished(exec.QueryLogger(o.log))
	eng.OnQueryFinished(func(r exec.QueryRecord) {
		o.m.QueryFinished(r.Outcome, string(r.SQLState), r.Duration, r.Rows)
	})
	o.m.SetEngine(metrics.EngineSource{
		QueriesStarted: eng.StatementsStarted,
		Activity: func() (running, queued int) {
			_, running, queued = eng.ActivityCounts()
			return running, queued
		},
		MemoryInUse: eng.MemoryInUse,
		Scan: func() metrics.ScanTotals {
			s := eng.ScanStats()
			return metrics.ScanTotals{Rows: s.Rows, Bytes: s.Bytes, CellsScanned: s.CellsScanned, CellsPruned: s.CellsPruned,
				RowGroupsScanned: s.RowGroupsScanned, RowGroupsPruned: s.RowGroupsPruned}
		},
		Temperature: func() float64 { return eng.Colony().Reading().Temperature },
		Bees:        b.Bees,
		BeeMemory:   b.BeeMemory,
	})
}

// configureServer makes the wire server report connections.
func (o *opsWiring) configureServer(cfg *server.Config) { cfg.ConnObserver = o.m }

// handler returns the HTTP endpoints; /readyz probes store.
func (o *opsWiring) handler(store objstore.Store) http.Handler {
	o.h = ops.NewHandler(ops.Config{Gatherer: o.m.Registry(), Store: store, Logger: o.log})
	return o.h
}

// beginShutdown turns /readyz to 503 so that load balancers stop sending
// clients while the node drains.
func (o *opsWiring) beginShutdown() {
	if o.h != nil {
		o.h.BeginShutdown()
	}
}
