package exec

import (
	"bytes"
	"context"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// copyTo prepares COPY {frame [(cols)] | (query)} TO STDOUT. The rows come
// from the session's own SELECT path (the frame form is run as SELECT cols
// FROM frame), so COPY sees exactly what a query would; the result is
// opened now, so its columns are known for the CopyOutResponse, and
// streamed when the server calls Run.
func (s *Session) copyTo(ctx context.Context, st *copyStmt) (Result, error) {
	if st.source != "" {
		return Result{}, unsupported("COPY TO a file is not supported; use COPY ... TO STDOUT (psql: \\copy ... TO 'file')")
	}
	f, err := st.opts.resolve(false, "text")
	if err != nil {
		return Result{}, err
	}
	query := st.query
	if query == "" {
		// The name is re-quoted part by part so that the parser sees what
		// the COPY named, case and all.
		var cols []string
		for _, c := range st.columns {
			cols = append(cols, quoteIdent(c))
		}
		list := "*"
		if len(cols) > 0 {
			list = strings.Join(cols, ", ")
		}
		var name []string
		if st.table.ExplicitCatalog {
			name = append(name, quoteIdent(string(st.table.CatalogName)))
		}
		if st.table.ExplicitSchema {
			name = append(name, quoteIdent(string(st.table.SchemaName)))
		}
		name = append(name, quoteIdent(string(st.table.ObjectName)))
		query = "SELECT " + list + " FROM " + strings.Join(name, ".")
	}
	stmts, err := parseSQL(rewriteCompat(query))
	if err != nil {
		return Result{}, parseError(err)
	}
	if len(stmts) != 1 {
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "COPY (query) takes exactly one query")
	}
	res, err := s.dispatch(ctx, stmts[0].AST)
	if err != nil {
		return Result{}, err
	}
	if res.Rows == nil {
		if res.CopyIn != nil || res.CopyOut != nil {
			return Result{}, sqlerr.New(sqlerr.SyntaxError, "COPY query must not be a COPY statement")
		}
		return Result{}, sqlerr.New(sqlerr.FeatureNotSupported, "COPY query must have a RETURNING clause").
			WithHint("COPY (query) TO STDOUT copies the rows a query returns; this statement returns none.")
	}
	rows := res.Rows
	switch f.kind {
	case "arrow":
		return s.copyToArrow(rows)
	case "binary":
		return s.copyToBinary(rows)
	}
	cols := rows.Columns()
	forceQuote := make([]bool, len(cols))
	for _, n := range f.forceQuote {
		found := false
		for i, c := range cols {
			if c.Name == n {
				forceQuote[i], found = true, true
			}
		}
		if !found {
			rows.Close()
			return Result{}, sqlerr.New(sqlerr.InvalidColumnReference, "FORCE_QUOTE column %q not referenced by COPY", n)
		}
	}
	if f.forceQuoteAll {
		for i := range forceQuote {
			forceQuote[i] = true
		}
	}
	run := func(ctx context.Context, loc *time.Location, emit func([]byte) error) (tag string, err error) {
		defer s.guardRun("COPY TO STDOUT", &err)
		defer rows.Close()
		if loc == nil {
			loc = time.UTC
		}
		enc := copyEncoder{f: f, forceQuote: forceQuote, single: len(cols) == 1}
		var line []byte
		if f.header {
			for i, c := range cols {
				if i > 0 {
					line = append(line, f.delim)
				}
				line = enc.appendField(line, i, []byte(c.Name))
			}
			if err := emit(append(line, '\n')); err != nil {
				return "", err
			}
		}
		var n int64
		var scratch []byte
		err = colexec.Drain(ctx, rows, func(b *vec.Batch) error {
			for r := 0; r < b.Len; r++ {
				row := b.Row(r)
				line = line[:0]
				for i, c := range b.Cols {
					if i > 0 {
						line = append(line, f.delim)
					}
					if c.Nulls.IsNull(row) {
						line = append(line, f.null...)
						continue
					}
					scratch = vec.AppendText(scratch[:0], c, row, loc)
					line = enc.appendField(line, i, scratch)
				}
				if err := emit(append(line, '\n')); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return "", err
		}
		return copyTag(n), nil
	}
	return Result{Tag: "COPY", CopyOut: &CopyOut{Columns: len(cols), Run: run}}, nil
}

// copyEncoder writes values in COPY's text or CSV output form, as
// PostgreSQL's CopyAttributeOutText and CopyAttributeOutCSV do.
type copyEncoder struct {
	f          *copyFormat
	forceQuote []bool
	single     bool // one column: a value can be a whole line
}

func (e *copyEncoder) appendField(dst []byte, col int, v []byte) []byte {
	f := e.f
	if f.kind != "csv" {
		for _, c := range v {
			switch c {
			case '\\':
				dst = append(dst, '\\', '\\')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\v':
				dst = append(dst, '\\', 'v')
			default:
				if c == f.delim {
					dst = append(dst, '\\', c)
				} else {
					dst = append(dst, c)
				}
			}
		}
		return dst
	}
	quote := e.forceQuote[col] ||
		(len(v) == len(f.null) && string(v) == f.null) ||
		bytes.IndexByte(v, f.delim) >= 0 || bytes.IndexByte(v, f.quote) >= 0 ||
		bytes.ContainsAny(v, "\r\n") ||
		// A lone \. would read back as the end-of-data marker.
		(e.single && len(v) == 2 && v[0] == '\\' && v[1] == '.')
	if !quote {
		return append(dst, v...)
	}
	dst = append(dst, f.quote)
	for _, c := range v {
		if c == f.quote || c == f.escape {
			dst = append(dst, f.escape)
		}
		dst = append(dst, c)
	}
	return append(dst, f.quote)
}
