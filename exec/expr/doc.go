// Package expr evaluates scalar SQL expressions over vec batches.
//
// An Expr is an immutable, typed tree the planner builds once per query and
// every bee shares. Evaluation state lives in a Ctx, one per operator
// instance: it holds the session settings the values depend on (time zone,
// statement time) and an arena of result vectors reused from batch to batch,
// so steady-state evaluation allocates nothing.
//
// Results are aligned with the input batch's physical rows: for a live row
// whose physical index is i, the value is at index i of the result. Rows
// outside the selection hold undefined values. This lets AND, OR and CASE
// evaluate a branch on a narrowed selection and merge results in place, and
// it lets a kernel that can fail (division by zero, overflow) look only at
// the rows that count.
//
// Kernels are typed loops over the vectors' slices, specialised per batch on
// whether there is a selection, never dispatched per value.
//
// Imports: exec/vec, sqlerr and the standard library.
package expr
