package txn

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Commit makes the transaction's writes durable and visible, all or none,
// and returns the version committed in each ledger it wrote (prefix →
// version). A transaction that wrote nothing commits trivially with an empty
// map.
//
// A transaction writing one ledger commits there directly: the creation of
// its commit object is the commit point. One writing several ledgers writes
// an intent commit in each (in prefix order) and then creates its
// transaction record; that create is the commit point (docs/storage.md).
//
// Errors: ErrConflict (nothing committed; retrying the whole transaction may
// succeed), ErrAborted (a multi-ledger transaction was aborted, e.g. by a
// node that found it past its deadline; nothing committed), ErrTxnDone, or
// an I/O error. An I/O error (including a context canceled while a create
// was in flight) can leave the outcome unknown to the caller: a
// single-ledger commit may have landed (the ledger tells: look for
// ID()), and a multi-ledger one is decided by its record, at the latest
// when the intent deadline passes.
func (t *Txn) Commit(ctx context.Context) (map[string]int64, error) {
	observe := t.m.opts.OnCommit
	if observe == nil || t.done || !t.writesAny() {
		return t.commit(ctx)
	}
	start := time.Now()
	versions, err := t.commit(ctx)
	outcome := CommitOK
	switch {
	case errors.Is(err, ErrConflict):
		outcome = CommitConflict
	case errors.Is(err, ErrAborted):
		outcome = CommitAborted
	case err != nil:
		outcome = CommitError
	}
	observe(outcome, time.Since(start))
	return versions, err
}

func (t *Txn) writesAny() bool {
	for _, lt := range t.ledgers {
		if lt.writes() {
			return true
		}
	}
	return false
}

// commit is Commit without the observer.
func (t *Txn) commit(ctx context.Context) (map[string]int64, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	t.done = true
	var writers []*ledgerTxn
	for _, lt := range t.ledgers {
		if lt.writes() {
			writers = append(writers, lt)
		}
	}
	// Prefix order: every multi-ledger writer acquires ledgers in the same
	// order, so two of them waiting on each other's intents cannot deadlock.
	slices.SortFunc(writers, func(a, b *ledgerTxn) int {
		switch {
		case a.l.prefix < b.l.prefix:
			return -1
		case a.l.prefix > b.l.prefix:
			return 1
		}
		return 0
	})
	versions := map[string]int64{}
	switch len(writers) {
	case 0:
		return versions, nil
	case 1:
		lt := writers[0]
		v, err := t.commitLedger(ctx, lt, nil)
		if err != nil {
			return nil, err
		}
		versions[lt.l.prefix] = v
	default:
		var err error
		if versions, err = t.commitMulti(ctx, writers); err != nil {
			return nil, err
		}
	}
	for _, lt := range writers {
		if err := lt.l.maybeCheckpoint(ctx, versions[lt.l.prefix]); err != nil {
			return versions, err
		}
	}
	return versions, nil
}

// commitMulti writes one intent commit per ledger and then decides the
// transaction by creating its record.
func (t *Txn) commitMulti(ctx context.Context, writers []*ledgerTxn) (map[string]int64, error) {
	prefixes := make([]string, len(writers))
	for i, lt := range writers {
		prefixes[i] = lt.l.prefix
	}
	intent := &Intent{
		TxnID: t.id, Record: txnRecordKey(t.id),
		Deadline: time.Now().Add(t.m.opts.IntentTimeout).UTC(), Ledgers: prefixes,
	}
	versions := map[string]int64{}
	for _, lt := range writers {
		v, err := t.commitLedger(ctx, lt, intent)
		if err != nil {
			var ke *knobError
			var ce *ConflictError
			if !errors.As(err, &ke) && (len(versions) > 0 || !errors.As(err, &ce)) {
				// Intents may exist (some certainly, one perhaps after an
				// ambiguous failure): abort now so that nobody waits for
				// the deadline.
				t.abortRecord(ctx)
			}
			return nil, err
		}
		versions[lt.l.prefix] = v
	}
	if k := t.m.knobs().BeforeTxnRecordPut; k != nil {
		if err := k(t.id); err != nil {
			return nil, &knobError{step: "before transaction record put", err: err}
		}
	}
	rec := &TxnRecord{TxnID: t.id, State: TxnCommitted, Versions: versions, Time: time.Now().UTC(), Node: t.m.opts.Node, Format: FormatVersion}
	stored, err := t.m.createRecord(ctx, rec)
	if err != nil {
		return nil, fmt.Errorf("txn: commit point of %s (outcome unknown until %s): %w", t.id, intent.Deadline.Format(time.RFC3339Nano), err)
	}
	t.m.cacheOutcome(stored)
	if stored.State != TxnCommitted {
		return nil, fmt.Errorf("txn: %s was aborted by node %q before its commit point: %w", t.id, stored.Node, ErrAborted)
	}
	return versions, nil
}

// abortRecord creates the "aborted" record for a multi-ledger transaction
// that failed before its commit point. It is best effort: without it, the
// intents are aborted by the first reader after their deadline.
func (t *Txn) abortRecord(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	rec := &TxnRecord{TxnID: t.id, State: TxnAborted, Time: time.Now().UTC(), Node: t.m.opts.Node, Format: FormatVersion}
	if stored, err := t.m.createRecord(ctx, rec); err != nil {
		t.m.log.Warn("could not record abort; intents expire at their deadline", "txn", t.id, "err", err)
	} else {
		t.m.cacheOutcome(stored)
	}
}

// buildCommit turns the buffered writes to one ledger into a commit's
// actions. Overwrites become removals of every matching cell of the pinned
// snapshot.
func (t *Txn) buildCommit(lt *ledgerTxn, base *Snapshot) *commit {
	c := &commit{Metadata: lt.md, Adds: slices.Clone(lt.adds), Removes: slices.Clone(lt.removes)}
	if lt.overwrite || len(lt.partitions) > 0 {
		for _, cell := range base.Cells {
			if lt.removed[cell.Path] {
				continue
			}
			match := lt.overwrite
			for _, p := range lt.partitions {
				match = match || partitionMatches(cell.Partition, p)
			}
			if match {
				c.Removes = append(c.Removes, RemoveCell{Path: cell.Path, DataChange: true})
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(lt.deletes)) {
		c.Deletes = append(c.Deletes, DeleteEntry{Key: k})
	}
	for _, k := range slices.Sorted(maps.Keys(lt.sets)) {
		c.Sets = append(c.Sets, SetEntry{Key: k, Value: lt.sets[k]})
	}
	return c
}

// commitLedger is the optimistic commit loop for one ledger. It tries
// version readVersion+1 with PutIfAbsent and, whenever the version is taken,
// reads the winner: our own txn id means an earlier attempt landed and only
// its response was lost (success, never a lost race); otherwise the winner
// is checked for conflicts and, if none, the commit moves to the next
// version. A transient failure is resolved by reading the key back. The
// intent, when non-nil, is written as part of the commit.
func (t *Txn) commitLedger(ctx context.Context, lt *ledgerTxn, intent *Intent) (int64, error) {
	base := lt.snap
	if base == nil {
		// A blind write: the transaction never read the ledger. Its base
		// must be current, not the cache: commits that finished before
		// this one started are not concurrent with it and must not count
		// as winners (a stale base would turn an old ALTER into a
		// conflict). Overwrites need the cells they remove, so they pin
		// the snapshot.
		var err error
		if base, err = lt.l.Latest(ctx); err != nil {
			return 0, err
		}
		if lt.overwrite || len(lt.partitions) > 0 {
			lt.snap = base
		}
	}
	c := t.buildCommit(lt, base)
	c.Intent = intent
	knobs := t.m.knobs()
	prefix := lt.l.prefix
	v := base.Version + 1
	for attempt := 0; attempt < t.m.opts.MaxCommitAttempts; attempt++ {
		c.Version = v
		c.Info = CommitInfo{TxnID: t.id, ReadVersion: base.Version, Time: time.Now().UTC(), Node: t.m.opts.Node, Operation: t.op, Format: FormatVersion}
		body, err := encodeCommit(c)
		if err != nil {
			return 0, err
		}
		if knobs.BeforeLedgerPut != nil {
			if err := knobs.BeforeLedgerPut(prefix, v); err != nil {
				return 0, &knobError{step: fmt.Sprintf("before ledger put %s version %d", prefix, v), err: err}
			}
		}
		var winner *commit
		err = t.m.store.PutIfAbsent(ctx, commitKey(prefix, v), body)
		switch {
		case err == nil:
			if intent == nil {
				lt.l.advance(c)
			}
			return v, t.afterPut(prefix, v)
		case errors.Is(err, objstore.ErrExist):
			if winner, err = lt.l.readCommit(ctx, v); err != nil {
				return 0, fmt.Errorf("txn: read winner of %s version %d: %w", prefix, v, err)
			}
		case errors.Is(err, objstore.ErrTransient):
			// The create may or may not have landed: the key tells.
			w, rerr := lt.l.readCommit(ctx, v)
			if rerr != nil {
				if !errors.Is(rerr, objstore.ErrNotExist) && !errors.Is(rerr, objstore.ErrTransient) {
					return 0, rerr
				}
				// Absent (or still unreadable): retry the same version.
				if err := sleepCtx(ctx, backoff(attempt+2, 100*time.Millisecond)); err != nil {
					return 0, fmt.Errorf("txn: commit %s version %d: %w", prefix, v, err)
				}
				continue
			}
			winner = w
		default:
			return 0, fmt.Errorf("txn: commit %s version %d: %w", prefix, v, err)
		}
		// Catch up: check every commit that landed since our read, not
		// just the one that beat us, before trying again. A writer far
		// behind a hot ledger would otherwise spend an attempt (and a
		// backoff) per version and starve.
		for winner != nil {
			if winner.Info.TxnID == t.id {
				return v, t.afterPut(prefix, v)
			}
			if err := t.checkWinner(ctx, lt, c, winner); err != nil {
				return 0, err
			}
			v++
			next, err := lt.l.readCommit(ctx, v)
			switch {
			case errors.Is(err, objstore.ErrNotExist):
				winner = nil
			case err != nil:
				return 0, fmt.Errorf("txn: read winner of %s version %d: %w", prefix, v, err)
			default:
				winner = next
			}
		}
		if attempt > 0 {
			// Repeated losses mean symmetric contention: a little jitter
			// desynchronises the racers. Keep it short: we have just
			// caught up with the latest version, and a long sleep would
			// only hand the ledger to a faster writer (starving us past
			// a multi-ledger deadline).
			if err := sleepCtx(ctx, backoff(attempt, 5*time.Millisecond)); err != nil {
				return 0, fmt.Errorf("txn: commit %s version %d: %w", prefix, v, err)
			}
		}
	}
	return 0, fmt.Errorf("txn: commit %s: gave up after %d attempts lost to concurrent commits: %w", prefix, t.m.opts.MaxCommitAttempts, ErrConflict)
}

func (t *Txn) afterPut(prefix string, v int64) error {
	if k := t.m.knobs().AfterLedgerPut; k != nil {
		if err := k(prefix, v); err != nil {
			return &knobError{step: fmt.Sprintf("after ledger put %s version %d", prefix, v), err: err}
		}
	}
	return nil
}

// checkWinner decides whether a concurrent commit conflicts with ours. A
// winner that is a multi-ledger intent counts only if its transaction
// committed, so an in-doubt one is waited for.
func (t *Txn) checkWinner(ctx context.Context, lt *ledgerTxn, ours, winner *commit) error {
	if winner.Intent != nil {
		rec, err := t.m.resolve(ctx, winner.Intent, true)
		if err != nil {
			return fmt.Errorf("txn: resolve winner %s version %d: %w", lt.l.prefix, winner.Version, err)
		}
		if rec.State != TxnCommitted {
			return nil
		}
	}
	if reason := conflictReason(lt, ours, winner); reason != "" {
		return &ConflictError{Ledger: lt.l.prefix, WinnerVersion: winner.Version, WinnerTxnID: winner.Info.TxnID, Reason: reason}
	}
	return nil
}
