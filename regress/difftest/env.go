package difftest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/regress/pgtest"
	"github.com/apiarydb/apiary/regress/tpch"
	"github.com/apiarydb/apiary/server"
	"github.com/apiarydb/apiary/sqlerr"
)

// Env is the pair of loaded systems the corpus runs against.
type Env struct {
	PG     *pgtest.Cluster
	Engine *exec.Engine
	// Tables lists every loaded table in load order.
	Tables []string
	// LoadErrors maps each table Apiary failed to load to the error; the
	// table is then missing or partial on Apiary. PostgreSQL load failures
	// are fatal instead: they are harness bugs.
	LoadErrors map[string]error
	// LoadTime is how long loading both systems took.
	LoadTime time.Duration
	// Addr is where Apiary's PostgreSQL server for Engine listens
	// (127.0.0.1): the corpus reaches Apiary over the wire, as clients do,
	// unless APIARY_DIFFTEST_INPROCESS is set.
	Addr string
}

// loadBatch is the number of rows per INSERT statement when loading Apiary.
const loadBatch = 1000

// loadTimeout bounds loading both systems.
const loadTimeout = 5 * time.Minute

var shared struct {
	mu   sync.Mutex
	done bool
	env  *Env
	err  error
}

// Open returns the package's shared environment: a PostgreSQL 15 cluster
// from pgtest.Shared and an Apiary engine on an in-memory store, both loaded
// with the same datasets (TPC-H at SF 0.01, the types and specials tables,
// the join tables t1, t2, t3, empty and the employee tables emp, dept). The
// first call loads; later calls, from any test of the package, reuse the
// result. When PostgreSQL is missing the test is skipped, or fails under
// `make test`. The calling package's TestMain must run pgtest.Main.
func Open(t testing.TB) *Env {
	t.Helper()
	pg := pgtest.Shared(t)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if !shared.done {
		shared.done = true
		shared.env, shared.err = load(pg)
	}
	if shared.err != nil {
		t.Fatalf("difftest: %v", shared.err)
	}
	return shared.env
}

func load(pg *pgtest.Cluster) (*Env, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), loadTimeout)
	defer cancel()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if os.Getenv("APIARY_DIFFTEST_LOG") != "" {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	store := objstore.NewMem()
	dist, startWorkers := newPretendSwarm(store, logger)
	eng, err := exec.NewEngine(ctx, store, exec.Config{Node: "difftest", Logger: logger, Swarm: dist})
	if err != nil {
		return nil, fmt.Errorf("apiary engine: %w", err)
	}
	startWorkers(eng)
	env := &Env{PG: pg, Engine: eng, LoadErrors: map[string]error{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("apiary listener: %w", err)
	}
	srv := server.New(server.Config{Logger: logger}, server.EngineSessions(eng))
	go func() { _ = srv.Serve(context.Background(), ln) }() // lives as long as the test binary
	env.Addr = ln.Addr().String()
	sess, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		return nil, fmt.Errorf("apiary session: %w", err)
	}
	defer sess.Close()

	// The hand-made tables: the same statements on both systems.
	for _, tb := range smallTables() {
		env.Tables = append(env.Tables, tb.Name)
		stmts := append([]string{tb.DDL}, tb.insertStatements(loadBatch)...)
		if err := pg.Exec(ctx, strings.Join(stmts, ";\n")); err != nil {
			return nil, fmt.Errorf("postgres: loading %s: %w", tb.Name, err)
		}
		if err := apiaryLoad(ctx, sess, tb.DDL, func(fn func(string) error) error {
			for _, s := range stmts[1:] {
				if err := fn(s); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			env.LoadErrors[tb.Name] = err
		}
	}

	// TPC-H: COPY ... (FORMAT csv) into both systems from the same
	// deterministic generator, or INSERT batches into Apiary with
	// APIARY_DIFFTEST_LOAD=insert.
	useInsert := os.Getenv("APIARY_DIFFTEST_LOAD") == "insert"
	for _, tb := range tpch.Tables {
		env.Tables = append(env.Tables, tb.Name)
		ddl, err := tpch.DDL(tb.Name)
		if err != nil {
			return nil, err
		}
		if err := pg.Exec(ctx, ddl); err != nil {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(tpch.Generate(TPCHScale, tb.Name, pw, tpch.CSV)) }()
		_, err = pg.CopyCSV(ctx, tb.Name, pr)
		pr.Close() // unblocks the generator if COPY stopped early
		if err != nil {
			return nil, fmt.Errorf("postgres: loading %s: %w", tb.Name, err)
		}
		name := tb.Name
		if useInsert {
			err = apiaryLoad(ctx, sess, ddl, func(fn func(string) error) error {
				return tpchInserts(name, loadBatch, fn)
			})
		} else {
			err = apiaryCopy(ctx, sess, ddl, name)
		}
		if err != nil {
			env.LoadErrors[tb.Name] = err
		}
	}
	// Primary keys give PostgreSQL the indexes that keep its correlated
	// subqueries (Q2, Q17, Q20) fast; they change no answer.
	var keys strings.Builder
	for _, tb := range tpch.Tables {
		fmt.Fprintf(&keys, "ALTER TABLE %s ADD PRIMARY KEY (%s);\n", tb.Name, strings.Join(tpch.PrimaryKeys[tb.Name], ", "))
	}
	keys.WriteString("ANALYZE")
	if err := pg.Exec(ctx, keys.String()); err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	env.LoadTime = time.Since(start)
	return env, nil
}

// apiaryLoad creates a table and fills it in one transaction with the
// statements inserts produces. On failure the transaction is rolled back
// (the table itself stays, possibly empty).
func apiaryLoad(ctx context.Context, s *exec.Session, ddl string, inserts func(func(string) error) error) error {
	if err := apiaryExec(ctx, s, ddl); err != nil {
		return fmt.Errorf("%s: %w", firstLine(ddl), err)
	}
	if err := apiaryExec(ctx, s, "BEGIN"); err != nil {
		return err
	}
	err := inserts(func(stmt string) error {
		if err := apiaryExec(ctx, s, stmt); err != nil {
			return fmt.Errorf("%s: %w", firstLine(stmt), err)
		}
		return nil
	})
	if err != nil {
		_ = apiaryExec(ctx, s, "ROLLBACK") // the load error is the one to report
		return err
	}
	return apiaryExec(ctx, s, "COMMIT")
}

// apiaryCopy creates a TPC-H table and loads it with COPY ... FROM STDIN
// (FORMAT csv), the generator writing straight into the engine's loader.
func apiaryCopy(ctx context.Context, s *exec.Session, ddl, table string) error {
	if err := apiaryExec(ctx, s, ddl); err != nil {
		return fmt.Errorf("%s: %w", firstLine(ddl), err)
	}
	want, err := tpch.Count(TPCHScale, table)
	if err != nil {
		return err
	}
	stmt := "COPY " + table + " FROM STDIN (FORMAT csv)"
	var tag string
	err = s.ExecSimple(ctx, stmt, func(r exec.Result) error {
		if r.CopyIn == nil {
			return fmt.Errorf("%s: the engine asked for no data (tag %q)", stmt, r.Tag)
		}
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(tpch.Generate(TPCHScale, table, pw, tpch.CSV)) }()
		var err error
		tag, err = r.CopyIn.Run(ctx, pr, nil)
		pr.Close() // unblocks the generator if COPY stopped early
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	if tag != fmt.Sprintf("COPY %d", want) {
		return fmt.Errorf("%s: tag %q, the generator has %d rows", stmt, tag, want)
	}
	return nil
}

// apiaryExec runs a statement and discards any rows.
func apiaryExec(ctx context.Context, s *exec.Session, sql string) error {
	return s.ExecSimple(ctx, sql, func(r exec.Result) error {
		if r.Rows != nil {
			r.Rows.Close()
		}
		return nil
	})
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	if len(line) > 60 {
		line = line[:57] + "..."
	}
	return line
}

// queryTimeout bounds one query on either system.
const queryTimeout = 30 * time.Second

// Runner runs queries on both systems: one PostgreSQL connection and one
// Apiary session, so that session settings (SET TimeZone) carry from one
// query to the next as they would for a client. It is not safe for
// concurrent use.
type Runner struct {
	env    *Env
	pg     *pgx.Conn
	ap     *exec.Session
	apConn *pgx.Conn // nil when running in process
	t      testing.TB
}

// connectApiary opens a simple-protocol connection to the env's server.
func (e *Env) connectApiary(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("postgres://apiary@%s/apiary?sslmode=disable", e.Addr))
	if err != nil {
		return nil, err
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	return pgx.ConnectConfig(ctx, cfg)
}

// NewRunner opens a connection and a session; t's cleanup closes them.
func (e *Env) NewRunner(t testing.TB) *Runner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cfg, err := pgx.ParseConfig(e.PG.DSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatalf("difftest: connecting to postgres: %v", err)
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("SET statement_timeout = %d", queryTimeout.Milliseconds())); err != nil {
		t.Fatal(err)
	}
	r := &Runner{env: e, pg: conn, t: t}
	r.ap, err = e.Engine.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatalf("difftest: apiary session: %v", err)
	}
	if os.Getenv("APIARY_DIFFTEST_INPROCESS") == "" {
		if r.apConn, err = e.connectApiary(ctx); err != nil {
			t.Fatalf("difftest: connecting to apiary: %v", err)
		}
	}
	t.Cleanup(func() {
		r.ap.Close()
		if r.apConn != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = r.apConn.Close(ctx)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = conn.Close(ctx) // the server outlives the test; nothing to report
	})
	return r
}

// SetApiary runs a statement that changes the Apiary session's state (a
// SET) before the runner's queries.
func (r *Runner) SetApiary(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if r.apConn != nil {
		if _, err := r.apConn.Exec(ctx, sql); err != nil {
			return err
		}
	}
	return r.ap.ExecSimple(ctx, sql, func(exec.Result) error { return nil })
}

// Postgres runs sql on PostgreSQL with the simple query protocol and returns
// its result in text format. A failure that is not a PostgreSQL error (a
// broken connection) is returned as an error.
func (r *Runner) Postgres(sql string) (*Result, error) {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout+10*time.Second)
	defer cancel()
	return QueryPostgres(ctx, r.pg, sql)
}

// QueryPostgres runs one statement on conn with the simple query protocol
// and returns its result in PostgreSQL's text format, column kinds
// included. A PostgreSQL error is a failed Result; any other error (a broken
// connection) is returned as an error.
func QueryPostgres(ctx context.Context, conn *pgx.Conn, sql string) (*Result, error) {
	rows, err := conn.Query(ctx, sql, pgx.QueryExecModeSimpleProtocol)
	res := &Result{}
	if err == nil {
		fields := rows.FieldDescriptions()
		for _, f := range fields {
			res.Columns = append(res.Columns, f.Name)
			res.Kinds = append(res.Kinds, kindOf(f.DataTypeOID, f.TypeModifier))
		}
		for rows.Next() {
			raw := rows.RawValues()
			row := make([]Value, len(raw))
			for i, v := range raw {
				if v == nil {
					row[i] = Value{Null: true}
				} else {
					row[i] = Value{Text: string(v)}
				}
			}
			res.Rows = append(res.Rows, row)
		}
		rows.Close()
		err = rows.Err()
		res.HasRows = len(fields) > 0 || rows.CommandTag().Select()
	}
	if err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) {
			return nil, fmt.Errorf("postgres: %w", err)
		}
		return &Result{Code: pgErr.Code, Message: pgErr.Message}, nil
	}
	return res, nil
}

// Apiary runs sql on the Apiary session and returns its result in text
// format, each value printed by vec.AppendText in the session's time zone.
// A query that runs past the timeout is reported as failed with SQLSTATE
// 57014 and its session is abandoned for a fresh one.
func (r *Runner) Apiary(sql string) *Result {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	if r.apConn != nil {
		res, err := QueryPostgres(ctx, r.apConn, sql)
		if err == nil {
			return res
		}
		// The connection broke (the server timed the query out or
		// failed): report it and carry on with a new one.
		if c, cerr := r.env.connectApiary(context.Background()); cerr == nil {
			r.apConn = c
		}
		return &Result{Code: string(sqlerr.ConnectionFailure), Message: err.Error()}
	}
	done := make(chan *Result, 1)
	sess := r.ap
	go func() { done <- QueryApiary(ctx, sess, sql) }()
	select {
	case res := <-done:
		return res
	case <-time.After(queryTimeout + 5*time.Second):
		// The engine did not honour the context. Leave the goroutine to
		// finish on its own and carry on with a new session.
		if s, err := r.env.Engine.NewSession(context.Background(), "apiary", ""); err == nil {
			r.ap = s
		}
		return &Result{Code: string(sqlerr.QueryCanceled), Message: fmt.Sprintf("difftest: no answer after %v", queryTimeout+5*time.Second)}
	}
}

// QueryApiary runs sql on s with ExecSimple and returns the last
// statement's result in PostgreSQL's text format, each value printed by
// vec.AppendText in the session's time zone. An error, a panic included, is a
// failed Result with the error's SQLSTATE.
func QueryApiary(ctx context.Context, s *exec.Session, sql string) (res *Result) {
	defer func() {
		if p := recover(); p != nil {
			res = &Result{Code: string(sqlerr.InternalError), Message: fmt.Sprintf("panic outside the engine's recovery: %v\n%s", p, debug.Stack())}
		}
	}()
	var last *Result
	err := s.ExecSimple(ctx, sql, func(er exec.Result) error {
		out := &Result{}
		last = out
		if er.Rows == nil {
			return nil
		}
		defer er.Rows.Close()
		out.HasRows = true
		for _, c := range er.Rows.Columns() {
			out.Columns = append(out.Columns, c.Name)
		}
		loc := sessionLocation(s)
		var buf []byte
		for {
			b, err := er.Rows.Next(ctx)
			if err != nil {
				return err
			}
			if b == nil || b.Len == 0 {
				return nil
			}
			for i := 0; i < b.Len; i++ {
				phys := b.Row(i)
				row := make([]Value, len(b.Cols))
				for j, c := range b.Cols {
					if c.Nulls.IsNull(phys) {
						row[j] = Value{Null: true}
						continue
					}
					buf = vec.AppendText(buf[:0], c, phys, loc)
					row[j] = Value{Text: string(buf)}
				}
				out.Rows = append(out.Rows, row)
			}
		}
	})
	if err != nil {
		return &Result{Code: string(sqlerr.CodeOf(err)), Message: err.Error()}
	}
	if last == nil {
		return &Result{}
	}
	return last
}

// sessionLocation returns the session's time zone for timestamptz output.
func sessionLocation(s *exec.Session) *time.Location {
	name, ok := s.Parameter("timezone")
	if !ok || name == "" {
		return time.UTC
	}
	locMu.Lock()
	defer locMu.Unlock()
	if loc, ok := locs[name]; ok {
		return loc
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc = time.UTC // Apiary validated the name when it was SET
	}
	locs[name] = loc
	return loc
}

var (
	locMu sync.Mutex
	locs  = map[string]*time.Location{}
)
