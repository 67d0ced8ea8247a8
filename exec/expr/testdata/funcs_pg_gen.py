#!/usr/bin/env python3
"""Fills in funcs_pg.txt with PostgreSQL's answers.

Each non-comment line of funcs_pg.txt is a tab-separated record:

    expression <TAB> PostgreSQL's output <TAB> pg_typeof [<TAB> deviation ...]

This script (given a file, it fills in that one: python3 funcs_pg_gen.py
decimal_pg.txt) reruns every expression against a PostgreSQL 15 server
(psql on PATH; connection from PGHOST/PGPORT/PGUSER) with TimeZone
America/New_York, and rewrites columns 2 and 3. A line holding only an
expression is a new case. Further columns, Apiary's documented deviations
("value" for both test modes, "const=value" or "cols=value" for one), are
kept.
Output: NULL for NULL, ERROR:<SQLSTATE> for errors.
"""
import os, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
path = os.path.join(here, sys.argv[1] if len(sys.argv) > 1 else "funcs_pg.txt")

def run(expr):
    sql = "set timezone='America/New_York'; set intervalstyle=postgres;\n\\pset null <NULL>\nselect (%s), pg_typeof(%s);" % (expr, expr)
    p = subprocess.run(["psql", "-X", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=0", "-v", "VERBOSITY=verbose", "-q"],
                       input=sql, capture_output=True, text=True)
    err = [l for l in p.stderr.splitlines() if l.startswith("ERROR:")]
    if err:
        code = err[0].split()[1].rstrip(":")
        return "ERROR:" + code, ""
    lines = [l for l in p.stdout.splitlines() if l and not l.startswith("SET")]
    val, typ = lines[-1].rsplit("\t", 1)
    if val == "<NULL>":
        val = "NULL"
    return val, typ

out = []
for line in open(path, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        out.append(line)
        continue
    cols = line.split("\t")
    val, typ = run(cols[0])
    rec = [cols[0], val, typ] + [c for c in cols[3:] if c]
    out.append("\t".join(rec))
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
