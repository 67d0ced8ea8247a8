package difftest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/regress/pgtest"
)

var updatePending = flag.Bool("update-pending", false,
	"rewrite testdata/pending.txt from this run: every failing query becomes pending, every passing one leaves the list")

var showPending = flag.Bool("show-pending", false,
	"log the full report of every pending query's failure (with -v), not just count it")

const corpusDir = "testdata"

var pendingPath = filepath.Join(corpusDir, "pending.txt")

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// fileStats counts the outcomes of one corpus file.
type fileStats struct {
	queries, passed, pending, failed, skipped int
}

// TestDiff runs the corpus on PostgreSQL and Apiary. Subtests: "load" (every
// table loaded into Apiary) and one per corpus file.
func TestDiff(t *testing.T) {
	queries, pending := corpusAndPending(t)
	env := Open(t)
	t.Logf("loaded %d tables into %s and Apiary in %v", len(env.Tables), env.PG.Version(), env.LoadTime.Round(1e6))

	files, byFile := groupByFile(queries)
	known := map[string]bool{}
	for i := range queries {
		known[queries[i].ID()] = true
	}

	var slow []string
	failing := map[string]string{} // id → reason, for -update-pending
	ran := map[string]bool{}
	stats := map[string]*fileStats{}

	t.Run("load", func(t *testing.T) {
		ran["load"] = true
		st := &fileStats{}
		stats["load"] = st
		for _, tb := range env.Tables {
			id := "load:" + tb
			known[id] = true
			st.queries++
			err := env.LoadErrors[tb]
			switch {
			case err != nil && pending.Has(id):
				st.pending++
				failing[id] = shorten(err.Error())
			case err != nil:
				st.failed++
				failing[id] = shorten(err.Error())
				if !*updatePending {
					t.Errorf("%s: apiary could not load table %s: %v", id, tb, err)
				}
			case pending.Has(id):
				st.passed++
				if !*updatePending {
					t.Errorf("%s: table %s now loads into apiary: remove %s from %s", id, tb, id, pendingPath)
				}
			default:
				st.passed++
			}
		}
	})

	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			ran[file] = true
			st := &fileStats{}
			stats[file] = st
			r := env.NewRunner(t)
			var nowPassing []string
			for _, q := range byFile[file] {
				st.queries++
				o, err := r.Run(q)
				if err != nil {
					t.Fatal(err)
				}
				id := q.ID()
				if o.PGTime+o.APTime > slowQuery {
					slow = append(slow, fmt.Sprintf("%s: postgres %v, apiary %v", id, o.PGTime.Round(time.Millisecond), o.APTime.Round(time.Millisecond)))
				}
				switch {
				case o.Skipped:
					st.skipped++
				case o.Corpus:
					st.failed++
					t.Error(o.Detail)
				case !o.Pass && pending.Has(id):
					st.pending++
					failing[id] = o.Reason
					if *showPending {
						t.Logf("pending %s", o.Detail)
					}
				case !o.Pass:
					st.failed++
					failing[id] = o.Reason
					if !*updatePending {
						t.Errorf("%s(not in %s; if this is expected, run go test ./regress/difftest -run TestDiff -update-pending)", o.Detail, pendingPath)
					}
				case pending.Has(id):
					st.passed++
					nowPassing = append(nowPassing, id)
				default:
					st.passed++
				}
			}
			if len(nowPassing) > 0 && !*updatePending {
				t.Errorf("%d pending queries pass now; remove them from %s (or run go test ./regress/difftest -run TestDiff -update-pending):\n  %s",
					len(nowPassing), pendingPath, strings.Join(nowPassing, "\n  "))
			}
		})
	}

	if !*updatePending {
		for _, id := range pending.Order {
			if ran[pendingFile(id)] && !known[id] {
				t.Errorf("%s lists %s, which is no query of the corpus (the query moved or was removed): fix the entry or run -update-pending", pendingPath, id)
			}
		}
	} else {
		rewritePending(t, pending, ran, failing)
	}
	t.Log(summary(append([]string{"load"}, files...), stats))
	if len(slow) > 0 {
		t.Logf("queries slower than %v:\n  %s", slowQuery, strings.Join(slow, "\n  "))
	}
}

// corpusAndPending reads the corpus and the list of pending queries.
func corpusAndPending(t *testing.T) ([]Query, *Pending) {
	t.Helper()
	queries, err := LoadCorpus(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	pending, err := ReadPending(pendingPath)
	if err != nil {
		t.Fatal(err)
	}
	return queries, pending
}

// groupByFile returns the corpus files in order and each file's queries,
// for one subtest per file.
func groupByFile(queries []Query) (files []string, byFile map[string][]*Query) {
	byFile = map[string][]*Query{}
	for i := range queries {
		q := &queries[i]
		if _, ok := byFile[q.File]; !ok {
			files = append(files, q.File)
		}
		byFile[q.File] = append(byFile[q.File], q)
	}
	return files, byFile
}

// slowQuery is the time over which the summary names a query.
const slowQuery = time.Second

// rewritePending replaces the entries of every file that ran with this
// run's failures and keeps the others.
func rewritePending(t *testing.T, old *Pending, ran map[string]bool, failing map[string]string) {
	reasons := map[string]string{}
	var ids []string
	for _, id := range old.Order {
		if !ran[pendingFile(id)] {
			reasons[id] = old.Reasons[id]
			ids = append(ids, id)
		}
	}
	var added, removed []string
	for id, reason := range failing {
		reasons[id] = reason
		ids = append(ids, id)
		if !old.Has(id) {
			added = append(added, id)
		}
	}
	for _, id := range old.Order {
		if _, still := reasons[id]; !still {
			removed = append(removed, id)
		}
	}
	sortIDs(ids)
	sortIDs(added)
	sortIDs(removed)
	header := old.Header
	if len(header) == 0 {
		header = defaultPendingHeader
	}
	if err := WritePending(pendingPath, header, ids, reasons); err != nil {
		t.Fatal(err)
	}
	t.Logf("rewrote %s: %d entries, %d removed, %d added", pendingPath, len(ids), len(removed), len(added))
	if len(added) > 0 {
		t.Logf("added (new queries, or regressions: review before committing):\n  %s", strings.Join(added, "\n  "))
	}
	if len(removed) > 0 {
		t.Logf("removed (now passing):\n  %s", strings.Join(removed, "\n  "))
	}
}

var defaultPendingHeader = []string{
	"# Queries of the differential corpus expected to fail on Apiary: \"<file>:<line> <reason>\".",
	"# A listed query that passes fails the suite, so this list only shrinks.",
	"# Regenerate with: go test ./regress/difftest -run TestDiff -update-pending (see docs/testing.md).",
}

func summary(order []string, stats map[string]*fileStats) string {
	var b strings.Builder
	var total fileStats
	fmt.Fprintf(&b, "\n%-20s %7s %7s %7s %7s %7s\n", "file", "queries", "passed", "pending", "failed", "skipped")
	for _, f := range order {
		st, ok := stats[f]
		if !ok {
			continue
		}
		fmt.Fprintf(&b, "%-20s %7d %7d %7d %7d %7d\n", f, st.queries, st.passed, st.pending, st.failed, st.skipped)
		total.queries += st.queries
		total.passed += st.passed
		total.pending += st.pending
		total.failed += st.failed
		total.skipped += st.skipped
	}
	fmt.Fprintf(&b, "%-20s %7d %7d %7d %7d %7d", "total", total.queries, total.passed, total.pending, total.failed, total.skipped)
	return b.String()
}

// TestCorpusParses checks every corpus file parses and that no two queries
// share an id, without needing PostgreSQL.
func TestCorpusParses(t *testing.T) {
	queries, err := LoadCorpus(corpusDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	perFile := map[string]int{}
	for _, q := range queries {
		if seen[q.ID()] {
			t.Errorf("duplicate id %s", q.ID())
		}
		seen[q.ID()] = true
		perFile[q.File]++
	}
	var names []string
	for f := range perFile {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		t.Logf("%-20s %d queries", f, perFile[f])
	}
	t.Logf("total %d queries", len(queries))
	p, err := ReadPending(pendingPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range p.Order {
		if !seen[id] && !strings.HasPrefix(id, "load:") {
			t.Errorf("%s lists %s, which is no query of the corpus", pendingPath, id)
		}
	}
}
