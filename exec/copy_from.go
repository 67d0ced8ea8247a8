package exec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// copyTarget is the frame a COPY FROM loads, resolved inside the
// transaction that writes it.
type copyTarget struct {
	name    string // the frame's name, for messages ("COPY lineitem, line 3")
	prefix  string
	ledger  *txn.Ledger
	snap    *txn.Snapshot
	pending txn.Pending
	md      *txn.Metadata
	schema  *cell.Schema
	// fields maps the i-th field of each input row to a frame column: the
	// COPY column list, or every column in order.
	fields []int
	// missing are the frame columns the column list leaves out (NULL).
	missing []int
}

// copyTarget resolves tn and the column list in t.
func (s *Session) copyTarget(ctx context.Context, t *txn.Txn, tn *tree.TableName, columns []string) (*copyTarget, error) {
	ns, err := s.eng.catalog.InTxn(ctx, t)
	if err != nil {
		return nil, err
	}
	f, err := s.resolveFrame(ns, tn)
	if err != nil {
		return nil, err
	}
	ledger := s.eng.txns.Ledger(f.Prefix())
	snap, err := t.Read(ctx, ledger)
	if err != nil {
		return nil, err
	}
	pending := t.Pending(ledger)
	md := snap.Metadata
	if pending.Metadata != nil {
		md = pending.Metadata
	}
	if md == nil {
		return nil, sqlerr.New(sqlerr.UndefinedTable, "relation %q has no schema", f.Name)
	}
	schema, err := cell.NewSchema(md.Columns, md.PartitionBy)
	if err != nil {
		return nil, err
	}
	tgt := &copyTarget{name: f.Name, prefix: f.Prefix(), ledger: ledger, snap: snap, pending: pending, md: md, schema: schema}
	if len(columns) == 0 {
		for i := range schema.Columns {
			tgt.fields = append(tgt.fields, i)
		}
		return tgt, nil
	}
	used := make([]bool, len(schema.Columns))
	for _, c := range columns {
		i := schema.Index(c)
		if i < 0 {
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", c, f.Name)
		}
		if used[i] {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", c)
		}
		used[i] = true
		tgt.fields = append(tgt.fields, i)
	}
	for i, u := range used {
		if !u {
			tgt.missing = append(tgt.missing, i)
		}
	}
	return tgt, nil
}

// fieldFlags marks the field positions of the columns a FORCE_* option
// names.
func (tgt *copyTarget) fieldFlags(option string, names []string) ([]bool, error) {
	flags := make([]bool, len(tgt.fields))
	for _, n := range names {
		ci := tgt.schema.Index(n)
		pos := -1
		for i, f := range tgt.fields {
			if f == ci {
				pos = i
			}
		}
		if ci < 0 || pos < 0 {
			return nil, sqlerr.New(sqlerr.InvalidColumnReference, "%s column %q not referenced by COPY", option, n)
		}
		flags[pos] = true
	}
	return flags, nil
}

// LoadProgress reports how far a load has come.
type LoadProgress struct {
	Rows  int64 // rows parsed so far
	Bytes int64 // input bytes consumed so far
	// TotalBytes is the size of every input together, 0 when unknown
	// (a stream).
	TotalBytes int64
	Files      int // inputs matched
	FilesDone  int // inputs finished
}

// loader turns one COPY's inputs into cells of the target frame.
type loader struct {
	s    *Session
	tgt  *copyTarget
	f    *copyFormat
	loc  *time.Location
	sink *cellSink
	cur  *vec.Batch

	forceNotNull, forceNull []bool
	notNull                 []bool
	// where names the current input in error contexts: "" for a stream
	// (as PostgreSQL writes "COPY t, line 3"), the object's URL for files.
	where string

	rows       int64
	progress   LoadProgress
	report     func(LoadProgress)
	lastReport time.Time
	// counted are the bytes read of the current input (its reader adds to
	// it); base is the bytes of inputs already finished.
	counted, base int64
}

// newLoader starts the cell writer of a load.
func (s *Session) newLoader(ctx context.Context, t *txn.Txn, tgt *copyTarget, f *copyFormat, loc *time.Location, report func(LoadProgress)) (*loader, error) {
	if loc == nil {
		loc = time.UTC
	}
	if f.overwritePartitions && len(tgt.schema.Partition) == 0 {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "OVERWRITE_PARTITIONS needs a partitioned frame; %q has no partition_by", tgt.name).
			WithHint("Use OVERWRITE to replace the whole frame.")
	}
	ld := &loader{s: s, tgt: tgt, f: f, loc: loc, report: report}
	var err error
	if ld.forceNotNull, err = tgt.fieldFlags("FORCE_NOT_NULL", f.forceNotNull); err != nil {
		return nil, err
	}
	if ld.forceNull, err = tgt.fieldFlags("FORCE_NULL", f.forceNull); err != nil {
		return nil, err
	}
	ld.notNull = make([]bool, len(tgt.schema.Columns))
	for i, c := range tgt.schema.Columns {
		ld.notNull[i] = c.NotNull
	}
	target, err := cell.TargetFromOptions(tgt.md.Options, s.eng.cfg.BeeMemory)
	if err != nil {
		return nil, err
	}
	w, err := cell.NewWriter(s.eng.store, tgt.prefix, tgt.schema, cell.WriterOptions{TxnID: t.ID(), TargetCellBytes: target})
	if err != nil {
		return nil, err
	}
	ld.sink = newCellSink(ctx, w, tgt.schema.Types())
	ld.cur = ld.sink.batch()
	return ld, nil
}

// flush hands the current batch to the writer.
func (ld *loader) flush(ctx context.Context) error {
	if ld.cur.Len == 0 {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := ld.sink.send(ld.cur); err != nil {
		return err
	}
	ld.cur = ld.sink.batch()
	ld.tick(false)
	return nil
}

// tick reports progress at most ten times a second, and always when final.
func (ld *loader) tick(final bool) {
	if ld.report == nil {
		return
	}
	now := time.Now()
	if !final && now.Sub(ld.lastReport) < 100*time.Millisecond {
		return
	}
	ld.lastReport = now
	ld.progress.Rows = ld.rows
	ld.progress.Bytes = ld.base + ld.counted
	ld.report(ld.progress)
}

// finish writes the last batch, closes the writer and records the cells in
// t with the overwrite semantics asked for. On error nothing is recorded
// and the cells written are deleted.
func (ld *loader) finish(ctx context.Context, t *txn.Txn) error {
	if err := ld.flush(ctx); err != nil {
		return errors.Join(err, ld.sink.abort(ctx))
	}
	cells, err := ld.sink.finish(ctx)
	if err != nil {
		return err
	}
	ld.tick(true)
	tgt := ld.tgt
	switch {
	case ld.f.overwrite:
		// Overwrite removes the snapshot's cells at commit; cells this
		// transaction added before (an earlier COPY in the same block) are
		// not in the snapshot and are dropped here.
		t.Overwrite(tgt.ledger)
		var earlier []string
		for _, c := range tgt.pending.Adds {
			earlier = append(earlier, c.Path)
		}
		t.RemoveCells(tgt.ledger, earlier...)
	case ld.f.overwritePartitions:
		replacePartitions(t, tgt, cells)
	}
	t.AddCells(tgt.ledger, cells...)
	return nil
}

// abort stops the writer and deletes its cells.
func (ld *loader) abort(ctx context.Context) {
	if err := ld.sink.abort(ctx); err != nil {
		ld.s.eng.log.Warn("could not delete the cells of a failed COPY; garbage collection will", "frame", ld.tgt.name, "err", err)
	}
}

// replacePartitions removes every visible cell of each partition the new
// cells fall in. The removals are explicit, so reads later in the same
// transaction see the partition replaced; a partition named by all its
// values is also declared overwritten, so a concurrent append into it
// conflicts instead of surviving the replacement. (A partition with a NULL
// value cannot be named that way: txn's scopes match present values only.)
func replacePartitions(t *txn.Txn, tgt *copyTarget, cells []txn.AddCell) {
	seen := map[string]bool{}
	live := liveCells(tgt.snap, tgt.pending)
	for _, c := range cells {
		key := partitionKey(c.Partition)
		if seen[key] {
			continue
		}
		seen[key] = true
		var paths []string
		for _, old := range live {
			if maps.Equal(old.Partition, c.Partition) {
				paths = append(paths, old.Path)
			}
		}
		t.RemoveCells(tgt.ledger, paths...)
		if len(c.Partition) == len(tgt.schema.Partition) {
			t.OverwritePartition(tgt.ledger, c.Partition)
		}
	}
}

// partitionKey is a canonical string of a partition map.
func partitionKey(p map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(p)) {
		b.WriteString(k)
		b.WriteByte(0)
		b.WriteString(p[k])
		b.WriteByte(0)
	}
	return b.String()
}

// liveCells are the cells a transaction sees in a frame: its snapshot's,
// minus what it removed or overwrote, plus what it added.
func liveCells(snap *txn.Snapshot, p txn.Pending) []txn.AddCell {
	if p.Overwrite {
		return append([]txn.AddCell(nil), p.Adds...)
	}
	removed := map[string]bool{}
	for _, r := range p.Removes {
		removed[r.Path] = true
	}
	out := make([]txn.AddCell, 0, len(snap.Cells)+len(p.Adds))
	for _, c := range snap.Cells {
		if removed[c.Path] {
			continue
		}
		gone := false
		for _, scope := range p.OverwritePartitions {
			if partitionIncludes(c.Partition, scope) {
				gone = true
				break
			}
		}
		if !gone {
			out = append(out, c)
		}
	}
	return append(out, p.Adds...)
}

// partitionIncludes reports whether a cell's partition values include every
// key and value of scope.
func partitionIncludes(cell, scope map[string]string) bool {
	for k, v := range scope {
		if cv, ok := cell[k]; !ok || cv != v {
			return false
		}
	}
	return true
}

// copyContext adds the COPY context line to an error, keeping its code:
// PostgreSQL puts it in CONTEXT, which Apiary's errors lack, so it goes
// into the detail (after any detail the error had).
func copyContext(err error, context string) error {
	e := sqlerr.Flatten(err)
	if e.Detail != "" {
		e.Detail += "\n" + context
	} else {
		e.Detail = context
	}
	e.Err = err
	return e
}

// lineWhere is the start of a context: "COPY t, line 3" or, for a file,
// "COPY t, file "url", line 3".
func (ld *loader) lineWhere(line int64) string {
	if ld.where == "" {
		return fmt.Sprintf("COPY %s, line %d", ld.tgt.name, line)
	}
	return fmt.Sprintf("COPY %s, file %q, line %d", ld.tgt.name, ld.where, line)
}

// feedText loads one text or CSV input.
func (ld *loader) feedText(ctx context.Context, r io.Reader) error {
	rr := newRecordReader(r, ld.f)
	header := ld.f.header
	for {
		ok, err := rr.next()
		if err != nil {
			var se *sqlerr.Error
			if errors.As(err, &se) && se.Code == sqlerr.BadCopyFileFormat {
				return copyContext(err, ld.lineWhere(rr.line)+": "+quoteForContext(rr.raw))
			}
			return err
		}
		if !ok {
			return nil
		}
		if header {
			header = false
			if ld.f.match {
				if err := ld.checkHeader(rr); err != nil {
					return err
				}
			}
			continue
		}
		if err := ld.addRecord(rr); err != nil {
			return err
		}
		if ld.cur.Len >= copyBatchRows {
			if err := ld.flush(ctx); err != nil {
				return err
			}
		}
	}
}

// checkHeader implements HEADER MATCH: the header names the columns, in
// order.
func (ld *loader) checkHeader(rr *recordReader) error {
	where := ld.lineWhere(rr.line) + ": " + quoteForContext(rr.raw)
	if len(rr.fields) != len(ld.tgt.fields) {
		return copyContext(copyDataError("wrong number of fields in header line: got %d, expected %d", len(rr.fields), len(ld.tgt.fields)), where)
	}
	for i, f := range rr.fields {
		want := ld.tgt.schema.Columns[ld.tgt.fields[i]].Name
		if f.null {
			return copyContext(copyDataError("column name mismatch in header line field %d: got null value (%q), expected %q", i+1, string(rr.null), want), where)
		}
		if string(f.val) != want {
			return copyContext(copyDataError("column name mismatch in header line field %d: got %q, expected %q", i+1, string(f.val), want), where)
		}
	}
	return nil
}

// addRecord appends one parsed record to the current batch.
func (ld *loader) addRecord(rr *recordReader) error {
	tgt := ld.tgt
	fs := rr.fields
	if len(fs) != len(tgt.fields) {
		where := ld.lineWhere(rr.line) + ": " + quoteForContext(rr.raw)
		if len(fs) > len(tgt.fields) {
			return copyContext(copyDataError("extra data after last expected column"), where)
		}
		return copyContext(copyDataError("missing data for column %q", tgt.schema.Columns[tgt.fields[len(fs)]].Name), where)
	}
	b := ld.cur
	for i := range fs {
		fl := &fs[i]
		ci := tgt.fields[i]
		null := fl.null
		if null && ld.forceNotNull[i] {
			null = false // the field's text, the NULL string, is the value
		}
		if !null && ld.forceNull[i] && fl.quoted && bytes.Equal(fl.val, rr.null) {
			null = true
		}
		if null {
			if ld.notNull[ci] {
				return ld.notNullError(ci, rr.line)
			}
			b.Cols[ci].AppendNull()
			continue
		}
		if err := appendField(b.Cols[ci], fl.val, ld.loc); err != nil {
			return copyContext(err, fmt.Sprintf("%s, column %s: %s", ld.lineWhere(rr.line), tgt.schema.Columns[ci].Name, quoteForContext(fl.val)))
		}
	}
	for _, ci := range tgt.missing {
		if ld.notNull[ci] {
			return ld.notNullError(ci, rr.line)
		}
		b.Cols[ci].AppendNull()
	}
	b.Len++
	ld.rows++
	return nil
}

func (ld *loader) notNullError(ci int, line int64) error {
	name := ld.tgt.schema.Columns[ci].Name
	return sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", name, ld.tgt.name).
		WithDetail("%s, column %s: null input", ld.lineWhere(line), name)
}

// appendField parses one field's text into col. The commonest shapes —
// plain decimal integers, text within its length limit — skip the generic
// parser, whose integer path formats an out-of-range error for every value
// and whose text path copies twice; anything unusual goes to it, so errors
// and edge cases stay exactly PostgreSQL's.
func appendField(col *vec.Vec, val []byte, loc *time.Location) error {
	switch col.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		if v, ok := fastInt(val); ok {
			switch col.Type.Kind {
			case vec.KindInt64:
				col.AppendInt64(v)
				return nil
			case vec.KindInt32:
				if v >= math.MinInt32 && v <= math.MaxInt32 {
					col.AppendInt32(int32(v))
					return nil
				}
			default:
				if v >= math.MinInt16 && v <= math.MaxInt16 {
					col.AppendInt16(int16(v))
					return nil
				}
			}
		}
	case vec.KindDate:
		if d, ok := fastDate(val); ok {
			col.AppendInt32(d)
			return nil
		}
	case vec.KindText:
		if !utf8.Valid(val) || bytes.IndexByte(val, 0) >= 0 {
			break
		}
		w := int(col.Type.Width)
		switch {
		case w <= 0:
			col.AppendBytes(val)
			return nil
		case !col.Type.Blank && len(val) <= w:
			// At most w bytes is at most w characters.
			col.AppendBytes(val)
			return nil
		case col.Type.Blank && len(val) <= w && utf8.RuneCount(val) == len(val):
			// char(n) of ASCII: pad to n with blanks, as bpchar does.
			b := col.Bytes()
			col.AppendBytes(val)
			for range w - len(val) {
				b.Data = append(b.Data, ' ')
			}
			b.Offsets[len(b.Offsets)-1] = int32(len(b.Data))
			return nil
		}
	}
	return col.AppendParsed(bytesString(val), loc)
}

// fastDate parses an ISO date YYYY-MM-DD (years 1000 to 9999) into days
// since 1970-01-01; ok is false for anything else, including invalid days.
func fastDate(b []byte) (int32, bool) {
	if len(b) != 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	num := func(s []byte) int {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return -1
			}
			n = n*10 + int(c-'0')
		}
		return n
	}
	y, m, d := num(b[:4]), num(b[5:7]), num(b[8:])
	if y < 1000 || m < 1 || m > 12 || d < 1 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // 2023-02-30 normalises to March
		return 0, false
	}
	return int32(t.Unix() / 86400), true
}

// fastInt parses an optionally signed run of 1 to 18 decimal digits (which
// cannot overflow int64); ok is false for anything else.
func fastInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var v int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// bytesString views b as a string without copying. The vec parsers only
// read their input (values they keep are copied, errors format it into new
// strings), and b is not modified while they run.
func bytesString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// copyFromStdin prepares COPY ... FROM STDIN: the frame and columns are
// checked now, so a mistake is reported before the client starts sending,
// and the load runs when the server calls Run with the data.
func (s *Session) copyFromStdin(ctx context.Context, st *copyStmt) (Result, error) {
	f, err := st.opts.resolve(true, "text")
	if err != nil {
		return Result{}, err
	}
	if f.kind == "parquet" {
		return Result{}, unsupported("COPY FROM STDIN (FORMAT parquet) is not supported; COPY Parquet files FROM their URL")
	}
	t, done := s.readTxn()
	tgt, err := s.copyTarget(ctx, t, st.table, st.columns)
	done()
	if err != nil {
		return Result{}, err
	}
	run := func(ctx context.Context, data io.Reader, loc *time.Location) (tag string, err error) {
		defer s.guardRun("COPY FROM STDIN", &err)
		var n int64
		_, err = s.write(ctx, "COPY", func(t *txn.Txn) (Result, error) {
			var err error
			n, err = s.loadInto(ctx, t, st.table, st.columns, f, loc, nil, func(ld *loader) error {
				if f.kind == "binary" {
					return ld.feedBinary(ctx, data)
				}
				return ld.feedText(ctx, data)
			})
			return Result{}, err
		})
		if err != nil {
			return "", err
		}
		return copyTag(n), nil
	}
	return Result{Tag: "COPY", CopyIn: &CopyIn{Columns: len(tgt.fields), Binary: f.kind == "binary", Run: run}}, nil
}

// loadInto runs one load in t: resolve the frame, feed the inputs, record
// the cells. It returns the number of rows.
func (s *Session) loadInto(ctx context.Context, t *txn.Txn, tn *tree.TableName, columns []string, f *copyFormat,
	loc *time.Location, report func(LoadProgress), feed func(*loader) error) (int64, error) {
	tgt, err := s.copyTarget(ctx, t, tn, columns)
	if err != nil {
		return 0, err
	}
	ld, err := s.newLoader(ctx, t, tgt, f, loc, report)
	if err != nil {
		return 0, err
	}
	err = feed(ld)
	if err == nil {
		// A cancelled COPY fails even when its input ended before the
		// cancellation was noticed.
		err = ctx.Err()
	}
	if err != nil {
		ld.abort(ctx)
		return 0, err
	}
	if err := ld.finish(ctx, t); err != nil {
		return 0, err
	}
	return ld.rows, nil
}
