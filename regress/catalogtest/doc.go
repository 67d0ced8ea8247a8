// Package catalogtest checks Apiary's pg_catalog and information_schema
// emulation (catalog/pgcatalog) the way clients use it: the catalog queries
// psql, pgJDBC, DBeaver, Metabase, SQLAlchemy and other drivers send, kept
// in testdata/*.sql, are replayed against an in-process Apiary node over
// the wire; a set of them is compared with PostgreSQL 15's answers (through
// regress/pgtest), and psql itself describes tables on both.
//
// It also generates, with APIARY_PGCATALOG_GEN=1, the facts
// catalog/pgcatalog/data copies from PostgreSQL 15 and the captured psql
// and pgJDBC queries; TestCatalogDataCurrent checks on every run that the
// data still matches PostgreSQL. docs/pg-catalog.md describes the
// emulation and these tests.
package catalogtest
