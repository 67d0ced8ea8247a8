package expr

import "testing"

// TestExactPostgresCases runs testdata/exact_pg.txt: exp, ln, log and
// power of numerics and round/trunc with computed scales, checked against
// PostgreSQL 15.
func TestExactPostgresCases(t *testing.T) { runPGCases(t, "testdata/exact_pg.txt") }
