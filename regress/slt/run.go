package slt

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/regress/difftest"
)

// DB is an engine a file runs against.
type DB interface {
	// Engine names the engine for skipif/onlyif: "apiary" or "postgresql".
	Engine() string
	// Run runs one statement and returns its result in PostgreSQL's text
	// format; a failure is a Result with a Code.
	Run(ctx context.Context, sql string) (*difftest.Result, error)
}

// Apiary runs records on an Apiary session.
type Apiary struct{ Session *exec.Session }

func (a Apiary) Engine() string { return "apiary" }

func (a Apiary) Run(ctx context.Context, sql string) (*difftest.Result, error) {
	return difftest.QueryApiary(ctx, a.Session, sql), nil
}

// Postgres runs records on a PostgreSQL connection with the simple
// protocol.
type Postgres struct{ Conn *pgx.Conn }

func (p Postgres) Engine() string { return "postgresql" }

func (p Postgres) Run(ctx context.Context, sql string) (*difftest.Result, error) {
	return difftest.QueryPostgres(ctx, p.Conn, sql)
}

// Failure is one record whose outcome differed from the file.
type Failure struct {
	Record *Record
	Msg    string
}

func (f Failure) String() string {
	return fmt.Sprintf("line %d: %s\n    %s", f.Record.Line, f.Msg, strings.ReplaceAll(f.Record.SQL, "\n", "\n    "))
}

// Stats counts what a run did.
type Stats struct {
	Records, Passed, Skipped int
	Failures                 []Failure
}

// Run runs records on db in order and checks each outcome. It returns an
// error only when db itself fails (a lost connection).
func Run(ctx context.Context, db DB, records []Record) (*Stats, error) {
	st := &Stats{}
	labels := map[string]string{} // label → hash of the first result with it
	for i := range records {
		rec := &records[i]
		st.Records++
		if !rec.Runs(db.Engine()) {
			st.Skipped++
			continue
		}
		res, err := db.Run(ctx, rec.SQL)
		if err != nil {
			return st, fmt.Errorf("line %d: %w", rec.Line, err)
		}
		if msg := check(rec, res, labels); msg != "" {
			st.Failures = append(st.Failures, Failure{Record: rec, Msg: msg})
			continue
		}
		st.Passed++
	}
	return st, nil
}

// check returns why res does not match rec, or "".
func check(rec *Record, res *difftest.Result, labels map[string]string) string {
	switch {
	case rec.ExpectError && res.Failed():
		return ""
	case rec.ExpectError:
		return "succeeded, want an error"
	case res.Failed():
		return fmt.Sprintf("failed with %s: %s", res.Code, res.Message)
	case !rec.Query:
		return ""
	}
	if len(res.Columns) != len(rec.Types) {
		return fmt.Sprintf("returned %d columns, the record declares %d (%s)", len(res.Columns), len(rec.Types), rec.Types)
	}
	values := Format(rec.Types, res.Rows, rec.Sort)
	if rec.Hash != "" || (rec.HashThreshold > 0 && len(values) > rec.HashThreshold) || rec.Label != "" {
		h := Hash(values)
		if rec.Label != "" {
			if first, ok := labels[rec.Label]; ok && first != h {
				return fmt.Sprintf("result hashes to %s, but an earlier query labelled %s hashed to %s", h, rec.Label, first)
			}
			labels[rec.Label] = h
		}
		if rec.Hash != "" {
			if len(values) != rec.HashCount || h != rec.Hash {
				return fmt.Sprintf("got %d values hashing to %s, want %d values hashing to %s", len(values), h, rec.HashCount, rec.Hash)
			}
			return ""
		}
	}
	if !rec.HasResults {
		return ""
	}
	// Values one per line (the classic layout), or rows one per line with
	// the values separated by spaces or tabs.
	if len(rec.Expected) == len(values) {
		for i, v := range values {
			if v != rec.Expected[i] {
				return fmt.Sprintf("value %d (row %d, column %d) is %q, want %q", i+1, i/max(len(rec.Types), 1)+1, i%max(len(rec.Types), 1)+1, v, rec.Expected[i])
			}
		}
		return ""
	}
	n := len(rec.Types)
	if n > 0 && len(values)/n == len(rec.Expected) {
		for i, want := range rec.Expected {
			got := strings.Join(values[i*n:(i+1)*n], " ")
			if got != strings.Join(strings.Fields(want), " ") {
				return fmt.Sprintf("row %d is %q, want %q", i+1, got, want)
			}
		}
		return ""
	}
	return fmt.Sprintf("got %d values in %d rows, the record expects %d lines:\n%s", len(values), len(res.Rows), len(rec.Expected), strings.Join(values, "\n"))
}

// Format renders rows as sqllogictest does: each value by its column's
// type letter (I integer, R real with three decimals, T text with "(empty)"
// for the empty string and '@' for bytes outside printable ASCII), NULL as
// "NULL",
// then sorted as mode says. The result is flat: row after row.
func Format(types string, rows [][]difftest.Value, mode SortMode) []string {
	formatted := make([][]string, len(rows))
	for i, row := range rows {
		out := make([]string, len(row))
		for j, v := range row {
			t := byte('T')
			if j < len(types) {
				t = types[j]
			}
			out[j] = formatValue(t, v)
		}
		formatted[i] = out
	}
	if mode == RowSort {
		slices.SortFunc(formatted, slices.Compare)
	}
	var flat []string
	for _, r := range formatted {
		flat = append(flat, r...)
	}
	if mode == ValueSort {
		slices.Sort(flat)
	}
	return flat
}

func formatValue(t byte, v difftest.Value) string {
	if v.Null {
		return "NULL"
	}
	s := v.Text
	switch t {
	case 'I':
		if _, err := strconv.ParseInt(s, 10, 64); err == nil {
			return s
		}
		switch s {
		case "t":
			return "1"
		case "f":
			return "0"
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return strconv.FormatInt(int64(f), 10)
		}
		return "0"
	case 'R':
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return "0.000"
		}
		return strconv.FormatFloat(f, 'f', 3, 64)
	}
	if s == "" {
		return "(empty)"
	}
	// As sqllogictest.c: every byte outside printable ASCII becomes '@'
	// (so a two-byte UTF-8 letter becomes "@@").
	b := []byte(s)
	for i, c := range b {
		if c < ' ' || c > '~' {
			b[i] = '@'
		}
	}
	return string(b)
}

// Hash is sqllogictest's result hash: the MD5 of every value followed by a
// newline.
func Hash(values []string) string {
	h := md5.New()
	for _, v := range values {
		h.Write([]byte(v))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Wire runs records over the PostgreSQL protocol on a connection to any
// server, naming the engine for skipif/onlyif: Apiary reached over the
// wire is Wire{conn, "apiary"}.
type Wire struct {
	Conn *pgx.Conn
	Name string
}

// Engine implements DB.
func (w Wire) Engine() string { return w.Name }

// Run implements DB.
func (w Wire) Run(ctx context.Context, sql string) (*difftest.Result, error) {
	return difftest.QueryPostgres(ctx, w.Conn, sql)
}
