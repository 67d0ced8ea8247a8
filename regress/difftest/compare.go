package difftest

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Value is one result cell in PostgreSQL's text format. NULL is not the
// empty string.
type Value struct {
	Text string
	Null bool
}

func (v Value) String() string {
	if v.Null {
		return "NULL"
	}
	return v.Text
}

// ColumnKind says which comparison rule applies to a column. It comes from
// the type PostgreSQL reports for the column, never from Apiary's.
type ColumnKind int

const (
	// KindExact columns must be byte-identical.
	KindExact ColumnKind = iota
	// KindNumeric is a numeric column without a declared scale (typmod -1:
	// the result of arithmetic, aggregates, round, ...). Its values must
	// match exactly too (see EqualValues); the kind only shapes the sort
	// key of unordered results.
	KindNumeric
	// KindFloat8 and KindFloat4 are double precision and real columns:
	// values that differ as numbers get a relative tolerance.
	KindFloat8
	KindFloat4
)

// Float tolerances, relative to the larger magnitude.
const (
	float8Tolerance = 1e-12
	// real carries about 7 significant digits, so 1e-12 would demand
	// bit-identical results from any computation done in another order.
	float4Tolerance = 1e-6
)

// PostgreSQL type OIDs the comparison rules depend on.
const (
	oidFloat4  = 700
	oidFloat8  = 701
	oidNumeric = 1700
)

// kindOf maps a PostgreSQL result column type to its comparison rule.
func kindOf(oid uint32, typmod int32) ColumnKind {
	switch oid {
	case oidFloat4:
		return KindFloat4
	case oidFloat8:
		return KindFloat8
	case oidNumeric:
		if typmod < 0 {
			return KindNumeric
		}
	}
	return KindExact
}

// Result is the outcome of one statement on one system.
type Result struct {
	Columns []string
	Kinds   []ColumnKind // PostgreSQL results only; one per column
	Rows    [][]Value
	// Code and Message describe a failure; Code is "" on success.
	Code    string
	Message string
	// HasRows is false for statements that return no row set (SET ...).
	HasRows bool
}

// Failed reports whether the statement failed.
func (r *Result) Failed() bool { return r.Code != "" }

var decimalRe = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// decimals returns the number of digits after the point of a string that
// matches decimalRe.
func decimals(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// roundDecimal rounds a decimalRe string to d decimals, half away from
// zero, and prints it with exactly d decimals; a zero result has no sign.
func roundDecimal(s string, d int) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	var up bool
	if len(frac) > d {
		up = frac[d] >= '5'
		frac = frac[:d]
	}
	for len(frac) < d {
		frac += "0"
	}
	n, _ := new(big.Int).SetString(intPart+frac, 10)
	if up {
		n.Add(n, big.NewInt(1))
	}
	digits := n.String()
	if d > 0 {
		for len(digits) <= d {
			digits = "0" + digits
		}
		digits = digits[:len(digits)-d] + "." + digits[len(digits)-d:]
	}
	if neg && n.Sign() != 0 {
		digits = "-" + digits
	}
	return digits
}

// EqualValues compares PostgreSQL's value pg with Apiary's value ap in a
// column of kind k. The rules, in order:
//
//  1. NULL equals only NULL; NULL never equals a string (empty included).
//  2. Byte-identical strings are equal.
//  3. KindNumeric: no tolerance. Apiary's computed numerics (sums,
//     averages, quotients, variances, sqrt, exp, ln, power) give
//     PostgreSQL's digits and scales exactly, so a lost digit, a wrong
//     scale or a missing trailing zero is a bug.
//  4. KindFloat8, KindFloat4: when both parse as floats to different
//     numbers, they are equal if |a-b| <= tol * max(|a|, |b|), tol 1e-12
//     for double precision and 1e-6 for real. Two strings that parse to the
//     same number but are spelled differently are a formatting bug: unequal.
//  5. Anything else is unequal.
func EqualValues(k ColumnKind, pg, ap Value) bool {
	if pg.Null || ap.Null {
		return pg.Null == ap.Null
	}
	if pg.Text == ap.Text {
		return true
	}
	switch k {
	case KindFloat8:
		return floatsClose(pg.Text, ap.Text, float8Tolerance)
	case KindFloat4:
		return floatsClose(pg.Text, ap.Text, float4Tolerance)
	}
	return false
}

// floatsClose reports whether a and b parse as different finite floats
// within a relative tolerance.
func floatsClose(a, b string, tol float64) bool {
	x, err1 := strconv.ParseFloat(a, 64)
	y, err2 := strconv.ParseFloat(b, 64)
	if err1 != nil || err2 != nil || x == y {
		return false
	}
	if math.IsInf(x, 0) || math.IsInf(y, 0) || math.IsNaN(x) || math.IsNaN(y) {
		return false
	}
	return math.Abs(x-y) <= tol*math.Max(math.Abs(x), math.Abs(y))
}

// Mismatch describes the first difference between two results.
type Mismatch struct {
	Reason string
	// Row and Col locate the first differing cell in the compared order
	// (0-based; -1 when the difference is not in one cell).
	Row, Col int
	// PG and AP are the rows in the order they were compared.
	PG, AP [][]Value
}

// CompareResults compares Apiary's successful result ap with PostgreSQL's
// successful result pg. Column count and names must match; rows are
// compared in order when ordered, else as multisets (both sides sorted the
// same way first).
func CompareResults(pg, ap *Result, ordered bool) *Mismatch {
	if pg.HasRows != ap.HasRows {
		return &Mismatch{Reason: fmt.Sprintf("postgres returned rows: %v, apiary: %v", pg.HasRows, ap.HasRows), Row: -1, Col: -1}
	}
	if len(pg.Columns) != len(ap.Columns) {
		return &Mismatch{Reason: fmt.Sprintf("postgres has %d columns %q, apiary %d %q", len(pg.Columns), pg.Columns, len(ap.Columns), ap.Columns), Row: -1, Col: -1}
	}
	for i := range pg.Columns {
		if pg.Columns[i] != ap.Columns[i] {
			return &Mismatch{Reason: fmt.Sprintf("column %d is named %q in postgres, %q in apiary", i+1, pg.Columns[i], ap.Columns[i]), Row: -1, Col: i}
		}
	}
	kinds := pg.Kinds
	if len(kinds) != len(pg.Columns) {
		kinds = make([]ColumnKind, len(pg.Columns))
	}
	pgRows, apRows := pg.Rows, ap.Rows
	if !ordered {
		pgRows, apRows = sortBoth(kinds, pgRows, apRows)
	}
	m := &Mismatch{Row: -1, Col: -1, PG: pgRows, AP: apRows}
	for i := 0; i < len(pgRows) && i < len(apRows); i++ {
		if len(apRows[i]) != len(kinds) {
			m.Row, m.Reason = i, fmt.Sprintf("apiary row %d has %d values for %d columns", i+1, len(apRows[i]), len(kinds))
			return m
		}
		for j, k := range kinds {
			if !EqualValues(k, pgRows[i][j], apRows[i][j]) {
				m.Row, m.Col = i, j
				m.Reason = fmt.Sprintf("row %d column %q: postgres %s, apiary %s", i+1, pg.Columns[j], quoteValue(pgRows[i][j]), quoteValue(apRows[i][j]))
				return m
			}
		}
	}
	if len(pgRows) != len(apRows) {
		m.Row = min(len(pgRows), len(apRows))
		m.Reason = fmt.Sprintf("postgres returned %d rows, apiary %d", len(pgRows), len(apRows))
		return m
	}
	return nil
}

func quoteValue(v Value) string {
	if v.Null {
		return "NULL"
	}
	return strconv.Quote(v.Text)
}

// sortBoth sorts copies of both row sets by one key function, so that equal
// multisets line up row by row. In numeric and float columns where every
// value on both sides is a plain decimal the key rounds to the fewest
// decimals seen in the column, so that "0.333333" and "0.3333333333333333"
// sort alike: floats within tolerance then compare equal, and a numeric
// that lost digits is reported beside its counterpart.
func sortBoth(kinds []ColumnKind, pg, ap [][]Value) ([][]Value, [][]Value) {
	round := make([]int, len(kinds)) // decimals to round to, -1 = raw text
	for j, k := range kinds {
		round[j] = -1
		if k == KindExact {
			continue
		}
		d, ok := math.MaxInt, true
		for _, rows := range [][][]Value{pg, ap} {
			for _, r := range rows {
				if j >= len(r) || r[j].Null {
					continue
				}
				if !decimalRe.MatchString(r[j].Text) {
					ok = false
					break
				}
				d = min(d, decimals(r[j].Text))
			}
		}
		if ok && d != math.MaxInt {
			round[j] = d
		}
	}
	type keyed struct {
		key, raw []string
		row      []Value
	}
	prep := func(rows [][]Value) []keyed {
		out := make([]keyed, len(rows))
		for i, r := range rows {
			kr := keyed{row: r, key: make([]string, len(r)), raw: make([]string, len(r))}
			for j, v := range r {
				s := "\x01" + v.Text // NULL sorts first
				if v.Null {
					s = "\x00"
				}
				kr.raw[j] = s
				if j < len(round) && round[j] >= 0 && !v.Null {
					s = "\x01" + roundDecimal(v.Text, round[j])
				}
				kr.key[j] = s
			}
			out[i] = kr
		}
		slices.SortStableFunc(out, func(a, b keyed) int {
			if c := slices.Compare(a.key, b.key); c != 0 {
				return c
			}
			return slices.Compare(a.raw, b.raw)
		})
		return out
	}
	unwrap := func(ks []keyed) [][]Value {
		out := make([][]Value, len(ks))
		for i, k := range ks {
			out[i] = k.row
		}
		return out
	}
	return unwrap(prep(pg)), unwrap(prep(ap))
}

// Render prints a mismatch for a failure report: the reason, then the rows
// around the first difference side by side, PostgreSQL on the left.
func (m *Mismatch) Render(pgCols, apCols []string) string {
	var b strings.Builder
	b.WriteString(m.Reason)
	b.WriteByte('\n')
	const context = 4
	lo, hi := 0, max(len(m.PG), len(m.AP))
	if m.Row >= 0 {
		lo = max(0, m.Row-context)
		hi = min(hi, m.Row+context+1)
	} else {
		hi = min(hi, 2*context+1)
	}
	left := make([]string, 0, hi-lo+1)
	right := make([]string, 0, hi-lo+1)
	left = append(left, "postgres: "+strings.Join(pgCols, " | "))
	right = append(right, "apiary: "+strings.Join(apCols, " | "))
	for i := lo; i < hi; i++ {
		left = append(left, rowText(m.PG, i))
		right = append(right, rowText(m.AP, i))
	}
	width := 0
	for _, l := range left {
		width = max(width, len([]rune(l)))
	}
	if width > sideBySideWidth {
		// Too wide to read side by side: each row's two versions one above
		// the other.
		for i := range left {
			mark, label := "  ", "     "
			if i > 0 {
				row := lo + i - 1
				label = fmt.Sprintf("%4d ", row+1)
				if row == m.Row {
					mark = "> "
				}
			}
			if i == 0 {
				fmt.Fprintf(&b, "%s%scolumns  %s\n", mark, label, strings.TrimPrefix(left[i], "postgres: "))
				if left[0][len("postgres: "):] != right[0][len("apiary: "):] {
					fmt.Fprintf(&b, "%s%sapiary   %s\n", mark, label, strings.TrimPrefix(right[i], "apiary: "))
				}
				continue
			}
			fmt.Fprintf(&b, "%s%spostgres %s\n", mark, label, clip(left[i], 400))
			fmt.Fprintf(&b, "%s%sapiary   %s\n", mark, "     ", clip(right[i], 400))
		}
	} else {
		b.WriteString(sideBySide(m, left, right, lo, width))
	}
	if lo > 0 || hi < max(len(m.PG), len(m.AP)) {
		fmt.Fprintf(&b, "  (rows %d-%d of %d in postgres, %d in apiary)\n", lo+1, hi, len(m.PG), len(m.AP))
	}
	return b.String()
}

// sideBySideWidth is the widest PostgreSQL row printed beside Apiary's.
const sideBySideWidth = 60

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func sideBySide(m *Mismatch, left, right []string, lo, width int) string {
	var b strings.Builder
	for i := range left {
		mark := "  "
		label := "     "
		if i > 0 {
			row := lo + i - 1
			label = fmt.Sprintf("%4d ", row+1)
			if row == m.Row {
				mark = "> "
			}
		}
		fmt.Fprintf(&b, "%s%s%-*s | %s\n", mark, label, width, left[i], right[i])
	}
	return b.String()
}

func rowText(rows [][]Value, i int) string {
	if i >= len(rows) {
		return "(no row)"
	}
	parts := make([]string, len(rows[i]))
	for j, v := range rows[i] {
		if v.Null {
			parts[j] = "NULL"
		} else {
			parts[j] = strconv.Quote(v.Text)
		}
	}
	return strings.Join(parts, ", ")
}
