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
// Imports: exec/vec, exec/expr, exec/cell, txn (cell descriptions),
// objstore, sqlerr, internal/hugepage (large hash tables).
package colexec
