"""KY: identifiers (unique, well-formed, right prefix) and references (foreign keys)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from ..registry import check
from .common import at_cell, non_ascii, quote_sql_ident, short, usable_tables

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
        prefix = pkg.tables[name].table.id_prefix
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
                f"id {short(rid)} is not of the form {prefix}-words-joined-by-hyphens{non_ascii(rid)}",
                record=rid,
                hint=hint,
            )


@check("KY503", "id-across-tables")
def ids_unique_across_tables(pkg: Package) -> Iterator[Problem]:
    """An id is unique in the whole package, not only in its table.

    Fails: the same id in entities and locations.
    """
    tables = usable_tables(pkg)
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
                yield at_cell(
                    pkg,
                    name,
                    line,
                    fk.field,
                    f"{fk.field} {value!r} is not an id in {fk.resource}",
                    record=rid,
                    hint=f"add the row to {fk.resource}, or fix the id",
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
                yield at_cell(
                    pkg,
                    name,
                    line,
                    field_name,
                    f"{field_name} {value!r} is not an id in {target}",
                    record=rid,
                    hint="cite an existing row, or add the row first",
                )
