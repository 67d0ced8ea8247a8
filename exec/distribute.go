package exec

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Swarm runs a distributed query's fragments on the swarm's nodes. The
// swarm package implements it (swarm.Distributor); it imports exec, so
// the engine reaches it only through this interface.
type Swarm interface {
	// Alive is how many nodes, this one included, may take fragments now.
	Alive() int
	// Place chooses a node for each cell, by its key (the cell's object
	// path), among the alive nodes: stable from one query to the next (so
	// the node that cached a cell gets it again) and weighted by the
	// nodes' bees and temperature. It returns nil when no node is alive.
	Place(keys []string) []string
	// Run hands the tasks to their nodes through storage and returns each
	// task's result (a fragment's Arrow IPC stream, RunFragment's output)
	// in task order. query names the query in system.tasks. A task whose
	// node fails is retried elsewhere; past the retry limit Run fails
	// with 58000 naming the task, the nodes tried and why.
	Run(ctx context.Context, query int64, tasks []SwarmTask) ([][]byte, error)
}

// SwarmTask is one fragment on its way to a node.
type SwarmTask struct {
	// Node is where the first attempt goes when it is still alive;
	// retries go elsewhere.
	Node string
	// Payload is the marshalled Fragment.
	Payload []byte
}

// Distribution is the apiary.distribution setting's value.
type Distribution string

// The values of apiary.distribution.
const (
	// DistributeAuto distributes SELECTs whose largest frame scan reaches
	// the node's threshold (swarm.distribute_min_bytes) when another node
	// is alive.
	DistributeAuto Distribution = "auto"
	// DistributeAlways distributes every SELECT that can be, even onto
	// this node alone: for tests and for users who know better.
	DistributeAlways Distribution = "always"
	// DistributeNever runs every query on this node.
	DistributeNever Distribution = "never"
)

// DefaultDistributeMinBytes is the auto threshold when none is configured:
// below it, the fixed cost of handing work through storage outweighs
// sharing it.
const DefaultDistributeMinBytes = 256 << 20

// distribution is the session's apiary.distribution.
func (s *Session) distribution() Distribution {
	return Distribution(s.getSetting("apiary.distribution"))
}

// distributedQuery is a SELECT cut for the swarm, its tasks ready to go.
type distributedQuery struct {
	cut   *cut
	tasks []SwarmTask
	nodes []string // the first attempts' nodes, in task order
	// release ends the session's distributed state (statement time,
	// gathered rows) when the statement has planned.
	release func()
}

// prepareDistributed cuts a SELECT for the swarm when the session's
// apiary.distribution and the swarm allow it and the statement is worth
// it; nil means the statement is planned locally: no swarm, distribution
// off or not worth it, or a shape the cut does not handle. Until release
// is called, the session answers now() with the statement time the
// fragments get, and names the gathered rows (still empty) as a table.
func (s *Session) prepareDistributed(ctx context.Context, n *tree.Select, t *txn.Txn) (*distributedQuery, error) {
	sw := s.eng.cfg.Swarm
	mode := s.distribution()
	if sw == nil || s.fragmentCells != nil || mode == DistributeNever {
		return nil, nil
	}
	if mode == DistributeAuto {
		// With this node the only one alive, every cell would land
		// here; a coordinator-only node with one worker beside it
		// distributes.
		if alive := sw.Alive(); alive == 0 || (alive == 1 && slices.Equal(sw.Place([]string{""}), []string{s.eng.cfg.Node})) {
			return nil, nil
		}
	}
	if s.txn != nil && (s.txn.Writes() || len(s.buffers) > 0) {
		// Other nodes cannot see the block's own writes.
		return nil, nil
	}
	minBytes := s.eng.cfg.DistributeMinBytes
	if minBytes <= 0 {
		minBytes = DefaultDistributeMinBytes
	}
	s.statementTime = time.Now()
	release := func() {
		s.statementTime = time.Time{}
		s.partials = nil
	}
	k, err := s.cutStatement(ctx, n, t, mode, minBytes)
	if err != nil || k == nil {
		release()
		return nil, err
	}
	// The coordinator's statement must plan before any work is sent.
	empty := vec.NewBatch(columnTypes(k.columns), 0)
	s.partials = map[string]*plan.Table{partialTable: {Name: partialTable, Columns: k.columns, Virtual: empty}}
	if _, err := s.planner(ctx, t).Describe(k.stmt); err != nil {
		s.eng.log.Debug("swarm: the coordinator's statement does not plan; the query runs locally",
			"statement", tree.AsString(k.stmt), "err", err)
		release()
		return nil, nil
	}
	tasks, nodes, err := s.fragmentTasks(k, sw)
	if err == nil && tasks == nil && mode == DistributeAlways {
		// Only a coordinator-only node sees no node at all: 'always'
		// fails as a query whose workers all stopped does.
		err = sqlerr.New(sqlerr.SystemError, "swarm: no node taking tasks is alive to run the fragments of this query").
			WithHint("Start a node with a worker on the same storage, or SET apiary.distribution = auto to run queries here.")
	}
	if err != nil || tasks == nil {
		release()
		return nil, err
	}
	if mode == DistributeAuto && len(nodes) == 1 && nodes[0] == s.eng.cfg.Node {
		// Every cell landed here (few cells, or placement favours this
		// node): storage round trips for nothing.
		release()
		return nil, nil
	}
	return &distributedQuery{cut: k, tasks: tasks, nodes: nodes, release: release}, nil
}

// gather runs the fragments and makes their rows the table the
// coordinator's statement reads; it returns the memory account they are
// charged to, for the statement's plan.
func (s *Session) gather(ctx context.Context, d *distributedQuery) (*colexec.Memory, error) {
	var query int64
	if st := s.act.current.Load(); st != nil {
		query = st.id
	}
	k := d.cut
	s.eng.log.Debug("swarm: distributing", "query", query, "frame", k.frame.Name, "cut", k.how,
		"cells", len(k.frame.Cells), "tasks", len(d.tasks), "fragment", k.fragment)
	results, err := s.eng.cfg.Swarm.Run(ctx, query, d.tasks)
	if err != nil {
		return nil, err
	}
	// The gathered rows count against the query's budget like any
	// operator's; their Arrow size is close to their size in memory.
	mem := s.queryMemory()
	var size int64
	for _, r := range results {
		size += int64(len(r))
	}
	if err := mem.Grow(size); err != nil {
		return nil, err
	}
	rows, err := gatherPartials(results, k.columns)
	if err != nil {
		return nil, err
	}
	s.partials[partialTable].Virtual = rows
	return mem, nil
}

// planDistributed plans a SELECT the swarm shares: it runs the fragments
// now and plans the coordinator's statement over their gathered rows. ok
// is false when the statement should be planned locally instead.
func (s *Session) planDistributed(ctx context.Context, n *tree.Select, t *txn.Txn) (op colexec.Operator, cols []plan.Column, ok bool, err error) {
	d, err := s.prepareDistributed(ctx, n, t)
	if err != nil || d == nil {
		return nil, nil, false, err
	}
	defer d.release()
	mem, err := s.gather(ctx, d)
	if err != nil {
		return nil, nil, true, err
	}
	op, cols, err = s.plannerWithMemory(ctx, t, mem).Select(d.cut.stmt)
	return op, cols, true, err
}

// explainLines are EXPLAIN's account of the distribution, above the
// coordinator's plan.
func (d *distributedQuery) explainLines() []string {
	k := d.cut
	nodes := slices.Clone(d.nodes)
	slices.Sort(nodes)
	return []string{
		fmt.Sprintf("Distributed (%s): %d cells of %s in %d fragments on %s", k.how, len(k.frame.Cells), k.frame.Name,
			len(d.tasks), strings.Join(slices.Compact(nodes), ", ")),
		"  Fragment: " + k.fragment,
	}
}

// fragmentTasks shares the cut frame's cells among the nodes Place
// chooses: one task per node, nil when no node is alive.
func (s *Session) fragmentTasks(k *cut, sw Swarm) ([]SwarmTask, []string, error) {
	cells := k.frame.Cells
	keys := make([]string, len(cells))
	for i, c := range cells {
		keys[i] = k.frame.Prefix + c.Path
	}
	nodes := sw.Place(keys)
	if len(nodes) != len(cells) {
		return nil, nil, nil
	}
	byNode := map[string][]txn.AddCell{}
	var order []string
	for i, node := range nodes {
		if _, ok := byNode[node]; !ok {
			order = append(order, node)
		}
		byNode[node] = append(byNode[node], cells[i])
	}
	settings := map[string]string{}
	for _, name := range fragmentSettings {
		if v, ok := s.showSetting(name); ok {
			settings[name] = v
		}
	}
	// One fragment serves every node, with that node's cells of the cut
	// frame put in before it is encoded.
	frag := Fragment{Hive: s.hive, User: s.user, SQL: k.fragment, Cells: k.fragmentFrames, Settings: settings, Now: s.statementTime}
	tasks := make([]SwarmTask, 0, len(order))
	for _, node := range order {
		frag.Cells[k.frame.Prefix] = byNode[node]
		payload, err := MarshalFragment(frag)
		if err != nil {
			return nil, nil, fmt.Errorf("encode a fragment: %w", err)
		}
		tasks = append(tasks, SwarmTask{Node: node, Payload: payload})
	}
	return tasks, order, nil
}

// fragmentSettings are the session settings a fragment runs under: those
// that change how names resolve or values convert.
var fragmentSettings = []string{"search_path", "TimeZone", "DateStyle", "IntervalStyle", "extra_float_digits", "bytea_output"}

func columnTypes(cols []plan.Column) []vec.Type {
	ts := make([]vec.Type, len(cols))
	for i, c := range cols {
		ts[i] = c.Type
	}
	return ts
}

// gatherPartials decodes the fragments' Arrow streams into one batch of
// the columns the coordinator planned with.
func gatherPartials(results [][]byte, cols []plan.Column) (*vec.Batch, error) {
	types := columnTypes(cols)
	out := vec.NewBatch(types, 0)
	for i, res := range results {
		r, err := ipc.NewReader(bytes.NewReader(res), ipc.WithAllocator(memory.NewGoAllocator()))
		if err != nil {
			return nil, sqlerr.Wrap(err, sqlerr.InternalError, "swarm: fragment %d's result is no Arrow stream: %v", i, err)
		}
		for r.Next() {
			b, _, err := vec.RecordToBatch(r.RecordBatch())
			if err == nil && len(b.Cols) != len(types) {
				err = fmt.Errorf("%d columns, want %d", len(b.Cols), len(types))
			}
			for c := 0; err == nil && c < len(types); c++ {
				got := b.Cols[c].Type
				if got.Kind != types[c].Kind || (got.Kind == vec.KindNumeric && got.Scale != types[c].Scale) {
					err = fmt.Errorf("column %d is %s, want %s", c+1, got, types[c])
				}
			}
			if err != nil {
				r.Release()
				return nil, sqlerr.Wrap(err, sqlerr.InternalError, "swarm: fragment %d's result: %v", i, err)
			}
			for c := range types {
				out.Cols[c].AppendRange(b.Cols[c], 0, b.Len)
			}
			out.Len += b.Len
		}
		err = r.Err()
		r.Release()
		if err != nil {
			return nil, sqlerr.Wrap(err, sqlerr.InternalError, "swarm: read fragment %d's result: %v", i, err)
		}
	}
	return out, nil
}
