package difftest

import (
	"fmt"
	"strings"

	"github.com/apiarydb/apiary/regress/tpch"
)

// TPCHScale is the TPC-H scale factor both systems are loaded with.
const TPCHScale = 0.01

// smallTable is a hand-made table: its DDL and rows of SQL literals, run
// verbatim on both systems.
type smallTable struct {
	Name string
	DDL  string
	Rows []string // each "(v1, v2, ...)"
}

// The "types" table covers every column type Apiary supports, with NULLs,
// negatives, extremes, zeros, empty strings, unicode and duplicates. id is
// unique and never NULL so that queries can order by it.
var typesTable = smallTable{
	Name: "types",
	DDL: `CREATE TABLE types (
	id integer NOT NULL,
	b boolean,
	i2 smallint,
	i4 integer,
	i8 bigint,
	f4 real,
	f8 double precision,
	n numeric(12,2),
	n6 numeric(18,6),
	t text,
	vc varchar(10),
	c char(5),
	d date,
	ts timestamp,
	tz timestamptz,
	iv interval,
	bt bytea
)`,
	Rows: []string{
		`(1, true, 1, 1, 1, 1.5, 1.5, 1.50, 1.500000, 'one', 'one', 'one', '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56+00', '1 day', '\x01')`,
		`(2, false, -2, -20, -200, -2.25, -2.5, -2.25, -0.333333, 'Two', 'TWO', 'two', '1999-12-31', '1999-12-31 23:59:59.5', '1999-12-31 23:00:00-05', '-1 year -2 mons +3 days -04:05:06', '\xdeadbeef')`,
		`(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
		`(4, true, 32767, 2147483647, 9223372036854775807, 3.4028235e38, 1.7976931348623157e308, 9999999999.99, 999999999999.999999, 'a much longer text value that goes on', '0123456789', '12345', '9999-12-31', '2999-12-31 23:59:59.999999', '2999-12-31 23:59:59.999999+00', '1 year 2 mons 3 days 04:05:06.789', '\x00ff')`,
		`(5, false, -32768, -2147483648, -9223372036854775808, -3.4028235e38, -1.7976931348623157e308, -9999999999.99, -999999999999.999999, '', '', '', '0001-01-01', '1970-01-01 00:00:00', '1970-01-01 00:00:00+00', '-1 days', '\x')`,
		`(6, true, 0, 0, 0, 0, '-0', 0.00, 0.000000, 'héllo wörld', 'naïve', 'ñ', '2000-01-01', '2000-01-01 00:00:00', '2000-01-01 00:00:00+02', '00:00:00', '\x68c3a96c6c6f')`,
		`(7, true, 1, 1, 1, 1.5, 1.5, 1.50, 1.500000, 'one', 'one', 'one', '2024-02-29', '2024-02-29 12:34:56', '2024-02-29 12:34:56+00', '1 day', '\x01')`,
		`(8, false, 7, 700, 7000000000, 1e-30, 1e-300, 0.01, 0.000001, '日本語テキスト', '日本語', '日本', '2024-01-31', '2024-01-31 08:00:00.000001', '2024-03-10 02:30:00-08', '36 hours', '\x0a0b')`,
		`(9, NULL, 3, 30, 300, 123456.7, 0.1, 3.33, 3.333333, '  padded  ', ' lead', 'ab ', '1900-02-28', '1900-02-28 06:07:08', '1900-02-28 06:07:08+00', '2 mons', NULL)`,
		`(10, true, -7, -7, -7, -0.5, -1e-5, -0.01, -0.000001, 'O''Brien 50% _x_ \back', 'it''s', 'x''y', '2023-12-31', '2023-12-31 23:59:59', '2023-12-31 23:59:59+00', '-00:00:01', '\x5c27')`,
		`(11, false, 100, 100000, 100000000000, 100, 12345678.875, 100.00, 100.000000, 'UPPER lower MiXeD', 'MiXeD', 'MIX', '2024-02-28', '2024-02-28 00:00:00', '2024-02-28 00:00:00+00', '1 mon 1 day 00:00:01', '\xffff')`,
		`(12, NULL, 2, 2, 2, 2.5, 2.5, 2.50, 2.500000, 'two', 'two', 'two', '2024-03-01', '2024-03-01 00:00:00', '2024-03-01 00:00:00+00', '1 day', '\x02')`,
	},
}

// specials holds the floating-point and time values that sort and compare
// unusually: NaN, infinities, negative zero, ±infinity dates.
var specialsTable = smallTable{
	Name: "specials",
	DDL: `CREATE TABLE specials (
	id integer NOT NULL,
	f8 double precision,
	f4 real,
	d date,
	ts timestamp
)`,
	Rows: []string{
		`(1, 'NaN', 'NaN', 'infinity', 'infinity')`,
		`(2, 'Infinity', 'Infinity', '-infinity', '-infinity')`,
		`(3, '-Infinity', '-Infinity', '2020-06-15', '2020-06-15 10:00:00')`,
		`(4, '-0', '-0', NULL, NULL)`,
		`(5, 0, 0, '2020-06-15', '2020-06-15 10:00:00')`,
		`(6, 1, 1, '1970-01-01', '1970-01-01 00:00:00')`,
		`(7, NULL, NULL, '2020-06-16', NULL)`,
	},
}

// The join tables: t1 and t2 share key values (with duplicates on both
// sides), both have NULL keys that must never match, and each has keys the
// other lacks. t3 matches nothing; empty has no rows.
var joinTables = []smallTable{
	{
		Name: "t1",
		DDL:  "CREATE TABLE t1 (id integer NOT NULL, k integer, v text)",
		Rows: []string{
			`(1, 1, 'a')`,
			`(2, 2, 'b')`,
			`(3, 2, 'c')`,
			`(4, 3, 'd')`,
			`(5, NULL, 'e')`,
			`(6, 5, NULL)`,
			`(7, NULL, NULL)`,
		},
	},
	{
		Name: "t2",
		DDL:  "CREATE TABLE t2 (id integer NOT NULL, k integer, w text)",
		Rows: []string{
			`(1, 2, 'x')`,
			`(2, 2, 'y')`,
			`(3, 3, 'z')`,
			`(4, 4, 'w')`,
			`(5, NULL, 'n')`,
			`(6, NULL, NULL)`,
		},
	},
	{
		Name: "t3",
		DDL:  "CREATE TABLE t3 (id integer NOT NULL, k integer, u varchar(5))",
		Rows: []string{
			`(1, 10, 'p')`,
			`(2, 11, 'q')`,
		},
	},
	{
		Name: "empty",
		DDL:  "CREATE TABLE empty (id integer NOT NULL, k integer, s text)",
	},
}

// The employee tables: grouping, windows, self joins (manager_id) and a
// department without employees.
var empTables = []smallTable{
	{
		Name: "dept",
		DDL:  "CREATE TABLE dept (id integer NOT NULL, name text NOT NULL, city text)",
		Rows: []string{
			`(10, 'Engineering', 'Lisbon')`,
			`(20, 'Sales', 'Porto')`,
			`(30, 'Support', NULL)`,
			`(40, 'Research', 'Lisbon')`,
		},
	},
	{
		Name: "emp",
		DDL: `CREATE TABLE emp (
	id integer NOT NULL,
	name varchar(20) NOT NULL,
	dept_id integer,
	manager_id integer,
	salary numeric(10,2),
	bonus numeric(8,2),
	hired date,
	active boolean
)`,
		Rows: []string{
			`(1, 'Ana', 10, NULL, 9000.00, 1000.00, '2015-03-01', true)`,
			`(2, 'Bruno', 10, 1, 7000.00, 500.00, '2017-06-15', true)`,
			`(3, 'Carla', 10, 1, 7000.00, NULL, '2018-01-10', true)`,
			`(4, 'Duarte', 20, 1, 5000.00, 250.50, '2019-11-30', false)`,
			`(5, 'Eva', 20, 4, 4500.00, 250.50, '2020-02-29', true)`,
			`(6, 'Filipe', 20, 4, 4500.00, NULL, '2021-07-01', true)`,
			`(7, 'Gil', 30, 1, 3800.00, 0.00, '2016-09-12', false)`,
			`(8, 'Helena', NULL, 1, 6100.00, 300.00, '2022-05-05', true)`,
			`(9, 'Ines', 30, 7, NULL, NULL, '2023-01-02', NULL)`,
			`(10, 'Joao', 10, 2, 5200.75, 120.25, '2015-03-01', true)`,
		},
	},
}

// The "wide" table holds numeric columns past 18 digits (Apiary's 128-bit
// form): values at the edge of the declared precision, negatives, values
// that differ only past the 18th digit, duplicates for grouping and NULLs.
var wideTable = smallTable{
	Name: "wide",
	DDL:  "CREATE TABLE wide (id integer NOT NULL, k integer, a numeric(38,10), b numeric(25,0))",
	Rows: []string{
		`(1, 1, 1234567890123456789012345678.1234567891, 1234567890123456789012345)`,
		`(2, 1, 1234567890123456789012345678.1234567890, 1234567890123456789012344)`,
		`(3, 2, -9999999999999999999999999999.9999999999, -9999999999999999999999999)`,
		`(4, 2, 0.0000000001, 0)`,
		`(5, 3, 1.5, 9999999999999999999999999)`,
		`(6, 3, NULL, NULL)`,
		`(7, NULL, -0.0000000001, 18446744073709551616)`,
		`(8, 1, 123456789012345678901.5, 1234567890123456789012345)`,
	},
}

// smallTables lists every hand-made table in load order.
func smallTables() []smallTable {
	out := []smallTable{typesTable, specialsTable}
	out = append(out, joinTables...)
	out = append(out, empTables...)
	return append(out, wideTable)
}

// insertStatements returns the INSERT statements that load t, at most
// batch rows each.
func (t smallTable) insertStatements(batch int) []string {
	var out []string
	for i := 0; i < len(t.Rows); i += batch {
		end := min(i+batch, len(t.Rows))
		out = append(out, "INSERT INTO "+t.Name+" VALUES\n"+strings.Join(t.Rows[i:end], ",\n"))
	}
	return out
}

// tpchLiteral quotes one generated TPC-H field for an INSERT: numbers stay
// bare, everything else becomes a string literal.
func tpchLiteral(typ, v string) string {
	switch {
	case typ == "INTEGER" || strings.HasPrefix(typ, "DECIMAL"):
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", "''") + "'"
}

// tpchInserts calls fn with the INSERT statements that load TPC-H table
// name at TPCHScale, batch rows each.
func tpchInserts(name string, batch int, fn func(stmt string) error) error {
	tb, ok := tpch.TableByName(name)
	if !ok {
		return fmt.Errorf("difftest: no TPC-H table %q", name)
	}
	var b strings.Builder
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		err := fn(b.String())
		b.Reset()
		n = 0
		return err
	}
	err := tpch.Rows(TPCHScale, name, func(row []string) error {
		if n == 0 {
			b.WriteString("INSERT INTO " + name + " VALUES\n(")
		} else {
			b.WriteString(",\n(")
		}
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tpchLiteral(tb.Columns[i].Type, v))
		}
		b.WriteByte(')')
		n++
		if n == batch {
			return flush()
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}
