package exec

import (
	"context"
	"fmt"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/catalog"
	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// planIn plans a SELECT inside transaction t, which sees its own writes.
func (s *Session) planIn(ctx context.Context, t *txn.Txn, sel *tree.Select) (colexec.Operator, []plan.Column, error) {
	return s.planner(ctx, t).Select(sel)
}

// insertQuery runs INSERT INTO frame [(cols)] SELECT ... (and VALUES lists
// with expressions): the query's rows are converted to the frame's column
// types with assignment casts and streamed into cells, all added in one
// commit.
func (s *Session) insertQuery(ctx context.Context, t *txn.Txn, f catalog.FrameEntry, md *txn.Metadata, names tree.NameList, sel *tree.Select) (int64, error) {
	schema, err := frameSchema(md)
	if err != nil {
		return 0, err
	}
	target, err := targetColumns(f.Name, schema, names)
	if err != nil {
		return 0, err
	}
	op, cols, err := s.planIn(ctx, t, sel)
	if err != nil {
		return 0, err
	}
	defer op.Close()
	target = shortTarget(target, names, len(cols))
	if len(cols) > len(target) {
		return 0, sqlerr.New(sqlerr.SyntaxError, "INSERT has more expressions than target columns")
	}
	if len(cols) < len(target) {
		return 0, sqlerr.New(sqlerr.SyntaxError, "INSERT has more target columns than expressions")
	}
	// One expression per frame column: the converted source column, or
	// NULL for columns the statement does not name.
	exprs := make([]expr.Expr, len(schema))
	for i, c := range schema {
		exprs[i] = expr.NullConst(c.Type)
	}
	for i, ti := range target {
		src := &expr.ColRef{Idx: i, Typ: cols[i].Type, Name: cols[i].Name}
		e, err := expr.NewAssignment(src, schema[ti].Type)
		if err != nil {
			return 0, sqlerr.Wrap(err, sqlerr.DatatypeMismatch, "column %q is of type %s but expression is of type %s", schema[ti].Name, schema[ti].Type, cols[i].Type).
				WithHint("You will need to rewrite or cast the expression.")
		}
		exprs[ti] = e
	}
	conv := colexec.NewProject(op, exprs, s.env())
	cs, err := cell.NewSchema(md.Columns, md.PartitionBy)
	if err != nil {
		return 0, err
	}
	targetBytes, err := cell.TargetFromOptions(md.Options, s.eng.cfg.BeeMemory)
	if err != nil {
		return 0, err
	}
	w, err := cell.NewWriter(s.eng.store, f.Prefix(), cs, cell.WriterOptions{TxnID: t.ID(), TargetCellBytes: targetBytes})
	if err != nil {
		return 0, err
	}
	var rows int64
	err = colexec.Drain(ctx, conv, func(b *vec.Batch) error {
		for i, c := range md.Columns {
			if !c.NotNull || !b.Cols[i].Nulls.Any() {
				continue
			}
			for k := 0; k < b.Len; k++ {
				if b.Cols[i].Nulls.IsNull(b.Row(k)) {
					return sqlerr.New(sqlerr.NotNullViolation, "null value in column %q of relation %q violates not-null constraint", c.Name, f.Name).
						WithDetail("Failing row is row %d of the query's result.", rows+int64(k)+1)
				}
			}
		}
		rows += int64(b.Len)
		return w.Write(ctx, b)
	})
	if err != nil {
		s.abortWriter(ctx, w)
		return 0, err
	}
	cells, err := w.Close(ctx)
	if err != nil {
		s.abortWriter(ctx, w)
		return 0, err
	}
	t.AddCells(s.eng.txns.Ledger(f.Prefix()), cells...)
	return rows, nil
}

// abortWriter removes a failed statement's cells. They are orphans no
// snapshot sees, so a failure here only costs space and is logged rather
// than hiding the statement's own error.
func (s *Session) abortWriter(ctx context.Context, w *cell.Writer) {
	if err := w.Abort(ctx); err != nil {
		s.eng.log.Warn("could not remove the cells of a failed write", "err", err)
	}
}

// shortTarget applies PostgreSQL's rule for an INSERT without a column list
// whose rows are narrower than the frame: they fill the leading columns
// and the rest get their default, NULL. With a column list every named
// column needs a value.
func shortTarget(target []int, names tree.NameList, width int) []int {
	if len(names) == 0 && width < len(target) {
		return target[:width]
	}
	return target
}

// targetColumns maps an INSERT's column list to frame column indices.
func targetColumns(frame string, schema []Column, names tree.NameList) ([]int, error) {
	var target []int
	if len(names) == 0 {
		for i := range schema {
			target = append(target, i)
		}
		return target, nil
	}
	seen := map[int]bool{}
	for _, nm := range names {
		idx := -1
		for i, c := range schema {
			if c.Name == string(nm) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return nil, sqlerr.New(sqlerr.UndefinedColumn, "column \"%s\" of relation \"%s\" does not exist", string(nm), frame)
		}
		if seen[idx] {
			return nil, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", string(nm))
		}
		seen[idx] = true
		target = append(target, idx)
	}
	return target, nil
}

// createTableAs runs CREATE TABLE name [(cols)] AS SELECT ...: the frame
// takes the query's column names and types and is filled in the same
// transaction, so it appears with its rows or not at all.
func (s *Session) createTableAs(ctx context.Context, n *tree.CreateTable) (Result, error) {
	var rows int64
	res, err := s.write(ctx, "CREATE TABLE AS", func(t *txn.Txn) (Result, error) {
		op, cols, err := s.planIn(ctx, t, n.AsSource)
		if err != nil {
			return Result{}, err
		}
		op.Close()
		md := txn.Metadata{Options: map[string]string{}}
		seen := map[string]bool{}
		for i, c := range cols {
			name := c.Name
			if i < len(n.Defs) {
				if d, ok := n.Defs[i].(*tree.ColumnTableDef); ok {
					name = string(d.Name)
				}
			}
			if seen[name] {
				return Result{}, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", name)
			}
			seen[name] = true
			md.Columns = append(md.Columns, txn.Column{Name: name, Type: storedType(c.Type).String()})
		}
		ns, err := s.eng.catalog.InTxn(ctx, t)
		if err != nil {
			return Result{}, err
		}
		ref, err := s.newFrameRef(ns, &n.Table)
		if err != nil {
			return Result{}, err
		}
		entry, created, err := s.eng.catalog.CreateFrame(ctx, t, ref.hive, ref.box, ref.name, md, n.IfNotExists)
		if err != nil || !created {
			return Result{Tag: "CREATE TABLE AS"}, err
		}
		ledger := s.eng.txns.Ledger(entry.Prefix())
		pending := t.Pending(ledger)
		if pending.Metadata == nil {
			return Result{}, fmt.Errorf("exec: new frame %s has no pending metadata", entry.Name)
		}
		rows, err = s.insertQuery(ctx, t, entry, pending.Metadata, nil, n.AsSource)
		if err != nil {
			return Result{}, err
		}
		return Result{Tag: fmt.Sprintf("SELECT %d", rows)}, nil
	})
	return res, err
}

// storedType is the column type a computed value is stored as: a numeric
// without declared precision keeps its scale by declaring the widest
// precision when that scale is not the unconstrained default.
//
// A numeric held as decimal.Decimal keeps its declared numeric(19..38, s)
// type; a computed one (sums, averages, quotients, whose values have
// scales of their own) becomes numeric(38, s) with its nominal scale s: 38
// digits hold any such value's integer part, and values with more
// decimals than s are rounded to s, where PostgreSQL's plain numeric
// column would keep them all.
func storedType(t vec.Type) vec.Type {
	if t.Kind == vec.KindDecimal {
		if t.Precision > 0 {
			return t
		}
		return vec.DeclaredNumeric(vec.MaxDeclaredPrecision, min(t.Scale, vec.MaxDeclaredPrecision))
	}
	if t.Kind == vec.KindNumeric && t.Precision == 0 && t.Scale != vec.DefaultNumericScale {
		return vec.Numeric(vec.MaxNumericPrecision, t.Scale)
	}
	return t
}
