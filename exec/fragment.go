package exec

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Fragment is a piece of a distributed query, as the swarm hands it to a
// node through storage: a SELECT to run over given cells of its frames.
// The coordinator lists the cells from its own snapshot, so every worker
// reads exactly the cells it was given, whatever commits came since; frames
// the fragment does not list (the small side of a join, read by every
// worker) are read at the worker's latest snapshot.
type Fragment struct {
	// Hive and User are the session's: names in SQL resolve in Hive.
	Hive string `json:"hive"`
	User string `json:"user"`
	// SQL is one SELECT (partial aggregation and filters pushed into it by
	// the planner that cut the fragment).
	SQL string `json:"sql"`
	// Cells restricts each listed frame, keyed by its storage prefix, to
	// these cells.
	Cells map[string][]txn.AddCell `json:"cells,omitempty"`
	// Settings are session settings the fragment runs under (TimeZone,
	// for timestamptz literals and output).
	Settings map[string]string `json:"settings,omitempty"`
	// Now is the coordinator's statement time: now() and current_date
	// are the same on every node.
	Now time.Time `json:"now,omitzero"`
}

// MarshalFragment and UnmarshalFragment are the fragment's wire form: the
// payload of a swarm task.
func MarshalFragment(f Fragment) ([]byte, error) { return json.Marshal(f) }

func UnmarshalFragment(b []byte) (Fragment, error) {
	var f Fragment
	if err := json.Unmarshal(b, &f); err != nil {
		return Fragment{}, sqlerr.Wrap(err, sqlerr.ProtocolViolation, "malformed query fragment: %v", err)
	}
	return f, nil
}

// RunFragment runs a fragment in a session of its own and returns its
// result as an Arrow IPC stream (schema, record batches, end-of-stream),
// which the coordinator merges without decoding rows to text.
func (e *Engine) RunFragment(ctx context.Context, f Fragment) ([]byte, error) {
	s, err := e.NewSession(ctx, f.User, f.Hive)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	for name, value := range f.Settings {
		// As a startup parameter: the value is SHOW's text, which for a
		// list (search_path) is not one literal.
		if _, _, err := s.changeSetting(settingChange{name: name, value: &value, startup: true}); err != nil {
			return nil, fmt.Errorf("fragment setting %s: %w", name, err)
		}
	}
	stmts, err := parseSQL(rewriteCompat(f.SQL))
	if err != nil {
		return nil, parseError(err)
	}
	if len(stmts) != 1 {
		return nil, sqlerr.New(sqlerr.SyntaxError, "a fragment holds one SELECT, not %d statements", len(stmts))
	}
	sel, ok := stmts[0].AST.(*tree.Select)
	if !ok {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "a fragment must be a SELECT, not %s", stmts[0].AST.StatementTag())
	}
	s.fragmentCells = f.Cells
	s.statementTime = f.Now
	res, err := s.query(ctx, sel)
	if err != nil {
		return nil, err
	}
	rows := res.Rows
	defer rows.Close()
	cols := rows.Columns()
	names := make([]string, len(cols))
	typs := make([]vec.Type, len(cols))
	for i, c := range cols {
		names[i], typs[i] = c.Name, c.Type
	}
	schema, err := vec.ArrowSchema(names, typs)
	if err != nil {
		return nil, sqlerr.Wrap(err, sqlerr.FeatureNotSupported, "a fragment's result cannot travel as Arrow: %v", err)
	}
	var out bytes.Buffer
	w := ipc.NewWriter(&out, ipc.WithSchema(schema), ipc.WithAllocator(memory.NewGoAllocator()))
	if _, err := writeArrowBatches(ctx, rows, schema, w); err != nil {
		_ = w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("finish the fragment's Arrow stream: %w", err)
	}
	return out.Bytes(), nil
}
