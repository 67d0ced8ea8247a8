package difftest

import (
	"context"
	"log/slog"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/swarm"
)

// The environment's engine belongs to a pretend swarm of three nodes in
// this process: a coordinator and three workers sharing the engine's
// store, so a session that sets apiary.distribution = always runs its
// fragments through the real task protocol and Arrow results.

// swarmNodes are the pretend nodes' names.
var swarmNodes = []string{"node1", "node2", "node3"}

// staticMembers is a world view in which every pretend node is alive.
type staticMembers []swarm.Member

func (m staticMembers) Snapshot() []swarm.Member { return m }

// pretendCoordinator is the pretend swarm's coordinator, whose task
// records tell which queries were distributed.
var pretendCoordinator *swarm.Coordinator

// distributedQueries counts the queries the pretend swarm has run tasks
// for, and the nodes those tasks ran on.
func distributedQueries() (queries int, nodes map[string]int) {
	seen := map[int64]bool{}
	nodes = map[string]int{}
	for _, t := range pretendCoordinator.SystemTasks() {
		seen[t.QueryID] = true
		nodes[t.Node]++
	}
	return len(seen), nodes
}

// swarmPoll is how often the pretend swarm lists its task objects: the
// store is memory, so polling fast costs little and keeps the corpus
// quick.
const swarmPoll = time.Millisecond

// newPretendSwarm returns the distributor an engine on store hands its
// fragments to, and a function that starts the workers once the engine
// is open; they run for the life of the test binary.
func newPretendSwarm(store objstore.Store, logger *slog.Logger) (*swarm.Distributor, func(*exec.Engine)) {
	var members staticMembers
	for _, n := range swarmNodes {
		members = append(members, swarm.Member{Heartbeat: swarm.Heartbeat{Node: n, Incarnation: n + "-incarnation", Bees: 1}, State: swarm.Alive})
	}
	coord := swarm.NewCoordinator(swarm.CoordinatorConfig{Store: store, Members: members, Node: swarmNodes[0],
		Incarnation: swarmNodes[0] + "-incarnation", PollInterval: swarmPoll, TaskTimeout: queryTimeout, Logger: logger,
		Recent: 1 << 20})
	pretendCoordinator = coord
	start := func(eng *exec.Engine) {
		run := func(ctx context.Context, payload []byte) ([]byte, error) {
			f, err := exec.UnmarshalFragment(payload)
			if err != nil {
				return nil, err
			}
			return eng.RunFragment(ctx, f)
		}
		for _, n := range swarmNodes {
			w := swarm.NewWorker(swarm.WorkerConfig{Store: store, Node: n, Incarnation: n + "-incarnation",
				PollInterval: swarmPoll, Concurrency: 2, Handler: run, Logger: logger})
			go w.Run(context.Background())
		}
	}
	return swarm.NewDistributor(coord), start
}
