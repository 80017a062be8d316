"""The data model, read from ``schemas/<table>.schema.json`` (the one source of truth).

Each JSON Schema describes one record as a JSON consumer sees it. Its ``x-table`` annotation
carries what JSON Schema cannot say (CSV path, id prefix, primary and foreign keys); its
``x-enumDescriptions`` and ``x-relationTypes`` annotations document the vocabularies, and
``x-relationCategories`` names the categories (hierarchy, cooperation, hostility ...) that each
relation type's ``category`` refers to.
``x-enumCues`` lists, per term of a vocabulary, the cue words a quote must contain (checked by the grounding checks).
From it this module derives the Frictionless Table Schema (Data Package v2) that
``datapackage.json`` holds, so the two never drift.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import CannotRun
from . import cache, duckconnect, jsonread, limits
from .paths import not_a_file, resolve_inside

# The claim statuses of the contract, from the strongest claim to the weakest.
CLAIM_STATUSES = ("reported", "attributed", "alleged", "suspected", "uncorroborated", "disputed")

# The tables of the contract (docs/data-dictionary.md), in dependency order.
CONTRACT_TABLES = (
    "sources",
    "entities",
    "locations",
    "relations",
    "presence",
    "activities",
    "events",
    "event_actors",
    "citations",
)

# The fixed columns and id prefix of each contract table; a package may add columns, never drop these.
CONTRACT_COLUMNS: dict[str, tuple[str, tuple[str, ...]]] = {
    "sources": (
        "src",
        ("id", "title", "publisher", "url", "published", "retrieved", "path", "sha256", "license", "language", "source_type"),
    ),
    "entities": ("ent", ("id", "type", "name", "aliases", "description", "protected", "name_descriptive")),
    "locations": (
        "loc",
        (
            "id",
            "type",
            "name",
            "parent_id",
            "iso_code",
            "geonames_id",
            "latitude",
            "longitude",
            "geo_precision",
            "name_descriptive",
        ),
    ),
    "relations": ("rel", ("id", "subject_id", "type", "object_id", "start", "end", "claim_status", "description")),
    "presence": ("pre", ("id", "entity_id", "location_id", "type", "start", "end", "claim_status")),
    "activities": ("act", ("id", "entity_id", "activity", "location_id", "start", "end", "claim_status", "description")),
    "events": ("evt", ("id", "type", "date", "location_id", "title", "description", "claim_status")),
    "event_actors": ("eva", ("id", "event_id", "entity_id", "role")),
    "citations": ("cit", ("id", "record_id", "source_id", "quote", "note", "refers", "hedge_elsewhere")),
}

TABLESCHEMA_PROFILE = "https://datapackage.org/profiles/2.0/tableschema.json"
EDTF_FORMAT = "edtf"


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # string | integer | number | boolean | date | edtf | list
    required: bool
    description: str = ""
    enum: tuple[str, ...] | None = None
    enum_descriptions: dict[str, str] = field(default_factory=dict)
    pattern: str | None = None  # anchored, without ^ and $
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    delimiter: str | None = None  # list fields
    item_min_length: int | None = None
    unique_items: bool = False
    fmt: str | None = None  # JSON Schema format annotation (uri, date, edtf)
    annotations: dict[str, Any] = field(default_factory=dict)

    @property
    def is_text(self) -> bool:
        """Text cells get the hygiene checks; numbers and booleans do not."""
        return self.kind in ("string", "edtf", "list", "date")


@dataclass(frozen=True)
class ForeignKey:
    field: str
    resource: str
    ref_field: str = "id"


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    path: str
    id_prefix: str
    fields: tuple[Field, ...]
    primary_key: tuple[str, ...]
    foreign_keys: tuple[ForeignKey, ...]
    polymorphic: dict[str, dict[str, str]]  # field -> {prefix: table}
    schema_path: str
    json_schema: dict[str, Any]
    # A tombstone table (x-table.tombstones) holds other tables' retired ids, so it has no prefix of its own.
    tombstones: bool = False

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]


@dataclass(frozen=True)
class Model:
    tables: dict[str, Table]
    # What load_model(defer_patterns=True) left to check: the cache entry to store once the
    # patterns pass, and the patterns with where they are (see finish_checks).
    deferred: tuple[str, list[tuple[str, str]]] | None = field(default=None, compare=False, repr=False)

    def finish_checks(self) -> None:
        """Check what load_model deferred (every pattern compiles in RE2); raise CannotRun."""
        if self.deferred is None:
            return
        known, patterns = self.deferred
        _check_patterns(patterns)
        cache.put(known, "ok")
        object.__setattr__(self, "deferred", None)  # frozen: the tables never change, this note does

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def by_prefix(self) -> dict[str, str]:
        return {t.id_prefix: t.name for t in self.tables.values() if not t.tombstones}

    def tombstone_table(self) -> Table | None:
        """The table of retired ids (data/retired.csv), if the package has one."""
        return next((t for t in self.tables.values() if t.tombstones), None)

    def cited_tables(self) -> dict[str, str]:
        """prefix -> table of the rows that need a citation (what citations.record_id may name)."""
        cit = self.tables.get("citations")
        if cit is None:
            return {}
        return dict(cit.polymorphic.get("record_id", {}))

    def cues(self, table: str, field_name: str) -> dict[str, list[str]]:
        """term -> cue words (``x-enumCues``) of a vocabulary column; {} when it has none."""
        t = self.tables.get(table)
        f = t.field(field_name) if t else None
        return {k: list(v) for k, v in f.annotations.get("x-enumCues", {}).items()} if f else {}

    def cued_columns(self) -> list[tuple[str, str]]:
        """(table, column) of every vocabulary column with cue words."""
        return [(t.name, f.name) for t in self.tables.values() for f in t.fields if f.annotations.get("x-enumCues")]

    def relation_types(self) -> dict[str, dict[str, Any]]:
        rel = self.tables.get("relations")
        f = rel.field("type") if rel else None
        return dict(f.annotations.get("x-relationTypes", {})) if f else {}

    def relation_categories(self) -> dict[str, str]:
        """category -> what it means (``x-relationCategories``), in the schema's order."""
        rel = self.tables.get("relations")
        f = rel.field("type") if rel else None
        return dict(f.annotations.get("x-relationCategories", {})) if f else {}

    def relation_category(self, relation_type: str | None) -> str | None:
        """The category of a relation type (``x-relationTypes.<type>.category``); None if it has none."""
        spec = self.relation_types().get(relation_type or "")
        category = spec.get("category") if spec else None
        return str(category) if category else None


def _strip_anchors(pattern: str) -> str:
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1]
    return pattern


def _field_from_property(name: str, prop: dict[str, Any]) -> Field:
    types = prop.get("type", "string")
    types = [types] if isinstance(types, str) else list(types)
    nullable = "null" in types
    base = next((t for t in types if t != "null"), "string")
    fmt = prop.get("format")
    delimiter = None
    item_min = None
    if base == "array":
        kind = "list"
        delimiter = prop.get("x-delimiter", "|")
        item_min = prop.get("items", {}).get("minLength")
        nullable = True  # an empty list is an empty cell
    elif base == "string" and fmt == "date":
        kind = "date"
    elif base == "string" and fmt == EDTF_FORMAT:
        kind = "edtf"
    elif base in ("string", "integer", "number", "boolean"):
        kind = base
    else:
        raise CannotRun(f"property {name!r} has a type the CSV form cannot hold: {types}")
    enum = prop.get("enum")
    return Field(
        name=name,
        kind=kind,
        required=not nullable,
        description=prop.get("description", ""),
        enum=tuple(e for e in enum if e is not None) if enum else None,
        enum_descriptions=dict(prop.get("x-enumDescriptions", {})),
        pattern=_strip_anchors(prop["pattern"]) if "pattern" in prop else None,
        minimum=prop.get("minimum"),
        maximum=prop.get("maximum"),
        min_length=prop.get("minLength"),
        delimiter=delimiter,
        item_min_length=item_min,
        unique_items=bool(prop.get("uniqueItems")),
        fmt=fmt,
        annotations={k: v for k, v in prop.items() if k.startswith("x-")},
    )


def table_from_json_schema(schema: dict[str, Any], schema_path: str) -> Table:
    meta = schema.get("x-table") or {}
    name = meta.get("name")
    if not name or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise CannotRun(f"{schema_path}: x-table.name is missing or not a table name", path=schema_path)
    props = schema.get("properties") or {}
    fields = tuple(_field_from_property(n, p) for n, p in props.items())
    fks = tuple(
        ForeignKey(fk["fields"][0], fk["reference"]["resource"], fk["reference"]["fields"][0])
        for fk in meta.get("foreignKeys", [])
    )
    poly = {p["field"]: dict(p["byPrefix"]) for p in schema.get("x-polymorphicKeys", [])}
    return Table(
        name=name,
        title=schema.get("title", name),
        description=schema.get("description", ""),
        path=meta.get("path", f"data/{name}.csv"),
        id_prefix=meta.get("idPrefix", ""),
        fields=fields,
        primary_key=tuple(meta.get("primaryKey", ["id"])),
        foreign_keys=fks,
        polymorphic=poly,
        schema_path=schema_path,
        json_schema=schema,
        tombstones=bool(meta.get("tombstones", False)),
    )


def _read_schema_text(path: Path, rel: str, root: Path | None) -> str:
    """The text of one table schema, refusing what the package must not contain."""
    if root is not None and resolve_inside(root, rel)[0] is None:
        raise CannotRun(f"{rel}: the path leads outside the package through a symbolic link", path=rel)
    try:
        if not path.is_file():
            raise CannotRun(f"{rel} {not_a_file(path)}", path=rel)
        if path.stat().st_size > limits.MAX_SCHEMA_BYTES:
            raise CannotRun(f"{rel}: larger than {limits.MAX_SCHEMA_BYTES:,} bytes (docs/limits.md)", path=rel)
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CannotRun(f"{rel}: byte {exc.start} is not UTF-8", path=rel) from None
    except OSError as exc:
        raise CannotRun(f"{rel}: cannot read the table schema ({exc.strerror})", path=rel) from None


_STRINGS = {"type": "array", "items": {"type": "string"}}
_KEY_FIELDS = {"type": "array", "items": {"type": "string"}, "minItems": 1}
# What the code reads from a table schema, and the type it must have. The values end up in SQL,
# regular expressions and Python comparisons: a schema comes with a pull request like the data, so
# a wrong type must stop the run with a message, never crash it or change the meaning of a query.
SCHEMA_SHAPE: dict[str, Any] = {
    "type": "object",
    "required": ["x-table", "properties"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "x-table": {
            "type": "object",
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                "path": {"type": "string"},
                "idPrefix": {"type": "string", "pattern": "^[a-z][a-z0-9]*$"},
                "primaryKey": _KEY_FIELDS,
                "foreignKeys": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["fields", "reference"],
                        "properties": {
                            "fields": _KEY_FIELDS,
                            "reference": {
                                "type": "object",
                                "required": ["resource", "fields"],
                                "properties": {"resource": {"type": "string"}, "fields": _KEY_FIELDS},
                            },
                        },
                    },
                },
            },
        },
        "x-polymorphicKeys": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "byPrefix"],
                "properties": {
                    "field": {"type": "string"},
                    "byPrefix": {
                        "type": "object",
                        "propertyNames": {"pattern": "^[a-z]+$"},
                        "additionalProperties": {"type": "string"},
                    },
                },
            },
        },
        # every row has an id (docs/data-dictionary.md); the checks select it from every table
        "properties": {"type": "object", "required": ["id"], "additionalProperties": {"$ref": "#/$defs/column"}},
    },
    "$defs": {
        "column": {
            "type": "object",
            "properties": {
                "type": {"anyOf": [{"type": "string"}, _STRINGS]},
                "description": {"type": "string"},
                "enum": {"type": "array", "items": {"type": ["string", "null"]}},
                "x-enumDescriptions": {"type": "object", "additionalProperties": {"type": "string"}},
                "x-enumCues": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string", "minLength": 1}},
                },
                "pattern": {"type": "string"},
                "format": {"type": "string"},
                "minimum": {"type": "number"},
                "maximum": {"type": "number"},
                "minLength": {"type": "integer", "minimum": 0},
                "uniqueItems": {"type": "boolean"},
                "items": {"type": "object", "properties": {"minLength": {"type": "integer", "minimum": 0}}},
                # one character that cannot be confused with CSV syntax or SQL quoting
                "x-delimiter": {"type": "string", "minLength": 1, "maxLength": 1, "pattern": "^[^,\"'\\\\\\s]$"},
                "x-relationCategories": {"type": "object", "additionalProperties": {"type": "string"}},
                "x-relationTypes": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "description": {"type": "string"},
                            "inverse": {"type": "string"},
                            "symmetric": {"type": "boolean"},
                            "category": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                            "subjectTypes": _STRINGS,
                            "objectTypes": _STRINGS,
                        },
                    },
                },
            },
        }
    },
}


# The shape rules and the code that applies them, part of the cache key: a change to either
# re-checks every schema.
_SHAPE_RULES = json.dumps(SCHEMA_SHAPE, sort_keys=True) + cache.own_source(__file__)


@lru_cache(maxsize=1)
def _shape_validator() -> Any:
    from jsonschema import (
        Draft202012Validator,  # jsonschema loads on first use: every tda command would pay its start-up time otherwise
    )

    return Draft202012Validator(SCHEMA_SHAPE)


def _check_shape(schema: dict[str, Any], rel: str) -> None:
    """Raise CannotRun, naming the place, if what the code reads from ``schema`` has the wrong type."""
    error = next(iter(sorted(_shape_validator().iter_errors(schema), key=lambda e: [str(p) for p in e.absolute_path])), None)
    if error is not None:
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        raise CannotRun(
            f"{rel}: {where}: {error.message}", hint="see the table schemas in schemas/ for the expected form", path=rel
        )


def _patterns(schema: dict[str, Any], rel: str) -> list[tuple[str, str]]:
    """(pattern, where it is) of every column with a pattern."""
    return [
        (prop["pattern"], f"{rel}: /properties/{name}/pattern")
        for name, prop in schema["properties"].items()
        if "pattern" in prop
    ]


def _check_patterns(patterns: list[tuple[str, str]]) -> None:
    """Every pattern compiles in RE2: one query for all of them (a query costs about 5 ms), and
    one per pattern, in order, only when that fails, to name the first bad one."""
    if not patterns or _re2_error_all(tuple(_strip_anchors(p) for p, _ in patterns)) is None:
        return
    for pattern, where in patterns:
        _check_pattern(pattern, where)


def _check_columns(table: Table) -> None:
    """Every column a key names is a column of the table."""
    named = [(k, "primaryKey") for k in table.primary_key] + [(fk.field, "foreignKeys") for fk in table.foreign_keys]
    named += [(f, "x-polymorphicKeys") for f in table.polymorphic]
    for column, where in named:
        if column not in table.field_names:
            raise CannotRun(
                f"{table.schema_path}: {where} names the column {column!r}, which is not in its properties",
                path=table.schema_path,
            )


def _check_categories(table: Table) -> None:
    """Each relation type's ``category`` is one that ``x-relationCategories`` declares."""
    for f in table.fields:
        declared = f.annotations.get("x-relationCategories", {})
        for term, spec in f.annotations.get("x-relationTypes", {}).items():
            category = spec.get("category")
            if category is not None and category not in declared:
                raise CannotRun(
                    f"{table.schema_path}: relation type {term!r} has the category {category!r}, "
                    f"which {f.name}'s x-relationCategories does not declare"
                )


def _check_pattern(pattern: str, where: str) -> None:
    """The checks match patterns in DuckDB (RE2): refuse one RE2 cannot compile (look-arounds, back-references)."""
    error = _re2_error(_strip_anchors(pattern))
    if error:
        raise CannotRun(f"{where}: {pattern!r} is not a regular expression RE2 can use ({error})")


def _re2_error_all(patterns: tuple[str, ...]) -> str | None:
    """None if RE2 compiles every pattern, else DuckDB's error for one of them."""
    duckdb = duckconnect.engine(light=True)  # one plain statement: the engine alone does

    # A connection of its own, closed at once: the module's default one would be a second
    # database, with its own threads and memory, beside the package's for the whole run.
    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        con.execute("SELECT " + ", ".join("regexp_full_match('', ?)" for _ in patterns), list(patterns))
    except duckdb.Error as exc:
        return str(exc)
    finally:
        con.close()
    return None


@lru_cache(maxsize=1024)
def _re2_error(pattern: str) -> str | None:
    return _re2_error_all((pattern,))


def load_model(schemas_dir: Path, rel_to: Path | None = None, defer_patterns: bool = False) -> Model:
    """Read every ``*.schema.json`` in ``schemas_dir``; raise CannotRun if that is impossible.

    ``defer_patterns``: leave the RE2 check of the patterns (which loads DuckDB) to
    ``Model.finish_checks``, for a caller that forks helper processes first."""
    if not schemas_dir.is_dir():
        raise CannotRun(
            f"no schemas/ directory in {schemas_dir.parent}",
            hint="a package keeps one JSON Schema per table in schemas/<table>.schema.json",
        )
    tables: dict[str, Table] = {}
    patterns: list[tuple[str, str]] = []
    texts = [(path, str(path.relative_to(rel_to)) if rel_to else path.name) for path in sorted(schemas_dir.glob("*.schema.json"))]
    read = [(path, rel, _read_schema_text(path, rel, rel_to)) for path, rel in texts]
    # The shape and pattern checks are the same for the same bytes: skipped when these very
    # schemas passed them before (reading/cache.py), which saves importing jsonschema.
    known = cache.key(
        "schemas", _SHAPE_RULES, cache.library("jsonschema"), cache.library("duckdb"), *(t for r in read for t in r[1:])
    )
    checked = cache.get(known) == "ok"
    for _path, rel, text in read:
        schema = jsonread.loads(text, rel)
        if not isinstance(schema, dict):
            raise CannotRun(f"{rel}: a table schema must be a JSON object, not {jsonread.kind(schema)}", path=rel)
        if not checked:
            _check_shape(schema, rel)
        patterns += _patterns(schema, rel)
        try:
            table = table_from_json_schema(schema, rel)
        except CannotRun:
            raise
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise CannotRun(f"{rel}: the table schema is malformed ({type(exc).__name__}: {exc})", path=rel) from None
        if table.name in tables:
            raise CannotRun(f"{rel}: table {table.name!r} is already defined by {tables[table.name].schema_path}", path=rel)
        _check_columns(table)
        _check_categories(table)
        tables[table.name] = table
    for table in tables.values():
        for fk in table.foreign_keys:
            target = tables.get(fk.resource)
            if target is None or fk.ref_field not in target.field_names:
                raise CannotRun(
                    f"{table.schema_path}: the foreign key on {fk.field} refers to {fk.resource}.{fk.ref_field}, which no schema defines"
                )
        for field_name, by_prefix in table.polymorphic.items():
            unknown = sorted(t for t in by_prefix.values() if t not in tables)
            if unknown:
                raise CannotRun(
                    f"{table.schema_path}: {field_name} refers to tables no schema defines: {', '.join(unknown)}",
                    path=table.schema_path,
                )
    order = {n: i for i, n in enumerate(CONTRACT_TABLES)}
    model = Model(dict(sorted(tables.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))))
    if not checked:
        object.__setattr__(model, "deferred", (known, patterns))
        if not defer_patterns:
            model.finish_checks()
    return model


# --- Table Schema (Frictionless, Data Package v2) generated from the JSON Schemas -------------


def table_schema_field(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {"name": f.name}
    if f.kind == "list":
        out.update(type="list", delimiter=f.delimiter, itemType="string")
    elif f.kind == "boolean":
        out.update(type="boolean", trueValues=["true"], falseValues=["false"])
    elif f.kind == "date":
        out.update(type="date")
    elif f.kind == "edtf":
        out.update(type="string")
    else:
        out.update(type=f.kind)
    if f.kind == "string" and f.fmt == "uri":
        out["format"] = "uri"
    if f.description:
        out["description"] = f.description
    constraints: dict[str, Any] = {}
    if f.required:
        constraints["required"] = True
    if f.enum:
        constraints["enum"] = list(f.enum)
    if f.pattern and f.kind in ("string", "edtf"):
        constraints["pattern"] = f.pattern
    if f.minimum is not None:
        constraints["minimum"] = f.minimum
    if f.maximum is not None:
        constraints["maximum"] = f.maximum
    if f.min_length is not None and f.kind in ("string", "edtf"):
        constraints["minLength"] = f.min_length
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(table: Table) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "$schema": TABLESCHEMA_PROFILE,
        "fields": [table_schema_field(f) for f in table.fields],
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    if table.foreign_keys:
        schema["foreignKeys"] = [
            {"fields": [fk.field], "reference": {"resource": fk.resource, "fields": [fk.ref_field]}} for fk in table.foreign_keys
        ]
    return schema


CSV_DIALECT = {
    "$schema": "https://datapackage.org/profiles/2.0/tabledialect.json",
    "header": True,
    "delimiter": ",",
    "lineTerminator": "\n",
    "quoteChar": '"',
    "doubleQuote": True,
}


def resource_descriptor(table: Table) -> dict[str, Any]:
    return {
        "name": table.name,
        "type": "table",
        "path": table.path,
        "scheme": "file",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "title": table.title,
        "description": table.description,
        "dialect": dict(CSV_DIALECT),
        "schema": table_schema(table),
    }


def descriptor_resources(model: Model) -> list[dict[str, Any]]:
    return [resource_descriptor(t) for t in model.tables.values()]
