package exec

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

// TestParallelMatchesSerial runs the same queries with one bee and with
// four over a frame of many cells, so that the bees split the row groups,
// and requires identical results.
func TestParallelMatchesSerial(t *testing.T) {
	ctx := context.Background()
	store := objstore.NewMem()
	serialEng, err := NewEngine(ctx, store, Config{Node: "serial", Bees: 1})
	if err != nil {
		t.Fatal(err)
	}
	parEng, err := NewEngine(ctx, store, Config{Node: "parallel", Bees: 4})
	if err != nil {
		t.Fatal(err)
	}
	serial, err := serialEng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	defer serial.Close()
	par, err := parEng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	defer par.Close()

	mustRun(t, serial, `CREATE TABLE f (k int, g int, v numeric(12,2), s text)`)
	mustRun(t, serial, `CREATE TABLE d (g int, name text)`)
	for c := 0; c < 40; c++ {
		var rows []string
		for i := 0; i < 50; i++ {
			k := c*50 + i
			v := "NULL"
			if k%7 != 0 {
				v = fmt.Sprintf("%d.%02d", k%1000, k%100)
			}
			rows = append(rows, fmt.Sprintf("(%d, %d, %s, 's%d')", k, k%13, v, k%5))
		}
		mustRun(t, serial, "INSERT INTO f VALUES "+strings.Join(rows, ", "))
	}
	mustRun(t, serial, `INSERT INTO d VALUES (0, 'zero'), (1, 'one'), (2, 'two'), (3, 'three')`)
	queries := []string{
		`SELECT count(*), sum(v), avg(v), min(s), max(k), count(v) FROM f`,
		`SELECT g, count(*), sum(v), avg(v), min(v), max(s) FROM f GROUP BY g ORDER BY g`,
		`SELECT s, avg(k) FROM f WHERE k % 3 = 0 GROUP BY s ORDER BY s`,
		`SELECT d.name, count(*), sum(f.v) FROM f JOIN d ON f.g = d.g GROUP BY d.name ORDER BY 1`,
		`SELECT k, v FROM f WHERE g = 5 ORDER BY v DESC NULLS LAST, k LIMIT 7`,
		`SELECT count(DISTINCT g) FROM f WHERE v > 10`,
		`SELECT count(*) FROM f WHERE g IN (SELECT g FROM d)`,
		`SELECT k FROM f WHERE k > 1990 ORDER BY k`,
	}
	for _, q := range queries {
		want := joinRows(mustRun(t, serial, q))
		for i := 0; i < 3; i++ {
			if got := joinRows(mustRun(t, par, q)); got != want {
				t.Fatalf("%s\nparallel: %q\nserial:   %q", q, got, want)
			}
		}
	}
}
