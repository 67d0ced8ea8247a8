package pgcatalog

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
)

// The data directory holds facts copied from PostgreSQL 15 by
// regress/catalogtest (TestGenerateCatalogData): the relations of
// pg_catalog and information_schema with their columns, and the built-in
// rows Apiary serves as PostgreSQL has them (types, functions, collations,
// languages, access methods, tablespaces, keywords). Each file is
// tab-separated text with a header line, \N for NULL and COPY's backslash
// escapes.
//
//go:embed data/*.tsv
var dataFiles embed.FS

// tsv is one parsed data file. A nil cell is NULL.
type tsv struct {
	cols  []string
	index map[string]int
	rows  [][]*string
}

// col returns the position of a column; the data files are generated and
// checked by tests, so a missing column is a programming error.
func (t *tsv) col(name string) int {
	i, ok := t.index[name]
	if !ok {
		panic(fmt.Sprintf("pgcatalog: data file has no column %q", name))
	}
	return i
}

// str returns a cell as a string ("" for NULL).
func (t *tsv) str(row []*string, name string) string {
	if v := row[t.col(name)]; v != nil {
		return *v
	}
	return ""
}

// num returns a cell as an integer (0 for NULL).
func (t *tsv) num(row []*string, name string) int64 {
	n, _ := strconv.ParseInt(t.str(row, name), 10, 64)
	return n
}

// mustLoad parses an embedded data file. The files are part of the build
// and covered by tests, so a malformed one stops the program at start-up
// rather than misleading clients later.
func mustLoad(name string) *tsv {
	raw, err := dataFiles.ReadFile("data/" + name)
	if err != nil {
		panic(fmt.Sprintf("pgcatalog: %v", err))
	}
	t, err := parseTSV(string(raw))
	if err != nil {
		panic(fmt.Sprintf("pgcatalog: %s: %v", name, err))
	}
	return t
}

func parseTSV(s string) (*tsv, error) {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		return nil, fmt.Errorf("no header")
	}
	t := &tsv{cols: strings.Split(lines[0], "\t"), index: map[string]int{}}
	for i, c := range t.cols {
		t.index[c] = i
	}
	for n, line := range lines[1:] {
		fields := strings.Split(line, "\t")
		if len(fields) != len(t.cols) {
			return nil, fmt.Errorf("line %d has %d fields, want %d", n+2, len(fields), len(t.cols))
		}
		row := make([]*string, len(fields))
		for i, f := range fields {
			if f == `\N` {
				continue
			}
			v := unescapeTSV(f)
			row[i] = &v
		}
		t.rows = append(t.rows, row)
	}
	return t, nil
}

func unescapeTSV(f string) string {
	if !strings.Contains(f, `\`) {
		return f
	}
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '\\' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(f[i])
		}
	}
	return b.String()
}
