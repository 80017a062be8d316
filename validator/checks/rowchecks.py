"""Row checks: rules decided one row at a time, evaluated together in one scan per table.

A row check contributes, per table, SQL conditions that are true when a row breaks its rule.
All the conditions of every selected row check are combined into one query per table, so a
package is scanned once however many such rules there are; the query returns only the rows
that break something, and each check reports the rows flagged for it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

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
        fields = sorted({c.field for _, c in conds})
        flags = [f"coalesce(({c.sql}), false)" for _, c in conds]
        cols = ", ".join(ident(f) for f in fields)
        sql = f"SELECT _line, id, {cols}, {', '.join(flags)} FROM {ident(table)} WHERE {' OR '.join(flags)} ORDER BY _line"
        n = len(fields)
        for row in pkg.sql(sql, plan=False):  # dozens of conditions on one table: nothing to plan
            values = dict(zip(fields, row[2 : 2 + n], strict=True))
            for (code, cond), hit in zip(conds, row[2 + n :], strict=True):
                if hit:
                    out[code].append((table, cond, row[0], row[1], values[cond.field]))
    return out
