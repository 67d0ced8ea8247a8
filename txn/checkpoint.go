package txn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/apiarydb/apiary/objstore"
)

// Checkpoint writes a checkpoint of the ledger's latest state, whatever the
// interval says. Commit calls the same code every CheckpointInterval
// versions; this entry point is for tools, tests and benchmarks. It returns
// the version covered.
func (l *Ledger) Checkpoint(ctx context.Context) (int64, error) {
	snap, err := l.Latest(ctx)
	if err != nil {
		return 0, err
	}
	if snap.Version < 0 {
		return -1, fmt.Errorf("txn: checkpoint %s: %w", l.prefix, ErrNoLedger)
	}
	return snap.Version, l.writeCheckpoint(ctx, snap)
}

// maybeCheckpoint writes a checkpoint after a commit at version when the
// interval calls for one. Checkpoints are best effort: a failure is logged
// and the commit stays successful. Only a testing knob's simulated crash is
// returned.
func (l *Ledger) maybeCheckpoint(ctx context.Context, version int64) error {
	n := int64(l.m.opts.CheckpointInterval)
	if n <= 0 || version <= 0 || version%n != 0 {
		return nil
	}
	snap, err := l.Snapshot(ctx, version)
	if err != nil {
		l.m.log.Warn("checkpoint skipped: cannot load snapshot", "ledger", l.prefix, "version", version, "err", err)
		return nil
	}
	err = l.writeCheckpoint(ctx, snap)
	var ke *knobError
	if errors.As(err, &ke) {
		return err
	}
	if err != nil {
		l.m.log.Warn("checkpoint failed", "ledger", l.prefix, "version", version, "err", err)
	}
	return nil
}

// writeCheckpoint stores snap under a fresh unique name with PutIfAbsent
// (racing checkpointers never overwrite each other, and a reader never sees
// a half-written one), then points the hint at it. The covered commit
// exists already: snap was built from it.
func (l *Ledger) writeCheckpoint(ctx context.Context, snap *Snapshot) error {
	knobs := l.m.knobs()
	if knobs.BeforeCheckpointPut != nil {
		if err := knobs.BeforeCheckpointPut(l.prefix, snap.Version); err != nil {
			return &knobError{step: "before checkpoint put", err: err}
		}
	}
	body, err := encodeCheckpoint(snap, l.m.opts.Node, time.Now())
	if err != nil {
		return err
	}
	key := checkpointKey(l.prefix, snap.Version, uuid.NewString())
	if err := l.m.store.PutIfAbsent(ctx, key, body); err != nil {
		// After a transient error the checkpoint may or may not exist;
		// either way no hint points at it and listing readers verify
		// whatever they find, so there is nothing to undo.
		return fmt.Errorf("txn: write checkpoint %s: %w", key, err)
	}
	if knobs.BeforeHintPut != nil {
		if err := knobs.BeforeHintPut(l.prefix, snap.Version); err != nil {
			return &knobError{step: "before checkpoint hint put", err: err}
		}
	}
	// Plain overwrite, last writer wins. Do not move the hint backwards when
	// a slower checkpointer finishes after a newer one; a race between the
	// read and the write can still do so, which costs readers only a few
	// extra commits to replay.
	if data, err := l.m.get(ctx, hintKey(l.prefix)); err == nil {
		var h checkpointHint
		if json.Unmarshal(data, &h) == nil && h.Version >= snap.Version {
			return nil
		}
	} else if !errors.Is(err, objstore.ErrNotExist) {
		return fmt.Errorf("txn: read checkpoint hint: %w", err)
	}
	hint, err := json.Marshal(checkpointHint{Format: FormatVersion, Version: snap.Version, Key: key})
	if err != nil {
		return fmt.Errorf("txn: encode checkpoint hint: %w", err)
	}
	if err := l.m.store.Put(ctx, hintKey(l.prefix), hint); err != nil {
		return fmt.Errorf("txn: write checkpoint hint: %w", err)
	}
	return nil
}
