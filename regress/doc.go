// Package regress holds Apiary's correctness and speed harness: the TPC-H
// generator, differential tests against PostgreSQL 15, a sqllogictest runner
// over the wire, and the benchmarks behind docs/performance.md.
package regress
