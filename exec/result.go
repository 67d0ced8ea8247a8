package exec

import (
	"context"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Column describes one column of a result.
type Column struct {
	Name string
	Type vec.Type
	// TableOID and AttNum name the frame column a result column reads
	// unchanged (pg_class OID and pg_attribute attnum); 0 otherwise.
	TableOID uint32
	AttNum   int16
}

// Rows streams the rows of one result as batches.
//
// Next returns the next batch; a nil batch or one with Len 0 ends the stream
// for good. A batch stays valid until the next call to Next and belongs to
// Rows: callers copy what they keep. Close releases resources; it is
// idempotent and may be called before the stream ends.
type Rows interface {
	Columns() []Column
	Next(ctx context.Context) (*vec.Batch, error)
	Close()
}

// Result is the outcome of one statement.
type Result struct {
	// Tag is the PostgreSQL command tag without a row count for statements
	// that return rows ("SELECT"), and complete for others ("INSERT 0 3",
	// "CREATE TABLE"). For row-returning statements the server appends the
	// number of rows it sent.
	Tag string
	// Rows is nil for statements that return no rows.
	Rows Rows
	// CopyIn and CopyOut are set by COPY ... FROM STDIN and COPY ... TO
	// STDOUT, whose data travels over the connection: the receiver of the
	// Result runs them with the client's stream (see CopyIn, copy.go). Tag
	// is then only a placeholder; Run returns the real one.
	CopyIn  *CopyIn
	CopyOut *CopyOut
	// Notices are the messages the statement sends besides its result
	// (NoticeResponse), in order, already filtered by the session's
	// client_min_messages: the warning of a COMMIT outside a transaction
	// block, say. They go to the client before the command completes.
	Notices []Notice
}

// Notice is a NoticeResponse: a message that does not fail the statement.
type Notice struct {
	// Severity is PostgreSQL's: WARNING, NOTICE, INFO, LOG or DEBUG.
	Severity string
	Code     sqlerr.Code
	Message  string
	Detail   string // "" when none
	Hint     string // "" when none
}
