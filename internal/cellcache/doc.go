// Package cellcache keeps copies of cells (the Parquet objects of frames) on
// the node's local disk, bounded in bytes and evicted least recently used
// first, so that a cell read again is served from a local file rather than
// from object storage.
//
// A Cache is an objstore.Store that wraps another. Only cell keys are cached
// (IsCellKey: "frames/…/*.parquet", no segment starting with "_"); ledgers,
// checkpoints, transaction records, heartbeats and anything else go straight
// to the wrapped store, as do every write and List and Stat. Cells are
// written once under a key that is never reused (txn.AddCell.Path), so a
// local copy never goes stale and needs no validation against storage; a
// Put or Delete of a cell key drops the local copy all the same.
//
// On a miss the whole object is fetched once (concurrent misses of one key
// share that fetch) in bounded ranges into a temporary file, which is
// fsynced, checked against the bytes fetched and renamed into place: a file
// under the cache's cells directory is always complete, and a crash leaves
// at most temporary files, removed at the next Open. Open rebuilds the index
// from the directory, oldest modification time first, so entries survive a
// restart with their recency. Eviction unlinks files; readers that have a
// file open keep reading it (Linux keeps an unlinked file's data until its
// last descriptor closes).
//
// Local disk failures never fail a read: the cache logs them and serves the
// request from the wrapped store. Errors of the wrapped store are returned
// as it returned them (errors.Is works on them).
//
// Layout under Config.Dir:
//
//	cells/<key>   one complete cell per object key, path segments as directories
//	tmp/          fetches in progress; emptied at Open
//	lock          flock(2)ed while a Cache is open: one process per directory (ErrLocked)
//
// Usage:
//
//	c, err := cellcache.Open(ctx, store, cellcache.Config{Dir: dir, MaxBytes: 4 << 30})
//	eng, err := exec.NewEngine(ctx, c, cfg) // scans read cells through c
//	count, bytes := c.Summary()             // for the heartbeat
//
// The package imports objstore and the standard library only.
package cellcache
