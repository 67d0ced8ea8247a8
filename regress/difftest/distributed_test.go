package difftest

import (
	"testing"
)

// TestDiffDistributed runs the corpus again with every SELECT the planner
// can cut distributed over the environment's pretend swarm of three
// nodes (real task objects in the store, real Arrow results), and checks
// the answers still equal PostgreSQL's. Queries pending in TestDiff may
// fail here too; any other failure is a distribution bug.
func TestDiffDistributed(t *testing.T) {
	queries, pending := corpusAndPending(t)
	env := Open(t)
	before, _ := distributedQueries()
	files, byFile := groupByFile(queries)
	total := 0
	for _, file := range files {
		t.Run(file, func(t *testing.T) {
			r := env.NewRunner(t)
			if err := r.SetApiary("SET apiary.distribution = always"); err != nil {
				t.Fatal(err)
			}
			start, _ := distributedQueries()
			defer func() {
				end, _ := distributedQueries()
				t.Logf("%d of %d queries distributed", end-start, len(byFile[file]))
			}()
			for _, q := range byFile[file] {
				total++
				o, err := r.Run(q)
				if err != nil {
					t.Fatal(err)
				}
				if !o.Pass && !o.Skipped && !pending.Has(q.ID()) {
					t.Errorf("distributed: %s", o.Detail)
				}
			}
		})
	}
	after, nodes := distributedQueries()
	t.Logf("%d of %d corpus queries were distributed; tasks per node: %v", after-before, total, nodes)
	if after-before < total/3 {
		t.Errorf("only %d of %d queries were distributed", after-before, total)
	}
}
