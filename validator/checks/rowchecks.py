"""Row checks: rules decided one row at a time, evaluated together in one scan per table.

A row check contributes, per table, SQL conditions that are true when a row breaks its rule.
All the conditions of every selected row check are combined into one query per table, so a
package is scanned once however many such rules there are; the query returns only the rows
that break something, and each check reports the rows flagged for it.

A condition that is a regular expression a cell must match whole (``Condition.pattern``) is
tested by pyarrow instead where the table is held as a pyarrow table (a large one): its RE2 runs
over the column about twice as fast as DuckDB's ``regexp_full_match`` (the 572,221 ids of a
citations table: 48 ms against 97 ms of CPU), and flags the same rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from ..problems import Problem, Severity
from .common import at_cell
from .registry import OWN_ROWS, Reads, check

if TYPE_CHECKING:
    from ..reading.package import Package

Hint = str | Callable[[str], str | None] | None


@dataclass(frozen=True)
class Condition:
    field: str  # the column the problem points at
    sql: str  # true when the row breaks the rule (NULL counts as not broken)
    message: Callable[[str], str]
    hint: Hint = None
    # set by ``mismatch``, whose ``sql`` tests it: the engine may then test the pattern with
    # pyarrow on a table held as a pyarrow table instead of running ``sql``
    pattern: str | None = None

    @classmethod
    def mismatch(cls, field: str, pattern: str, message: Callable[[str], str], hint: Hint = None) -> Condition:
        """A cell of ``field`` that is not, whole, a match of the RE2 ``pattern`` (an empty cell passes)."""
        return cls(field, f"NOT regexp_full_match({ident(field)}, {sql_str(pattern)})", message, hint, pattern)


ConditionsFunc = Callable[["Package", str], Iterable[Condition]]
CONDITIONS: dict[str, ConditionsFunc] = {}


def sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sql_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(sql_str(v) for v in values) + "]"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_check(
    code: str, name: str, severity: Severity = "error", *, reads: Reads = OWN_ROWS
) -> Callable[[ConditionsFunc], ConditionsFunc]:
    """Register ``func(pkg, table) -> conditions`` as the row check ``code``: a rule decided by a
    row's own cells (``reads`` says otherwise when the conditions look further)."""

    def register(func: ConditionsFunc) -> ConditionsFunc:
        CONDITIONS[code] = func

        def run(pkg: Package) -> Iterator[Problem]:
            for table, cond, line, rid, value in hits(pkg, code):
                hint = cond.hint(value) if callable(cond.hint) else cond.hint
                yield at_cell(pkg, table, line, cond.field, cond.message(value), record=rid, hint=hint)

        run.__doc__ = func.__doc__
        run.__name__ = func.__name__
        run.__module__ = func.__module__  # the check lives where its conditions are written
        check(code, name, severity, reads=reads)(run)
        return func

    return register


def hits(pkg: Package, code: str) -> list[tuple]:
    cache = pkg.cache.get("row_hits")
    if cache is None:
        cache = _evaluate(pkg)
        pkg.cache["row_hits"] = cache
    return cache.get(code, [])


def _evaluate(pkg: Package) -> dict[str, list[tuple]]:
    selected = pkg.selected
    out: dict[str, list[tuple]] = defaultdict(list)
    for table in pkg.tables:
        if not pkg.usable(table):
            continue
        conds = [(code, c) for code, func in CONDITIONS.items() if selected is None or code in selected for c in func(pkg, table)]
        if not conds:
            continue
        # (line, position of the condition, hit): the rows of both ways in the order of one scan
        found: list[tuple[int, int, tuple]] = []
        in_arrow = pkg.python_rows(table) is None  # in the database as a pyarrow table
        in_sql = [(k, code, c) for k, (code, c) in enumerate(conds) if not (in_arrow and c.pattern is not None)]
        for k, (code, cond) in enumerate(conds):
            if in_arrow and cond.pattern is not None:
                found += [(line, k, (code, (table, cond, line, rid, value))) for line, rid, value in _unmatched(pkg, table, cond)]
        if in_sql:
            fields = sorted({c.field for _, _, c in in_sql})
            flags = [f"coalesce(({c.sql}), false)" for _, _, c in in_sql]
            cols = ", ".join(ident(f) for f in fields)
            sql = f"SELECT _line, id, {cols}, {', '.join(flags)} FROM {ident(table)} WHERE {' OR '.join(flags)} ORDER BY _line"
            n = len(fields)
            for row in pkg.sql(sql, plan=False):  # dozens of conditions on one table: nothing to plan
                values = dict(zip(fields, row[2 : 2 + n], strict=True))
                for (k, code, cond), hit in zip(in_sql, row[2 + n :], strict=True):
                    if hit:
                        found.append((row[0], k, (code, (table, cond, row[0], row[1], values[cond.field]))))
        found.sort(key=lambda f: (f[0], f[1]))
        for _, _, (code, hit) in found:
            out[code].append(hit)
    return out


def _unmatched(pkg: Package, table: str, cond: Condition) -> list[tuple[int, str | None, str]]:
    """(line, id, value) of the rows whose ``cond.field`` does not match ``cond.pattern`` whole,
    an empty cell never flagged: what ``cond.sql`` selects, tested by pyarrow."""
    import pyarrow.compute as pc  # loads on first use: a small package never needs it

    data = pkg.arrow(table)
    # \A and \z anchor at the ends of the cell, as RE2's full match does
    matched = pc.match_substring_regex(data.column(cond.field), rf"\A(?:{cond.pattern})\z")
    rows = pc.indices_nonzero(pc.invert(matched))  # an empty cell (null) counts as false
    if not len(rows):
        return []
    picked = data.take(rows)
    lines = cast("list[int]", picked.column("_line").to_pylist())  # never null: the stubs type every cell as nullable
    ids = cast("list[str | None]", picked.column("id").to_pylist())
    values = cast("list[str]", picked.column(cond.field).to_pylist())  # flagged cells are never empty
    return list(zip(lines, ids, values, strict=True))
