package exec

import (
	"context"
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/parser"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

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
		return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database \"%s\" does not exist", hive)
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
			return Result{}, sqlerr.New(sqlerr.InvalidSchemaName, "schema \"%s\" does not exist", q)
		}
	}
	if _, ok := ns.Hive(hive); !ok {
		return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database \"%s\" does not exist", hive)
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

// setVar runs SET, SET LOCAL, SET ... TO DEFAULT, RESET and RESET ALL, and
// USE, which the parser reads as SET database.
func (s *Session) setVar(ctx context.Context, n *tree.SetVar) (Result, error) {
	tag := "SET"
	if n.Reset || n.ResetAll {
		tag = "RESET"
	}
	if n.ResetAll {
		s.resetAllSettings()
		return Result{Tag: tag}, nil
	}
	if strings.EqualFold(n.Name, "database") {
		return s.use(ctx, n)
	}
	if n.Local && s.txn == nil {
		// As in PostgreSQL: a warning, and nothing changes.
		return Result{Tag: tag, Notices: s.keepNotices([]Notice{
			warning(sqlerr.NoActiveSQLTransaction, "SET LOCAL can only be used in transaction blocks")})}, nil
	}
	value, err := s.setValue(n)
	if err != nil {
		return Result{}, err
	}
	_, notices, err := s.changeSetting(settingChange{name: n.Name, value: value, local: n.Local, sql: true})
	if err != nil {
		return Result{}, err
	}
	return Result{Tag: tag, Notices: s.keepNotices(notices)}, nil
}

// setValue turns the values of a SET into the one string PostgreSQL
// makes of them; nil stands for DEFAULT (and RESET).
func (s *Session) setValue(n *tree.SetVar) (*string, error) {
	vals := n.Values
	if len(vals) == 0 || len(vals) == 1 && vals[0] == (tree.DefaultVal{}) {
		return nil, nil
	}
	s.settings.mu.Lock()
	_, d, known := s.settings.lookupLocked(n.Name)
	s.settings.mu.Unlock()
	if known && strings.EqualFold(d.name, "TimeZone") && len(vals) == 1 {
		return setTimeZoneValue(vals[0])
	}
	if len(vals) > 1 && !(known && d.list) {
		return nil, sqlerr.New(sqlerr.InvalidParameterValue, "SET %s takes only one argument", n.Name)
	}
	parts := make([]string, len(vals))
	for i, v := range vals {
		var p string
		switch v := v.(type) {
		case *tree.StrVal:
			p = v.RawString()
		case *tree.NumVal, *tree.DBool:
			p = tree.AsStringWithFlags(v, tree.FmtBareIdentifiers)
		case *tree.UnresolvedName:
			names := make([]string, v.NumParts)
			for j := range v.NumParts {
				names[v.NumParts-1-j] = v.Parts[j]
			}
			p = strings.Join(names, ".")
		default:
			return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"%s\"", tree.AsString(v))
		}
		if known && d.quote {
			p = quoteIdentIfNeeded(p)
		}
		parts[i] = p
	}
	v := strings.Join(parts, ", ")
	return &v, nil
}

// setTimeZoneValue reads the value of SET TIME ZONE: LOCAL and DEFAULT
// reset it, INTERVAL '...' is an offset east of UTC, and anything else
// goes to the TimeZone check.
func setTimeZoneValue(v tree.Expr) (*string, error) {
	switch v := v.(type) {
	case *tree.StrVal:
		raw := v.RawString()
		if strings.EqualFold(raw, "local") || strings.EqualFold(raw, "default") {
			return nil, nil
		}
		return &raw, nil
	case *tree.NumVal:
		raw := tree.AsStringWithFlags(v, tree.FmtBareIdentifiers)
		return &raw, nil
	case *tree.CastExpr:
		str, ok := v.Expr.(*tree.StrVal)
		t, isType := v.Type.(*types.T)
		if !ok || !isType || t.Family() != types.IntervalFamily {
			break
		}
		raw := str.RawString()
		iv, err := vec.ParseInterval(raw)
		if err != nil {
			return nil, err
		}
		if md, err := t.IntervalTypeMetadata(); err == nil {
			// INTERVAL '2' HOUR: a bare number counts in the qualifier's
			// unit, not in seconds.
			if x, err := strconv.ParseFloat(strings.TrimSpace(raw), 64); err == nil {
				switch md.DurationField.DurationType {
				case types.IntervalDurationType_HOUR:
					iv = vec.Interval{Micros: int64(x * 3600e6)}
				case types.IntervalDurationType_MINUTE:
					iv = vec.Interval{Micros: int64(x * 60e6)}
				}
			}
		}
		shown := "INTERVAL '" + raw + "'"
		switch {
		case iv.Months != 0:
			return nil, errInvalidValue("TimeZone", shown).WithDetail("Cannot specify months in time zone interval.")
		case iv.Days != 0:
			return nil, errInvalidValue("TimeZone", shown).WithDetail("Cannot specify days in time zone interval.")
		}
		secs := iv.Micros / 1e6
		if secs <= -maxZoneOffset || secs >= maxZoneOffset {
			return nil, errInvalidValue("TimeZone", shown).WithDetail("UTC timezone offset is out of range.")
		}
		z := zoneForOffset(int(secs))
		return &z, nil
	}
	return nil, sqlerr.New(sqlerr.SyntaxError, "syntax error at or near \"%s\"", tree.AsString(v))
}

// use runs USE hive and USE hive.box: the session's hive changes, and its
// search path becomes the box (or the default).
func (s *Session) use(ctx context.Context, n *tree.SetVar) (Result, error) {
	if len(n.Values) != 1 {
		return Result{}, sqlerr.New(sqlerr.SyntaxError, "USE takes one name")
	}
	target := strings.Trim(tree.AsStringWithFlags(n.Values[0], tree.FmtBareIdentifiers), "'\"")
	hive, box, _ := strings.Cut(target, ".")
	ns, err := s.eng.catalog.Latest(ctx)
	if err != nil {
		return Result{}, err
	}
	if _, ok := ns.Hive(hive); !ok {
		return Result{}, sqlerr.New(sqlerr.InvalidCatalogName, "database \"%s\" does not exist", hive)
	}
	var path *string
	if box != "" {
		if _, ok := ns.Box(hive, box); !ok {
			return Result{}, sqlerr.New(sqlerr.InvalidSchemaName, "schema \"%s\" does not exist", box)
		}
		p := quoteIdentIfNeeded(box)
		path = &p
	}
	if _, _, err := s.changeSetting(settingChange{name: "search_path", value: path, sql: true}); err != nil {
		return Result{}, err
	}
	s.hive = hive
	return Result{Tag: "SET"}, nil
}

// showVar runs SHOW name, SHOW ALL, SHOW TIME ZONE and SHOW TRANSACTION
// ISOLATION LEVEL.
func (s *Session) showVar(n *tree.ShowVar) (Result, error) {
	if strings.EqualFold(n.Name, "all") {
		return s.showAll(), nil
	}
	if strings.EqualFold(n.Name, "colony") {
		return s.showColony() // system.go
	}
	d, shown, ok := s.lookupShown(n.Name)
	if !ok {
		return Result{}, sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", n.Name)
	}
	return Result{Tag: "SHOW", Rows: textTable([]string{d.name}, [][]*string{{&shown}})}, nil
}

// showAll answers SHOW ALL: name, setting and description of every
// parameter pg_settings lists.
func (s *Session) showAll() Result {
	var rows [][]*string
	for _, r := range s.SettingsRows() {
		d := settingsByName[strings.ToLower(r.Name)]
		rows = append(rows, []*string{str(r.Name), str(displayValue(d, r.Setting)), str(r.ShortDesc)})
	}
	return Result{Tag: "SHOW", Rows: textTable([]string{"name", "setting", "description"}, rows)}
}
