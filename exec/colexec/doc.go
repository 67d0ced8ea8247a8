// Package colexec holds Apiary's vectorized operators: scans, filters,
// projections, aggregation, joins, sorts, limits and windows. Operators pull
// vec batches from their inputs (Operator.Next) and work on typed column
// slices with selection vectors; the planner (exec/plan) assembles them.
//
// Parallelism is morsel driven: a Parallel operator runs one copy of a
// pipeline per bee, the copies pull row groups from a shared cursor, and the
// pipeline breakers above (final aggregation, sort merge, join probe) combine
// their outputs. Operators that hold memory account it in the query's Memory
// (the mason bee's chamber); going over the budget fails the query with
// SQLSTATE 53200 while the server keeps serving others.
//
// Numbers are summed exactly: sum and avg over bigint and numeric add in
// 128 bits and give numeric values held as decimal.Decimal (vec.KindDecimal),
// avg dividing with PostgreSQL's own rule, so results match PostgreSQL's
// digit for digit (up to decimal's 38 digits). Decimal values carry their
// own scales: keys hash and compare them by value (1.5 equals 1.50), and a
// group's key is shown as the first of its rows wrote it.
//
// Imports: exec/vec, exec/decimal, exec/expr, exec/cell, txn (cell
// descriptions), objstore, sqlerr, internal/hugepage (large hash tables).
package colexec
