package exec

import (
	"context"
	"strconv"
	"testing"

	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

func TestCatalogNameResolution(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE pg_type (x int)")
	mustRun(t, s, "INSERT INTO pg_type VALUES (1), (2)")
	one := func(sql string) string {
		t.Helper()
		rows := mustRun(t, s, sql)
		if len(rows) != 1 || len(rows[0]) != 1 {
			t.Fatalf("%s: %v", sql, rows)
		}
		return rows[0][0]
	}
	// pg_catalog is searched first: a frame called pg_type does not hide
	// the catalog, but can be named with its box.
	if got := one("SELECT count(*) FROM pg_type WHERE typname = 'int4'"); got != "1" {
		t.Errorf("unqualified pg_type found %s int4 rows", got)
	}
	if got := one("SELECT count(*) FROM public.pg_type"); got != "2" {
		t.Errorf("public.pg_type has %s rows", got)
	}
	if got := one("SELECT count(*) FROM pg_catalog.pg_type WHERE typname = 'int4'"); got != "1" {
		t.Errorf("pg_catalog.pg_type found %s int4 rows", got)
	}
	// A search path naming pg_catalog after public lets the frame win.
	mustRun(t, s, "SET search_path = public, pg_catalog")
	if got := one("SELECT count(*) FROM pg_type"); got != "2" {
		t.Errorf("with pg_catalog last, pg_type has %s rows", got)
	}
	mustRun(t, s, "SET search_path = public")
	// information_schema is found bare only when on the search path.
	wantCode(t, s, "SELECT * FROM columns", sqlerr.UndefinedTable)
	mustRun(t, s, "SET search_path = information_schema, public")
	if got := one("SELECT count(*) FROM columns WHERE table_name = 'pg_type' AND table_schema = 'public'"); got != "1" {
		t.Errorf("information_schema.columns lists %s columns of public.pg_type", got)
	}
	mustRun(t, s, "SET search_path = public")
	wantCode(t, s, "SELECT * FROM pg_catalog.no_such_catalog", sqlerr.UndefinedTable)
	wantCode(t, s, "SELECT * FROM information_schema.pg_class", sqlerr.UndefinedTable)
	// Catalog names qualified with the current hive work too.
	if got := one("SELECT count(*) FROM apiary.pg_catalog.pg_namespace WHERE nspname = 'public'"); got != "1" {
		t.Errorf("apiary.pg_catalog.pg_namespace lists public %s times", got)
	}
}

func TestCatalogSeesTransactionBlock(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	count := func() string {
		t.Helper()
		rows := mustRun(t, s, "SELECT count(*) FROM pg_class WHERE relname = 'fresh'")
		return rows[0][0]
	}
	mustRun(t, s, "BEGIN")
	mustRun(t, s, "CREATE TABLE fresh (a int)")
	if got := count(); got != "1" {
		t.Errorf("inside the block pg_class lists fresh %s times", got)
	}
	rows := mustRun(t, s, "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 'fresh'::regclass")
	if len(rows) != 1 || rows[0][0] != "a" || rows[0][1] != "integer" {
		t.Errorf("columns of fresh inside the block: %v", rows)
	}
	mustRun(t, s, "ROLLBACK")
	if got := count(); got != "0" {
		t.Errorf("after ROLLBACK pg_class lists fresh %s times", got)
	}
}

func TestCatalogRowCountsAndSizes(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	mustRun(t, s, "CREATE TABLE trips (id int, city text)")
	mustRun(t, s, "INSERT INTO trips VALUES (1, 'Lisbon'), (2, 'Porto'), (3, 'Faro')")
	rows := mustRun(t, s, `SELECT s.n_live_tup, c.reltuples, pg_relation_size(c.oid) > 0, pg_total_relation_size('trips') = pg_relation_size('trips'),
		pg_database_size(current_database()) >= pg_relation_size('trips')
		FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid WHERE s.relname = 'trips'`)
	if len(rows) != 1 || rows[0][0] != "3" || rows[0][1] != "3" || rows[0][2] != "t" || rows[0][3] != "t" || rows[0][4] != "t" {
		t.Errorf("statistics of trips: %v", rows)
	}
}

func TestCatalogOIDsAgreeAcrossNodes(t *testing.T) {
	store := objstore.NewMem()
	a := testSession(t, store)
	mustRun(t, a, "CREATE SCHEMA raw")
	mustRun(t, a, "CREATE TABLE raw.events (id bigint)")
	b := testSession(t, store) // a second engine on the same store: another node
	q := `SELECT c.oid, n.oid, d.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, pg_database d
		WHERE c.relname = 'events' AND d.datname = current_database()`
	ra, rb := mustRun(t, a, q), mustRun(t, b, q)
	if len(ra) != 1 || len(rb) != 1 {
		t.Fatalf("rows: %v and %v", ra, rb)
	}
	for i := range ra[0] {
		if ra[0][i] != rb[0][i] {
			t.Errorf("column %d: %s on one node, %s on the other", i, ra[0][i], rb[0][i])
		}
		if n, err := strconv.ParseUint(ra[0][i], 10, 32); err != nil || n < 65536 {
			t.Errorf("column %d: OID %s outside the user range", i, ra[0][i])
		}
	}
}

func TestCatalogRegclassAndActivity(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	s.SetBackendPID(31337)
	mustRun(t, s, "CREATE TABLE trips (id int)")
	mustRun(t, s, "CREATE SCHEMA raw")
	mustRun(t, s, "CREATE TABLE raw.trips (id int)")
	rows := mustRun(t, s, `SELECT 'trips'::regclass::text, 'raw.trips'::regclass::text, 'pg_class'::regclass::oid::text,
		pg_backend_pid(), current_user, current_database()`)
	want := []string{"trips", "raw.trips", "1259", "31337", "apiary", "apiary"}
	for i, w := range want {
		if rows[0][i] != w {
			t.Errorf("column %d = %q, want %q", i, rows[0][i], w)
		}
	}
	rows = mustRun(t, s, "SELECT pid, usename, datname, state FROM pg_stat_activity")
	if len(rows) != 1 || rows[0][0] != "31337" || rows[0][1] != "apiary" || rows[0][2] != "apiary" || rows[0][3] != "active" {
		t.Errorf("pg_stat_activity: %v", rows)
	}
	wantCode(t, s, "SELECT 'nope'::regclass", sqlerr.UndefinedTable)
}

func TestCatalogVirtualScanIsNotParallelised(t *testing.T) {
	// Several bees must not each emit the in-memory rows.
	s := newTestSession(t, newTestEngine(t, Config{Bees: 4}))
	rows := mustRun(t, s, "SELECT count(*), count(DISTINCT typname) FROM pg_type")
	if rows[0][0] != rows[0][1] {
		t.Errorf("pg_type scanned with duplicates: %v", rows)
	}
	// Bees scanning a frame resolve reg* names concurrently through the
	// statement's view.
	mustRun(t, s, "CREATE TABLE ids (id int)")
	mustRun(t, s, "INSERT INTO ids SELECT g FROM generate_series(1, 5000) g")
	rows = mustRun(t, s, "SELECT count(*) FROM ids WHERE (1259 + (id % 2) * 99990000)::oid::regclass::text IN ('pg_class', '99991259')")
	if rows[0][0] != "5000" {
		t.Errorf("regclass names resolved by the bees: %v", rows)
	}
}

func TestCatalogPrimaryKey(t *testing.T) {
	s := testSession(t, objstore.NewMem())
	ctx := context.Background()
	// CREATE TABLE records a declared key in the frame's metadata; this
	// test writes the metadata itself.
	tx := s.eng.txns.Begin("CREATE TABLE")
	md := txn.Metadata{
		Columns: []txn.Column{{Name: "a", Type: "integer", NotNull: true}, {Name: "b", Type: "text", NotNull: true}, {Name: "c", Type: "date"}},
		Options: map[string]string{OptionPrimaryKey: PrimaryKeyOption([]string{"b", "a"})},
	}
	if _, _, err := s.eng.catalog.CreateFrame(ctx, tx, "apiary", "public", "keyed", md, false); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	rows := mustRun(t, s, `SELECT c2.relname, i.indisprimary, i.indisunique, i.indkey::text, pg_get_indexdef(i.indexrelid, 0, true),
		pg_get_constraintdef(con.oid, true), con.contype, con.conkey::text, c.relhasindex
		FROM pg_class c JOIN pg_index i ON i.indrelid = c.oid JOIN pg_class c2 ON c2.oid = i.indexrelid
		LEFT JOIN pg_constraint con ON con.conrelid = i.indrelid AND con.conindid = i.indexrelid
		WHERE c.relname = 'keyed'`)
	want := []string{"keyed_pkey", "t", "t", "2 1", "CREATE UNIQUE INDEX keyed_pkey ON keyed USING btree (b, a)",
		"PRIMARY KEY (b, a)", "p", "{2,1}", "t"}
	if len(rows) != 1 {
		t.Fatalf("index rows: %v", rows)
	}
	for i, w := range want {
		if rows[0][i] != w {
			t.Errorf("column %d = %q, want %q", i, rows[0][i], w)
		}
	}
	rows = mustRun(t, s, `SELECT tc.constraint_type, kc.column_name, kc.ordinal_position
		FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage kc
		ON tc.constraint_name = kc.constraint_name AND tc.table_name = kc.table_name
		WHERE tc.table_name = 'keyed' ORDER BY kc.ordinal_position`)
	if len(rows) != 2 || rows[0][1] != "b" || rows[1][1] != "a" || rows[0][0] != "PRIMARY KEY" {
		t.Errorf("key columns: %v", rows)
	}
	// pgJDBC's DatabaseMetaData.getPrimaryKeys.
	rows = mustRun(t, s, `SELECT result.TABLE_SCHEM, result.TABLE_NAME, result.COLUMN_NAME, result.KEY_SEQ, result.PK_NAME
		FROM (SELECT NULL AS TABLE_CAT, n.nspname AS TABLE_SCHEM, ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,
		(information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,
		information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM
		FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
		JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid) JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)
		JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
		WHERE true AND n.nspname = 'public' AND ct.relname = 'keyed' AND i.indisprimary) result
		WHERE result.A_ATTNUM = (result.KEYS).x ORDER BY result.table_name, result.pk_name, result.key_seq`)
	if len(rows) != 2 || rows[0][2] != "b" || rows[0][3] != "1" || rows[1][2] != "a" || rows[1][3] != "2" || rows[0][4] != "keyed_pkey" {
		t.Errorf("getPrimaryKeys: %v", rows)
	}
	// psql's \d step listing indexes.
	rows = mustRun(t, s, `SELECT c2.relname, i.indisprimary, i.indisunique, i.indisclustered, i.indisvalid, pg_catalog.pg_get_indexdef(i.indexrelid, 0, true),
		pg_catalog.pg_get_constraintdef(con.oid, true), contype, condeferrable, condeferred, i.indisreplident, c2.reltablespace
		FROM pg_catalog.pg_class c, pg_catalog.pg_class c2, pg_catalog.pg_index i
		LEFT JOIN pg_catalog.pg_constraint con ON (conrelid = i.indrelid AND conindid = i.indexrelid AND contype IN ('p','u','x'))
		WHERE c.oid = 'keyed'::regclass AND c.oid = i.indrelid AND i.indexrelid = c2.oid
		ORDER BY i.indisprimary DESC, c2.relname`)
	if len(rows) != 1 || rows[0][5] != "CREATE UNIQUE INDEX keyed_pkey ON keyed USING btree (b, a)" || rows[0][7] != "p" {
		t.Errorf("psql's index step: %v", rows)
	}
	rows = mustRun(t, s, `SELECT 'keyed_pkey'::regclass::text, pg_get_indexdef('keyed_pkey'::regclass), indexdef FROM pg_indexes WHERE tablename = 'keyed'`)
	if len(rows) != 1 || rows[0][0] != "keyed_pkey" || rows[0][1] != "CREATE UNIQUE INDEX keyed_pkey ON public.keyed USING btree (b, a)" || rows[0][2] != rows[0][1] {
		t.Errorf("pg_indexes: %v", rows)
	}
}
