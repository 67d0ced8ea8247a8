package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// fakeFactory makes fakeSessions; it refuses the database "nope" as an
// engine would.
type fakeFactory struct {
	mu      sync.Mutex
	running map[string]chan struct{} // query text → closed when a "sleep" query starts
	infos   []StartupInfo
}

func newFakeFactory() *fakeFactory { return &fakeFactory{running: make(map[string]chan struct{})} }

func (f *fakeFactory) NewSession(_ context.Context, info StartupInfo) (Session, error) {
	if info.Database == "nope" {
		return nil, sqlerr.New(sqlerr.InvalidCatalogName, "database \"%s\" does not exist", info.Database)
	}
	f.mu.Lock()
	f.infos = append(f.infos, info)
	f.mu.Unlock()
	return &fakeSession{f: f, status: 'I', params: map[string]string{}}, nil
}

// started returns a channel closed when a sleep query tagged id starts.
func (f *fakeFactory) started(id string) chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch, ok := f.running[id]
	if !ok {
		ch = make(chan struct{})
		f.running[id] = ch
	}
	return ch
}

// fakeSession answers a small command language, one command per
// semicolon-separated statement:
//
//	types          one row batch of every kind, with NULLs and a selection
//	ints N         N rows of int4 in batches of 1000
//	error          42P01 with detail, hint and position
//	sleep ID       blocks until cancelled
//	panic          panics
//	begin/commit   transaction status
//	set tz ZONE    changes TimeZone
//	anything else  "OK" with no rows
type fakeSession struct {
	f      *fakeFactory
	status byte
	params map[string]string
	closed bool
}

func (s *fakeSession) TxStatus() byte { return s.status }
func (s *fakeSession) Close()         { s.closed = true }

func (s *fakeSession) Parameter(name string) (string, bool) {
	v, ok := s.params[name]
	return v, ok
}

func (s *fakeSession) ExecSimple(ctx context.Context, sql string, emit func(exec.Result) error) error {
	for _, stmt := range strings.Split(sql, ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		f := strings.Fields(stmt)
		var res exec.Result
		switch strings.ToLower(f[0]) {
		case "types":
			res = exec.Result{Rows: typesRows()}
		case "ints":
			var n int
			fmt.Sscan(f[1], &n)
			res = exec.Result{Rows: &intRows{n: n}}
		case "error":
			return sqlerr.New(sqlerr.UndefinedTable, "relation \"nosuch\" does not exist").
				WithDetail("some detail").WithHint("some hint").WithPosition(15)
		case "sleep":
			close(s.f.started(f[1]))
			<-ctx.Done()
			return fmt.Errorf("fake: sleeping: %w", ctx.Err())
		case "slow":
			// Finishes on its own after a while unless cancelled.
			close(s.f.started(f[1]))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(300 * time.Millisecond):
			}
			res = exec.Result{Tag: "SLOW"}
		case "panic":
			panic("fake session exploded")
		case "begin":
			s.status = 'T'
			res = exec.Result{Tag: "BEGIN"}
		case "commit":
			s.status = 'I'
			res = exec.Result{Tag: "COMMIT"}
		case "set":
			s.params["TimeZone"] = f[2]
			res = exec.Result{Tag: "SET"}
		default:
			res = exec.Result{Tag: "OK"}
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	return nil
}

// typesColumns is one column of every kind.
var typesColumns = []exec.Column{
	{Name: "b", Type: vec.Bool}, {Name: "i2", Type: vec.Int16}, {Name: "i4", Type: vec.Int32}, {Name: "i8", Type: vec.Int64},
	{Name: "f4", Type: vec.Float32}, {Name: "f8", Type: vec.Float64}, {Name: "n", Type: vec.Numeric(10, 2)},
	{Name: "t", Type: vec.Text}, {Name: "vc", Type: vec.Varchar(5)}, {Name: "by", Type: vec.Bytea}, {Name: "d", Type: vec.Date},
	{Name: "ts", Type: vec.Timestamp}, {Name: "tz", Type: vec.TimestampTZ}, {Name: "iv", Type: vec.IntervalT},
}

// typesRows returns three physical rows, the middle one all NULL and the
// first hidden by the selection vector, so the client sees rows 1 and 2.
func typesRows() exec.Rows {
	types := make([]vec.Type, len(typesColumns))
	for i, c := range typesColumns {
		types[i] = c.Type
	}
	b := vec.NewBatch(types, 3)
	vals := []string{"t", "-2", "42", "9000000000", "1.5", "1e+20", "12.34", "héllo", "abc", `\x00ff`,
		"2024-01-02", "2024-01-02 03:04:05.5", "2024-01-02 03:04:05+00", "1 year 2 mons 3 days 04:05:06.5"}
	for i, col := range b.Cols {
		if err := col.AppendParsed(vals[i], time.UTC); err != nil { // hidden row
			panic(err)
		}
		col.AppendNull()
		if err := col.AppendParsed(vals[i], time.UTC); err != nil {
			panic(err)
		}
	}
	b.Len, b.Sel = 2, []int32{1, 2}
	return &batchRows{cols: typesColumns, batches: []*vec.Batch{b}}
}

type batchRows struct {
	cols    []exec.Column
	batches []*vec.Batch
	closed  bool
}

func (r *batchRows) Columns() []exec.Column { return r.cols }
func (r *batchRows) Close()                 { r.closed = true }
func (r *batchRows) Next(context.Context) (*vec.Batch, error) {
	if len(r.batches) == 0 {
		return nil, nil
	}
	b := r.batches[0]
	r.batches = r.batches[1:]
	return b, nil
}

// intRows streams n int4 rows, reusing one batch as real operators do.
type intRows struct {
	n, sent int
	b       *vec.Batch
}

func (r *intRows) Columns() []exec.Column { return []exec.Column{{Name: "i", Type: vec.Int32}} }
func (r *intRows) Close()                 {}
func (r *intRows) Next(ctx context.Context) (*vec.Batch, error) {
	if r.b == nil {
		r.b = vec.NewBatch([]vec.Type{vec.Int32}, 1000)
	}
	r.b.Reset()
	for r.sent < r.n && r.b.Cols[0].Len() < 1000 {
		r.b.Cols[0].AppendInt32(int32(r.sent))
		r.sent++
	}
	r.b.Len = r.b.Cols[0].Len()
	return r.b, ctx.Err()
}
