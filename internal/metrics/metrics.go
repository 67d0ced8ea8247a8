package metrics

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// queryBuckets span what a small machine sees: catalog lookups in a
// millisecond, scans of a few GiB of cells in tens of seconds.
var queryBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// Metrics is one node's set of collectors and the registry holding them.
// The zero value is not usable; call New.
type Metrics struct {
	reg *prometheus.Registry

	queriesFinished *prometheus.CounterVec   // outcome, sqlstate_class
	queryDuration   *prometheus.HistogramVec // outcome
	queryRows       prometheus.Counter
	commits         *prometheus.CounterVec // outcome
	commitDuration  prometheus.Histogram
	connections     *prometheus.CounterVec // outcome
	connectionsOpen prometheus.Gauge
	storage         storageCollectors

	// engine holds the functions the engine's collectors read at each
	// scrape; nil until SetEngine.
	engine atomic.Pointer[EngineSource]
	// cellCache reads the local cell cache's counters; nil until
	// SetCellCache (cellcache.go).
	cellCache atomic.Pointer[func() CellCacheTotals]
}

// EngineSource is what the collectors read from the query engine at each
// scrape. Every function must be safe to call from any goroutine and
// quick. A nil function reads as 0.
type EngineSource struct {
	// QueriesStarted counts the statements that have started, ever.
	QueriesStarted func() int64
	// Activity returns the statements running now and, of those, the ones
	// waiting for admission.
	Activity func() (running, queued int)
	// MemoryInUse returns the bytes running queries' operators hold.
	MemoryInUse func() int64
	// Scan returns the totals of every scan so far.
	Scan func() ScanTotals
	// Temperature returns the colony temperature's last reading.
	Temperature func() float64
	// Bees is the number of bees per query and BeeMemory each one's
	// budget in bytes; they do not change while the node runs.
	Bees      int
	BeeMemory int64
}

// ScanTotals are what scans have read and skipped since the engine started.
type ScanTotals struct {
	Rows, Bytes                       int64
	CellsScanned, CellsPruned         int64
	RowGroupsScanned, RowGroupsPruned int64
}

// New returns a fresh set of collectors registered on a registry of their
// own, with the Go runtime and process collectors, and apiary_build_info
// carrying version.
func New(version string) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{reg: reg}
	f := factory{reg: reg, engine: &m.engine}

	f.counterFunc("apiary_queries_started_total", "Statements that started running.",
		func(e *EngineSource) int64 { return call(e.QueriesStarted) })
	m.queriesFinished = f.counterVec("apiary_queries_finished_total",
		"Statements that finished, by outcome (success, error, cancelled, refused) and the class of their SQLSTATE (its first two characters).",
		"outcome", "sqlstate_class")
	f.gaugeFunc("apiary_queries_running", "Statements running now, those waiting for admission included.", func(e *EngineSource) int64 {
		if e.Activity == nil {
			return 0
		}
		running, _ := e.Activity()
		return int64(running)
	})
	f.gaugeFunc("apiary_queries_queued", "Statements waiting for admission while the colony is hot.", func(e *EngineSource) int64 {
		if e.Activity == nil {
			return 0
		}
		_, queued := e.Activity()
		return int64(queued)
	})
	m.queryDuration = f.histogramVec("apiary_query_duration_seconds",
		"Time from a statement's start to its end, its rows sent included, by outcome.", queryBuckets, "outcome")
	m.queryRows = f.counter("apiary_query_rows_total",
		"Rows that finished statements returned (SELECT, FETCH, COPY TO) or changed (INSERT, COPY FROM).")

	scanCounter := func(name, help string, read func(ScanTotals) int64) {
		f.counterFunc(name, help, func(e *EngineSource) int64 {
			if e.Scan == nil {
				return 0
			}
			return read(e.Scan())
		})
	}
	scanCounter("apiary_scan_rows_total", "Rows read from cells by scans.",
		func(t ScanTotals) int64 { return t.Rows })
	scanCounter("apiary_scan_bytes_total", "Bytes of cells read from storage by scans.",
		func(t ScanTotals) int64 { return t.Bytes })
	scanCounter("apiary_scan_cells_scanned_total", "Cells (Parquet files) scans read.",
		func(t ScanTotals) int64 { return t.CellsScanned })
	scanCounter("apiary_scan_cells_pruned_total", "Cells scans skipped unopened, ruled out by ledger statistics or partition values.",
		func(t ScanTotals) int64 { return t.CellsPruned })
	scanCounter("apiary_scan_row_groups_scanned_total", "Row groups scans read.",
		func(t ScanTotals) int64 { return t.RowGroupsScanned })
	scanCounter("apiary_scan_row_groups_pruned_total", "Row groups scans skipped, ruled out by their Parquet statistics.",
		func(t ScanTotals) int64 { return t.RowGroupsPruned })

	m.commits = f.counterVec("apiary_commits_total",
		"Transaction commits that wrote at least one ledger, by outcome: ok, conflict (SQLSTATE 40001), aborted, error.",
		"outcome")
	m.commitDuration = f.histogram("apiary_commit_duration_seconds",
		"Time commits took, retries over lost races included.", queryBuckets)

	m.connections = f.counterVec("apiary_connections_total",
		"Client connections accepted, by how their start ended: ok (a session started), refused, auth_failed, cancel_request, error.",
		"outcome")
	m.connectionsOpen = f.gauge("apiary_connections_open", "Client sessions open now.")

	f.gaugeFunc("apiary_bee_memory_used_bytes", "Bytes the operators of running queries hold in their bees' memory accounts.",
		func(e *EngineSource) int64 { return call(e.MemoryInUse) })
	f.gaugeFunc("apiary_bees", "Bees (workers) that run each query's parallel pipelines.",
		func(e *EngineSource) int64 { return int64(e.Bees) })
	f.gaugeFunc("apiary_bee_memory_budget_bytes", "Memory budget of one bee in bytes.",
		func(e *EngineSource) int64 { return e.BeeMemory })
	f.gaugeOf("apiary_colony_temperature",
		"The node's colony temperature, 0 to 100: one health figure from CPU load, bee memory pressure, queue depth, task failures and storage errors (docs/operations.md gives the bands).",
		func() float64 {
			if e := m.engine.Load(); e != nil && e.Temperature != nil {
				return e.Temperature()
			}
			return 0
		})
	m.storage = newStorageCollectors(f)
	registerCellCache(f, &m.cellCache)

	build := f.gaugeVec("apiary_build_info", "Always 1; its labels name the running build.", "version", "goversion")
	build.WithLabelValues(version, runtime.Version()).Set(1)

	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry holding every collector, for the /metrics
// handler and tests.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// SetEngine installs what the engine's collectors read. Until it is
// called they read 0.
func (m *Metrics) SetEngine(src EngineSource) { m.engine.Store(&src) }

// QueryFinished records a statement that ended with outcome ("success",
// "error", "cancelled", "refused") and SQLSTATE ("00000" on success),
// after d, having returned or changed rows rows.
func (m *Metrics) QueryFinished(outcome, sqlstate string, d time.Duration, rows int64) {
	class := "00"
	if len(sqlstate) >= 2 {
		class = sqlstate[:2]
	}
	m.queriesFinished.WithLabelValues(outcome, class).Inc()
	m.queryDuration.WithLabelValues(outcome).Observe(d.Seconds())
	if rows > 0 {
		m.queryRows.Add(float64(rows))
	}
}

// CommitEnded records a commit's outcome ("ok", "conflict", "aborted",
// "error") and how long it took. Its signature is txn.Options.OnCommit's.
func (m *Metrics) CommitEnded(outcome string, d time.Duration) {
	m.commits.WithLabelValues(outcome).Inc()
	m.commitDuration.Observe(d.Seconds())
}

// ConnectionStarted records how a client connection's start ended: "ok"
// when a session started, otherwise why none did. With ConnectionEnded it
// implements server.ConnObserver.
func (m *Metrics) ConnectionStarted(outcome string) {
	m.connections.WithLabelValues(outcome).Inc()
	if outcome == "ok" {
		m.connectionsOpen.Inc()
	}
}

// ConnectionEnded records the end of a session that ConnectionStarted
// reported as "ok".
func (m *Metrics) ConnectionEnded() { m.connectionsOpen.Dec() }

func call(f func() int64) int64 {
	if f == nil {
		return 0
	}
	return f()
}

// factory creates collectors and registers them on one registry.
type factory struct {
	reg    *prometheus.Registry
	engine *atomic.Pointer[EngineSource]
}

// counterFunc registers a counter read from the engine at each scrape.
func (f factory) counterFunc(name, help string, read func(*EngineSource) int64) {
	f.counterOf(name, help, loaded(f.engine, read))
}

// gaugeFunc registers a gauge read from the engine at each scrape.
func (f factory) gaugeFunc(name, help string, read func(*EngineSource) int64) {
	f.gaugeOf(name, help, loaded(f.engine, read))
}

// counterOf registers a counter that read gives at each scrape.
func (f factory) counterOf(name, help string, read func() float64) {
	f.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, read))
}

// gaugeOf registers a gauge that read gives at each scrape.
func (f factory) gaugeOf(name, help string, read func() float64) {
	f.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, read))
}

// loaded reads what src holds at each call, 0 while it holds nothing.
func loaded[T any](src *atomic.Pointer[T], read func(*T) int64) func() float64 {
	return func() float64 {
		if v := src.Load(); v != nil {
			return float64(read(v))
		}
		return 0
	}
}

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.reg.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.reg.MustRegister(g)
	return g
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.reg.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	f.reg.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.reg.MustRegister(h)
	return h
}
