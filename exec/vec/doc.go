// Package vec holds Apiary's in-memory data: SQL types (Type, Kind, their
// PostgreSQL OIDs and names), typed column vectors (Vec) with NULL bitmaps,
// and batches of columns with an optional selection vector (Batch).
//
// A Vec stores its values in one typed Go slice chosen by its Kind; kernels
// take that slice with the typed accessor (Int64s, Float64s, Bytes, ...) and
// loop over it, so no interface call or allocation happens per value.
// Numeric values are scaled int64s (KindNumeric, up to 18 digits) or, for
// results that need more (sums, averages, quotients), decimal.Decimals that
// carry their own scales (KindDecimal); dates are days and timestamps
// microseconds since the Unix epoch, and variable-length values share one
// byte buffer with Arrow offsets, which keeps conversion to and from Arrow
// arrays cheap.
//
// vec is a leaf: it imports the standard library, arrow-go, sqlerr,
// exec/decimal and internal/hugepage only, and every Apiary package above
// objstore and txn may import it.
package vec
