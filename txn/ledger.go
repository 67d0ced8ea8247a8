package txn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Ledger is one numbered sequence of commits under a storage prefix: a
// frame's or the catalog's. It reads the ledger and caches the latest
// snapshot; writes go through transactions (Manager.Begin). A Ledger is safe
// for concurrent use.
type Ledger struct {
	m      *Manager
	prefix string // immutable
	// sem is a one-slot semaphore serialising refreshes of latest, so that
	// concurrent readers share one round of reads instead of repeating it.
	// A channel rather than a mutex so that waiting honours ctx.
	sem    chan struct{}
	latest atomic.Pointer[Snapshot] // nil until the first load
}

// Prefix returns the ledger's storage prefix.
func (l *Ledger) Prefix() string { return l.prefix }

// Latest returns the snapshot at the newest version whose outcome is known.
// A multi-ledger transaction still in progress (its intent in doubt and
// before its deadline) is not waited for: the snapshot stops just before it,
// which is a valid earlier state. An intent past its deadline is aborted on
// the spot.
func (l *Ledger) Latest(ctx context.Context) (*Snapshot, error) {
	return l.Snapshot(ctx, -1)
}

// Snapshot returns the ledger's state at version, or the latest state when
// version < 0. An empty ledger's latest snapshot has Version -1. Asking for
// a version that does not exist yields ErrNoLedger (no commits at all) or
// ErrVersionNotFound. An explicit version waits for in-doubt intents up to
// and including it (at most Options.IntentTimeout past their start).
func (l *Ledger) Snapshot(ctx context.Context, version int64) (*Snapshot, error) {
	if version < 0 {
		return l.refresh(ctx)
	}
	cur := l.latest.Load()
	if cur != nil && cur.Version == version {
		return cur, nil
	}
	if cur == nil || cur.Version < version {
		var err error
		if cur, err = l.refresh(ctx); err != nil {
			return nil, err
		}
		if cur.Version == version {
			return cur, nil
		}
	}
	base := cur
	if version < cur.Version {
		var err error
		if base, err = l.loadBase(ctx, version); err != nil {
			return nil, err
		}
	}
	commits, outcomes, err := l.readForward(ctx, base.Version+1, version, true)
	if err != nil {
		if errors.Is(err, ErrVersionNotFound) && cur.Version < 0 {
			return nil, fmt.Errorf("txn: ledger %s version %d: %w", l.prefix, version, ErrNoLedger)
		}
		return nil, err
	}
	return replay(base, commits, outcomes)
}

// refresh brings the cached latest snapshot up to date: it reads the
// commits after the cached version one by one until one is missing (or in
// doubt). Commits are contiguous, so the first missing version ends the
// ledger; no listing is needed once a base is known.
func (l *Ledger) refresh(ctx context.Context) (*Snapshot, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-l.sem }()
	base := l.latest.Load()
	if base == nil {
		var err error
		if base, err = l.loadBase(ctx, math.MaxInt64); err != nil {
			return nil, err
		}
	}
	commits, outcomes, err := l.readForward(ctx, base.Version+1, -1, false)
	if err != nil {
		return nil, err
	}
	snap := base
	if len(commits) > 0 {
		if snap, err = replay(base, commits, outcomes); err != nil {
			return nil, err
		}
	}
	l.latest.Store(snap)
	return snap, nil
}

// advance moves the cached latest snapshot over a commit this node just
// created, when the cache is exactly one version behind it, saving the next
// reader (or blind writer) the round trip of reading the commit back. It
// never blocks: if a refresh holds the cache, the refresh will read the
// commit anyway. c must not be an intent (its outcome is not known yet).
func (l *Ledger) advance(c *commit) {
	cur := l.latest.Load()
	if cur == nil || cur.Version != c.Version-1 || c.Intent != nil {
		return
	}
	select {
	case l.sem <- struct{}{}:
	default:
		return
	}
	defer func() { <-l.sem }()
	next, err := replay(cur, []*commit{c}, nil)
	if err != nil {
		return // cannot happen for a consecutive non-intent commit; a refresh reads it anyway
	}
	l.latest.CompareAndSwap(cur, next)
}

// readForward reads and decodes commits from..to (to < 0: until the first
// missing version) and resolves their intents. With wait false it stops
// before the first intent still in doubt; with wait true it waits for it.
// A missing version ≤ to yields ErrVersionNotFound.
func (l *Ledger) readForward(ctx context.Context, from, to int64, wait bool) ([]*commit, map[string]*TxnRecord, error) {
	var commits []*commit
	outcomes := map[string]*TxnRecord{}
	for v := from; to < 0 || v <= to; v++ {
		c, err := l.readCommit(ctx, v)
		if errors.Is(err, objstore.ErrNotExist) {
			if to >= 0 {
				return nil, nil, fmt.Errorf("txn: ledger %s version %d: %w", l.prefix, v, ErrVersionNotFound)
			}
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if c.Intent != nil {
			rec, err := l.m.resolve(ctx, c.Intent, wait)
			if err != nil {
				return nil, nil, fmt.Errorf("txn: ledger %s version %d: %w", l.prefix, v, err)
			}
			if rec == nil {
				break // in doubt and not waiting: stop before it
			}
			outcomes[c.Intent.TxnID] = rec
		}
		commits = append(commits, c)
	}
	return commits, outcomes, nil
}

// readCommit reads and decodes one commit. A missing commit yields an error
// for which errors.Is(err, objstore.ErrNotExist).
func (l *Ledger) readCommit(ctx context.Context, version int64) (*commit, error) {
	key := commitKey(l.prefix, version)
	data, err := l.m.get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("txn: read ledger %s version %d: %w", l.prefix, version, err)
	}
	return decodeCommit(key, version, data)
}

// loadBase finds the newest usable checkpoint at or below maxVersion and
// returns its snapshot, or the empty snapshot when there is none. It tries
// the _last_checkpoint hint first (only when looking for the latest state)
// and falls back to listing the ledger. An unusable checkpoint (missing,
// torn, corrupt, newer format, or naming a commit that does not exist) is
// skipped, never fatal: commits alone always suffice.
func (l *Ledger) loadBase(ctx context.Context, maxVersion int64) (*Snapshot, error) {
	if maxVersion == math.MaxInt64 {
		if snap, err := l.loadHinted(ctx); err == nil {
			return snap, nil
		} else if !errors.Is(err, objstore.ErrNotExist) {
			l.m.log.Debug("checkpoint hint unusable; listing the ledger", "ledger", l.prefix, "err", err)
		}
	}
	infos, err := l.m.list(ctx, l.prefix+ledgerDir)
	if err != nil {
		return nil, fmt.Errorf("txn: list ledger %s: %w", l.prefix, err)
	}
	commits := map[int64]bool{}
	type cp struct {
		version int64
		key     string
	}
	var cps []cp
	for _, info := range infos {
		v, isCP, ok := parseLedgerKey(l.prefix, info.Key)
		switch {
		case !ok || v > maxVersion:
		case isCP:
			cps = append(cps, cp{v, info.Key})
		default:
			commits[v] = true
		}
	}
	// Listing is in byte order, so the newest checkpoints are last.
	for i := len(cps) - 1; i >= 0; i-- {
		if !commits[cps[i].version] {
			continue
		}
		snap, err := l.readCheckpoint(ctx, cps[i].key, cps[i].version)
		if err != nil {
			l.m.log.Warn("skipping unusable checkpoint", "key", cps[i].key, "err", err)
			continue
		}
		return snap, nil
	}
	return emptySnapshot(l.prefix), nil
}

func (l *Ledger) loadHinted(ctx context.Context) (*Snapshot, error) {
	data, err := l.m.get(ctx, hintKey(l.prefix))
	if err != nil {
		return nil, err
	}
	var h checkpointHint
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("txn: decode checkpoint hint: %w", err)
	}
	if v, isCP, ok := parseLedgerKey(l.prefix, h.Key); !ok || !isCP || v != h.Version {
		return nil, fmt.Errorf("txn: checkpoint hint names %q for version %d", h.Key, h.Version)
	}
	// The checkpoint must describe a version that exists: a hint can never
	// legitimately run ahead of the commits, but a bug or a hand edit could.
	if _, err := l.m.stat(ctx, commitKey(l.prefix, h.Version)); err != nil {
		return nil, fmt.Errorf("txn: checkpoint hint version %d: %w", h.Version, err)
	}
	return l.readCheckpoint(ctx, h.Key, h.Version)
}

func (l *Ledger) readCheckpoint(ctx context.Context, key string, version int64) (*Snapshot, error) {
	data, err := l.m.get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("txn: read checkpoint: %w", err)
	}
	snap, err := decodeCheckpoint(key, data)
	if err != nil {
		return nil, err
	}
	if snap.Version != version || snap.Prefix != l.prefix {
		return nil, &CorruptEntryError{Version: version, Key: key,
			Err: fmt.Errorf("checkpoint describes %s version %d", snap.Prefix, snap.Version)}
	}
	return snap, nil
}

// Orphans lists the objects under the ledger's prefix + dataPrefix (for a
// frame, "data/") that no commit references and whose server modification
// time is older than olderThan: cells written by transactions that failed,
// aborted or crashed. Cells of a committed add or remove are never orphans
// (removed cells stay readable by older snapshots until garbage
// collection), nor are those named by an intent still in doubt. The age is
// judged against this node's clock; olderThan must exceed the longest
// transaction plus any clock skew. Orphans deletes nothing.
func (l *Ledger) Orphans(ctx context.Context, dataPrefix string, olderThan time.Duration) ([]objstore.ObjectInfo, error) {
	snap, err := l.Latest(ctx)
	if err != nil {
		return nil, err
	}
	referenced := make(map[string]bool, len(snap.Cells)+len(snap.tombstones))
	for _, c := range snap.Cells {
		referenced[c.Path] = true
	}
	for p := range snap.tombstones {
		referenced[p] = true
	}
	// Commits after the snapshot are in-doubt intents (or arrived since):
	// their cells may yet become live, so they are not orphans.
	for v := snap.Version + 1; ; v++ {
		c, err := l.readCommit(ctx, v)
		if errors.Is(err, objstore.ErrNotExist) {
			break
		}
		if err != nil {
			return nil, err
		}
		for _, a := range c.Adds {
			referenced[a.Path] = true
		}
		for _, r := range c.Removes {
			referenced[r.Path] = true
		}
	}
	infos, err := l.m.list(ctx, l.prefix+dataPrefix)
	if err != nil {
		return nil, fmt.Errorf("txn: list %s%s: %w", l.prefix, dataPrefix, err)
	}
	cutoff := time.Now().Add(-olderThan)
	var out []objstore.ObjectInfo
	for _, info := range infos {
		rel := info.Key[len(l.prefix):]
		if len(rel) >= len(ledgerDir) && rel[:len(ledgerDir)] == ledgerDir {
			continue
		}
		if referenced[rel] || !info.Modified.Before(cutoff) {
			continue
		}
		out = append(out, info)
	}
	return out, nil
}
