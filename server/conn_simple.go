package server

import (
	"context"
	"errors"
	"runtime/debug"
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
	if err := c.sendNotices(res.Notices); err != nil {
		return err
	}
	switch {
	case res.CopyIn != nil:
		return c.copyIn(ctx, res.CopyIn)
	case res.CopyOut != nil:
		return c.copyOut(ctx, res.CopyOut)
	}
	if res.Rows == nil {
		return c.commandComplete(res.Tag)
	}
	defer res.Rows.Close()
	cols := res.Rows.Columns()
	if err := c.send(rowDescription(cols, nil)); err != nil {
		return err
	}
	tf := c.textFormat()
	var rows int64
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
		if err := c.sendRows(b, tf, nil, 0, b.Len); err != nil {
			return err
		}
		rows += int64(b.Len)
	}
	return c.commandComplete(rowsTag(res.Tag, rows))
}

// sendNotices queues a NoticeResponse for each notice; the session has
// already filtered them by client_min_messages.
func (c *conn) sendNotices(notices []exec.Notice) error {
	for _, n := range notices {
		msg := &pgproto3.NoticeResponse{
			Severity:            n.Severity,
			SeverityUnlocalized: n.Severity,
			Code:                string(n.Code),
			Message:             n.Message,
			Detail:              n.Detail,
			Hint:                n.Hint,
		}
		if err := c.send(msg); err != nil {
			return err
		}
	}
	return nil
}

// commandComplete ends a statement. Changed settings are reported before
// the next ReadyForQuery (readyForQuery), as PostgreSQL does.
func (c *conn) commandComplete(tag string) error {
	if err := c.send(&pgproto3.CommandComplete{CommandTag: []byte(tag)}); err != nil {
		return err
	}
	return c.maybeFlush()
}

// textFormat is how the session prints values: its time zone,
// extra_float_digits and bytea_output.
func (c *conn) textFormat() vec.TextFormat {
	if f, ok := c.sess.(TextFormatter); ok {
		return f.TextFormat()
	}
	return vec.TextFormat{Loc: c.location()}
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
// lengths, modifiers and formats (nil: all text), and for columns read
// straight from a frame its pg_class OID and column number.
func rowDescription(cols []exec.Column, formats []int16) *pgproto3.RowDescription {
	fields := make([]pgproto3.FieldDescription, len(cols))
	for i, col := range cols {
		fields[i] = pgproto3.FieldDescription{
			Name:         []byte(col.Name),
			DataTypeOID:  col.Type.OID(),
			DataTypeSize: col.Type.TypeLen(),
			TypeModifier: col.Type.TypeMod(),
			// pgJDBC looks up nullability and base columns by these.
			TableOID:             col.TableOID,
			TableAttributeNumber: uint16(col.AttNum),
		}
		if formats != nil {
			fields[i].Format = formats[i]
		}
	}
	return &pgproto3.RowDescription{Fields: fields}
}

// sendRows writes one DataRow per live row from..to-1 of b straight into
// the output buffer, each column in its format (nil: all text): the value
// is appended in place and its length patched afterwards, so no value is
// allocated or copied twice.
func (c *conn) sendRows(b *vec.Batch, tf vec.TextFormat, formats []int16, from, to int) error {
	ncols := len(b.Cols)
	if ncols > 1<<15-1 {
		return sqlerr.New(sqlerr.ProgramLimitExceeded, "result has too many columns (%d)", ncols)
	}
	buf := c.wbuf
	for i := from; i < to; i++ {
		row := b.Row(i)
		start := len(buf)
		buf = append(buf, 'D', 0, 0, 0, 0, byte(ncols>>8), byte(ncols))
		for ci, col := range b.Cols {
			if col.Nulls.IsNull(row) {
				buf = appendInt32(buf, -1)
				continue
			}
			lenAt := len(buf)
			buf = append(buf, 0, 0, 0, 0)
			if formats != nil && formats[ci] == 1 {
				buf = vec.AppendBinary(buf, col, row)
			} else {
				buf = vec.AppendTextFormat(buf, col, row, tf)
			}
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
