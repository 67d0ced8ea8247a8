package config

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// load runs Load with a config file holding fileText (none if empty), the
// given environment and command-line arguments.
func load(t *testing.T, fileText string, env []string, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	flags := RegisterFlags(fs)
	if fileText != "" {
		path := filepath.Join(t.TempDir(), "apiary.toml")
		if err := os.WriteFile(path, []byte(fileText), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	if env == nil {
		env = []string{}
	}
	return Load(Input{Flags: flags, Env: env, Hostname: "testhost"})
}

func mustLoad(t *testing.T, fileText string, env []string, args ...string) *Config {
	t.Helper()
	c, err := load(t, fileText, env, args...)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func TestDefaults(t *testing.T) {
	c := mustLoad(t, "", nil)
	if c.Node.Name != "testhost" || c.Server.Listen != "127.0.0.1:5432" || c.Server.HTTP != "127.0.0.1:9187" ||
		c.Storage.URL != "file://./apiary-data" || c.Server.MaxMessageSize != 64<<20 || c.Server.ShutdownGrace != 10*time.Second ||
		c.Bees.Count != 0 || c.Bees.Memory != 0 || c.Storage.CheckpointInterval != 10 || c.Log.Format != "text" || c.Log.Level != slog.LevelInfo {
		t.Errorf("defaults: %+v", c)
	}
	for _, k := range keys {
		if o := c.Origin(k.name); o.Source != FromDefault {
			t.Errorf("%s: origin %v, want default", k.name, o)
		}
	}
	if c.File != "" {
		t.Errorf("File = %q with no file given", c.File)
	}
}

func TestSwarmTaskKeys(t *testing.T) {
	c := mustLoad(t, "", nil)
	want := Swarm{HeartbeatInterval: 2 * time.Second, SuspectAfter: 6 * time.Second, DeadAfter: 20 * time.Second,
		DistributeMinBytes: 256 << 20, PollInterval: 50 * time.Millisecond, TaskTimeout: 5 * time.Minute, MaxAttempts: 3, Worker: true}
	if c.Swarm != want {
		t.Errorf("swarm defaults %+v, want %+v", c.Swarm, want)
	}
	c = mustLoad(t, "[swarm]\nworker_tasks = 2\ntask_timeout = \"90s\"\n", []string{"APIARY_DISTRIBUTE_MIN_BYTES=1GiB"},
		"--swarm-poll-interval", "5ms", "--task-attempts", "5")
	if c.Swarm.WorkerTasks != 2 || c.Swarm.TaskTimeout != 90*time.Second || c.Swarm.DistributeMinBytes != 1<<30 ||
		c.Swarm.PollInterval != 5*time.Millisecond || c.Swarm.MaxAttempts != 5 {
		t.Errorf("swarm %+v", c.Swarm)
	}
	if o := c.Origin("swarm.distribute_min_bytes"); o != (Origin{FromEnv, "APIARY_DISTRIBUTE_MIN_BYTES"}) {
		t.Errorf("swarm.distribute_min_bytes origin %v", o)
	}
	if c := mustLoad(t, "", nil, "--worker-tasks", "auto", "--distribute-min-bytes", "1"); c.Swarm.WorkerTasks != 0 || c.Swarm.DistributeMinBytes != 1 {
		t.Errorf("auto and one byte: %+v", c.Swarm)
	}
	if c := mustLoad(t, "", []string{"APIARY_SWARM_WORKER=false"}); c.Swarm.Worker {
		t.Errorf("APIARY_SWARM_WORKER=false: %+v", c.Swarm)
	}
	if c := mustLoad(t, "[swarm]\nworker = false\n", nil, "--swarm-worker"); !c.Swarm.Worker {
		t.Errorf("--swarm-worker over the file's false: %+v", c.Swarm)
	}
}

func TestPrecedence(t *testing.T) {
	file := `
[server]
listen = "0.0.0.0:6000"
http = "off"
max_connections = 7
[bees]
count = 3
memory = "128MiB"
[log]
format = "json"
level = "debug"
`
	env := []string{"APIARY_LISTEN=127.0.0.1:6001", "APIARY_BEES=5", "APIARY_SPILL_DIR=/spill", "UNRELATED=x"}
	c := mustLoad(t, file, env, "--bees", "4", "--require-tls=false", "--statement-timeout", "90s")
	for _, tc := range []struct {
		key    string
		got    any
		want   any
		source Source
		name   string
	}{
		{"server.listen", c.Server.Listen, "127.0.0.1:6001", FromEnv, "APIARY_LISTEN"},
		{"server.http", c.Server.HTTP, "", FromFile, c.File},
		{"server.max_connections", c.Server.MaxConnections, 7, FromFile, c.File},
		{"bees.count", c.Bees.Count, 4, FromFlag, "--bees"},
		{"bees.memory", c.Bees.Memory, int64(128 << 20), FromFile, c.File},
		{"bees.spill_dir", c.Bees.SpillDir, "/spill", FromEnv, "APIARY_SPILL_DIR"},
		{"server.statement_timeout", c.Server.StatementTimeout, 90 * time.Second, FromFlag, "--statement-timeout"},
		{"tls.require", c.TLS.Require, false, FromFlag, "--require-tls"},
		{"log.format", c.Log.Format, "json", FromFile, c.File},
		{"log.level", c.Log.Level, slog.LevelDebug, FromFile, c.File},
		{"node.name", c.Node.Name, "testhost", FromDefault, ""},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.key, tc.got, tc.want)
		}
		if o := c.Origin(tc.key); o != (Origin{tc.source, tc.name}) {
			t.Errorf("%s: origin %v, want %v %s", tc.key, o, tc.source, tc.name)
		}
	}
}

func TestConfigFileFromEnvAndFlag(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.toml"), filepath.Join(dir, "b.toml")
	for path, name := range map[string]string{a: "from-a", b: "from-b"} {
		if err := os.WriteFile(path, []byte("[node]\nname = \""+name+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := mustLoad(t, "", []string{"APIARY_CONFIG=" + a})
	if c.Node.Name != "from-a" || c.File != a {
		t.Errorf("APIARY_CONFIG: name %q, file %q", c.Node.Name, c.File)
	}
	c = mustLoad(t, "", []string{"APIARY_CONFIG=" + a}, "--config", b)
	if c.Node.Name != "from-b" || c.File != b {
		t.Errorf("--config over APIARY_CONFIG: name %q, file %q", c.Node.Name, c.File)
	}
}

func TestListsAndBools(t *testing.T) {
	file := "[auth]\nmethod = \"scram-sha-256\"\nusers = [\"a:1\", \"b:2\"]\n[tls]\nrequire = true\ncert = \"c.pem\"\nkey = \"k.pem\"\n"
	c := mustLoad(t, file, nil)
	if strings.Join(c.Auth.Users, ",") != "a:1,b:2" || !c.TLS.Require {
		t.Errorf("from file: users %v, require %v", c.Auth.Users, c.TLS.Require)
	}
	// Flags replace the file's list rather than adding to it.
	c = mustLoad(t, file, nil, "--user", "c:3", "--user", "d:4")
	if strings.Join(c.Auth.Users, ",") != "c:3,d:4" || c.Origin("auth.users").Source != FromFlag {
		t.Errorf("from flags: users %v (%v)", c.Auth.Users, c.Origin("auth.users"))
	}
	c = mustLoad(t, "", []string{"APIARY_AUTH=password", "APIARY_USERS=e:5\nf:6\n"})
	if strings.Join(c.Auth.Users, ",") != "e:5,f:6" {
		t.Errorf("from env: users %v", c.Auth.Users)
	}
	c = mustLoad(t, "", nil, "--tls-cert", "c", "--tls-key", "k", "--require-tls")
	if !c.TLS.Require {
		t.Error("--require-tls alone did not set tls.require")
	}
}

func TestS3Credentials(t *testing.T) {
	c := mustLoad(t, "", []string{"AWS_ACCESS_KEY_ID=AKIA1", "AWS_SECRET_ACCESS_KEY=s1"})
	if c.Storage.AccessKey != "AKIA1" || c.Storage.SecretKey != "s1" || !c.Storage.AccessKeyFromAWS ||
		c.Origin("storage.access_key") != (Origin{FromEnv, "AWS_ACCESS_KEY_ID"}) {
		t.Errorf("AWS_*: %+v, origin %v", c.Storage, c.Origin("storage.access_key"))
	}
	// minio-go's alternative names are read too, but the S3 backend does
	// not read them itself, so they must be passed on.
	c = mustLoad(t, "", []string{"AWS_ACCESS_KEY=AKIA2", "AWS_SECRET_KEY=s2"})
	if c.Storage.AccessKey != "AKIA2" || c.Storage.AccessKeyFromAWS {
		t.Errorf("AWS_ACCESS_KEY: %+v", c.Storage)
	}
	c = mustLoad(t, "[storage]\naccess_key = \"f\"\nsecret_key = \"fs\"\n",
		[]string{"APIARY_S3_ACCESS_KEY=APIARY", "APIARY_S3_SECRET_KEY=as", "AWS_ACCESS_KEY_ID=AKIA1", "AWS_SECRET_ACCESS_KEY=s1"})
	if c.Storage.AccessKey != "APIARY" || c.Storage.SecretKey != "as" || c.Storage.AccessKeyFromAWS {
		t.Errorf("APIARY_S3_* over AWS_*: %+v", c.Storage)
	}
}

func TestInvalid(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		env  []string
		args []string
		want []string // substrings of the error, key and reason
	}{
		{"misspelt key", "[server]\nlistn = \"x:1\"\n", nil, nil, []string{"server.listn", "unknown key", "did you mean server.listen?"}},
		{"key outside its section", "listen = \"x:1\"\n", nil, nil, []string{"listen", "did you mean server.listen?"}},
		{"unknown section", "[frobnicate]\nwidgets = 3\n", nil, nil, []string{"frobnicate.widgets", "unknown key"}},
		{"not TOML", "[server\nlisten = 1\n", nil, nil, []string{"flag --config: the configuration file is not valid TOML: line 2"}},
		{"wrong TOML type", "[server]\nmax_connections = \"lots\"\n", nil, nil, []string{"server.max_connections", `"lots" is not an integer`}},
		{"float", "[server]\nmax_connections = 1.5\n", nil, nil, []string{"server.max_connections", "must be an integer, not a float"}},
		{"duration without unit", "[server]\nidle_timeout = 10\n", nil, nil, []string{"server.idle_timeout", `write a string such as "10s"`}},
		{"bad duration", "", []string{"APIARY_SHUTDOWN_GRACE=soon"}, nil, []string{"server.shutdown_grace (env APIARY_SHUTDOWN_GRACE)", "not a duration"}},
		{"zero grace", "", nil, []string{"--shutdown-grace", "0s"}, []string{"server.shutdown_grace (flag --shutdown-grace)", "too short"}},
		{"bad address", "", nil, []string{"--listen", "localhost"}, []string{"server.listen (flag --listen)", "not host:port"}},
		{"bad port", "", nil, []string{"--http", "127.0.0.1:99999"}, []string{"server.http", "not host:port"}},
		{"bad scheme", "", []string{"APIARY_STORAGE=ftp://nowhere"}, nil, []string{"storage.url (env APIARY_STORAGE)", `unsupported storage URL scheme "ftp"`}},
		{"s3 without bucket", "", nil, []string{"--storage", "s3:///prefix"}, []string{"storage.url", "names no bucket"}},
		{"auth method", "", nil, []string{"--auth", "md5"}, []string{"auth.method (flag --auth)", `unknown authentication method "md5" (want trust, password or scram-sha-256)`}},
		{"user entry", "", nil, []string{"--auth", "password", "--user", "alice"}, []string{"auth.users (flag --user)", "not name:password"}},
		{"users without method", "", nil, []string{"--user", "alice:pw"}, []string{"auth.users", "--auth is not password or scram-sha-256"}},
		{"bees zero", "[bees]\ncount = 0\n", nil, nil, []string{"bees.count", "out of range 1 to 1024"}},
		{"bee memory", "", nil, []string{"--bee-memory", "12 parsecs"}, []string{"bees.memory", "is not a size", "or auto"}},
		{"bee memory tiny", "", nil, []string{"--bee-memory", "1KiB"}, []string{"bees.memory", "out of range 1MiB"}},
		{"checkpoint", "", nil, []string{"--checkpoint-interval", "0"}, []string{"storage.checkpoint_interval", "or never"}},
		{"log format", "", []string{"APIARY_LOG_FORMAT=xml"}, nil, []string{"log.format", "text or json"}},
		{"node name", "", nil, []string{"--name", "my node"}, []string{"node.name", "not a node name"}},
		{"tls key alone", "", nil, []string{"--tls-key", "k.pem"}, []string{"tls.key", "needs tls.cert"}},
		{"require tls alone", "", nil, []string{"--require-tls"}, []string{"tls.require", "needs a certificate"}},
		{"secret alone", "", []string{"AWS_SECRET_ACCESS_KEY=s"}, nil, []string{"storage.secret_key", "without an access key"}},
		{"credentials twice", "[storage]\nurl = \"s3://u:p@bucket\"\naccess_key = \"a\"\nsecret_key = \"s\"\n", nil, nil,
			[]string{"storage.access_key", "URL carries credentials"}},
		{"suspect before heartbeat", "[swarm]\nheartbeat_interval = \"5s\"\nsuspect_after = \"5s\"\n", nil, nil,
			[]string{"swarm.suspect_after", "longer than swarm.heartbeat_interval"}},
		{"dead before suspect", "", nil, []string{"--dead-after", "3s"}, []string{"swarm.dead_after (flag --dead-after)", "longer than swarm.suspect_after"}},
		{"task timeout within a poll", "", nil, []string{"--swarm-poll-interval", "1s", "--task-timeout", "1s"},
			[]string{"swarm.task_timeout (flag --task-timeout)", "longer than swarm.poll_interval"}},
		{"worker tasks", "", nil, []string{"--worker-tasks", "0"}, []string{"swarm.worker_tasks", "out of range 1 to 256 (or auto)"}},
		{"distribute nothing", "", nil, []string{"--distribute-min-bytes", "0"}, []string{"swarm.distribute_min_bytes", "0 is out of range 1 to"}},
		{"attempts", "", []string{"APIARY_TASK_ATTEMPTS=0"}, nil, []string{"swarm.max_attempts (env APIARY_TASK_ATTEMPTS)", "out of range 1 to 100"}},
		{"users as string", "[auth]\nusers = \"a:b\"\n", nil, nil, []string{"auth.users", "must be an array of strings"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.file, tc.env, tc.args...)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Errorf("error %v is not a *config.Error", err)
			}
		})
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(Input{Env: []string{"APIARY_CONFIG=/nonexistent/apiary.toml"}, Hostname: "h"})
	if err == nil || !strings.Contains(err.Error(), "env APIARY_CONFIG: cannot read the configuration file") {
		t.Errorf("missing file: %v", err)
	}
}

// All the bad values are reported together, not one per attempt.
func TestErrorsReportedTogether(t *testing.T) {
	_, err := load(t, "[server]\nlisten = \"nope\"\nmax_connections = -1\n[wat]\nx = 1\n", []string{"APIARY_LOG_LEVEL=loud"})
	if err == nil {
		t.Fatal("Load succeeded")
	}
	for _, k := range []string{"server.listen", "server.max_connections", "wat.x", "log.level"} {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error lacks %s:\n%v", k, err)
		}
	}
}

func TestEnvTypoWarning(t *testing.T) {
	c := mustLoad(t, "", []string{"APIARY_LISTN=1.2.3.4:5", "APIARY_TEST_STRICT=1"})
	if len(c.Warnings) != 1 || !strings.Contains(c.Warnings[0], "APIARY_LISTN") || !strings.Contains(c.Warnings[0], "APIARY_LISTEN") {
		t.Errorf("warnings %q", c.Warnings)
	}
}

// WriteTOML's output hides secrets, and is a configuration file that
// loads back to the same values once they are put back.
func TestWriteTOML(t *testing.T) {
	env := []string{"APIARY_S3_ACCESS_KEY=AKIA", "APIARY_S3_SECRET_KEY=hunter2", "APIARY_STORAGE=s3://bucket/p?endpoint=h:9000"}
	c := mustLoad(t, "", env, "--auth", "scram-sha-256", "--user", "alice:opensesame", "--bee-memory", "96MiB",
		"--max-message-size", "1048577", "--startup-timeout", "90s", "--http", "off", "--log-level", "warn")
	var b strings.Builder
	if err := c.WriteTOML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"hunter2", "opensesame"} {
		if strings.Contains(out, secret) {
			t.Errorf("output shows the secret %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{
		`secret_key `, `"<redacted>"`, `# env APIARY_S3_SECRET_KEY`, `users `, `["alice:<redacted>"]`, `# flag --user`,
		`memory `, `"96MiB"`, `max_message_size `, `1048577`, `startup_timeout `, `"1m30s"`, `http `, `"off"`,
		`count `, `"auto"`, `# default`, `level `, `"warn"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	restored := strings.ReplaceAll(out, `"alice:<redacted>"`, `"alice:opensesame"`)
	restored = strings.ReplaceAll(restored, `"<redacted>"`, `"hunter2"`)
	var doc map[string]any
	if _, err := toml.Decode(restored, &doc); err != nil {
		t.Fatalf("output is not TOML: %v\n%s", err, out)
	}
	again := mustLoad(t, restored, nil)
	again.File, c.File = "", ""
	if again.Storage != c.Storage || again.Server != c.Server || again.Bees != c.Bees || again.Log != c.Log ||
		strings.Join(again.Auth.Users, ",") != strings.Join(c.Auth.Users, ",") || again.Swarm != c.Swarm || again.Node != c.Node {
		t.Errorf("round trip changed the configuration:\nbefore %+v\nafter  %+v", c, again)
	}
}

// Every key, variable and flag is documented in docs/operations.md.
func TestDocumented(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "operations.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		names := append([]string{"`" + k.name + "`"}, k.env...)
		if k.flag != "" {
			names = append(names, "--"+k.flag)
		}
		for _, n := range names {
			if !strings.Contains(string(doc), n) {
				t.Errorf("docs/operations.md does not mention %s (key %s)", n, k.name)
			}
		}
	}
}
