package config

import (
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/cell"
)

// The environment variables of S3 credentials that minio-go's EnvAWS
// provider reads, in its order of preference.
const (
	awsAccessKeyID     = "AWS_ACCESS_KEY_ID"
	awsAccessKey       = "AWS_ACCESS_KEY"
	awsSecretAccessKey = "AWS_SECRET_ACCESS_KEY"
	awsSecretKey       = "AWS_SECRET_KEY"
)

// kind is how a key's text is read and written.
type kind uint8

const (
	kindString   kind = iota
	kindInt           // decimal, or one of words
	kindSize          // bytes, with an optional unit (cell.ParseSize), or one of words
	kindDuration      // Go syntax: 500ms, 10s, 1m30s
	kindBool
	kindList // TOML array of strings; repeated flag; one entry per line in the environment
)

// key declares one configuration key. Exactly one of the field accessors
// matching kind is set.
type key struct {
	name    string   // TOML name, section.key
	env     []string // variables, most preferred first
	flag    string   // "" when the key has no flag (secrets stay out of ps)
	kind    kind
	def     string   // default, in the key's text syntax
	defList []string // default of a list key
	usage   string
	secret  bool
	enum    []string         // allowed values of a string key ("" allowed iff listed)
	noun    string           // what an enum key's value is, for errors: "log format"
	words   map[string]int64 // named values of an int or size key ("auto": 0)
	min     int64            // bounds of an int (value), size (bytes) or duration (ns), outside words
	max     int64
	check   func(string) error // extra check of a string key's value

	str  func(*Config) *string
	num  func(*Config) *int
	size func(*Config) *int64
	dur  func(*Config) *time.Duration
	flg  func(*Config) *bool
	list func(*Config) *[]string
	// level is log.level's own accessor: a slog.Level read from a word.
	level func(*Config) *slog.Level
}

func env(names ...string) []string { return names }

const maxDuration = int64(1<<63 - 1)

// keys is every configuration key, in the order `apiary config` prints
// them. docs/operations.md has the same table for people.
var keys = []*key{
	{name: "node.name", env: env("APIARY_NAME"), flag: "name", def: "", kind: kindString,
		usage: "node name, recorded in commits, logs and the swarm's world view (default: the host name)",
		str:   func(c *Config) *string { return &c.Node.Name }, check: checkNodeName},
	{name: "node.cache_dir", env: env("APIARY_CACHE_DIR"), flag: "cache-dir", def: "./apiary-cache", kind: kindString,
		usage: "local directory for cached cells; 'apiary hardware' shows its free space",
		str:   func(c *Config) *string { return &c.Node.CacheDir }, check: nonEmpty},
	{name: "node.cache_size", env: env("APIARY_CACHE_SIZE"), flag: "cache-size", def: "auto", kind: kindSize,
		usage: "bound of the local cell cache (bytes, or with a unit: 4GiB); auto is a quarter of the cache directory's free disk, 0 turns the cache off",
		words: map[string]int64{"auto": -1}, min: 0, max: 1 << 50,
		size: func(c *Config) *int64 { return &c.Node.CacheSize }},

	{name: "storage.url", env: env("APIARY_STORAGE"), flag: "storage", def: "file://./apiary-data", kind: kindString,
		usage: "storage URL: file:///path, file://./rel, or s3://bucket/prefix?endpoint=host:port&secure=false",
		str:   func(c *Config) *string { return &c.Storage.URL }, check: checkStorageURL},
	{name: "storage.access_key", env: env("APIARY_S3_ACCESS_KEY", awsAccessKeyID, awsAccessKey), kind: kindString,
		usage: "S3 access key (no flag: keep it out of the process list)",
		str:   func(c *Config) *string { return &c.Storage.AccessKey }},
	{name: "storage.secret_key", env: env("APIARY_S3_SECRET_KEY", awsSecretAccessKey, awsSecretKey), kind: kindString, secret: true,
		usage: "S3 secret key (no flag: keep it out of the process list)",
		str:   func(c *Config) *string { return &c.Storage.SecretKey }},
	{name: "storage.checkpoint_interval", env: env("APIARY_CHECKPOINT_INTERVAL"), flag: "checkpoint-interval", def: "10", kind: kindInt,
		usage: "commits between ledger checkpoints, or never",
		words: map[string]int64{"never": -1}, min: 1, max: 1 << 20,
		num: func(c *Config) *int { return &c.Storage.CheckpointInterval }},

	{name: "server.listen", env: env("APIARY_LISTEN"), flag: "listen", def: "127.0.0.1:5432", kind: kindString,
		usage: "host:port for PostgreSQL clients (:5432 for every interface)",
		str:   func(c *Config) *string { return &c.Server.Listen }, check: checkHostPort},
	{name: "server.http", env: env("APIARY_HTTP"), flag: "http", def: "127.0.0.1:9187", kind: kindString,
		usage: "host:port for /metrics, /healthz and /readyz, or off",
		str:   func(c *Config) *string { return &c.Server.HTTP }, check: checkHTTPAddr},
	{name: "server.max_connections", env: env("APIARY_MAX_CONNECTIONS"), flag: "max-connections", def: "100", kind: kindInt,
		usage: "most concurrent sessions", min: 1, max: 100_000,
		num: func(c *Config) *int { return &c.Server.MaxConnections }},
	{name: "server.max_message_size", env: env("APIARY_MAX_MESSAGE_SIZE"), flag: "max-message-size", def: "64MiB", kind: kindSize,
		usage: "largest client message (bytes, or with a unit: 64MiB)", min: 1 << 10, max: 1 << 30,
		size: func(c *Config) *int64 { return &c.Server.MaxMessageSize }},
	{name: "server.statement_timeout", env: env("APIARY_STATEMENT_TIMEOUT"), flag: "statement-timeout", def: "0s", kind: kindDuration,
		usage: "every session's initial statement_timeout (e.g. 5m); 0 means none", max: int64(1<<31-1) * int64(time.Millisecond),
		dur: func(c *Config) *time.Duration { return &c.Server.StatementTimeout }},
	{name: "server.idle_timeout", env: env("APIARY_IDLE_TIMEOUT"), flag: "idle-timeout", def: "0s", kind: kindDuration,
		usage: "close sessions idle this long outside a transaction block; 0 means never", max: maxDuration,
		dur: func(c *Config) *time.Duration { return &c.Server.IdleTimeout }},
	{name: "server.idle_in_transaction_timeout", env: env("APIARY_IDLE_IN_TRANSACTION_TIMEOUT"), flag: "idle-in-transaction-timeout", def: "0s", kind: kindDuration,
		usage: "close sessions idle this long inside a transaction block; 0 means never", max: maxDuration,
		dur: func(c *Config) *time.Duration { return &c.Server.IdleInTransactionTimeout }},
	{name: "server.startup_timeout", env: env("APIARY_STARTUP_TIMEOUT"), flag: "startup-timeout", def: "1m", kind: kindDuration,
		usage: "time a client has to connect and authenticate", min: int64(time.Second), max: maxDuration,
		dur: func(c *Config) *time.Duration { return &c.Server.StartupTimeout }},
	{name: "server.shutdown_grace", env: env("APIARY_SHUTDOWN_GRACE"), flag: "shutdown-grace", def: "10s", kind: kindDuration,
		usage: "on SIGTERM/SIGINT, how long running queries may finish before they are cancelled", min: int64(time.Millisecond), max: maxDuration,
		dur: func(c *Config) *time.Duration { return &c.Server.ShutdownGrace }},

	{name: "auth.method", env: env("APIARY_AUTH"), flag: "auth", def: "", kind: kindString,
		usage: "client authentication: trust, password or scram-sha-256; empty means trust, allowed only on a loopback --listen",
		enum:  []string{"", "trust", "password", "scram-sha-256"}, noun: "authentication method",
		str: func(c *Config) *string { return &c.Auth.Method }},
	{name: "auth.users", env: env("APIARY_USERS"), flag: "user", kind: kindList, secret: true,
		usage: "a user, as name:password or name:SCRAM-SHA-256$<verifier> (repeatable; see also --users-file)",
		list:  func(c *Config) *[]string { return &c.Auth.Users }},
	{name: "auth.users_file", env: env("APIARY_USERS_FILE"), flag: "users-file", def: "", kind: kindString,
		usage: "file of users, one name:password or name:SCRAM-SHA-256$<verifier> per line",
		str:   func(c *Config) *string { return &c.Auth.UsersFile }},

	{name: "tls.cert", env: env("APIARY_TLS_CERT"), flag: "tls-cert", def: "", kind: kindString,
		usage: "PEM certificate chain; with --tls-key, clients may connect with TLS",
		str:   func(c *Config) *string { return &c.TLS.Cert }},
	{name: "tls.key", env: env("APIARY_TLS_KEY"), flag: "tls-key", def: "", kind: kindString,
		usage: "PEM private key of --tls-cert",
		str:   func(c *Config) *string { return &c.TLS.Key }},
	{name: "tls.require", env: env("APIARY_REQUIRE_TLS"), flag: "require-tls", def: "false", kind: kindBool,
		usage: "refuse clients from non-loopback addresses that do not use TLS",
		flg:   func(c *Config) *bool { return &c.TLS.Require }},

	{name: "colony.sample_interval", env: env("APIARY_COLONY_SAMPLE_INTERVAL"), flag: "colony-sample-interval", def: "1s", kind: kindDuration,
		usage: "how often the colony temperature is sampled", min: int64(10 * time.Millisecond), max: int64(time.Hour),
		dur: func(c *Config) *time.Duration { return &c.Colony.SampleInterval }},
	{name: "admission.enabled", env: env("APIARY_ADMISSION"), flag: "admission", def: "true", kind: kindBool,
		usage: "hold back or refuse new statements (53300) while the node is hot or critical",
		flg:   func(c *Config) *bool { return &c.Colony.Admission }},
	{name: "admission.queue", env: env("APIARY_ADMISSION_QUEUE"), flag: "admission-queue", def: "32", kind: kindInt,
		usage: "statements that may wait while the node is hot; -1 means none wait", min: -1, max: 1 << 20,
		num: func(c *Config) *int { return &c.Colony.AdmissionQueue }},
	{name: "admission.timeout", env: env("APIARY_ADMISSION_TIMEOUT"), flag: "admission-timeout", def: "30s", kind: kindDuration,
		usage: "how long a statement waits for admission before it is refused", min: int64(time.Millisecond), max: maxDuration,
		dur: func(c *Config) *time.Duration { return &c.Colony.AdmissionTimeout }},

	{name: "bees.count", env: env("APIARY_BEES"), flag: "bees", def: "auto", kind: kindInt,
		usage: "workers per query, or auto for one per usable core", words: map[string]int64{"auto": 0}, min: 1, max: 1024,
		num: func(c *Config) *int { return &c.Bees.Count }},
	{name: "bees.memory", env: env("APIARY_BEE_MEMORY"), flag: "bee-memory", def: "auto", kind: kindSize,
		usage: "one bee's memory budget (bytes, or with a unit: 256MiB), or auto to derive it from memory",
		words: map[string]int64{"auto": 0}, min: 1 << 20, max: 1 << 50,
		size: func(c *Config) *int64 { return &c.Bees.Memory }},
	{name: "bees.spill_dir", env: env("APIARY_SPILL_DIR"), flag: "spill-dir", def: "", kind: kindString,
		usage: "directory queries spill to past their budget; empty means the system temp directory, off disables spilling",
		str:   func(c *Config) *string { return &c.Bees.SpillDir }},

	{name: "swarm.heartbeat_interval", env: env("APIARY_HEARTBEAT_INTERVAL"), flag: "heartbeat-interval", def: "2s", kind: kindDuration,
		usage: "how often the node rewrites its heartbeat object", min: int64(100 * time.Millisecond), max: int64(time.Hour),
		dur: func(c *Config) *time.Duration { return &c.Swarm.HeartbeatInterval }},
	{name: "swarm.suspect_after", env: env("APIARY_SUSPECT_AFTER"), flag: "suspect-after", def: "6s", kind: kindDuration,
		usage: "a node whose heartbeat stands still this long is suspect", min: int64(100 * time.Millisecond), max: int64(24 * time.Hour),
		dur: func(c *Config) *time.Duration { return &c.Swarm.SuspectAfter }},
	{name: "swarm.dead_after", env: env("APIARY_DEAD_AFTER"), flag: "dead-after", def: "20s", kind: kindDuration,
		usage: "a node whose heartbeat stands still this long is dead", min: int64(100 * time.Millisecond), max: int64(24 * time.Hour),
		dur: func(c *Config) *time.Duration { return &c.Swarm.DeadAfter }},
	{name: "swarm.distribute_min_bytes", env: env("APIARY_DISTRIBUTE_MIN_BYTES"), flag: "distribute-min-bytes", def: "256MiB", kind: kindSize,
		usage: "with apiary.distribution = auto, a query is shared with the swarm when its largest frame scan reaches this many bytes", min: 1, max: 1 << 50,
		size: func(c *Config) *int64 { return &c.Swarm.DistributeMinBytes }},
	{name: "swarm.poll_interval", env: env("APIARY_SWARM_POLL_INTERVAL"), flag: "swarm-poll-interval", def: "50ms", kind: kindDuration,
		usage: "how often coordinators and workers list the swarm's task objects", min: int64(time.Millisecond), max: int64(time.Minute),
		dur: func(c *Config) *time.Duration { return &c.Swarm.PollInterval }},
	{name: "swarm.task_timeout", env: env("APIARY_TASK_TIMEOUT"), flag: "task-timeout", def: "5m", kind: kindDuration,
		usage: "how long one attempt of a query fragment may run before it is given to another node", min: int64(100 * time.Millisecond), max: int64(24 * time.Hour),
		dur: func(c *Config) *time.Duration { return &c.Swarm.TaskTimeout }},
	{name: "swarm.max_attempts", env: env("APIARY_TASK_ATTEMPTS"), flag: "task-attempts", def: "3", kind: kindInt,
		usage: "attempts per query fragment, on different nodes when there are, before the query fails", min: 1, max: 100,
		num: func(c *Config) *int { return &c.Swarm.MaxAttempts }},
	{name: "swarm.worker_tasks", env: env("APIARY_WORKER_TASKS"), flag: "worker-tasks", def: "auto", kind: kindInt,
		usage: "fragments this node runs at once for the swarm, or auto (1: each fragment already uses every bee)",
		words: map[string]int64{"auto": 0}, min: 1, max: 256,
		num: func(c *Config) *int { return &c.Swarm.WorkerTasks }},
	{name: "swarm.worker", env: env("APIARY_SWARM_WORKER"), flag: "swarm-worker", def: "true", kind: kindBool,
		usage: "run fragments for the swarm; false makes the node a coordinator only, which no node gives tasks",
		flg:   func(c *Config) *bool { return &c.Swarm.Worker }},

	{name: "log.format", env: env("APIARY_LOG_FORMAT"), flag: "log-format", def: "text", kind: kindString,
		usage: "log format: text or json", enum: []string{"text", "json"}, noun: "log format",
		str: func(c *Config) *string { return &c.Log.Format }},
	{name: "log.level", env: env("APIARY_LOG_LEVEL"), flag: "log-level", def: "info", kind: kindString,
		usage: "least severe log level: debug, info, warn or error", enum: []string{"debug", "info", "warn", "error"}, noun: "log level",
		level: func(c *Config) *slog.Level { return &c.Log.Level }},
}

// keyByName indexes keys by TOML name.
var keyByName = func() map[string]*key {
	m := make(map[string]*key, len(keys))
	for _, k := range keys {
		m[k.name] = k
	}
	return m
}()

// rawValue is a key's value as text, before parsing.
type rawValue struct {
	scalar string
	list   []string
	isList bool
}

// assign parses raw and stores it in c; the error says what is wrong with
// the value, without the key (the caller adds it).
func (k *key) assign(c *Config, raw rawValue) error {
	if k.kind == kindList {
		for _, e := range raw.list {
			if k.name == "auth.users" {
				if err := checkUserEntry(e); err != nil {
					return err
				}
			}
		}
		*k.list(c) = append([]string(nil), raw.list...)
		return nil
	}
	v := strings.TrimSpace(raw.scalar)
	switch k.kind {
	case kindString:
		if k.enum != nil {
			v = strings.ToLower(v)
			if !slices.Contains(k.enum, v) {
				shown := slices.DeleteFunc(slices.Clone(k.enum), func(e string) bool { return e == "" })
				return fmt.Errorf("unknown %s %q (want %s)", k.noun, raw.scalar, enumList(shown))
			}
		}
		if k.check != nil {
			if err := k.check(v); err != nil {
				return err
			}
		}
		if k.level != nil {
			return k.level(c).UnmarshalText([]byte(v))
		}
		if k.name == "server.http" && strings.EqualFold(v, "off") {
			v = ""
		}
		*k.str(c) = v
	case kindInt, kindSize:
		n, err := k.parseNumber(v)
		if err != nil {
			return err
		}
		if k.kind == kindInt {
			*k.num(c) = int(n)
		} else {
			*k.size(c) = n
		}
	case kindDuration:
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("%q is not a duration: give a number with a unit, e.g. 500ms, 10s, 2m, 1h", raw.scalar)
		}
		if int64(d) < k.min || int64(d) > k.max {
			if k.max == maxDuration {
				return fmt.Errorf("%s is too short: the least is %s", formatDuration(d), formatDuration(time.Duration(k.min)))
			}
			return fmt.Errorf("%s is out of range %s to %s", formatDuration(d), formatDuration(time.Duration(k.min)), formatDuration(time.Duration(k.max)))
		}
		*k.dur(c) = d
	case kindBool:
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%q is not true or false", raw.scalar)
		}
		*k.flg(c) = b
	}
	return nil
}

// parseNumber reads an int or size key's text: a word, or a number within
// the key's bounds.
func (k *key) parseNumber(v string) (int64, error) {
	if n, ok := k.words[strings.ToLower(v)]; ok {
		return n, nil
	}
	var n int64
	var err error
	if k.kind == kindSize {
		n, err = cell.ParseSize(v)
	} else {
		n, err = strconv.ParseInt(v, 10, 64)
	}
	if err != nil {
		what := "an integer"
		if k.kind == kindSize {
			what = "a size (bytes, or with a unit: 512KiB, 64MiB, 2GiB)"
		}
		if len(k.words) > 0 {
			what += " or " + enumList(sortedWords(k.words))
		}
		return 0, fmt.Errorf("%q is not %s", v, what)
	}
	if n < k.min || n > k.max {
		lo, hi := strconv.FormatInt(k.min, 10), strconv.FormatInt(k.max, 10)
		if k.kind == kindSize {
			lo, hi = formatSize(k.min), formatSize(k.max)
		}
		if len(k.words) > 0 {
			hi += " (or " + enumList(sortedWords(k.words)) + ")"
		}
		return 0, fmt.Errorf("%s is out of range %s to %s", v, lo, hi)
	}
	return n, nil
}

var nodeNameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$`)

func checkNodeName(v string) error {
	if v == "" {
		return fmt.Errorf("is empty (the host name could not be read): set --name or APIARY_NAME")
	}
	if !nodeNameRE.MatchString(v) {
		return fmt.Errorf("%q is not a node name: use letters, digits, '.', '_' and '-', starting with a letter or digit", v)
	}
	return nil
}

func nonEmpty(v string) error {
	if v == "" {
		return fmt.Errorf("must not be empty")
	}
	return nil
}

func checkHostPort(v string) error {
	_, port, err := net.SplitHostPort(v)
	if err == nil {
		_, err = strconv.ParseUint(port, 10, 16)
	}
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:5432, or :5432 for every interface)", v)
	}
	return nil
}

func checkHTTPAddr(v string) error {
	if v == "" || strings.EqualFold(v, "off") {
		return nil
	}
	return checkHostPort(v)
}

func checkStorageURL(v string) error {
	u, err := url.Parse(v)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", redactURL(v), err)
	}
	switch u.Scheme {
	case "file":
		if u.Host == "" && u.Path == "" {
			return fmt.Errorf("%q names no directory (file:///abs/path or file://./rel/path)", v)
		}
	case "s3":
		if u.Host == "" {
			return fmt.Errorf("%q names no bucket (s3://bucket/prefix?endpoint=host:port)", redactURL(v))
		}
	case "mem":
	default:
		return fmt.Errorf("unsupported storage URL scheme %q in %q (want file, s3 or mem)", u.Scheme, redactURL(v))
	}
	return nil
}

// checkUserEntry applies the server's rule for a user entry (server.ParseUser)
// so a malformed one fails with the other configuration errors; the
// message hides what may be a password.
func checkUserEntry(e string) error {
	name, secret, ok := strings.Cut(e, ":")
	if ok && name != "" && secret != "" {
		return nil
	}
	shown := e
	if ok {
		shown = name + ":…"
	} else if len(e) > 3 {
		shown = e[:3] + "…"
	}
	return fmt.Errorf("user entry %q is not name:password or name:SCRAM-SHA-256$verifier", shown)
}

func urlHasUser(v string) bool {
	u, err := url.Parse(v)
	return err == nil && u.User != nil
}

func redactURL(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.User == nil {
		return v
	}
	return u.Redacted()
}

// enumList writes allowed values for a message: "text or json"; "" shows
// as (empty).
func enumList(vals []string) string {
	var shown []string
	for _, v := range vals {
		if v == "" {
			v = "(empty)"
		}
		shown = append(shown, v)
	}
	if len(shown) == 1 {
		return shown[0]
	}
	return strings.Join(shown[:len(shown)-1], ", ") + " or " + shown[len(shown)-1]
}

func sortedWords(words map[string]int64) []string { return slices.Sorted(maps.Keys(words)) }
