package plan

import (
	"strings"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"
	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/types"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Types the parser leaves as names: schema-qualified spellings
// (pg_catalog.int4, pg_catalog."char"), the catalog types it does not know
// (aclitem, xid, pg_node_tree, regoper), information_schema's domains, and
// arrays of them.

// informationSchemaTypes maps information_schema's domains to the types
// they are over.
var informationSchemaTypes = map[string]vec.Type{
	"sql_identifier":  vec.Name,
	"character_data":  vec.Text,
	"cardinal_number": vec.Int32,
	"yes_or_no":       vec.Varchar(3),
	"time_stamp":      vec.TimestampTZ,
}

func errNoType(name string) error {
	return sqlerr.New(sqlerr.UndefinedObject, "type \"%s\" does not exist", name)
}

func typeFromName(ref tree.ResolvableTypeReference) (vec.Type, error) {
	switch r := ref.(type) {
	case *tree.ArrayTypeReference:
		et, err := TypeFromAST(r.ElementType)
		if err != nil {
			return vec.Type{}, err
		}
		at, ok := vec.ArrayOf(et)
		if !ok {
			return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "arrays of %s are not supported", et)
		}
		return at, nil
	case *tree.UnresolvedObjectName:
		name, schema := r.Parts[0], ""
		if r.NumParts > 1 {
			schema = r.Parts[1]
		}
		switch schema {
		case "", "pg_catalog":
			if t, ok := typeByTypname(name, schema == "pg_catalog"); ok {
				return t, nil
			}
		case "information_schema":
			if t, ok := informationSchemaTypes[name]; ok {
				return t, nil
			}
		}
		return vec.Type{}, errNoType(ref.SQLString())
	}
	return vec.Type{}, errNoType(ref.SQLString())
}

// typeByTypname resolves a pg_type.typname, or with qualified set any
// spelling the parser accepts unqualified (pg_catalog.integer is not a
// type in PostgreSQL, but pg_catalog.int4 and pg_catalog.text are).
func typeByTypname(name string, qualified bool) (vec.Type, bool) {
	if oid, ok := vec.OIDForTypname(strings.ToLower(name)); ok {
		return vec.TypeForOID(oid, -1)
	}
	if qualified {
		switch name {
		case "varchar":
			return vec.Text, true
		}
	}
	return vec.Type{}, false
}

func arrayTypeFromAST(t *types.T) (vec.Type, error) {
	switch t.Oid() {
	case vec.OIDInt2Vector:
		return vec.Int2Vector, nil
	case vec.OIDOidVector:
		return vec.OidVector, nil
	}
	et, err := TypeFromAST(t.ArrayContents())
	if err != nil {
		return vec.Type{}, err
	}
	at, ok := vec.ArrayOf(et)
	if !ok {
		return vec.Type{}, sqlerr.New(sqlerr.FeatureNotSupported, "arrays of %s are not supported", et)
	}
	return at, nil
}
