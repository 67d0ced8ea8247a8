// Package config resolves a node's configuration from four layers, each
// overriding the one before: built-in defaults, a TOML file (--config or
// APIARY_CONFIG), APIARY_* environment variables (and the standard AWS_*
// ones for storage credentials), and command-line flags.
//
// Every key is declared once, in keys.go, with its TOML name
// ("server.listen"), environment variable, flag, default, parser and
// description; the file reader, the environment reader, the flag set, the
// validation and `apiary config`'s listing are all driven by that table, so
// they cannot disagree. A resolved Config remembers, for each key, the layer
// and the name (file path, variable, flag) its value came from.
//
// Configuration errors are collected rather than returned one at a time:
// Load reports every bad key at once, each as an *Error naming the key, where
// its value came from and what is wrong, with the closest known key
// suggested for a misspelt one. An unknown key in the file is an error; an
// unknown APIARY_* variable only draws a warning when it looks like a typo
// of a known one, because tests and tools use other APIARY_* variables.
//
// Usage:
//
//	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
//	flags := config.RegisterFlags(fs)
//	if err := fs.Parse(args); err != nil { ... }
//	cfg, err := config.Load(config.Input{Flags: flags})
//	if err != nil { ... } // exit 2: the messages say which key and why
//	cfg.WriteTOML(os.Stdout) // `apiary config`
//
// Imports: the standard library, github.com/BurntSushi/toml and exec/cell
// (for the size syntax frames already use); nothing that opens storage.
package config
