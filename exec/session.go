package exec

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/pgwire/pgerror"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	crerrors "github.com/cockroachdb/errors"

	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Transaction states, as ReadyForQuery reports them.
const (
	TxIdle   byte = 'I' // not in a transaction block
	TxActive byte = 'T' // in a transaction block
	TxFailed byte = 'E' // in a failed transaction block: only ROLLBACK helps
)

// Session is one client's conversation with the engine: its current hive and
// search path, its settings and its open transaction. A Session is used by
// one goroutine at a time.
type Session struct {
	eng  *Engine
	user string
	hive string
	// searchPath is the search_path setting as a list of boxes, "$user"
	// resolved (settings.go keeps it up to date).
	searchPath []string
	settings   sessionSettings

	// txn is the open transaction block (BEGIN ... COMMIT), nil outside one.
	txn    *txn.Txn
	failed bool
	// block is what the open block is beyond txn (txn_control.go).
	block blockState

	// buffers are the block's INSERT rows not yet written (insert_buffer.go),
	// valid while bufTxn is the open block.
	buffers map[string]*insertBuffer
	bufTxn  *txn.Txn

	// statements are the prepared statements by name (prepared.go).
	statements map[string]*Prepared
	// cursors are the open SQL cursors by name (cursor.go).
	cursors map[string]*cursor
	// fragmentCells, set while a swarm fragment runs, restricts the scans
	// of the listed frames (by prefix) to these cells (fragment.go).
	fragmentCells map[string][]txn.AddCell
	// partials, set while a distributed query plans, are the gathered
	// rows of its fragments as the virtual tables its statement reads
	// (distribute.go).
	partials map[string]*plan.Table
	// statementTime, when set, is now() for the statement: a distributed
	// query's coordinator and fragments share the coordinator's.
	statementTime time.Time

	// pgcat is the session's part in the pg_catalog emulation
	// (pgcatalog.go).
	pgcat pgcatState
	// act is the session's part in the query registry (activity.go).
	act sessionActivity
}

// Hive returns the session's current hive.
func (s *Session) Hive() string { return s.hive }

// TxStatus returns 'I', 'T' or 'E'.
func (s *Session) TxStatus() byte {
	switch {
	case s.txn == nil:
		return TxIdle
	case s.failed:
		return TxFailed
	}
	return TxActive
}

// Close aborts any open transaction.
func (s *Session) Close() {
	s.closeCursors()
	if s.txn != nil {
		s.txn.Abort()
		s.txn = nil
	}
	s.eng.activity.unregister(s.act.entry)
}

// ExecSimple runs every statement of a simple-protocol query string in order,
// handing each result to emit before running the next. It stops at the first
// error and returns it.
//
// As in PostgreSQL, several statements sent in one query string outside a
// transaction block run as one implicit transaction: they commit together
// after the last one, and an error in any of them leaves nothing of the
// others. A string that itself holds BEGIN, COMMIT or ROLLBACK is run
// statement by statement instead, as its author asked.
func (s *Session) ExecSimple(ctx context.Context, sql string, emit func(Result) error) error {
	// The implicit block's commit changes the state after the last
	// statement has ended.
	defer s.noteSessionState()
	stmts := splitStatements(sql)
	implicit := s.txn == nil && len(stmts) > 1 && !anyTxnControl(stmts)
	if implicit {
		s.openBlock("IMPLICIT TRANSACTION")
	}
	from := 0
	for _, stmt := range stmts {
		// Error positions count from the start of the whole query string,
		// as in PostgreSQL, not from the statement's.
		start := from
		if off := strings.Index(sql[from:], stmt); off >= 0 {
			start = from + off
			from = start + len(stmt)
		}
		res, err := s.execOne(ctx, stmt)
		if err != nil {
			shiftPosition(err, utf8.RuneCountInString(sql[:start]))
		}
		if err == nil {
			err = emit(res)
		}
		if err != nil {
			switch {
			case implicit:
				s.abortBlock()
			case s.txn != nil:
				s.failed = true
			}
			return err
		}
		if s.txn == nil {
			// set_config(..., true) outside a block lasts one statement.
			s.clearLocalSettings()
		}
	}
	if implicit {
		return s.commitBlock(ctx)
	}
	return nil
}

var txnControlRe = regexp.MustCompile(`(?i)^(begin|start|commit|end|rollback|abort|savepoint|release|prepare)\b`)

// anyTxnControl reports whether a statement list manages transactions itself.
func anyTxnControl(stmts []string) bool {
	for _, st := range stmts {
		if txnControlRe.MatchString(stripLeadingComments(st)) {
			return true
		}
	}
	return false
}

// execOne runs one statement, turning a panic into an internal error so that
// no bug in a statement takes the server down.
func (s *Session) execOne(ctx context.Context, stmt string) (res Result, err error) {
	// The query registry follows the statement to its end (activity.go).
	ctx, st := s.beginStatement(ctx, stmt)
	defer func() { res, err = s.endStatement(st, res, err) }()
	defer func() {
		if r := recover(); r != nil {
			s.eng.log.Error("panic while executing statement", "statement", stmt, "panic", r, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
	if s.txn == nil {
		s.clearLocalSettings()
	}
	if err := s.admitAtStart(ctx, st); err != nil {
		return Result{}, err
	}
	p := preparse(stmt)
	if p.describe != "" {
		if err := s.checkNotFailed(); err != nil {
			return Result{}, err
		}
		if err := s.flushInserts(ctx); err != nil {
			return Result{}, err
		}
		return s.describe(ctx, p.describe)
	}
	if p.own != nil {
		if err := s.checkNotFailed(); err != nil {
			return Result{}, err
		}
		if err := s.flushInserts(ctx); err != nil {
			return Result{}, err
		}
		return p.own(ctx, s)
	}
	stmts, err := parseSQL(p.sql)
	if err != nil {
		return Result{}, p.parseError(err)
	}
	if len(stmts) != 1 {
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "expected one statement, found %d", len(stmts))
	}
	ast := stmts[0].AST
	switch ast.(type) {
	case *tree.BeginTransaction, *tree.CommitTransaction, *tree.RollbackTransaction, *tree.RollbackToSavepoint:
	case *tree.SetVar, *tree.ShowVar, *tree.Savepoint, *tree.ReleaseSavepoint, *tree.SetTransaction,
		*tree.SetSessionCharacteristics, *tree.SetSessionAuthorizationDefault, *tree.Discard:
		// Session statements read no frame: buffered INSERT rows stay
		// where ROLLBACK TO SAVEPOINT can still take them back.
		if err := s.checkNotFailed(); err != nil {
			return Result{}, err
		}
	default:
		if err := s.checkNotFailed(); err != nil {
			return Result{}, err
		}
		if s.txn != nil {
			s.block.queried = true
		}
		if !isValuesInsert(ast) {
			if err := s.flushInserts(ctx); err != nil {
				return Result{}, err
			}
		}
	}
	res, err = s.dispatch(ctx, ast)
	if err != nil && positionedStatement(ast) {
		err = withNamePosition(err, stmt)
	}
	return res, err
}

func (s *Session) checkNotFailed() error {
	if s.failed {
		return sqlerr.New(sqlerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

// parseError converts a parser error to a SQLSTATE error, keeping the
// parser's code (42601 for syntax errors) and its position.
func parseError(err error) error { return parseErrorIn(err, "", nil) }

// parseErrorIn is parseError for the text rewriteCompat made from source
// with edits: the position points into source.
func parseErrorIn(err error, source string, edits compatEdits) error {
	code := sqlerr.Code(pgerror.GetPGCode(err).String())
	if code == "" || code == "XXUUU" || code == sqlerr.InternalError {
		code = sqlerr.SyntaxError
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	src, offset, ok := errorOffset(crerrors.FlattenDetails(err))
	if !ok {
		return sqlerr.Wrap(err, code, "%s", msg)
	}
	// PostgreSQL's wording, with the token as the user wrote it (the
	// parser reports it folded to lower case).
	if m := syntaxErrorRe.FindStringSubmatch(msg); m != nil {
		switch {
		case m[1] == "EOF" && offset >= len(src):
			msg = "syntax error at end of input"
		case offset+len(m[1]) <= len(src):
			msg = fmt.Sprintf("syntax error at or near %q", src[offset:offset+len(m[1])])
		}
	} else if strings.HasPrefix(msg, "lexical error: unterminated") {
		msg = fmt.Sprintf("unterminated quoted string at or near %q", src[offset:])
	}
	return sqlerr.Wrap(err, code, "%s", msg).WithPosition(edits.position(src, offset, source))
}

// shiftPosition moves an error's position by n characters.
func shiftPosition(err error, n int) {
	var se *sqlerr.Error
	for e := err; n > 0 && errors.As(e, &se); e = se.Err {
		if se.Position > 0 {
			se.Position += n
			return
		}
	}
}

var syntaxErrorRe = regexp.MustCompile(`^at or near "(.*)": syntax error`)

// errorOffset reads the parser's error detail ("source SQL:", the
// statement's lines up to the faulty one, then a caret under the fault)
// back into the statement text and the fault's byte offset.
func errorOffset(detail string) (src string, offset int, ok bool) {
	const prefix = "source SQL:\n"
	i := strings.Index(detail, prefix)
	if i < 0 {
		return "", 0, false
	}
	lines := strings.Split(detail[i+len(prefix):], "\n")
	caretLine := -1
	for j, l := range lines {
		if t := strings.TrimLeft(l, " "); t == "^" && j > 0 {
			caretLine = j
			break
		}
	}
	if caretLine < 0 {
		return "", 0, false
	}
	before := strings.Join(lines[:caretLine-1], "\n")
	if caretLine > 1 {
		before += "\n"
	}
	col := strings.Index(lines[caretLine], "^")
	src = strings.Join(lines[:caretLine], "\n")
	offset = len(before) + col
	if offset > len(src) {
		offset = len(src)
	}
	return src, offset, true
}

func (s *Session) dispatch(ctx context.Context, ast tree.Statement) (Result, error) {
	switch n := ast.(type) {
	case *tree.BeginTransaction:
		return s.begin(n)
	case *tree.CommitTransaction:
		return s.commit(ctx)
	case *tree.RollbackTransaction:
		return s.rollback()
	case *tree.Savepoint:
		return s.savepointStmt(ctx, n)
	case *tree.ReleaseSavepoint:
		return s.releaseSavepoint(n)
	case *tree.RollbackToSavepoint:
		return s.rollbackToSavepoint(n)
	case *tree.SetTransaction:
		return s.setTransaction(n)
	case *tree.SetSessionCharacteristics:
		return s.setSessionCharacteristics(n)
	case *tree.SetSessionAuthorizationDefault:
		_, _, err := s.changeSetting(settingChange{name: "session_authorization", sql: true})
		return Result{Tag: "SET"}, err
	case *tree.ShowVar:
		return s.showVar(n)
	case *tree.Discard:
		return s.discard(discardMode(n.Mode))
	case *tree.CreateDatabase:
		return s.write(ctx, "CREATE DATABASE", func(t *txn.Txn) (Result, error) {
			return Result{Tag: "CREATE DATABASE"}, s.eng.catalog.CreateHive(ctx, t, string(n.Name), n.IfNotExists)
		})
	case *tree.DropDatabase:
		if string(n.Name) == s.hive {
			return Result{}, sqlerr.New(sqlerr.ObjectInUse, "cannot drop the currently open database")
		}
		return s.write(ctx, "DROP DATABASE", func(t *txn.Txn) (Result, error) {
			return Result{Tag: "DROP DATABASE"}, s.eng.catalog.DropHive(ctx, t, string(n.Name), n.IfExists)
		})
	case *tree.CreateSchema:
		hive, box, err := s.schemaName(n.Schema)
		if err != nil {
			return Result{}, err
		}
		return s.write(ctx, "CREATE SCHEMA", func(t *txn.Txn) (Result, error) {
			return Result{Tag: "CREATE SCHEMA"}, s.eng.catalog.CreateBox(ctx, t, hive, box, n.IfNotExists)
		})
	case *tree.DropSchema:
		return s.dropSchemas(ctx, n)
	case *tree.CreateTable:
		return s.createTable(ctx, n)
	case *tree.DropTable:
		return s.dropTables(ctx, n)
	case *tree.Insert:
		return s.insert(ctx, n)
	case *tree.Truncate:
		return s.truncate(ctx, n)
	case *tree.Select:
		return s.selectStmt(ctx, n)
	case *tree.CreateIndex:
		// Frames keep no indexes: cells are pruned by their statistics. Tools
		// and migrations that create indexes get a success that changes
		// nothing, once the frame is known to exist.
		ns, err := s.namespace(ctx)
		if err != nil {
			return Result{}, err
		}
		if _, err := s.resolveFrame(ns, &n.Table); err != nil {
			return Result{}, err
		}
		return Result{Tag: "CREATE INDEX"}, nil
	case *tree.DropIndex:
		return Result{Tag: "DROP INDEX"}, nil
	case *tree.Explain:
		return s.explain(ctx, n.Statement, false)
	case *tree.ExplainAnalyze:
		return s.explain(ctx, n.Statement, true)
	case *tree.Deallocate:
		return s.deallocate(n)
	case *tree.DeclareCursor:
		return s.declareCursor(ctx, n)
	case *tree.FetchCursor:
		return s.fetchCursor(n)
	case *tree.MoveCursor:
		return s.moveCursor(ctx, n)
	case *tree.CloseCursor:
		return s.closeCursor(n)
	case *tree.SetVar:
		return s.setVar(ctx, n)
	case *tree.ShowDatabases:
		return s.showHives(ctx)
	case *tree.ShowSchemas:
		return s.showBoxes(ctx, n)
	case *tree.ShowTables:
		return s.showFrames(ctx, n)
	}
	return Result{}, sqlerr.New(sqlerr.FeatureNotSupported, "statement not supported: %s", ast.StatementTag())
}

// isValuesInsert reports whether ast is INSERT ... VALUES, the statement
// whose rows a transaction block buffers.
func isValuesInsert(ast tree.Statement) bool {
	ins, ok := ast.(*tree.Insert)
	if !ok || ins.Rows == nil {
		return false
	}
	_, ok = ins.Rows.Select.(*tree.ValuesClause)
	return ok
}

// commitError gives ledger conflicts the SQLSTATE clients retry on.
func commitError(err error) error {
	if errors.Is(err, txn.ErrConflict) {
		return sqlerr.Wrap(err, sqlerr.SerializationFailure, "could not serialize access due to concurrent update").
			WithDetail("%v", err).WithHint("Retry the transaction.")
	}
	return err
}

// write runs fn in the open transaction block, or in a transaction of its own
// that commits when fn succeeds.
func (s *Session) write(ctx context.Context, op string, fn func(t *txn.Txn) (Result, error)) (Result, error) {
	if s.txn != nil {
		return s.writeInBlock(op, func() (Result, error) { return fn(s.txn) })
	}
	if err := s.checkWritable(op); err != nil {
		return Result{}, err
	}
	t := s.eng.txns.Begin(op)
	res, err := fn(t)
	if err != nil {
		t.Abort()
		return Result{}, err
	}
	if _, err := t.Commit(ctx); err != nil {
		return Result{}, commitError(err)
	}
	return res, nil
}

// readTxn returns the transaction reads should go through: the open block, or
// a fresh read-only one the caller aborts when done.
func (s *Session) readTxn() (t *txn.Txn, done func()) {
	if s.txn != nil {
		return s.txn, func() {}
	}
	t = s.eng.txns.Begin("SELECT")
	return t, t.Abort
}

// unsupported is a convenience for features that are parsed but not built.
func unsupported(format string, args ...any) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "%s", fmt.Sprintf(format, args...))
}
