package pgcatalog

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Rows returns the rows of rel in c. Each value is nil (NULL), a bool, an
// int64, a float64, a time.Time (timestamptz) or a string holding the
// value in PostgreSQL's text format for the column's type (arrays and
// vectors included: '{a,b}', '1 2'). A relation without a producer has no
// rows.
func (c *Catalog) Rows(rel *Relation) [][]any {
	if rel.fill == nil {
		return nil
	}
	s := &rowSet{c: c, rel: rel}
	rel.fill(s)
	for _, row := range s.rows {
		for i, v := range row {
			row[i] = normalize(v, rel.Columns[i].TypeOID)
		}
	}
	return s.rows
}

// rowSet collects a relation's rows while a producer runs.
type rowSet struct {
	c    *Catalog
	rel  *Relation
	rows [][]any
}

// add appends a row given as column name, value pairs; columns left out are
// NULL. Naming columns keeps producers right whatever PostgreSQL's column
// order; an unknown name is a programming error the tests catch.
func (s *rowSet) add(kv ...any) {
	row := make([]any, len(s.rel.Columns))
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		idx := s.rel.Col(name)
		if idx < 0 {
			panic(fmt.Sprintf("pgcatalog: %s.%s has no column %q", s.rel.Schema, s.rel.Name, name))
		}
		row[idx] = kv[i+1]
	}
	s.rows = append(s.rows, row)
}

// addData appends a row copied from a data file, matching columns by name,
// with overrides given as name, value pairs.
func (s *rowSet) addData(d *tsv, raw []*string, overrides ...any) {
	row := make([]any, len(s.rel.Columns))
	for i, c := range s.rel.Columns {
		if j, ok := d.index[c.Name]; ok && raw[j] != nil {
			row[i] = *raw[j]
		}
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		row[s.rel.Col(overrides[i].(string))] = overrides[i+1]
	}
	s.rows = append(s.rows, row)
}

// The vector types print their elements separated by spaces.
const (
	oidInt2Vector = 22
	oidOIDVector  = 30
)

// normalize turns a producer's Go value into one of the forms Rows
// promises, for a column of type typ.
func normalize(v any, typ uint32) any {
	switch x := v.(type) {
	case nil, bool, int64, float64, string, time.Time:
		return v
	case int:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case uint32:
		return int64(x)
	case byte:
		if x == 0 {
			return ""
		}
		return string(rune(x))
	case float32:
		return float64(x)
	case []string:
		return arrayText(x)
	case []uint32:
		return intsText(x, typ)
	case []int16:
		return intsText(x, typ)
	}
	panic(fmt.Sprintf("pgcatalog: unexpected value %T", v))
}

// intsText writes integers as a column of type typ prints them: a vector
// (int2vector, oidvector) space-separated, an array in braces.
func intsText[T int16 | uint32](x []T, typ uint32) string {
	parts := make([]string, len(x))
	for i, n := range x {
		parts[i] = strconv.FormatInt(int64(n), 10)
	}
	if typ == oidInt2Vector || typ == oidOIDVector {
		return strings.Join(parts, " ")
	}
	return "{" + strings.Join(parts, ",") + "}"
}

// arrayText writes a one-dimensional text array as PostgreSQL prints it:
// elements quoted when empty, when they hold a delimiter, brace, quote,
// backslash or white space, or when they spell NULL.
func arrayText(elems []string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, e := range elems {
		if i > 0 {
			b.WriteByte(',')
		}
		if !needsQuotes(e) {
			b.WriteString(e)
			continue
		}
		b.WriteByte('"')
		for j := 0; j < len(e); j++ {
			if e[j] == '"' || e[j] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(e[j])
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String()
}

func needsQuotes(e string) bool {
	if e == "" || strings.EqualFold(e, "NULL") {
		return true
	}
	return strings.ContainsAny(e, "{},\"\\ \t\n\r\v\f")
}
