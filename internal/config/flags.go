package config

import (
	"flag"
	"slices"
	"strings"
)

// Flags are the configuration flags registered on a FlagSet. Load reads
// only the ones given on the command line, so an unset flag never hides a
// value from the file or the environment.
type Flags struct {
	values    map[string]*flagValue // by TOML name
	config    string
	configSet bool
}

// RegisterFlags registers --config and the flags of the named keys (TOML
// names; none means every key that has a flag) on fs.
func RegisterFlags(fs *flag.FlagSet, only ...string) *Flags {
	f := &Flags{values: map[string]*flagValue{}}
	fs.Func("config", "TOML configuration `file` (also "+ConfigEnv+"); its values yield to APIARY_* variables and flags", func(v string) error {
		f.config, f.configSet = v, true
		return nil
	})
	for _, k := range keys {
		if k.flag == "" || (len(only) > 0 && !slices.Contains(only, k.name)) {
			continue
		}
		v := &flagValue{key: k}
		f.values[k.name] = v
		fs.Var(v, k.flag, k.usage+" ["+k.name+", "+strings.Join(k.env, ", ")+"]")
	}
	return f
}

// flagValue collects one flag's arguments as text; the key parses them in
// Load, with the other layers.
type flagValue struct {
	key *key
	all []string
	set bool
}

func (v *flagValue) Set(s string) error {
	if v.key.kind != kindList {
		v.all = v.all[:0]
	}
	v.all = append(v.all, s)
	v.set = true
	return nil
}

// String returns the default for the flag package's help, which calls it
// on a zero flagValue too.
func (v *flagValue) String() string {
	if v == nil || v.key == nil || v.key.def == "false" {
		return ""
	}
	return v.key.def
}

// ArgName names the flag's argument in help: what kind of value it takes.
func (v *flagValue) ArgName() string {
	switch v.key.kind {
	case kindInt:
		return "n"
	case kindSize:
		return "size"
	case kindDuration:
		return "duration"
	case kindBool:
		return ""
	}
	if k := v.key.name; strings.HasSuffix(k, "listen") || strings.HasSuffix(k, "http") {
		return "host:port"
	}
	if v.key.kind == kindList {
		return "name:secret"
	}
	return "string"
}

// IsBoolFlag lets a boolean key's flag stand alone (--require-tls).
func (v *flagValue) IsBoolFlag() bool { return v.key != nil && v.key.kind == kindBool }

func (v *flagValue) last() string {
	if len(v.all) == 0 {
		return ""
	}
	return v.all[len(v.all)-1]
}
