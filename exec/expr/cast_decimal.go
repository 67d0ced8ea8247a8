package expr

import (
	"math"
	"strconv"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Casts to and from KindDecimal, the numeric values that carry their own
// scales. A narrow numeric or an integer becomes a Decimal with the scale
// it has (1.50 stays 1.50), so a value widened to meet a KindDecimal keeps
// its display scale, as PostgreSQL's numeric does. The way back rounds
// half away from zero and checks the target's range, as PostgreSQL's
// numeric casts do.

// maxNarrowScale is the most decimals a narrow numeric holds.
const maxNarrowScale = vec.MaxNumericPrecision

// NarrowType is the narrow numeric type a KindDecimal of type t is read
// as by the functions that have no KindDecimal form: its nominal scale,
// at most 18 decimals.
func NarrowType(t vec.Type) vec.Type {
	return vec.Type{Kind: vec.KindNumeric, Scale: min(max(t.Scale, 0), maxNarrowScale)}
}

// NarrowDecimal returns e cast to NarrowType when it is a KindDecimal, and
// e itself otherwise: what a consumer that handles only scaled int64
// numerics (arrays, array_agg) must see.
func NarrowDecimal(e Expr) (Expr, error) {
	t := e.Type()
	if t.Kind != vec.KindDecimal || t.Shape != vec.ShapeScalar {
		return e, nil
	}
	return NewCast(e, NarrowType(t))
}

// numberScale is the scale of a number type's values: a numeric's own, 0
// for an integer (and, meaninglessly, a float).
func numberScale(t vec.Type) int32 {
	if t.Kind == vec.KindNumeric || t.Kind == vec.KindDecimal {
		return t.Scale
	}
	return 0
}

func isIntKind(k vec.Kind) bool {
	return k == vec.KindInt16 || k == vec.KindInt32 || k == vec.KindInt64
}

func isFloatKind(k vec.Kind) bool { return k == vec.KindFloat32 || k == vec.KindFloat64 }

// floatNotNumeric rejects the floats no numeric of Apiary's holds.
func floatNotNumeric(f float64) error {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return sqlerr.New(sqlerr.FeatureNotSupported, "cannot convert %v to numeric: Apiary's numeric has no NaN or infinity", f)
	}
	return nil
}

// decimalCast converts between KindDecimal and the other number types
// (numberCast calls it when either side is KindDecimal).
func decimalCast(from, to vec.Type) castFunc {
	switch {
	case from.Kind == vec.KindDecimal && to.Kind == vec.KindDecimal:
		// The nominal scale is all that changes.
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Decimals(), out.Decimals()
			forRows(n, sel, func(i int) { o[i] = s[i] })
			return nil
		}
	case isIntKind(from.Kind) && to.Kind == vec.KindDecimal:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			intsToDecimals(in, out.Decimals(), n, sel)
			return nil
		}
	case from.Kind == vec.KindNumeric && to.Kind == vec.KindDecimal:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			narrowToDecimals(in.Int64s(), in.Type.Scale, out.Decimals(), n, sel)
			return nil
		}
	case isFloatKind(from.Kind) && to.Kind == vec.KindDecimal:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			get, o := floatsOf(in), out.Decimals()
			return rowsOf(in, n, sel, func(i int) error {
				f := get(i)
				if err := floatNotNumeric(f); err != nil {
					return err
				}
				d, err := decimal.FromFloat64(f)
				o[i] = d
				return vec.DecimalError(err)
			})
		}
	case to.Kind == vec.KindNumeric:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Decimals(), out.Int64s()
			return rowsOf(in, n, sel, func(i int) error {
				x, ok := s[i].Scaled(to.Scale)
				if !ok {
					return numericOverflow(to)
				}
				o[i] = x
				return checkPrecision(x, to)
			})
		}
	case isIntKind(to.Kind):
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s := in.Decimals()
			return rowsOf(in, n, sel, func(i int) error {
				x, ok := s[i].Int64()
				if !ok {
					return ErrIntRange(to)
				}
				return storeInt(out, i, x)
			})
		}
	case to.Kind == vec.KindFloat64:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Decimals(), out.Float64s()
			forRows(n, sel, func(i int) { o[i] = s[i].Float64() })
			return nil
		}
	case to.Kind == vec.KindFloat32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Decimals(), out.Float32s()
			forRows(n, sel, func(i int) { o[i] = decimalToFloat32(s[i]) })
			return nil
		}
	}
	return func(*Ctx, *vec.Vec, *vec.Vec, int, []int32) error { return errCannotCast(from, to) }
}

// decimalToFloat32 rounds the decimal to the nearest float4 in one step,
// as PostgreSQL's cast through the text form does: rounding to a double
// first could round twice. 38 digits stay below float4's largest value.
func decimalToFloat32(d decimal.Decimal) float32 {
	var buf [48]byte
	f, _ := strconv.ParseFloat(bytesAsString(decimal.Append(buf[:0], d)), 32)
	return float32(f)
}

// intsToDecimals widens the live rows of an integer vector, scale 0.
func intsToDecimals(in *vec.Vec, o []decimal.Decimal, n int, sel []int32) {
	switch in.Type.Kind {
	case vec.KindInt16:
		s := in.Int16s()
		forRows(n, sel, func(i int) { o[i] = decimal.FromInt64(int64(s[i]), 0) })
	case vec.KindInt32:
		s := in.Int32s()
		forRows(n, sel, func(i int) { o[i] = decimal.FromInt64(int64(s[i]), 0) })
	default:
		narrowToDecimals(in.Int64s(), 0, o, n, sel)
	}
}

// narrowToDecimals widens scaled int64s of the given scale: exact, and
// NULL rows (whatever they hold) convert harmlessly.
func narrowToDecimals(s []int64, scale int32, o []decimal.Decimal, n int, sel []int32) {
	if sel == nil {
		s, o := s[:n], o[:n]
		for i, x := range s {
			o[i] = decimal.FromInt64(x, scale)
		}
		return
	}
	for _, i := range sel {
		o[i] = decimal.FromInt64(s[i], scale)
	}
}
