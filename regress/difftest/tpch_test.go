package difftest

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apiarydb/apiary/regress/tpch"
)

var updateTPCH = flag.Bool("update-tpch", false, "rewrite testdata/tpch.sql from regress/tpch's queries")

// tpchCorpus renders the 22 TPC-H queries, with the substitution
// parameters for TPCHScale, as a corpus file. Every query's ORDER BY decides
// its order (the specification's keys), so all are compared in order.
func tpchCorpus() (string, error) {
	var b strings.Builder
	b.WriteString("-- The 22 TPC-H queries at SF 0.01, generated from regress/tpch (tpch.QueryForSF)\n")
	b.WriteString("-- by `go test ./regress/difftest -run TestTPCHCorpus -update-tpch`; do not edit by hand.\n")
	for n := 1; n <= len(tpch.Queries); n++ {
		sql, err := tpch.QueryForSF(n, TPCHScale)
		if err != nil {
			return "", err
		}
		b.WriteString("\n-- ordered\n")
		b.WriteString(sql)
		b.WriteString(";\n")
	}
	return b.String(), nil
}

// TestTPCHCorpus checks that testdata/tpch.sql holds regress/tpch's
// queries, and that it parses into exactly 22 ordered queries.
func TestTPCHCorpus(t *testing.T) {
	want, err := tpchCorpus()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(corpusDir, "tpch.sql")
	if *updateTPCH {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatalf("%s is out of date with regress/tpch: run go test ./regress/difftest -run TestTPCHCorpus -update-tpch", path)
	}
	qs, err := ParseCorpus("tpch.sql", want)
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
