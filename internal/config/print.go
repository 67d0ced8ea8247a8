package config

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// redacted stands for a secret in `apiary config`'s output.
const redacted = "<redacted>"

// WriteTOML writes the effective configuration as a TOML file, each value
// followed by a comment saying where it came from. Secrets are redacted,
// so the output is safe to paste into an issue; with them filled in again
// it is a valid configuration file.
func (c *Config) WriteTOML(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Effective configuration: each value's source follows it (default, file, env or flag).\n")
	if c.File != "" {
		fmt.Fprintf(&b, "# Configuration file: %s\n", c.File)
	}
	section := ""
	width := 0
	for _, k := range keys {
		width = max(width, len(leafName(k.name)))
	}
	for _, k := range keys {
		sec := k.name[:strings.IndexByte(k.name, '.')]
		if sec != section {
			fmt.Fprintf(&b, "\n[%s]\n", sec)
			section = sec
		}
		line := fmt.Sprintf("%-*s = %s", width, leafName(k.name), c.show(k))
		fmt.Fprintf(&b, "%-60s # %s\n", line, c.origins[k.name])
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func leafName(name string) string { return name[strings.IndexByte(name, '.')+1:] }

// show writes key's value as a TOML literal, secrets redacted.
func (c *Config) show(k *key) string {
	switch k.kind {
	case kindList:
		var parts []string
		for _, e := range *k.list(c) {
			if k.secret {
				name, _, _ := strings.Cut(e, ":")
				e = name + ":" + redacted
			}
			parts = append(parts, tomlQuote(e))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case kindInt, kindSize:
		var n int64
		if k.kind == kindInt {
			n = int64(*k.num(c))
		} else {
			n = *k.size(c)
		}
		for word, v := range k.words {
			if v == n {
				return tomlQuote(word)
			}
		}
		if k.kind == kindSize {
			return tomlQuote(formatSize(n))
		}
		return strconv.FormatInt(n, 10)
	case kindDuration:
		return tomlQuote(formatDuration(*k.dur(c)))
	case kindBool:
		return strconv.FormatBool(*k.flg(c))
	}
	if k.level != nil {
		return tomlQuote(strings.ToLower(k.level(c).String()))
	}
	v := *k.str(c)
	switch {
	case k.secret && v != "":
		v = redacted
	case k.name == "storage.url":
		v = redactURL(v)
	case k.name == "server.http" && v == "":
		v = "off"
	}
	return tomlQuote(v)
}

// tomlQuote writes s as a TOML basic string.
func tomlQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// formatSize writes n bytes in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		size   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatDuration writes d as time.Duration does, without the zero units
// it appends ("1m" rather than "1m0s").
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
