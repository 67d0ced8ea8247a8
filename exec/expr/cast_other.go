package expr

import (
	"bytes"
	"unicode/utf8"
	"unsafe"

	"github.com/apiarydb/apiary/exec/vec"
	"github.com/apiarydb/apiary/sqlerr"
)

// The casts beyond number to number: to and from text (PostgreSQL's I/O
// conversion casts, which every type has), boolean ↔ integer, and among
// date, timestamp and timestamptz. Casts involving timestamptz read the
// session time zone from the Ctx's Env.

func init() { castOtherHook = castOther }

func castOther(from, to vec.Type) (castFunc, error) {
	switch {
	case to.Kind == vec.KindText:
		return castToText(from, to), nil
	case from.Kind == vec.KindText:
		return castFromText(to), nil
	case from.Kind == vec.KindBool && to.Kind == vec.KindInt32:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Bools(), out.Int32s()
			return rowsOf(in, n, sel, func(i int) error {
				o[i] = 0
				if s[i] {
					o[i] = 1
				}
				return nil
			})
		}, nil
	case from.Kind == vec.KindInt32 && to.Kind == vec.KindBool:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int32s(), out.Bools()
			return rowsOf(in, n, sel, func(i int) error { o[i] = s[i] != 0; return nil })
		}, nil
	case from.Kind == to.Kind && from.Kind != vec.KindNumeric:
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			return rowsOf(in, n, sel, func(i int) error { CopyValue(out, i, in, i); return nil })
		}, nil
	}
	if fn := castDateTime(from.Kind, to.Kind); fn != nil {
		return fn, nil
	}
	return nil, errCannotCast(from, to)
}

// castDateTime converts among date, timestamp and timestamptz.
func castDateTime(from, to vec.Kind) castFunc {
	switch {
	case from == vec.KindDate && (to == vec.KindTimestamp || to == vec.KindTimestampTZ):
		tz := to == vec.KindTimestampTZ
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int32s(), out.Int64s()
			loc := c.Env.Location()
			return rowsOf(in, n, sel, func(i int) error {
				r, err := dateToTS(s[i])
				if tz {
					r = fromLocal(r, loc)
				}
				o[i] = r
				return err
			})
		}
	case (from == vec.KindTimestamp || from == vec.KindTimestampTZ) && to == vec.KindDate:
		tz := from == vec.KindTimestampTZ
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int32s()
			loc := c.Env.Location()
			return rowsOf(in, n, sel, func(i int) error {
				t := s[i]
				if tz {
					t = toLocal(t, loc)
				}
				o[i] = tsToDate(t)
				return nil
			})
		}
	case from == vec.KindTimestamp && to == vec.KindTimestampTZ:
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int64s()
			loc := c.Env.Location()
			return rowsOf(in, n, sel, func(i int) error { o[i] = fromLocal(s[i], loc); return nil })
		}
	case from == vec.KindTimestampTZ && to == vec.KindTimestamp:
		return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			s, o := in.Int64s(), out.Int64s()
			loc := c.Env.Location()
			return rowsOf(in, n, sel, func(i int) error { o[i] = toLocal(s[i], loc); return nil })
		}
	}
	return nil
}

// dateToTS is a date's midnight; infinities map to infinities.
func dateToTS(d int32) (int64, error) {
	switch d {
	case vec.DateNegInfinity:
		return vec.TimestampNegInfinity, nil
	case vec.DatePosInfinity:
		return vec.TimestampPosInfinity, nil
	}
	if int64(d) > maxTS/usPerDay {
		return 0, sqlerr.New(sqlerr.DatetimeFieldOverflow, "date out of range for timestamp")
	}
	return int64(d) * usPerDay, nil
}

// tsToDate is the date of a wall-clock timestamp.
func tsToDate(t int64) int32 {
	switch t {
	case vec.TimestampNegInfinity:
		return vec.DateNegInfinity
	case vec.TimestampPosInfinity:
		return vec.DatePosInfinity
	}
	return int32(floorDiv(t, usPerDay))
}

// castToText formats values in their text form, then fits them to
// varchar(n) (an explicit cast truncates silently) or char(n) (truncated
// or blank-padded). Booleans become 'true' and 'false' (PostgreSQL's
// bool-to-text cast), not boolout's 't' and 'f'; char(n) sheds its
// padding on the way to text or varchar.
func castToText(from, to vec.Type) castFunc {
	return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
		out.Nulls.CopyFrom(&in.Nulls, n)
		tf := c.Env.TextFormat()
		return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
			start := len(dst)
			switch {
			case from.Kind == vec.KindBool:
				if in.Bools()[i] {
					dst = append(dst, "true"...)
				} else {
					dst = append(dst, "false"...)
				}
			case from.Kind == vec.KindText:
				v := in.Bytes().Get(i)
				if from.Blank && !to.Blank {
					v = bytes.TrimRight(v, " ")
				}
				dst = append(dst, v...)
			default:
				dst = vec.AppendTextFormat(dst, in, i, tf)
			}
			return fitWidth(dst, start, to), nil
		})
	}
}

// fitWidth cuts the value dst[start:] to to's width in characters and pads
// char(n).
func fitWidth(dst []byte, start int, to vec.Type) []byte {
	if to.Width <= 0 {
		return dst
	}
	w := int(to.Width)
	chars, cut := 0, start
	for cut < len(dst) && chars < w {
		_, size := utf8.DecodeRune(dst[cut:])
		cut += size
		chars++
	}
	dst = dst[:cut]
	if to.Blank {
		for ; chars < w; chars++ {
			dst = append(dst, ' ')
		}
	}
	return dst
}

// castFromText parses text with the target type's input function, with
// its SQLSTATEs (22P02 invalid input syntax, 22003, 22007, 22008).
func castFromText(to vec.Type) castFunc {
	if to.Kind == vec.KindBytea {
		return func(_ *Ctx, in, out *vec.Vec, n int, sel []int32) error {
			out.Nulls.CopyFrom(&in.Nulls, n)
			return textRows(out, n, sel, func(dst []byte, i int) ([]byte, error) {
				b, err := vec.ParseBytea(bytesAsString(in.Bytes().Get(i)))
				return append(dst, b...), err
			})
		}
	}
	return func(c *Ctx, in, out *vec.Vec, n int, sel []int32) error {
		loc := c.Env.Location()
		scratch := vec.New(to, 1)
		return rowsOf(in, n, sel, func(i int) error {
			scratch.Reset()
			if err := scratch.AppendParsed(bytesAsString(in.Bytes().Get(i)), loc); err != nil {
				return err
			}
			CopyValue(out, i, scratch, 0)
			return nil
		})
	}
}

// bytesAsString views b as a string without copying, for parsers that only
// read their input during the call (error messages copy it).
func bytesAsString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}
