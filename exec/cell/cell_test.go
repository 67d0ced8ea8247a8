package cell

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

var allTypesSchema = []txn.Column{
	{Name: "b", Type: "boolean"},
	{Name: "i2", Type: "smallint"},
	{Name: "i4", Type: "integer"},
	{Name: "i8", Type: "bigint", NotNull: true},
	{Name: "f4", Type: "real"},
	{Name: "f8", Type: "double precision"},
	{Name: "n", Type: "numeric(15,2)"},
	{Name: "nu", Type: "numeric"},
	{Name: "t", Type: "text"},
	{Name: "vc", Type: "character varying(20)"},
	{Name: "by", Type: "bytea"},
	{Name: "d", Type: "date"},
	{Name: "ts", Type: "timestamp"},
	{Name: "tz", Type: "timestamptz"},
	{Name: "iv", Type: "interval"},
}

var longText = strings.Repeat("żółw🐢", 40) // multibyte, > MaxStatBytes

// fillRow appends row r of the canonical test data; NULLs on a pattern.
func fillRow(b *vec.Batch, s *Schema, r int) {
	for c, col := range b.Cols {
		if !s.Columns[c].NotNull && (r*7+c)%11 == 0 {
			col.AppendNull()
			continue
		}
		x := int64(r*2654435761%100003) - 50000
		switch col.Type.Kind {
		case vec.KindBool:
			col.AppendBool(r%3 == 0)
		case vec.KindInt16:
			col.AppendInt16([]int16{math.MinInt16, math.MaxInt16, int16(x), 0}[r%4])
		case vec.KindInt32, vec.KindDate:
			col.AppendInt32([]int32{math.MinInt32, math.MaxInt32, int32(x), -1}[r%4])
		case vec.KindInt64, vec.KindTimestamp, vec.KindTimestampTZ:
			col.AppendInt64([]int64{math.MinInt64, math.MaxInt64, x * 1_000_003, int64(r)}[r%4])
		case vec.KindNumeric:
			col.AppendInt64([]int64{-999999999999999999, 999999999999999999, x * 12345, 0}[r%4])
		case vec.KindFloat32:
			col.AppendFloat32(float32([]float64{math.Inf(-1), math.Copysign(0, -1), float64(x) / 3, math.NaN(), math.MaxFloat32}[r%5]))
		case vec.KindFloat64:
			col.AppendFloat64([]float64{math.Inf(1), math.NaN(), float64(x) / 7, math.Copysign(0, -1), -math.MaxFloat64, math.SmallestNonzeroFloat64}[r%6])
		case vec.KindText:
			col.AppendBytes([]byte([]string{"", "żółw", fmt.Sprint("v", x), longText, "\x00nul"}[r%5]))
		case vec.KindBytea:
			col.AppendBytes([]byte{byte(r), 0, 255, 0x80}[:r%5%4])
		case vec.KindInterval:
			col.AppendInterval(vec.Interval{Months: int32(x), Days: -int32(r), Micros: x*86_400_000_001 + 1})
		}
	}
	b.Len++
}

func makeBatch(s *Schema, from, n int) *vec.Batch {
	b := vec.NewBatch(s.Types(), n)
	for r := from; r < from+n; r++ {
		fillRow(b, s, r)
	}
	return b
}

func rowValue(v *vec.Vec, i int) any {
	if v.Nulls.IsNull(i) {
		return nil
	}
	switch v.Type.Kind {
	case vec.KindBool:
		return v.Bools()[i]
	case vec.KindInt16:
		return v.Int16s()[i]
	case vec.KindInt32, vec.KindDate:
		return v.Int32s()[i]
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		return v.Int64s()[i]
	case vec.KindFloat32:
		return math.Float32bits(v.Float32s()[i])
	case vec.KindFloat64:
		return math.Float64bits(v.Float64s()[i])
	case vec.KindText, vec.KindBytea:
		return string(v.Bytes().Get(i))
	case vec.KindInterval:
		return v.Intervals()[i]
	}
	return "?"
}

func mustSchema(t testing.TB, cols []txn.Column, part []string) *Schema {
	t.Helper()
	s, err := NewSchema(cols, part)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// readAll reads every row of a cell's projected columns as rows of values.
func readAll(t testing.TB, st objstore.Store, key string, size int64, cols []int, batch int, opts OpenOptions) [][]any {
	t.Helper()
	c, err := Open(context.Background(), st, key, size, opts)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	err = c.Scan(context.Background(), cols, nil, batch, func(b *vec.Batch) error {
		if b.Len > batch {
			t.Fatalf("batch of %d > %d", b.Len, batch)
		}
		for i := 0; i < b.Len; i++ {
			row := make([]any, len(b.Cols))
			for j, v := range b.Cols {
				row[j] = rowValue(v, i)
			}
			rows = append(rows, row)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestRoundTripAllTypes(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, allTypesSchema, nil)
	st := objstore.NewMem()
	w, err := NewWriter(st, "frames/f1", s, WriterOptions{TxnID: "tx1", RowGroupRows: 1000, PageBytes: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	const total = 5000
	var want [][]any
	for from := 0; from < total; from += 700 {
		n := min(700, total-from)
		b := makeBatch(s, from, n)
		for i := 0; i < n; i++ {
			row := make([]any, len(b.Cols))
			for j, v := range b.Cols {
				row[j] = rowValue(v, i)
			}
			want = append(want, row)
		}
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(adds) != 1 || adds[0].Rows != total || !adds[0].DataChange || !strings.HasPrefix(adds[0].Path, "data/tx1-") {
		t.Fatalf("adds: %+v", adds)
	}
	all := make([]int, len(s.Columns))
	for i := range all {
		all[i] = i
	}
	for _, opts := range []OpenOptions{{}, {WholeReadBytes: -1}} {
		got := readAll(t, st, "frames/f1/"+adds[0].Path, adds[0].Bytes, all, 333, opts)
		if len(got) != total {
			t.Fatalf("read %d rows, want %d", len(got), total)
		}
		for r := range got {
			if !reflect.DeepEqual(got[r], want[r]) {
				t.Fatalf("row %d:\n got %v\nwant %v", r, got[r], want[r])
			}
		}
	}
	c, err := Open(ctx, st, "frames/f1/"+adds[0].Path, 0, OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c.NumRowGroups() != 5 {
		t.Fatalf("%d row groups, want 5", c.NumRowGroups())
	}
	if !reflect.DeepEqual(c.Schema().Columns, s.Columns) {
		t.Fatalf("schema %+v", c.Schema().Columns)
	}
	// Projection: two columns in reverse order.
	got := readAll(t, st, "frames/f1/"+adds[0].Path, adds[0].Bytes, []int{8, 3}, 2048, OpenOptions{WholeReadBytes: -1})
	for r := range got {
		if got[r][0] != want[r][8] || got[r][1] != want[r][3] {
			t.Fatalf("projected row %d: %v", r, got[r])
		}
	}
	// Ledger stats: exact integers, NaN max for floats, truncated text.
	stats := map[string]txn.ColumnStats{}
	for _, cs := range adds[0].Stats {
		stats[cs.Column] = cs
	}
	if string(stats["i8"].Min) != "-9223372036854775808" || string(stats["i8"].Max) != "9223372036854775807" {
		t.Fatalf("i8 stats %s %s", stats["i8"].Min, stats["i8"].Max)
	}
	if string(stats["f8"].Max) != `"NaN"` || string(stats["f8"].Min) != "-1.7976931348623157e+308" {
		t.Fatalf("f8 stats %s %s", stats["f8"].Min, stats["f8"].Max)
	}
	if string(stats["f4"].Min) != `"-Infinity"` {
		t.Fatalf("f4 min %s", stats["f4"].Min)
	}
	if stats["by"].Min != nil || stats["iv"].Max != nil {
		t.Fatal("bytea/interval must carry no bounds")
	}
	var tmax string
	if err := json.Unmarshal(stats["t"].Max, &tmax); err != nil || len(tmax) > MaxStatBytes || tmax <= longText[:20] {
		t.Fatalf("text max %q (%v)", tmax, err)
	}
	nulls := 0
	for r := 0; r < total; r++ {
		if (r*7+0)%11 == 0 {
			nulls++
		}
	}
	if stats["b"].NullCount != int64(nulls) {
		t.Fatalf("null count %d want %d", stats["b"].NullCount, nulls)
	}
}

func TestSelectionAndEmptyWrites(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{{Name: "a", Type: "int8"}, {Name: "s", Type: "text"}}, nil)
	st := objstore.NewMem()
	w, _ := NewWriter(st, "p", s, WriterOptions{TxnID: "t"})
	b := vec.NewBatch(s.Types(), 10)
	for i := 0; i < 10; i++ {
		b.Cols[0].AppendInt64(int64(i))
		b.Cols[1].AppendBytes([]byte(strings.Repeat("x", i)))
	}
	b.Len = 3
	b.Sel = []int32{1, 5, 9}
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(ctx, &vec.Batch{Cols: b.Cols}); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil || len(adds) != 1 {
		t.Fatal(adds, err)
	}
	got := readAll(t, st, "p/"+adds[0].Path, 0, []int{0, 1}, 2, OpenOptions{})
	want := [][]any{{int64(1), "x"}, {int64(5), "xxxxx"}, {int64(9), "xxxxxxxxx"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	w2, _ := NewWriter(st, "p", s, WriterOptions{TxnID: "t"})
	if adds, err := w2.Close(ctx); err != nil || len(adds) != 0 {
		t.Fatalf("empty writer made %v %v", adds, err)
	}
}

func TestNotNullViolation(t *testing.T) {
	s := mustSchema(t, []txn.Column{{Name: "a", Type: "int4", NotNull: true}}, nil)
	w, _ := NewWriter(objstore.NewMem(), "p", s, WriterOptions{TxnID: "t"})
	b := vec.NewBatch(s.Types(), 1)
	b.Cols[0].AppendNull()
	b.Len = 1
	if err := w.Write(context.Background(), b); err == nil {
		t.Fatal("NULL accepted in NOT NULL column")
	}
}

func TestPartitionedWrite(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{
		{Name: "region", Type: "text"},
		{Name: "day", Type: "date"},
		{Name: "v", Type: "int8"},
	}, []string{"region", "day"})
	st := objstore.NewMem()
	w, _ := NewWriter(st, "frames/x", s, WriterOptions{TxnID: "tx9"})
	regions := []string{"EU", "a/b=c%d", "", "żółw", "\n"}
	b := vec.NewBatch(s.Types(), 100)
	counts := map[string]int{}
	for i := 0; i < 100; i++ {
		r := i % (len(regions) + 1)
		key := "NULL"
		if r == len(regions) {
			b.Cols[0].AppendNull()
		} else {
			b.Cols[0].AppendBytes([]byte(regions[r]))
			key = regions[r]
		}
		b.Cols[1].AppendInt32(int32(i % 2 * 19000))
		b.Cols[2].AppendInt64(int64(i))
		b.Len++
		counts[fmt.Sprint(key, "|", i%2*19000)]++
	}
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(adds) != len(counts) {
		t.Fatalf("%d cells for %d partitions", len(adds), len(counts))
	}
	seen := 0
	for _, a := range adds {
		if err := objstore.ValidateKey("frames/x/" + a.Path); err != nil {
			t.Fatal(err)
		}
		segs := strings.Split(a.Path, "/")
		if len(segs) != 4 || !strings.HasPrefix(segs[1], "region=") || !strings.HasPrefix(segs[2], "day=") {
			t.Fatalf("path %q", a.Path)
		}
		reg, ok := a.Partition["region"]
		if !ok {
			if segs[1] != "region="+HiveNullPartition {
				t.Fatalf("NULL partition path %q", a.Path)
			}
		} else {
			esc := strings.TrimPrefix(segs[1], "region=")
			if un, err := UnescapePartitionValue(esc); err != nil || un != reg {
				t.Fatalf("escape %q -> %q (%v), want %q", esc, un, err, reg)
			}
		}
		day := a.Partition["day"]
		if day != "1970-01-01" && day != "2022-01-08" {
			t.Fatalf("day partition text %q", day)
		}
		if strings.Contains(segs[1], "/") || strings.Count(a.Path, "=") != 2 {
			t.Fatalf("unescaped path %q", a.Path)
		}
		rows := readAll(t, st, "frames/x/"+a.Path, a.Bytes, []int{0, 1}, 64, OpenOptions{})
		if int64(len(rows)) != a.Rows {
			t.Fatalf("cell rows %d vs %d", len(rows), a.Rows)
		}
		for _, r := range rows {
			if (r[0] == nil) == ok || ok && r[0] != reg {
				t.Fatalf("row %v in partition %v", r, a.Partition)
			}
		}
		seen += len(rows)
		// Partition values prune like stats.
		bd := BoundsFromStats(s, &a)
		if MayMatch(s, bd, []Range{{Column: "region", Op: Eq, Value: String("nowhere")}}) {
			t.Fatalf("partition %v not pruned", a.Partition)
		}
		if !ok && MayMatch(s, bd, []Range{{Column: "region", Op: IsNotNull}}) {
			t.Fatal("NULL partition not pruned by IS NOT NULL")
		}
	}
	if seen != 100 {
		t.Fatalf("read %d rows", seen)
	}
}

// lineitemSchema resembles TPC-H lineitem: ints, decimals, dates, short
// strings.
var lineitemSchema = []txn.Column{
	{Name: "l_orderkey", Type: "bigint", NotNull: true},
	{Name: "l_partkey", Type: "bigint", NotNull: true},
	{Name: "l_linenumber", Type: "integer", NotNull: true},
	{Name: "l_quantity", Type: "numeric(15,2)", NotNull: true},
	{Name: "l_extendedprice", Type: "numeric(15,2)", NotNull: true},
	{Name: "l_discount", Type: "numeric(15,2)", NotNull: true},
	{Name: "l_tax", Type: "numeric(15,2)", NotNull: true},
	{Name: "l_returnflag", Type: "char(1)", NotNull: true},
	{Name: "l_linestatus", Type: "char(1)", NotNull: true},
	{Name: "l_shipdate", Type: "date", NotNull: true},
	{Name: "l_commitdate", Type: "date", NotNull: true},
	{Name: "l_receiptdate", Type: "date", NotNull: true},
	{Name: "l_shipinstruct", Type: "char(25)", NotNull: true},
	{Name: "l_shipmode", Type: "char(10)", NotNull: true},
	{Name: "l_comment", Type: "varchar(44)", NotNull: true},
}

func lineitemBatches(s *Schema, rows, batch int, seed uint64) []*vec.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	words := []string{"carefully", "final", "deposits", "sleep", "quickly", "ironic", "packages", "furiously", "regular", "accounts", "blithely", "pending"}
	instr := []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	modes := []string{"AIR", "MAIL", "SHIP", "TRUCK", "RAIL", "FOB", "REG AIR"}
	var out []*vec.Batch
	for done := 0; done < rows; done += batch {
		n := min(batch, rows-done)
		b := vec.NewBatch(s.Types(), n)
		for i := 0; i < n; i++ {
			r := done + i
			b.Cols[0].AppendInt64(int64(r/4 + 1))
			b.Cols[1].AppendInt64(rng.Int64N(200000) + 1)
			b.Cols[2].AppendInt32(int32(r%7 + 1))
			q := rng.Int64N(50) + 1
			b.Cols[3].AppendInt64(q * 100)
			b.Cols[4].AppendInt64(q * (rng.Int64N(100000) + 90000))
			b.Cols[5].AppendInt64(rng.Int64N(11))
			b.Cols[6].AppendInt64(rng.Int64N(9))
			b.Cols[7].AppendBytes([]byte{"ANR"[rng.IntN(3)]})
			b.Cols[8].AppendBytes([]byte{"OF"[rng.IntN(2)]})
			ship := int32(8036 + rng.IntN(2526))
			b.Cols[9].AppendInt32(ship)
			b.Cols[10].AppendInt32(ship + int32(rng.IntN(60)) - 30)
			b.Cols[11].AppendInt32(ship + int32(rng.IntN(30)) + 1)
			b.Cols[12].AppendBytes([]byte(instr[rng.IntN(len(instr))]))
			b.Cols[13].AppendBytes([]byte(modes[rng.IntN(len(modes))]))
			var sb []byte
			for k := rng.IntN(5) + 2; k > 0; k-- {
				sb = append(sb, words[rng.IntN(len(words))]...)
				sb = append(sb, ' ')
			}
			b.Cols[14].AppendBytes(sb[:min(len(sb)-1, 43)])
			b.Len++
		}
		out = append(out, b)
	}
	return out
}

func TestLeafcutterSplitting(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, lineitemSchema, nil)
	batches := lineitemBatches(s, 300_000, 8192, 7)
	st := objstore.NewMem()
	const target = 2 << 20
	w, _ := NewWriter(st, "big", s, WriterOptions{TxnID: "big", TargetCellBytes: target})
	for _, b := range batches {
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows, total int64
	for i, a := range adds {
		rows += a.Rows
		total += a.Bytes
		last := i == len(adds)-1
		if !last && (a.Bytes < target*7/10 || a.Bytes > target*13/10) {
			t.Errorf("cell %d: %d bytes, target %d", i, a.Bytes, target)
		}
	}
	if rows != 300_000 || len(adds) < 3 {
		t.Fatalf("%d cells, %d rows, %d bytes", len(adds), rows, total)
	}
	t.Logf("%d cells, %.2f MiB total, target %d MiB", len(adds), float64(total)/(1<<20), target>>20)

	// A small write stays one cell even when it arrives in many batches.
	w2, _ := NewWriter(st, "small", s, WriterOptions{TxnID: "small", TargetCellBytes: target})
	for _, b := range lineitemBatches(s, 20_000, 100, 8) {
		if err := w2.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	adds, err = w2.Close(ctx)
	if err != nil || len(adds) != 1 || adds[0].Rows != 20_000 {
		t.Fatalf("small write: %v %v", adds, err)
	}
}

func TestTargetCellBytes(t *testing.T) {
	const gib = 1 << 30
	cases := []struct{ budget, want int64 }{
		{0, MinCellBytes},
		{gib * 4 * 6 / 10 / 4, gib * 4 * 6 / 10 / 4 / 8}, // Pi 4 GiB, 60% for 4 bees
		{24 * gib * 6 / 10 / 2, MaxCellBytes},            // 2-core 24 GiB box
	}
	for _, c := range cases {
		if got := TargetCellBytes(c.budget); got != c.want {
			t.Errorf("TargetCellBytes(%d) = %d, want %d", c.budget, got, c.want)
		}
	}
	if n, err := TargetFromOptions(map[string]string{TargetCellSizeOption: "64MiB"}, 0); err != nil || n != 64<<20 {
		t.Fatal(n, err)
	}
	if _, err := TargetFromOptions(map[string]string{TargetCellSizeOption: "12 bananas"}, 0); err == nil {
		t.Fatal("bad size accepted")
	}
}

func TestStatTruncation(t *testing.T) {
	cases := []string{
		strings.Repeat("a", 100),
		strings.Repeat("é", 50), // 2-byte runes straddle byte 64
		strings.Repeat("🐢", 30), // 4-byte runes
		strings.Repeat("z", 63) + "\U0010FFFF" + "tail",
		strings.Repeat("\U0010FFFF", 20),         // no round-up possible
		strings.Repeat("a", 62) + "\uD7FF" + "x", // next code point skips surrogates
	}
	for _, s := range cases {
		acc := newStatsAcc(vec.KindText)
		v := vec.New(vec.Text, 1)
		v.AppendBytes([]byte(s))
		acc.addVec(v, 0, 1)
		cs, err := acc.columnStats(Column{Name: "t", Type: vec.Text})
		if err != nil {
			t.Fatal(err)
		}
		mn, err := DecodeStat(vec.Text, cs.Min)
		if err != nil {
			t.Fatal(err)
		}
		if len(mn.B) > MaxStatBytes || !bytes.HasPrefix([]byte(s), mn.B) {
			t.Errorf("%q: min %q", s, mn.B)
		}
		if cs.Max == nil {
			if !strings.HasPrefix(s, strings.Repeat("\U0010FFFF", 16)) {
				t.Errorf("%q: max omitted", s)
			}
			continue
		}
		mx, err := DecodeStat(vec.Text, cs.Max)
		if err != nil {
			t.Fatal(err)
		}
		if len(mx.B) > MaxStatBytes || bytes.Compare(mx.B, []byte(s)) < 0 {
			t.Errorf("%q: max %q below the value", s, mx.B)
		}
	}
}

func TestEncodeDecodeStat(t *testing.T) {
	cases := []struct {
		t   vec.Type
		v   Value
		enc string
	}{
		{vec.Int64, Int(math.MinInt64), "-9223372036854775808"},
		{vec.Numeric(15, 2), Int(123456), "123456"},
		{vec.Date, Int(-719528), "-719528"},
		{vec.Bool, Bool(true), "true"},
		{vec.Float64, Float(math.Copysign(0, -1)), "-0"},
		{vec.Float64, Float(0.1), "0.1"},
		{vec.Float32, Float(float64(float32(0.1))), "0.1"},
		{vec.Float64, Float(math.Inf(-1)), `"-Infinity"`},
		{vec.Text, String(`a"b\`), `"a\"b\\"`},
	}
	for _, c := range cases {
		raw, err := EncodeStat(c.t, c.v)
		if err != nil || string(raw) != c.enc {
			t.Errorf("EncodeStat(%v, %v) = %s, %v; want %s", c.t, c.v, raw, err, c.enc)
			continue
		}
		back, err := DecodeStat(c.t, raw)
		if err != nil || compare(familyOf(c.t.Kind), back, c.v) != 0 {
			t.Errorf("DecodeStat(%s) = %v, %v", raw, back, err)
		}
	}
	if raw, _ := EncodeStat(vec.Float64, Float(math.NaN())); string(raw) != `"NaN"` {
		t.Errorf("NaN %s", raw)
	}
}

// matches evaluates one predicate on one row with SQL semantics (NULL never
// matches a comparison; NaN is the largest float and equals itself).
func matches(kind vec.Kind, v *vec.Vec, i int, p Range) bool {
	null := v.Nulls.IsNull(i)
	switch p.Op {
	case IsNull:
		return null
	case IsNotNull:
		return !null
	}
	if null || p.Value.Null {
		return false
	}
	c := compare(familyOf(kind), valueAt(v, i), p.Value)
	switch p.Op {
	case Eq:
		return c == 0
	case Lt:
		return c < 0
	case Le:
		return c <= 0
	case Gt:
		return c > 0
	case Ge:
		return c >= 0
	}
	return false
}

func TestPruningRandomised(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{
		{Name: "i", Type: "int8"}, {Name: "f", Type: "float8"}, {Name: "s", Type: "text"},
		{Name: "d", Type: "date"}, {Name: "b", Type: "bool"}, {Name: "n", Type: "numeric(10,2)"},
	}, nil)
	rng := rand.New(rand.NewPCG(42, 42))
	st := objstore.NewMem()
	prefixes := []string{"", "a", strings.Repeat("m", 70), strings.Repeat("m", 64) + "n", "zz", "ż"}
	type cellData struct {
		add  txn.AddCell
		data *vec.Batch
	}
	var cells []cellData
	for k := 0; k < 60; k++ {
		n := 1 + rng.IntN(300)
		b := vec.NewBatch(s.Types(), n)
		base := rng.Int64N(1000) - 500
		spread := 1 + rng.Int64N(200)
		nullRate := []int{0, 0, 5, 100}[rng.IntN(4)]
		for r := 0; r < n; r++ {
			for c, col := range b.Cols {
				if rng.IntN(100) < nullRate {
					col.AppendNull()
					continue
				}
				x := base + rng.Int64N(spread)
				switch c {
				case 0:
					col.AppendInt64(x)
				case 1:
					switch rng.IntN(20) {
					case 0:
						col.AppendFloat64(math.NaN())
					case 1:
						col.AppendFloat64(math.Copysign(0, -1))
					default:
						col.AppendFloat64(float64(x) / 4)
					}
				case 2:
					col.AppendBytes([]byte(prefixes[rng.IntN(len(prefixes))] + fmt.Sprint(x)))
				case 3:
					col.AppendInt32(int32(x))
				case 4:
					col.AppendBool(x%2 == 0)
				case 5:
					col.AppendInt64(x * 25)
				}
			}
			b.Len++
		}
		w, _ := NewWriter(st, "r", s, WriterOptions{TxnID: fmt.Sprint("t", k), RowGroupRows: 50})
		if err := w.Write(ctx, b); err != nil {
			t.Fatal(err)
		}
		adds, err := w.Close(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cells = append(cells, cellData{adds[0], b})
	}
	pruned, rgPruned := 0, 0
	for q := 0; q < 3000; q++ {
		ci := rng.IntN(len(s.Columns))
		col := s.Columns[ci]
		p := Range{Column: col.Name, Op: Op(rng.IntN(7))}
		x := rng.Int64N(1400) - 700
		switch col.Type.Kind {
		case vec.KindFloat64:
			switch rng.IntN(10) {
			case 0:
				p.Value = Float(math.NaN())
			case 1:
				p.Value = Float(0)
			default:
				p.Value = Float(float64(x) / 4)
			}
		case vec.KindText:
			p.Value = String(prefixes[rng.IntN(len(prefixes))] + fmt.Sprint(x))
		case vec.KindBool:
			p.Value = Bool(x%2 == 0)
		case vec.KindNumeric:
			p.Value = Int(x * 25)
		default:
			p.Value = Int(x)
		}
		for _, cd := range cells {
			anyMatch := false
			for r := 0; r < cd.data.Len; r++ {
				if matches(col.Type.Kind, cd.data.Cols[ci], r, p) {
					anyMatch = true
					break
				}
			}
			if !MayMatch(s, BoundsFromStats(s, &cd.add), []Range{p}) {
				pruned++
				if anyMatch {
					t.Fatalf("cell pruned but matches: %+v stats %+v", p, cd.add.Stats[ci])
				}
			}
		}
		// Row-group level on one cell per query.
		cd := cells[q%len(cells)]
		c, err := Open(ctx, st, "r/"+cd.add.Path, cd.add.Bytes, OpenOptions{})
		if err != nil {
			t.Fatal(err)
		}
		row := 0
		for rg := 0; rg < c.NumRowGroups(); rg++ {
			n := int(c.RowGroupRows(rg))
			if !MayMatch(s, c.RowGroupBounds(rg), []Range{p}) {
				rgPruned++
				for r := row; r < row+n; r++ {
					if matches(col.Type.Kind, cd.data.Cols[ci], r, p) {
						t.Fatalf("row group %d pruned but row %d matches %+v", rg, r, p)
					}
				}
			}
			row += n
		}
	}
	if pruned == 0 || rgPruned == 0 {
		t.Fatalf("nothing pruned (%d, %d): test is vacuous", pruned, rgPruned)
	}
	t.Logf("pruned %d cell checks, %d row groups", pruned, rgPruned)
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, s := range []string{"", ".", "..", "a/b", "x=y", "100%", "tab\there", "żółw", "__HIVE_DEFAULT_PARTITION__", "a:b?c*"} {
		e := EscapePartitionValue(s)
		if strings.ContainsAny(e, "/=\t") {
			t.Errorf("%q escaped to %q", s, e)
		}
		if u, err := UnescapePartitionValue(e); err != nil || u != s {
			t.Errorf("%q -> %q -> %q (%v)", s, e, u, err)
		}
	}
}
