package swarm

import (
	"context"
	"sync"

	"github.com/apiarydb/apiary/exec"
)

// SystemNodes is the view as system.nodes shows it; it is the engine's
// exec.Config.Nodes hook.
func (v *View) SystemNodes() []exec.SystemNode {
	members := v.Snapshot()
	out := make([]exec.SystemNode, len(members))
	for i, m := range members {
		out[i] = exec.SystemNode{
			Node: m.Node, Address: m.Address, State: string(m.State), StartedAt: m.StartedAt,
			Bees: m.Bees, BeeMemory: m.BeeMemory, MemoryInUse: m.MemoryInUse, Temperature: m.Temperature, Band: m.Band,
			Incarnation: m.Incarnation, HeartbeatSeq: int64(m.Seq), LastHeartbeat: m.LastChange,
			CachedCells: m.CachedCells, CachedBytes: m.CachedBytes, Self: m.Self,
		}
	}
	return out
}

// Background runs a heartbeat writer and a world view until stopped.
type Background struct {
	cancel, stopView context.CancelFunc
	wg               sync.WaitGroup
}

// StartBackground runs w until ctx ends or Stop is called, its last act
// the leaving heartbeat, and v until Stop is called: while the node
// drains, the distributed queries it still coordinates need a view that
// goes on seeing the swarm.
func StartBackground(ctx context.Context, w *Writer, v *View) *Background {
	ctx, cancel := context.WithCancel(ctx)
	vctx, stopView := context.WithCancel(context.WithoutCancel(ctx))
	b := &Background{cancel: cancel, stopView: stopView}
	b.wg.Add(2)
	go func() { defer b.wg.Done(); w.Run(ctx) }()
	go func() { defer b.wg.Done(); v.Run(vctx) }()
	return b
}

// Stop ends both loops and waits for them, leaving heartbeat included.
func (b *Background) Stop() {
	b.cancel()
	b.stopView()
	b.wg.Wait()
}
