// Command apiary runs an Apiary node and the tools around it.
//
//	apiary serve [--config FILE] [--listen 127.0.0.1:5432] [--storage file://./apiary-data] [--http 127.0.0.1:9187] ...
//	apiary config [flags as for serve]     the effective configuration and where each value came from
//	apiary hardware [flags as for serve]   what was detected and the budgets derived from it
//	apiary load --frame F [--storage URL] [--format csv|text|parquet] [--header] [--create] FILE-OR-URL...
//	apiary scram-verifier < password
//	apiary version
//
// Exit codes: 0 success (a node stopped by SIGTERM or SIGINT included), 1
// runtime failure, 2 usage or configuration error. docs/operations.md is
// the operator's guide.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	// SET TimeZone must work on small machines installed without tzdata.
	_ "time/tzdata"
)

// version is set at release time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "config":
		return showConfig(args[1:], stdout, stderr)
	case "hardware":
		return showHardware(args[1:], stdout, stderr)
	case "load":
		return load(args[1:], os.Stdin, stdout, stderr)
	case "scram-verifier":
		return scramVerifier(args[1:], os.Stdin, stdout, stderr)
	case "version":
		fmt.Fprintf(stdout, "apiary %s (PostgreSQL 15 wire protocol; %s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return exitOK
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	fmt.Fprintf(stderr, "apiary: unknown command %q\n\n", args[0])
	usage(stderr)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Usage: apiary <command> [flags]

Commands:
  serve           run a node: accept PostgreSQL clients, keep the data in --storage
  config          print the effective configuration and where each value came from
  hardware        print the cores, memory and disk detected and the budgets derived
  load            load CSV, text or Parquet files into a frame, straight into --storage
  scram-verifier  print a SCRAM-SHA-256 verifier for the password on stdin (for --user, --users-file)
  version         print the version

Run 'apiary <command> --help' for a command's flags. Configuration comes from
a TOML file (--config or APIARY_CONFIG), APIARY_* environment variables and
flags, each overriding the one before; docs/operations.md lists every key.

Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
`)
}
