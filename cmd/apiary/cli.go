package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/apiarydb/apiary/internal/config"
)

// Exit codes of every command.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed: storage, network, a query
	exitUsage   = 2 // the command line or the configuration is wrong
)

// command is a subcommand's help text and flags.
type command struct {
	name     string
	synopsis string // after "apiary "
	about    string // paragraphs shown by --help
	fs       *flag.FlagSet
}

func newCommand(name, synopsis, about string) *command {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// The flag package prints its own error line; the usage it would add
	// after it is replaced by a pointer to --help (parse).
	fs.Usage = func() {}
	return &command{name: name, synopsis: synopsis, about: about, fs: fs}
}

// parse reads args. ok is false when the command should stop at once with
// code: after --help (0) or a usage error (2), both already reported.
func (c *command) parse(args []string, maxArgs int, stdout, stderr io.Writer) (code int, ok bool) {
	c.fs.SetOutput(stderr)
	err := c.fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		c.help(stdout)
		return exitOK, false
	case err != nil:
		fmt.Fprintf(stderr, "Run 'apiary %s --help' for its flags.\n", c.name)
		return exitUsage, false
	case maxArgs >= 0 && c.fs.NArg() > maxArgs:
		fmt.Fprintf(stderr, "apiary %s: unexpected argument %q\nRun 'apiary %s --help' for usage.\n", c.name, c.fs.Arg(maxArgs), c.name)
		return exitUsage, false
	}
	return exitOK, true
}

// help writes the synopsis, the description and every flag.
func (c *command) help(w io.Writer) {
	fmt.Fprintf(w, "Usage: apiary %s\n\n%s\n", c.synopsis, strings.TrimSpace(c.about))
	n := 0
	c.fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprintf(w, "\nFlags (--name value or --name=value):\n")
	c.fs.VisitAll(func(f *flag.Flag) {
		arg, usage := argName(f)
		if arg != "" {
			arg = " " + arg
		}
		fmt.Fprintf(w, "  --%s%s\n      %s", f.Name, arg, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// argName names a flag's argument: the configuration key's kind, a name in
// backquotes in the usage (as the flag package does), or "value".
func argName(f *flag.Flag) (string, string) {
	if a, ok := f.Value.(interface{ ArgName() string }); ok {
		return a.ArgName(), f.Usage
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "", f.Usage
	}
	name, usage := flag.UnquoteUsage(f)
	if name == "" {
		name = "value"
	}
	return name, usage
}

// nodeConfig parses the arguments of a command that takes serve's flags
// (serve, config, hardware) and resolves the configuration they give. ok
// is false when the command should stop at once with code: after --help
// (0), a usage error or an invalid configuration (2), all already
// reported.
func nodeConfig(cmd *command, args []string, stdout, stderr io.Writer) (cfg *config.Config, code int, ok bool) {
	flags := config.RegisterFlags(cmd.fs)
	if code, ok := cmd.parse(args, 0, stdout, stderr); !ok {
		return nil, code, false
	}
	if cfg = loadConfig(cmd.name, flags, stderr); cfg == nil {
		return nil, exitUsage, false
	}
	return cfg, exitOK, true
}

// loadConfig resolves the configuration of a command; on failure it prints
// every bad value and returns nil.
func loadConfig(cmd string, flags *config.Flags, stderr io.Writer) *config.Config {
	cfg, err := config.Load(config.Input{Flags: flags})
	if err != nil {
		reportConfigError(stderr, cmd, err)
		return nil
	}
	return cfg
}

// reportConfigError prints a configuration error, one problem per line,
// and how to see where each value came from.
func reportConfigError(w io.Writer, cmd string, err error) {
	fmt.Fprintf(w, "apiary %s: invalid configuration:\n", cmd)
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	for _, e := range errs {
		fmt.Fprintf(w, "  %v\n", e)
	}
	fmt.Fprintf(w, "Fix the values above; 'apiary config' shows every value and where it came from (default, file, env or flag).\n")
}
