package expr

import (
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// Parsing: to_date and to_timestamp.

// parsedDT collects the fields of a to_date/to_timestamp input.
type parsedDT struct {
	year, month, day        int64
	yearDigits              int64
	doy                     int64
	julian                  int64
	hasJulian               bool
	hour, min, sec, us      int64
	pm, hasAMPM, bc, hour12 bool
	tzSign, tzh, tzm        int64
	hasTZ                   bool
}

func errDCHInt(s string, key string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s, key).WithDetail("Value must be an integer.")
}

func errDCHName(s string, key string) error {
	return sqlerr.New(sqlerr.InvalidDatetimeFormat, "invalid value \"%s\" for \"%s\"", s, key).
		WithDetail("The given value did not match any of the allowed values for this field.")
}

func isSep(c byte) bool {
	return !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
}

// keyName is the template text of a keyword, for error messages.
func keyName(n dchNode) string {
	for _, w := range dchWords {
		if w.key == n.key && w.cs == n.cs {
			return w.word
		}
	}
	if n.key == dFF {
		return "FF" + strconv.Itoa(n.ffLen)
	}
	return "?"
}

// parseDCHInput reads s according to nodes.
func parseDCHInput(s string, nodes []dchNode) (parsedDT, error) {
	var p parsedDT
	p.month, p.day = 1, 1
	pos := 0
	skipSpaces := func() {
		for pos < len(s) && s[pos] == ' ' {
			pos++
		}
	}
	for k, n := range nodes {
		if n.key == dLiteral {
			switch {
			case n.quoted:
				pos = min(pos+len(n.lit), len(s))
			case n.lit == " ":
				skipSpaces()
			case isSep(n.lit[0]):
				skipSpaces()
				if pos < len(s) && isSep(s[pos]) && s[pos] != ' ' {
					pos++
				}
			default:
				if pos < len(s) {
					pos++
				}
			}
			continue
		}
		if pos >= len(s) {
			break
		}
		skipSpaces()
		nextSep := k+1 >= len(nodes) || nodes[k+1].key == dLiteral
		readInt := func(width int) (int64, int, error) {
			start := pos
			if pos < len(s) && (s[pos] == '-' || s[pos] == '+') && width > 1 {
				pos++
			}
			limit := len(s)
			if !nextSep {
				limit = min(start+width, len(s))
			}
			for pos < limit && s[pos] >= '0' && s[pos] <= '9' {
				pos++
			}
			digits := pos - start
			v, err := strconv.ParseInt(s[start:pos], 10, 64)
			if err != nil {
				end := start + width
				if nextSep || end > len(s) {
					end = len(s)
				}
				return 0, 0, errDCHInt(s[start:end], keyName(n))
			}
			return v, digits, nil
		}
		readName := func(names []string, abbrev bool) (int64, error) {
			rest := strings.ToLower(s[pos:])
			for idx, name := range names {
				w := strings.ToLower(name)
				if abbrev {
					w = w[:3]
				}
				if strings.HasPrefix(rest, w) {
					pos += len(w)
					return int64(idx), nil
				}
			}
			return 0, errDCHName(s[pos:], keyName(n))
		}
		var err error
		var digits int
		switch n.key {
		case dYYYY, dYcommaYYY, dIYYY:
			if n.key == dYcommaYYY {
				var th int64
				if th, _, err = readInt(1); err == nil && pos < len(s) && s[pos] == ',' {
					pos++
					var rest int64
					rest, _, err = readInt(3)
					p.year = th*1000 + rest
				} else {
					p.year = th
				}
				p.yearDigits = 4
				break
			}
			p.year, digits, err = readInt(4)
			p.yearDigits = int64(digits)
		case dYYY, dIYY:
			p.year, digits, err = readInt(3)
			p.yearDigits = int64(digits)
		case dYY, dIY:
			p.year, digits, err = readInt(2)
			p.yearDigits = int64(digits)
		case dY, dI:
			p.year, digits, err = readInt(1)
			p.yearDigits = int64(digits)
		case dMM:
			p.month, _, err = readInt(2)
		case dDD:
			p.day, _, err = readInt(2)
		case dDDD, dIDDD:
			p.doy, _, err = readInt(3)
		case dHH24:
			p.hour, _, err = readInt(2)
		case dHH12:
			p.hour, _, err = readInt(2)
			p.hour12 = true
		case dMI:
			p.min, _, err = readInt(2)
		case dSS:
			p.sec, _, err = readInt(2)
		case dSSSSS:
			var v int64
			v, _, err = readInt(5)
			p.hour, p.min, p.sec = v/3600, v/60%60, v%60
		case dMS:
			var v int64
			v, digits, err = readInt(3)
			p.us = v * vec.Pow10(int32(3-digits)) * 1000
		case dUS:
			var v int64
			v, digits, err = readInt(6)
			p.us = v * vec.Pow10(int32(6-digits))
		case dFF:
			var v int64
			v, digits, err = readInt(n.ffLen)
			p.us = v * vec.Pow10(int32(6-digits))
		case dJ:
			p.julian, _, err = readInt(9)
			p.hasJulian = true
		case dD, dID, dQ, dW, dWW, dIW, dCC:
			_, _, err = readInt(2)
		case dMONTH:
			p.month, err = readName(monthNames, false)
			p.month++
		case dMON:
			p.month, err = readName(monthNames, true)
			p.month++
		case dDAY:
			_, err = readName(dayNames, false)
		case dDY:
			_, err = readName(dayNames, true)
		case dRM:
			var idx int64 = -1
			up := strings.ToUpper(s[pos:])
			for m := 11; m >= 0; m-- {
				if strings.HasPrefix(up, romanMonth[m]) {
					idx = int64(m)
					break
				}
			}
			if idx < 0 {
				err = errDCHName(s[pos:], keyName(n))
			} else {
				pos += len(romanMonth[idx])
				p.month = idx + 1
			}
		case dAM, dAMdots:
			up := strings.ToUpper(s[pos:])
			w := 2
			if n.key == dAMdots {
				w = 4
			}
			switch {
			case strings.HasPrefix(up, "PM") && w == 2, strings.HasPrefix(up, "P.M.") && w == 4:
				p.pm = true
			case strings.HasPrefix(up, "AM") && w == 2, strings.HasPrefix(up, "A.M.") && w == 4:
			default:
				err = errDCHName(s[pos:], keyName(n))
			}
			pos = min(pos+w, len(s))
			p.hasAMPM = true
		case dAD, dADdots:
			up := strings.ToUpper(s[pos:])
			if strings.HasPrefix(up, "BC") || strings.HasPrefix(up, "B.C.") {
				p.bc = true
			}
			if n.key == dADdots {
				pos = min(pos+4, len(s))
			} else {
				pos = min(pos+2, len(s))
			}
		case dTZH:
			p.hasTZ = true
			p.tzSign = 1
			if pos < len(s) && (s[pos] == '-' || s[pos] == '+') {
				if s[pos] == '-' {
					p.tzSign = -1
				}
				pos++
			}
			p.tzh, _, err = readInt(2)
		case dTZM:
			p.hasTZ = true
			if p.tzSign == 0 {
				p.tzSign = 1
			}
			p.tzm, _, err = readInt(2)
		default:
			err = sqlerr.New(sqlerr.FeatureNotSupported, "formatting field \"%s\" is only supported in to_char", keyName(n))
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// toLocalTS turns parsed fields into a wall-clock timestamp.
func (p *parsedDT) toLocalTS(input string) (int64, error) {
	bad := func() error {
		return sqlerr.New(sqlerr.DatetimeFieldOverflow, "date/time field value out of range: \"%s\"", input)
	}
	year := p.year
	switch {
	case p.yearDigits == 2 && year < 100:
		if year < 70 {
			year += 2000
		} else {
			year += 1900
		}
	case p.yearDigits == 3 && year < 100:
		year += 2000
	case p.yearDigits == 3 && year < 1000:
		year += 1000
	case p.yearDigits == 1:
		year += 2000
	case p.yearDigits == 0:
		year = 1 // the default year, as PostgreSQL's
	}
	if p.bc {
		year = 1 - year
	}
	if p.hour12 || p.hasAMPM {
		if p.hour < 1 || p.hour > 12 {
			return 0, sqlerr.New(sqlerr.InvalidDatetimeFormat, "hour \"%d\" is invalid for the 12-hour clock", p.hour).
				WithHint("Use the 24-hour clock, or give an hour between 1 and 12.")
		}
		if p.pm && p.hour < 12 {
			p.hour += 12
		} else if !p.pm && p.hour == 12 {
			p.hour = 0
		}
	}
	var days int64
	switch {
	case p.hasJulian:
		days = p.julian - 2440588
	case p.doy > 0:
		if p.doy > 366 {
			return 0, bad()
		}
		days = vec.DaysFromCivil(year, 1, 1) + p.doy - 1
	default:
		if p.month < 1 || p.month > 12 || p.day < 1 || p.day > int64(vec.DaysIn(year, int(p.month))) {
			return 0, bad()
		}
		days = vec.DaysFromCivil(year, int(p.month), int(p.day))
	}
	if p.hour > 24 || p.min > 59 || p.sec > 60 || p.hour < 0 || p.min < 0 || p.sec < 0 {
		return 0, bad()
	}
	if !validDate(days) {
		return 0, bad()
	}
	return days*usPerDay + p.hour*usPerHour + p.min*usPerMin + p.sec*usPerSec + p.us, nil
}

func bindToDate(timestamp bool) func(args []Expr, _ vec.Type) (kernel, uint32, error) {
	return func(args []Expr, _ vec.Type) (kernel, uint32, error) {
		var fixed []dchNode
		var captured uint32
		if s, ok := constText(args, 1); ok {
			fixed, captured = parseDCH(s), 1<<1
		}
		haveFixed := captured != 0
		k := func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
			loc := c.Env.Location()
			in := a[0].Bytes()
			return eachRow(n, sel, nulls, func(i int) error {
				nodes := fixed
				if !haveFixed {
					nodes = parseDCH(string(a[1].Bytes().Get(i)))
				}
				s := string(in.Get(i))
				p, err := parseDCHInput(s, nodes)
				if err != nil {
					return err
				}
				t, err := p.toLocalTS(s)
				if err != nil {
					return err
				}
				if !timestamp {
					out.Int32s()[i] = int32(floorDiv(t, usPerDay))
					return nil
				}
				if p.hasTZ {
					t -= p.tzSign * (p.tzh*3600 + p.tzm*60) * usPerSec
				} else {
					t = fromLocal(t, loc)
				}
				if !validTS(t) {
					return errTimestampRange()
				}
				out.Int64s()[i] = t
				return nil
			})
		}
		return k, captured, nil
	}
}
