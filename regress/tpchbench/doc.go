// Package tpchbench measures Apiary against PostgreSQL 15 on the 22 TPC-H
// queries, over the wire, on the same generated data and machine.
//
// BenchmarkTPCH times every query on both systems (make bench; compare
// runs with benchstat). TestTPCHReport (APIARY_TPCH_REPORT=1) prints the
// table docs/performance.md keeps: per-query medians, ratios and whether
// Apiary's answer equals PostgreSQL's under the differential suite's rules,
// with the geometric mean of the ratios, and writes the same figures as
// JSON to APIARY_TPCH_JSON. TestConcurrencyReport runs N clients
// (APIARY_CONC_CLIENTS, default 8) of short queries for 10 s against each
// system: queries per second, p50 and p99.
//
// APIARY_TPCH_SF sets the scale factor (default 1); APIARY_TPCH_MEMLIMIT
// (e.g. 1GiB) limits the Go heap with debug.SetMemoryLimit and sizes the
// bees' chambers to share it, for the small-machine run.
package tpchbench
