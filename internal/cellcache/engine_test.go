package cellcache_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apiarydb/apiary/exec"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/internal/cellcache"
	"github.com/apiarydb/apiary/objstore"
)

// cellReads counts the reads of cells that reach storage.
type cellReads struct {
	objstore.Store
	n atomic.Int64
}

func (s *cellReads) Get(ctx context.Context, key string) ([]byte, error) {
	if strings.HasSuffix(key, ".parquet") {
		s.n.Add(1)
	}
	return s.Store.Get(ctx, key)
}

func (s *cellReads) GetRange(ctx context.Context, key string, off, n int64) ([]byte, error) {
	if strings.HasSuffix(key, ".parquet") {
		s.n.Add(1)
	}
	return s.Store.GetRange(ctx, key, off, n)
}

// A query's second run reads its cells from the cache, not from storage,
// and returns the same rows.
func TestEngineReadsCellsThroughCache(t *testing.T) {
	ctx := context.Background()
	storage := &cellReads{Store: objstore.NewMem()}
	cache, err := cellcache.Open(ctx, storage, cellcache.Config{Dir: t.TempDir(), MaxBytes: 64 << 20})
	if err != nil {
		t.Fatal(err)
	}
	eng, err := exec.NewEngine(ctx, cache, exec.Config{Node: "cache-test", ColonySampleInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	s, err := eng.NewSession(ctx, "apiary", "")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	run := func(sql string) string {
		t.Helper()
		var out strings.Builder
		err := s.ExecSimple(ctx, sql, func(r exec.Result) error {
			if r.Rows == nil {
				return nil
			}
			defer r.Rows.Close()
			for {
				b, err := r.Rows.Next(ctx)
				if err != nil || b == nil || b.Len == 0 {
					return err
				}
				for i := 0; i < b.Len; i++ {
					for _, c := range b.Cols {
						out.Write(vec.AppendText(nil, c, b.Row(i), time.UTC))
						out.WriteByte('|')
					}
					out.WriteByte('\n')
				}
			}
		})
		if err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return out.String()
	}
	run("CREATE TABLE combs (id int, region text) WITH (partition_by = 'region')")
	run("INSERT INTO combs VALUES (1, 'north'), (2, 'south'), (3, 'north')")
	run("INSERT INTO combs VALUES (4, 'east')")

	const query = "SELECT region, count(*), sum(id) FROM combs GROUP BY region ORDER BY region"
	first := run(query)
	if want := "east|1|4|\nnorth|2|4|\nsouth|1|2|\n"; first != want {
		t.Fatalf("first run:\n%s\nwant\n%s", first, want)
	}
	afterFirst := storage.n.Load()
	if afterFirst == 0 {
		t.Fatal("the first query read no cell from storage")
	}
	second := run(query)
	if first != second {
		t.Errorf("results differ:\nfirst  %s\nsecond %s", first, second)
	}
	if n := storage.n.Load() - afterFirst; n != 0 {
		t.Errorf("the second query read cells %d times from storage, want 0", n)
	}
	st := cache.Stats()
	if st.Cells != 3 || st.Fetches != 3 || st.Hits == 0 {
		t.Errorf("cache stats after two queries over three cells: %+v", st)
	}
	for _, k := range cache.Keys() {
		if !cellcache.IsCellKey(k) || strings.Contains(k, "_ledger") {
			t.Errorf("cached a key that is not a cell: %s", k)
		}
	}
}
