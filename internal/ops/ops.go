// Package ops serves a node's operations endpoints over HTTP: /metrics in
// Prometheus's text format, /healthz (the process answers) and /readyz (the
// node can serve queries: its storage answers and it is not shutting down).
// docs/operations.md ("Metrics and health") describes them for operators.
//
// Usage:
//
//	h := ops.NewHandler(ops.Config{Gatherer: m.Registry(), Store: store, Logger: log})
//	go http.Serve(ln, h)
//	...
//	h.BeginShutdown() // /readyz answers 503 from now on
//
// Imports: objstore, Prometheus's client and the standard library.
package ops

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/apiarydb/apiary/objstore"
)

// Config configures a Handler.
type Config struct {
	// Gatherer supplies /metrics; nil serves no metrics (404).
	Gatherer prometheus.Gatherer
	// Store is what /readyz probes, with one Stat of ProbeKey; nil skips
	// the probe.
	Store objstore.Store
	// ProbeTTL is how long a probe's answer is reused, so that frequent
	// readiness checks cost storage one request per ProbeTTL. 0 means
	// DefaultProbeTTL.
	ProbeTTL time.Duration
	// ProbeTimeout bounds one probe. 0 means DefaultProbeTimeout.
	ProbeTimeout time.Duration
	// Logger receives readiness changes; nil means slog.Default().
	Logger *slog.Logger
}

// Defaults for Config.
const (
	DefaultProbeTTL     = 5 * time.Second
	DefaultProbeTimeout = 2 * time.Second
)

// ProbeKey is the key /readyz asks storage about. It need not exist: "no
// such object" is an answer, and an answer is all the probe wants.
const ProbeKey = "_apiary/readyz-probe"

// Handler serves /metrics, /healthz and /readyz. It is safe for concurrent
// use.
type Handler struct {
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	closing atomic.Bool

	// probeMu serialises probes: concurrent checks wait for one request
	// instead of each sending their own.
	probeMu  sync.Mutex
	probedAt time.Time // guarded by probeMu; zero before the first probe
	probeErr error     // guarded by probeMu
	// wasReady is the last answer of /readyz, to log changes only.
	wasReady atomic.Bool
}

// NewHandler returns a Handler for cfg.
func NewHandler(cfg Config) *Handler {
	if cfg.ProbeTTL <= 0 {
		cfg.ProbeTTL = DefaultProbeTTL
	}
	if cfg.ProbeTimeout <= 0 {
		cfg.ProbeTimeout = DefaultProbeTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	h := &Handler{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux()}
	h.wasReady.Store(true)
	if cfg.Gatherer != nil {
		h.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Gatherer, promhttp.HandlerOpts{
			ErrorLog:      slogPrinter{h.log},
			ErrorHandling: promhttp.ContinueOnError,
		}))
	}
	h.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	h.mux.HandleFunc("GET /readyz", h.readyz)
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// BeginShutdown makes /readyz answer 503 from now on, so that load
// balancers stop sending clients while the node drains. /healthz and
// /metrics keep answering.
func (h *Handler) BeginShutdown() { h.closing.Store(true) }

// Ready reports why the node cannot serve queries, nil when it can.
func (h *Handler) Ready(ctx context.Context) error {
	if h.closing.Load() {
		return errors.New("shutting down")
	}
	if err := h.probe(ctx); err != nil {
		return fmt.Errorf("storage unreachable: %w", err)
	}
	return nil
}

func (h *Handler) readyz(w http.ResponseWriter, r *http.Request) {
	err := h.Ready(r.Context())
	if ready := err == nil; h.wasReady.Swap(ready) != ready {
		if ready {
			h.log.Info("ops: node ready again")
		} else {
			h.log.Warn("ops: node not ready", "reason", err)
		}
	}
	if err != nil {
		writeText(w, http.StatusServiceUnavailable, "not ready: "+err.Error())
		return
	}
	writeText(w, http.StatusOK, "ok")
}

// probe asks storage for ProbeKey unless a recent answer can be reused.
func (h *Handler) probe(ctx context.Context) error {
	if h.cfg.Store == nil {
		return nil
	}
	h.probeMu.Lock()
	defer h.probeMu.Unlock()
	if !h.probedAt.IsZero() && time.Since(h.probedAt) < h.cfg.ProbeTTL {
		return h.probeErr
	}
	// The probe outlives an impatient caller: its answer serves the
	// callers that come after it.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), h.cfg.ProbeTimeout)
	defer cancel()
	_, err := h.cfg.Store.Stat(pctx, ProbeKey)
	if errors.Is(err, objstore.ErrNotExist) {
		err = nil
	}
	h.probedAt, h.probeErr = time.Now(), err
	return err
}

func writeText(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = fmt.Fprintln(w, body)
}

// slogPrinter lets promhttp report failed gathers to the node's log.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Warn("ops: metrics: " + fmt.Sprint(v...)) }
