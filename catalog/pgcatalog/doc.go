// Package pgcatalog emulates PostgreSQL 15's pg_catalog and
// information_schema over Apiary's namespace, so that psql, drivers and BI
// tools find the databases, schemas, tables, columns, types and functions
// they look for.
//
// Every relation of PostgreSQL 15's two system schemas exists here with its
// OID and its columns in PostgreSQL's order (Lookup, Relations); those
// Apiary has something to say about produce rows, the others are empty.
// Build numbers one session's view of a hive (an Input: the hive's boxes
// and frames with their columns and sizes, the session's user, search path
// and settings) and returns a Catalog, whose Rows method produces a
// relation's rows and whose lookups serve the reg* types and the catalog
// functions (format_type, pg_table_is_visible, pg_get_userbyid, ...). exec
// turns the rows into in-memory tables the planner scans like frames.
//
// OIDs: built-in objects keep PostgreSQL's (pg_catalog 11, public 2200, the
// catalogs' own relations, every built-in type and function, the bootstrap
// superuser 10); hives, boxes, frames and roles get OIDs hashed from their
// qualified names (see hashOID), identical on every node and across
// restarts. The built-in facts come from data/, generated from a real
// PostgreSQL 15 by regress/catalogtest.
//
// Imports: catalog's rule (exec/vec for types, sqlerr, the standard
// library); never exec or server.
package pgcatalog
