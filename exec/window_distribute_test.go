package exec

import (
	"strings"
	"testing"
)

// TestWindowFramesStayLocal checks that the distributed cut leaves a block
// whose window has an explicit frame (GROUPS, or any frame with an
// exclusion) to the coordinator, and that the answer is the local one. The
// same window without a frame is cut, so distribution is really on.
func TestWindowFramesStayLocal(t *testing.T) {
	s, sw := distributedSession(t)
	loadDistributionData(t, s)
	const unframed = "SELECT id, sum(qty) OVER (PARTITION BY grp ORDER BY qty) FROM facts ORDER BY id"
	framed := []string{
		"SELECT id, sum(qty) OVER (PARTITION BY grp ORDER BY qty GROUPS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM facts ORDER BY id",
		"SELECT id, count(*) OVER (ORDER BY qty GROUPS 2 PRECEDING EXCLUDE GROUP), first_value(id) OVER (ORDER BY qty, id ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING EXCLUDE CURRENT ROW) FROM facts ORDER BY id",
		"SELECT id, max(price) OVER w FROM facts WINDOW w AS (PARTITION BY d ORDER BY qty GROUPS BETWEEN CURRENT ROW AND 1 FOLLOWING EXCLUDE TIES) ORDER BY id",
	}
	mustRun(t, s, "SET apiary.distribution = always")
	if out := joinRows(mustRun(t, s, "EXPLAIN "+unframed)); !strings.Contains(out, "Distributed (rows)") {
		t.Fatalf("the window without a frame was not cut:\n%s", out)
	}
	for _, q := range framed {
		mustRun(t, s, "SET apiary.distribution = never")
		local := joinRows(mustRun(t, s, q))
		mustRun(t, s, "SET apiary.distribution = always")
		if out := joinRows(mustRun(t, s, "EXPLAIN "+q)); strings.Contains(out, "Distributed") {
			t.Errorf("%s: cut for the swarm:\n%s", q, out)
		}
		before, _ := sw.counts()
		got := joinRows(mustRun(t, s, q))
		if after, _ := sw.counts(); after != before {
			t.Errorf("%s: ran fragments on the swarm", q)
		}
		if got != local {
			t.Errorf("%s:\nlocal:\n%s\nwith distribution always:\n%s", q, local, got)
		}
	}
}
