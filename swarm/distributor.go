package swarm

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/apiarydb/apiary/exec"
)

// Distributor is the engine's way into the swarm (exec.Swarm): it counts
// and places on the coordinator's alive nodes and runs fragments through
// the coordinator. Placement and assignment read the same member source,
// so a node that Place chose is a candidate when its task is assigned,
// unless it changed state in between.
type Distributor struct {
	coord *Coordinator
}

var _ exec.Swarm = (*Distributor)(nil)

// NewDistributor returns a distributor over coord and its member source.
// For this node to count before the view has read its own heartbeat, that
// source should be a SelfMembers.
func NewDistributor(coord *Coordinator) *Distributor {
	return &Distributor{coord: coord}
}

// Alive is how many nodes that take tasks are alive in the world view,
// this one included unless it is a coordinator only. Critical nodes
// count: they are alive, and Place gives them work only when no other
// node is left.
func (d *Distributor) Alive() int {
	return len(d.coord.workers())
}

// Place chooses a node for each key by weighted rendezvous hashing over
// the alive nodes (Rendezvous): the same key goes to the same node while
// the membership and the nodes' bands stay the same, so the node whose
// cell cache holds a cell keeps getting it; a node whose cache holds a
// cell (its heartbeat's filter) is preferred up to a little over its
// share. It returns nil when no node is alive.
func (d *Distributor) Place(keys []string) []string {
	candidates := weigh(usable(d.coord.workers()))
	if len(candidates) == 0 {
		return nil
	}
	// A node holding a cell in its cache (its heartbeat's filter says
	// so) takes it, up to a little over its fair share: otherwise one
	// node whose cache filled while it worked alone would take
	// everything. Among several holders, and when no holder has room,
	// rendezvous hashing decides, so in a steady swarm each cell goes to
	// the node rendezvous picked last time, whose cache holds it.
	var total float64
	for _, c := range candidates {
		total += c.weight
	}
	room := make(map[string]int, len(candidates))
	for _, c := range candidates {
		room[c.node] = int(1.25*float64(len(keys))*c.weight/total) + 1
	}
	filters := slices.ContainsFunc(candidates, func(c candidate) bool { return len(c.filter) > 0 })
	out := make([]string, len(keys))
	holders := make([]candidate, 0, len(candidates))
	open := make([]candidate, 0, len(candidates))
	for i, key := range keys {
		if !filters {
			out[i] = rendezvous(key, candidates)
			continue
		}
		h1, h2 := filterHashes(key)
		holders, open = holders[:0], open[:0]
		for _, c := range candidates {
			if room[c.node] > 0 {
				open = append(open, c)
				if c.filter.mayContain(h1, h2) {
					holders = append(holders, c)
				}
			}
		}
		switch {
		case len(holders) > 0:
			out[i] = rendezvous(key, holders)
		case len(open) > 0:
			// A node that filled its share with cached cells takes no
			// uncached ones.
			out[i] = rendezvous(key, open)
		default:
			out[i] = rendezvous(key, candidates)
		}
		room[out[i]]--
	}
	return out
}

// Run hands the fragments to the coordinator, each one's first attempt to
// its placed node. A retry is placed by rendezvous on the placed node's
// name and the task's index, so the retries of the tasks of a failed node
// spread over the others rather than all landing on one.
func (d *Distributor) Run(ctx context.Context, query int64, tasks []exec.SwarmTask) ([][]byte, error) {
	out := make([]Task, len(tasks))
	for i, t := range tasks {
		out[i] = Task{Payload: t.Payload, Node: t.Node, Key: t.Node + "/" + strconv.Itoa(i)}
	}
	return d.coord.Run(ctx, query, out)
}

// SelfMembers is a member source that always lists this node. A world view
// shows a node's own entry only once it has read the node's heartbeat, and
// right after a restart it may still show the previous incarnation under
// the node's name; until then SelfMembers puts an alive entry for this
// incarnation in its place, with the load it reads now, so that a node
// that has just started can take its own fragments. Once the view holds
// this incarnation its entry is used as it is: a node whose heartbeat says
// it is leaving is not alive, and every coordinator places on the same
// heartbeat figures.
type SelfMembers struct {
	Source            MemberSource
	Node, Incarnation string
	Address           string
	// Load reports this node's bees and temperature; nil reports zeros
	// (one bee, cold).
	Load LoadReader
	// CoordinatorOnly marks this node's own entry as taking no tasks, as
	// its heartbeats say once the view has read them.
	CoordinatorOnly bool
}

// Snapshot implements MemberSource.
func (s SelfMembers) Snapshot() []Member {
	var members []Member
	if s.Source != nil {
		members = s.Source.Snapshot()
	}
	if slices.ContainsFunc(members, func(m Member) bool { return m.Incarnation == s.Incarnation }) {
		return members
	}
	members = slices.DeleteFunc(members, func(m Member) bool { return m.Node == s.Node })
	self := Member{Heartbeat: Heartbeat{Node: s.Node, Incarnation: s.Incarnation, Address: s.Address,
		AcceptsTasks: acceptsTasks(!s.CoordinatorOnly)}, State: Alive, Self: true}
	if s.Load != nil {
		l := s.Load.Load()
		self.Bees, self.BeeMemory, self.MemoryInUse, self.Temperature, self.Band = l.Bees, l.BeeMemory, l.MemoryInUse, l.Temperature, l.Band
	}
	at, _ := slices.BinarySearchFunc(members, s.Node, func(m Member, node string) int { return cmp.Compare(m.Node, node) })
	return slices.Insert(members, at, self)
}
