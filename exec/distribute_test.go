package exec

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

// loopbackSwarm runs every fragment in this process, through the same
// payload encoding and Arrow results as the real swarm, spreading cells
// over named pretend nodes.
type loopbackSwarm struct {
	eng   *Engine
	nodes []string

	mu    sync.Mutex
	runs  int
	tasks int
	last  []Fragment
}

func (l *loopbackSwarm) Alive() int { return len(l.nodes) }

func (l *loopbackSwarm) Place(keys []string) []string {
	if len(l.nodes) == 0 {
		return nil
	}
	out := make([]string, len(keys))
	for i, k := range keys {
		h := fnv.New32a()
		h.Write([]byte(k))
		out[i] = l.nodes[int(h.Sum32())%len(l.nodes)]
	}
	return out
}

func (l *loopbackSwarm) Run(ctx context.Context, _ int64, tasks []SwarmTask) ([][]byte, error) {
	out := make([][]byte, len(tasks))
	var frags []Fragment
	for i, t := range tasks {
		f, err := UnmarshalFragment(t.Payload)
		if err != nil {
			return nil, err
		}
		frags = append(frags, f)
		if out[i], err = l.eng.RunFragment(ctx, f); err != nil {
			return nil, err
		}
	}
	l.mu.Lock()
	l.runs++
	l.tasks += len(tasks)
	l.last = frags
	l.mu.Unlock()
	return out, nil
}

func (l *loopbackSwarm) counts() (runs, tasks int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.runs, l.tasks
}

// distributedSession is a session on an engine whose swarm is a loopback
// of three pretend nodes.
func distributedSession(t *testing.T) (*Session, *loopbackSwarm) {
	t.Helper()
	ctx := context.Background()
	sw := &loopbackSwarm{nodes: []string{"a", "b", "c"}}
	eng, err := NewEngine(ctx, objstore.NewMem(), Config{Node: "test", Swarm: sw, Bees: 2})
	if err != nil {
		t.Fatal(err)
	}
	sw.eng = eng
	s, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, sw
}

// loadDistributionData makes frames of several cells each (one per
// INSERT statement).
func loadDistributionData(t *testing.T, s *Session) {
	mustRun(t, s, "CREATE TABLE facts (id int, grp text, qty int, price numeric(10,2), f float8, d date, flag bool, big bigint)")
	mustRun(t, s, "CREATE TABLE dims (grp text, label text, weight int)")
	mustRun(t, s, "INSERT INTO dims VALUES ('a', 'Alpha', 1), ('b', 'Beta', 2), ('c', 'Gamma', 3), ('z', 'Zeta', 9)")
	for c := 0; c < 6; c++ {
		var rows []string
		for i := 0; i < 50; i++ {
			id := c*50 + i
			grp := string(rune('a' + id%4))
			qty := "NULL"
			if id%7 != 0 {
				qty = fmt.Sprint(id % 13)
			}
			rows = append(rows, fmt.Sprintf("(%d, '%s', %s, %d.%02d, %g, date '2024-01-01' + %d, %v, %d)",
				id, grp, qty, id%50, id%100, float64(id)/8, id%30, id%3 == 0, int64(id)*1000003))
		}
		mustRun(t, s, "INSERT INTO facts VALUES "+strings.Join(rows, ", "))
	}
}

// distributionQueries are compared distributed and local; each reads
// facts, the largest frame, so each is cut.
var distributionQueries = []string{
	// partial aggregation
	"SELECT grp, count(*), count(qty), sum(qty), avg(qty), min(price), max(d), sum(price), avg(price), avg(f), sum(f), bool_and(flag), bool_or(flag), every(flag), sum(big), avg(big) FROM facts GROUP BY grp ORDER BY grp",
	"SELECT count(*), sum(qty) FROM facts",
	"SELECT count(*), sum(qty), avg(qty), max(price) FROM facts WHERE id < 0",
	"SELECT grp AS g, sum(qty) * 2 + 1 AS s FROM facts GROUP BY g HAVING sum(qty) > 10 ORDER BY s DESC, g",
	"SELECT d, count(*) FILTER (WHERE flag), sum(qty) FILTER (WHERE qty > 3) FROM facts GROUP BY 1 ORDER BY 1 LIMIT 5",
	"SELECT label, sum(qty * weight) AS w FROM facts JOIN dims USING (grp) GROUP BY label ORDER BY w DESC",
	"SELECT extract(day FROM d) AS dd, count(*) FROM facts GROUP BY extract(day FROM d) ORDER BY 1",
	"SELECT upper(grp), count(*) FROM facts GROUP BY grp ORDER BY count(*), upper(grp)",
	"SELECT DISTINCT count(*) FROM facts GROUP BY grp",
	// rows
	"SELECT grp, count(DISTINCT qty), string_agg(DISTINCT grp, ',') FROM facts GROUP BY grp ORDER BY grp",
	"SELECT grp, stddev(qty), variance(price) FROM facts GROUP BY grp ORDER BY grp",
	"SELECT d, string_agg(DISTINCT grp, ',' ORDER BY grp DESC) FROM facts GROUP BY d ORDER BY d",
	"SELECT id, sum(qty) OVER (PARTITION BY grp ORDER BY id) FROM facts WHERE id < 40 ORDER BY id",
	// block
	"SELECT id, grp, qty FROM facts WHERE qty > 10 ORDER BY id",
	"SELECT * FROM facts WHERE id % 17 = 0",
	"SELECT id, price FROM facts ORDER BY price DESC, id LIMIT 7",
	"SELECT id FROM facts ORDER BY qty NULLS FIRST, id LIMIT 5 OFFSET 3",
	"SELECT id FROM facts ORDER BY id LIMIT 9223372036854775807 OFFSET 290",
	"SELECT upper(grp) AS g, count(*) FROM facts GROUP BY g ORDER BY g",
	"SELECT DISTINCT grp FROM facts ORDER BY grp",
	"SELECT f.id, dims.label FROM facts f LEFT JOIN dims ON dims.grp = f.grp WHERE f.id < 10 ORDER BY 1",
	"SELECT label, n FROM dims JOIN (SELECT grp, count(*) AS n FROM facts GROUP BY grp) c ON c.grp = dims.grp ORDER BY label",
	"WITH big AS (SELECT grp, sum(qty) AS total FROM facts GROUP BY grp) SELECT * FROM big WHERE total = (SELECT max(total) FROM big)",
	"SELECT grp FROM facts WHERE id = 3 UNION ALL SELECT grp FROM dims ORDER BY 1",
	"SELECT id FROM facts WHERE grp IN (SELECT grp FROM dims WHERE weight > 1) AND id < 30 ORDER BY id",
	"SELECT count(*) FROM facts f WHERE EXISTS (SELECT 1 FROM dims WHERE dims.grp = f.grp AND weight = 2)",
	// Every node's fragment sees the coordinator's statement time.
	"SELECT count(*) FROM (SELECT DISTINCT now(), current_date FROM facts) s",
}

// TestDistributedEqualsLocal runs each query locally and cut for the
// swarm (on a loopback of pretend nodes) and compares the rows.
func TestDistributedEqualsLocal(t *testing.T) {
	s, sw := distributedSession(t)
	loadDistributionData(t, s)
	for _, q := range distributionQueries {
		mustRun(t, s, "SET apiary.distribution = never")
		local := mustRun(t, s, q)
		runs, _ := sw.counts()
		mustRun(t, s, "SET apiary.distribution = always")
		dist := mustRun(t, s, q)
		after, _ := sw.counts()
		if after != runs+1 {
			t.Errorf("%s: not distributed", q)
			continue
		}
		ordered := strings.Contains(q, "ORDER BY")
		l, d := joinRows(local), joinRows(dist)
		if !ordered {
			l, d = sortedRows(local), sortedRows(dist)
		}
		if l != d {
			t.Errorf("%s:\nlocal:\n%s\ndistributed:\n%s\nfragment: %s", q, l, d, sw.last[0].SQL)
		}
	}
	_, tasks := sw.counts()
	if tasks < 2*len(distributionQueries) {
		t.Errorf("%d tasks for %d queries: the cells did not spread over the pretend nodes", tasks, len(distributionQueries))
	}
}

// TestDistributionModes checks when a query is cut: never with 'never',
// in 'auto' only past the threshold and with another node alive, not in
// a transaction block that has written, and a prepared statement again
// and again (the cut works on a copy of its tree).
func TestDistributionModes(t *testing.T) {
	s, sw := distributedSession(t)
	loadDistributionData(t, s)
	const q = "SELECT grp, sum(qty) FROM facts GROUP BY grp ORDER BY grp"
	distributed := func(sql string) bool {
		t.Helper()
		before, _ := sw.counts()
		mustRun(t, s, sql)
		after, _ := sw.counts()
		return after > before
	}
	mustRun(t, s, "SET apiary.distribution = never")
	if distributed(q) {
		t.Error("distributed with apiary.distribution = never")
	}
	mustRun(t, s, "SET apiary.distribution = auto")
	if distributed(q) {
		t.Error("auto distributed a frame far below the default threshold")
	}
	s.eng.cfg.DistributeMinBytes = 1
	if !distributed(q) {
		t.Error("auto did not distribute past the threshold with three nodes alive")
	}
	sw.nodes = []string{"test"}
	if distributed(q) {
		t.Error("auto distributed with this node alone")
	}
	sw.nodes = []string{"a"}
	if !distributed(q) {
		t.Error("auto on a coordinator-only node did not distribute to the one worker")
	}
	sw.nodes = nil
	if distributed(q) {
		t.Error("auto distributed with no node taking tasks")
	}
	mustRun(t, s, "SET apiary.distribution = always")
	wantCode(t, s, q, "58000")
	sw.nodes = []string{"a"}
	mustRun(t, s, "SET apiary.distribution = always")
	if !distributed(q) {
		t.Error("always did not distribute with this node alone")
	}
	if !distributed("SELECT count(*) FROM system.nodes, facts") {
		t.Error("a query joining a virtual table was not distributed")
	}
	if distributed("SELECT count(*) FROM system.nodes") {
		t.Error("a query reading no frame was distributed")
	}

	mustRun(t, s, "BEGIN")
	if !distributed(q) {
		t.Error("a read-only transaction block did not distribute")
	}
	mustRun(t, s, "INSERT INTO facts (id, grp, qty) VALUES (1000, 'a', 1)")
	if distributed(q) {
		t.Error("a block with its own writes distributed: other nodes cannot see them")
	}
	if got := joinRows(mustRun(t, s, "SELECT sum(qty) FROM facts WHERE id = 1000")); got != "1" {
		t.Errorf("the block's own row: %q", got)
	}
	mustRun(t, s, "COMMIT")
	if !distributed("SELECT sum(qty) FROM facts WHERE id = 1000") {
		t.Error("not distributed after COMMIT")
	}

	ctx := context.Background()
	p, err := s.Prepare(ctx, "p", "SELECT grp, count(*) FROM facts WHERE qty > $1 GROUP BY grp ORDER BY grp", nil)
	if err != nil {
		t.Fatal(err)
	}
	var first string
	for i := 0; i < 3; i++ {
		before, _ := sw.counts()
		var rows [][]string
		b, err := s.Bind(p, [][]byte{[]byte("5")})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.ExecBound(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if err := collectRows(ctx, res.Rows, &rows); err != nil {
			t.Fatal(err)
		}
		after, _ := sw.counts()
		if after != before+1 {
			t.Errorf("execution %d of the prepared statement was not distributed", i+1)
		}
		if i == 0 {
			first = joinRows(rows)
		} else if joinRows(rows) != first {
			t.Errorf("execution %d: %q, first %q", i+1, joinRows(rows), first)
		}
	}
}

// TestExplainDistributed shows the cut above the coordinator's plan;
// EXPLAIN ANALYZE runs the fragments, EXPLAIN does not.
func TestExplainDistributed(t *testing.T) {
	s, sw := distributedSession(t)
	loadDistributionData(t, s)
	mustRun(t, s, "SET apiary.distribution = always")
	before, _ := sw.counts()
	out := joinRows(mustRun(t, s, "EXPLAIN SELECT grp, avg(qty) FROM facts GROUP BY grp"))
	t.Log(out)
	if after, _ := sw.counts(); after != before {
		t.Error("EXPLAIN ran fragments")
	}
	for _, want := range []string{"Distributed (partial aggregation): 6 cells of facts in", "Fragment: SELECT grp AS __k1, sum(qty) AS __p2, count(qty) AS __p3 FROM facts GROUP BY grp", "apiary_swarm_partial"} {
		if !strings.Contains(out, want) {
			t.Errorf("EXPLAIN lacks %q", want)
		}
	}
	out = joinRows(mustRun(t, s, "EXPLAIN ANALYZE SELECT grp, avg(qty) FROM facts GROUP BY grp"))
	if after, _ := sw.counts(); after != before+1 {
		t.Error("EXPLAIN ANALYZE did not run the fragments")
	}
	if !strings.Contains(out, "Distributed (partial aggregation)") {
		t.Errorf("EXPLAIN ANALYZE:\n%s", out)
	}
	mustRun(t, s, "SET apiary.distribution = never")
	if out := joinRows(mustRun(t, s, "EXPLAIN SELECT grp, avg(qty) FROM facts GROUP BY grp")); strings.Contains(out, "Distributed") {
		t.Errorf("EXPLAIN with distribution never:\n%s", out)
	}
}

// stalledSwarm takes fragments and never answers: the query's own end
// must stop it.
type stalledSwarm struct {
	loopbackSwarm
	stopped chan error
}

func (s *stalledSwarm) Run(ctx context.Context, _ int64, _ []SwarmTask) ([][]byte, error) {
	<-ctx.Done()
	s.stopped <- ctx.Err()
	return nil, ctx.Err()
}

// TestDistributedQueryTimeout: statement_timeout ends a distributed query
// with 57014 and cancels its fragments (the swarm's Run sees its context
// end).
func TestDistributedQueryTimeout(t *testing.T) {
	ctx := context.Background()
	sw := &stalledSwarm{loopbackSwarm: loopbackSwarm{nodes: []string{"a", "b"}}, stopped: make(chan error, 1)}
	eng, err := NewEngine(ctx, objstore.NewMem(), Config{Node: "test", Swarm: sw})
	if err != nil {
		t.Fatal(err)
	}
	s, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	loadDistributionData(t, s)
	mustRun(t, s, "SET apiary.distribution = always")
	mustRun(t, s, "SET statement_timeout = 200")
	wantCode(t, s, "SELECT count(*) FROM facts", "57014")
	select {
	case err := <-sw.stopped:
		if err == nil {
			t.Error("the swarm's Run ended without its context ending")
		}
	default:
		t.Error("the swarm's Run did not return")
	}
}
