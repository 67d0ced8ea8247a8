package expr

// Parent is implemented by expressions with operands, so that generic walks
// (constant folding, column collection) reach every node.
type Parent interface {
	Children() []Expr
	// WithChildren returns a copy of the expression with its operands
	// replaced (same number, same types).
	WithChildren(children []Expr) Expr
}

// Volatile is implemented by expressions whose value may change from row to
// row without depending on columns (random()); they are never folded.
type Volatile interface {
	Volatile() bool
}

// Children returns e's operands.
func Children(e Expr) []Expr {
	switch e := e.(type) {
	case *Compare:
		return []Expr{e.L, e.R}
	case *Arith:
		return []Expr{e.L, e.R}
	case *Cast:
		return []Expr{e.In}
	case *Neg:
		return []Expr{e.In}
	case Parent:
		return e.Children()
	}
	return nil
}

// Walk calls f on e and its descendants, depth first, until f returns false.
func Walk(e Expr, f func(Expr) bool) bool {
	if !f(e) {
		return false
	}
	for _, c := range Children(e) {
		if !Walk(c, f) {
			return false
		}
	}
	return true
}

// IsConstant reports whether e reads no column and nothing volatile.
func IsConstant(e Expr) bool {
	return Walk(e, func(x Expr) bool {
		switch x := x.(type) {
		case *ColRef:
			return false
		case Volatile:
			return !x.Volatile()
		}
		return true
	})
}

// Columns returns the input columns e reads, in first-seen order.
func Columns(e Expr) []int {
	var out []int
	seen := map[int]bool{}
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*ColRef); ok && !seen[c.Idx] {
			seen[c.Idx] = true
			out = append(out, c.Idx)
		}
		return true
	})
	return out
}

// WithChildren rebuilds e with new operands (as many as Children returns).
func WithChildren(e Expr, ch []Expr) Expr { return withChildren(e, ch) }

func withChildren(e Expr, ch []Expr) Expr {
	switch e := e.(type) {
	case *Compare:
		return &Compare{Op: e.Op, L: ch[0], R: ch[1]}
	case *Arith:
		return &Arith{Op: e.Op, L: ch[0], R: ch[1], typ: e.typ}
	case *Cast:
		return &Cast{In: ch[0], To: e.To, fn: e.fn}
	case *Neg:
		return &Neg{In: ch[0]}
	case Parent:
		return e.WithChildren(ch)
	}
	return e
}

// Map rebuilds e bottom-up, replacing each node x by f(x) after its operands
// were mapped. Nodes f returns unchanged are shared, not copied.
func Map(e Expr, f func(Expr) Expr) Expr {
	ch := Children(e)
	if len(ch) > 0 {
		changed := false
		nc := make([]Expr, len(ch))
		for i, c := range ch {
			nc[i] = Map(c, f)
			changed = changed || nc[i] != c
		}
		if changed {
			e = withChildren(e, nc)
		}
	}
	return f(e)
}
