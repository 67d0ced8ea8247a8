package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads the node's /metrics over HTTP and parses it as Prometheus
// does.
func scrape(t *testing.T, n *node) metricSet {
	t.Helper()
	resp, err := http.Get("http://" + n.http + "/metrics")
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape: HTTP %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return families
}

type metricSet map[string]*dto.MetricFamily

// get sums the samples of family name whose labels include the given
// name=value pairs (a histogram's sample count); a missing family reads 0.
func (ms metricSet) get(name string, labels ...string) float64 {
	mf := ms[name]
	var sum float64
	for _, m := range mf.GetMetric() {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, l := range m.GetLabel() {
				found = found || (l.GetName() == labels[i] && l.GetValue() == labels[i+1])
			}
			match = match && found
		}
		if !match {
			continue
		}
		switch mf.GetType() {
		case dto.MetricType_COUNTER:
			sum += m.GetCounter().GetValue()
		case dto.MetricType_GAUGE:
			sum += m.GetGauge().GetValue()
		case dto.MetricType_HISTOGRAM:
			sum += float64(m.GetHistogram().GetSampleCount())
		default:
			sum += m.GetUntyped().GetValue()
		}
	}
	return sum
}

func httpStatus(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// eventually scrapes n until ok holds, failing after a deadline.
func eventually(t *testing.T, n *node, what string, ok func(metricSet) bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok(scrape(t, n)) {
		if time.Now().After(deadline) {
			t.Fatalf("not so after 10s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func connectAs(ctx context.Context, n *node, user, password string) (*pgx.Conn, error) {
	host, port := n.hostPort()
	return pgx.Connect(ctx, fmt.Sprintf("host=%s port=%s dbname=apiary user=%s password=%s sslmode=disable", host, port, user, password))
}

// TestMetricsEndToEnd runs statements against a real node and checks that
// its /metrics moved as they should, and that each left a query log line.
func TestMetricsEndToEnd(t *testing.T) {
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", "file://"+t.TempDir(),
		"--name", "metrics", "--auth", "scram-sha-256", "--user", "alice:hive-secret")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	if code, body := httpStatus(t, "http://"+n.http+"/healthz"); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	if code, body := httpStatus(t, "http://"+n.http+"/readyz"); code != http.StatusOK {
		t.Errorf("/readyz = %d %q, want 200", code, body)
	}
	before := scrape(t, n)
	if before.get("apiary_build_info") != 1 || before.get("apiary_bees") < 1 || before.get("apiary_bee_memory_budget_bytes") <= 0 {
		t.Errorf("build info %v, bees %v, bee memory %v: want 1, at least 1, above 0",
			before.get("apiary_build_info"), before.get("apiary_bees"), before.get("apiary_bee_memory_budget_bytes"))
	}

	if _, err := connectAs(ctx, n, "alice", "wrong"); err == nil {
		t.Fatal("login with a wrong password succeeded")
	}
	conn, err := connectAs(ctx, n, "alice", "hive-secret")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range []string{
		"CREATE TABLE sightings (id int NOT NULL, hive text, bees int) WITH (partition_by = 'hive')",
		"INSERT INTO sightings VALUES (1, 'north', 120), (2, 'south', 80), (3, 'north', 95)",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	rows, err := conn.Query(ctx, "SELECT id, bees FROM sightings WHERE hive = 'north'")
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for rows.Next() {
		got++
	}
	if rows.Close(); rows.Err() != nil || got != 2 {
		t.Fatalf("SELECT returned %d rows, err %v; want 2", got, rows.Err())
	}
	if _, err := conn.Exec(ctx, "SELECT * FROM no_such_frame"); err == nil {
		t.Fatal("SELECT from a missing frame succeeded")
	}

	after := scrape(t, n)
	delta := func(name string, labels ...string) float64 {
		return after.get(name, labels...) - before.get(name, labels...)
	}
	for _, c := range []struct {
		what    string
		got     float64
		atLeast float64
	}{
		{"statements started", delta("apiary_queries_started_total"), 4},
		{"successful statements", delta("apiary_queries_finished_total", "outcome", "success", "sqlstate_class", "00"), 3},
		{"statements failing with class 42", delta("apiary_queries_finished_total", "outcome", "error", "sqlstate_class", "42"), 1},
		{"duration observations", delta("apiary_query_duration_seconds"), 4},
		{"rows returned or changed", delta("apiary_query_rows_total"), 5},
		{"bytes scanned", delta("apiary_scan_bytes_total"), 1},
		{"commits", delta("apiary_commits_total", "outcome", "ok"), 2},
		{"ledger creates on file storage", delta("apiary_storage_requests_total", "backend", "file", "operation", "put_if_absent"), 2},
		{"reads of file storage", delta("apiary_storage_requests_total", "backend", "file", "operation", "get") +
			delta("apiary_storage_requests_total", "backend", "file", "operation", "get_range"), 1},
		{"bytes written to storage", delta("apiary_storage_written_bytes_total", "backend", "file"), 1},
		{"sessions started", delta("apiary_connections_total", "outcome", "ok"), 1},
		{"sessions open", after.get("apiary_connections_open"), 1},
	} {
		if c.got < c.atLeast {
			t.Errorf("%s: %v, want at least %v", c.what, c.got, c.atLeast)
		}
	}
	if e := delta("apiary_storage_errors_total"); e != 0 {
		t.Errorf("storage errors: %v, want 0 (a missing key is not a failure)", e)
	}
	if after.get("apiary_connections_open") != 1 {
		t.Errorf("sessions open: %v, want 1", after.get("apiary_connections_open"))
	}
	if _, ok := after["process_resident_memory_bytes"]; !ok {
		t.Error("/metrics lacks the process collector")
	}

	// The server counts a refused login after the client has heard of it,
	// and a session's end once it notices the client left: poll.
	eventually(t, n, "a failed login counted", func(ms metricSet) bool {
		return ms.get("apiary_connections_total", "outcome", "auth_failed")-before.get("apiary_connections_total", "outcome", "auth_failed") == 1
	})
	conn.Close(ctx)
	eventually(t, n, "no session open after the client left", func(ms metricSet) bool {
		return ms.get("apiary_connections_open") == 0
	})

	logs := n.logText()
	for _, re := range []string{
		`msg=query pid=\d+ user=alice hive=\S+ statement="SELECT id, bees FROM sightings WHERE hive = 'north'" duration_ms=[\d.]+ rows=2 outcome=success sqlstate=00000`,
		`msg=query .*statement="INSERT INTO sightings .*rows=3 outcome=success`,
		`msg=query .*statement="SELECT \* FROM no_such_frame" .*outcome=error sqlstate=42P01 error=`,
	} {
		if !regexp.MustCompile(re).MatchString(logs) {
			t.Errorf("no log line matches %s\nlog:\n%s", re, logs)
		}
	}
}

// blockingReader stands for a client in the middle of a COPY: its first
// Read announces that the copy has started, and it ends (EOF) when release
// is closed.
type blockingReader struct {
	started chan struct{}
	release chan struct{}
	sent    bool
}

func (r *blockingReader) Read(p []byte) (int, error) {
	if !r.sent {
		r.sent = true
		close(r.started)
		return copy(p, "1\n"), nil
	}
	<-r.release
	return 0, io.EOF
}

// TestReadyzDuringShutdown checks that a node stops being ready as soon as
// it begins to shut down, while a statement in flight may still finish,
// and stays alive for /healthz until it exits.
func TestReadyzDuringShutdown(t *testing.T) {
	n := startNodeArgs(t, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--storage", "file://"+t.TempDir(),
		"--name", "drain", "--shutdown-grace", "30s")
	conn := n.pgx(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := conn.Exec(ctx, "CREATE TABLE drained (id int)"); err != nil {
		t.Fatal(err)
	}
	r := &blockingReader{started: make(chan struct{}), release: make(chan struct{})}
	copyDone := make(chan error, 1)
	go func() {
		_, err := conn.PgConn().CopyFrom(ctx, r, "COPY drained FROM STDIN")
		copyDone <- err
	}()
	select {
	case <-r.started:
	case err := <-copyDone:
		t.Fatalf("COPY ended before it was held open: %v", err)
	case <-ctx.Done():
		t.Fatal("COPY never started")
	}
	// The client may start feeding its reader before the server has read
	// the COPY: wait until the statement runs on the server.
	watcher := n.pgx(t)
	for deadline := time.Now().Add(10 * time.Second); ; {
		var running int
		err := watcher.QueryRow(ctx, "SELECT count(*) FROM system.queries WHERE state = 'running' AND query LIKE 'COPY drained%'").Scan(&running)
		if err == nil && running == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the COPY never showed as running (%d, %v)", running, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if code, _ := httpStatus(t, "http://"+n.http+"/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz before shutdown = %d, want 200", code)
	}

	if err := n.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get("http://" + n.http + "/readyz")
		if err != nil {
			t.Fatalf("GET /readyz after SIGTERM: %v\nnode log:\n%s", err, n.logText())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		code, body := resp.StatusCode, string(b)
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "shutting down") {
				t.Errorf("/readyz during shutdown says %q, want the reason", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d 10s after SIGTERM", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if code, _ := httpStatus(t, "http://"+n.http+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz while draining = %d, want 200", code)
	}

	close(r.release)
	if err := <-copyDone; err != nil {
		t.Errorf("COPY in flight at shutdown: %v, want it to finish within the grace period", err)
	}
	select {
	case <-n.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("node still running 20s after SIGTERM:\n%s", n.logText())
	}
	if err := n.cmd.Wait(); err != nil {
		t.Errorf("node exited with %v:\n%s", err, n.logText())
	}
}
