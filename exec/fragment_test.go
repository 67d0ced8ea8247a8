package exec

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// TestRunFragment runs a partial aggregation over a subset of a frame's
// cells, as a swarm worker would, and reads its Arrow result.
func TestRunFragment(t *testing.T) {
	ctx := context.Background()
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE fr (k int, v int)")
	// Three commits: three cells.
	mustRun(t, s, "INSERT INTO fr VALUES (1, 10), (2, 20)")
	mustRun(t, s, "INSERT INTO fr VALUES (3, 30), (4, 40)")
	mustRun(t, s, "INSERT INTO fr VALUES (5, 50)")
	ns, err := s.namespace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f, err := s.resolveFrame(ns, tree.NewUnqualifiedTableName("fr"))
	if err != nil {
		t.Fatal(err)
	}
	tx := s.eng.txns.Begin("test")
	snap, err := tx.Read(ctx, s.eng.txns.Ledger(f.Prefix()))
	tx.Abort()
	if err != nil || len(snap.Cells) != 3 {
		t.Fatalf("%d cells, %v", len(snap.Cells), err)
	}
	// Whichever two cells: their rows are the frame's minus the third's.
	payload, err := MarshalFragment(Fragment{Hive: "apiary", User: "apiary",
		SQL:   "SELECT k % 2 AS odd, count(*) AS n, sum(v) AS s FROM fr GROUP BY 1",
		Cells: map[string][]txn.AddCell{f.Prefix(): snap.Cells[:2]}})
	if err != nil {
		t.Fatal(err)
	}
	frag, err := UnmarshalFragment(payload)
	if err != nil {
		t.Fatal(err)
	}
	out, err := s.eng.RunFragment(ctx, frag)
	if err != nil {
		t.Fatal(err)
	}
	got := readArrowRows(t, out)
	var rows int64
	for _, r := range got {
		var n int64
		fmt.Sscanf(strings.Split(r, "|")[1], "%d", &n)
		rows += n
	}
	third := snap.Cells[2].Rows
	if rows != 5-third {
		t.Errorf("fragment counted %d rows, want %d (the frame less its third cell): %v", rows, 5-third, got)
	}
	// Over every cell the fragment equals the query.
	frag.Cells = nil
	out, err = s.eng.RunFragment(ctx, frag)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(readArrowRows(t, out), "\n"); got != "0|2|60\n1|3|90" {
		t.Errorf("fragment over every cell: %q", got)
	}
	// Only a SELECT is a fragment.
	if _, err := s.eng.RunFragment(ctx, Fragment{Hive: "apiary", User: "apiary", SQL: "DROP TABLE fr"}); sqlerr.CodeOf(err) != sqlerr.FeatureNotSupported {
		t.Errorf("DROP as a fragment: %v", err)
	}
}

// readArrowRows decodes an Arrow IPC stream into sorted "a|b|c" lines.
func readArrowRows(t *testing.T, stream []byte) []string {
	t.Helper()
	r, err := ipc.NewReader(bytes.NewReader(stream))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Release()
	var out []string
	for r.Next() {
		rec := r.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			var parts []string
			for c := 0; c < int(rec.NumCols()); c++ {
				parts = append(parts, rec.Column(c).(interface{ ValueStr(int) string }).ValueStr(i))
			}
			out = append(out, strings.Join(parts, "|"))
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}
