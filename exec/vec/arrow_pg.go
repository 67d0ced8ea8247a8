package vec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Arrow conversion of the catalog-support types: the oid family travels as
// Uint32 and arrays (vectors included) as Lists of their element type, so
// an Arrow reader sees PostgreSQL's values rather than Apiary's encodings.
// The field metadata (ArrowTypeKey) tells regclass from oid and int2vector
// from smallint[].

func arrowTypePG(t Type) (arrow.DataType, error) {
	if t.IsOIDFamily() {
		return arrow.PrimitiveTypes.Uint32, nil
	}
	if !t.IsArray() {
		return nil, fmt.Errorf("vec: no arrow type for %s", t)
	}
	et, err := ArrowType(t.ElemType())
	if err != nil {
		return nil, err
	}
	return arrow.ListOf(et), nil
}

func toArrowPG(v *Vec, dt arrow.DataType, n int, sel []int32, valid *memory.Buffer, nulls int) (arrow.Array, error) {
	row := func(i int) int {
		if sel != nil {
			return int(sel[i])
		}
		return i
	}
	if v.Type.IsOIDFamily() {
		vals, out := v.Int64s(), make([]uint32, n)
		for i := range out {
			out[i] = uint32(vals[row(i)])
		}
		data := array.NewData(dt, n, []*memory.Buffer{valid, memory.NewBufferBytes(bytesOf(out))}, nil, nulls, 0)
		defer data.Release()
		return array.MakeFromData(data), nil
	}
	elems := New(v.Type.ElemType(), n)
	offsets := make([]int32, n+1)
	for i := 0; i < n; i++ {
		r := row(i)
		if !v.Nulls.IsNull(r) {
			if err := DecodeArray(v.Type, v.bytes.Get(r), elems); err != nil {
				return nil, err
			}
		}
		offsets[i+1] = int32(elems.Len())
	}
	values, err := ToArrow(elems, elems.Len(), nil)
	if err != nil {
		return nil, err
	}
	defer values.Release()
	data := array.NewData(dt, n, []*memory.Buffer{valid, memory.NewBufferBytes(bytesOf(offsets))},
		[]arrow.ArrayData{values.Data()}, nulls, 0)
	defer data.Release()
	return array.MakeFromData(data), nil
}

func fromArrowPG(arr arrow.Array, t Type) (*Vec, error) {
	n := arr.Len()
	v := New(t, n)
	switch a := arr.(type) {
	case *array.Uint32:
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				v.AppendNull()
				continue
			}
			v.AppendInt64(int64(a.Value(i)))
		}
		return v, nil
	case *array.List:
		elems, err := FromArrow(a.ListValues(), t.ElemType())
		if err != nil {
			return nil, err
		}
		var buf []byte
		for i := 0; i < n; i++ {
			if a.IsNull(i) {
				v.AppendNull()
				continue
			}
			buf = buf[:0]
			start, end := a.ValueOffsets(i)
			for j := start; j < end; j++ {
				buf = AppendElem(buf, elems, int(j))
			}
			v.AppendBytes(buf)
		}
		return v, nil
	}
	return nil, fmt.Errorf("vec: arrow %s cannot become %s", arr.DataType(), t)
}
