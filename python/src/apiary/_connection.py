"""The Connection wrapper and the Arrow fetch functions."""

from __future__ import annotations

import io
from typing import Any, Mapping, Optional, Sequence, Union

import psycopg
from psycopg import sql as pgsql

from ._errors import require

Query = Union[str, bytes, pgsql.Composable]
Params = Optional[Union[Sequence[Any], Mapping[str, Any]]]


def connect(dsn: str = "", **kwargs: Any) -> "Connection":
    """Open a connection to Apiary.

    dsn and kwargs are psycopg.connect's: a libpq connection string or URL
    ("host=127.0.0.1 port=5432 user=apiary dbname=apiary",
    "postgresql://apiary@127.0.0.1/apiary") and keywords such as
    autocommit=True or row_factory.
    """
    return Connection(psycopg.connect(dsn, **kwargs))


def copy_arrow_statement(conn: psycopg.Connection, query: Query, params: Params = None) -> str:
    """Return the COPY statement that streams query's result as Arrow.

    COPY takes no server-side parameters, so params are bound here, on the
    client, with psycopg's own quoting (ClientCursor.mogrify): the values
    become SQL literals exactly as psycopg would send them in client-side
    binding mode. Placeholders are psycopg's (%s, %(name)s); without params
    the query is used as written and a % needs no doubling.
    """
    with psycopg.ClientCursor(conn) as cur:
        text = cur.mogrify(query, params)
    # A trailing semicolon would end up inside the parentheses.
    text = text.strip().rstrip(";").rstrip()
    if not text:
        raise psycopg.ProgrammingError("fetch_arrow needs a query")
    return f"COPY ({text}) TO STDOUT (FORMAT arrow)"


class Connection:
    """A psycopg 3 connection to Apiary with Arrow fetch methods.

    It wraps a psycopg.Connection (the pg attribute) and passes everything
    it does not define on to it, so cursor(), execute(), commit(),
    transaction() and the rest behave as in psycopg. Used as a context
    manager it commits on success, rolls back on an exception and closes,
    as psycopg's connection does.

    The fetch methods run inside the connection's current transaction; with
    autocommit off, psycopg opens one first, as it does for execute().
    """

    def __init__(self, pg: psycopg.Connection) -> None:
        self.pg = pg

    # --- passing through to psycopg -----------------------------------

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pg, name)

    def __enter__(self) -> "Connection":
        self.pg.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.pg.__exit__(exc_type, exc, tb)

    def __repr__(self) -> str:
        return f"<apiary.Connection wrapping {self.pg!r}>"

    @property
    def autocommit(self) -> bool:
        return self.pg.autocommit

    @autocommit.setter
    def autocommit(self, value: bool) -> None:
        self.pg.autocommit = value

    def cursor(self, *args: Any, **kwargs: Any) -> psycopg.Cursor:
        return self.pg.cursor(*args, **kwargs)

    def execute(self, query: Query, params: Params = None, **kwargs: Any) -> psycopg.Cursor:
        return self.pg.execute(query, params, **kwargs)

    def close(self) -> None:
        self.pg.close()

    @property
    def closed(self) -> bool:
        return self.pg.closed

    # --- the Arrow fast path -------------------------------------------

    def fetch_arrow_bytes(self, query: Query, params: Params = None) -> bytes:
        """Run query and return its result as an Arrow IPC stream (bytes).

        Needs nothing beyond psycopg: the bytes can be stored, sent on, or
        read by any Arrow implementation (pyarrow.ipc.open_stream,
        arrow-go's ipc.NewReader, arrow-rs's StreamReader).
        """
        return bytes(self._read_stream(query, params))

    def fetch_arrow(self, query: Query, params: Params = None):
        """Run query and return its result as a pyarrow.Table.

        Column types follow docs/clients.md ("The Arrow fast path"): for
        example numeric(p,s) is decimal128(p, s) and timestamptz is
        timestamp[us, tz=UTC]. Needs pyarrow.
        """
        pa = require("pyarrow", "fetch_arrow", "arrow")
        require("pyarrow.ipc", "fetch_arrow", "arrow")
        stream = self._read_stream(query, params)
        # The table's buffers point into the stream's memory: no copy.
        return pa.ipc.open_stream(pa.py_buffer(stream)).read_all()

    def fetch_pandas(self, query: Query, params: Params = None, **to_pandas: Any):
        """Run query and return a pandas.DataFrame (through pyarrow).

        Keyword arguments go to pyarrow.Table.to_pandas (for example
        types_mapper=pandas.ArrowDtype keeps Arrow types in the frame).
        """
        require("pandas", "fetch_pandas", "pandas")
        return self.fetch_arrow(query, params).to_pandas(**to_pandas)

    def fetch_polars(self, query: Query, params: Params = None):
        """Run query and return a polars.DataFrame. Needs polars only."""
        pl = require("polars", "fetch_polars", "polars")
        stream = self._read_stream(query, params)
        return pl.read_ipc_stream(io.BytesIO(stream))

    def _read_stream(self, query: Query, params: Params) -> bytearray:
        statement = copy_arrow_statement(self.pg, query, params)
        out = bytearray()
        with self.pg.cursor() as cur:
            with cur.copy(statement) as copy:
                for chunk in copy:
                    out += chunk
        return out
