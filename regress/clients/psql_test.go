package clients

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/psql/session.out from PostgreSQL 15's transcript")

// TestPsql runs the scripted psql session on both servers. The expected
// transcript is PostgreSQL's; Apiary must print the same (doc.go).
func TestPsql(t *testing.T) {
	psql := requireProgram(t, "psql", "the postgresql-client package (.ci/run installs it)")
	dir, err := filepath.Abs(filepath.Join("testdata", "psql"))
	if err != nil {
		t.Fatal(err)
	}
	wantFile := filepath.Join(dir, "session.out")
	eachServer(t, func(t *testing.T, tg target) {
		cmd := clientCommand(t, tg, psql, "-X", "-a", "-v", "ON_ERROR_STOP=1", "-f", "session.sql")
		cmd.Dir = dir
		// psql aligns by display width: a UTF-8 locale makes that the
		// same on every machine.
		cmd.Env = append(cmd.Env, "LC_ALL=C.UTF-8", "PGCLIENTENCODING=UTF8")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		got := stdout.String()
		if tg.name == "postgres" && *update {
			if runErr != nil {
				t.Fatalf("psql on PostgreSQL failed (%v): %s", runErr, stderr.String())
			}
			if err := os.WriteFile(wantFile, stdout.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		want, err := os.ReadFile(wantFile)
		if err != nil {
			t.Fatalf("%v (go test -run TestPsql -update writes it from PostgreSQL)", err)
		}
		if diff := firstDifference(string(want), got); diff != "" || runErr != nil {
			t.Errorf("psql transcript on %s differs from PostgreSQL's (psql: %v)\n%s\nstderr:\n%s\nfull transcript:\n%s",
				tg.name, runErr, diff, stderr.String(), got)
		}
	})
}

// firstDifference describes the first line where got departs from want,
// with a little context, or returns "" when they are equal.
func firstDifference(want, got string) string {
	if want == got {
		return ""
	}
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	i := 0
	for i < len(w) && i < len(g) && w[i] == g[i] {
		i++
	}
	var b strings.Builder
	for j := max(0, i-3); j < i; j++ {
		fmt.Fprintf(&b, "  %s\n", w[j])
	}
	for j := i; j < min(len(w), i+4); j++ {
		fmt.Fprintf(&b, "- %s\n", w[j])
	}
	for j := i; j < min(len(g), i+4); j++ {
		fmt.Fprintf(&b, "+ %s\n", g[j])
	}
	return fmt.Sprintf("first difference at line %d (- PostgreSQL, + got):\n%s", i+1, b.String())
}
