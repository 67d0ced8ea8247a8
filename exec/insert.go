package exec

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

func (s *Session) insert(ctx context.Context, n *tree.Insert) (Result, error) {
	if n.Returning != nil {
		if _, none := n.Returning.(*tree.NoReturningClause); !none {
			return Result{}, unsupported("INSERT ... RETURNING is not supported")
		}
	}
	if n.OnConflict != nil {
		return Result{}, unsupported("INSERT ... ON CONFLICT is not supported: frames have no unique keys")
	}
	target := n.Table
	if ate, isAliased := target.(*tree.AliasedTableExpr); isAliased {
		target = ate.Expr
	}
	tn, ok := target.(*tree.TableName)
	if !ok {
		return Result{}, unsupported("INSERT target %s is not supported", tree.AsString(n.Table))
	}
	if n.Rows == nil || n.Rows.Select == nil {
		return Result{}, unsupported("INSERT ... DEFAULT VALUES is not supported")
	}
	values, _ := n.Rows.Select.(*tree.ValuesClause)
	var count int
	res, err := s.write(ctx, "INSERT", func(t *txn.Txn) (Result, error) {
		ns, err := s.eng.catalog.InTxn(ctx, t)
		if err != nil {
			return Result{}, err
		}
		f, err := s.resolveFrame(ns, tn)
		if err != nil {
			return Result{}, err
		}
		ledger := s.eng.txns.Ledger(f.Prefix())
		snap, err := t.Read(ctx, ledger)
		if err != nil {
			return Result{}, err
		}
		md := snap.Metadata
		if pending := t.Pending(ledger); pending.Metadata != nil {
			md = pending.Metadata
		}
		if md == nil {
			return Result{}, sqlerr.New(sqlerr.UndefinedTable, "relation %q has no schema", f.Name)
		}
		schema, err := frameSchema(md)
		if err != nil {
			return Result{}, err
		}
		var batch *vec.Batch
		if values != nil {
			batch, err = buildValues(f.Name, md, schema, n.Columns, values, s.location())
		}
		if values == nil || sqlerr.CodeOf(err) == sqlerr.FeatureNotSupported {
			// A query, or VALUES with expressions: the planner runs it.
			rows, err := s.insertQuery(ctx, t, f, md, n.Columns, n.Rows)
			if err != nil {
				return Result{}, err
			}
			return Result{Tag: fmt.Sprintf("INSERT 0 %d", rows)}, nil
		}
		if err != nil {
			return Result{}, err
		}
		count = batch.Len
		if count == 0 {
			return Result{Tag: "INSERT 0 0"}, nil
		}
		if s.txn != nil {
			// In a transaction block rows wait for their siblings and
			// become a few right-sized cells (insert_buffer.go).
			if err := s.bufferInsert(ctx, f, md, ledger, batch); err != nil {
				return Result{}, err
			}
			return Result{Tag: fmt.Sprintf("INSERT 0 %d", count)}, nil
		}
		cells, err := s.writeCells(ctx, t, f.Prefix(), md, []*vec.Batch{batch})
		if err != nil {
			return Result{}, err
		}
		t.AddCells(ledger, cells...)
		return Result{Tag: fmt.Sprintf("INSERT 0 %d", count)}, nil
	})
	return res, err
}

// buildValues evaluates a VALUES list into a batch laid out in the frame's
// column order. Columns the statement does not name are NULL. Every check
// happens before anything is written, so a bad row rejects the statement
// whole.
func buildValues(frame string, md *txn.Metadata, schema []Column, names tree.NameList, values *tree.ValuesClause, loc *time.Location) (*vec.Batch, error) {
	// target[i] is the frame column that the i-th value of each row fills.
	target, err := targetColumns(frame, schema, names)
	if err != nil {
		return nil, err
	}
	if len(values.Rows) > 0 {
		target = shortTarget(target, names, len(values.Rows[0]))
	}
	filled := make([]bool, len(schema))
	for _, idx := range target {
		filled[idx] = true
	}
	types := make([]vec.Type, len(schema))
	for i, c := range schema {
		types[i] = c.Type
	}
	b := vec.NewBatch(types, len(values.Rows))
	for r, row := range values.Rows {
		if r > 0 && len(row) != len(values.Rows[0]) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "VALUES lists must all be the same length")
		}
		if len(row) > len(target) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more expressions than target columns")
		}
		if len(row) < len(target) {
			return nil, sqlerr.New(sqlerr.SyntaxError, "INSERT has more target columns than expressions")
		}
		for i, e := range row {
			col := b.Cols[target[i]]
			if err := appendLiteral(col, e, loc); err != nil {
				return nil, withRowContext(err, frame, schema[target[i]].Name, r+1)
			}
		}
		for i, ok := range filled {
			if !ok {
				b.Cols[i].AppendNull()
			}
		}
	}
	b.Len = len(values.Rows)
	for i, c := range md.Columns {
		if !c.NotNull {
			continue
		}
		if b.Cols[i].Nulls.Any() {
			for r := 0; r < b.Len; r++ {
				if b.Cols[i].Nulls.IsNull(r) {
					return nil, sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, frame).
						WithDetail("Failing row is row %d of the statement.", r+1)
				}
			}
		}
	}
	return b, nil
}

// withRowContext names the row and column of a bad value in the error's
// detail, keeping its SQLSTATE.
func withRowContext(err error, frame, column string, row int) error {
	e := sqlerr.Flatten(err)
	if e.Detail == "" {
		e.Detail = fmt.Sprintf("Row %d, column %q of relation %q.", row, column, frame)
	}
	e.Err = err
	return e
}

// appendLiteral appends the value of a constant expression to col; loc is
// the session time zone, in which timestamptz literals without a zone are
// read. Until the
// expression evaluator lands (the engine issue), VALUES rows may hold
// constants, signed numbers, NULL and casts of constants.
func appendLiteral(col *vec.Vec, e tree.Expr, loc *time.Location) error {
	switch x := e.(type) {
	case *tree.ParenExpr:
		return appendLiteral(col, x.Expr, loc)
	case *tree.CastExpr:
		// A cast to the column's own type is the common case ('...'::date).
		// Another type is honoured by converting through it, so a value the
		// cast would reject ('abc'::int) is rejected here too.
		ct, err := plan.TypeFromAST(x.Type)
		if err != nil {
			return err
		}
		if ct == col.Type {
			return appendLiteral(col, x.Expr, loc)
		}
		tmp := vec.New(ct, 1)
		if err := appendLiteral(tmp, x.Expr, loc); err != nil {
			return err
		}
		if tmp.Nulls.IsNull(0) {
			col.AppendNull()
			return nil
		}
		return col.AppendParsed(string(vec.AppendText(nil, tmp, 0, loc)), loc)
	case tree.Datum:
		if x == tree.DNull {
			col.AppendNull()
			return nil
		}
		if d, ok := x.(*tree.DBool); ok {
			if *d {
				return col.AppendParsed("t", loc)
			}
			return col.AppendParsed("f", loc)
		}
	case *tree.NumVal:
		return col.AppendParsed(x.String(), loc)
	case *tree.StrVal:
		return col.AppendParsed(x.RawString(), loc)
	case *tree.UnaryExpr:
		if x.Operator.Symbol == tree.UnaryMinus {
			if nv, ok := x.Expr.(*tree.NumVal); ok {
				s := nv.String()
				if strings.HasPrefix(s, "-") {
					return col.AppendParsed(s[1:], loc)
				}
				return col.AppendParsed("-"+s, loc)
			}
		}
	}
	return unsupported("VALUES may only hold constants for now, not %s", tree.AsString(e))
}
