package server

import (
	"encoding/binary"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Type OIDs the wire layer knows beyond the engine's own (exec/vec).
const (
	oidName    = 19
	oidChar    = 18
	oidOID     = 26
	oidJSON    = 114
	oidXML     = 142
	oidTime    = 1083
	oidUUID    = 2950
	oidJSONB   = 3802
	oidCString = 2275
)

// binaryParamText converts a parameter sent in binary format to its text
// form, which the engine reads as it reads any literal of the type.
func binaryParamText(oid uint32, b []byte) ([]byte, error) {
	bad := func() ([]byte, error) {
		return nil, sqlerr.New(sqlerr.InvalidBinaryRepresentation, "incorrect binary data format in bind parameter of type %s", typeNameOf(oid))
	}
	need := func(n int) bool { return len(b) == n }
	switch oid {
	case vec.OIDBool:
		if !need(1) {
			return bad()
		}
		if b[0] != 0 {
			return []byte("t"), nil
		}
		return []byte("f"), nil
	case vec.OIDInt2:
		if !need(2) {
			return bad()
		}
		return strconv.AppendInt(nil, int64(int16(binary.BigEndian.Uint16(b))), 10), nil
	case vec.OIDInt4:
		if !need(4) {
			return bad()
		}
		return strconv.AppendInt(nil, int64(int32(binary.BigEndian.Uint32(b))), 10), nil
	case oidOID, vec.OIDXid, vec.OIDRegproc, vec.OIDRegprocedure, vec.OIDRegoper, vec.OIDRegoperator,
		vec.OIDRegclass, vec.OIDRegtype, vec.OIDRegnamespace, vec.OIDRegrole:
		if !need(4) {
			return bad()
		}
		return strconv.AppendUint(nil, uint64(binary.BigEndian.Uint32(b)), 10), nil
	case vec.OIDInt8:
		if !need(8) {
			return bad()
		}
		return strconv.AppendInt(nil, int64(binary.BigEndian.Uint64(b)), 10), nil
	case vec.OIDFloat4:
		if !need(4) {
			return bad()
		}
		return vec.AppendFloat(nil, float64(math.Float32frombits(binary.BigEndian.Uint32(b))), 32), nil
	case vec.OIDFloat8:
		if !need(8) {
			return bad()
		}
		return vec.AppendFloat(nil, math.Float64frombits(binary.BigEndian.Uint64(b)), 64), nil
	case vec.OIDNumeric:
		return vec.NumericBinaryText(b)
	case vec.OIDText, vec.OIDVarchar, vec.OIDBpchar, oidName, oidChar, vec.OIDUnknown, oidJSON, oidXML, oidCString:
		return b, nil
	case oidJSONB:
		if len(b) == 0 || b[0] != 1 {
			return bad()
		}
		return b[1:], nil
	case vec.OIDBytea:
		return vec.AppendByteaHex(nil, b), nil
	case vec.OIDDate:
		if !need(4) {
			return bad()
		}
		d := int32(binary.BigEndian.Uint32(b))
		if d != vec.DateNegInfinity && d != vec.DatePosInfinity {
			d += vec.PGEpochDays
		}
		return vec.AppendDate(nil, d), nil
	case vec.OIDTimestamp, vec.OIDTimestampTZ:
		if !need(8) {
			return bad()
		}
		us := int64(binary.BigEndian.Uint64(b))
		if us == vec.TimestampNegInfinity || us == vec.TimestampPosInfinity {
			return vec.AppendTimestamp(nil, us), nil
		}
		us += vec.PGEpochMicros
		if oid == vec.OIDTimestampTZ {
			return vec.AppendTimestampTZ(nil, us, time.UTC), nil
		}
		return vec.AppendTimestamp(nil, us), nil
	case vec.OIDInterval:
		if !need(16) {
			return bad()
		}
		iv := vec.Interval{
			Micros: int64(binary.BigEndian.Uint64(b)),
			Days:   int32(binary.BigEndian.Uint32(b[8:])),
			Months: int32(binary.BigEndian.Uint32(b[12:])),
		}
		return vec.AppendInterval(nil, iv), nil
	case oidTime:
		if !need(8) {
			return bad()
		}
		us := int64(binary.BigEndian.Uint64(b))
		out := make([]byte, 0, 15)
		out = strconv.AppendInt(out, us/3600e6, 10)
		out = append(out, ':')
		out = append(out, pad2(us/60e6%60)...)
		out = append(out, ':')
		out = append(out, pad2(us/1e6%60)...)
		if f := us % 1e6; f != 0 {
			s := strconv.FormatInt(f+1e6, 10)[1:]
			for s[len(s)-1] == '0' {
				s = s[:len(s)-1]
			}
			out = append(out, '.')
			out = append(out, s...)
		}
		return out, nil
	case oidUUID:
		if !need(16) {
			return bad()
		}
		h := hex.EncodeToString(b)
		return []byte(h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]), nil
	}
	if elem, ok := arrayElemOID(oid); ok {
		return arrayBinaryText(elem, b)
	}
	return nil, sqlerr.New(sqlerr.FeatureNotSupported, "binary format is not supported for parameters of type %s", typeNameOf(oid)).
		WithHint("Send the parameter in text format.")
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

// arrayElemOID maps the built-in array types to their element types.
func arrayElemOID(oid uint32) (uint32, bool) {
	switch oid {
	case 1000:
		return vec.OIDBool, true
	case 1001:
		return vec.OIDBytea, true
	case 1002:
		return oidChar, true
	case 1003:
		return oidName, true
	case 1005:
		return vec.OIDInt2, true
	case 1007:
		return vec.OIDInt4, true
	case 1009:
		return vec.OIDText, true
	case 1014:
		return vec.OIDBpchar, true
	case 1015:
		return vec.OIDVarchar, true
	case 1016:
		return vec.OIDInt8, true
	case 1021:
		return vec.OIDFloat4, true
	case 1022:
		return vec.OIDFloat8, true
	case 1028:
		return oidOID, true
	case 2210:
		return vec.OIDRegclass, true
	case 2211:
		return vec.OIDRegtype, true
	case 1115:
		return vec.OIDTimestamp, true
	case 1182:
		return vec.OIDDate, true
	case 1185:
		return vec.OIDTimestampTZ, true
	case 1187:
		return vec.OIDInterval, true
	case 1231:
		return vec.OIDNumeric, true
	case 2951:
		return oidUUID, true
	}
	return 0, false
}

// arrayBinaryText converts array_send's format (one dimension or none)
// into an array literal: {a,"b c",NULL}.
func arrayBinaryText(elem uint32, b []byte) ([]byte, error) {
	bad := sqlerr.New(sqlerr.InvalidBinaryRepresentation, "invalid array binary data")
	if len(b) < 12 {
		return nil, bad
	}
	ndim := int32(binary.BigEndian.Uint32(b))
	if got := binary.BigEndian.Uint32(b[8:]); got != elem {
		return nil, sqlerr.New(sqlerr.DatatypeMismatch, "wrong element type")
	}
	b = b[12:]
	switch {
	case ndim == 0:
		return []byte("{}"), nil
	case ndim != 1:
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "multidimensional array parameters are not supported")
	case len(b) < 8:
		return nil, bad
	}
	n := int(int32(binary.BigEndian.Uint32(b)))
	b = b[8:]
	if n < 0 || n > len(b)/4 {
		return nil, bad
	}
	out := []byte{'{'}
	for i := range n {
		if len(b) < 4 {
			return nil, bad
		}
		l := int32(binary.BigEndian.Uint32(b))
		b = b[4:]
		if i > 0 {
			out = append(out, ',')
		}
		if l < 0 {
			out = append(out, "NULL"...)
			continue
		}
		if int(l) > len(b) {
			return nil, bad
		}
		t, err := binaryParamText(elem, b[:l])
		if err != nil {
			return nil, err
		}
		b = b[l:]
		out = vec.AppendArrayElemText(out, t)
	}
	return append(out, '}'), nil
}

// typeNameOf names a type OID in errors.
func typeNameOf(oid uint32) string {
	if t, ok := vec.TypeForOID(oid, -1); ok {
		return t.String()
	}
	return "with OID " + strconv.FormatUint(uint64(oid), 10)
}
