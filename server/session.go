package server

import (
	"context"
	"net"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
)

// StartupInfo is what a client said about itself in its StartupMessage.
type StartupInfo struct {
	User     string
	Database string // the user name when the client sent none, as in PostgreSQL
	// ApplicationName is the application_name parameter ("" if absent).
	ApplicationName string
	// Params holds every startup parameter other than user and database,
	// including the "-c name=value" and "--name=value" settings of the
	// options parameter, keyed by lower-case name (timezone, datestyle,
	// search_path, extra_float_digits, ...). The session applies the ones it
	// understands.
	Params     map[string]string
	RemoteAddr net.Addr
}

// SessionFactory starts a session for each connection once it has
// authenticated. An error with a sqlerr code (3D000 for an unknown
// database, say) is reported to the client as FATAL with that code.
type SessionFactory interface {
	NewSession(ctx context.Context, info StartupInfo) (Session, error)
}

// Session is one connection's conversation with the engine. The server calls
// it from one goroutine at a time.
type Session interface {
	// ExecSimple runs a simple-protocol query string, which may hold several
	// statements. It calls emit with each statement's Result in order, before
	// running the next statement, and stops at the first error, returning it
	// after emitting the results before it. When emit returns an error (the
	// client went away) ExecSimple stops and returns that error. ctx is
	// cancelled when the client cancels the query or the server shuts down.
	ExecSimple(ctx context.Context, sql string, emit func(exec.Result) error) error
	// TxStatus returns 'I' (idle), 'T' (in a transaction block) or 'E' (in
	// a failed transaction block), as ReadyForQuery reports it.
	TxStatus() byte
	// Close releases the session, aborting any open transaction.
	Close()
}

// ParameterReporter is optionally implemented by a Session whose settings
// the client may change with SET. After every statement tagged SET or RESET,
// and once at startup, the server asks it for each parameter PostgreSQL
// reports to clients (TimeZone, application_name, DateStyle, ...) and sends
// a ParameterStatus for every value that changed; ok = false leaves the
// server's own value in place.
type ParameterReporter interface {
	Parameter(name string) (value string, ok bool)
}

// Locator is optionally implemented by a Session to give the time zone
// timestamptz values are printed in. Without it the server uses the
// reported TimeZone parameter.
type Locator interface {
	Location() *time.Location
}

// PIDSetter is optionally implemented by a Session that reports its
// backend process id (pg_backend_pid(), pg_stat_activity): the server gives
// it the PID of its BackendKeyData.
type PIDSetter interface {
	SetBackendPID(pid int32)
}

// Terminator is optionally implemented by a Session that other sessions
// may end (pg_terminate_backend): the server gives it a function, safe to
// call from any goroutine, that cancels the connection's running query and
// closes the connection with FATAL 57P01 before its next command, as an
// administrator's command does.
type Terminator interface {
	SetTerminate(terminate func())
}

// TextFormatter is optionally implemented by a Session whose settings
// change how values print (extra_float_digits, bytea_output, TimeZone).
type TextFormatter interface {
	TextFormat() vec.TextFormat
}

// ExtendedSession is optionally implemented by a Session that serves the
// extended query protocol. Prepared statements live in the session, so that
// SQL DEALLOCATE and DISCARD ALL reach them.
type ExtendedSession interface {
	// Prepare parses and describes sql under name ("" is the unnamed
	// statement, replaced silently; an existing named one is 42P05).
	// paramOIDs are the client's declarations; 0 asks for inference.
	Prepare(ctx context.Context, name, sql string, paramOIDs []uint32) (*exec.Prepared, error)
	Statement(name string) (*exec.Prepared, bool)
	CloseStatement(name string)
	// Bind checks parameter values in text form (nil is NULL) against
	// the statement's types.
	Bind(p *exec.Prepared, values [][]byte) (*exec.Bound, error)
	// ExecBound runs a bound statement.
	ExecBound(ctx context.Context, b *exec.Bound) (exec.Result, error)
	// StatementFailed tells the session that a statement failed after
	// ExecBound returned (while its rows were sent), so that an open
	// transaction block is marked failed.
	StatementFailed()
}
