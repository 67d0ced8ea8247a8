package vec

import (
	"bytes"
	"testing"

	"github.com/apiarydb/apiary/sqlerr"
)

func TestTypeForOID(t *testing.T) {
	cases := []struct {
		oid    uint32
		typmod int32
		name   string // format_type(oid, typmod)
		len    int16
	}{
		{16, -1, "boolean", 1},
		{17, -1, "bytea", -1},
		{18, -1, `"char"`, 1},
		{19, -1, "name", 64},
		{20, -1, "bigint", 8},
		{21, -1, "smallint", 2},
		{22, -1, "int2vector", -1},
		{23, -1, "integer", 4},
		{24, -1, "regproc", 4},
		{25, -1, "text", -1},
		{26, -1, "oid", 4},
		{28, -1, "xid", 4},
		{30, -1, "oidvector", -1},
		{194, -1, "pg_node_tree", -1},
		{700, -1, "real", 4},
		{701, -1, "double precision", 8},
		{1033, -1, "aclitem", 12},
		{1042, 14, "character(10)", -1},
		{1042, -1, "bpchar", -1},
		{1043, 29, "character varying(25)", -1},
		{1082, -1, "date", 4},
		{1114, -1, "timestamp without time zone", 8},
		{1184, -1, "timestamp with time zone", 8},
		{1186, -1, "interval", 16},
		{1700, (15<<16 | 2) + 4, "numeric(15,2)", -1},
		{2202, -1, "regprocedure", 4},
		{2205, -1, "regclass", 4},
		{2206, -1, "regtype", 4},
		{4089, -1, "regnamespace", 4},
		{4096, -1, "regrole", 4},
		{1000, -1, "boolean[]", -1},
		{1002, -1, `"char"[]`, -1},
		{1003, -1, "name[]", -1},
		{1005, -1, "smallint[]", -1},
		{1007, -1, "integer[]", -1},
		{1009, -1, "text[]", -1},
		{1014, 14, "character(10)[]", -1},
		{1015, 14, "character varying(10)[]", -1},
		{1016, -1, "bigint[]", -1},
		{1021, -1, "real[]", -1},
		{1022, -1, "double precision[]", -1},
		{1028, -1, "oid[]", -1},
		{1034, -1, "aclitem[]", -1},
		{1115, -1, "timestamp without time zone[]", -1},
		{1182, -1, "date[]", -1},
		{1185, -1, "timestamp with time zone[]", -1},
		{1231, (10<<16 | 2) + 4, "numeric(10,2)[]", -1},
		{2211, -1, "regtype[]", -1},
	}
	for _, c := range cases {
		typ, ok := TypeForOID(c.oid, c.typmod)
		if !ok {
			t.Errorf("TypeForOID(%d, %d) not found", c.oid, c.typmod)
			continue
		}
		if typ.OID() != c.oid {
			t.Errorf("TypeForOID(%d).OID() = %d", c.oid, typ.OID())
		}
		if typ.String() != c.name {
			t.Errorf("TypeForOID(%d).String() = %q, want %q", c.oid, typ.String(), c.name)
		}
		if typ.TypeLen() != c.len {
			t.Errorf("%s: TypeLen() = %d, want %d", c.name, typ.TypeLen(), c.len)
		}
		if c.typmod >= 0 && typ.TypeMod() != c.typmod {
			t.Errorf("%s: TypeMod() = %d, want %d", c.name, typ.TypeMod(), c.typmod)
		}
		back, err := ParseType(typ.String())
		if err != nil || back != typ {
			t.Errorf("ParseType(%q) = %+v, %v; want %+v", typ.String(), back, err, typ)
		}
	}
	if typ, ok := TypeForOID(1043, -1); !ok || typ != Text {
		t.Errorf("varchar without a length = %v, want text", typ)
	}
	for _, oid := range []uint32{0, 705, 114, 2950, 1700} {
		typmod := int32(-1)
		if oid == 1700 {
			typmod = (39<<16 | 2) + 4 // beyond 38 digits
		}
		if _, ok := TypeForOID(oid, typmod); ok {
			t.Errorf("TypeForOID(%d, %d) found a type", oid, typmod)
		}
	}
}

// TestTextForms checks input and output against what PostgreSQL 15 prints
// for the same input.
func TestTextForms(t *testing.T) {
	cases := []struct {
		typ      Type
		in, want string
		code     sqlerr.Code // expected error instead
	}{
		{Oid, "123", "123", ""},
		{Oid, " 12 ", "12", ""},
		{Oid, "-1", "4294967295", ""},
		{Oid, "4294967295", "4294967295", ""},
		{Oid, "4294967296", "", sqlerr.NumericValueOutOfRange},
		{Oid, "-2147483649", "", sqlerr.NumericValueOutOfRange},
		{Oid, "x", "", sqlerr.InvalidTextRepresentation},
		{Regclass, "1259", "1259", ""},
		{Regclass, "-", "-", ""},
		{Name, string(bytes.Repeat([]byte("x"), 70)), string(bytes.Repeat([]byte("x"), 63)), ""},
		{Name, string(bytes.Repeat([]byte("é"), 40)), string(bytes.Repeat([]byte("é"), 31)), ""},
		{CharByte, "abc", "a", ""},
		{CharByte, "", "", ""},
		{CharByte, "é", `\303`, ""},
		{CharByte, `\101`, "A", ""},
		{mustArray(Int32), "{1,2,3}", "{1,2,3}", ""},
		{mustArray(Int32), " { 1 , NULL ,3 } ", "{1,NULL,3}", ""},
		{mustArray(Int32), "{}", "{}", ""},
		{mustArray(Int32), "[1:2]={5,6}", "{5,6}", ""},
		{mustArray(Int32), "[0:1]={5,6}", "", sqlerr.FeatureNotSupported},
		{mustArray(Int32), "[1:3]={5,6}", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Int32), "{{1,2},{3,4}}", "", sqlerr.FeatureNotSupported},
		{mustArray(Int32), "{1,x}", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Int32), "1,2", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Int32), "{1,2", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Int32), "{1,2}x", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Int32), "{1,}", "", sqlerr.InvalidTextRepresentation},
		{mustArray(Text), `{a,"b c","",NULL,"NULL","x\"y",z\\w, spaced out ,"{}"}`, `{a,"b c","",NULL,"NULL","x\"y","z\\w","spaced out","{}"}`, ""},
		{mustArray(Text), `{"a,b",é}`, `{"a,b",é}`, ""},
		{mustArray(Bytea), `{"\\x0102"}`, `{"\\x0102"}`, ""},
		{mustArray(Float64), "{1.5,-0,NaN,Infinity}", "{1.5,0,NaN,Infinity}", ""},
		{mustArray(Bool), "{t,false}", "{t,f}", ""},
		{mustArray(Timestamp), "{2020-01-02 03:04:05}", `{"2020-01-02 03:04:05"}`, ""},
		{mustArray(Numeric(10, 2)), "{1.5,-2}", "{1.50,-2.00}", ""},
		{mustArray(Oid), "{1,4294967295}", "{1,4294967295}", ""},
		{mustArray(CharByte), "{r,v}", "{r,v}", ""},
		{mustArray(IntervalT), "{1 day}", `{"1 day"}`, ""},
		{Int2Vector, "1 2  3", "1 2 3", ""},
		{Int2Vector, "", "", ""},
		{OidVector, "23 4294967295", "23 4294967295", ""},
	}
	for _, c := range cases {
		v, err := ParseText(c.typ, c.in, nil)
		if c.code != "" {
			if sqlerr.CodeOf(err) != c.code {
				t.Errorf("%s %q: error %v, want SQLSTATE %s", c.typ, c.in, err, c.code)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %q: %v", c.typ, c.in, err)
			continue
		}
		if got := string(AppendText(nil, v, 0, nil)); got != c.want {
			t.Errorf("%s %q prints %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func mustArray(elem Type) Type {
	t, ok := ArrayOf(elem)
	if !ok {
		panic("no array of " + elem.String())
	}
	return t
}

// TestArrayOrder checks that byte order of encoded arrays is PostgreSQL's
// array order.
func TestArrayOrder(t *testing.T) {
	enc := func(typ Type, s string) []byte {
		v, err := ParseText(typ, s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v.Bytes().Get(0)
	}
	ordered := []struct {
		typ  Type
		vals []string
	}{
		{mustArray(Int32), []string{"{}", "{-5}", "{-5,1}", "{0}", "{1}", "{1,2}", "{1,NULL}", "{2}", "{NULL}"}},
		{mustArray(Text), []string{"{}", `{""}`, "{a}", `{"a",""}`, "{ab}", "{b}", "{NULL}"}},
		{mustArray(Float64), []string{"{-Infinity}", "{-1.5}", "{0}", "{2}", "{Infinity}", "{NaN}"}},
		{mustArray(Bytea), []string{`{"\\x"}`, `{"\\x00"}`, `{"\\x0000"}`, `{"\\x01"}`}},
	}
	for _, o := range ordered {
		for i := 1; i < len(o.vals); i++ {
			a, b := enc(o.typ, o.vals[i-1]), enc(o.typ, o.vals[i])
			if bytes.Compare(a, b) >= 0 {
				t.Errorf("%s: %s does not sort before %s", o.typ, o.vals[i-1], o.vals[i])
			}
		}
	}
	if !bytes.Equal(enc(mustArray(Float64), "{-0}"), enc(mustArray(Float64), "{0}")) {
		t.Error("-0 and 0 encode differently")
	}
}

func TestArrayDecode(t *testing.T) {
	typ := mustArray(Text)
	v, err := ParseText(typ, `{a,NULL,"x\\y",""}`, nil)
	if err != nil {
		t.Fatal(err)
	}
	data := v.Bytes().Get(0)
	if n, err := ArrayLen(typ, data); err != nil || n != 4 {
		t.Fatalf("ArrayLen = %d, %v", n, err)
	}
	out := New(Text, 4)
	if err := DecodeArray(typ, data, out); err != nil {
		t.Fatal(err)
	}
	if out.Len() != 4 || string(out.Bytes().Get(0)) != "a" || !out.Nulls.IsNull(1) || string(out.Bytes().Get(2)) != `x\y` || len(out.Bytes().Get(3)) != 0 || out.Nulls.IsNull(3) {
		t.Errorf("decoded %d values", out.Len())
	}
	// Concatenated elements are an array: array_agg relies on it.
	one := New(Int64, 2)
	one.AppendInt64(7)
	one.AppendNull()
	cat := AppendElem(AppendElem(nil, one, 0), one, 1)
	at := mustArray(Int64)
	arr := New(at, 1)
	arr.AppendBytes(cat)
	if got := string(AppendText(nil, arr, 0, nil)); got != "{7,NULL}" {
		t.Errorf("concatenation prints %q", got)
	}
	// A bytea with zero bytes survives the escaping.
	b := New(Bytea, 1)
	b.AppendBytes([]byte{0, 1, 0, 0})
	dec := New(Bytea, 1)
	elem, rest, err := NextElem(KindBytea, AppendElem(nil, b, 0))
	if err != nil || len(rest) != 0 {
		t.Fatal(err)
	}
	dec.AppendDecoded(elem)
	if !bytes.Equal(dec.Bytes().Get(0), []byte{0, 1, 0, 0}) {
		t.Errorf("bytea element decodes to %x", dec.Bytes().Get(0))
	}
}

func TestArrowPG(t *testing.T) {
	cols := []struct {
		typ  Type
		vals []string // "" is NULL
	}{
		{mustArray(Int32), []string{"{1,NULL,3}", "", "{}"}},
		{mustArray(Text), []string{`{a,"b c"}`, "{NULL}", ""}},
		{Int2Vector, []string{"1 2", ""}},
		{Regclass, []string{"1259", ""}},
		{Oid, []string{"4294967295", "0"}},
		{Name, []string{"pg_class", ""}},
	}
	var types []Type
	var names []string
	b := &Batch{}
	for i, c := range cols {
		v := New(c.typ, len(c.vals))
		for _, s := range c.vals {
			if s == "" && c.typ != Int2Vector {
				v.AppendNull()
			} else if err := v.AppendParsed(s, nil); err != nil {
				t.Fatal(err)
			}
		}
		for v.Len() < 3 {
			v.AppendNull()
		}
		types = append(types, c.typ)
		names = append(names, string(rune('a'+i)))
		b.Cols = append(b.Cols, v)
	}
	b.Len = 3
	rec, err := BatchToRecord(b, names)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	if got := rec.Column(0).DataType().String(); got != "list<item: int32, nullable>" {
		t.Errorf("int4[] is arrow %s", got)
	}
	back, _, err := RecordToBatch(rec)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range b.Cols {
		got := back.Cols[i]
		if got.Type != types[i] {
			t.Errorf("column %d comes back as %s, want %s", i, got.Type, types[i])
		}
		for r := 0; r < 3; r++ {
			if got.Nulls.IsNull(r) != c.Nulls.IsNull(r) {
				t.Errorf("%s row %d: NULL %v, want %v", types[i], r, got.Nulls.IsNull(r), c.Nulls.IsNull(r))
				continue
			}
			if c.Nulls.IsNull(r) {
				continue
			}
			if w, g := string(AppendText(nil, c, r, nil)), string(AppendText(nil, got, r, nil)); w != g {
				t.Errorf("%s row %d: %q, want %q", types[i], r, g, w)
			}
		}
	}
}
