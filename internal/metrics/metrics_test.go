package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/faulty"
)

// value returns the value of the sample of family name whose labels
// include want (name=value pairs), failing the test when there is none.
func value(t *testing.T, m *Metrics, name string, want ...string) float64 {
	t.Helper()
	v, ok := lookup(t, m, name, want...)
	if !ok {
		t.Fatalf("no sample %s%v", name, want)
	}
	return v
}

func lookup(t *testing.T, m *Metrics, name string, want ...string) (float64, bool) {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, s := range mf.GetMetric() {
			if hasLabels(s, want) {
				return sampleValue(mf.GetType(), s), true
			}
		}
	}
	return 0, false
}

func hasLabels(s *dto.Metric, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		found := false
		for _, l := range s.GetLabel() {
			if l.GetName() == want[i] && l.GetValue() == want[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func sampleValue(typ dto.MetricType, s *dto.Metric) float64 {
	switch typ {
	case dto.MetricType_COUNTER:
		return s.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return s.GetGauge().GetValue()
	case dto.MetricType_HISTOGRAM:
		return float64(s.GetHistogram().GetSampleCount())
	}
	return s.GetUntyped().GetValue()
}

func TestNamesPassPromlint(t *testing.T) {
	m := New("test")
	// Vectors show up only once they have a child.
	m.QueryFinished("success", "00000", time.Millisecond, 1)
	m.CommitEnded("ok", time.Millisecond)
	m.ConnectionStarted("ok")
	m.InstrumentStore(objstore.NewMem())
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if strings.HasPrefix(p.Metric, "apiary_") {
			t.Errorf("%s: %s", p.Metric, p.Text)
		}
	}
}

func TestRegistriesAreIndependent(t *testing.T) {
	a, b := New("a"), New("b")
	a.ConnectionStarted("ok")
	if got := value(t, a, "apiary_connections_open"); got != 1 {
		t.Errorf("a: apiary_connections_open = %v, want 1", got)
	}
	if got := value(t, b, "apiary_connections_open"); got != 0 {
		t.Errorf("b: apiary_connections_open = %v, want 0", got)
	}
	if got := value(t, b, "apiary_build_info", "version", "b"); got != 1 {
		t.Errorf("apiary_build_info{version=b} = %v", got)
	}
}

func TestQueryFinished(t *testing.T) {
	m := New("test")
	m.QueryFinished("success", "00000", 3*time.Millisecond, 5)
	m.QueryFinished("error", "42P01", time.Millisecond, 0)
	m.QueryFinished("error", "42703", time.Millisecond, 0)
	m.QueryFinished("cancelled", "57014", 2*time.Second, 7)
	for _, c := range []struct {
		outcome, class string
		want           float64
	}{{"success", "00", 1}, {"error", "42", 2}, {"cancelled", "57", 1}} {
		if got := value(t, m, "apiary_queries_finished_total", "outcome", c.outcome, "sqlstate_class", c.class); got != c.want {
			t.Errorf("finished{%s,%s} = %v, want %v", c.outcome, c.class, got, c.want)
		}
	}
	if got := value(t, m, "apiary_query_duration_seconds", "outcome", "error"); got != 2 {
		t.Errorf("duration observations for errors = %v, want 2", got)
	}
	if got := value(t, m, "apiary_query_rows_total"); got != 12 {
		t.Errorf("rows = %v, want 12", got)
	}
}

func TestEngineSource(t *testing.T) {
	m := New("test")
	if got := value(t, m, "apiary_scan_bytes_total"); got != 0 {
		t.Errorf("scan bytes before SetEngine = %v, want 0", got)
	}
	m.SetEngine(EngineSource{
		QueriesStarted: func() int64 { return 9 },
		Activity:       func() (int, int) { return 3, 1 },
		MemoryInUse:    func() int64 { return 4096 },
		Scan:           func() ScanTotals { return ScanTotals{Rows: 100, Bytes: 2048, CellsPruned: 2, RowGroupsScanned: 4} },
		Temperature:    func() float64 { return 72.5 },
		Bees:           2,
		BeeMemory:      1 << 20,
	})
	for name, want := range map[string]float64{
		"apiary_queries_started_total":         9,
		"apiary_queries_running":               3,
		"apiary_queries_queued":                1,
		"apiary_bee_memory_used_bytes":         4096,
		"apiary_scan_rows_total":               100,
		"apiary_scan_bytes_total":              2048,
		"apiary_scan_cells_pruned_total":       2,
		"apiary_scan_row_groups_scanned_total": 4,
		"apiary_bees":                          2,
		"apiary_bee_memory_budget_bytes":       1 << 20,
		"apiary_colony_temperature":            72.5,
	} {
		if got := value(t, m, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

func TestConnectionsAndCommits(t *testing.T) {
	m := New("test")
	m.ConnectionStarted("ok")
	m.ConnectionStarted("ok")
	m.ConnectionStarted("auth_failed")
	m.ConnectionEnded()
	if got := value(t, m, "apiary_connections_open"); got != 1 {
		t.Errorf("open = %v, want 1", got)
	}
	if got := value(t, m, "apiary_connections_total", "outcome", "ok"); got != 2 {
		t.Errorf("total{ok} = %v, want 2", got)
	}
	if got := value(t, m, "apiary_connections_total", "outcome", "auth_failed"); got != 1 {
		t.Errorf("total{auth_failed} = %v, want 1", got)
	}
	m.CommitEnded("ok", time.Millisecond)
	m.CommitEnded("conflict", time.Millisecond)
	if got := value(t, m, "apiary_commits_total", "outcome", "conflict"); got != 1 {
		t.Errorf("commits{conflict} = %v, want 1", got)
	}
	if got := value(t, m, "apiary_commit_duration_seconds"); got != 2 {
		t.Errorf("commit duration observations = %v, want 2", got)
	}
}

func TestInstrumentStore(t *testing.T) {
	ctx := context.Background()
	m := New("test")
	flaky := faulty.Wrap(objstore.NewMem())
	st := m.InstrumentStore(flaky)

	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(st.Put(ctx, "a/1", []byte("hello")))
	must(st.PutIfAbsent(ctx, "a/2", []byte("abc")))
	if err := st.PutIfAbsent(ctx, "a/2", []byte("xyz")); !errors.Is(err, objstore.ErrExist) {
		t.Fatalf("second PutIfAbsent: %v, want ErrExist", err)
	}
	if b, err := st.Get(ctx, "a/1"); err != nil || string(b) != "hello" {
		t.Fatalf("Get = %q, %v", b, err)
	}
	if b, err := st.GetRange(ctx, "a/1", 1, 2); err != nil || string(b) != "el" {
		t.Fatalf("GetRange = %q, %v", b, err)
	}
	// Reads into a scan's buffer count as range reads.
	if b, err := objstore.GetRangeInto(ctx, st, "a/1", 2, make([]byte, 3)); err != nil || string(b) != "llo" {
		t.Fatalf("GetRangeInto = %q, %v", b, err)
	}
	if _, err := st.Get(ctx, "a/missing"); !errors.Is(err, objstore.ErrNotExist) {
		t.Fatalf("Get missing: %v", err)
	}
	if infos, err := st.List(ctx, "a/"); err != nil || len(infos) != 2 {
		t.Fatalf("List = %v, %v", infos, err)
	}
	_, err := st.Stat(ctx, "a/1")
	must(err)
	must(st.Delete(ctx, "a/1"))
	flaky.FailBefore(faulty.Get, "a/2", 1)
	if _, err := st.Get(ctx, "a/2"); !errors.Is(err, objstore.ErrTransient) {
		t.Fatalf("injected failure: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	flaky.Add(faulty.Rule{Op: faulty.Stat, Action: faulty.Hook, Before: func(ctx context.Context, _ faulty.Op, _ string) error { return ctx.Err() }})
	if _, err := st.Stat(cancelled, "a/2"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled Stat: %v", err)
	}

	for _, c := range []struct {
		op               string
		requests, errors float64
	}{
		{"put", 1, 0}, {"put_if_absent", 2, 0}, {"get", 3, 1}, {"get_range", 2, 0},
		{"list", 1, 0}, {"stat", 2, 0}, {"delete", 1, 0},
	} {
		if got := value(t, m, "apiary_storage_requests_total", "backend", "mem", "operation", c.op); got != c.requests {
			t.Errorf("requests{%s} = %v, want %v", c.op, got, c.requests)
		}
		if got := value(t, m, "apiary_storage_errors_total", "backend", "mem", "operation", c.op); got != c.errors {
			t.Errorf("errors{%s} = %v, want %v", c.op, got, c.errors)
		}
		if got := value(t, m, "apiary_storage_request_duration_seconds", "backend", "mem", "operation", c.op); got != c.requests {
			t.Errorf("duration observations{%s} = %v, want %v", c.op, got, c.requests)
		}
	}
	if got := value(t, m, "apiary_storage_written_bytes_total", "backend", "mem"); got != 8 {
		t.Errorf("written bytes = %v, want 8 (the losing PutIfAbsent wrote nothing)", got)
	}
	if got := value(t, m, "apiary_storage_read_bytes_total", "backend", "mem"); got != 10 {
		t.Errorf("read bytes = %v, want 10", got)
	}
	if requests, failed := m.StorageCounters(); requests != 12 || failed != 1 {
		t.Errorf("StorageCounters = %d, %d; want 12 requests, 1 failed", requests, failed)
	}
	if st.URL() != "mem://" {
		t.Errorf("URL = %q", st.URL())
	}
}
