package difftest

import (
	"strings"
	"testing"

	"github.com/apiarydb/apiary/regress/tpch"
)

// TestTPCHCorpus checks that the generated TPC-H corpus parses into the 22
// queries, each compared in order.
func TestTPCHCorpus(t *testing.T) {
	want, err := TPCHCorpus()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := ParseCorpus(TPCHCorpusName, want)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != len(tpch.Queries) {
		t.Fatalf("tpch.sql parses into %d queries, want %d", len(qs), len(tpch.Queries))
	}
	for i, q := range qs {
		// The leading comment naming the query is free text, not part of
		// the SQL the parser returns.
		sql, _ := tpch.QueryForSF(i+1, TPCHScale)
		if !q.Ordered || !strings.HasSuffix(sql, q.SQL) {
			t.Errorf("query %d: ordered=%v, SQL %q does not end Q%d", i+1, q.Ordered, firstLine(q.SQL), i+1)
		}
	}
}
