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
