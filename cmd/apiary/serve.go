package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"math"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/internal/cellcache"
	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/internal/hardware"
	"github.com/apiarydb/apiary/internal/metrics"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/server"
	"github.com/apiarydb/apiary/swarm"
	"github.com/apiarydb/apiary/txn"
)

const serveAbout = `
Runs a node: accepts PostgreSQL clients on --listen, keeps every frame in
--storage (a local directory, or S3/MinIO), and serves /metrics, /healthz and
/readyz on --http. With no flags it is a node for this machine alone, on
./apiary-data, that the user apiary may reach without a password from
loopback. To let other machines in, choose --auth, users and TLS
(docs/security.md).

The number of bees (workers per query) and each one's memory follow from the
cores and memory detected, cgroup limits included; 'apiary hardware' shows
them. SIGTERM or SIGINT stop the node gracefully: it stops accepting, lets
running queries finish for --shutdown-grace, cancels the rest and exits 0. A
second signal stops it at once.

Every flag has a key in the configuration file and an APIARY_* variable,
shown in brackets; docs/operations.md describes them.`

// httpShutdownTimeout bounds the wait for HTTP requests in flight (a
// scrape) when the node stops.
const httpShutdownTimeout = 5 * time.Second

func serve(args []string, stdout, stderr io.Writer) int {
	start := time.Now()
	cfg, code, ok := nodeConfig(newCommand("serve", "serve [flags]", serveAbout), args, stdout, stderr)
	if !ok {
		return code
	}
	srvCfg, err := serverConfig(cfg)
	if err != nil {
		reportConfigError(stderr, "serve", err)
		return exitUsage
	}
	log := newLogger(cfg.Log, stderr)
	srvCfg.Logger, srvCfg.Version = log, version
	for _, w := range cfg.Warnings {
		log.Warn(w)
	}

	hw, budgets, rt := detectBudgets(cfg)
	logHardware(log, hw, budgets, rt)
	if cfg.Node.CacheSize < 0 {
		cfg.Node.CacheSize = cellcache.AutoMaxBytes(hw.DiskFree)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// Once shutdown has begun, a second signal ends the process at once
	// (the default action), for an operator who will not wait.
	context.AfterFunc(ctx, stop)
	return runNode(ctx, start, cfg, srvCfg, budgets, log)
}

// runNode listens, opens storage and the engine, serves until ctx ends,
// then shuts down in order: the wire server drains (running queries get
// the grace period), the HTTP endpoints close, the engine stops, storage
// closes. start is when the command started, for the ready line.
func runNode(ctx context.Context, start time.Time, cfg *config.Config, srvCfg server.Config, budgets hardware.Budgets, log *slog.Logger) int {
	ops := newOpsWiring(version, log)
	ops.configureServer(&srvCfg)
	// The engine comes after the checks that need no storage; the server
	// gets its sessions from it once it is open.
	sessions := &engineSessions{}
	srv := server.New(srvCfg, sessions)

	// Listening here rather than in the server lets --listen name port 0
	// and the log and system.nodes say which port was taken. Clients that
	// connect before the engine is open wait in the backlog.
	ln, err := net.Listen("tcp", cfg.Server.Listen)
	if err != nil {
		log.Error(listenAdvice(err, "--listen"), "listen", cfg.Server.Listen, "err", err)
		return exitFailure
	}
	defer ln.Close()
	if err := srv.CheckListener(ln.Addr()); err != nil {
		log.Error("refusing to serve: fix the configuration", "err", err)
		return exitUsage
	}

	storageURL := storageWithCredentials(cfg.Storage)
	store, err := objstore.Open(ctx, storageURL)
	if err != nil {
		log.Error("cannot open storage: check the URL, that the bucket or directory exists and the credentials (see 'apiary config')",
			"storage", redact(storageURL), "err", err)
		return exitFailure
	}
	store = ops.instrument(store)
	defer store.Close()
	engStore, cellCache := openCellCache(ctx, cfg.Node, store, ops, log)
	if cellCache != nil {
		defer cellCache.Release()
	}

	exec.ApiaryVersion = version
	engCfg := exec.Config{
		Node: cfg.Node.Name, Logger: log, Bees: budgets.Bees, BeeMemory: budgets.BeeMemory, SpillDir: cfg.Bees.SpillDir,
		Address:              ln.Addr().String(),
		ColonySampleInterval: cfg.Colony.SampleInterval, AdmissionOff: !cfg.Colony.Admission,
		AdmissionQueue: cfg.Colony.AdmissionQueue, AdmissionTimeout: cfg.Colony.AdmissionTimeout,
		Txn: txn.Options{Node: cfg.Node.Name, CheckpointInterval: cfg.Storage.CheckpointInterval, Logger: log},
	}
	ops.configureEngine(&engCfg)
	// The world view exists before the engine so system.nodes can read
	// it; the heartbeat writer needs the engine's load, so it comes after.
	incarnation := swarm.NewIncarnation()
	view := swarm.NewView(swarm.ViewConfig{
		Store: store, Interval: cfg.Swarm.HeartbeatInterval, SuspectAfter: cfg.Swarm.SuspectAfter,
		DeadAfter: cfg.Swarm.DeadAfter, Self: incarnation, Logger: log,
	})
	engCfg.Nodes = view.SystemNodes
	// The swarm works on the store itself: task objects must not pass
	// through the cell cache.
	sw, err := newSwarmWiring(cfg.Swarm, store, view, cfg.Node.Name, incarnation, ln.Addr().String(), budgets, log)
	if err != nil {
		log.Error("refusing to serve: fix the environment", "err", err)
		return exitUsage
	}
	sw.configureEngine(&engCfg)
	eng, err := exec.NewEngine(ctx, engStore, engCfg)
	if err != nil {
		log.Error("cannot start the engine", "storage", store.URL(), "err", err)
		return exitFailure
	}
	defer eng.Close()
	// Deferred after Close, so it runs first: fragments end before the
	// engine does.
	defer sw.start(ctx, eng)()
	ops.engineStarted(eng, budgets)
	var cached swarm.CacheSummarizer
	if cellCache != nil {
		// The heartbeat tells the swarm what this node holds locally, for
		// cache-aware task assignment.
		cached = cacheSummary{cellCache}
	}
	heartbeats := swarm.NewWriter(swarm.WriterConfig{
		Store: store, Node: cfg.Node.Name, Address: ln.Addr().String(), Incarnation: incarnation,
		Interval: cfg.Swarm.HeartbeatInterval, Load: engineLoad(eng, budgets), Cache: cached, Logger: log,
		CoordinatorOnly: !cfg.Swarm.Worker,
	})

	// Started with the signal's context, the writer marks the node as
	// leaving as soon as shutdown begins, so no new work comes to it while
	// its queries drain; the deferred Stop waits for that write.
	membership := swarm.StartBackground(ctx, heartbeats, view)
	defer membership.Stop()
	sessions.SessionFactory = server.EngineSessions(eng)
	if d := cfg.Server.StatementTimeout; d > 0 {
		// PostgreSQL counts statement_timeout in whole milliseconds;
		// rounding up keeps a sub-millisecond timeout from meaning none.
		ms := int64(math.Ceil(float64(d) / float64(time.Millisecond)))
		sessions.SessionFactory = sessionDefaults{sessions.SessionFactory, map[string]string{"statement_timeout": strconv.FormatInt(ms, 10)}}
	}

	httpAddr, httpDone := "off", func() {}
	if cfg.Server.HTTP != "" {
		hln, err := net.Listen("tcp", cfg.Server.HTTP)
		switch {
		case err == nil:
			httpAddr = hln.Addr().String()
			httpDone = serveHTTP(hln, ops.handler(store), log)
		case cfg.Origin("server.http").Source == config.FromDefault:
			// Several nodes on one machine (tests, a swarm tried out
			// locally) all want the default port; only the one who asked
			// for it explicitly must have it.
			log.Warn("metrics and health endpoints off: the default --http address is taken; choose one with --http",
				"http", cfg.Server.HTTP, "err", err)
		default:
			log.Error(listenAdvice(err, "--http"), "http", cfg.Server.HTTP, "err", err)
			return exitFailure
		}
	}

	log.Info("apiary node ready", "version", version, "node", cfg.Node.Name, "addr", ln.Addr().String(),
		"http", httpAddr, "storage", store.URL(), "startup", time.Since(start).Round(time.Millisecond).String())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
		ops.beginShutdown()
		log.Info("shutting down: no new connections; running queries may finish", "grace", cfg.Server.ShutdownGrace.String())
		serveErr = <-served
	case serveErr = <-served:
	}
	httpDone()
	if serveErr != nil && !errors.Is(serveErr, context.Canceled) {
		log.Error("server stopped", "err", serveErr)
		return exitFailure
	}
	log.Info("apiary node stopped")
	return exitOK
}

// engineLoad is what the node's heartbeats say about its capacity and
// how busy it is.
func engineLoad(eng *exec.Engine, b hardware.Budgets) swarm.LoadFunc {
	return func() swarm.Load {
		r := eng.Colony().Reading()
		return swarm.Load{Bees: b.Bees, BeeMemory: b.BeeMemory, MemoryInUse: eng.MemoryInUse(), Temperature: r.Temperature, Band: string(r.Band)}
	}
}

// openCellCache returns the store the engine reads through: store behind
// the local cell cache when node.cache_size allows one, otherwise store.
// Writes and ledgers pass through the cache untouched; only cell reads are
// served from disk. Below it, the instrumented store counts only the
// requests that reach storage. A cache that cannot open is logged and
// skipped: the node works without it. The cache, nil when off, is what
// the heartbeat summarises (its Summary and Keys accept nil); the caller
// releases its directory at the end, and closes store itself.
func openCellCache(ctx context.Context, node config.Node, store objstore.Store, ops *opsWiring, log *slog.Logger) (objstore.Store, *cellcache.Cache) {
	if node.CacheSize <= 0 {
		log.Info("cell cache off", "cache_size", node.CacheSize)
		return store, nil
	}
	cache, err := cellcache.Open(ctx, store, cellcache.Config{Dir: node.CacheDir, MaxBytes: node.CacheSize, Logger: log})
	if err != nil {
		log.Warn("cell cache off: cannot open the cache directory (give each node its own --cache-dir)", "cache_dir", node.CacheDir, "err", err)
		return store, nil
	}
	ops.m.SetCellCache(func() metrics.CellCacheTotals {
		s := cache.Stats()
		return metrics.CellCacheTotals{Hits: s.Hits, Misses: s.Misses, Fetches: s.Fetches, FetchedBytes: s.FetchedBytes,
			Evictions: s.Evictions, Cells: int64(s.Cells), Bytes: s.Bytes, MaxBytes: s.MaxBytes}
	})
	count, bytes := cache.Summary()
	log.Info("cell cache", "cache_dir", node.CacheDir, "max_bytes", node.CacheSize, "cells", count, "bytes", bytes)
	return cache, cache
}

// serveHTTP serves h on ln in the background. The function it returns
// stops the server, letting requests in flight finish for a moment.
func serveHTTP(ln net.Listener, h http.Handler, log *slog.Logger) func() {
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), httpShutdownTimeout)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
		<-done
	}
}

// listenAdvice says what to do about a failed listen.
func listenAdvice(err error, flagName string) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "cannot listen: another process uses the address (another node, or a PostgreSQL server?); stop it or choose another address with " + flagName
	case errors.Is(err, syscall.EACCES):
		return "cannot listen: ports below 1024 need privileges; choose a higher port with " + flagName
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "cannot listen: this machine has no such address; check the host part of " + flagName
	}
	return "cannot listen"
}

// storageWithCredentials returns the storage URL with configured S3
// credentials in its user info, where the S3 backend looks first. The
// standard AWS_* variables are left for the backend to read itself, with
// AWS_SESSION_TOKEN.
func storageWithCredentials(s config.Storage) string {
	if s.AccessKey == "" || s.AccessKeyFromAWS {
		return s.URL
	}
	u, err := url.Parse(s.URL)
	if err != nil || u.Scheme != "s3" || u.User != nil {
		return s.URL
	}
	u.User = url.UserPassword(s.AccessKey, s.SecretKey)
	return u.String()
}

func redact(storageURL string) string {
	if u, err := url.Parse(storageURL); err == nil {
		return u.Redacted()
	}
	return storageURL
}

// engineSessions is the server's session factory, set once the engine is
// open and before Serve starts: the server is built earlier, to check the
// configuration before storage is touched.
type engineSessions struct{ server.SessionFactory }

// sessionDefaults gives every session settings that the client's startup
// packet can override: the node's statement_timeout, as PostgreSQL's
// postgresql.conf does.
type sessionDefaults struct {
	server.SessionFactory
	params map[string]string
}

func (f sessionDefaults) NewSession(ctx context.Context, info server.StartupInfo) (server.Session, error) {
	params := maps.Clone(info.Params)
	if params == nil {
		params = map[string]string{}
	}
	for k, v := range f.params {
		if _, set := params[k]; !set {
			params[k] = v
		}
	}
	info.Params = params
	return f.SessionFactory.NewSession(ctx, info)
}

// newLogger returns the node's logger: text or JSON on w, from the level
// configured.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.Level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// logHardware writes the one line that says what the node found and how
// it will use it.
func logHardware(log *slog.Logger, hw hardware.Info, b hardware.Budgets, rt runtimeSettings) {
	disk := "unknown"
	if hw.DiskFree >= 0 {
		disk = hardware.FormatBytes(hw.DiskFree)
	}
	log.Info("hardware", "arch", hw.Arch, "cores", hw.Cores, "cpus", hw.NumCPU, "cpu_quota", hw.CPUQuota,
		"memory", hardware.FormatBytes(hw.Memory), "cgroup", hw.Cgroup, "cache_disk_free", disk,
		"bees", b.Bees, "bee_memory", hardware.FormatBytes(b.BeeMemory), "cell_size", hardware.FormatBytes(b.TargetCellBytes),
		"gomemlimit", hardware.FormatBytes(rt.memLimit), "gogc", rt.gcPercent)
	for _, w := range b.Warnings {
		log.Warn(w)
	}
	for _, p := range hw.Problems {
		log.Warn("hardware: " + p)
	}
}

// cacheSummary reports the cell cache in heartbeats.
type cacheSummary struct{ c *cellcache.Cache }

func (s cacheSummary) CacheSummary() swarm.CacheSummary {
	n, b := s.c.Summary()
	return swarm.CacheSummary{Cells: int64(n), Bytes: b, Generation: s.c.Generation()}
}

func (s cacheSummary) CacheKeys() []string { return s.c.Keys() }
