package expr

import (
	"fmt"
	"math"
	"strings"

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
}

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
			e.ints[x] = struct{}{}
		case vec.KindInt16, vec.KindInt32, vec.KindInt64, vec.KindNumeric, vec.KindDate, vec.KindTimestamp, vec.KindTimestampTZ:
			if e.ints == nil {
				e.ints = map[int64]struct{}{}
			}
			e.ints[intsOf(asIntKind(v))(0)] = struct{}{}
		case vec.KindFloat32, vec.KindFloat64:
			if e.floats == nil {
				e.floats = map[float64]struct{}{}
			}
			e.floats[floatsOf(v)(0)] = struct{}{}
		case vec.KindText, vec.KindBytea:
			if e.strs == nil {
				e.strs = map[string]struct{}{}
			}
			e.strs[string(v.Bytes().Get(0))] = struct{}{}
		case vec.KindInterval:
			e.ivls = append(e.ivls, v.Intervals()[0])
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
		s := in.Bools()
		forRows(n, sel, func(i int) {
			x := int64(0)
			if s[i] {
				x = 1
			}
			_, o[i] = e.ints[x]
		})
	case vec.KindInt16, vec.KindInt32, vec.KindDate:
		get := intsOf(asIntKind(in))
		forRows(n, sel, func(i int) { _, o[i] = e.ints[get(i)] })
	case vec.KindInt64, vec.KindNumeric, vec.KindTimestamp, vec.KindTimestampTZ:
		s := in.Int64s()
		if len(e.ints) <= 4 {
			keys := make([]int64, 0, 4)
			for k := range e.ints {
				keys = append(keys, k)
			}
			forRows(n, sel, func(i int) {
				hit := false
				for _, k := range keys {
					hit = hit || s[i] == k
				}
				o[i] = hit
			})
			break
		}
		forRows(n, sel, func(i int) { _, o[i] = e.ints[s[i]] })
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
		bs := in.Bytes()
		forRows(n, sel, func(i int) { _, o[i] = e.strs[string(bs.Get(i))] })
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
