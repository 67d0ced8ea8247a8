package exec

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/pgwire/pgerror"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/catalog"
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
	eng        *Engine
	user       string
	hive       string
	searchPath []string
	settings   map[string]string

	// txn is the open transaction block (BEGIN ... COMMIT), nil outside one.
	txn    *txn.Txn
	failed bool

	// buffers are the block's INSERT rows not yet written (insert_buffer.go),
	// valid while bufTxn is the open block.
	buffers map[string]*insertBuffer
	bufTxn  *txn.Txn
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
	if s.txn != nil {
		s.txn.Abort()
		s.txn = nil
	}
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
	stmts := splitStatements(sql)
	implicit := s.txn == nil && len(stmts) > 1 && !anyTxnControl(stmts)
	if implicit {
		s.txn = s.eng.txns.Begin("IMPLICIT TRANSACTION")
	}
	for _, stmt := range stmts {
		res, err := s.execOne(ctx, stmt)
		if err == nil {
			err = emit(res)
		}
		if err != nil {
			switch {
			case implicit:
				s.txn.Abort()
				s.txn = nil
			case s.txn != nil:
				s.failed = true
			}
			return err
		}
	}
	if implicit {
		if err := s.flushInserts(ctx); err != nil {
			s.txn.Abort()
			s.txn = nil
			return err
		}
		t := s.txn
		s.txn = nil
		if _, err := t.Commit(ctx); err != nil {
			return commitError(err)
		}
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
	defer func() {
		if r := recover(); r != nil {
			s.eng.log.Error("panic while executing statement", "statement", stmt, "panic", r, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
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
	stmts, err := parser.ParseWithInt(p.sql, types.Int4)
	if err != nil {
		return Result{}, parseError(err)
	}
	if len(stmts) != 1 {
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "expected one statement, found %d", len(stmts))
	}
	ast := stmts[0].AST
	switch ast.(type) {
	case *tree.BeginTransaction, *tree.CommitTransaction, *tree.RollbackTransaction:
	default:
		if err := s.checkNotFailed(); err != nil {
			return Result{}, err
		}
		if !isValuesInsert(ast) {
			if err := s.flushInserts(ctx); err != nil {
				return Result{}, err
			}
		}
	}
	return s.dispatch(ctx, ast)
}

func (s *Session) checkNotFailed() error {
	if s.failed {
		return sqlerr.New(sqlerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
	}
	return nil
}

// parseError converts a parser error to a SQLSTATE error, keeping the
// parser's code (42601 for syntax errors) and its position.
func parseError(err error) error {
	code := sqlerr.Code(pgerror.GetPGCode(err).String())
	if code == "" || code == "XXUUU" || code == sqlerr.InternalError {
		code = sqlerr.SyntaxError
	}
	msg := err.Error()
	if i := strings.Index(msg, "\n"); i >= 0 {
		msg = msg[:i]
	}
	return sqlerr.Wrap(err, code, "%s", msg)
}

func (s *Session) dispatch(ctx context.Context, ast tree.Statement) (Result, error) {
	switch n := ast.(type) {
	case *tree.BeginTransaction:
		return s.begin()
	case *tree.CommitTransaction:
		return s.commit(ctx)
	case *tree.RollbackTransaction:
		return s.rollback()
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

func (s *Session) begin() (Result, error) {
	if s.txn != nil {
		// PostgreSQL warns and carries on; so do we (the warning is a
		// notice the wire layer may add later).
		return Result{Tag: "BEGIN"}, nil
	}
	s.txn = s.eng.txns.Begin("TRANSACTION")
	s.failed = false
	return Result{Tag: "BEGIN"}, nil
}

func (s *Session) commit(ctx context.Context) (Result, error) {
	t, failed := s.txn, s.failed
	s.txn, s.failed = nil, false
	if t == nil {
		return Result{Tag: "COMMIT"}, nil
	}
	if failed {
		t.Abort()
		return Result{Tag: "ROLLBACK"}, nil
	}
	s.txn = t
	err := s.flushInserts(ctx)
	s.txn = nil
	if err != nil {
		t.Abort()
		return Result{}, err
	}
	if _, err := t.Commit(ctx); err != nil {
		return Result{}, commitError(err)
	}
	return Result{Tag: "COMMIT"}, nil
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

func (s *Session) rollback() (Result, error) {
	if s.txn != nil {
		s.txn.Abort()
	}
	s.txn, s.failed = nil, false
	return Result{Tag: "ROLLBACK"}, nil
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
		return fn(s.txn)
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

func (s *Session) setVar(ctx context.Context, n *tree.SetVar) (Result, error) {
	name := strings.ToLower(n.Name)
	switch name {
	case "database":
		// USE hive and USE hive.box arrive here: the parser reads USE as SET
		// database.
		if len(n.Values) != 1 {
			return Result{}, sqlerr.New(sqlerr.SyntaxError, "USE takes one name")
		}
		target := strings.Trim(tree.AsStringWithFlags(n.Values[0], tree.FmtBareIdentifiers), "'\"")
		hive, box, _ := strings.Cut(target, ".")
		ns, err := s.eng.catalog.Latest(ctx)
		if err != nil {
			return Result{}, err
		}
		if _, ok := ns.Hive(hive); !ok {
			return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", hive)
		}
		if box != "" {
			if _, ok := ns.Box(hive, box); !ok {
				return Result{}, sqlerr.New(sqlerr.InvalidSchemaName, "schema %q does not exist", box)
			}
			s.searchPath = []string{box}
		} else {
			s.searchPath = []string{catalog.DefaultBox}
		}
		s.hive = hive
		return Result{Tag: "SET"}, nil
	case "search_path":
		var path []string
		for _, v := range n.Values {
			for _, p := range strings.Split(strings.Trim(tree.AsStringWithFlags(v, tree.FmtBareIdentifiers), "'"), ",") {
				if p = strings.Trim(strings.TrimSpace(p), `"`); p != "" {
					path = append(path, p)
				}
			}
		}
		s.searchPath = path
		return Result{Tag: "SET"}, nil
	}
	// RESET x and SET x TO DEFAULT arrive as no values or DEFAULT.
	if len(n.Values) == 0 || (len(n.Values) == 1 && n.Values[0] == tree.DefaultVal{}) {
		delete(s.settings, name)
		return Result{Tag: "SET"}, nil
	}
	// Settings the engine does not act on yet are remembered, so SHOW
	// returns what was set and drivers' session set-up succeeds.
	var vals []string
	for _, v := range n.Values {
		vals = append(vals, strings.Trim(tree.AsStringWithFlags(v, tree.FmtBareIdentifiers), "'"))
	}
	val := strings.Join(vals, ", ")
	switch name {
	case "timezone", "time zone":
		name = "timezone"
		if _, err := time.LoadLocation(val); err != nil {
			return Result{}, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": %q", val)
		}
	case "client_encoding":
		if e := strings.ToUpper(strings.ReplaceAll(val, "-", "")); e != "UTF8" && e != "UNICODE" {
			return Result{}, sqlerr.New(sqlerr.FeatureNotSupported, "client_encoding %q is not supported; Apiary speaks UTF8 only", val)
		}
		val = "UTF8"
	}
	s.settings[name] = val
	return Result{Tag: "SET"}, nil
}

// Parameter reports a session setting the client changed, by its
// PostgreSQL name (any case), so the wire server can send ParameterStatus.
func (s *Session) Parameter(name string) (string, bool) {
	v, ok := s.settings[strings.ToLower(name)]
	return v, ok
}

// unsupported is a convenience for features that are parsed but not built.
func unsupported(format string, args ...any) error {
	return sqlerr.New(sqlerr.FeatureNotSupported, "%s", fmt.Sprintf(format, args...))
}
