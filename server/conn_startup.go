package server

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/sqlerr"
)

// Codes of the first packet (PostgreSQL's pqcomm.h).
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
	// maxStartupPacket is PostgreSQL's MAX_STARTUP_PACKET_LENGTH.
	maxStartupPacket = 10000
	// protocol30 is the only protocol version served, in the form of a
	// StartupMessage's version code.
	protocol30 = 3 << 16
)

// reportedParams are the parameters PostgreSQL 15 reports with
// ParameterStatus (GUC_REPORT), in the order it sends them.
var reportedParams = []string{
	"application_name", "client_encoding", "DateStyle", "default_transaction_read_only", "in_hot_standby",
	"integer_datetimes", "IntervalStyle", "is_superuser", "server_encoding", "server_version",
	"session_authorization", "standard_conforming_strings", "TimeZone",
}

// startup runs the handshake: SSLRequest (TLS when configured, else 'N'),
// GSSENCRequest refusal, CancelRequest, the StartupMessage, protocol
// negotiation, authentication and the initial ParameterStatus,
// BackendKeyData and ReadyForQuery. ok is false when the connection ends
// without a session (a cancel request, a fatal error already reported).
func (c *conn) startup(ctx context.Context) (ok bool, err error) {
	_ = c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	sslSeen, gssSeen := false, false
	for {
		code, body, err := c.readStartupPacket()
		if err != nil {
			return false, err
		}
		switch {
		case code == sslRequestCode && !sslSeen:
			sslSeen = true
			if c.srv.tls != nil {
				if err := c.startTLS(ctx); err != nil {
					return false, err
				}
				continue
			}
			// 'N' makes sslmode=prefer clients continue in plain text on
			// the same socket.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, &writeError{err}
			}
		case code == gssEncRequestCode && !gssSeen:
			gssSeen = true
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				return false, &writeError{err}
			}
		case code == cancelRequestCode:
			if len(body) >= 8 {
				c.srv.cancel(binary.BigEndian.Uint32(body[:4]), body[4:])
			}
			return false, nil
		default:
			ok, err := c.startSession(ctx, code, body)
			_ = c.nc.SetDeadline(time.Time{})
			return ok, err
		}
	}
}

// readStartupPacket reads a length-prefixed packet without a type byte. It
// reads exactly the packet so that pgproto3's buffered reader, created
// afterwards, starts at the next message.
func (c *conn) readStartupPacket() (code uint32, body []byte, err error) {
	var hdr [8]byte
	if _, err := io.ReadFull(c.nc, hdr[:4]); err != nil {
		return 0, nil, fmt.Errorf("server: read startup packet: %w", err)
	}
	n := int(int32(binary.BigEndian.Uint32(hdr[:4])))
	if n < 8 || n > maxStartupPacket {
		return 0, nil, c.fatal(sqlerr.New(sqlerr.ProtocolViolation, "invalid length of startup packet"))
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(c.nc, buf); err != nil {
		return 0, nil, fmt.Errorf("server: read startup packet: %w", err)
	}
	return binary.BigEndian.Uint32(buf[:4]), buf[4:], nil
}

// startSession handles a StartupMessage with protocol version code.
func (c *conn) startSession(ctx context.Context, code uint32, body []byte) (bool, error) {
	major, minor := code>>16, code&0xffff
	if major != 3 {
		msg := fmt.Sprintf("unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor)
		if major < 3 {
			// The client reads errors in its own protocol's format, as
			// PostgreSQL assumes too: version 2's is 'E' and a
			// NUL-terminated text.
			_, _ = c.nc.Write(append([]byte("EFATAL:  "+msg+"\n"), 0))
			return false, fmt.Errorf("server: %s", msg)
		}
		return false, c.fatal(sqlerr.New(sqlerr.FeatureNotSupported, "%s", msg))
	}
	raw, err := parseStartupParams(body)
	if err != nil {
		return false, c.fatal(err)
	}
	info, unknownOpts, err := c.startupInfo(raw)
	if err != nil {
		return false, c.fatal(err)
	}
	c.info = info
	c.log = c.log.With("user", info.User, "database", info.Database)
	c.be = pgproto3.NewBackend(c.nc, c.nc)
	// pgproto3 allocates a message's buffer before reading it: until the
	// client has authenticated it may claim no more than a password needs.
	c.be.SetMaxBodyLen(maxAuthMessage)

	// A newer minor version (3.2, libpq's "grease" 3.9999) or _pq_ options
	// must be answered with the version and options this server speaks, or
	// such clients give up. The version goes as a whole version code, as
	// PostgreSQL sends it and libpq reads it; pgx takes only its low half.
	if minor > 0 || len(unknownOpts) > 0 {
		if err := c.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: protocol30, UnrecognizedOptions: unknownOpts}); err != nil {
			return false, err
		}
	}
	if err := c.checkTransport(info); err != nil {
		return false, c.fatal(err)
	}
	if err := c.authenticate(ctx, info); err != nil {
		return false, err
	}
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)

	if n := c.srv.active.Add(1); int(n) > c.srv.cfg.MaxConnections {
		c.srv.active.Add(-1)
		return false, c.fatal(sqlerr.New(sqlerr.TooManyConnections, "sorry, too many clients already"))
	}
	if err := c.srv.register(c); err != nil {
		c.srv.active.Add(-1)
		return false, c.fatal(sqlerr.New(sqlerr.Code("57P03"), "the database system is shutting down"))
	}
	release := func() { c.srv.unregister(c); c.srv.active.Add(-1) }
	if err := c.newSecret(); err != nil {
		release()
		return false, c.fatal(sqlerr.Wrap(err, sqlerr.InternalError, "generate cancel key: %v", err))
	}
	c.log = c.log.With("pid", c.pid)

	params, err := c.initialParams(info)
	if err != nil {
		release()
		return false, c.fatal(err)
	}
	sess, err := c.newSession(ctx, info)
	if err != nil {
		release()
		if sqlerr.CodeOf(err) == sqlerr.InternalError {
			c.log.Error("server: cannot start session", "err", err)
		}
		return false, c.fatal(err)
	}
	c.sess = sess

	if err := c.send(&pgproto3.AuthenticationOk{}); err != nil {
		release()
		c.closeSession()
		return false, err
	}
	c.params = params
	c.refreshParams(true)
	if err := c.send(&pgproto3.BackendKeyData{ProcessID: c.pid, SecretKey: c.secret[:]}); err != nil {
		release()
		c.closeSession()
		return false, err
	}
	if err := c.readyForQuery(); err != nil {
		release()
		c.closeSession()
		return false, err
	}
	c.log.Debug("server: session started", "application_name", info.ApplicationName)
	return true, nil
}

// authenticate runs the Authenticator and reports a failure to the client
// as FATAL, and to the log with its reason, which the client is not told.
func (c *conn) authenticate(ctx context.Context, info StartupInfo) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic in Authenticate", "panic", r, "stack", string(debug.Stack()))
			err = authFailed(info.User, fmt.Errorf("panic: %v", r))
		}
		if err == nil {
			return
		}
		var we *writeError
		if errors.As(err, &we) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			// psql hangs up when asked for a password it does not have,
			// then asks the user and connects again: not worth a line.
			return
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			// The startup deadline covers writes too; the client gets a
			// moment to hear why it is dropped.
			_ = c.nc.SetWriteDeadline(time.Now().Add(time.Second))
			err = sqlerr.Wrap(err, sqlerr.QueryCanceled, "canceling authentication due to timeout")
		case sqlerr.CodeOf(err) == sqlerr.InternalError:
			err = authFailed(info.User, err)
		}
		c.log.Info("server: authentication failed", "err", err, "reason", errors.Unwrap(err))
		err = c.fatal(err)
	}()
	return c.srv.auth.Authenticate(ctx, authExchange{c}, info)
}

// newSecret draws the cancel key. Zero is skipped: some clients take a zero
// key for "no key".
func (c *conn) newSecret() error {
	for c.secret == [4]byte{} {
		if _, err := rand.Read(c.secret[:]); err != nil {
			return err
		}
	}
	return nil
}

// newSession calls the factory, turning a panic into an error.
func (c *conn) newSession(ctx context.Context, info StartupInfo) (sess Session, err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic in NewSession", "panic", r)
			err = sqlerr.New(sqlerr.InternalError, "internal error: %v", r)
		}
	}()
	sess, err = c.srv.factory.NewSession(ctx, info)
	if err == nil && sess == nil {
		err = sqlerr.New(sqlerr.InternalError, "internal error: no session")
	}
	if p, ok := sess.(PIDSetter); ok && err == nil {
		p.SetBackendPID(int32(c.pid))
	}
	if t, ok := sess.(Terminator); ok && err == nil {
		t.SetTerminate(c.terminate)
	}
	return sess, err
}

// parseStartupParams reads the name/value pairs of a StartupMessage.
func parseStartupParams(body []byte) (map[string]string, error) {
	params := make(map[string]string)
	for len(body) > 0 && body[0] != 0 {
		name, rest, ok := cutNul(body)
		if !ok {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "invalid startup packet layout: expected terminator as last byte")
		}
		value, rest, ok := cutNul(rest)
		if !ok {
			return nil, sqlerr.New(sqlerr.ProtocolViolation, "invalid startup packet layout: expected terminator as last byte")
		}
		params[string(name)] = string(value)
		body = rest
	}
	return params, nil
}

func cutNul(b []byte) (before, after []byte, ok bool) {
	for i, x := range b {
		if x == 0 {
			return b[:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// startupInfo validates the startup parameters. It returns the _pq_
// protocol options, none of which this server knows.
func (c *conn) startupInfo(raw map[string]string) (StartupInfo, []string, error) {
	info := StartupInfo{Params: make(map[string]string), RemoteAddr: c.nc.RemoteAddr()}
	var pqOpts []string
	for k, v := range raw {
		switch {
		case k == "user":
			info.User = v
		case k == "database":
			info.Database = v
		case strings.HasPrefix(k, "_pq_."):
			pqOpts = append(pqOpts, k)
		case k == "options":
			if err := parseOptions(v, info.Params); err != nil {
				return info, nil, err
			}
		case k == "replication":
			if v != "false" && v != "0" && v != "off" && v != "no" {
				return info, nil, sqlerr.New(sqlerr.FeatureNotSupported, "replication connections are not supported")
			}
		default:
			info.Params[strings.ToLower(k)] = v
		}
	}
	sort.Strings(pqOpts)
	if info.User == "" {
		return info, nil, sqlerr.New(sqlerr.InvalidAuthorization, "no PostgreSQL user name specified in startup packet")
	}
	if info.Database == "" {
		info.Database = info.User
	}
	info.ApplicationName = info.Params["application_name"]
	return info, pqOpts, nil
}

// parseOptions reads the command-line style "options" parameter: "-c
// name=value" and "--name=value", separated by spaces, with backslash
// escaping a space.
func parseOptions(s string, into map[string]string) error {
	var words []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case ch == ' ' || ch == '\t':
			if cur.Len() > 0 {
				words = append(words, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteByte(ch)
		}
	}
	if cur.Len() > 0 {
		words = append(words, cur.String())
	}
	for i := 0; i < len(words); i++ {
		w := words[i]
		var setting string
		switch {
		case w == "-c" && i+1 < len(words):
			i++
			setting = words[i]
		case strings.HasPrefix(w, "-c"):
			setting = w[2:]
		case strings.HasPrefix(w, "--"):
			setting = w[2:]
		default:
			return sqlerr.New(sqlerr.InvalidParameterValue, "invalid command-line argument for server process: %s", w).
				WithHint("Use -c name=value or --name=value.")
		}
		name, value, ok := strings.Cut(setting, "=")
		if !ok {
			return sqlerr.New(sqlerr.InvalidParameterValue, "-c %s requires a value", setting)
		}
		into[strings.ToLower(strings.ReplaceAll(name, "-", "_"))] = value
	}
	return nil
}

// initialParams computes the ParameterStatus values sent at startup and
// sets the session time zone.
func (c *conn) initialParams(info StartupInfo) (map[string]string, error) {
	version := PGVersion + " (Apiary)"
	if c.srv.cfg.Version != "" {
		version = PGVersion + " (Apiary " + c.srv.cfg.Version + ")"
	}
	p := map[string]string{
		"application_name":              info.ApplicationName,
		"client_encoding":               "UTF8",
		"DateStyle":                     "ISO, MDY",
		"default_transaction_read_only": "off",
		"in_hot_standby":                "off",
		"integer_datetimes":             "on",
		"IntervalStyle":                 "postgres",
		"is_superuser":                  "on",
		"server_encoding":               "UTF8",
		"server_version":                version,
		"session_authorization":         info.User,
		"standard_conforming_strings":   "on",
		"TimeZone":                      "UTC",
	}
	if enc, ok := info.Params["client_encoding"]; ok {
		// Only UTF8 is spoken; "auto" and SQL_ASCII (psql in a C locale)
		// are read as UTF8, which they are a subset of.
		switch strings.ToUpper(strings.ReplaceAll(enc, "-", "")) {
		case "UTF8", "UNICODE", "AUTO", "SQL_ASCII", "SQLASCII":
		default:
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"client_encoding\": \"%s\"", enc).
				WithDetail("Apiary supports only UTF8.")
		}
	}
	if ds, ok := info.Params["datestyle"]; ok && !strings.HasPrefix(strings.ToUpper(strings.TrimSpace(ds)), "ISO") {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"DateStyle\": \"%s\"", ds).
			WithDetail("Apiary supports only DateStyle ISO.")
	}
	if tz, ok := info.Params["timezone"]; ok && tz != "" {
		loc, err := loadZone(tz)
		if err != nil {
			return nil, sqlerr.New(sqlerr.InvalidParameterValue, "invalid value for parameter \"TimeZone\": \"%s\"", tz)
		}
		c.loc = loc
		p["TimeZone"] = tz
	}
	return p, nil
}

// loadZone resolves a TimeZone setting: an IANA name, or UTC spelled any
// common way.
func loadZone(tz string) (*time.Location, error) {
	switch strings.ToUpper(tz) {
	case "UTC", "GMT", "Z", "ZULU", "UCT", "ETC/UTC":
		return time.UTC, nil
	}
	if tz == "Local" || tz == "" {
		return nil, fmt.Errorf("server: time zone %q not allowed", tz)
	}
	return time.LoadLocation(tz)
}

// refreshParams sends ParameterStatus for reported parameters whose value
// the session changed; all of them when initial.
func (c *conn) refreshParams(initial bool) {
	pr, _ := c.sess.(ParameterReporter)
	for _, name := range reportedParams {
		v := c.params[name]
		if pr != nil {
			if sv, ok := c.sessionParam(pr, name); ok {
				v = sv
			}
		}
		if !initial && v == c.params[name] {
			continue
		}
		if name == "TimeZone" && v != c.params[name] {
			if loc, err := loadZone(v); err == nil {
				c.loc = loc
			}
		}
		c.params[name] = v
		_ = c.send(&pgproto3.ParameterStatus{Name: name, Value: v})
	}
}

func (c *conn) sessionParam(pr ParameterReporter, name string) (v string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("server: panic in Parameter", "panic", r)
			ok = false
		}
	}()
	return pr.Parameter(name)
}

// authExchange gives an Authenticator the connection's message stream.
type authExchange struct{ c *conn }

func (a authExchange) Send(msg pgproto3.BackendMessage) error {
	if err := a.c.send(msg); err != nil {
		return err
	}
	return a.c.flush()
}

func (a authExchange) Receive(authType uint32) (pgproto3.FrontendMessage, error) {
	if err := a.c.be.SetAuthType(authType); err != nil {
		return nil, fmt.Errorf("server: auth type: %w", err)
	}
	msg, err := a.c.be.Receive()
	var tooLong *pgproto3.ExceededMaxBodyLenErr
	switch {
	case errors.As(err, &tooLong):
		return nil, sqlerr.New(sqlerr.ProtocolViolation, "invalid message length").
			WithDetail("The message is %d bytes; the limit before authentication is %d.", tooLong.ActualBodyLen, tooLong.MaxExpectedBodyLen)
	case err != nil:
		return nil, fmt.Errorf("server: read authentication response: %w", err)
	}
	return msg, nil
}
