package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/apiarydb/apiary/server"
)

// serverFlags registers the wire server's authentication, TLS and limit
// flags on fs (docs/security.md). The function it returns copies their
// values into a server.Config once fs is parsed.
func serverFlags(fs *flag.FlagSet) func(cfg *server.Config) error {
	auth := fs.String("auth", "", "client authentication: trust, password or scram-sha-256; empty means trust, allowed only when --listen is a loopback address")
	var users []string
	fs.Func("user", "a user, as name:password or name:SCRAM-SHA-256$<verifier> (repeatable; see also --users-file)", func(v string) error {
		users = append(users, v)
		return nil
	})
	usersFile := fs.String("users-file", "", "file of users, one name:password or name:SCRAM-SHA-256$<verifier> per line")
	tlsCert := fs.String("tls-cert", "", "PEM certificate chain; with --tls-key, clients may connect with TLS")
	tlsKey := fs.String("tls-key", "", "PEM private key of --tls-cert")
	requireTLS := fs.Bool("require-tls", false, "refuse clients from non-loopback addresses that do not use TLS")
	maxConns := fs.Int("max-connections", 0, "most concurrent sessions; 0 means 100")
	maxMessage := fs.Int("max-message-size", 0, "largest client message in bytes; 0 means 64 MiB")
	idle := fs.Duration("idle-timeout", 0, "close sessions idle this long outside a transaction block; 0 means never")
	idleInTx := fs.Duration("idle-in-transaction-timeout", 0, "close sessions idle this long inside a transaction block; 0 means never")
	startup := fs.Duration("startup-timeout", 0, "time a client has to connect and authenticate; 0 means 1m")
	return func(cfg *server.Config) error {
		method, err := server.ParseAuthMethod(*auth)
		if err != nil {
			return err
		}
		cfg.AuthMethod = method
		cfg.Users = map[string]string{}
		if *usersFile != "" {
			if cfg.Users, err = server.ReadUsersFile(*usersFile); err != nil {
				return err
			}
		}
		for _, entry := range users {
			name, secret, err := server.ParseUser(entry)
			if err != nil {
				return err
			}
			if _, dup := cfg.Users[name]; dup {
				return fmt.Errorf("user %q given twice", name)
			}
			cfg.Users[name] = secret
		}
		if len(cfg.Users) > 0 && (method == "" || method == server.AuthTrust) {
			return errors.New("users are configured but --auth is not password or scram-sha-256: they would be ignored")
		}
		cfg.TLSCertFile, cfg.TLSKeyFile, cfg.RequireTLS = *tlsCert, *tlsKey, *requireTLS
		cfg.MaxConnections, cfg.MaxMessageSize = *maxConns, *maxMessage
		cfg.IdleTimeout, cfg.IdleInTransactionTimeout, cfg.StartupTimeout = *idle, *idleInTx, *startup
		return nil
	}
}

// scramVerifier prints a SCRAM-SHA-256 verifier for the password on the
// first line of stdin, for a users file that holds no plaintext.
func scramVerifier(stdin io.Reader, stdout, stderr io.Writer) int {
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "apiary: read password: %v\n", err)
		return 1
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		fmt.Fprintln(stderr, "apiary: scram-verifier reads a password from the first line of stdin")
		return 2
	}
	v, err := server.SCRAMVerifier(password)
	if err != nil {
		fmt.Fprintf(stderr, "apiary: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, v)
	return 0
}
