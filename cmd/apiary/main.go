// Command apiary runs an Apiary node.
//
//	apiary serve [--listen 127.0.0.1:5432] [--storage file://./apiary-data] [--name NODE]
//	apiary load --frame F [--storage URL] [--format csv|text|parquet] [--header] [--create] FILE-OR-URL...
//	apiary scram-verifier < password
//	apiary version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	// SET TimeZone must work on small machines installed without tzdata.
	_ "time/tzdata"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/server"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes: 0 success, 1 runtime failure, 2 usage error.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stderr)
	case "load":
		return load(args[1:], os.Stdin, stdout, stderr)
	case "scram-verifier":
		return scramVerifier(os.Stdin, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "apiary %s (PostgreSQL 15 wire protocol)\n", version)
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "apiary: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: apiary <command> [flags]

Commands:
  serve     run a node: accept PostgreSQL clients, store data in --storage
  load      load CSV, text or Parquet files into a frame, straight into --storage
  scram-verifier  print a SCRAM-SHA-256 verifier for the password on stdin (for --user, --users-file)
  version   print the version

Run 'apiary serve --help' or 'apiary load --help' for their flags.
`)
}

func serve(args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:5432", "address for PostgreSQL clients")
	storage := fs.String("storage", "file://./apiary-data", "storage URL: file:///path, file://./rel, or s3://bucket/prefix?endpoint=host:port")
	host, _ := os.Hostname()
	name := fs.String("name", host, "node name, recorded in commits and logs")
	beeMemory := fs.Int64("bee-memory", 0, "memory budget of one bee (worker) in bytes; 0 means 256 MiB")
	bees := fs.Int("bees", 0, "workers per query; 0 means one per core")
	spillDir := fs.String("spill-dir", "", "directory queries spill to past their budget; empty means the system temp directory, off disables spilling")
	serverConfig := serverFlags(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	exec.ApiaryVersion = version
	srvCfg := server.Config{ListenAddr: *listen, Logger: log, Version: version}
	if err := serverConfig(&srvCfg); err != nil {
		log.Error("invalid server configuration", "err", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	store, err := objstore.Open(ctx, *storage)
	if err != nil {
		log.Error("cannot open storage", "storage", *storage, "err", err)
		return 1
	}
	defer store.Close()
	eng, err := exec.NewEngine(ctx, store, exec.Config{Node: *name, Logger: log, BeeMemory: *beeMemory, Bees: *bees, SpillDir: *spillDir})
	if err != nil {
		log.Error("cannot start the engine", "storage", store.URL(), "err", err)
		return 1
	}
	srv := server.New(srvCfg, server.EngineSessions(eng))
	// Listening here rather than in the server lets --listen name port 0
	// and the log say which port was taken.
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Error("cannot listen", "listen", *listen, "err", err)
		return 1
	}
	if err := srv.CheckListener(ln.Addr()); err != nil {
		ln.Close()
		log.Error("cannot serve", "err", err)
		return 1
	}
	log.Info("apiary node ready", "version", version, "node", *name, "addr", ln.Addr().String(), "storage", store.URL())
	if err := srv.Serve(ctx, ln); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("server stopped", "err", err)
		return 1
	}
	log.Info("apiary node stopped")
	return 0
}
