package txn

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// This file folds decoded ledger commits into snapshots. It deliberately
// takes no context and no store: everything here is a pure function of its
// input, tested with in-memory fixtures (replay_test.go). ledger.go does the
// I/O and resolves intents before calling in.

// Snapshot is the state of one ledger at one version. Snapshots are shared
// and immutable: callers must not modify any field, slice or map.
type Snapshot struct {
	// Prefix is the ledger's storage prefix ("frames/<id>/", "catalog/").
	Prefix string
	// Version is the newest commit folded in; -1 for an empty ledger.
	Version int64
	// Metadata is the latest metadata; nil if no commit set any.
	Metadata *Metadata
	// Cells are the live cells, sorted by Path.
	Cells []AddCell
	// Entries is the key-value map (the catalog's namespace). Never nil.
	Entries map[string]json.RawMessage
	// LastCommit is the CommitInfo.Time of the newest applied commit.
	LastCommit time.Time
	// LastTxnID is the transaction of the newest applied commit.
	LastTxnID string

	// tombstones maps each removed cell path to the version that removed
	// it. They keep removed cells from being reported as orphans; they are
	// never dropped until garbage collection exists.
	tombstones map[string]int64
	// multi lists the most recent committed multi-ledger transactions in
	// this ledger, oldest first, at most maxMultiRefs of them.
	multi []multiRef
}

// multiRef remembers a committed multi-ledger transaction: its version here
// and its versions in every ledger it wrote. Txn.Read uses it to pick
// snapshots of several ledgers that include either all or none of it.
type multiRef struct {
	TxnID    string           `json:"txn_id"`
	Version  int64            `json:"version"`
	Versions map[string]int64 `json:"versions"`
}

// maxMultiRefs bounds Snapshot.multi. A reader whose snapshots of two
// ledgers are further apart than this many multi-ledger transactions may see
// part of the oldest ones; at that distance the reader's view is already many
// commits stale.
const maxMultiRefs = 1024

// Cell returns the live cell with the given path.
func (s *Snapshot) Cell(path string) (AddCell, bool) {
	i := sort.Search(len(s.Cells), func(i int) bool { return s.Cells[i].Path >= path })
	if i < len(s.Cells) && s.Cells[i].Path == path {
		return s.Cells[i], true
	}
	return AddCell{}, false
}

// emptySnapshot is the state before version 0.
func emptySnapshot(prefix string) *Snapshot {
	return &Snapshot{Prefix: prefix, Version: -1, Entries: map[string]json.RawMessage{}, tombstones: map[string]int64{}}
}

// replayState is a Snapshot being built: the cells are a map while commits
// are applied and become a sorted slice at the end.
type replayState struct {
	s     Snapshot
	cells map[string]AddCell
}

func newReplayState(base *Snapshot) *replayState {
	st := &replayState{s: *base, cells: make(map[string]AddCell, len(base.Cells))}
	for _, c := range base.Cells {
		st.cells[c.Path] = c
	}
	// Copy the maps so the base snapshot stays immutable.
	st.s.Entries = maps.Clone(base.Entries)
	if st.s.Entries == nil {
		st.s.Entries = map[string]json.RawMessage{}
	}
	st.s.tombstones = maps.Clone(base.tombstones)
	if st.s.tombstones == nil {
		st.s.tombstones = map[string]int64{}
	}
	st.s.multi = slices.Clone(base.multi)
	return st
}

// apply folds the next commit in. outcome is the resolved transaction record
// for an intent commit and must be non-nil for one; it is ignored otherwise.
func (st *replayState) apply(c *commit, outcome *TxnRecord) error {
	if c.Version != st.s.Version+1 {
		return &CorruptEntryError{Version: c.Version, Key: commitKey(st.s.Prefix, c.Version),
			Err: fmt.Errorf("ledger gap: version %d follows %d", c.Version, st.s.Version)}
	}
	st.s.Version = c.Version
	if c.Intent != nil {
		if outcome == nil {
			return fmt.Errorf("txn: replay version %d: intent of txn %s is unresolved", c.Version, c.Intent.TxnID)
		}
		if outcome.State != TxnCommitted {
			// An aborted transaction's version stays taken but changes
			// nothing: its cells remain invisible orphans.
			return nil
		}
		st.s.multi = append(st.s.multi, multiRef{TxnID: c.Info.TxnID, Version: c.Version, Versions: outcome.Versions})
		if over := len(st.s.multi) - maxMultiRefs; over > 0 {
			st.s.multi = slices.Delete(st.s.multi, 0, over)
		}
	}
	if c.Metadata != nil {
		st.s.Metadata = c.Metadata
	}
	for _, r := range c.Removes {
		delete(st.cells, r.Path)
		st.s.tombstones[r.Path] = c.Version
	}
	for _, a := range c.Adds {
		st.cells[a.Path] = a
	}
	for _, d := range c.Deletes {
		delete(st.s.Entries, d.Key)
	}
	for _, e := range c.Sets {
		st.s.Entries[e.Key] = e.Value
	}
	st.s.LastCommit = c.Info.Time
	st.s.LastTxnID = c.Info.TxnID
	return nil
}

// snapshot freezes the state. The replayState must not be used afterwards.
func (st *replayState) snapshot() *Snapshot {
	s := st.s
	s.Cells = make([]AddCell, 0, len(st.cells))
	for _, c := range st.cells {
		s.Cells = append(s.Cells, c)
	}
	slices.SortFunc(s.Cells, func(a, b AddCell) int {
		switch {
		case a.Path < b.Path:
			return -1
		case a.Path > b.Path:
			return 1
		}
		return 0
	})
	return &s
}

// replay folds commits, which must be consecutive versions following
// base.Version, into a new snapshot. outcomes maps the txn id of every
// intent commit among them to its resolved record.
func replay(base *Snapshot, commits []*commit, outcomes map[string]*TxnRecord) (*Snapshot, error) {
	if base == nil {
		return nil, errors.New("txn: replay without a base snapshot")
	}
	st := newReplayState(base)
	for _, c := range commits {
		var out *TxnRecord
		if c.Intent != nil {
			out = outcomes[c.Intent.TxnID]
		}
		if err := st.apply(c, out); err != nil {
			return nil, err
		}
	}
	return st.snapshot(), nil
}
