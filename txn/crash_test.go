package txn

import (
	"errors"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

var errCrash = errors.New("simulated crash")

// TestCrashSingleLedger stops a commit at each durable step and checks that
// readers (the same node and a fresh one) see either the old or the new
// state, that full replay agrees, and that a new writer proceeds.
func TestCrashSingleLedger(t *testing.T) {
	const prefix = "frames/f/"
	steps := []struct {
		name     string
		knobs    func(k *TestingKnobs)
		noCommit bool   // crash after the cell was written, before Commit
		want     string // cells visible afterwards
	}{
		{name: "cells written", noCommit: true, want: "data/a,data/b"},
		{name: "before ledger put", knobs: func(k *TestingKnobs) {
			k.BeforeLedgerPut = func(p string, v int64) error { return crashAt(v, 2) }
		}, want: "data/a,data/b"},
		{name: "after ledger put", knobs: func(k *TestingKnobs) {
			k.AfterLedgerPut = func(p string, v int64) error { return crashAt(v, 2) }
		}, want: "data/a,data/b,data/c"},
		{name: "before checkpoint", knobs: func(k *TestingKnobs) {
			k.BeforeCheckpointPut = func(p string, v int64) error { return crashAt(v, 2) }
		}, want: "data/a,data/b,data/c"},
		{name: "before hint", knobs: func(k *TestingKnobs) {
			k.BeforeHintPut = func(p string, v int64) error { return crashAt(v, 2) }
		}, want: "data/a,data/b,data/c"},
	}
	for _, be := range []backend{memBackend, dirBackend} {
		for _, step := range steps {
			t.Run(be.name+"/"+step.name, func(t *testing.T) {
				ctx := testCtx(t)
				st, _ := be.open(t)
				opts := testOptions()
				opts.CheckpointInterval = 2
				knobs := &TestingKnobs{}
				opts.TestingKnobs = knobs
				m := NewManager(st, opts)
				l := m.Ledger(prefix)
				for _, p := range []string{"data/a", "data/b"} {
					if err := st.Put(ctx, prefix+p, []byte("cell")); err != nil {
						t.Fatal(err)
					}
					if _, err := appendOne(ctx, m, l, p); err != nil {
						t.Fatal(err)
					}
				}
				if step.knobs != nil {
					step.knobs(knobs)
				}
				if err := st.Put(ctx, prefix+"data/c", []byte("cell")); err != nil {
					t.Fatal(err)
				}
				if !step.noCommit {
					if _, err := appendOne(ctx, m, l, "data/c"); !errors.Is(err, errCrash) {
						t.Fatalf("commit: %v, want the simulated crash", err)
					}
				}
				*knobs = TestingKnobs{} // the "process" restarts without faults

				fresh := NewManager(st, testOptions())
				for name, mm := range map[string]*Manager{"same node": m, "fresh node": fresh} {
					snap, err := mm.Ledger(prefix).Latest(ctx)
					if err != nil {
						t.Fatal(err)
					}
					if got := paths(snap.Cells); got != step.want {
						t.Fatalf("%s sees %s, want %s", name, got, step.want)
					}
					if err := sameState(snap, fullReplay(t, st, prefix, -1)); err != nil {
						t.Fatalf("%s differs from full replay: %v", name, err)
					}
				}
				orphans, err := fresh.Ledger(prefix).Orphans(ctx, "data/", 0)
				if err != nil {
					t.Fatal(err)
				}
				wantOrphan := !strings.Contains(step.want, "data/c")
				if gotOrphan := len(orphans) == 1 && orphans[0].Key == prefix+"data/c"; gotOrphan != wantOrphan || len(orphans) > 1 {
					t.Fatalf("orphans = %v, want data/c orphaned: %v", orphans, wantOrphan)
				}
				// A new writer proceeds, and a checkpoint written by it
				// (version 4) is consistent.
				for _, p := range []string{"data/d", "data/e"} {
					if _, err := appendOne(ctx, fresh, fresh.Ledger(prefix), p); err != nil {
						t.Fatal(err)
					}
				}
				again, err := NewManager(st, testOptions()).Ledger(prefix).Latest(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if err := sameState(again, fullReplay(t, st, prefix, -1)); err != nil {
					t.Fatalf("after recovery: %v", err)
				}
				if got := paths(again.Cells); got != step.want+",data/d,data/e" {
					t.Fatalf("after recovery sees %s", got)
				}
			})
		}
	}
}

func crashAt(v, at int64) error {
	if v == at {
		return errCrash
	}
	return nil
}

// TestCheckpointWithoutHint: a checkpoint written but its hint never
// updated is still found by listing.
func TestCheckpointWithoutHint(t *testing.T) {
	ctx := testCtx(t)
	st := objstore.NewMem()
	opts := testOptions()
	opts.CheckpointInterval = -1
	m := NewManager(st, opts)
	l := m.Ledger("frames/f/")
	for _, p := range []string{"data/a", "data/b", "data/c"} {
		if _, err := appendOne(ctx, m, l, p); err != nil {
			t.Fatal(err)
		}
	}
	opts.TestingKnobs = &TestingKnobs{BeforeHintPut: func(string, int64) error { return errCrash }}
	if _, err := NewManager(st, opts).Ledger("frames/f/").Checkpoint(ctx); !errors.Is(err, errCrash) {
		t.Fatalf("checkpoint: %v", err)
	}
	// Commits beyond the checkpoint are read on top of it: make the
	// checkpoint the only way to learn version 0 by deleting that commit.
	if _, err := st.Stat(ctx, hintKey("frames/f/")); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("hint exists: %v", err)
	}
	if err := st.Delete(ctx, commitKey("frames/f/", 0)); err != nil {
		t.Fatal(err)
	}
	snap, err := NewManager(st, testOptions()).Ledger("frames/f/").Latest(ctx)
	if err != nil || paths(snap.Cells) != "data/a,data/b,data/c" {
		t.Fatalf("latest: %+v %v", snap, err)
	}
}
