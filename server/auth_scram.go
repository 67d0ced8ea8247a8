package server

import (
	"context"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/xdg-go/scram"
	"github.com/xdg-go/stringprep"

	"github.com/apiarydb/apiary/sqlerr"
)

// SCRAM-SHA-256 (RFC 5802, RFC 7677) as PostgreSQL speaks it: the user name
// comes from the StartupMessage and the one in the client-first-message is
// ignored; no channel binding is offered (no SCRAM-SHA-256-PLUS), so
// clients send the gs2 flag "n" or, over TLS, "y". The exchange itself is
// github.com/xdg-go/scram's server conversation, fed stored credentials.

const (
	scramMechanism = "SCRAM-SHA-256"
	verifierPrefix = scramMechanism + "$"
	// DefaultSCRAMIterations is the PBKDF2 iteration count of the verifiers
	// Apiary makes, PostgreSQL's scram_iterations default.
	DefaultSCRAMIterations = 4096
	scramSaltLen           = 16 // PostgreSQL's SCRAM_DEFAULT_SALT_LEN
	scramKeyLen            = sha256.Size
)

// Reasons an attempt failed, for the server's log only: the client is told
// authFailed's one message whatever the reason.
var (
	errUnknownUser   = errors.New("no such user")
	errWrongPassword = errors.New("password does not match")
)

// userStore holds each user's SCRAM-SHA-256 credentials: those of its
// verifier, or derived from its password once at start-up with a random
// salt. Both methods check against them, so plaintext passwords are not
// kept. Immutable after newUserStore.
type userStore struct {
	creds map[string]scram.StoredCredentials
	// mockKey derives the salt and keys presented for unknown users. It is
	// a hash of every user's secret keys, so it is stable while the users
	// are (an unknown user's salt does not change from one attempt to the
	// next, as a real user's does not) and cannot be guessed from outside.
	mockKey []byte
}

func newUserStore(users map[string]string) (*userStore, error) {
	s := &userStore{creds: make(map[string]scram.StoredCredentials, len(users))}
	names := make([]string, 0, len(users))
	for name := range users {
		names = append(names, name)
	}
	slices.Sort(names)
	mock := sha256.New()
	mock.Write([]byte("apiary scram mock key\x00"))
	for _, name := range names {
		secret := users[name]
		var cred scram.StoredCredentials
		var err error
		if strings.HasPrefix(secret, verifierPrefix) {
			cred, err = parseVerifier(secret)
		} else {
			cred, err = newCredentials(secret)
		}
		if err != nil {
			return nil, fmt.Errorf("server: user %q: %w", name, err)
		}
		s.creds[name] = cred
		mock.Write([]byte(name + "\x00"))
		mock.Write(cred.StoredKey)
		mock.Write(cred.ServerKey)
	}
	s.mockKey = mock.Sum(nil)
	return s, nil
}

// credentials returns user's credentials; for an unknown user, stable fake
// ones that no password matches, with known false.
func (s *userStore) credentials(user string) (cred scram.StoredCredentials, known bool) {
	if cred, ok := s.creds[user]; ok {
		return cred, true
	}
	derive := func(label string) []byte {
		mac := hmac.New(sha256.New, s.mockKey)
		mac.Write([]byte(label + "\x00" + user))
		return mac.Sum(nil)
	}
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(derive("salt")[:scramSaltLen]), Iters: DefaultSCRAMIterations},
		StoredKey:  derive("stored key"),
		ServerKey:  derive("server key"),
	}, false
}

// checkPassword checks a cleartext password against user's credentials.
// Every path derives one key, so the time taken does not tell unknown users
// from known ones.
func (s *userStore) checkPassword(user, password string) error {
	cred, known := s.credentials(user)
	got, err := deriveCredentials(password, []byte(cred.Salt), cred.Iters)
	switch {
	case err != nil:
		return err
	case !known:
		return errUnknownUser
	case !hmac.Equal(got.StoredKey, cred.StoredKey) || !hmac.Equal(got.ServerKey, cred.ServerKey):
		return errWrongPassword
	}
	return nil
}

// scramAuth is PostgreSQL's scram-sha-256 method.
type scramAuth struct{ users *userStore }

// Authenticate implements Authenticator.
func (a *scramAuth) Authenticate(_ context.Context, x AuthExchange, info StartupInfo) error {
	if err := x.Send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}}); err != nil {
		return err
	}
	msg, err := x.Receive(pgproto3.AuthTypeSASL)
	if err != nil {
		return err
	}
	initial, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return unexpectedAuthResponse("SASL", msg)
	}
	if initial.AuthMechanism != scramMechanism {
		return sqlerr.New(sqlerr.ProtocolViolation, "client selected an invalid SASL authentication mechanism")
	}
	// An unknown user goes through the whole exchange with fake
	// credentials and fails only at the proof, like a wrong password.
	cred, known := a.users.credentials(info.User)
	srv, err := scram.SHA256.NewServer(func(string) (scram.StoredCredentials, error) { return cred, nil })
	if err != nil {
		return fmt.Errorf("server: scram: %w", err)
	}
	conv := srv.NewConversation()
	serverFirst, err := conv.Step(string(initial.Data))
	if err != nil {
		return malformedSCRAM(err)
	}
	if conv.AuthzID() != "" {
		return sqlerr.New(sqlerr.FeatureNotSupported, "client uses authorization identity, but it is not supported")
	}
	if err := x.Send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)}); err != nil {
		return err
	}
	msg, err = x.Receive(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return err
	}
	final, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return unexpectedAuthResponse("SASL", msg)
	}
	serverFinal, err := conv.Step(string(final.Data))
	switch {
	case err != nil && serverFinal != scram.ErrInvalidProof:
		return malformedSCRAM(err)
	case !known:
		return authFailed(info.User, errUnknownUser)
	case err != nil || !conv.Valid():
		return authFailed(info.User, errWrongPassword)
	}
	return x.Send(&pgproto3.AuthenticationSASLFinal{Data: []byte(serverFinal)})
}

func malformedSCRAM(err error) error {
	return sqlerr.Wrap(err, sqlerr.ProtocolViolation, "malformed SCRAM message").WithDetail("%v", err)
}

// SCRAMVerifier returns a SCRAM-SHA-256 verifier for password in
// PostgreSQL's format, with a random salt and DefaultSCRAMIterations: what
// Config.Users and the users file accept instead of the password.
func SCRAMVerifier(password string) (string, error) {
	cred, err := newCredentials(password)
	if err != nil {
		return "", err
	}
	return formatVerifier(cred), nil
}

// newCredentials derives credentials for password with a fresh salt.
func newCredentials(password string) (scram.StoredCredentials, error) {
	salt := make([]byte, scramSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("generate salt: %w", err)
	}
	return deriveCredentials(password, salt, DefaultSCRAMIterations)
}

// deriveCredentials computes RFC 5802's StoredKey and ServerKey.
func deriveCredentials(password string, salt []byte, iters int) (scram.StoredCredentials, error) {
	salted, err := pbkdf2.Key(sha256.New, saslPrep(password), salt, iters, scramKeyLen)
	if err != nil {
		return scram.StoredCredentials{}, fmt.Errorf("derive SCRAM key: %w", err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	storedKey := sha256.Sum256(clientKey)
	return scram.StoredCredentials{
		KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: iters},
		StoredKey:  storedKey[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}, nil
}

// saslPrep normalises a password as libpq and PostgreSQL do before hashing
// it: SASLprep when the password is valid for it, the raw bytes otherwise
// (PostgreSQL's pg_saslprep falls back the same way).
func saslPrep(password string) string {
	if prepped, err := stringprep.SASLprep.Prepare(password); err == nil && prepped != "" {
		return prepped
	}
	return password
}

func hmacSHA256(key []byte, msg string) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(msg))
	return mac.Sum(nil)
}

// formatVerifier writes PostgreSQL's
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>.
func formatVerifier(cred scram.StoredCredentials) string {
	b64 := base64.StdEncoding.EncodeToString
	return fmt.Sprintf("%s%d:%s$%s:%s", verifierPrefix, cred.Iters, b64([]byte(cred.Salt)), b64(cred.StoredKey), b64(cred.ServerKey))
}

// parseVerifier reads formatVerifier's format.
func parseVerifier(v string) (scram.StoredCredentials, error) {
	bad := func(why string) (scram.StoredCredentials, error) {
		return scram.StoredCredentials{}, fmt.Errorf("malformed SCRAM-SHA-256 verifier (%s); the form is SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>", why)
	}
	rest, _ := strings.CutPrefix(v, verifierPrefix)
	params, keys, ok := strings.Cut(rest, "$")
	if !ok {
		return bad("no $ before the keys")
	}
	iterText, saltText, ok := strings.Cut(params, ":")
	if !ok {
		return bad("no : between iterations and salt")
	}
	storedText, serverText, ok := strings.Cut(keys, ":")
	if !ok {
		return bad("no : between StoredKey and ServerKey")
	}
	iters, err := strconv.Atoi(iterText)
	if err != nil || iters < 1 {
		return bad("iterations must be a positive integer")
	}
	salt, err := base64.StdEncoding.DecodeString(saltText)
	if err != nil || len(salt) == 0 {
		return bad("salt is not base64")
	}
	storedKey, err := base64.StdEncoding.DecodeString(storedText)
	if err != nil || len(storedKey) != scramKeyLen {
		return bad("StoredKey is not 32 bytes of base64")
	}
	serverKey, err := base64.StdEncoding.DecodeString(serverText)
	if err != nil || len(serverKey) != scramKeyLen {
		return bad("ServerKey is not 32 bytes of base64")
	}
	return scram.StoredCredentials{KeyFactors: scram.KeyFactors{Salt: string(salt), Iters: iters}, StoredKey: storedKey, ServerKey: serverKey}, nil
}
