package expr

import (
	"fmt"
	"math"
	"strings"

	"github.com/apiarydb/apiary/exec/decimal"
	"github.com/apiarydb/apiary/exec/vec"
)

// InList is x IN (constants...) or x NOT IN (...), with SQL's NULL rules: a
// NULL x gives NULL, and a miss gives NULL rather than false when the list
// holds a NULL. Lists with non-constant members are rewritten by the planner
// into ORs of comparisons.
type InList struct {
	In      Expr
	Vals    []*Const
	Negate  bool
	hasNull bool
	ints    map[int64]struct{}
	strs    map[string]struct{}
	floats  map[float64]struct{}
	ivls    []vec.Interval
	// decs holds numeric values of KindDecimal, and decSet the same
	// normalized (1.50 as 1.5) for long lists: equal values, equal keys.
	decs   []decimal.Decimal
	decSet map[decimal.Decimal]struct{}
	// The same integer and string values as lists: IN lists are usually
	// short, and comparing a row's value with a few constants is cheaper
	// than hashing it (TPC-H Q12's and Q19's string lists spent a fifth
	// of their time in map lookups).
	intList []int64
	strList []string
}

// shortInList is the longest list matched by comparing with every value.
const shortInList = 8

// NewInList builds x [NOT] IN (vals...). The values are coerced to a
// common type with x.
func NewInList(x Expr, vals []*Const, negate bool) (Expr, error) {
	all := []Expr{x}
	for i, v := range vals {
		if p, ok := PadForBlank(x, v).(*Const); ok {
			vals[i] = p
		}
		all = append(all, vals[i])
	}
	t, err := CommonType(all, "IN")
	if err != nil {
		return nil, err
	}
	if x, err = Coerce(x, t); err != nil {
		return nil, err
	}
	e := &InList{In: x, Negate: negate}
	for _, v := range vals {
		cv, err := Coerce(v, t)
		if err != nil {
			return nil, err
		}
		k, ok := cv.(*Const)
		if !ok {
			return nil, fmt.Errorf("expr: IN list value %s did not fold to a constant", v)
		}
		e.Vals = append(e.Vals, k)
	}
	e.build()
	return e, nil
}

func (e *InList) build() {
	for _, k := range e.Vals {
		if k.IsNull() {
			e.hasNull = true
			continue
		}
		v := k.Val
		switch v.Type.Kind {
		case vec.KindBool:
			if e.ints == nil {
				e.ints = map[int64]struct{}{}
			}
			x := int64(0)
			if v.Bools()[0] {
				x = 1
			}
			if _, dup := e.ints[x]; !dup {
				e.intList = append(e.intList, x)
			}
			e.ints[x] = struct{}{}
		case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
			if e.ints == nil {
				e.ints = map[int64]struct{}{}
			}
			x := intsOf(asIntKind(v))(0)
			if _, dup := e.ints[x]; !dup {
				e.intList = append(e.intList, x)
			}
			e.ints[x] = struct{}{}
		case vec.KindFloat32, vec.KindFloat64:
			if e.floats == nil {
				e.floats = map[float64]struct{}{}
			}
			e.floats[floatsOf(v)(0)] = struct{}{}
		case vec.KindText, vec.KindBytea:
			if e.strs == nil {
				e.strs = map[string]struct{}{}
			}
			x := string(v.Bytes().Get(0))
			if _, dup := e.strs[x]; !dup {
				e.strList = append(e.strList, x)
			}
			e.strs[x] = struct{}{}
		case vec.KindInterval:
			e.ivls = append(e.ivls, v.Intervals()[0])
		case vec.KindDecimal:
			if e.decSet == nil {
				e.decSet = map[decimal.Decimal]struct{}{}
			}
			x := decimal.Normalize(v.Decimals()[0])
			if _, dup := e.decSet[x]; !dup {
				e.decs = append(e.decs, x)
			}
			e.decSet[x] = struct{}{}
		}
	}
}

// asIntKind lets date (int32) and timestamp/numeric (int64) vectors be read
// by intsOf, which knows the integer kinds only.
func asIntKind(v *vec.Vec) *vec.Vec {
	switch v.Type.Kind {
	case vec.KindDate:
		w := *v
		w.Type = vec.Int32
		return &w
	case vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		w := *v
		w.Type = vec.Int64
		return &w
	}
	return v
}

func (e *InList) Type() vec.Type { return vec.Bool }
func (e *InList) String() string {
	parts := make([]string, len(e.Vals))
	for i, v := range e.Vals {
		parts[i] = v.String()
	}
	op := "IN"
	if e.Negate {
		op = "NOT IN"
	}
	return fmt.Sprintf("(%s %s (%s))", e.In, op, strings.Join(parts, ", "))
}
func (e *InList) Children() []Expr { return []Expr{e.In} }
func (e *InList) WithChildren(c []Expr) Expr {
	n := *e
	n.In = c[0]
	return &n
}

func (e *InList) Eval(c *Ctx, b *vec.Batch) (*vec.Vec, error) {
	in, err := e.In.Eval(c, b)
	if err != nil {
		return nil, err
	}
	n := b.PhysLen()
	out := c.Alloc(vec.Bool, n)
	o := out.Bools()
	sel := Sel(b)
	switch in.Type.Kind {
	case vec.KindBool:
		_, t := e.ints[1]
		_, f := e.ints[0]
		s := in.Bools()
		forRows(n, sel, func(i int) { o[i] = s[i] && t || !s[i] && f })
	case vec.KindInt16:
		matchInts(in.Int16s(), n, sel, e.intList, e.ints, o)
	case vec.KindInt32, vec.KindDate:
		matchInts(in.Int32s(), n, sel, e.intList, e.ints, o)
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		matchInts(in.Int64s(), n, sel, e.intList, e.ints, o)
	case vec.KindFloat32, vec.KindFloat64:
		get := floatsOf(in)
		forRows(n, sel, func(i int) {
			f := get(i)
			if math.IsNaN(f) {
				for k := range e.floats {
					if math.IsNaN(k) {
						o[i] = true
						return
					}
				}
				o[i] = false
				return
			}
			_, o[i] = e.floats[f]
		})
	case vec.KindText, vec.KindBytea:
		matchStrings(in.Bytes(), n, sel, e.strList, e.strs, o)
	case vec.KindInterval:
		s := in.Intervals()
		forRows(n, sel, func(i int) {
			o[i] = false
			for _, k := range e.ivls {
				if CompareIntervals(s[i], k) == 0 {
					o[i] = true
					return
				}
			}
		})
	case vec.KindDecimal:
		matchDecimals(in.Decimals(), n, sel, e.decs, e.decSet, o)
	}
	if !in.Nulls.Any() && !e.hasNull {
		if e.Negate {
			forRows(n, sel, func(i int) { o[i] = !o[i] })
		}
		return out, nil
	}
	forRows(n, sel, func(i int) {
		switch {
		case in.Nulls.IsNull(i):
			out.Nulls.SetNull(i)
		case !o[i] && e.hasNull:
			out.Nulls.SetNull(i)
		case e.Negate:
			o[i] = !o[i]
		}
	})
	return out, nil
}

// matchInts sets o[i] for the rows of s (those of sel, or the first n)
// whose value is in the list, scanning a short list and hashing into set
// otherwise; typed loops, no call per row.
func matchInts[T int16 | int32 | int64](s []T, n int, sel []int32, list []int64, set map[int64]struct{}, o []bool) {
	short := len(list) <= shortInList
	in := func(x int64) bool {
		if short {
			for _, k := range list {
				if x == k {
					return true
				}
			}
			return false
		}
		_, ok := set[x]
		return ok
	}
	if sel == nil {
		for i, x := range s[:n] {
			o[i] = in(int64(x))
		}
		return
	}
	for _, i := range sel {
		o[i] = in(int64(s[i]))
	}
}

// matchStrings is matchInts for text and bytea.
func matchStrings(bs *vec.Bytes, n int, sel []int32, list []string, set map[string]struct{}, o []bool) {
	short := len(list) <= shortInList
	in := func(v []byte) bool {
		if short {
			for _, k := range list {
				if len(k) == len(v) && k == string(v) {
					return true
				}
			}
			return false
		}
		_, ok := set[string(v)]
		return ok
	}
	if sel == nil {
		for i := range n {
			o[i] = in(bs.Get(i))
		}
		return
	}
	for _, i := range sel {
		o[i] = in(bs.Get(int(i)))
	}
}

// matchDecimals is matchInts for KindDecimal: equal by value, compared
// with a short list and looked up normalized in a long one's set.
func matchDecimals(s []decimal.Decimal, n int, sel []int32, list []decimal.Decimal, set map[decimal.Decimal]struct{}, o []bool) {
	short := len(list) <= shortInList
	in := func(x decimal.Decimal) bool {
		if short {
			for _, k := range list {
				if decimal.Cmp(x, k) == 0 {
					return true
				}
			}
			return false
		}
		_, ok := set[decimal.Normalize(x)]
		return ok
	}
	if sel == nil {
		for i, x := range s[:n] {
			o[i] = in(x)
		}
		return
	}
	for _, i := range sel {
		o[i] = in(s[i])
	}
}
