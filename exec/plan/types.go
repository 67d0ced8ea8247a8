package plan

import (
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// maxPGNumericPrecision is the most digits PostgreSQL's numeric(p,s)
// declares.
const maxPGNumericPrecision = 1000

// TypeFromAST maps a parsed SQL type to an Apiary type.
func TypeFromAST(ref tree.ResolvableTypeReference) (vec.Type, error) {
	t, ok := ref.(*types.T)
	if !ok {
		return typeFromName(ref)
	}
	switch t.Family() {
	case types.OidFamily:
		if vt, ok := vec.TypeForOID(uint32(t.Oid()), -1); ok {
			return vt, nil
		}
	case types.ArrayFamily:
		return arrayTypeFromAST(t)
	case types.BoolFamily:
		return vec.Bool, nil
	case types.IntFamily:
		switch t.Width() {
		case 16:
			return vec.Int16, nil
		case 32:
			return vec.Int32, nil
		}
		return vec.Int64, nil
	case types.FloatFamily:
		if t.Width() == 32 {
			return vec.Float32, nil
		}
		return vec.Float64, nil
	case types.DecimalFamily:
		p, sc := t.Precision(), t.Scale()
		if p == 0 {
			return vec.UnconstrainedNumeric, nil
		}
		if p > maxPGNumericPrecision {
			// Past PostgreSQL's own limit it is PostgreSQL's error, not a
			// missing feature of Apiary's.
			return vec.Type{}, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC precision %d must be between 1 and %d", p, maxPGNumericPrecision)
		}
		if p > vec.MaxDeclaredPrecision {
			return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "numeric precision %d is above the supported maximum of %d", p, vec.MaxDeclaredPrecision)
		}
		if sc < 0 || sc > p {
			return vec.Type{}, sqlerr.New(sqlerr.InvalidParameterValue, "NUMERIC scale %d must be between 0 and precision %d", sc, p)
		}
		return vec.DeclaredNumeric(p, sc), nil
	case types.StringFamily:
		switch t.Oid() {
		case vec.OIDBpchar:
			w := t.Width()
			if w == 0 {
				w = 1
			}
			return vec.Char(w), nil
		case vec.OIDVarchar:
			return vec.Varchar(t.Width()), nil
		case vec.OIDChar:
			return vec.CharByte, nil
		case vec.OIDName:
			return vec.Name, nil
		}
		return vec.Text, nil
	case types.BytesFamily:
		return vec.Bytea, nil
	case types.DateFamily:
		return vec.Date, nil
	case types.TimestampFamily:
		return vec.Timestamp, nil
	case types.TimestampTZFamily:
		return vec.TimestampTZ, nil
	case types.IntervalFamily:
		return vec.IntervalT, nil
	}
	return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "type %s is not supported", t.SQLString())
}
