package exec

import (
	"context"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

func TestTemperatureBands(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   ColonyInputs
		want Band
	}{
		{"idle", ColonyInputs{}, BandCold},
		{"light CPU", ColonyInputs{CPU: 0.2}, BandCold},
		{"working", ColonyInputs{CPU: 0.5, Memory: 0.2}, BandIdeal},
		{"CPU saturated alone", ColonyInputs{CPU: 1}, BandWarm},
		{"CPU saturated and a full queue", ColonyInputs{CPU: 1, Queue: 1}, BandWarm},
		{"a half-full queue alone", ColonyInputs{Queue: 0.5}, BandCold},
		{"bee memory exhausted alone", ColonyInputs{Memory: 1}, BandHot},
		{"CPU saturated, memory a third used", ColonyInputs{CPU: 1, Memory: 0.35}, BandHot},
		{"CPU and memory saturated", ColonyInputs{CPU: 1, Memory: 1}, BandCritical},
		{"storage failing", ColonyInputs{StorageErrors: 0.5}, BandCritical},
		{"a few storage errors", ColonyInputs{StorageErrors: 0.05}, BandCold},
		{"swarm tasks failing", ColonyInputs{TaskFailures: 1}, BandHot},
		{"inputs out of range are clamped", ColonyInputs{CPU: 7, Memory: -3, Queue: math.NaN()}, BandWarm},
	} {
		t.Run(tc.name, func(t *testing.T) {
			temp := Temperature(tc.in)
			if temp < 0 || temp > 100 {
				t.Fatalf("temperature %v outside 0..100", temp)
			}
			if got := BandOf(temp); got != tc.want {
				t.Errorf("temperature %.1f is %s, want %s", temp, got, tc.want)
			}
		})
	}
	if temp := Temperature(ColonyInputs{Queue: 1}); temp > idealFrom+1e-9 {
		t.Errorf("a full queue alone heats the node to %v, past ideal", temp)
	}
	// Every input heats: raising one never cools the node.
	base := ColonyInputs{CPU: 0.3, Memory: 0.3, Queue: 0.3, TaskFailures: 0.3, StorageErrors: 0.1}
	for i := range 5 {
		hotter := base
		p := []*float64{&hotter.CPU, &hotter.Memory, &hotter.Queue, &hotter.TaskFailures, &hotter.StorageErrors}[i]
		*p += 0.2
		if Temperature(hotter) <= Temperature(base) {
			t.Errorf("input %d raised from %v: temperature %v not above %v", i, *p-0.2, Temperature(hotter), Temperature(base))
		}
	}
	for temp, want := range map[float64]Band{0: BandCold, 19.9: BandCold, 20: BandIdeal, 59.9: BandIdeal, 60: BandWarm,
		74.9: BandWarm, 75: BandHot, 89.9: BandHot, 90: BandCritical, 100: BandCritical} {
		if got := BandOf(temp); got != want {
			t.Errorf("BandOf(%v) = %s, want %s", temp, got, want)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCPUMeterReadsProc(t *testing.T) {
	dir := t.TempDir()
	stat := filepath.Join(dir, "stat")
	// user nice system idle iowait irq softirq steal guest guest_nice
	writeFile(t, stat, "cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 50 0 50 350 50 0 0 0 0 0\nintr 1 2 3\n")
	writeFile(t, filepath.Join(dir, "loadavg"), "3.00 2.00 1.00 2/345 6789\n")
	m := cpuMeter{dir: dir, cores: 4}
	// The first read has nothing to compare with: load average per core.
	if got, ok := m.read(); !ok || got != 0.75 {
		t.Errorf("first read = %v, %v; want 0.75 from the load average", got, ok)
	}
	// 300 more ticks busy (user, system, irq) and 100 more idle or iowait.
	writeFile(t, stat, "cpu  250 0 200 750 150 50 0 0 0 0\n")
	if got, ok := m.read(); !ok || got != 0.75 {
		t.Errorf("second read = %v, %v; want 0.75", got, ok)
	}
	writeFile(t, stat, "cpu  250 0 200 1150 150 50 0 0 0 0\n")
	if got, _ := m.read(); got != 0 {
		t.Errorf("idle interval = %v, want 0", got)
	}
	writeFile(t, stat, "cpu  garbage\n")
	if _, ok := m.read(); ok {
		t.Error("malformed /proc/stat read as valid")
	}
	if _, ok := (&cpuMeter{dir: filepath.Join(dir, "missing"), cores: 1}).read(); ok {
		t.Error("a missing /proc read as valid")
	}
}

func TestColonySamplesInputs(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "stat"), "cpu  0 0 0 1000 0 0 0 0 0 0\n")
	writeFile(t, filepath.Join(dir, "loadavg"), "512.00 1.00 1.00 1/1 1\n")
	var requests, failed atomic.Uint64
	eng := newTestEngine(t, Config{ProcDir: dir, ColonySampleInterval: -1, Bees: 2, BeeMemory: 1 << 20,
		StorageCounters: func() (uint64, uint64) { return requests.Load(), failed.Load() }})
	c := eng.Colony()

	r := c.Sample()
	if !r.CPUKnown || r.Inputs.CPU != 1 || r.Band != BandWarm {
		t.Errorf("first sample: CPU %v (known %v), band %s; want a saturated CPU from the load average, warm", r.Inputs.CPU, r.CPUKnown, r.Band)
	}
	// A quarter busy since: the smoothed input moves a step towards it.
	writeFile(t, filepath.Join(dir, "stat"), "cpu  100 0 0 1300 0 0 0 0 0 0\n")
	r = c.Sample()
	alpha := 1 - math.Exp(-1.0/5)
	if want := 1 + alpha*(0.25-1); math.Abs(r.Inputs.CPU-want) > 1e-9 {
		t.Errorf("smoothed CPU = %v, want %v", r.Inputs.CPU, want)
	}
	if want := math.Round(Temperature(r.Inputs)*10) / 10; r.Temperature != want {
		t.Errorf("temperature %v, want %v from its inputs", r.Temperature, want)
	}

	// One failure among few requests is not a failing store...
	requests.Store(3)
	failed.Store(1)
	if r = c.Sample(); r.Inputs.StorageErrors != 1.0/minStorageRequests {
		t.Errorf("storage errors %v after 1 of 3 failed, want %v", r.Inputs.StorageErrors, 1.0/minStorageRequests)
	}
	// ...half of many is.
	requests.Store(1000)
	failed.Store(500)
	if r = c.Sample(); r.Band != BandCritical || r.Inputs.StorageErrors != 0.5 {
		t.Errorf("half the storage requests failing: errors %v, band %s (%.1f), want critical", r.Inputs.StorageErrors, r.Band, r.Temperature)
	}
	if !strings.Contains(describeInputs(r), "50% of recent storage requests failed") {
		t.Errorf("description: %s", describeInputs(r))
	}
}

func TestRateWindow(t *testing.T) {
	var w rateWindow
	t0 := time.Unix(1000, 0)
	if got := w.rate(t0, 100, 10, 20); got != 0 {
		t.Errorf("first sample rate %v, want 0", got)
	}
	if got := w.rate(t0.Add(10*time.Second), 200, 60, 20); got != 0.5 {
		t.Errorf("rate %v, want 0.5", got)
	}
	// A minute later the failures have left the window.
	if got := w.rate(t0.Add(75*time.Second), 300, 60, 20); got != 0 {
		t.Errorf("rate %v after the failures aged out, want 0", got)
	}
	// Counters that go back start over.
	if got := w.rate(t0.Add(80*time.Second), 5, 5, 20); got != 0 {
		t.Errorf("rate %v after a counter reset, want 0", got)
	}
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestAdmissionControl(t *testing.T) {
	eng := newTestEngine(t, Config{ColonySampleInterval: -1, AdmissionQueue: 1, AdmissionTimeout: time.Minute, Bees: 2})
	admin := newTestSession(t, eng)
	mustRun(t, admin, "CREATE TABLE t (n int)")
	mustRun(t, admin, "INSERT INTO t VALUES (1), (2)")
	c := eng.Colony()

	c.Force(80)
	waiter := newTestSession(t, eng)
	waiter.SetBackendPID(77)
	type outcome struct {
		rows [][]string
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		_, rows, err := run(t, waiter, "SELECT count(*) FROM t")
		done <- outcome{rows, err}
	}()
	waitFor(t, "a queued query", func() bool { _, _, queued := eng.ActivityCounts(); return queued == 1 })

	// The queue holds one: the next query is refused, naming the
	// temperature and what to do.
	other := newTestSession(t, eng)
	_, _, err := run(t, other, "SELECT count(*) FROM t")
	f := sqlerr.Flatten(err)
	if f.Code != sqlerr.TooManyConnections || !strings.Contains(f.Message, "hot (colony temperature 80.0)") ||
		!strings.Contains(f.Message, "queue is full") || !strings.Contains(f.Hint, "pg_cancel_backend") {
		t.Errorf("refusal with a full queue: %+v", f)
	}
	wantCode(t, other, "INSERT INTO t VALUES (3)", sqlerr.TooManyConnections)
	// What an operator needs on a hot node still runs: the catalogs, the
	// system frames, SHOW, SET and transaction control.
	rows := mustRun(t, admin, "SELECT pid, state FROM system.queries WHERE query = 'SELECT count(*) FROM t' AND state <> 'finished'")
	if got := joinRows(rows); got != "77|queued" {
		t.Errorf("queued query in system.queries: %s", got)
	}
	rows = mustRun(t, admin, "SELECT band, queue_depth, forced FROM system.colony")
	if got := joinRows(rows); got != "hot|1|t" {
		t.Errorf("system.colony while hot: %s", got)
	}
	mustRun(t, admin, "SHOW COLONY")
	mustRun(t, admin, "SELECT count(*) FROM pg_class")
	mustRun(t, admin, "BEGIN; SET application_name = 'ops'; COMMIT")
	select {
	case o := <-done:
		t.Fatalf("queued query ran while the node was hot: %v %v", o.rows, o.err)
	default:
	}

	// Cooling lets it in.
	c.Force(60)
	select {
	case o := <-done:
		if o.err != nil || joinRows(o.rows) != "2" {
			t.Fatalf("queued query after cooling: %v %v", o.rows, o.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("queued query did not run once the node cooled")
	}

	// Critical refuses at once.
	c.Force(95)
	_, _, err = run(t, other, "SELECT count(*) FROM t")
	if f := sqlerr.Flatten(err); f.Code != sqlerr.TooManyConnections || !strings.Contains(f.Message, "critical (colony temperature 95.0)") {
		t.Errorf("refusal when critical: %+v", f)
	}
	mustRun(t, other, "SELECT count(*) FROM system.nodes")

	// A queued query can be cancelled.
	c.Force(80)
	go func() {
		_, rows, err := run(t, waiter, "SELECT count(*) FROM t")
		done <- outcome{rows, err}
	}()
	waitFor(t, "a queued query", func() bool { _, _, queued := eng.ActivityCounts(); return queued == 1 })
	if !eng.CancelBackend(77) {
		t.Fatal("CancelBackend(77) found no session")
	}
	select {
	case o := <-done:
		if sqlerr.CodeOf(o.err) != sqlerr.QueryCanceled {
			t.Errorf("cancelled while queued: %v %v", o.rows, o.err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("a cancelled queued query did not end")
	}

	c.Unforce()
	c.Sample()
	if got := joinRows(mustRun(t, other, "SELECT count(*) FROM t")); got != "2" {
		t.Errorf("after Unforce: %s", got)
	}
	rows = mustRun(t, admin, "SELECT outcome, sqlstate, count(*) FROM system.queries WHERE query IN ('SELECT count(*) FROM t', 'INSERT INTO t VALUES (3)') GROUP BY 1, 2 ORDER BY 1")
	if got := joinRows(rows); got != "cancelled|57014|1\nrefused|53300|3\nsuccess|00000|2" {
		t.Errorf("outcomes: %s", got)
	}
}

func TestAdmissionTimeout(t *testing.T) {
	eng := newTestEngine(t, Config{ColonySampleInterval: -1, AdmissionTimeout: 50 * time.Millisecond})
	s := newTestSession(t, eng)
	mustRun(t, s, "CREATE TABLE t (n int)")
	eng.Colony().Force(82.5)
	_, _, err := run(t, s, "INSERT INTO t VALUES (1)")
	if f := sqlerr.Flatten(err); f.Code != sqlerr.TooManyConnections || !strings.Contains(f.Message, "stayed hot (colony temperature 82.5) for the 50ms") {
		t.Errorf("refusal after the wait: %+v", f)
	}
	// In a failed block nothing waits: the statement reports the failure.
	mustRun(t, s, "BEGIN")
	wantCode(t, s, "SELECT 1/0", "22012")
	wantCode(t, s, "SELECT count(*) FROM t", sqlerr.InFailedSQLTransaction)
	mustRun(t, s, "ROLLBACK")

	off := newTestEngine(t, Config{ColonySampleInterval: -1, AdmissionOff: true})
	s = newTestSession(t, off)
	off.Colony().Force(99)
	mustRun(t, s, "CREATE TABLE t (n int)")
	mustRun(t, s, "SELECT count(*) FROM t")
}

func TestClassifyAdmission(t *testing.T) {
	for sql, want := range map[string]admissionKind{
		"COMMIT": admitAlways, "rollback": admitAlways, "SET x = 1": admitAlways, "SHOW COLONY": admitAlways,
		"FETCH 10 FROM c": admitAlways, "EXPLAIN SELECT * FROM t": admitAlways, "-- hi\nBEGIN": admitAlways,
		"DESCRIBE t": admitAlways, "SELECT * FROM t": admitOnFrameRead, "(SELECT 1)": admitOnFrameRead,
		"WITH x AS (SELECT 1) SELECT * FROM x": admitOnFrameRead, "EXPLAIN ANALYZE SELECT 1": admitOnFrameRead,
		"EXPLAIN (FORMAT text, ANALYZE) SELECT 1": admitOnFrameRead, "DECLARE c CURSOR FOR SELECT 1": admitOnFrameRead,
		"INSERT INTO t VALUES (1)": admitAtStart, "COPY t FROM STDIN": admitAtStart, "CREATE TABLE t (a int)": admitAtStart,
		"OPTIMIZE t": admitAtStart, "settle": admitAtStart,
	} {
		if got := classifyAdmission(sql); got != want {
			t.Errorf("classifyAdmission(%q) = %d, want %d", sql, got, want)
		}
	}
}

func TestAdmissionRefreshesMemory(t *testing.T) {
	var used atomic.Int64
	cfg := Config{Node: "n", BeeMemory: 1 << 20, AdmissionTimeout: 20 * time.Millisecond, ProcDir: t.TempDir(),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	c := newColony(cfg, 2, used.Load)
	used.Store(2 << 20)
	if r := c.Sample(); r.Band != BandHot || r.Inputs.Memory != 1 {
		t.Fatalf("bee memory full: %s (%.1f), memory %v; want hot", r.Band, r.Temperature, r.Inputs.Memory)
	}
	// Still held: the statement waits, then is refused.
	if err := c.admit(context.Background(), &statementEntry{}); sqlerr.CodeOf(err) != sqlerr.TooManyConnections {
		t.Errorf("admission with bee memory full: %v, want 53300", err)
	}
	// Released since the sample: the statement runs at once.
	used.Store(0)
	if err := c.admit(context.Background(), &statementEntry{}); err != nil {
		t.Errorf("admission after the memory was released: %v", err)
	}
	if r := c.Reading(); r.Band != BandCold {
		t.Errorf("reading after admission refreshed it: %s", r.Band)
	}
}
