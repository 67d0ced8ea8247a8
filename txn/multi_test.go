package txn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

const (
	catPrefix   = "catalog/"
	framePrefix = "frames/f/"
)

// createFrameTxn writes to two ledgers: a catalog entry and a frame cell.
func createFrameTxn(m *Manager, name string) *Txn {
	tx := m.Begin("CREATE TABLE")
	tx.SetEntry(m.Ledger(catPrefix), "frame/"+name, json.RawMessage(`{"id":"`+name+`"}`))
	tx.AddCells(m.Ledger(framePrefix), cell("data/"+name))
	return tx
}

func TestMultiLedgerCommit(t *testing.T) {
	for _, be := range allBackends() {
		t.Run(be.name, func(t *testing.T) {
			ctx := testCtx(t)
			st, _ := be.open(t)
			m := NewManager(st, testOptions())
			tx := createFrameTxn(m, "x")
			vs, err := tx.Commit(ctx)
			if err != nil || vs[catPrefix] != 0 || vs[framePrefix] != 0 {
				t.Fatalf("commit: %v %v", vs, err)
			}
			rec, err := st.Get(ctx, txnRecordKey(tx.ID()))
			if err != nil || !strings.Contains(string(rec), `"committed"`) {
				t.Fatalf("record: %s %v", rec, err)
			}
			fresh := NewManager(st, testOptions())
			checkPair(ctx, t, fresh, "x", true)
		})
	}
}

// checkPair asserts that a transaction reading both ledgers sees the pair
// named name in both or in neither, and which.
func checkPair(ctx context.Context, t *testing.T, m *Manager, name string, want bool) {
	t.Helper()
	tx := m.Begin("SELECT")
	cat, err := tx.Read(ctx, m.Ledger(catPrefix))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := tx.Read(ctx, m.Ledger(framePrefix))
	if err != nil {
		t.Fatal(err)
	}
	_, inCat := cat.Entries["frame/"+name]
	_, inFrame := fr.Cell("data/" + name)
	if inCat != want || inFrame != want {
		t.Fatalf("pair %s: in catalog %v, in frame %v; want %v", name, inCat, inFrame, want)
	}
}

// TestMultiLedgerCrash stops a two-ledger commit at each step before its
// commit point: readers see the old state throughout (never one ledger
// changed without the other); once the deadline passes the intents are
// aborted, and new writers proceed.
func TestMultiLedgerCrash(t *testing.T) {
	steps := []struct {
		name  string
		knobs func(k *TestingKnobs)
	}{
		{"after first intent", func(k *TestingKnobs) {
			k.AfterLedgerPut = func(p string, v int64) error {
				if p == catPrefix {
					return errCrash
				}
				return nil
			}
		}},
		{"after all intents", func(k *TestingKnobs) {
			k.AfterLedgerPut = func(p string, v int64) error {
				if p == framePrefix {
					return errCrash
				}
				return nil
			}
		}},
		{"before record", func(k *TestingKnobs) {
			k.BeforeTxnRecordPut = func(string) error { return errCrash }
		}},
	}
	for _, be := range []backend{memBackend, dirBackend} {
		for _, step := range steps {
			t.Run(be.name+"/"+step.name, func(t *testing.T) {
				ctx := testCtx(t)
				st, _ := be.open(t)
				opts := testOptions()
				knobs := &TestingKnobs{}
				opts.TestingKnobs = knobs
				m := NewManager(st, opts)
				if _, err := createFrameTxn(m, "old").Commit(ctx); err != nil {
					t.Fatal(err)
				}
				step.knobs(knobs)
				crashed := createFrameTxn(m, "new")
				if _, err := crashed.Commit(ctx); !errors.Is(err, errCrash) {
					t.Fatalf("commit: %v, want the simulated crash", err)
				}
				*knobs = TestingKnobs{}

				// Before the deadline: the intent is in doubt, readers stop
				// before it.
				fresh := NewManager(st, testOptions())
				checkPair(ctx, t, fresh, "old", true)
				checkPair(ctx, t, fresh, "new", false)

				// Asking for the intent's version waits for the deadline,
				// then aborts the transaction.
				snap, err := fresh.Ledger(catPrefix).Snapshot(ctx, 1)
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := snap.Entries["frame/new"]; ok {
					t.Fatal("aborted entry visible")
				}
				data, err := st.Get(ctx, txnRecordKey(crashed.ID()))
				if err != nil || !strings.Contains(string(data), `"aborted"`) {
					t.Fatalf("record after deadline: %s %v", data, err)
				}
				// A writer racing the abort to create "committed" loses.
				if _, err := m.createRecord(ctx, &TxnRecord{TxnID: crashed.ID(), State: TxnCommitted, Format: FormatVersion}); err != nil {
					t.Fatal(err)
				}
				if rec, _ := st.Get(ctx, txnRecordKey(crashed.ID())); !strings.Contains(string(rec), `"aborted"`) {
					t.Fatalf("record changed: %s", rec)
				}

				// Recovery: new writers on both ledgers proceed, old
				// managers and new ones agree with full replay.
				if _, err := createFrameTxn(NewManager(st, testOptions()), "after").Commit(ctx); err != nil {
					t.Fatal(err)
				}
				for _, mm := range []*Manager{m, NewManager(st, testOptions())} {
					checkPair(ctx, t, mm, "old", true)
					checkPair(ctx, t, mm, "new", false)
					checkPair(ctx, t, mm, "after", true)
				}
				for _, p := range []string{catPrefix, framePrefix} {
					snap, err := NewManager(st, testOptions()).Ledger(p).Latest(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if err := sameState(snap, fullReplay(t, st, p, -1)); err != nil {
						t.Fatalf("%s: %v", p, err)
					}
				}
			})
		}
	}
}

// TestMultiLedgerAbortedByOthers: a writer stalls before its commit point
// past its deadline; another node aborts it; the writer must report
// ErrAborted, not success.
func TestMultiLedgerAbortedByOthers(t *testing.T) {
	ctx := testCtx(t)
	st := objstore.NewMem()
	opts := testOptions()
	var stalled *Txn
	opts.TestingKnobs = &TestingKnobs{BeforeTxnRecordPut: func(id string) error {
		// Stall until someone else has decided this transaction.
		other := NewManager(st, testOptions())
		if _, err := other.Ledger(framePrefix).Snapshot(ctx, 0); err != nil {
			return err
		}
		if _, err := st.Stat(ctx, txnRecordKey(id)); err != nil {
			return fmt.Errorf("record not created by the other node: %w", err)
		}
		return nil
	}}
	m := NewManager(st, opts)
	stalled = createFrameTxn(m, "late")
	if _, err := stalled.Commit(ctx); !errors.Is(err, ErrAborted) {
		t.Fatalf("commit: %v, want ErrAborted", err)
	}
	checkPair(ctx, t, m, "late", false)
	checkPair(ctx, t, NewManager(st, testOptions()), "late", false)
}

// TestMultiLedgerWriterWaitsForIntent: a single-ledger writer that loses a
// race to an in-doubt intent waits for its outcome and then conflicts or
// rebases according to it.
func TestMultiLedgerWriterWaitsForIntent(t *testing.T) {
	for _, committed := range []bool{true, false} {
		t.Run(fmt.Sprint("committed=", committed), func(t *testing.T) {
			ctx := testCtx(t)
			st := objstore.NewMem()
			release := make(chan struct{})
			opts := testOptions()
			opts.IntentTimeout = 5 * time.Second
			opts.TestingKnobs = &TestingKnobs{BeforeTxnRecordPut: func(string) error {
				<-release
				if !committed {
					return errCrash
				}
				return nil
			}}
			m := NewManager(st, opts)
			multi := m.Begin("multi")
			multi.SetEntry(m.Ledger(catPrefix), "frame/x", json.RawMessage(`1`))
			multi.SetEntry(m.Ledger(framePrefix), "k", json.RawMessage(`1`))
			done := make(chan error, 1)
			go func() { _, err := multi.Commit(ctx); done <- err }()

			// Wait until both intents exist.
			other := NewManager(st, testOptions())
			for {
				if _, err := st.Stat(ctx, commitKey(framePrefix, 0)); err == nil {
					break
				}
				if err := sleepCtx(ctx, time.Millisecond); err != nil {
					t.Fatal(err)
				}
			}
			single := other.Begin("single")
			single.SetEntry(other.Ledger(framePrefix), "k", json.RawMessage(`2`))
			res := make(chan error, 1)
			go func() { _, err := single.Commit(ctx); res <- err }()
			select {
			case err := <-res:
				t.Fatalf("single-ledger commit finished while the intent was in doubt: %v", err)
			case <-time.After(50 * time.Millisecond):
			}
			close(release)
			err := <-res
			merr := <-done
			if committed {
				if merr != nil || !errors.Is(err, ErrConflict) {
					t.Fatalf("multi %v, single %v; want success and conflict", merr, err)
				}
			} else {
				if !errors.Is(merr, errCrash) {
					t.Fatalf("multi: %v", merr)
				}
				// The crashed writer left no record; the single writer
				// aborted it at the deadline and then committed.
				if err != nil {
					t.Fatalf("single: %v", err)
				}
			}
		})
	}
}

// TestMultiLedgerReadersNeverSeeHalf: while writers commit pairs across two
// ledgers (and unrelated single-ledger commits shift the versions),
// readers reading both ledgers in either order always see each pair in both
// or neither.
func TestMultiLedgerReadersNeverSeeHalf(t *testing.T) {
	for _, be := range []backend{memBackend, dirBackend} {
		t.Run(be.name, func(t *testing.T) {
			ctx := testCtx(t)
			st, _ := be.open(t)
			opts := testOptions()
			opts.IntentTimeout = 10 * time.Second
			opts.MaxCommitAttempts = 1000
			opts.CheckpointInterval = 5
			const pairs = 25
			var stop atomic.Bool
			var wg sync.WaitGroup
			errs := make(chan error, 100)
			wg.Add(1)
			go func() { // pair writer
				defer wg.Done()
				defer stop.Store(true)
				m := NewManager(st, opts)
				for i := range pairs {
					// A pair starved past its deadline by the noise is
					// aborted or conflicts; like the SQL layer, retry.
					for attempt := 0; ; attempt++ {
						_, err := createFrameTxn(m, fmt.Sprintf("p%02d", i)).Commit(ctx)
						if err == nil {
							break
						}
						if attempt == 5 || !(errors.Is(err, ErrAborted) || errors.Is(err, ErrConflict)) {
							errs <- fmt.Errorf("pair %d: %w", i, err)
							return
						}
						t.Logf("pair %d retried after: %v", i, err)
					}
				}
			}()
			for _, p := range []string{catPrefix, framePrefix} { // noise
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := NewManager(st, opts)
					for i := 0; !stop.Load(); i++ {
						tx := m.Begin("noise")
						if p == catPrefix {
							tx.SetEntry(m.Ledger(p), fmt.Sprintf("noise/%d", i), json.RawMessage(`0`))
						} else {
							tx.AddCells(m.Ledger(p), cell(fmt.Sprintf("noise/%d", i)))
						}
						if _, err := tx.Commit(ctx); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			var reads atomic.Int64
			for r := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					order := []string{catPrefix, framePrefix}
					if r == 1 {
						slices.Reverse(order)
					}
					m := NewManager(st, opts)
					for !stop.Load() {
						tx := m.Begin("SELECT")
						snaps := map[string]*Snapshot{}
						for _, p := range order {
							s, err := tx.Read(ctx, m.Ledger(p))
							if err != nil {
								errs <- err
								return
							}
							snaps[p] = s
						}
						for i := range pairs {
							name := fmt.Sprintf("p%02d", i)
							_, inCat := snaps[catPrefix].Entries["frame/"+name]
							_, inFrame := snaps[framePrefix].Cell("data/" + name)
							if inCat != inFrame {
								errs <- fmt.Errorf("reader %d saw half of %s: catalog v%d %v, frame v%d %v", r, name, snaps[catPrefix].Version, inCat, snaps[framePrefix].Version, inFrame)
								return
							}
						}
						reads.Add(1)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			t.Logf("%d consistent two-ledger reads", reads.Load())
			checkPair(ctx, t, NewManager(st, testOptions()), fmt.Sprintf("p%02d", pairs-1), true)
		})
	}
}
