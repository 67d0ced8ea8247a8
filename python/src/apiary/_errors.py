"""Errors raised by the apiary package itself.

Database errors are psycopg's own (``psycopg.Error`` and its subclasses,
carrying the SQLSTATE in ``.sqlstate``); this module only adds the error for
an optional library that is not installed.
"""


class MissingDependencyError(ImportError):
    """An optional library (pyarrow, pandas, polars) is needed but missing."""

    def __init__(self, library: str, needed_for: str, extra: str) -> None:
        super().__init__(
            f"{needed_for} needs {library}, which is not installed; "
            f"install it with: pip install 'apiary[{extra}]' (or pip install {library})"
        )
        self.library = library


def require(module: str, needed_for: str, extra: str):
    """Import module on first use, so the package works without it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(module, needed_for, extra) from exc
