package expr

import (
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The has_*_privilege functions. Apiary has no privileges: every user may
// do everything, so each answers true for an object that exists. As in
// PostgreSQL, an object named by text must exist (an error otherwise), an
// object given by OID that does not exist gives NULL, and the privilege
// words are checked.

// codeNullValueNotAllowed is PostgreSQL's null_value_not_allowed (22004).
const codeNullValueNotAllowed = sqlerr.Code("22004")

// privObject is what a has_*_privilege function asks about.
type privObject uint8

const (
	privTable privObject = iota
	privColumn
	privSchema
	privDatabase
	privFunction
	privOther
)

// privilegeWords are the privileges each kind of object accepts.
var privilegeWords = map[privObject]string{
	privTable:    "SELECT INSERT UPDATE DELETE TRUNCATE REFERENCES TRIGGER",
	privColumn:   "SELECT INSERT UPDATE REFERENCES",
	privSchema:   "CREATE USAGE",
	privDatabase: "CREATE CONNECT TEMPORARY TEMP",
	privFunction: "EXECUTE",
	privOther:    "USAGE CREATE MEMBER",
}

func definePrivilegeFunctions() {
	objects := []struct {
		names string
		kind  privObject
	}{
		{"has_table_privilege has_any_column_privilege has_sequence_privilege", privTable},
		{"has_column_privilege", privColumn},
		{"has_schema_privilege", privSchema},
		{"has_database_privilege", privDatabase},
		{"has_function_privilege", privFunction},
		{"has_tablespace_privilege has_language_privilege has_foreign_data_wrapper_privilege has_server_privilege has_type_privilege pg_has_role", privOther},
	}
	for _, o := range objects {
		var ovs []*overload
		for _, user := range []*vec.Type{nil, &tName, &tOid} {
			for _, obj := range []vec.Type{tText, tOid} {
				cols := []*vec.Type{nil}
				if o.kind == privColumn {
					cols = []*vec.Type{&tText, &vec.Int16}
				}
				for _, col := range cols {
					var params []vec.Type
					if user != nil {
						params = append(params, *user)
					}
					params = append(params, obj)
					if col != nil {
						params = append(params, *col)
					}
					params = append(params, tText)
					ovs = append(ovs, &overload{params: params, ret: tBool,
						kern: privilegeKernel(o.kind, user != nil, col != nil), flags: usesEnv})
				}
			}
		}
		def(o.names, ovs...)
	}
}

// privilegeKernel checks the user (when given), the object and the
// privilege words, and answers true.
func privilegeKernel(kind privObject, withUser, withColumn bool) kernel {
	return func(c *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
		cat, err := sessionCatalog(c)
		if err != nil {
			return err
		}
		b := out.Bools()
		return eachRow(n, sel, nulls, func(i int) error {
			a := args
			if withUser {
				if a[0].Type.Kind == vec.KindText {
					if name := textArg(a[0], i); name != "public" {
						if _, ok := cat.RoleOID(name); !ok {
							return sqlerr.New(sqlerr.UndefinedObject, "role %q does not exist", name)
						}
					}
				}
				a = a[1:]
			}
			exists, err := privilegeObjectExists(cat, kind, a[0], i)
			if err != nil {
				return err
			}
			if err := checkPrivilegeWords(kind, textArg(a[len(a)-1], i)); err != nil {
				return err
			}
			if !exists {
				out.Nulls.SetNull(i)
			}
			b[i] = exists
			return nil
		})
	}
}

// privilegeObjectExists resolves the object argument: a name must exist,
// an unknown OID reports false.
func privilegeObjectExists(cat CatalogInfo, kind privObject, v *vec.Vec, i int) (bool, error) {
	byName := v.Type.Kind == vec.KindText
	switch kind {
	case privTable, privColumn:
		if byName {
			_, err := cat.RelationOID(textArg(v, i))
			return err == nil, err
		}
		_, _, _, ok := cat.Relation(oidArg(v, i))
		return ok, nil
	case privSchema:
		if byName {
			name := textArg(v, i)
			if _, ok := cat.NamespaceOID(name); !ok {
				return false, sqlerr.New(sqlerr.UndefinedSchema, "schema \"%s\" does not exist", name)
			}
			return true, nil
		}
		return cat.NamespaceExists(oidArg(v, i)), nil
	case privDatabase:
		if byName {
			name := textArg(v, i)
			if _, ok := cat.DatabaseOID(name); !ok {
				return false, sqlerr.New(sqlerr.UndefinedDatabase, "database \"%s\" does not exist", name)
			}
			return true, nil
		}
		_, ok, err := cat.DatabaseSize(oidArg(v, i))
		return ok, err
	case privFunction:
		if byName {
			return true, nil
		}
		_, ok := cat.FunctionVisible(oidArg(v, i))
		return ok, nil
	}
	return true, nil
}

// checkPrivilegeWords validates a privilege list such as "SELECT, INSERT
// WITH GRANT OPTION" (22023 for an unknown word, as PostgreSQL).
func checkPrivilegeWords(kind privObject, list string) error {
	allowed := strings.Fields(privilegeWords[kind])
	for _, p := range strings.Split(list, ",") {
		word := strings.ToUpper(strings.TrimSpace(p))
		word = strings.TrimSpace(strings.TrimSuffix(word, "WITH GRANT OPTION"))
		word = strings.TrimSpace(strings.TrimSuffix(word, "WITH ADMIN OPTION"))
		ok := false
		for _, a := range allowed {
			ok = ok || a == word
		}
		if !ok {
			return sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized privilege type: %q", strings.TrimSpace(p))
		}
	}
	return nil
}

// newFormat builds format(formatstr, args...): every argument is turned
// into text first, as PostgreSQL's format() calls each type's output
// function.
func newFormat(args []Expr) (Expr, error) {
	if len(args) == 0 {
		return nil, errNoFunction("format", args)
	}
	cargs := make([]Expr, len(args))
	params := make([]vec.Type, len(args))
	for i, a := range args {
		var err error
		switch {
		case isUntyped(a):
			cargs[i], err = Coerce(a, tText)
		case a.Type().Kind == vec.KindText && a.Type().Variant == 0 && !a.Type().Blank:
			cargs[i] = a
		default:
			cargs[i], err = NewCast(a, tText)
		}
		if err != nil {
			return nil, err
		}
		params[i] = tText
	}
	ov := &overload{params: params, ret: tText, kern: formatKernel, flags: nonStrict}
	return buildFunc("format", ov, cargs)
}

// formatKernel runs format(): %s (text, NULL as empty), %I (identifier,
// NULL an error), %L (literal, NULL as NULL) and %%, with optional
// argument positions (%2$s), the - flag and a width.
func formatKernel(_ *Ctx, args []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		if args[0].Nulls.IsNull(i) {
			out.Nulls.SetNull(i)
			return dst, nil
		}
		return appendFormat(dst, textArg(args[0], i), args[1:], i)
	})
}

func appendFormat(dst []byte, f string, args []*vec.Vec, row int) ([]byte, error) {
	next := 0
	for p := 0; p < len(f); p++ {
		if f[p] != '%' {
			dst = append(dst, f[p])
			continue
		}
		p++
		if p == len(f) {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "unterminated format() type specifier").
				WithHint("For a single \"%%\" use \"%%%%\".")
		}
		if f[p] == '%' {
			dst = append(dst, '%')
			continue
		}
		// [position$][-][width]type
		arg := -1
		start := p
		for p < len(f) && f[p] >= '0' && f[p] <= '9' {
			p++
		}
		if p < len(f) && f[p] == '$' && p > start {
			pos, _ := strconv.Atoi(f[start:p])
			if pos == 0 {
				return dst, sqlerr.New(sqlerr.InvalidParameterValue, "format specifies argument 0, but arguments are numbered from 1")
			}
			arg = pos - 1
			p++
		} else {
			p = start
		}
		left := false
		for p < len(f) && f[p] == '-' {
			left = true
			p++
		}
		wstart := p
		for p < len(f) && f[p] >= '0' && f[p] <= '9' {
			p++
		}
		width, _ := strconv.Atoi(f[wstart:p])
		if p == len(f) {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "unterminated format() type specifier").
				WithHint("For a single \"%%\" use \"%%%%\".")
		}
		if arg < 0 {
			arg = next
		}
		next = arg + 1
		verb := f[p]
		if verb != 's' && verb != 'I' && verb != 'L' {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "unrecognized format() type specifier \"%c\"", verb).
				WithHint("For a single \"%%\" use \"%%%%\".")
		}
		if arg >= len(args) {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "too few arguments for format()")
		}
		v := args[arg]
		null := v.Nulls.IsNull(row)
		var piece []byte
		switch verb {
		case 's':
			if !null {
				piece = v.Bytes().Get(row)
			}
		case 'I':
			if null {
				return dst, sqlerr.New(codeNullValueNotAllowed, "null values cannot be formatted as an SQL identifier")
			}
			piece = appendQuoteIdent(nil, v.Bytes().Get(row))
		case 'L':
			if null {
				piece = []byte("NULL")
			} else {
				piece = appendQuoteLiteral(nil, v.Bytes().Get(row))
			}
		}
		pad := width - len([]rune(string(piece)))
		if pad > 0 && !left {
			dst = append(dst, strings.Repeat(" ", pad)...)
		}
		dst = append(dst, piece...)
		if pad > 0 && left {
			dst = append(dst, strings.Repeat(" ", pad)...)
		}
	}
	return dst, nil
}
