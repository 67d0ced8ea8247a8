package vec

// Calendar conversions exported for exec/expr's date/time functions, so the
// arithmetic and the text forms agree on one proleptic Gregorian calendar.

// Civil converts days since 1970-01-01 to a year (astronomical numbering:
// year 0 is 1 BC), month and day.
func Civil(days int64) (year int64, month, day int) { return civil(days) }

// DaysFromCivil converts a year (astronomical numbering), month and day to
// days since 1970-01-01. Out-of-range days and months are not normalised.
func DaysFromCivil(year int64, month, day int) int64 { return daysFromCivil(year, month, day) }

// DaysIn returns the number of days of a month of an astronomical year.
func DaysIn(year int64, month int) int { return daysIn(year, month) }
