package server

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apiarydb/apiary/sqlerr"
)

// Config configures a Server. Zero values pick the documented defaults;
// docs/security.md describes authentication, TLS and the limits for
// operators.
type Config struct {
	// ListenAddr is the TCP address ListenAndServe listens on, e.g.
	// "127.0.0.1:5432".
	ListenAddr string
	// MaxConnections caps concurrent client sessions; further clients get
	// FATAL 53300 "sorry, too many clients already" once they have
	// authenticated. Sockets still in their handshake count too, up to
	// twice MaxConnections in all: beyond that a new socket is refused with
	// 53300 before the server reads anything from it. 0 means 100.
	MaxConnections int
	// MaxMessageSize caps the body of one client message in bytes; a larger
	// message ends that connection with FATAL 08P01. pgproto3 allocates a
	// message's buffer before reading it, so this is also the memory one
	// connection may claim at once. During authentication the cap is
	// maxAuthMessage (64 KiB) whatever this says, so that clients which
	// have not logged in cannot claim more. 0 means 64 MiB.
	MaxMessageSize int
	// IdleTimeout closes a connection that has waited this long for its
	// next message outside a transaction block (FATAL 57P05, like
	// idle_session_timeout). 0 means never.
	IdleTimeout time.Duration
	// IdleInTransactionTimeout closes a connection that has waited this long
	// for its next message inside a transaction block (FATAL 25P03, like
	// idle_in_transaction_session_timeout). 0 means never.
	IdleInTransactionTimeout time.Duration
	// StartupTimeout bounds the handshake, from the first byte to the first
	// ReadyForQuery, TLS and authentication included (PostgreSQL's
	// authentication_timeout). 0 means one minute.
	StartupTimeout time.Duration
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

	// Auth checks clients. nil means the Authenticator NewAuthenticator
	// builds from AuthMethod and Users.
	Auth Authenticator
	// AuthMethod is how clients authenticate when Auth is nil. The zero
	// value means AuthTrust, but only while the server listens on a
	// loopback address: Serve refuses any other address until a method is
	// chosen, AuthTrust included, which must then be asked for by name.
	AuthMethod AuthMethod
	// Users maps each user name to a password or a SCRAM-SHA-256 verifier,
	// for AuthPassword and AuthSCRAM (see NewAuthenticator).
	Users map[string]string

	// TLSCertFile and TLSKeyFile name PEM files with the server's
	// certificate chain and private key. With both set, an SSLRequest is
	// answered 'S' and the connection continues over TLS 1.2 or newer;
	// without them it is answered 'N'. The files are read once, by New.
	TLSCertFile, TLSKeyFile string
	// TLSConfig, when set, is used instead of the files, with MinVersion
	// raised to TLS 1.2 if lower.
	TLSConfig *tls.Config
	// RequireTLS refuses clients from non-loopback addresses that did not
	// negotiate TLS, with FATAL 28000, as hostssl lines in pg_hba.conf do.
	// CancelRequests are exempt, as in PostgreSQL. It needs TLS configured.
	RequireTLS bool

	// ConnObserver, when set, is told how each client connection starts
	// and ends (for metrics).
	ConnObserver ConnObserver
}

// ConnObserver is told how client connections start and end. Its methods
// are called from connection goroutines, concurrently, and must not block.
type ConnObserver interface {
	// ConnectionStarted reports the outcome of a socket's start: ConnOK
	// when a session started (ConnectionEnded follows when it ends), or
	// why none did.
	ConnectionStarted(outcome string)
	// ConnectionEnded reports the end of a session reported as ConnOK.
	ConnectionEnded()
}

// Outcomes of a connection's start, as ConnObserver receives them.
const (
	ConnOK            = "ok"             // a session started
	ConnRefused       = "refused"        // too many connections, or shutting down
	ConnAuthFailed    = "auth_failed"    // authentication or authorization failed
	ConnCancelRequest = "cancel_request" // the socket carried a CancelRequest
	ConnError         = "error"          // anything else: protocol error, TLS failure, hang-up
)

// PGVersion is the PostgreSQL version Apiary reports. Clients choose their
// catalog queries by it (psql, pgJDBC) or refuse to connect without one.
const PGVersion = "15.8"

const (
	defaultMaxConnections = 100
	defaultMaxMessageSize = 64 << 20
	defaultShutdownGrace  = 10 * time.Second
	// defaultStartupTimeout is PostgreSQL's authentication_timeout.
	defaultStartupTimeout = time.Minute
	// maxAuthMessage is PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: the largest
	// password or SASL message read before a client has authenticated.
	maxAuthMessage = 65535
	pidSeqBits     = 22
	// cancelSlots and cancelPenalty bound guessing of cancel keys: a
	// CancelRequest that matches no session holds one of cancelSlots for
	// cancelPenalty, and requests arriving while all are held are dropped
	// unread. That allows at most 16 wrong guesses a second, against 2^32
	// possible keys per session.
	cancelSlots   = 16
	cancelPenalty = time.Second
)

// Server accepts PostgreSQL clients and runs their queries in sessions from
// a SessionFactory.
type Server struct {
	cfg     Config
	factory SessionFactory
	log     *slog.Logger
	// auth, tls and setupErr are fixed by New. setupErr is a configuration
	// error (an unreadable certificate, a malformed verifier) that Serve
	// reports instead of serving.
	auth     Authenticator
	tls      *tls.Config // nil when TLS is off
	setupErr error
	// isLocal decides whether a client address counts as loopback for
	// RequireTLS; tests replace it to pose as remote clients.
	isLocal func(net.Addr) bool

	nextSeq atomic.Uint32
	active  atomic.Int32 // authenticated sessions, for MaxConnections
	open    atomic.Int32 // sockets being served, handshakes included

	cancelSlots   chan struct{} // held by failed cancel requests
	cancelPenalty time.Duration

	mu       sync.Mutex
	conns    map[uint32]*conn // by PID; guarded by mu
	draining bool             // guarded by mu
	wg       sync.WaitGroup   // one per connection goroutine
}

// New returns a server that starts sessions with factory. A configuration
// error is not returned here but by CheckListener and Serve.
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
	if cfg.StartupTimeout <= 0 {
		cfg.StartupTimeout = defaultStartupTimeout
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cfg.NodeID &= 1<<(31-pidSeqBits) - 1
	s := &Server{
		cfg: cfg, factory: factory, log: cfg.Logger, conns: make(map[uint32]*conn),
		isLocal: isLoopback, cancelSlots: make(chan struct{}, cancelSlots), cancelPenalty: cancelPenalty,
	}
	s.auth = cfg.Auth
	if s.auth == nil {
		s.auth, s.setupErr = NewAuthenticator(cfg.AuthMethod, cfg.Users)
	}
	if s.setupErr == nil {
		s.tls, s.setupErr = loadTLS(cfg)
	}
	if s.setupErr == nil && cfg.RequireTLS && s.tls == nil {
		s.setupErr = errors.New("server: RequireTLS (--require-tls) needs a certificate and key (--tls-cert, --tls-key)")
	}
	return s
}

// CheckListener reports whether Serve would refuse to serve on a listener at
// addr: a configuration error from New, or trust authentication by default
// on an address other than loopback.
func (s *Server) CheckListener(addr net.Addr) error {
	if s.setupErr != nil {
		return s.setupErr
	}
	if s.cfg.Auth == nil && s.cfg.AuthMethod == "" && !isLoopback(addr) {
		return fmt.Errorf("server: refusing to listen on %s without authentication: choose a method with "+
			"--auth scram-sha-256 (or password) and users from --user name:password or --users-file "+
			"(server.Config AuthMethod and Users), or --auth trust to let anyone connect as any user", addr)
	}
	return nil
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
// through ctx; it is CheckListener's when the configuration is refused.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	if err := s.CheckListener(ln.Addr()); err != nil {
		ln.Close()
		return err
	}
	if s.cfg.AuthMethod == AuthTrust && s.cfg.Auth == nil && !isLoopback(ln.Addr()) {
		s.log.Warn("server: trust authentication on a non-loopback address: anyone who can reach it connects as any user", "addr", ln.Addr().String())
	}
	// Connections outlive ctx for the grace period, so they get a context of
	// their own that shutdown cancels last.
	connCtx, cancelConns := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelConns()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()

	maxOpen := int32(2 * s.cfg.MaxConnections)
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
		// Counted here, in accept order, so that the sockets refused are
		// the newest ones.
		overLimit := s.open.Add(1) > maxOpen
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer s.open.Add(-1)
			if overLimit {
				s.refuse(nc)
				s.observeStart(false, errRefused)
				return
			}
			s.serveConn(connCtx, nc)
		}()
	}
	s.shutdown(cancelConns)
	return acceptErr
}

// refuse answers a socket beyond the connection limit without reading from
// it. libpq and pgx read an ErrorResponse in place of the answer to an
// SSLRequest or StartupMessage, which is what PostgreSQL sends when it
// cannot start a backend.
func (s *Server) refuse(nc net.Conn) {
	defer nc.Close()
	msg, err := errorResponse(sqlerr.New(sqlerr.TooManyConnections, "sorry, too many clients already"), "FATAL").Encode(nil)
	if err != nil {
		return
	}
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = nc.Write(msg)
	s.log.Debug("server: connection refused: too many open sockets", "remote", nc.RemoteAddr().String())
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
	// A client that stops reading blocks a write forever. After a second
	// chance, a deadline in the past fails every pending and later read and
	// write on the socket. That also reaches a TLS connection's socket,
	// where Close could itself wait to send close_notify.
	select {
	case <-done:
		return
	case <-time.After(time.Second):
	}
	s.mu.Lock()
	for _, c := range s.conns {
		_ = c.nc.SetDeadline(time.Now())
	}
	s.mu.Unlock()
	<-done
}

// register assigns c a fresh PID and adds it to the cancel registry. It
// fails when the server is draining. c.nc must not change afterwards:
// shutdown reads it.
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

// errRefused stands for a socket refused before its start was read.
var errRefused = sqlerr.New(sqlerr.TooManyConnections, "sorry, too many clients already")

// observeStart tells the ConnObserver how a connection's start ended, from
// startup's results: a session (ok), a cancel request (neither ok nor an
// error), or the error that ended it. It returns the function that reports
// the session's end, to be deferred.
func (s *Server) observeStart(ok bool, err error) (ended func()) {
	obs := s.cfg.ConnObserver
	if obs == nil {
		return func() {}
	}
	outcome := ConnError
	switch {
	case ok:
		obs.ConnectionStarted(ConnOK)
		return obs.ConnectionEnded
	case err == nil:
		outcome = ConnCancelRequest
	default:
		switch sqlerr.CodeOf(err) {
		case sqlerr.TooManyConnections, sqlerr.Code("57P03"):
			outcome = ConnRefused
		case sqlerr.InvalidPassword, sqlerr.InvalidAuthorization:
			outcome = ConnAuthFailed
		}
	}
	obs.ConnectionStarted(outcome)
	return func() {}
}

// cancel handles a CancelRequest: it cancels the running query of the
// connection with that PID if the secret matches. Like PostgreSQL it says
// nothing either way, so a wrong guess teaches an attacker nothing; and a
// wrong guess holds a cancel slot for cancelPenalty, so guesses cannot come
// fast. While every slot is held, requests are dropped, right ones too.
func (s *Server) cancel(pid uint32, secret []byte) {
	select {
	case s.cancelSlots <- struct{}{}:
	default:
		s.log.Debug("server: cancel request dropped: too many failed cancel requests", "pid", pid)
		return
	}
	s.mu.Lock()
	c := s.conns[pid]
	s.mu.Unlock()
	if c == nil || subtle.ConstantTimeCompare(c.secret[:], secret) != 1 {
		s.log.Debug("server: cancel request matches no session", "pid", pid)
		time.AfterFunc(s.cancelPenalty, func() { <-s.cancelSlots })
		return
	}
	<-s.cancelSlots
	c.cancelQuery()
}

// idleDeadline is when the connection, about to wait for its next message,
// times out: IdleInTransactionTimeout inside a transaction block,
// IdleTimeout outside, zero for never.
func (c *conn) idleDeadline() time.Time {
	d := c.srv.cfg.IdleTimeout
	if c.inTransaction() {
		d = c.srv.cfg.IdleInTransactionTimeout
	}
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// idleTimeoutError is what a connection whose idleDeadline passed is told,
// in PostgreSQL 15's words.
func (c *conn) idleTimeoutError() error {
	if c.inTransaction() {
		return sqlerr.New(sqlerr.Code("25P03"), "terminating connection due to idle-in-transaction timeout")
	}
	return sqlerr.New(sqlerr.Code("57P05"), "terminating connection due to idle-session timeout")
}

func (c *conn) inTransaction() bool {
	return c.sess != nil && c.txStatus() != 'I'
}
