package exec

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// COPY between the engine and a client's data stream.
//
// A COPY statement that moves data over the connection does not finish when
// ExecSimple emits its Result: the Result carries a CopyIn or a CopyOut, and
// the caller of emit (the wire server) runs it with the client's stream
// before emit returns. Running it inside emit keeps the statement in its
// place in the query string: it sees the transaction the statements before it
// opened, and the statements after it run only once it is done, exactly as
// PostgreSQL processes "COPY t FROM STDIN; SELECT 1".
//
// The engine owns everything about the data itself — parsing text and CSV,
// types, NOT NULL, cells and the commit; the server owns only the protocol
// messages (CopyInResponse, CopyData, CopyDone, CopyFail, CopyOutResponse).

// CopyIn is a COPY ... FROM STDIN waiting for its data.
type CopyIn struct {
	// Columns is the number of columns each row carries, for the
	// CopyInResponse's per-column format codes.
	Columns int
	// Binary marks COPY ... FROM STDIN (FORMAT binary): the
	// CopyInResponse announces format 1.
	Binary bool
	// Run loads the rows read from data and returns the complete command
	// tag ("COPY 42"). data yields the bytes of the client's CopyData
	// messages in order and io.EOF at CopyDone; a CopyFail or a lost
	// connection is an error from Read, which Run returns (wrapped with %w,
	// so the caller can still recognise its own errors). Run reads data to
	// EOF unless it fails; after a failure the caller discards the rest of
	// the stream itself. loc is the session time zone for timestamptz input
	// without an explicit offset (nil means UTC).
	//
	// The caller must call Run exactly once, before emit returns. Nothing
	// of a COPY that fails becomes visible.
	Run func(ctx context.Context, data io.Reader, loc *time.Location) (tag string, err error)
}

// CopyOut is a COPY ... TO STDOUT whose rows are ready to stream.
type CopyOut struct {
	// Columns is the number of columns of each row, for the
	// CopyOutResponse's per-column format codes.
	Columns int
	// Run encodes every row and hands it to row, one call per data row
	// (header included), each ending in a newline: the caller sends one
	// CopyData message per call, as PostgreSQL does, so clients that parse
	// row by row (psycopg's Copy.rows) work. The slice is reused after row
	// returns. An error from row stops Run and is returned. loc is the zone
	// timestamptz values are printed in (nil means UTC). It returns the
	// complete command tag ("COPY 42").
	//
	// The caller must call Run exactly once, before emit returns: it also
	// releases the query's resources.
	//
	// In a binary format (Binary set) the pieces handed to row need not
	// be rows or end in a newline: FORMAT arrow cuts its IPC stream into
	// pieces of at most 64 KiB anywhere. Each is still one CopyData
	// message.
	Run func(ctx context.Context, loc *time.Location, row func([]byte) error) (tag string, err error)
	// Binary marks a stream in a binary format (FORMAT arrow or binary): the
	// CopyOutResponse must announce format 1 overall and for every column.
	Binary bool
}

// copyTag is the command tag of a COPY that moved n rows.
func copyTag(n int64) string { return fmt.Sprintf("COPY %d", n) }

// guardRun turns a panic inside a COPY's Run into an internal error, as
// execOne does for statements: Run executes after execOne has returned, so
// its guard does not cover it.
func (s *Session) guardRun(what string, err *error) {
	if r := recover(); r != nil {
		s.eng.log.Error("panic while running COPY", "statement", what, "panic", r, "stack", string(debug.Stack()))
		*err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
	}
}

// location returns the session time zone (TimeZone).
func (s *Session) location() *time.Location { return s.Location() }

// copyStatement runs a COPY statement.
func (s *Session) copyStatement(ctx context.Context, sql string) (Result, error) {
	st, err := parseCopy(sql)
	if err != nil {
		return Result{}, err
	}
	switch {
	case !st.from:
		return s.copyTo(ctx, st)
	case st.source == "":
		return s.copyFromStdin(ctx, st)
	}
	return s.copyFromURL(ctx, st)
}
