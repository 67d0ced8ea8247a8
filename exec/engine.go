package exec

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Config holds what the engine needs from the node's configuration.
type Config struct {
	// Node names this node in commit records and logs.
	Node string
	// BeeMemory is one bee's memory budget in bytes; it sizes cells
	// (leafcutter). 0 means DefaultBeeMemory.
	BeeMemory int64
	// Bees is the number of workers per query; 0 means one per core
	// (GOMAXPROCS).
	Bees int
	// SpillDir is the local directory queries spill to when they outgrow
	// their memory budget; "" means a folder in the system's temporary
	// directory, and "off" disables spilling (53200 instead).
	SpillDir string
	// Txn configures ledgers and transactions.
	Txn txn.Options
	// Logger receives engine logs; nil means slog.Default().
	Logger *slog.Logger

	// Address is where clients reach the node (host:port), shown by
	// system.nodes; "" shows NULL.
	Address string
	// RecentQueries is how many finished statements the query registry
	// keeps for system.queries; 0 means 200.
	RecentQueries int
	// ColonySampleInterval is how often the colony temperature is sampled
	// (colony.go); 0 means DefaultColonySampleInterval (one second).
	// Negative starts no sampler: the temperature changes only when
	// Colony().Sample is called (tests).
	ColonySampleInterval time.Duration
	// AdmissionQueue is how many statements may wait for admission while
	// the node is hot; beyond it they are refused with 53300. 0 means
	// DefaultAdmissionQueue (32); negative means none wait: a hot node
	// refuses at once.
	AdmissionQueue int
	// AdmissionTimeout is how long a statement waits for admission before
	// it is refused with 53300; 0 means DefaultAdmissionTimeout (30 s).
	AdmissionTimeout time.Duration
	// AdmissionOff turns admission control off: statements run whatever
	// the temperature.
	AdmissionOff bool
	// ProcDir is where the kernel's CPU counters are read (stat, loadavg);
	// "" means /proc. Tests point it at fake files.
	ProcDir string
	// StorageCounters, when set, reports the storage requests the node
	// has made and how many failed, both counted since start; the colony's
	// storage error rate comes from their growth. It must be cheap and
	// safe for concurrent use.
	StorageCounters func() (requests, failed uint64)
	// TaskCounters, when set, reports the swarm tasks that ended on this
	// node and how many of them failed or were abandoned, since start.
	TaskCounters func() (ended, failed uint64)
	// Tasks, when set, lists the swarm's fragments for system.tasks.
	Tasks func() []SystemTask
	// Nodes, when set, lists the swarm's world view for system.nodes,
	// this node included (marked Self) once its heartbeat has been read.
	Nodes func() []SystemNode
	// Swarm, when set, runs distributed queries' fragments on the swarm's
	// nodes (swarm.Distributor); nil runs every query on this node.
	Swarm Swarm
	// DistributeMinBytes is apiary.distribution = 'auto''s threshold: a
	// query is distributed when its largest frame scan reaches this many
	// bytes (swarm.distribute_min_bytes). 0 means
	// DefaultDistributeMinBytes.
	DistributeMinBytes int64
}

// DefaultBeeMemory is the per-bee budget used when none is configured.
const DefaultBeeMemory = 256 << 20

// Engine runs SQL over one store. It is safe for concurrent use; each client
// connection gets its own Session.
type Engine struct {
	cfg     Config
	store   objstore.Store
	txns    *txn.Manager
	catalog *catalog.Catalog
	log     *slog.Logger

	// activity is the query registry (activity.go), colony the temperature
	// and admission control (colony.go); stopColony ends the sampler and
	// colonyDone closes when it has.
	activity   *registry
	colony     *Colony
	stopColony context.CancelFunc
	colonyDone chan struct{}
	// scans is the store scans read through, counting bytes (stats.go).
	scans scanStore
}

// NewEngine opens the catalog of store (creating the default hive on an empty
// store) and returns an engine over it.
func NewEngine(ctx context.Context, store objstore.Store, cfg Config) (*Engine, error) {
	if cfg.BeeMemory <= 0 {
		cfg.BeeMemory = DefaultBeeMemory
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Txn.Node == "" {
		cfg.Txn.Node = cfg.Node
	}
	mgr := txn.NewManager(store, cfg.Txn)
	cat, err := catalog.Open(ctx, mgr)
	if err != nil {
		return nil, fmt.Errorf("exec: open catalog on %s: %w", store.URL(), err)
	}
	e := &Engine{cfg: cfg, store: store, txns: mgr, catalog: cat, log: cfg.Logger}
	e.scans.Store = store
	e.activity = newRegistry(cfg.Node, cfg.RecentQueries)
	e.colony = newColony(cfg, e.bees(), func() int64 { used, _ := e.activity.memoryInUse(); return used })
	// The sampler outlives ctx, which only bounds opening; Close stops it.
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	e.stopColony, e.colonyDone = stop, make(chan struct{})
	go func() {
		defer close(e.colonyDone)
		if cfg.ColonySampleInterval >= 0 {
			e.colony.run(sctx)
		}
	}()
	return e, nil
}

// Close stops the engine's background work (the colony sampler). Sessions
// should be closed first; the engine must not be used afterwards.
func (e *Engine) Close() {
	e.stopColony()
	<-e.colonyDone
}

// Colony returns the node's temperature and admission control.
func (e *Engine) Colony() *Colony { return e.colony }

// Catalog returns the engine's catalog.
func (e *Engine) Catalog() *catalog.Catalog { return e.catalog }

// NewSession starts a session for user in hive (a PostgreSQL database name;
// "" means the user's name, as libpq does, falling back to the default hive).
func (e *Engine) NewSession(ctx context.Context, user, hive string) (*Session, error) {
	ns, err := e.catalog.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if hive == "" {
		hive = user
		if _, ok := ns.Hive(hive); !ok {
			hive = catalog.DefaultHive
		}
	}
	if _, ok := ns.Hive(hive); !ok {
		return nil, sqlerr.New(sqlerr.InvalidCatalogName, "database \"%s\" does not exist", hive)
	}
	s := &Session{eng: e, user: user, hive: hive}
	s.act.entry = e.activity.register(user, hive)
	s.settingsChangedLocked() // search path from the default search_path; no one else holds s yet
	return s, nil
}
