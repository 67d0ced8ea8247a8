package swarm

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// TaskPrefix holds every distributed query's objects, one folder per query:
//
//	_swarm/tasks/<coordinator-incarnation>-<query>/query.json     anchor, written first, removed last
//	_swarm/tasks/<coordinator-incarnation>-<query>/cancel         the query is over: stop its tasks
//	_swarm/tasks/<...>/<task>/done                                 create-if-absent; first one wins
//	_swarm/tasks/<...>/<task>/<attempt>/task.<node>.json           the attempt, addressed to <node>
//	_swarm/tasks/<...>/<task>/<attempt>/claim                      create-if-absent by the worker
//	_swarm/tasks/<...>/<task>/<attempt>/result                     the handler's output
//	_swarm/tasks/<...>/<task>/<attempt>/error                      the handler's error, instead
//
// The target node is part of the task object's name so that a worker finds
// its work from one LIST, without reading objects addressed to others.
const TaskPrefix = "_swarm/tasks/"

const (
	anchorName = "query.json"
	cancelName = "cancel"
	doneName   = "done"
	claimName  = "claim"
	resultName = "result"
	errorName  = "error"
	taskPrefix = "task."
	taskSuffix = ".json"
)

// queryDir is the folder of one query. The coordinator's incarnation in
// the name lets a sweeper tell, from a listing alone, whose query it is.
func queryDir(incarnation string, query int64) string {
	return TaskPrefix + incarnation + "-" + strconv.FormatInt(query, 10) + "/"
}

func taskDir(qdir string, task int) string { return fmt.Sprintf("%s%06d/", qdir, task) }

func attemptDir(qdir string, task, attempt int) string {
	return fmt.Sprintf("%s%03d/", taskDir(qdir, task), attempt)
}

func taskObjectKey(qdir string, task, attempt int, node string) string {
	return attemptDir(qdir, task, attempt) + taskPrefix + url.PathEscape(node) + taskSuffix
}

// taskMeta is the content of a task object. The payload is opaque to the
// swarm; the coordinator's plan puts a serialised fragment there.
type taskMeta struct {
	Query       int64  `json:"query"`
	Task        int    `json:"task"`
	Attempt     int    `json:"attempt"`
	Node        string `json:"node"`
	Coordinator string `json:"coordinator"`
	// CoordinatorIncarnation fences the task to one run of its coordinator.
	CoordinatorIncarnation string `json:"coordinator_incarnation"`
	// Timeout is how long the worker may run the attempt, from its claim, on
	// its own clock; the coordinator gives up at the same span on its clock.
	Timeout time.Duration `json:"timeout_ns"`
	Payload []byte        `json:"payload"`
}

// anchorMeta is the content of a query's anchor object, for people and
// for the sweeper's log.
type anchorMeta struct {
	Query                  int64     `json:"query"`
	Coordinator            string    `json:"coordinator"`
	CoordinatorIncarnation string    `json:"coordinator_incarnation"`
	Tasks                  int       `json:"tasks"`
	StartedAt              time.Time `json:"started_at"`
}

// doneMeta is the content of a done marker: which attempt's result counts.
type doneMeta struct {
	Attempt int    `json:"attempt"`
	Node    string `json:"node"`
}

// errorMeta is the content of an error object: the handler's error with
// its SQLSTATE, so that a query error reaches the client with its code.
type errorMeta struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Node    string `json:"node"`
}

// taskKey is a key under TaskPrefix, taken apart. Task and Attempt are -1
// for keys above their level.
type taskKey struct {
	Query   string // the query folder's name: <incarnation>-<query>
	Task    int
	Attempt int
	Name    string // the last segment
	Node    string // for a task object, the node it is addressed to
}

// parseTaskKey takes a key apart; false for a key the protocol does not
// know, which is then ignored.
func parseTaskKey(key string) (taskKey, bool) {
	rest, ok := strings.CutPrefix(key, TaskPrefix)
	if !ok {
		return taskKey{}, false
	}
	parts := strings.Split(rest, "/")
	k := taskKey{Query: parts[0], Task: -1, Attempt: -1, Name: parts[len(parts)-1]}
	if k.Query == "" {
		return taskKey{}, false
	}
	switch len(parts) {
	case 2:
		return k, k.Name == anchorName || k.Name == cancelName
	case 3:
		t, err := strconv.Atoi(parts[1])
		k.Task = t
		return k, err == nil && k.Name == doneName
	case 4:
		t, err1 := strconv.Atoi(parts[1])
		a, err2 := strconv.Atoi(parts[2])
		if err1 != nil || err2 != nil {
			return taskKey{}, false
		}
		k.Task, k.Attempt = t, a
		if name, ok := strings.CutPrefix(k.Name, taskPrefix); ok {
			if name, ok = strings.CutSuffix(name, taskSuffix); ok {
				node, err := url.PathUnescape(name)
				if err != nil || node == "" {
					return taskKey{}, false
				}
				k.Node = node
				return k, true
			}
		}
		return k, k.Name == claimName || k.Name == resultName || k.Name == errorName
	}
	return taskKey{}, false
}

// incarnationOfQuery is the coordinator incarnation in a query folder's
// name.
func incarnationOfQuery(query string) string {
	i := strings.LastIndexByte(query, '-')
	if i < 0 {
		return query
	}
	return query[:i]
}
