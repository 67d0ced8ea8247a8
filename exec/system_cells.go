package exec

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
)

var cellsColumns = []systemColumn{
	{"hive", vec.Text}, {"box", vec.Text}, {"frame", vec.Text}, {"cell", vec.Text}, {"partition", vec.Text},
	{"rows", vec.Int64}, {"bytes", vec.Int64}, {"stats", vec.Text},
}

// cellsRows lists the cells of every frame of the session's hive, as the
// statement sees them (inside a transaction block, with the block's own
// changes), from each frame's ledger: path, partition values ("k=v/..."
// in the frame's partition order; NULL for an unpartitioned frame), rows,
// bytes, and the per-column statistics pruning uses, as a JSON object
// {"column": {"min": text, "max": text, "nulls": n}} with the bounds in
// PostgreSQL's text form.
func cellsRows(ctx context.Context, v *catalogView) ([][]any, error) {
	ns, err := v.namespace(ctx)
	if err != nil {
		return nil, err
	}
	frames := ns.Frames(v.hive, "")
	perFrame := make([][][]any, len(frames))
	read := func(i int) error {
		f := frames[i]
		md, cells, err := v.frameState(ctx, f)
		if err != nil {
			return err
		}
		if md == nil {
			return nil
		}
		types := map[string]vec.Type{}
		if cols, err := frameSchema(md); err == nil {
			for _, c := range cols {
				types[c.Name] = c.Type
			}
		}
		for _, c := range cells {
			perFrame[i] = append(perFrame[i], []any{v.hive, f.Box, f.Name, c.Path, partitionText(md.PartitionBy, c.Partition),
				c.Rows, c.Bytes, statsText(c.Stats, types)})
		}
		return nil
	}
	if err := v.eachFrame(len(frames), read); err != nil {
		return nil, err
	}
	var rows [][]any
	for _, r := range perFrame {
		rows = append(rows, r...)
	}
	return rows, nil
}

// partitionText writes a cell's partition values in the frame's
// partition order, as Hive-style paths do; a NULL value, absent from the
// cell's map, prints as in paths (docs/cells.md).
func partitionText(by []string, values map[string]string) any {
	if len(by) == 0 {
		return nil
	}
	parts := make([]string, len(by))
	for i, k := range by {
		v, ok := values[k]
		if !ok {
			v = cell.HiveNullPartition
		}
		parts[i] = k + "=" + v
	}
	return strings.Join(parts, "/")
}

// cellBound is one column's statistics in system.cells.
type cellBound struct {
	Min   *string `json:"min,omitempty"`
	Max   *string `json:"max,omitempty"`
	Nulls int64   `json:"nulls"`
}

// statsText renders a cell's statistics as a JSON object keyed by column,
// in column name order (encoding/json sorts map keys).
func statsText(stats []txn.ColumnStats, types map[string]vec.Type) any {
	if len(stats) == 0 {
		return nil
	}
	out := make(map[string]cellBound, len(stats))
	for _, s := range stats {
		b := cellBound{Nulls: s.NullCount}
		t, known := types[s.Column]
		if s.Min != nil {
			b.Min = boundText(t, known, s.Min)
		}
		if s.Max != nil {
			b.Max = boundText(t, known, s.Max)
		}
		out[s.Column] = b
	}
	j, err := json.Marshal(out)
	if err != nil {
		return nil
	}
	return string(j)
}

// boundText prints a bound in PostgreSQL's text form for the column's
// type; a bound that cannot be decoded prints as stored.
func boundText(t vec.Type, known bool, raw json.RawMessage) *string {
	s := string(raw)
	if !known || t.Shape != vec.ShapeScalar {
		return &s
	}
	val, err := cell.DecodeStat(t, raw)
	if err != nil {
		return &s
	}
	col := vec.New(t, 1)
	switch t.Kind {
	case vec.KindBool:
		col.AppendBool(val.I != 0)
	case vec.KindInt16:
		col.AppendInt16(int16(val.I))
	case vec.KindInt32, vec.KindDate:
		col.AppendInt32(int32(val.I))
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		col.AppendInt64(val.I)
	case vec.KindFloat32:
		col.AppendFloat32(float32(val.F))
	case vec.KindFloat64:
		col.AppendFloat64(val.F)
	case vec.KindText:
		col.AppendBytes(val.B)
	default:
		return &s
	}
	text := string(vec.AppendText(nil, col, 0, time.UTC))
	return &text
}
