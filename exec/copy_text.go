package exec

import (
	"bytes"
	"io"

	"github.com/apiarydb/apiary/sqlerr"
)

// recordReader splits a COPY data stream in PostgreSQL's text or CSV format
// into records and fields, following PostgreSQL 15's copyfromparse.c:
//
//   - text: fields separated by the delimiter, a backslash escapes the next
//     character (\b \f \n \r \t \v, octal \NNN, hex \xHH, anything else
//     stands for itself, including the delimiter and a newline); a field is
//     NULL when its raw text equals the NULL string (\N by default).
//   - csv: fields separated by the delimiter; quoted sections (anywhere in a
//     field) may hold delimiters and newlines; inside them the escape
//     character (the quote by default, i.e. "") escapes a quote or itself;
//     an unquoted field equal to the NULL string ("" by default) is NULL.
//   - lines end in \n or \r\n, decided by the first line and then required
//     throughout; the last line needs no terminator; a line holding only \.
//     ends the data.
//
// Fields point into the reader's buffers and stay valid until the next call
// to next. Memory is one read buffer (grown to the longest record) plus one
// buffer of de-escaped field text.
type recordReader struct {
	src    io.Reader
	csv    bool
	delim  byte
	quote  byte
	escape byte
	null   []byte

	buf      []byte
	pos, end int
	eof      bool
	// consumed counts input bytes of finished records, for progress.
	consumed int64

	line     int64 // records read so far: the current record's line number
	eolKnown bool
	crlf     bool
	ended    bool // saw \. or the end of the input

	raw    []byte // the current record without its line end
	fields []copyField
	out    []byte // de-escaped field text
}

// copyField is one field of the current record.
type copyField struct {
	val    []byte
	null   bool // matched the NULL string under the format's rule
	quoted bool // CSV: some part of the field was quoted
}

// readChunk is how much the reader asks its source for at a time.
const readChunk = 1 << 20

// maxRecordBytes bounds one record, as PostgreSQL's 1 GB field limit does,
// so a file without line ends cannot exhaust memory.
const maxRecordBytes = 1 << 30

func newRecordReader(src io.Reader, f *copyFormat) *recordReader {
	return &recordReader{
		src:    src,
		csv:    f.kind == "csv",
		delim:  f.delim,
		quote:  f.quote,
		escape: f.escape,
		null:   []byte(f.null),
		buf:    make([]byte, readChunk),
	}
}

// copyDataError is a malformed-input error of the data stream (22P04),
// which the loader completes with the line context.
func copyDataError(format string, args ...any) *sqlerr.Error {
	return sqlerr.New(sqlerr.BadCopyFileFormat, format, args...)
}

// fill reads more input after the unread bytes, growing the buffer when it
// is full. It returns false at the end of the input.
func (r *recordReader) fill() (bool, error) {
	if r.eof {
		return false, nil
	}
	if r.pos > 0 {
		n := copy(r.buf, r.buf[r.pos:r.end])
		r.pos, r.end = 0, n
	}
	if r.end == len(r.buf) {
		if len(r.buf) >= maxRecordBytes {
			return false, copyDataError("COPY line is longer than %d bytes", maxRecordBytes)
		}
		nb := make([]byte, 2*len(r.buf))
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	if err == io.EOF {
		r.eof = true
		return n > 0, nil
	}
	if err != nil {
		return n > 0, err
	}
	return true, nil
}

// next reads the next record. It returns false at the end of the data.
func (r *recordReader) next() (bool, error) {
	if r.ended {
		return false, nil
	}
	end, next, err := r.findRecord()
	if err != nil {
		return false, err
	}
	if end < 0 {
		r.ended = true
		return false, nil
	}
	r.line++
	raw := r.buf[r.pos:end]
	r.consumed += int64(next - r.pos)
	r.pos = next
	if !r.eolKnown && next > end {
		r.eolKnown = true
		r.crlf = len(raw) > 0 && raw[len(raw)-1] == '\r'
	}
	if r.crlf {
		if next > end { // a line end was found, not the end of the input
			if len(raw) == 0 || raw[len(raw)-1] != '\r' {
				return false, copyDataError("literal newline found in data").WithHint("Use \"\\n\" to represent newline.")
			}
			raw = raw[:len(raw)-1]
		} else if len(raw) > 0 && raw[len(raw)-1] == '\r' {
			raw = raw[:len(raw)-1]
		}
	}
	if len(raw) == 2 && raw[0] == '\\' && raw[1] == '.' {
		// The end-of-data marker. PostgreSQL ignores whatever follows it;
		// reading the source to its end keeps a CopyFail sent after the
		// marker from going unnoticed.
		r.ended = true
		_, err := io.Copy(io.Discard, r.src)
		return false, err
	}
	r.raw = raw
	if r.csv {
		err = r.splitCSV(raw)
	} else {
		err = r.splitText(raw)
	}
	return err == nil, err
}

// findRecord locates the current record: its end (before the line end)
// and the start of the next one. end < 0 means no record is left.
func (r *recordReader) findRecord() (end, next int, err error) {
	scan := r.pos // where the search for the line end resumes
	inQuote := false
	for {
		if r.csv {
			// Only whole lines are walked, so an escape is never cut off
			// from the byte it escapes by the end of the buffer.
			for scan < r.end {
				nl := bytes.IndexByte(r.buf[scan:r.end], '\n')
				if nl < 0 {
					break
				}
				seg := r.buf[scan : scan+nl]
				if inQuote || bytes.IndexByte(seg, r.quote) >= 0 {
					inQuote = r.walkQuotes(seg, inQuote)
				}
				if !inQuote {
					return scan + nl, scan + nl + 1, nil
				}
				scan += nl + 1
			}
		} else {
			// In text format a backslash escapes the next byte, a newline
			// included, so an escaped newline does not end the record.
			for scan < r.end {
				nl := bytes.IndexByte(r.buf[scan:r.end], '\n')
				if nl < 0 {
					scan = r.end
					break
				}
				at := scan + nl
				bs := 0
				for k := at - 1; k >= r.pos && r.buf[k] == '\\'; k-- {
					bs++
				}
				if bs%2 == 0 {
					return at, at + 1, nil
				}
				scan = at + 1
			}
		}
		// No line end in the buffer: read more, keeping offsets relative to
		// the record start, which fill moves to 0.
		off := scan - r.pos
		more, err := r.fill()
		if err != nil {
			return 0, 0, err
		}
		scan = r.pos + off
		if !more {
			if r.pos == r.end {
				return -1, 0, nil
			}
			if r.csv {
				inQuote = r.walkQuotes(r.buf[scan:r.end], inQuote)
			}
			if inQuote {
				r.line++
				return 0, 0, copyDataError("unterminated CSV quoted field")
			}
			return r.end, r.end, nil
		}
	}
}

// walkQuotes returns whether a CSV line that starts inside quotes (or not)
// ends inside them: a quote toggles; inside quotes, an escape different from
// the quote followed by a quote or itself skips that byte (a doubled quote
// toggles twice, which is the same).
func (r *recordReader) walkQuotes(seg []byte, inQuote bool) bool {
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if inQuote && c == r.escape && r.escape != r.quote && i+1 < len(seg) && (seg[i+1] == r.quote || seg[i+1] == r.escape) {
			i++
			continue
		}
		if c == r.quote {
			inQuote = !inQuote
		}
	}
	return inQuote
}

// splitText splits a text-format record into fields.
func (r *recordReader) splitText(raw []byte) error {
	r.fields = r.fields[:0]
	r.out = r.out[:0]
	if !r.crlf && bytes.IndexByte(raw, '\r') >= 0 {
		return copyDataError("literal carriage return found in data").WithHint("Use \"\\r\" to represent carriage return.")
	}
	if bytes.IndexByte(raw, '\\') < 0 {
		// No escapes: fields are slices of the record.
		for {
			i := bytes.IndexByte(raw, r.delim)
			f := raw
			if i >= 0 {
				f = raw[:i]
			}
			r.fields = append(r.fields, copyField{val: f, null: bytes.Equal(f, r.null)})
			if i < 0 {
				return nil
			}
			raw = raw[i+1:]
		}
	}
	// Unescaped text is never longer than the raw field, so with this
	// capacity r.out is never reallocated and earlier fields stay valid.
	if cap(r.out) < len(raw) {
		r.out = make([]byte, 0, 2*len(raw))
	}
	start := 0
	for start <= len(raw) {
		// Find the field's end: the first delimiter not escaped.
		end := start
		hasEsc := false
		for end < len(raw) && raw[end] != r.delim {
			if raw[end] == '\\' {
				hasEsc = true
				end++
			}
			end++
		}
		if end > len(raw) {
			end = len(raw) // a trailing lone backslash
		}
		f := raw[start:end]
		fld := copyField{val: f, null: bytes.Equal(f, r.null)}
		if hasEsc && !fld.null {
			o := len(r.out)
			r.out = unescapeText(r.out, f)
			fld.val = r.out[o:len(r.out):len(r.out)]
		}
		r.fields = append(r.fields, fld)
		start = end + 1
	}
	return nil
}

// unescapeText appends the text-format field f with its backslash escapes
// resolved.
func unescapeText(dst, f []byte) []byte {
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '\\' || i+1 >= len(f) {
			dst = append(dst, c)
			continue
		}
		i++
		c = f[i]
		switch c {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'v':
			dst = append(dst, '\v')
		case 'x':
			v, n := 0, 0
			for n < 2 && i+1 < len(f) && isHex(f[i+1]) {
				v = v*16 + hexVal(f[i+1])
				i++
				n++
			}
			if n == 0 {
				dst = append(dst, 'x')
			} else {
				dst = append(dst, byte(v))
			}
		default:
			if c >= '0' && c <= '7' {
				v, n := int(c-'0'), 1
				for n < 3 && i+1 < len(f) && f[i+1] >= '0' && f[i+1] <= '7' {
					v = v*8 + int(f[i+1]-'0')
					i++
					n++
				}
				dst = append(dst, byte(v))
			} else {
				dst = append(dst, c)
			}
		}
	}
	return dst
}

// splitCSV splits a CSV record into fields.
func (r *recordReader) splitCSV(raw []byte) error {
	r.fields = r.fields[:0]
	r.out = r.out[:0]
	if bytes.IndexByte(raw, r.quote) < 0 {
		if !r.crlf && bytes.IndexByte(raw, '\r') >= 0 {
			return copyDataError("unquoted carriage return found in data").WithHint("Use quoted CSV field to represent carriage return.")
		}
		for {
			i := bytes.IndexByte(raw, r.delim)
			f := raw
			if i >= 0 {
				f = raw[:i]
			}
			r.fields = append(r.fields, copyField{val: f, null: bytes.Equal(f, r.null)})
			if i < 0 {
				return nil
			}
			raw = raw[i+1:]
		}
	}
	// De-quoted text is never longer than the record, so with this capacity
	// r.out is never reallocated and earlier fields stay valid.
	if cap(r.out) < len(raw) {
		r.out = make([]byte, 0, 2*len(raw))
	}
	i := 0
	for {
		o := len(r.out)
		start := i
		quoted, inQuote := false, false
		for i < len(raw) {
			c := raw[i]
			if inQuote {
				if c == r.escape && i+1 < len(raw) && (raw[i+1] == r.quote || raw[i+1] == r.escape) {
					r.out = append(r.out, raw[i+1])
					i += 2
					continue
				}
				if c == r.quote {
					inQuote = false
					i++
					continue
				}
				r.out = append(r.out, c)
				i++
				continue
			}
			if c == r.delim {
				break
			}
			if c == r.quote {
				inQuote, quoted = true, true
				i++
				continue
			}
			if c == '\r' && !r.crlf {
				return copyDataError("unquoted carriage return found in data").WithHint("Use quoted CSV field to represent carriage return.")
			}
			r.out = append(r.out, c)
			i++
		}
		if inQuote {
			return copyDataError("unterminated CSV quoted field")
		}
		fld := copyField{quoted: quoted}
		// PostgreSQL compares the raw field with the NULL string, so only an
		// unquoted field can be NULL.
		if !quoted && bytes.Equal(raw[start:i], r.null) {
			fld.null = true
		}
		fld.val = r.out[o:len(r.out):len(r.out)]
		r.fields = append(r.fields, fld)
		if i >= len(raw) {
			return nil
		}
		i++ // the delimiter
	}
}

// quoteForContext quotes a value for an error context, shortened like
// PostgreSQL's limit_printout_length.
func quoteForContext(b []byte) string {
	const limit = 200
	s := string(b)
	if len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut] + "..."
	}
	return `"` + s + `"`
}
