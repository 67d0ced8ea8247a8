package txn

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/objstoretest"
)

func TestMain(m *testing.M) {
	// Subprocess mode: the multi-process tests re-execute this binary with
	// APIARY_TXN_HELPER naming what to do (process_test.go).
	if mode := os.Getenv("APIARY_TXN_HELPER"); mode != "" {
		if err := runHelper(mode); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	code := m.Run()
	objstoretest.StopSharedMinIO()
	os.Exit(code)
}

// backend opens a fresh empty store; url is "" when the store cannot be
// opened from another process (mem).
type backend struct {
	name string
	open func(t testing.TB) (st objstore.Store, url string)
}

var (
	memBackend = backend{"mem", func(t testing.TB) (objstore.Store, string) { return objstoretest.NewMem(t), "" }}
	dirBackend = backend{"file", func(t testing.TB) (objstore.Store, string) {
		u := "file://" + t.TempDir()
		return objstoretest.OpenURL(t, u), u
	}}
	minioBackend = backend{"minio", func(t testing.TB) (objstore.Store, string) {
		u := objstoretest.SharedMinIO(t)
		return objstoretest.OpenURL(t, u), u
	}}
)

// allBackends are the backends ledger behaviour is checked on; MinIO is left
// out under -short.
func allBackends() []backend {
	if testing.Short() {
		return []backend{memBackend, dirBackend}
	}
	return []backend{memBackend, dirBackend, minioBackend}
}

// testOptions are fast options for tests: short intent deadlines so that
// crash recovery happens within the test's patience.
func testOptions() Options {
	o := DefaultOptions()
	o.Node = "test"
	o.IntentTimeout = 300 * time.Millisecond
	return o
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// rawCommits reads every commit object of a ledger straight from the store,
// in version order, failing the test on gaps.
func rawCommits(t testing.TB, st objstore.Store, prefix string) []*commit {
	t.Helper()
	ctx := testCtx(t)
	infos, err := st.List(ctx, prefix+ledgerDir)
	if err != nil {
		t.Fatal(err)
	}
	var out []*commit
	for _, info := range infos {
		v, cp, ok := parseLedgerKey(prefix, info.Key)
		if !ok || cp {
			continue
		}
		if v != int64(len(out)) {
			t.Fatalf("ledger %s: version %d where %d expected (gap or duplicate)", prefix, v, len(out))
		}
		data, err := st.Get(ctx, info.Key)
		if err != nil {
			t.Fatal(err)
		}
		c, err := decodeCommit(info.Key, v, data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// fullReplay rebuilds a ledger's state from its commits alone, resolving
// intents from the transaction records as they stand.
func fullReplay(t testing.TB, st objstore.Store, prefix string, upTo int64) *Snapshot {
	t.Helper()
	commits := rawCommits(t, st, prefix)
	if upTo >= 0 {
		commits = commits[:upTo+1]
	}
	outcomes := map[string]*TxnRecord{}
	for _, c := range commits {
		if c.Intent == nil {
			continue
		}
		data, err := st.Get(testCtx(t), c.Intent.Record)
		if err != nil {
			t.Fatalf("record of intent at version %d: %v", c.Version, err)
		}
		rec, err := decodeRecord(c.Intent.Record, data)
		if err != nil {
			t.Fatal(err)
		}
		outcomes[c.Intent.TxnID] = rec
	}
	snap, err := replay(emptySnapshot(prefix), commits, outcomes)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// sameState compares the parts of two snapshots a reader can observe.
func sameState(a, b *Snapshot) error {
	if a.Version != b.Version {
		return fmt.Errorf("version %d vs %d", a.Version, b.Version)
	}
	if (a.Metadata == nil) != (b.Metadata == nil) || (a.Metadata != nil && fmt.Sprint(*a.Metadata) != fmt.Sprint(*b.Metadata)) {
		return fmt.Errorf("metadata %+v vs %+v", a.Metadata, b.Metadata)
	}
	if paths(a.Cells) != paths(b.Cells) {
		return fmt.Errorf("cells %s vs %s", paths(a.Cells), paths(b.Cells))
	}
	if len(a.Entries) != len(b.Entries) {
		return fmt.Errorf("entries %v vs %v", a.Entries, b.Entries)
	}
	for k, v := range a.Entries {
		if string(b.Entries[k]) != string(v) {
			return fmt.Errorf("entry %s: %s vs %s", k, v, b.Entries[k])
		}
	}
	if len(a.tombstones) != len(b.tombstones) {
		return fmt.Errorf("%d vs %d tombstones", len(a.tombstones), len(b.tombstones))
	}
	if a.LastTxnID != b.LastTxnID || !a.LastCommit.Equal(b.LastCommit) {
		return fmt.Errorf("last commit %s@%s vs %s@%s", a.LastTxnID, a.LastCommit, b.LastTxnID, b.LastCommit)
	}
	return nil
}

func isLedgerCommit(key string) bool {
	return strings.Contains(key, ledgerDir) && strings.HasSuffix(key, commitSuffix) && !strings.Contains(key, checkpointPart)
}

// appendOne commits one blind append of a cell to l.
func appendOne(ctx context.Context, m *Manager, l *Ledger, path string) (int64, error) {
	t := m.Begin("INSERT")
	t.AddCells(l, cell(path))
	vs, err := t.Commit(ctx)
	return vs[l.Prefix()], err
}
