package exec

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/apiarydb/apiary/objstore"
)

// syncBuffer is a log destination the finished hooks may write from any
// goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) lines() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Split(strings.TrimSpace(w.b.String()), "\n")
}

func TestQueryLogLines(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	var out syncBuffer
	s.eng.OnQueryFinished(QueryLogger(slog.New(slog.NewTextHandler(&out, nil))))
	mustRun(t, s, "CREATE TABLE combs (id int, cells int)")
	mustRun(t, s, "INSERT INTO combs VALUES (1, 10), (2, 20), (3, 30)")
	mustRun(t, s, "SELECT id\n\t  FROM combs\n WHERE cells > 15")
	wantCode(t, s, "SELECT nectar FROM combs", "42703")

	lines := out.lines()
	if len(lines) != 4 {
		t.Fatalf("%d log lines for 4 statements:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for i, want := range [][]string{
		{`msg=query`, `user=apiary`, `hive=apiary`, `statement="CREATE TABLE combs (id int, cells int)"`, `rows=0`, `outcome=success`, `sqlstate=00000`},
		{`statement="INSERT INTO combs VALUES (1, 10), (2, 20), (3, 30)"`, `rows=3`, `outcome=success`},
		{`statement="SELECT id FROM combs WHERE cells > 15"`, `rows=2`, `outcome=success`, `duration_ms=`},
		{`statement="SELECT nectar FROM combs"`, `rows=0`, `outcome=error`, `sqlstate=42703`, `error="column \"nectar\" does not exist"`},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %s:\n%s", i+1, w, lines[i])
			}
		}
	}
	if strings.Contains(lines[0], "error=") {
		t.Errorf("a successful statement logs an error: %s", lines[0])
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"SELECT 1", 100, "SELECT 1"},
		{"  SELECT\n\t1,\r\n  2  ", 100, "SELECT 1, 2"},
		{"SELECT 'abcdef'", 10, "SELECT 'ab..."},
		{"SELECT 'é'", 9, "SELECT '..."}, // the cut falls inside é, which is kept whole or not at all
	} {
		if got := oneLine(c.in, c.max); got != c.want {
			t.Errorf("oneLine(%q, %d) = %q, want %q", c.in, c.max, got, c.want)
		}
	}
}

func TestEngineStats(t *testing.T) {
	ctx := context.Background()
	s := testSession(t, objstore.NewMem())
	eng := s.eng
	mustRun(t, s, "CREATE TABLE combs (id int, cells int)")
	mustRun(t, s, "INSERT INTO combs SELECT g, g % 7 FROM generate_series(1, 5000) AS g")
	started := eng.StatementsStarted()
	if started < 2 {
		t.Fatalf("StatementsStarted = %d after 2 statements", started)
	}
	bytesBefore := eng.ScanStats().Bytes

	// While a grouping holds its groups, the engine counts their memory.
	var inUse int64
	err := s.ExecSimple(ctx, "SELECT id, count(*) FROM combs GROUP BY id", func(res Result) error {
		defer res.Rows.Close()
		b, err := res.Rows.Next(ctx)
		if err != nil || b == nil || b.Len == 0 {
			t.Fatalf("first batch: %v, %v", b, err)
		}
		inUse = eng.MemoryInUse()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if inUse <= 0 {
		t.Errorf("MemoryInUse while a grouping runs = %d, want > 0", inUse)
	}
	if after := eng.MemoryInUse(); after != 0 {
		t.Errorf("MemoryInUse after the statement ended = %d, want 0", after)
	}
	if got := eng.StatementsStarted(); got != started+1 {
		t.Errorf("StatementsStarted = %d, want %d", got, started+1)
	}
	if got := eng.ScanStats().Bytes; got <= bytesBefore {
		t.Errorf("ScanStats().Bytes = %d after a scan, was %d", got, bytesBefore)
	}
	// Statements that read no frame read no cells.
	scanned := eng.ScanStats().Bytes
	mustRun(t, s, "SELECT 1")
	if got := eng.ScanStats().Bytes; got != scanned {
		t.Errorf("SELECT 1 scanned %d bytes", got-scanned)
	}
}

// TestScanTotals checks the running scan totals the metrics read: rows,
// cells read and cells pruned by their statistics.
func TestScanTotals(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE st (k int, v text)")
	// Three single-row transactions: three cells with disjoint k ranges.
	for _, k := range []string{"1", "100", "200"} {
		mustRun(t, s, "INSERT INTO st VALUES ("+k+", 'x')")
	}
	before := s.eng.ScanStats()
	mustRun(t, s, "SELECT v FROM st")
	mustRun(t, s, "SELECT v FROM st WHERE k = 100")
	after := s.eng.ScanStats()
	if got := after.Rows - before.Rows; got != 4 {
		t.Errorf("rows scanned: %d, want 4 (3 then 1)", got)
	}
	if got := after.CellsScanned - before.CellsScanned; got != 4 {
		t.Errorf("cells scanned: %d, want 4", got)
	}
	if got := after.CellsPruned - before.CellsPruned; got != 2 {
		t.Errorf("cells pruned: %d, want 2", got)
	}
	if after.RowGroupsScanned-before.RowGroupsScanned != 4 || after.Bytes <= before.Bytes {
		t.Errorf("row groups %d, bytes %d", after.RowGroupsScanned-before.RowGroupsScanned, after.Bytes-before.Bytes)
	}
}
