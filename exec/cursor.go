package exec

import (
	"context"
	"strconv"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// SQL cursors: DECLARE, FETCH, MOVE and CLOSE, which ODBC drivers (Tableau's
// psqlODBC with UseDeclareFetch) and scripts use to read a large result a
// page at a time. A cursor is a query whose rows are pulled as FETCH asks;
// it moves forward only (PostgreSQL's NO SCROLL). A cursor dies with the
// transaction block that declared it unless declared WITH HOLD.

type cursor struct {
	name string
	rows Rows
	hold bool
	// noScroll is set for NO SCROLL cursors, whose backward moves fail as
	// in PostgreSQL (55000); for the others, which PostgreSQL can move
	// backward, the limitation is Apiary's (0A000).
	noScroll bool
	block    *txn.Txn // the transaction block it belongs to (nil with WITH HOLD)
	batch    *vec.Batch
	next     int
	done     bool

	// ctx lives as long as the cursor: the query's bees, started by the
	// first FETCH, keep running between FETCHes.
	ctx    context.Context
	cancel context.CancelFunc
}

func (c *cursor) close() {
	c.rows.Close()
	c.cancel()
}

// declareCursor runs DECLARE name CURSOR [WITH HOLD] FOR query.
func (s *Session) declareCursor(ctx context.Context, n *tree.DeclareCursor) (Result, error) {
	name := string(n.Name)
	if n.Scroll == tree.Scroll {
		return Result{}, unsupported("SCROLL cursors are not supported: cursors move forward only")
	}
	if !n.Hold && s.txn == nil {
		return Result{}, sqlerr.New(sqlerr.NoActiveSQLTransaction, "DECLARE CURSOR can only be used in transaction blocks")
	}
	if c, ok := s.cursor(name); ok && c != nil {
		return Result{}, sqlerr.New(sqlerr.DuplicateCursor, "cursor %q already exists", name)
	}
	res, err := s.query(context.WithoutCancel(ctx), n.Select)
	if err != nil {
		return Result{}, err
	}
	c := &cursor{name: name, rows: res.Rows, hold: n.Hold, noScroll: n.Scroll == tree.NoScroll}
	if !n.Hold {
		c.block = s.txn
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	if s.cursors == nil {
		s.cursors = make(map[string]*cursor)
	}
	s.cursors[name] = c
	return Result{Tag: "DECLARE CURSOR"}, nil
}

// cursor returns the named cursor, dropping one whose transaction block
// has ended.
func (s *Session) cursor(name string) (*cursor, bool) {
	c, ok := s.cursors[name]
	if !ok {
		return nil, false
	}
	if !c.hold && (s.txn == nil || c.block != s.txn) {
		c.close()
		delete(s.cursors, name)
		return nil, false
	}
	return c, true
}

func unknownCursor(name string) error {
	return sqlerr.New(sqlerr.InvalidCursorName, "cursor %q does not exist", name)
}

// fetchCount turns FETCH's direction into a row count; -1 is ALL.
func (c *cursor) fetchCount(st tree.CursorStmt) (int64, error) {
	switch st.FetchType {
	case tree.FetchAll:
		return -1, nil
	case tree.FetchNormal, tree.FetchRelative:
		if st.Count >= 0 {
			return st.Count, nil
		}
	}
	if c.noScroll {
		return 0, sqlerr.New(sqlerr.ObjectNotInPrerequisiteState, "cursor can only scan forward").
			WithHint("Declare it with SCROLL option to enable backward scan.")
	}
	return 0, unsupported("cursors move forward only: FETCH and MOVE take NEXT, FORWARD, ALL or a count")
}

// fetchCursor runs FETCH: the next count rows as a result.
func (s *Session) fetchCursor(n *tree.FetchCursor) (Result, error) {
	c, ok := s.cursor(string(n.Name))
	if !ok {
		return Result{}, unknownCursor(string(n.Name))
	}
	count, err := c.fetchCount(n.CursorStmt)
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: "FETCH", Rows: &fetchRows{c: c, left: count}}, nil
}

// moveCursor runs MOVE: skips count rows.
func (s *Session) moveCursor(ctx context.Context, n *tree.MoveCursor) (Result, error) {
	c, ok := s.cursor(string(n.Name))
	if !ok {
		return Result{}, unknownCursor(string(n.Name))
	}
	count, err := c.fetchCount(n.CursorStmt)
	if err != nil {
		return Result{}, err
	}
	r := &fetchRows{c: c, left: count}
	var moved int64
	for {
		b, err := r.Next(ctx)
		if err != nil {
			return Result{}, err
		}
		if b == nil {
			break
		}
		moved += int64(b.Len)
	}
	return Result{Tag: "MOVE " + strconv.FormatInt(moved, 10)}, nil
}

// closeCursor runs CLOSE name | ALL.
func (s *Session) closeCursor(n *tree.CloseCursor) (Result, error) {
	if n.All {
		s.closeCursors()
		return Result{Tag: "CLOSE CURSOR ALL"}, nil
	}
	c, ok := s.cursor(string(n.Name))
	if !ok {
		return Result{}, unknownCursor(string(n.Name))
	}
	c.close()
	delete(s.cursors, c.name)
	return Result{Tag: "CLOSE CURSOR"}, nil
}

// closeCursors closes every cursor (CLOSE ALL, DISCARD ALL, session end).
func (s *Session) closeCursors() {
	for name, c := range s.cursors {
		c.close()
		delete(s.cursors, name)
	}
}

// cursorColumns describes what FETCH from a cursor returns.
func (s *Session) cursorColumns(name string) ([]Column, error) {
	c, ok := s.cursor(name)
	if !ok {
		return nil, unknownCursor(name)
	}
	return c.rows.Columns(), nil
}

// fetchRows hands out the next rows of a cursor, at most left (-1: all),
// as views of the cursor's batches.
type fetchRows struct {
	c    *cursor
	left int64
	view vec.Batch
	sel  []int32
}

func (r *fetchRows) Columns() []Column { return r.c.rows.Columns() }

func (r *fetchRows) Next(ctx context.Context) (*vec.Batch, error) {
	c := r.c
	if r.left == 0 || c.done {
		return nil, nil
	}
	if c.batch == nil || c.next >= c.batch.Len {
		// A cancelled FETCH stops the cursor's query, as in PostgreSQL.
		stop := context.AfterFunc(ctx, c.cancel)
		b, err := c.rows.Next(c.ctx)
		stop()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
		if b == nil || b.Len == 0 {
			c.done = true
			return nil, nil
		}
		c.batch, c.next = b, 0
	}
	n := c.batch.Len - c.next
	if r.left > 0 && int64(n) > r.left {
		n = int(r.left)
	}
	r.sel = r.sel[:0]
	for i := c.next; i < c.next+n; i++ {
		r.sel = append(r.sel, int32(c.batch.Row(i)))
	}
	c.next += n
	if r.left > 0 {
		r.left -= int64(n)
	}
	r.view = vec.Batch{Cols: c.batch.Cols, Len: n, Sel: r.sel}
	return &r.view, nil
}

// Close leaves the cursor open: FETCH reads part of it.
func (r *fetchRows) Close() {}
