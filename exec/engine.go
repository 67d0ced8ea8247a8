package exec

import (
	"context"
	"fmt"
	"log/slog"

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
	return &Engine{cfg: cfg, store: store, txns: mgr, catalog: cat, log: cfg.Logger}, nil
}

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
		return nil, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", hive)
	}
	s := &Session{eng: e, user: user, hive: hive}
	s.settingsChangedLocked() // search path from the default search_path; no one else holds s yet
	return s, nil
}
