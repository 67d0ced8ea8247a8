package txn

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
)

// Txn is one transaction over any number of ledgers. It reads one snapshot
// per ledger, pinned at its first read, buffers writes per ledger, and
// commits them all or none (Commit). A Txn is not safe for concurrent use;
// after Commit or Abort it must not be used again.
type Txn struct {
	m       *Manager
	id      string // immutable; uuid
	op      string
	ledgers map[string]*ledgerTxn // by prefix
	done    bool
}

// ledgerTxn is what a transaction read and wrote in one ledger.
type ledgerTxn struct {
	l    *Ledger
	snap *Snapshot // pinned at the first read; nil if never read

	md         *Metadata
	adds       []AddCell
	removes    []RemoveCell
	removed    map[string]bool // paths in removes
	overwrite  bool
	partitions []map[string]string // OverwritePartition scopes
	sets       map[string]json.RawMessage
	deletes    map[string]bool
	readKeys   map[string]bool
	// readPrefixes are key ranges the transaction depends on as a whole
	// (DROP SCHEMA depends on there being no frames it did not see).
	readPrefixes []string
}

func (lt *ledgerTxn) writes() bool {
	return lt.md != nil || len(lt.adds) > 0 || len(lt.removes) > 0 || lt.overwrite ||
		len(lt.partitions) > 0 || len(lt.sets) > 0 || len(lt.deletes) > 0
}

// ID returns the transaction's id, a UUID recorded in every commit it
// writes.
func (t *Txn) ID() string { return t.id }

func (t *Txn) ledger(l *Ledger) *ledgerTxn {
	if l.m != t.m {
		panic("txn: ledger belongs to another Manager")
	}
	lt, ok := t.ledgers[l.prefix]
	if !ok {
		lt = &ledgerTxn{l: l, removed: map[string]bool{}, sets: map[string]json.RawMessage{},
			deletes: map[string]bool{}, readKeys: map[string]bool{}}
		t.ledgers[l.prefix] = lt
	}
	return lt
}

// Read returns the transaction's snapshot of l, pinning it at the first
// call: later calls return the same snapshot, so the transaction sees one
// consistent state of each ledger. The snapshot excludes the transaction's
// own writes (see Pending).
//
// Snapshots of several ledgers read by one transaction include each
// committed multi-ledger transaction in all of them or in none: when a new
// ledger's latest state includes a transaction that an already pinned
// ledger does not, Read picks an older version, and when a pinned ledger
// includes one the new ledger's cached state lacks, a newer one.
func (t *Txn) Read(ctx context.Context, l *Ledger) (*Snapshot, error) {
	if t.done {
		return nil, ErrTxnDone
	}
	lt := t.ledger(l)
	if lt.snap != nil {
		return lt.snap, nil
	}
	snap, err := l.Latest(ctx)
	if err != nil {
		return nil, err
	}
	if snap, err = t.consistent(ctx, l, snap); err != nil {
		return nil, err
	}
	lt.snap = snap
	return snap, nil
}

// consistent adjusts snap, a candidate snapshot of l, until it agrees with
// the ledgers already pinned on every multi-ledger transaction. Writers
// acquire ledgers in prefix order and wait for in-doubt intents they meet,
// so multi-ledger transactions are ordered the same way in every ledger and
// the two adjustments cannot chase each other for ever; the bound is a
// safety net.
func (t *Txn) consistent(ctx context.Context, l *Ledger, snap *Snapshot) (*Snapshot, error) {
	for range 16 {
		// A transaction in snap that a pinned ledger does not include yet:
		// step back to just before it.
		limit := snap.Version
		for _, ref := range snap.multi {
			for p, pv := range ref.Versions {
				if o := t.ledgers[p]; o != nil && o.snap != nil && o.snap.Version < pv && ref.Version-1 < limit {
					limit = ref.Version - 1
				}
			}
		}
		// A transaction in a pinned ledger that snap lacks: move forward.
		need := snap.Version
		for p, o := range t.ledgers {
			if p == l.prefix || o.snap == nil {
				continue
			}
			for _, ref := range o.snap.multi {
				if v, ok := ref.Versions[l.prefix]; ok && v > need {
					need = v
				}
			}
		}
		var target int64
		switch {
		case limit < snap.Version:
			target = limit
		case need > snap.Version:
			target = need
		default:
			return snap, nil
		}
		if target < 0 {
			return emptySnapshot(l.prefix), nil
		}
		var err error
		if snap, err = l.Snapshot(ctx, target); err != nil {
			return nil, fmt.Errorf("txn: consistent snapshot of %s: %w", l.prefix, err)
		}
	}
	return nil, fmt.Errorf("txn: no snapshot of %s consistent with the other ledgers read", l.prefix)
}

// ReadEntry returns the value of key in l as the transaction sees it (its
// own pending set or delete first, then its snapshot); nil when absent. It
// also records the read: the commit then conflicts with any concurrent
// commit that set or deleted key, which is how two concurrent CREATEs of one
// name end with one winner.
func (t *Txn) ReadEntry(ctx context.Context, l *Ledger, key string) (json.RawMessage, error) {
	snap, err := t.Read(ctx, l)
	if err != nil {
		return nil, err
	}
	lt := t.ledger(l)
	lt.readKeys[key] = true
	if v, ok := lt.sets[key]; ok {
		return v, nil
	}
	if lt.deletes[key] {
		return nil, nil
	}
	return snap.Entries[key], nil
}

// ReadPrefix records that the transaction depends on every key of l that
// starts with prefix: the commit then conflicts with any concurrent commit
// that set or deleted such a key. DROP SCHEMA uses it so that a frame created
// in the schema meanwhile is not left behind without one.
func (t *Txn) ReadPrefix(ctx context.Context, l *Ledger, prefix string) error {
	if _, err := t.Read(ctx, l); err != nil {
		return err
	}
	lt := t.ledger(l)
	lt.readPrefixes = append(lt.readPrefixes, prefix)
	return nil
}

// SetMetadata replaces l's metadata (schema, partitioning, options) when the
// transaction commits. It conflicts with every concurrent commit to l.
func (t *Txn) SetMetadata(l *Ledger, md Metadata) {
	t.ledger(l).md = &md
}

// AddCells adds cells to l. The cells' objects must already be written
// under l's prefix; until the commit they are invisible orphans. Appending
// alone (no reads of cells, no removals) never conflicts, except with a
// concurrent metadata change.
func (t *Txn) AddCells(l *Ledger, cells ...AddCell) {
	lt := t.ledger(l)
	lt.adds = append(lt.adds, cells...)
}

// RemoveCells removes cells from l (DataChange true: a DELETE, UPDATE or
// overwrite). Removing a cell this transaction added drops the add instead.
// The commit conflicts with a concurrent commit removing any of the same
// cells.
func (t *Txn) RemoveCells(l *Ledger, paths ...string) {
	t.remove(t.ledger(l), paths, true)
}

// Rewrite replaces cells by others holding the same rows (compaction):
// both sides are recorded with DataChange false, and the commit conflicts
// only with concurrent commits removing any of the removed cells.
func (t *Txn) Rewrite(l *Ledger, removed []string, added []AddCell) {
	lt := t.ledger(l)
	t.remove(lt, removed, false)
	for _, c := range added {
		c.DataChange = false
		lt.adds = append(lt.adds, c)
	}
}

func (t *Txn) remove(lt *ledgerTxn, paths []string, dataChange bool) {
	for _, p := range paths {
		if i := slices.IndexFunc(lt.adds, func(c AddCell) bool { return c.Path == p }); i >= 0 {
			lt.adds = slices.Delete(lt.adds, i, i+1)
			continue
		}
		if !lt.removed[p] {
			lt.removed[p] = true
			lt.removes = append(lt.removes, RemoveCell{Path: p, DataChange: dataChange})
		}
	}
}

// Overwrite declares that the transaction replaces all of l's contents
// (INSERT OVERWRITE, TRUNCATE): at commit every cell of its snapshot of l is
// removed, and the commit conflicts with any concurrent commit that added
// or removed cells with a data change.
func (t *Txn) Overwrite(l *Ledger) {
	t.ledger(l).overwrite = true
}

// OverwritePartition is Overwrite restricted to the cells whose partition
// values include every key and value of partition.
func (t *Txn) OverwritePartition(l *Ledger, partition map[string]string) {
	lt := t.ledger(l)
	lt.partitions = append(lt.partitions, maps.Clone(partition))
}

// SetEntry sets key to value in l's key-value map. It conflicts with a
// concurrent commit that set or deleted the same key.
func (t *Txn) SetEntry(l *Ledger, key string, value json.RawMessage) {
	lt := t.ledger(l)
	delete(lt.deletes, key)
	lt.sets[key] = slices.Clone(value)
}

// DeleteEntry deletes key from l's key-value map. It conflicts with a
// concurrent commit that set or deleted the same key.
func (t *Txn) DeleteEntry(l *Ledger, key string) {
	lt := t.ledger(l)
	delete(lt.sets, key)
	lt.deletes[key] = true
}

// Pending is a transaction's own uncommitted changes to one ledger, so that
// the SQL layer can read its own writes: visible cells are the snapshot's,
// minus Removes (all of them if Overwrite; those matching a partition of
// OverwritePartitions), plus Adds.
type Pending struct {
	Metadata            *Metadata
	Adds                []AddCell
	Removes             []RemoveCell
	Overwrite           bool
	OverwritePartitions []map[string]string
	// Entries are keys set; DeletedEntries keys deleted.
	Entries        map[string]json.RawMessage
	DeletedEntries map[string]bool
}

// Pending returns copies of the transaction's buffered changes to l.
func (t *Txn) Pending(l *Ledger) Pending {
	lt, ok := t.ledgers[l.prefix]
	if !ok {
		return Pending{Entries: map[string]json.RawMessage{}, DeletedEntries: map[string]bool{}}
	}
	return lt.pending()
}

// pending returns copies of lt's buffered changes.
func (lt *ledgerTxn) pending() Pending {
	var md *Metadata
	if lt.md != nil {
		c := *lt.md
		md = &c
	}
	parts := make([]map[string]string, len(lt.partitions))
	for i, p := range lt.partitions {
		parts[i] = maps.Clone(p)
	}
	return Pending{
		Metadata: md, Adds: slices.Clone(lt.adds), Removes: slices.Clone(lt.removes),
		Overwrite: lt.overwrite, OverwritePartitions: parts,
		Entries: maps.Clone(lt.sets), DeletedEntries: maps.Clone(lt.deletes),
	}
}

// Abort ends the transaction without committing. Cells it wrote stay as
// orphans for garbage collection. Abort after Commit does nothing.
func (t *Txn) Abort() { t.done = true }

// partitionMatches reports whether a cell's partition values include every
// key and value of scope.
func partitionMatches(cell, scope map[string]string) bool {
	for k, v := range scope {
		if cv, ok := cell[k]; !ok || cv != v {
			return false
		}
	}
	return true
}

// Mark is a point in a transaction's writes that RollbackTo returns to: SQL
// savepoints.
type Mark struct {
	ledgers map[string]Pending // by prefix; copies of the writes so far
}

// Mark records the transaction's writes so far.
func (t *Txn) Mark() Mark {
	m := Mark{ledgers: make(map[string]Pending, len(t.ledgers))}
	for prefix, lt := range t.ledgers {
		m.ledgers[prefix] = lt.pending()
	}
	return m
}

// RollbackTo takes back every write made since m, in every ledger; what the
// transaction read (its pinned snapshots, the keys it depends on) stays, as
// reads are not undone. Cells written since m become orphans, as those of an
// aborted transaction do.
func (t *Txn) RollbackTo(m Mark) {
	for prefix, lt := range t.ledgers {
		// A ledger first written after m restores to no writes (the zero
		// Pending).
		lt.restore(m.ledgers[prefix])
	}
}

// restore replaces lt's writes by copies of w's, so that w stays as it is
// for a later RollbackTo.
func (lt *ledgerTxn) restore(w Pending) {
	lt.md = w.Metadata // SetMetadata replaces it, never changes it in place
	lt.adds = slices.Clone(w.Adds)
	lt.removes = slices.Clone(w.Removes)
	lt.removed = make(map[string]bool, len(w.Removes))
	for _, r := range w.Removes {
		lt.removed[r.Path] = true
	}
	lt.overwrite = w.Overwrite
	lt.partitions = slices.Clone(w.OverwritePartitions) // its maps are never changed
	lt.sets = make(map[string]json.RawMessage, len(w.Entries))
	maps.Copy(lt.sets, w.Entries)
	lt.deletes = make(map[string]bool, len(w.DeletedEntries))
	maps.Copy(lt.deletes, w.DeletedEntries)
}

// Writes reports whether the transaction has written anything yet: its
// pending state is then visible only to itself.
func (t *Txn) Writes() bool { return t.writesAny() }
