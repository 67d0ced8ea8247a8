package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"

	"github.com/apiarydb/apiary/sqlerr"
)

// loadTLS builds the TLS configuration of cfg; nil means TLS is off.
func loadTLS(cfg Config) (*tls.Config, error) {
	switch {
	case cfg.TLSConfig != nil:
		tc := cfg.TLSConfig.Clone()
		if tc.MinVersion < tls.VersionTLS12 {
			tc.MinVersion = tls.VersionTLS12
		}
		return tc, nil
	case cfg.TLSCertFile == "" && cfg.TLSKeyFile == "":
		return nil, nil
	case cfg.TLSCertFile == "" || cfg.TLSKeyFile == "":
		return nil, errors.New("server: TLS needs both a certificate (--tls-cert) and its private key (--tls-key)")
	}
	cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
	if err != nil {
		return nil, fmt.Errorf("server: load TLS certificate %s and key %s: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// startTLS answers an SSLRequest with 'S' and runs the TLS handshake; the
// startup packets that follow arrive over TLS. The startup deadline set on
// the socket bounds the handshake too.
func (c *conn) startTLS(ctx context.Context) error {
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return &writeError{err}
	}
	tc := tls.Server(c.nc, c.srv.tls)
	if err := tc.HandshakeContext(ctx); err != nil {
		return fmt.Errorf("server: TLS handshake: %w", err)
	}
	c.nc = tc
	return nil
}

// usesTLS reports whether the connection negotiated TLS.
func (c *conn) usesTLS() bool {
	_, ok := c.nc.(*tls.Conn)
	return ok
}

// checkTransport enforces RequireTLS for a client about to start a session.
func (c *conn) checkTransport(info StartupInfo) error {
	if !c.srv.cfg.RequireTLS || c.usesTLS() || c.srv.isLocal(c.nc.RemoteAddr()) {
		return nil
	}
	host := c.nc.RemoteAddr().String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return sqlerr.New(sqlerr.InvalidAuthorization, "connection without TLS refused for host \"%s\", user \"%s\", database \"%s\"",
		host, info.User, info.Database).
		WithHint("This server requires TLS from non-local clients: connect with sslmode=require or stronger.")
}

// isLoopback reports whether addr is a loopback address (or a Unix socket):
// where trust authentication is the default and TLS is never required.
func isLoopback(addr net.Addr) bool {
	switch a := addr.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	case nil:
		return false
	}
	host, _, err := net.SplitHostPort(addr.String())
	if err != nil {
		host = addr.String()
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
