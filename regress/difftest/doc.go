// Package difftest is Apiary's differential correctness suite: every query
// of a corpus of .sql files runs on PostgreSQL 15 and on Apiary over the
// same data, and the two answers must agree as PostgreSQL's text output
// format prints them.
//
// Open starts (once per test binary) a throw-away PostgreSQL cluster through
// regress/pgtest and an Apiary engine on an in-memory store, and loads the
// same datasets into both: TPC-H at SF 0.01 from regress/tpch, a "types"
// table with every supported column type, and small tables for join
// semantics. A package that calls Open must stop the shared cluster from its
// TestMain with pgtest.Main.
//
// The corpus lives in testdata/*.sql (ParseCorpus describes the format).
// Queries known to fail on Apiary are listed in testdata/pending.txt; the
// suite fails when a query outside the list fails and when a listed query
// passes, so the list only shrinks. docs/testing.md is the user's guide:
// comparison rules, adding queries, reading failures, the pending list.
package difftest
