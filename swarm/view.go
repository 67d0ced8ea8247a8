package swarm

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// State is what an observer makes of a node.
type State string

// The states of a node in the world view.
const (
	// Alive: its sequence advanced within swarm.suspect_after.
	Alive State = "alive"
	// Suspect: silent for swarm.suspect_after; work may still come back
	// from it, new work should not go to it.
	Suspect State = "suspect"
	// Dead: silent for swarm.dead_after; its work is given to others.
	Dead State = "dead"
	// Left: its last heartbeat said it was leaving.
	Left State = "left"
)

// ViewConfig configures a world view.
type ViewConfig struct {
	Store objstore.Store
	// Interval is how often Run reads the heartbeats
	// (swarm.heartbeat_interval).
	Interval time.Duration
	// SuspectAfter and DeadAfter are the silences after which a node is
	// suspect, then dead (swarm.suspect_after, swarm.dead_after).
	SuspectAfter, DeadAfter time.Duration
	// Self is this node's incarnation, to mark its own entry; "" marks
	// none.
	Self string
	// Clock measures silences; nil is RealClock.
	Clock  Clock
	Logger *slog.Logger
}

// Member is one node as the view sees it.
type Member struct {
	Heartbeat
	State State
	// LastChange is when this observer last saw the node's sequence
	// advance (or a new incarnation), by the observer's own clock.
	LastChange time.Time
	// Silence is how long ago that was.
	Silence time.Duration
	// Self marks this node's own entry.
	Self bool
}

// member is what the view remembers of one heartbeat object.
type member struct {
	hb         Heartbeat
	listed     objstore.ObjectInfo // as of the last GET
	fetchedAt  time.Time
	lastChange time.Time
	state      State
}

// View is the world view: the swarm's nodes and their states, rebuilt from
// the heartbeat objects. It is advisory: it decides where work goes, never
// whether a result is accepted.
type View struct {
	cfg ViewConfig

	refresh sync.Mutex // one Refresh at a time

	mu      sync.Mutex
	members map[string]*member // by heartbeat key
}

// NewView returns an empty view; Refresh or Run fills it.
func NewView(cfg ViewConfig) *View {
	if cfg.Clock == nil {
		cfg.Clock = RealClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &View{cfg: cfg, members: map[string]*member{}}
}

// refetchAfter is how long an object that lists unchanged goes without a
// GET. Size and modification time are all a listing tells (objstore shows
// no ETag); on a store whose times have a coarse grain a rewrite of the
// same size can hide behind them, so the body is read anyway before that
// could make a live node look suspect.
func (v *View) refetchAfter() time.Duration {
	return max(v.cfg.SuspectAfter/2, v.cfg.Interval)
}

// Refresh reads the heartbeats once: one LIST, and a GET for each object
// that changed since it was last read.
func (v *View) Refresh(ctx context.Context) error {
	v.refresh.Lock()
	defer v.refresh.Unlock()
	infos, err := v.cfg.Store.List(ctx, HeartbeatPrefix)
	if err != nil {
		return fmt.Errorf("swarm: list heartbeats: %w", err)
	}
	listed := make(map[string]bool, len(infos))
	var errs []error
	for _, info := range infos {
		if _, ok := nodeFromKey(info.Key); !ok {
			continue
		}
		listed[info.Key] = true
		if err := v.read(ctx, info); err != nil {
			errs = append(errs, err)
		}
	}
	v.mu.Lock()
	for key := range v.members {
		if !listed[key] {
			delete(v.members, key)
		}
	}
	v.mu.Unlock()
	v.logTransitions()
	return errors.Join(errs...)
}

// read brings one heartbeat object's member up to date.
func (v *View) read(ctx context.Context, info objstore.ObjectInfo) error {
	now := v.cfg.Clock.Now()
	v.mu.Lock()
	m, known := v.members[info.Key]
	if known && m.listed.Size == info.Size && m.listed.Modified.Equal(info.Modified) && now.Sub(m.fetchedAt) < v.refetchAfter() {
		v.mu.Unlock()
		return nil
	}
	v.mu.Unlock()

	data, err := v.cfg.Store.Get(ctx, info.Key)
	if errors.Is(err, objstore.ErrNotExist) {
		return nil // removed since the listing; the next one drops it
	}
	if err != nil {
		return fmt.Errorf("swarm: read heartbeat %s: %w", info.Key, err)
	}
	var hb Heartbeat
	if err := json.Unmarshal(data, &hb); err != nil {
		// A foreign or damaged object must not take the view down; the
		// node it stood for goes silent and turns suspect as it should.
		return fmt.Errorf("swarm: heartbeat %s is not valid: %w", info.Key, err)
	}
	if node, _ := nodeFromKey(info.Key); hb.Node != node || hb.Incarnation == "" {
		// Tasks are addressed by node name and fenced by incarnation: a
		// member without either, or under another's name, would take
		// work no worker claims.
		return fmt.Errorf("swarm: heartbeat %s is not valid: it names node %q, incarnation %q", info.Key, hb.Node, hb.Incarnation)
	}

	v.mu.Lock()
	defer v.mu.Unlock()
	if !known {
		// The first sight says nothing about the node's age: its silence
		// is counted from now, as if the sequence had just advanced.
		v.members[info.Key] = &member{hb: hb, listed: info, fetchedAt: now, lastChange: now}
		return nil
	}
	if hb.Incarnation != m.hb.Incarnation || hb.Seq > m.hb.Seq {
		m.lastChange = now
	}
	if hb.Incarnation != m.hb.Incarnation || hb.Seq >= m.hb.Seq {
		// An older sequence of the same incarnation is a stale read;
		// keep what is newer.
		m.hb = hb
	}
	m.listed, m.fetchedAt = info, now
	return nil
}

// judge is the state of a member at now.
func (v *View) judge(m *member, now time.Time) State {
	if m.hb.Leaving {
		return Left
	}
	switch silence := now.Sub(m.lastChange); {
	case silence >= v.cfg.DeadAfter:
		return Dead
	case silence >= v.cfg.SuspectAfter:
		return Suspect
	}
	return Alive
}

// logTransitions logs each node whose state changed since the last
// refresh, so the log tells the swarm's story.
func (v *View) logTransitions() {
	now := v.cfg.Clock.Now()
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, m := range v.members {
		s := v.judge(m, now)
		if s == m.state {
			continue
		}
		if m.state != "" || s != Alive {
			v.cfg.Logger.Info("swarm: node state", "node", m.hb.Node, "state", string(s), "was", string(m.state),
				"incarnation", m.hb.Incarnation, "seq", m.hb.Seq, "silence", now.Sub(m.lastChange).Round(time.Millisecond).String())
		}
		m.state = s
	}
}

// Snapshot returns the nodes with their states now, by node name.
func (v *View) Snapshot() []Member {
	now := v.cfg.Clock.Now()
	v.mu.Lock()
	out := make([]Member, 0, len(v.members))
	for _, m := range v.members {
		out = append(out, Member{
			Heartbeat: m.hb, State: v.judge(m, now), LastChange: m.lastChange, Silence: now.Sub(m.lastChange),
			Self: v.cfg.Self != "" && m.hb.Incarnation == v.cfg.Self,
		})
	}
	v.mu.Unlock()
	slices.SortFunc(out, func(a, b Member) int { return cmp.Compare(a.Node, b.Node) })
	return out
}

// Run refreshes the view at once and then every interval until ctx ends.
// A failed refresh is logged; the view keeps what it knew, and its
// silences keep growing, which is the right judgement when storage is
// unreachable.
func (v *View) Run(ctx context.Context) {
	t := time.NewTicker(v.cfg.Interval)
	defer t.Stop()
	for {
		if err := v.Refresh(ctx); err != nil && ctx.Err() == nil {
			v.cfg.Logger.Warn("swarm: cannot read heartbeats", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
