package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"

	apiaryexec "github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/swarm"
)

// A node runs the fragments addressed to it: a coordinator outside it
// (this test) posts one through the shared directory and gets the rows
// back as Arrow, after the test hook's delay.
func TestServeRunsFragments(t *testing.T) {
	dir := t.TempDir()
	const delay = 300 * time.Millisecond
	n := launchNode(t, []string{fragmentDelayEnv + "=" + delay.String()}, "--listen", "127.0.0.1:0", "--http", "off",
		"--storage", "file://"+dir, "--name", "worker", "--heartbeat-interval", "100ms", "--suspect-after", "500ms",
		"--dead-after", "1s", "--swarm-poll-interval", "5ms")
	n.waitReady(t)
	if !strings.Contains(n.logText(), fragmentDelayEnv) {
		t.Errorf("no warning about the test hook in the log:\n%s", n.logText())
	}

	store, err := objstore.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	view := swarm.NewView(swarm.ViewConfig{Store: store, Interval: 100 * time.Millisecond, SuspectAfter: 500 * time.Millisecond,
		DeadAfter: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		if err := view.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if m := view.Snapshot(); len(m) == 1 && m[0].Node == "worker" && m[0].State == swarm.Alive && m[0].Bees > 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the node's heartbeat never showed; view %+v", view.Snapshot())
		}
		time.Sleep(20 * time.Millisecond) // polling pace, not synchronisation
	}

	coord := swarm.NewCoordinator(swarm.CoordinatorConfig{Store: store, Members: view, Node: "test", Incarnation: swarm.NewIncarnation(),
		PollInterval: 5 * time.Millisecond, TaskTimeout: 20 * time.Second})
	// The query's objects go in the background: before the directory does.
	t.Cleanup(coord.Wait)
	payload, err := apiaryexec.MarshalFragment(apiaryexec.Fragment{Hive: "apiary", User: "apiary", SQL: "SELECT 41 + 1 AS answer"})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	results, err := coord.Run(ctx, 0, []swarm.Task{{Payload: payload, Node: "worker"}})
	if err != nil {
		t.Fatalf("fragment: %v\nlog:\n%s", err, n.logText())
	}
	if took := time.Since(began); took < delay {
		t.Errorf("the fragment came back after %s, before the hook's delay of %s", took, delay)
	}
	r, err := ipc.NewReader(bytes.NewReader(results[0]))
	if err != nil {
		t.Fatalf("result is not an Arrow stream: %v", err)
	}
	defer r.Release()
	var got []string
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			got = append(got, rec.Schema().Field(0).Name+"="+rec.Column(0).ValueStr(i))
		}
	}
	if strings.Join(got, ",") != "answer=42" {
		t.Errorf("rows %v, want answer=42", got)
	}
	if rows := coord.SystemTasks(); len(rows) != 1 || rows[0].Node != "worker" || rows[0].Attempts != 1 {
		t.Errorf("system.tasks %+v", rows)
	}
}

// A test hook set to something that is not a duration refuses to start
// the node, rather than running with no delay or a wrong one.
func TestServeRejectsBadFragmentDelay(t *testing.T) {
	store := objstore.NewMem()
	view := swarm.NewView(swarm.ViewConfig{Store: store, Interval: time.Second, SuspectAfter: 3 * time.Second, DeadAfter: 6 * time.Second})
	cfg := config.Swarm{PollInterval: 50 * time.Millisecond, TaskTimeout: time.Minute, MaxAttempts: 3, Worker: true}
	quiet := slog.New(slog.DiscardHandler)
	for _, v := range []string{"soon", "-1s", "5"} {
		t.Setenv(fragmentDelayEnv, v)
		if _, err := newSwarmWiring(cfg, store, view, "a", "inc-a", "127.0.0.1:1", hardware.Budgets{Bees: 1}, quiet); err == nil ||
			!strings.Contains(err.Error(), fragmentDelayEnv) {
			t.Errorf("%s=%q: err %v, want one naming the variable", fragmentDelayEnv, v, err)
		}
	}
	t.Setenv(fragmentDelayEnv, "250ms")
	w, err := newSwarmWiring(cfg, store, view, "a", "inc-a", "127.0.0.1:1", hardware.Budgets{Bees: 1}, quiet)
	if err != nil {
		t.Fatalf("250ms: %v", err)
	}
	if w.delay != 250*time.Millisecond {
		t.Errorf("250ms: delay %v", w.delay)
	}
}
