package expr

import (
	"math"
	"strconv"
	"strings"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// to_char for numbers: PostgreSQL's numeric template patterns 9, 0, . and
// D, , and G, S, MI, PL, SG, PR, V, EEEE, RN, TH and FM, following
// formatting.c's NUM_processor closely, because its spacing rules (a
// blank reserved for the sign, zero suppression before the point, what
// FM removes) are what users compare outputs against. D and G print the
// C locale's '.' and ','.

type numKey uint8

const (
	nLiteral numKey = iota
	n9
	n0
	nDec
	nComma
	nS
	nMI
	nPL
	nSG
	nPR
	nV
	nEEEE
	nRN
	nTH
	nFM
)

type numNode struct {
	key   numKey
	lit   string
	upper bool // TH vs th, RN vs rn
}

// numFormat is a parsed numeric template.
type numFormat struct {
	nodes                []numNode
	pre, post            int
	decimal, zero        bool
	zeroStart, zeroEnd   int // 0-based digit positions; zeroEnd counts pre+post
	fill                 bool
	lsign                int // 0 none, 1 S before the digits, 2 S after
	minus, plus, bracket bool
	multi                int
	eeee, roman          bool
}

func parseNumFormat(f string) (*numFormat, error) {
	nf := &numFormat{}
	digitsSeen := false
	for i := 0; i < len(f); {
		rest := f[i:]
		up := strings.ToUpper(rest)
		add := func(k numKey, w int) {
			nf.nodes = append(nf.nodes, numNode{key: k, upper: rest[0] >= 'A' && rest[0] <= 'Z'})
			i += w
		}
		switch {
		case rest[0] == '9':
			if nf.multi > 0 || nf.eeee {
				nf.multi++
			} else if nf.decimal {
				nf.post++
			} else {
				nf.pre++
			}
			digitsSeen = true
			add(n9, 1)
		case rest[0] == '0':
			if !nf.zero && !nf.decimal {
				nf.zero, nf.zeroStart = true, nf.pre
			}
			if nf.decimal {
				nf.post++
			} else {
				nf.pre++
			}
			nf.zeroEnd = nf.pre + nf.post
			digitsSeen = true
			add(n0, 1)
		case rest[0] == '.' || up[0] == 'D':
			if nf.decimal {
				return nil, sqlerr.New(sqlerr.SyntaxError, "multiple decimal points")
			}
			nf.decimal = true
			add(nDec, 1)
		case rest[0] == ',' || up[0] == 'G':
			add(nComma, 1)
		case strings.HasPrefix(up, "FM"):
			nf.fill = true
			i += 2
		case strings.HasPrefix(up, "MI"):
			nf.minus = true
			add(nMI, 2)
		case strings.HasPrefix(up, "PL"):
			nf.plus = true
			add(nPL, 2)
		case strings.HasPrefix(up, "SG"):
			nf.minus, nf.plus = true, true
			add(nSG, 2)
		case strings.HasPrefix(up, "PR"):
			nf.bracket = true
			add(nPR, 2)
		case strings.HasPrefix(up, "TH"):
			add(nTH, 2)
		case strings.HasPrefix(up, "RN"):
			nf.roman = true
			add(nRN, 2)
		case strings.HasPrefix(up, "EEEE"):
			nf.eeee = true
			add(nEEEE, 4)
		case up[0] == 'S':
			if digitsSeen {
				nf.lsign = 2
			} else {
				nf.lsign = 1
			}
			add(nS, 1)
		case up[0] == 'V':
			nf.multi = 0
			nf.nodes = append(nf.nodes, numNode{key: nV})
			i++
			// Digits after V count as multiplier digits.
			j := i
			for j < len(f) && f[j] == '9' {
				nf.multi++
				nf.nodes = append(nf.nodes, numNode{key: n9})
				j++
			}
			i = j
		case rest[0] == '"':
			j := i + 1
			var sb strings.Builder
			for j < len(f) && f[j] != '"' {
				if f[j] == '\\' && j+1 < len(f) {
					j++
				}
				sb.WriteByte(f[j])
				j++
			}
			nf.nodes = append(nf.nodes, numNode{key: nLiteral, lit: sb.String()})
			i = j + 1
		default:
			nf.nodes = append(nf.nodes, numNode{key: nLiteral, lit: rest[:1]})
			i++
		}
	}
	return nf, nil
}

// numString renders |value| rounded to post decimals as digits with a
// point, with '#' when it overflows pre digits, and its sign.
type numInput struct {
	digits string // e.g. "123.46", "0.50", "12"
	neg    bool
}

func (nf *numFormat) fit(in numInput) (numInput, int) {
	intLen := strings.IndexByte(in.digits, '.')
	if intLen < 0 {
		intLen = len(in.digits)
	}
	pre := nf.pre + nf.multi
	switch {
	case intLen < pre:
		return in, pre - intLen
	case intLen > pre:
		s := strings.Repeat("#", pre)
		if nf.post > 0 {
			s += "." + strings.Repeat("#", nf.post)
		}
		return numInput{digits: s, neg: in.neg}, 0
	}
	return in, 0
}

// format runs the template over a rendered number.
func (nf *numFormat) format(dst []byte, in numInput, intValue int64) []byte {
	in, outPreSpaces := nf.fit(in)
	number := in.digits
	sign := byte('+')
	if in.neg {
		sign = '-'
	}
	fill := nf.fill
	bracket := nf.bracket
	signWrote := false
	if nf.plus || nf.minus {
		signWrote = !(nf.plus && !nf.minus)
	} else {
		if sign != '-' && fill {
			bracket = false
		}
		signWrote = sign == '+' && fill && nf.lsign == 0
	}
	lsign := nf.lsign
	// lastRel is PostgreSQL's last_relevant: in fill mode, the last
	// fraction digit that is not a trailing zero (or the point), looked
	// for past the digits 0 patterns force.
	lastRel := -1
	if fill && nf.decimal {
		start := max(nf.zeroEnd-outPreSpaces, 0)
		if start <= len(number) {
			if p := strings.IndexByte(number[start:], '.'); p >= 0 {
				lastRel = start + p
				for k := lastRel + 1; k < len(number); k++ {
					if number[k] != '0' {
						lastRel = k
					}
				}
			}
		}
	}
	np := 0 // position in number
	numCurr := 0
	numIn := false
	lastDigitNode := -1
	for k, n := range nf.nodes {
		if n.key == n9 || n.key == n0 || n.key == nDec {
			lastDigitNode = k
		}
	}
	predec := func() bool {
		return !nf.zero && np == 0 && len(number) > 0 && number[0] == '0' && nf.post != 0
	}
	writeSign := func() {
		switch {
		case lsign == 1:
			dst = append(dst, sign)
		case bracket:
			if sign == '-' {
				dst = append(dst, '<')
			} else {
				dst = append(dst, ' ')
			}
		case sign == '+':
			if !fill {
				dst = append(dst, ' ')
			}
		default:
			dst = append(dst, '-')
		}
		signWrote = true
	}
	for k, n := range nf.nodes {
		switch n.key {
		case n9, n0, nDec:
			if !signWrote && (numCurr >= outPreSpaces || nf.zero && nf.zeroStart == numCurr) &&
				(!predec() || lastRel >= 0 && number[lastRel] == '.') {
				writeSign()
			}
			switch {
			case numCurr < outPreSpaces && (nf.zeroStart > numCurr || !nf.zero):
				if !fill {
					dst = append(dst, ' ')
				}
			case nf.zero && numCurr < outPreSpaces && nf.zeroStart <= numCurr:
				dst = append(dst, '0')
				numIn = true
			default:
				if np < len(number) && number[np] == '.' || n.key == nDec && np >= len(number) {
					dst = append(dst, '.')
				} else if np < len(number) {
					switch {
					case lastRel >= 0 && np > lastRel && n.key != n0:
					case predec():
						if !fill {
							dst = append(dst, ' ')
						} else if lastRel >= 0 && number[lastRel] == '.' {
							dst = append(dst, '0')
						}
					default:
						dst = append(dst, number[np])
						numIn = true
					}
				}
				if np < len(number) {
					np++
				}
			}
			if k == lastDigitNode {
				switch {
				case signWrote && bracket:
					if sign == '-' {
						dst = append(dst, '>')
					} else if !fill {
						dst = append(dst, ' ')
					}
				case lsign == 2:
					dst = append(dst, sign)
				}
			}
			numCurr++
		case nComma:
			if !numIn {
				if !fill {
					dst = append(dst, ' ')
				}
			} else {
				dst = append(dst, ',')
			}
		case nMI:
			if sign == '-' {
				dst = append(dst, '-')
			} else if !fill {
				dst = append(dst, ' ')
			}
		case nPL:
			if sign == '+' {
				dst = append(dst, '+')
			} else if !fill {
				dst = append(dst, ' ')
			}
		case nSG:
			dst = append(dst, sign)
		case nTH:
			if sign == '-' || nf.decimal {
				continue
			}
			dst = append(dst, ordinal(intValue, n.upper)...)
		case nLiteral:
			dst = append(dst, n.lit...)
		}
	}
	return dst
}

// appendRoman writes n (1..3999) in Roman numerals, right-aligned in 15
// characters unless fill mode.
func appendRoman(dst []byte, n int64, fill, upper bool) ([]byte, error) {
	if n < 1 || n > 3999 {
		return append(dst, "###############"...), nil
	}
	vals := []int64{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var sb strings.Builder
	for k, v := range vals {
		for n >= v {
			sb.WriteString(syms[k])
			n -= v
		}
	}
	s := sb.String()
	if !upper {
		s = strings.ToLower(s)
	}
	if !fill {
		for k := len(s); k < 15; k++ {
			dst = append(dst, ' ')
		}
	}
	return append(dst, s...), nil
}

// renderNumber turns row i of v into digits rounded to post decimals.
func renderNumber(v *vec.Vec, i int, nf *numFormat) (numInput, int64, float64) {
	post := nf.post
	switch v.Type.Kind {
	case vec.KindInt16, vec.KindInt32, vec.KindInt64:
		x := intsOf(v)(i)
		if nf.multi > 0 {
			x *= vec.Pow10(int32(nf.multi))
		}
		neg := x < 0
		u := uint64(x)
		if neg {
			u = -u
		}
		s := strconv.FormatUint(u, 10)
		if post > 0 {
			s += "." + strings.Repeat("0", post)
		}
		return numInput{digits: s, neg: neg}, x, float64(x)
	case vec.KindNumeric:
		x, scale := v.Int64s()[i], v.Type.Scale
		f := float64(x) / float64(vec.Pow10(scale))
		return renderDecimalDigits(strconv.FormatUint(uint64(abs64(x)), 10), scale, x < 0, f, nf)
	case vec.KindDecimal:
		d := v.Decimals()[i]
		// The coefficient's digits: the text form of |d| without its point.
		text := decimal.Append(nil, d.Abs())
		digits := strings.Replace(string(text), ".", "", 1)
		return renderDecimalDigits(digits, d.Scale, d.Sign() < 0, d.Float64(), nf)
	}
	f := floatsOf(v)(i)
	if nf.multi > 0 {
		f *= math.Pow(10, float64(nf.multi))
	}
	return renderFloat(f, v.Type.Kind == vec.KindFloat32, nf)
}

// renderDecimalDigits is renderNumber for a numeric whose coefficient
// has the decimal digits given and scale decimals; f is its value as a
// float.
func renderDecimalDigits(digits string, scale int32, neg bool, f float64, nf *numFormat) (numInput, int64, float64) {
	post := nf.post
	// Exact decimal rounding, half away from zero, in strings: the
	// multiplier and decimals can exceed int64.
	for len(digits) <= int(scale) {
		digits = "0" + digits
	}
	ip, fp := digits[:len(digits)-int(scale)], digits[len(digits)-int(scale):]
	if nf.multi > 0 {
		shift := min(nf.multi, len(fp))
		ip += fp[:shift] + strings.Repeat("0", nf.multi-shift)
		fp = fp[shift:]
		ip = strings.TrimLeft(ip, "0")
		if ip == "" {
			ip = "0"
		}
	}
	ip, fp = roundDecimal(ip, fp, post)
	s := ip
	if post > 0 {
		s += "." + fp
	}
	if strings.Trim(ip+fp, "0") == "" {
		neg = false
	}
	iv, _ := strconv.ParseInt(ip, 10, 64)
	return numInput{digits: s, neg: neg}, iv, f
}

// renderFloat is renderNumber for a double, or a real when float32.
func renderFloat(f float64, float32 bool, nf *numFormat) (numInput, int64, float64) {
	post := nf.post
	// PostgreSQL prints floats with printf("%+.*f"), which keeps the
	// sign of a negative value that rounds to zero.
	neg := math.Signbit(f)
	a := math.Abs(f)
	if math.IsInf(a, 0) || math.IsNaN(a) {
		return numInput{digits: strings.Repeat("#", nf.pre+1), neg: neg}, 0, f
	}
	// PostgreSQL limits a float8's printed digits to DBL_DIG (15).
	digitLimit := 15
	if float32 {
		digitLimit = 6
	}
	intLen := len(strconv.FormatFloat(a, 'f', 0, 64))
	if intLen+post > digitLimit {
		post = max(0, digitLimit-intLen)
	}
	s := strconv.FormatFloat(a, 'f', post, 64)
	if post < nf.post {
		if post == 0 {
			s += "."
		}
		s += strings.Repeat("0", nf.post-post)
	}
	return numInput{digits: s, neg: neg}, int64(a), f
}

// roundDecimal rounds the decimal ip.fp to post fraction digits, half away
// from zero.
func roundDecimal(ip, fp string, post int) (string, string) {
	if len(fp) <= post {
		return ip, fp + strings.Repeat("0", post-len(fp))
	}
	up := fp[post] >= '5'
	fp = fp[:post]
	if !up {
		return ip, fp
	}
	b := []byte(ip + fp)
	k := len(b) - 1
	for k >= 0 {
		if b[k] == '9' {
			b[k] = '0'
			k--
			continue
		}
		b[k]++
		break
	}
	s := string(b)
	if k < 0 {
		s = "1" + s
	}
	return s[:len(s)-post], s[len(s)-post:]
}

func bindNumChar(args []Expr, _ vec.Type) (kernel, uint32, error) {
	var fixed *numFormat
	var captured uint32
	if s, ok := constText(args, 1); ok {
		nf, err := parseNumFormat(s)
		if err != nil {
			return nil, 0, err
		}
		fixed, captured = nf, 1<<1
	}
	k := func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			nf := fixed
			if nf == nil {
				var err error
				if nf, err = parseNumFormat(string(a[1].Bytes().Get(i))); err != nil {
					return dst, err
				}
			}
			if len(nf.nodes) == 0 {
				out.Nulls.SetNull(i)
				return dst, nil
			}
			in, iv, f := renderNumber(a[0], i, nf)
			switch {
			case nf.roman:
				upper := true
				for _, nd := range nf.nodes {
					if nd.key == nRN {
						upper = nd.upper
					}
				}
				return appendRoman(dst, int64(math.Round(f)), nf.fill, upper)
			case nf.eeee:
				s := strconv.FormatFloat(math.Abs(f), 'e', nf.post, 64)
				if f < 0 {
					dst = append(dst, '-')
				} else if !nf.fill {
					dst = append(dst, ' ')
				}
				return append(dst, s...), nil
			}
			return nf.format(dst, in, iv), nil
		})
	}
	return k, captured, nil
}
