package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// fileValue is one known key set by the file.
type fileValue struct {
	key *key
	raw rawValue
}

// readFile reads a TOML configuration file. It returns the known keys it
// sets, and one error per unknown key or value of the wrong TOML type, or
// a single error when the file cannot be read or parsed.
func readFile(path string) ([]fileValue, []error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, []error{fmt.Errorf("cannot read the configuration file: %w", err)}
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, []error{fmt.Errorf("the configuration file is not valid TOML: line %d: %s", pe.Position.Line, pe.Message)}
		}
		return nil, []error{fmt.Errorf("the configuration file is not valid TOML: %w", err)}
	}
	origin := Origin{FromFile, path}
	var values []fileValue
	var errs []error
	flat := flatten("", doc)
	for _, name := range slices.Sorted(maps.Keys(flat)) {
		v := flat[name]
		k := keyByName[name]
		if k == nil {
			errs = append(errs, &Error{Key: name, Origin: origin, Err: unknownKey(name)})
			continue
		}
		raw, err := tomlRaw(k, v)
		if err != nil {
			errs = append(errs, &Error{Key: name, Origin: origin, Err: err})
			continue
		}
		values = append(values, fileValue{key: k, raw: raw})
	}
	return values, errs
}

// flatten turns nested tables into dotted names. A table that is itself a
// key's value (none is today) would be flattened too, and reported as
// unknown keys below it.
func flatten(prefix string, table map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range table {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if sub, ok := v.(map[string]any); ok {
			if _, known := keyByName[name]; !known {
				for sk, sv := range flatten(name, sub) {
					out[sk] = sv
				}
				continue
			}
		}
		out[name] = v
	}
	return out
}

// tomlRaw converts a decoded TOML value to the key's text syntax. Numbers
// and booleans are accepted where the key reads them; strings everywhere
// a scalar goes, so that "64MiB" and "auto" work.
func tomlRaw(k *key, v any) (rawValue, error) {
	if k.kind == kindList {
		arr, ok := v.([]any)
		if !ok {
			return rawValue{}, fmt.Errorf("must be an array of strings, e.g. [\"alice:secret\"], not %s", tomlType(v))
		}
		out := make([]string, 0, len(arr))
		for _, e := range arr {
			s, ok := e.(string)
			if !ok {
				return rawValue{}, fmt.Errorf("must be an array of strings; it holds %s", tomlType(e))
			}
			out = append(out, s)
		}
		return rawValue{list: out, isList: true}, nil
	}
	switch x := v.(type) {
	case string:
		return rawValue{scalar: x}, nil
	case int64:
		if k.kind == kindInt || k.kind == kindSize {
			return rawValue{scalar: strconv.FormatInt(x, 10)}, nil
		}
		if k.kind == kindDuration {
			return rawValue{}, fmt.Errorf("%d has no unit: write a string such as \"%ds\"", x, x)
		}
	case bool:
		if k.kind == kindBool {
			return rawValue{scalar: strconv.FormatBool(x)}, nil
		}
	}
	return rawValue{}, fmt.Errorf("must be %s, not %s", kindWord(k), tomlType(v))
}

func kindWord(k *key) string {
	switch k.kind {
	case kindInt:
		return "an integer"
	case kindSize:
		return "a size (an integer of bytes, or a string such as \"64MiB\")"
	case kindDuration:
		return "a duration string such as \"10s\""
	case kindBool:
		return "true or false"
	}
	return "a string"
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// unknownKey explains a key the file should not have, suggesting the
// known key it most likely meant.
func unknownKey(name string) error {
	if s := suggest(name); s != "" {
		return fmt.Errorf("unknown key (did you mean %s?)", s)
	}
	return errors.New("unknown key; `apiary config` lists every key")
}

// suggest returns the known key closest to name, or "". A key written
// without its section ("listen") or in the wrong one finds its namesake;
// otherwise the edit distance decides, within a third of the name.
func suggest(name string) string {
	leaf := name[strings.LastIndexByte(name, '.')+1:]
	best, bestDist := "", len(name)/3+1
	for _, k := range keys {
		if k.name[strings.LastIndexByte(k.name, '.')+1:] == leaf {
			return k.name
		}
		if d := editDistance(name, k.name); d < bestDist {
			best, bestDist = k.name, d
		}
	}
	return best
}

// envTypos warns about APIARY_* variables that are not configuration
// variables but are close to one.
func envTypos(environ map[string]string) []string {
	known := map[string]bool{ConfigEnv: true}
	for _, k := range keys {
		for _, e := range k.env {
			known[e] = true
		}
	}
	var warnings []string
	for name := range environ {
		if !strings.HasPrefix(name, "APIARY_") || known[name] {
			continue
		}
		best, bestDist := "", 3
		for _, e := range slices.Sorted(maps.Keys(known)) {
			if d := editDistance(name, e); d < bestDist {
				best, bestDist = e, d
			}
		}
		if best != "" {
			warnings = append(warnings, fmt.Sprintf("environment variable %s is not a configuration variable; did you mean %s?", name, best))
		}
	}
	slices.Sort(warnings)
	return warnings
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
