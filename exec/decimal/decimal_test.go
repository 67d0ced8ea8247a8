package decimal_test

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/exec/decimal"
)

// The oracle below works on math/big values and never calls the package
// except to read a result, so a shared mistake cannot hide itself.

var (
	bigOne     = big.NewInt(1)
	bigTen     = big.NewInt(10)
	mask64     = new(big.Int).SetUint64(math.MaxUint64)
	maxCoefBig = new(big.Int).Sub(pow10(decimal.MaxDigits), bigOne)
)

func pow10(k int) *big.Int {
	return new(big.Int).Exp(bigTen, big.NewInt(int64(k)), nil)
}

// coefOf reads d's two's-complement coefficient.
func coefOf(d decimal.Decimal) *big.Int {
	x := big.NewInt(d.Hi)
	x.Lsh(x, 64)
	return x.Add(x, new(big.Int).SetUint64(d.Lo))
}

// build lays out a coefficient of at most 128 bits as a Decimal without
// going through the package.
func build(c *big.Int, scale int32) decimal.Decimal {
	return decimal.Decimal{
		Lo:    new(big.Int).And(c, mask64).Uint64(),
		Hi:    new(big.Int).Rsh(c, 64).Int64(),
		Scale: scale,
	}
}

// valueOf is d as an exact fraction.
func valueOf(d decimal.Decimal) *big.Rat {
	return scaledRat(coefOf(d), int(d.Scale))
}

// scaledRat is c·10^-scale.
func scaledRat(c *big.Int, scale int) *big.Rat {
	if scale >= 0 {
		return new(big.Rat).SetFrac(c, pow10(scale))
	}
	return new(big.Rat).SetInt(new(big.Int).Mul(c, pow10(-scale)))
}

// quoRem divides r·10^scale into a truncated integer quotient, the
// remainder's numerator and the (positive) denominator.
func quoRem(r *big.Rat, scale int) (q, rem, den *big.Int) {
	x := new(big.Rat).Mul(r, scaledRat(bigOne, -scale))
	den = x.Denom()
	q, rem = new(big.Int).QuoRem(x.Num(), den, new(big.Int))
	return q, rem, den
}

// roundAt returns r·10^scale rounded half away from zero.
func roundAt(r *big.Rat, scale int) *big.Int {
	q, rem, den := quoRem(r, scale)
	twice := new(big.Int).Lsh(new(big.Int).Abs(rem), 1)
	if twice.Cmp(den) >= 0 {
		q.Add(q, big.NewInt(int64(rem.Sign())))
	}
	return q
}

// truncAt returns r·10^scale truncated towards zero.
func truncAt(r *big.Rat, scale int) *big.Int {
	q, _, _ := quoRem(r, scale)
	return q
}

func numDigits(x *big.Int) int {
	if x.Sign() == 0 {
		return 0
	}
	return len(new(big.Int).Abs(x).String())
}

// want is an expected result: a coefficient and scale, or an error.
type want struct {
	coef  *big.Int
	scale int
	err   error
}

func (w want) String() string {
	if w.err != nil {
		return "error " + w.err.Error()
	}
	return textOf(w.coef, w.scale) + " (scale " + strconv.Itoa(w.scale) + ")"
}

// fitRat is doc.go's contract for a result r with the given scale: round
// the exact value at that scale; while it needs more than 38 digits, give
// up as many decimals and round the exact value again, or overflow when
// there are not enough decimals to give up.
func fitRat(r *big.Rat, scale int) want {
	for {
		q := roundAt(r, scale)
		n := numDigits(q)
		if n <= decimal.MaxDigits {
			return want{coef: q, scale: scale}
		}
		drop := n - decimal.MaxDigits
		if drop > scale {
			return want{err: decimal.ErrOverflow}
		}
		scale -= drop
	}
}

// textOf is PostgreSQL's text form of c·10^-scale.
func textOf(c *big.Int, scale int) string {
	s := new(big.Int).Abs(c).String()
	if scale > 0 {
		if len(s) <= scale {
			s = strings.Repeat("0", scale-len(s)+1) + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if c.Sign() < 0 {
		s = "-" + s
	}
	return s
}

func check(t *testing.T, what string, got decimal.Decimal, err error, w want) {
	t.Helper()
	if w.err != nil {
		if !errors.Is(err, w.err) {
			t.Errorf("%s = %v, %v; want %v", what, got, err, w)
		}
		return
	}
	c := coefOf(got)
	if err != nil || c.Cmp(w.coef) != 0 || int(got.Scale) != w.scale {
		t.Errorf("%s = %s (scale %d), %v; want %v", what, textOf(c, int(got.Scale)), got.Scale, err, w)
		return
	}
	if new(big.Int).Abs(c).Cmp(maxCoefBig) > 0 {
		t.Errorf("%s has a coefficient of %d digits", what, numDigits(c))
	}
}

// gen draws operands: edge coefficients (powers of ten, the 64- and
// 128-bit boundaries, 38 nines) and random ones of every length, at
// scales 0..40 with a bias to the small scales real data has.
type gen struct{ r *rand.Rand }

func newGen(seed uint64) gen { return gen{rand.New(rand.NewPCG(seed, 0x5eed))} }

var edgeCoefs = func() []*big.Int {
	two := func(k uint) *big.Int { return new(big.Int).Lsh(bigOne, k) }
	add := func(x *big.Int, d int64) *big.Int { return new(big.Int).Add(x, big.NewInt(d)) }
	cs := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(5), big.NewInt(9999), big.NewInt(10000),
		pow10(18), add(pow10(18), -1), pow10(19), add(pow10(19), -1),
		big.NewInt(math.MaxInt64), two(63), add(two(64), -1), two(64), add(two(64), 1),
		two(96), add(two(96), -1), two(126), add(two(126), -1),
		pow10(37), new(big.Int).Mul(big.NewInt(5), pow10(37)), add(pow10(37), -1),
		maxCoefBig, add(maxCoefBig, -1), new(big.Int).Quo(maxCoefBig, big.NewInt(2)),
	}
	var out []*big.Int
	for _, c := range cs {
		out = append(out, c, new(big.Int).Neg(c))
	}
	return out
}()

func (g gen) coef() *big.Int {
	if g.r.IntN(4) == 0 {
		return edgeCoefs[g.r.IntN(len(edgeCoefs))]
	}
	n := g.r.IntN(decimal.MaxDigits + 1)
	var sb strings.Builder
	sb.WriteByte('0')
	for range n {
		sb.WriteByte(byte('0' + g.r.IntN(10)))
	}
	c, _ := new(big.Int).SetString(sb.String(), 10)
	if g.r.IntN(2) == 0 {
		c.Neg(c)
	}
	return c
}

func (g gen) scale() int32 {
	if g.r.IntN(2) == 0 {
		return int32(g.r.IntN(7))
	}
	return int32(g.r.IntN(41))
}

func (g gen) dec() decimal.Decimal { return build(g.coef(), g.scale()) }

// pairs returns every pair of a few edge values plus random pairs.
func pairs(seed uint64, random int) [][2]decimal.Decimal {
	var edges []decimal.Decimal
	for _, c := range edgeCoefs {
		for _, s := range []int32{0, 2, 19, 38} {
			edges = append(edges, build(c, s))
		}
	}
	g := newGen(seed)
	var out [][2]decimal.Decimal
	for range 2000 {
		out = append(out, [2]decimal.Decimal{edges[g.r.IntN(len(edges))], edges[g.r.IntN(len(edges))]})
	}
	for range random {
		out = append(out, [2]decimal.Decimal{g.dec(), g.dec()})
	}
	return out
}

func TestAddSubOracle(t *testing.T) {
	for _, p := range pairs(1, 4000) {
		a, b := p[0], p[1]
		scale := int(max(a.Scale, b.Scale))
		got, err := decimal.Add(a, b)
		check(t, "Add("+a.String()+", "+b.String()+")", got, err,
			fitRat(new(big.Rat).Add(valueOf(a), valueOf(b)), scale))
		got, err = decimal.Sub(a, b)
		check(t, "Sub("+a.String()+", "+b.String()+")", got, err,
			fitRat(new(big.Rat).Sub(valueOf(a), valueOf(b)), scale))
	}
}

func TestAddKeepsLeadingDigits(t *testing.T) {
	// 1 + 10^-50 needs 51 digits: the result gives up 13 decimals.
	got, err := decimal.Add(decimal.FromInt64(1, 0), decimal.FromInt64(1, 50))
	if err != nil || got.String() != "1."+strings.Repeat("0", 37) {
		t.Errorf("1 + 1e-50 = %v, %v; want 1 with 37 zero decimals", got, err)
	}
	// 38 nines + 1 has a 39-digit integer part.
	nines := build(maxCoefBig, 0)
	if got, err := decimal.Add(nines, decimal.FromInt64(1, 0)); !errors.Is(err, decimal.ErrOverflow) {
		t.Errorf("(10^38-1) + 1 = %v, %v; want ErrOverflow", got, err)
	}
}

func TestMulOracle(t *testing.T) {
	for _, p := range pairs(2, 4000) {
		a, b := p[0], p[1]
		got, err := decimal.Mul(a, b)
		check(t, "Mul("+a.String()+", "+b.String()+")", got, err,
			fitRat(new(big.Rat).Mul(valueOf(a), valueOf(b)), int(a.Scale+b.Scale)))
	}
}

func TestMulScaleLimit(t *testing.T) {
	// PostgreSQL rounds a product past 16383 decimals (NUMERIC_DSCALE_MAX):
	// select 1e-10000 * 1e-10000 gives 0 with 16383 decimals.
	tiny := decimal.FromInt64(1, 10000)
	got, err := decimal.Mul(tiny, tiny)
	if err != nil || !got.IsZero() || got.Scale != 16383 {
		t.Errorf("1e-10000 * 1e-10000 = %v (scale %d), %v; want 0 at scale 16383", got, got.Scale, err)
	}
}

func TestCmpOracle(t *testing.T) {
	for _, p := range pairs(3, 4000) {
		a, b := p[0], p[1]
		if got, w := decimal.Cmp(a, b), valueOf(a).Cmp(valueOf(b)); got != w {
			t.Errorf("Cmp(%v, %v) = %d; want %d", a, b, got, w)
		}
	}
	g := newGen(33)
	for range 3000 {
		// The same value written with more decimals compares equal.
		c, s := g.coef(), g.scale()
		k := g.r.IntN(decimal.MaxDigits + 1)
		padded := new(big.Int).Mul(c, pow10(k))
		if new(big.Int).Abs(padded).Cmp(maxCoefBig) > 0 {
			continue
		}
		a, b := build(c, s), build(padded, s+int32(k))
		if decimal.Cmp(a, b) != 0 || decimal.Cmp(b, a) != 0 {
			t.Errorf("Cmp(%v, %v) != 0", a, b)
		}
	}
}

func TestModOracle(t *testing.T) {
	for _, p := range pairs(4, 4000) {
		a, b := p[0], p[1]
		got, err := decimal.Mod(a, b)
		what := "Mod(" + a.String() + ", " + b.String() + ")"
		if b.IsZero() {
			check(t, what, got, err, want{err: decimal.ErrDivisionByZero})
			continue
		}
		scale := int(max(a.Scale, b.Scale))
		x := new(big.Int).Mul(coefOf(a), pow10(scale-int(a.Scale)))
		y := new(big.Int).Mul(coefOf(b), pow10(scale-int(b.Scale)))
		x.Rem(x, y) // truncated division: the remainder has a's sign
		check(t, what, got, err, fitRat(scaledRat(x, scale), scale))
	}
}

func TestDivToScaleOracle(t *testing.T) {
	g := newGen(5)
	for _, p := range pairs(5, 4000) {
		a, b := p[0], p[1]
		lowest := max(0, a.Scale-b.Scale)
		scale := lowest + int32(g.r.IntN(60))
		what := "DivToScale(" + a.String() + ", " + b.String() + ", " + strconv.Itoa(int(scale)) + ")"
		got, err := decimal.DivToScale(a, b, scale)
		if b.IsZero() {
			check(t, what, got, err, want{err: decimal.ErrDivisionByZero})
			continue
		}
		check(t, what, got, err, fitRat(new(big.Rat).Quo(valueOf(a), valueOf(b)), int(scale)))
	}
}

// pgLead is PostgreSQL's view of d for select_div_scale: d written in
// base-10000 digits aligned on the point, the weight (power of 10000) and
// value of its first non-zero digit.
func pgLead(d decimal.Decimal) (weight, first int) {
	s := new(big.Int).Abs(coefOf(d)).String()
	if s == "0" {
		return 0, 0
	}
	scale := int(d.Scale)
	var ip, fp string
	if len(s) > scale {
		ip, fp = s[:len(s)-scale], s[len(s)-scale:]
	} else {
		fp = strings.Repeat("0", scale-len(s)) + s
	}
	ip = strings.Repeat("0", (4-len(ip)%4)%4) + ip
	fp += strings.Repeat("0", (4-len(fp)%4)%4)
	all := ip + fp
	for i := 0; i < len(all); i += 4 {
		if g, _ := strconv.Atoi(all[i : i+4]); g != 0 {
			return len(ip)/4 - 1 - i/4, g
		}
	}
	panic("unreachable: a non-zero coefficient has a non-zero group")
}

// pgDivScale is select_div_scale in numeric.c.
func pgDivScale(a, b decimal.Decimal) int32 {
	w1, f1 := pgLead(a)
	w2, f2 := pgLead(b)
	qweight := w1 - w2
	if f1 <= f2 {
		qweight--
	}
	return min(max(int32(16-4*qweight), a.Scale, b.Scale, 0), decimal.MaxScale)
}

func TestDivOracle(t *testing.T) {
	for _, p := range pairs(6, 4000) {
		a, b := p[0], p[1]
		scale := pgDivScale(a, b)
		if got := decimal.DivScale(a, b); got != scale {
			t.Errorf("DivScale(%v, %v) = %d; want %d", a, b, got, scale)
		}
		got, err := decimal.Div(a, b)
		what := "Div(" + a.String() + ", " + b.String() + ")"
		if b.IsZero() {
			check(t, what, got, err, want{err: decimal.ErrDivisionByZero})
			continue
		}
		check(t, what, got, err, fitRat(new(big.Rat).Quo(valueOf(a), valueOf(b)), int(scale)))
	}
}

// roundWant is Round's (or with trunc Trunc's) contract for d at scale.
func roundWant(d decimal.Decimal, scale int32, trunc bool) want {
	v := valueOf(d)
	at := roundAt
	if trunc {
		at = truncAt
	}
	switch {
	case scale >= d.Scale:
		// Padding: never past MaxScale, never below d's own decimals.
		return fitRat(v, int(max(min(scale, decimal.MaxScale), d.Scale)))
	case scale >= 0:
		return want{coef: at(v, int(scale)), scale: int(scale)}
	case scale < -decimal.MaxDigits-1:
		// Every coefficient is below 0.5·10^39.
		return want{coef: new(big.Int), scale: 0}
	}
	q := at(v, int(scale))
	q.Mul(q, pow10(int(-scale)))
	if numDigits(q) > decimal.MaxDigits {
		return want{err: decimal.ErrOverflow}
	}
	return want{coef: q, scale: 0}
}

func TestRoundTruncOracle(t *testing.T) {
	g := newGen(7)
	extremes := []int32{math.MinInt32, -2000, -40, -39, -38, -37, 1000, 1001, 2000, math.MaxInt32}
	for i := range 5000 {
		d := g.dec()
		scale := int32(g.r.IntN(91) - 45)
		if i%10 == 0 {
			scale = extremes[g.r.IntN(len(extremes))]
		}
		got, err := decimal.Round(d, scale)
		check(t, "Round("+d.String()+", "+strconv.Itoa(int(scale))+")", got, err, roundWant(d, scale, false))
		got, err = decimal.Trunc(d, scale)
		check(t, "Trunc("+d.String()+", "+strconv.Itoa(int(scale))+")", got, err, roundWant(d, scale, true))
	}
}

func TestRoundBeyondMaxScale(t *testing.T) {
	// 1.5e-1000 has 1001 decimals; asking for more must not lose any.
	d, err := decimal.Parse([]byte("1.5e-1000"))
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []int32{1001, 1200, math.MaxInt32} {
		got, err := decimal.Round(d, scale)
		if err != nil || got != d {
			t.Errorf("Round(1.5e-1000, %d) = %v (scale %d), %v; want it unchanged", scale, got, got.Scale, err)
		}
	}
}

func TestFloorCeilOracle(t *testing.T) {
	g := newGen(8)
	for range 4000 {
		d := g.dec()
		v := valueOf(d)
		floor := new(big.Int).Div(v.Num(), v.Denom()) // Euclidean: floor for a positive divisor
		ceil := new(big.Int).Neg(new(big.Int).Div(new(big.Int).Neg(v.Num()), v.Denom()))
		check(t, "Floor("+d.String()+")", decimal.Floor(d), nil, want{coef: floor, scale: 0})
		check(t, "Ceil("+d.String()+")", decimal.Ceil(d), nil, want{coef: ceil, scale: 0})
	}
}

func TestNormalizeOracle(t *testing.T) {
	g := newGen(9)
	for range 4000 {
		d := g.dec()
		n := decimal.Normalize(d)
		c := coefOf(n)
		switch {
		case valueOf(n).Cmp(valueOf(d)) != 0:
			t.Errorf("Normalize(%v) = %v: another value", d, n)
		case n.Scale < 0 || n.Scale > 0 && new(big.Int).Rem(c, bigTen).Sign() == 0:
			t.Errorf("Normalize(%v) = %v (scale %d): trailing zeros left", d, n, n.Scale)
		case d.IsZero() && n != (decimal.Decimal{}):
			t.Errorf("Normalize(%v) = %#v; want the zero Decimal", d, n)
		}
		// Equal values must normalize to the same struct: it is a hash key.
		k := g.r.IntN(10)
		padded := new(big.Int).Mul(coefOf(d), pow10(k))
		if padded.CmpAbs(maxCoefBig) <= 0 {
			if p := decimal.Normalize(build(padded, d.Scale+int32(k))); p != n {
				t.Errorf("Normalize(%v) = %#v but Normalize of it with %d more zeros = %#v", d, n, k, p)
			}
		}
	}
}

func TestInt64Oracle(t *testing.T) {
	g := newGen(10)
	var ds []decimal.Decimal
	for _, s := range []string{"9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"-9223372036854775809", "9223372036854775807.4", "9223372036854775807.5", "-9223372036854775808.4",
		"-9223372036854775808.5", "0.5", "-0.5", "0.49", "1e-40"} {
		d, err := decimal.Parse([]byte(s))
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		ds = append(ds, d)
	}
	for range 4000 {
		ds = append(ds, g.dec())
	}
	for _, d := range ds {
		q := roundAt(valueOf(d), 0)
		got, ok := d.Int64()
		if ok != q.IsInt64() || ok && got != q.Int64() {
			t.Errorf("%v.Int64() = %d, %t; want %v, %t", d, got, ok, q, q.IsInt64())
		}
		s := int32(g.r.IntN(41))
		q = roundAt(valueOf(d), int(s))
		got, ok = d.Scaled(s)
		if ok != q.IsInt64() || ok && got != q.Int64() {
			t.Errorf("%v.Scaled(%d) = %d, %t; want %v, %t", d, s, got, ok, q, q.IsInt64())
		}
	}
	if got, ok := decimal.FromInt64(math.MinInt64, 2).Scaled(2); !ok || got != math.MinInt64 {
		t.Errorf("Scaled(2) of MinInt64 at scale 2 = %d, %t; want it back", got, ok)
	}
}

func TestAppendParseRoundTrip(t *testing.T) {
	g := newGen(11)
	for range 5000 {
		d := g.dec()
		text := textOf(coefOf(d), int(d.Scale))
		if got := string(decimal.Append([]byte("x="), d)); got != "x="+text {
			t.Errorf("Append(x=, %#v) = %q; want %q", d, got, "x="+text)
		}
		if got := d.String(); got != text {
			t.Errorf("String(%#v) = %q; want %q", d, got, text)
		}
		back, err := decimal.Parse([]byte(text))
		if err != nil || back != d {
			t.Errorf("Parse(%q) = %#v, %v; want %#v", text, back, err, d)
		}
	}
}

func TestParseOracle(t *testing.T) {
	g := newGen(12)
	digits := func(n int) string {
		var sb strings.Builder
		for range n {
			if g.r.IntN(5) == 0 {
				sb.WriteByte('0') // runs of zeros, leading and trailing
			} else {
				sb.WriteByte(byte('0' + g.r.IntN(10)))
			}
		}
		return sb.String()
	}
	for range 5000 {
		ip, fp := digits(g.r.IntN(43)), digits(g.r.IntN(43))
		point := fp != "" || g.r.IntN(3) == 0
		exp := 0
		hasExp := g.r.IntN(3) == 0
		if hasExp {
			exp = g.r.IntN(121) - 60
		}
		var sb strings.Builder
		sb.WriteString(strings.Repeat(" ", g.r.IntN(2)))
		sign := []string{"", "+", "-"}[g.r.IntN(3)]
		sb.WriteString(sign)
		sb.WriteString(ip)
		if point {
			sb.WriteByte('.')
			sb.WriteString(fp)
		}
		if hasExp {
			sb.WriteString([]string{"e", "E"}[g.r.IntN(2)])
			if exp >= 0 && g.r.IntN(2) == 0 {
				sb.WriteByte('+')
			}
			sb.WriteString(strconv.Itoa(exp))
		}
		sb.WriteString(strings.Repeat("\t", g.r.IntN(2)))
		in := sb.String()
		if !point {
			fp = ""
		}
		var w want
		if ip == "" && fp == "" {
			w = want{err: decimal.ErrSyntax}
		} else {
			c, _ := new(big.Int).SetString("0"+ip+fp, 10)
			if sign == "-" {
				c.Neg(c)
			}
			written := len(fp) - exp
			w = fitRat(scaledRat(c, written), max(written, 0))
		}
		got, err := decimal.Parse([]byte(in))
		check(t, "Parse("+strconv.Quote(in)+")", got, err, w)
	}
}

func TestFromInt128Oracle(t *testing.T) {
	g := newGen(13)
	for i := range 5000 {
		var hi int64
		var lo uint64
		switch i % 4 {
		case 0: // anywhere in 128 bits, mostly past 38 digits
			hi, lo = int64(g.r.Uint64()), g.r.Uint64()
		case 1: // around the 64-bit boundary
			hi, lo = int64(g.r.IntN(3))-1, g.r.Uint64()
		default:
			c := g.coef()
			hi, lo = new(big.Int).Rsh(c, 64).Int64(), new(big.Int).And(c, mask64).Uint64()
		}
		if i < 4 {
			hi, lo = []int64{math.MinInt64, math.MaxInt64, -1, 0}[i], []uint64{0, math.MaxUint64, 0, math.MaxUint64}[i]
		}
		scale := g.scale()
		c := coefOf(decimal.Decimal{Hi: hi, Lo: lo})
		got, err := decimal.FromInt128(hi, lo, scale)
		check(t, "FromInt128("+c.String()+", "+strconv.Itoa(int(scale))+")", got, err, fitRat(scaledRat(c, int(scale)), int(scale)))
	}
}

func TestFloat64Oracle(t *testing.T) {
	g := newGen(14)
	for range 5000 {
		d := g.dec()
		w, _ := valueOf(d).Float64() // the nearest double, as strtod gives
		if got := d.Float64(); got != w {
			t.Errorf("%v.Float64() = %v; want %v", d, got, w)
		}
	}
}

// float15 is float8_numeric in PostgreSQL 15: the double printed with 15
// significant digits by %g (ties to even, trailing zeros dropped), then
// read as numeric.
func float15(f float64) want {
	if f == 0 {
		return want{coef: new(big.Int), scale: 0}
	}
	r := new(big.Rat).SetFloat64(f)
	abs := new(big.Rat).Abs(r)
	e := int(math.Floor(math.Log10(math.Abs(f))))
	for abs.Cmp(scaledRat(bigOne, -e)) < 0 {
		e--
	}
	for abs.Cmp(scaledRat(bigOne, -e-1)) >= 0 {
		e++
	}
	scale := 14 - e
	q, rem, den := quoRem(r, scale)
	twice := new(big.Int).Lsh(new(big.Int).Abs(rem), 1)
	if c := twice.Cmp(den); c > 0 || c == 0 && q.Bit(0) == 1 {
		q.Add(q, big.NewInt(int64(r.Sign())))
	}
	if q.CmpAbs(pow10(15)) == 0 {
		q.Quo(q, bigTen)
		scale--
	}
	for scale > 0 && new(big.Int).Rem(q, bigTen).Sign() == 0 {
		q.Quo(q, bigTen)
		scale--
	}
	if scale < 0 {
		q.Mul(q, pow10(-scale))
		scale = 0
	}
	if numDigits(q) > decimal.MaxDigits {
		return want{err: decimal.ErrOverflow}
	}
	return want{coef: q, scale: scale}
}

func TestFromFloat64Oracle(t *testing.T) {
	g := newGen(15)
	fs := []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1234567890123445, 1234567890123455,
		math.SmallestNonzeroFloat64, 9.99999999999999e37, 1e38, math.MaxFloat64, math.MaxInt64}
	for range 5000 {
		f := (1 + 9*g.r.Float64()) * math.Pow(10, float64(g.r.IntN(80)-40))
		if g.r.IntN(2) == 0 {
			f = -f
		}
		fs = append(fs, f)
	}
	for _, f := range fs {
		got, err := decimal.FromFloat64(f)
		check(t, "FromFloat64("+strconv.FormatFloat(f, 'g', -1, 64)+")", got, err, float15(f))
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		if got, err := decimal.FromFloat64(f); !errors.Is(err, decimal.ErrSyntax) {
			t.Errorf("FromFloat64(%v) = %v, %v; want ErrSyntax", f, got, err)
		}
	}
}

func TestSignNegAbs(t *testing.T) {
	g := newGen(16)
	for range 2000 {
		d := g.dec()
		v := valueOf(d)
		if d.Sign() != v.Sign() || d.IsZero() != (v.Sign() == 0) {
			t.Errorf("%v: Sign %d, IsZero %t", d, d.Sign(), d.IsZero())
		}
		check(t, "Neg("+d.String()+")", d.Neg(), nil, want{coef: new(big.Int).Neg(coefOf(d)), scale: int(d.Scale)})
		check(t, "Abs("+d.String()+")", d.Abs(), nil, want{coef: new(big.Int).Abs(coefOf(d)), scale: int(d.Scale)})
	}
}

// The cases below are PostgreSQL 15.18's answers, gathered with psql; each
// case names the statement that gave it.

func mustParse(t testing.TB, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.Parse([]byte(s))
	if err != nil {
		t.Fatalf("Parse(%q): %v", s, err)
	}
	return d
}

// pgDivCases: select '<a>'::numeric / '<b>'::numeric. The text carries the
// scale select_div_scale picked.
var pgDivCases = []struct{ a, b, want string }{
	{"1", "3", "0.33333333333333333333"},
	{"10", "3", "3.3333333333333333"},
	{"100", "3", "33.3333333333333333"},
	{"2", "3", "0.66666666666666666667"},
	{"1", "7", "0.14285714285714285714"},
	{"0", "3", "0.00000000000000000000"},
	{"1.5", "2", "0.75000000000000000000"},
	{"1e-20", "3", "0.0000000000000000000033333333333333333333"},
	{"123456789012345678901234", "7", "17636684144620811271605"},
	{"-1", "3", "-0.33333333333333333333"},
	{"1", "-3", "-0.33333333333333333333"},
	{"-10", "-3", "3.3333333333333333"},
	{"-2", "3", "-0.66666666666666666667"},
	{"1.23456789012", "3", "0.41152263004000000000"},
	{"0.000000000001", "7", "0.00000000000014285714285714285714"},
	{"2", "5000", "0.00040000000000000000"},
	{"1234", "1234.5", "0.99959497772377480761"},
	{"9999", "10000", "0.99990000000000000000"},
	{"0.0001", "3", "0.000033333333333333333333"},
	{"1", "1", "1.00000000000000000000"},
	{"22", "7", "3.1428571428571429"},
	{"355", "113", "3.1415929203539823"},
	{"1", "9999", "0.00010001000100010001"},
	{"1", "10000", "0.000100000000000000000000"},
	{"10000", "1", "10000.0000000000000000"},
	{"99999999", "3", "33333333.000000000000"},
	{"1", "0.0001", "10000.0000000000000000"},
	{"1", "0.00011", "9090.9090909090909091"},
	{"0.5", "0.25", "2.0000000000000000"},
	{"7", "0.5", "14.0000000000000000"},
	{"1.00", "3", "0.33333333333333333333"},
	{"1", "3.000", "0.33333333333333333333"},
	{"1.000000000000000000000", "3", "0.333333333333333333333"},
	{"12345678901234567890", "0.001", "12345678901234567890000.000"},
	{"1", "123456789012345678901234", "0.0000000000000000000000081000000729000007"},
	{"0.1", "0.3", "0.33333333333333333333"},
	{"100", "7", "14.2857142857142857"},
	{"1000", "7", "142.8571428571428571"},
	{"10000", "7", "1428.5714285714285714"},
	{"100000", "7", "14285.714285714286"},
	{"5", "10", "0.50000000000000000000"},
	{"5", "9", "0.55555555555555555556"},
	{"9", "5", "1.8000000000000000"},
	{"1234", "1235", "0.99919028340080971660"},
	{"1235", "1234", "1.0008103727714749"},
	{"12345", "1.2345", "10000.0000000000000000"},
	{"1.2345", "12345", "0.000100000000000000000000"},
	{"3", "1e-10", "30000000000.0000000000"},
	{"1e10", "3", "3333333333.33333333"},
	{"-0.0001", "7", "-0.000014285714285714285714"},
	{"0.000001", "-3", "-0.000000333333333333333333"},
	{"98765.4321", "1.23", "80297.099268292683"},
	{"2.5", "2", "1.25000000000000000000"},
	{"-2.5", "2", "-1.25000000000000000000"},
	{"0.0000000000000000001", "0.0000000000000000003", "0.33333333333333333333"},
	{"314159265358979323846", "100000000000000000000", "3.1415926535897932"},
	{"1", "6", "0.16666666666666666667"},
	{"1", "12", "0.08333333333333333333"},
	{"2", "12", "0.16666666666666666667"},
	{"-5", "6", "-0.83333333333333333333"},
	{"99999999999999999999", "9", "11111111111111111111"},
	{"1e19", "3", "3333333333333333333"},
}

func TestDivPostgres(t *testing.T) {
	for _, c := range pgDivCases {
		t.Run("select '"+c.a+"'::numeric / '"+c.b+"'::numeric", func(t *testing.T) {
			got, err := decimal.Div(mustParse(t, c.a), mustParse(t, c.b))
			if err != nil || got.String() != c.want {
				t.Errorf("= %v, %v; want %s", got, err, c.want)
			}
		})
	}
	if got, err := decimal.Div(decimal.FromInt64(1, 0), decimal.FromInt64(0, 2)); !errors.Is(err, decimal.ErrDivisionByZero) {
		t.Errorf("1 / 0.00 = %v, %v; want ErrDivisionByZero", got, err)
	}
}

// TestAvgPostgres: avg(numeric) is sum / count with the division's scale.
// Each sum and avg came from select avg(x), sum(x) from (values ...) v(x).
func TestAvgPostgres(t *testing.T) {
	for _, c := range []struct {
		values, sum string
		count       int64
		want        string
	}{
		{"(1),(2)", "3", 2, "1.5000000000000000"},
		{"(1.10),(2.25),(3)", "6.35", 3, "2.1166666666666667"},
		{"(10),(20),(30)", "60", 3, "20.0000000000000000"},
		{"(-0.001),(0.002),(0.004)", "0.005", 3, "0.00166666666666666667"},
		{"(123456789012345678),(123456789012345679),(123456789012345679)", "370370367037037036", 3, "123456789012345679"},
		{"(99999.99),(0.01),(7)", "100007.00", 3, "33335.666666666667"},
	} {
		t.Run("select avg(x) from (values "+c.values+") v(x)", func(t *testing.T) {
			got, err := decimal.Div(mustParse(t, c.sum), decimal.FromInt64(c.count, 0))
			if err != nil || got.String() != c.want {
				t.Errorf("%s / %d = %v, %v; want %s", c.sum, c.count, got, err, c.want)
			}
		})
	}
}

func TestRoundTruncPostgres(t *testing.T) {
	type fn func(decimal.Decimal, int32) (decimal.Decimal, error)
	for _, c := range []struct {
		sql   string
		f     fn
		x     string
		scale int32
		want  string
	}{
		{"select round(1234.5678, -2)", decimal.Round, "1234.5678", -2, "1200"},
		{"select round(1234.5678, 2)", decimal.Round, "1234.5678", 2, "1234.57"},
		{"select round(-2.5)", decimal.Round, "-2.5", 0, "-3"},
		{"select round(2.5)", decimal.Round, "2.5", 0, "3"},
		{"select round(1234.5678, -4)", decimal.Round, "1234.5678", -4, "0"},
		{"select round(5678.9, -4)", decimal.Round, "5678.9", -4, "10000"},
		{"select round(1.5, 3)", decimal.Round, "1.5", 3, "1.500"},
		{"select round(0.5)", decimal.Round, "0.5", 0, "1"},
		{"select round(-0.4)", decimal.Round, "-0.4", 0, "0"},
		{"select round(99.95, 1)", decimal.Round, "99.95", 1, "100.0"},
		{"select round(-1234.5678, -2)", decimal.Round, "-1234.5678", -2, "-1200"},
		{"select round(0.000, 1)", decimal.Round, "0.000", 1, "0.0"},
		{"select round(1234.5678, -5)", decimal.Round, "1234.5678", -5, "0"},
		{"select trunc(-2.7)", decimal.Trunc, "-2.7", 0, "-2"},
		{"select trunc(2.7)", decimal.Trunc, "2.7", 0, "2"},
		{"select trunc(1234.5678, -2)", decimal.Trunc, "1234.5678", -2, "1200"},
		{"select trunc(1234.5678, 2)", decimal.Trunc, "1234.5678", 2, "1234.56"},
		{"select trunc(-1234.5678, -2)", decimal.Trunc, "-1234.5678", -2, "-1200"},
		{"select trunc(1.5, 3)", decimal.Trunc, "1.5", 3, "1.500"},
		{"select trunc(-0.9)", decimal.Trunc, "-0.9", 0, "0"},
		{"select trunc(99.99, 1)", decimal.Trunc, "99.99", 1, "99.9"},
		{"select trunc(1234.5678, -4)", decimal.Trunc, "1234.5678", -4, "0"},
	} {
		t.Run(c.sql, func(t *testing.T) {
			got, err := c.f(mustParse(t, c.x), c.scale)
			if err != nil || got.String() != c.want {
				t.Errorf("= %v, %v; want %s", got, err, c.want)
			}
		})
	}
}

func TestFloorCeilPostgres(t *testing.T) {
	for _, c := range []struct{ sql, x, want string }{
		{"select floor(-2.5)", "-2.5", "-3"},
		{"select floor(2.5)", "2.5", "2"},
		{"select floor(-0.5)", "-0.5", "-1"},
		{"select floor(3.000)", "3.000", "3"},
		{"select ceil(-2.5)", "-2.5", "-2"},
		{"select ceil(2.5)", "2.5", "3"},
		{"select ceil(0.001)", "0.001", "1"},
		{"select ceil(-0.5)", "-0.5", "0"},
		{"select ceil(3.000)", "3.000", "3"},
	} {
		t.Run(c.sql, func(t *testing.T) {
			f := decimal.Floor
			if strings.Contains(c.sql, "ceil") {
				f = decimal.Ceil
			}
			if got := f(mustParse(t, c.x)); got.String() != c.want {
				t.Errorf("= %v; want %s", got, c.want)
			}
		})
	}
}

func TestArithmeticPostgres(t *testing.T) {
	ops := map[string]func(a, b decimal.Decimal) (decimal.Decimal, error){
		"+": decimal.Add, "-": decimal.Sub, "*": decimal.Mul, "%": decimal.Mod,
	}
	for _, c := range []struct{ a, op, b, want string }{
		// select mod(a, b), which is a % b
		{"10.5", "%", "3", "1.5"},
		{"-10.5", "%", "3", "-1.5"},
		{"10.5", "%", "-3", "1.5"},
		{"-10.5", "%", "-3", "-1.5"},
		{"7", "%", "2.5", "2.0"},
		{"1", "%", "0.3", "0.1"},
		{"0.75", "%", "0.2", "0.15"},
		{"-7", "%", "2", "-1"},
		{"5.00", "%", "5", "0.00"},
		{"0", "%", "3.5", "0.0"},
		{"123456789012345678901234", "%", "97", "0"},
		{"2", "%", "3.000", "2.000"},
		// select a op b
		{"1.5", "*", "2.25", "3.375"},
		{"0.10", "*", "0.10", "0.0100"},
		{"-3", "*", "0.5", "-1.5"},
		{"-0.5", "*", "0", "0.0"},
		{"12345678901234567890", "*", "98765432109876543", "1219326311370217949644871231852004270"},
		{"1.1", "+", "2.22", "3.32"},
		{"1.1", "-", "2.22", "-1.12"},
		{"0.001", "-", "0.001", "0.000"},
		{"99999999999999999999.5", "+", "0.5", "100000000000000000000.0"},
	} {
		t.Run("select "+c.a+" "+c.op+" "+c.b, func(t *testing.T) {
			got, err := ops[c.op](mustParse(t, c.a), mustParse(t, c.b))
			if err != nil || got.String() != c.want {
				t.Errorf("= %v, %v; want %s", got, err, c.want)
			}
		})
	}
}

// TestParsePostgres: select $q$<in>$q$::numeric; the text is also
// Append's output for the value.
func TestParsePostgres(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		{in: "  1.50 ", want: "1.50"},
		{in: "+.5", want: "0.5"},
		{in: "5.", want: "5"},
		{in: "1.5e3", want: "1500"},
		{in: "1e-3", want: "0.001"},
		{in: "-0.000", want: "0.000"},
		{in: "1E+2", want: "100"},
		{in: "00012.3400", want: "12.3400"},
		{in: "-00.0100", want: "-0.0100"},
		{in: "1e-0", want: "1"},
		{in: "0e5", want: "0"},
		{in: "0e-5", want: "0.00000"},
		{in: "12.5e-1", want: "1.25"},
		{in: "12.5e1", want: "125"},
		{in: ".000", want: "0.000"},
		{in: "1.5E-2", want: "0.015"},
		{in: "5e-3", want: "0.005"},
		{in: "\t7\n", want: "7"},
		{in: "-0.5", want: "-0.5"},
		{in: "0.05", want: "0.05"},
		{in: "1.0000000000000000000000000000000000000", want: "1.0000000000000000000000000000000000000"},
		{in: "99999999999999999999999999999999999999", want: "99999999999999999999999999999999999999"},
		{in: "12345678901234567890123456789012345678", want: "12345678901234567890123456789012345678"},
		{in: "-0.12345678901234567890123456789012345678", want: "-0.12345678901234567890123456789012345678"},
		// The exponent is read by strtol: blanks and a sign may lead it.
		{in: "1e 5", want: "100000"},
		{in: "1e\t-5", want: "0.00001"},
		{in: "1e +5", want: "100000"},
		{in: "0e99999", want: "0"},
		{in: "1e-1001", want: "0." + strings.Repeat("0", 1000) + "1"},
		{in: "1.5e-1000", want: "0." + strings.Repeat("0", 999) + "15"},
		{in: "1e-16383", want: "0." + strings.Repeat("0", 16382) + "1"},
		// ERROR: value overflows numeric format (22003).
		{in: "1e131072", err: decimal.ErrOverflow},
		{in: "1e-16384", err: decimal.ErrOverflow},
		{in: "1e99999999999999999999", err: decimal.ErrOverflow},
		{in: "0e-1073741822", err: decimal.ErrOverflow},
		// ERROR: invalid input syntax for type numeric (22P02).
		{in: ".", err: decimal.ErrSyntax},
		{in: "", err: decimal.ErrSyntax},
		{in: "abc", err: decimal.ErrSyntax},
		{in: "1e", err: decimal.ErrSyntax},
		{in: "1 e5", err: decimal.ErrSyntax},
		{in: "1.2.3", err: decimal.ErrSyntax},
		{in: "--1", err: decimal.ErrSyntax},
		{in: "- 1", err: decimal.ErrSyntax},
		{in: "1e+", err: decimal.ErrSyntax},
		{in: "1e+ 5", err: decimal.ErrSyntax},
		{in: "1_000", err: decimal.ErrSyntax},
		{in: "0x10", err: decimal.ErrSyntax},
		{in: "1e5.5", err: decimal.ErrSyntax},
		{in: "1ee5", err: decimal.ErrSyntax},
		{in: "+", err: decimal.ErrSyntax},
		{in: "-", err: decimal.ErrSyntax},
	} {
		t.Run("select $q$"+c.in+"$q$::numeric", func(t *testing.T) {
			checkParse(t, c.in, c.want, c.err)
		})
	}
}

// checkParse checks that Parse reads in as the text want, or fails with
// wantErr when that is set.
func checkParse(t *testing.T, in, want string, wantErr error) {
	t.Helper()
	got, err := decimal.Parse([]byte(in))
	if wantErr != nil {
		if !errors.Is(err, wantErr) {
			t.Errorf("= %v, %v; want %v", got, err, wantErr)
		}
		return
	}
	if err != nil || got.String() != want {
		t.Errorf("= %v, %v; want %s", got, err, want)
	}
}

// TestParseContract covers inputs where doc.go departs from PostgreSQL,
// whose answer each comment gives.
func TestParseContract(t *testing.T) {
	for _, c := range []struct {
		in, want string
		err      error
	}{
		// PostgreSQL: NaN, Infinity. Apiary's numeric has neither.
		{in: "NaN", err: decimal.ErrSyntax},
		{in: "Infinity", err: decimal.ErrSyntax},
		// PostgreSQL: 1 and 1001 zeros; the integer part needs 1002 digits.
		{in: "1e1001", err: decimal.ErrOverflow},
		// PostgreSQL: 100000000000000000000000000000000000000.
		{in: "99999999999999999999999999999999999999.5", err: decimal.ErrOverflow},
		// PostgreSQL keeps all 42 digits; 38 remain.
		{in: "-1.00000000000000000000000000000000000000001", want: "-1.0000000000000000000000000000000000000"},
		{in: "12345678901234567890123456789012345678.5", want: "12345678901234567890123456789012345679"},
		{in: "0.99999999999999999999999999999999999999999", want: "1.0000000000000000000000000000000000000"},
	} {
		t.Run(c.in, func(t *testing.T) {
			checkParse(t, c.in, c.want, c.err)
		})
	}
}

// TestFloat64Postgres: set extra_float_digits = 3; select '<x>'::numeric::float8.
func TestFloat64Postgres(t *testing.T) {
	for _, c := range []struct{ x, want string }{
		{"0.1", "0.1"},
		{"0.3", "0.3"},
		{"0.33333333333333333333", "0.3333333333333333"}, // (1::numeric/3)::float8
		{"123456789.123456789", "123456789.12345679"},
		{"12345678901234567890123456789012345678", "1.2345678901234568e+37"},
		{"0.00000000000000000000000000001234", "1.234e-29"},
		{"-2.5", "-2.5"},
		{"9007199254740993", "9.007199254740992e+15"},
		{"1e22", "1e+22"},
		{"1e23", "9.999999999999999e+22"},
	} {
		t.Run("select "+c.x+"::numeric::float8", func(t *testing.T) {
			w, err := strconv.ParseFloat(c.want, 64)
			if err != nil {
				t.Fatal(err)
			}
			if got := mustParse(t, c.x).Float64(); got != w {
				t.Errorf("= %v; want %s", got, c.want)
			}
		})
	}
}

// TestFromFloat64Postgres: select <f>::float8::numeric.
func TestFromFloat64Postgres(t *testing.T) {
	for _, c := range []struct {
		sql  string
		f    float64
		want string
	}{
		{"0.1", 0.1, "0.1"},
		{"1e20", 1e20, "100000000000000000000"},
		{"1.23456789012345678e-5", 1.23456789012345678e-5, "0.0000123456789012346"},
		{"123456789012345.678", 123456789012345.678, "123456789012346"},
		{"(1::float8/3)", 1.0 / 3, "0.333333333333333"},
		{"(-2.5)", -2.5, "-2.5"},
		{"1e15", 1e15, "1000000000000000"},
		{"1e-5", 1e-5, "0.00001"},
		{"0.0001", 0.0001, "0.0001"},
		{"2.5e-5", 2.5e-5, "0.000025"},
		{"123456789012345678", 123456789012345678, "123456789012346000"},
		{"1234567890123445", 1234567890123445, "1234567890123440"},
		{"1234567890123455", 1234567890123455, "1234567890123460"},
		{"0", 0, "0"},
		{"(-0)", math.Copysign(0, -1), "0"},
		{"1e-300", 1e-300, "0." + strings.Repeat("0", 299) + "1"},
	} {
		t.Run("select "+c.sql+"::float8::numeric", func(t *testing.T) {
			got, err := decimal.FromFloat64(c.f)
			if err != nil || got.String() != c.want {
				t.Errorf("= %v, %v; want %s", got, err, c.want)
			}
		})
	}
	// PostgreSQL: 1e38::float8::numeric has 39 digits.
	if got, err := decimal.FromFloat64(1e38); !errors.Is(err, decimal.ErrOverflow) {
		t.Errorf("FromFloat64(1e38) = %v, %v; want ErrOverflow", got, err)
	}
}

// Small operands take the 64-bit paths, which must not allocate.
var (
	smallA = decimal.FromInt64(1234567, 2) // 12345.67
	smallB = decimal.FromInt64(-891, 1)    // -89.1
	sink   decimal.Decimal
	sinkN  int
)

func TestFastPathsDoNotAllocate(t *testing.T) {
	buf := make([]byte, 0, 64)
	for name, f := range map[string]func(){
		"Add":    func() { sink, _ = decimal.Add(smallA, smallB) },
		"Mul":    func() { sink, _ = decimal.Mul(smallA, smallB) },
		"Div":    func() { sink, _ = decimal.Div(smallA, smallB) },
		"Cmp":    func() { sinkN = decimal.Cmp(smallA, smallB) },
		"Append": func() { buf = decimal.Append(buf[:0], smallB) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
}

func BenchmarkAdd(b *testing.B) {
	for b.Loop() {
		sink, _ = decimal.Add(smallA, smallB)
	}
}

func BenchmarkMul(b *testing.B) {
	for b.Loop() {
		sink, _ = decimal.Mul(smallA, smallB)
	}
}

func BenchmarkDiv(b *testing.B) {
	for b.Loop() {
		sink, _ = decimal.Div(smallA, smallB)
	}
}

func BenchmarkCmp(b *testing.B) {
	for b.Loop() {
		sinkN = decimal.Cmp(smallA, smallB)
	}
}

func BenchmarkAppend(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.SetBytes(int64(len(decimal.Append(buf, smallA))))
	for b.Loop() {
		buf = decimal.Append(buf[:0], smallA)
	}
}
