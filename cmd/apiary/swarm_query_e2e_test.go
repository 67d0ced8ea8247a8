package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/objstore/objstoretest"
	"github.com/apiarydb/apiary/regress/tpch"
)

// Distributed queries across real `apiary serve` processes that share one
// storage and nothing else: the same answers as one node, a worker killed
// mid-query, every worker gone, and a node that comes back.

// tpchE2EScale is small enough that generating and loading take about a
// second, large enough that every query returns rows.
const tpchE2EScale = 0.01

// startQueryNode starts a swarm node for distributed queries: the
// membership timings of swarmNode, polls every 20 ms, and the debug log
// that records each fragment a coordinator sends, for diagnosis.
func startQueryNode(t *testing.T, storage, name string, env []string, args ...string) *node {
	t.Helper()
	all := append([]string{"--listen", "127.0.0.1:0", "--http", "off", "--storage", storage, "--name", name,
		"--heartbeat-interval", "100ms", "--suspect-after", "500ms", "--dead-after", "1s",
		"--swarm-poll-interval", "20ms", "--log-level", "debug"}, args...)
	return launchNode(t, env, all...).waitReady(t)
}

// kill ends the node's process with SIGKILL and waits for it.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-n.done
	_ = n.cmd.Wait() // killed: the error says so
}

// session is one client connection with apiary.distribution set.
func session(t *testing.T, n *node, distribution string) *pgx.Conn {
	t.Helper()
	conn := n.pgx(t)
	if _, err := conn.Exec(context.Background(), "SET apiary.distribution = '"+distribution+"'"); err != nil {
		t.Fatalf("SET apiary.distribution = %s: %v", distribution, err)
	}
	return conn
}

// textResult is a result as the wire carries it: column names and type
// OIDs, then every value's text ("\x00NULL" for NULL), in order.
type textResult struct {
	cols []string
	rows [][]string
}

const nullText = "\x00NULL"

func queryText(ctx context.Context, conn *pgx.Conn, sql string) (textResult, error) {
	results, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return textResult{}, err
	}
	var out textResult
	for _, r := range results {
		if r.Err != nil {
			return textResult{}, r.Err
		}
		if len(r.FieldDescriptions) == 0 {
			continue
		}
		out = textResult{}
		for _, f := range r.FieldDescriptions {
			out.cols = append(out.cols, fmt.Sprintf("%s:%d", f.Name, f.DataTypeOID))
		}
		for _, row := range r.Rows {
			vals := make([]string, len(row))
			for i, v := range row {
				if v == nil {
					vals[i] = nullText
				} else {
					vals[i] = string(v)
				}
			}
			out.rows = append(out.rows, vals)
		}
	}
	return out, nil
}

// diff says how got differs from want, or "" when they are equal.
func (want textResult) diff(got textResult) string {
	if !slices.Equal(want.cols, got.cols) {
		return fmt.Sprintf("columns %v, want %v", got.cols, want.cols)
	}
	if len(got.rows) != len(want.rows) {
		return fmt.Sprintf("%d rows, want %d", len(got.rows), len(want.rows))
	}
	for i := range want.rows {
		if !slices.Equal(want.rows[i], got.rows[i]) {
			return fmt.Sprintf("row %d is %q, want %q", i+1, got.rows[i], want.rows[i])
		}
	}
	return ""
}

func (r textResult) String() string {
	var b strings.Builder
	b.WriteString(strings.Join(r.cols, " | "))
	for i, row := range r.rows {
		if i == 20 {
			fmt.Fprintf(&b, "\n... %d rows", len(r.rows))
			break
		}
		b.WriteString("\n" + strings.Join(row, " | "))
	}
	return b.String()
}

// loadTPCH creates the eight tables through n and loads them at sf with
// COPY FROM STDIN. The larger tables go in several COPYs, one cell or
// more each, so that placement has cells to share out over the nodes.
func loadTPCH(t *testing.T, n *node, sf float64) {
	t.Helper()
	ctx := context.Background()
	conn := n.pgx(t)
	for _, tab := range tpch.Tables {
		ddl, err := tpch.DDL(tab.Name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(ctx, ddl); err != nil {
			t.Fatalf("%s: %v", ddl, err)
		}
		var csv bytes.Buffer
		if err := tpch.Generate(sf, tab.Name, &csv, tpch.CSV); err != nil {
			t.Fatal(err)
		}
		for _, chunk := range tpch.SplitLines(csv.Bytes(), 6, 1000) {
			if _, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(chunk), "COPY "+tab.Name+" FROM STDIN (FORMAT csv)"); err != nil {
				t.Fatalf("COPY %s: %v", tab.Name, err)
			}
		}
	}
}

// taskRow is one row of system.tasks.
type taskRow struct {
	query          int64
	task, attempts int32
	node, state    string
	err            string
}

func systemTasks(t *testing.T, conn *pgx.Conn) []taskRow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT query_id, task, node, state, attempts, coalesce(error, '') FROM system.tasks")
	if err != nil {
		t.Fatalf("system.tasks: %v", err)
	}
	defer rows.Close()
	var out []taskRow
	for rows.Next() {
		var r taskRow
		if err := rows.Scan(&r.query, &r.task, &r.node, &r.state, &r.attempts, &r.err); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("system.tasks: %v", err)
	}
	return out
}

// newTasks returns the rows of system.tasks whose queries are not in
// before: the tasks of the queries run since before was read.
func newTasks(before, after []taskRow) []taskRow {
	old := map[int64]bool{}
	for _, r := range before {
		old[r.query] = true
	}
	var out []taskRow
	for _, r := range after {
		if !old[r.query] {
			out = append(out, r)
		}
	}
	return out
}

// fragmentsLogged is what the coordinator's debug log says it sent to the
// swarm, for a failure's report.
func fragmentsLogged(n *node) string {
	var out []string
	for _, line := range strings.Split(n.logText(), "\n") {
		if strings.Contains(line, "swarm:") {
			out = append(out, line)
		}
	}
	if len(out) > 12 {
		out = out[len(out)-12:]
	}
	return strings.Join(out, "\n")
}

// runTPCHSwarm loads TPC-H through one node of three and runs every query
// with distribution off and forced, each through a different coordinator:
// the answers must be equal, byte for byte and in order.
func runTPCHSwarm(t *testing.T, storage string) {
	// No node dies here: patient judgements keep a loaded machine's slow
	// heartbeat from making a node suspect and its task retried.
	patient := []string{"--suspect-after", "3s", "--dead-after", "6s"}
	nodes := []*node{startQueryNode(t, storage, "a", nil, patient...), startQueryNode(t, storage, "b", nil, patient...),
		startQueryNode(t, storage, "c", nil, patient...)}
	loadStart := time.Now()
	loadTPCH(t, nodes[0], tpchE2EScale)
	t.Logf("TPC-H SF %g loaded in %s", tpchE2EScale, time.Since(loadStart).Round(time.Millisecond))
	waitForStates(t, nodes[0], "a=alive b=alive c=alive")
	waitForStates(t, nodes[1], "a=alive b=alive c=alive")
	waitForStates(t, nodes[2], "a=alive b=alive c=alive")

	never := make([]*pgx.Conn, len(nodes))
	always := make([]*pgx.Conn, len(nodes))
	for i, n := range nodes {
		never[i], always[i] = session(t, n, "never"), session(t, n, "always")
	}
	usedNodes := map[string]bool{}
	var distributed, local []string
	for q := 1; q <= 22; q++ {
		sql, err := tpch.QueryForSF(q, tpchE2EScale)
		if err != nil {
			t.Fatal(err)
		}
		coord := (q - 1) % len(nodes)
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		want, err := queryText(ctx, never[coord], sql)
		if err != nil {
			cancel()
			t.Fatalf("Q%d with distribution never: %v", q, err)
		}
		before := systemTasks(t, never[coord])
		got, err := queryText(ctx, always[coord], sql)
		cancel()
		tasks := newTasks(before, systemTasks(t, never[coord]))
		name := fmt.Sprintf("Q%d", q)
		if err != nil {
			t.Errorf("%s distributed through %s fails where it runs locally: %v\nlocal result:\n%s\ncoordinator's swarm log:\n%s",
				name, "abc"[coord:coord+1], err, want, fragmentsLogged(nodes[coord]))
			continue
		}
		if d := want.diff(got); d != "" {
			t.Errorf("%s distributed through %s differs from its local answer: %s\nlocal:\n%s\ndistributed:\n%s\ncoordinator's swarm log:\n%s",
				name, "abc"[coord:coord+1], d, want, got, fragmentsLogged(nodes[coord]))
		}
		if len(tasks) == 0 {
			local = append(local, name)
			continue
		}
		distributed = append(distributed, name)
		for _, r := range tasks {
			usedNodes[r.node] = true
			if r.state != "done" {
				t.Errorf("%s: system.tasks row %+v, want done", name, r)
			}
		}
	}
	t.Logf("distributed %d of 22 queries (%s); run locally: %s; nodes that ran tasks: %v",
		len(distributed), strings.Join(distributed, " "), strings.Join(local, " "), slices.Sorted(maps.Keys(usedNodes)))
	if len(usedNodes) < 2 {
		t.Errorf("tasks ran on %v only; the swarm has three nodes", usedNodes)
	}
	// The cut of exec/distribute_cut.go leaves some shapes local; this
	// floor is what it reached when the test was written.
	if len(distributed) < minDistributedTPCH {
		t.Errorf("%d of 22 queries were distributed, want at least %d", len(distributed), minDistributedTPCH)
	}
}

// minDistributedTPCH is how many TPC-H queries the planner distributes
// at least.
const minDistributedTPCH = 20

func TestSwarmTPCHLocal(t *testing.T) {
	runTPCHSwarm(t, "file://"+t.TempDir())
}

func TestSwarmTPCHMinIO(t *testing.T) {
	runTPCHSwarm(t, objstoretest.StartMinIO(t))
}

// loadCells creates a frame of cells rows through n, in cells COPYs of
// one cell each: enough cells that every node of three gets some.
func loadCells(t *testing.T, n *node, cells, rows int) {
	t.Helper()
	ctx := context.Background()
	conn := n.pgx(t)
	if _, err := conn.Exec(ctx, "CREATE TABLE events (id int NOT NULL, kind text, amount numeric(12,2))"); err != nil {
		t.Fatal(err)
	}
	for c := range cells {
		var b bytes.Buffer
		for i := range rows {
			id := c*rows + i
			fmt.Fprintf(&b, "%d,kind-%d,%d.%02d\n", id, id%7, id%1000, id%100)
		}
		if _, err := conn.PgConn().CopyFrom(ctx, &b, "COPY events FROM STDIN (FORMAT csv)"); err != nil {
			t.Fatal(err)
		}
	}
}

const eventsQuery = "SELECT kind, count(*), sum(amount), min(id), max(id) FROM events GROUP BY kind ORDER BY kind"

// eventsAnswer loads events through a, coordinator of nodes a, b and c,
// waits until a sees all three alive, and returns eventsQuery's answer on
// a alone and a session on a to watch system.tasks through.
func eventsAnswer(t *testing.T, a *node, cells, rows int) (textResult, *pgx.Conn) {
	t.Helper()
	loadCells(t, a, cells, rows)
	waitForStates(t, a, "a=alive b=alive c=alive")
	want, err := queryText(context.Background(), session(t, a, "never"), eventsQuery)
	if err != nil {
		t.Fatal(err)
	}
	return want, session(t, a, "never")
}

// queryOutcome is what a query running in the background returned.
type queryOutcome struct {
	res  textResult
	err  error
	took time.Duration
}

func queryInBackground(conn *pgx.Conn, sql string) <-chan queryOutcome {
	out := make(chan queryOutcome, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		start := time.Now()
		res, err := queryText(ctx, conn, sql)
		out <- queryOutcome{res, err, time.Since(start)}
	}()
	return out
}

// waitForTasks polls system.tasks through conn until ready accepts the
// rows of the queries not in before, and returns them.
func waitForTasks(t *testing.T, conn *pgx.Conn, before []taskRow, what string, ready func([]taskRow) bool) []taskRow {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		rows := newTasks(before, systemTasks(t, conn))
		if ready(rows) {
			return rows
		}
		if time.Now().After(deadline) {
			t.Fatalf("system.tasks never showed %s; last %+v", what, rows)
		}
		time.Sleep(20 * time.Millisecond) // polling pace, not synchronisation
	}
}

// A worker killed with SIGKILL in the middle of its fragment: the
// coordinator sees it turn suspect, gives its task to another node, and
// the query returns the answer it has on one node.
func TestSwarmWorkerKilledMidQuery(t *testing.T) {
	storage := "file://" + t.TempDir()
	a := startQueryNode(t, storage, "a", nil)
	b := startQueryNode(t, storage, "b", []string{fragmentDelayEnv + "=1h"})
	startQueryNode(t, storage, "c", nil)
	want, watch := eventsAnswer(t, a, 24, 500)
	before := systemTasks(t, watch)
	outcome := queryInBackground(session(t, a, "always"), eventsQuery)
	onB := waitForTasks(t, watch, before, "a task running on b", func(rows []taskRow) bool {
		return slices.ContainsFunc(rows, func(r taskRow) bool { return r.node == "b" && r.state == "running" })
	})
	i := slices.IndexFunc(onB, func(r taskRow) bool { return r.node == "b" && r.state == "running" })
	query, task := onB[i].query, onB[i].task
	b.kill(t)

	o := <-outcome
	if o.err != nil {
		t.Fatalf("the query failed after its worker b was killed: %v\ncoordinator's log:\n%s", o.err, fragmentsLogged(a))
	}
	if d := want.diff(o.res); d != "" {
		t.Fatalf("after b was killed, the distributed answer differs: %s\nlocal:\n%s\ndistributed:\n%s", d, want, o.res)
	}
	rows := newTasks(before, systemTasks(t, watch))
	j := slices.IndexFunc(rows, func(r taskRow) bool { return r.query == query && r.task == task })
	if j < 0 {
		t.Fatalf("task %d of query %d is gone from system.tasks: %+v", task, query, rows)
	}
	if r := rows[j]; r.attempts < 2 || r.state != "done" || r.node == "b" || !regexp.MustCompile(`suspect|dead|gone`).MatchString(r.err) {
		t.Errorf("b's task after the kill: %+v; want done elsewhere at attempt 2 or later, b's fate in the error", r)
	}
	t.Logf("query took %s with b killed; tasks %+v", o.took.Round(time.Millisecond), rows)
}

// Every worker gone: a coordinator-only node's query fails with 58000 and
// a diagnostic naming the task, the nodes tried and why, well within the
// task timeout; once a worker comes back under its old name, the same
// query runs on it.
func TestSwarmEveryWorkerGone(t *testing.T) {
	storage := "file://" + t.TempDir()
	const taskTimeout = 20 * time.Second
	a := startQueryNode(t, storage, "a", nil, "--swarm-worker=false", "--task-timeout", taskTimeout.String())
	if !strings.Contains(a.logText(), "swarm worker off") {
		t.Errorf("a coordinator-only node does not say so in its log:\n%s", a.logText())
	}
	hold := []string{fragmentDelayEnv + "=1h"}
	b := startQueryNode(t, storage, "b", hold)
	c := startQueryNode(t, storage, "c", hold)
	want, watch := eventsAnswer(t, a, 12, 200)
	always := session(t, a, "always")
	before := systemTasks(t, watch)
	outcome := queryInBackground(always, eventsQuery)
	// Both workers hold their fragments: the query is in flight on them.
	running := waitForTasks(t, watch, before, "every task running", func(rows []taskRow) bool {
		return len(rows) > 0 && !slices.ContainsFunc(rows, func(r taskRow) bool { return r.state != "running" })
	})
	for _, r := range running {
		if r.node == "a" {
			t.Errorf("the coordinator-only node was given a task: %+v", r)
		}
	}
	gone := time.Now()
	b.stop(t) // leaves: its heartbeat says so
	c.kill(t) // falls silent: suspect after 500ms

	o := <-outcome
	var pe *pgconn.PgError
	if !errors.As(o.err, &pe) {
		t.Fatalf("with every worker gone the query returned %v, %v; want 58000\nlog:\n%s", o.res, o.err, fragmentsLogged(a))
	}
	took := time.Since(gone)
	t.Logf("failed %s after the workers went: %s: %s (%s)", took.Round(time.Millisecond), pe.Code, pe.Message, pe.Detail)
	if pe.Code != "58000" || !regexp.MustCompile(`task \d+ of query \d+ failed after \d+ attempts`).MatchString(pe.Message) {
		t.Errorf("error %s %q, want 58000 naming the task", pe.Code, pe.Message)
	}
	if !regexp.MustCompile(`attempt 1 on node [bc]: it (is left|is suspect|is dead|restarted|s heartbeat is gone)`).MatchString(pe.Detail) ||
		!strings.Contains(pe.Detail, "no node taking tasks was alive") {
		t.Errorf("detail %q does not name the nodes tried and why", pe.Detail)
	}
	if took > taskTimeout {
		t.Errorf("the query failed %s after its workers went, later than the task timeout %s", took, taskTimeout)
	}

	// b comes back, without the hold: once a sees it, it is used again.
	startQueryNode(t, storage, "b", nil)
	waitForStates(t, a, "a=alive b=alive c=dead")
	before = systemTasks(t, watch)
	got, err := queryText(context.Background(), always, eventsQuery)
	if err != nil {
		t.Fatalf("with b back, the query fails: %v\nlog:\n%s", err, fragmentsLogged(a))
	}
	if d := want.diff(got); d != "" {
		t.Errorf("with b back, the answer differs: %s", d)
	}
	rows := newTasks(before, systemTasks(t, watch))
	if len(rows) == 0 {
		t.Fatal("with b back, the query made no tasks")
	}
	for _, r := range rows {
		if r.node != "b" || r.state != "done" {
			t.Errorf("with b back: task %+v, want done on b", r)
		}
	}
}
