package txn

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

// Multi-process tests re-execute the test binary; TestMain sends a process
// with APIARY_TXN_HELPER set here instead of running tests.
//
//	APIARY_TXN_HELPER=append  APIARY_TXN_N commits of one cell each
//	APIARY_TXN_HELPER=loop    commits until killed, alternating single-ledger
//	                          appends and two-ledger pairs
//
// APIARY_TXN_URL names the shared store, APIARY_TXN_WORKER the worker.
func runHelper(mode string) error {
	ctx := context.Background()
	st, err := objstore.Open(ctx, os.Getenv("APIARY_TXN_URL"))
	if err != nil {
		return err
	}
	defer st.Close()
	worker := os.Getenv("APIARY_TXN_WORKER")
	opts := testOptions()
	opts.Node = "worker-" + worker
	opts.MaxCommitAttempts = 100000 // contention is the point; fairness is not tested
	m := NewManager(st, opts)
	l := m.Ledger(framePrefix)
	switch mode {
	case "append":
		n, err := strconv.Atoi(os.Getenv("APIARY_TXN_N"))
		if err != nil {
			return err
		}
		for i := range n {
			if _, err := appendOne(ctx, m, l, fmt.Sprintf("data/w%s-%03d", worker, i)); err != nil {
				return fmt.Errorf("commit %d: %w", i, err)
			}
		}
		return nil
	case "loop":
		for i := 0; ; i++ {
			var err error
			if i%2 == 0 {
				_, err = appendOne(ctx, m, l, fmt.Sprintf("data/loop-%05d", i))
			} else {
				_, err = createFrameTxn(m, fmt.Sprintf("pair-%05d", i)).Commit(ctx)
			}
			if err != nil {
				return fmt.Errorf("commit %d: %w", i, err)
			}
		}
	}
	return fmt.Errorf("unknown helper mode %q", mode)
}

func helperCmd(t *testing.T, mode, url string, worker int, extra ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "APIARY_TXN_HELPER="+mode, "APIARY_TXN_URL="+url, fmt.Sprint("APIARY_TXN_WORKER=", worker))
	cmd.Env = append(cmd.Env, extra...)
	return cmd
}

// TestMultiProcessAppends: 8 OS processes × 50 commits to one frame. The
// versions must be contiguous, every txn id appear once and every append be
// visible.
func TestMultiProcessAppends(t *testing.T) {
	procs, each := 8, 50
	if testing.Short() {
		each = 10
	}
	for _, be := range []backend{dirBackend, minioBackend} {
		t.Run(be.name, func(t *testing.T) {
			st, url := be.open(t)
			start := time.Now()
			var wg sync.WaitGroup
			errs := make([]error, procs)
			for w := range procs {
				cmd := helperCmd(t, "append", url, w, fmt.Sprint("APIARY_TXN_N=", each))
				wg.Add(1)
				go func() {
					defer wg.Done()
					if out, err := cmd.CombinedOutput(); err != nil {
						errs[w] = fmt.Errorf("worker %d: %v\n%s", w, err, out)
					}
				}()
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d processes × %d commits in %v", procs, each, time.Since(start).Round(time.Millisecond))
			checkAppendLedger(t, st, framePrefix, procs*each)
		})
	}
}

// TestKillWriter kills -9 a process that commits in a loop (single-ledger
// appends and two-ledger pairs), then checks the ledgers are consistent,
// any in-doubt intent gets resolved, and a new writer proceeds.
func TestKillWriter(t *testing.T) {
	ctx := testCtx(t)
	st, url := dirBackend.open(t)
	cmd := helperCmd(t, "loop", url, 0)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Let it get going, then kill it at an arbitrary point.
	killAt := int64(8 + rand.IntN(16))
	t.Logf("killing the writer once frame version %d exists", killAt)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := st.Stat(ctx, commitKey(framePrefix, killAt)); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("writer made no progress:\n%s", out.String())
		}
		if err := sleepCtx(ctx, 2*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("writer exited with %v, want killed:\n%s", err, out.String())
	}

	m := NewManager(st, testOptions())
	for _, p := range []string{catPrefix, framePrefix} {
		commits := rawCommits(t, st, p) // fails on gaps
		t.Logf("%s: %d commits survived the kill", p, len(commits))
		ids := map[string]bool{}
		for _, c := range commits {
			if ids[c.Info.TxnID] {
				t.Fatalf("%s: txn %s committed twice", p, c.Info.TxnID)
			}
			ids[c.Info.TxnID] = true
		}
		// Waiting for the last existing version resolves a possible
		// in-doubt intent of the killed writer (after its deadline).
		if len(commits) > 0 {
			if _, err := m.Ledger(p).Snapshot(ctx, int64(len(commits)-1)); err != nil {
				t.Fatal(err)
			}
		}
		snap, err := m.Ledger(p).Latest(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameState(snap, fullReplay(t, st, p, -1)); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	// Pairs are all-or-nothing.
	tx := m.Begin("SELECT")
	cat, err := tx.Read(ctx, m.Ledger(catPrefix))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := tx.Read(ctx, m.Ledger(framePrefix))
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for k := range cat.Entries {
		name := strings.TrimPrefix(k, "frame/")
		if _, ok := fr.Cell("data/" + name); !ok {
			t.Fatalf("pair %s in catalog only", name)
		}
		pairs++
	}
	for _, c := range fr.Cells {
		if strings.HasPrefix(c.Path, "data/pair-") {
			pairs--
		}
	}
	t.Logf("%d pairs visible in both ledgers", len(cat.Entries))
	if pairs != 0 {
		t.Fatalf("pair cells and catalog entries differ by %d", pairs)
	}
	// A new writer proceeds on both ledgers.
	if _, err := createFrameTxn(NewManager(st, testOptions()), "after-kill").Commit(ctx); err != nil {
		t.Fatal(err)
	}
	checkPair(ctx, t, NewManager(st, testOptions()), "after-kill", true)
}
