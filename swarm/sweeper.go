package swarm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// SweeperConfig configures the removal of abandoned query folders.
type SweeperConfig struct {
	Store   objstore.Store
	Members MemberSource
	// Grace is how old (by the storage's modification times) a folder's
	// newest object must be before it is removed; it must exceed the
	// longest query, because a view that has not yet seen a coordinator
	// would otherwise remove a live query's tasks.
	Grace  time.Duration
	Clock  Clock
	Logger *slog.Logger
}

// Sweep removes, with one LIST and a DELETE per object, the query folders
// whose coordinator incarnation is not alive or suspect in the view, or
// whose anchor is gone (objects a worker wrote after its query ended),
// once their newest object is older than Grace. It returns how many
// folders it removed.
func Sweep(ctx context.Context, cfg SweeperConfig) (int, error) {
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	infos, err := cfg.Store.List(ctx, TaskPrefix)
	if err != nil {
		return 0, fmt.Errorf("swarm: sweep: %w", err)
	}
	type folder struct {
		anchor bool
		newest time.Time
		keys   []string
	}
	folders := map[string]*folder{}
	var order []string
	for _, info := range infos {
		k, ok := parseTaskKey(info.Key)
		if !ok {
			continue
		}
		f := folders[k.Query]
		if f == nil {
			f = &folder{}
			folders[k.Query] = f
			order = append(order, k.Query)
		}
		f.anchor = f.anchor || k.Name == anchorName
		if info.Modified.After(f.newest) {
			f.newest = info.Modified
		}
		f.keys = append(f.keys, info.Key)
	}
	live := map[string]bool{}
	for _, m := range cfg.Members.Snapshot() {
		if m.State == Alive || m.State == Suspect {
			live[m.Incarnation] = true
		}
	}
	now := cfg.Clock.Now()
	removed := 0
	var errs []error
	for _, q := range order {
		f := folders[q]
		if (f.anchor && live[incarnationOfQuery(q)]) || now.Sub(f.newest) < cfg.Grace {
			continue
		}
		// The listing above already holds the folder's keys: no LIST per
		// folder. What a late worker writes after it is swept next time.
		if err := removeKeys(ctx, cfg.Store, TaskPrefix+q+"/", f.keys); err != nil {
			errs = append(errs, err)
			continue
		}
		cfg.Logger.Info("swarm: swept an abandoned query", "query", q, "objects", len(f.keys), "anchor", f.anchor)
		removed++
	}
	return removed, errors.Join(errs...)
}
