package ops

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/apiarydb/apiary/internal/metrics"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/objstore/faulty"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestHealthz(t *testing.T) {
	h := NewHandler(Config{})
	srv := httptest.NewServer(h)
	defer srv.Close()
	if code, body := get(t, srv.URL+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	h.BeginShutdown()
	if code, _ := get(t, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz during shutdown = %d, want 200: the process is still alive", code)
	}
	resp, err := http.Post(srv.URL+"/healthz", "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /healthz = %d, want 405", resp.StatusCode)
	}
	if code, _ := get(t, srv.URL+"/metrics"); code != http.StatusNotFound {
		t.Errorf("/metrics without a Gatherer = %d, want 404", code)
	}
}

func TestReadyzShutdown(t *testing.T) {
	h := NewHandler(Config{Store: objstore.NewMem()})
	srv := httptest.NewServer(h)
	defer srv.Close()
	if code, body := get(t, srv.URL+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz = %d %q, want 200", code, body)
	}
	h.BeginShutdown()
	code, body := get(t, srv.URL+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "shutting down") {
		t.Errorf("/readyz after BeginShutdown = %d %q, want 503 naming the shutdown", code, body)
	}
}

func TestReadyzStorageDown(t *testing.T) {
	store := faulty.Wrap(objstore.NewMem())
	down := store.Add(faulty.Rule{Op: faulty.Stat, Times: -1, Action: faulty.FailBefore})
	h := NewHandler(Config{Store: store, ProbeTTL: time.Hour})
	srv := httptest.NewServer(h)
	defer srv.Close()

	code, body := get(t, srv.URL+"/readyz")
	if code != http.StatusServiceUnavailable || !strings.Contains(body, "storage unreachable") {
		t.Errorf("/readyz with failing storage = %d %q, want 503 naming storage", code, body)
	}
	// Within the TTL the answer is reused: storage sees one probe however
	// often the node is asked.
	get(t, srv.URL+"/readyz")
	if n := store.Calls(faulty.Stat); n != 1 {
		t.Errorf("storage probed %d times within the TTL, want 1", n)
	}
	down.Remove()
	if code, _ := get(t, srv.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz within the TTL of a failed probe = %d, want the cached 503", code)
	}
}

func TestReadyzRecovers(t *testing.T) {
	store := faulty.Wrap(objstore.NewMem())
	down := store.Add(faulty.Rule{Op: faulty.Stat, Times: -1, Action: faulty.FailBefore})
	// A TTL of a nanosecond makes every check probe again.
	h := NewHandler(Config{Store: store, ProbeTTL: time.Nanosecond})
	if err := h.Ready(context.Background()); err == nil {
		t.Fatal("Ready with failing storage = nil")
	}
	down.Remove()
	if err := h.Ready(context.Background()); err != nil {
		t.Fatalf("Ready after storage came back: %v", err)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	m := metrics.New("1.2.3")
	m.QueryFinished("success", "00000", time.Millisecond, 3)
	srv := httptest.NewServer(NewHandler(Config{Gatherer: m.Registry()}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics = %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	for _, name := range []string{"apiary_query_rows_total", "apiary_build_info", "go_goroutines", "process_resident_memory_bytes"} {
		if _, ok := families[name]; !ok {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if got := families["apiary_query_rows_total"].GetMetric()[0].GetCounter().GetValue(); got != 3 {
		t.Errorf("apiary_query_rows_total = %v, want 3", got)
	}
}
