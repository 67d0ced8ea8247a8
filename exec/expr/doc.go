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
// Numeric has two representations, both PostgreSQL's numeric to clients:
// the narrow one (vec.KindNumeric), a scaled int64 with one scale per
// column, and vec.KindDecimal, a 128-bit decimal.Decimal carrying its own
// scale. Which one an expression has is decided while planning: division
// of numerics (or of a numeric by an integer) is KindDecimal, computed as
// PostgreSQL does (decimal.Div: at least 16 significant digits); +, -, *
// and % stay narrow between narrow numerics and integers (18 digits, 22003
// past them) and are KindDecimal when either operand is. Comparisons,
// CASE, COALESCE, GREATEST, LEAST, NULLIF and IN lists bring a narrow
// numeric or an integer to KindDecimal when the other side is one,
// keeping each value's scale (1.50 stays 1.50, and equals 1.5); a float
// makes both float. abs, sign, round, trunc, floor, ceil, mod and div have
// KindDecimal forms with PostgreSQL's scales, and sqrt, exp, ln, log and
// power of any numeric give a KindDecimal with PostgreSQL's digits; the
// remaining numeric functions (width_bucket, pg_size_pretty) and arrays
// read a KindDecimal as a narrow numeric of its nominal scale
// (NarrowType).
//
// Imports: exec/vec, exec/decimal, sqlerr and the standard library.
package expr
