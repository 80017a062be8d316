"""Connecting to DuckDB with or without the Python layer of the ``duckdb`` package.

The ``duckdb`` package is a compiled engine (the module ``_duckdb``, since DuckDB 1.4) under a
layer of Python modules: the relational API (``connection.sql``, ``register`` of Python objects,
expressions) and the package's version, read through importlib.metadata when it is imported.
Importing that layer is about two thirds of DuckDB's start-up (on the real package about 40 of
60 ms, a fifth of the whole run), and a small package never needs it: its checks only run
statements with ``execute`` and fetch plain rows. A connection made by the engine alone is the
same object as one ``duckdb.connect`` makes, with the same answers; it lacks only the methods
that layer adds, until something imports ``duckdb`` (then it has them too).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import Any


def engine(*, light: bool) -> ModuleType:
    """The module to connect with: ``_duckdb`` when ``light`` and it can be imported on its own
    (not a DuckDB older than 1.4), else ``duckdb``. Both have ``connect`` and ``Error``.

    ``light`` is for a caller whose connection runs statements with ``execute`` only."""
    if light and "duckdb" not in sys.modules:
        try:
            import _duckdb  # the engine without its Python layer: see the module's docstring

            return _duckdb
        except ImportError:
            pass
    import duckdb  # duckdb loads on first use: every tda command would pay its start-up time otherwise

    return duckdb


def register_arrow(db: Any, name: str, table: Any) -> None:
    """Make a pyarrow table (or array) ``name``, a view of the connection ``db``, without a copy.

    Scanning a Python object needs the ``duckdb`` package's Python layer: on a connection the
    engine alone made, with that layer not imported, the first query of the view fails ("Python
    Arrow objects cannot be scanned"). So it is imported here, whatever made the connection; a
    package whose tables are all held in Python registers nothing and keeps its lighter start.

    DuckDB imports pandas to ask whether each object it is given is a DataFrame; where pandas
    is installed but not yet loaded, that import alone costs about half a second and 50 MB. The
    object here is a pyarrow one, so pandas is hidden for the call (a ``None`` entry in
    ``sys.modules`` makes its import fail, which DuckDB takes as "no pandas"; it remembers
    nothing of it, so a later DataFrame is still recognised)."""
    import duckdb  # noqa: F401  # the Python layer that scans Python objects (see above)

    if "pandas" in sys.modules:
        db.register(name, table)
        return
    sys.modules["pandas"] = None  # type: ignore[assignment]  # the documented way to block an import
    try:
        db.register(name, table)
    finally:
        if sys.modules.get("pandas", 0) is None:
            del sys.modules["pandas"]


def arrow_of(db: Any, query: str) -> Any:
    """The rows of ``query`` as a pyarrow table, through the relational API: the ``duckdb``
    package's Python layer, imported here for a connection the engine alone made (it gains
    ``sql()`` then). DuckDB 1.4 renamed the method that fetches the table."""
    import duckdb  # noqa: F401  # the relational API (see the module's docstring)

    relation = db.sql(query)
    return (getattr(relation, "to_arrow_table", None) or relation.fetch_arrow_table)()
