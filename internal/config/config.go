package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"
)

// Config is a node's resolved configuration. Load fills every field; the
// zero values documented below are the ones the layers may set, not gaps.
type Config struct {
	Node    Node
	Storage Storage
	Server  Server
	Auth    Auth
	TLS     TLS
	Bees    Bees
	Colony  Colony
	Swarm   Swarm
	Log     Log

	// File is the configuration file that was read; "" when none was.
	File string
	// Warnings are problems that do not stop the node (an APIARY_*
	// variable that looks like a misspelt key); the caller logs them.
	Warnings []string

	origins map[string]Origin
}

// Node identifies the node and its local disk.
type Node struct {
	// Name names the node in commits, logs and (later) the swarm's world
	// view. Defaults to the host name.
	Name string
	// CacheDir is the local directory for cached cells; the hardware
	// report shows its free space.
	CacheDir string
	// CacheSize bounds the local cell cache in bytes; -1 (auto) means
	// cellcache.AutoMaxBytes of the cache directory's free disk, 0 no cache.
	CacheSize int64
}

// Storage says where the data lives.
type Storage struct {
	// URL is the objstore URL: file://, s3:// or mem://.
	URL string
	// AccessKey and SecretKey are S3 credentials; both or neither.
	AccessKey, SecretKey string
	// AccessKeyFromAWS is true when the credentials came from the AWS_*
	// variables that the S3 backend reads by itself (AWS_SESSION_TOKEN
	// included), so they need not be passed on.
	AccessKeyFromAWS bool
	// CheckpointInterval is the number of commits between ledger
	// checkpoints; -1 means never (txn.Options.CheckpointInterval).
	CheckpointInterval int
}

// Server configures the PostgreSQL and HTTP listeners.
type Server struct {
	// Listen is the PostgreSQL wire protocol's host:port.
	Listen string
	// HTTP is the host:port of /metrics, /healthz and /readyz; "" is off.
	HTTP string
	// MaxConnections caps concurrent sessions; 0 means the server's default.
	MaxConnections int
	// MaxMessageSize caps one client message, in bytes; 0 means the
	// server's default.
	MaxMessageSize int64
	// StatementTimeout is every session's initial statement_timeout; 0 is none.
	StatementTimeout time.Duration
	// IdleTimeout and IdleInTransactionTimeout close idle sessions; 0 is never.
	IdleTimeout, IdleInTransactionTimeout time.Duration
	// StartupTimeout bounds a client's handshake.
	StartupTimeout time.Duration
	// ShutdownGrace is how long running queries may continue after a
	// shutdown starts before they are cancelled.
	ShutdownGrace time.Duration
}

// Auth configures client authentication (docs/security.md).
type Auth struct {
	// Method is "", "trust", "password" or "scram-sha-256"; "" is trust on
	// loopback only.
	Method string
	// Users holds name:password or name:SCRAM-SHA-256$... entries.
	Users []string
	// UsersFile names a file of such entries.
	UsersFile string
}

// TLS configures the server's certificate.
type TLS struct {
	Cert, Key string
	// Require refuses non-loopback clients that do not use TLS.
	Require bool
}

// Bees overrides the budgets derived from the hardware.
type Bees struct {
	// Count is the number of workers per query; 0 means one per usable core.
	Count int
	// Memory is one bee's budget in bytes; 0 means derived from memory.
	Memory int64
	// SpillDir is where queries spill: "" is the system temporary
	// directory, "off" disables spilling.
	SpillDir string
}

// Colony configures the temperature sampler and admission control
// (exec.Config's ColonySampleInterval and Admission* fields).
type Colony struct {
	// SampleInterval is how often the temperature is sampled.
	SampleInterval time.Duration
	// Admission turns admission control on; off, statements run whatever
	// the temperature.
	Admission bool
	// AdmissionQueue is how many statements may wait while the node is
	// hot; -1 means none: a hot node refuses at once.
	AdmissionQueue int
	// AdmissionTimeout is how long a statement waits before it is
	// refused with 53300.
	AdmissionTimeout time.Duration
}

// Swarm holds the membership timings and the task settings the swarm
// reads.
type Swarm struct {
	// HeartbeatInterval is how often a node rewrites its heartbeat.
	HeartbeatInterval time.Duration
	// SuspectAfter and DeadAfter are how long a heartbeat may stand still
	// before its node counts as suspect, then dead.
	SuspectAfter, DeadAfter time.Duration
	// DistributeMinBytes is the automatic distribution threshold: the
	// bytes a query's largest frame scan must reach (exec.Config's
	// DistributeMinBytes).
	DistributeMinBytes int64
	// PollInterval is how often coordinators and workers list the task
	// objects.
	PollInterval time.Duration
	// TaskTimeout is one attempt's deadline.
	TaskTimeout time.Duration
	// MaxAttempts bounds the attempts per task.
	MaxAttempts int
	// WorkerTasks is how many fragments the worker runs at once; 0 means
	// auto.
	WorkerTasks int
	// Worker is whether this node runs fragments for the swarm; false
	// makes it a coordinator only, which other nodes never give tasks.
	Worker bool
}

// Log configures the node's slog handler.
type Log struct {
	// Format is "text" or "json".
	Format string
	Level  slog.Level
}

// Source is a configuration layer, in increasing precedence.
type Source uint8

const (
	FromDefault Source = iota
	FromFile
	FromEnv
	FromFlag
)

func (s Source) String() string {
	switch s {
	case FromFile:
		return "file"
	case FromEnv:
		return "env"
	case FromFlag:
		return "flag"
	}
	return "default"
}

// Origin is where one key's effective value came from.
type Origin struct {
	Source Source
	// Name is the file's path, the environment variable or the flag
	// ("--listen") that set the value; "" for a default.
	Name string
}

func (o Origin) String() string {
	if o.Source == FromDefault {
		return "default"
	}
	return o.Source.String() + " " + o.Name
}

// Origin returns where key's value came from. key is the TOML name, e.g.
// "server.listen"; an unknown key reports the default.
func (c *Config) Origin(key string) Origin { return c.origins[key] }

// Error is one invalid value.
type Error struct {
	// Key is the TOML name of the key; "" for an error about the file
	// itself (unreadable, not TOML).
	Key    string
	Origin Origin
	Err    error
}

func (e *Error) Error() string {
	switch {
	case e.Key == "":
		return e.Origin.String() + ": " + e.Err.Error()
	case e.Origin.Source == FromDefault:
		return e.Key + ": " + e.Err.Error()
	}
	return fmt.Sprintf("%s (%s): %v", e.Key, e.Origin, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Input is what Load reads besides the file.
type Input struct {
	// Flags holds the parsed command-line flags; nil means none.
	Flags *Flags
	// Env is the environment as KEY=value entries; nil means os.Environ().
	Env []string
	// Hostname is node.name's default; "" means os.Hostname().
	Hostname string
}

// ConfigEnv names the configuration file when --config is not given.
const ConfigEnv = "APIARY_CONFIG"

// Load resolves the configuration: defaults, then the file named by
// --config or APIARY_CONFIG, then the environment, then the flags. The
// error joins one *Error per bad value; with it, the returned Config is nil.
func Load(in Input) (*Config, error) {
	if in.Env == nil {
		in.Env = os.Environ()
	}
	environ := map[string]string{}
	for _, kv := range in.Env {
		if name, v, ok := strings.Cut(kv, "="); ok {
			environ[name] = v
		}
	}
	if in.Hostname == "" {
		in.Hostname, _ = os.Hostname()
	}
	c := &Config{origins: map[string]Origin{}}
	var errs []error
	set := func(k *key, o Origin, raw rawValue) {
		if err := k.assign(c, raw); err != nil {
			errs = append(errs, &Error{Key: k.name, Origin: o, Err: err})
			return
		}
		c.origins[k.name] = o
	}

	for _, k := range keys {
		def := k.def
		if k.name == "node.name" {
			def = in.Hostname
		}
		set(k, Origin{}, rawValue{scalar: def, list: k.defList})
	}

	path, pathOrigin := "", Origin{}
	if v := environ[ConfigEnv]; v != "" {
		path, pathOrigin = v, Origin{FromEnv, ConfigEnv}
	}
	if in.Flags != nil && in.Flags.configSet {
		path, pathOrigin = in.Flags.config, Origin{FromFlag, "--config"}
	}
	if path != "" {
		c.File = path
		values, fileErrs := readFile(path)
		for _, err := range fileErrs {
			if _, ok := err.(*Error); !ok {
				err = &Error{Origin: pathOrigin, Err: err}
			}
			errs = append(errs, err)
		}
		for _, fv := range values {
			set(fv.key, Origin{FromFile, path}, fv.raw)
		}
	}

	for _, k := range keys {
		for _, name := range k.env {
			if v, ok := environ[name]; ok {
				set(k, Origin{FromEnv, name}, envValue(k, v))
				break
			}
		}
	}
	c.Warnings = append(c.Warnings, envTypos(environ)...)

	if in.Flags != nil {
		for _, k := range keys {
			if fv := in.Flags.values[k.name]; fv != nil && fv.set {
				set(k, Origin{FromFlag, "--" + k.flag}, rawValue{scalar: fv.last(), list: fv.all, isList: k.kind == kindList})
			}
		}
	}

	// The S3 backend reads these two variables (and AWS_SESSION_TOKEN) by
	// itself; credentials from anywhere else must be handed to it.
	c.Storage.AccessKeyFromAWS = c.origins["storage.access_key"] == Origin{FromEnv, awsAccessKeyID} &&
		c.origins["storage.secret_key"] == Origin{FromEnv, awsSecretAccessKey}
	if len(errs) == 0 {
		errs = append(errs, c.crossCheck()...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// envValue turns an environment variable into a raw value; a list key
// takes one entry per line.
func envValue(k *key, v string) rawValue {
	if k.kind != kindList {
		return rawValue{scalar: v}
	}
	var entries []string
	for _, line := range strings.Split(v, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			entries = append(entries, line)
		}
	}
	return rawValue{list: entries, isList: true}
}

// crossCheck validates combinations that no single key can.
func (c *Config) crossCheck() []error {
	var errs []error
	fail := func(k, format string, args ...any) {
		errs = append(errs, &Error{Key: k, Origin: c.origins[k], Err: fmt.Errorf(format, args...)})
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		if c.TLS.Cert == "" {
			fail("tls.key", "tls.key (--tls-key) needs tls.cert (--tls-cert), the certificate it belongs to")
		} else {
			fail("tls.cert", "tls.cert (--tls-cert) needs tls.key (--tls-key), its private key")
		}
	}
	if c.TLS.Require && c.TLS.Cert == "" {
		fail("tls.require", "requiring TLS needs a certificate and key: set tls.cert and tls.key (--tls-cert, --tls-key)")
	}
	if (c.Storage.AccessKey == "") != (c.Storage.SecretKey == "") {
		if c.Storage.AccessKey == "" {
			fail("storage.secret_key", "a secret key without an access key: set storage.access_key (APIARY_S3_ACCESS_KEY or AWS_ACCESS_KEY_ID) too")
		} else {
			fail("storage.access_key", "an access key without a secret key: set storage.secret_key (APIARY_S3_SECRET_KEY or AWS_SECRET_ACCESS_KEY) too")
		}
	}
	if c.Storage.AccessKey != "" && !c.Storage.AccessKeyFromAWS && urlHasUser(c.Storage.URL) {
		fail("storage.access_key", "the storage URL carries credentials too; keep one of the two")
	}
	if len(c.Auth.Users) > 0 || c.Auth.UsersFile != "" {
		if c.Auth.Method == "" || c.Auth.Method == "trust" {
			k := "auth.users"
			if len(c.Auth.Users) == 0 {
				k = "auth.users_file"
			}
			fail(k, "users are configured but --auth is not password or scram-sha-256: they would be ignored (set auth.method)")
		}
	}
	if c.Swarm.SuspectAfter <= c.Swarm.HeartbeatInterval {
		fail("swarm.suspect_after", "%s must be longer than swarm.heartbeat_interval (%s), or every node is suspect between two heartbeats",
			c.Swarm.SuspectAfter, c.Swarm.HeartbeatInterval)
	}
	if c.Swarm.DeadAfter <= c.Swarm.SuspectAfter {
		fail("swarm.dead_after", "%s must be longer than swarm.suspect_after (%s)", c.Swarm.DeadAfter, c.Swarm.SuspectAfter)
	}
	if c.Swarm.TaskTimeout <= c.Swarm.PollInterval {
		fail("swarm.task_timeout", "%s must be longer than swarm.poll_interval (%s), or every attempt times out before it is seen to finish",
			c.Swarm.TaskTimeout, c.Swarm.PollInterval)
	}
	return errs
}
