// Package server speaks the PostgreSQL wire protocol (version 3.0, through
// github.com/jackc/pgx/v5/pgproto3): startup, authentication, the simple and
// extended query protocols, COPY and cancellation. Each connection gets a
// session from exec and streams its results to the client, encoding vec
// batches as DataRows.
//
// Imports: exec (and exec/vec), catalog, sqlerr, the standard library and
// pgproto3; never txn or objstore directly.
package server
