package metrics

import "sync/atomic"

// CellCacheTotals are the local cell cache's counters (cellcache.Stats):
// Hits, Misses, Fetches, FetchedBytes and Evictions since start, Cells and
// Bytes held now, MaxBytes its bound.
type CellCacheTotals struct {
	Hits, Misses, Fetches, FetchedBytes, Evictions int64
	Cells, Bytes, MaxBytes                         int64
}

// SetCellCache installs what the cell cache's collectors read at each
// scrape; read must be quick and safe for concurrent use. Until it is
// called (a node without a cache) they read 0.
func (m *Metrics) SetCellCache(read func() CellCacheTotals) { m.cellCache.Store(&read) }

// registerCellCache registers the cell cache's collectors, reading src.
func registerCellCache(f factory, src *atomic.Pointer[func() CellCacheTotals]) {
	value := func(field func(CellCacheTotals) int64) func() float64 {
		return loaded(src, func(read *func() CellCacheTotals) int64 { return field((*read)()) })
	}
	counter := func(name, help string, field func(CellCacheTotals) int64) { f.counterOf(name, help, value(field)) }
	gauge := func(name, help string, field func(CellCacheTotals) int64) { f.gaugeOf(name, help, value(field)) }
	counter("apiary_cell_cache_hits_total", "Cell reads served from the local cell cache.",
		func(t CellCacheTotals) int64 { return t.Hits })
	counter("apiary_cell_cache_misses_total", "Cell reads that found no local copy.",
		func(t CellCacheTotals) int64 { return t.Misses })
	counter("apiary_cell_cache_fetches_total", "Cells fetched from storage into the local cell cache.",
		func(t CellCacheTotals) int64 { return t.Fetches })
	counter("apiary_cell_cache_fetched_bytes_total", "Bytes of cells fetched from storage into the local cell cache.",
		func(t CellCacheTotals) int64 { return t.FetchedBytes })
	counter("apiary_cell_cache_evictions_total", "Cells evicted from the local cell cache to stay within its bound.",
		func(t CellCacheTotals) int64 { return t.Evictions })
	gauge("apiary_cell_cache_cells", "Cells held in the local cell cache.",
		func(t CellCacheTotals) int64 { return t.Cells })
	gauge("apiary_cell_cache_bytes", "Bytes of cells held in the local cell cache.",
		func(t CellCacheTotals) int64 { return t.Bytes })
	gauge("apiary_cell_cache_max_bytes", "The local cell cache's bound in bytes (node.cache_size); 0 when off.",
		func(t CellCacheTotals) int64 { return t.MaxBytes })
}
