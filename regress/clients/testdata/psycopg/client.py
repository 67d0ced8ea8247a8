"""psycopg 3 checks for regress/clients (psycopg_test.go).

Usage: python3 client.py SERVER OUTDIR, where SERVER is "postgres" or
"apiary". The connection comes from the libpq environment (PGHOST,
PGPORT, PGUSER, PGDATABASE, PGTZ=UTC); the apiary package must be on
PYTHONPATH (python/src). Each check runs on its own connection and prints
"ok NAME", "fail NAME: why" or "skip NAME: why"; "done" ends a complete
run. APIARY_CLIENT_CHECK=NAME runs one check. The Arrow checks write the
raw IPC streams they fetch into OUTDIR, where the Go test decodes them
with arrow-go.
"""

import datetime as dt
import os
import sys
import traceback
from decimal import Decimal

import psycopg
from psycopg import sql

import apiary

SERVER = sys.argv[1]
OUTDIR = sys.argv[2]
UTC = dt.timezone.utc

CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


class Skip(Exception):
    pass


def expect_equal(got, want, what=""):
    if got != want:
        raise AssertionError(f"{what}: got {got!r}, want {want!r}")


TYPED_ROW = (
    "żółw",
    42,
    2**40,
    1.5,
    Decimal("123.456"),
    dt.date(2024, 2, 29),
    dt.datetime(2024, 2, 29, 23, 59, 59, 500000),
    dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
    b"\x00\x01\xff",
    True,
)


@check
def parameter_types(conn):
    """Every common Python type as a parameter, sent by server-side binding."""
    conn.execute(
        """CREATE TABLE py_types (t text, i int, b bigint, f double precision, n numeric(12,3),
        d date, ts timestamp, tz timestamptz, by bytea, ok boolean)"""
    )
    conn.execute("INSERT INTO py_types VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", TYPED_ROW)
    conn.execute("INSERT INTO py_types VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", (None,) * 9 + (False,))
    got = conn.execute("SELECT * FROM py_types WHERE i = %s", (42,)).fetchall()
    expect_equal(got, [TYPED_ROW], "row read back")
    # The same values as filters: each compares with a parameter of its type.
    n = conn.execute(
        """SELECT count(*) FROM py_types WHERE t = %s AND b = %s AND f = %s AND n = %s AND d = %s
        AND ts = %s AND tz = %s AND by = %s AND ok = %s""",
        TYPED_ROW[:1] + TYPED_ROW[2:],
    ).fetchone()[0]
    expect_equal(n, 1, "filter on every type")
    nulls = conn.execute("SELECT t, i, n, tz, by FROM py_types WHERE ok = %s", (False,)).fetchone()
    expect_equal(nulls, (None,) * 5, "NULLs")
    got = conn.execute("SELECT count(*) FROM py_types WHERE t IS NOT DISTINCT FROM %s", (None,)).fetchone()[0]
    expect_equal(got, 1, "untyped NULL parameter")


@check
def parameter_inference(conn):
    """Strings go untyped (OID 0): the server infers their type."""
    row = conn.execute("SELECT %s AS s, %s::int + 1 AS x, %s::numeric * 2 AS n, %s::date + 1 AS d",
                       ("plain", "41", "1.25", "2024-02-28")).fetchone()
    expect_equal(row, ("plain", 42, Decimal("2.50"), dt.date(2024, 2, 29)), "inferred")
    conn.execute("CREATE TABLE py_infer (id int, name text, at timestamptz)")
    conn.execute("INSERT INTO py_infer VALUES (%s, %s, %s)", (1, "one", "2024-01-01 00:00:00+00"))
    row = conn.execute("SELECT name FROM py_infer WHERE id = %s AND at < %s", ("1", "2025-01-01")).fetchone()
    expect_equal(row, ("one",), "string parameters compared with int and timestamptz")


@check
def executemany(conn):
    """executemany sends the statement once per row (in a pipeline on libpq >= 14)."""
    conn.execute("CREATE TABLE py_many (id int, name text, amount numeric(8,2))")
    rows = [(i, f"name {i}", Decimal(i) / 4) for i in range(200)]
    with conn.cursor() as cur:
        cur.executemany("INSERT INTO py_many VALUES (%s, %s, %s)", rows)
    got = conn.execute("SELECT id, name, amount FROM py_many ORDER BY id").fetchall()
    expect_equal(got, [(i, n, a.quantize(Decimal("0.01"))) for i, n, a in rows], "rows")


@check
def prepared_statements(conn):
    """prepare=True makes psycopg use a named server-side statement at once."""
    conn.execute("CREATE TABLE py_prep (id int, v text)")
    conn.execute("INSERT INTO py_prep VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    for i in (1, 2, 3, 2, 1):
        got = conn.execute("SELECT v FROM py_prep WHERE id = %s", (i,), prepare=True).fetchone()
        expect_equal(got, ("abc"[i - 1],), f"id {i}")
    # The default threshold (5 runs) switches to a prepared statement too.
    conn.prepare_threshold = 2
    for i in range(6):
        got = conn.execute("SELECT count(*) FROM py_prep WHERE id > %s", (i,)).fetchone()
        expect_equal(got, (max(0, 3 - i),), f"threshold run {i}")


@check
def copy_write_row(conn):
    """COPY FROM STDIN fed by Copy.write_row (text format, psycopg's dumpers)."""
    conn.execute("CREATE TABLE py_copy (id int, name text, amount numeric(8,2), at timestamptz, raw bytea)")
    rows = [
        (1, "tab\there", Decimal("1.50"), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), b"\x00\\x"),
        (2, None, None, None, None),
        (3, "line\nbreak \\ back", Decimal("-3.00"), dt.datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), b""),
    ]
    with conn.cursor() as cur:
        with cur.copy("COPY py_copy (id, name, amount, at, raw) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        expect_equal(cur.rowcount, 3, "rowcount")
    got = conn.execute("SELECT * FROM py_copy ORDER BY id").fetchall()
    expect_equal(got, rows, "rows")


@check
def copy_write_csv(conn):
    """COPY FROM STDIN (FORMAT csv, HEADER) fed with raw CSV text in pieces."""
    conn.execute("CREATE TABLE py_csv (id int, name text, city text)")
    data = 'id,name,city\n1,"Smith, J",Lisbon\n2,,"Porto"\n3,"say ""hi""",\n'
    with conn.cursor() as cur:
        with cur.copy("COPY py_csv FROM STDIN (FORMAT csv, HEADER)") as copy:
            copy.write(data[:17])
            copy.write(data[17:])
    got = conn.execute("SELECT id, name, city FROM py_csv ORDER BY id").fetchall()
    expect_equal(got, [(1, "Smith, J", "Lisbon"), (2, None, "Porto"), (3, 'say "hi"', None)], "rows")


@check
def copy_to(conn):
    """COPY TO STDOUT read as typed rows and as raw CSV."""
    conn.execute("CREATE TABLE py_out (id int, name text, amount numeric(6,2))")
    conn.execute("INSERT INTO py_out VALUES (1, 'a', 1.5), (2, NULL, NULL), (3, 'c,d', -2)")
    with conn.cursor() as cur:
        with cur.copy("COPY (SELECT id, name, amount FROM py_out ORDER BY id) TO STDOUT") as copy:
            copy.set_types(["int4", "text", "numeric"])
            got = list(copy.rows())
    expect_equal(got, [(1, "a", Decimal("1.50")), (2, None, None), (3, "c,d", Decimal("-2.00"))], "rows")
    out = bytearray()
    with conn.cursor() as cur:
        with cur.copy("COPY py_out TO STDOUT (FORMAT csv, HEADER)") as copy:
            for chunk in copy:
                out += chunk
    lines = out.decode().splitlines()
    expect_equal(lines[0], "id,name,amount", "header")
    expect_equal(sorted(lines[1:]), ['1,a,1.50', '2,,', '3,"c,d",-2.00'], "csv")


@check
def transactions(conn):
    conn.execute("CREATE TABLE py_tx (id int)")
    conn.commit()
    try:
        with conn.transaction():
            conn.execute("INSERT INTO py_tx VALUES (%s)", (1,))
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    with conn.transaction():
        conn.execute("INSERT INTO py_tx VALUES (%s)", (2,))
    conn.rollback()
    expect_equal(conn.execute("SELECT id FROM py_tx").fetchall(), [(2,)], "committed rows")
    expect_equal(conn.info.transaction_status, psycopg.pq.TransactionStatus.INTRANS, "status")


@check
def errors(conn):
    try:
        conn.execute("SELECT * FROM py_missing WHERE id = %s", (1,))
        raise AssertionError("no error")
    except psycopg.errors.UndefinedTable:
        pass
    expect_equal(conn.info.transaction_status, psycopg.pq.TransactionStatus.INERROR, "status after error")
    conn.rollback()
    try:
        conn.execute("SELECT 1 / %s", (0,))
        raise AssertionError("no error")
    except psycopg.errors.DivisionByZero:
        conn.rollback()
    expect_equal(conn.execute("SELECT %s::int", (7,)).fetchone(), (7,), "usable afterwards")


ARROW_ROWS = [
    (1, "Lisbon", Decimal("12.50"), dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), True, b"\x01"),
    (2, "it's; --", None, None, None, None, None),
    (3, "Porto", Decimal("-7.25"), dt.date(1969, 12, 31), dt.datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), False, b""),
]


@check
def arrow_package(_conn):
    """The apiary package: COPY (query) TO STDOUT (FORMAT arrow) with client-side parameters."""
    with apiary.connect("") as conn:
        conn.execute("CREATE TABLE py_arrow (id int, city text, fare numeric(8,2), day date, at timestamptz, paid boolean, raw bytea)")
        with conn.cursor() as cur:
            for r in ARROW_ROWS:
                cur.execute("INSERT INTO py_arrow VALUES (%s, %s, %s, %s, %s, %s, %s)", r)
        conn.commit()
        statement = apiary.copy_arrow_statement(conn.pg, "SELECT * FROM py_arrow WHERE city = %s;", ("it's",))
        expect_equal(statement, "COPY (SELECT * FROM py_arrow WHERE city = 'it''s') TO STDOUT (FORMAT arrow)", "statement")
        if SERVER == "postgres":
            # PostgreSQL parses the statement and refuses only the format.
            try:
                conn.fetch_arrow_bytes("SELECT * FROM py_arrow WHERE id > %s", (0,))
                raise AssertionError("PostgreSQL accepted FORMAT arrow")
            except psycopg.errors.InvalidParameterValue:
                conn.rollback()
            raise Skip("PostgreSQL has no FORMAT arrow; the statement parses and only the format is refused")

        streams = {
            "all": conn.fetch_arrow_bytes("SELECT * FROM py_arrow ORDER BY id"),
            "params": conn.fetch_arrow_bytes(
                sql.SQL("SELECT id, city FROM py_arrow WHERE city = {} OR id > %s ORDER BY id").format(sql.Literal("it's; --")),
                (2,),
            ),
            "empty": conn.fetch_arrow_bytes("SELECT id, city FROM py_arrow WHERE id < %(min)s", {"min": 0}),
            "percent": conn.fetch_arrow_bytes("SELECT '100%' AS pct"),
        }
        for name, data in streams.items():
            with open(os.path.join(OUTDIR, f"{name}.arrow"), "wb") as f:
                f.write(data)
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            try:
                conn.fetch_arrow("SELECT 1")
                raise AssertionError("fetch_arrow worked without pyarrow")
            except apiary.MissingDependencyError as e:
                if "pyarrow" not in str(e):
                    raise AssertionError(f"unclear error: {e}")
            return
        table = conn.fetch_arrow("SELECT * FROM py_arrow ORDER BY id")
        got = [tuple(r.values()) for r in table.to_pylist()]
        expect_equal(got, ARROW_ROWS, "pyarrow rows")


def main():
    only = os.environ.get("APIARY_CLIENT_CHECK")
    for fn in CHECKS:
        name = fn.__name__
        if only and only != name:
            continue
        try:
            with psycopg.connect("") as conn:
                fn(conn)
            print(f"ok {name}", flush=True)
        except Skip as e:
            print(f"skip {name}: {e}", flush=True)
        except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
            where = traceback.extract_tb(e.__traceback__)
            line = next((f"line {fr.lineno}" for fr in reversed(where) if fr.filename == __file__), "")
            code = getattr(e, "sqlstate", None)
            prefix = f"SQLSTATE {code}: " if code else ""
            msg = f"{prefix}{type(e).__name__}: {e} ({line})".replace("\n", " | ")
            print(f"fail {name}: {msg}", flush=True)
    print("done", flush=True)


if __name__ == "__main__":
    main()
