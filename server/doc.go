// Package server speaks the PostgreSQL wire protocol (version 3.0, through
// github.com/jackc/pgx/v5/pgproto3): startup, authentication, the simple and
// extended query protocols, COPY and cancellation. Each connection gets a
// session from exec and streams its results to the client, encoding vec
// batches as DataRows.
//
// Imports: exec (and exec/vec), catalog, sqlerr, the standard library and
// pgproto3; never txn or objstore directly.
//
// # Shape
//
// The server depends on the small Session and SessionFactory interfaces
// defined here (session.go), not on exec's concrete types: exec implements
// them, tests use fakes. Optional abilities are separate interfaces found by
// type assertion: ExtendedSession (prepared statements for the extended
// protocol), ParameterReporter (changed settings become ParameterStatus
// messages before each ReadyForQuery), TextFormatter and Locator (how
// values print: time zone, extra_float_digits, bytea_output), PIDSetter
// (the backend PID pg_backend_pid() reports) and Terminator (through which
// pg_terminate_backend ends a connection). Authentication goes through Authenticator (auth.go:
// trust, cleartext password and SCRAM-SHA-256 through github.com/xdg-go/scram,
// auth_scram.go); TLS is in tls.go; docs/security.md describes both.
//
// One goroutine serves each connection (conn.go: the read loop, output
// buffering, errors). Each protocol phase has its file: conn_startup.go
// (SSLRequest answered with TLS when a certificate is configured,
// GSSENCRequest, CancelRequest, StartupMessage,
// NegotiateProtocolVersion, ParameterStatus, BackendKeyData),
// conn_simple.go (Query: RowDescription, DataRows written straight from vec
// batches, CommandComplete), conn_copy.go (the COPY sub-protocol) and
// conn_extended.go (Parse, Bind, Describe, Execute with row limits, Close,
// Sync). binary.go holds PostgreSQL's binary formats: results in binary
// for the columns a client asks, and binary parameters, which are turned
// into their text form for the engine.
//
// # Extended protocol
//
// Prepared statements live in the session (ExtendedSession, implemented by
// exec.Session), which parses and describes them at Parse, inferring the
// types of parameters sent as unknown; SQL DEALLOCATE reaches them there.
// Portals live in the connection: a portal is a result being streamed,
// possibly a few rows per Execute (PortalSuspended between), with a context
// of its own so that rows can still be pulled after the Execute that
// started it. Sync outside a transaction block ends every portal, as the
// implicit transaction ends; inside a block they live on until the block
// ends. After an error, messages are discarded until Sync.
//
// # COPY
//
// COPY statements reach the server as an exec.Result whose CopyIn or
// CopyOut is set; emitResult runs it on the spot, before ExecSimple moves
// on to the next statement of the query string, so "COPY t FROM STDIN;
// SELECT 1" behaves as in PostgreSQL. The engine owns the data (formats,
// types, cells, the commit) and exposes it as a Run function: CopyIn.Run
// reads an io.Reader whose bytes are the client's CopyData messages and
// whose EOF is CopyDone (CopyFail is an error, 57014); CopyOut.Run hands
// back one encoded row per call, which becomes one CopyData message. The
// server sends CopyInResponse/CopyOutResponse (text format, one code per
// column; binary for CopyOut.Binary, the Arrow IPC stream of COPY ... TO
// STDOUT (FORMAT arrow), whose pieces are not rows), CopyDone and
// CommandComplete with Run's tag. When a COPY FROM
// fails before the client has finished, the rest of the stream is read and
// discarded up to CopyDone or CopyFail, and only then is the error sent.
//
// # Usage
//
//	srv := server.New(server.Config{ListenAddr: "127.0.0.1:5432", Version: v}, factory)
//	err := srv.ListenAndServe(ctx) // returns after ctx ends and connections drain
//
// # Failure containment
//
// A panic in a session becomes an XX000 ErrorResponse and the connection
// lives on; a panic anywhere else in a connection ends that connection only.
// A malformed or oversized message ends its connection with FATAL 08P01.
package server
