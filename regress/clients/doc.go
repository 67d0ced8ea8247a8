// Package clients runs real PostgreSQL client programs against Apiary: psql
// with a scripted session, psycopg 3 (and the apiary Python package in
// python/), pgJDBC and node-postgres. Each test starts its own Apiary
// server in-process on 127.0.0.1:0 over a local store in a temporary
// directory, and runs the same client program against a throw-away
// PostgreSQL 15 (regress/pgtest) too. PostgreSQL is the oracle: a check
// that fails there is a bug in the check; one that fails only on Apiary is
// a compatibility gap, which is what the tests are for.
//
// Imports: anything (it is a test package); the programs it drives live in
// testdata/ (psql script, Python, Java) and node/ (package.json with a
// committed package-lock.json; node_modules is git-ignored).
//
// # Protocol between the Go tests and the client programs
//
// The Python, Java and JavaScript programs run a list of named checks,
// each on its own connection, and print one line per check:
//
//	ok NAME
//	fail NAME: what went wrong (newlines replaced by " | ")
//	skip NAME: why it does not apply to this server
//
// and "done" once all have run. The Go side turns each line into a subtest
// (TestPsycopg/apiary/parameter_types, ...), so a run lists exactly which
// checks Apiary passes; APIARY_CLIENT_CHECK=NAME makes a program run one
// check only. A program that dies before "done" fails its test.
//
// The connection reaches every program through the libpq environment
// variables (PGHOST, PGPORT, PGUSER, PGDATABASE; pgJDBC gets a URL built
// from them). Both servers are reached as user apiary, database apiary:
// on PostgreSQL the harness creates that role (superuser, as Apiary
// reports is_superuser) and recreates the database for every test, so the
// two servers print the same names.
//
// # Missing programs
//
// psql, python3 with psycopg (the Debian /usr/bin/python3 has it), javac
// with /usr/share/java/postgresql.jar, and node with regress/clients/node's
// node_modules: when one is missing the test fails under `make test`
// (APIARY_TEST_STRICT=1) and is skipped otherwise. .ci/run installs all of
// them (apt-get install python3-psycopg libpostgresql-jdbc-java
// default-jdk-headless nodejs npm; npm ci in regress/clients/node). The
// tests never download anything themselves.
//
// # psql
//
// TestPsql runs testdata/psql/session.sql with psql -X -a -v
// ON_ERROR_STOP=1 and compares the transcript with
// testdata/psql/session.out, which is PostgreSQL 15's own transcript of the
// same script: `go test ./regress/clients -run TestPsql -update` rewrites
// it from PostgreSQL (never from Apiary), and Apiary's output must match
// it.
package clients
