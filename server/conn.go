package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/sqlerr"
)

// flushThreshold is how much output is buffered before it is written while
// rows stream; small enough to bound memory per connection, large enough to
// make syscalls rare.
const flushThreshold = 64 << 10

// conn is one client connection. Its goroutine owns every field without a
// guard comment.
type conn struct {
	srv    *Server
	nc     net.Conn
	be     *pgproto3.Backend
	log    *slog.Logger
	pid    uint32
	secret [4]byte

	sess   Session
	info   StartupInfo
	loc    *time.Location    // session time zone for timestamptz output
	params map[string]string // ParameterStatus values last sent
	wbuf   []byte            // pending output, reused across messages
	// skipToSync is set after an error in the extended protocol: messages
	// are discarded until Sync.
	skipToSync bool
	// portals are the extended protocol's bound statements, by name
	// (conn_extended.go).
	portals map[string]*portal

	mu           sync.Mutex
	cancelQ      context.CancelFunc // the running query's; guarded by mu
	shuttingDown bool               // guarded by mu
	reading      bool               // waiting for the next message; guarded by mu
}

// writeError marks failures to write to the client, after which the
// connection is useless: the caller stops instead of reporting to the
// client.
type writeError struct{ err error }

func (e *writeError) Error() string { return "write to client: " + e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

// serveConn runs one connection from its first byte to its close.
func (s *Server) serveConn(ctx context.Context, nc net.Conn) {
	c := &conn{srv: s, nc: nc, log: s.log.With("remote", nc.RemoteAddr().String()), loc: time.UTC}
	defer nc.Close()
	defer func() {
		// Nothing a client sends may take the server down: a bug here costs
		// this connection only.
		if r := recover(); r != nil {
			c.log.Error("server: panic in connection", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	ok, err := c.startup(ctx)
	defer s.observeStart(ok, err)()
	if err != nil {
		c.logEnd(err)
		return
	}
	if !ok {
		return
	}
	defer func() {
		s.unregister(c)
		s.active.Add(-1)
		c.closeSession()
	}()
	c.logEnd(c.loop(ctx))
}

func (c *conn) closeSession() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic closing session", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	c.sess.Close()
}

func (c *conn) logEnd(err error) {
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
		c.log.Debug("server: connection closed", "pid", c.pid)
		return
	}
	c.log.Info("server: connection ended", "pid", c.pid, "err", err)
}

// loop reads and handles messages until the client leaves, a fatal error
// or shutdown.
func (c *conn) loop(ctx context.Context) error {
	for {
		msg, err := c.receive()
		if err != nil {
			return c.receiveFailed(err)
		}
		if err := c.handle(ctx, msg); err != nil {
			if errors.Is(err, errTerminate) {
				return nil
			}
			return err
		}
	}
}

var errTerminate = errors.New("client sent Terminate")

// handle dispatches one message to its method.
func (c *conn) handle(ctx context.Context, msg pgproto3.FrontendMessage) error {
	switch m := msg.(type) {
	case *pgproto3.Query:
		return c.handleQuery(ctx, m)
	case *pgproto3.Parse:
		return c.handleParse(ctx, m)
	case *pgproto3.Bind:
		return c.handleBind(m)
	case *pgproto3.Describe:
		return c.handleDescribe(m)
	case *pgproto3.Execute:
		return c.handleExecute(ctx, m)
	case *pgproto3.Close:
		return c.handleClose(m)
	case *pgproto3.Sync:
		return c.handleSync()
	case *pgproto3.Flush:
		return c.flush()
	case *pgproto3.FunctionCall:
		return c.handleFunctionCall()
	case *pgproto3.CopyData, *pgproto3.CopyDone, *pgproto3.CopyFail:
		// Outside COPY these are ignored, as the protocol says and
		// PostgreSQL does: they can arrive after a COPY that failed.
		return nil
	case *pgproto3.Terminate:
		return errTerminate
	}
	return c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "unexpected message type %T", msg))
}

// receive waits for the next message, honouring the idle timeouts and
// shutdown.
func (c *conn) receive() (pgproto3.FrontendMessage, error) {
	if err := c.flush(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.shuttingDown {
		c.mu.Unlock()
		return nil, errShuttingDown
	}
	_ = c.nc.SetReadDeadline(c.idleDeadline())
	c.reading = true
	c.mu.Unlock()

	msg, err := c.be.Receive()

	c.mu.Lock()
	c.reading = false
	shuttingDown := c.shuttingDown
	if err == nil && shuttingDown {
		// The shutdown's wake-up came just after a message arrived: that
		// message is served in full (a COPY goes on reading its data), so
		// its read deadline is taken back; the next receive ends the
		// connection.
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	c.mu.Unlock()
	if err != nil && shuttingDown {
		return nil, errShuttingDown
	}
	return msg, err
}

// receiveFailed reports why reading stopped, to the client when it can
// still listen.
func (c *conn) receiveFailed(err error) error {
	var tooLong *pgproto3.ExceededMaxBodyLenErr
	switch {
	case errors.Is(err, errShuttingDown):
		return c.fatal(sqlerr.New(sqlerr.AdminShutdown, "terminating connection due to administrator command"))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return c.fatal(c.idleTimeoutError())
	case errors.As(err, &tooLong):
		return c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "invalid message length").
			WithDetail("The message is %d bytes; the limit is %d.", tooLong.ActualBodyLen, tooLong.MaxExpectedBodyLen))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	// Anything else is a message pgproto3 could not decode.
	return c.fatal(sqlerr.Wrap(err, sqlerr.ProtocolViolation, "invalid frontend message: %v", err))
}

// beginShutdown asks the connection to end after its current query; an idle
// connection ends at once.
func (c *conn) beginShutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shuttingDown = true
	if c.reading {
		// Wakes the blocked Receive; receive then reports the shutdown.
		_ = c.nc.SetReadDeadline(time.Now())
	}
}

// terminate ends the connection on another session's behalf
// (pg_terminate_backend): the running query is cancelled and the
// connection closes with FATAL 57P01 before its next command. Safe from
// any goroutine.
func (c *conn) terminate() {
	c.beginShutdown()
	c.cancelQuery()
}

// startQuery derives the context of one query, which CancelRequest and
// shutdown can cancel.
func (c *conn) startQuery(ctx context.Context) (context.Context, func()) {
	qctx, cancel := context.WithCancel(ctx)
	c.mu.Lock()
	c.cancelQ = cancel
	c.mu.Unlock()
	return qctx, func() {
		c.mu.Lock()
		c.cancelQ = nil
		c.mu.Unlock()
		cancel()
	}
}

// cancelQuery cancels the running query, if any. Safe from any goroutine.
func (c *conn) cancelQuery() {
	c.mu.Lock()
	cancel := c.cancelQ
	c.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// send appends msg to the output buffer.
func (c *conn) send(msg pgproto3.BackendMessage) error {
	b, err := msg.Encode(c.wbuf)
	if err != nil {
		return fmt.Errorf("server: encode %T: %w", msg, err)
	}
	c.wbuf = b
	return nil
}

// flush writes the output buffer to the client.
func (c *conn) flush() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	if err != nil {
		return &writeError{err}
	}
	return nil
}

// maybeFlush writes the buffer once it is large, while rows stream.
func (c *conn) maybeFlush() error {
	if len(c.wbuf) >= flushThreshold {
		return c.flush()
	}
	return nil
}

// errorResponse turns any error into PostgreSQL's ErrorResponse fields.
func errorResponse(err error, severity string) *pgproto3.ErrorResponse {
	f := sqlerr.Flatten(err)
	return &pgproto3.ErrorResponse{
		Severity:            severity,
		SeverityUnlocalized: severity,
		Code:                string(f.Code),
		Message:             f.Message,
		Detail:              f.Detail,
		Hint:                f.Hint,
		Position:            int32(f.Position),
	}
}

// sendError queues an ERROR for err. Errors without a code are bugs by
// definition (XX000); they are logged in full because the client sees only
// the message.
func (c *conn) sendError(err error) error {
	if sqlerr.CodeOf(err) == sqlerr.InternalError {
		c.log.Error("server: internal error", "pid", c.pid, "err", err)
	}
	return c.send(errorResponse(err, "ERROR"))
}

// fatal sends a FATAL error and returns an error that ends the connection.
func (c *conn) fatal(err error) error {
	if c.send(errorResponse(err, "FATAL")) == nil {
		_ = c.flush()
	}
	return fmt.Errorf("server: fatal: %w", err)
}

// readyForQuery queues ReadyForQuery with the session's transaction status.
func (c *conn) readyForQuery() error {
	status := byte('I')
	if c.sess != nil {
		// Settings change with SET, but also with COMMIT, ROLLBACK (TO),
		// set_config() and DISCARD: report what changed whatever did it.
		c.refreshParams(false)
		status = c.txStatus()
	}
	return c.send(&pgproto3.ReadyForQuery{TxStatus: status})
}

func (c *conn) txStatus() (status byte) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic in TxStatus", "panic", r, "stack", string(debug.Stack()))
			status = 'E'
		}
	}()
	switch s := c.sess.TxStatus(); s {
	case 'I', 'T', 'E':
		return s
	}
	return 'I'
}

// appendInt32 and putInt32 build DataRows by hand (see conn_simple.go).
func appendInt32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

func putInt32(b []byte, v int32) { binary.BigEndian.PutUint32(b, uint32(v)) }
