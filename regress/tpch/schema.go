package tpch

import (
	"fmt"
	"strings"
)

// Column is one column of a TPC-H table with its SQL type.
type Column struct {
	Name string
	Type string // PostgreSQL type as written in DDL
}

// Table is one of the eight TPC-H tables.
type Table struct {
	Name    string
	Columns []Column
}

// Money and quantities are DECIMAL(15,2) as in the specification's reference
// schema (clause 1.4); identifiers are INTEGER as in dbgen's dss.ddl, which
// holds orderkeys up to SF ~350 (orderkey <= 6,000,000*SF).
const (
	typeKey   = "INTEGER"
	typeMoney = "DECIMAL(15,2)"
)

// Tables lists the eight tables in an order that satisfies foreign keys when
// loaded front to back (region before nation before supplier, ...).
var Tables = []Table{
	{Name: "region", Columns: []Column{
		{"r_regionkey", typeKey},
		{"r_name", "CHAR(25)"},
		{"r_comment", "VARCHAR(152)"},
	}},
	{Name: "nation", Columns: []Column{
		{"n_nationkey", typeKey},
		{"n_name", "CHAR(25)"},
		{"n_regionkey", typeKey},
		{"n_comment", "VARCHAR(152)"},
	}},
	{Name: "supplier", Columns: []Column{
		{"s_suppkey", typeKey},
		{"s_name", "CHAR(25)"},
		{"s_address", "VARCHAR(40)"},
		{"s_nationkey", typeKey},
		{"s_phone", "CHAR(15)"},
		{"s_acctbal", typeMoney},
		{"s_comment", "VARCHAR(101)"},
	}},
	{Name: "part", Columns: []Column{
		{"p_partkey", typeKey},
		{"p_name", "VARCHAR(55)"},
		{"p_mfgr", "CHAR(25)"},
		{"p_brand", "CHAR(10)"},
		{"p_type", "VARCHAR(25)"},
		{"p_size", "INTEGER"},
		{"p_container", "CHAR(10)"},
		{"p_retailprice", typeMoney},
		{"p_comment", "VARCHAR(23)"},
	}},
	{Name: "partsupp", Columns: []Column{
		{"ps_partkey", typeKey},
		{"ps_suppkey", typeKey},
		{"ps_availqty", "INTEGER"},
		{"ps_supplycost", typeMoney},
		{"ps_comment", "VARCHAR(199)"},
	}},
	{Name: "customer", Columns: []Column{
		{"c_custkey", typeKey},
		{"c_name", "VARCHAR(25)"},
		{"c_address", "VARCHAR(40)"},
		{"c_nationkey", typeKey},
		{"c_phone", "CHAR(15)"},
		{"c_acctbal", typeMoney},
		{"c_mktsegment", "CHAR(10)"},
		{"c_comment", "VARCHAR(117)"},
	}},
	{Name: "orders", Columns: []Column{
		{"o_orderkey", typeKey},
		{"o_custkey", typeKey},
		{"o_orderstatus", "CHAR(1)"},
		{"o_totalprice", typeMoney},
		{"o_orderdate", "DATE"},
		{"o_orderpriority", "CHAR(15)"},
		{"o_clerk", "CHAR(15)"},
		{"o_shippriority", "INTEGER"},
		{"o_comment", "VARCHAR(79)"},
	}},
	{Name: "lineitem", Columns: []Column{
		{"l_orderkey", typeKey},
		{"l_partkey", typeKey},
		{"l_suppkey", typeKey},
		{"l_linenumber", "INTEGER"},
		{"l_quantity", typeMoney},
		{"l_extendedprice", typeMoney},
		{"l_discount", typeMoney},
		{"l_tax", typeMoney},
		{"l_returnflag", "CHAR(1)"},
		{"l_linestatus", "CHAR(1)"},
		{"l_shipdate", "DATE"},
		{"l_commitdate", "DATE"},
		{"l_receiptdate", "DATE"},
		{"l_shipinstruct", "CHAR(25)"},
		{"l_shipmode", "CHAR(10)"},
		{"l_comment", "VARCHAR(44)"},
	}},
}

// TableByName returns the table called name (lower case, as in Tables).
func TableByName(name string) (Table, bool) {
	for _, t := range Tables {
		if t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// DDL returns the CREATE TABLE statement for table, every column NOT NULL
// and no constraints: keys are left to callers because engines under test may
// not support them, and PostgreSQL loads faster without them.
func DDL(table string) (string, error) {
	t, ok := TableByName(table)
	if !ok {
		return "", fmt.Errorf("tpch: unknown table %q", table)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (\n", t.Name)
	for i, c := range t.Columns {
		sep := ","
		if i == len(t.Columns)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "\t%s %s NOT NULL%s\n", c.Name, c.Type, sep)
	}
	b.WriteString(")")
	return b.String(), nil
}

// PrimaryKeys maps each table to its primary key columns (specification
// clause 1.4.2.2); tests add them after loading to check key uniqueness.
var PrimaryKeys = map[string][]string{
	"region":   {"r_regionkey"},
	"nation":   {"n_nationkey"},
	"supplier": {"s_suppkey"},
	"part":     {"p_partkey"},
	"partsupp": {"ps_partkey", "ps_suppkey"},
	"customer": {"c_custkey"},
	"orders":   {"o_orderkey"},
	"lineitem": {"l_orderkey", "l_linenumber"},
}

// ForeignKey is one referential constraint of clause 1.4.2.3.
type ForeignKey struct {
	Table      string
	Columns    []string
	RefTable   string
	RefColumns []string
}

// ForeignKeys lists the specification's foreign keys.
var ForeignKeys = []ForeignKey{
	{"nation", []string{"n_regionkey"}, "region", []string{"r_regionkey"}},
	{"supplier", []string{"s_nationkey"}, "nation", []string{"n_nationkey"}},
	{"customer", []string{"c_nationkey"}, "nation", []string{"n_nationkey"}},
	{"partsupp", []string{"ps_partkey"}, "part", []string{"p_partkey"}},
	{"partsupp", []string{"ps_suppkey"}, "supplier", []string{"s_suppkey"}},
	{"orders", []string{"o_custkey"}, "customer", []string{"c_custkey"}},
	{"lineitem", []string{"l_orderkey"}, "orders", []string{"o_orderkey"}},
	{"lineitem", []string{"l_partkey", "l_suppkey"}, "partsupp", []string{"ps_partkey", "ps_suppkey"}},
}
