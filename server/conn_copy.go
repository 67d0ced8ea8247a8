package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The COPY sub-protocol. A statement's Result that carries a CopyIn or a
// CopyOut is run here, inside emit, so the statements after it in the same
// query string wait for it (exec/copy.go has the contract). The engine does
// the data; this file only moves protocol messages:
//
//	COPY ... FROM STDIN: CopyInResponse, then the client's CopyData...
//	  become the bytes of the reader handed to CopyIn.Run; CopyDone is
//	  EOF, CopyFail an error (57014 "COPY from stdin failed: ..."). Flush
//	  and Sync are ignored in copy-in mode, as the protocol says; any other
//	  message ends it with 08P01. When Run fails before the client is
//	  done, the rest of its data is read and discarded up to CopyDone or
//	  CopyFail before the error is reported, as PostgreSQL does.
//	COPY ... TO STDOUT: CopyOutResponse, one CopyData per row, CopyDone.
//	  FORMAT arrow announces binary (format 1 overall and per column) and
//	  sends the Arrow IPC stream in CopyData pieces of up to 64 KiB.
//
// Both end with CommandComplete "COPY n" from Run's tag.

// copyIn runs a COPY FROM STDIN.
func (c *conn) copyIn(ctx context.Context, ci *exec.CopyIn) error {
	resp := &pgproto3.CopyInResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, ci.Columns)}
	if ci.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	if err := c.send(resp); err != nil {
		return err
	}
	if err := c.flush(); err != nil {
		return err
	}
	r := &copyInReader{c: c, qctx: ctx}
	// A cancelled query must not stay blocked reading a client that has
	// stopped sending: the read deadline wakes the reader, which reports
	// the cancellation. pgproto3 keeps a partly read message across a
	// timeout, so reading can resume afterwards to drain the stream.
	woke := make(chan struct{})
	stopWake := context.AfterFunc(ctx, func() {
		defer close(woke)
		_ = c.nc.SetReadDeadline(time.Now())
	})
	tag, err := c.runCopyIn(ctx, ci, r)
	if !stopWake() {
		// The wake-up ran, or is running: let it finish, then take its
		// deadline back, so that it cannot fire later on a read of the
		// next message (where it would look like an idle timeout).
		<-woke
		_ = c.nc.SetReadDeadline(time.Time{})
	}
	if !r.ended && !r.broken {
		if derr := r.drain(); derr != nil {
			return derr
		}
	}
	if err != nil {
		return err
	}
	if err := c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}); err != nil {
		return err
	}
	return c.maybeFlush()
}

// runCopyIn calls Run, turning a panic into XX000 like execSimple does.
func (c *conn) runCopyIn(ctx context.Context, ci *exec.CopyIn, r io.Reader) (tag string, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("server: panic in COPY FROM STDIN", "panic", p, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", p)
		}
	}()
	return ci.Run(ctx, r, c.location())
}

// copyInReader is the client's COPY data as an io.Reader.
type copyInReader struct {
	c    *conn
	qctx context.Context // the query's: its cancellation wakes a blocked read once
	// woken: the read deadline set by the cancellation was consumed.
	woken    bool
	draining bool
	pending  []byte // rest of the current CopyData; aliases pgproto3's buffer
	ended    bool   // CopyDone, CopyFail or a foreign message ended copy-in mode
	broken   bool   // the connection failed: nothing more can be read
	err      error  // what Read returns once ended
}

func (r *copyInReader) Read(p []byte) (int, error) {
	for len(r.pending) == 0 {
		if r.ended || r.broken {
			return 0, r.err
		}
		msg, err := r.receive()
		if err != nil {
			if !r.woken && r.qctx.Err() != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				// Woken by the cancellation, not by the client: the
				// connection is fine and the stream can still be drained.
				r.woken = true
				_ = r.c.nc.SetReadDeadline(time.Time{})
				if r.draining {
					continue
				}
				return 0, r.qctx.Err()
			}
			r.broken = true
			// A connection that fails mid-COPY is as dead as one that fails
			// a write: the caller stops without reporting to the client.
			r.err = &writeError{fmt.Errorf("read COPY data: %w", err)}
			return 0, r.err
		}
		switch m := msg.(type) {
		case *pgproto3.CopyData:
			r.pending = m.Data
		case *pgproto3.CopyDone:
			r.ended, r.err = true, io.EOF
		case *pgproto3.CopyFail:
			r.ended = true
			r.err = sqlerr.New(sqlerr.QueryCanceled, "COPY from stdin failed: %s", m.Message)
		case *pgproto3.Flush, *pgproto3.Sync:
		default:
			r.ended = true
			r.err = sqlerr.New(sqlerr.ProtocolViolation, "unexpected message type 0x%02X during COPY from stdin", messageType(msg))
		}
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

// receive reads the next message of the copy stream, allowing the idle
// timeout between messages like the main loop does.
func (r *copyInReader) receive() (pgproto3.FrontendMessage, error) {
	if d := r.c.srv.cfg.IdleTimeout; d > 0 && (r.draining || r.qctx.Err() == nil) {
		_ = r.c.nc.SetReadDeadline(time.Now().Add(d))
	}
	return r.c.be.Receive()
}

// drain reads and discards the rest of a copy stream after Run stopped
// early. It fails only when the connection does, or when a shutdown
// cancelled the query and the client keeps the stream open.
func (r *copyInReader) drain() error {
	r.draining = true
	buf := make([]byte, 32<<10)
	for {
		r.pending = nil
		_, err := r.Read(buf)
		if r.broken {
			return r.err
		}
		if r.ended || err != nil {
			return nil
		}
		r.c.mu.Lock()
		stop := r.c.shuttingDown
		r.c.mu.Unlock()
		if stop {
			r.broken = true
			return &writeError{errors.New("shutdown while draining COPY data")}
		}
	}
}

// messageType is the type byte of a frontend message, for errors.
func messageType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// copyOut runs a COPY TO STDOUT.
func (c *conn) copyOut(ctx context.Context, co *exec.CopyOut) error {
	resp := &pgproto3.CopyOutResponse{OverallFormat: 0, ColumnFormatCodes: make([]uint16, co.Columns)}
	if co.Binary {
		resp.OverallFormat = 1
		for i := range resp.ColumnFormatCodes {
			resp.ColumnFormatCodes[i] = 1
		}
	}
	if err := c.send(resp); err != nil {
		return err
	}
	tag, err := c.runCopyOut(ctx, co)
	if err != nil {
		return err
	}
	if err := c.send(&pgproto3.CopyDone{}); err != nil {
		return err
	}
	if err := c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}); err != nil {
		return err
	}
	return c.maybeFlush()
}

func (c *conn) runCopyOut(ctx context.Context, co *exec.CopyOut) (tag string, err error) {
	defer func() {
		if p := recover(); p != nil {
			c.log.Error("server: panic in COPY TO STDOUT", "panic", p, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", p)
		}
	}()
	return co.Run(ctx, c.location(), func(row []byte) error {
		// A CopyData message is written straight into the output buffer:
		// 'd', the length, the row.
		if len(row) > 1<<30 {
			return sqlerr.New(sqlerr.ProgramLimitExceeded, "row is too large to send (%d bytes)", len(row))
		}
		c.wbuf = append(c.wbuf, 'd')
		c.wbuf = appendInt32(c.wbuf, int32(len(row)+4))
		c.wbuf = append(c.wbuf, row...)
		return c.maybeFlush()
	})
}
