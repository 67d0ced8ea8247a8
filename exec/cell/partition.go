package cell

import (
	"fmt"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
)

// HiveNullPartition names the directory of rows whose partition value is
// NULL, as Hive, Spark and DuckDB do.
const HiveNullPartition = "__HIVE_DEFAULT_PARTITION__"

// EscapePartitionValue escapes a partition value for a key segment the way
// Hive does: '%', '/', '=', control characters and a few characters that
// object stores or shells mishandle become %XX (upper-case hex). Bytes of
// multi-byte UTF-8 characters pass through unchanged.
func EscapePartitionValue(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if needsEscape(c) {
			fmt.Fprintf(&sb, "%%%02X", c)
			continue
		}
		sb.WriteByte(c)
	}
	out := sb.String()
	// "." and ".." are not valid object key segments.
	if out == "" || out == "." || out == ".." {
		return strings.ReplaceAll(out, ".", "%2E")
	}
	return out
}

func needsEscape(c byte) bool {
	if c < 0x20 || c == 0x7F {
		return true
	}
	switch c {
	case '%', '/', '=', '\\', '"', '#', '\'', '*', ':', '?', '[', ']', '^', '{':
		return true
	}
	return false
}

// UnescapePartitionValue reverses EscapePartitionValue.
func UnescapePartitionValue(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			sb.WriteByte(s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("cell: bad escape in partition value %q", s)
		}
		var c byte
		for _, h := range []byte(s[i+1 : i+3]) {
			c <<= 4
			switch {
			case h >= '0' && h <= '9':
				c |= h - '0'
			case h >= 'A' && h <= 'F':
				c |= h - 'A' + 10
			case h >= 'a' && h <= 'f':
				c |= h - 'a' + 10
			default:
				return "", fmt.Errorf("cell: bad escape in partition value %q", s)
			}
		}
		sb.WriteByte(c)
		i += 2
	}
	return sb.String(), nil
}

// partitionText is the canonical text of a partition value: PostgreSQL's
// output format (integers in decimal, dates YYYY-MM-DD, timestamptz in UTC,
// text as is). ok is false for NULL.
func partitionText(v *vec.Vec, row int) (string, bool) {
	if v.Nulls.IsNull(row) {
		return "", false
	}
	return string(vec.AppendText(nil, v, row, time.UTC)), true
}

// parsePartitionValue reads partitionText's output back as a Value.
func parsePartitionValue(t vec.Type, s string) (Value, error) {
	v, err := vec.ParseText(t, s, time.UTC)
	if err != nil {
		return Value{}, err
	}
	return valueAt(v, 0), nil
}

// valueAt returns row i of v as a Value.
func valueAt(v *vec.Vec, i int) Value {
	if v.Nulls.IsNull(i) {
		return Null()
	}
	switch v.Type.Kind {
	case vec.KindBool:
		return Bool(v.Bools()[i])
	case vec.KindInt16:
		return Int(int64(v.Int16s()[i]))
	case vec.KindInt32, vec.KindDate:
		return Int(int64(v.Int32s()[i]))
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		return Int(v.Int64s()[i])
	case vec.KindFloat32:
		return Float(float64(v.Float32s()[i]))
	case vec.KindFloat64:
		return Float(v.Float64s()[i])
	case vec.KindText, vec.KindBytea:
		return Bytes(append([]byte(nil), v.Bytes().Get(i)...))
	case vec.KindDecimal:
		return Decimal(v.Decimals()[i])
	}
	return Value{}
}

// partitionDir returns "col=value/..." for one partition tuple; vals holds
// the text values, ok whether each is non-NULL.
func partitionDir(s *Schema, vals []string, ok []bool) string {
	var sb strings.Builder
	for j, ci := range s.Partition {
		sb.WriteString(EscapePartitionValue(s.Columns[ci].Name))
		sb.WriteByte('=')
		if ok[j] {
			sb.WriteString(EscapePartitionValue(vals[j]))
		} else {
			sb.WriteString(HiveNullPartition)
		}
		sb.WriteByte('/')
	}
	return sb.String()
}
