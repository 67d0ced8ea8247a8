package exec

import (
	"cmp"
	"context"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The query registry knows every session of the node and every statement
// running in one, and keeps a ring of the statements that finished last.
// pg_stat_activity, system.queries and system.bees read it,
// pg_cancel_backend and pg_terminate_backend act through it, admission
// control (colony_admission.go) marks the statements it holds back, and
// the hooks registered with Engine.OnQueryFinished (metrics, the per-query
// log line) hear of every statement that ends.
//
// A statement registers in execOne, before anything else runs, and leaves
// when it is over for the client: at once for a statement without rows,
// when its rows are exhausted, fail or are closed for a query (a portal
// suspended by a row limit stays registered until then), and when Run
// returns for COPY.

// Outcomes of a finished statement (QueryRecord.Outcome, system.queries).
const (
	OutcomeSuccess   = "success"
	OutcomeError     = "error"
	OutcomeCancelled = "cancelled"
	// OutcomeRefused is a statement admission control turned away (53300).
	OutcomeRefused = "refused"
)

// QueryRecord describes a finished statement.
type QueryRecord struct {
	// ID numbers the node's statements from 1 in the order they started.
	ID   int64
	Node string
	// PID is the session's backend PID (0 for a session the wire server
	// did not start).
	PID  int32
	User string
	Hive string
	// Query is the statement's text, cut to maxQueryText bytes; bound
	// parameters of the extended protocol appear as literals.
	Query    string
	Started  time.Time
	Duration time.Duration
	// Rows is how many rows the statement returned or changed (a command
	// tag's count).
	Rows int64
	// Bees is how many bees ran the statement's operators; 0 for a
	// statement that planned none (DDL, SET, INSERT ... VALUES).
	Bees int
	// PeakMemory is the most bytes its operators held at once.
	PeakMemory int64
	// Outcome is OutcomeSuccess, OutcomeError, OutcomeCancelled or
	// OutcomeRefused; SQLState is "00000" on success, else the error's.
	Outcome  string
	SQLState sqlerr.Code
	// Err is the error the client received, nil on success.
	Err error
}

const (
	// maxQueryText caps the statement text the registry keeps, as
	// PostgreSQL's track_activity_query_size does (its default is 1 kB;
	// analytical queries are longer).
	maxQueryText = 4096
	// defaultRecentQueries is the ring's size when Config.RecentQueries
	// is 0.
	defaultRecentQueries = 200
)

// registry is the node's query registry. Its methods are safe for
// concurrent use.
type registry struct {
	node string

	mu       sync.Mutex
	sessions map[*sessionEntry]struct{}   // guarded by mu
	running  map[*statementEntry]struct{} // guarded by mu
	recent   []QueryRecord                // a ring of up to cap(recent); guarded by mu
	next     int                          // where the ring writes next; guarded by mu
	// hooks are called with each finished statement. The slice is
	// replaced, never changed in place, so callers may use a copy taken
	// under mu without holding it.
	hooks []func(QueryRecord)

	lastID atomic.Int64
}

func newRegistry(node string, recent int) *registry {
	if recent <= 0 {
		recent = defaultRecentQueries
	}
	return &registry{
		node:     node,
		sessions: map[*sessionEntry]struct{}{},
		running:  map[*statementEntry]struct{}{},
		recent:   make([]QueryRecord, 0, recent),
	}
}

// sessionEntry is one session as the registry shows it to other sessions.
type sessionEntry struct {
	user    string
	started time.Time
	closed  chan struct{} // closed when the session ends

	// The fields below are guarded by registry.mu.
	pid       int32
	hive      string
	appName   string
	terminate func() // nil when the session cannot be ended from outside
	txStatus  byte
	xactStart time.Time // when the open transaction began; zero outside one
	lastQuery string    // the running statement, else the last one
	lastStart time.Time
	active    int // statements started and not yet finished
}

// statementEntry is one running (or queued) statement.
type statementEntry struct {
	reg     *registry
	sess    *sessionEntry
	id      int64
	text    string
	started time.Time
	// ctx is the statement's context; cancel is what pg_cancel_backend
	// calls.
	ctx    context.Context
	cancel context.CancelFunc
	// admission says when admission control decides on the statement
	// (colony_admission.go); admitted is set once it may run.
	admission admissionKind
	admitted  atomic.Bool

	rows     atomic.Int64
	mem      atomic.Pointer[colexec.Memory]
	bees     atomic.Int32
	queued   atomic.Bool // waiting in the admission queue
	refused  atomic.Bool // turned away by admission control
	finished atomic.Bool
}

// sessionActivity is a session's link to the registry.
type sessionActivity struct {
	entry *sessionEntry
	// current is the statement execOne is running, nil between
	// statements. Atomic because the planner's frame lookups read it, and
	// nothing promises they all run on the session's goroutine.
	current atomic.Pointer[statementEntry]
}

// register adds a new session.
func (r *registry) register(user, hive string) *sessionEntry {
	e := &sessionEntry{user: user, hive: hive, started: time.Now(), closed: make(chan struct{}), txStatus: TxIdle}
	r.mu.Lock()
	r.sessions[e] = struct{}{}
	r.mu.Unlock()
	return e
}

// unregister removes a session that has ended. Statements it left
// unfinished (a portal suspended by a row limit and never closed) end with
// it, as cancelled.
func (r *registry) unregister(e *sessionEntry) {
	r.mu.Lock()
	_, ok := r.sessions[e]
	delete(r.sessions, e)
	var left []*statementEntry
	for st := range r.running {
		if st.sess == e {
			left = append(left, st)
		}
	}
	r.mu.Unlock()
	for _, st := range left {
		st.finish(0, context.Canceled)
	}
	if ok {
		close(e.closed)
	}
}

// setPID records the backend PID of a session (Session.SetBackendPID),
// which pg_cancel_backend and pg_terminate_backend know it by.
func (r *registry) setPID(e *sessionEntry, pid int32) {
	r.mu.Lock()
	e.pid = pid
	r.mu.Unlock()
}

// SetTerminate gives the session the function that ends its connection,
// for pg_terminate_backend: the wire server's way of closing it as an
// administrator's command. It must be safe to call from any goroutine.
func (s *Session) SetTerminate(terminate func()) {
	s.eng.activity.mu.Lock()
	s.act.entry.terminate = terminate
	s.eng.activity.mu.Unlock()
}

// beginStatement registers the statement execOne is about to run and
// returns the context it runs in, which pg_cancel_backend cancels.
func (s *Session) beginStatement(ctx context.Context, text string) (context.Context, *statementEntry) {
	r := s.eng.activity
	st := &statementEntry{reg: r, sess: s.act.entry, id: r.lastID.Add(1), text: clipQuery(text), started: time.Now(),
		admission: classifyAdmission(text)}
	st.ctx, st.cancel = context.WithCancel(ctx)
	if st.admission == admitAlways || s.failed {
		// A statement of a failed block only reports the failure.
		st.admitted.Store(true)
	}
	app := s.getSetting("application_name")
	r.mu.Lock()
	r.running[st] = struct{}{}
	e := st.sess
	e.hive, e.appName = s.hive, app
	e.active++
	e.lastQuery, e.lastStart = st.text, st.started
	if s.txn == nil {
		e.xactStart = st.started
	}
	r.mu.Unlock()
	s.act.current.Store(st)
	return st.ctx, st
}

// endStatement follows the statement's result to its end: a result
// without rows ends the statement now, rows end it when they are
// exhausted or closed, a COPY when its Run returns.
func (s *Session) endStatement(st *statementEntry, res Result, err error) (Result, error) {
	s.act.current.Store(nil)
	s.noteSessionState()
	switch {
	case err != nil:
		st.finish(0, err)
	case res.Rows != nil:
		res.Rows = &trackedRows{Rows: res.Rows, st: st}
	case res.CopyIn != nil:
		in := *res.CopyIn
		run := in.Run
		in.Run = func(ctx context.Context, data io.Reader, loc *time.Location) (string, error) {
			defer context.AfterFunc(ctx, st.cancel)()
			tag, err := run(st.ctx, data, loc)
			st.finish(tagRows(tag), err)
			return tag, err
		}
		res.CopyIn = &in
	case res.CopyOut != nil:
		out := *res.CopyOut
		run := out.Run
		out.Run = func(ctx context.Context, loc *time.Location, row func([]byte) error) (string, error) {
			defer context.AfterFunc(ctx, st.cancel)()
			tag, err := run(st.ctx, loc, row)
			st.finish(tagRows(tag), err)
			return tag, err
		}
		res.CopyOut = &out
	default:
		st.finish(tagRows(res.Tag), nil)
	}
	return res, err
}

// noteSessionState publishes the session's transaction state, hive and
// application_name, which only its own goroutine may read, for
// pg_stat_activity.
func (s *Session) noteSessionState() {
	status, hive, app := s.TxStatus(), s.hive, s.getSetting("application_name")
	r := s.eng.activity
	r.mu.Lock()
	e := s.act.entry
	e.txStatus, e.hive, e.appName = status, hive, app
	if status == TxIdle {
		e.xactStart = time.Time{}
	}
	r.mu.Unlock()
}

// queryMemory returns a fresh memory account for a query the session
// plans, and shows it as the running statement's.
func (s *Session) queryMemory() *colexec.Memory {
	m := s.eng.queryMemory()
	if st := s.act.current.Load(); st != nil {
		st.mem.Store(m)
		st.bees.Store(int32(s.eng.bees()))
	}
	return m
}

// finish records the statement's end, once: it leaves the running set for
// the ring of recent statements, and the finished hooks hear of it.
func (st *statementEntry) finish(rows int64, err error) {
	if st.finished.Swap(true) {
		return
	}
	st.cancel()
	rec := QueryRecord{
		ID: st.id, Node: st.reg.node, Query: st.text, Started: st.started, Duration: time.Since(st.started),
		Rows: rows + st.rows.Load(), Bees: int(st.bees.Load()), Outcome: OutcomeSuccess, SQLState: sqlerr.SuccessfulCompletion,
	}
	if m := st.mem.Load(); m != nil {
		rec.PeakMemory = m.Peak()
	}
	if err != nil {
		rec.Err, rec.SQLState, rec.Outcome = err, sqlerr.CodeOf(err), OutcomeError
		switch {
		case st.refused.Load():
			rec.Outcome = OutcomeRefused
		case rec.SQLState == sqlerr.QueryCanceled:
			rec.Outcome = OutcomeCancelled
		}
	}
	r := st.reg
	r.mu.Lock()
	delete(r.running, st)
	e := st.sess
	e.active--
	rec.PID, rec.User, rec.Hive = e.pid, e.user, e.hive
	if len(r.recent) < cap(r.recent) {
		r.recent = append(r.recent, rec)
	} else {
		r.recent[r.next] = rec
	}
	r.next = (r.next + 1) % cap(r.recent)
	hooks := r.hooks
	r.mu.Unlock()
	for _, h := range hooks {
		h(rec)
	}
}

// trackedRows follows a query's rows: it counts them, runs them in the
// statement's context (so that pg_cancel_backend reaches the bees) and
// ends the statement when they end.
type trackedRows struct {
	Rows
	st   *statementEntry
	stop func() bool // undoes the link from the caller's context
}

func (r *trackedRows) Next(ctx context.Context) (*vec.Batch, error) {
	if r.stop == nil {
		// The caller's context still cancels the query: the server's
		// cancel request and shutdown act through it.
		r.stop = context.AfterFunc(ctx, r.st.cancel)
	}
	b, err := r.Rows.Next(r.st.ctx)
	switch {
	case err != nil:
		r.st.finish(0, err)
	case b == nil || b.Len == 0:
		r.st.finish(0, nil)
	default:
		r.st.rows.Add(int64(b.Len))
	}
	return b, err
}

func (r *trackedRows) Close() {
	r.Rows.Close()
	if r.stop != nil {
		r.stop()
	}
	r.st.finish(0, nil)
}

// tagRows reads the row count at the end of a command tag ("INSERT 0 3",
// "COPY 12"); tags without one count 0.
func tagRows(tag string) int64 {
	i := strings.LastIndexByte(tag, ' ')
	if i < 0 {
		return 0
	}
	n, err := strconv.ParseInt(tag[i+1:], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func clipQuery(text string) string {
	if len(text) <= maxQueryText {
		return text
	}
	cut := maxQueryText
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut]
}

// OnQueryFinished registers fn to be called with every statement that
// finishes, after it has left the registry. fn runs on the goroutine that
// ran the statement, before the client hears the result of its next
// statement: it must be quick and must not block (count, log, hand off).
func (e *Engine) OnQueryFinished(fn func(QueryRecord)) {
	r := e.activity
	r.mu.Lock()
	hooks := make([]func(QueryRecord), len(r.hooks), len(r.hooks)+1)
	copy(hooks, r.hooks)
	r.hooks = append(hooks, fn)
	r.mu.Unlock()
}

// ActivityCounts reports the node's sessions, the statements running in
// them (queued ones included) and those waiting for admission.
func (e *Engine) ActivityCounts() (sessions, running, queued int) {
	r := e.activity
	r.mu.Lock()
	defer r.mu.Unlock()
	for st := range r.running {
		if st.queued.Load() {
			queued++
		}
	}
	return len(r.sessions), len(r.running), queued
}

// CancelBackend cancels the running statement of the session with that
// PID, as pg_cancel_backend does; ok is false when no session has it.
func (e *Engine) CancelBackend(pid int32) (ok bool) {
	r := e.activity
	var cancels []context.CancelFunc
	r.mu.Lock()
	for s := range r.sessions {
		if s.pid == pid && pid != 0 {
			ok = true
		}
	}
	for st := range r.running {
		if ok && st.sess.pid == pid {
			cancels = append(cancels, st.cancel)
		}
	}
	r.mu.Unlock()
	for _, c := range cancels {
		c()
	}
	return ok
}

// TerminateBackend ends the session with that PID, as
// pg_terminate_backend does: its running statement is cancelled and its
// connection closed. With a positive timeout it waits that long for the
// session to end and reports whether it did; ok is false when no session
// has the PID or it cannot be ended from outside.
func (e *Engine) TerminateBackend(ctx context.Context, pid int32, timeout time.Duration) (ok bool, err error) {
	if timeout < 0 {
		return false, sqlerr.New(sqlerr.InvalidParameterValue, "\"timeout\" must not be negative")
	}
	r := e.activity
	var target *sessionEntry
	var terminate func()
	r.mu.Lock()
	for s := range r.sessions {
		if s.pid == pid && pid != 0 && s.terminate != nil {
			target, terminate = s, s.terminate
		}
	}
	r.mu.Unlock()
	if target == nil {
		return false, nil
	}
	terminate()
	if timeout == 0 {
		return true, nil
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-target.closed:
		return true, nil
	case <-t.C:
		return false, nil
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// queryRow is a statement of system.queries, running or finished.
type queryRow struct {
	QueryRecord
	state  string // "queued", "running" or "finished"
	memory int64  // bytes held now (running) or at the peak (finished)
}

// queries returns the running statements, oldest first, then the recent
// ones, newest first.
func (r *registry) queries() []queryRow {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]queryRow, 0, len(r.running)+len(r.recent))
	for st := range r.running {
		q := queryRow{QueryRecord: QueryRecord{
			ID: st.id, Node: r.node, PID: st.sess.pid, User: st.sess.user, Hive: st.sess.hive, Query: st.text,
			Started: st.started, Duration: now.Sub(st.started), Rows: st.rows.Load(), Bees: int(st.bees.Load()),
		}, state: "running"}
		if st.queued.Load() {
			q.state = "queued"
		}
		if m := st.mem.Load(); m != nil {
			q.memory = m.Used()
		}
		out = append(out, q)
	}
	slices.SortFunc(out, func(a, b queryRow) int { return cmp.Compare(a.ID, b.ID) })
	for i := 1; i <= len(r.recent); i++ {
		rec := r.recent[(r.next-i+cap(r.recent))%cap(r.recent)]
		out = append(out, queryRow{QueryRecord: rec, state: "finished", memory: rec.PeakMemory})
	}
	return out
}

// memoryInUse sums what the running statements' operators hold, and
// reports, for system.bees, the PIDs of the statements that run on bees,
// oldest first.
func (r *registry) memoryInUse() (used int64, beePIDs []int32) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var onBees []*statementEntry
	for st := range r.running {
		if m := st.mem.Load(); m != nil {
			used += m.Used()
		}
		if st.bees.Load() > 0 && !st.queued.Load() {
			onBees = append(onBees, st)
		}
	}
	slices.SortFunc(onBees, func(a, b *statementEntry) int { return cmp.Compare(a.id, b.id) })
	for _, st := range onBees {
		beePIDs = append(beePIDs, st.sess.pid)
	}
	return used, beePIDs
}

// pgActivity returns pg_stat_activity's rows: every session of the node.
func (r *registry) pgActivity() []pgcatalog.Activity {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]pgcatalog.Activity, 0, len(r.sessions))
	for e := range r.sessions {
		a := pgcatalog.Activity{
			PID: e.pid, User: e.user, Database: e.hive, ApplicationName: e.appName, BackendStart: e.started,
			XactStart: e.xactStart, QueryStart: e.lastStart, Query: e.lastQuery,
		}
		switch {
		case e.active > 0:
			a.State = "active"
		case e.txStatus == TxActive:
			a.State = "idle in transaction"
		case e.txStatus == TxFailed:
			a.State = "idle in transaction (aborted)"
		default:
			a.State = "idle"
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b pgcatalog.Activity) int { return cmp.Compare(a.PID, b.PID) })
	return out
}

// The statement's catalog view is the Session the expression library sees;
// it reaches the other sessions through the engine.
var _ expr.BackendSignaler = (*catalogView)(nil)

func (v *catalogView) CancelBackend(pid int32) bool { return v.eng.CancelBackend(pid) }

func (v *catalogView) TerminateBackend(pid int32, timeout time.Duration) (bool, error) {
	if pid == v.pid {
		// The session cannot end while it runs this statement: waiting
		// for it would only use up the timeout.
		timeout = 0
	}
	return v.eng.TerminateBackend(context.Background(), pid, timeout)
}
