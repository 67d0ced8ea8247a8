package swarm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// HeartbeatPrefix is where every node keeps its heartbeat object, one per
// node name. The leading underscore keeps it out of the way of frames.
const HeartbeatPrefix = "_swarm/heartbeats/"

// heartbeatSuffix ends every heartbeat key; anything else under the prefix
// is not a heartbeat and is ignored.
const heartbeatSuffix = ".json"

// HeartbeatKey is the object a node overwrites with its heartbeats. The
// name is escaped so that a node name with a slash cannot reach outside
// the prefix or look like a folder to a listing.
func HeartbeatKey(node string) string {
	return HeartbeatPrefix + url.PathEscape(node) + heartbeatSuffix
}

// Heartbeat is the content of a heartbeat object, as JSON. Observers judge
// liveness from Seq and Incarnation alone, on their own clock; WrittenAt is
// the writer's wall time, for people reading the object, never compared
// across nodes.
type Heartbeat struct {
	Node string `json:"node"`
	// Incarnation is random per process: a restarted node is a new
	// incarnation even though its name and key are the same.
	Incarnation string `json:"incarnation"`
	Address     string `json:"address,omitempty"`
	// Seq grows by one with every write of one incarnation.
	Seq uint64 `json:"seq"`
	// Leaving marks the last heartbeat of a node that stopped on purpose.
	Leaving     bool      `json:"leaving,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	WrittenAt   time.Time `json:"written_at"`
	Bees        int       `json:"bees"`
	BeeMemory   int64     `json:"bee_memory"`
	MemoryInUse int64     `json:"memory_in_use"`
	Temperature float64   `json:"temperature"`
	Band        string    `json:"band,omitempty"`
	CachedCells int64     `json:"cached_cells"`
	CachedBytes int64     `json:"cached_bytes"`
	// CachedFilter is a Bloom filter of the cells the cache holds
	// (cachefilter.go); placement prefers a node that holds a cell.
	CachedFilter CacheFilter `json:"cached_filter,omitempty"`
	// AcceptsTasks is false for a coordinator-only node (swarm.worker
	// off), which runs no worker. Heartbeats written before the field
	// existed lack it, and their nodes all ran workers: nil means true.
	AcceptsTasks *bool `json:"accepts_tasks,omitempty"`
}

// TakesTasks reports whether the node runs fragments for the swarm.
func (h Heartbeat) TakesTasks() bool {
	return h.AcceptsTasks == nil || *h.AcceptsTasks
}

// Load is what a node tells the swarm about its capacity and how busy it
// is.
type Load struct {
	Bees        int
	BeeMemory   int64
	MemoryInUse int64
	Temperature float64
	Band        string
}

// LoadReader reports the node's current load. The node's command wires it
// to the engine and its colony, which swarm does not reach by itself.
type LoadReader interface {
	Load() Load
}

// LoadFunc adapts a function to LoadReader.
type LoadFunc func() Load

// Load calls f.
func (f LoadFunc) Load() Load { return f() }

// CacheSummary is what a node's local cell cache holds.
type CacheSummary struct {
	Cells int64
	Bytes int64
	// Generation changes whenever the set of cells held does: the writer
	// rebuilds the heartbeat's filter only then.
	Generation uint64
}

// CacheSummarizer reports the local cell cache's contents; the cache
// implements it.
type CacheSummarizer interface {
	CacheSummary() CacheSummary
	// CacheKeys lists the object keys of the cells held, at the summary's
	// generation or later. The writer calls it only when the generation
	// moved: listing and hashing every cell each beat would cost a large
	// cache's node more than the beat itself.
	CacheKeys() []string
}

// Clock is where the swarm reads the time. Observers only subtract its
// readings from one another, so a clock with a monotonic reading (the
// real one) keeps judgements right when the wall clock jumps. Tests
// inject a fake.
type Clock interface {
	Now() time.Time
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

// RealClock is the process's clock.
var RealClock Clock = realClock{}

// NewIncarnation returns a fresh random incarnation id.
func NewIncarnation() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}

// WriterConfig configures a heartbeat writer.
type WriterConfig struct {
	Store   objstore.Store
	Node    string
	Address string
	// Incarnation names this process; "" draws a random one.
	Incarnation string
	// Interval is the time between heartbeats (swarm.heartbeat_interval).
	Interval time.Duration
	// Load reports bees, memory and temperature; nil reports zeros.
	Load LoadReader
	// Cache summarises the local cell cache; nil reports an empty one.
	Cache CacheSummarizer
	// CoordinatorOnly says in every heartbeat that this node runs no
	// worker, so that no coordinator gives it tasks.
	CoordinatorOnly bool
	// Clock supplies the wall time written for people; nil is RealClock.
	Clock  Clock
	Logger *slog.Logger
}

// Writer overwrites the node's heartbeat object every interval.
type Writer struct {
	cfg     WriterConfig
	key     string
	started time.Time

	mu  sync.Mutex // serialises writes so Seq only grows; guards what follows
	seq uint64
	// filter is the cache's filter as of filterGen; built says whether
	// one was built yet (generation 0 is a real one).
	filter    CacheFilter
	filterGen uint64
	built     bool
}

// NewWriter returns a writer; nothing is written until Beat or Run.
func NewWriter(cfg WriterConfig) *Writer {
	if cfg.Incarnation == "" {
		cfg.Incarnation = NewIncarnation()
	}
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Writer{cfg: cfg, key: HeartbeatKey(cfg.Node), started: cfg.Clock.Now()}
}

// Incarnation is this writer's incarnation id.
func (w *Writer) Incarnation() string { return w.cfg.Incarnation }

// Beat writes one heartbeat.
func (w *Writer) Beat(ctx context.Context) error {
	return w.write(ctx, false)
}

// Leave writes the final heartbeat, marked leaving, so that observers show
// the node as left at once instead of waiting for it to turn dead.
func (w *Writer) Leave(ctx context.Context) error {
	return w.write(ctx, true)
}

func (w *Writer) write(ctx context.Context, leaving bool) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	hb := Heartbeat{
		Node: w.cfg.Node, Incarnation: w.cfg.Incarnation, Address: w.cfg.Address,
		Seq: w.seq + 1, Leaving: leaving, StartedAt: w.started.UTC(), WrittenAt: w.cfg.Clock.Now().UTC(),
		AcceptsTasks: acceptsTasks(!w.cfg.CoordinatorOnly),
	}
	if w.cfg.Load != nil {
		l := w.cfg.Load.Load()
		hb.Bees, hb.BeeMemory, hb.MemoryInUse, hb.Temperature, hb.Band = l.Bees, l.BeeMemory, l.MemoryInUse, l.Temperature, l.Band
	}
	if w.cfg.Cache != nil {
		c := w.cfg.Cache.CacheSummary()
		if !w.built || c.Generation != w.filterGen {
			// The keys are as new as the generation or newer: a change
			// between the two reads moves the generation again, and the
			// next beat rebuilds.
			w.filter, w.filterGen, w.built = NewCacheFilter(w.cfg.Cache.CacheKeys()), c.Generation, true
		}
		hb.CachedCells, hb.CachedBytes, hb.CachedFilter = c.Cells, c.Bytes, w.filter
	}
	data, err := json.Marshal(hb)
	if err != nil {
		return fmt.Errorf("swarm: heartbeat: %w", err)
	}
	if err := w.cfg.Store.Put(ctx, w.key, data); err != nil {
		return fmt.Errorf("swarm: heartbeat %s: %w", w.key, err)
	}
	// A failed write keeps the old number: the next one must still look
	// like an advance to observers that saw the last success.
	w.seq = hb.Seq
	return nil
}

// Run writes a heartbeat at once and then every interval until ctx ends,
// then the leaving heartbeat. A failed write is logged and retried at the
// next tick: observers tolerate missed beats up to swarm.suspect_after.
func (w *Writer) Run(ctx context.Context) {
	if err := w.Beat(ctx); err != nil && ctx.Err() == nil {
		w.cfg.Logger.Warn("swarm: cannot write heartbeat", "err", err)
	}
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// ctx is over; the leaving beat gets a short time of its own.
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), leaveTimeout(w.cfg.Interval))
			if err := w.Leave(lctx); err != nil {
				w.cfg.Logger.Warn("swarm: cannot write the leaving heartbeat; other nodes will see this node turn dead", "err", err)
			}
			cancel()
			return
		case <-t.C:
			if err := w.Beat(ctx); err != nil && ctx.Err() == nil {
				w.cfg.Logger.Warn("swarm: cannot write heartbeat", "err", err)
			}
		}
	}
}

// acceptsTasks is the heartbeat's accepts_tasks field, written either way
// so that a person reading the object need not know what absent means.
func acceptsTasks(takes bool) *bool { return &takes }

// leaveTimeout bounds the leaving write so a node whose storage hangs
// still stops.
func leaveTimeout(interval time.Duration) time.Duration {
	return max(5*time.Second, 2*interval)
}

// nodeFromKey is the node name a heartbeat key holds, or false for a key
// that is not a heartbeat.
func nodeFromKey(key string) (string, bool) {
	name, ok := strings.CutPrefix(key, HeartbeatPrefix)
	if !ok {
		return "", false
	}
	name, ok = strings.CutSuffix(name, heartbeatSuffix)
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", false
	}
	n, err := url.PathUnescape(name)
	if err != nil {
		return "", false
	}
	return n, true
}
