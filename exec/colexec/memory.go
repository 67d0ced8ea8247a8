package colexec

import (
	"fmt"
	"sync/atomic"

	"github.com/apiarydb/apiary/sqlerr"
)

// Memory accounts the bytes a query's operators hold: hash tables, sort
// buffers, materialised join sides. Its limit is the query's share of the
// node's memory (the bees' chambers); Grow fails with 53200 past it. A nil
// *Memory accounts nothing and never fails.
type Memory struct {
	limit int64
	used  atomic.Int64
	peak  atomic.Int64
	// parent, when set, is the query's account this one is part of: an
	// operator's own account for EXPLAIN ANALYZE's per-operator peak.
	parent *Memory
}

// Child returns an account that records what one operator holds and
// charges it to m, which enforces the budget.
func (m *Memory) Child() *Memory {
	if m == nil {
		return &Memory{}
	}
	return &Memory{parent: m}
}

// NewMemory returns an account with the given limit in bytes; limit <= 0
// means unlimited.
func NewMemory(limit int64) *Memory { return &Memory{limit: limit} }

// Grow records n more bytes held, failing when that passes the limit.
func (m *Memory) Grow(n int64) error {
	if m == nil || n == 0 {
		return nil
	}
	if m.parent != nil {
		if err := m.parent.Grow(n); err != nil {
			return err
		}
	}
	u := m.used.Add(n)
	for {
		p := m.peak.Load()
		if u <= p || m.peak.CompareAndSwap(p, u) {
			break
		}
	}
	if m.limit > 0 && u > m.limit {
		m.used.Add(-n)
		return sqlerr.New(sqlerr.OutOfMemory, "out of memory: the query needs more than its budget of %s", FormatBytes(m.limit)).
			WithDetail("Operators held %s when a further %s was requested.", FormatBytes(u-n), FormatBytes(n)).
			WithHint("Raise the bee memory budget (--bee-memory), or make the query read less: filter earlier, aggregate before joining.")
	}
	return nil
}

// Shrink records n bytes released.
func (m *Memory) Shrink(n int64) {
	if m != nil {
		m.used.Add(-n)
		m.parent.Shrink(n)
	}
}

// Used returns the bytes currently held.
func (m *Memory) Used() int64 {
	if m == nil {
		return 0
	}
	return m.used.Load()
}

// Peak returns the most bytes held at once.
func (m *Memory) Peak() int64 {
	if m == nil {
		return 0
	}
	return m.peak.Load()
}

// Limit returns the budget in bytes (0: unlimited).
func (m *Memory) Limit() int64 {
	if m == nil {
		return 0
	}
	return m.limit
}

// FormatBytes prints a byte count in binary units, as error messages and
// logs show budgets.
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// VecBytes estimates the memory a column holds.
func VecBytes(v interface{ Len() int }, width int) int64 { return int64(v.Len() * width) }
