package server

import (
	"context"
	"errors"
	"runtime/debug"
	"strconv"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The extended query protocol: Parse, Bind, Describe, Execute, Close, Flush
// and Sync. Prepared statements live in the session (exec keeps them, so
// SQL DEALLOCATE and DISCARD ALL see them); portals live here, because a
// portal is a result being streamed to this client, possibly a few rows per
// Execute.
//
// The protocol's discipline, which drivers depend on to the letter:
// ReadyForQuery only after Sync (or a simple Query); after an error every
// message up to Sync is discarded; Describe of a statement always sends
// ParameterDescription and then RowDescription or NoData; Execute never
// sends RowDescription; an Execute with a row limit that leaves rows
// behind ends with PortalSuspended, and the next Execute continues.

// portal is a bound statement and, once executed, its result in flight.
type portal struct {
	stmt    *exec.Prepared
	bound   *exec.Bound
	formats []int16 // result format of each column

	started bool
	done    bool   // ran to completion: a further Execute returns no rows
	tag     string // CommandComplete tag once done
	res     exec.Result
	// batch and next are the rows of the current batch not yet sent.
	batch *vec.Batch
	next  int

	ctx    context.Context // lives as long as the portal: its rows stream over several Executes
	cancel context.CancelFunc
}

func (p *portal) close() {
	if p.res.Rows != nil {
		p.res.Rows.Close()
		p.res.Rows = nil
	}
	if p.cancel != nil {
		p.cancel()
	}
}

func (c *conn) extended() (ExtendedSession, bool) {
	es, ok := c.sess.(ExtendedSession)
	return es, ok
}

// extendedError reports err and discards messages until Sync. As in
// PostgreSQL, any error inside a transaction block (a Parse or Bind that
// fails too) fails the block.
func (c *conn) extendedError(err error) error {
	var we *writeError
	if errors.As(err, &we) {
		return err
	}
	c.skipToSync = true
	if es, ok := c.extended(); ok {
		es.StatementFailed()
	}
	return c.sendError(err)
}

func errExtendedUnsupported() error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "extended protocol not supported by this session").
		WithHint("Use the simple query protocol.")
}

// guard runs fn, turning a panic into XX000: a bug in one statement must
// not cost the connection.
func (c *conn) guard(what string, fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic in "+what, "panic", r, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
	return fn()
}

func (c *conn) handleParse(ctx context.Context, m *pgproto3.Parse) error {
	if c.skipToSync {
		return nil
	}
	es, ok := c.extended()
	if !ok {
		return c.extendedError(errExtendedUnsupported())
	}
	err := c.guard("Parse", func() error {
		_, err := es.Prepare(ctx, m.Name, m.Query, m.ParameterOIDs)
		return err
	})
	if err != nil {
		return c.extendedError(err)
	}
	return c.send(&pgproto3.ParseComplete{})
}

func (c *conn) handleBind(m *pgproto3.Bind) error {
	if c.skipToSync {
		return nil
	}
	es, ok := c.extended()
	if !ok {
		return c.extendedError(errExtendedUnsupported())
	}
	stmt, ok := es.Statement(m.PreparedStatement)
	if !ok {
		return c.extendedError(unknownStatement(m.PreparedStatement))
	}
	if m.DestinationPortal != "" {
		if _, exists := c.portals[m.DestinationPortal]; exists {
			return c.extendedError(sqlerr.New(sqlerr.DuplicateCursor, "portal %q already exists", m.DestinationPortal))
		}
	}
	values, err := bindValues(stmt, m)
	if err != nil {
		return c.extendedError(err)
	}
	formats, err := resultFormats(stmt.Columns, m.ResultFormatCodes)
	if err != nil {
		return c.extendedError(err)
	}
	var bound *exec.Bound
	err = c.guard("Bind", func() error {
		bound, err = es.Bind(stmt, values)
		return err
	})
	if err != nil {
		return c.extendedError(err)
	}
	c.closePortal(m.DestinationPortal)
	if c.portals == nil {
		c.portals = make(map[string]*portal)
	}
	c.portals[m.DestinationPortal] = &portal{stmt: stmt, bound: bound, formats: formats}
	return c.send(&pgproto3.BindComplete{})
}

func unknownStatement(name string) error {
	if name == "" {
		return sqlerr.New(sqlerr.InvalidSQLStatementName, "unnamed prepared statement does not exist")
	}
	return sqlerr.New(sqlerr.InvalidSQLStatementName, "prepared statement %q does not exist", name)
}

func unknownPortal(name string) error {
	return sqlerr.New(sqlerr.InvalidCursorName, "portal %q does not exist", name)
}

// bindValues checks Bind's parameters against the statement and turns
// binary ones into text.
func bindValues(stmt *exec.Prepared, m *pgproto3.Bind) ([][]byte, error) {
	n := len(stmt.ParamOIDs)
	if len(m.Parameters) != n {
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "bind message supplies %d parameters, but prepared statement requires %d", len(m.Parameters), n)
	}
	switch len(m.ParameterFormatCodes) {
	case 0, 1, n:
	default:
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "bind message has %d parameter formats but %d parameters", len(m.ParameterFormatCodes), n)
	}
	values := make([][]byte, n)
	for i, v := range m.Parameters {
		if v == nil {
			continue
		}
		switch format := formatCode(m.ParameterFormatCodes, i); format {
		case 0:
			values[i] = v
		case 1:
			t, err := binaryParamText(stmt.ParamOIDs[i], v)
			if err != nil {
				return nil, sqlerr.Wrap(err, sqlerr.CodeOf(err), "%s (parameter $%d)", sqlerr.Flatten(err).Message, i+1)
			}
			values[i] = t
		default:
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", format)
		}
	}
	return values, nil
}

// formatCode is value i's format under a message's format codes, whose
// count the caller has checked: none means all text, one applies to every
// value, else there is one per value.
func formatCode(codes []int16, i int) int16 {
	switch len(codes) {
	case 0:
		return 0
	case 1:
		return codes[0]
	}
	return codes[i]
}

// resultFormats expands Bind's result format codes (none: all text; one:
// all columns; else one per column) and checks binary is possible.
func resultFormats(cols []exec.Column, codes []int16) ([]int16, error) {
	switch len(codes) {
	case 0, 1, len(cols):
	default:
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "bind message has %d result formats but query has %d columns", len(codes), len(cols))
	}
	formats := make([]int16, len(cols))
	for i := range cols {
		f := formatCode(codes, i)
		switch f {
		case 0:
		case 1:
			if !vec.HasBinary(cols[i].Type) {
				return nil, sqlerr.New(sqlerr.UndefinedFunction, "no binary output function available for type %s", cols[i].Type)
			}
		default:
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "unsupported format code: %d", f)
		}
		formats[i] = f
	}
	return formats, nil
}

func (c *conn) handleDescribe(m *pgproto3.Describe) error {
	if c.skipToSync {
		return nil
	}
	es, ok := c.extended()
	if !ok {
		return c.extendedError(errExtendedUnsupported())
	}
	switch m.ObjectType {
	case 'S':
		stmt, ok := es.Statement(m.Name)
		if !ok {
			return c.extendedError(unknownStatement(m.Name))
		}
		if err := c.send(&pgproto3.ParameterDescription{ParameterOIDs: stmt.ParamOIDs}); err != nil {
			return err
		}
		return c.describeRows(stmt.Columns, nil)
	case 'P':
		p, ok := c.portals[m.Name]
		if !ok {
			return c.extendedError(unknownPortal(m.Name))
		}
		return c.describeRows(p.stmt.Columns, p.formats)
	}
	return c.extendedError(sqlerr.New(sqlerr.ProtocolViolation, "invalid DESCRIBE message subtype %d", m.ObjectType))
}

// describeRows sends RowDescription, or NoData for a statement without
// rows.
func (c *conn) describeRows(cols []exec.Column, formats []int16) error {
	if cols == nil {
		return c.send(&pgproto3.NoData{})
	}
	return c.send(rowDescription(cols, formats))
}

func (c *conn) handleExecute(ctx context.Context, m *pgproto3.Execute) error {
	if c.skipToSync {
		return nil
	}
	es, ok := c.extended()
	if !ok {
		return c.extendedError(errExtendedUnsupported())
	}
	p, ok := c.portals[m.Portal]
	if !ok {
		return c.extendedError(unknownPortal(m.Portal))
	}
	if p.stmt.Empty {
		return c.send(&pgproto3.EmptyQueryResponse{})
	}
	if p.done {
		// A finished query answers again with no rows; any other
		// statement cannot run twice.
		if p.stmt.Columns == nil {
			return c.extendedError(sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "portal %q cannot be run", m.Portal))
		}
		return c.commandComplete(rowsTag(p.tag, 0))
	}
	if p.ctx == nil {
		p.ctx, p.cancel = context.WithCancel(ctx)
	}
	c.mu.Lock()
	c.cancelQ = p.cancel
	c.mu.Unlock()
	err := c.guard("Execute", func() error { return c.execPortal(es, p, int64(m.MaxRows)) })
	c.mu.Lock()
	c.cancelQ = nil
	c.mu.Unlock()
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return err
		}
		err = c.queryError(p.ctx, err)
		c.closePortal(m.Portal)
		return c.extendedError(err)
	}
	if p.done && p.res.Rows == nil && m.Portal == "" {
		// Nothing more can come out of it; the next Bind replaces it anyway.
		p.close()
	}
	return nil
}

// execPortal runs the portal's statement on its first Execute and sends up
// to maxRows rows (0: all), then CommandComplete or, once maxRows rows
// went out, PortalSuspended. As in PostgreSQL there is no look-ahead: a
// result of exactly maxRows rows suspends, and the next Execute completes
// with none; CommandComplete counts the rows of its own Execute.
func (c *conn) execPortal(es ExtendedSession, p *portal, maxRows int64) error {
	if !p.started {
		p.started = true
		res, err := es.ExecBound(p.ctx, p.bound)
		if err != nil {
			return err
		}
		p.res = res
		if err := c.sendNotices(res.Notices); err != nil {
			return err
		}
		switch {
		case res.CopyIn != nil:
			p.done = true
			return c.copyIn(p.ctx, res.CopyIn)
		case res.CopyOut != nil:
			p.done = true
			return c.copyOut(p.ctx, res.CopyOut)
		case res.Rows == nil:
			p.done, p.tag = true, res.Tag
			if res.Tag == "" {
				return c.send(&pgproto3.EmptyQueryResponse{})
			}
			return c.commandComplete(res.Tag)
		}
		if got, want := len(res.Rows.Columns()), len(p.formats); got != want {
			return sqlerr.New(sqlerr.InternalError, "internal error: statement returns %d columns, its description %d", got, want)
		}
	}
	tf := c.textFormat()
	var sentNow int64
	for {
		if p.batch == nil || p.next >= p.batch.Len {
			if err := p.ctx.Err(); err != nil {
				return err
			}
			b, err := p.res.Rows.Next(p.ctx)
			if err != nil {
				return err
			}
			if b == nil || b.Len == 0 {
				break
			}
			p.batch, p.next = b, 0
		}
		n := p.batch.Len - p.next
		if maxRows > 0 && int64(n) > maxRows-sentNow {
			n = int(maxRows - sentNow)
		}
		if err := c.sendRows(p.batch, tf, p.formats, p.next, p.next+n); err != nil {
			return err
		}
		p.next += n
		sentNow += int64(n)
		if maxRows > 0 && sentNow >= maxRows {
			return c.send(&pgproto3.PortalSuspended{})
		}
	}
	p.res.Rows.Close()
	p.res.Rows = nil
	p.batch = nil
	p.done = true
	p.tag = p.res.Tag
	return c.commandComplete(rowsTag(p.tag, sentNow))
}

// rowsTag completes a row-returning statement's tag with its count.
func rowsTag(tag string, rows int64) string {
	switch tag {
	case "":
		return "SELECT " + strconv.FormatInt(rows, 10)
	case "SHOW":
		return tag
	}
	return tag + " " + strconv.FormatInt(rows, 10)
}

func (c *conn) handleClose(m *pgproto3.Close) error {
	if c.skipToSync {
		return nil
	}
	switch m.ObjectType {
	case 'S':
		if es, ok := c.extended(); ok {
			es.CloseStatement(m.Name)
		}
	case 'P':
		c.closePortal(m.Name)
	default:
		return c.extendedError(sqlerr.New(sqlerr.ProtocolViolation, "invalid CLOSE message subtype %d", m.ObjectType))
	}
	// Closing what does not exist is not an error.
	return c.send(&pgproto3.CloseComplete{})
}

func (c *conn) closePortal(name string) {
	if p, ok := c.portals[name]; ok {
		p.close()
		delete(c.portals, name)
	}
}

// closePortals ends every portal: their transaction is over.
func (c *conn) closePortals() {
	for name, p := range c.portals {
		p.close()
		delete(c.portals, name)
	}
}

// handleSync ends an extended-protocol batch, and its error state. Outside
// a transaction block the batch was its own implicit transaction, and its
// portals end with it.
func (c *conn) handleSync() error {
	c.skipToSync = false
	if c.txStatus() == 'I' {
		c.closePortals()
	}
	return c.readyForQuery()
}

// handleFunctionCall refuses the legacy fast-path function call, which,
// unlike the extended protocol, is followed by ReadyForQuery at once.
func (c *conn) handleFunctionCall() error {
	if err := c.sendError(sqlerr.New(sqlerr.FeatureNotSupported, "fast-path function calls are not supported")); err != nil {
		return err
	}
	return c.readyForQuery()
}
