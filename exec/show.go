package exec

import (
	"context"
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// memRows serves a result that is already fully in memory.
type memRows struct {
	cols    []Column
	batches []*vec.Batch
}

func (m *memRows) Columns() []Column { return m.cols }

func (m *memRows) Next(context.Context) (*vec.Batch, error) {
	if len(m.batches) == 0 {
		return nil, nil
	}
	b := m.batches[0]
	m.batches = m.batches[1:]
	return b, nil
}

func (m *memRows) Close() { m.batches = nil }

// textTable builds a result of text columns from rows of strings; a nil
// pointer is NULL.
func textTable(names []string, rows [][]*string) *memRows {
	cols := make([]Column, len(names))
	types := make([]vec.Type, len(names))
	for i, n := range names {
		cols[i] = Column{Name: n, Type: vec.Text}
		types[i] = vec.Text
	}
	b := vec.NewBatch(types, len(rows))
	for _, r := range rows {
		for i, v := range r {
			if v == nil {
				b.Cols[i].AppendNull()
			} else {
				b.Cols[i].AppendBytes([]byte(*v))
			}
		}
	}
	b.Len = len(rows)
	return &memRows{cols: cols, batches: []*vec.Batch{b}}
}

func str(s string) *string { return &s }

func (s *Session) showHives(ctx context.Context) (Result, error) {
	ns, err := s.namespace(ctx)
	if err != nil {
		return Result{}, err
	}
	var rows [][]*string
	for _, h := range ns.Hives() {
		rows = append(rows, []*string{str(h.Name)})
	}
	return Result{Tag: "SELECT", Rows: textTable([]string{"hive"}, rows)}, nil
}

func (s *Session) showBoxes(ctx context.Context, n *tree.ShowSchemas) (Result, error) {
	ns, err := s.namespace(ctx)
	if err != nil {
		return Result{}, err
	}
	hive := s.hive
	if n.Database != "" {
		hive = string(n.Database)
	}
	if _, ok := ns.Hive(hive); !ok {
		return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", hive)
	}
	var rows [][]*string
	for _, b := range ns.Boxes(hive) {
		rows = append(rows, []*string{str(b.Name)})
	}
	return Result{Tag: "SELECT", Rows: textTable([]string{"box"}, rows)}, nil
}

func (s *Session) showFrames(ctx context.Context, n *tree.ShowTables) (Result, error) {
	ns, err := s.namespace(ctx)
	if err != nil {
		return Result{}, err
	}
	hive, box := s.hive, ""
	switch {
	case n.ExplicitCatalog:
		hive, box = string(n.CatalogName), string(n.SchemaName)
	case n.ExplicitSchema:
		// SHOW TABLES FROM x: a box of the current hive, else a hive.
		q := string(n.SchemaName)
		if _, ok := ns.Box(s.hive, q); ok {
			box = q
		} else if _, ok := ns.Hive(q); ok {
			hive = q
		} else {
			return Result{}, sqlerr.New(sqlerr.InvalidSchemaName, "schema %q does not exist", q)
		}
	}
	if _, ok := ns.Hive(hive); !ok {
		return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database %q does not exist", hive)
	}
	var rows [][]*string
	for _, f := range ns.Frames(hive, box) {
		rows = append(rows, []*string{str(f.Box), str(f.Name)})
	}
	return Result{Tag: "SELECT", Rows: textTable([]string{"box", "frame"}, rows)}, nil
}

// describe answers DESCRIBE frame: one row per column, then the frame's
// storage facts, so a single command tells a user what a frame holds.
func (s *Session) describe(ctx context.Context, name string) (Result, error) {
	tn, err := parser.ParseQualifiedTableName(name)
	if err != nil {
		// Unqualified names come back as errors from the qualified parser.
		un, err2 := parser.ParseTableName(name)
		if err2 != nil {
			return Result{}, parseError(err)
		}
		t := un.ToTableName()
		tn = &t
	}
	ns, err := s.namespace(ctx)
	if err != nil {
		return Result{}, err
	}
	f, err := s.resolveFrame(ns, tn)
	if err != nil {
		return Result{}, err
	}
	t, done := s.readTxn()
	defer done()
	snap, err := t.Read(ctx, s.eng.txns.Ledger(f.Prefix()))
	if err != nil {
		return Result{}, err
	}
	if snap.Metadata == nil {
		return Result{}, sqlerr.New(sqlerr.UndefinedTable, "frame %q has no metadata", name)
	}
	part := map[string]bool{}
	for _, p := range snap.Metadata.PartitionBy {
		part[p] = true
	}
	var rows [][]*string
	for _, c := range snap.Metadata.Columns {
		nullable := "YES"
		if c.NotNull {
			nullable = "NO"
		}
		pk := "NO"
		if part[c.Name] {
			pk = "YES"
		}
		rows = append(rows, []*string{str(c.Name), str(c.Type), str(nullable), str(pk)})
	}
	var cells, nrows, nbytes int64
	for _, c := range snap.Cells {
		cells++
		nrows += c.Rows
		nbytes += c.Bytes
	}
	info := [][2]string{
		{"cells", strconv.FormatInt(cells, 10)},
		{"rows", strconv.FormatInt(nrows, 10)},
		{"bytes", strconv.FormatInt(nbytes, 10)},
		{"ledger version", strconv.FormatInt(snap.Version, 10)},
		{"last commit", snap.LastCommit.UTC().Format("2006-01-02 15:04:05Z07:00")},
		{"partition by", strings.Join(snap.Metadata.PartitionBy, ", ")},
	}
	for _, kv := range info {
		rows = append(rows, []*string{str("# " + kv[0]), str(kv[1]), nil, nil})
	}
	return Result{Tag: "SELECT", Rows: textTable([]string{"column", "type", "nullable", "partition"}, rows)}, nil
}
