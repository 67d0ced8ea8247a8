package cell

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/objstore"
)

// The benchmarks report MB/s of decoded (in-memory vec) bytes for cell
// write and read of a lineitem-like data set, and MB/s for a plain file
// write/read of the encoded cell bytes to a temp dir, so the ratio between
// the two is meaningful on the machine at hand:
//
//	go test ./exec/cell/ -run '^$' -bench . -benchtime 3x

const benchRows = 1 << 20

func benchData(b *testing.B) (*Schema, []*vec.Batch, int64) {
	s := mustSchema(b, lineitemSchema, nil)
	batches := lineitemBatches(s, benchRows, 8192, 1)
	var decoded int64
	for _, bt := range batches {
		for _, c := range bt.Cols {
			decoded += appendRows(vec.New(c.Type, 0), c, 0, bt.Len)
		}
	}
	return s, batches, decoded
}

func writeCells(b *testing.B, st objstore.Store, s *Schema, batches []*vec.Batch) []string {
	ctx := context.Background()
	w, err := NewWriter(st, "bench", s, WriterOptions{TxnID: "bench", TargetCellBytes: MaxCellBytes})
	if err != nil {
		b.Fatal(err)
	}
	for _, bt := range batches {
		if err := w.Write(ctx, bt); err != nil {
			b.Fatal(err)
		}
	}
	adds, err := w.Close(ctx)
	if err != nil {
		b.Fatal(err)
	}
	keys := make([]string, len(adds))
	for i, a := range adds {
		keys[i] = "bench/" + a.Path
	}
	return keys
}

func BenchmarkCellWrite(b *testing.B) {
	s, batches, decoded := benchData(b)
	b.SetBytes(decoded)
	b.ReportAllocs()
	for b.Loop() {
		writeCells(b, objstore.NewMem(), s, batches)
	}
}

func BenchmarkCellRead(b *testing.B) {
	s, batches, decoded := benchData(b)
	st := objstore.NewMem()
	keys := writeCells(b, st, s, batches)
	cols := make([]int, len(s.Columns))
	for i := range cols {
		cols[i] = i
	}
	b.SetBytes(decoded)
	b.ReportAllocs()
	for b.Loop() {
		scanCells(b, st, keys, cols, false)
	}
}

// scanCells scans every column of the cells under keys, through parquet-go's
// page path alone when parquetGo is set.
func scanCells(b *testing.B, st objstore.Store, keys []string, cols []int, parquetGo bool) {
	ctx := context.Background()
	rows := 0
	for _, k := range keys {
		c, err := Open(ctx, st, k, 0, OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		c.parquetGoPages = parquetGo
		if err := c.Scan(ctx, cols, nil, DefaultBatchSize, func(bt *vec.Batch) error {
			rows += bt.Len
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	if rows != benchRows {
		b.Fatalf("read %d rows", rows)
	}
}

// BenchmarkCellReadPages scans the same cell as BenchmarkCellRead from an
// in-memory and a local-directory store, with the fast page reader and with
// parquet-go's page path (the reference it replaces), to compare time and,
// above all on a noisy machine, B/op and allocs/op:
//
//	go test ./exec/cell/ -run '^$' -bench CellReadPages -benchmem -count 5
func BenchmarkCellReadPages(b *testing.B) {
	ctx := context.Background()
	s, batches, decoded := benchData(b)
	mem := objstore.NewMem()
	keys := writeCells(b, mem, s, batches)
	local, err := objstore.OpenLocal(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range keys {
		data, _ := mem.Get(ctx, k)
		if err := local.Put(ctx, k, data); err != nil {
			b.Fatal(err)
		}
	}
	cols := make([]int, len(s.Columns))
	for i := range cols {
		cols[i] = i
	}
	stores := []struct {
		name string
		st   objstore.Store
	}{{"mem", mem}, {"local", local}}
	for _, store := range stores {
		for _, parquetGo := range []bool{false, true} {
			name := store.name + "/fast"
			if parquetGo {
				name = store.name + "/parquet-go"
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(decoded)
				b.ReportAllocs()
				for b.Loop() {
					scanCells(b, store.st, keys, cols, parquetGo)
				}
			})
		}
	}
}

// BenchmarkRawFileCopy writes and reads back the encoded cell bytes as plain
// files: the floor any cell write/read path is compared with. Its MB/s are
// of encoded bytes; the cells' compression ratio is reported alongside.
func BenchmarkRawFileCopy(b *testing.B) {
	ctx := context.Background()
	s, batches, decoded := benchData(b)
	st := objstore.NewMem()
	keys := writeCells(b, st, s, batches)
	var data [][]byte
	var encoded int64
	for _, k := range keys {
		d, _ := st.Get(ctx, k)
		data = append(data, d)
		encoded += int64(len(d))
	}
	dir := b.TempDir()
	b.Logf("%d cells, %d encoded bytes for %d decoded (ratio %.2f)", len(data), encoded, decoded, float64(decoded)/float64(encoded))
	b.Run("write", func(b *testing.B) {
		b.SetBytes(encoded)
		for b.Loop() {
			for i, d := range data {
				if err := os.WriteFile(filepath.Join(dir, string(rune('a'+i))), d, 0o644); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("read", func(b *testing.B) {
		b.SetBytes(encoded)
		for b.Loop() {
			for i := range data {
				if _, err := os.ReadFile(filepath.Join(dir, string(rune('a'+i)))); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}
