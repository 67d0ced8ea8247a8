// Package txn owns Apiary's ledgers and transactions: the numbered commit
// objects that make every change to a frame (and to the catalog) atomic, the
// replay of those commits into snapshots, checkpoints, optimistic concurrency
// with conflict detection, and atomic transactions across several ledgers.
//
// The on-storage format and the commit protocol are described in
// docs/storage.md.
//
// Imports: objstore and the standard library only. txn knows nothing of SQL:
// schemas are carried as strings, statistics as JSON values, and errors are
// typed (ErrConflict and friends) rather than SQLSTATEs.
package txn
