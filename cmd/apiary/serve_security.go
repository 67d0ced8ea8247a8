package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/apiarydb/apiary/internal/config"
	"github.com/apiarydb/apiary/server"
)

// serverConfig copies the wire server's authentication, TLS and limit
// settings out of the node's configuration (docs/security.md), reading the
// users file. Its errors are configuration errors.
func serverConfig(cfg *config.Config) (server.Config, error) {
	var sc server.Config
	method, err := server.ParseAuthMethod(cfg.Auth.Method)
	if err != nil {
		return sc, err
	}
	sc.AuthMethod = method
	sc.Users = map[string]string{}
	if cfg.Auth.UsersFile != "" {
		if sc.Users, err = server.ReadUsersFile(cfg.Auth.UsersFile); err != nil {
			return sc, fmt.Errorf("auth.users_file (%s): %w", cfg.Origin("auth.users_file"), err)
		}
	}
	for _, entry := range cfg.Auth.Users {
		name, secret, err := server.ParseUser(entry)
		if err != nil {
			return sc, err
		}
		if _, dup := sc.Users[name]; dup {
			return sc, fmt.Errorf("auth.users (%s): user %q given twice", cfg.Origin("auth.users"), name)
		}
		sc.Users[name] = secret
	}
	sc.TLSCertFile, sc.TLSKeyFile, sc.RequireTLS = cfg.TLS.Cert, cfg.TLS.Key, cfg.TLS.Require
	// MaxMessageSize is at most 1 GiB (the key's bound), so it fits an int
	// on 32-bit ARM too.
	sc.MaxConnections, sc.MaxMessageSize = cfg.Server.MaxConnections, int(cfg.Server.MaxMessageSize)
	sc.IdleTimeout, sc.IdleInTransactionTimeout = cfg.Server.IdleTimeout, cfg.Server.IdleInTransactionTimeout
	sc.StartupTimeout, sc.ShutdownGrace = cfg.Server.StartupTimeout, cfg.Server.ShutdownGrace
	return sc, nil
}

// scramVerifier prints a SCRAM-SHA-256 verifier for the password on the
// first line of stdin, for a users file that holds no plaintext.
func scramVerifier(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newCommand("scram-verifier", "scram-verifier < password", `
Reads a password from the first line of standard input and prints its
SCRAM-SHA-256 verifier, for a --user entry (name:SCRAM-SHA-256$...) or a
line of a --users-file, so that no plaintext password is stored:

  printf '%s\n' 'open sesame' | apiary scram-verifier`)
	if code, ok := cmd.parse(args, 0, stdout, stderr); !ok {
		return code
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(stderr, "apiary: read password: %v\n", err)
		return 1
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		fmt.Fprintln(stderr, "apiary: scram-verifier reads a password from the first line of stdin")
		return exitUsage
	}
	v, err := server.SCRAMVerifier(password)
	if err != nil {
		fmt.Fprintf(stderr, "apiary: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, v)
	return 0
}
