package server

import (
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/sqlerr"
)

// The extended query protocol is not implemented yet: Session has no
// prepare/bind/execute entry points. Every extended message answers with
// 0A000 and the protocol's error discipline is kept to the letter, so
// clients fail cleanly instead of hanging: after the error, messages are
// discarded until Sync, and only Sync sends ReadyForQuery.

func errExtendedUnsupported() error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "extended protocol not yet supported").
		WithHint("Use the simple query protocol: pgx QueryExecModeSimpleProtocol, pgJDBC preferQueryMode=simple, psql works as is.")
}

// extendedUnsupported reports the error once per Sync-delimited batch.
func (c *conn) extendedUnsupported() error {
	if c.skipToSync {
		return nil
	}
	c.skipToSync = true
	return c.sendError(errExtendedUnsupported())
}

func (c *conn) handleParse(*pgproto3.Parse) error       { return c.extendedUnsupported() }
func (c *conn) handleBind(*pgproto3.Bind) error         { return c.extendedUnsupported() }
func (c *conn) handleDescribe(*pgproto3.Describe) error { return c.extendedUnsupported() }
func (c *conn) handleExecute(*pgproto3.Execute) error   { return c.extendedUnsupported() }

// handleClose answers CloseComplete: closing a statement or portal that
// does not exist is not an error in PostgreSQL, and none exist here.
func (c *conn) handleClose(*pgproto3.Close) error {
	if c.skipToSync {
		return nil
	}
	return c.send(&pgproto3.CloseComplete{})
}

// handleSync ends an extended-protocol batch, and its error state.
func (c *conn) handleSync() error {
	c.skipToSync = false
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
