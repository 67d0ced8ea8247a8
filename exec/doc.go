// Package exec plans and runs SQL statements: it binds parsed statements
// against the catalog, builds trees of vectorized operators over vec batches,
// and commits writes through txn. Sessions (exec.Session) are what the wire
// server drives: SQL text in, Results with streaming Rows out.
//
// Subpackages: vec (types, vectors, batches) and cell (Parquet cells).
//
// Imports: catalog, txn, objstore, exec/..., sqlerr; never server or swarm.
package exec
