package txn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// resolve returns the outcome of the multi-ledger transaction behind an
// intent:
//
//   - its record exists: the record decides;
//   - absent and the deadline has passed (by this node's clock): create the
//     record as "aborted" with PutIfAbsent; whoever creates the record first
//     decides, so a writer racing to create "committed" loses cleanly;
//   - absent before the deadline: with wait false return (nil, nil), "in
//     doubt"; with wait true poll with backoff until one of the above.
//
// Outcomes are cached: a record, once created, never changes.
func (m *Manager) resolve(ctx context.Context, in *Intent, wait bool) (*TxnRecord, error) {
	if rec := m.cachedOutcome(in.TxnID); rec != nil {
		return rec, nil
	}
	if in.Record != txnRecordKey(in.TxnID) {
		return nil, fmt.Errorf("txn: intent of txn %s names record %q: %w", in.TxnID, in.Record, ErrCorrupt)
	}
	for attempt := 0; ; attempt++ {
		rec, err := m.readRecord(ctx, in.Record)
		if err == nil {
			m.cacheOutcome(rec)
			return rec, nil
		}
		if !errors.Is(err, objstore.ErrNotExist) {
			return nil, err
		}
		now := time.Now()
		if now.After(in.Deadline) {
			rec, err := m.createRecord(ctx, &TxnRecord{TxnID: in.TxnID, State: TxnAborted, Time: now.UTC(), Node: m.opts.Node, Format: FormatVersion})
			if err != nil {
				return nil, err
			}
			if rec.State == TxnAborted {
				m.log.Info("aborted a multi-ledger transaction past its deadline", "txn", in.TxnID, "deadline", in.Deadline)
			}
			m.cacheOutcome(rec)
			return rec, nil
		}
		if !wait {
			return nil, nil
		}
		// Poll: the writer is between its intents and its commit point.
		// Cap each pause so the deadline is noticed promptly.
		d := min(backoff(attempt+2, 50*time.Millisecond), time.Until(in.Deadline)+time.Millisecond)
		if err := sleepCtx(ctx, d); err != nil {
			return nil, fmt.Errorf("txn: wait for transaction %s: %w", in.TxnID, err)
		}
	}
}

func (m *Manager) readRecord(ctx context.Context, key string) (*TxnRecord, error) {
	data, err := m.get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("txn: read transaction record: %w", err)
	}
	return decodeRecord(key, data)
}

// createRecord creates a transaction record if none exists and returns the
// record that stands afterwards: rec itself if this call created it, or the
// one another node created first. An ambiguous (transient) failure is
// resolved by reading the key back; the record's content (state, node,
// time) tells whether the create that landed was this one, but either way
// the stored record is the outcome.
func (m *Manager) createRecord(ctx context.Context, rec *TxnRecord) (*TxnRecord, error) {
	key := txnRecordKey(rec.TxnID)
	body, err := json.Marshal(rec)
	if err != nil {
		return nil, fmt.Errorf("txn: encode transaction record: %w", err)
	}
	for attempt := 0; attempt < m.opts.MaxCommitAttempts; attempt++ {
		err := m.store.PutIfAbsent(ctx, key, body)
		if err == nil {
			return rec, nil
		}
		if !errors.Is(err, objstore.ErrExist) && !errors.Is(err, objstore.ErrTransient) {
			return nil, fmt.Errorf("txn: create transaction record %s: %w", key, err)
		}
		stored, rerr := m.readRecord(ctx, key)
		if rerr == nil {
			return stored, nil
		}
		if !errors.Is(rerr, objstore.ErrNotExist) && !errors.Is(rerr, objstore.ErrTransient) {
			return nil, rerr
		}
		// Absent after a transient failure: the create did not land; try
		// again.
		if err := sleepCtx(ctx, backoff(attempt+2, 200*time.Millisecond)); err != nil {
			return nil, fmt.Errorf("txn: create transaction record %s: %w", key, err)
		}
	}
	return nil, fmt.Errorf("txn: create transaction record %s: gave up after %d attempts: %w", key, m.opts.MaxCommitAttempts, objstore.ErrTransient)
}
