package txn

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// TestCheckpointEquivalence builds random histories (seeded; the seed is
// logged) with frequent checkpoints, then checks that the state loaded from
// checkpoint + tail equals full replay of the commits, at the latest
// version and at random older ones, also after the hint is damaged or the
// newest checkpoint is corrupt.
func TestCheckpointEquivalence(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for round := range 4 {
		rng := rand.New(rand.NewPCG(seed, uint64(round)))
		t.Run(fmt.Sprint("round", round), func(t *testing.T) {
			ctx := testCtx(t)
			st := objstore.NewMem()
			opts := testOptions()
			opts.CheckpointInterval = 1 + rng.IntN(5)
			m := NewManager(st, opts)
			l := m.Ledger(framePrefix)
			other := m.Ledger(catPrefix)
			var live []string
			n := 30 + rng.IntN(30)
			for i := range n {
				tx := m.Begin("random")
				if _, err := tx.Read(ctx, l); err != nil {
					t.Fatal(err)
				}
				switch op := rng.IntN(10); {
				case op < 4 || len(live) == 0:
					p := fmt.Sprintf("data/%03d", i)
					tx.AddCells(l, cell(p, "r", fmt.Sprint(rng.IntN(3))))
					live = append(live, p)
				case op < 6:
					j := rng.IntN(len(live))
					tx.RemoveCells(l, live[j])
					live = append(live[:j], live[j+1:]...)
				case op < 7:
					tx.SetMetadata(l, Metadata{FrameID: "f", Options: map[string]string{"v": fmt.Sprint(i)}})
				case op < 8:
					tx.SetEntry(l, fmt.Sprintf("k%d", rng.IntN(4)), json.RawMessage(fmt.Sprint(i)))
				case op < 9:
					tx.DeleteEntry(l, fmt.Sprintf("k%d", rng.IntN(4)))
				default: // a multi-ledger transaction
					p := fmt.Sprintf("data/%03d", i)
					tx.AddCells(l, cell(p))
					live = append(live, p)
					tx.SetEntry(other, "last", json.RawMessage(fmt.Sprint(i)))
				}
				if _, err := tx.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			}
			want := fullReplay(t, st, framePrefix, -1)
			check := func(what string) {
				t.Helper()
				got, err := NewManager(st, testOptions()).Ledger(framePrefix).Latest(ctx)
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				if err := sameState(got, want); err != nil {
					t.Fatalf("%s: loaded state differs from full replay: %v", what, err)
				}
			}
			check("with hint")
			for range 5 {
				v := rng.Int64N(want.Version + 1)
				got, err := NewManager(st, testOptions()).Ledger(framePrefix).Snapshot(ctx, v)
				if err != nil {
					t.Fatal(err)
				}
				if err := sameState(got, fullReplay(t, st, framePrefix, v)); err != nil {
					t.Fatalf("version %d: %v", v, err)
				}
			}
			hk := hintKey(framePrefix)
			hints := map[string]string{
				"garbage hint":         "{not json",
				"torn hint":            `{"format":1,"version":`,
				"hint to missing":      fmt.Sprintf(`{"format":1,"version":%d,"key":%q}`, want.Version, checkpointKey(framePrefix, want.Version, "missing")),
				"hint beyond latest":   fmt.Sprintf(`{"format":1,"version":%d,"key":%q}`, want.Version+5, checkpointKey(framePrefix, want.Version+5, "x")),
				"hint with wrong key":  fmt.Sprintf(`{"format":1,"version":%d,"key":"elsewhere"}`, want.Version),
				"hint to newer format": `{"format":9,"version":0,"key":"x"}`,
				"hint to corrupt ckpt": fmt.Sprintf(`{"format":1,"version":0,"key":%q}`, checkpointKey(framePrefix, 0, "bad")),
				"hint to foreign ckpt": fmt.Sprintf(`{"format":1,"version":0,"key":%q}`, checkpointKey(framePrefix, 0, "foreign")),
			}
			if err := st.Put(ctx, checkpointKey(framePrefix, 0, "bad"), []byte("{\"format\":1,\"version\":0,\"cells\":[{")); err != nil {
				t.Fatal(err)
			}
			foreign, _ := encodeCheckpoint(&Snapshot{Prefix: "frames/other/", Version: 0}, "x", time.Now())
			if err := st.Put(ctx, checkpointKey(framePrefix, 0, "foreign"), foreign); err != nil {
				t.Fatal(err)
			}
			for name, body := range hints {
				if body == "" {
					continue
				}
				if err := st.Put(ctx, hk, []byte(body)); err != nil {
					t.Fatal(err)
				}
				check(name)
			}
			if err := st.Delete(ctx, hk); err != nil {
				t.Fatal(err)
			}
			check("no hint")
			// Corrupt the newest checkpoint: listing readers skip it.
			infos, err := st.List(ctx, framePrefix+ledgerDir)
			if err != nil {
				t.Fatal(err)
			}
			for i := len(infos) - 1; i >= 0; i-- {
				if _, cp, ok := parseLedgerKey(framePrefix, infos[i].Key); ok && cp {
					if err := st.Put(ctx, infos[i].Key, []byte("garbage")); err != nil {
						t.Fatal(err)
					}
					break
				}
			}
			check("newest checkpoint corrupt")
		})
	}
}
