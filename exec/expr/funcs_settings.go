package expr

import (
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// current_setting and set_config read and write the session's
// configuration parameters through Env.Settings. current_setting is stable
// (one answer per statement, so the planner may fold it with the
// statement's Env); set_config changes the session and runs on every row,
// as PostgreSQL's volatile set_config does.
func init() {
	def("current_setting",
		&overload{params: []vec.Type{tText}, ret: tText, kern: currentSetting(false), flags: usesEnv},
		&overload{params: []vec.Type{tText, tBool}, ret: tText, kern: currentSetting(true), flags: usesEnv})
	def("set_config", &overload{params: []vec.Type{tText, tText, tBool}, ret: tText, kern: setConfig,
		flags: usesEnv | volatile | nonStrict})
}

func errUnknownSetting(name string) error {
	return sqlerr.New(sqlerr.UndefinedObject, "unrecognized configuration parameter \"%s\"", name)
}

// currentSetting is current_setting(name) or, with missingOK,
// current_setting(name, missing_ok), which answers NULL for an unknown
// name when missing_ok is true.
func currentSetting(missingOK bool) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			name := string(args[0].Bytes().Get(i))
			var v string
			ok := false
			if c.Env != nil && c.Env.Settings != nil {
				v, ok = c.Env.Settings.Get(name)
			}
			if !ok {
				if missingOK && args[1].Bools()[i] {
					out.Nulls.SetNull(i)
					return dst, nil
				}
				return dst, errUnknownSetting(name)
			}
			return append(dst, v...), nil
		})
	}
}

// setConfig is set_config(name, value, is_local): SET, or SET LOCAL when
// is_local, returning the new value. A NULL value resets the setting and a
// NULL is_local counts as false, as in PostgreSQL.
func setConfig(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if args[0].Nulls.IsNull(i) {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "SET requires parameter name")
		}
		name := string(args[0].Bytes().Get(i))
		var value *string
		if !args[1].Nulls.IsNull(i) {
			v := string(args[1].Bytes().Get(i))
			value = &v
		}
		local := !args[2].Nulls.IsNull(i) && args[2].Bools()[i]
		if c.Env == nil || c.Env.Settings == nil {
			return dst, errUnknownSetting(name)
		}
		v, err := c.Env.Settings.Set(name, value, local)
		if err != nil {
			return dst, err
		}
		return append(dst, v...), nil
	})
}

// castFollowsSettings reports whether a conversion depends on the
// session's TimeZone, extra_float_digits or bytea_output (to text, and
// between timestamp and timestamptz): such a cast of a constant is not
// folded before the statement's Env is known.
func castFollowsSettings(from, to vec.Type) bool {
	// Conversions to and from timestamptz go through the session's
	// TimeZone.
	switch {
	case to.Kind == vec.KindTimestampTZ && to.Shape == vec.ShapeScalar:
		switch from.Kind {
		case vec.KindTimestamp, vec.KindDate, vec.KindText:
			return from.Shape == vec.ShapeScalar
		}
	case from.Kind == vec.KindTimestampTZ && from.Shape == vec.ShapeScalar:
		switch to.Kind {
		case vec.KindTimestamp, vec.KindDate:
			return to.Shape == vec.ShapeScalar
		}
	}
	if to.Kind != vec.KindText {
		return false
	}
	switch from.OID() {
	case vec.OIDFloat4, vec.OIDFloat8, vec.OIDBytea, vec.OIDTimestampTZ:
		return true
	}
	return false
}
