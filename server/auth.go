package server

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/apiarydb/apiary/sqlerr"
)

// Authenticator checks a client's identity between its StartupMessage and
// AuthenticationOk. An error ends the connection with a FATAL
// ErrorResponse: its sqlerr code if it has one, 28P01 otherwise. The
// Authenticator must not send AuthenticationOk itself; the server does that
// when it returns nil.
//
// The built-in ones are Trust and those NewAuthenticator makes for
// AuthPassword (AuthenticationCleartextPassword then PasswordMessage) and
// AuthSCRAM (AuthenticationSASL, SASLInitialResponse, SASLContinue,
// SASLResponse, SASLFinal). Each Sends a request and Receives the reply with
// the matching auth type.
type Authenticator interface {
	Authenticate(ctx context.Context, x AuthExchange, info StartupInfo) error
}

// AuthExchange is the part of a connection an Authenticator may use.
type AuthExchange interface {
	// Send writes one message to the client and flushes it.
	Send(msg pgproto3.BackendMessage) error
	// Receive reads the client's next message. authType is the
	// pgproto3.AuthType* constant of the request just sent: it tells
	// pgproto3 which message a 'p' is (PasswordMessage, SASLInitialResponse
	// or SASLResponse).
	Receive(authType uint32) (pgproto3.FrontendMessage, error)
}

// Trust accepts every client, as PostgreSQL's trust method does.
type Trust struct{}

// Authenticate implements Authenticator.
func (Trust) Authenticate(context.Context, AuthExchange, StartupInfo) error { return nil }

// AuthMethod names how clients prove who they are, with pg_hba.conf's words.
type AuthMethod string

// The authentication methods. The zero value means AuthTrust while the
// server listens on loopback only, and is refused otherwise (see Config).
const (
	AuthTrust    AuthMethod = "trust"
	AuthPassword AuthMethod = "password"      // cleartext password; use it over TLS only
	AuthSCRAM    AuthMethod = "scram-sha-256" // what libpq, pgJDBC and pgx prefer
)

// ParseAuthMethod reads a method name as pg_hba.conf spells it.
func ParseAuthMethod(s string) (AuthMethod, error) {
	switch m := AuthMethod(strings.ToLower(strings.TrimSpace(s))); m {
	case AuthTrust, AuthPassword, AuthSCRAM:
		return m, nil
	case "":
		return "", nil
	}
	return "", fmt.Errorf("server: unknown authentication method %q (want trust, password or scram-sha-256)", s)
}

// NewAuthenticator returns the Authenticator for method over users, which
// maps each user name to its password or to a SCRAM-SHA-256 verifier in
// PostgreSQL's format ("SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>",
// what pg_authid.rolpassword holds; see SCRAMVerifier). As in PostgreSQL, a
// value of that shape is always read as a verifier. Either method accepts
// either kind of entry.
func NewAuthenticator(method AuthMethod, users map[string]string) (Authenticator, error) {
	switch method {
	case AuthTrust, "":
		return Trust{}, nil
	case AuthPassword, AuthSCRAM:
	default:
		return nil, fmt.Errorf("server: unknown authentication method %q", method)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("server: authentication method %s needs at least one user (--user name:password or --users-file)", method)
	}
	store, err := newUserStore(users)
	if err != nil {
		return nil, err
	}
	if method == AuthPassword {
		return &passwordAuth{users: store}, nil
	}
	return &scramAuth{users: store}, nil
}

// passwordAuth is PostgreSQL's "password" method: the client sends its
// password in clear text.
type passwordAuth struct{ users *userStore }

// Authenticate implements Authenticator.
func (a *passwordAuth) Authenticate(_ context.Context, x AuthExchange, info StartupInfo) error {
	if err := x.Send(&pgproto3.AuthenticationCleartextPassword{}); err != nil {
		return err
	}
	msg, err := x.Receive(pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return unexpectedAuthResponse("password", msg)
	}
	if err := a.users.checkPassword(info.User, pm.Password); err != nil {
		return authFailed(info.User, err)
	}
	return nil
}

// authFailed is the one answer to every failed attempt, whatever the reason,
// so that a client cannot tell a wrong password from an unknown user. The
// reason stays in the chain for the server's log.
func authFailed(user string, reason error) error {
	return sqlerr.Wrap(reason, sqlerr.InvalidPassword, "password authentication failed for user \"%s\"", user)
}

// unexpectedAuthResponse reports a message other than the one an
// authentication request asked for, in PostgreSQL's words.
func unexpectedAuthResponse(want string, msg pgproto3.FrontendMessage) error {
	return sqlerr.New(sqlerr.ProtocolViolation, "expected %s response, got message type %d", want, frontendMessageType(msg))
}

// frontendMessageType returns the type byte msg was sent with.
func frontendMessageType(msg pgproto3.FrontendMessage) byte {
	b, err := msg.Encode(nil)
	if err != nil || len(b) == 0 {
		return 0
	}
	return b[0]
}

// ParseUser reads a "name:password" or "name:SCRAM-SHA-256$..." entry, the
// form of the --user flag and of each line of a users file.
func ParseUser(entry string) (name, secret string, err error) {
	name, secret, ok := strings.Cut(entry, ":")
	if !ok || name == "" || secret == "" {
		return "", "", fmt.Errorf("server: user entry %q is not name:password or name:SCRAM-SHA-256$verifier", redactEntry(entry))
	}
	return name, secret, nil
}

// redactEntry keeps a malformed entry's user name for the error message and
// hides what might be a password.
func redactEntry(entry string) string {
	if name, _, ok := strings.Cut(entry, ":"); ok {
		return name + ":…"
	}
	if len(entry) > 3 {
		return entry[:3] + "…"
	}
	return entry
}

// ReadUsersFile reads users from a file of "name:password" or
// "name:SCRAM-SHA-256$..." lines; blank lines and lines starting with # are
// skipped. A user named twice is an error rather than a silent override.
func ReadUsersFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("server: users file: %w", err)
	}
	defer f.Close()
	users := make(map[string]string)
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		name, secret, err := ParseUser(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if _, dup := users[name]; dup {
			return nil, fmt.Errorf("server: %s:%d: user %q listed twice", path, line, name)
		}
		users[name] = secret
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("server: read users file %s: %w", path, err)
	}
	return users, nil
}
