package server

import (
	"context"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Authenticator checks a client's identity between its StartupMessage and
// AuthenticationOk. An error ends the connection with a FATAL
// ErrorResponse: its sqlerr code if it has one, 28P01 otherwise. The
// Authenticator must not send AuthenticationOk itself; the server does that
// when it returns nil.
//
// Trust is the only one built in. Cleartext (AuthenticationCleartextPassword
// then PasswordMessage) and SCRAM-SHA-256 (AuthenticationSASL,
// SASLInitialResponse, SASLContinue, SASLResponse, SASLFinal) fit the same
// shape: Send a request, Receive the reply with the matching auth type.
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
