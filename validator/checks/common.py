"""Helpers the checks share: building a problem that points at a cell or a JSON value."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from .registry import found

if TYPE_CHECKING:
    from ..reading.package import Package


def at_cell(
    pkg: Package,
    table: str,
    line: int,
    field: str,
    message: str,
    *,
    record: str | None = None,
    hint: str | None = None,
    offset: int = 0,
) -> Problem:
    """A problem in one cell; its column is worked out later, only if it is shown."""
    return found(
        message,
        path=pkg.tables[table].rel,
        line=line,
        field=field,
        record=record,
        hint=hint,
        extra={"table": table, "offset": offset},
    )


def at_line(pkg: Package, table: str, line: int, column: int, message: str, **kw: Any) -> Problem:
    return found(message, path=pkg.tables[table].rel, line=line, column=column, **kw)


def at_json(path: str, pointer: str, message: str, *, hint: str | None = None, field: str | None = None) -> Problem:
    """A problem at a value inside a JSON file, located by its JSON pointer."""
    return found(message, path=path, field=field, hint=hint, extra={"pointer": pointer})


def quote_sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def usable_tables(pkg: Package) -> list[str]:
    return [name for name in pkg.tables if pkg.usable(name)]


def short(value: str, limit: int = 60) -> str:
    """A value as a message shows it: repr-quoted and cut to ``limit`` characters."""
    text = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(text)


def non_ascii(value: str) -> str:
    """'' for ASCII text, else which character is not ASCII: look-alike letters hide in ids.

    ``'ent-\u0430'`` gives ``"; character 5 is U+0430 CYRILLIC SMALL LETTER A"``.
    """
    for i, c in enumerate(value):
        if not c.isascii():
            return f"; character {i + 1} is U+{ord(c):04X} {unicodedata.name(c, '(unnamed)')}"
    return ""
