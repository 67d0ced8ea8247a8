package exec

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// Admission control keeps a hot node from taking on more work than it can
// carry. While the node is hot, a new statement waits in a bounded queue
// until the node cools below hot; when it is critical, when the queue is
// full or when the wait lasts longer than the timeout, the statement is
// refused with 53300 and a message that names the temperature and what to
// do. Each sample below hot lets in up to one queued statement per bee,
// oldest first, so that a cooled node does not take its whole backlog at
// once and heat up again.
//
// Statements that carry no load, or that an operator needs in order to
// cool the node, are never held back: transaction control (COMMIT and
// ROLLBACK must always end a block), SET, RESET, SHOW (SHOW COLONY among
// them), DISCARD, DEALLOCATE, cursor FETCH, MOVE and CLOSE (their query
// was admitted at DECLARE), USE, DESCRIBE and EXPLAIN without ANALYZE.
// Queries (SELECT, WITH, VALUES, TABLE, DECLARE, EXECUTE, EXPLAIN ANALYZE)
// are admitted when they first read a frame, so that a query of the
// catalogs or the system frames (psql's \d, system.queries, a call of
// pg_cancel_backend) runs on a hot node too. Everything else (INSERT, COPY,
// CREATE, DROP, TRUNCATE, OPTIMIZE, ...) is admitted before it starts.

// admissionKind says when admission control decides on a statement.
type admissionKind uint8

const (
	// admitAlways: never held back.
	admitAlways admissionKind = iota
	// admitOnFrameRead: decided when the statement first reads a frame.
	admitOnFrameRead
	// admitAtStart: decided before the statement runs.
	admitAtStart
)

// Defaults of the admission configuration.
const (
	// DefaultAdmissionQueue is how many statements may wait for admission
	// when Config.AdmissionQueue is 0.
	DefaultAdmissionQueue = 32
	// DefaultAdmissionTimeout is how long a statement waits for admission
	// when Config.AdmissionTimeout is 0.
	DefaultAdmissionTimeout = 30 * time.Second
)

type admissionConfig struct {
	off     bool
	queue   int // places in the queue; 0 means a hot node refuses at once
	timeout time.Duration
}

func newAdmissionConfig(cfg Config) admissionConfig {
	a := admissionConfig{off: cfg.AdmissionOff, queue: cfg.AdmissionQueue, timeout: cfg.AdmissionTimeout}
	switch {
	case a.queue == 0:
		a.queue = DefaultAdmissionQueue
	case a.queue < 0:
		a.queue = 0
	}
	if a.timeout <= 0 {
		a.timeout = DefaultAdmissionTimeout
	}
	return a
}

var (
	admitAlwaysRe = regexp.MustCompile(`(?i)^(begin|start|commit|end|rollback|abort|savepoint|release|set|reset|show|` +
		`discard|deallocate|prepare|close|fetch|move|use|describe|desc|listen|unlisten)\b`)
	admitOnReadRe    = regexp.MustCompile(`(?i)^(select|with|values|table|declare|execute)\b`)
	explainRe        = regexp.MustCompile(`(?i)^explain\b`)
	explainAnalyzeRe = regexp.MustCompile(`(?is)^explain\s*(analy[sz]e\b|\([^)]*\banaly[sz]e\b(\s+(true|on|1))?\s*[,)])`)
)

// classifyAdmission tells from a statement's first words when admission
// control decides on it.
func classifyAdmission(text string) admissionKind {
	body := strings.TrimLeft(stripLeadingComments(text), "( \t\r\n")
	switch {
	case explainAnalyzeRe.MatchString(body):
		return admitOnFrameRead
	case explainRe.MatchString(body) || admitAlwaysRe.MatchString(body):
		return admitAlways
	case admitOnReadRe.MatchString(body):
		return admitOnFrameRead
	}
	return admitAtStart
}

// admissionWaiter is a statement in the admission queue.
type admissionWaiter struct {
	ready    chan struct{} // closed when the statement is let in
	admitted bool          // guarded by Colony.mu
}

// admitAtStart holds back a statement admission control decides on before
// it runs; execOne calls it.
func (s *Session) admitAtStart(ctx context.Context, st *statementEntry) error {
	if st.admission != admitAtStart {
		return nil
	}
	return s.eng.admit(ctx, st)
}

// admitFrameRead holds back the running statement, if admission control
// has not let it in yet, as it reads its first frame. Statements planned
// outside execOne (Parse describing a statement) are not held back: they
// run nothing.
func (s *Session) admitFrameRead(ctx context.Context) error {
	st := s.act.current.Load()
	if st == nil {
		return nil
	}
	return s.eng.admit(ctx, st)
}

// admit lets st run now, after a wait in the queue, or refuses it.
func (e *Engine) admit(ctx context.Context, st *statementEntry) error {
	if st.admitted.Load() {
		return nil
	}
	err := e.colony.admit(ctx, st)
	switch {
	case err == nil:
		st.admitted.Store(true)
	case sqlerr.CodeOf(err) == sqlerr.TooManyConnections:
		st.refused.Store(true)
	}
	return err
}

// admit decides on one statement: nil when it may run.
func (c *Colony) admit(ctx context.Context, st *statementEntry) error {
	if c.admission.off {
		return nil
	}
	c.mu.Lock()
	cool := c.reading.Band != BandHot && c.reading.Band != BandCritical
	c.mu.Unlock()
	if cool {
		return nil
	}
	// Hot at the last sample: is it still, with the memory held now?
	inUse := c.memoryInUse()
	c.mu.Lock()
	c.refreshLocked(inUse)
	switch r := c.reading; {
	case r.Band == BandCritical:
		c.mu.Unlock()
		return refusal(r, "node %s is critical (colony temperature %.1f) and takes no new queries", r.Node, r.Temperature)
	case r.Band != BandHot:
		c.mu.Unlock()
		return nil
	case len(c.waiting) >= c.admission.queue:
		c.mu.Unlock()
		return refusal(r, "node %s is hot (colony temperature %.1f) and its admission queue is full (%d queries wait)",
			r.Node, r.Temperature, len(c.waiting))
	}
	w := &admissionWaiter{ready: make(chan struct{})}
	c.waiting = append(c.waiting, w)
	c.reading.QueueDepth = len(c.waiting)
	c.mu.Unlock()

	st.queued.Store(true)
	defer st.queued.Store(false)
	timer := time.NewTimer(c.admission.timeout)
	defer timer.Stop()
	select {
	case <-w.ready:
		return nil
	case <-timer.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	if w.admitted {
		// Let in as the wait ended: it runs.
		c.mu.Unlock()
		return nil
	}
	for i, x := range c.waiting {
		if x == w {
			c.waiting = append(c.waiting[:i:i], c.waiting[i+1:]...)
			break
		}
	}
	c.reading.QueueDepth = len(c.waiting)
	r := c.reading
	c.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	return refusal(r, "node %s stayed %s (colony temperature %.1f) for the %s this query waited for admission",
		r.Node, r.Band, r.Temperature, c.admission.timeout)
}

// releaseLocked lets queued statements in, oldest first and at most one
// per bee, when the node is below hot.
func (c *Colony) releaseLocked() {
	if c.reading.Band == BandHot || c.reading.Band == BandCritical || len(c.waiting) == 0 {
		return
	}
	n := min(len(c.waiting), c.releaseBatch)
	for _, w := range c.waiting[:n] {
		w.admitted = true
		close(w.ready)
	}
	c.waiting = append([]*admissionWaiter(nil), c.waiting[n:]...)
	c.reading.QueueDepth = len(c.waiting)
}

// refusal is the 53300 error of a statement admission control turns away.
func refusal(r ColonyReading, format string, args ...any) error {
	return sqlerr.New(sqlerr.TooManyConnections, format, args...).
		WithDetail("%s.", describeInputs(r)).
		WithHint("Retry in a while. SHOW COLONY tells what heats the node; " +
			"SELECT pid, query, duration FROM system.queries WHERE state = 'running' lists what runs, " +
			"and SELECT pg_cancel_backend(pid) stops a query. A node that is often hot needs fewer " +
			"concurrent queries, more memory per bee or more nodes.")
}
