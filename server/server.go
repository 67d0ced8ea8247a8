package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. Zero values pick the documented defaults.
type Config struct {
	// ListenAddr is the TCP address ListenAndServe listens on, e.g.
	// "127.0.0.1:5432".
	ListenAddr string
	// MaxConnections caps concurrent client sessions; further clients get
	// FATAL 53300 "sorry, too many clients already". 0 means 100.
	MaxConnections int
	// MaxMessageSize caps the body of one client message in bytes; a larger
	// message ends that connection with FATAL 08P01. 0 means 64 MiB.
	MaxMessageSize int
	// IdleTimeout closes a connection that has waited this long for its
	// next message (FATAL 57P05, like idle_session_timeout). 0 means never.
	IdleTimeout time.Duration
	// ShutdownGrace is how long queries running when shutdown starts may
	// continue before their contexts are cancelled. 0 means 10 seconds.
	ShutdownGrace time.Duration
	// NodeID (0..511) goes into the top bits of every backend PID so that a
	// CancelRequest arriving at another node can be routed here later.
	NodeID uint16
	// Logger receives connection-level events; nil means slog.Default().
	Logger *slog.Logger
	// Version is Apiary's version, shown in server_version as
	// "15.8 (Apiary <Version>)".
	Version string
	// Auth checks clients; nil means Trust.
	Auth Authenticator
}

// PGVersion is the PostgreSQL version Apiary reports. Clients choose their
// catalog queries by it (psql, pgJDBC) or refuse to connect without one.
const PGVersion = "15.8"

const (
	defaultMaxConnections = 100
	defaultMaxMessageSize = 64 << 20
	defaultShutdownGrace  = 10 * time.Second
	pidSeqBits            = 22
)

// Server accepts PostgreSQL clients and runs their queries in sessions from
// a SessionFactory.
type Server struct {
	cfg     Config
	factory SessionFactory
	log     *slog.Logger

	nextSeq atomic.Uint32
	active  atomic.Int32 // authenticated sessions, for MaxConnections

	mu       sync.Mutex
	conns    map[uint32]*conn // by PID; guarded by mu
	draining bool             // guarded by mu
	wg       sync.WaitGroup   // one per connection goroutine
}

// New returns a server that starts sessions with factory.
func New(cfg Config, factory SessionFactory) *Server {
	if cfg.MaxConnections <= 0 {
		cfg.MaxConnections = defaultMaxConnections
	}
	if cfg.MaxMessageSize <= 0 {
		cfg.MaxMessageSize = defaultMaxMessageSize
	}
	if cfg.ShutdownGrace <= 0 {
		cfg.ShutdownGrace = defaultShutdownGrace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Auth == nil {
		cfg.Auth = Trust{}
	}
	cfg.NodeID &= 1<<(31-pidSeqBits) - 1
	return &Server{cfg: cfg, factory: factory, log: cfg.Logger, conns: make(map[uint32]*conn)}
}

// ListenAndServe listens on cfg.ListenAddr and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("server: listen on %s: %w", s.cfg.ListenAddr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: it stops accepting, closes idle connections, lets running
// queries finish within ShutdownGrace, cancels the rest and waits for every
// connection to end. It closes ln. The error is nil after a shutdown
// through ctx.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	// Connections outlive ctx for the grace period, so they get a context of
	// their own that shutdown cancels last.
	connCtx, cancelConns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelConns()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	var acceptErr error
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() == nil {
				acceptErr = fmt.Errorf("server: accept: %w", err)
				ln.Close()
			}
			break
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.serveConn(connCtx, nc)
		}()
	}
	s.shutdown(cancelConns)
	return acceptErr
}

// shutdown closes idle connections at once, running queries after the grace
// period, and waits for all connection goroutines.
func (s *Server) shutdown(cancelConns context.CancelFunc) {
	s.mu.Lock()
	s.draining = true
	conns := make([]*conn, 0, len(s.conns))
	for _, c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.beginShutdown()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	timer := time.NewTimer(s.cfg.ShutdownGrace)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C:
	}
	s.log.Warn("server: cancelling queries still running after the shutdown grace period", "grace", s.cfg.ShutdownGrace)
	cancelConns()
	s.mu.Lock()
	for _, c := range s.conns {
		c.cancelQuery()
	}
	s.mu.Unlock()
	// A client that stops reading would block a write forever; closing the
	// sockets after a second chance unblocks those goroutines.
	select {
	case <-done:
		return
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	for _, c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	<-done
}

// register assigns c a fresh PID and adds it to the cancel registry. It
// fails when the server is draining.
func (s *Server) register(c *conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return errShuttingDown
	}
	// Skip PIDs still in use after the sequence wraps; the loop ends because
	// there are far fewer connections than sequence numbers.
	for {
		seq := s.nextSeq.Add(1) & (1<<pidSeqBits - 1)
		if seq == 0 {
			continue // PID 0 makes pgJDBC skip cancellation
		}
		pid := uint32(s.cfg.NodeID)<<pidSeqBits | seq
		if _, used := s.conns[pid]; !used {
			c.pid = pid
			s.conns[pid] = c
			return nil
		}
	}
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	if s.conns[c.pid] == c {
		delete(s.conns, c.pid)
	}
	s.mu.Unlock()
}

var errShuttingDown = errors.New("server is shutting down")

// cancel handles a CancelRequest: it cancels the running query of the
// connection with that PID if the secret matches. Like PostgreSQL it says
// nothing either way, so a wrong guess teaches an attacker nothing.
func (s *Server) cancel(pid uint32, secret []byte) {
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret[:], secret) != 1 {
		s.log.Debug("server: cancel request for unknown backend", "pid", pid)
		return
	}
	c.cancelQuery()
}
