package expr

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"math"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// String functions. Positions and lengths count characters (the server
// encoding is UTF-8), as PostgreSQL's do; the loops take a byte at a time
// while the text is ASCII and decode runes only past that. Case mapping
// is Unicode's simple mapping, which is what PostgreSQL does under the
// C.UTF-8 and most other UTF-8 locales.

// maxStringBytes is PostgreSQL's limit on one value (MaxAllocSize), also
// what keeps a batch's int32 offsets from overflowing too quickly.
const maxStringBytes = 1<<30 - 1

var tBpchar = vec.Type{Kind: vec.KindText, Blank: true}

func errTooLarge() error {
	return sqlerr.New(codeProgramLimit, "requested length too large")
}

func init() {
	def("length char_length character_length",
		sig(tI32, charLength, tText))
	def("length", sig(tI32, byteLength, tBytea))
	def("octet_length",
		sig(tI32, byteLength, tText),
		sig(tI32, byteLength, tBpchar),
		sig(tI32, byteLength, tBytea))
	def("bit_length",
		sig(tI32, bitLength, tText),
		sig(tI32, bitLength, tBytea))
	def("lower", sig(tText, textMap(appendLower), tText))
	def("upper", sig(tText, textMap(appendUpper), tText))
	def("initcap", sig(tText, textMap(appendInitcap), tText))
	def("reverse", sig(tText, textMap(appendReverse), tText))
	def("md5",
		sig(tText, textMap(appendMD5), tText),
		sig(tText, textMap(appendMD5), tBytea))
	def("quote_ident", sig(tText, textMap(appendQuoteIdent), tText))
	def("quote_literal", sig(tText, textMap(appendQuoteLiteral), tText))
	def("substring substr",
		sig(tText, substrKernel(false), tText, tI32),
		sig(tText, substrKernel(false), tText, tI32, tI32),
		sig(tBytea, substrKernel(true), tBytea, tI32),
		sig(tBytea, substrKernel(true), tBytea, tI32, tI32))
	def("left", sig(tText, leftRight(true), tText, tI32))
	def("right", sig(tText, leftRight(false), tText, tI32))
	// position(substring IN string) reaches the binder as PostgreSQL's
	// function position(string, substring), which is strpos.
	def("strpos position", sig(tI32, strpos, tText, tText))
	// text ^@ text is starts_with under its operator's name.
	def("starts_with "+OperatorFunctionName("^@"), sig(tBool, startsWith, tText, tText))
	def("btrim trim",
		sig(tText, trimKernel(true, true), tText),
		sig(tText, trimKernel(true, true), tText, tText))
	def("ltrim",
		sig(tText, trimKernel(true, false), tText),
		sig(tText, trimKernel(true, false), tText, tText))
	def("rtrim",
		sig(tText, trimKernel(false, true), tText),
		sig(tText, trimKernel(false, true), tText, tText))
	def("replace", sig(tText, replaceKernel, tText, tText, tText))
	def("split_part", sig(tText, splitPart, tText, tText, tI32))
	def("lpad",
		sig(tText, padKernel(true), tText, tI32),
		sig(tText, padKernel(true), tText, tI32, tText))
	def("rpad",
		sig(tText, padKernel(false), tText, tI32),
		sig(tText, padKernel(false), tText, tI32, tText))
	def("repeat", sig(tText, repeatKernel, tText, tI32))
	def("ascii", sig(tI32, asciiKernel, tText))
	def("chr", sig(tText, chrKernel, tI32))
	def("translate", sig(tText, translateKernel, tText, tText, tText))
	def("to_hex",
		sig(tText, toHex(32), tI32),
		sig(tText, toHex(64), tI64))
	specialFuncs["concat"] = func(args []Expr) (Expr, error) { return newConcatFunc(args, false) }
	specialFuncs["concat_ws"] = func(args []Expr) (Expr, error) { return newConcatFunc(args, true) }
	specialFuncs["nullif"] = newNullIf
}

// Character helpers.

// charPrefix returns the byte length of the first n characters of s, or
// len(s) when s is shorter.
func charPrefix(s []byte, n int64) int {
	if n <= 0 {
		return 0
	}
	if n >= int64(len(s)) {
		return len(s)
	}
	i := 0
	for k := int64(0); k < n && i < len(s); k++ {
		if s[i] < utf8.RuneSelf {
			i++
			continue
		}
		_, size := utf8.DecodeRune(s[i:])
		i += size
	}
	return i
}

func charCount(s []byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return i + utf8.RuneCount(s[i:])
		}
	}
	return len(s)
}

func isASCII(s []byte) bool {
	for _, c := range s {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// textMap applies a value-to-value string function.
func textMap(f func(dst, s []byte) []byte) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		in := a[0].Bytes()
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) { return f(dst, in.Get(i)), nil })
	}
}

func charLength(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	in, o := a[0].Bytes(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = int32(charCount(in.Get(i))); return nil })
}

func byteLength(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	in, o := a[0].Bytes(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = int32(len(in.Get(i))); return nil })
}

func bitLength(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	in, o := a[0].Bytes(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = int32(8 * len(in.Get(i))); return nil })
}

func appendLower(dst, s []byte) []byte {
	if isASCII(s) {
		for _, c := range s {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	for _, r := range string(s) {
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
	}
	return dst
}

func appendUpper(dst, s []byte) []byte {
	if isASCII(s) {
		for _, c := range s {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			dst = append(dst, c)
		}
		return dst
	}
	for _, r := range string(s) {
		dst = utf8.AppendRune(dst, unicode.ToUpper(r))
	}
	return dst
}

// appendInitcap upper-cases the first letter of each run of letters and
// digits and lower-cases the rest, as initcap does.
func appendInitcap(dst, s []byte) []byte {
	inWord := false
	for _, r := range string(s) {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		switch {
		case !alnum:
		case inWord:
			r = unicode.ToLower(r)
		default:
			r = unicode.ToTitle(r)
		}
		inWord = alnum
		dst = utf8.AppendRune(dst, r)
	}
	return dst
}

func appendReverse(dst, s []byte) []byte {
	for len(s) > 0 {
		_, size := utf8.DecodeLastRune(s)
		dst = append(dst, s[len(s)-size:]...)
		s = s[:len(s)-size]
	}
	return dst
}

func appendMD5(dst, s []byte) []byte {
	sum := md5.Sum(s)
	return hex.AppendEncode(dst, sum[:])
}

// appendQuoteIdent quotes an identifier unless it is a plain lower-case
// one. Keywords are quoted by PostgreSQL too; Apiary knows no keyword list
// here and leaves them bare.
func appendQuoteIdent(dst, s []byte) []byte {
	plain := len(s) > 0 && (s[0] >= 'a' && s[0] <= 'z' || s[0] == '_')
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			plain = false
			break
		}
	}
	if plain {
		return append(dst, s...)
	}
	dst = append(dst, '"')
	for _, c := range s {
		if c == '"' {
			dst = append(dst, '"')
		}
		dst = append(dst, c)
	}
	return append(dst, '"')
}

// appendQuoteLiteral quotes a string literal, doubling quotes, and uses
// the E” form when there are backslashes, as quote_literal does.
func appendQuoteLiteral(dst, s []byte) []byte {
	if bytes.IndexByte(s, '\\') >= 0 {
		dst = append(dst, 'E')
	}
	dst = append(dst, '\'')
	for _, c := range s {
		if c == '\'' || c == '\\' {
			dst = append(dst, c)
		}
		dst = append(dst, c)
	}
	return append(dst, '\'')
}

// substrKernel is substring(s, start [, count]) in characters (bytes for
// bytea).
func substrKernel(isBytes bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		in := a[0].Bytes()
		start := intsOf(a[1])
		var count func(int) int64
		if len(a) > 2 {
			count = intsOf(a[2])
		}
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			s := in.Get(i)
			from := start(i) - 1
			to := int64(math.MaxInt64)
			if count != nil {
				c := count(i)
				if c < 0 {
					return dst, sqlerr.New(codeSubstringError, "negative substring length not allowed")
				}
				to = from + c
			}
			from = max(from, 0)
			if to <= from {
				return dst, nil
			}
			if isBytes {
				if from >= int64(len(s)) {
					return dst, nil
				}
				return append(dst, s[from:min(to, int64(len(s)))]...), nil
			}
			b0 := charPrefix(s, from)
			b1 := b0 + charPrefix(s[b0:], to-from)
			return append(dst, s[b0:b1]...), nil
		})
	}
}

// leftRight is left(s, n) or right(s, n); a negative n drops |n|
// characters from the other end.
func leftRight(left bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		in, cnt := a[0].Bytes(), intsOf(a[1])
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			s, k := in.Get(i), cnt(i)
			if k < 0 {
				k += int64(charCount(s))
			}
			if left {
				return append(dst, s[:charPrefix(s, k)]...), nil
			}
			if k <= 0 {
				return dst, nil
			}
			skip := max(int64(charCount(s))-k, 0)
			return append(dst, s[charPrefix(s, skip):]...), nil
		})
	}
}

func strpos(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	s, sub, o := a[0].Bytes(), a[1].Bytes(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		h := s.Get(i)
		k := bytes.Index(h, sub.Get(i))
		if k < 0 {
			o[i] = 0
		} else {
			o[i] = int32(charCount(h[:k]) + 1)
		}
		return nil
	})
}

func startsWith(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	s, p, o := a[0].Bytes(), a[1].Bytes(), out.Bools()
	return eachRow(n, sel, nulls, func(i int) error { o[i] = bytes.HasPrefix(s.Get(i), p.Get(i)); return nil })
}

// trimKernel removes characters of the set (default: spaces) from the
// chosen ends.
func trimKernel(leading, trailing bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		in := a[0].Bytes()
		var set *vec.Bytes
		if len(a) > 1 {
			set = a[1].Bytes()
		}
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			s := in.Get(i)
			chars := []byte(" ")
			if set != nil {
				chars = set.Get(i)
			}
			if isASCII(chars) {
				if leading {
					for len(s) > 0 && bytes.IndexByte(chars, s[0]) >= 0 {
						s = s[1:]
					}
				}
				if trailing {
					for len(s) > 0 && bytes.IndexByte(chars, s[len(s)-1]) >= 0 {
						s = s[:len(s)-1]
					}
				}
				return append(dst, s...), nil
			}
			if leading {
				for len(s) > 0 {
					r, size := utf8.DecodeRune(s)
					if !bytes.ContainsRune(chars, r) {
						break
					}
					s = s[size:]
				}
			}
			if trailing {
				for len(s) > 0 {
					r, size := utf8.DecodeLastRune(s)
					if !bytes.ContainsRune(chars, r) {
						break
					}
					s = s[:len(s)-size]
				}
			}
			return append(dst, s...), nil
		})
	}
}

func replaceKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	in, from, to := a[0].Bytes(), a[1].Bytes(), a[2].Bytes()
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		s, f, t := in.Get(i), from.Get(i), to.Get(i)
		if len(f) == 0 {
			return append(dst, s...), nil
		}
		for {
			k := bytes.Index(s, f)
			if k < 0 {
				break
			}
			dst = append(dst, s[:k]...)
			dst = append(dst, t...)
			s = s[k+len(f):]
			if len(dst) > maxStringBytes {
				return dst, errTooLarge()
			}
		}
		return append(dst, s...), nil
	})
}

// splitPart is split_part(s, delimiter, n): field n, counted from the end
// when negative; an empty delimiter makes s one field.
func splitPart(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	in, delim, field := a[0].Bytes(), a[1].Bytes(), intsOf(a[2])
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		s, d, k := in.Get(i), delim.Get(i), field(i)
		if k == 0 {
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "field position must not be zero")
		}
		if len(s) == 0 {
			return dst, nil
		}
		if len(d) == 0 {
			if k == 1 || k == -1 {
				return append(dst, s...), nil
			}
			return dst, nil
		}
		if k < 0 {
			k += int64(bytes.Count(s, d)) + 2
			if k <= 0 {
				return dst, nil
			}
		}
		for ; k > 1; k-- {
			j := bytes.Index(s, d)
			if j < 0 {
				return dst, nil
			}
			s = s[j+len(d):]
		}
		if j := bytes.Index(s, d); j >= 0 {
			s = s[:j]
		}
		return append(dst, s...), nil
	})
}

// padKernel is lpad/rpad(s, length [, fill]): s is cut to length
// characters or padded with repetitions of fill (default a space).
func padKernel(left bool) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		in, length := a[0].Bytes(), intsOf(a[1])
		var fill *vec.Bytes
		if len(a) > 2 {
			fill = a[2].Bytes()
		}
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			s, l := in.Get(i), length(i)
			f := []byte(" ")
			if fill != nil {
				f = fill.Get(i)
			}
			if l <= 0 {
				return dst, nil
			}
			if l*4 > maxStringBytes {
				return dst, errTooLarge()
			}
			have := int64(charCount(s))
			if have >= l || len(f) == 0 {
				return append(dst, s[:charPrefix(s, l)]...), nil
			}
			need := l - have
			pad := func(dst []byte) []byte {
				for need > 0 {
					for _, r := range string(f) {
						if need == 0 {
							break
						}
						dst = utf8.AppendRune(dst, r)
						need--
					}
				}
				return dst
			}
			if left {
				return append(pad(dst), s...), nil
			}
			return pad(append(dst, s...)), nil
		})
	}
}

func repeatKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	in, count := a[0].Bytes(), intsOf(a[1])
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		s, k := in.Get(i), count(i)
		if k <= 0 || len(s) == 0 {
			return dst, nil
		}
		if k*int64(len(s)) > maxStringBytes {
			return dst, errTooLarge()
		}
		for ; k > 0; k-- {
			dst = append(dst, s...)
		}
		return dst, nil
	})
}

func asciiKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, nulls *vec.Nulls) error {
	in, o := a[0].Bytes(), out.Int32s()
	return eachRow(n, sel, nulls, func(i int) error {
		s := in.Get(i)
		if len(s) == 0 {
			o[i] = 0
			return nil
		}
		r, _ := utf8.DecodeRune(s)
		o[i] = r
		return nil
	})
}

func chrKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	code := a[0].Int32s()
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		c := code[i]
		switch {
		case c == 0:
			return dst, sqlerr.New(codeProgramLimit, "null character not permitted")
		case c < 0:
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "character number must be positive")
		case c > unicode.MaxRune || c >= 0xD800 && c <= 0xDFFF:
			return dst, sqlerr.New(sqlerr.InvalidParameterValue, "requested character too large for encoding: %d", c)
		}
		return utf8.AppendRune(dst, c), nil
	})
}

// translateKernel replaces each character of from found in s by the
// character at the same position of to, deleting it when to is shorter.
func translateKernel(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	in, from, to := a[0].Bytes(), a[1].Bytes(), a[2].Bytes()
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		f, t := from.Get(i), to.Get(i)
		for _, r := range string(in.Get(i)) {
			pos := -1
			k := 0
			for _, fr := range string(f) {
				if fr == r {
					pos = k
					break
				}
				k++
			}
			if pos < 0 {
				dst = utf8.AppendRune(dst, r)
				continue
			}
			k = 0
			for _, tr := range string(t) {
				if k == pos {
					dst = utf8.AppendRune(dst, tr)
					break
				}
				k++
			}
		}
		return dst, nil
	})
}

// toHex prints the two's complement of negative numbers, as to_hex does.
func toHex(bits int) kernel {
	return func(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
		get := intsOf(a[0])
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			x := get(i)
			if bits == 32 {
				return strconv.AppendUint(dst, uint64(uint32(int32(x))), 16), nil
			}
			return strconv.AppendUint(dst, uint64(x), 16), nil
		})
	}
}

// NewConcat builds l || r. Text meets anything but an array: the other
// side is converted with its cast to text (true || 'a' is 'truea'); two
// bytea values concatenate as bytea; an untyped literal takes the other
// side's type, or text. A NULL operand gives NULL.
func NewConcat(l, r Expr) (Expr, error) {
	lu, ru := isUntyped(l), isUntyped(r)
	lt, rt := l.Type(), r.Type()
	isText := func(t vec.Type, u bool) bool { return !u && t.Kind == vec.KindText }
	isBytea := func(t vec.Type, u bool) bool { return !u && t.Kind == vec.KindBytea }
	var typ vec.Type
	switch {
	case isText(lt, lu) || isText(rt, ru) || lu && ru:
		typ = vec.Text
	case isBytea(lt, lu) && (isBytea(rt, ru) || ru), isBytea(rt, ru) && lu:
		typ = vec.Bytea
	case lu || ru:
		typ = vec.Text
	default:
		return nil, errUndefinedOperator("||", lt, rt)
	}
	args := []Expr{l, r}
	for i, a := range args {
		var err error
		switch {
		case isUntyped(a):
			args[i], err = Coerce(a, typ)
		case typ.Kind == vec.KindText && a.Type().Kind == vec.KindText && !a.Type().Blank:
			// varchar and text share the representation.
		case a.Type().Kind == vec.KindTimestampTZ:
			args[i], err = coerceInEnv(a, typ)
		default:
			args[i], err = NewCast(a, typ)
		}
		if err != nil {
			return nil, err
		}
	}
	ov := &overload{params: []vec.Type{typ, typ}, ret: typ, kern: textCat,
		show: func(a []string) string { return "(" + a[0] + " || " + a[1] + ")" }}
	return buildFunc("textcat", ov, args)
}

func textCat(_ *Ctx, a []*vec.Vec, out *vec.Vec, n int, sel []int32, _ *vec.Nulls) error {
	l, r := a[0].Bytes(), a[1].Bytes()
	return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
		dst = append(dst, l.Get(i)...)
		return append(dst, r.Get(i)...), nil
	})
}

// ConcatFunc is concat(args...) or concat_ws(sep, args...): the arguments'
// text forms (their output functions: true is 't'), NULLs skipped.
type ConcatFunc struct {
	Args []Expr
	WS   bool // concat_ws: Args[0] is the separator
}

func newConcatFunc(args []Expr, ws bool) (Expr, error) {
	name := "concat"
	if ws {
		name = "concat_ws"
	}
	if len(args) == 0 || ws && len(args) < 2 {
		return nil, errNoFunction(name, args)
	}
	out := make([]Expr, len(args))
	for i, a := range args {
		var err error
		if isUntyped(a) || ws && i == 0 {
			if out[i], err = coerceArg(a, vec.Text); err != nil {
				return nil, err
			}
			continue
		}
		out[i] = a
	}
	e := &ConcatFunc{Args: out, WS: ws}
	if ws {
		if k, ok := out[0].(*Const); ok && k.IsNull() {
			return NullConst(vec.Text), nil
		}
	}
	if allConst(out) {
		for _, a := range out {
			if a.Type().Kind == vec.KindTimestampTZ {
				return e, nil // printed in the session time zone
			}
		}
		return FoldConstants(e, nil)
	}
	return e, nil
}

func (e *ConcatFunc) Type() vec.Type { return vec.Text }
func (e *ConcatFunc) String() string {
	name := "concat"
	if e.WS {
		name = "concat_ws"
	}
	return (&Func{Name: name, Args: e.Args}).String()
}
func (e *ConcatFunc) Children() []Expr           { return e.Args }
func (e *ConcatFunc) WithChildren(c []Expr) Expr { return &ConcatFunc{Args: c, WS: e.WS} }

func (e *ConcatFunc) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	n := b.PhysLen()
	vals := make([]*vec.Vec, len(e.Args))
	for i, a := range e.Args {
		v, err := a.Eval(c, b)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	out := c.Alloc(vec.Text, n)
	items := vals
	var sep *vec.Vec
	if e.WS {
		sep, items = vals[0], vals[1:]
		out.Nulls.CopyFrom(&sep.Nulls, n)
	}
	loc := c.Env.Location()
	err := textRows(out, n, Sel(b), func(dst []byte, i int) ([]byte, error) {
		first := true
		for _, v := range items {
			if v.Nulls.IsNull(i) {
				continue
			}
			if sep != nil && !first {
				dst = append(dst, sep.Bytes().Get(i)...)
			}
			first = false
			dst = vec.AppendText(dst, v, i, loc)
		}
		return dst, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// NullIf is NULLIF(a, b): NULL when a = b, else a, in the operands'
// common type.
type NullIf struct {
	A   Expr
	Cmp Expr
}

func newNullIf(args []Expr) (Expr, error) {
	if len(args) != 2 {
		return nil, errNoFunction("nullif", args)
	}
	a, b, err := Unify(args[0], args[1], "=")
	if err != nil {
		return nil, err
	}
	cmp, err := NewCompare(EQ, a, b)
	if err != nil {
		return nil, err
	}
	e := &NullIf{A: a, Cmp: cmp}
	if allConst([]Expr{a, b}) {
		return FoldConstants(e, nil)
	}
	return e, nil
}

func (e *NullIf) Type() vec.Type   { return e.A.Type() }
func (e *NullIf) String() string   { return "NULLIF(" + e.A.String() + ", " + e.Cmp.String() + ")" }
func (e *NullIf) Children() []Expr { return []Expr{e.A, e.Cmp} }
func (e *NullIf) WithChildren(c []Expr) Expr {
	return &NullIf{A: c[0], Cmp: c[1]}
}

func (e *NullIf) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	av, err := e.A.Eval(c, b)
	if err != nil {
		return nil, err
	}
	cv, err := e.Cmp.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	sel := Sel(b)
	which := c.SelBuf(n)[:n]
	clear(which)
	out := c.Alloc(av.Type, n)
	gather(out, []*vec.Vec{av}, which, n, sel)
	eq := cv.Bools()
	forRows(n, sel, func(i int) {
		if eq[i] && !cv.Nulls.IsNull(i) {
			out.Nulls.SetNull(i)
		}
	})
	return out, nil
}
