package colexec

import "github.com/apiarydb/apiary/exec/vec"

// gatherAppend appends src[idx[k]] for each k to dst (same type), with typed
// loops; idx entries < 0 append NULL.
func gatherAppend(dst, src *vec.Vec, idx []int32) {
	hasNulls := src.Nulls.Any()
	base := dst.Len()
	switch src.Type.Kind {
	case vec.KindBool:
		s := src.Bools()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendBool(s[i])
		}
	case vec.KindInt16:
		s := src.Int16s()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendInt16(s[i])
		}
	case vec.KindInt32, vec.KindDate:
		s := src.Int32s()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendInt32(s[i])
		}
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		s := src.Int64s()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendInt64(s[i])
		}
	case vec.KindFloat32:
		s := src.Float32s()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendFloat32(s[i])
		}
	case vec.KindFloat64:
		s := src.Float64s()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendFloat64(s[i])
		}
	case vec.KindInterval:
		s := src.Intervals()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendInterval(s[i])
		}
	case vec.KindText, vec.KindBytea:
		s := src.Bytes()
		for _, i := range idx {
			if i < 0 {
				dst.AppendNull()
				continue
			}
			dst.AppendBytes(s.Get(int(i)))
		}
	}
	if hasNulls {
		for k, i := range idx {
			if i >= 0 && src.Nulls.IsNull(int(i)) {
				dst.Nulls.SetNull(base + k)
			}
		}
	}
}

// appendNulls appends n NULLs.
func appendNulls(dst *vec.Vec, n int) {
	for ; n > 0; n-- {
		dst.AppendNull()
	}
}
