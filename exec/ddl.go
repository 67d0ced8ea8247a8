package exec

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/plan"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
	"github.com/apiarydb/apiary/txn"
)

// Frame options accepted in CREATE TABLE ... WITH (...).
const (
	OptionPartitionBy    = "partition_by"
	OptionTargetCellSize = "target_cell_size"
)

// frameSchema turns a frame's metadata into typed columns.
func frameSchema(md *txn.Metadata) ([]Column, error) {
	cols := make([]Column, len(md.Columns))
	for i, c := range md.Columns {
		t, err := vec.ParseType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("exec: frame %s column %s: %w", md.FrameID, c.Name, err)
		}
		cols[i] = Column{Name: c.Name, Type: t}
	}
	return cols, nil
}

func (s *Session) createTable(ctx context.Context, n *tree.CreateTable) (Result, error) {
	if n.As() {
		return s.createTableAs(ctx, n)
	}
	md := txn.Metadata{Options: map[string]string{}}
	seen := map[string]bool{}
	// A declared primary key is recorded (not enforced: nothing is
	// indexed) so that pg_index and pg_constraint show it to tools that
	// build their models from keys.
	var primaryKey []string
	setPrimaryKey := func(cols []string) error {
		if primaryKey != nil {
			return sqlerr.New(sqlerr.InvalidTableDefinition, "multiple primary keys for table %q are not allowed", n.Table.ObjectName)
		}
		primaryKey = cols
		return nil
	}
	for _, def := range n.Defs {
		switch d := def.(type) {
		case *tree.ColumnTableDef:
			name := string(d.Name)
			if seen[name] {
				return Result{}, sqlerr.New(sqlerr.DuplicateColumn, "column %q specified more than once", name)
			}
			seen[name] = true
			t, err := plan.TypeFromAST(d.Type)
			if err != nil {
				return Result{}, err
			}
			notNull := d.Nullable.Nullability == tree.NotNull || d.PrimaryKey.IsPrimaryKey
			md.Columns = append(md.Columns, txn.Column{Name: name, Type: t.String(), NotNull: notNull})
			if d.PrimaryKey.IsPrimaryKey {
				if err := setPrimaryKey([]string{name}); err != nil {
					return Result{}, err
				}
			}
		case *tree.UniqueConstraintTableDef:
			if d.PrimaryKey {
				var cols []string
				for _, c := range d.Columns {
					cols = append(cols, string(c.Column))
				}
				if err := setPrimaryKey(cols); err != nil {
					return Result{}, err
				}
			}
		case *tree.IndexTableDef, *tree.CheckConstraintTableDef, *tree.ForeignKeyConstraintTableDef:
			// Constraints beyond NOT NULL are accepted and not enforced:
			// an analytical store of append-only cells keeps no indexes.
			// docs/sql-reference.md says so.
		default:
			return Result{}, unsupported("table element %T is not supported", def)
		}
	}
	if len(md.Columns) == 0 {
		return Result{}, unsupported("a frame needs at least one column")
	}
	if primaryKey != nil {
		for i, c := range primaryKey {
			if slices.Contains(primaryKey[:i], c) {
				return Result{}, sqlerr.New(sqlerr.DuplicateColumn, "column %q appears twice in primary key constraint", c)
			}
			found := false
			for i := range md.Columns {
				if md.Columns[i].Name == c {
					// PRIMARY KEY (a, b) makes its columns NOT NULL.
					md.Columns[i].NotNull, found = true, true
				}
			}
			if !found {
				return Result{}, sqlerr.New(sqlerr.UndefinedColumn, "column %q named in key does not exist", c)
			}
		}
		md.Options[OptionPrimaryKey] = PrimaryKeyOption(primaryKey)
	}
	for _, p := range n.StorageParams {
		key := strings.ToLower(string(p.Key))
		val := strings.Trim(tree.AsStringWithFlags(p.Value, tree.FmtBareStrings), "'")
		switch key {
		case OptionPartitionBy:
			for _, c := range strings.Split(val, ",") {
				c = strings.TrimSpace(c)
				if !seen[c] {
					return Result{}, sqlerr.New(sqlerr.UndefinedColumn, "partition column %q does not exist", c)
				}
				md.PartitionBy = append(md.PartitionBy, c)
			}
		case OptionTargetCellSize:
			if _, err := strconv.ParseInt(val, 10, 64); err != nil {
				return Result{}, sqlerr.New(sqlerr.InvalidParameterValue, "target_cell_size must be a number of bytes, got %q", val)
			}
			md.Options[key] = val
		default:
			return Result{}, sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized frame option %q", key).
				WithHint("Frame options are %s and %s.", OptionPartitionBy, OptionTargetCellSize)
		}
	}
	return s.write(ctx, "CREATE TABLE", func(t *txn.Txn) (Result, error) {
		ns, err := s.eng.catalog.InTxn(ctx, t)
		if err != nil {
			return Result{}, err
		}
		ref, err := s.newFrameRef(ns, &n.Table)
		if err != nil {
			return Result{}, err
		}
		_, _, err = s.eng.catalog.CreateFrame(ctx, t, ref.hive, ref.box, ref.name, md, n.IfNotExists)
		return Result{Tag: "CREATE TABLE"}, err
	})
}

func (s *Session) dropTables(ctx context.Context, n *tree.DropTable) (Result, error) {
	return s.write(ctx, "DROP TABLE", func(t *txn.Txn) (Result, error) {
		ns, err := s.eng.catalog.InTxn(ctx, t)
		if err != nil {
			return Result{}, err
		}
		for i := range n.Names {
			f, err := s.resolveFrame(ns, &n.Names[i])
			if err != nil {
				if sqlerr.CodeOf(err) != sqlerr.UndefinedTable {
					return Result{}, err
				}
				if n.IfExists {
					continue
				}
				// DROP names the table alone, where queries name the
				// relation as written.
				return Result{}, sqlerr.New(sqlerr.UndefinedTable, "table \"%s\" does not exist", string(n.Names[i].ObjectName))
			}
			if err := s.eng.catalog.DropFrame(ctx, t, f.Hive, f.Box, f.Name, n.IfExists); err != nil {
				return Result{}, err
			}
		}
		return Result{Tag: "DROP TABLE"}, nil
	})
}

func (s *Session) dropSchemas(ctx context.Context, n *tree.DropSchema) (Result, error) {
	return s.write(ctx, "DROP SCHEMA", func(t *txn.Txn) (Result, error) {
		for _, p := range n.Names {
			hive, box, err := s.schemaName(p)
			if err != nil {
				return Result{}, err
			}
			if err := s.eng.catalog.DropBox(ctx, t, hive, box, n.IfExists, n.DropBehavior == tree.DropCascade); err != nil {
				return Result{}, err
			}
		}
		return Result{Tag: "DROP SCHEMA"}, nil
	})
}
