package objstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/objstore"
)

func mustParse(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestLocalURLForms(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	t.Chdir(dir)
	abs := filepath.Join(dir, "abs")
	for _, c := range []struct{ url, root string }{
		{"file://" + abs, abs},
		{"file://localhost" + abs, abs},
		{"file://./rel/data", filepath.Join(dir, "rel", "data")},
		{"file:rel2/data", filepath.Join(dir, "rel2", "data")},
		{"file://./", dir},
	} {
		s, err := objstore.Open(ctx, c.url)
		if err != nil {
			t.Errorf("Open(%q): %v", c.url, err)
			continue
		}
		if err := s.Put(ctx, "k/v", []byte("x")); err != nil {
			t.Errorf("%s: Put: %v", c.url, err)
		}
		if _, err := os.Stat(filepath.Join(c.root, "k", "v")); err != nil {
			t.Errorf("%s: object not under %s: %v", c.url, c.root, err)
		}
		if s.URL() != c.url {
			t.Errorf("URL() = %q, want %q", s.URL(), c.url)
		}
		s.Close()
	}
	for _, bad := range []string{"file://otherhost/x", "file://"} {
		if _, err := objstore.Open(ctx, bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	f := filepath.Join(dir, "plainfile")
	if err := os.WriteFile(f, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := objstore.Open(ctx, "file://"+f); err == nil {
		t.Error("Open on a regular file succeeded")
	}
}

// TestLocalTempFilesInvisible plants the debris an interrupted write leaves
// and checks no operation mistakes it for an object.
func TestLocalTempFilesInvisible(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := objstore.OpenLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "t/real", []byte("real")); err != nil {
		t.Fatal(err)
	}
	debris := filepath.Join(root, "t", ".tmp-123456")
	if err := os.WriteFile(debris, []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Key != "t/real" {
		t.Errorf("List = %+v, want only t/real", infos)
	}
	if infos, _ := s.List(ctx, "t/.tmp"); len(infos) != 0 {
		t.Errorf("List(t/.tmp) = %+v", infos)
	}
	for _, op := range []func() error{
		func() error { _, err := s.Get(ctx, "t/.tmp-123456"); return err },
		func() error { return s.Put(ctx, "t/.tmp-123456", nil) },
		func() error { return s.PutIfAbsent(ctx, "t/.tmp-x", nil) },
		func() error { return s.Delete(ctx, "t/.tmp-123456") },
	} {
		if err := op(); err == nil || errors.Is(err, objstore.ErrNotExist) {
			t.Errorf("reserved temp name: error = %v, want a key error", err)
		}
	}
	if _, err := os.Stat(debris); err != nil {
		t.Errorf("debris was touched: %v", err)
	}
	// Successful writes leave no temp files behind.
	if err := s.PutIfAbsent(ctx, "t/created", []byte("c")); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "t"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{".tmp-123456", "created", "real"}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// TestLocalPrefixConflict covers the one key shape the local backend refuses:
// the refusal must not look like ErrExist or ErrNotExist, which the ledger
// would act on.
func TestLocalPrefixConflict(t *testing.T) {
	ctx := context.Background()
	s, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "a/b", []byte("file")); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "x/y/z", []byte("deep")); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"Put under an object":         s.Put(ctx, "a/b/c", nil),
		"PutIfAbsent under an object": s.PutIfAbsent(ctx, "a/b/c", nil),
		"Put over a prefix":           s.Put(ctx, "x/y", nil),
		"PutIfAbsent over a prefix":   s.PutIfAbsent(ctx, "x/y", nil),
	} {
		if err == nil || errors.Is(err, objstore.ErrExist) || errors.Is(err, objstore.ErrNotExist) || errors.Is(err, objstore.ErrTransient) {
			t.Errorf("%s: error = %v, want a plain conflict error", name, err)
		}
	}
	if err := s.Delete(ctx, "x/y"); err != nil {
		t.Errorf("Delete of a prefix: %v", err)
	}
	if got, err := s.Get(ctx, "x/y/z"); err != nil || string(got) != "deep" {
		t.Errorf("Get(x/y/z) = %q, %v after deleting its prefix", got, err)
	}
}

// TestLocalDeletePrunesDirectories checks that Delete leaves no empty
// directories and never removes the root.
func TestLocalDeletePrunesDirectories(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	s, err := objstore.OpenLocal(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"p/q/r/1", "p/q/2"} {
		if err := s.Put(ctx, k, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "p/q/r/1"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "p", "q", "r")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("empty directory p/q/r survived: %v", err)
	}
	if err := s.Delete(ctx, "p/q/2"); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatalf("root is gone: %v", err)
	}
	if len(entries) != 0 {
		t.Errorf("root still holds %d entries", len(entries))
	}
}

// TestLocalDeleteWhileWriting races writers that create keys in a directory
// against a deleter that keeps emptying it, which makes Delete prune the
// directory under the writers: every write must still land.
func TestLocalDeleteWhileWriting(t *testing.T) {
	ctx := context.Background()
	s, err := objstore.OpenLocal(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			if err := s.PutIfAbsent(ctx, fmt.Sprintf("churn/dir/k%d", i), []byte("v")); err != nil {
				t.Errorf("PutIfAbsent %d: %v", i, err)
			}
			if err := s.Put(ctx, fmt.Sprintf("churn/dir/p%d", i), []byte("v")); err != nil {
				t.Errorf("Put %d: %v", i, err)
			}
		}
	}()
	deleted := 0
	for stop := false; !stop; {
		select {
		case <-done:
			stop = true
		default:
		}
		infos, err := s.List(ctx, "churn/")
		if err != nil {
			t.Fatal(err)
		}
		for _, oi := range infos {
			if err := s.Delete(ctx, oi.Key); err != nil {
				t.Fatal(err)
			}
			deleted++
		}
	}
	infos, err := s.List(ctx, "churn/")
	if err != nil {
		t.Fatal(err)
	}
	if deleted+len(infos) != 2*n {
		t.Errorf("deleted %d and %d remain, want %d objects in all", deleted, len(infos), 2*n)
	}
}

const childEnv = "APIARY_OBJSTORE_RACE_CHILD"

// TestLocalMultiProcessPutIfAbsent re-executes the test binary as several
// processes that race PutIfAbsent on the same keys of one directory: link(2)
// must give each key exactly one winner across processes.
func TestLocalMultiProcessPutIfAbsent(t *testing.T) {
	if dir := os.Getenv(childEnv); dir != "" {
		raceChild(t, dir)
		return
	}
	const procs, keys = 4, 100
	dir := t.TempDir()
	type child struct {
		cmd   *exec.Cmd
		stdin io.WriteCloser
		out   *bufio.Scanner
	}
	children := make([]child, procs)
	for i := range children {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLocalMultiProcessPutIfAbsent$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, "APIARY_CHILD_ID="+strconv.Itoa(i), "APIARY_CHILD_KEYS="+strconv.Itoa(keys))
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		children[i] = child{cmd: cmd, stdin: stdin, out: bufio.NewScanner(stdout)}
	}
	// Each child reports ready and then blocks on stdin, so all of them are
	// past process start-up when the race begins.
	for i, c := range children {
		if !c.out.Scan() || c.out.Text() != "ready" {
			t.Fatalf("child %d did not get ready: %q %v", i, c.out.Text(), c.out.Err())
		}
	}
	for _, c := range children {
		c.stdin.Close()
	}
	winners := map[string]int{}
	for i, c := range children {
		for c.out.Scan() {
			line := c.out.Text()
			key, ok := strings.CutPrefix(line, "won ")
			if !ok {
				continue // the test framework's own output
			}
			if prev, dup := winners[key]; dup {
				t.Errorf("key %s won by processes %d and %d", key, prev, i)
			}
			winners[key] = i
		}
		if err := c.cmd.Wait(); err != nil {
			t.Fatalf("child %d: %v", i, err)
		}
	}
	s, err := objstore.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for k := range keys {
		key := fmt.Sprintf("mp/_ledger/%020d.json", k)
		w, ok := winners[key]
		if !ok {
			t.Errorf("key %s has no winner", key)
			continue
		}
		got, err := s.Get(ctx, key)
		if err != nil || string(got) != fmt.Sprintf("process %d", w) {
			t.Errorf("key %s holds %q (%v), but process %d won", key, got, err, w)
		}
	}
	infos, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != keys {
		t.Errorf("store holds %d objects, want %d", len(infos), keys)
	}
}

func raceChild(t *testing.T, dir string) {
	id := os.Getenv("APIARY_CHILD_ID")
	keys, _ := strconv.Atoi(os.Getenv("APIARY_CHILD_KEYS"))
	s, err := objstore.OpenLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("ready")
	io.Copy(io.Discard, os.Stdin) // the parent closes stdin to start the race
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for k := range keys {
		key := fmt.Sprintf("mp/_ledger/%020d.json", k)
		err := s.PutIfAbsent(ctx, key, []byte("process "+id))
		switch {
		case err == nil:
			fmt.Println("won " + key)
		case !errors.Is(err, objstore.ErrExist):
			t.Fatalf("PutIfAbsent(%s): %v", key, err)
		}
	}
}
