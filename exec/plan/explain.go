package plan

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cockroachdb/cockroachdb-parser/pkg/sql/sem/tree"

	"github.com/apiarydb/apiary/exec/cell"
	"github.com/apiarydb/apiary/exec/colexec"
	"github.com/apiarydb/apiary/exec/expr"
	"github.com/apiarydb/apiary/exec/vec"
)

// explainStats collects what EXPLAIN ANALYZE reports, per logical node.
type explainStats struct {
	ops   map[node]*colexec.OpStats
	scans map[node][]*colexec.ScanSource
	mu    sync.Mutex
	mems  map[node]*colexec.Memory
}

// Explain plans sel and returns the lines of its plan. With analyze it also
// runs the query to the end and reports rows, time and memory.
func (p *Planner) Explain(sel *tree.Select, analyze bool) ([]string, error) {
	n, cols, err := p.planSelect(sel, nil)
	if err != nil {
		return nil, err
	}
	var st *explainStats
	var total time.Duration
	if analyze {
		st = &explainStats{ops: map[node]*colexec.OpStats{}, scans: map[node][]*colexec.ScanSource{}, mems: map[node]*colexec.Memory{}}
		b := &builder{p: p, stats: st}
		op, _, err := b.input(n, all(len(cols)))
		if err != nil {
			return nil, err
		}
		start := time.Now()
		err = colexec.Drain(p.ctx, op, func(*vec.Batch) error { return nil })
		total = time.Since(start)
		op.Close()
		if err != nil {
			return nil, err
		}
	}
	var lines []string
	p.explainNode(n, 0, st, &lines)
	if analyze {
		lines = append(lines,
			fmt.Sprintf("Bees: %d", max(p.opts.Bees, 1)),
			fmt.Sprintf("Peak memory: %s of %s", fmtBytes(p.opts.Mem.Peak()), fmtBudget(p.opts.Mem.Limit())),
			fmt.Sprintf("Execution Time: %.3f ms", float64(total.Microseconds())/1000))
	}
	return lines, nil
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

func fmtBudget(n int64) string {
	if n <= 0 {
		return "no limit"
	}
	return fmtBytes(n)
}

func exprList(es []expr.Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

func (p *Planner) explainNode(n node, depth int, st *explainStats, lines *[]string) {
	indent := strings.Repeat("  ", depth)
	arrow := ""
	if depth > 0 {
		arrow = "-> "
	}
	var head string
	var details []string
	var kids []node
	switch n := n.(type) {
	case *scanNode:
		head = "Scan " + n.table.Name
		if n.table.Virtual != nil {
			details = append(details, fmt.Sprintf("Virtual rows: %d", n.table.Virtual.Len))
			for _, f := range n.filters {
				details = append(details, "Filter: "+f.String())
			}
			break
		}
		schema := n.table.Schema
		pruned := 0
		for i := range n.table.Cells {
			if len(n.ranges) > 0 && !cell.MayMatch(schema, cell.BoundsFromStats(schema, &n.table.Cells[i]), n.ranges) {
				pruned++
			}
		}
		details = append(details, fmt.Sprintf("Cells: %d, pruned by statistics: %d", len(n.table.Cells), pruned))
		for _, f := range n.filters {
			details = append(details, "Filter: "+f.String())
		}
		if st != nil {
			var total, rgPruned int64
			for _, src := range st.scans[n] {
				total += src.RowGroupsTotal.Load()
				rgPruned += src.RowGroupsPruned.Load()
			}
			details = append(details, fmt.Sprintf("Row groups: %d, pruned: %d", total, rgPruned))
		}
	case *filterNode:
		head, kids = "Filter", []node{n.in}
		details = append(details, "Condition: "+n.pred.String())
	case *projectNode:
		head, kids = "Project", []node{n.in}
		details = append(details, "Output: "+exprList(n.exprs))
	case *joinNode:
		head, kids = fmt.Sprintf("Hash Join (%s)", n.kind), []node{n.left, n.right}
		if n.reversed {
			head = fmt.Sprintf("Hash Join (%s, left side built, right side streamed)", n.kind)
		}
		if len(n.lkeys) > 0 {
			eq := "="
			if n.nullsEqual {
				eq = "IS NOT DISTINCT FROM"
			}
			details = append(details, fmt.Sprintf("Keys: (%s) %s (%s)", exprList(n.lkeys), eq, exprList(n.rkeys)))
		}
		if n.residual != nil {
			details = append(details, "Residual: "+n.residual.String())
		}
	case *aggNode:
		head, kids = "Hash Aggregate", []node{n.in}
		if len(n.aggs) == 0 {
			head = "Distinct"
		}
		if len(n.keys) > 0 {
			details = append(details, "Group Key: "+exprList(n.keys))
		}
		var aggs []string
		for _, a := range n.aggs {
			arg := "*"
			if a.arg != nil {
				arg = a.arg.String()
			}
			aggs = append(aggs, fmt.Sprintf("%s(%s)", a.name, arg))
		}
		if len(aggs) > 0 {
			details = append(details, "Aggregates: "+strings.Join(aggs, ", "))
		}
	case *sortNode:
		head, kids = "Sort", []node{n.in}
		details = append(details, "Sort Key: "+sortKeys(n.keys))
	case *limitNode:
		if s, ok := n.in.(*sortNode); ok && n.limit >= 0 {
			head, kids = fmt.Sprintf("Top-N (limit %d offset %d)", n.limit, n.offset), []node{s.in}
			details = append(details, "Sort Key: "+sortKeys(s.keys))
		} else {
			head, kids = fmt.Sprintf("Limit (limit %d offset %d)", n.limit, n.offset), []node{n.in}
		}
	case *unionNode:
		head, kids = "Union All", n.ins
	case *valuesNode:
		rows := 0
		if n.rows != nil {
			rows = n.rows.Len
		}
		head = fmt.Sprintf("Values (%d rows)", rows)
		if n.fromStats {
			head = "Aggregates from cell statistics (no cell read)"
		}
	case *windowNode:
		head, kids = "Window", []node{n.in}
		var fs []string
		for _, f := range n.funcs {
			fs = append(fs, f.Name)
		}
		details = append(details, "Functions: "+strings.Join(fs, ", "))
	case *srfNode:
		head, kids = "Set-Returning Functions", []node{n.in}
		details = append(details, "Functions: "+srfNames(n.calls))
	default:
		head = fmt.Sprintf("%T", n)
	}
	if st != nil {
		if s, ok := st.ops[n]; ok {
			head += fmt.Sprintf("  (actual rows=%d time=%.3f ms bees=%d", s.Rows.Load(), float64(s.Nanos.Load())/1e6/float64(max(s.Copies.Load(), 1)), s.Copies.Load())
			if m, ok := st.mems[n]; ok && m.Peak() > 0 {
				head += " peak memory=" + fmtBytes(m.Peak())
			}
			head += ")"
		}
	}
	*lines = append(*lines, indent+arrow+head)
	for _, d := range details {
		*lines = append(*lines, indent+"     "+d)
	}
	for _, k := range kids {
		p.explainNode(k, depth+1, st, lines)
	}
}

func sortKeys(keys []sortKey) string {
	var parts []string
	for _, k := range keys {
		s := fmt.Sprintf("#%d", k.col)
		if k.desc {
			s += " DESC"
		}
		if k.nullsFirst {
			s += " NULLS FIRST"
		} else {
			s += " NULLS LAST"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
