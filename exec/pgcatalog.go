package exec

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/catalog/pgcatalog"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

// pg_catalog and information_schema as virtual tables: each statement that
// reads them (or casts to a reg* type, or calls a catalog function) builds
// the emulation of catalog/pgcatalog once, from the session's hive as the
// statement sees it, and the planner scans its relations as in-memory
// tables. Nothing is matched on query text: the engine runs the clients'
// queries against these rows like any other.

// ApiaryVersion is the Apiary release version() reports; cmd/apiary may set
// it at start-up. Empty means the module version from the build
// information, when there is one.
var ApiaryVersion = ""

// OptionPrimaryKey is the frame metadata option (txn.Metadata.Options)
// recording the columns of a declared PRIMARY KEY, as PrimaryKeyOption
// spells them. Apiary does not enforce the key; the catalogs show it
// (pg_index, pg_constraint, information_schema), which is how clients find
// a table's key.
const OptionPrimaryKey = "primary_key"

// PrimaryKeyOption encodes key columns for OptionPrimaryKey: a JSON array
// of names, so any identifier survives.
func PrimaryKeyOption(columns []string) string {
	b, _ := json.Marshal(columns)
	return string(b)
}

// parsePrimaryKeyOption reads OptionPrimaryKey; a malformed value counts as
// no key.
func parsePrimaryKeyOption(s string) []string {
	if s == "" {
		return nil
	}
	var cols []string
	if err := json.Unmarshal([]byte(s), &cols); err != nil {
		return nil
	}
	return cols
}

// nodeStart is when this process started, pg_postmaster_start_time().
var nodeStart = time.Now()

// pgcatState is a session's part in the emulation.
type pgcatState struct {
	// view is the emulation the current statement sees (nil until a
	// statement needs one).
	view *catalogView
	// pid is the session's process ID as the wire server announced it in
	// BackendKeyData, for pg_backend_pid() and pg_stat_activity.
	pid int32
}

// SetBackendPID records the process ID the wire server gave the session,
// which pg_backend_pid() and pg_stat_activity report.
func (s *Session) SetBackendPID(pid int32) {
	s.pgcat.pid = pid
	s.eng.activity.setPID(s.act.entry, pid)
}

// virtualSchema provides the relations of one schema that lives in memory.
// pg_catalog and information_schema are the first; others (system.*) can
// join them through virtualSchemas.
type virtualSchema interface {
	// has reports whether the schema has a relation called name, without
	// building anything.
	has(name string) bool
	// table returns the relation name of the schema as the statement's
	// view sees it; ok is false when the schema has no such relation.
	table(ctx context.Context, v *catalogView, name string) (t *plan.Table, ok bool, err error)
}

var virtualSchemas = map[string]virtualSchema{
	pgcatalog.SchemaPgCatalog:         pgSchema{pgcatalog.SchemaPgCatalog},
	pgcatalog.SchemaInformationSchema: pgSchema{pgcatalog.SchemaInformationSchema},
}

// pgSchema serves the relations of an emulated PostgreSQL schema.
type pgSchema struct{ name string }

func (p pgSchema) has(name string) bool {
	_, ok := pgcatalog.Lookup(p.name, name)
	return ok
}

func (p pgSchema) table(ctx context.Context, v *catalogView, name string) (*plan.Table, bool, error) {
	rel, ok := pgcatalog.Lookup(p.name, name)
	if !ok {
		return nil, false, nil
	}
	t, err := v.relation(ctx, rel)
	return t, err == nil, err
}

// statementView returns the catalog view for a new statement: a fresh one,
// built when first used, which the statement's Env and its table lookups
// share.
func (s *Session) statementView() *catalogView {
	s.pgcat.view = newCatalogView(s, s.txn)
	return s.pgcat.view
}

// viewFor returns the view of the statement planning through t: the one
// statementView made, or a fresh one when that served another
// transaction.
func (s *Session) viewFor(t *txn.Txn) *catalogView {
	v := s.pgcat.view
	if v == nil || (v.planTxn != nil && v.planTxn != t) {
		v = newCatalogView(s, s.txn)
		s.pgcat.view = v
	}
	if v.planTxn == nil {
		v.planTxn = t
	}
	return v
}

// virtualTable resolves tn to a relation of a virtual schema. ok is false
// when tn names a frame (or nothing): qualified names in a virtual schema
// are virtual; a bare name is looked up along the search path, with
// pg_catalog first unless the path lists it, so a frame called pg_type does
// not hide the catalog.
func (s *Session) virtualTable(ctx context.Context, t *txn.Txn, tn *tree.TableName) (*plan.Table, bool, error) {
	name := string(tn.ObjectName)
	if tn.ExplicitSchema {
		vs, ok := virtualSchemas[string(tn.SchemaName)]
		if !ok || (tn.ExplicitCatalog && string(tn.CatalogName) != s.hive) {
			return nil, false, nil
		}
		// A user's frame may hold a system frame's name (system.go).
		if shadowed, err := s.shadowedByFrame(ctx, vs, string(tn.SchemaName), name, true); shadowed || err != nil {
			return nil, false, err
		}
		tab, ok, err := vs.table(ctx, s.viewFor(t), name)
		if err == nil && !ok {
			err = s.errUndefinedRelation(tn)
		}
		return tab, err == nil, err
	}
	var ns *catalog.Namespace
	order := searchOrder(s.searchPath)
	for i, schema := range order {
		if vs, ok := virtualSchemas[schema]; ok {
			if !vs.has(name) {
				continue
			}
			if shadowed, err := s.shadowedByFrame(ctx, vs, schema, name, false); shadowed || err != nil {
				return nil, false, err
			}
			return vs.table(ctx, s.viewFor(t), name)
		}
		// A box before a virtual schema that has the name decides by
		// holding a frame of that name or not; with no such schema
		// further on, the frame lookup that follows decides alone.
		if !virtualLater(order[i+1:], name) {
			return nil, false, nil
		}
		if ns == nil {
			var err error
			if ns, err = s.namespace(ctx); err != nil {
				return nil, false, err
			}
		}
		if _, ok := ns.Frame(s.hive, schema, name); ok {
			return nil, false, nil
		}
	}
	return nil, false, nil
}

// virtualLater reports whether a virtual schema among path has a relation
// called name.
func virtualLater(path []string, name string) bool {
	for _, schema := range path {
		if vs, ok := virtualSchemas[schema]; ok && vs.has(name) {
			return true
		}
	}
	return false
}

// searchOrder is the search path as name lookup walks it: pg_catalog
// first unless the path names it.
func searchOrder(path []string) []string {
	for _, p := range path {
		if p == pgcatalog.SchemaPgCatalog {
			return path
		}
	}
	return append([]string{pgcatalog.SchemaPgCatalog}, path...)
}

// catalogView is the pg_catalog emulation one statement sees: built on
// first use from the session's hive, then immutable. It is safe for
// concurrent use, as the reg* casts and catalog functions it serves run in
// parallel bees.
type catalogView struct {
	eng        *Engine
	hive       string
	user       string
	searchPath []string
	blockTxn   *txn.Txn // the session's transaction block, nil outside one
	settings   func() []pgcatalog.Setting
	pid        int32
	// planTxn is the transaction of the statement the view serves, set by
	// the first table lookup.
	planTxn *txn.Txn

	mu      sync.Mutex
	built   bool
	cat     *pgcatalog.Catalog
	err     error
	tables  map[*pgcatalog.Relation]*plan.Table
	dbSizes map[string]int64 // by hive

	// buildWarned keeps lookups, which may run once per row, from logging
	// a failed build more than once.
	buildWarned sync.Once
}

func newCatalogView(s *Session, block *txn.Txn) *catalogView {
	return &catalogView{
		eng:        s.eng,
		hive:       s.hive,
		user:       s.user,
		searchPath: append([]string(nil), s.searchPath...),
		blockTxn:   block,
		settings:   s.SettingsRows,
		pid:        s.pgcat.pid,
		tables:     map[*pgcatalog.Relation]*plan.Table{},
	}
}

// buildTimeout bounds building a view on behalf of a reg* cast or a
// catalog function, which get no context of their own.
const buildTimeout = 30 * time.Second

// catalog returns the built emulation, building it on first use.
func (v *catalogView) catalog(ctx context.Context) (*pgcatalog.Catalog, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.catalogLocked(ctx)
}

// catalogForLookup is catalog for the reg* casts and catalog functions,
// which get no context of their own: a first build is bounded by
// buildTimeout.
func (v *catalogView) catalogForLookup() (*pgcatalog.Catalog, error) {
	v.mu.Lock()
	if v.built {
		defer v.mu.Unlock()
		return v.cat, v.err
	}
	v.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	return v.catalog(ctx)
}

func (v *catalogView) catalogLocked(ctx context.Context) (*pgcatalog.Catalog, error) {
	if !v.built {
		in, err := v.input(ctx)
		if err == nil {
			v.cat = pgcatalog.Build(in)
		}
		v.err, v.built = err, true
	}
	return v.cat, v.err
}

// input reads what the emulation is built from: the hive's boxes and
// frames (with each frame's columns and sizes from its ledger), the
// session's identity, search path and settings.
func (v *catalogView) input(ctx context.Context) (*pgcatalog.Input, error) {
	ns, err := v.namespace(ctx)
	if err != nil {
		return nil, err
	}
	in := &pgcatalog.Input{
		Database:    v.hive,
		User:        v.user,
		SessionUser: v.user,
		SearchPath:  v.searchPath,
		Functions:   append(expr.FunctionNames(), engineAggregatesAndWindows...),
		Settings:    v.settings(),
		// Every session of the node, from the query registry (activity.go).
		Activity: v.eng.activity.pgActivity(),
	}
	for _, h := range ns.Hives() {
		in.Databases = append(in.Databases, h.Name)
	}
	for _, b := range ns.Boxes(v.hive) {
		in.Schemas = append(in.Schemas, b.Name)
	}
	frames := ns.Frames(v.hive, "")
	tables, err := v.describeFrames(ctx, frames)
	if err != nil {
		return nil, err
	}
	in.Tables = tables
	return in, nil
}

// engineAggregatesAndWindows are the aggregate, window and set-returning
// functions the engine runs (exec/colexec, exec/plan), for pg_proc.
var engineAggregatesAndWindows = []string{
	"count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every", "string_agg", "array_agg",
	"variance", "var_samp", "var_pop", "stddev", "stddev_samp", "stddev_pop",
	"row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "ntile", "lag", "lead",
	"first_value", "last_value", "nth_value",
	"generate_series", "unnest", "generate_subscripts", "pg_get_keywords",
}

// namespace returns the catalog as the statement sees it: through the
// transaction block when there is one, else the latest.
func (v *catalogView) namespace(ctx context.Context) (*catalog.Namespace, error) {
	if v.blockTxn != nil {
		return v.eng.catalog.InTxn(ctx, v.blockTxn)
	}
	return v.eng.catalog.Latest(ctx)
}

// frameState reads a frame's metadata and the cells the statement sees
// from its ledger: through the transaction block when there is one (its
// own changes included), else the ledger's latest state. The metadata is
// nil for a frame whose creation is not visible yet.
func (v *catalogView) frameState(ctx context.Context, f catalog.FrameEntry) (*txn.Metadata, []txn.AddCell, error) {
	ledger := v.eng.txns.Ledger(f.Prefix())
	if v.blockTxn == nil {
		snap, err := ledger.Latest(ctx)
		if err != nil {
			return nil, nil, err
		}
		return snap.Metadata, snap.Cells, nil
	}
	snap, err := v.blockTxn.Read(ctx, ledger)
	if err != nil {
		return nil, nil, err
	}
	pending := v.blockTxn.Pending(ledger)
	md := snap.Metadata
	if pending.Metadata != nil {
		md = pending.Metadata
	}
	return md, visibleCells(snap, pending), nil
}

// eachFrame calls f(0..n-1), one frame after another inside a transaction
// block (a transaction is used by one goroutine at a time), else several
// at a time, and returns the first error.
func (v *catalogView) eachFrame(n int, f func(i int) error) error {
	if v.blockTxn == nil {
		return parallelEach(n, 8, f)
	}
	for i := range n {
		if err := f(i); err != nil {
			return err
		}
	}
	return nil
}

// describeFrames reads each frame's schema and sizes from its ledger (see
// frameState).
func (v *catalogView) describeFrames(ctx context.Context, frames []catalog.FrameEntry) ([]pgcatalog.Table, error) {
	out := make([]pgcatalog.Table, len(frames))
	ok := make([]bool, len(frames))
	describe := func(i int) error {
		f := frames[i]
		md, cells, err := v.frameState(ctx, f)
		if err != nil {
			return err
		}
		if md == nil {
			return nil // a frame whose creation is not visible yet
		}
		cols, err := frameSchema(md)
		if err != nil {
			return err
		}
		t := pgcatalog.Table{Schema: f.Box, Name: f.Name, PrimaryKey: parsePrimaryKeyOption(md.Options[OptionPrimaryKey])}
		for j, c := range cols {
			t.Columns = append(t.Columns, pgcatalog.TableColumn{Name: c.Name, Type: c.Type, NotNull: md.Columns[j].NotNull})
		}
		for _, c := range cells {
			t.Rows += c.Rows
			t.Bytes += c.Bytes
		}
		out[i], ok[i] = t, true
		return nil
	}
	if err := v.eachFrame(len(frames), describe); err != nil {
		return nil, err
	}
	tables := out[:0]
	for i, t := range out {
		if ok[i] {
			tables = append(tables, t)
		}
	}
	return tables, nil
}

// parallelEach calls f(0..n-1) on up to width goroutines and returns the
// first error.
func parallelEach(n, width int, f func(i int) error) error {
	if n == 0 {
		return nil
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	next := make(chan int)
	for w := 0; w < min(width, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return first
}

// relation returns an emulated relation as a virtual table, converting its
// rows once per view.
func (v *catalogView) relation(ctx context.Context, rel *pgcatalog.Relation) (*plan.Table, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if t, ok := v.tables[rel]; ok {
		return t, nil
	}
	cat, err := v.catalogLocked(ctx)
	if err != nil {
		return nil, err
	}
	t, err := virtualPlanTable(rel, cat.Rows(rel))
	if err != nil {
		return nil, err
	}
	v.tables[rel] = t
	return t, nil
}

// columnType is the engine type of an emulated column: PostgreSQL's type
// when Apiary has it, else text holding PostgreSQL's text form (inet,
// anyarray, pg_lsn and the like, which no client computes with).
func columnType(c pgcatalog.Column) vec.Type {
	if t, ok := vec.TypeForOID(c.TypeOID, c.Typmod); ok {
		return t
	}
	return vec.Text
}

// virtualPlanTable converts rows (pgcatalog's value forms) into one batch.
func virtualPlanTable(rel *pgcatalog.Relation, rows [][]any) (*plan.Table, error) {
	t := &plan.Table{Name: rel.Name}
	types := make([]vec.Type, len(rel.Columns))
	for i, c := range rel.Columns {
		types[i] = columnType(c)
		t.Columns = append(t.Columns, plan.Column{Name: c.Name, Type: types[i]})
	}
	b := vec.NewBatch(types, len(rows))
	for _, row := range rows {
		for i, val := range row {
			if err := appendValue(b.Cols[i], val); err != nil {
				return nil, fmt.Errorf("exec: %s.%s.%s: %w", rel.Schema, rel.Name, rel.Columns[i].Name, err)
			}
		}
	}
	b.Len = len(rows)
	t.Virtual = b
	return t, nil
}

// appendValue appends one of pgcatalog's values to a column: directly when
// the Go value fits the column's storage, else through PostgreSQL's text
// form.
func appendValue(col *vec.Vec, val any) error {
	t := col.Type
	plain := t.Shape == vec.ShapeScalar
	switch x := val.(type) {
	case nil:
		col.AppendNull()
		return nil
	case bool:
		if t.Kind == vec.KindBool {
			col.AppendBool(x)
			return nil
		}
		return col.AppendParsed(strconv.FormatBool(x), time.UTC)
	case int64:
		switch {
		case plain && t.Kind == vec.KindInt64:
			col.AppendInt64(x)
			return nil
		case plain && t.Kind == vec.KindInt32:
			col.AppendInt32(int32(x))
			return nil
		case plain && t.Kind == vec.KindInt16:
			col.AppendInt16(int16(x))
			return nil
		}
		return col.AppendParsed(strconv.FormatInt(x, 10), time.UTC)
	case float64:
		switch t.Kind {
		case vec.KindFloat64:
			col.AppendFloat64(x)
			return nil
		case vec.KindFloat32:
			col.AppendFloat32(float32(x))
			return nil
		}
		return col.AppendParsed(strconv.FormatFloat(x, 'g', -1, 64), time.UTC)
	case time.Time:
		if t.Kind == vec.KindTimestampTZ {
			col.AppendInt64(x.UnixMicro())
			return nil
		}
		return col.AppendParsed(x.UTC().Format("2006-01-02 15:04:05.999999Z07:00"), time.UTC)
	case string:
		// The catalog's text values are valid as they are (varchar(3)'s
		// YES and NO fit), so only blank-padded and "char" columns go
		// through the parser; names are cut as name input cuts them.
		if plain && t.Kind == vec.KindText && !t.Blank {
			switch t.Variant {
			case 0, vec.OIDPgNodeTree, vec.OIDAclitem:
				col.AppendBytes([]byte(x))
				return nil
			case vec.OIDName:
				col.AppendBytes(vec.ClipName([]byte(x)))
				return nil
			}
		}
		return col.AppendParsed(x, time.UTC)
	}
	return fmt.Errorf("unexpected catalog value %T", val)
}

// versionString is version(): PostgreSQL's form, which clients parse for
// the version number (SQLAlchemy, pgJDBC), naming Apiary in the place of
// the compiler.
func versionString() string {
	apiary := ApiaryVersion
	if apiary == "" {
		if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			apiary = bi.Main.Version
		}
	}
	name := "Apiary"
	if apiary != "" {
		name += " " + apiary
	}
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "arm": "armv7l", "386": "i686"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return fmt.Sprintf("PostgreSQL %s (%s) on %s-pc-linux-gnu, %d-bit", PGVersion, name, arch, strconv.IntSize)
}

// databaseSize is pg_database_size: the stored bytes of a hive's frames.
// The view's own hive is already described; another is read from its
// frames' ledgers, once per view.
func (v *catalogView) databaseSize(hive string) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	v.mu.Lock()
	defer v.mu.Unlock()
	cat, err := v.catalogLocked(ctx)
	if err != nil {
		return 0, err
	}
	if hive == v.hive {
		return cat.TotalBytes(), nil
	}
	if size, ok := v.dbSizes[hive]; ok {
		return size, nil
	}
	ns, err := v.eng.catalog.Latest(ctx)
	if err != nil {
		return 0, err
	}
	frames := ns.Frames(hive, "")
	sizes := make([]int64, len(frames))
	err = parallelEach(len(frames), 8, func(i int) error {
		snap, err := v.eng.txns.Ledger(frames[i].Prefix()).Latest(ctx)
		if err != nil {
			return err
		}
		for _, c := range snap.Cells {
			sizes[i] += c.Bytes
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	var total int64
	for _, s := range sizes {
		total += s
	}
	if v.dbSizes == nil {
		v.dbSizes = map[string]int64{}
	}
	v.dbSizes[hive] = total
	return total, nil
}

// TableFunction serves the set-returning functions without arguments that
// pgcatalog provides as relations (pg_get_keywords()) to the planner.
func (c txnCatalog) TableFunction(ctx context.Context, name string) (*plan.Table, bool, error) {
	rel, ok := pgcatalog.TableFunction(name)
	if !ok {
		return nil, false, nil
	}
	t, err := c.s.viewFor(c.t).relation(ctx, rel)
	return t, err == nil, err
}
