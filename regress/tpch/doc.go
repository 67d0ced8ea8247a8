// Package tpch generates TPC-H data and holds the 22 TPC-H queries.
//
// The generator follows the value rules of the TPC-H specification (clause
// 4.2.3: cardinalities, key relationships, ranges, word lists, dates and
// derived columns) but is written from the specification, not from dbgen:
// its random streams differ, so rows are not byte-identical to dbgen's and
// query answers are not the official ones. What differs is listed in
// docs/tpch.md. Output is deterministic: the same scale factor gives the same
// bytes on every run and machine, because every (table, column, row) draws
// from its own seeded stream.
//
// Entry points: Tables and DDL for the schema, Generate for CSV (PostgreSQL
// COPY ... CSV compatible) or dbgen-style pipe-separated output, Rows for a
// row callback, Count for exact cardinalities, Queries for the SQL text.
package tpch
