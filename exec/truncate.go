package exec

import (
	"context"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// truncate runs TRUNCATE [TABLE] a, b, ...: every named frame loses all its
// cells in one atomic commit (a multi-frame transaction when it names
// several). Inside a transaction block the frames read empty afterwards
// and ROLLBACK brings everything back. A concurrent append to a frame being
// truncated makes one of the two fail with 40001 rather than survive the
// truncation unseen.
func (s *Session) truncate(ctx context.Context, n *tree.Truncate) (Result, error) {
	return s.write(ctx, "TRUNCATE", func(t *txn.Txn) (Result, error) {
		for i := range n.Tables {
			tgt, err := s.copyTarget(ctx, t, &n.Tables[i], nil)
			if err != nil {
				return Result{}, err
			}
			t.Overwrite(tgt.ledger)
			// Cells this transaction added earlier are not in the snapshot
			// that Overwrite empties: drop them too.
			var earlier []string
			for _, c := range tgt.pending.Adds {
				earlier = append(earlier, c.Path)
			}
			t.RemoveCells(tgt.ledger, earlier...)
		}
		return Result{Tag: "TRUNCATE TABLE"}, nil
	})
}

// truncatePartitionStmt is TRUNCATE [TABLE|FRAME] f PARTITION (k = v, ...),
// which the SQL parser does not know.
type truncatePartitionStmt struct {
	table *tree.TableName
	cols  []string
	vals  []string
}

func parseTruncatePartition(sql string) (*truncatePartitionStmt, error) {
	l, err := lex(sql)
	if err != nil {
		return nil, err
	}
	if !l.keyword("truncate") {
		return nil, l.syntaxError()
	}
	if !l.keyword("table") {
		l.keyword("frame")
	}
	l.keyword("only")
	st := &truncatePartitionStmt{}
	if st.table, _, err = l.tableName(); err != nil {
		return nil, err
	}
	if !l.keyword("partition") {
		return nil, l.syntaxError()
	}
	if err := l.expectPunct("("); err != nil {
		return nil, err
	}
	for {
		c, err := l.ident()
		if err != nil {
			return nil, err
		}
		if err := l.expectPunct("="); err != nil {
			return nil, err
		}
		v := l.next()
		switch v.kind {
		case tokString, tokNumber:
		case tokIdent:
			if v.quoted || (v.text != "true" && v.text != "false") {
				if !v.quoted && v.text == "null" {
					return nil, unsupported("TRUNCATE ... PARTITION cannot name a NULL partition value yet")
				}
				l.i--
				return nil, l.syntaxError()
			}
		default:
			l.i--
			return nil, l.syntaxError()
		}
		st.cols = append(st.cols, c)
		st.vals = append(st.vals, v.text)
		if l.punct(")") {
			break
		}
		if err := l.expectPunct(","); err != nil {
			return nil, err
		}
	}
	if err := l.atEnd(); err != nil {
		return nil, err
	}
	return st, nil
}

// truncatePartition removes every cell of one partition (or of every
// partition matching the values given for some partition columns) in one
// commit. The values are written as the partition column's type reads
// them ('2026-1-5' for a date names 2026-01-05).
func (s *Session) truncatePartition(ctx context.Context, st *truncatePartitionStmt) (Result, error) {
	return s.write(ctx, "TRUNCATE", func(t *txn.Txn) (Result, error) {
		tgt, err := s.copyTarget(ctx, t, st.table, nil)
		if err != nil {
			return Result{}, err
		}
		scope := map[string]string{}
		for i, c := range st.cols {
			ci := tgt.schema.Index(c)
			isPart := false
			for _, p := range tgt.schema.Partition {
				isPart = isPart || p == ci
			}
			if ci < 0 || !isPart {
				return Result{}, sqlerr.New(sqlerr.InvalidColumnReference, "column %q is not a partition column of relation %q", c, tgt.name).
					WithHint("The frame is partitioned by %v.", tgt.md.PartitionBy)
			}
			if _, dup := scope[c]; dup {
				return Result{}, sqlerr.New(sqlerr.DuplicateColumn, "partition column %q named more than once", c)
			}
			v, err := vec.ParseText(tgt.schema.Columns[ci].Type, st.vals[i], time.UTC)
			if err != nil {
				return Result{}, copyContext(err, "TRUNCATE "+tgt.name+" PARTITION, column "+c+": "+quoteForContext([]byte(st.vals[i])))
			}
			scope[c] = string(vec.AppendText(nil, v, 0, time.UTC))
		}
		var paths []string
		for _, c := range liveCells(tgt.snap, tgt.pending) {
			if partitionIncludes(c.Partition, scope) {
				paths = append(paths, c.Path)
			}
		}
		// The explicit removals make the partition read empty later in the
		// same transaction; the scope makes a concurrent append into it
		// conflict.
		t.RemoveCells(tgt.ledger, paths...)
		t.OverwritePartition(tgt.ledger, scope)
		return Result{Tag: "TRUNCATE TABLE"}, nil
	})
}
