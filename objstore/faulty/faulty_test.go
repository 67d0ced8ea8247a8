package faulty_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/faulty"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

// With no rules the wrapper must be a conforming store itself.
func TestConformance(t *testing.T) {
	objstoretest.Run(t, func(t *testing.T) objstore.Store { return faulty.Wrap(objstoretest.NewMem(t)) })
}

func TestFailBeforeWritesNothing(t *testing.T) {
	ctx := context.Background()
	f := faulty.Wrap(objstore.NewMem())
	h := f.FailBefore(faulty.PutIfAbsent, "t/_ledger/*", 2)
	for i := 1; i <= 3; i++ {
		err := f.PutIfAbsent(ctx, fmt.Sprintf("t/_ledger/%d", i), []byte("x"))
		if wantFail := i == 2; wantFail != (err != nil) {
			t.Fatalf("call %d: error = %v, want failure only on call 2", i, err)
		}
		if err != nil && !(errors.Is(err, objstore.ErrTransient) && errors.Is(err, faulty.ErrInjected)) {
			t.Errorf("injected error %v does not wrap ErrTransient and ErrInjected", err)
		}
	}
	if _, err := f.Inner().Get(ctx, "t/_ledger/2"); !errors.Is(err, objstore.ErrNotExist) {
		t.Errorf("failed-before call reached the store: %v", err)
	}
	if h.Fired() != 1 || h.Seen() != 3 {
		t.Errorf("Fired = %d, Seen = %d; want 1 and 3", h.Fired(), h.Seen())
	}
	// Keys outside the pattern and other operations are not counted.
	if err := f.PutIfAbsent(ctx, "t/cells/1", nil); err != nil || h.Seen() != 3 {
		t.Errorf("non-matching key: err %v, seen %d", err, h.Seen())
	}
}

func TestFailAfterIsALostResponse(t *testing.T) {
	ctx := context.Background()
	f := faulty.Wrap(objstore.NewMem())
	f.FailAfter(faulty.PutIfAbsent, "", 1)
	err := f.PutIfAbsent(ctx, "k", []byte("mine"))
	if !errors.Is(err, objstore.ErrTransient) {
		t.Fatalf("error = %v, want ErrTransient", err)
	}
	if got, err := f.Get(ctx, "k"); err != nil || string(got) != "mine" {
		t.Errorf("the write did not happen: %q, %v", got, err)
	}
	// The rule fired once; a retry now sees the caller's own object.
	if err := f.PutIfAbsent(ctx, "k", []byte("mine")); !errors.Is(err, objstore.ErrExist) {
		t.Errorf("retry: error = %v, want ErrExist", err)
	}
}

func TestTimesAndCustomError(t *testing.T) {
	ctx := context.Background()
	f := faulty.Wrap(objstore.NewMem())
	errConflict := errors.New("409 conflict")
	f.Add(faulty.Rule{Op: faulty.Get, Nth: 2, Times: 3, Action: faulty.FailBefore, Err: errConflict})
	f.Put(ctx, "k", nil)
	var failed []int
	for i := 1; i <= 6; i++ {
		if _, err := f.Get(ctx, "k"); err != nil {
			if !errors.Is(err, errConflict) || errors.Is(err, objstore.ErrTransient) {
				t.Errorf("error %v should wrap only the custom cause", err)
			}
			failed = append(failed, i)
		}
	}
	if fmt.Sprint(failed) != "[2 3 4]" {
		t.Errorf("failed calls %v, want [2 3 4]", failed)
	}
	forever := f.Add(faulty.Rule{Op: faulty.List, Times: -1, Action: faulty.FailBefore})
	for range 5 {
		if _, err := f.List(ctx, ""); err == nil {
			t.Fatal("List succeeded under a Times=-1 rule")
		}
	}
	forever.Remove()
	if _, err := f.List(ctx, ""); err != nil {
		t.Errorf("List after Remove: %v", err)
	}
	if f.Calls(faulty.List) != 6 || f.Calls(faulty.AnyOp) != 13 {
		t.Errorf("Calls(List) = %d, Calls(AnyOp) = %d; want 6 and 13", f.Calls(faulty.List), f.Calls(faulty.AnyOp))
	}
}

// Under concurrency the number of injected failures is exact even though
// which goroutine gets them is not.
func TestConcurrentCountIsExact(t *testing.T) {
	ctx := context.Background()
	f := faulty.Wrap(objstore.NewMem())
	h := f.Add(faulty.Rule{Op: faulty.Put, Nth: 10, Times: 7, Action: faulty.FailAfter})
	var wg sync.WaitGroup
	var mu sync.Mutex
	failures := 0
	for g := range 16 {
		wg.Go(func() {
			for i := range 20 {
				if err := f.Put(ctx, fmt.Sprintf("g%d/%d", g, i), nil); err != nil {
					mu.Lock()
					failures++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if failures != 7 || h.Fired() != 7 || h.Seen() != 320 {
		t.Errorf("failures %d, fired %d, seen %d; want 7, 7, 320", failures, h.Fired(), h.Seen())
	}
	infos, _ := f.List(ctx, "")
	if len(infos) != 320 {
		t.Errorf("%d objects stored, want all 320 (FailAfter writes)", len(infos))
	}
}

func TestDelayHonoursContext(t *testing.T) {
	f := faulty.Wrap(objstore.NewMem())
	f.Add(faulty.Rule{Op: faulty.Stat, Action: faulty.Delay, Delay: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.Stat(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("delayed Stat: error = %v, want DeadlineExceeded", err)
	}
}

// A Before hook can hold a writer at a crash point while the test acts, the
// pattern for "stall the committer, run GC, then let it go".
func TestHookPausesACall(t *testing.T) {
	ctx := context.Background()
	f := faulty.Wrap(objstore.NewMem())
	reached, release := make(chan string), make(chan struct{})
	var after []string
	f.Add(faulty.Rule{
		Op: faulty.PutIfAbsent, Key: "_ledger/*", Action: faulty.Hook,
		Before: func(_ context.Context, _ faulty.Op, key string) error {
			reached <- key
			<-release
			return nil
		},
		After: func(_ context.Context, op faulty.Op, key string, err error) error {
			after = append(after, fmt.Sprintf("%s %s %v", op, key, err))
			return err
		},
	})
	done := make(chan error)
	go func() { done <- f.PutIfAbsent(ctx, "_ledger/1", []byte("stalled")) }()
	if key := <-reached; key != "_ledger/1" {
		t.Fatalf("hook saw %q", key)
	}
	// While the writer is held, a rival takes the key.
	if err := f.Inner().PutIfAbsent(ctx, "_ledger/1", []byte("rival")); err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-done; !errors.Is(err, objstore.ErrExist) {
		t.Errorf("stalled writer: error = %v, want ErrExist", err)
	}
	if len(after) != 1 || !strings.HasPrefix(after[0], "put if absent _ledger/1") {
		t.Errorf("After hook saw %q", after)
	}
}

func TestAddPanicsOnBadRule(t *testing.T) {
	for name, r := range map[string]faulty.Rule{
		"no action":   {Op: faulty.Get},
		"bad pattern": {Key: "[", Action: faulty.FailBefore},
		"empty hook":  {Action: faulty.Hook},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Add did not panic", name)
				}
			}()
			faulty.Wrap(objstore.NewMem()).Add(r)
		}()
	}
}
