"""KY: identifiers (unique, well-formed, right prefix) and references (foreign keys)."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from ..reading.queries import record_gaps, replacement, tombstones
from .common import at_cell, non_ascii, quote_sql_ident, short, usable_tables
from .registry import OWN_ROWS, Reads, check, reads
from .rowchecks import Condition, row_check

if TYPE_CHECKING:
    from ..reading.package import Package

ID_BODY = r"[a-z0-9]+(-[a-z0-9]+)*"
# A broken reference's hint names the closest existing id (a typo's likely target), within bounds:
# at most SUGGEST_MAX_IDS candidate ids of the target table, and SUGGEST_MAX_PROBLEMS suggestions
# per check and table; past them the hint stays the plain one.
SUGGEST_MAX_IDS = 200_000
SUGGEST_MAX_PROBLEMS = 200
SUGGEST_CUTOFF = 0.75  # difflib's ratio: at least this similar to be offered


@check("KY501", "duplicate-id", reads=OWN_ROWS)
def unique_ids(pkg: Package) -> Iterator[Problem]:
    """An id appears once in its table (the primary key).

    Fails: two rows with ``id`` = ``ent-tren-de-aragua``.
    """
    for name in usable_tables(pkg):
        for line, rid, first in pkg.id_order(name).duplicates:
            yield at_cell(
                pkg,
                name,
                line,
                "id",
                f"id {rid!r} is already used on line {first}",
                record=rid,
                hint="ids are unique; give this row a new id",
            )


@row_check("KY502", "id-format")
def id_format(pkg: Package, table: str) -> Iterator[Condition]:
    """An id is lowercase ASCII words joined by '-', starting with its table's prefix.

    Fails: ``ent-Niño`` (uppercase, non-ASCII), ``loc-maracay`` in entities; passes: ``ent-nino-guerrero``.
    """
    table_model = pkg.tables[table].table
    if table_model.tombstones:
        # a tombstone holds another table's id, so any table's prefix is right there
        prefixes = sorted(pkg.model.by_prefix())
        pattern = "(" + "|".join(re.escape(p) for p in prefixes) + f")-{ID_BODY}"
        yield Condition.mismatch(
            "id",
            pattern,
            lambda v: f"id {short(v)} is not the id of a row of another table",
            f"a tombstone holds the withdrawn id exactly as released, with its table's prefix ({', '.join(p + '-' for p in prefixes)})",
        )
        return
    prefix = table_model.id_prefix
    pattern = f"{re.escape(prefix)}-{ID_BODY}"
    yield Condition.mismatch(
        "id",
        pattern,
        lambda v: f"id {short(v)} is not of the form {prefix}-words-joined-by-hyphens{non_ascii(v)}",
        lambda v: _id_hint(v, prefix, table),
    )


def _id_hint(rid: str, prefix: str, table: str) -> str:
    if rid.isascii() and not rid.startswith(prefix + "-") and re.fullmatch(r"[a-z]+-" + ID_BODY, rid):
        return f"ids in {table} start with {prefix}-"
    return "use lowercase a-z, digits and single hyphens only (look-alike letters and accents are not allowed)"


@check("KY503", "id-across-tables", reads=Reads(None, frozenset({"shared-ids"})))
def ids_unique_across_tables(pkg: Package) -> Iterator[Problem]:
    """An id is unique in the whole package, not only in its table.

    Fails: the same id in entities and locations.
    """
    # A tombstone shares its id with nothing live; KY506 reports an id that is both retired and in use.
    tables = [t for t in usable_tables(pkg) if not pkg.tables[t].table.tombstones]
    if len(tables) < 2:
        return
    # Ids of different tables differ by their prefix, so a shared id needs at least one row
    # whose id lacks its own table's prefix: only those few are looked up everywhere.
    # (one query over every table: on a small package a query per table costs more than its rows)
    prefixed = " UNION ALL ".join(f'SELECT id, ? AS prefix FROM "{t}"' for t in tables)
    suspects = [
        rid
        for (rid,) in pkg.sql(
            f"SELECT id FROM ({prefixed}) WHERE id IS NOT NULL AND NOT starts_with(id, prefix)",
            [pkg.tables[t].table.id_prefix + "-" for t in tables],
        )
    ]
    if not suspects:
        return
    union = " UNION ALL ".join(f"SELECT '{t}' AS tbl, _line, id FROM \"{t}\" WHERE list_contains($ids, id)" for t in tables)
    rows = pkg.sql(f"SELECT tbl, _line, id FROM ({union}) ORDER BY id, tbl, _line".replace("$ids", "?"), [suspects] * len(tables))
    first: dict[str, str] = {}
    tables_of: dict[str, set[str]] = {}
    for tbl, _, rid in rows:
        first.setdefault(rid, tbl)
        tables_of.setdefault(rid, set()).add(tbl)
    for tbl, line, rid in rows:
        if len(tables_of[rid]) > 1 and tbl != first[rid]:
            yield at_cell(pkg, tbl, line, "id", f"id {rid!r} is also used in {first[rid]}", record=rid)


def _malformed(pattern: str | None, value: str) -> str:
    return "" if pattern is None or re.fullmatch(pattern, value) else f" (nor has it the form {pattern})"


@check("KY504", "foreign-key", reads=Reads(None, frozenset({"references", "retired"})))
def foreign_keys(pkg: Package) -> Iterator[Problem]:
    """Every reference names an existing row (subject_id, object_id, entity_id, location_id, parent_id ...).

    Fails: ``relations.object_id`` = ``ent-unknown``; passes: an id present in entities.
    """
    refs = [(name, fk) for name in usable_tables(pkg) for fk in pkg.tables[name].table.foreign_keys if pkg.usable(fk.resource)]
    # one anti join per referenced table, over every reference to it: its ids are hashed once
    # (at 1,000,000 rows, entities' ids are named by six columns of four tables)
    by_target: dict[str, list[int]] = {}
    for k, (_, fk) in enumerate(refs):
        by_target.setdefault(fk.resource, []).append(k)
    broken: dict[int, list[tuple[int, str, str]]] = {}
    for target, ks in by_target.items():
        ids = _held_ids(pkg, [target, *(refs[k][0] for k in ks)])
        if ids is not None:  # the same rows from the cells read in Python, without a query
            for k in ks:
                name, fk = refs[k]
                found = [(line, rid, v) for line, rid, v in pkg.column_rows(name, ["id", fk.field]) if v is not None]
                broken[k] = [r for r in found if r[2] not in ids]
            continue
        union = " UNION ALL ".join(
            f'SELECT {k} AS k, _line, id, {quote_sql_ident(refs[k][1].field)} AS v FROM "{refs[k][0]}" '
            f"WHERE {quote_sql_ident(refs[k][1].field)} IS NOT NULL"
            for k in ks
        )
        rows = pkg.sql(
            f"SELECT k, _line, id, v FROM ({union}) t ANTI JOIN {pkg.ids_sql(target)} r ON t.v = r.id ORDER BY k, _line"
        )
        for k, line, rid, value in rows:
            broken.setdefault(k, []).append((line, rid, value))
    for k, (name, fk) in enumerate(refs):
        f = pkg.tables[name].table.field(fk.field)
        closest = ClosestIds(pkg, fk.resource)
        for line, rid, value in broken.get(k, []):
            gone = retired_hint(pkg, value)
            what = f"a retired id, no longer in {fk.resource}" if gone else f"not an id in {fk.resource}"
            near = None if gone else closest(value)
            yield at_cell(
                pkg,
                name,
                line,
                fk.field,
                f"{fk.field} {value!r} is {what}{_malformed(f.pattern if f else None, value)}",
                record=rid,
                hint=gone
                or (f"did you mean {near!r}? Otherwise " if near else "") + f"add the row to {fk.resource}, or fix the id",
            )


def _held_ids(pkg: Package, tables: list[str]) -> set[str] | None:
    """The ids of ``tables[0]`` as ``pkg.ids_sql`` gives them (with those of rows left out for
    a broken record), when every table of ``tables`` was read in Python; None otherwise: then
    a query over the database is as cheap as anything."""
    if any(pkg.python_rows(t) is None for t in tables):
        return None
    return {rid for _, rid in pkg.column_rows(tables[0], ["id"]) if rid is not None} | set(pkg.tables[tables[0]].ragged_ids)


class ClosestIds:
    """The existing id of one table closest to a broken reference (difflib), bounded in work."""

    def __init__(self, pkg: Package, table: str) -> None:
        self.pkg, self.table = pkg, table
        self.ids: list[str] | None = None
        self.asked = 0

    def __call__(self, value: str) -> str | None:
        self.asked += 1
        if self.asked > SUGGEST_MAX_PROBLEMS:
            return None
        if self.ids is None:
            source = self.pkg.ids_sql(self.table)
            (count,) = self.pkg.sql(f"SELECT count(*) FROM {source}")[0]
            rows = self.pkg.sql(f"SELECT id FROM {source} WHERE id IS NOT NULL") if count <= SUGGEST_MAX_IDS else []
            self.ids = [r[0] for r in rows]
        close = difflib.get_close_matches(value, self.ids, n=1, cutoff=SUGGEST_CUTOFF)
        return close[0] if close else None


def cited_ids_sql(pkg: Package, by_prefix: dict[str, str]) -> str:
    """SQL for the ids of every table a polymorphic reference may name."""
    targets = [t for t in by_prefix.values() if pkg.usable(t)]
    return "(" + " UNION ALL ".join(f"SELECT id FROM {pkg.ids_sql(t)}" for t in targets) + ")"


@check("KY505", "citation-target", reads=reads("citations", follows=["references", "retired"]))
def citation_targets(pkg: Package) -> Iterator[Problem]:
    """A citation's record_id names an existing row of the table its prefix stands for.

    Fails: ``record_id`` = ``rel-unknown`` when relations has no such row.
    """
    for name in usable_tables(pkg):
        table = pkg.tables[name].table
        for field_name, by_prefix in table.polymorphic.items():
            if not all(pkg.usable(t) for t in by_prefix.values()):
                continue  # a table that cannot be read: its rows' citations are not judged
            col = quote_sql_ident(field_name)
            f = table.field(field_name)
            held = [_held_ids(pkg, [t, name]) for t in by_prefix.values()]
            if all(ids is not None for ids in held):  # from the cells read in Python, without a query
                ids = set().union(*(h for h in held if h is not None))
                rows = [r for r in pkg.column_rows(name, ["id", field_name]) if r[2] is not None and r[2] not in ids]
            elif (gaps := record_gaps(pkg) if (name, field_name) == ("citations", "record_id") else None) is not None:
                rows = gaps[1]  # the join the check of uncited rows shares
            else:
                rows = pkg.sql(
                    f'SELECT t._line, t.id, t.{col} FROM "{name}" t ANTI JOIN {cited_ids_sql(pkg, by_prefix)} r ON t.{col} = r.id '
                    f"WHERE t.{col} IS NOT NULL ORDER BY t._line"
                )
            for line, rid, value in rows:
                target = by_prefix.get(value.split("-", 1)[0])
                gone = retired_hint(pkg, value)
                if target is None:
                    what = f"names no table: its prefix must be one of {', '.join(p + '-' for p in by_prefix)}"
                else:
                    what = f"a retired id, no longer in {target}" if gone else f"not an id in {target}"
                yield at_cell(
                    pkg,
                    name,
                    line,
                    field_name,
                    f"{field_name} {value!r} is {what}" + (_malformed(f.pattern if f else None, value) if target else ""),
                    record=rid,
                    hint=gone or "cite an existing row, or add the row first",
                )


# --- retired ids (tombstones in data/retired.csv) -----------------------------------------------

# Reasons whose tombstone must name the row that takes the withdrawn one's place.
NEEDS_REPLACEMENT = ("merged", "renamed")


def retired_hint(pkg: Package, value: str) -> str | None:
    """The hint for a reference to a retired id, naming its replacement; None if ``value`` is not retired."""
    retired = tombstones(pkg)
    stone = retired.get(value)
    if stone is None:
        return None
    when = f"in {stone.version} " if stone.version else ""
    repl = replacement(retired, value)
    if repl:
        return f"{value} was retired {when}({stone.reason}); refer to {repl} instead"
    return f"{value} was retired {when}({stone.reason}) and nothing replaces it; remove the reference"


@check("KY506", "retired-id-reused", reads=Reads(None, frozenset({"retired"})))
def retired_ids_not_reused(pkg: Package) -> Iterator[Problem]:
    """A retired id (a tombstone in data/retired.csv) is never used again by a row of any table.

    Fails: ``ent-oswaldo-gonzalez`` in both retired.csv and entities.csv; passes: the returning row under a new id.
    """
    retired = tombstones(pkg)
    stones = pkg.model.tombstone_table()
    if not retired or stones is None:
        return
    live = [name for name in usable_tables(pkg) if not pkg.tables[name].table.tombstones]
    if not live:
        return
    union = " UNION ALL ".join(f'SELECT {i} AS k, _line, id FROM "{name}"' for i, name in enumerate(live))
    rows = pkg.sql(f'SELECT k, _line, id FROM ({union}) t SEMI JOIN "{stones.name}" r ON t.id = r.id ORDER BY k, _line')
    for k, line, rid in rows:
        name = live[k]
        stone = retired[rid]
        yield at_cell(
            pkg,
            name,
            line,
            "id",
            f"id {rid!r} was retired in {stone.version} ({stone.reason}) and cannot be used again",
            record=rid,
            hint="give the row a new id: a retired id keeps meaning what it meant when it was withdrawn",
        )


@check("KY507", "tombstone-replacement", reads=reads("retired", follows=["retired"]))
def tombstone_replacements(pkg: Package) -> Iterator[Problem]:
    """A tombstone's replaced_by is another id of the same table, and a merged or renamed id has one.

    Fails: ``ent-a,merged,,0.2.0,`` or ``ent-a,renamed,loc-a,0.2.0,``; passes: ``ent-a,merged,ent-b,0.2.0,``.
    """
    table = pkg.model.tombstone_table()
    if table is None or not pkg.usable(table.name):
        return
    for stone in tombstones(pkg).values():
        if stone.replaced_by is None:
            if stone.reason in NEEDS_REPLACEMENT:
                yield at_cell(
                    pkg,
                    table.name,
                    stone.line,
                    "replaced_by",
                    f"{stone.id} is {stone.reason} but names no replacement",
                    record=stone.id,
                    hint=f"put the id that takes its place in replaced_by (required for {' and '.join(NEEDS_REPLACEMENT)})",
                )
        elif stone.replaced_by == stone.id:
            yield at_cell(
                pkg, table.name, stone.line, "replaced_by", f"{stone.id} names itself as its replacement", record=stone.id
            )
        elif stone.replaced_by.split("-", 1)[0] != stone.id.split("-", 1)[0]:
            yield at_cell(
                pkg,
                table.name,
                stone.line,
                "replaced_by",
                f"{stone.id} is replaced by {stone.replaced_by}, a row of another table",
                record=stone.id,
                hint="a replacement is a row of the same table (same id prefix)",
            )
