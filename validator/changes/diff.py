"""What changed between two versions of a package: rows, schemas, source documents, metadata.

``diff_packages(base, head)`` compares two loaded packages and returns a ``PackageDiff``;
``diff_sides(base_spec, head_spec)`` first reads each side from a directory or a git ref (see
gitside.py). Rows are matched by ``id`` and compared field by field on the columns both sides
have (a column added or removed is a schema change, not a change of every row). The row
comparison is set-based: both sides' tables go into one DuckDB database and are joined on id.

Every change carries the version bump it needs under docs/versioning.md: a breaking schema
change is ``major``, rows added or removed (and additive schema changes) ``minor``, corrections
of values, documentation and metadata ``patch``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import CannotRun
from ..reading.duckconnect import arrow_of, register_arrow
from ..reading.model import Field, Table
from ..reading.package import Package, spill_privately
from .gitside import open_side

if TYPE_CHECKING:
    import duckdb

    from ..reading.package import Package
    from .gitside import Side

LEVELS = ("patch", "minor", "major")  # in increasing order of what a user must look at


def higher(a: str | None, b: str | None) -> str | None:
    """The larger of two bump levels (None: no change)."""
    if a is None or b is None:
        return a or b
    return a if LEVELS.index(a) >= LEVELS.index(b) else b


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str | None  # None: the cell is empty
    after: str | None


@dataclass(frozen=True)
class RowChange:
    """A row added, removed or changed; ``line`` is where it is (head side; base side for a removed row)."""

    id: str
    line: int
    fields: tuple[FieldChange, ...] = ()
    # an added row's cells (a removed row's, as they were), in column order, id left out; None: empty
    values: tuple[tuple[str, str | None], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "line": self.line}
        if self.fields:
            out["fields"] = {f.field: {"before": f.before, "after": f.after} for f in self.fields}
        if self.values:
            out["values"] = dict(self.values)
        return out


@dataclass
class TableDiff:
    name: str
    path: str
    rows_base: int | None  # None: the table is not on that side, or cannot be read there
    rows_head: int | None
    added: list[RowChange] = field(default_factory=list)
    removed: list[RowChange] = field(default_factory=list)
    changed: list[RowChange] = field(default_factory=list)
    note: str | None = None  # why rows were not compared, when they were not

    @property
    def level(self) -> str | None:
        if self.added or self.removed:
            return "minor"
        return "patch" if self.changed else None

    @property
    def touched(self) -> bool:
        return bool(self.added or self.removed or self.changed or self.note)

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": {"base": self.rows_base, "head": self.rows_head},
            "added": [r.as_dict() for r in self.added],
            "removed": [r.as_dict() for r in self.removed],
            "changed": [r.as_dict() for r in self.changed],
            "note": self.note,
        }


@dataclass(frozen=True)
class SchemaChange:
    table: str
    kind: str  # table-added, column-removed, terms-added ... (see _compare_tables)
    column: str | None
    detail: str
    level: str

    def as_dict(self) -> dict[str, Any]:
        return {"table": self.table, "kind": self.kind, "column": self.column, "detail": self.detail, "level": self.level}


@dataclass(frozen=True)
class SourceChange:
    """A source document added, removed or changed (its stored file's bytes, or its path)."""

    id: str
    status: str  # added | removed | changed
    path_base: str | None
    path_head: str | None
    sha_base: str | None  # SHA-256 of the stored file (the recorded one if the file cannot be read)
    sha_head: str | None
    line: int | None  # line in the head's sources.csv (base's for a removed source)
    citations: tuple[str, ...]  # ids of the citations quoting it (head; base for a removed source)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "path": {"base": self.path_base, "head": self.path_head},
            "sha256": {"base": self.sha_base, "head": self.sha_head},
            "citations": list(self.citations),
        }


@dataclass(frozen=True)
class MetadataChange:
    key: str
    before: Any
    after: Any


@dataclass
class PackageDiff:
    base: dict[str, Any]  # spec, commit, version
    head: dict[str, Any]
    schema: list[SchemaChange] = field(default_factory=list)
    tables: list[TableDiff] = field(default_factory=list)
    sources: list[SourceChange] = field(default_factory=list)
    metadata: list[MetadataChange] = field(default_factory=list)

    def table(self, name: str) -> TableDiff | None:
        return next((t for t in self.tables if t.name == name), None)

    @property
    def empty(self) -> bool:
        return not (self.schema or self.sources or self.metadata or any(t.touched for t in self.tables))

    def required_bump(self) -> str | None:
        """The smallest version bump that the changes need (docs/versioning.md); None when the data did not change."""
        level = None
        for change in self.schema:
            level = higher(level, change.level)
        for t in self.tables:
            level = higher(level, t.level)
        if self.sources or self.metadata:
            level = higher(level, "patch")
        return level

    def reasons(self, level: str) -> list[str]:
        """Short phrases saying which changes need a bump of ``level``."""
        out = [f"{c.table}: {c.detail}" for c in self.schema if c.level == level]
        for t in self.tables:
            if level == "minor" and t.added:
                out.append(f"{len(t.added)} row{'s' * (len(t.added) != 1)} added to {t.name}")
            if level == "minor" and t.removed:
                out.append(f"{len(t.removed)} row{'s' * (len(t.removed) != 1)} removed from {t.name}")
            if level == "patch" and t.changed:
                out.append(f"{len(t.changed)} row{'s' * (len(t.changed) != 1)} changed in {t.name}")
        if level == "patch":
            out += [f"source {s.id} {s.status}" for s in self.sources if s.status == "changed"]
            out += [f"metadata {m.key!r} changed" for m in self.metadata]
        return out

    def summary(self) -> dict[str, int]:
        return {
            "rows_added": sum(len(t.added) for t in self.tables),
            "rows_removed": sum(len(t.removed) for t in self.tables),
            "rows_changed": sum(len(t.changed) for t in self.tables),
            "tables_changed": sum(1 for t in self.tables if t.touched),
            "schema_changes": len(self.schema),
            "sources_added": sum(1 for s in self.sources if s.status == "added"),
            "sources_removed": sum(1 for s in self.sources if s.status == "removed"),
            "sources_changed": sum(1 for s in self.sources if s.status == "changed"),
            "metadata_changes": len(self.metadata),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "base": self.base,
            "head": self.head,
            "required_bump": self.required_bump(),
            "summary": self.summary(),
            "schema": [c.as_dict() for c in self.schema],
            "tables": {t.name: t.as_dict() for t in self.tables if t.touched},
            "sources": [s.as_dict() for s in self.sources],
            "metadata": [{"key": m.key, "before": m.before, "after": m.after} for m in self.metadata],
        }


# --- entry points --------------------------------------------------------------------------


def diff_sides(base_spec: str, head_spec: str | None = None, package_dir: str = ".") -> PackageDiff:
    """Read BASE and HEAD (each a directory or a git ref; HEAD None: the working tree) and compare them."""

    with open_side(base_spec, package_dir) as base_side, open_side(head_spec, package_dir) as head_side:
        base = load_side(base_side)
        head = load_side(head_side)
        return diff_packages(base, head, base_side=base_side, head_side=head_side)


def load_side(side: Side) -> Package:
    """Package.load, with messages that name the side rather than a temporary directory."""

    try:
        return Package.load(side.root)
    except CannotRun as exc:
        where = str(side.root)
        raise CannotRun(f"{side.label}: {exc.message.replace(where, side.label)}", hint=exc.hint, path=exc.path) from None


def diff_packages(base: Package, head: Package, *, base_side: Side | None = None, head_side: Side | None = None) -> PackageDiff:
    """Everything that differs between two loaded packages."""
    diff = PackageDiff(base=_side_info(base, base_side), head=_side_info(head, head_side))
    diff.schema = schema_changes(base, head)
    diff.tables = table_diffs(base, head)
    diff.sources = source_changes(base, head)
    diff.metadata = metadata_changes(base, head)
    return diff


def _side_info(pkg: Package, side: Side | None) -> dict[str, Any]:
    info: dict[str, Any] = side.as_dict() if side else {"spec": str(pkg.root), "commit": None}
    version = pkg.descriptor.get("version")
    info["version"] = version if isinstance(version, str) else None
    return info


# --- schema ----------------------------------------------------------------------------------


def schema_changes(base: Package, head: Package) -> list[SchemaChange]:
    out: list[SchemaChange] = []
    names = list(base.model.tables) + [n for n in head.model.tables if n not in base.model.tables]
    for name in names:
        old, new = base.model.table(name), head.model.table(name)
        if old is None and new is not None:
            out.append(SchemaChange(name, "table-added", None, f"table added ({new.path})", "minor"))
        elif new is None and old is not None:
            out.append(SchemaChange(name, "table-removed", None, f"table removed ({old.path})", "major"))
        elif old is not None and new is not None:
            out += _compare_tables(old, new)
    return out


def _compare_tables(old: Table, new: Table) -> list[SchemaChange]:
    out: list[SchemaChange] = []

    def add(kind: str, column: str | None, detail: str, level: str) -> None:
        out.append(SchemaChange(old.name, kind, column, detail, level))

    if old.path != new.path:
        add("path-changed", None, f"file moved from {old.path} to {new.path}", "major")
    if old.id_prefix != new.id_prefix:
        add("id-prefix-changed", None, f"id prefix {old.id_prefix}- became {new.id_prefix}-", "major")
    if old.primary_key != new.primary_key:
        add("primary-key-changed", None, f"primary key {', '.join(old.primary_key)} became {', '.join(new.primary_key)}", "major")
    old_keys, new_keys = _keys(old), _keys(new)
    for col, target in sorted(old_keys - new_keys):
        add("key-removed", col, f"{col} no longer references {target}", "major")
    for col, target in sorted(new_keys - old_keys):
        add("key-added", col, f"{col} now references {target}", "minor")
    old_fields = {f.name: f for f in old.fields}
    new_fields = {f.name: f for f in new.fields}
    for f in old.fields:
        if f.name not in new_fields:
            add("column-removed", f.name, f"column {f.name} removed", "major")
    for f in new.fields:
        if f.name not in old_fields:
            add("column-added", f.name, f"column {f.name} added", "minor")
    common = [n for n in old.field_names if n in new_fields]
    if common != [n for n in new.field_names if n in old_fields]:
        add("columns-reordered", None, "columns reordered", "minor")
    docs = [n for n in common if _compare_fields(old_fields[n], new_fields[n], add)]
    if (old.title, old.description) != (new.title, new.description):
        docs.insert(0, "the table's title or description")
    if docs:
        add("documentation-changed", None, f"documentation of {', '.join(docs)} changed", "patch")
    return out


def _keys(table: Table) -> set[tuple[str, str]]:
    keys = {(fk.field, f"{fk.resource}.{fk.ref_field}") for fk in table.foreign_keys}
    for col, by_prefix in table.polymorphic.items():
        keys |= {(col, f"{t}.id (prefix {p}-)") for p, t in by_prefix.items()}
    return keys


def _compare_fields(old: Field, new: Field, add: Any) -> bool:
    """Report the column's shape changes through ``add``; True when only its documentation differs too."""
    name = old.name
    if old.kind != new.kind:
        add("type-changed", name, f"{name}: type {old.kind} became {new.kind}", "major")
    if old.required and not new.required:
        add("now-optional", name, f"{name} may now be empty", "major")
    if new.required and not old.required:
        add("now-required", name, f"{name} is now required", "minor")
    if old.delimiter != new.delimiter:
        add("delimiter-changed", name, f"{name}: list delimiter {old.delimiter!r} became {new.delimiter!r}", "major")
    if old.enum is not None and new.enum is None:
        add("vocabulary-removed", name, f"{name} is no longer a vocabulary", "major")
    elif old.enum is None and new.enum is not None:
        add("vocabulary-added", name, f"{name} is now a vocabulary", "minor")
    elif old.enum is not None and new.enum is not None:
        gone = [t for t in old.enum if t not in new.enum]
        came = [t for t in new.enum if t not in old.enum]
        if gone:
            add("terms-removed", name, f"{name}: terms removed: {', '.join(gone)}", "major")
        if came:
            add("terms-added", name, f"{name}: terms added: {', '.join(came)}", "minor")
    shape = ("pattern", "minimum", "maximum", "min_length", "item_min_length", "unique_items", "fmt")
    changed = [a for a in shape if getattr(old, a) != getattr(new, a)]
    if changed:
        add("constraint-changed", name, f"{name}: {', '.join(a.replace('_', ' ') for a in changed)} changed", "minor")
    return (old.description, old.enum_descriptions, _json(old.annotations)) != (
        new.description,
        new.enum_descriptions,
        _json(new.annotations),
    )


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


# --- rows ------------------------------------------------------------------------------------


class _Scratch:
    """The DuckDB connection the tables compared in SQL share, opened when the first one needs
    it: where every table is compared in Python (a small package) none is opened, which spares a
    connection's start-up on every ``--since`` and ``tda diff`` of one."""

    def __init__(self) -> None:
        self._con: duckdb.DuckDBPyConnection | None = None

    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            import duckdb  # duckdb loads on first use: every tda command would pay its start-up time otherwise

            self._con = duckdb.connect(":memory:")
            spill_privately(self._con)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()


def table_diffs(base: Package, head: Package) -> list[TableDiff]:
    scratch = _Scratch()
    out: list[TableDiff] = []
    names = list(base.model.tables) + [n for n in head.model.tables if n not in base.model.tables]
    try:
        for name in names:
            out.append(_table_diff(scratch, base, head, name))
    finally:
        scratch.close()
    return out


def _row_count(pkg: Package, name: str) -> int | None:
    loaded = pkg.tables.get(name)
    return loaded.csv.row_count if loaded is not None and loaded.csv is not None and loaded.usable else None


def _arrow(pkg: Package, name: str) -> Any:
    return arrow_of(pkg.db, f'SELECT * FROM "{name}"')


def _table_diff(scratch: _Scratch, base: Package, head: Package, name: str) -> TableDiff:
    old, new = base.model.table(name), head.model.table(name)
    either = new or old
    assert either is not None  # the names come from the two models
    path = either.path
    diff = TableDiff(name, path, _row_count(base, name), _row_count(head, name))
    b_ok, h_ok = base.usable(name), head.usable(name)
    if not (b_ok or h_ok):
        if old is not None and new is not None:
            diff.note = "cannot be read on either side"
        return diff
    if b_ok and h_ok and old is not None and new is not None:
        small = _small_table_diff(base, head, name, old, new)
        if small is not None:
            diff.added, diff.removed, diff.changed = small
            return diff
    con = scratch.con()
    if b_ok:
        register_arrow(con, "b_raw", _arrow(base, name))
    if h_ok:
        register_arrow(con, "h_raw", _arrow(head, name))
    # A duplicated id (a duplicate-id problem) counts once, at its first line.
    first = "SELECT * FROM {} WHERE id IS NOT NULL QUALIFY row_number() OVER (PARTITION BY id ORDER BY _line) = 1"
    if b_ok and h_ok:
        con.execute(f"CREATE OR REPLACE TEMP VIEW b AS {first.format('b_raw')}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW h AS {first.format('h_raw')}")
        diff.added = _rows_with_values(con, "h", "SELECT * FROM h ANTI JOIN b USING (id)", new)
        diff.removed = _rows_with_values(con, "b", "SELECT * FROM b ANTI JOIN h USING (id)", old)
        assert old is not None and new is not None  # a table read on both sides is a table of both models
        diff.changed = _changed_rows(con, old, new)
    elif h_ok:
        diff.added = _rows_with_values(con, "h_raw", first.format("h_raw"), new)
        if old is not None:
            diff.note = "cannot be read on the base side; every row counts as added"
    else:
        diff.removed = _rows_with_values(con, "b_raw", first.format("b_raw"), old)
        if new is not None:
            diff.note = "cannot be read on the head side; every row counts as removed"
    con.execute("DROP VIEW IF EXISTS b")
    con.execute("DROP VIEW IF EXISTS h")
    for raw, ok in (("b_raw", b_ok), ("h_raw", h_ok)):
        if ok:
            con.unregister(raw)
    return diff


Rows = dict[str, tuple[int, dict[str, str | None]]]


def _first_rows(pkg: Package, name: str, table: Table) -> Rows | None:
    """id -> (line, cells) of the first row of each id, as the queries below see them; None for
    a table held only in the database."""
    rows = pkg.python_rows(name)
    if rows is None:
        return None
    fields = table.field_names
    out: Rows = {}
    for line, *cells in rows:
        values = dict(zip(fields, cells, strict=True))
        rid = values.get("id")
        if rid is not None and rid not in out:
            out[rid] = (line, values)
    return out


def _small_table_diff(
    base: Package, head: Package, name: str, old: Table, new: Table
) -> tuple[list[RowChange], list[RowChange], list[RowChange]] | None:
    """Added, removed and changed rows of two small tables read in Python, compared in Python:
    the same answer as the queries of ``_table_diff`` (tests/test_diff.py compares them), without
    copying both tables into a database of their own (on the real package, 0.13 s of CPU a
    diff, a third of a full run of the checks)."""
    b, h = _first_rows(base, name, old), _first_rows(head, name, new)
    if b is None or h is None:
        return None

    def with_values(side: Rows, ids: list[str], table: Table) -> list[RowChange]:
        cols = [n for n in table.field_names if n != "id"]
        return [RowChange(i, side[i][0], values=tuple((c, _cell(side[i][1][c])) for c in cols)) for i in ids]

    added = with_values(h, sorted(h.keys() - b.keys()), new)
    removed = with_values(b, sorted(b.keys() - h.keys()), old)
    cols = [n for n in old.field_names if n != "id" and n in new.field_names]
    changed = []
    for rid in sorted(b.keys() & h.keys()):
        before, (line, after) = b[rid][1], h[rid]
        fields = tuple(FieldChange(c, before[c], after[c]) for c in cols if before[c] != after[c])
        if fields:
            changed.append(RowChange(rid, line, fields))
    return added, removed, changed


def _rows_with_values(con: duckdb.DuckDBPyConnection, relation: str, query: str, table: Table | None) -> list[RowChange]:
    """The rows ``query`` selects (from ``relation``'s columns), in id order, each with its cells."""
    present = {str(r[0]) for r in con.execute(f"SELECT column_name FROM (DESCRIBE {relation})").fetchall()}
    names = table.field_names if table is not None else sorted(present - {"_line"})
    cols = [n for n in names if n != "id" and n in present]
    select = "".join(", " + '"' + c.replace('"', '""') + '"' for c in cols)
    rows = con.execute(f"SELECT id, _line{select} FROM ({query}) ORDER BY id").fetchall()
    return [RowChange(rid, line, values=tuple(zip(cols, (_cell(v) for v in vals), strict=True))) for rid, line, *vals in rows]


def _cell(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)


def _changed_rows(con: duckdb.DuckDBPyConnection, old: Table, new: Table) -> list[RowChange]:
    cols = [n for n in old.field_names if n != "id" and n in new.field_names]
    if not cols:
        return []
    quoted = ['"' + c.replace('"', '""') + '"' for c in cols]
    differs = " OR ".join(f"b.{q} IS DISTINCT FROM h.{q}" for q in quoted)
    select = ", ".join(f"b.{q}, h.{q}" for q in quoted)
    rows = con.execute(f"SELECT h.id, h._line, {select} FROM b JOIN h ON b.id = h.id WHERE {differs} ORDER BY h.id").fetchall()
    out = []
    for rid, line, *values in rows:
        changes = tuple(
            FieldChange(c, values[2 * i], values[2 * i + 1]) for i, c in enumerate(cols) if values[2 * i] != values[2 * i + 1]
        )
        out.append(RowChange(rid, line, changes))
    return out


# --- sources and metadata ----------------------------------------------------------------------


def _sources(pkg: Package) -> dict[str, tuple[int, str | None, str | None]]:
    """source id -> (line, path, SHA-256 of the stored file, or the recorded one if it cannot be read)."""
    if not pkg.usable("sources"):
        return {}
    out: dict[str, tuple[int, str | None, str | None]] = {}
    for line, sid, rel, recorded in pkg.column_rows("sources", ["id", "path", "sha256"]):
        if sid is not None and sid not in out:
            out[sid] = (line, rel, stored_hash(pkg, rel, recorded))
    return out


def stored_hash(pkg: Package, rel: str | None, recorded: str | None) -> str | None:
    """What a source row's document is, for a diff: the SHA-256 of its stored file under seeds/,
    or the recorded one when the file cannot be read."""
    data = pkg.seed_bytes(rel) if rel else None
    return pkg.sha256(data) if data is not None else recorded


def _citing(pkg: Package) -> dict[str, tuple[str, ...]]:
    if not pkg.usable("citations"):
        return {}
    out: dict[str, list[str]] = {}
    for _, cid, sid in sorted(pkg.column_rows("citations", ["id", "source_id"]), key=lambda r: (r[1] or "", r[0])):
        if cid is not None and sid is not None:
            out.setdefault(sid, []).append(cid)
    return {k: tuple(v) for k, v in out.items()}


def source_changes(base: Package, head: Package) -> list[SourceChange]:
    old, new = _sources(base), _sources(head)
    old_cites, new_cites = _citing(base), _citing(head)
    out = []
    for sid in sorted(set(old) | set(new)):
        if sid not in old:
            line, rel, sha = new[sid]
            out.append(SourceChange(sid, "added", None, rel, None, sha, line, new_cites.get(sid, ())))
        elif sid not in new:
            line, rel, sha = old[sid]
            out.append(SourceChange(sid, "removed", rel, None, sha, None, line, old_cites.get(sid, ())))
        elif old[sid][1:] != new[sid][1:]:
            line = new[sid][0]
            out.append(
                SourceChange(sid, "changed", old[sid][1], new[sid][1], old[sid][2], new[sid][2], line, new_cites.get(sid, ()))
            )
    return out


# The descriptor's keys that are not metadata: resources are generated from schemas/ (compared
# there), and the version is what the change rules judge.
NOT_METADATA = ("resources", "version")


def metadata_changes(base: Package, head: Package) -> list[MetadataChange]:
    keys = sorted((set(base.descriptor) | set(head.descriptor)) - set(NOT_METADATA))
    return [
        MetadataChange(k, base.descriptor.get(k), head.descriptor.get(k))
        for k in keys
        if _json(base.descriptor.get(k)) != _json(head.descriptor.get(k))
    ]
