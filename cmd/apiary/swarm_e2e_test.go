package main

import (
	"context"
	"strings"
	"testing"
	"time"
)

// swarmNode starts a node of a swarm on storage with short membership
// timings, so that the test sees states change within seconds.
func swarmNode(t *testing.T, storage, name string) *node {
	t.Helper()
	return startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", storage, "--name", name,
		"--heartbeat-interval", "100ms", "--suspect-after", "500ms", "--dead-after", "1s")
}

// waitForStates polls system.nodes on n until it reads want, or fails at
// the deadline with what it read last.
func waitForStates(t *testing.T, n *node, want string) {
	t.Helper()
	conn := n.pgx(t)
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		rows, err := conn.Query(ctx, "SELECT node, state FROM system.nodes ORDER BY node")
		if err != nil {
			cancel()
			t.Fatalf("system.nodes: %v", err)
		}
		var parts []string
		for rows.Next() {
			var name, state string
			if err := rows.Scan(&name, &state); err != nil {
				cancel()
				t.Fatal(err)
			}
			parts = append(parts, name+"="+state)
		}
		err = rows.Err()
		cancel()
		if err != nil {
			t.Fatalf("system.nodes: %v", err)
		}
		got = strings.Join(parts, " ")
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("system.nodes never read %q; last %q\nlog:\n%s", want, got, n.logText())
		}
		time.Sleep(50 * time.Millisecond) // polling pace, not synchronisation
	}
}

// Three node processes share one directory and nothing else: each sees the
// others through their heartbeats, sees a killed one turn suspect then
// dead, a restarted one alive again, and a stopped one leave.
func TestSwarmMembership(t *testing.T) {
	storage := "file://" + t.TempDir()
	a := swarmNode(t, storage, "a")
	b := swarmNode(t, storage, "b")
	c := swarmNode(t, storage, "c")
	waitForStates(t, a, "a=alive b=alive c=alive")

	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done
	if err := c.cmd.Wait(); err == nil {
		t.Fatal("a SIGKILLed node exited cleanly")
	}
	waitForStates(t, a, "a=alive b=alive c=suspect")
	waitForStates(t, a, "a=alive b=alive c=dead")

	swarmNode(t, storage, "c")
	waitForStates(t, a, "a=alive b=alive c=alive")
	// Every node has the same view, not only the one asked so far.
	waitForStates(t, b, "a=alive b=alive c=alive")

	b.stop(t)
	waitForStates(t, a, "a=alive b=left c=alive")
}
