package exec

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// LoadRequest is a bulk load of files or storage objects into one frame:
// what COPY frame FROM 'url' runs, for callers outside SQL (apiary load).
// Every input is loaded in one transaction: all rows become visible
// together, or none.
type LoadRequest struct {
	// Frame names the frame as SQL would: "f", "box.f" or "hive.box.f"
	// (unquoted parts fold to lower case; "Quoted" parts keep their case).
	Frame string
	// Columns are the frame columns the inputs' fields fill, in order;
	// empty means every column.
	Columns []string
	// Sources are absolute paths or storage URLs (file://, s3://, mem://),
	// with glob patterns allowed in their last segments; "-" reads Stdin.
	Sources []string
	Stdin   io.Reader
	// Format is "csv", "text" or "parquet"; "" picks by the first source's
	// extension (.parquet, .csv, otherwise text).
	Format string
	// Header skips (and with HeaderMatch checks) the first line of every
	// text or CSV input.
	Header, HeaderMatch bool
	// Delimiter and Null override the format's defaults when set.
	Delimiter *string
	Null      *string
	// Overwrite replaces the frame's contents; OverwritePartitions only the
	// partitions the loaded rows fall in.
	Overwrite, OverwritePartitions bool
	// Create creates the frame when it does not exist, with the columns of
	// the first input: a Parquet file's schema, or the header names of a
	// CSV/text input with types inferred from its first rows. PartitionBy
	// partitions a frame created so.
	Create      bool
	PartitionBy []string
	// Location is the zone of timestamptz input without an offset; nil
	// means UTC.
	Location *time.Location
	// Progress, when set, is called as the load advances (at most ten
	// times a second) and once at the end, from the loading goroutine.
	Progress func(LoadProgress)
}

// LoadResult is what a load did.
type LoadResult struct {
	Rows    int64
	Files   int
	Created bool // the frame was created by this load
}

// Load runs a LoadRequest in the session (inside its open transaction
// block, if any).
func (s *Session) Load(ctx context.Context, req LoadRequest) (LoadResult, error) {
	l, err := lex(req.Frame)
	if err != nil {
		return LoadResult{}, err
	}
	tn, _, err := l.tableName()
	if err != nil {
		return LoadResult{}, sqlerr.New(sqlerr.SyntaxError, "bad frame name %q", req.Frame)
	}
	if err := l.atEnd(); err != nil {
		return LoadResult{}, sqlerr.New(sqlerr.SyntaxError, "bad frame name %q", req.Frame)
	}
	opts := copyOptions{format: strings.ToLower(req.Format), header: req.Header || req.HeaderMatch, headerMatch: req.HeaderMatch,
		delimiter: req.Delimiter, null: req.Null, overwrite: req.Overwrite, overwritePartitions: req.OverwritePartitions,
		seen: map[string]bool{}}
	if req.Delimiter != nil {
		opts.seen["delimiter"] = true
	}
	if req.Null != nil {
		opts.seen["null"] = true
	}
	if opts.header {
		opts.seen["header"] = true
	}
	var res LoadResult
	_, err = s.write(ctx, "COPY", func(t *txn.Txn) (Result, error) {
		var err error
		res, err = s.load(ctx, t, tn, &req, &opts)
		return Result{}, err
	})
	return res, err
}

// copyFromURL runs COPY frame FROM 'url-or-glob'.
func (s *Session) copyFromURL(ctx context.Context, st *copyStmt) (Result, error) {
	req := LoadRequest{Columns: st.columns, Sources: []string{st.source}, Location: s.location()}
	var n int64
	res, err := s.write(ctx, "COPY", func(t *txn.Txn) (Result, error) {
		r, err := s.load(ctx, t, st.table, &req, &st.opts)
		n = r.Rows
		return Result{}, err
	})
	if err != nil {
		return res, err
	}
	return Result{Tag: copyTag(n)}, nil
}

// formatOf guesses a source's format from its name.
func formatOf(name string) string {
	name = strings.ToLower(strings.TrimSuffix(strings.ToLower(name), ".gz"))
	switch {
	case strings.HasSuffix(name, ".parquet") || strings.HasSuffix(name, ".parq"):
		return "parquet"
	case strings.HasSuffix(name, ".csv"):
		return "csv"
	}
	return "text"
}

// load runs one load in t.
func (s *Session) load(ctx context.Context, t *txn.Txn, tn *tree.TableName, req *LoadRequest, opts *copyOptions) (LoadResult, error) {
	if len(req.Sources) == 0 {
		return LoadResult{}, sqlerr.New(sqlerr.InvalidParameterValue, "nothing to load: no source given")
	}
	defFormat := formatOf(req.Sources[0])
	f, err := opts.resolve(true, defFormat)
	if err != nil {
		return LoadResult{}, err
	}
	var files []string
	var stdin io.Reader
	for _, src := range req.Sources {
		if src == "-" {
			if req.Stdin == nil || stdin != nil {
				return LoadResult{}, sqlerr.New(sqlerr.InvalidParameterValue, "standard input can be loaded once, and only when the caller provides it")
			}
			if f.kind == "parquet" {
				return LoadResult{}, unsupported("Parquet cannot be loaded from standard input; name the file")
			}
			stdin = req.Stdin
			continue
		}
		files = append(files, src)
	}
	var ss *sourceSet
	if len(files) > 0 {
		if ss, err = resolveSources(ctx, files); err != nil {
			return LoadResult{}, err
		}
		defer ss.close()
	} else {
		ss = &sourceSet{}
	}
	res := LoadResult{Files: len(ss.files)}
	if stdin != nil {
		res.Files++
	}
	if req.Create {
		if stdin != nil && len(ss.files) == 0 {
			// Inference peeks at the stream; the load reads on from the
			// same buffer.
			br := bufio.NewReaderSize(stdin, inferBytes)
			stdin = br
			res.Created, err = s.createForLoad(ctx, t, tn, req, f, func() ([]txn.Column, error) {
				sample, _ := br.Peek(inferBytes)
				return inferTextColumns(sample, len(sample) < inferBytes, f)
			})
		} else if len(ss.files) > 0 {
			res.Created, err = s.createForLoad(ctx, t, tn, req, f, func() ([]txn.Column, error) {
				return inferFileColumns(ctx, ss.files[0], f)
			})
		}
		if err != nil {
			return LoadResult{}, err
		}
	}
	progress := LoadProgress{TotalBytes: ss.totalBytes(), Files: res.Files}
	if stdin != nil {
		progress.TotalBytes = 0
	}
	res.Rows, err = s.loadInto(ctx, t, tn, req.Columns, f, req.Location, req.Progress, func(ld *loader) error {
		ld.progress = progress
		if stdin != nil {
			cr := &countingReader{r: stdin, n: &ld.counted}
			if err := ld.feedText(ctx, cr); err != nil {
				return err
			}
			ld.base += ld.counted
			ld.counted = 0
			ld.progress.FilesDone++
		}
		for _, src := range ss.files {
			ld.where = src.name
			var err error
			if f.kind == "parquet" {
				err = ld.feedParquet(ctx, src)
			} else {
				err = ld.feedFile(ctx, src)
			}
			if err != nil {
				return err
			}
			ld.base += src.size
			ld.counted = 0
			ld.progress.FilesDone++
			ld.tick(false)
		}
		return nil
	})
	if err != nil {
		return LoadResult{}, err
	}
	return res, nil
}

// feedFile loads one text or CSV object.
func (ld *loader) feedFile(ctx context.Context, src copySource) error {
	r, err := openSource(ctx, src, &ld.counted)
	if err != nil {
		return err
	}
	defer r.Close()
	return ld.feedText(ctx, r)
}

type countingReader struct {
	r io.Reader
	n *int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	*c.n += int64(n)
	return n, err
}

// inferBytes is how much of a text input type inference looks at.
const inferBytes = 1 << 20

// createForLoad creates the frame tn in t unless it exists, with the
// columns infer returns.
func (s *Session) createForLoad(ctx context.Context, t *txn.Txn, tn *tree.TableName, req *LoadRequest, f *copyFormat, infer func() ([]txn.Column, error)) (bool, error) {
	ns, err := s.eng.catalog.InTxn(ctx, t)
	if err != nil {
		return false, err
	}
	if _, err := s.resolveFrame(ns, tn); err == nil {
		return false, nil
	}
	ref, err := s.newFrameRef(ns, tn)
	if err != nil {
		return false, err
	}
	cols, err := infer()
	if err != nil {
		return false, err
	}
	if len(req.Columns) > 0 {
		return false, sqlerr.New(sqlerr.InvalidParameterValue, "a column list cannot be combined with creating the frame")
	}
	md := txn.Metadata{Columns: cols, Options: map[string]string{}}
	for _, p := range req.PartitionBy {
		found := false
		for _, c := range cols {
			found = found || c.Name == p
		}
		if !found {
			return false, sqlerr.New(sqlerr.UndefinedColumn, "partition column %q is not a column of the input", p)
		}
		md.PartitionBy = append(md.PartitionBy, p)
	}
	if _, err := cell.NewSchema(md.Columns, md.PartitionBy); err != nil {
		return false, sqlerr.Wrap(err, sqlerr.InvalidTableDefinition, "cannot create frame %q: %v", ref.name, err)
	}
	if _, _, err := s.eng.catalog.CreateFrame(ctx, t, ref.hive, ref.box, ref.name, md, false); err != nil {
		return false, err
	}
	return true, nil
}

// inferFileColumns reads the columns of the first input.
func inferFileColumns(ctx context.Context, src copySource, f *copyFormat) ([]txn.Column, error) {
	if f.kind == "parquet" {
		c, err := cell.Open(ctx, src.store, src.key, src.size, cell.OpenOptions{})
		if err != nil {
			return nil, sqlerr.Wrap(err, sqlerr.BadCopyFileFormat, "could not read Parquet file %q: %v", src.name, err)
		}
		var cols []txn.Column
		for _, c := range c.Schema().Columns {
			cols = append(cols, txn.Column{Name: c.Name, Type: c.Type.String(), NotNull: c.NotNull})
		}
		return cols, nil
	}
	var discard int64
	r, err := openSource(ctx, src, &discard)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	sample := make([]byte, inferBytes)
	n, err := io.ReadFull(r, sample)
	complete := errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	if err != nil && !complete {
		return nil, err
	}
	return inferTextColumns(sample[:n], complete, f)
}

var (
	intRe     = regexp.MustCompile(`^[+-]?[0-9]{1,18}$`)
	decimalRe = regexp.MustCompile(`^[+-]?([0-9]*)\.([0-9]+)$`)
)

// inferTextColumns picks column names (the header, or column1, column2,
// ...) and types for a text or CSV sample: the narrowest of bigint,
// numeric(18,s), double precision, boolean, date, timestamp, timestamptz
// and text that holds every non-NULL value seen. complete says the sample
// is the whole input; otherwise its last, maybe cut, line is ignored.
func inferTextColumns(sample []byte, complete bool, f *copyFormat) ([]txn.Column, error) {
	if !complete {
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		}
	}
	rr := newRecordReader(bytes.NewReader(sample), f)
	var names []string
	type guess struct {
		integer, decimal, float, boolean, date, ts, tstz bool
		scale, intDigits                                 int
		seen                                             bool
	}
	var gs []*guess
	line := 0
	for {
		ok, err := rr.next()
		if err != nil {
			return nil, copyContext(err, fmt.Sprintf("type inference, line %d", rr.line))
		}
		if !ok {
			break
		}
		line++
		if line == 1 && f.header {
			for i, fl := range rr.fields {
				n := string(fl.val)
				if fl.null || n == "" {
					n = fmt.Sprintf("column%d", i+1)
				}
				names = append(names, n)
			}
			continue
		}
		for len(gs) < len(rr.fields) {
			gs = append(gs, &guess{integer: true, decimal: true, float: true, boolean: true, date: true, ts: true, tstz: true})
		}
		for i, fl := range rr.fields {
			if fl.null {
				continue
			}
			g := gs[i]
			v := string(fl.val)
			g.seen = true
			if g.integer && !intRe.MatchString(v) {
				g.integer = false
			}
			if g.decimal {
				if m := decimalRe.FindStringSubmatch(v); m != nil {
					g.scale = max(g.scale, len(m[2]))
					g.intDigits = max(g.intDigits, len(strings.TrimLeft(m[1], "0")))
				} else if intRe.MatchString(v) {
					g.intDigits = max(g.intDigits, len(strings.TrimLeft(strings.TrimLeft(v, "+-"), "0")))
				} else {
					g.decimal = false
				}
				if g.scale+g.intDigits > vec.MaxNumericPrecision {
					g.decimal = false
				}
			}
			if g.float {
				if _, err := vec.ParseText(vec.Float64, v, nil); err != nil {
					g.float = false
				}
			}
			if g.boolean {
				if _, err := vec.ParseBool(v); err != nil || intRe.MatchString(v) {
					g.boolean = false
				}
			}
			if g.date {
				if _, err := vec.ParseDate(v); err != nil || !strings.ContainsAny(v, "-/") || strings.Contains(v, ":") {
					g.date = false
				}
			}
			if g.ts || g.tstz {
				if _, err := vec.ParseTimestamp(v, nil); err != nil || !strings.ContainsAny(v, "-/") {
					g.ts, g.tstz = false, false
				} else if !hasZone(v) {
					g.tstz = false
				} else {
					g.ts = false
				}
			}
		}
	}
	n := max(len(names), len(gs))
	if n == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "cannot create the frame: the input has no rows to take columns from")
	}
	cols := make([]txn.Column, n)
	for i := range cols {
		name := fmt.Sprintf("column%d", i+1)
		if i < len(names) {
			name = names[i]
		}
		typ := vec.Text
		if i < len(gs) && gs[i].seen {
			g := gs[i]
			switch {
			case g.integer:
				typ = vec.Int64
			case g.decimal:
				typ = vec.Numeric(vec.MaxNumericPrecision, int32(g.scale))
			case g.float:
				typ = vec.Float64
			case g.boolean:
				typ = vec.Bool
			case g.date:
				typ = vec.Date
			case g.ts:
				typ = vec.Timestamp
			case g.tstz:
				typ = vec.TimestampTZ
			}
		}
		cols[i] = txn.Column{Name: name, Type: typ.String()}
	}
	return cols, nil
}

// hasZone reports whether a timestamp's text ends in a zone (Z, +hh,
// -hh:mm).
var zoneRe = regexp.MustCompile(`(Z|[+-][0-9]{2}(:?[0-9]{2})?)$`)

func hasZone(v string) bool {
	i := strings.IndexAny(v, " T")
	return i > 0 && zoneRe.MatchString(v[i:])
}
