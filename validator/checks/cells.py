"""SC: every cell against its column in the table schema: required, type, vocabulary, pattern, range."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from ..registry import check
from .common import at_cell, non_ascii, quote_sql_ident, short, usable_tables

if TYPE_CHECKING:
    from ..model import Field
    from ..package import Package

# Lexical forms accepted for typed columns (the canonical forms; DuckDB's RE2, whole value).
TYPE_PATTERNS = {
    "integer": r"-?(0|[1-9][0-9]*)",
    "number": r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?",
    "boolean": r"true|false",
    "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
}
TYPE_HINTS = {
    "integer": "write a whole number without spaces or thousands separators, e.g. 3632998",
    "number": "write a decimal number with a point, e.g. 10.2469",
    "boolean": "write true or false (lowercase)",
    "date": "write a calendar date as YYYY-MM-DD",
}


def _fields(pkg: Package) -> Iterator[tuple[str, Field]]:
    for name in usable_tables(pkg):
        for f in pkg.tables[name].table.fields:
            yield name, f


def _rows(pkg: Package, table: str, where: str, column: str, params: list | None = None) -> list[tuple]:
    col = quote_sql_ident(column)
    return pkg.sql(f'SELECT _line, id, {col} FROM "{table}" WHERE {col} IS NOT NULL AND ({where}) ORDER BY _line', params)


@check("SC301", "required-missing")
def required_values(pkg: Package) -> Iterator[Problem]:
    """A required column has a value in every row.

    Fails: an entity with an empty ``name``.
    """
    for table, f in _fields(pkg):
        if not f.required:
            continue
        col = quote_sql_ident(f.name)
        for line, rid in pkg.sql(f'SELECT _line, id FROM "{table}" WHERE {col} IS NULL ORDER BY _line'):
            yield at_cell(pkg, table, line, f.name, f"{f.name} is required but empty", record=rid)


@check("SC302", "type-mismatch")
def typed_values(pkg: Package) -> Iterator[Problem]:
    """Integer, number, boolean and date cells hold a value of that type.

    Fails: ``protected`` = ``yes``; ``latitude`` = ``10,25``; ``retrieved`` = ``2023-02-30``.
    """
    for table, f in _fields(pkg):
        pattern = TYPE_PATTERNS.get(f.kind)
        if pattern is None:
            continue
        col = quote_sql_ident(f.name)
        where = f"NOT regexp_full_match({col}, ?)"
        if f.kind == "date":
            where += f" OR TRY_CAST({col} AS DATE) IS NULL"
        for line, rid, value in _rows(pkg, table, where, f.name, [pattern]):
            yield at_cell(
                pkg, table, line, f.name, f"{f.name} must be a {f.kind}, not {short(value)}", record=rid, hint=TYPE_HINTS[f.kind]
            )


@check("SC303", "not-in-vocabulary")
def vocabulary(pkg: Package) -> Iterator[Problem]:
    """A vocabulary column holds one of its documented terms.

    Fails: ``claim_status`` = ``confirmed``; passes: ``reported``.
    """
    for table, f in _fields(pkg):
        if not f.enum:
            continue
        for line, rid, value in _rows(pkg, table, f"NOT list_contains(?, {quote_sql_ident(f.name)})", f.name, [list(f.enum)]):
            close = difflib.get_close_matches(value.lower().strip(), f.enum, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use one of: {', '.join(f.enum)}"
            yield at_cell(
                pkg,
                table,
                line,
                f.name,
                f"{f.name} {short(value)} is not a term of the vocabulary",
                record=rid,
                hint=hint + " (terms: docs/data-dictionary.md)",
            )


@check("SC304", "pattern-mismatch")
def patterns(pkg: Package) -> Iterator[Problem]:
    """A text cell matches its column's pattern (ids of references, codes, hashes, language tags).

    Fails: ``sha256`` = ``ABC``; ``subject_id`` = ``Ent-1``.
    """
    for table, f in _fields(pkg):
        if not f.pattern or f.kind not in ("string",) or f.name == "id":
            continue
        for line, rid, value in _rows(pkg, table, f"NOT regexp_full_match({quote_sql_ident(f.name)}, ?)", f.name, [f.pattern]):
            yield at_cell(
                pkg,
                table,
                line,
                f.name,
                f"{f.name} {short(value)} does not match the pattern {f.pattern}{non_ascii(value)}",
                record=rid,
            )


@check("SC305", "out-of-range")
def ranges(pkg: Package) -> Iterator[Problem]:
    """A number lies within its column's minimum and maximum.

    Fails: ``latitude`` = ``95``; passes: ``10.25``.
    """
    for table, f in _fields(pkg):
        if f.kind not in ("integer", "number") or (f.minimum is None and f.maximum is None):
            continue
        col = quote_sql_ident(f.name)
        num = f"TRY_CAST({col} AS DOUBLE)"
        conds, params = [], []
        if f.minimum is not None:
            conds.append(f"{num} < ?")
            params.append(f.minimum)
        if f.maximum is not None:
            conds.append(f"{num} > ?")
            params.append(f.maximum)
        for line, rid, value in _rows(pkg, table, " OR ".join(conds), f.name, params):
            yield at_cell(
                pkg, table, line, f.name, f"{f.name} {value} is outside [{_num(f.minimum)}, {_num(f.maximum)}]", record=rid
            )


def _num(v: float | None) -> str:
    return "-inf" if v is None else f"{v:g}"


@check("SC306", "list-items")
def list_items(pkg: Package) -> Iterator[Problem]:
    """A list cell ('|'-separated) has no empty, padded or repeated item.

    Fails: ``aliases`` = ``Niño Guerrero||Guerrero`` or ``a|a``; passes: ``Niño Guerrero|Guerrero``.
    """
    for table, f in _fields(pkg):
        if f.kind != "list":
            continue
        col = quote_sql_ident(f.name)
        d = f.delimiter or "|"
        items = f"string_split({col}, '{d.replace(chr(39), chr(39) * 2)}')"  # the model allows no quote; escape anyway
        checks = [
            (f"list_contains({items}, '')", "has an empty item", f"remove the doubled or trailing '{d}'"),
            (
                f"len(list_filter({items}, lambda x: x <> trim(x))) > 0",
                "has an item with leading or trailing spaces",
                f"no spaces around '{d}'",
            ),
            (f"len(list_distinct({items})) < len({items})", "repeats an item", "list each name once"),
        ]
        for where, what, hint in checks:
            for line, rid, value in _rows(pkg, table, where, f.name):
                yield at_cell(pkg, table, line, f.name, f"{f.name} {short(value)} {what}", record=rid, hint=hint)
