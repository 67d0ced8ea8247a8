package decimal

import (
	"cmp"
	"errors"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

// Decimal is a numeric value: Hi and Lo are the coefficient as a 128-bit
// two's-complement integer (Hi the upper half, as Arrow's decimal128 lays
// it out), Scale the number of decimals. Zero is never negative. The zero
// Decimal is 0 with no decimals.
type Decimal struct {
	Lo    uint64
	Hi    int64
	Scale int32
}

// MaxDigits is the most decimal digits a coefficient holds.
const MaxDigits = 38

// MaxScale is the most decimals a quotient gets and Round pads to:
// PostgreSQL's limit on the display scale of a quotient
// (NUMERIC_MAX_DISPLAY_SCALE). Parsed values and products may keep more, up
// to PostgreSQL's 16383.
const MaxScale = 1000

// maxDscale is the most decimals PostgreSQL stores (NUMERIC_DSCALE_MAX):
// input with more overflows, a product with more is rounded.
const maxDscale = 16383

// The errors operations return; exec/expr turns them into SQLSTATEs.
var (
	// ErrOverflow: the integer part of a result needs more than MaxDigits
	// digits (22003).
	ErrOverflow = errors.New("value overflows numeric format")
	// ErrDivisionByZero: a divisor or modulus is zero (22012).
	ErrDivisionByZero = errors.New("division by zero")
	// ErrSyntax: text that is not a number (22P02).
	ErrSyntax = errors.New("invalid input syntax for type numeric")
)

// u128 is an unsigned 128-bit magnitude.
type u128 struct{ hi, lo uint64 }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a u128) cmp(b u128) int {
	if a.hi != b.hi {
		return cmp.Compare(a.hi, b.hi)
	}
	return cmp.Compare(a.lo, b.lo)
}

func (a u128) add(b u128) (u128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c2 := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c2 == 0
}

// sub returns a-b for a ≥ b.
func (a u128) sub(b u128) u128 {
	lo, borrow := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, borrow)
	return u128{hi, lo}
}

// mul returns the 256-bit product as (high, low) halves.
func (a u128) mul(b u128) (u128, u128) {
	// Schoolbook on 64-bit limbs: a = a1·2^64 + a0, b likewise.
	h00, l00 := bits.Mul64(a.lo, b.lo)
	h01, l01 := bits.Mul64(a.lo, b.hi)
	h10, l10 := bits.Mul64(a.hi, b.lo)
	h11, l11 := bits.Mul64(a.hi, b.hi)
	w0 := l00
	w1, c1 := bits.Add64(h00, l01, 0)
	w2, c2 := bits.Add64(h01, l11, c1)
	w3, _ := bits.Add64(h11, 0, c2)
	w1, c1 = bits.Add64(w1, l10, 0)
	w2, c2 = bits.Add64(w2, h10, c1)
	w3, _ = bits.Add64(w3, 0, c2)
	return u128{w3, w2}, u128{w1, w0}
}

// divmod64 divides by a 64-bit divisor.
func (a u128) divmod64(d uint64) (u128, uint64) {
	qhi, r := bits.Div64(0, a.hi, d)
	qlo, r := bits.Div64(r, a.lo, d)
	return u128{qhi, qlo}, r
}

func (a u128) big() *big.Int {
	var x big.Int
	x.SetUint64(a.hi)
	x.Lsh(&x, 64)
	return x.Or(&x, new(big.Int).SetUint64(a.lo))
}

var (
	pow10   [MaxDigits + 1]u128 // 10^0 .. 10^38
	maxCoef u128                // 10^38 - 1
)

func init() {
	pow10[0] = u128{0, 1}
	for i := 1; i <= MaxDigits; i++ {
		_, lo := pow10[i-1].mul(u128{0, 10})
		pow10[i] = lo
	}
	maxCoef = pow10[MaxDigits].sub(u128{0, 1})
}

// tenTo returns 10^k as a big.Int; callers must not modify it.
func tenTo(k int32) *big.Int {
	if k <= MaxDigits {
		return pow10[k].big()
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// digits returns the number of decimal digits of a (0 for zero).
func digits(a u128) int {
	n := bits.Len64(a.hi)
	if a.hi == 0 {
		n = bits.Len64(a.lo)
	} else {
		n += 64
	}
	// 1233/4096 ≈ log10(2): a first guess off by at most one.
	d := n * 1233 >> 12
	if d <= MaxDigits && a.cmp(pow10[d]) >= 0 {
		d++
	}
	return d
}

// mulPow10 returns a·10^k when it fits 38 digits.
func mulPow10(a u128, k int32) (u128, bool) {
	if k == 0 || a.isZero() {
		return a, true
	}
	if k > MaxDigits {
		return u128{}, false
	}
	hi, lo := a.mul(pow10[k])
	return lo, hi.isZero() && lo.cmp(maxCoef) <= 0
}

// divPow10 divides by 10^k, rounding half away from zero when round is set
// and truncating otherwise.
func divPow10(a u128, k int32, round bool) u128 {
	if k <= 0 {
		return a
	}
	if k > MaxDigits {
		return u128{} // a < 10^39, so a/10^k < 0.5 from k = 40, and < 1 at 39: only 0 when truncating; rounding 39 needs a ≥ 5·10^38
	}
	if k <= 19 {
		q, r := a.divmod64(pow10[k].lo)
		if round && r >= pow10[k].lo/2 {
			q, _ = q.add(u128{0, 1})
		}
		return q
	}
	q, _ := a.divmod64(pow10[19].lo)
	q, r := q.divmod64(pow10[k-19].lo)
	if round && r >= pow10[k-19].lo/2 {
		q, _ = q.add(u128{0, 1})
	}
	return q
}

func (d Decimal) mag() (u128, bool) {
	if d.Hi < 0 {
		lo := -d.Lo
		hi := ^uint64(d.Hi)
		if d.Lo == 0 {
			hi++
		}
		return u128{hi, lo}, true
	}
	return u128{uint64(d.Hi), d.Lo}, false
}

// fromMag is the Decimal of magnitude m, negative when neg (zero never is).
func fromMag(m u128, neg bool, scale int32) Decimal {
	if neg && !m.isZero() {
		lo := -m.lo
		hi := ^m.hi
		if m.lo == 0 {
			hi++
		}
		return Decimal{Lo: lo, Hi: int64(hi), Scale: scale}
	}
	return Decimal{Lo: m.lo, Hi: int64(m.hi), Scale: scale}
}

// FromInt64 returns the coefficient v with scale decimals: FromInt64(150, 2)
// is 1.50.
func FromInt64(v int64, scale int32) Decimal {
	return Decimal{Lo: uint64(v), Hi: v >> 63, Scale: scale}
}

// FromInt128 returns the two's-complement coefficient (hi, lo) with scale
// decimals, keeping 38 digits as Decimal's results do.
func FromInt128(hi int64, lo uint64, scale int32) (Decimal, error) {
	d := Decimal{Lo: lo, Hi: hi, Scale: scale}
	m, neg := d.mag()
	if m.cmp(maxCoef) <= 0 {
		return d, nil
	}
	return fitBig(m.big(), neg, scale)
}

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int {
	switch {
	case d.Hi < 0:
		return -1
	case d.Hi == 0 && d.Lo == 0:
		return 0
	}
	return 1
}

// IsZero reports whether d is zero at any scale.
func (d Decimal) IsZero() bool { return d.Hi == 0 && d.Lo == 0 }

// Neg returns -d.
func (d Decimal) Neg() Decimal {
	m, neg := d.mag()
	return fromMag(m, !neg, d.Scale)
}

// Abs returns |d|.
func (d Decimal) Abs() Decimal {
	m, _ := d.mag()
	return fromMag(m, false, d.Scale)
}

// fitBig makes a Decimal of the integer x (negated when neg) with scale
// decimals, dropping decimals (rounded) until it fits 38 digits.
func fitBig(x *big.Int, neg bool, scale int32) (Decimal, error) {
	x = new(big.Int).Abs(x)
	for {
		d, drop, err := fitRounded(x, neg, scale)
		if drop == 0 || err != nil {
			return d, err
		}
		// Rounding may carry into a 39th digit: the loop drops one more.
		x = roundQuo(x, tenTo(drop))
		scale -= drop
	}
}

// fitRounded makes a Decimal of the coefficient q ≥ 0 at scale. When q has
// more than 38 digits it returns how many decimals to drop instead, so the
// caller can round once from the exact value rather than twice; it fails
// when they are more than the decimals there are.
func fitRounded(q *big.Int, neg bool, scale int32) (Decimal, int32, error) {
	if q.BitLen() <= 128 {
		m := u128{new(big.Int).Rsh(q, 64).Uint64(), q.Uint64()}
		if m.cmp(maxCoef) <= 0 {
			return fromMag(m, neg, scale), 0, nil
		}
	}
	drop := int32(len(q.String())) - MaxDigits
	if drop > scale {
		return Decimal{}, 0, ErrOverflow
	}
	return Decimal{}, drop, nil
}

// roundQuo returns x/y rounded half away from zero, for x ≥ 0, y > 0.
func roundQuo(x, y *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(x, y, new(big.Int))
	if r.Lsh(r, 1).Cmp(y) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

func (d Decimal) big() *big.Int {
	m, neg := d.mag()
	x := m.big()
	if neg {
		x.Neg(x)
	}
	return x
}

// align returns the magnitudes of a and b at the larger of their scales,
// or ok false when that needs more than 38 digits.
func align(a, b Decimal) (ma, mb u128, scale int32, ok bool) {
	ma, _ = a.mag()
	mb, _ = b.mag()
	scale = max(a.Scale, b.Scale)
	if a.Scale < scale {
		ma, ok = mulPow10(ma, scale-a.Scale)
		return ma, mb, scale, ok
	}
	mb, ok = mulPow10(mb, scale-b.Scale)
	return ma, mb, scale, ok
}

// Add returns a+b with the larger of their scales.
func Add(a, b Decimal) (Decimal, error) {
	// The common case, running sums: one scale, and upper halves below
	// 2^61, so the two's-complement sum can neither overflow nor pass 38
	// digits (10^38 is about 5.4·10^18·2^64).
	const near = 1 << 61
	if a.Scale == b.Scale && uint64(a.Hi+near) < 2*near && uint64(b.Hi+near) < 2*near {
		lo, carry := bits.Add64(a.Lo, b.Lo, 0)
		return Decimal{Lo: lo, Hi: a.Hi + b.Hi + int64(carry), Scale: a.Scale}, nil
	}
	ma, mb, scale, ok := align(a, b)
	if ok {
		na, nb := a.Hi < 0, b.Hi < 0
		if na == nb {
			if s, ok := ma.add(mb); ok && s.cmp(maxCoef) <= 0 {
				return fromMag(s, na, scale), nil
			}
		} else if ma.cmp(mb) >= 0 {
			return fromMag(ma.sub(mb), na, scale), nil
		} else {
			return fromMag(mb.sub(ma), nb, scale), nil
		}
	}
	return addBig(a, b, scale)
}

func addBig(a, b Decimal, scale int32) (Decimal, error) {
	x := new(big.Int).Mul(a.big(), tenTo(scale-a.Scale))
	y := new(big.Int).Mul(b.big(), tenTo(scale-b.Scale))
	x.Add(x, y)
	return fitBig(x, x.Sign() < 0, scale)
}

// Sub returns a-b with the larger of their scales.
func Sub(a, b Decimal) (Decimal, error) { return Add(a, b.Neg()) }

// Mul returns a·b with the sum of their scales.
func Mul(a, b Decimal) (Decimal, error) {
	ma, na := a.mag()
	mb, nb := b.mag()
	scale := a.Scale + b.Scale
	hi, lo := ma.mul(mb)
	var p Decimal
	if hi.isZero() && lo.cmp(maxCoef) <= 0 {
		p = fromMag(lo, na != nb, scale)
	} else {
		var err error
		if p, err = fitBig(new(big.Int).Mul(ma.big(), mb.big()), na != nb, scale); err != nil {
			return Decimal{}, err
		}
	}
	if p.Scale > maxDscale {
		// PostgreSQL's numeric_mul rounds a product it cannot store; it
		// also stops repeated products of tiny values overflowing Scale.
		return Round(p, maxDscale)
	}
	return p, nil
}

// DivScale returns the scale PostgreSQL gives a/b (select_div_scale): at
// least 16 significant digits, at least the operands' scales, at most
// MaxScale. It looks at the leading base-10000 digit of each operand, as
// PostgreSQL's NBASE representation does.
func DivScale(a, b Decimal) int32 {
	wa, fa := nbaseLead(a)
	wb, fb := nbaseLead(b)
	return selectDivScale(wa, fa, wb, fb, a.Scale, b.Scale)
}

// selectDivScale is select_div_scale from the weights and leading
// base-10000 digits of the operands, and their scales.
func selectDivScale(wa, fa, wb, fb int, sa, sb int32) int32 {
	qweight := wa - wb
	if fa <= fb {
		qweight--
	}
	return min(max(int32(minSigDigits-qweight*4), sa, sb, 0), MaxScale)
}

// nbaseLead returns the weight and value of d's leading non-zero base-10000
// digit, groups of four decimal digits either side of the point: 12345.6
// is 1|2345.6000, weight 1, digit 1; 0.00123 is 0.0012|3000, weight -1,
// digit 12. Zero has weight 0 and digit 0.
func nbaseLead(d Decimal) (weight, first int) {
	m, _ := d.mag()
	if m.isZero() {
		return 0, 0
	}
	// e is the power of ten of the leading decimal digit.
	e := digits(m) - 1 - int(d.Scale)
	weight = e >> 2 // floor division by 4, negative e included
	// The leading group holds the digits from 10^e down to 10^(4·weight).
	shift := int32(d.Scale) + int32(4*weight) // first = m / 10^shift
	if shift >= 0 {
		return weight, int(divPow10(m, shift, false).lo)
	}
	f, _ := mulPow10(m, -shift)
	return weight, int(f.lo)
}

// Div returns a/b with PostgreSQL's scale (DivScale), rounded half away
// from zero.
func Div(a, b Decimal) (Decimal, error) {
	if b.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	return DivToScale(a, b, DivScale(a, b))
}

// DivToScale returns a/b with scale decimals, rounded half away from zero;
// scale must be at least a.Scale - b.Scale.
func DivToScale(a, b Decimal, scale int32) (Decimal, error) {
	if b.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	ma, na := a.mag()
	mb, nb := b.mag()
	neg := na != nb
	k := scale - a.Scale + b.Scale // a·10^k / b has scale decimals
	if k >= 0 && k <= MaxDigits && mb.hi == 0 {
		// Long division of the 256-bit a·10^k by a 64-bit divisor.
		nh, nl := ma.mul(pow10[k])
		d := mb.lo
		q3, r := bits.Div64(0, nh.hi, d)
		q2, r := bits.Div64(r, nh.lo, d)
		q1, r := bits.Div64(r, nl.hi, d)
		q0, r := bits.Div64(r, nl.lo, d)
		if q3 == 0 && q2 == 0 {
			q := u128{q1, q0}
			if r >= d-r { // 2r ≥ d without overflowing
				q, _ = q.add(u128{0, 1})
			}
			if q.cmp(maxCoef) <= 0 {
				return fromMag(q, neg, scale), nil
			}
		}
	}
	return divBig(ma.big(), mb.big(), neg, a.Scale, b.Scale, scale)
}

func divBig(x, y *big.Int, neg bool, sa, sb, scale int32) (Decimal, error) {
	for {
		num := new(big.Int).Set(x)
		den := new(big.Int).Set(y)
		if k := scale - sa + sb; k >= 0 {
			num.Mul(num, tenTo(k))
		} else {
			den.Mul(den, tenTo(-k))
		}
		d, drop, err := fitRounded(roundQuo(num, den), neg, scale)
		if drop == 0 || err != nil {
			return d, err
		}
		// Compute again with fewer decimals rather than round twice.
		scale -= drop
	}
}

// Mod returns a mod b (the sign of a, PostgreSQL's numeric %) with the
// larger of their scales.
func Mod(a, b Decimal) (Decimal, error) {
	if b.IsZero() {
		return Decimal{}, ErrDivisionByZero
	}
	ma, mb, scale, ok := align(a, b)
	if ok && mb.hi == 0 && ma.hi < mb.lo {
		_, r := bits.Div64(ma.hi, ma.lo, mb.lo)
		return fromMag(u128{0, r}, a.Hi < 0, scale), nil
	}
	x := new(big.Int).Mul(a.big(), tenTo(scale-a.Scale))
	y := new(big.Int).Mul(b.big(), tenTo(scale-b.Scale))
	x.Rem(x, y) // truncated: the sign of x
	return fitBig(x, x.Sign() < 0, scale)
}

// Cmp compares the values of a and b: 1.5 and 1.50 are equal.
func Cmp(a, b Decimal) int {
	if a.Scale == b.Scale {
		// Two's-complement order: the signed upper halves, then the
		// unsigned lower ones.
		if a.Hi != b.Hi {
			return cmp.Compare(a.Hi, b.Hi)
		}
		return cmp.Compare(a.Lo, b.Lo)
	}
	sa, sb := a.Sign(), b.Sign()
	if sa != sb {
		return cmp.Compare(sa, sb)
	}
	if sa == 0 {
		return 0
	}
	c := cmpMag(a, b)
	if sa < 0 {
		return -c
	}
	return c
}

func cmpMag(a, b Decimal) int {
	ma, _ := a.mag()
	mb, _ := b.mag()
	if a.Scale == b.Scale {
		return ma.cmp(mb)
	}
	// Scale the one with fewer decimals up; past 128 bits it is the larger.
	if a.Scale < b.Scale {
		if k := b.Scale - a.Scale; k > MaxDigits {
			return 1 - 2*b2i(ma.isZero())
		} else if hi, lo := ma.mul(pow10[k]); !hi.isZero() {
			return 1
		} else {
			return lo.cmp(mb)
		}
	}
	if k := a.Scale - b.Scale; k > MaxDigits {
		return 2*b2i(mb.isZero()) - 1
	} else if hi, lo := mb.mul(pow10[k]); !hi.isZero() {
		return -1
	} else {
		return ma.cmp(lo)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Normalize returns d without trailing zero decimals, the form equal values
// share for hashing: 1.50 and 1.5 both become 1.5, 0.00 becomes 0.
func Normalize(d Decimal) Decimal {
	if d.IsZero() {
		return Decimal{}
	}
	m, neg := d.mag()
	s := d.Scale
	for s > 0 {
		q, r := m.divmod64(10)
		if r != 0 {
			break
		}
		m, s = q, s-1
	}
	return fromMag(m, neg, s)
}

// Round rounds half away from zero to scale decimals; a negative scale
// rounds to tens, hundreds, ... and leaves no decimals, as round(x, -2)
// does. A scale above d's pads with zeros.
func Round(d Decimal, scale int32) (Decimal, error) { return rescale(d, scale, true) }

// Trunc is Round truncating towards zero.
func Trunc(d Decimal, scale int32) (Decimal, error) { return rescale(d, scale, false) }

func rescale(d Decimal, scale int32, round bool) (Decimal, error) {
	m, neg := d.mag()
	switch {
	case scale == d.Scale:
		return d, nil
	case scale > d.Scale:
		// A value that already has more than MaxScale decimals keeps them.
		scale = max(min(scale, MaxScale), d.Scale)
		if scale == d.Scale {
			return d, nil
		}
		if up, ok := mulPow10(m, scale-d.Scale); ok {
			return fromMag(up, neg, scale), nil
		}
		return fitBig(new(big.Int).Mul(m.big(), tenTo(scale-d.Scale)), neg, scale)
	case scale >= 0:
		return fromMag(divPow10(m, d.Scale-scale, round), neg, scale), nil
	}
	// To a power of ten left of the point, then back to an integer. Every
	// coefficient rounds to 0 at 10^39, and clamping there keeps
	// d.Scale-scale from overflowing int32.
	scale = max(scale, -(MaxDigits + 1))
	q := divPow10(m, d.Scale-scale, round)
	if up, ok := mulPow10(q, -scale); ok {
		return fromMag(up, neg, 0), nil
	}
	return Decimal{}, ErrOverflow
}

// Floor returns the largest integer not above d, with no decimals.
func Floor(d Decimal) Decimal {
	t, _ := Trunc(d, 0)
	if d.Hi < 0 && Cmp(t, d) != 0 {
		t, _ = Sub(t, Decimal{Lo: 1})
	}
	return t
}

// Ceil returns the smallest integer not below d, with no decimals.
func Ceil(d Decimal) Decimal {
	t, _ := Trunc(d, 0)
	if d.Sign() > 0 && Cmp(t, d) != 0 {
		t, _ = Add(t, Decimal{Lo: 1})
	}
	return t
}

// Int64 returns d rounded half away from zero to an integer, and whether it
// fits an int64.
func (d Decimal) Int64() (int64, bool) {
	m, neg := d.mag()
	q := divPow10(m, d.Scale, true)
	if q.hi != 0 || q.lo > 1<<63 || q.lo == 1<<63 && !neg {
		return 0, false
	}
	if neg {
		return -int64(q.lo), true
	}
	return int64(q.lo), true
}

// Scaled returns d as an int64 coefficient with scale decimals (rounded half
// away from zero), and whether it fits: the narrow numeric form.
func (d Decimal) Scaled(scale int32) (int64, bool) {
	r, err := Round(d, scale)
	if err != nil || r.Scale != scale {
		return 0, false
	}
	m, neg := r.mag()
	if m.hi != 0 || m.lo > 1<<63 || m.lo == 1<<63 && !neg {
		return 0, false
	}
	if neg {
		return -int64(m.lo), true
	}
	return int64(m.lo), true
}

var exactPow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// Float64 returns the double nearest d, as PostgreSQL's numeric to float8
// cast does (through the text form).
func (d Decimal) Float64() float64 {
	m, neg := d.mag()
	if m.hi == 0 && m.lo < 1<<53 && int(d.Scale) < len(exactPow10) {
		// Both operands are exact, so one division rounds correctly.
		f := float64(m.lo) / exactPow10[d.Scale]
		if neg {
			f = -f
		}
		return f
	}
	var buf [64]byte
	f, _ := strconv.ParseFloat(string(Append(buf[:0], d)), 64)
	return f
}

// FromFloat64 converts a finite double as PostgreSQL does: through its text
// form with 15 significant digits (DBL_DIG).
func FromFloat64(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, ErrSyntax
	}
	var buf [32]byte
	return Parse(strconv.AppendFloat(buf[:0], f, 'g', 15, 64))
}

// Append appends d's text form: exactly d.Scale decimals.
func Append(dst []byte, d Decimal) []byte {
	m, neg := d.mag()
	if neg {
		dst = append(dst, '-')
	}
	var buf [40]byte
	ds := appendMag(buf[:0], m)
	s := int(d.Scale)
	if s <= 0 {
		return append(dst, ds...)
	}
	if len(ds) <= s {
		dst = append(dst, '0', '.')
		for range s - len(ds) {
			dst = append(dst, '0')
		}
		return append(dst, ds...)
	}
	dst = append(dst, ds[:len(ds)-s]...)
	dst = append(dst, '.')
	return append(dst, ds[len(ds)-s:]...)
}

// appendMag appends the decimal digits of m.
func appendMag(dst []byte, m u128) []byte {
	if m.hi == 0 {
		return strconv.AppendUint(dst, m.lo, 10)
	}
	// Two chunks of 19 digits below the top one.
	q, low := m.divmod64(pow10[19].lo)
	if q.hi == 0 {
		dst = strconv.AppendUint(dst, q.lo, 10)
	} else {
		q2, mid := q.divmod64(pow10[19].lo)
		dst = strconv.AppendUint(dst, q2.lo, 10)
		dst = appendPadded(dst, mid)
	}
	return appendPadded(dst, low)
}

func appendPadded(dst []byte, v uint64) []byte {
	var buf [20]byte
	s := strconv.AppendUint(buf[:0], v, 10)
	for range 19 - len(s) {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}

// String returns the text form.
func (d Decimal) String() string { return string(Append(nil, d)) }

// Parse reads numeric input as PostgreSQL's numeric_in does: optional
// blanks and sign, digits with an optional point, an optional exponent.
// The scale is the number of decimals written, less the exponent: "1.50"
// has scale 2, "1.5e3" scale 0, "1e-3" scale 3. NaN and infinities are
// ErrSyntax: Apiary's numeric has neither. More than 16383 decimals, or an
// exponent PostgreSQL cannot store, is ErrOverflow as in PostgreSQL 15.
func Parse(s []byte) (Decimal, error) {
	i, n := 0, len(s)
	for i < n && isSpace(s[i]) {
		i++
	}
	for n > i && isSpace(s[n-1]) {
		n--
	}
	s = s[i:n]
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var m u128
	sig, frac, dropped := 0, 0, 0 // significant digits kept, decimals written, digits past 38
	var firstDropped byte
	seenDigit, seenPoint := false, false
	j := 0
	for ; j < len(s); j++ {
		c := s[j]
		if c == '.' && !seenPoint {
			seenPoint = true
			continue
		}
		if c < '0' || c > '9' {
			break
		}
		seenDigit = true
		if seenPoint {
			frac++
		}
		if sig == 0 && c == '0' {
			continue
		}
		if sig < MaxDigits {
			_, lo := m.mul(u128{0, 10})
			m, _ = lo.add(u128{0, uint64(c - '0')})
			sig++
			continue
		}
		if dropped == 0 {
			firstDropped = c
		}
		dropped++
	}
	if !seenDigit {
		return Decimal{}, ErrSyntax
	}
	exp := int64(0)
	if j < len(s) {
		if s[j] != 'e' && s[j] != 'E' {
			return Decimal{}, ErrSyntax
		}
		var ok bool
		if exp, ok = parseExponent(s[j+1:]); !ok {
			return Decimal{}, ErrSyntax
		}
		// PostgreSQL 15 bounds the exponent by INT_MAX/2 and reports it as
		// overflow, as it does a display scale past NUMERIC_DSCALE_MAX.
		if exp >= math.MaxInt32/2 || exp <= -(math.MaxInt32/2) {
			return Decimal{}, ErrOverflow
		}
	}
	// The value is m·10^(dropped-written) with written = frac-exp decimals;
	// digits past the 38th are decimals dropped with rounding, or overflow.
	written := int64(frac) - exp
	if written > maxDscale {
		return Decimal{}, ErrOverflow
	}
	if dropped > 0 && firstDropped >= '5' {
		m, _ = m.add(u128{0, 1}) // 38 nines become 10^38: fitBig drops one more
	}
	p := int64(dropped) - written
	scale := int32(-p)
	if p > 0 {
		up, ok := mulPow10(m, int32(p))
		if !ok {
			return Decimal{}, ErrOverflow
		}
		m, scale = up, 0
	}
	if m.cmp(maxCoef) > 0 {
		return fitBig(m.big(), neg, scale)
	}
	return fromMag(m, neg, scale), nil
}

// parseExponent reads an exponent as numeric_in does with strtol: blanks,
// an optional sign, then digits up to the end. Values saturate at MaxInt32:
// the caller reports them as overflow anyway.
func parseExponent(s []byte) (int64, bool) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i == len(s) {
		return 0, false
	}
	var e int64
	for ; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		e = min(e*10+int64(c-'0'), math.MaxInt32)
	}
	if neg {
		e = -e
	}
	return e, true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}
