"""Row checks: rules decided one row at a time, evaluated together in one scan per table.

A row check contributes, per table, SQL conditions that are true when a row breaks its rule.
All the conditions of every selected row check are combined into one query per table, so a
package is scanned once however many such rules there are; the query returns only the rows
that break something, and each check reports the rows flagged for it.

A condition may also say how pyarrow flags the same cells (``Condition.vector``), and is then
tested by pyarrow where the table is held as a pyarrow table (a large one): a regular expression
a cell must match whole (``Condition.mismatch``) runs in pyarrow's RE2 in about half DuckDB's
CPU (the 572,221 ids of a citations table: 48 ms against 97 ms), and the simple per-cell tests
(empty, in a list of terms, first character, leading or trailing space) cost a few milliseconds
a column where DuckDB, reading the column out of the pyarrow table, took 4 to 60 ms (the
first-character test on the quotes of 568,000 citations: 63 ms in DuckDB, 5 ms in pyarrow). A
table whose conditions all have such a form is not scanned by DuckDB at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, TypeAlias, cast

from ..problems import Problem, Severity
from ..reading.arrays import int64_array, string_array
from ..reading.duckconnect import register_arrow
from .common import at_cell
from .registry import OWN_ROWS, Reads, check

if TYPE_CHECKING:
    import pyarrow as pa

    from ..reading.package import Package

Hint = str | Callable[[str], str | None] | None
# a boolean per cell, true where the cell breaks the rule; null counts as not broken
Mask: TypeAlias = "pa.ChunkedArray | pa.Array"
Vector = Callable[["pa.ChunkedArray"], Mask]


@dataclass(frozen=True)
class Condition:
    field: str  # the column the problem points at
    sql: str  # true when the row breaks the rule (NULL counts as not broken)
    message: Callable[[str], str]
    hint: Hint = None
    # the same rule as pyarrow computes it, flagging exactly the cells ``sql`` flags: the engine
    # runs it instead of ``sql`` on a table held as a pyarrow table
    vector: Vector | None = None
    # the only lines ``sql`` can flag (it says so itself): on a table held as a pyarrow table the
    # engine hands DuckDB these rows alone, instead of every row's cells to ask whether it is one
    lines: tuple[int, ...] | None = None

    @classmethod
    def mismatch(cls, field: str, pattern: str, message: Callable[[str], str], hint: Hint = None) -> Condition:
        """A cell of ``field`` that is not, whole, a match of the RE2 ``pattern`` (an empty cell passes)."""
        sql = f"NOT regexp_full_match({ident(field)}, {sql_str(pattern)})"
        return cls(field, sql, message, hint, partial(_mismatch_vector, pattern))


def _mismatch_vector(pattern: str, column: pa.ChunkedArray) -> Mask:
    import pyarrow.compute as pc  # loads on first use: a small package never needs it

    # \A and \z anchor at the ends of the cell, as RE2's full match does; both libraries run RE2
    # with its default options (case-sensitive, '.' not matching a line end)
    matched = cast("pa.ChunkedArray", pc.match_substring_regex(column, rf"\A(?:{pattern})\z"))  # chunked, as its input
    return pc.invert(matched)


def not_in_vector(values: Iterable[str], column: pa.ChunkedArray) -> Mask:
    """A cell that is not one of ``values``, an empty cell never flagged (what DuckDB's
    ``NOT list_contains(values, cell)`` and ``cell NOT IN (values)`` select)."""
    import pyarrow.compute as pc  # likewise its compute functions

    terms = string_array(list(values))
    return pc.and_(pc.is_valid(column), pc.invert(pc.is_in(column, value_set=terms)))


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
        by_vector: list[tuple[int, str, Condition]] = []
        in_sql: list[tuple[int, str, Condition]] = []
        for k, (code, cond) in enumerate(conds):
            (by_vector if in_arrow and cond.vector is not None else in_sql).append((k, code, cond))
        for k, code, cond in by_vector:
            found += [(line, k, (code, (table, cond, line, rid, value))) for line, rid, value in _flagged(pkg, table, cond)]
        groups: dict[tuple[int, ...] | None, list[tuple[int, str, Condition]]] = defaultdict(list)
        for k, code, cond in in_sql:
            groups[cond.lines if in_arrow else None].append((k, code, cond))
        for lines, group in groups.items():
            found += _scan(pkg, table, group) if lines is None else _scan_lines(pkg, table, group, lines)
        found.sort(key=lambda f: (f[0], f[1]))
        for _, _, (code, hit) in found:
            out[code].append(hit)
    return out


def _scan(
    pkg: Package, table: str, conds: list[tuple[int, str, Condition]], source: str | None = None
) -> list[tuple[int, int, tuple]]:
    """The hits of ``conds`` (position, code, condition) on ``table`` in one query (on the rows of
    the relation ``source`` instead where given)."""
    fields = sorted({c.field for _, _, c in conds})
    flags = [f"coalesce(({c.sql}), false)" for _, _, c in conds]
    cols = ", ".join(ident(f) for f in fields)
    sql = f"SELECT _line, id, {cols}, {', '.join(flags)} FROM {ident(source or table)} WHERE {' OR '.join(flags)} ORDER BY _line"
    n = len(fields)
    found = []
    for row in pkg.sql(sql, plan=False):  # dozens of conditions on one table: nothing to plan
        values = dict(zip(fields, row[2 : 2 + n], strict=True))
        for (k, code, cond), hit in zip(conds, row[2 + n :], strict=True):
            if hit:
                found.append((row[0], k, (code, (table, cond, row[0], row[1], values[cond.field]))))
    return found


def _scan_lines(
    pkg: Package, table: str, conds: list[tuple[int, str, Condition]], lines: tuple[int, ...]
) -> list[tuple[int, int, tuple]]:
    """``_scan`` on the rows of ``lines`` of a table held as a pyarrow table: pyarrow takes them
    out and DuckDB reads only them, where a query on the whole table read every row's cells out of
    pyarrow first (NFC on the 130 suspect lines of 568,000 citations: 7 ms against 53 ms of CPU)."""
    import pyarrow.compute as pc  # likewise its compute functions

    data = pkg.arrow(table)
    wanted = int64_array(lines)
    rows = data.take(pc.indices_nonzero(pc.is_in(data.column("_line"), value_set=wanted)))
    name = "_rowcheck_lines"
    register_arrow(pkg.db, name, rows)
    try:
        return _scan(pkg, table, conds, name)
    finally:
        pkg.db.unregister(name)


def _flagged(pkg: Package, table: str, cond: Condition) -> list[tuple[int, str | None, str]]:
    """(line, id, value) of the rows ``cond.vector`` flags: what ``cond.sql`` selects, computed by pyarrow."""
    import pyarrow.compute as pc  # loads on first use: a small package never needs it

    assert cond.vector is not None
    data = pkg.arrow(table)
    rows = pc.indices_nonzero(cond.vector(data.column(cond.field)))  # a null counts as false
    if not len(rows):
        return []
    picked = data.select(list(dict.fromkeys(["_line", "id", cond.field]))).take(rows)
    lines = cast("list[int]", picked.column("_line").to_pylist())  # never null: the stubs type every cell as nullable
    ids = cast("list[str | None]", picked.column("id").to_pylist())
    values = cast("list[str]", picked.column(cond.field).to_pylist())  # None for an empty cell, as the scan gives it
    return list(zip(lines, ids, values, strict=True))
