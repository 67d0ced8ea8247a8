package expr

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The session and catalog functions clients call while they inspect a
// database: version(), current_user, current_schemas(), format_type(),
// pg_table_is_visible(), has_table_privilege(), pg_relation_size(), ...
// What they know about the session and its catalogs comes through
// Env.Session; exec implements it over the pg_catalog emulation
// (catalog/pgcatalog). Apiary has no comments, views, triggers or rules,
// and no constraints or indexes but primary keys, so the functions
// describing those answer NULL, and no privileges, so every
// has_*_privilege is true for an object that exists.

// Session is what the session and catalog functions read. Implementations
// must be safe for concurrent use: bees evaluate expressions in parallel.
type Session interface {
	// CurrentUser is current_user, SessionUser session_user.
	CurrentUser() string
	SessionUser() string
	// Database is current_database().
	Database() string
	// BackendPID is pg_backend_pid().
	BackendPID() int32
	// StartTime is pg_postmaster_start_time(): when the node started.
	StartTime() time.Time
	// Version is version()'s text.
	Version() string
	// Catalog returns the catalogs as the statement sees them, built on
	// first use; the error is that of reading the catalog.
	Catalog() (CatalogInfo, error)
}

// CatalogInfo answers the catalog functions' lookups by OID and by name.
type CatalogInfo interface {
	// CurrentSchema is current_schema(); ok is false when no schema of
	// the search path exists.
	CurrentSchema() (string, bool)
	// SearchPathSchemas is current_schemas(implicit).
	SearchPathSchemas(implicit bool) []string
	// FormatType is format_type(oid, typmod); typmodGiven is false for a
	// NULL typmod.
	FormatType(oid uint32, typmod int32, typmodGiven bool) string
	// RoleName and RoleOID map roles (pg_get_userbyid).
	RoleName(oid uint32) (string, bool)
	RoleOID(name string) (uint32, bool)
	// RelationOID resolves a relation name as regclass input does
	// (42P01 when missing).
	RelationOID(name string) (uint32, error)
	// Relation describes a relation by OID; ok is false for an unknown
	// OID. kind is 'r' or 'v'; table reports a frame (as opposed to an
	// emulated catalog); bytes is its stored size.
	Relation(oid uint32) (kind byte, table bool, bytes int64, ok bool)
	// RelationVisible, TypeVisible and FunctionVisible are the
	// pg_*_is_visible functions; ok is false for an unknown OID.
	RelationVisible(oid uint32) (visible, ok bool)
	TypeVisible(oid uint32) (visible, ok bool)
	FunctionVisible(oid uint32) (visible, ok bool)
	// NamespaceOID and NamespaceExists look up schemas.
	NamespaceOID(name string) (uint32, bool)
	NamespaceExists(oid uint32) bool
	// DatabaseOID looks up a database; DatabaseSize is its stored bytes.
	DatabaseOID(name string) (uint32, bool)
	DatabaseSize(oid uint32) (int64, bool, error)
	// IndexDef is pg_get_indexdef(oid, column, pretty) and
	// ConstraintDef pg_get_constraintdef; ok is false for an unknown OID.
	IndexDef(oid uint32, column int, pretty bool) (string, bool)
	ConstraintDef(oid uint32) (string, bool)
	// FunctionArguments and FunctionResult are
	// pg_get_function_arguments and pg_get_function_result.
	FunctionArguments(oid uint32) (string, bool)
	FunctionResult(oid uint32) (string, bool)
}

var (
	tOid      = vec.Oid
	tName     = vec.Name
	tInt4     = vec.Int32
	tInt8     = vec.Int64
	tRegclass = vec.Regclass
)

func init() {
	def("version", &overload{ret: tText, kern: sessionText(func(s Session) string { return s.Version() }), flags: usesEnv})
	def("current_database current_catalog", &overload{ret: tName,
		kern: sessionText(func(s Session) string { return s.Database() }), flags: usesEnv})
	def("current_user current_role user", &overload{ret: tName,
		kern: sessionText(func(s Session) string { return s.CurrentUser() }), flags: usesEnv})
	def("session_user", &overload{ret: tName, kern: sessionText(func(s Session) string { return s.SessionUser() }), flags: usesEnv})
	def("current_schema", &overload{ret: tName, kern: currentSchema, flags: usesEnv})
	def("current_schemas", &overload{params: []vec.Type{tBool}, ret: nameArray(), kern: currentSchemas, flags: usesEnv})
	def("pg_backend_pid", &overload{ret: tInt4, kern: backendPID, flags: usesEnv})
	def("pg_postmaster_start_time pg_conf_load_time", &overload{ret: tTSTZ, kern: startTime, flags: usesEnv})
	def("pg_is_in_recovery", sig(tBool, constBool(false)))
	def("inet_server_addr inet_client_addr", &overload{ret: tText, kern: nullResult, flags: nonStrict})
	def("inet_server_port inet_client_port", &overload{ret: tInt4, kern: nullResult, flags: nonStrict})
	def("getdatabaseencoding pg_client_encoding", &overload{ret: tName, kern: constTextKernel("UTF8")})
	def("pg_encoding_to_char", sig(tName, encodingToChar, tInt4))
	def("pg_char_to_encoding", sig(tInt4, charToEncoding, tName))
	def("pg_my_temp_schema", &overload{ret: tOid, kern: constOid(0)})
	def("pg_is_other_temp_schema", sig(tBool, constBool(false), tOid))

	def("format_type", &overload{params: []vec.Type{tOid, tInt4}, ret: tText, kern: formatType, flags: usesEnv | nonStrict})
	def("pg_get_userbyid", &overload{params: []vec.Type{tOid}, ret: tName, kern: userByID, flags: usesEnv})
	def("pg_table_is_visible", &overload{params: []vec.Type{tOid}, ret: tBool, kern: visibility(CatalogInfo.RelationVisible), flags: usesEnv})
	def("pg_type_is_visible", &overload{params: []vec.Type{tOid}, ret: tBool, kern: visibility(CatalogInfo.TypeVisible), flags: usesEnv})
	def("pg_function_is_visible", &overload{params: []vec.Type{tOid}, ret: tBool, kern: visibility(CatalogInfo.FunctionVisible), flags: usesEnv})

	// Nothing in Apiary carries a comment, a view definition, a trigger,
	// a rule, a partition key or extended statistics: these describe
	// nothing and answer NULL.
	def("obj_description shobj_description", sig(tText, nullResult, tOid, tName), sig(tText, nullResult, tOid))
	def("col_description", sig(tText, nullResult, tOid, tInt4))
	def("pg_get_triggerdef pg_get_ruledef pg_get_viewdef", sig(tText, nullResult, tOid), sig(tText, nullResult, tOid, tBool))
	def("pg_get_viewdef", sig(tText, nullResult, tText), sig(tText, nullResult, tText, tBool), sig(tText, nullResult, tOid, tInt4))
	// Primary keys are the one kind of index and constraint frames have.
	def("pg_get_indexdef",
		&overload{params: []vec.Type{tOid}, ret: tText, kern: indexDef, flags: usesEnv},
		&overload{params: []vec.Type{tOid, tInt4, tBool}, ret: tText, kern: indexDef, flags: usesEnv})
	def("pg_get_constraintdef",
		&overload{params: []vec.Type{tOid}, ret: tText, kern: constraintDef, flags: usesEnv},
		&overload{params: []vec.Type{tOid, tBool}, ret: tText, kern: constraintDef, flags: usesEnv})
	def("pg_get_partkeydef pg_get_statisticsobjdef pg_get_statisticsobjdef_columns pg_get_function_sqlbody",
		sig(tText, nullResult, tOid))
	def("pg_get_serial_sequence", sig(tText, nullResult, tText, tText))
	def("pg_get_function_arg_default", sig(tText, nullResult, tOid, tInt4))
	// pg_get_expr prints a stored expression; Apiary stores none, and a
	// NULL (every pg_node_tree column here) gives NULL.
	def("pg_get_expr", sig(tText, textIdentity, vec.PgNodeTree, tOid), sig(tText, textIdentity, vec.PgNodeTree, tOid, tBool))
	def("pg_get_function_arguments pg_get_function_identity_arguments",
		&overload{params: []vec.Type{tOid}, ret: tText, kern: functionText(CatalogInfo.FunctionArguments), flags: usesEnv})
	def("pg_get_function_result",
		&overload{params: []vec.Type{tOid}, ret: tText, kern: functionText(CatalogInfo.FunctionResult), flags: usesEnv})
	def("pg_relation_is_publishable", &overload{params: []vec.Type{tRegclass}, ret: tBool, kern: publishable, flags: usesEnv})
	def("pg_tablespace_location", sig(tText, constTextKernel(""), tOid))
	def("pg_stat_get_numscans pg_stat_get_tuples_returned pg_stat_get_tuples_fetched", sig(tInt8, constInt64(0), tOid))

	def("pg_total_relation_size pg_relation_size pg_table_size",
		&overload{params: []vec.Type{tRegclass}, ret: tInt8, kern: relationSize, flags: usesEnv})
	def("pg_relation_size", &overload{params: []vec.Type{tRegclass, tText}, ret: tInt8, kern: relationSize, flags: usesEnv})
	def("pg_indexes_size", &overload{params: []vec.Type{tRegclass}, ret: tInt8, kern: indexesSize, flags: usesEnv})
	def("pg_database_size",
		&overload{params: []vec.Type{tName}, ret: tInt8, kern: databaseSize(true), flags: usesEnv},
		&overload{params: []vec.Type{tOid}, ret: tInt8, kern: databaseSize(false), flags: usesEnv})
	def("pg_size_pretty", sig(tText, sizePretty, tInt8), sig(tText, sizePretty, tNum))
	def("quote_nullable", &overload{params: []vec.Type{tText}, ret: tText, kern: quoteNullable, flags: nonStrict})

	for name, t := range map[string]vec.Type{"to_regclass": vec.Regclass, "to_regtype": vec.Regtype,
		"to_regnamespace": vec.Regnamespace, "to_regrole": vec.Regrole, "to_regproc": vec.Regproc,
		"to_regprocedure": vec.Regprocedure} {
		def(name, &overload{params: []vec.Type{tText}, ret: t, kern: toReg(t), flags: usesEnv})
	}
	definePrivilegeFunctions()
	specialFuncs["format"] = newFormat
}

// FunctionNames returns the names of the scalar functions the engine runs,
// for pg_proc.
func FunctionNames() []string {
	out := make([]string, 0, len(funcs)+len(specialFuncs))
	for n := range funcs {
		out = append(out, n)
	}
	for n := range specialFuncs {
		out = append(out, n)
	}
	return out
}

func nameArray() vec.Type {
	t, _ := vec.ArrayOf(vec.Name)
	return t
}

// session returns the Env's session, or an error when there is none (a
// statement planned outside a session, in tests).
func session(c *Ctx) (Session, error) {
	if c.Env == nil || c.Env.Session == nil {
		return nil, sqlerr.New(sqlerr.FeatureNotSupported, "this function needs a session")
	}
	return c.Env.Session, nil
}

func sessionCatalog(c *Ctx) (CatalogInfo, error) {
	s, err := session(c)
	if err != nil {
		return nil, err
	}
	return s.Catalog()
}

func sessionText(f func(Session) string) kernel {
	return func(c *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		s, err := session(c)
		if err != nil {
			return err
		}
		v := f(s)
		return textRows(out, n, sel, func(dst []byte, int int) ([]byte, error) { return append(dst, v...), nil })
	}
}

func constTextKernel(v string) kernel {
	return func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		return textRows(out, n, sel, func(dst []byte, _ int) ([]byte, error) { return append(dst, v...), nil })
	}
}

func constBool(v bool) kernel {
	return func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		b := out.Bools()
		return eachRow(n, sel, nulls, func(i int) error { b[i] = v; return nil })
	}
}

func constInt64(v int64) kernel {
	return func(_ *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		s := out.Int64s()
		return eachRow(n, sel, nulls, func(i int) error { s[i] = v; return nil })
	}
}

func constOid(v uint32) kernel { return constInt64(int64(v)) }

// nullResult answers NULL on every row.
func nullResult(_ *Ctx, _ []*vec.Vec, out *vec.Vec, n int, _ []int32, _ *vec.Nulls) error {
	for i := 0; i < n; i++ {
		out.Nulls.SetNull(i)
	}
	if k := out.Type.Kind; k == vec.KindText || k == vec.KindBytea {
		for i := 0; i < n; i++ {
			out.Bytes().Append(nil)
		}
		out.SetLen(n)
	}
	return nil
}

func textIdentity(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) { return append(dst, args[0].Bytes().Get(i)...), nil })
}

func oidArg(v *vec.Vec, i int) uint32 { return uint32(intsOf(v)(i)) }

func textArg(v *vec.Vec, i int) string { return string(v.Bytes().Get(i)) }

func currentSchema(c *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	name, ok := cat.CurrentSchema()
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if !ok {
			out.Nulls.SetNull(i)
			return dst, nil
		}
		return append(dst, name...), nil
	})
}

func currentSchemas(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	var lists [2][]byte
	for k, implicit := range []bool{false, true} {
		names := cat.SearchPathSchemas(implicit)
		elems := vec.New(vec.Name, len(names))
		for _, name := range names {
			elems.AppendBytes([]byte(name))
		}
		for r := range names {
			lists[k] = vec.AppendElem(lists[k], elems, r)
		}
	}
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if args[0].Bools()[i] {
			return append(dst, lists[1]...), nil
		}
		return append(dst, lists[0]...), nil
	})
}

func backendPID(c *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	s, err := session(c)
	if err != nil {
		return err
	}
	pid := s.BackendPID()
	o := out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = pid; return nil })
}

func startTime(c *Ctx, _ []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	s, err := session(c)
	if err != nil {
		return err
	}
	t := s.StartTime().UnixMicro()
	o := out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = t; return nil })
}

func encodingToChar(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	codes := intsOf(args[0])
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		return append(dst, encodingName(codes(i))...), nil
	})
}

func charToEncoding(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	o := out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		o[i] = encodingNumber(textArg(args[0], i))
		return nil
	})
}

// encodingNames are PostgreSQL's encoding numbers' names (pg_wchar.h);
// Apiary speaks UTF8 (6) only.
var encodingNames = []string{
	"SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004", "UTF8", "MULE_INTERNAL",
	"LATIN1", "LATIN2", "LATIN3", "LATIN4", "LATIN5", "LATIN6", "LATIN7", "LATIN8", "LATIN9", "LATIN10",
	"WIN1256", "WIN1258", "WIN866", "WIN874", "KOI8R", "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_6",
	"ISO_8859_7", "ISO_8859_8", "WIN1250", "WIN1253", "WIN1254", "WIN1255", "WIN1257", "KOI8U", "SJIS",
	"BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
}

func encodingName(n int64) string {
	if n < 0 || n >= int64(len(encodingNames)) {
		return ""
	}
	return encodingNames[n]
}

// encodingNumber compares names as PostgreSQL does, ignoring case and
// punctuation ("utf-8" is UTF8); -1 for an unknown name.
func encodingNumber(name string) int32 {
	if n, ok := encodingNumbers[cleanEncodingName(name)]; ok {
		return n
	}
	return -1
}

// encodingNumbers indexes encodingNames by cleanEncodingName, so that a
// lookup per row cleans only its argument.
var encodingNumbers = func() map[string]int32 {
	m := make(map[string]int32, len(encodingNames))
	for i, e := range encodingNames {
		m[cleanEncodingName(e)] = int32(i)
	}
	return m
}()

// cleanEncodingName is an encoding name upper-cased, with only its ASCII
// letters and digits, as PostgreSQL's clean_encoding_name keeps them.
func cleanEncodingName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			out = append(out, c-'a'+'A')
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
			out = append(out, c)
		}
	}
	return string(out)
}

// formatType is format_type(oid, typmod): NULL for a NULL type, a NULL
// typmod meaning "no modifier given".
func formatType(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	mods := intsOf(args[1])
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if args[0].Nulls.IsNull(i) {
			out.Nulls.SetNull(i)
			return dst, nil
		}
		given := !args[1].Nulls.IsNull(i)
		var mod int32 = -1
		if given {
			mod = int32(mods(i))
		}
		return append(dst, cat.FormatType(oidArg(args[0], i), mod, given)...), nil
	})
}

// userByID is pg_get_userbyid: the role's name, or "unknown (OID=n)".
func userByID(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		oid := oidArg(args[0], i)
		if name, ok := cat.RoleName(oid); ok {
			return append(dst, name...), nil
		}
		return fmt.Appendf(dst, "unknown (OID=%d)", oid), nil
	})
}

// visibility runs a pg_*_is_visible lookup: NULL for an unknown OID.
func visibility(f func(CatalogInfo, uint32) (bool, bool)) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		cat, err := sessionCatalog(c)
		if err != nil {
			return err
		}
		b := out.Bools()
		return eachRow(n, sel, nulls, func(i int) error {
			v, ok := f(cat, oidArg(args[0], i))
			if !ok {
				out.Nulls.SetNull(i)
			}
			b[i] = v
			return nil
		})
	}
}

func functionText(f func(CatalogInfo, uint32) (string, bool)) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		cat, err := sessionCatalog(c)
		if err != nil {
			return err
		}
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			s, ok := f(cat, oidArg(args[0], i))
			if !ok {
				out.Nulls.SetNull(i)
				return dst, nil
			}
			return append(dst, s...), nil
		})
	}
}

// publishable is pg_relation_is_publishable: frames are, catalogs are not.
func publishable(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	b := out.Bools()
	return eachRow(n, sel, nulls, func(i int) error {
		_, table, _, ok := cat.Relation(oidArg(args[0], i))
		if !ok {
			out.Nulls.SetNull(i)
		}
		b[i] = table
		return nil
	})
}

// relationSize is pg_relation_size and friends: a frame's stored bytes,
// 0 for an emulated catalog, NULL for an unknown OID. Frames keep no
// indexes or TOAST, so the table, total and main-fork sizes agree and
// other forks are empty.
func relationSize(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	o := out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error {
		_, _, bytes, ok := cat.Relation(oidArg(args[0], i))
		if !ok {
			out.Nulls.SetNull(i)
			return nil
		}
		if len(args) > 1 {
			switch fork := textArg(args[1], i); fork {
			case "main":
			case "fsm", "vm", "init":
				bytes = 0
			default:
				return sqlerr.New(sqlerr.InvalidParameterValue, "invalid fork name").
					WithHint("Valid fork names are \"main\", \"fsm\", \"vm\", and \"init\".")
			}
		}
		o[i] = bytes
		return nil
	})
}

func indexesSize(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	o := out.Int64s()
	return eachRow(n, sel, nulls, func(i int) error {
		if _, _, _, ok := cat.Relation(oidArg(args[0], i)); !ok {
			out.Nulls.SetNull(i)
		}
		o[i] = 0
		return nil
	})
}

func databaseSize(byName bool) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		cat, err := sessionCatalog(c)
		if err != nil {
			return err
		}
		o := out.Int64s()
		return eachRow(n, sel, nulls, func(i int) error {
			var oid uint32
			if byName {
				name := textArg(args[0], i)
				var ok bool
				if oid, ok = cat.DatabaseOID(name); !ok {
					return sqlerr.New(sqlerr.UndefinedDatabase, "database \"%s\" does not exist", name)
				}
			} else {
				oid = oidArg(args[0], i)
			}
			size, ok, err := cat.DatabaseSize(oid)
			if err != nil {
				return err
			}
			if !ok {
				out.Nulls.SetNull(i)
			}
			o[i] = size
			return nil
		})
	}
}

// sizePretty is pg_size_pretty: bytes below 10 kB, then kB, MB, GB, TB and
// PB, each while the value stays below 10240 of it, rounded half away from
// zero, as PostgreSQL 15 prints it. Numeric sizes are truncated to whole
// bytes first.
func sizePretty(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	a := args[0]
	get := func(i int) int64 {
		if a.Type.Kind == vec.KindNumeric {
			return a.Int64s()[i] / a.Type.Scale10()
		}
		return intsOf(a)(i)
	}
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		return append(dst, prettySize(get(i))...), nil
	})
}

func prettySize(size int64) string {
	const limit = 10 * 1024
	const limit2 = limit*2 - 1
	abs := func(x int64) int64 {
		if x < 0 {
			return -x
		}
		return x
	}
	halfRounded := func(x int64) int64 {
		if x > 0 {
			return (x + 1) / 2
		}
		return (x - 1) / 2
	}
	if abs(size) < limit {
		return strconv.FormatInt(size, 10) + " bytes"
	}
	// One extra bit is kept for rounding.
	size >>= 9
	for _, unit := range []string{"kB", "MB", "GB", "TB"} {
		if abs(size) < limit2 {
			return strconv.FormatInt(halfRounded(size), 10) + " " + unit
		}
		size >>= 10
	}
	return strconv.FormatInt(halfRounded(size), 10) + " PB"
}

// quoteNullable is quote_nullable: quote_literal, or the word NULL.
func quoteNullable(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if args[0].Nulls.IsNull(i) {
			return append(dst, "NULL"...), nil
		}
		return appendQuoteLiteral(dst, args[0].Bytes().Get(i)), nil
	})
}

// toReg is to_regclass and friends: the reg* input of a name, NULL where
// the cast would fail because the object does not exist.
func toReg(t vec.Type) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		o := out.Int64s()
		return eachRow(n, sel, nulls, func(i int) error {
			oid, err := regIn(c.Env, t, textArg(args[0], i))
			if err != nil {
				var se *sqlerr.Error
				if errors.As(err, &se) {
					switch se.Code {
					case sqlerr.UndefinedTable, sqlerr.UndefinedObject, sqlerr.UndefinedFunction, sqlerr.UndefinedSchema:
						out.Nulls.SetNull(i)
						return nil
					}
				}
				return err
			}
			o[i] = oid
			return nil
		})
	}
}

// indexDef is pg_get_indexdef(oid [, column, pretty]).
func indexDef(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		column, pretty := 0, false
		if len(args) == 3 {
			column, pretty = int(intsOf(args[1])(i)), args[2].Bools()[i]
		}
		def, ok := cat.IndexDef(oidArg(args[0], i), column, pretty)
		if !ok {
			out.Nulls.SetNull(i)
			return dst, nil
		}
		return append(dst, def...), nil
	})
}

// constraintDef is pg_get_constraintdef(oid [, pretty]).
func constraintDef(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	cat, err := sessionCatalog(c)
	if err != nil {
		return err
	}
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		def, ok := cat.ConstraintDef(oidArg(args[0], i))
		if !ok {
			out.Nulls.SetNull(i)
			return dst, nil
		}
		return append(dst, def...), nil
	})
}
