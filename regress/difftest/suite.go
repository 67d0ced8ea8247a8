package difftest

import (
	"fmt"
	"strings"
	"time"
)

// Outcome is the verdict on one query.
type Outcome struct {
	Query *Query
	// Pass is true when Apiary agreed with PostgreSQL.
	Pass bool
	// Skipped queries were not run (a "-- skip" directive).
	Skipped bool
	// Corpus is set when the query itself is wrong: PostgreSQL did not do
	// what the directives say. Such a failure cannot be made pending.
	Corpus bool
	// Reason is a one-line summary, as written to pending.txt.
	Reason string
	// Detail is the full report: query, both results side by side.
	Detail string
	// PGTime and APTime are how long each system took.
	PGTime, APTime time.Duration
}

// maxReason bounds the reasons written to pending.txt.
const maxReason = 100

// Run runs q on both systems and judges the answers. It returns an error
// only when PostgreSQL could not be reached.
func (r *Runner) Run(q *Query) (*Outcome, error) {
	o := &Outcome{Query: q}
	if q.Skip != "" {
		o.Skipped, o.Pass, o.Reason = true, true, "skipped: "+q.Skip
		return o, nil
	}
	start := time.Now()
	pg, err := r.Postgres(q.SQL)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", q.ID(), err)
	}
	o.PGTime = time.Since(start)
	start = time.Now()
	ap := r.Apiary(q.SQL)
	o.APTime = time.Since(start)
	judge(o, pg, ap)
	return o, nil
}

// judge fills o from the two results.
func judge(o *Outcome, pg, ap *Result) {
	q := o.Query
	header := func() string {
		return fmt.Sprintf("%s:\n%s\n", q.ID(), indent(q.SQL))
	}
	fail := func(reason, detail string) {
		o.Pass = false
		o.Reason = shorten(reason)
		o.Detail = header() + detail
	}
	switch {
	case q.Error != "":
		if pg.Code != q.Error {
			o.Corpus = true
			fail("corpus: postgres "+describe(pg)+", the directive says SQLSTATE "+q.Error,
				"corpus error: PostgreSQL "+describe(pg)+" but the query is marked \"-- error "+q.Error+"\"; fix the query or the directive\n")
			return
		}
		if ap.Code == q.Error {
			o.Pass = true
			return
		}
		fail("apiary "+describe(ap)+", want SQLSTATE "+q.Error,
			fmt.Sprintf("want SQLSTATE %s (postgres: %s)\napiary %s\n", q.Error, pg.Message, describe(ap)))
	case pg.Failed():
		o.Corpus = true
		fail("corpus: postgres "+describe(pg),
			"corpus error: PostgreSQL "+describe(pg)+"; fix the query, or mark it \"-- error "+pg.Code+"\" if the failure is the point\n")
	case ap.Failed():
		fail("apiary "+describe(ap), "postgres succeeded; apiary "+describe(ap)+"\n")
	case q.Statement:
		o.Pass = true
	default:
		m := CompareResults(pg, ap, q.Ordered)
		if m == nil {
			o.Pass = true
			return
		}
		order := "sorted, as the query is not marked ordered"
		if q.Ordered {
			order = "in order"
		}
		fail("differs: "+m.Reason, "results differ (rows compared "+order+"): "+m.Render(pg.Columns, ap.Columns))
	}
}

// describe summarises a result's failure, or its success.
func describe(r *Result) string {
	if !r.Failed() {
		return fmt.Sprintf("succeeded (%d rows)", len(r.Rows))
	}
	msg, _, _ := strings.Cut(r.Message, "\n")
	return fmt.Sprintf("failed with %s: %s", r.Code, msg)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxReason {
		s = string(r[:maxReason-1]) + "…"
	}
	return s
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
