package exec

import (
	"context"
	"fmt"
	"time"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
)

// The system frames describe the node (and, once the swarm runs, the
// swarm) to SQL: system.nodes, system.bees, system.queries, system.tasks,
// system.cells and system.colony. They live in the virtual schema
// "system", which every hive sees, resolved like pg_catalog: a statement
// that reads one gets its rows as of that moment, as an in-memory table
// the planner scans. system is not on the search path, so the frames are
// always named with it (system.queries, or hive.system.queries for the
// current hive).
//
// Unlike pg_catalog, "system" is Apiary's word and may already name a
// user's box, or a hive whose public box a two-part name reaches: a frame
// that such a name reaches wins over the system frame of the same name,
// so existing data keeps working; the system frame is then read from a
// hive without the clash.

// SystemSchema is the schema of the system frames.
const SystemSchema = "system"

// SystemTask is one fragment of a swarm query, for system.tasks.
type SystemTask struct {
	QueryID  int64
	Task     int32
	Node     string
	State    string
	Attempts int32
	Error    string // "" when none
	// StartedAt and FinishedAt are zero when the task has not started or
	// not finished.
	StartedAt, FinishedAt time.Time
}

func init() {
	virtualSchemas[SystemSchema] = systemSchema{}
}

// systemColumn is a column of a system frame.
type systemColumn struct {
	name string
	typ  vec.Type
}

// systemFrame is a system frame: its columns and how its rows are made.
// A row holds one value per column: nil (NULL), bool, int64, float64,
// string, time.Time (NULL when zero) or time.Duration (an interval).
type systemFrame struct {
	columns []systemColumn
	rows    func(ctx context.Context, v *catalogView) ([][]any, error)
}

var systemFrames = map[string]systemFrame{
	"nodes":   {nodesColumns, nodesRows},
	"bees":    {beesColumns, beesRows},
	"queries": {queriesColumns, queriesRows},
	"tasks":   {tasksColumns, tasksRows},
	"cells":   {cellsColumns, cellsRows},
	"colony":  {colonyColumns, colonyRows},
}

// systemSchema serves the system frames to the planner.
type systemSchema struct{}

func (systemSchema) has(name string) bool {
	_, ok := systemFrames[name]
	return ok
}

func (systemSchema) table(ctx context.Context, v *catalogView, name string) (*plan.Table, bool, error) {
	f, ok := systemFrames[name]
	if !ok {
		return nil, false, nil
	}
	rows, err := f.rows(ctx, v)
	if err != nil {
		return nil, false, err
	}
	b, err := systemBatch(f.columns, rows)
	if err != nil {
		return nil, false, fmt.Errorf("exec: system.%s: %w", name, err)
	}
	t := &plan.Table{Name: name, Virtual: b}
	for _, c := range f.columns {
		t.Columns = append(t.Columns, plan.Column{Name: c.name, Type: c.typ})
	}
	return t, true, nil
}

// yieldsToFrames marks the system schema: frames a name reaches win over
// its relations.
func (systemSchema) yieldsToFrames() {}

// shadowedByFrame reports whether schema.name (explicit: written so; else
// found on the search path) must be left to the frame lookup although the
// virtual schema vs has such a relation: a frame of a user's box (or, for
// an explicit name, of the public box of a hive) called like the schema
// holds that name.
func (s *Session) shadowedByFrame(ctx context.Context, vs virtualSchema, schema, name string, explicit bool) (bool, error) {
	if _, ok := vs.(interface{ yieldsToFrames() }); !ok {
		return false, nil
	}
	if !vs.has(name) {
		return true, nil
	}
	ns, err := s.namespace(ctx)
	if err != nil {
		return false, err
	}
	if _, ok := ns.Frame(s.hive, schema, name); ok {
		return true, nil
	}
	if _, ok := ns.Frame(schema, catalog.DefaultBox, name); ok && explicit {
		return true, nil
	}
	return false, nil
}

// systemBatch lays rows out as one batch of the columns' types.
func systemBatch(cols []systemColumn, rows [][]any) (*vec.Batch, error) {
	types := make([]vec.Type, len(cols))
	for i, c := range cols {
		types[i] = c.typ
	}
	b := vec.NewBatch(types, len(rows))
	for _, row := range rows {
		for i, val := range row {
			col := b.Cols[i]
			switch x := val.(type) {
			case time.Duration:
				col.AppendInterval(vec.Interval{Micros: x.Microseconds()})
			case time.Time:
				if x.IsZero() {
					col.AppendNull()
				} else {
					col.AppendInt64(x.UnixMicro())
				}
			default:
				if err := appendValue(col, val); err != nil {
					return nil, fmt.Errorf("%s: %w", cols[i].name, err)
				}
			}
		}
	}
	b.Len = len(rows)
	return b, nil
}

// systemResult answers a statement (SHOW COLONY) with a system frame's
// rows.
func systemResult(cols []systemColumn, rows [][]any) (Result, error) {
	b, err := systemBatch(cols, rows)
	if err != nil {
		return Result{}, err
	}
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.name, Type: c.typ}
	}
	return Result{Tag: "SHOW", Rows: &memRows{cols: out, batches: []*vec.Batch{b}}}, nil
}

// nullIfEmpty is NULL for "".
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var nodesColumns = []systemColumn{
	{"node", vec.Text}, {"address", vec.Text}, {"state", vec.Text}, {"started_at", vec.TimestampTZ},
	{"bees", vec.Int32}, {"bee_memory", vec.Int64}, {"memory_budget", vec.Int64}, {"memory_in_use", vec.Int64},
	{"temperature", vec.Float64}, {"band", vec.Text},
	{"incarnation", vec.Text}, {"heartbeat_seq", vec.Int64}, {"last_heartbeat", vec.TimestampTZ},
	{"cached_cells", vec.Int64}, {"cached_bytes", vec.Int64},
}

// SystemNode is one node of the swarm's world view, for system.nodes.
type SystemNode struct {
	Node, Address string
	// State is alive, suspect, dead or left.
	State       string
	StartedAt   time.Time
	Bees        int
	BeeMemory   int64
	MemoryInUse int64
	Temperature float64
	Band        string
	Incarnation string
	// HeartbeatSeq is the last heartbeat sequence seen and LastHeartbeat
	// when the observer saw it advance.
	HeartbeatSeq             int64
	LastHeartbeat            time.Time
	CachedCells, CachedBytes int64
	// Self marks this node's own entry: its live figures replace the
	// heartbeat's.
	Self bool
}

// nodesRows lists this node and, when the swarm runs, the others of its
// world view.
func nodesRows(_ context.Context, v *catalogView) ([][]any, error) {
	e := v.eng
	r := e.colony.Reading()
	used, _ := e.activity.memoryInUse()
	self := SystemNode{
		Node: e.cfg.Node, Address: e.cfg.Address, State: "alive", StartedAt: nodeStart, Bees: e.bees(),
		BeeMemory: e.cfg.BeeMemory, MemoryInUse: used, Temperature: r.Temperature, Band: string(r.Band),
	}
	var nodes []SystemNode
	if e.cfg.Nodes != nil {
		nodes = e.cfg.Nodes()
	}
	var rows [][]any
	found := false
	for _, n := range nodes {
		if n.Self {
			// This node is alive to itself whatever its heartbeats say.
			found = true
			n.State, n.Bees, n.BeeMemory, n.MemoryInUse = "alive", self.Bees, self.BeeMemory, self.MemoryInUse
			n.Temperature, n.Band, n.StartedAt = self.Temperature, self.Band, self.StartedAt
		}
		rows = append(rows, nodeRow(n))
	}
	if !found {
		rows = append([][]any{nodeRow(self)}, rows...)
	}
	return rows, nil
}

func nodeRow(n SystemNode) []any {
	row := []any{
		n.Node, nullIfEmpty(n.Address), n.State, n.StartedAt, int64(n.Bees), n.BeeMemory,
		n.BeeMemory * int64(n.Bees), n.MemoryInUse, n.Temperature, nullIfEmpty(n.Band),
		nullIfEmpty(n.Incarnation), nil, n.LastHeartbeat, nil, nil,
	}
	if n.Incarnation != "" {
		row[11], row[13], row[14] = n.HeartbeatSeq, n.CachedCells, n.CachedBytes
	}
	return row
}

var beesColumns = []systemColumn{
	{"node", vec.Text}, {"bee", vec.Int32}, {"state", vec.Text}, {"query_pid", vec.Int32}, {"queries", vec.Int32},
	{"memory_budget", vec.Int64}, {"memory_in_use", vec.Int64},
}

// beesRows lists the node's bee slots. Every running query has a copy of
// its pipelines on every bee, and its memory account spans all their
// chambers, so a bee's memory in use is its share of the running queries'
// accounts; query_pid is the oldest of those queries.
func beesRows(_ context.Context, v *catalogView) ([][]any, error) {
	e := v.eng
	bees := e.bees()
	used, pids := e.activity.memoryInUse()
	rows := make([][]any, bees)
	for i := range rows {
		state, pid := "idle", any(nil)
		if len(pids) > 0 {
			state, pid = "busy", int64(pids[0])
		}
		rows[i] = []any{e.cfg.Node, int64(i), state, pid, int64(len(pids)), e.cfg.BeeMemory, used / int64(bees)}
	}
	return rows, nil
}

var queriesColumns = []systemColumn{
	{"node", vec.Text}, {"query_id", vec.Int64}, {"pid", vec.Int32}, {"user_name", vec.Text}, {"hive", vec.Text},
	{"query", vec.Text}, {"state", vec.Text}, {"started_at", vec.TimestampTZ}, {"duration", vec.IntervalT},
	{"rows", vec.Int64}, {"bees", vec.Int32}, {"memory", vec.Int64}, {"outcome", vec.Text}, {"sqlstate", vec.Text},
	{"error", vec.Text},
}

// queriesRows lists the running statements (queued ones as "queued"),
// oldest first, then the recently finished ones, newest first; memory is
// what a running statement's operators hold now and a finished one's
// peak.
func queriesRows(_ context.Context, v *catalogView) ([][]any, error) {
	qs := v.eng.activity.queries()
	rows := make([][]any, len(qs))
	for i, q := range qs {
		var outcome, state, msg any
		if q.state == "finished" {
			outcome, state = q.Outcome, string(q.SQLState)
			if q.Err != nil {
				msg = q.Err.Error()
			}
		}
		rows[i] = []any{q.Node, q.ID, int64(q.PID), q.User, q.Hive, q.Query, q.state, q.Started, q.Duration,
			q.Rows, int64(q.Bees), q.memory, outcome, state, msg}
	}
	return rows, nil
}

var tasksColumns = []systemColumn{
	{"query_id", vec.Int64}, {"task", vec.Int32}, {"node", vec.Text}, {"state", vec.Text}, {"attempts", vec.Int32},
	{"error", vec.Text}, {"started_at", vec.TimestampTZ}, {"finished_at", vec.TimestampTZ},
}

// tasksRows lists the swarm's fragments, from Config.Tasks; none until
// the swarm runs them.
func tasksRows(_ context.Context, v *catalogView) ([][]any, error) {
	if v.eng.cfg.Tasks == nil {
		return nil, nil
	}
	var rows [][]any
	for _, t := range v.eng.cfg.Tasks() {
		rows = append(rows, []any{t.QueryID, int64(t.Task), t.Node, t.State, int64(t.Attempts), nullIfEmpty(t.Error),
			t.StartedAt, t.FinishedAt})
	}
	return rows, nil
}

var colonyColumns = []systemColumn{
	{"node", vec.Text}, {"temperature", vec.Float64}, {"band", vec.Text}, {"cpu_percent", vec.Float64},
	{"memory_percent", vec.Float64}, {"queue_depth", vec.Int32}, {"queue_length", vec.Int32},
	{"task_failure_percent", vec.Float64}, {"storage_error_percent", vec.Float64}, {"memory_in_use", vec.Int64},
	{"memory_budget", vec.Int64}, {"sampled_at", vec.TimestampTZ}, {"forced", vec.Bool},
}

// colonyRows is this node's last temperature sample; the swarm will add
// a row per node and one for the whole swarm.
func colonyRows(_ context.Context, v *catalogView) ([][]any, error) {
	return [][]any{colonyRow(v.eng.colony.Reading())}, nil
}

func colonyRow(r ColonyReading) []any {
	percent := func(x float64) float64 { return float64(int64(x*1000+0.5)) / 10 }
	var cpu any
	if r.CPUKnown {
		cpu = percent(r.Inputs.CPU)
	}
	return []any{r.Node, r.Temperature, string(r.Band), cpu, percent(r.Inputs.Memory), int64(r.QueueDepth),
		int64(r.QueueLength), percent(r.Inputs.TaskFailures), percent(r.Inputs.StorageErrors), r.MemoryInUse,
		r.MemoryBudget, r.SampledAt, r.Forced}
}

// showColony answers SHOW COLONY: system.colony's rows.
func (s *Session) showColony() (Result, error) {
	return systemResult(colonyColumns, [][]any{colonyRow(s.eng.colony.Reading())})
}
