package server

import (
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// connCounter is a ConnObserver that counts what it hears.
type connCounter struct {
	mu      sync.Mutex
	started map[string]int
	ended   int
}

func (c *connCounter) ConnectionStarted(outcome string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started[outcome]++
}

func (c *connCounter) ConnectionEnded() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ended++
}

// waitFor polls until the counts are want and ended, failing after a
// deadline: connection goroutines report after the client has moved on.
func (c *connCounter) waitFor(t *testing.T, want map[string]int, ended int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		got, gotEnded := maps.Clone(c.started), c.ended
		c.mu.Unlock()
		if maps.Equal(got, want) && gotEnded == ended {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("observer heard %v starts and %d ends, want %v and %d", got, gotEnded, want, ended)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestConnObserver(t *testing.T) {
	obs := &connCounter{started: map[string]int{}}
	ts := startServer(t, Config{
		MaxConnections: 1, ConnObserver: obs,
		AuthMethod: AuthPassword, Users: map[string]string{"apiary": "bzz"},
	})
	withPassword := func(pw string) string {
		return fmt.Sprintf("postgres://apiary:%s@%s/db?sslmode=disable", pw, ts.addr)
	}

	conn, err := pgx.Connect(testCtx(t), withPassword("bzz"))
	if err != nil {
		t.Fatal(err)
	}
	obs.waitFor(t, map[string]int{ConnOK: 1}, 0)

	if c, err := pgx.Connect(testCtx(t), withPassword("wasp")); err == nil {
		c.Close(testCtx(t))
		t.Fatal("a wrong password was accepted")
	}
	obs.waitFor(t, map[string]int{ConnOK: 1, ConnAuthFailed: 1}, 0)

	if c, err := pgx.Connect(testCtx(t), withPassword("bzz")); err == nil {
		c.Close(testCtx(t))
		t.Fatal("a connection beyond MaxConnections was accepted")
	}
	obs.waitFor(t, map[string]int{ConnOK: 1, ConnAuthFailed: 1, ConnRefused: 1}, 0)

	if err := conn.PgConn().CancelRequest(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	obs.waitFor(t, map[string]int{ConnOK: 1, ConnAuthFailed: 1, ConnRefused: 1, ConnCancelRequest: 1}, 0)

	if err := conn.Close(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	obs.waitFor(t, map[string]int{ConnOK: 1, ConnAuthFailed: 1, ConnRefused: 1, ConnCancelRequest: 1}, 1)

	if c, err := pgx.Connect(testCtx(t), fmt.Sprintf("postgres://apiary:bzz@%s/nope?sslmode=disable", ts.addr)); err == nil {
		c.Close(testCtx(t))
		t.Fatal("a session on an unknown database started")
	}
	obs.waitFor(t, map[string]int{ConnOK: 1, ConnAuthFailed: 1, ConnRefused: 1, ConnCancelRequest: 1, ConnError: 1}, 1)
}
