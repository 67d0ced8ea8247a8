package metrics

import "testing"

func TestCellCacheCollectors(t *testing.T) {
	m := New("test")
	if got := value(t, m, "apiary_cell_cache_hits_total"); got != 0 {
		t.Errorf("hits before SetCellCache = %v, want 0", got)
	}
	m.SetCellCache(func() CellCacheTotals {
		return CellCacheTotals{Hits: 7, Misses: 3, Fetches: 2, FetchedBytes: 900, Evictions: 1, Cells: 4, Bytes: 1200, MaxBytes: 4096}
	})
	for name, want := range map[string]float64{
		"apiary_cell_cache_hits_total":          7,
		"apiary_cell_cache_misses_total":        3,
		"apiary_cell_cache_fetches_total":       2,
		"apiary_cell_cache_fetched_bytes_total": 900,
		"apiary_cell_cache_evictions_total":     1,
		"apiary_cell_cache_cells":               4,
		"apiary_cell_cache_bytes":               1200,
		"apiary_cell_cache_max_bytes":           4096,
	} {
		if got := value(t, m, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
