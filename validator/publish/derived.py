"""Release columns: values derived from a row's own cells, carried by every release format.

They are not columns of ``data/*.csv`` (the package stores each fact once, as the source gives
it); ``load()`` adds them to every record and ``tda build`` writes them to JSON, Parquet, SQLite
and the graph files. docs/releases.md ("Derived columns") is the reference for users.

**Date bounds.** Every EDTF column ``<field>`` (``"format": "edtf"`` in the table schema) gets
``<field>_earliest`` and ``<field>_latest``: the first and the last day the value can stand for,
as ISO dates (``YYYY-MM-DD``; ``date32`` in Parquet). They are the *strict* bounds of the EDTF
value, as the ``edtf`` library's ``lower_strict``/``upper_strict`` give them, computed by
``validator.reading.edtf_dates`` (the library itself, with a fast path for the common forms that
a property test holds to the library's bounds; each distinct value is parsed once):

- reduced precision spans the whole unit: ``2018`` is 2018-01-01 .. 2018-12-31, ``2017-04`` is
  2017-04-01 .. 2017-04-30, ``201X`` is 2010-01-01 .. 2019-12-31;
- the qualifiers ``~`` (approximate), ``?`` (uncertain) and ``%`` (both) do not widen the bounds:
  ``2012~`` is 2012-01-01 .. 2012-12-31, like ``2012``. The library's fuzzy bounds would add a
  year on each side (two for ``%``), a margin that is the library's convention, not the source's;
  the qualifier stays in the EDTF column for whoever wants to widen a query;
- an interval runs from its start's first day to its end's last day: ``2015/2017`` is
  2015-01-01 .. 2017-12-31, ``2012~/2013`` is 2012-01-01 .. 2013-12-31;
- an open end (``..``) or an unknown end (an empty side) has no bound: ``2017~/..`` is
  2017-01-01 .. NULL, ``../2018`` is NULL .. 2018-12-31. No date is made up for it (the library
  would put an unknown end ten years on);
- an empty cell, a value that is not valid EDTF, and a day outside the years 1 to 9999 (which no
  date type holds) give NULL.

**Relation category.** ``relations.category`` is the category of the relation's ``type``
(``x-relationTypes.<type>.category`` in ``schemas/relations.schema.json``, with the categories
declared in ``x-relationCategories``): hierarchy, cooperation, hostility, violence, state_link,
origin, association.

A package column of the same name wins: a derived column is added only when the table has no
column of that name.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from ..reading.edtf_dates import Day, EdtfError, fmt_day, parse
from ..reading.model import Field, Model, Table

if TYPE_CHECKING:
    from .recordbase import Record, RecordLike

# with_derived keeps the kind of record it is given
_R = TypeVar("_R", "Record", dict[str, Any])

CATEGORY = "category"

Bounds = tuple[str | None, str | None]


def _iso(day: Day | None) -> str | None:
    if day is None or not 1 <= day[0] <= 9999:
        return None
    return fmt_day(day)


@lru_cache(maxsize=65_536)
def bounds(value: str | None) -> Bounds:
    """The (earliest, latest) ISO days of an EDTF value; None for an open or unknown side.

    ``bounds("2012~") == ("2012-01-01", "2012-12-31")``, ``bounds("2017~/..") == ("2017-01-01", None)``;
    an empty or invalid value gives ``(None, None)``.
    """
    if not value:
        return None, None
    try:
        parsed = parse(value)
    except EdtfError:
        return None, None
    return _iso(parsed.lower), _iso(parsed.upper)


def record_bounds(record: RecordLike, field: str) -> Bounds:
    """``record``'s ``<field>_earliest`` and ``<field>_latest``, computed from ``field`` when it lacks them."""
    if f"{field}_earliest" in record or f"{field}_latest" in record:
        return record.get(f"{field}_earliest"), record.get(f"{field}_latest")
    return bounds(record.get(field))


def overlaps(earliest: str | None, latest: str | None, period: str) -> bool:
    """True when the days ``earliest .. latest`` (None: open on that side) meet the EDTF ``period``.

    A value with neither bound (an empty cell) never overlaps; a period that is not EDTF raises
    ValueError.
    """
    lo, hi = bounds(period)
    if lo is None and hi is None:
        raise ValueError(f"{period!r} is not an EDTF date or interval with a bound")
    if earliest is None and latest is None:
        return False
    return (earliest is None or hi is None or earliest <= hi) and (latest is None or lo is None or latest >= lo)


def _specs(model: Model, table: Table) -> list[tuple[Field, str, str]]:
    """(column, the package column it comes from, what it holds: earliest | latest | category)."""
    taken = set(table.field_names)
    out: list[tuple[Field, str, str]] = []
    for f in table.fields:
        if f.kind != "edtf":
            continue
        for what, which, side in (("earliest", "first", "start"), ("latest", "last", "end")):
            column = Field(
                name=f"{f.name}_{what}",
                kind="date",
                required=False,
                description=(
                    f"Derived from {f.name} (release column): the {which} day the EDTF value can stand for, "
                    f"qualifiers (~ ? %) not widening it; empty when {f.name} is empty or its {side} is open "
                    "(..) or unknown."
                ),
                fmt="date",
            )
            out.append((column, f.name, what))
    categories = model.relation_categories()
    if table.name == "relations" and table.field("type") is not None and categories:
        column = Field(
            name=CATEGORY,
            kind="string",
            required=False,
            description="Derived from type (release column): the relation type's category.",
            enum=tuple(categories),
            enum_descriptions=dict(categories),
        )
        out.append((column, "type", "category"))
    return [spec for spec in out if spec[0].name not in taken]


def derived_fields(model: Model, table: Table) -> tuple[Field, ...]:
    """The columns a release adds to ``table``, in the order they follow the package's columns."""
    return tuple(spec[0] for spec in _specs(model, table))


def release_table(model: Model, table: Table) -> Table:
    """``table`` with its derived columns appended: the shape of its records in a release."""
    extra = derived_fields(model, table)
    return replace(table, fields=table.fields + extra) if extra else table


def _category_of(model: Model) -> dict[str, str | None]:
    return {t: model.relation_category(t) for t in model.relation_types()}


def _values(categories: dict[str, str | None], specs: list[tuple[Field, str, str]], record: RecordLike) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, source, what in specs:
        if what == "category":
            out[column.name] = categories.get(record.get(source) or "")
        else:
            lo, hi = bounds(record.get(source))
            out[column.name] = lo if what == "earliest" else hi
    return out


def derived_values(model: Model, table: Table, record: RecordLike) -> dict[str, Any]:
    """The derived columns of one record (typed as JSON sees them: ISO text or None)."""
    return _values(_category_of(model), _specs(model, table), record)


def _with(rec: _R, values: dict[str, Any]) -> _R:
    """A typed record keeps its type (the derived columns ride along); a plain dict is extended."""
    if isinstance(rec, dict):
        return {**rec, **values}
    return rec.with_columns(values)


def with_derived(model: Model, tables: dict[str, list[_R]]) -> dict[str, list[_R]]:
    """Every record with its derived columns after its own (new records; the input is not changed)."""
    out: dict[str, list[_R]] = {}
    categories = _category_of(model)
    for name, rows in tables.items():
        table = model.tables.get(name)
        specs = _specs(model, table) if table is not None else []
        out[name] = [_with(rec, _values(categories, specs, rec)) for rec in rows] if specs else rows
    return out
