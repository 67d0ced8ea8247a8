package expr

import (
	"github.com/apiarydb/apiary/exec/vec"
)

// pg_typeof(any) is the regtype of its argument's type, known when the
// query is planned: a constant. An untyped literal is PostgreSQL's unknown.
func init() {
	specialFuncs["pg_typeof"] = func(args []Expr) (Expr, error) {
		if len(args) != 1 {
			return nil, errNoFunction("pg_typeof", args)
		}
		oid := args[0].Type().OID()
		if k, ok := args[0].(*Const); ok && k.Untyped {
			oid = vec.OIDUnknown
		}
		v := vec.New(vec.Regtype, 1)
		v.AppendInt64(int64(oid))
		return NewConst(v), nil
	}
}
