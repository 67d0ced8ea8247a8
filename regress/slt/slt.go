// Package slt reads files in the sqllogictest format and runs them against
// Apiary (through exec.Session) or PostgreSQL (through pgx), so that
// sqllogictest corpora and hand-written .test files can check Apiary, and
// PostgreSQL can confirm their expected results.
//
// Supported records (https://sqlite.org/sqllogictest/doc/trunk/about.wiki):
//
//	statement ok | statement error [pattern]
//	query <types> [nosort|rowsort|valuesort] [label]   (also "query error")
//	----
//	<results: one value per line, one row per line, or "N values hashing to <md5>">
//	hash-threshold N
//	skipif <engine> / onlyif <engine>   (engines: apiary, postgresql)
//	halt
//
// Lines starting with '#' are comments. Records are separated by blank lines.
// Error patterns are accepted but not matched: engines word their messages
// differently, so only failure itself is checked.
package slt

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// SortMode is how a query's results are ordered before comparison.
type SortMode int

const (
	NoSort    SortMode = iota // as returned
	RowSort                   // rows sorted by their values
	ValueSort                 // every value sorted on its own
)

// Record is one statement or query of a file.
type Record struct {
	Line int    // 1-based line of the record's first line
	SQL  string // the statement text

	// Query is false for "statement" records.
	Query bool
	// ExpectError: the statement or query must fail.
	ExpectError bool
	// Types has one letter per result column: T text, I integer, R real.
	Types string
	Sort  SortMode
	Label string
	// HasResults is false for a query without a "----" section: only its
	// success (and its label's hash) is checked.
	HasResults bool
	// Expected holds the result lines after "----" (not for hashes).
	Expected []string
	// HashCount and Hash are set when the result is "N values hashing to H".
	HashCount int
	Hash      string
	// SkipIf and OnlyIf list the engines named by conditions before the
	// record.
	SkipIf, OnlyIf []string
	// HashThreshold in force for this record (0 = never hash).
	HashThreshold int
}

// Runs reports whether the record applies to engine.
func (r *Record) Runs(engine string) bool {
	for _, e := range r.SkipIf {
		if e == engine {
			return false
		}
	}
	if len(r.OnlyIf) == 0 {
		return true
	}
	for _, e := range r.OnlyIf {
		if e == engine {
			return true
		}
	}
	return false
}

var hashRe = regexp.MustCompile(`^(\d+) values hashing to ([0-9a-f]{32})$`)

// Parse reads a sqllogictest file. It stops at "halt".
func Parse(r io.Reader, name string) ([]Record, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	var (
		lines []string
		out   []Record
	)
	for sc.Scan() {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	threshold := 0
	var skipIf, onlyIf []string
	errorf := func(no int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, no+1, fmt.Sprintf(format, args...))
	}
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch f[0] {
		case "halt":
			return out, nil
		case "hash-threshold":
			if len(f) != 2 {
				return nil, errorf(i, "hash-threshold takes a number")
			}
			n, err := strconv.Atoi(f[1])
			if err != nil {
				return nil, errorf(i, "hash-threshold: %v", err)
			}
			threshold = n
		case "skipif", "onlyif":
			if len(f) < 2 {
				return nil, errorf(i, "%s needs an engine name", f[0])
			}
			if f[0] == "skipif" {
				skipIf = append(skipIf, f[1])
			} else {
				onlyIf = append(onlyIf, f[1])
			}
		case "statement", "query":
			rec := Record{Line: i + 1, HashThreshold: threshold, SkipIf: skipIf, OnlyIf: onlyIf}
			skipIf, onlyIf = nil, nil
			if f[0] == "statement" {
				if len(f) < 2 || (f[1] != "ok" && f[1] != "error") {
					return nil, errorf(i, "want \"statement ok\" or \"statement error\"")
				}
				rec.ExpectError = f[1] == "error"
			} else {
				rec.Query = true
				if len(f) < 2 {
					return nil, errorf(i, "query needs its column types")
				}
				if f[1] == "error" {
					rec.ExpectError = true
				} else {
					rec.Types = f[1]
					for _, c := range rec.Types {
						if c != 'T' && c != 'I' && c != 'R' {
							return nil, errorf(i, "unknown column type %q", c)
						}
					}
					if len(f) > 2 {
						switch f[2] {
						case "nosort":
						case "rowsort":
							rec.Sort = RowSort
						case "valuesort":
							rec.Sort = ValueSort
						default:
							return nil, errorf(i, "unknown sort mode %q", f[2])
						}
					}
					if len(f) > 3 {
						rec.Label = f[3]
					}
				}
			}
			// The SQL runs to a blank line, or to "----" for queries.
			var sql []string
			i++
			for ; i < len(lines) && strings.TrimSpace(lines[i]) != "" && lines[i] != "----"; i++ {
				sql = append(sql, lines[i])
			}
			rec.SQL = strings.TrimSuffix(strings.TrimSpace(strings.Join(sql, "\n")), ";")
			if rec.SQL == "" {
				return nil, errorf(rec.Line-1, "record without SQL")
			}
			if i < len(lines) && lines[i] == "----" {
				if !rec.Query || rec.ExpectError {
					return nil, errorf(i, "results for a record that has none")
				}
				rec.HasResults = true
				for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
					rec.Expected = append(rec.Expected, lines[i])
				}
				if len(rec.Expected) == 1 {
					if m := hashRe.FindStringSubmatch(strings.TrimSpace(rec.Expected[0])); m != nil {
						rec.HashCount, _ = strconv.Atoi(m[1])
						rec.Hash = m[2]
						rec.Expected = nil
					}
				}
			}
			out = append(out, rec)
		default:
			return nil, errorf(i, "unknown record %q", f[0])
		}
	}
	return out, nil
}
