// Package swarmbench measures what distributing a query costs: TPC-H on
// one node against the same queries cut over three node processes on one
// machine, and the fixed overhead of one distributed query on MinIO.
//
// TestSwarmReport (APIARY_SWARM_REPORT=1; make bench-swarm) prints the
// tables docs/performance.md keeps under "Swarm":
//
//   - TPC-H at APIARY_SWARM_SF (default 0.1): node a alone loads the data
//     and runs each query with apiary.distribution = 'never'; then nodes b
//     and c join on the same directory and a runs each query with
//     'always'. Per query: the medians of APIARY_SWARM_RUNS runs (default
//     3, after one warm-up run), their ratio, how many tasks the query
//     made, and whether the distributed answer equals the local one.
//   - MinIO: three nodes on one bucket; a tiny aggregate over a small
//     frame run 30 times each way: the median and 90th percentile in ms,
//     and the storage requests per query, read from every node's
//     apiary_storage_requests_total with the idle nodes' own polling
//     (heartbeats, task listings) measured first and subtracted.
//
// The nodes are real `apiary serve` processes: APIARY_BIN names the
// binary (make bench-swarm passes bin/apiary), otherwise the test builds
// one. They run with the default swarm timings (50 ms polls, 2 s
// heartbeats) unless APIARY_SWARM_POLL sets swarm.poll_interval. On a
// machine with two cores the swarm cannot be faster than one node: the
// three processes share the cores, so the figures are the overhead of
// distribution, not its gain.
package swarmbench
