package cell

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
	"github.com/apiarydb/apiary/txn"
)

// pagesSchema covers every type, nullable and NOT NULL, with text and bytea
// both repetitive (the writer picks a dictionary) and distinct (PLAIN).
var pagesSchema = []txn.Column{
	{Name: "b", Type: "boolean"},
	{Name: "bn", Type: "boolean", NotNull: true},
	{Name: "i2", Type: "smallint"},
	{Name: "i4", Type: "integer"},
	{Name: "i4n", Type: "integer", NotNull: true},
	{Name: "i8", Type: "bigint"},
	{Name: "i8n", Type: "bigint", NotNull: true},
	{Name: "n152", Type: "numeric(15,2)"},
	{Name: "n180", Type: "numeric(18,0)", NotNull: true},
	{Name: "n105", Type: "numeric(10,5)"},
	{Name: "nu", Type: "numeric"},
	{Name: "f4", Type: "real"},
	{Name: "f8", Type: "double precision"},
	{Name: "f8n", Type: "double precision", NotNull: true},
	{Name: "t_dict", Type: "text"},
	{Name: "t_plain", Type: "text"},
	{Name: "t_plain_nn", Type: "varchar(300)", NotNull: true},
	{Name: "by_dict", Type: "bytea"},
	{Name: "by_plain", Type: "bytea"},
	{Name: "d", Type: "date"},
	{Name: "ts", Type: "timestamp"},
	{Name: "tz", Type: "timestamptz", NotNull: true},
	{Name: "iv", Type: "interval"},
	{Name: "all_null", Type: "bigint"},
	{Name: "t_all_null", Type: "text"},
}

// randomPagesBatch makes n rows of pagesSchema. nullRate is the chance of a
// NULL in nullable columns; NULLs also come in runs, so that some pages hold
// none and some only NULLs.
func randomPagesBatch(rng *rand.Rand, s *Schema, n int, nullRate float64) *vec.Batch {
	words := []string{"", "a", "żółw", "DELIVER IN PERSON", strings.Repeat("long", 80), "x\x00y"}
	b := vec.NewBatch(s.Types(), n)
	burst := 0
	for r := 0; r < n; r++ {
		if burst > 0 {
			burst--
		} else if rng.IntN(500) == 0 {
			burst = rng.IntN(3000)
		}
		for c, col := range b.Cols {
			name := s.Columns[c].Name
			if strings.HasSuffix(name, "all_null") {
				col.AppendNull()
				continue
			}
			if !s.Columns[c].NotNull && (burst > 0 && c%3 == 0 || rng.Float64() < nullRate) {
				col.AppendNull()
				continue
			}
			switch col.Type.Kind {
			case vec.KindBool:
				col.AppendBool(rng.IntN(3) == 0)
			case vec.KindInt16:
				col.AppendInt16(int16(rng.Uint32()))
			case vec.KindInt32, vec.KindDate:
				x := int32(rng.Uint32())
				if rng.IntN(4) == 0 {
					x = []int32{math.MinInt32, math.MaxInt32, 0, -1}[rng.IntN(4)]
				}
				col.AppendInt32(x)
			case vec.KindInt64, vec.KindTimestamp, vec.KindTimestampTZ:
				x := int64(rng.Uint64())
				if rng.IntN(4) == 0 {
					x = []int64{math.MinInt64, math.MaxInt64, 0, int64(r)}[rng.IntN(4)]
				}
				col.AppendInt64(x)
			case vec.KindNumeric:
				limit := int64(math.Pow10(int(min(col.Type.Precision, 18))))
				if col.Type.Precision == 0 {
					limit = math.MaxInt64
				}
				col.AppendInt64(rng.Int64N(limit) * (1 - 2*int64(rng.IntN(2))))
			case vec.KindFloat32:
				x := float32(rng.NormFloat64() * 1e6)
				if rng.IntN(8) == 0 {
					x = []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1)), 0, math.MaxFloat32}[rng.IntN(6)]
				}
				col.AppendFloat32(x)
			case vec.KindFloat64:
				x := rng.NormFloat64() * 1e9
				if rng.IntN(8) == 0 {
					x = []float64{math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1), math.SmallestNonzeroFloat64, -math.MaxFloat64}[rng.IntN(6)]
				}
				col.AppendFloat64(x)
			case vec.KindText, vec.KindBytea:
				var v []byte
				if strings.Contains(name, "dict") {
					v = []byte(words[rng.IntN(len(words))])
				} else {
					v = make([]byte, rng.IntN(40))
					for k := range v {
						v[k] = byte('a' + rng.IntN(26))
					}
					switch rng.IntN(20) {
					case 0:
						v = v[:0]
					case 1:
						v = bytes.Repeat(v[:min(len(v), 7)], 40)
					}
				}
				col.AppendBytes(v)
			case vec.KindInterval:
				col.AppendInterval(vec.Interval{Months: int32(rng.Uint32()), Days: int32(rng.Uint32()), Micros: int64(rng.Uint64())})
			}
		}
		b.Len++
	}
	return b
}

// writePagesCell writes rows of random data into one cell and returns its key.
func writePagesCell(t testing.TB, st objstore.Store, s *Schema, rng *rand.Rand, rows int, nullRate float64, opts WriterOptions) string {
	t.Helper()
	ctx := context.Background()
	opts.TxnID = "pages"
	opts.TargetCellBytes = MaxCellBytes
	w, err := NewWriter(st, "p", s, opts)
	if err != nil {
		t.Fatal(err)
	}
	for done := 0; done < rows; {
		n := min(rows-done, 1+rng.IntN(5000))
		if err := w.Write(ctx, randomPagesBatch(rng, s, n, nullRate)); err != nil {
			t.Fatal(err)
		}
		done += n
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(adds) != 1 {
		t.Fatalf("%d cells", len(adds))
	}
	return "p/" + adds[0].Path
}

// sameVec reports the first difference between two decoded columns of n
// rows: NULL marks, values (floats by bits) and, for byte columns, the
// offsets as well.
func sameVec(a, b *vec.Vec, n int) error {
	for i := 0; i < n; i++ {
		if a.Nulls.IsNull(i) != b.Nulls.IsNull(i) {
			return fmt.Errorf("row %d: NULL %v vs %v", i, a.Nulls.IsNull(i), b.Nulls.IsNull(i))
		}
	}
	if a.Len() != n || b.Len() != n {
		return fmt.Errorf("lengths %d and %d, want %d", a.Len(), b.Len(), n)
	}
	diff := func(i int, x, y any) error { return fmt.Errorf("row %d: %v vs %v", i, x, y) }
	switch a.Type.Kind {
	case vec.KindBool:
		for i, x := range a.Bools() {
			if y := b.Bools()[i]; x != y {
				return diff(i, x, y)
			}
		}
	case vec.KindInt16:
		for i, x := range a.Int16s() {
			if y := b.Int16s()[i]; x != y {
				return diff(i, x, y)
			}
		}
	case vec.KindInt32, vec.KindDate:
		for i, x := range a.Int32s() {
			if y := b.Int32s()[i]; x != y {
				return diff(i, x, y)
			}
		}
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		for i, x := range a.Int64s() {
			if y := b.Int64s()[i]; x != y {
				return diff(i, x, y)
			}
		}
	case vec.KindFloat32:
		for i, x := range a.Float32s() {
			if y := b.Float32s()[i]; math.Float32bits(x) != math.Float32bits(y) {
				return diff(i, x, y)
			}
		}
	case vec.KindFloat64:
		for i, x := range a.Float64s() {
			if y := b.Float64s()[i]; math.Float64bits(x) != math.Float64bits(y) {
				return diff(i, x, y)
			}
		}
	case vec.KindInterval:
		for i, x := range a.Intervals() {
			if y := b.Intervals()[i]; x != y {
				return diff(i, x, y)
			}
		}
	case vec.KindText, vec.KindBytea:
		x, y := a.Bytes(), b.Bytes()
		if len(x.Offsets) != n+1 || len(y.Offsets) != n+1 {
			return fmt.Errorf("%d and %d offsets for %d rows", len(x.Offsets), len(y.Offsets), n)
		}
		for i := range x.Offsets {
			if x.Offsets[i] != y.Offsets[i] {
				return fmt.Errorf("offset %d: %d vs %d", i, x.Offsets[i], y.Offsets[i])
			}
		}
		if !bytes.Equal(x.Data[:x.Offsets[n]], y.Data[:y.Offsets[n]]) {
			return fmt.Errorf("byte data differs")
		}
	default:
		return fmt.Errorf("no comparison for %s", a.Type)
	}
	return nil
}

// pageTally counts the data pages decoded by each path over a read.
type pageTally struct{ fast, slow map[string]int }

// compareRowGroups reads every row group of the cell under key with the
// fast page reader and with parquet-go alone, batch by batch, and fails on
// the first difference. It returns how the fast read's pages were decoded.
func compareRowGroups(t *testing.T, st objstore.Store, key string, opts OpenOptions, batchSize int) pageTally {
	t.Helper()
	ctx := context.Background()
	fast, err := Open(ctx, st, key, 0, opts)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := Open(ctx, st, key, 0, opts)
	if err != nil {
		t.Fatal(err)
	}
	slow.parquetGoPages = true
	cols := allColumns(fast.Schema())
	tally := pageTally{fast: map[string]int{}, slow: map[string]int{}}
	for rg := 0; rg < fast.NumRowGroups(); rg++ {
		fr, err := fast.ReadRowGroup(ctx, rg, cols, batchSize)
		if err != nil {
			t.Fatal(err)
		}
		sr, err := slow.ReadRowGroup(ctx, rg, cols, batchSize)
		if err != nil {
			t.Fatal(err)
		}
		for row := 0; ; {
			fb, err := fr.Next()
			if err != nil {
				t.Fatalf("row group %d row %d: fast reader: %v", rg, row, err)
			}
			sb, err := sr.Next()
			if err != nil {
				t.Fatalf("row group %d row %d: parquet-go: %v", rg, row, err)
			}
			if fb.Len != sb.Len {
				t.Fatalf("row group %d row %d: batches of %d and %d rows", rg, row, fb.Len, sb.Len)
			}
			if fb.Len == 0 {
				break
			}
			for ci := range fb.Cols {
				if err := sameVec(fb.Cols[ci], sb.Cols[ci], fb.Len); err != nil {
					t.Fatalf("row group %d, batch at row %d, column %s: %v", rg, row, fast.Schema().Columns[ci].Name, err)
				}
			}
			row += fb.Len
		}
		for ci, c := range fr.cols {
			name := fast.Schema().Columns[ci].Name
			tally.fast[name] += c.fastPages
			tally.slow[name] += c.slowPages
			if sr.cols[ci].fastPages != 0 {
				t.Fatalf("column %s: the parquet-go reference decoded %d pages itself", name, sr.cols[ci].fastPages)
			}
		}
		fr.Close()
		sr.Close()
	}
	return tally
}

// TestFastPagesMatchParquetGo is the differential test of the fast page
// reader: random cells of every type, with and without NULLs, dictionary
// and PLAIN columns, many small pages and few large ones, read whole and by
// ranges, must decode to exactly the batches parquet-go's path gives.
func TestFastPagesMatchParquetGo(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	s := mustSchema(t, pagesSchema, nil)
	cases := []struct {
		name     string
		rows     int
		nullRate float64
		opts     WriterOptions
	}{
		{"small pages, NULLs", 20_000, 0.2, WriterOptions{PageBytes: 1 << 10, RowGroupRows: 7_000}},
		{"small pages, no NULLs", 12_000, 0, WriterOptions{PageBytes: 2 << 10, RowGroupRows: 5_000}},
		{"mid pages, rare NULLs", 30_000, 0.01, WriterOptions{PageBytes: 64 << 10, RowGroupRows: 16_000}},
		{"default pages, many NULLs", 40_000, 0.7, WriterOptions{}},
		{"tiny row groups", 2_000, 0.3, WriterOptions{PageBytes: 512, RowGroupRows: 333}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			st := objstore.NewMem()
			key := writePagesCell(t, st, s, rng, tc.rows, tc.nullRate, tc.opts)
			for _, opts := range []OpenOptions{{}, {WholeReadBytes: -1}} {
				batch := []int{1, 7, 1000, DefaultBatchSize, 5000}[rng.IntN(5)]
				tally := compareRowGroups(t, st, key, opts, batch)
				for _, col := range pagesSchema {
					fast, slow := tally.fast[col.Name], tally.slow[col.Name]
					if slow != 0 || fast == 0 {
						t.Errorf("column %s: %d pages decoded fast, %d by parquet-go", col.Name, fast, slow)
					}
				}
			}
		})
	}
}

// TestFastPagesNullPages covers pages holding only NULLs in columns that
// are not dictionary-encoded (the writer picks the encoding from values
// seen first), and a column chunk of NULLs only.
func TestFastPagesNullPages(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, []txn.Column{
		{Name: "t", Type: "text"}, {Name: "i", Type: "bigint"}, {Name: "b", Type: "boolean"},
		{Name: "iv", Type: "interval"}, {Name: "none", Type: "double precision"},
	}, nil)
	st := objstore.NewMem()
	w, err := NewWriter(st, "n", s, WriterOptions{TxnID: "n", PageBytes: 1 << 10, RowGroupRows: 30_000})
	if err != nil {
		t.Fatal(err)
	}
	b := vec.NewBatch(s.Types(), 0)
	for r := 0; r < 25_000; r++ {
		// Values at first, then long stretches of NULLs, then values again.
		if r < 5_000 || r >= 20_000 {
			b.Cols[0].AppendBytes([]byte(fmt.Sprint("v", r)))
			b.Cols[1].AppendInt64(int64(r))
			b.Cols[2].AppendBool(r%2 == 0)
			b.Cols[3].AppendInterval(vec.Interval{Days: int32(r)})
		} else {
			for c := 0; c < 4; c++ {
				b.Cols[c].AppendNull()
			}
		}
		b.Cols[4].AppendNull()
		b.Len++
	}
	if err := w.Write(ctx, b); err != nil {
		t.Fatal(err)
	}
	adds, err := w.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tally := compareRowGroups(t, st, "n/"+adds[0].Path, OpenOptions{}, 999)
	if tally.slow["t"] != 0 || tally.fast["t"] < 5 || tally.fast["none"] == 0 {
		t.Fatalf("pages fast %v, by parquet-go %v", tally.fast, tally.slow)
	}
}

// TestFastPagesConcurrentScans has bees share one open cell, as scans do,
// each reading row groups with pooled buffers: run with -race, it checks
// that no reader writes into the shared chunk bytes or into buffers another
// still uses.
func TestFastPagesConcurrentScans(t *testing.T) {
	ctx := context.Background()
	s := mustSchema(t, pagesSchema, nil)
	st := objstore.NewMem()
	rng := rand.New(rand.NewPCG(17, 17))
	key := writePagesCell(t, st, s, rng, 24_000, 0.2, WriterOptions{PageBytes: 4 << 10, RowGroupRows: 5_000})
	cols := allColumns(s)
	for _, opts := range []OpenOptions{{}, {WholeReadBytes: -1}} {
		want := readAll(t, st, key, 0, cols, 700, opts)
		c, err := Open(ctx, st, key, 0, opts)
		if err != nil {
			t.Fatal(err)
		}
		const bees = 4
		errs := make(chan error, bees)
		for bee := range bees {
			go func() {
				errs <- func() error {
					for round := range 3 {
						for i := range c.NumRowGroups() {
							rg := (i + bee + round) % c.NumRowGroups()
							r, err := c.ReadRowGroup(ctx, rg, cols, 700)
							if err != nil {
								return err
							}
							row := 0
							for rg2 := range rg {
								row += int(c.RowGroupRows(rg2))
							}
							for {
								b, err := r.Next()
								if err != nil {
									r.Close()
									return err
								}
								if b.Len == 0 {
									break
								}
								for i := 0; i < b.Len; i++ {
									for j, v := range b.Cols {
										if got := rowValue(v, i); got != want[row+i][j] {
											r.Close()
											return fmt.Errorf("bee %d row %d column %s: %v, want %v", bee, row+i, s.Columns[j].Name, got, want[row+i][j])
										}
									}
								}
								row += b.Len
							}
							r.Close()
						}
					}
					return nil
				}()
			}()
		}
		for range bees {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
	}
}
