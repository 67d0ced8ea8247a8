// Package metrics holds a node's Prometheus collectors: statements, scans,
// commits, storage requests, bee memory, connections and colony
// temperature, with the Go runtime and process collectors.
// docs/operations.md ("Metrics and health") lists every metric with its
// type, labels and meaning.
//
// The collectors live on a registry of their own, not Prometheus's global
// default, so that one process (a test) can hold several independent sets.
//
// The packages that produce the figures import neither this package nor
// Prometheus. They offer hooks, and `apiary serve` (cmd/apiary/serve_ops.go)
// plugs the methods here into them:
//
//	m := metrics.New(version)
//	store = m.InstrumentStore(store)               // storage requests, errors, latency
//	engCfg.Txn.OnCommit = m.CommitEnded            // commits and conflicts
//	engCfg.StorageCounters = m.StorageCounters     // the colony's storage error rate
//	srvCfg.ConnObserver = m                        // connections
//	eng.OnQueryFinished(func(r exec.QueryRecord) { m.QueryFinished(...) })
//	m.SetEngine(metrics.EngineSource{...})         // figures read at each scrape
//
// Counters that the engine keeps anyway (statements started, bytes
// scanned) and gauges of its state (memory in use, temperature) are read
// through EngineSource when Prometheus scrapes, rather than copied on
// every change.
//
// Every method is safe for concurrent use.
//
// Imports: objstore, Prometheus's client and the standard library.
package metrics
