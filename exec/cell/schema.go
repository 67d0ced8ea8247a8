package cell

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/txn"
	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress"
	"github.com/parquet-go/parquet-go/encoding"
	"github.com/parquet-go/parquet-go/format"
)

// Column is one column of a frame as cells store it.
type Column struct {
	Name    string
	Type    vec.Type
	NotNull bool
}

// Schema is a frame's columns and which of them partition it.
type Schema struct {
	Columns []Column
	// Partition holds indexes into Columns, in partitioning order.
	Partition []int
}

// NewSchema parses a frame schema as the ledger keeps it.
func NewSchema(cols []txn.Column, partitionBy []string) (*Schema, error) {
	s := &Schema{Columns: make([]Column, len(cols))}
	for i, c := range cols {
		t, err := vec.ParseType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("cell: column %q: %w", c.Name, err)
		}
		s.Columns[i] = Column{Name: c.Name, Type: t, NotNull: c.NotNull}
	}
	for _, p := range partitionBy {
		i := s.Index(p)
		if i < 0 {
			return nil, fmt.Errorf("cell: partition column %q is not a column", p)
		}
		if s.Columns[i].Type.Kind == vec.KindInterval || s.Columns[i].Type.Kind == vec.KindBytea {
			return nil, fmt.Errorf("cell: cannot partition by %s column %q", s.Columns[i].Type, p)
		}
		s.Partition = append(s.Partition, i)
	}
	return s, nil
}

// Index returns the position of the named column, or -1.
func (s *Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// Types returns the column types in order.
func (s *Schema) Types() []vec.Type {
	ts := make([]vec.Type, len(s.Columns))
	for i, c := range s.Columns {
		ts[i] = c.Type
	}
	return ts
}

// ledgerColumns is the inverse of NewSchema, for the schema key of a cell.
func (s *Schema) ledgerColumns() []txn.Column {
	cols := make([]txn.Column, len(s.Columns))
	for i, c := range s.Columns {
		cols[i] = txn.Column{Name: c.Name, Type: c.Type.String(), NotNull: c.NotNull}
	}
	return cols
}

// Key-value metadata Apiary puts in every cell footer. The schema key restores
// types Parquet cannot name exactly (varchar(n), char(n), unconstrained
// numeric, interval); the stats key holds per-row-group statistics in the
// ledger's encoding, which, unlike Parquet's, keep NaN and truncation exact.
const (
	metaSchema = "apiary.schema"
	metaStats  = "apiary.stats"
)

// intervalSize is the width of Apiary's interval encoding: months int32,
// days int32, micros int64, little-endian. Parquet's INTERVAL logical type
// (12 bytes, milliseconds) would drop microseconds and cannot hold negative
// parts, so Apiary uses a plain FIXED_LEN_BYTE_ARRAY(16) instead.
const intervalSize = 16

// decimalSize is the width of a numeric(19..38, s) value in a cell: the
// 128-bit two's-complement coefficient, big-endian, as Parquet's DECIMAL
// logical type on FIXED_LEN_BYTE_ARRAY(16) says.
const decimalSize = 16

// leafNode returns the Parquet node for one column. dict asks for
// dictionary encoding.
func leafNode(c Column, dict bool) parquet.Node {
	var n parquet.Node
	switch c.Type.Kind {
	case vec.KindBool:
		n = parquet.Leaf(parquet.BooleanType)
	case vec.KindInt16:
		n = parquet.Int(16)
	case vec.KindInt32:
		n = parquet.Int(32)
	case vec.KindInt64:
		n = parquet.Int(64)
	case vec.KindFloat32:
		n = parquet.Leaf(parquet.FloatType)
	case vec.KindFloat64:
		n = parquet.Leaf(parquet.DoubleType)
	case vec.KindNumeric:
		p := c.Type.Precision
		if p == 0 {
			p = vec.MaxNumericPrecision
		}
		n = parquet.Decimal(int(c.Type.EffectiveScale()), int(p), parquet.Int64Type)
	case vec.KindText:
		n = parquet.String()
	case vec.KindBytea:
		n = parquet.Leaf(parquet.ByteArrayType)
	case vec.KindDate:
		n = parquet.Date()
	case vec.KindTimestamp:
		n = parquet.TimestampAdjusted(parquet.Microsecond, false)
	case vec.KindTimestampTZ:
		n = parquet.TimestampAdjusted(parquet.Microsecond, true)
	case vec.KindInterval:
		n = parquet.Leaf(parquet.FixedLenByteArrayType(intervalSize))
	case vec.KindDecimal:
		n = parquet.Decimal(int(c.Type.Scale), int(c.Type.Precision), parquet.FixedLenByteArrayType(decimalSize))
	}
	if dict {
		n = parquet.Encoded(n, &parquet.RLEDictionary)
	}
	if !c.NotNull {
		n = parquet.Optional(n)
	}
	return n
}

// orderedGroup is a Parquet group node that keeps its fields in the order
// given. parquet.Group is a map and sorts fields by name, which would reorder
// the frame's columns for every other Parquet reader.
type orderedGroup []orderedField

type orderedField struct {
	parquet.Node
	name string
}

func (f orderedField) Name() string { return f.name }

// Value is only used by parquet-go's reflection-based row (de)construction,
// which cells never use.
func (f orderedField) Value(reflect.Value) reflect.Value {
	panic("cell: reflection access to a cell schema")
}

func (g orderedGroup) ID() int                     { return 0 }
func (g orderedGroup) String() string              { return "cell schema" }
func (g orderedGroup) Type() parquet.Type          { return parquet.Group{}.Type() }
func (g orderedGroup) Optional() bool              { return false }
func (g orderedGroup) Repeated() bool              { return false }
func (g orderedGroup) Required() bool              { return true }
func (g orderedGroup) Leaf() bool                  { return false }
func (g orderedGroup) Encoding() encoding.Encoding { return nil }
func (g orderedGroup) Compression() compress.Codec { return nil }
func (g orderedGroup) GoType() reflect.Type        { return reflect.TypeOf(struct{}{}) }
func (g orderedGroup) Fields() []parquet.Field {
	fs := make([]parquet.Field, len(g))
	for i := range g {
		fs[i] = g[i]
	}
	return fs
}

// parquetSchema builds the file schema; dict[i] selects dictionary encoding
// for column i.
func (s *Schema) parquetSchema(dict []bool) *parquet.Schema {
	g := make(orderedGroup, len(s.Columns))
	for i, c := range s.Columns {
		g[i] = orderedField{Node: leafNode(c, dict[i]), name: c.Name}
	}
	return parquet.NewSchema("apiary_cell", g)
}

// schemaFromFile recovers the column types of a Parquet file: from Apiary's
// schema key when present, otherwise from the Parquet physical and logical
// types (files written by other tools).
func schemaFromFile(f *parquet.File) (*Schema, error) {
	md := f.Metadata()
	leaves := f.Root().Columns()
	if raw, ok := f.Lookup(metaSchema); ok {
		var cols []txn.Column
		if err := json.Unmarshal([]byte(raw), &cols); err != nil {
			return nil, fmt.Errorf("cell: schema metadata: %w", err)
		}
		if len(cols) != len(leaves) {
			return nil, fmt.Errorf("cell: schema metadata names %d columns, file has %d", len(cols), len(leaves))
		}
		return NewSchema(cols, nil)
	}
	_ = md
	s := &Schema{}
	for _, col := range leaves {
		if !col.Leaf() || col.Repeated() || col.MaxRepetitionLevel() > 0 {
			return nil, fmt.Errorf("cell: column %q is nested or repeated", strings.Join(col.Path(), "."))
		}
		t, err := typeOfParquet(col.Type())
		if err != nil {
			return nil, fmt.Errorf("cell: column %q: %w", col.Name(), err)
		}
		s.Columns = append(s.Columns, Column{Name: col.Name(), Type: t, NotNull: col.Required()})
	}
	return s, nil
}

// typeOfParquet maps a Parquet leaf type to the Apiary type that holds it.
func typeOfParquet(pt parquet.Type) (vec.Type, error) {
	lt := pt.LogicalType()
	switch pt.Kind() {
	case parquet.Boolean:
		return vec.Bool, nil
	case parquet.Int32:
		switch {
		case lt != nil && lt.Date != nil:
			return vec.Date, nil
		case lt != nil && lt.Integer != nil && lt.Integer.BitWidth <= 16 && lt.Integer.IsSigned:
			return vec.Int16, nil
		case lt != nil && lt.Decimal != nil:
			return vec.Numeric(lt.Decimal.Precision, lt.Decimal.Scale), nil
		case lt != nil && lt.Integer != nil && !lt.Integer.IsSigned && lt.Integer.BitWidth == 32:
			return vec.Int64, nil
		}
		return vec.Int32, nil
	case parquet.Int64:
		switch {
		case lt != nil && lt.Timestamp != nil:
			if lt.Timestamp.IsAdjustedToUTC {
				return vec.TimestampTZ, nil
			}
			return vec.Timestamp, nil
		case lt != nil && lt.Decimal != nil:
			// An INT64 holds at most 18 digits whatever the precision says.
			return vec.Numeric(min(lt.Decimal.Precision, vec.MaxNumericPrecision), lt.Decimal.Scale), nil
		case lt != nil && lt.Integer != nil && !lt.Integer.IsSigned:
			return vec.Type{}, fmt.Errorf("unsigned 64-bit integers are not supported")
		}
		return vec.Int64, nil
	case parquet.Float:
		return vec.Float32, nil
	case parquet.Double:
		return vec.Float64, nil
	case parquet.ByteArray:
		if t, ok := decimalOfParquet(lt); ok {
			return t, nil
		}
		if lt != nil && (lt.UTF8 != nil || lt.Enum != nil || lt.Json != nil) {
			return vec.Text, nil
		}
		if ct := pt.ConvertedType(); ct != nil && *ct == 0 { // UTF8
			return vec.Text, nil
		}
		return vec.Bytea, nil
	case parquet.FixedLenByteArray:
		if t, ok := decimalOfParquet(lt); ok && pt.Length() <= decimalSize {
			return t, nil
		}
		return vec.Bytea, nil
	}
	return vec.Type{}, fmt.Errorf("unsupported parquet type %s", pt)
}

// decimalOfParquet is the type of a foreign DECIMAL(p, s) held in bytes:
// numeric(p, s), narrow up to 18 digits and KindDecimal up to 38. ok is
// false for other logical types and for decimals wider than 38 digits,
// which stay bytes.
func decimalOfParquet(lt *format.LogicalType) (vec.Type, bool) {
	if lt == nil || lt.Decimal == nil {
		return vec.Type{}, false
	}
	p, s := lt.Decimal.Precision, lt.Decimal.Scale
	if p < 1 || p > vec.MaxDeclaredPrecision || s < 0 || s > p {
		return vec.Type{}, false
	}
	return vec.DeclaredNumeric(p, s), true
}

// physicalOf reports how a column of file f is stored, for the decoder.
func physicalOf(col *parquet.Column) (kind parquet.Kind, lt *format.LogicalType, length int) {
	t := col.Type()
	return t.Kind(), t.LogicalType(), t.Length()
}
