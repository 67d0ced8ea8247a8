package txn

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/apiarydb/apiary/objstore"
)

// Options configure a Manager. The zero value of every field means its
// default; DefaultOptions spells the defaults out.
type Options struct {
	// Node names this process in CommitInfo.Node and transaction records,
	// for humans reading the ledger; it plays no part in correctness.
	Node string
	// CheckpointInterval is the number of commits between checkpoints: a
	// writer that commits version v with v % CheckpointInterval == 0 (v > 0)
	// writes one. 0 means DefaultCheckpointInterval; below 0 means never.
	CheckpointInterval int
	// MaxCommitAttempts bounds how many versions a commit tries before it
	// gives up with ErrConflict when it keeps losing races it could rebase
	// over. 0 means DefaultMaxCommitAttempts.
	MaxCommitAttempts int
	// IntentTimeout is how long a multi-ledger transaction may take from its
	// first intent to its commit point. After it, any node may abort the
	// transaction; readers never wait longer than it for an in-doubt
	// intent. 0 means DefaultIntentTimeout.
	IntentTimeout time.Duration
	// Logger receives warnings about best-effort work that failed
	// (checkpoints, hints). nil means slog.Default().
	Logger *slog.Logger
	// TestingKnobs are failure points for crash tests; nil in production.
	TestingKnobs *TestingKnobs
	// OnCommit, when set, is told the outcome of every Commit that writes
	// at least one ledger (CommitOK, CommitConflict, CommitAborted or
	// CommitError) and how long it took, for metrics. It is called on the
	// committing goroutine and must not block.
	OnCommit func(outcome string, d time.Duration)
}

// Commit outcomes, as Options.OnCommit receives them.
const (
	CommitOK       = "ok"
	CommitConflict = "conflict" // ErrConflict
	CommitAborted  = "aborted"  // ErrAborted
	CommitError    = "error"    // anything else: I/O, a cancelled context
)

// Defaults for Options.
const (
	DefaultCheckpointInterval = 10
	DefaultMaxCommitAttempts  = 20
	DefaultIntentTimeout      = 10 * time.Second
)

// DefaultOptions returns Options with every default filled in.
func DefaultOptions() Options {
	return Options{
		CheckpointInterval: DefaultCheckpointInterval,
		MaxCommitAttempts:  DefaultMaxCommitAttempts,
		IntentTimeout:      DefaultIntentTimeout,
	}
}

// TestingKnobs are hooks called between the durable steps of a commit. Each
// is nil by default. A hook that returns an error models a crash at that
// point: Commit returns the error at once, wrapped, and does none of the
// clean-up it would do after an ordinary failure (no aborted record, no
// checkpoint), exactly as if the process had died there.
type TestingKnobs struct {
	// BeforeLedgerPut runs before each attempt to create a ledger commit
	// (an intent commit, for multi-ledger transactions).
	BeforeLedgerPut func(prefix string, version int64) error
	// AfterLedgerPut runs after a ledger commit was created.
	AfterLedgerPut func(prefix string, version int64) error
	// BeforeTxnRecordPut runs before a multi-ledger transaction creates its
	// "committed" record: every intent exists, the commit point is next.
	BeforeTxnRecordPut func(txnID string) error
	// BeforeCheckpointPut runs before a checkpoint object is created.
	BeforeCheckpointPut func(prefix string, version int64) error
	// BeforeHintPut runs after the checkpoint exists and before the
	// _last_checkpoint hint is overwritten.
	BeforeHintPut func(prefix string, version int64) error
}

// knobError marks an error returned by a testing knob: a simulated crash.
type knobError struct {
	step string
	err  error
}

func (e *knobError) Error() string { return fmt.Sprintf("txn: crash injected %s: %v", e.step, e.err) }
func (e *knobError) Unwrap() error { return e.err }

// Manager hands out ledgers and transactions over one store. It caches the
// latest snapshot of every ledger it has read and the outcome of every
// multi-ledger transaction it has resolved. It is safe for concurrent use;
// several Managers (in one process or many) may share a store.
type Manager struct {
	store objstore.Store
	opts  Options // immutable after NewManager, defaults filled in
	log   *slog.Logger

	mu       sync.Mutex
	ledgers  map[string]*Ledger    // guarded by mu
	outcomes map[string]*TxnRecord // guarded by mu; records never change, so entries never expire
}

// NewManager returns a Manager over store.
func NewManager(store objstore.Store, opts Options) *Manager {
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	if opts.MaxCommitAttempts <= 0 {
		opts.MaxCommitAttempts = DefaultMaxCommitAttempts
	}
	if opts.IntentTimeout <= 0 {
		opts.IntentTimeout = DefaultIntentTimeout
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Manager{
		store: store, opts: opts, log: log.With("component", "txn"),
		ledgers: map[string]*Ledger{}, outcomes: map[string]*TxnRecord{},
	}
}

// Store returns the store the manager works on.
func (m *Manager) Store() objstore.Store { return m.store }

// Ledger returns the ledger under prefix ("frames/<frame-id>/",
// "catalog/"). The prefix must end with "/". Ledger does no I/O; a ledger
// with no commits is empty (version -1). Calls with the same prefix return
// the same *Ledger.
func (m *Manager) Ledger(prefix string) *Ledger {
	if prefix == "" || !strings.HasSuffix(prefix, "/") || strings.HasPrefix(prefix, "/") {
		// A malformed prefix would produce keys objstore rejects on every
		// operation; failing loudly here finds the caller's bug sooner.
		panic(fmt.Sprintf("txn: ledger prefix %q must be non-empty, relative and end with /", prefix))
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.ledgers[prefix]
	if !ok {
		l = &Ledger{m: m, prefix: prefix, sem: make(chan struct{}, 1)}
		m.ledgers[prefix] = l
	}
	return l
}

// Begin starts a transaction. operation ("INSERT", "CREATE TABLE", ...) is
// recorded in CommitInfo for humans.
func (m *Manager) Begin(operation string) *Txn {
	return &Txn{m: m, id: uuid.NewString(), op: operation, ledgers: map[string]*ledgerTxn{}}
}

func (m *Manager) knobs() *TestingKnobs {
	if m.opts.TestingKnobs == nil {
		return &TestingKnobs{}
	}
	return m.opts.TestingKnobs
}

func (m *Manager) cachedOutcome(txnID string) *TxnRecord {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.outcomes[txnID]
}

func (m *Manager) cacheOutcome(rec *TxnRecord) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes[rec.TxnID] = rec
}

// sleepCtx waits d or until ctx ends. It paces retries and polls; nothing
// relies on it for ordering.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// jitter returns a random duration in [d/2, d], so that writers that lost
// the same race do not retry in lock step.
func jitter(d time.Duration) time.Duration {
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2+1)
}

// backoff is the jittered exponential delay for retry number attempt
// (0-based): 1ms, 2ms, 4ms ... capped at limit.
func backoff(attempt int, limit time.Duration) time.Duration {
	d := time.Millisecond << min(attempt, 20)
	return jitter(min(d, limit))
}
