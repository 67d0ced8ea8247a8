package server

import (
	"context"
	"errors"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// handleQuery runs a simple-protocol Query: each statement's results, an
// ErrorResponse if one failed, and always one ReadyForQuery.
func (c *conn) handleQuery(ctx context.Context, q *pgproto3.Query) error {
	// A Query ends any extended-protocol error state, as in PostgreSQL.
	c.skipToSync = false
	if isEmptyQuery(q.String) {
		// pgJDBC's isValid() sends "" and pgx's Ping "-- ping"; both expect
		// EmptyQueryResponse.
		if err := c.send(&pgproto3.EmptyQueryResponse{}); err != nil {
			return err
		}
		return c.readyForQuery()
	}
	qctx, done := c.startQuery(ctx)
	err := c.execSimple(qctx, q.String)
	done()
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return err
		}
		if err := c.sendError(c.queryError(qctx, err)); err != nil {
			return err
		}
	}
	return c.readyForQuery()
}

// queryError gives a cancelled query PostgreSQL's 57014 message even when
// the session wrapped the context error in one of its own.
func (c *conn) queryError(qctx context.Context, err error) error {
	if qctx.Err() != nil && sqlerr.CodeOf(err) == sqlerr.InternalError {
		return sqlerr.Wrap(err, sqlerr.QueryCanceled, "canceling statement due to user request")
	}
	return err
}

// execSimple calls the session, turning a panic into XX000: a bug in one
// statement must cost neither the server nor, usually, the connection.
func (c *conn) execSimple(ctx context.Context, sql string) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic while executing query", "panic", r, "query", sql, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
	return c.sess.ExecSimple(ctx, sql, func(res exec.Result) error { return c.emitResult(ctx, res) })
}

// emitResult sends one statement's result: RowDescription, DataRows and
// CommandComplete, or CommandComplete alone, or runs a COPY's data
// exchange (conn_copy.go).
func (c *conn) emitResult(ctx context.Context, res exec.Result) error {
	switch {
	case res.CopyIn != nil:
		return c.copyIn(ctx, res.CopyIn)
	case res.CopyOut != nil:
		return c.copyOut(ctx, res.CopyOut)
	}
	if res.Rows == nil {
		if err := c.send(&pgproto3.CommandComplete{CommandTag: []byte(res.Tag)}); err != nil {
			return err
		}
		if res.Tag == "SET" || res.Tag == "RESET" || strings.HasPrefix(res.Tag, "SET ") {
			c.refreshParams(false)
		}
		return c.maybeFlush()
	}
	defer res.Rows.Close()
	cols := res.Rows.Columns()
	if err := c.send(rowDescription(cols)); err != nil {
		return err
	}
	loc := c.location()
	rows := 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := res.Rows.Next(ctx)
		if err != nil {
			return err
		}
		if b == nil || b.Len == 0 {
			break
		}
		if len(b.Cols) != len(cols) {
			return sqlerr.New(sqlerr.InternalError, "internal error: batch has %d columns, result describes %d", len(b.Cols), len(cols))
		}
		if err := c.sendBatch(b, loc); err != nil {
			return err
		}
		rows += b.Len
	}
	tag := res.Tag
	switch tag {
	case "":
		tag = "SELECT " + strconv.Itoa(rows)
	case "SHOW":
		// PostgreSQL's SHOW tag carries no count.
	default:
		tag += " " + strconv.Itoa(rows)
	}
	if err := c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}); err != nil {
		return err
	}
	return c.maybeFlush()
}

// location is the zone timestamptz values are printed in.
func (c *conn) location() *time.Location {
	if l, ok := c.sess.(Locator); ok {
		if loc := l.Location(); loc != nil {
			return loc
		}
	}
	return c.loc
}

// rowDescription describes result columns with their real type OIDs,
// lengths and modifiers, all in text format. Table OID and column number are
// 0: pgJDBC would look nonzero ones up in pg_attribute.
func rowDescription(cols []exec.Column) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(col.Name),
			DataTypeOID:  col.Type.OID(),
			DataTypeSize: col.Type.TypeLen(),
			TypeModifier: col.Type.TypeMod(),
			Format:       0,
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// sendBatch writes one DataRow per live row of b straight into the output
// buffer: the text of each value is appended in place and the lengths are
// patched afterwards, so no value is allocated or copied twice.
func (c *conn) sendBatch(b *vec.Batch, loc *time.Location) error {
	ncols := len(b.Cols)
	if ncols > 1<<15-1 {
		return sqlerr.New(sqlerr.ProgramLimitExceeded, "result has too many columns (%d)", ncols)
	}
	buf := c.wbuf
	for i := 0; i < b.Len; i++ {
		row := b.Row(i)
		start := len(buf)
		buf = append(buf, 'D', 0, 0, 0, 0, byte(ncols>>8), byte(ncols))
		for _, col := range b.Cols {
			if col.Nulls.IsNull(row) {
				buf = appendInt32(buf, -1)
				continue
			}
			lenAt := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			buf = vec.AppendText(buf, col, row, loc)
			putInt32(buf[lenAt:], int32(len(buf)-lenAt-4))
		}
		if len(buf)-start-1 > 1<<30 {
			return sqlerr.New(sqlerr.ProgramLimitExceeded, "row %d is too large to send", i)
		}
		putInt32(buf[start+1:], int32(len(buf)-start-1))
		if len(buf) >= flushThreshold {
			c.wbuf = buf
			if err := c.flush(); err != nil {
				return err
			}
			buf = c.wbuf
		}
	}
	c.wbuf = buf
	return nil
}

// isEmptyQuery reports whether sql holds nothing but whitespace, comments
// and semicolons.
func isEmptyQuery(sql string) bool {
	s := sql
	for len(s) > 0 {
		switch {
		case s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' || s[0] == '\f' || s[0] == ';':
			s = s[1:]
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return true
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			// Block comments nest in PostgreSQL.
			depth, i := 1, 2
			for i < len(s) && depth > 0 {
				switch {
				case strings.HasPrefix(s[i:], "/*"):
					depth++
					i += 2
				case strings.HasPrefix(s[i:], "*/"):
					depth--
					i += 2
				default:
					i++
				}
			}
			if depth > 0 {
				return false // unterminated: let the parser report it
			}
			s = s[i:]
		default:
			return false
		}
	}
	return true
}
