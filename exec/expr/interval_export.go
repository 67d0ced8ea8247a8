package expr

import "github.com/apiarydb/apiary/exec/vec"

// AddIntervals is interval + interval as PostgreSQL adds them (field by
// field, 22008 on overflow); aggregates use it.
func AddIntervals(a, b vec.Interval) (vec.Interval, error) { return addIntervals(a, b) }

// DivInterval is interval / n (interval_div): avg(interval) uses it.
func DivInterval(iv vec.Interval, n float64) (vec.Interval, error) { return mulInterval(iv, n, true) }
