// Package txn owns Apiary's ledgers and transactions: the numbered commit
// objects that make every change to a frame (and to the catalog) atomic, the
// replay of those commits into snapshots, checkpoints, optimistic concurrency
// with conflict detection, and atomic transactions across several ledgers.
//
// The on-storage format and the commit protocol are described in
// docs/storage.md.
//
// Main types: a Manager (one per process and store) hands out Ledgers (one
// per storage prefix, caching the latest Snapshot) and Txns. A Txn pins one
// Snapshot per ledger at its first Read, buffers writes, and commits them
// all or none; it ends with Commit or Abort and is not safe for concurrent
// use. Managers, Ledgers and Snapshots are safe for concurrent use;
// Snapshots are immutable.
//
// Usage:
//
//	m := txn.NewManager(store, txn.Options{Node: "n1"})
//	frame := m.Ledger("frames/" + frameID + "/")
//	t := m.Begin("INSERT")
//	snap, err := t.Read(ctx, frame) // pinned snapshot: snap.Cells, snap.Metadata
//	...write cells under "frames/<id>/data/" first, then:
//	t.AddCells(frame, txn.AddCell{Path: "data/" + uuid + ".parquet", Rows: n, DataChange: true})
//	versions, err := t.Commit(ctx)
//	if errors.Is(err, txn.ErrConflict) { /* SQLSTATE 40001: run the transaction again */ }
//
// Errors are the sentinels of errors.go, wrapped with context; test them
// with errors.Is and errors.As.
//
// Imports: objstore and the standard library (plus google/uuid) only. txn
// knows nothing of SQL: schemas are carried as strings, statistics as JSON
// values, and errors are typed (ErrConflict and friends) rather than
// SQLSTATEs. replay.go in particular takes no context and no store.
package txn
