package exec

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

func newTestEngine(t *testing.T, cfg Config) *Engine {
	t.Helper()
	if cfg.Node == "" {
		cfg.Node = "test"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	eng, err := NewEngine(context.Background(), objstore.NewMem(), cfg)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	t.Cleanup(eng.Close)
	return eng
}

func newTestSession(t *testing.T, eng *Engine) *Session {
	t.Helper()
	s, err := eng.NewSession(context.Background(), "apiary", "")
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestSystemFrames(t *testing.T) {
	eng := newTestEngine(t, Config{Node: "hive-1", Address: "10.0.0.7:5432", Bees: 3, BeeMemory: 64 << 20,
		Tasks: func() []SystemTask { return nil }, ColonySampleInterval: -1})
	s := newTestSession(t, eng)
	s.SetBackendPID(4242)
	mustRun(t, s, "CREATE TABLE trips (id int, city text, fare numeric(8,2), day date) WITH (partition_by = 'city')")
	mustRun(t, s, "INSERT INTO trips VALUES (1, 'Lisbon', 12.50, '2024-05-01'), (2, 'Porto', 7.25, '2024-05-02'), (3, 'Porto', 9.00, '2024-04-30')")

	rows := mustRun(t, s, "SELECT node, address, state, bees, bee_memory, memory_budget, band FROM system.nodes")
	if got := joinRows(rows); got != "hive-1|10.0.0.7:5432|alive|3|67108864|201326592|cold" {
		t.Errorf("system.nodes: %s", got)
	}
	// The one query running on the bees is the one reading system.bees.
	rows = mustRun(t, s, "SELECT bee, state, query_pid, queries, memory_budget FROM system.bees ORDER BY bee")
	if got := joinRows(rows); got != "0|busy|4242|1|67108864\n1|busy|4242|1|67108864\n2|busy|4242|1|67108864" {
		t.Errorf("system.bees: %s", got)
	}
	rows = mustRun(t, s, "SELECT box, frame, partition, rows, stats FROM system.cells ORDER BY partition")
	if len(rows) != 2 {
		t.Fatalf("system.cells: %v", rows)
	}
	if rows[0][2] != "city=Lisbon" || rows[0][3] != "1" || rows[1][2] != "city=Porto" || rows[1][3] != "2" {
		t.Errorf("system.cells partitions: %v", rows)
	}
	if want := `"day":{"min":"2024-04-30","max":"2024-05-02","nulls":0}`; !strings.Contains(rows[1][4], want) {
		t.Errorf("system.cells stats %s, want them to hold %s", rows[1][4], want)
	}
	if want := `"fare":{"min":"7.25","max":"9.00","nulls":0}`; !strings.Contains(rows[1][4], want) {
		t.Errorf("system.cells stats %s, want them to hold %s", rows[1][4], want)
	}
	rows = mustRun(t, s, "SELECT count(*) FROM system.tasks")
	if rows[0][0] != "0" {
		t.Errorf("system.tasks: %v", rows)
	}
	rows = mustRun(t, s, "SELECT node, band, queue_depth, queue_length, memory_budget FROM system.colony")
	if got := joinRows(rows); got != "hive-1|cold|0|32|201326592" {
		t.Errorf("system.colony: %s", got)
	}
	tags, rows, err := run(t, s, "SHOW COLONY")
	if err != nil || len(rows) != 1 || rows[0][0] != "hive-1" || tags[0] != "SHOW" {
		t.Errorf("SHOW COLONY: %v %v %v", tags, rows, err)
	}

	// The registry saw the statements above: the INSERT changed 3 rows,
	// the statement reading system.queries is running.
	rows = mustRun(t, s, `SELECT pid, user_name, hive, state, rows, outcome, sqlstate FROM system.queries
		WHERE query LIKE 'INSERT%' OR query LIKE '%FROM system.queries%' ORDER BY query_id`)
	if got := joinRows(rows); got != "4242|apiary|apiary|finished|3|success|00000\n4242|apiary|apiary|running|0|NULL|NULL" {
		t.Errorf("system.queries: %s", got)
	}
	wantCode(t, s, "SELECT 1/0", "22012")
	rows = mustRun(t, s, `SELECT outcome, sqlstate, error FROM system.queries WHERE query = 'SELECT 1/0'`)
	if got := joinRows(rows); got != "error|22012|division by zero" {
		t.Errorf("failed statement in system.queries: %s", got)
	}
	rows = mustRun(t, s, "SELECT rows FROM system.queries WHERE query LIKE 'SELECT box, frame%'")
	if got := joinRows(rows); got != "2" {
		t.Errorf("rows of a finished query: %s", got)
	}
	wantCode(t, s, "SELECT * FROM system.nope", "42P01")
	wantCode(t, s, "SELECT * FROM queries", "42P01")
}

func TestSystemSchemaYieldsToFrames(t *testing.T) {
	eng := newTestEngine(t, Config{})
	s := newTestSession(t, eng)
	// A user's box called system keeps working: its frames win over the
	// system frames of the same name, others stay reachable.
	mustRun(t, s, "CREATE SCHEMA system")
	mustRun(t, s, "CREATE TABLE system.queries (note text)")
	mustRun(t, s, "CREATE TABLE system.mine (n int)")
	mustRun(t, s, "INSERT INTO system.queries VALUES ('mine')")
	mustRun(t, s, "INSERT INTO system.mine VALUES (7)")
	if got := joinRows(mustRun(t, s, "SELECT * FROM system.queries")); got != "mine" {
		t.Errorf("system.queries with a user frame of that name: %s", got)
	}
	if got := joinRows(mustRun(t, s, "SELECT n FROM system.mine")); got != "7" {
		t.Errorf("system.mine: %s", got)
	}
	if got := joinRows(mustRun(t, s, "SELECT node FROM system.nodes")); got != "test" {
		t.Errorf("system.nodes beside a user box called system: %s", got)
	}
	mustRun(t, s, "SET search_path = system, public")
	if got := joinRows(mustRun(t, s, "SELECT * FROM queries")); got != "mine" {
		t.Errorf("bare queries with system on the path: %s", got)
	}
	if got := joinRows(mustRun(t, s, "SELECT count(*) FROM colony")); got != "1" {
		t.Errorf("bare colony with system on the path: %s", got)
	}
}
