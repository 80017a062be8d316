"""The Python API for other tools: ``load(path)`` returns the tables as typed records.

A record is a pydantic model generated from ``schemas/<table>.schema.json`` (validator/publish/
records.py: ``Entity``, ``Relation`` ...), its fields in the schema's column order and typed as a
JSON consumer sees them: ``aliases`` a list of strings, ``protected`` a bool, ``latitude`` a
float, ``geonames_id`` an int, an empty cell ``None`` (an empty list ``[]``). Dates stay strings:
EDTF (``2018``, ``2012~``, ``2015/2017``) has no native type. Read a column as an attribute
(``rec.name``) or, as in earlier versions where records were dicts, as ``rec["name"]`` or
``rec.get("name")``; ``rec.model_dump()`` is the dict. A table whose columns differ from the
generated model's (a package of another version) gets ``Row`` records, with the same interface.

``load`` builds the records without running pydantic's validation (the values are typed from
the CSV cells as the schema says; checking them is ``tda validate``'s job, or ``check=True``'s);
``Model.model_validate(rec.model_dump())`` checks one record against its schema.
``ds.dataframe("events")`` gives a table as a pandas DataFrame (``pip install pandas``).

``load`` reads a package directory or a release built by ``tda build`` (both hold
``datapackage.json``, ``schemas/`` and ``data/*.csv``); it does not validate unless asked
(``check=True``), so run ``tda validate`` first or expect what the data holds::

    from validator import load
    ds = load(".")
    tda = ds.get("ent-tren-de-aragua")
    for rel in ds.relations_of(tda["id"]):
        print(rel["subject_id"], rel["type"], rel["object_id"], rel["claim_status"])
    for cited in ds.citations_of(tda["id"]):
        print(cited.source["title"], cited.quote)

**Derived columns.** After its own columns a record carries the release columns of
``validator/publish/derived.py``: for every EDTF column ``<field>``, ``<field>_earliest`` and
``<field>_latest`` (ISO dates, the strict bounds: ``2012~`` is 2012-01-01 .. 2012-12-31, an open
or unknown end is None), and on relations ``category`` (hierarchy, cooperation, hostility ...).
``bounds(value)`` gives the same pair for any EDTF value; ``ds.during("2018")`` lists the events
whose date overlaps 2018 (``table=`` and ``field=`` for other tables)::

    ev = ds.get("evt-2015-2017-olp")                  # date "2015/2017"
    ev["date_earliest"], ev["date_latest"]            # ("2015-01-01", "2017-12-31")

**Following the model.** ``within(place)`` lists the places inside a place, at any depth, and
``present_at(place, include_within=True)`` the presence rows there and in those places.
``members_of(group)`` follows leadership chains: leaders, members, members of member groups and
lieutenants of leaders and members, each as a ``Member`` with the chain of relations that links it
to the group. ``related_by_category(entity, category)`` gives the entities on the other side of
the entity's relations of one category; ``allies_of`` is the category ``cooperation`` and
``adversaries_of`` the category ``hostility`` (a killing is ``violence``, a link with officials
``state_link``: ask for those by name).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ..checks.runner import validate
from ..errors import CannotRun, InvalidPackage
from ..reading.model import Field, Model, Table
from ..reading.package import Package
from .derived import bounds as bounds  # re-exported: the API's bounds helper
from .derived import overlaps, record_bounds, with_derived
from .frames import dataframe

if TYPE_CHECKING:
    import pandas as pd

    from ..reading.package import Package
    from .recordbase import Record


def __getattr__(name: str) -> Any:
    # ``Record`` (the base of the typed records) is imported on first use: pydantic and the models
    # cost about a tenth of a second, which every `tda` command would pay at start-up otherwise.
    if name == "Record":
        from .recordbase import Record  # pydantic loads on first use, not when tda starts

        return Record
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The relation types members_of follows, from a member toward the group.
MEMBERSHIP_TYPES = ("leader_of", "member_of", "lieutenant_of")


class Cited(NamedTuple):
    """A citation with the source it quotes."""

    citation: Record
    source: Record | None

    @property
    def quote(self) -> str:
        return self.citation["quote"]


class Involvement(NamedTuple):
    """An entity's part in an event: the event_actors row and the event it names."""

    role: str
    event: Record | None
    actor: Record


class Member(NamedTuple):
    """Someone ``members_of`` found: the entity, its role and the relations that tie it to the group.

    ``path`` runs from the entity to the group (``path[0]["subject_id"]`` is the entity,
    ``path[-1]["object_id"]`` the group); ``role`` is the type of its first relation
    (``leader_of``, ``member_of`` or ``lieutenant_of``).
    """

    entity: Record | None
    role: str
    path: tuple[Record, ...]


class Related(NamedTuple):
    """The entity on the other side of a relation, with that relation."""

    entity: Record | None
    relation: Record


# --- typing cells -------------------------------------------------------------------------

# A column's value in a record, as JSON has it: text, number, boolean, a list of text, or None for an empty cell.
CellValue = str | int | float | bool | list[str] | None


def typed_value(f: Field, cell: str) -> CellValue:
    """One CSV cell as the JSON value the table's schema describes; ValueError when it cannot be."""
    if f.kind == "list":
        return cell.split(f.delimiter or "|") if cell else []
    if cell == "":
        return None
    if f.kind == "integer":
        return int(cell)
    if f.kind == "number":
        return float(cell)
    if f.kind == "boolean":
        if cell not in ("true", "false"):
            raise ValueError(f"{cell!r} is not true or false")
        return cell == "true"
    return cell


def csv_cell(f: Field, value: Any) -> str:
    """The inverse of ``typed_value``: a typed value as the CSV cell the package would hold."""
    if value is None:
        return ""
    if f.kind == "list":
        return (f.delimiter or "|").join(value)
    if f.kind == "boolean":
        return "true" if value else "false"
    if f.kind == "number":
        return repr(float(value))
    return str(value)


def record_type(table: Table | None) -> type[Record]:
    """The model of a table's records: the generated one where the table has the columns it
    describes (names, kinds, nullability in that order), else ``Row``."""
    from .recordbase import Row  # pydantic loads on first use, not when tda starts
    from .records import MODELS  # pydantic loads on first use, not when tda starts

    cls = MODELS.get(table.name) if table is not None else None
    if cls is not None and table is not None and cls.COLUMNS == tuple((f.name, f.kind, f.required) for f in table.fields):
        return cls
    return Row


def _table_records(pkg: Package, name: str) -> list[Record]:
    loaded = pkg.tables[name]
    make = record_type(loaded.table).trusted
    if not loaded.usable or loaded.csv is None:
        raise CannotRun(
            f"{loaded.rel}: the table cannot be read (missing, not UTF-8, or without its header)",
            hint="run `tda validate` to see what is wrong",
            path=loaded.rel,
        )
    fields = loaded.table.fields
    table = pkg.arrow(name)
    columns = [table.column(f.name).to_pylist() for f in fields]
    out: list[Record] = []
    for r, line in enumerate(table.column("_line").to_pylist()):
        rec: dict[str, Any] = {}
        for f, col in zip(fields, columns, strict=True):
            cell = col[r]
            raw = cell if cell is not None else ""
            try:
                rec[f.name] = typed_value(f, raw)
            except ValueError as exc:
                raise CannotRun(
                    f"{loaded.rel}:{line}: {f.name} {raw!r} is not a {f.kind} ({exc})",
                    hint="run `tda validate` to see every problem",
                    path=loaded.rel,
                ) from None
        out.append(make(rec))
    return out


# --- the dataset ---------------------------------------------------------------------------


@dataclass
class Dataset:
    """The tables of a package as typed records, with helpers that follow references.

    ``tables`` maps a table name to its records, in file order (sorted by id).
    """

    root: Path
    descriptor: dict[str, Any]
    model: Model
    tables: dict[str, list[Record]]
    _by_id: dict[str, tuple[str, Record]] | None = field(default=None, repr=False)
    _refs: dict[tuple[str, str], dict[object, list[Record]]] = field(default_factory=dict, repr=False)

    # -- lookup ----------------------------------------------------------------------------

    def __getitem__(self, table: str) -> list[Record]:
        return self.tables[table]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    @property
    def name(self) -> str:
        return str(self.descriptor.get("name", ""))

    @property
    def version(self) -> str:
        return str(self.descriptor.get("version", ""))

    def _index(self) -> dict[str, tuple[str, Record]]:
        if self._by_id is None:
            self._by_id = {rec["id"]: (name, rec) for name, rows in self.tables.items() for rec in rows if "id" in rec}
        return self._by_id

    def get(self, record_id: str) -> Record | None:
        """The record with this id, from whichever table holds it (ids are unique package-wide)."""
        hit = self._index().get(record_id)
        return hit[1] if hit else None

    def table_of(self, record_id: str) -> str | None:
        hit = self._index().get(record_id)
        return hit[0] if hit else None

    def where(self, table: str, column: str, value: object) -> list[Record]:
        """Records of ``table`` whose ``column`` equals ``value`` (indexed on first use)."""
        key = (table, column)
        if key not in self._refs:
            index: dict[object, list[Record]] = defaultdict(list)
            for rec in self.tables.get(table, []):
                index[rec.get(column)].append(rec)
            self._refs[key] = index
        return list(self._refs[key].get(value, []))

    # -- following references ---------------------------------------------------------------

    def relations_of(self, entity_id: str, direction: str = "both") -> list[Record]:
        """Relations where the entity is the subject (``out``), the object (``in``) or either (``both``)."""
        if direction not in ("in", "out", "both"):
            raise ValueError("direction is 'in', 'out' or 'both'")
        out = self.where("relations", "subject_id", entity_id) if direction in ("out", "both") else []
        inc = self.where("relations", "object_id", entity_id) if direction in ("in", "both") else []
        return sorted(out + inc, key=lambda r: r["id"])

    def presence_of(self, entity_id: str) -> list[Record]:
        return self.where("presence", "entity_id", entity_id)

    def activities_of(self, entity_id: str) -> list[Record]:
        return self.where("activities", "entity_id", entity_id)

    def events_of(self, entity_id: str) -> list[Involvement]:
        """The events an entity took part in, with its role (perpetrator, target, victim ...)."""
        return [Involvement(a["role"], self.get(a["event_id"]), a) for a in self.where("event_actors", "entity_id", entity_id)]

    def actors_of(self, event_id: str) -> list[Involvement]:
        """Who took part in an event, with their roles."""
        return [Involvement(a["role"], self.get(a["event_id"]), a) for a in self.where("event_actors", "event_id", event_id)]

    def present_at(self, location_id: str, include_within: bool = False) -> list[Record]:
        """Presence rows at a location; with ``include_within`` also at every place inside it (by id)."""
        if not include_within:
            return self.where("presence", "location_id", location_id)
        places = [location_id] + [p["id"] for p in self.within(location_id)]
        return sorted((rec for p in places for rec in self.where("presence", "location_id", p)), key=lambda r: r["id"])

    def within(self, location_id: str) -> list[Record]:
        """The places inside a location at any depth (by ``parent_id``), nearest first, then by id."""
        found: list[Record] = []
        seen = {location_id}
        level = [location_id]
        while level:
            children = sorted(
                (c for parent in level for c in self.where("locations", "parent_id", parent) if c["id"] not in seen),
                key=lambda r: r["id"],
            )
            seen.update(c["id"] for c in children)
            found += children
            level = [c["id"] for c in children]
        return found

    def members_of(self, group_id: str, transitive: bool = True) -> list[Member]:
        """Who belongs to a group, through ``leader_of``, ``member_of`` and ``lieutenant_of`` relations.

        Direct: the subjects of ``leader_of`` and ``member_of`` relations to the group. With
        ``transitive`` (the default) the search goes on from everyone found: members and leaders of
        member groups (a cell or faction), lieutenants of a leader or member (a lieutenant of the
        group's leader is two relations from the group). Each entity comes once, with its shortest
        chain; sorted by entity id. Relations of every claim status count: read them on the path.
        """
        found: dict[str, Member] = {}
        seen = {group_id}
        level: list[tuple[str, tuple[Record, ...]]] = [(group_id, ())]
        while level:
            following: list[tuple[str, tuple[Record, ...]]] = []
            for node, path in level:
                for rel in self.where("relations", "object_id", node):
                    who = rel["subject_id"]
                    if rel["type"] not in MEMBERSHIP_TYPES or who in seen:
                        continue
                    seen.add(who)
                    chain = (rel, *path)
                    found[who] = Member(self.get(who), rel["type"], chain)
                    following.append((who, chain))
            level = sorted(following, key=lambda x: x[0]) if transitive else []
        return [found[k] for k in sorted(found)]

    def related_by_category(self, entity_id: str, category: str) -> list[Related]:
        """The entities linked to this one by a relation of ``category``, either direction; by entity, then relation id."""
        categories = self.model.relation_categories()
        if categories and category not in categories:
            raise ValueError(f"{category!r} is not a relation category; the model has {', '.join(categories)}")
        out = []
        for rel in self.relations_of(entity_id):
            if self.model.relation_category(rel["type"]) != category:
                continue
            other = rel["object_id"] if rel["subject_id"] == entity_id else rel["subject_id"]
            out.append(Related(self.get(other), rel))
        return sorted(out, key=lambda r: (r.entity.get("id", "") if r.entity else "", r.relation["id"]))

    def allies_of(self, entity_id: str) -> list[Related]:
        """Entities in a ``cooperation`` relation with this one (allied, pact, cooperated, financed)."""
        return self.related_by_category(entity_id, "cooperation")

    def adversaries_of(self, entity_id: str) -> list[Related]:
        """Entities in a ``hostility`` relation with this one (rival, armed conflict, territory, displaced)."""
        return self.related_by_category(entity_id, "hostility")

    def during(self, period: str, table: str = "events", field: str = "date") -> list[Record]:
        """Records whose ``field`` overlaps the EDTF ``period`` (``"2018"``, ``"2015/2017"``), by their bounds.

        ``ds.during("2018")`` is what happened in 2018: events dated 2018, ``2018~``, ``2017~/..``,
        ``2015/2018`` ... Uses ``<field>_earliest``/``<field>_latest``; an empty cell never matches.
        """
        return [rec for rec in self.tables.get(table, []) if overlaps(*record_bounds(rec, field), period)]

    def citations_of(self, record_id: str) -> list[Cited]:
        """The citations that support a record, each with its source (quote: ``cited.quote``)."""
        return [Cited(c, self.get(c["source_id"])) for c in self.where("citations", "record_id", record_id)]

    def parents_of(self, location_id: str) -> list[Record]:
        """The chain of enclosing places, nearest first, up to the country (stops on a cycle)."""
        chain: list[Record] = []
        seen = {location_id}
        current = self.get(location_id)
        while current is not None and current.get("parent_id") and current["parent_id"] not in seen:
            seen.add(current["parent_id"])
            current = self.get(current["parent_id"])
            if current is not None:
                chain.append(current)
        return chain

    def references_to(self, record_id: str) -> list[tuple[str, str, Record]]:
        """Every (table, column, record) whose foreign key names ``record_id``, citations included."""
        hits: list[tuple[str, str, Record]] = []
        for table in self.model.tables.values():
            columns = [fk.field for fk in table.foreign_keys] + list(table.polymorphic)
            for column in columns:
                hits += [(table.name, column, rec) for rec in self.where(table.name, column, record_id)]
        return hits

    def replace_tables(self, tables: Mapping[str, Sequence[Record | Mapping[str, Any]]]) -> Dataset:
        """A copy of this dataset with other records (the indexes are rebuilt on use). A plain
        mapping becomes its table's record, unvalidated, as in ``load``."""
        from .recordbase import Record  # pydantic loads on first use, not when tda starts

        def typed(name: str, rows: Sequence[Record | Mapping[str, Any]]) -> list[Record]:
            kind = record_type(self.model.tables.get(name))
            own = set(kind.model_fields) if kind.model_config.get("extra") == "forbid" else None

            def make(row: Mapping[str, Any]) -> Record:
                if own is None:
                    return kind.trusted(dict(row))
                rest = {k: v for k, v in row.items() if k not in own}  # derived columns ride along
                rec = kind.trusted({k: v for k, v in row.items() if k in own})
                return rec.with_columns(rest) if rest else rec

            return [r if isinstance(r, Record) else make(r) for r in rows]

        return Dataset(self.root, self.descriptor, self.model, {name: typed(name, rows) for name, rows in tables.items()})

    def dataframe(self, table: str) -> pd.DataFrame:
        """A table as a pandas DataFrame, one column per schema column with its dtype (see
        ``frames.dataframe``). Needs pandas: ``pip install pandas``."""

        return dataframe(self.model.tables[table], self.tables[table])


def dataset_from_package(pkg: Package) -> Dataset:
    """The typed records of a loaded package, derived columns included; CannotRun when a table cannot be read."""
    tables = {name: _table_records(pkg, name) for name in pkg.tables}
    return Dataset(pkg.root, pkg.descriptor, pkg.model, with_derived(pkg.model, tables))


def load(path: str | Path = ".", *, check: bool = False) -> Dataset:
    """Load a package directory (or a release built by ``tda build``) as typed records.

    With ``check=True`` the validator runs first and ``InvalidPackage`` (carrying the report)
    is raised when it finds errors. Raises CannotRun when the package cannot be read.
    """

    pkg = Package.load(path)
    if check:
        report = validate(pkg.root, package=pkg, max_per_group=0)
        if not report.valid:
            raise InvalidPackage(report)
    return dataset_from_package(pkg)
