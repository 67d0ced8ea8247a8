package expr

import (
	"strconv"
	"strings"
	"time"

	"github.com/apiarydb/apiary/exec/vec"
)

// to_char for dates, timestamps and intervals, and its inverse to_date and
// to_timestamp(text, text): PostgreSQL's template patterns (formatting.c)
// for the fields in common use. Not supported: the SP suffix, TM
// translation (names are English, as PostgreSQL's default lc_time gives)
// and FX's exact spacing on input.

func init() {
	def("to_char",
		&overload{params: []vec.Type{tTS, tText}, ret: tText, bind: bindToChar},
		&overload{params: []vec.Type{tTSTZ, tText}, ret: tText, bind: bindToChar, flags: usesEnv},
		&overload{params: []vec.Type{tIvl, tText}, ret: tText, bind: bindToChar},
		&overload{params: []vec.Type{tI32, tText}, ret: tText, bind: bindNumChar},
		&overload{params: []vec.Type{tI64, tText}, ret: tText, bind: bindNumChar},
		&overload{params: []vec.Type{tNum, tText}, ret: tText, bind: bindNumChar,
			dec: &overload{params: []vec.Type{tDec, tText}, ret: tText, bind: bindNumChar}},
		&overload{params: []vec.Type{tF32, tText}, ret: tText, bind: bindNumChar},
		&overload{params: []vec.Type{tF64, tText}, ret: tText, bind: bindNumChar})
	def("to_date", &overload{params: []vec.Type{tText, tText}, ret: tDate, bind: bindToDate(false)})
	def("to_timestamp", &overload{params: []vec.Type{tText, tText}, ret: tTSTZ, bind: bindToDate(true), flags: usesEnv})
}

// dchKey is a date/time template keyword.
type dchKey uint8

const (
	dLiteral dchKey = iota
	dAD
	dADdots
	dAM
	dAMdots
	dCC
	dDAY
	dDDD
	dDD
	dDY
	dD
	dFF
	dHH24
	dHH12
	dIDDD
	dID
	dIW
	dIYYY
	dIYY
	dIY
	dI
	dJ
	dMI
	dMM
	dMONTH
	dMON
	dMS
	dOF
	dQ
	dRM
	dSSSSS
	dSS
	dTZH
	dTZM
	dTZ
	dUS
	dWW
	dW
	dYcommaYYY
	dYYYY
	dYYY
	dYY
	dY
)

// dchCase is how a name keyword capitalises its output.
type dchCase uint8

const (
	caseUpper dchCase = iota
	caseTitle
	caseLower
)

type dchNode struct {
	key    dchKey
	lit    string // dLiteral
	cs     dchCase
	fm     bool // FM prefix
	th     int  // 0, or 1 for th, 2 for TH
	ffLen  int  // FF1..FF6
	quoted bool // literal from double quotes
}

// dchWords lists keywords longest first, so that the first prefix that
// matches is the right one (HH24 before HH, MONTH before MON before MM).
var dchWords = []struct {
	word string
	key  dchKey
	cs   dchCase
}{
	{"A.D.", dADdots, caseUpper}, {"a.d.", dADdots, caseLower}, {"B.C.", dADdots, caseUpper}, {"b.c.", dADdots, caseLower},
	{"A.M.", dAMdots, caseUpper}, {"a.m.", dAMdots, caseLower}, {"P.M.", dAMdots, caseUpper}, {"p.m.", dAMdots, caseLower},
	{"Y,YYY", dYcommaYYY, caseUpper}, {"y,yyy", dYcommaYYY, caseLower},
	{"SSSSS", dSSSSS, caseUpper}, {"sssss", dSSSSS, caseLower}, {"SSSS", dSSSSS, caseUpper}, {"ssss", dSSSSS, caseLower},
	{"MONTH", dMONTH, caseUpper}, {"Month", dMONTH, caseTitle}, {"month", dMONTH, caseLower},
	{"IDDD", dIDDD, caseUpper}, {"iddd", dIDDD, caseLower},
	{"HH24", dHH24, caseUpper}, {"hh24", dHH24, caseLower}, {"HH12", dHH12, caseUpper}, {"hh12", dHH12, caseLower},
	{"IYYY", dIYYY, caseUpper}, {"iyyy", dIYYY, caseLower}, {"YYYY", dYYYY, caseUpper}, {"yyyy", dYYYY, caseLower},
	{"DAY", dDAY, caseUpper}, {"Day", dDAY, caseTitle}, {"day", dDAY, caseLower},
	{"DDD", dDDD, caseUpper}, {"ddd", dDDD, caseLower},
	{"MON", dMON, caseUpper}, {"Mon", dMON, caseTitle}, {"mon", dMON, caseLower},
	{"IYY", dIYY, caseUpper}, {"iyy", dIYY, caseLower}, {"YYY", dYYY, caseUpper}, {"yyy", dYYY, caseLower},
	{"TZH", dTZH, caseUpper}, {"tzh", dTZH, caseLower}, {"TZM", dTZM, caseUpper}, {"tzm", dTZM, caseLower},
	{"AD", dAD, caseUpper}, {"ad", dAD, caseLower}, {"BC", dAD, caseUpper}, {"bc", dAD, caseLower},
	{"AM", dAM, caseUpper}, {"am", dAM, caseLower}, {"PM", dAM, caseUpper}, {"pm", dAM, caseLower},
	{"CC", dCC, caseUpper}, {"cc", dCC, caseLower},
	{"DD", dDD, caseUpper}, {"dd", dDD, caseLower},
	{"DY", dDY, caseUpper}, {"Dy", dDY, caseTitle}, {"dy", dDY, caseLower},
	{"HH", dHH12, caseUpper}, {"hh", dHH12, caseLower},
	{"ID", dID, caseUpper}, {"id", dID, caseLower}, {"IW", dIW, caseUpper}, {"iw", dIW, caseLower},
	{"IY", dIY, caseUpper}, {"iy", dIY, caseLower},
	{"MI", dMI, caseUpper}, {"mi", dMI, caseLower}, {"MM", dMM, caseUpper}, {"mm", dMM, caseLower},
	{"MS", dMS, caseUpper}, {"ms", dMS, caseLower},
	{"OF", dOF, caseUpper}, {"of", dOF, caseLower},
	{"RM", dRM, caseUpper}, {"rm", dRM, caseLower},
	{"SS", dSS, caseUpper}, {"ss", dSS, caseLower},
	{"TZ", dTZ, caseUpper}, {"tz", dTZ, caseLower},
	{"US", dUS, caseUpper}, {"us", dUS, caseLower},
	{"WW", dWW, caseUpper}, {"ww", dWW, caseLower},
	{"YY", dYY, caseUpper}, {"yy", dYY, caseLower},
	{"D", dD, caseUpper}, {"d", dD, caseLower}, {"I", dI, caseUpper}, {"i", dI, caseLower},
	{"J", dJ, caseUpper}, {"j", dJ, caseLower}, {"Q", dQ, caseUpper}, {"q", dQ, caseLower},
	{"W", dW, caseUpper}, {"w", dW, caseLower}, {"Y", dY, caseUpper}, {"y", dY, caseLower},
}

// parseDCH splits a template into keywords and literal text.
func parseDCH(f string) []dchNode {
	var nodes []dchNode
	lit := func(s string, quoted bool) {
		nodes = append(nodes, dchNode{key: dLiteral, lit: s, quoted: quoted})
	}
	for i := 0; i < len(f); {
		fm := false
		for {
			switch {
			case strings.HasPrefix(f[i:], "FM") || strings.HasPrefix(f[i:], "fm"):
				fm = true
				i += 2
				continue
			case strings.HasPrefix(f[i:], "TM") || strings.HasPrefix(f[i:], "tm"),
				strings.HasPrefix(f[i:], "FX") || strings.HasPrefix(f[i:], "fx"):
				i += 2
				continue
			}
			break
		}
		if i >= len(f) {
			break
		}
		if f[i] == '"' {
			j := i + 1
			var sb strings.Builder
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				sb.WriteByte(f[j])
				j++
			}
			lit(sb.String(), true)
			i = j + 1
			continue
		}
		if strings.HasPrefix(f[i:], "FF") || strings.HasPrefix(f[i:], "ff") {
			if i+2 < len(f) && f[i+2] >= '1' && f[i+2] <= '6' {
				n := dchNode{key: dFF, ffLen: int(f[i+2] - '0'), fm: fm}
				i += 3
				i = dchSuffix(f, i, &n)
				nodes = append(nodes, n)
				continue
			}
		}
		matched := false
		for _, w := range dchWords {
			if strings.HasPrefix(f[i:], w.word) {
				n := dchNode{key: w.key, cs: w.cs, fm: fm}
				i = dchSuffix(f, i+len(w.word), &n)
				nodes = append(nodes, n)
				matched = true
				break
			}
		}
		if !matched {
			if f[i] == '\\' && i+1 < len(f) && f[i+1] == '"' {
				lit(`"`, false)
				i += 2
				continue
			}
			lit(f[i:i+1], false)
			i++
		}
	}
	return nodes
}

func dchSuffix(f string, i int, n *dchNode) int {
	switch {
	case strings.HasPrefix(f[i:], "TH"):
		n.th = 2
		return i + 2
	case strings.HasPrefix(f[i:], "th"):
		n.th = 1
		return i + 2
	}
	return i
}

var (
	monthNames = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	dayNames   = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	romanMonth = []string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}
)

// ordinal is the English suffix of n (1st, 2nd, 11th).
func ordinal(n int64, upper bool) string {
	if n < 0 {
		n = -n
	}
	s := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			s = "st"
		case 2:
			s = "nd"
		case 3:
			s = "rd"
		}
	}
	if upper {
		return strings.ToUpper(s)
	}
	return s
}

func applyCase(s string, cs dchCase) string {
	switch cs {
	case caseUpper:
		return strings.ToUpper(s)
	case caseLower:
		return strings.ToLower(s)
	}
	return s
}

// dchValue is what a template is applied to.
type dchValue struct {
	f        tmFields
	interval bool
	tz       bool
	offset   int64 // seconds east, for timestamptz
	zoneAbbr string
}

func appendNum(dst []byte, v int64, width int, fm bool) []byte {
	if fm {
		width = 0
	}
	if v < 0 {
		dst = append(dst, '-')
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// appendDCH formats one value.
func appendDCH(dst []byte, nodes []dchNode, v *dchValue) []byte {
	f := &v.f
	year := f.year
	displayYear := year
	if !v.interval && year <= 0 {
		displayYear = 1 - year
	}
	for _, n := range nodes {
		if n.key == dLiteral {
			dst = append(dst, n.lit...)
			continue
		}
		var num int64
		isNum := true
		width := 2
		switch n.key {
		case dHH24:
			num = int64(f.hour)
		case dHH12:
			num = int64(f.hour % 12)
			if num == 0 && !v.interval {
				num = 12
			}
		case dMI:
			num = int64(f.min)
		case dSS:
			num = int64(f.sec)
		case dMS:
			num, width = f.usec/1000, 3
		case dUS:
			num, width = f.usec, 6
		case dFF:
			num, width = f.usec/vec.Pow10(int32(6-n.ffLen)), n.ffLen
		case dSSSSS:
			num, width = int64(f.hour)*3600+int64(f.min)*60+int64(f.sec), 0
		case dYcommaYYY:
			dst = appendNum(dst, displayYear/1000, 0, false)
			dst = append(dst, ',')
			num, width = displayYear%1000, 3
		case dYYYY:
			num, width = displayYear, 4
		case dYYY:
			num, width = displayYear%1000, 3
		case dYY:
			num, width = displayYear%100, 2
		case dY:
			num, width = displayYear%10, 1
		case dIYYY, dIYY, dIY, dI:
			iy, _ := isoWeek(f.days)
			if iy <= 0 {
				iy = 1 - iy
			}
			switch n.key {
			case dIYYY:
				num, width = iy, 4
			case dIYY:
				num, width = iy%1000, 3
			case dIY:
				num, width = iy%100, 2
			default:
				num, width = iy%10, 1
			}
		case dMM:
			num = int64(f.month)
		case dDD:
			num = int64(f.day)
		case dDDD:
			num, width = f.days-vec.DaysFromCivil(year, 1, 1)+1, 3
			if v.interval {
				num = int64(f.day)
			}
		case dIDDD:
			iy, w := isoWeek(f.days)
			_ = iy
			num, width = int64((w-1)*7+isoDow(f.days)), 3
		case dD:
			num, width = int64(isoDow(f.days)%7+1), 1
		case dID:
			num, width = int64(isoDow(f.days)), 1
		case dW:
			num, width = int64((f.day-1)/7+1), 1
		case dWW:
			num = (f.days-vec.DaysFromCivil(year, 1, 1))/7 + 1
		case dIW:
			_, w := isoWeek(f.days)
			num = int64(w)
		case dCC:
			if v.interval {
				num = year / 100
			} else if year > 0 {
				num = (year + 99) / 100
			} else {
				num = -((99 - (year - 1)) / 100)
			}
		case dJ:
			num, width = julianDay(f.days), 0
		case dQ:
			num, width = int64((f.month-1)/3+1), 0
		default:
			isNum = false
		}
		if isNum {
			dst = appendNum(dst, num, width, n.fm)
			if n.th != 0 {
				dst = append(dst, ordinal(num, n.th == 2)...)
			}
			continue
		}
		var s string
		pad := 0
		switch n.key {
		case dAD, dADdots:
			bc := year <= 0
			switch {
			case n.key == dAD && bc:
				s = "BC"
			case n.key == dAD:
				s = "AD"
			case bc:
				s = "B.C."
			default:
				s = "A.D."
			}
		case dAM, dAMdots:
			pm := f.hour >= 12
			switch {
			case n.key == dAM && pm:
				s = "PM"
			case n.key == dAM:
				s = "AM"
			case pm:
				s = "P.M."
			default:
				s = "A.M."
			}
		case dMONTH:
			s, pad = monthNames[f.month-1], 9
		case dMON:
			s = monthNames[f.month-1][:3]
		case dDAY:
			s, pad = dayNames[isoDow(f.days)%7], 9
		case dDY:
			s = dayNames[isoDow(f.days)%7][:3]
		case dRM:
			s, pad = romanMonth[f.month-1], 4
		case dTZ:
			s = v.zoneAbbr
		case dOF, dTZH, dTZM:
			if !v.tz {
				break
			}
			off := v.offset
			sign := byte('+')
			if off < 0 {
				sign, off = '-', -off
			}
			b := []byte{}
			switch n.key {
			case dOF:
				b = append(b, sign)
				b = appendNum(b, off/3600, 2, false)
				if m := off / 60 % 60; m != 0 {
					b = append(b, ':')
					b = appendNum(b, m, 2, false)
				}
			case dTZH:
				b = append(b, sign)
				b = appendNum(b, off/3600, 2, false)
			case dTZM:
				b = appendNum(b, off/60%60, 2, false)
			}
			dst = append(dst, b...)
			continue
		}
		s = applyCase(s, n.cs)
		dst = append(dst, s...)
		if !n.fm {
			for k := len(s); k < pad; k++ {
				dst = append(dst, ' ')
			}
		}
	}
	return dst
}

// bindToChar is to_char for timestamps, timestamptz and intervals.
func bindToChar(args []Expr, _ vec.Type) (kernel, uint32, error) {
	src := args[0].Type().Kind
	var fixed []dchNode
	var captured uint32
	if s, ok := constText(args, 1); ok {
		fixed, captured = parseDCH(s), 1<<1
	}
	haveFixed := captured != 0
	k := func(c *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		loc := c.Env.Location()
		var pats *vec.Bytes
		if !haveFixed {
			pats = a[1].Bytes()
		}
		var lastPat string
		var lastNodes []dchNode
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			nodes := fixed
			if !haveFixed {
				p := pats.Get(i)
				if lastNodes == nil || string(p) != lastPat {
					lastPat, lastNodes = string(p), parseDCH(string(p))
				}
				nodes = lastNodes
			}
			if len(nodes) == 0 {
				out.Nulls.SetNull(i) // to_char with an empty template is NULL
				return dst, nil
			}
			var v dchValue
			switch src {
			case vec.KindInterval:
				iv := a[0].Intervals()[i]
				t := iv.Micros
				v.interval = true
				v.f = tmFields{year: int64(iv.Months / 12), month: int(iv.Months % 12), day: int(iv.Days),
					hour: int(t / usPerHour), min: int(t / usPerMin % 60), sec: int(t / usPerSec % 60), usec: t % usPerSec}
				if v.f.month == 0 {
					// Month names of an interval's month 0 would index
					// out of range; PostgreSQL prints nothing useful
					// either.
					v.f.month = 12
				}
			case vec.KindTimestampTZ:
				t := a[0].Int64s()[i]
				if !finiteTS(t) {
					out.Nulls.SetNull(i)
					return dst, nil
				}
				tt := time.UnixMicro(t).In(loc)
				name, off := tt.Zone()
				v.tz, v.offset, v.zoneAbbr = true, int64(off), name
				v.f = breakDown(t + int64(off)*usPerSec)
			default:
				t := a[0].Int64s()[i]
				if !finiteTS(t) {
					out.Nulls.SetNull(i)
					return dst, nil
				}
				v.f = breakDown(t)
			}
			return appendDCH(dst, nodes, &v), nil
		})
	}
	return k, captured, nil
}
