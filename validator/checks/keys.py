"""KY: identifiers (unique, well-formed, right prefix) and references (foreign keys)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..problems import Problem
from ..registry import check
from .common import at_cell, quote_sql_ident, short, usable_tables

if TYPE_CHECKING:
    from ..package import Package

ID_BODY = r"[a-z0-9]+(-[a-z0-9]+)*"


@check("KY501", "duplicate-id")
def unique_ids(pkg: Package) -> Iterator[Problem]:
    """An id appears once in its table (the primary key).

    Fails: two rows with ``id`` = ``ent-tren-de-aragua``.
    """
    for name in usable_tables(pkg):
        rows = pkg.sql(
            f"SELECT _line, id, first_line FROM (SELECT _line, id, min(_line) OVER (PARTITION BY id) AS first_line "
            f'FROM "{name}" WHERE id IS NOT NULL) WHERE _line > first_line ORDER BY _line'
        )
        for line, rid, first in rows:
            yield at_cell(
                pkg,
                name,
                line,
                "id",
                f"id {rid!r} is already used on line {first}",
                record=rid,
                hint="ids are unique; give this row a new id",
            )


@check("KY502", "id-format")
def id_format(pkg: Package) -> Iterator[Problem]:
    """An id is lowercase ASCII words joined by '-', starting with its table's prefix.

    Fails: ``ent-Niño`` (uppercase, non-ASCII), ``loc-maracay`` in entities; passes: ``ent-nino-guerrero``.
    """
    for name in usable_tables(pkg):
        table = pkg.tables[name].table
        if table.tombstones:
            yield from _tombstone_id_format(pkg, name)
            continue
        prefix = table.id_prefix
        pattern = f"{re.escape(prefix)}-{ID_BODY}"
        for line, rid in pkg.sql(
            f'SELECT _line, id FROM "{name}" WHERE id IS NOT NULL AND NOT regexp_full_match(id, ?) ORDER BY _line', [pattern]
        ):
            if rid.isascii() and not rid.startswith(prefix + "-") and re.fullmatch(r"[a-z]+-" + ID_BODY, rid):
                hint = f"ids in {name} start with {prefix}-"
            else:
                hint = "use lowercase a-z, digits and single hyphens only (look-alike letters and accents are not allowed)"
            yield at_cell(
                pkg,
                name,
                line,
                "id",
                f"id {short(rid)} is not of the form {prefix}-words-joined-by-hyphens",
                record=rid,
                hint=hint,
            )


def _tombstone_id_format(pkg: Package, name: str) -> Iterator[Problem]:
    """A tombstone holds another table's id, so any table's prefix is right there."""
    prefixes = sorted(pkg.model.by_prefix())
    pattern = "(" + "|".join(re.escape(p) for p in prefixes) + f")-{ID_BODY}"
    for line, rid in pkg.sql(
        f'SELECT _line, id FROM "{name}" WHERE id IS NOT NULL AND NOT regexp_full_match(id, ?) ORDER BY _line', [pattern]
    ):
        yield at_cell(
            pkg,
            name,
            line,
            "id",
            f"id {short(rid)} is not the id of a row of another table",
            record=rid,
            hint=f"a tombstone holds the withdrawn id exactly as released, with its table's prefix ({', '.join(p + '-' for p in prefixes)})",
        )


@check("KY503", "id-across-tables")
def ids_unique_across_tables(pkg: Package) -> Iterator[Problem]:
    """An id is unique in the whole package, not only in its table.

    Fails: the same id in entities and locations.
    """
    # A tombstone shares its id with nothing live; KY506 reports an id that is both retired and in use.
    tables = [t for t in usable_tables(pkg) if not pkg.tables[t].table.tombstones]
    if len(tables) < 2:
        return
    union = " UNION ALL ".join(f"SELECT '{t}' AS tbl, _line, id FROM \"{t}\" WHERE id IS NOT NULL" for t in tables)
    rows = pkg.sql(
        f"WITH all_ids AS ({union}), ranked AS (SELECT tbl, _line, id, "
        f"first_value(tbl) OVER (PARTITION BY id ORDER BY tbl, _line) AS first_tbl, "
        f"count(DISTINCT tbl) OVER (PARTITION BY id) AS n FROM all_ids) "
        f"SELECT tbl, _line, id, first_tbl FROM ranked WHERE n > 1 AND tbl <> first_tbl ORDER BY tbl, _line"
    )
    for tbl, line, rid, first in rows:
        yield at_cell(pkg, tbl, line, "id", f"id {rid!r} is also used in {first}", record=rid)


@check("KY504", "foreign-key")
def foreign_keys(pkg: Package) -> Iterator[Problem]:
    """Every reference names an existing row (subject_id, object_id, entity_id, location_id, parent_id ...).

    Fails: ``relations.object_id`` = ``ent-unknown``; passes: an id present in entities.
    """
    for name in usable_tables(pkg):
        table = pkg.tables[name].table
        for fk in table.foreign_keys:
            if not pkg.usable(fk.resource):
                continue
            col = quote_sql_ident(fk.field)
            f = table.field(fk.field)
            ok_pattern = f" AND regexp_full_match(t.{col}, ?)" if f and f.pattern else ""
            params = [f.pattern] if f and f.pattern else []
            rows = pkg.sql(
                f'SELECT t._line, t.id, t.{col} FROM "{name}" t ANTI JOIN {pkg.ids_sql(fk.resource)} r ON t.{col} = r.id '
                f"WHERE t.{col} IS NOT NULL{ok_pattern} ORDER BY t._line",
                params,
            )
            for line, rid, value in rows:
                gone = retired_hint(pkg, value)
                yield at_cell(
                    pkg,
                    name,
                    line,
                    fk.field,
                    f"{fk.field} {value!r} is "
                    + (f"a retired id, no longer in {fk.resource}" if gone else f"not an id in {fk.resource}"),
                    record=rid,
                    hint=gone or f"add the row to {fk.resource}, or fix the id",
                )


@check("KY505", "citation-target")
def citation_targets(pkg: Package) -> Iterator[Problem]:
    """A citation's record_id names an existing row of the table its prefix stands for.

    Fails: ``record_id`` = ``rel-unknown`` when relations has no such row.
    """
    for name in usable_tables(pkg):
        table = pkg.tables[name].table
        for field_name, by_prefix in table.polymorphic.items():
            col = quote_sql_ident(field_name)
            targets = [(p, t) for p, t in by_prefix.items() if pkg.usable(t)]
            if not targets:
                continue
            union = " UNION ALL ".join(f"SELECT id FROM {pkg.ids_sql(t)} WHERE id IS NOT NULL" for _, t in targets)
            prefixes = [p + "-" for p, _ in targets]
            rows = pkg.sql(
                f'SELECT t._line, t.id, t.{col} FROM "{name}" t WHERE t.{col} IS NOT NULL '
                f"AND list_contains(?, split_part(t.{col}, '-', 1) || '-') "
                f"AND t.{col} NOT IN ({union}) ORDER BY t._line",
                [prefixes],
            )
            for line, rid, value in rows:
                target = by_prefix.get(value.split("-", 1)[0], "?")
                gone = retired_hint(pkg, value)
                yield at_cell(
                    pkg,
                    name,
                    line,
                    field_name,
                    f"{field_name} {value!r} is "
                    + (f"a retired id, no longer in {target}" if gone else f"not an id in {target}"),
                    record=rid,
                    hint=gone or "cite an existing row, or add the row first",
                )


# --- retired ids (tombstones in data/retired.csv) -----------------------------------------------

# Reasons whose tombstone must name the row that takes the withdrawn one's place.
NEEDS_REPLACEMENT = ("merged", "renamed")


@dataclass(frozen=True)
class Tombstone:
    line: int
    id: str
    reason: str | None
    replaced_by: str | None
    version: str | None


def tombstones(pkg: Package) -> dict[str, Tombstone]:
    """Retired id -> its tombstone (the first row, if an id is retired twice); empty without a usable table."""
    cached = pkg.cache.get("tombstones")
    if cached is not None:
        return cached
    out: dict[str, Tombstone] = {}
    table = pkg.model.tombstone_table()
    if table is not None and pkg.usable(table.name):
        for line, rid, reason, repl, version in pkg.sql(
            f'SELECT _line, id, reason, replaced_by, version FROM "{table.name}" WHERE id IS NOT NULL ORDER BY _line'
        ):
            out.setdefault(rid, Tombstone(line, rid, reason, repl, version))
    pkg.cache["tombstones"] = out
    return out


def replacement(retired: dict[str, Tombstone], rid: str) -> str | None:
    """The live id that finally replaces ``rid``, following merged-into-merged chains; None if nothing does."""
    seen = {rid}
    repl = retired[rid].replaced_by if rid in retired else None
    while repl in retired and repl not in seen:
        seen.add(repl)
        repl = retired[repl].replaced_by
    return None if repl in seen or repl in retired else repl


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


@check("KY506", "retired-id-reused")
def retired_ids_not_reused(pkg: Package) -> Iterator[Problem]:
    """A retired id (a tombstone in data/retired.csv) is never used again by a row of any table.

    Fails: ``ent-oswaldo-gonzalez`` in both retired.csv and entities.csv; passes: the returning row under a new id.
    """
    retired = tombstones(pkg)
    stones = pkg.model.tombstone_table()
    if not retired or stones is None:
        return
    for name in usable_tables(pkg):
        if pkg.tables[name].table.tombstones:
            continue
        for line, rid in pkg.sql(f'SELECT _line, id FROM "{name}" t SEMI JOIN "{stones.name}" r ON t.id = r.id ORDER BY _line'):
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


@check("KY507", "tombstone-replacement")
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
