// Package catalog owns Apiary's namespace — hives (databases), boxes
// (schemas) and frames (tables) — kept in object storage as a ledger of its
// own so every node sees the same names, plus the emulation of PostgreSQL's
// pg_catalog and information_schema built from it.
//
// Imports: txn, objstore, exec/vec (types), sqlerr; never exec or server.
package catalog
