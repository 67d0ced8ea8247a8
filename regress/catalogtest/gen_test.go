package catalogtest

import (
	"context"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/apiarydb/apiary/internal/testenv"
	"github.com/apiarydb/apiary/regress/pgtest"
)

// TestGenerateCatalogData rewrites catalog/pgcatalog/data from a real
// PostgreSQL 15: the relations of pg_catalog and information_schema with
// their columns, and the rows Apiary copies verbatim (built-in types,
// functions, collations, languages, access methods, tablespaces,
// keywords). It runs only when APIARY_PGCATALOG_GEN=1, because its output
// is checked in:
//
//	APIARY_PGCATALOG_GEN=1 go test ./regress/catalogtest -run TestGenerateCatalogData
//
// TestCatalogDataCurrent checks on every run that the files still match.
func TestGenerateCatalogData(t *testing.T) {
	if os.Getenv("APIARY_PGCATALOG_GEN") != "1" {
		t.Skip("set APIARY_PGCATALOG_GEN=1 to regenerate catalog/pgcatalog/data")
	}
	files := extractCatalogData(t)
	dir := filepath.Join(testenv.ModuleRoot(), "catalog", "pgcatalog", "data")
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCatalogDataCurrent compares the checked-in data files with what
// PostgreSQL answers now, so an edit by hand or a different PostgreSQL
// version is noticed.
func TestCatalogDataCurrent(t *testing.T) {
	files := extractCatalogData(t)
	dir := filepath.Join(testenv.ModuleRoot(), "catalog", "pgcatalog", "data")
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s differs from PostgreSQL's catalog; regenerate with APIARY_PGCATALOG_GEN=1 go test ./regress/catalogtest -run TestGenerateCatalogData", name)
		}
	}
}

// catalogTypes are the built-in types pg_type lists besides every pseudo
// type: the engine's types and those the catalogs' own columns use, each
// with its array type.
var catalogTypes = []string{
	"bool", "bytea", "char", "name", "int8", "int2", "int2vector", "int4", "regproc", "text", "oid", "xid",
	"oidvector", "pg_node_tree", "float4", "float8", "unknown", "aclitem", "bpchar", "varchar", "date",
	"timestamp", "timestamptz", "interval", "numeric", "regprocedure", "regoper", "regoperator", "regclass",
	"regtype", "regrole", "regnamespace",
}

// typeSet is the SQL condition selecting pg_type rows of the emitted types.
func typeSet(alias string) string {
	quoted := make([]string, len(catalogTypes))
	for i, n := range catalogTypes {
		quoted[i] = "'" + n + "'"
	}
	list := strings.Join(quoted, ",")
	return fmt.Sprintf(`%[1]s.typnamespace = 11 AND (%[1]s.typtype = 'p' OR %[1]s.typname IN (%[2]s)
		OR %[1]s.oid IN (SELECT typarray FROM pg_type WHERE typnamespace = 11 AND typname IN (%[2]s)))`, alias, list)
}

func extractCatalogData(t *testing.T) map[string]string {
	t.Helper()
	pg := pgtest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pg.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	files := map[string]string{}
	dump := func(file, sql string) {
		t.Helper()
		out, err := dumpTSV(ctx, conn, sql)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		files[file] = out
	}
	dump("relations.tsv", `SELECT n.nspname, c.relname, c.oid, c.relkind
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'v')
		ORDER BY 1, 2`)
	// information_schema's columns are of domains over built-in types;
	// the emulation declares the base types (docs/pg-catalog.md).
	dump("attributes.tsv", `SELECT n.nspname, c.relname, a.attnum, a.attname,
			CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END AS atttypid,
			CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS atttypmod,
			a.attnotnull
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
		WHERE n.nspname IN ('pg_catalog', 'information_schema') AND c.relkind IN ('r', 'v')
			AND a.attnum > 0 AND NOT a.attisdropped
		ORDER BY 1, 2, 3`)
	dump("namespaces.tsv", `SELECT oid, nspname FROM pg_namespace
		WHERE nspname IN ('pg_catalog', 'public', 'information_schema') ORDER BY oid`)
	dump("pg_type.tsv", catalogRows(t, ctx, conn, "pg_type", "t", typeSet("t"), "t.oid"))
	dump("pg_proc.tsv", catalogRows(t, ctx, conn, "pg_proc", "p", `p.pronamespace = 11 AND p.prokind IN ('f', 'a', 'w')
		AND (SELECT bool_and(x IN (SELECT t.oid FROM pg_type t WHERE `+typeSet("t")+`))
			FROM unnest(array_append(p.proargtypes::oid[], p.prorettype)) x)`, "p.oid"))
	dump("pg_collation.tsv", catalogRows(t, ctx, conn, "pg_collation", "c", `c.collname IN ('default', 'C', 'POSIX')`, "c.oid"))
	dump("pg_language.tsv", catalogRows(t, ctx, conn, "pg_language", "l", `l.lanname IN ('internal', 'c', 'sql')`, "l.oid"))
	dump("pg_am.tsv", catalogRows(t, ctx, conn, "pg_am", "a", `a.amname IN ('heap', 'btree')`, "a.oid"))
	dump("pg_tablespace.tsv", catalogRows(t, ctx, conn, "pg_tablespace", "s", `true`, "s.oid"))
	dump("pg_get_keywords.tsv", `SELECT * FROM pg_get_keywords() ORDER BY word`)
	return files
}

// catalogRows returns a query listing every column of a catalog in text
// form, with reg* columns as plain OIDs (their names depend on the search
// path) and ACLs left out (Apiary grants everything).
func catalogRows(t *testing.T, ctx context.Context, conn *pgx.Conn, table, alias, where, order string) string {
	t.Helper()
	rows, err := conn.Query(ctx, `SELECT attname, format_type(atttypid, NULL) FROM pg_attribute
		WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, "pg_catalog."+table)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			t.Fatal(err)
		}
		col := alias + "." + pgx.Identifier{name}.Sanitize()
		switch {
		case strings.HasPrefix(typ, "reg"):
			col += "::oid"
		case typ == "aclitem[]":
			col = "NULL"
		}
		cols = append(cols, col+" AS "+pgx.Identifier{name}.Sanitize())
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("SELECT %s FROM pg_catalog.%s %s WHERE %s ORDER BY %s", strings.Join(cols, ", "), table, alias, where, order)
}

// dumpTSV runs sql and writes its result as tab-separated text: a header of
// column names, then one line per row, with PostgreSQL's text format, \N
// for NULL and backslash escapes for backslash, tab, newline and carriage
// return (the COPY text format's rules).
func dumpTSV(ctx context.Context, conn *pgx.Conn, sql string) (string, error) {
	res, err := conn.PgConn().Exec(ctx, sql).ReadAll()
	if err != nil {
		return "", err
	}
	r := res[0]
	var b strings.Builder
	for i, f := range r.FieldDescriptions {
		if i > 0 {
			b.WriteByte('\t')
		}
		b.WriteString(f.Name)
	}
	b.WriteByte('\n')
	esc := strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`)
	for _, row := range r.Rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte('\t')
			}
			if v == nil {
				b.WriteString(`\N`)
			} else {
				b.WriteString(esc.Replace(string(v)))
			}
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// psqlCommands are the backslash commands whose catalog queries the
// corpus holds, run against fixtureDDL's objects.
var psqlCommands = []string{
	`\l`, `\l+`, `\dn`, `\dn+`, `\dt`, `\dt+`, `\d`, `\d trips`, `\d+ trips`, `\d raw.events`, `\dt raw.*`,
	`\df`, `\df pg_catalog.lower`, `\du`, `\dg`, `\dT`, `\dv`, `\di`, `\ds`, `\dx`, `\db`, `\dS pg_class`,
	`\dn public`,
}

// fixtureDDL creates the objects the captured queries are about, on
// PostgreSQL when capturing and on Apiary when replaying.
var fixtureDDL = []string{
	`CREATE TABLE trips (id int NOT NULL, city text, fare numeric(8,2), at timestamptz, flag boolean,
		v varchar(10), c char(3), d date, big bigint, f float8, r real, s smallint, b bytea, iv interval, ts timestamp)`,
	`CREATE SCHEMA raw`,
	`CREATE TABLE raw.events (id bigint, payload text)`,
}

// TestGenerateClientQueries rewrites testdata/psql.sql and
// testdata/pgjdbc.sql: the catalog queries psql 15 (psql -E) and pgJDBC
// (testdata/jdbc/Metadata.java, captured with log_statement = all) send to
// a PostgreSQL 15 holding fixtureDDL's objects. Run with
// APIARY_PGCATALOG_GEN=1; needs psql, javac and the pgJDBC jar.
func TestGenerateClientQueries(t *testing.T) {
	if os.Getenv("APIARY_PGCATALOG_GEN") != "1" {
		t.Skip("set APIARY_PGCATALOG_GEN=1 to regenerate the captured client queries")
	}
	pg := pgtest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, ddl := range fixtureDDL {
		if err := pg.Exec(ctx, ddl); err != nil {
			t.Fatal(err)
		}
	}
	dir := filepath.Join(testenv.ModuleRoot(), "regress", "catalogtest", "testdata")
	var psqlOut []capturedQuery
	for _, cmd := range psqlCommands {
		out, err := osexec.CommandContext(ctx, "psql", "-X", "-E", "-h", "127.0.0.1", "-p", strconv.Itoa(pg.Port()),
			"-U", "postgres", "-d", "postgres", "-c", cmd).CombinedOutput()
		if err != nil {
			t.Fatalf("psql %s: %v\n%s", cmd, err, out)
		}
		for i, q := range psqlQueries(string(out)) {
			psqlOut = append(psqlOut, capturedQuery{label: fmt.Sprintf(`psql %s (%d)`, cmd, i+1), sql: q})
		}
	}
	writeCorpus(t, filepath.Join(dir, "psql.sql"), "psql 15 (psql -E)", psqlOut)

	for _, stmt := range []string{"ALTER SYSTEM SET log_statement = 'all'", "SELECT pg_reload_conf()"} {
		if err := pg.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	res, err := pg.Query(ctx, "SHOW data_directory")
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(filepath.Dir(res.Rows[0][0]), "postgres.log")
	before, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	build := t.TempDir()
	src, err := os.ReadFile(filepath.Join(dir, "jdbc", "Metadata.java"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "Metadata.java"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	jar := pgjdbcJar(t)
	if out, err := osexec.CommandContext(ctx, "javac", "-cp", jar, "-d", build, filepath.Join(build, "Metadata.java")).CombinedOutput(); err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	url := fmt.Sprintf("jdbc:postgresql://127.0.0.1:%d/postgres", pg.Port())
	if out, err := osexec.CommandContext(ctx, "java", "-cp", jar+":"+build, "Metadata", url, "postgres", "trips").CombinedOutput(); err != nil {
		t.Fatalf("java: %v\n%s", err, out)
	}
	after, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	var jdbcOut []capturedQuery
	for i, q := range loggedStatements(string(after[len(before):])) {
		jdbcOut = append(jdbcOut, capturedQuery{label: fmt.Sprintf("pgjdbc (%d)", i+1), sql: q})
	}
	writeCorpus(t, filepath.Join(dir, "pgjdbc.sql"), "pgJDBC "+pgjdbcVersion(jar)+" DatabaseMetaData (testdata/jdbc/Metadata.java)", jdbcOut)
}

// pgjdbcJar finds the pgJDBC jar Debian's libpostgresql-jdbc-java installs.
func pgjdbcJar(t *testing.T) string {
	for _, p := range []string{os.Getenv("APIARY_PGJDBC_JAR"), "/usr/share/java/postgresql.jar"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	testenv.Missing(t, "pgJDBC", "no /usr/share/java/postgresql.jar (apt-get install libpostgresql-jdbc-java)")
	return ""
}

func pgjdbcVersion(jar string) string {
	if target, err := filepath.EvalSymlinks(jar); err == nil {
		base := strings.TrimSuffix(filepath.Base(target), ".jar")
		return strings.TrimPrefix(base, "postgresql-")
	}
	return ""
}

type capturedQuery struct{ label, sql string }

// psqlQueries extracts the queries psql -E echoes between its
// "********* QUERY **********" banners.
func psqlQueries(out string) []string {
	var qs []string
	const open, closing = "********* QUERY **********\n", "**************************"
	for {
		i := strings.Index(out, open)
		if i < 0 {
			return qs
		}
		out = out[i+len(open):]
		j := strings.Index(out, closing)
		if j < 0 {
			return qs
		}
		qs = append(qs, strings.TrimSpace(out[:j]))
		out = out[j+len(closing):]
	}
}

var (
	logLine   = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[\d+\] (\w+):  (.*)$`)
	logParams = regexp.MustCompile(`\$(\d+) = ('(?:[^']|'')*'|NULL)`)
)

// loggedStatements reads the statements of a PostgreSQL log written with
// log_statement = all, with the parameters of extended-protocol executions
// substituted as literals, so each can be replayed as a simple query.
func loggedStatements(log string) []string {
	type entry struct{ level, text string }
	var entries []entry
	for _, line := range strings.Split(log, "\n") {
		if m := logLine.FindStringSubmatch(line); m != nil {
			entries = append(entries, entry{m[1], m[2]})
		} else if len(entries) > 0 && line != "" {
			entries[len(entries)-1].text += "\n" + line
		}
	}
	var out []string
	for i, e := range entries {
		if e.level != "LOG" {
			continue
		}
		var sql string
		switch {
		case strings.HasPrefix(e.text, "statement: "):
			sql = strings.TrimPrefix(e.text, "statement: ")
		case strings.HasPrefix(e.text, "execute "):
			_, sql, _ = strings.Cut(e.text, ": ")
		default:
			continue
		}
		if i+1 < len(entries) && entries[i+1].level == "DETAIL" && strings.HasPrefix(entries[i+1].text, "parameters: ") {
			vals := map[string]string{}
			for _, m := range logParams.FindAllStringSubmatch(entries[i+1].text, -1) {
				vals[m[1]] = m[2]
			}
			sql = regexp.MustCompile(`\$(\d+)`).ReplaceAllStringFunc(sql, func(p string) string {
				if v, ok := vals[p[1:]]; ok {
					return v
				}
				return p
			})
		}
		out = append(out, strings.TrimSpace(sql))
	}
	return out
}

// writeCorpus writes captured queries in the corpus format ReadCorpus
// reads. A query that asks Apiary what an earlier one asked (see
// replayKey; psql sends some for several commands, and the same ones for
// each table it describes) is written once, under its first label.
func writeCorpus(t *testing.T, path, source string, qs []capturedQuery) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "-- Catalog queries of %s, captured from PostgreSQL %s by\n", source, "15")
	b.WriteString("-- TestGenerateClientQueries (APIARY_PGCATALOG_GEN=1). Each starts at a \"-- query:\" line.\n")
	seen := map[string]bool{}
	for _, q := range qs {
		sql := strings.TrimSuffix(q.sql, ";")
		key := replayKey(sql)
		if seen[key] {
			continue
		}
		seen[key] = true
		fmt.Fprintf(&b, "\n-- query: %s\n%s\n", q.label, sql)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// pgFirstNormalOID is PostgreSQL's FirstNormalObjectId: the OIDs it gives
// the objects fixtureDDL creates start here.
const pgFirstNormalOID = 16384

var quotedNumber = regexp.MustCompile(`'(\d+)'`)

// replayKey is a captured query as TestClientCatalogQueries replays it:
// its text with the quoted OIDs PostgreSQL gave fixtureDDL's objects
// masked. Apiary's OIDs for those objects are hashed from their names
// (above 65535), so on replay such an OID names nothing, whichever table
// it came from: psql's follow-up queries for \d trips and \d raw.events
// ask the same thing. Built-in OIDs (pg_class's 1259) stay, since Apiary
// has them.
func replayKey(sql string) string {
	return quotedNumber.ReplaceAllStringFunc(sql, func(lit string) string {
		if n, err := strconv.ParseUint(lit[1:len(lit)-1], 10, 32); err == nil && n >= pgFirstNormalOID {
			return "'<user object oid>'"
		}
		return lit
	})
}
