package exec

import (
	"context"
	"maps"
	"regexp"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Transaction control: BEGIN/START TRANSACTION, COMMIT/END, ROLLBACK/ABORT,
// savepoints, SET TRANSACTION and SET SESSION CHARACTERISTICS, DISCARD.
//
// Every transaction runs as snapshot isolation (txn pins one snapshot per
// frame at its first read and commits with optimistic conflict checks),
// whatever level the client asks for; SHOW reports the level asked for,
// as drivers compare it with what they set. READ ONLY is enforced.
//
// Savepoints: SAVEPOINT flushes the block's buffered INSERT rows and marks
// the transaction's writes (txn.Mark); ROLLBACK TO SAVEPOINT takes back
// every write since (cells, DDL, overwrites: txn.RollbackTo), drops the
// INSERT rows buffered since, restores the settings and returns a failed
// block to a working one, as pgJDBC's autosave and psycopg's nested
// transactions expect. Cells written after the savepoint stay in storage as
// orphans, as those of an aborted transaction do.

// SQLSTATEs sqlerr does not name.
const codeInvalidSavepoint = sqlerr.Code("3B001")

// blockState is what the open transaction block is beyond its txn.Txn.
type blockState struct {
	// isolation, readOnly and deferrable are its characteristics, as SHOW
	// transaction_isolation and friends report them.
	isolation  string
	readOnly   bool
	deferrable bool
	// queried is set once a statement other than SET, SHOW and
	// transaction control ran: PostgreSQL has then taken the snapshot, and
	// the isolation level may no longer change.
	queried bool
	// writes counts changes added to the txn.Txn (cells, DDL) as opposed
	// to INSERT rows still buffered, which a savepoint can take back.
	writes     int
	savepoints []savepoint
}

type savepoint struct {
	name     string
	settings settingsSnapshot
	writes   int
	mark     txn.Mark
}

// openBlock starts a transaction block, explicit (BEGIN) or implicit (a
// query string of several statements).
func (s *Session) openBlock(op string) {
	s.txn = s.eng.txns.Begin(op)
	s.failed = false
	c := &s.settings
	c.mu.Lock()
	c.blockBase = maps.Clone(c.session)
	if c.blockBase == nil {
		c.blockBase = map[string]string{}
	}
	s.block = blockState{
		isolation:  s.getSettingLocked("default_transaction_isolation"),
		readOnly:   s.getSettingLocked("default_transaction_read_only") == "on",
		deferrable: s.getSettingLocked("default_transaction_deferrable") == "on",
	}
	c.mu.Unlock()
}

// closeBlock ends the block's settings layers once its transaction has
// committed or aborted: SET LOCAL values go, and SET values stay only when
// it committed.
func (s *Session) closeBlock(committed bool) {
	c := &s.settings
	c.mu.Lock()
	if !committed && c.blockBase != nil {
		c.session = c.blockBase
	}
	c.blockBase, c.local = nil, nil
	s.block = blockState{}
	s.settingsChangedLocked()
	c.mu.Unlock()
	s.txn, s.failed = nil, false
}

// abortBlock rolls the open block back.
func (s *Session) abortBlock() {
	if s.txn != nil {
		s.txn.Abort()
	}
	s.closeBlock(false)
}

// commitBlock writes the block's buffered rows and commits it; on any
// failure the block is rolled back.
func (s *Session) commitBlock(ctx context.Context) error {
	t := s.txn
	if err := s.flushInserts(ctx); err != nil {
		s.abortBlock()
		return err
	}
	if _, err := t.Commit(ctx); err != nil {
		s.closeBlock(false)
		return commitError(err)
	}
	s.closeBlock(true)
	return nil
}

// warning is a WARNING notice, as PostgreSQL sends for transaction
// statements that do nothing.
func warning(code sqlerr.Code, msg string) Notice {
	return Notice{Severity: "WARNING", Code: code, Message: msg}
}

// begin runs BEGIN and START TRANSACTION.
func (s *Session) begin(n *tree.BeginTransaction) (Result, error) {
	tag := "BEGIN"
	if n.FormatWithStart {
		tag = "START TRANSACTION"
	}
	if s.txn != nil {
		return Result{Tag: tag, Notices: s.keepNotices([]Notice{
			warning(sqlerr.ActiveSQLTransaction, "there is already a transaction in progress")})}, nil
	}
	modes, err := txnModes(n.Modes)
	if err != nil {
		return Result{}, err
	}
	s.openBlock("TRANSACTION")
	s.applyTxnModes(modes)
	return Result{Tag: tag}, nil
}

// txnCharacteristics are the modes a statement names; "" leaves one as
// it is.
type txnCharacteristics struct {
	isolation, readOnly, deferrable string
}

func txnModes(m tree.TransactionModes) (txnCharacteristics, error) {
	var c txnCharacteristics
	switch m.Isolation {
	case tree.ReadUncommittedIsolation:
		c.isolation = "read uncommitted"
	case tree.ReadCommittedIsolation:
		c.isolation = "read committed"
	case tree.RepeatableReadIsolation:
		c.isolation = "repeatable read"
	case tree.SerializableIsolation:
		c.isolation = "serializable"
	case tree.SnapshotIsolation:
		return c, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"snapshot\"")
	}
	switch m.ReadWriteMode {
	case tree.ReadOnly:
		c.readOnly = "on"
	case tree.ReadWrite:
		c.readOnly = "off"
	}
	switch m.Deferrable {
	case tree.Deferrable:
		c.deferrable = "on"
	case tree.NotDeferrable:
		c.deferrable = "off"
	}
	if m.UserPriority != tree.UnspecifiedUserPriority || m.AsOf.Expr != nil {
		return c, unsupported("PRIORITY and AS OF SYSTEM TIME are not supported")
	}
	return c, nil
}

func (s *Session) applyTxnModes(m txnCharacteristics) {
	if m.isolation != "" {
		s.block.isolation = m.isolation
	}
	if m.readOnly != "" {
		s.block.readOnly = m.readOnly == "on"
	}
	if m.deferrable != "" {
		s.block.deferrable = m.deferrable == "on"
	}
}

// commit runs COMMIT and END. A failed block answers ROLLBACK, as in
// PostgreSQL.
func (s *Session) commit(ctx context.Context) (Result, error) {
	switch {
	case s.txn == nil:
		return Result{Tag: "COMMIT", Notices: s.keepNotices([]Notice{
			warning(sqlerr.NoActiveSQLTransaction, "there is no transaction in progress")})}, nil
	case s.failed:
		s.abortBlock()
		return Result{Tag: "ROLLBACK"}, nil
	}
	if err := s.commitBlock(ctx); err != nil {
		return Result{}, err
	}
	return Result{Tag: "COMMIT"}, nil
}

// rollback runs ROLLBACK and ABORT.
func (s *Session) rollback() (Result, error) {
	if s.txn == nil {
		return Result{Tag: "ROLLBACK", Notices: s.keepNotices([]Notice{
			warning(sqlerr.NoActiveSQLTransaction, "there is no transaction in progress")})}, nil
	}
	s.abortBlock()
	return Result{Tag: "ROLLBACK"}, nil
}

// txnIsolationLocked, txnReadOnlyLocked and txnDeferrableLocked are the
// current transaction's characteristics; outside a block, those the next
// statement's own transaction takes.
func (s *Session) txnIsolationLocked() string {
	if s.txn != nil && s.block.isolation != "" {
		return s.block.isolation
	}
	return s.getSettingLocked("default_transaction_isolation")
}

func (s *Session) txnReadOnlyLocked() bool {
	if s.txn != nil && s.block.isolation != "" {
		return s.block.readOnly
	}
	return s.getSettingLocked("default_transaction_read_only") == "on"
}

func (s *Session) txnDeferrableLocked() bool {
	if s.txn != nil && s.block.isolation != "" {
		return s.block.deferrable
	}
	return s.getSettingLocked("default_transaction_deferrable") == "on"
}

// defaultTxnValueLocked is what RESET gives a transaction characteristic:
// its session default.
func (s *Session) defaultTxnValueLocked(key string) string {
	return s.getSettingLocked("default_" + key)
}

// setTxnCharacteristic changes one characteristic of the open block (SET
// TRANSACTION, SET transaction_isolation = ...). Outside a block it only
// validates, as the statement's own transaction ends with it. The
// isolation level and READ WRITE may not change once the block has read
// data, as in PostgreSQL.
func (s *Session) setTxnCharacteristic(key, value string) error {
	if s.txn == nil {
		return nil
	}
	switch key {
	case "transaction_isolation":
		if s.block.queried && value != s.block.isolation {
			return sqlerr.New(sqlerr.ActiveSQLTransaction, "SET TRANSACTION ISOLATION LEVEL must be called before any query")
		}
		s.block.isolation = value
	case "transaction_read_only":
		if s.block.queried && value == "off" && s.block.readOnly {
			return sqlerr.New(sqlerr.ActiveSQLTransaction, "transaction read-write mode must be set before any query")
		}
		s.block.readOnly = value == "on"
	case "transaction_deferrable":
		if s.block.queried && (value == "on") != s.block.deferrable {
			return sqlerr.New(sqlerr.ActiveSQLTransaction, "SET TRANSACTION [NOT] DEFERRABLE must be called before any query")
		}
		s.block.deferrable = value == "on"
	}
	return nil
}

// setTransaction runs SET TRANSACTION modes, which outside a block warns
// and does nothing, as in PostgreSQL.
func (s *Session) setTransaction(n *tree.SetTransaction) (Result, error) {
	m, err := txnModes(n.Modes)
	if err != nil {
		return Result{}, err
	}
	if s.txn == nil {
		return Result{Tag: "SET", Notices: s.keepNotices([]Notice{
			warning(sqlerr.NoActiveSQLTransaction, "SET TRANSACTION can only be used in transaction blocks")})}, nil
	}
	for _, kv := range [][2]string{{"transaction_isolation", m.isolation}, {"transaction_read_only", m.readOnly}, {"transaction_deferrable", m.deferrable}} {
		if kv[1] == "" {
			continue
		}
		if err := s.setTxnCharacteristic(kv[0], kv[1]); err != nil {
			return Result{}, err
		}
	}
	return Result{Tag: "SET"}, nil
}

// setSessionCharacteristics runs SET SESSION CHARACTERISTICS AS
// TRANSACTION modes: the defaults of later transactions.
func (s *Session) setSessionCharacteristics(n *tree.SetSessionCharacteristics) (Result, error) {
	m, err := txnModes(n.Modes)
	if err != nil {
		return Result{}, err
	}
	for _, kv := range [][2]string{{"default_transaction_isolation", m.isolation}, {"default_transaction_read_only", m.readOnly},
		{"default_transaction_deferrable", m.deferrable}} {
		if kv[1] == "" {
			continue
		}
		v := kv[1]
		if _, _, err := s.changeSetting(settingChange{name: kv[0], value: &v, sql: true}); err != nil {
			return Result{}, err
		}
	}
	return Result{Tag: "SET"}, nil
}

// readOnlyTxn reports whether the statement about to run is in a
// read-only transaction.
func (s *Session) readOnlyTxn() bool {
	s.settings.mu.Lock()
	defer s.settings.mu.Unlock()
	return s.txnReadOnlyLocked()
}

// checkWritable fails a write in a read-only transaction (25006).
func (s *Session) checkWritable(op string) error {
	if s.readOnlyTxn() {
		return sqlerr.New(sqlerr.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", op)
	}
	return nil
}

// bufferedBatches counts the INSERT batches the open block holds back.
func (s *Session) bufferedBatches() int {
	if s.bufTxn != s.txn {
		return 0
	}
	n := 0
	for _, b := range s.buffers {
		n += len(b.batches)
	}
	return n
}

// writeInBlock runs fn, a write of the open block, and counts it unless
// all it did was to buffer INSERT rows. A failed INSERT or COPY has added
// nothing (their cells join the transaction last); other failed writes
// may have added part of their work, and count.
func (s *Session) writeInBlock(op string, fn func() (Result, error)) (Result, error) {
	if err := s.checkWritable(op); err != nil {
		return Result{}, err
	}
	writes, buffered := s.block.writes, s.bufferedBatches()
	res, err := fn()
	switch {
	case s.block.writes != writes:
		// A flush of the INSERT buffers counted itself.
	case err != nil && (op == "INSERT" || op == "COPY"):
	case err == nil && s.bufferedBatches() > buffered:
	default:
		s.block.writes++
	}
	return res, err
}

func (s *Session) findSavepoint(name, stmt string) (int, error) {
	if s.txn == nil {
		return 0, sqlerr.New(sqlerr.NoActiveSQLTransaction, "%s can only be used in transaction blocks", stmt)
	}
	for i := len(s.block.savepoints) - 1; i >= 0; i-- {
		if s.block.savepoints[i].name == name {
			return i, nil
		}
	}
	return 0, sqlerr.New(codeInvalidSavepoint, "savepoint \"%s\" does not exist", name)
}

// savepointStmt runs SAVEPOINT name. Buffered INSERT rows are written
// first, so that the mark holds them: rows inserted before the savepoint
// must survive a ROLLBACK TO it even when a later read flushes them.
func (s *Session) savepointStmt(ctx context.Context, n *tree.Savepoint) (Result, error) {
	if s.txn == nil {
		return Result{}, sqlerr.New(sqlerr.NoActiveSQLTransaction, "SAVEPOINT can only be used in transaction blocks")
	}
	if err := s.flushInserts(ctx); err != nil {
		return Result{}, err
	}
	sp := savepoint{name: string(n.Name), writes: s.block.writes, mark: s.txn.Mark()}
	s.settings.mu.Lock()
	sp.settings = s.settings.snapshotLocked()
	s.settings.mu.Unlock()
	s.block.savepoints = append(s.block.savepoints, sp)
	return Result{Tag: "SAVEPOINT"}, nil
}

// releaseSavepoint runs RELEASE [SAVEPOINT] name: the savepoint and those
// after it are forgotten, their changes kept.
func (s *Session) releaseSavepoint(n *tree.ReleaseSavepoint) (Result, error) {
	i, err := s.findSavepoint(string(n.Savepoint), "RELEASE SAVEPOINT")
	if err != nil {
		return Result{}, err
	}
	s.block.savepoints = s.block.savepoints[:i]
	return Result{Tag: "RELEASE"}, nil
}

// rollbackToSavepoint runs ROLLBACK TO [SAVEPOINT] name: the
// transaction's writes, buffered INSERT rows and settings go back to the
// savepoint, later savepoints are forgotten, and a failed block works
// again.
func (s *Session) rollbackToSavepoint(n *tree.RollbackToSavepoint) (Result, error) {
	i, err := s.findSavepoint(string(n.Savepoint), "ROLLBACK TO SAVEPOINT")
	if err != nil {
		return Result{}, err
	}
	sp := s.block.savepoints[i]
	s.txn.RollbackTo(sp.mark)
	if s.bufTxn == s.txn {
		// The savepoint flushed the buffers: every row in them now came
		// after it.
		clear(s.buffers)
	}
	s.block.writes = sp.writes
	c := &s.settings
	c.mu.Lock()
	c.session, c.local = maps.Clone(sp.settings.session), maps.Clone(sp.settings.local)
	s.settingsChangedLocked()
	c.mu.Unlock()
	s.block.savepoints = s.block.savepoints[:i+1]
	s.failed = false
	return Result{Tag: "ROLLBACK"}, nil
}

// discard runs DISCARD ALL | PLANS | SEQUENCES | TEMP[ORARY]. Apiary keeps
// no plans, sequences or temporary frames, so only ALL does something: it
// resets every setting and drops prepared statements, as PostgreSQL's
// DISCARD ALL does, and may not run inside a transaction block.
func (s *Session) discard(what string) (Result, error) {
	switch what {
	case "ALL":
		if s.txn != nil {
			return Result{}, sqlerr.New(sqlerr.ActiveSQLTransaction, "DISCARD ALL cannot run inside a transaction block")
		}
		s.resetAllSettings()
		s.discardPrepared()
	case "PLANS", "SEQUENCES", "TEMP":
	default:
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"%s\"", strings.ToLower(what))
	}
	return Result{Tag: "DISCARD " + what}, nil
}

func discardMode(m tree.DiscardMode) string {
	switch m {
	case tree.DiscardModeSequences:
		return "SEQUENCES"
	case tree.DiscardModeTemp:
		return "TEMP"
	}
	return "ALL"
}

// Transaction statements the SQL parser rejects, rewritten to forms it
// takes (WORK and TRANSACTION are noise words in PostgreSQL) or run by
// Apiary itself.
var (
	txnNoiseRe = regexp.MustCompile(`(?is)^(begin|commit|end|rollback|abort)\s+(?:work|transaction)\b(.*)$`)
	noChainRe  = regexp.MustCompile(`(?is)^(commit|end|rollback|abort)\s+and\s+no\s+chain\s*$`)
	chainRe    = regexp.MustCompile(`(?is)^(commit|end|rollback|abort)\s+and\s+chain\s*$`)
	discardRe  = regexp.MustCompile(`(?is)^discard\s+plans\s*$`)
	sessAuthRe = regexp.MustCompile(`(?is)^(show|reset)\s+session\s+authorization\s*$`)
	setAuthRe  = regexp.MustCompile(`(?is)^set\s+(?:session\s+|local\s+)?session\s+authorization\s+(.+?)\s*$`)
)

// rewriteSessionStatement returns the text the parser should read for
// body, a statement with its leading comments removed, or ok false to
// leave it as it is.
func rewriteSessionStatement(body string) (string, bool) {
	if m := txnNoiseRe.FindStringSubmatch(body); m != nil {
		// BEGIN WORK ISOLATION LEVEL ..., ROLLBACK WORK TO SAVEPOINT x.
		return strings.TrimSpace(m[1] + " " + strings.TrimSpace(m[2])), true
	}
	if m := noChainRe.FindStringSubmatch(body); m != nil {
		return m[1], true
	}
	if m := sessAuthRe.FindStringSubmatch(body); m != nil {
		return m[1] + " session_authorization", true
	}
	return "", false
}

// sessionOwnStatement returns how to run the session statements Apiary
// parses itself, nil for others.
func sessionOwnStatement(body string) func(ctx context.Context, s *Session) (Result, error) {
	switch {
	case discardRe.MatchString(body):
		return func(_ context.Context, s *Session) (Result, error) { return s.discard("PLANS") }
	case chainRe.MatchString(body):
		return func(context.Context, *Session) (Result, error) {
			return Result{}, unsupported("AND CHAIN is not supported")
		}
	}
	if m := setAuthRe.FindStringSubmatch(body); m != nil {
		arg := m[1]
		return func(_ context.Context, s *Session) (Result, error) {
			var value *string
			if !strings.EqualFold(arg, "default") {
				v := strings.Trim(arg, `'"`)
				value = &v
			}
			_, _, err := s.changeSetting(settingChange{name: "session_authorization", value: value, sql: true})
			return Result{Tag: "SET"}, err
		}
	}
	return nil
}

// checkRole accepts SET SESSION AUTHORIZATION and SET ROLE to the
// session's own user (or NONE and DEFAULT): Apiary's users have no roles
// to switch between.
func (s *Session) checkRole(d *settingDef, value string) error {
	if value == s.user || value == "" || strings.EqualFold(value, "none") && d.name == "role" {
		return nil
	}
	what := "SET SESSION AUTHORIZATION"
	if d.name == "role" {
		what = "SET ROLE"
	}
	return sqlerr.New(sqlerr.FeatureNotSupported, "%s to another user is not supported", what).
		WithDetail("The session runs as user \"%s\"; connect as \"%s\" instead.", s.user, value)
}
