package txn

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/faulty"
)

func TestOnCommitOutcomes(t *testing.T) {
	ctx := testCtx(t)
	var heard []string
	opts := testOptions()
	opts.OnCommit = func(outcome string, d time.Duration) {
		if d < 0 {
			t.Errorf("negative commit duration %v", d)
		}
		heard = append(heard, outcome)
	}
	st := faulty.Wrap(objstore.NewMem())
	m := NewManager(st, opts)
	l := m.Ledger("frames/f/")

	setup := m.Begin("setup")
	setup.SetMetadata(l, Metadata{FrameID: "f"})
	if _, err := setup.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	readOnly := m.Begin("SELECT")
	if _, err := readOnly.Read(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := readOnly.Commit(ctx); err != nil {
		t.Fatal(err)
	}

	loser, winner := m.Begin("loser"), m.Begin("winner")
	for _, tx := range []*Txn{loser, winner} {
		if _, err := tx.Read(ctx, l); err != nil {
			t.Fatal(err)
		}
		tx.SetEntry(l, "k", json.RawMessage(`1`))
	}
	if _, err := winner.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := loser.Commit(ctx); !errors.Is(err, ErrConflict) {
		t.Fatalf("loser: %v, want ErrConflict", err)
	}

	broken := m.Begin("broken")
	broken.SetEntry(l, "j", json.RawMessage(`2`))
	st.Add(faulty.Rule{Op: faulty.PutIfAbsent, Times: -1, Action: faulty.FailBefore, Err: errors.New("disk on fire")})
	if _, err := broken.Commit(ctx); err == nil {
		t.Fatal("commit on a failing store succeeded")
	}

	// The read-only transaction wrote nothing and is not a commit.
	if want := []string{CommitOK, CommitOK, CommitConflict, CommitError}; !slices.Equal(heard, want) {
		t.Errorf("OnCommit heard %v, want %v", heard, want)
	}
}
