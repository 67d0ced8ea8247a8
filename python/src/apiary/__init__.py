"""Apiary from Python: psycopg 3 connections with an Arrow fast path.

Apiary speaks the PostgreSQL protocol, so any PostgreSQL driver works with
it. This package adds one thing on top of psycopg 3: query results fetched
as Apache Arrow data through ``COPY (query) TO STDOUT (FORMAT arrow)``,
which the server streams as an Arrow IPC stream without turning each value
into text and back.

    import apiary

    with apiary.connect("host=127.0.0.1 user=apiary dbname=apiary") as conn:
        table = conn.fetch_arrow("SELECT * FROM trips WHERE city = %s", ["Lisbon"])
        df = table.to_pandas()

Everything else is psycopg: ``conn.execute``, ``conn.cursor()``,
transactions and ``conn.pg`` (the psycopg connection itself).
"""

from ._connection import Connection, connect, copy_arrow_statement
from ._errors import MissingDependencyError

__all__ = ["Connection", "MissingDependencyError", "connect", "copy_arrow_statement"]
__version__ = "0.1.0"
