package tpch

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
)

//go:embed queries/*.sql
var queryFiles embed.FS

// Query is one TPC-H query with the specification's validation parameters
// substituted (clause 2.4.x.3).
type Query struct {
	Number int    // 1..22
	SQL    string // PostgreSQL syntax, no trailing semicolon; starts with a comment
}

// Queries holds Q1..Q22 in order: Queries[n-1].Number == n. Q15's view is a
// CTE; intervals are written date '...' + interval 'n' unit.
var Queries = loadQueries()

func loadQueries() []Query {
	qs := make([]Query, 22)
	for i := range qs {
		name := fmt.Sprintf("queries/q%02d.sql", i+1)
		b, err := queryFiles.ReadFile(name)
		if err != nil {
			// The files are embedded at build time; a missing one is a
			// packaging bug that no caller could handle.
			panic(fmt.Sprintf("tpch: embedded %s: %v", name, err))
		}
		qs[i] = Query{Number: i + 1, SQL: strings.TrimSpace(string(b))}
	}
	return qs
}

// q11Fraction is the literal in q11.sql; the specification defines
// FRACTION as 0.0001/SF, so only at SF 1 is the file's text the scaled one.
const q11Fraction = "* 0.0001"

// QueryForSF returns query n with its scale-dependent parameter set for sf:
// Q11's FRACTION becomes 0.0001/SF as dbgen's qgen writes it. Every other
// query is returned unchanged.
func QueryForSF(n int, sf float64) (string, error) {
	if n < 1 || n > len(Queries) {
		return "", fmt.Errorf("tpch: no query %d", n)
	}
	if _, err := newScale(sf); err != nil {
		return "", err
	}
	q := Queries[n-1].SQL
	if n == 11 {
		if !strings.Contains(q, q11Fraction) {
			return "", fmt.Errorf("tpch: q11.sql no longer contains %q", q11Fraction)
		}
		// Ten significant digits, printed without an exponent: 0.0001/0.01
		// is 0.010000000000000002 in float64, and SQL wants "0.01".
		f, _ := strconv.ParseFloat(strconv.FormatFloat(0.0001/sf, 'e', 9, 64), 64)
		q = strings.Replace(q, q11Fraction, "* "+strconv.FormatFloat(f, 'f', -1, 64), 1)
	}
	return q, nil
}
