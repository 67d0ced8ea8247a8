package vec

import (
	"math"
	"testing"
	"time"
	_ "time/tzdata" // zone rules without relying on the machine's

	"github.com/apiarydb/apiary/sqlerr"
)

// The expected strings below were produced by PostgreSQL 15.18 with default
// settings (psql -A against a fresh initdb cluster).

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func TestAppendFloat(t *testing.T) {
	cases := []struct {
		f    float64
		bits int
		want string
	}{
		{1e20, 64, "1e+20"},
		{1.5e-7, 64, "1.5e-07"},
		{math.Inf(1), 32, "Infinity"},
		{math.Inf(-1), 64, "-Infinity"},
		{math.NaN(), 64, "NaN"},
		{float64(float32(123456789012)), 32, "1.2345679e+11"},
		{1e16, 64, "1e+16"},
		{1e15, 64, "1e+15"},
		{1e14, 64, "100000000000000"},
		{0.0001, 64, "0.0001"},
		{0.00001, 64, "1e-05"},
		{math.Copysign(0, -1), 64, "-0"},
		{0, 64, "0"},
		{123456, 32, "123456"},
		{1234567, 32, "1.234567e+06"},
		{1e6, 32, "1e+06"},
		{float64(float32(0.0001)), 32, "0.0001"},
		{float64(float32(0.00001234)), 32, "1.234e-05"},
		{1e100, 64, "1e+100"},
		{math.MaxFloat64, 64, "1.7976931348623157e+308"},
		{5e-324, 64, "5e-324"},
		{float64(float32(0.1)), 32, "0.1"},
		{1.5, 64, "1.5"},
		{100, 64, "100"},
		{1234567890123456789, 64, "1.2345678901234568e+18"},
		{0.1, 64, "0.1"},
		{-2.5, 64, "-2.5"},
	}
	for _, c := range cases {
		if got := string(AppendFloat(nil, c.f, c.bits)); got != c.want {
			t.Errorf("AppendFloat(%v, %d) = %q, want %q", c.f, c.bits, got, c.want)
		}
	}
}

func TestAppendIntervalMatchesPostgres(t *testing.T) {
	cases := []struct {
		iv   Interval
		want string
	}{
		{Interval{14, 3, 4*microsPerHour + 5*microsPerMinute + 6*microsPerSecond + 500000}, "1 year 2 mons 3 days 04:05:06.5"},
		{Interval{-14, 3, -(4*microsPerHour + 5*microsPerMinute + 6*microsPerSecond)}, "-1 years -2 mons +3 days -04:05:06"},
		{Interval{}, "00:00:00"},
		{Interval{Micros: -microsPerSecond}, "-00:00:01"},
		{Interval{Days: 1, Micros: -microsPerHour}, "1 day -01:00:00"},
		{Interval{Months: 2}, "2 mons"},
		{Interval{Months: 12}, "1 year"},
		{Interval{Micros: 36 * microsPerHour}, "36:00:00"},
		{Interval{Micros: 1}, "00:00:00.000001"},
		{Interval{Days: -1}, "-1 days"},
		{Interval{Micros: 100000 * microsPerHour}, "100000:00:00"},
		{Interval{Days: -1, Micros: 2 * microsPerHour}, "-1 days +02:00:00"},
	}
	for _, c := range cases {
		if got := string(AppendInterval(nil, c.iv)); got != c.want {
			t.Errorf("AppendInterval(%+v) = %q, want %q", c.iv, got, c.want)
		}
	}
}

func TestAppendTextEveryKind(t *testing.T) {
	ts := func(s string) int64 {
		v, err := ParseTimestamp(s, nil)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tz := func(s string) int64 {
		v, err := ParseTimestamp(s, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	kolkata := mustLoc(t, "Asia/Kolkata")
	stJohns := mustLoc(t, "America/St_Johns")
	amsterdam := mustLoc(t, "Europe/Amsterdam")
	cases := []struct {
		typ  Type
		fill func(v *Vec)
		loc  *time.Location
		want string
	}{
		{Bool, func(v *Vec) { v.AppendBool(true) }, nil, "t"},
		{Bool, func(v *Vec) { v.AppendBool(false) }, nil, "f"},
		{Int16, func(v *Vec) { v.AppendInt16(-32768) }, nil, "-32768"},
		{Int32, func(v *Vec) { v.AppendInt32(2147483647) }, nil, "2147483647"},
		{Int64, func(v *Vec) { v.AppendInt64(math.MinInt64) }, nil, "-9223372036854775808"},
		{Float32, func(v *Vec) { v.AppendFloat32(0.1) }, nil, "0.1"},
		{Float64, func(v *Vec) { v.AppendFloat64(1e20) }, nil, "1e+20"},
		{Numeric(10, 2), func(v *Vec) { v.AppendInt64(150) }, nil, "1.50"},
		{Numeric(5, 2), func(v *Vec) { v.AppendInt64(-5) }, nil, "-0.05"},
		{Numeric(5, 0), func(v *Vec) { v.AppendInt64(-5) }, nil, "-5"},
		{Numeric(18, 18), func(v *Vec) { v.AppendInt64(1) }, nil, "0.000000000000000001"},
		{UnconstrainedNumeric, func(v *Vec) { v.AppendInt64(1500000) }, nil, "1.500000"},
		{Text, func(v *Vec) { v.AppendBytes([]byte("héllo")) }, nil, "héllo"},
		{Bytea, func(v *Vec) { v.AppendBytes([]byte{0, 0xff, 'a'}) }, nil, `\x00ff61`},
		{Date, func(v *Vec) { v.AppendInt32(19724) }, nil, "2024-01-02"},
		{Date, func(v *Vec) { d, _ := ParseDate("0044-03-15 BC"); v.AppendInt32(d) }, nil, "0044-03-15 BC"},
		{Date, func(v *Vec) { v.AppendInt32(DatePosInfinity) }, nil, "infinity"},
		{Timestamp, func(v *Vec) { v.AppendInt64(ts("2024-01-02 03:04:05.120")) }, nil, "2024-01-02 03:04:05.12"},
		{Timestamp, func(v *Vec) { v.AppendInt64(ts("1969-12-31 23:59:59.999999")) }, nil, "1969-12-31 23:59:59.999999"},
		{Timestamp, func(v *Vec) { v.AppendInt64(TimestampNegInfinity) }, nil, "-infinity"},
		{TimestampTZ, func(v *Vec) { v.AppendInt64(tz("2024-01-02 03:04:05+05:30")) }, nil, "2024-01-01 21:34:05+00"},
		{TimestampTZ, func(v *Vec) { v.AppendInt64(tz("2024-01-02 03:04:05+00")) }, kolkata, "2024-01-02 08:34:05+05:30"},
		{TimestampTZ, func(v *Vec) { v.AppendInt64(tz("1900-01-01 00:00:00+00")) }, kolkata, "1900-01-01 05:21:10+05:21:10"},
		{TimestampTZ, func(v *Vec) {
			x, _ := ParseTimestamp("2024-01-02", stJohns)
			v.AppendInt64(x)
		}, stJohns, "2024-01-02 00:00:00-03:30"},
		{TimestampTZ, func(v *Vec) {
			x, _ := ParseTimestamp("1900-01-01", amsterdam)
			v.AppendInt64(x)
		}, amsterdam, "1900-01-01 00:00:00+00:19:32"},
		{IntervalT, func(v *Vec) { v.AppendInterval(Interval{Months: 1, Days: 15}) }, nil, "1 mon 15 days"},
	}
	for _, c := range cases {
		v := New(c.typ, 1)
		c.fill(v)
		if got := string(AppendText(nil, v, 0, c.loc)); got != c.want {
			t.Errorf("%s: got %q, want %q", c.typ, got, c.want)
		}
	}
}

func TestAppendTextDoesNotAllocate(t *testing.T) {
	loc := mustLoc(t, "Asia/Kolkata")
	vs := []*Vec{New(Float64, 1), New(TimestampTZ, 1), New(IntervalT, 1), New(Numeric(10, 2), 1), New(Bytea, 1)}
	vs[0].AppendFloat64(1.5e-7)
	vs[1].AppendInt64(1700000000123456)
	vs[2].AppendInterval(Interval{Months: -14, Days: 3, Micros: 1})
	vs[3].AppendInt64(-12345)
	vs[4].AppendBytes([]byte("abc"))
	buf := make([]byte, 0, 256)
	allocs := testing.AllocsPerRun(100, func() {
		for _, v := range vs {
			buf = AppendText(buf[:0], v, 0, loc)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendText allocates %v times per run", allocs)
	}
}

// roundTrip parses in and prints the result back.
func roundTrip(t *testing.T, typ Type, in string, loc *time.Location) (string, error) {
	t.Helper()
	v, err := ParseText(typ, in, loc)
	if err != nil {
		return "", err
	}
	return string(AppendText(nil, v, 0, loc)), nil
}

func TestParseTextMatchesPostgres(t *testing.T) {
	cases := []struct {
		typ  Type
		in   string
		want string
	}{
		{Bool, "yes", "t"}, {Bool, " of", "f"}, {Bool, "TRUE", "t"}, {Bool, "0", "f"}, {Bool, "on", "t"}, {Bool, "n", "f"},
		{Int32, "  12  ", "12"}, {Int32, "-2147483648", "-2147483648"}, {Int64, "+9223372036854775807", "9223372036854775807"},
		{Int64, "-9223372036854775808", "-9223372036854775808"}, {Int16, "-32768", "-32768"},
		{Float64, "infinity", "Infinity"}, {Float64, "-INF", "-Infinity"}, {Float64, "nan", "NaN"}, {Float64, "1e20", "1e+20"},
		{Float32, "0.1", "0.1"}, {Float64, " 1.5 ", "1.5"},
		{Numeric(5, 2), "1.005", "1.01"}, {Numeric(5, 2), "-1.005", "-1.01"}, {Numeric(5, 2), "1e2", "100.00"},
		{Numeric(1, 1), "0.5", "0.5"}, {Numeric(10, 2), ".5", "0.50"}, {Numeric(10, 2), "0.004", "0.00"},
		{Numeric(10, 2), "12345678.994", "12345678.99"}, {Numeric(18, 0), "999999999999999999", "999999999999999999"},
		{UnconstrainedNumeric, "3.14", "3.140000"}, {Numeric(10, 2), "00012.30", "12.30"},
		{Numeric(10, 2), "1234.5e-2", "12.35"}, {Numeric(10, 2), "0.000000000000000000000000000000000000000000000000000000000000000000000001", "0.00"},
		{Numeric(10, 2), "1e 2", "100.00"}, {Numeric(10, 2), "1e-2000", "0.00"},
		{Varchar(2), "ab  ", "ab"}, {Char(3), "a", "a  "}, {Text, "x\ty", "x\ty"}, {Varchar(3), "äöü", "äöü"},
		{Bytea, `\x00FF`, `\x00ff`}, {Bytea, `\x 01 02`, `\x0102`}, {Bytea, `\001abc\\`, `\x016162635c`}, {Bytea, "plain", `\x706c61696e`},
		{Date, "2024-01-02", "2024-01-02"}, {Date, "2024-01-02 10:00", "2024-01-02"}, {Date, "0001-01-01 BC", "0001-01-01 BC"},
		{Date, "epoch", "1970-01-01"}, {Date, "-infinity", "-infinity"}, {Date, "2024-02-29", "2024-02-29"},
		{Timestamp, "2024-01-02 03:04:05+05:30", "2024-01-02 03:04:05"}, {Timestamp, "2024-01-02T03:04:05.5", "2024-01-02 03:04:05.5"},
		{Timestamp, "2024-01-02 24:00:00", "2024-01-03 00:00:00"}, {Timestamp, "infinity", "infinity"},
		{TimestampTZ, "2024-01-02T03:04:05.1234567Z", "2024-01-02 03:04:05.123457+00"},
		{TimestampTZ, "2024-01-02 03:04:05 America/New_York", "2024-01-02 08:04:05+00"},
		{TimestampTZ, "2024-01-02 03:04:05-0330", "2024-01-02 06:34:05+00"},
		{IntervalT, "1.5 years", "1 year 6 mons"}, {IntervalT, "1.5 months", "1 mon 15 days"}, {IntervalT, "1.5 days", "1 day 12:00:00"},
		{IntervalT, "@ 1 day 2 hours ago", "-1 days -02:00:00"}, {IntervalT, "P1Y2M3DT4H5M6.5S", "1 year 2 mons 3 days 04:05:06.5"},
		{IntervalT, "3 4:05:06", "3 days 04:05:06"}, {IntervalT, "1-2", "1 year 2 mons"}, {IntervalT, "10min", "00:10:00"},
		{IntervalT, "-1 days +02:00:00", "-1 days +02:00:00"}, {IntervalT, "1 week", "7 days"}, {IntervalT, "90 seconds", "00:01:30"},
		{IntervalT, "0.5", "00:00:00.5"}, {IntervalT, "1 year 2 mons 3 days 04:05:06.5", "1 year 2 mons 3 days 04:05:06.5"},
		{IntervalT, "-1 years -2 mons +3 days -04:05:06", "-1 years -2 mons +3 days -04:05:06"},
	}
	for _, c := range cases {
		got, err := roundTrip(t, c.typ, c.in, time.UTC)
		if err != nil {
			t.Errorf("%s %q: %v", c.typ, c.in, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.typ, c.in, got, c.want)
		}
	}
}

func TestParseTextErrorsMatchPostgres(t *testing.T) {
	cases := []struct {
		typ    Type
		in     string
		code   sqlerr.Code
		msg    string
		detail string
	}{
		{Numeric(5, 2), "123456", "22003", "numeric field overflow", "A field with precision 5, scale 2 must round to an absolute value less than 10^3."},
		{Numeric(1, 1), "1", "22003", "numeric field overflow", "A field with precision 1, scale 1 must round to an absolute value less than 1."},
		{Numeric(5, 2), " ", "22P02", `invalid input syntax for type numeric: " "`, ""},
		{Numeric(5, 2), "1.2.3", "22P02", `invalid input syntax for type numeric: "1.2.3"`, ""},
		{Numeric(10, 2), "1e-16384", "22003", "value overflows numeric format", ""},
		{Int16, "99999", "22003", `value "99999" is out of range for type smallint`, ""},
		{Int32, "2147483648", "22003", `value "2147483648" is out of range for type integer`, ""},
		{Int64, "99999999999999999999999", "22003", `value "99999999999999999999999" is out of range for type bigint`, ""},
		{Int32, "abc", "22P02", `invalid input syntax for type integer: "abc"`, ""},
		{Int32, "", "22P02", `invalid input syntax for type integer: ""`, ""},
		{Int32, "1.5", "22P02", `invalid input syntax for type integer: "1.5"`, ""},
		{Float64, "1e400", "22003", `"1e400" is out of range for type double precision`, ""},
		{Float64, "1e-400", "22003", `"1e-400" is out of range for type double precision`, ""},
		{Float32, "1e39", "22003", `"1e39" is out of range for type real`, ""},
		{Float64, "0x10", "22P02", `invalid input syntax for type double precision: "0x10"`, ""},
		{Bool, "maybe", "22P02", `invalid input syntax for type boolean: "maybe"`, ""},
		{Date, "2024-02-30", "22008", `date/time field value out of range: "2024-02-30"`, ""},
		{Date, "2024-13-01", "22008", `date/time field value out of range: "2024-13-01"`, ""},
		{Timestamp, "2024-01-01 25:00", "22008", `date/time field value out of range: "2024-01-01 25:00"`, ""},
		{TimestampTZ, "2024-01-01 00:00+16", "22009", `time zone displacement out of range: "2024-01-01 00:00+16"`, ""},
		{Timestamp, "2024-01-01 x", "22007", `invalid input syntax for type timestamp: "2024-01-01 x"`, ""},
		{IntervalT, "x", "22007", `invalid input syntax for type interval: "x"`, ""},
		{Varchar(2), "abc", "22001", "value too long for type character varying(2)", ""},
		{Char(2), "abc", "22001", "value too long for type character(2)", ""},
		{Bytea, `\xzz`, "22023", `invalid hexadecimal digit: "z"`, ""},
		{Bytea, `\x0`, "22023", "invalid hexadecimal data: odd number of digits", ""},
		{Bytea, `\9`, "22P02", "invalid input syntax for type bytea", ""},
		{Text, "\xff", "22021", `invalid byte sequence for encoding "UTF8"`, ""},
	}
	for _, c := range cases {
		v := New(c.typ, 1)
		err := v.AppendParsed(c.in, time.UTC)
		if err == nil {
			t.Errorf("%s %q: no error", c.typ, c.in)
			continue
		}
		f := sqlerr.Flatten(err)
		if f.Code != c.code || f.Message != c.msg || f.Detail != c.detail {
			t.Errorf("%s %q: got %s %q (%q), want %s %q (%q)", c.typ, c.in, f.Code, f.Message, f.Detail, c.code, c.msg, c.detail)
		}
		if v.Len() != 0 {
			t.Errorf("%s %q: failed parse appended a value", c.typ, c.in)
		}
	}
}

// TestTextRoundTrip checks that what AppendText prints reads back to the
// same value, over a spread of values of every kind.
func TestTextRoundTrip(t *testing.T) {
	loc := mustLoc(t, "America/St_Johns")
	check := func(typ Type, fill func(*Vec)) {
		t.Helper()
		v := New(typ, 1)
		fill(v)
		s := string(AppendText(nil, v, 0, loc))
		w, err := ParseText(typ, s, loc)
		if err != nil {
			t.Errorf("%s: %q does not parse: %v", typ, s, err)
			return
		}
		if again := string(AppendText(nil, w, 0, loc)); again != s {
			t.Errorf("%s: %q reads back as %q", typ, s, again)
		}
	}
	for _, f := range []float64{0.1, 1e-300, 123.456, -7e22, math.SmallestNonzeroFloat64} {
		check(Float64, func(v *Vec) { v.AppendFloat64(f) })
		if v := v32(f); v != 0 && !math.IsInf(float64(v), 0) {
			check(Float32, func(vv *Vec) { vv.AppendFloat32(v) })
		}
	}
	for _, us := range []int64{0, -1, 1700000000123456, -62135596800000000 - 1, 253402300799999999} {
		check(Timestamp, func(v *Vec) { v.AppendInt64(us) })
		check(TimestampTZ, func(v *Vec) { v.AppendInt64(us) })
	}
	for _, d := range []int32{0, -1, 19724, -2440000, 2000000} {
		check(Date, func(v *Vec) { v.AppendInt32(d) })
	}
	for _, iv := range []Interval{{1, 2, 3}, {-13, 40, -86400000001}, {0, 0, -1}, {25, -3, 7200000000}} {
		check(IntervalT, func(v *Vec) { v.AppendInterval(iv) })
	}
	for _, n := range []int64{0, 1, -1, 123456789012345678, -999999999999999999} {
		check(Numeric(18, 4), func(v *Vec) { v.AppendInt64(n) })
	}
}

func v32(f float64) float32 { return float32(f) }
