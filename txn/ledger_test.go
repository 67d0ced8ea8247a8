package txn

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/faulty"
)

func TestLedgerBasics(t *testing.T) {
	for _, be := range allBackends() {
		t.Run(be.name, func(t *testing.T) {
			ctx := testCtx(t)
			st, _ := be.open(t)
			m := NewManager(st, testOptions())
			l := m.Ledger("frames/f1/")
			snap, err := l.Latest(ctx)
			if err != nil || snap.Version != -1 || len(snap.Cells) != 0 {
				t.Fatalf("empty ledger: %+v, %v", snap, err)
			}
			if _, err := l.Snapshot(ctx, 0); !errors.Is(err, ErrNoLedger) {
				t.Fatalf("snapshot 0 of empty ledger: %v", err)
			}

			tx := m.Begin("CREATE TABLE")
			tx.SetMetadata(l, Metadata{FrameID: "f1", Columns: []Column{{Name: "a", Type: "integer"}}})
			tx.AddCells(l, cell("data/1"), cell("data/2"))
			tx.SetEntry(l, "k", json.RawMessage(`"v"`))
			vs, err := tx.Commit(ctx)
			if err != nil || vs["frames/f1/"] != 0 {
				t.Fatalf("first commit: %v %v", vs, err)
			}
			if _, err := tx.Commit(ctx); !errors.Is(err, ErrTxnDone) {
				t.Fatalf("second Commit: %v", err)
			}

			tx = m.Begin("DELETE")
			if _, err := tx.Read(ctx, l); err != nil {
				t.Fatal(err)
			}
			tx.RemoveCells(l, "data/1")
			tx.AddCells(l, cell("data/3"))
			tx.DeleteEntry(l, "k")
			p := tx.Pending(l)
			if len(p.Removes) != 1 || len(p.Adds) != 1 || !p.DeletedEntries["k"] {
				t.Fatalf("pending: %+v", p)
			}
			if v, err := tx.ReadEntry(ctx, l, "k"); err != nil || v != nil {
				t.Fatalf("read own delete: %s %v", v, err)
			}
			if _, err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}

			// A second manager (another node) sees the same state.
			m2 := NewManager(st, testOptions())
			for _, mm := range []*Manager{m, m2} {
				snap, err := mm.Ledger("frames/f1/").Latest(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if snap.Version != 1 || paths(snap.Cells) != "data/2,data/3" || len(snap.Entries) != 0 || snap.Metadata.FrameID != "f1" {
					t.Fatalf("latest: %+v", snap)
				}
			}
			old, err := m2.Ledger("frames/f1/").Snapshot(ctx, 0)
			if err != nil || paths(old.Cells) != "data/1,data/2" || string(old.Entries["k"]) != `"v"` {
				t.Fatalf("snapshot 0: %+v %v", old, err)
			}
			if _, err := l.Snapshot(ctx, 5); !errors.Is(err, ErrVersionNotFound) {
				t.Fatalf("snapshot 5: %v", err)
			}
			// Read-only transactions commit nothing.
			ro := m.Begin("SELECT")
			if _, err := ro.Read(ctx, l); err != nil {
				t.Fatal(err)
			}
			if vs, err := ro.Commit(ctx); err != nil || len(vs) != 0 {
				t.Fatalf("read-only commit: %v %v", vs, err)
			}
		})
	}
}

// TestLostResponse: the store creates the commit but reports a transient
// failure. The writer must recognise its own commit by txn id and report
// success once, without writing a second version.
func TestLostResponse(t *testing.T) {
	tests := []struct {
		name  string
		rules func(fs *faulty.Store)
	}{
		{"lost response", func(fs *faulty.Store) {
			fs.Add(faulty.Rule{Op: faulty.PutIfAbsent, Match: isLedgerCommit, Action: faulty.FailAfter})
		}},
		{"lost response then unreadable", func(fs *faulty.Store) {
			fs.Add(faulty.Rule{Op: faulty.PutIfAbsent, Match: isLedgerCommit, Action: faulty.FailAfter})
			fs.Add(faulty.Rule{Op: faulty.Get, Match: isLedgerCommit, Nth: 2, Times: 3, Action: faulty.FailBefore})
		}},
		{"repeated lost responses", func(fs *faulty.Store) {
			fs.Add(faulty.Rule{Op: faulty.PutIfAbsent, Match: isLedgerCommit, Times: 3, Action: faulty.FailAfter})
		}},
		{"failure before put", func(fs *faulty.Store) {
			fs.Add(faulty.Rule{Op: faulty.PutIfAbsent, Match: isLedgerCommit, Times: 2, Action: faulty.FailBefore})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			fs := faulty.Wrap(objstore.NewMem())
			m := NewManager(fs, testOptions())
			l := m.Ledger("frames/f/")
			if _, err := appendOne(ctx, m, l, "data/0"); err != nil {
				t.Fatal(err)
			}
			tc.rules(fs)
			tx := m.Begin("INSERT")
			tx.AddCells(l, cell("data/1"))
			vs, err := tx.Commit(ctx)
			if err != nil {
				t.Fatalf("commit: %v", err)
			}
			if vs["frames/f/"] != 1 {
				t.Fatalf("committed at %v, want version 1", vs)
			}
			fs.Clear()
			commits := rawCommits(t, fs.Inner(), "frames/f/")
			seen := 0
			for _, c := range commits {
				if c.Info.TxnID == tx.ID() {
					seen++
				}
			}
			if len(commits) != 2 || seen != 1 {
				t.Fatalf("%d commits, txn appears %d times; want 2 commits, once", len(commits), seen)
			}
			snap, err := NewManager(fs.Inner(), testOptions()).Ledger("frames/f/").Latest(ctx)
			if err != nil || paths(snap.Cells) != "data/0,data/1" {
				t.Fatalf("latest %+v %v", snap, err)
			}
		})
	}
}

// TestLostResponseUnderContention: the lost-response commit lands while
// another writer races; the writer still reports exactly its own version.
func TestLostResponseUnderContention(t *testing.T) {
	ctx := testCtx(t)
	fs := faulty.Wrap(objstore.NewMem())
	fs.Add(faulty.Rule{Op: faulty.PutIfAbsent, Match: isLedgerCommit, Nth: 3, Times: 5, Action: faulty.FailAfter})
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				m := NewManager(fs, testOptions())
				if _, err := appendOne(ctx, m, m.Ledger("frames/f/"), fmt.Sprintf("data/%d-%d", w, i)); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	fs.Clear()
	checkAppendLedger(t, fs.Inner(), "frames/f/", 40)
}

// checkAppendLedger verifies a ledger written only by appends of one cell
// each: versions 0..n-1 contiguous, every txn id once, every cell live.
func checkAppendLedger(t testing.TB, st objstore.Store, prefix string, n int) {
	t.Helper()
	commits := rawCommits(t, st, prefix)
	if len(commits) != n {
		t.Fatalf("%d commits, want %d", len(commits), n)
	}
	ids := map[string]bool{}
	cells := map[string]bool{}
	for _, c := range commits {
		if ids[c.Info.TxnID] {
			t.Fatalf("txn %s committed twice", c.Info.TxnID)
		}
		ids[c.Info.TxnID] = true
		for _, a := range c.Adds {
			cells[a.Path] = true
		}
	}
	snap, err := NewManager(st, testOptions()).Ledger(prefix).Latest(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Cells) != n || len(cells) != n || snap.Version != int64(n-1) {
		t.Fatalf("latest has %d cells at version %d, commits add %d distinct; want %d", len(snap.Cells), snap.Version, len(cells), n)
	}
}

// TestConflicts runs two transactions that read the same version; the
// second one to commit must conflict or rebase according to the rules.
func TestConflicts(t *testing.T) {
	type writeFn func(tx *Txn, l *Ledger)
	add := func(p string, part ...string) writeFn {
		return func(tx *Txn, l *Ledger) { tx.AddCells(l, cell(p, part...)) }
	}
	remove := func(p string) writeFn { return func(tx *Txn, l *Ledger) { tx.RemoveCells(l, p) } }
	compact := func(rm []string, p string) writeFn {
		return func(tx *Txn, l *Ledger) { tx.Rewrite(l, rm, []AddCell{cell(p)}) }
	}
	setMD := func(tx *Txn, l *Ledger) { tx.SetMetadata(l, Metadata{FrameID: "g"}) }
	overwrite := func(tx *Txn, l *Ledger) { tx.Overwrite(l); tx.AddCells(l, cell("data/new")) }
	overwritePart := func(region string) writeFn {
		return func(tx *Txn, l *Ledger) {
			tx.OverwritePartition(l, map[string]string{"region": region})
			tx.AddCells(l, cell("data/new-"+region, "region", region))
		}
	}
	setKey := func(k string) writeFn {
		return func(tx *Txn, l *Ledger) { tx.SetEntry(l, k, json.RawMessage(`1`)) }
	}
	delKey := func(k string) writeFn { return func(tx *Txn, l *Ledger) { tx.DeleteEntry(l, k) } }
	readKey := func(k string) writeFn {
		return func(tx *Txn, l *Ledger) {
			if _, err := tx.ReadEntry(testCtx(t), l, k); err != nil {
				t.Fatal(err)
			}
			tx.AddCells(l, cell("data/r"))
		}
	}
	readPrefix := func(p string) writeFn {
		return func(tx *Txn, l *Ledger) {
			if err := tx.ReadPrefix(testCtx(t), l, p); err != nil {
				t.Fatal(err)
			}
			tx.DeleteEntry(l, "box/s")
		}
	}
	tests := []struct {
		name     string
		winner   writeFn
		loser    writeFn
		conflict bool
	}{
		{"key under read prefix vs prefix read", setKey("frame/s/t"), readPrefix("frame/s/"), true},
		{"key deleted under read prefix vs prefix read", delKey("frame/s/u"), readPrefix("frame/s/"), true},
		{"key outside read prefix vs prefix read", setKey("frame/s2/t"), readPrefix("frame/s/"), false},
		{"append vs append", add("data/x"), add("data/y"), false},
		{"remove vs append", remove("data/a"), add("data/y"), false},
		{"append vs remove", add("data/x"), remove("data/a"), false},
		{"remove vs remove same", remove("data/a"), remove("data/a"), true},
		{"remove vs remove other", remove("data/a"), remove("data/b"), false},
		{"metadata vs append", setMD, add("data/y"), true},
		{"append vs metadata", add("data/x"), setMD, false},
		{"metadata vs metadata", setMD, setMD, true},
		{"append vs overwrite", add("data/x"), overwrite, true},
		{"overwrite vs append", overwrite, add("data/y"), false},
		{"remove vs overwrite", remove("data/a"), overwrite, true},
		{"append other partition vs partition overwrite", add("data/x", "region", "US"), overwritePart("EU"), false},
		{"append same partition vs partition overwrite", add("data/x", "region", "EU"), overwritePart("EU"), true},
		{"remove in partition vs partition overwrite", remove("data/eu"), overwritePart("EU"), true},
		{"remove other partition vs partition overwrite", remove("data/us"), overwritePart("EU"), false},
		{"compaction vs append", compact([]string{"data/a", "data/b"}, "data/c"), add("data/y"), false},
		{"append vs compaction", add("data/x"), compact([]string{"data/a", "data/b"}, "data/c"), false},
		{"delete vs compaction same cell", remove("data/a"), compact([]string{"data/a", "data/b"}, "data/c"), true},
		{"compaction vs delete same cell", compact([]string{"data/a", "data/b"}, "data/c"), remove("data/b"), true},
		{"set vs set same key", setKey("k"), setKey("k"), true},
		{"set vs set other key", setKey("k"), setKey("j"), false},
		{"delete vs set same key", delKey("k0"), setKey("k0"), true},
		{"set vs read same key", setKey("k"), readKey("k"), true},
		{"set vs read other key", setKey("j"), readKey("k"), false},
		{"append vs set", add("data/x"), setKey("k"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			m := NewManager(objstore.NewMem(), testOptions())
			l := m.Ledger("frames/f/")
			setup := m.Begin("setup")
			setup.SetMetadata(l, Metadata{FrameID: "f"})
			setup.AddCells(l, cell("data/a"), cell("data/b"), cell("data/eu", "region", "EU"), cell("data/us", "region", "US"))
			setup.SetEntry(l, "k0", json.RawMessage(`0`))
			if _, err := setup.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			loser := m.Begin("loser")
			if _, err := loser.Read(ctx, l); err != nil {
				t.Fatal(err)
			}
			winner := m.Begin("winner")
			if _, err := winner.Read(ctx, l); err != nil {
				t.Fatal(err)
			}
			tc.winner(winner, l)
			if _, err := winner.Commit(ctx); err != nil {
				t.Fatalf("winner: %v", err)
			}
			tc.loser(loser, l)
			vs, err := loser.Commit(ctx)
			if tc.conflict {
				var ce *ConflictError
				if !errors.Is(err, ErrConflict) || !errors.As(err, &ce) || ce.WinnerVersion != 1 || ce.Ledger != "frames/f/" {
					t.Fatalf("loser: %v, want a conflict with version 1", err)
				}
				return
			}
			if err != nil || vs["frames/f/"] != 2 {
				t.Fatalf("loser: %v %v, want version 2", vs, err)
			}
		})
	}
}

// TestConcurrentAppendsGoroutines: many writers (each its own Manager, as
// separate nodes would be) append to one ledger at once.
func TestConcurrentAppendsGoroutines(t *testing.T) {
	for _, be := range allBackends() {
		t.Run(be.name, func(t *testing.T) {
			ctx := testCtx(t)
			st, _ := be.open(t)
			const writers, each = 8, 10
			opts := testOptions()
			opts.MaxCommitAttempts = 1000 // the test checks safety under contention, not fairness
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					m := NewManager(st, opts)
					for i := range each {
						if _, err := appendOne(ctx, m, m.Ledger("frames/f/"), fmt.Sprintf("data/%d-%d", w, i)); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			checkAppendLedger(t, st, "frames/f/", writers*each)
		})
	}
}

// TestConflictingRemoves: every writer removes the same cell; exactly one
// wins and the rest get ErrConflict.
func TestConflictingRemoves(t *testing.T) {
	for _, be := range allBackends() {
		t.Run(be.name, func(t *testing.T) {
			ctx := testCtx(t)
			st, _ := be.open(t)
			m := NewManager(st, testOptions())
			if _, err := appendOne(ctx, m, m.Ledger("frames/f/"), "data/victim"); err != nil {
				t.Fatal(err)
			}
			const writers = 8
			var wg sync.WaitGroup
			results := make(chan error, writers)
			start := make(chan struct{})
			var ready sync.WaitGroup
			for w := range writers {
				wg.Add(1)
				ready.Add(1)
				go func() {
					defer wg.Done()
					m := NewManager(st, testOptions())
					l := m.Ledger("frames/f/")
					tx := m.Begin("DELETE")
					_, err := tx.Read(ctx, l)
					ready.Done()
					if err != nil {
						results <- err
						return
					}
					tx.RemoveCells(l, "data/victim")
					tx.AddCells(l, cell(fmt.Sprintf("data/rewritten-%d", w)))
					<-start
					_, err = tx.Commit(ctx)
					results <- err
				}()
			}
			ready.Wait() // every writer read version 0 before any commits
			close(start)
			wg.Wait()
			close(results)
			wins, conflicts := 0, 0
			for err := range results {
				switch {
				case err == nil:
					wins++
				case errors.Is(err, ErrConflict):
					conflicts++
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
			if wins != 1 || conflicts != writers-1 {
				t.Fatalf("%d winners, %d conflicts; want 1 and %d", wins, conflicts, writers-1)
			}
			snap, err := NewManager(st, testOptions()).Ledger("frames/f/").Latest(ctx)
			if err != nil || len(snap.Cells) != 1 || !strings.HasPrefix(snap.Cells[0].Path, "data/rewritten-") {
				t.Fatalf("latest: %+v %v", snap, err)
			}
		})
	}
}
