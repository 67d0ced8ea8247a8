// Package decimal is PostgreSQL's numeric arithmetic on values that fit in
// 128 bits.
//
// A Decimal is a 128-bit two's-complement coefficient and a scale: the
// value is coefficient × 10^-scale, and the scale is also the value's
// display scale (PostgreSQL's dscale), so 1.50 has scale 2 and prints with
// two decimals. Every value carries its own scale because PostgreSQL's
// results do: 1/3 keeps 20 decimals, 10/3 keeps 16.
//
// The operations follow PostgreSQL 15's rules for the scale of their
// result: + and - keep the larger scale, * adds the scales, / picks at
// least 16 significant digits (select_div_scale), and rounding is half away
// from zero. A coefficient holds at most 38 decimal digits. A result that
// needs more keeps its 38 leading digits by dropping decimals (rounded), or
// fails with ErrOverflow when its integer part alone is longer: PostgreSQL
// would keep every digit.
//
// Beyond the four operations: Sqrt (numeric_sqrt's scale, SqrtScale),
// Exp, Ln, Log and Pow with PostgreSQL's result scales, computed with
// 640-bit floats and rounded once (transcendental.go), and Variance, the
// final step of PostgreSQL's variance and standard deviation aggregates
// from exact sums (sqrt.go).
//
// The exec packages keep numeric columns of up to 18 digits as scaled
// int64s (vec.KindNumeric), which is faster; Decimal holds what does not
// fit there: sums, averages, quotients and the arithmetic on them.
//
// Imports: the standard library only.
package decimal
