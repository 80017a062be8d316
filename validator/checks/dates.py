"""DT: dates are EDTF, ends do not precede starts, nothing is dated after its sources were published."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from ..problems import Problem
from ..reading import edtf_dates
from .common import at_cell, quote_sql_ident, short, usable_tables
from .registry import OWN_ROWS, Reads, check, reads

if TYPE_CHECKING:
    from ..reading.package import Package


def _edtf_fields(pkg: Package, name: str) -> list[str]:
    return [f.name for f in pkg.tables[name].table.fields if f.kind == "edtf"]


def edtf_table(pkg: Package) -> dict[str, edtf_dates.EdtfValue | str]:
    """Every distinct EDTF value of the package, parsed once; registered as _edtf(value, lower, upper, ok)."""
    cached = pkg.cache.get("edtf")
    if cached is not None:
        return cached

    fields = [(name, f) for name in usable_tables(pkg) for f in _edtf_fields(pkg, name)]
    values = _distinct_values(pkg, fields)
    parsed: dict[str, edtf_dates.EdtfValue | str] = {}
    for v in sorted(values):
        try:
            parsed[v] = edtf_dates.parse(v)
        except edtf_dates.EdtfError as exc:
            parsed[v] = str(exc)
    ok = {k: p for k, p in parsed.items() if not isinstance(p, str)}
    pkg.register_rows(
        "_edtf",
        [("value", "VARCHAR"), ("lower", "BIGINT"), ("upper", "BIGINT"), ("reversed", "BOOLEAN")],
        [(k, edtf_dates.day_key(p.lower), edtf_dates.day_key(p.upper), p.reversed) for k, p in ok.items()],
    )
    pkg.cache["edtf"] = parsed
    return parsed


def _distinct_values(pkg: Package, fields: list[tuple[str, str]]) -> set[str]:
    """The distinct non-empty values of the date columns ``fields`` (table, column): from the
    cells of a table read in Python (a set of them costs less than a query), by pyarrow's hash of
    the column of a table read by pyarrow (DuckDB's DISTINCT over them all took four times the
    CPU: the 422,000 date cells of a generated package, 5 ms against 20 ms)."""
    values: set[str] = set()
    for name, f in fields:
        if pkg.python_rows(name) is not None:
            values.update(v for _, v in pkg.column_rows(name, [f]) if v is not None)
        else:
            import pyarrow.compute as pc  # loads on first use: a small package never needs it

            values.update(cast("list[str]", pc.unique(pkg.arrow(name).column(f)).drop_null().to_pylist()))
    return values


@check("DT601", "edtf-invalid", reads=OWN_ROWS)
def edtf_valid(pkg: Package) -> Iterator[Problem]:
    """A date column holds EDTF level 0 or 1: 2018, 2017-04, 2023-09-20, 2012~, 2015/2017, 2018/.. .

    Fails: ``2023-02-30``, ``20/09/2023``, ``[2018,2019]`` (level 2); passes: ``2023-09-20``.
    """
    parsed = edtf_table(pkg)
    bad = {v: p for v, p in parsed.items() if isinstance(p, str)}
    if not bad:
        return
    for name in usable_tables(pkg):
        for f in _edtf_fields(pkg, name):
            col = quote_sql_ident(f)
            for line, rid, value in pkg.sql(
                f'SELECT _line, id, {col} FROM "{name}" WHERE list_contains(?, {col}) ORDER BY _line', [list(bad)]
            ):
                yield at_cell(
                    pkg,
                    name,
                    line,
                    f,
                    f"{f} {short(value)} is not valid EDTF: {bad[value]}",
                    record=rid,
                    hint="write a year (2018), month (2017-04), day (2023-09-20), add ~ for approximate, "
                    "or an interval (2015/2017, 2018/..)",
                )


@check("DT602", "end-before-start", reads=OWN_ROWS)
def ends_after_starts(pkg: Package) -> Iterator[Problem]:
    """An end is not before its start: neither a row's ``end`` before its ``start`` nor an interval's end before its beginning.

    Fails: start ``2017``, end ``2015``; ``date`` = ``2017/2015``; passes: start ``2015``, end ``2017``.
    """
    # an interval that ends before it starts is one of the parsed values: without one, no column
    # has a reversed interval, and the query per column is left out
    parsed = edtf_table(pkg)
    reversed_any = any(not isinstance(p, str) and p.reversed for p in parsed.values())
    for name in usable_tables(pkg):
        fields = _edtf_fields(pkg, name)
        if pkg.python_rows(name) is not None:  # read in Python: the rows at hand, not three queries
            yield from _ends_after_starts_held(pkg, name, fields, parsed, reversed_any)
            continue
        for f in fields if reversed_any else []:
            col = quote_sql_ident(f)
            for line, rid, value in pkg.sql(
                f'SELECT t._line, t.id, t.{col} FROM "{name}" t JOIN _edtf e ON t.{col} = e.value WHERE e.reversed ORDER BY t._line'
            ):
                yield at_cell(pkg, name, line, f, f"the interval {value!r} ends before it starts", record=rid)
        if "start" in fields and "end" in fields:
            rows = pkg.sql(
                f'SELECT t._line, t.id, t.start, t."end" FROM "{name}" t JOIN _edtf s ON t.start = s.value '
                f'JOIN _edtf e ON t."end" = e.value WHERE e.upper < s.lower ORDER BY t._line'
            )
            for line, rid, start, end in rows:
                yield at_cell(
                    pkg,
                    name,
                    line,
                    "end",
                    f"end {end!r} is before start {start!r}",
                    record=rid,
                    hint="swap them, or check the source's dates",
                )


def _ends_after_starts_held(
    pkg: Package, name: str, fields: list[str], parsed: dict[str, edtf_dates.EdtfValue | str], reversed_any: bool
) -> Iterator[Problem]:
    """DT602 on a table held in Python: what the queries of ``ends_after_starts`` find (the joins
    with _edtf keep the valid values; a missing bound compares as false), in the same order."""
    valid = {v: p for v, p in parsed.items() if not isinstance(p, str)}
    names = pkg.tables[name].table.field_names
    rows = pkg.python_rows(name) or []
    rid = names.index("id") + 1
    for f in fields if reversed_any else []:
        i = names.index(f) + 1
        for row in rows:
            value = row[i]
            if value is not None and value in valid and valid[value].reversed:
                yield at_cell(pkg, name, row[0], f, f"the interval {value!r} ends before it starts", record=row[rid])
    if "start" in fields and "end" in fields:
        si, ei = names.index("start") + 1, names.index("end") + 1
        for row in rows:
            start, end = valid.get(row[si]), valid.get(row[ei])
            if start is None or end is None:
                continue
            upper, lower = edtf_dates.day_key(end.upper), edtf_dates.day_key(start.lower)
            if upper is not None and lower is not None and upper < lower:
                yield at_cell(
                    pkg,
                    name,
                    row[0],
                    "end",
                    f"end {row[ei]!r} is before start {row[si]!r}",
                    record=row[rid],
                    hint="swap them, or check the source's dates",
                )


def _publication_bounds(pkg: Package) -> dict[str, int]:
    """source id -> the last day the source can have been published (its ``published`` upper bound,
    and never later than the day it was retrieved)."""
    out: dict[str, int] = {}
    if not pkg.usable("sources"):
        return out
    for _, sid, published, retrieved in pkg.column_rows("sources", ["id", "published", "retrieved"]):
        if sid is None:
            continue
        bounds = []
        if published:
            try:
                up = edtf_dates.parse(published).upper
                if up:
                    bounds.append(edtf_dates.day_key(up))
            except edtf_dates.EdtfError:
                pass
        if retrieved:
            try:
                d = dt.date.fromisoformat(retrieved)
                bounds.append(edtf_dates.day_key((d.year, d.month, d.day)))
            except ValueError:
                pass
        if bounds:
            out[sid] = min(bounds)
    return out


@check("DT603", "after-publication", reads=Reads(None, frozenset({"citations", "references"})))
def dated_before_sources(pkg: Package) -> Iterator[Problem]:
    """Nothing is dated after the publication of every source that cites it.

    Fails: an event dated ``2030`` cited only by a source published in 2023.
    """

    if not pkg.usable("citations"):
        return
    parsed = edtf_table(pkg)
    bounds = _publication_bounds(pkg)
    lowers = [edtf_dates.day_key(p.lower) for p in parsed.values() if not isinstance(p, str) and p.lower]
    if not bounds or not lowers or max(lowers) <= min(bounds.values()):
        return  # no date is later than the earliest publication: nothing can be after its sources
    pkg.register_rows("_pub", [("source_id", "VARCHAR"), ("bound", "BIGINT")], list(bounds.items()))
    for name in pkg.model.cited_tables().values():
        if not pkg.usable(name):
            continue
        for f in _edtf_fields(pkg, name):
            col = quote_sql_ident(f)
            rows = pkg.sql(
                f"WITH c AS (SELECT record_id, max(p.bound) AS bound FROM citations JOIN _pub p USING (source_id) GROUP BY record_id) "
                f'SELECT t._line, t.id, t.{col}, c.bound FROM "{name}" t JOIN c ON c.record_id = t.id '
                f"JOIN _edtf e ON t.{col} = e.value WHERE e.lower > c.bound ORDER BY t._line"
            )
            for line, rid, value, bound in rows:
                day = f"{bound // 10000:04d}-{bound // 100 % 100:02d}-{bound % 100:02d}"
                yield at_cell(
                    pkg,
                    name,
                    line,
                    f,
                    f"{f} {value!r} is after {day}, the latest its sources can have been published",
                    record=rid,
                    hint="a source cannot report what happened after it was published; check the date",
                )


@check("DT604", "retrieved-before-published", reads=reads("sources"))
def retrieved_after_published(pkg: Package) -> Iterator[Problem]:
    """A source is not retrieved before it was published."""
    if not pkg.usable("sources"):
        return
    for line, sid, published, retrieved in pkg.column_rows("sources", ["id", "published", "retrieved"]):
        if published is None or retrieved is None:
            continue
        try:
            low = edtf_dates.parse(published).lower
            got = dt.date.fromisoformat(retrieved)
        except (edtf_dates.EdtfError, ValueError):
            continue
        if low and low > (got.year, got.month, got.day):
            yield at_cell(
                pkg,
                "sources",
                line,
                "retrieved",
                f"{sid} was retrieved ({retrieved}) before it was published ({published})",
                record=sid,
            )
