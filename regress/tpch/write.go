package tpch

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// row is one generated row: field i is b[ends[i-1]:ends[i]]. Fields are kept
// raw (unquoted) so that each output format encodes them its own way.
type row struct {
	b     []byte
	ends  []int
	start int
}

func (w *row) reset()         { w.b, w.ends = w.b[:0], w.ends[:0] }
func (w *row) begin()         { w.start = len(w.b) }
func (w *row) end()           { w.ends = append(w.ends, len(w.b)) }
func (w *row) int(v int64)    { w.b = strconv.AppendInt(w.b, v, 10); w.end() }
func (w *row) str(s string)   { w.b = append(w.b, s...); w.end() }
func (w *row) bytes(s []byte) { w.b = append(w.b, s...); w.end() }
func (w *row) date(d int32)   { w.b = append(w.b, dateText[d-startDate]...); w.end() }

// money writes cents as a decimal with two fraction digits (-0.05, 12.30).
func (w *row) money(c int64) {
	if c < 0 {
		w.b = append(w.b, '-')
		c = -c
	}
	w.b = strconv.AppendInt(w.b, c/100, 10)
	f := c % 100
	w.b = append(w.b, '.', byte('0'+f/10), byte('0'+f%10))
	w.end()
}

// padded writes prefix followed by v zero-padded to 9 digits (Supplier#000000001).
func (w *row) padded(prefix string, v int64) {
	w.b = append(w.b, prefix...)
	var d [20]byte
	s := strconv.AppendInt(d[:0], v, 10)
	for k := len(s); k < 9; k++ {
		w.b = append(w.b, '0')
	}
	w.b = append(w.b, s...)
	w.end()
}

func (w *row) numFields() int { return len(w.ends) }

func (w *row) field(i int) []byte {
	lo := 0
	if i > 0 {
		lo = w.ends[i-1]
	}
	return w.b[lo:w.ends[i]]
}

// Format selects the text encoding of Generate.
type Format int

const (
	// CSV is RFC 4180 CSV without a header, loadable with PostgreSQL's
	// COPY t FROM STDIN (FORMAT csv): fields holding a comma, quote or line
	// break are quoted, quotes doubled. No field is ever empty, so nothing
	// reads back as NULL.
	CSV Format = iota
	// TBL is dbgen's .tbl layout: fields separated and terminated by '|'.
	TBL
)

// each generates every row of table at sf, in key order.
func each(sf float64, table string, out func(*row) error) error {
	g, err := newGenerator(sf)
	if err != nil {
		return err
	}
	emit := g.emitFunc(table)
	if emit == nil {
		return fmt.Errorf("tpch: unknown table %q", table)
	}
	n := g.unitCount(table)
	for u := int64(0); u < n; u++ {
		if err := emit(u, out); err != nil {
			return err
		}
	}
	return nil
}

// Generate writes every row of table at scale factor sf to w in format.
// The output is a pure function of (sf, table, format).
func Generate(sf float64, table string, w io.Writer, format Format) error {
	if format != CSV && format != TBL {
		return fmt.Errorf("tpch: unknown format %d", format)
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	var line []byte
	err := each(sf, table, func(r *row) error {
		line = line[:0]
		for i := 0; i < r.numFields(); i++ {
			f := r.field(i)
			if format == TBL {
				line = append(append(line, f...), '|')
				continue
			}
			if i > 0 {
				line = append(line, ',')
			}
			line = appendCSVField(line, f)
		}
		line = append(line, '\n')
		_, err := bw.Write(line)
		return err
	})
	if err != nil {
		return fmt.Errorf("tpch: generating %s at sf %v: %w", table, sf, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("tpch: generating %s at sf %v: %w", table, sf, err)
	}
	return nil
}

func appendCSVField(b, f []byte) []byte {
	if !bytes.ContainsAny(f, ",\"\n\r") {
		return append(b, f...)
	}
	b = append(b, '"')
	for _, c := range f {
		if c == '"' {
			b = append(b, '"')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// Rows calls fn with every row of table at scale factor sf, each field in
// its text form (dates YYYY-MM-DD, money with two decimals). The slice is
// reused between calls; the strings are not and may be retained. An error
// from fn stops generation and is returned.
func Rows(sf float64, table string, fn func(row []string) error) error {
	var fields []string
	return each(sf, table, func(r *row) error {
		fields = fields[:0]
		for i := 0; i < r.numFields(); i++ {
			fields = append(fields, string(r.field(i)))
		}
		return fn(fields)
	})
}

// Count returns the exact number of rows table has at scale factor sf. For
// lineitem it draws each order's line count (cheap: one stream per order).
func Count(sf float64, table string) (int64, error) {
	g, err := newGenerator(sf)
	if err != nil {
		return 0, err
	}
	switch table {
	case "partsupp":
		return 4 * g.sc.parts, nil
	case "lineitem":
		var n int64
		for i := int64(0); i < g.sc.orders; i++ {
			r := at(seedOLines, i)
			n += r.intn(1, 7)
		}
		return n, nil
	}
	if n := g.unitCount(table); n >= 0 {
		return n, nil
	}
	return 0, fmt.Errorf("tpch: unknown table %q", table)
}

// SplitLines cuts generated text into at most parts pieces on line
// boundaries, each of at least minLines lines but the last: a loader that
// COPYs a large table piece by piece gives it several cells, as a frame
// loaded in batches has, so that a swarm has cells to share out.
func SplitLines(data []byte, parts, minLines int) [][]byte {
	per := max(bytes.Count(data, []byte{'\n'})/parts+1, minLines)
	var out [][]byte
	for len(data) > 0 {
		end := 0
		for seen := 0; end < len(data) && seen < per; seen++ {
			i := bytes.IndexByte(data[end:], '\n')
			if i < 0 {
				end = len(data)
				break
			}
			end += i + 1
		}
		out = append(out, data[:end])
		data = data[end:]
	}
	return out
}
