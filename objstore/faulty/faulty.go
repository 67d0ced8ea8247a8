// Package faulty wraps an objstore.Store to inject failures, delays and
// pauses at chosen calls, for tests of code that must survive a misbehaving
// store: the ledger's commit loop, checkpointing, garbage collection, the
// swarm's task and result exchange.
//
// Faults are deterministic: each rule counts the calls it matches and fires on
// the Nth (and, if asked, the following ones), so "the 3rd PutIfAbsent under
// _ledger/ loses its response" happens exactly once in every run. Which
// goroutine's call is the Nth depends on scheduling when calls race; how many
// fire does not.
//
// A failure injected Before the call leaves the store untouched (a request
// that never arrived). One injected After the call lets the write happen and
// then reports ErrTransient (a lost response) — the case a commit protocol
// must resolve by reading back. Hooks run arbitrary code at the same points,
// e.g. to block a writer between two durable steps while a test acts.
//
// Imports objstore only.
package faulty

import (
	"context"
	"errors"
	"fmt"
	"path"
	"sync"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Op names a Store method.
type Op uint8

// The operations a Rule can match. AnyOp matches all of them.
const (
	AnyOp Op = iota
	Get
	GetRange
	Put
	PutIfAbsent
	List
	Stat
	Delete
)

var opNames = [...]string{"any", "get", "get range", "put", "put if absent", "list", "stat", "delete"}

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("op(%d)", o)
}

// Action is what a rule does when it fires.
type Action uint8

const (
	// FailBefore returns an error without calling the wrapped store.
	FailBefore Action = iota + 1
	// FailAfter calls the wrapped store, discards its result and returns an
	// error: for writes, the change happened but the caller cannot know.
	FailAfter
	// Delay waits Rule.Delay (or until the context ends) before the call.
	Delay
	// Hook runs Rule.Before before the call and Rule.After after it.
	Hook
)

// ErrInjected marks every failure this package makes up. Injected errors also
// wrap objstore.ErrTransient unless Rule.Err says otherwise.
var ErrInjected = errors.New("faulty: injected failure")

// Rule selects calls and says what to do to them.
type Rule struct {
	Op Op // operation to match; AnyOp matches every operation
	// Key is a path.Match pattern for the key (for List, the prefix); empty
	// matches everything. Match, when set, is used instead.
	Key   string
	Match func(key string) bool
	// Nth is the first matching call (1-based) that fires; 0 means 1.
	Nth int
	// Times is how many consecutive matching calls fire from Nth on; 0 means
	// one, a negative value means all of them.
	Times  int
	Action Action
	// Err replaces the injected error's cause for FailBefore and FailAfter;
	// it is wrapped together with ErrInjected. Nil means ErrTransient.
	Err error
	// Delay is the wait for the Delay action.
	Delay time.Duration
	// Before runs before the call for the Hook action; a non-nil result is
	// returned to the caller instead of making the call.
	Before func(ctx context.Context, op Op, key string) error
	// After runs after the call for the Hook action, with the call's result
	// error; its return value replaces that error.
	After func(ctx context.Context, op Op, key string, err error) error
}

// handle is a rule installed in a Store, with its counters.
type handle struct {
	rule  Rule
	mu    sync.Mutex
	seen  int // matching calls so far; guarded by mu
	fired int // calls the rule acted on; guarded by mu
}

// Handle lets a test ask how often its rule fired, and remove it.
type Handle struct {
	h *handle
	s *Store
}

// Fired returns how many calls the rule has acted on.
func (h Handle) Fired() int {
	h.h.mu.Lock()
	defer h.h.mu.Unlock()
	return h.h.fired
}

// Seen returns how many calls the rule has matched, fired or not.
func (h Handle) Seen() int {
	h.h.mu.Lock()
	defer h.h.mu.Unlock()
	return h.h.seen
}

// Remove uninstalls the rule; calls already past it are unaffected.
func (h Handle) Remove() {
	h.s.mu.Lock()
	defer h.s.mu.Unlock()
	for i, r := range h.s.rules {
		if r == h.h {
			h.s.rules = append(h.s.rules[:i:i], h.s.rules[i+1:]...)
			return
		}
	}
}

// Store is an objstore.Store that applies rules to calls before passing them
// to the wrapped store. It is safe for concurrent use; rules can be added and
// removed while calls are in flight.
type Store struct {
	inner objstore.Store
	mu    sync.Mutex
	rules []*handle // in installation order; guarded by mu
	calls [len(opNames)]int
}

var _ objstore.Store = (*Store)(nil)

// Wrap returns a Store with no rules around inner.
func Wrap(inner objstore.Store) *Store { return &Store{inner: inner} }

// Inner returns the wrapped store, for checks that must bypass the faults.
func (s *Store) Inner() objstore.Store { return s.inner }

// Add installs a rule. It panics on a malformed rule, which is a test bug.
func (s *Store) Add(r Rule) Handle {
	if r.Action < FailBefore || r.Action > Hook {
		panic("faulty: rule without a valid Action")
	}
	if r.Match == nil && r.Key != "" {
		if _, err := path.Match(r.Key, ""); err != nil {
			panic(fmt.Sprintf("faulty: bad key pattern %q: %v", r.Key, err))
		}
	}
	if r.Action == Hook && r.Before == nil && r.After == nil {
		panic("faulty: Hook rule without Before or After")
	}
	h := &handle{rule: r}
	s.mu.Lock()
	s.rules = append(s.rules, h)
	s.mu.Unlock()
	return Handle{h: h, s: s}
}

// FailBefore makes the nth call of op on keys matching pattern fail without
// reaching the store. Shorthand for Add.
func (s *Store) FailBefore(op Op, pattern string, nth int) Handle {
	return s.Add(Rule{Op: op, Key: pattern, Nth: nth, Action: FailBefore})
}

// FailAfter makes the nth call of op on keys matching pattern reach the store
// and then report ErrTransient. Shorthand for Add.
func (s *Store) FailAfter(op Op, pattern string, nth int) Handle {
	return s.Add(Rule{Op: op, Key: pattern, Nth: nth, Action: FailAfter})
}

// Clear removes every rule.
func (s *Store) Clear() {
	s.mu.Lock()
	s.rules = nil
	s.mu.Unlock()
}

// Calls returns how many calls of op (all calls for AnyOp) reached the
// wrapper, including those a rule failed.
func (s *Store) Calls(op Op) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if op == AnyOp {
		return s.calls[AnyOp]
	}
	return s.calls[op]
}

func (h *handle) matches(op Op, key string) bool {
	if h.rule.Op != AnyOp && h.rule.Op != op {
		return false
	}
	switch {
	case h.rule.Match != nil:
		return h.rule.Match(key)
	case h.rule.Key != "":
		ok, _ := path.Match(h.rule.Key, key)
		return ok
	}
	return true
}

// fires counts a matching call and reports whether the rule acts on it.
func (h *handle) fires() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seen++
	first := max(h.rule.Nth, 1)
	times := h.rule.Times
	if times == 0 {
		times = 1
	}
	if h.seen < first || (times > 0 && h.seen >= first+times) {
		return false
	}
	h.fired++
	return true
}

// plan picks the rules that fire for one call, in installation order.
func (s *Store) plan(op Op, key string) []*handle {
	s.mu.Lock()
	s.calls[AnyOp]++
	s.calls[op]++
	rules := s.rules
	s.mu.Unlock()
	var out []*handle
	for _, h := range rules {
		if h.matches(op, key) && h.fires() {
			out = append(out, h)
		}
	}
	return out
}

func injected(op Op, key, when string, cause error) error {
	if cause == nil {
		cause = objstore.ErrTransient
	}
	return fmt.Errorf("faulty: %s %s %s the call: %w: %w", op, key, when, ErrInjected, cause)
}

// do runs call under the rules that fire for (op, key).
func (s *Store) do(ctx context.Context, op Op, key string, call func() error) error {
	fired := s.plan(op, key)
	failAfter := (*handle)(nil)
	for _, h := range fired {
		switch h.rule.Action {
		case FailBefore:
			return injected(op, key, "before", h.rule.Err)
		case Delay:
			t := time.NewTimer(h.rule.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
		case Hook:
			if h.rule.Before != nil {
				if err := h.rule.Before(ctx, op, key); err != nil {
					return err
				}
			}
		case FailAfter:
			if failAfter == nil {
				failAfter = h
			}
		}
	}
	err := call()
	for _, h := range fired {
		if h.rule.Action == Hook && h.rule.After != nil {
			err = h.rule.After(ctx, op, key, err)
		}
	}
	if failAfter != nil {
		return injected(op, key, "after", failAfter.rule.Err)
	}
	return err
}

// Get implements objstore.Store.
func (s *Store) Get(ctx context.Context, key string) (data []byte, err error) {
	err = s.do(ctx, Get, key, func() (err error) {
		data, err = s.inner.Get(ctx, key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// GetRange implements objstore.Store.
func (s *Store) GetRange(ctx context.Context, key string, offset, length int64) (data []byte, err error) {
	err = s.do(ctx, GetRange, key, func() (err error) {
		data, err = s.inner.GetRange(ctx, key, offset, length)
		return err
	})
	if err != nil {
		return nil, err
	}
	return data, nil
}

// Put implements objstore.Store.
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	return s.do(ctx, Put, key, func() error { return s.inner.Put(ctx, key, data) })
}

// PutIfAbsent implements objstore.Store.
func (s *Store) PutIfAbsent(ctx context.Context, key string, data []byte) error {
	return s.do(ctx, PutIfAbsent, key, func() error { return s.inner.PutIfAbsent(ctx, key, data) })
}

// List implements objstore.Store. Rules match the prefix as the key.
func (s *Store) List(ctx context.Context, prefix string) (out []objstore.ObjectInfo, err error) {
	err = s.do(ctx, List, prefix, func() (err error) {
		out, err = s.inner.List(ctx, prefix)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Stat implements objstore.Store.
func (s *Store) Stat(ctx context.Context, key string) (oi objstore.ObjectInfo, err error) {
	err = s.do(ctx, Stat, key, func() (err error) {
		oi, err = s.inner.Stat(ctx, key)
		return err
	})
	if err != nil {
		return objstore.ObjectInfo{}, err
	}
	return oi, nil
}

// Delete implements objstore.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.do(ctx, Delete, key, func() error { return s.inner.Delete(ctx, key) })
}

// URL implements objstore.Store.
func (s *Store) URL() string { return s.inner.URL() }

// Close implements objstore.Store; it closes the wrapped store.
func (s *Store) Close() error { return s.inner.Close() }
