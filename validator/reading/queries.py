"""Domain lookups on a loaded package that several layers share: tombstones, source files.

Each result is computed once per package and kept in ``pkg.cache``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from . import limits
from .paths import not_a_file

if TYPE_CHECKING:
    from .package import Package

# source id -> (line, path under seeds/, bytes or None, why the file could not be read)
SourceFiles = dict[str, tuple[int, str, bytes | None, str | None]]


class Tombstone(NamedTuple):
    """A tuple, not a dataclass: a 1,000,000-row package has 45,000 of them, and a frozen
    dataclass takes twice as long to make (its fields are set one by one through object)."""

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
        for row in pkg.column_rows(table.name, ["id", "reason", "replaced_by", "version"]):
            rid = row[1]
            if rid is not None and rid not in out:  # the first row of an id
                out[rid] = Tombstone._make(row)
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


def source_files(pkg: Package) -> SourceFiles:
    """source id -> (line, path, bytes or None, why it could not be read)."""
    cached = pkg.cache.get("source_files")
    if cached is not None:
        return cached
    out: SourceFiles = {}
    for sid, (line, rel) in source_paths(pkg).items():
        target, reason = pkg.seed_path(rel)
        if target is None:
            out[sid] = (line, rel, None, reason)
            continue
        data = pkg.seed_bytes(rel)
        if data is not None:
            reason = None
        elif target.is_file():
            reason = f"the file is larger than the limit of {limits.MAX_SOURCE_BYTES:,} bytes (docs/limits.md), or cannot be read"
        else:
            why = not_a_file(target)
            reason = "the file does not exist under seeds/" if why == "does not exist" else why
        out[sid] = (line, rel, data, reason)
    pkg.cache["source_files"] = out
    return out


def source_paths(pkg: Package) -> dict[str, tuple[int, str]]:
    """source id -> (line, path under seeds/) of its first row with a path; empty without a usable table."""
    out: dict[str, tuple[int, str]] = {}
    if pkg.usable("sources"):
        for line, sid, rel in pkg.column_rows("sources", ["id", "path"]):  # in the file's order
            if sid is not None and rel is not None:
                out.setdefault(sid, (line, rel))
    return out


def record_gaps(pkg: Package) -> tuple[list[tuple[int, int, str]], list[tuple[int, str, str]]] | None:
    """Both sides of citations.record_id against the ids of the tables it may name, from one
    FULL JOIN: (position of the table in ``cited_tables()``, line, id) of the rows no citation
    names, by table and line; and (line, id, record_id) of the citations that name no row (the
    id of a row left out for a broken record counts as a row), by line.

    The check of uncited rows and the check of citation targets ask the two halves of this
    question; one join hashes the ids once for both (1,000,000 rows: 98 ms of CPU, where the two
    anti joins took 146 ms). None where the citations are held in Python or a table they may
    name cannot be read: there each check asks its own question. Computed once per package."""
    if "record_gaps" in pkg.cache:
        return pkg.cache["record_gaps"]
    names = list(pkg.model.cited_tables().values())
    if not (names and pkg.usable("citations") and all(pkg.usable(t) for t in names)) or pkg.python_rows("citations") is not None:
        return None
    ids = " UNION ALL ".join(f'SELECT {k} AS k, _line, id FROM "{t}"' for k, t in enumerate(names))
    rows = pkg.sql(
        "SELECT r.k, r._line, r.id, c._line, c.id, c.record_id "
        "FROM (SELECT _line, id, record_id FROM citations WHERE record_id IS NOT NULL) c "
        f"FULL JOIN ({ids} UNION ALL SELECT -1, NULL, id FROM _extra_ids WHERE list_contains(?, tbl)) r "
        "ON c.record_id = r.id WHERE r.k IS NULL OR (c.record_id IS NULL AND r.k >= 0 AND r.id IS NOT NULL)",
        [names],
    )
    uncited = sorted((k, line, rid) for k, line, rid, _, _, record in rows if record is None)
    untargeted = sorted((line, cid, record) for k, _, _, line, cid, record in rows if k is None)
    pkg.cache["record_gaps"] = (uncited, untargeted)
    return uncited, untargeted
