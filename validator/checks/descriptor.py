"""DP: the descriptor (datapackage.json), the table schemas and the paths they name."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from ..reading import cache
from ..reading.model import CONTRACT_COLUMNS, descriptor_resources
from ..reading.package import DESCRIPTOR
from ..reading.paths import not_a_file, resolve_inside, unsafe_reason
from .common import at_cell, at_json
from .registry import Work, check, found, reads

if TYPE_CHECKING:
    from ..reading.package import Package

PACKAGE_PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
SEMVER = (
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
    r"(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)
RFC3339 = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"

# What this project requires of a descriptor on top of the Data Package v2 profile.
METADATA_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["$schema", "name", "title", "version", "created", "licenses", "sources", "contributors", "resources"],
    "properties": {
        "$schema": {"const": PACKAGE_PROFILE},
        "name": {"type": "string", "pattern": r"^[a-z0-9._-]+$"},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string"},
        "version": {"type": "string", "pattern": SEMVER},
        "created": {"type": "string", "pattern": RFC3339},
        "licenses": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "anyOf": [{"required": ["name"]}, {"required": ["path"]}]},
        },
        "sources": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["title"]}},
        "contributors": {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["title"]}},
        "resources": {
            "type": "array",
            "minItems": 1,
            "items": {"type": "object", "required": ["name", "path"], "properties": {"name": {"type": "string"}}},
        },
    },
}

_METADATA_RULES = json.dumps(METADATA_SCHEMA, sort_keys=True)
_OWN_SOURCE = cache.own_source(__file__)  # a change to this module's code is a new cache key

# The smallest vocabularies the contract (docs/data-dictionary.md) fixes; packages may add terms.
CONTRACT_VOCABULARIES: dict[tuple[str, str], set[str]] = {
    ("entities", "type"): {
        "person",
        "criminal_group",
        "armed_group",
        "state_institution",
        "security_force",
        "political_body",
        "organization",
    },
    ("locations", "type"): {
        "country",
        "state",
        "municipality",
        "city",
        "town",
        "neighborhood",
        "prison",
        "border_area",
        "region",
    },
    ("locations", "geo_precision"): {"point", "near", "municipality", "admin1", "country"},
    ("relations", "claim_status"): {"reported", "attributed", "alleged", "suspected", "uncorroborated", "disputed"},
    ("event_actors", "role"): {"perpetrator", "target", "victim", "authority", "participant", "subject"},
    ("sources", "source_type"): {"journalism", "official_record", "court_record", "ngo_report", "academic", "other"},
}


def _resources(pkg: Package) -> list[tuple[int, dict[str, Any]]]:
    res = pkg.descriptor.get("resources")
    if not isinstance(res, list):
        return []
    return [(i, r) for i, r in enumerate(res) if isinstance(r, dict)]


def _pointer(path: Any) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _clean_before(namespace: str, descriptor: dict[str, Any], *rules: str) -> tuple[str, bool]:
    """The cache entry for a verdict on ``descriptor`` under ``rules``, and whether that verdict
    was "no problem" before (reading/cache.py: keyed by the descriptor's content and the rules)."""
    try:
        text = json.dumps(descriptor, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError):
        return "", False
    entry = cache.key(namespace, text, *rules, _OWN_SOURCE)
    return entry, cache.get(entry) == "clean"


def frictionless_notes(descriptor: dict[str, Any]) -> list[str]:
    """What frictionless says is wrong with the descriptor; a descriptor it passed before, byte
    for byte under the same frictionless, is not given to it again (importing it is most of the
    cost of checking a small package)."""
    entry, clean = _clean_before("frictionless", descriptor, cache.library("frictionless"))
    if clean:
        return []
    import frictionless  # frictionless loads on first use: every tda command would pay its start-up time otherwise

    try:
        report = frictionless.Package.validate_descriptor(descriptor)
    except Exception as exc:  # noqa: BLE001 - frictionless may raise on hostile input
        return [f"cannot read the descriptor: {exc}"]
    notes = [getattr(e, "note", "") or getattr(e, "message", "") for e in report.errors]
    if not notes and entry:
        cache.put(entry, "clean")
    return notes


def _frictionless_early(pkg: Package) -> Callable[[], list[str]]:
    descriptor = pkg.descriptor
    return lambda: frictionless_notes(descriptor)


# Importing frictionless is most of this work: it runs in the descriptor's helper process.
FRICTIONLESS = Work("frictionless", lambda pkg: frictionless_notes(pkg.descriptor), early=_frictionless_early)
METADATA = Work("metadata", lambda pkg: metadata_problems(pkg.descriptor))
DESCRIPTOR_ONLY = reads()


@check("DP101", "descriptor-profile", reads=DESCRIPTOR_ONLY, work=FRICTIONLESS)
def descriptor_profile(pkg: Package) -> Iterator[Problem]:
    """datapackage.json must be a valid Data Package v2 descriptor, as frictionless reads it.

    Fails: a field whose ``type`` is ``"strin"``; passes: ``"string"``.
    """
    for note in FRICTIONLESS.result(pkg):
        if "is not safe" in note:
            continue  # DP103 reports unsafe paths, with the reason
        yield at_json(
            DESCRIPTOR,
            _guess_pointer(pkg, note),
            f"frictionless: {note if len(note) <= 300 else note[:299] + '…'}",
            hint="see https://datapackage.org/standard/data-package/",
        )


def _guess_pointer(pkg: Package, note: str) -> str:
    """The JSON pointer a frictionless note is about: its 'at property' path, or a field it quotes.

    frictionless says "5 is not of type 'string' at property 'name'" for a resource's name
    without saying which resource, so the value it quotes picks the resource.
    """
    m = re.search(r"at property '([^']*)'", note)
    if m:
        prop = m.group(1)
        quoted = note.split(" is not ", 1)[0] if " is not " in note else None
        at_root = _lookup(pkg.descriptor, prop.split("/"))
        if at_root is not _MISSING and (quoted is None or repr(at_root) == quoted):
            return "/" + prop
        for i, res in _resources(pkg):
            if prop in res and (quoted is None or repr(res[prop]) == quoted):
                return f"/resources/{i}/{prop}"
        return "/" + prop if at_root is not _MISSING else ""
    for i, res in _resources(pkg):
        fields = res.get("schema", {}).get("fields", []) if isinstance(res.get("schema"), dict) else []
        for j, f in enumerate(fields if isinstance(fields, list) else []):
            if isinstance(f, dict) and any(f'"{v}"' in note for v in f.values() if isinstance(v, str)):
                return f"/resources/{i}/schema/fields/{j}"
    return ""


_MISSING = object()


def _lookup(doc: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(doc, dict) and part in doc:
            doc = doc[part]
        elif isinstance(doc, list) and part.isdigit() and int(part) < len(doc):
            doc = doc[int(part)]
        else:
            return _MISSING
    return doc


@check("DP102", "descriptor-metadata", reads=DESCRIPTOR_ONLY, work=METADATA)
def descriptor_metadata(pkg: Package) -> Iterator[Problem]:
    """The descriptor has name, title, a semver version, created (RFC 3339), licenses, sources, contributors.

    Fails: ``"version": "1.0"``; passes: ``"version": "1.0.0"``.
    """
    for pointer, message, hint in METADATA.result(pkg):
        yield at_json(DESCRIPTOR, pointer, message, hint=hint)


def metadata_problems(descriptor: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(JSON pointer, message, hint) for each way the descriptor falls short of METADATA_SCHEMA."""
    entry, clean = _clean_before("metadata", descriptor, _METADATA_RULES, cache.library("jsonschema"))
    if clean:
        return []
    from jsonschema import (
        Draft202012Validator,  # jsonschema loads on first use: every tda command would pay its start-up time otherwise
    )

    out: list[tuple[str, str, str | None]] = []
    for err in sorted(
        Draft202012Validator(METADATA_SCHEMA).iter_errors(descriptor), key=lambda e: list(map(str, e.absolute_path))
    ):
        pointer = _pointer(err.absolute_path)
        out.append((pointer, f"{pointer or 'the descriptor'}: {_plain(err)}", _metadata_hint(err)))
    if not out and entry:
        cache.put(entry, "clean")
    return out


def _plain(err: Any) -> str:
    if err.validator == "pattern":
        return f"{err.instance!r} does not have the required form"
    if err.validator == "const":
        return f"must be {err.validator_value!r}"
    return err.message


def _metadata_hint(err: Any) -> str | None:
    path = list(err.absolute_path)
    if path[:1] == ["version"]:
        return "use semantic versioning: MAJOR.MINOR.PATCH, e.g. 1.2.0"
    if path[:1] == ["created"]:
        return "use an RFC 3339 timestamp, e.g. 2026-11-24T00:00:00Z"
    if err.validator == "required":
        return "see the Package metadata section of docs/data-dictionary.md"
    return None


@check("DP103", "path-unsafe", reads=DESCRIPTOR_ONLY)
def paths_stay_inside(pkg: Package) -> Iterator[Problem]:
    """Every path stays inside the package: no absolute path, no '..', no symlink leading out.

    Fails: ``"path": "../secrets.csv"``; passes: ``"path": "data/entities.csv"``.
    """
    for i, res in _resources(pkg):
        paths = res.get("path")
        items = list(enumerate(paths)) if isinstance(paths, list) else [(None, paths)]
        for j, p in items:
            pointer = f"/resources/{i}/path" + (f"/{j}" if j is not None else "")
            if p is None:
                continue
            reason = unsafe_reason(p)
            if reason is None and isinstance(p, str):
                _, reason = resolve_inside(pkg.root, p)
            if reason:
                yield at_json(
                    DESCRIPTOR,
                    pointer,
                    f"resource path {p!r}: {reason}",
                    hint="give a relative path inside the package, such as data/<table>.csv",
                )
    described = {r.get("path") for _, r in _resources(pkg) if isinstance(r.get("path"), str)}  # a path may be any JSON value
    for schema_path, pointer, reason in pkg.path_problems:
        table = next((t for t in pkg.model.tables.values() if t.schema_path == schema_path), None)
        if table is not None and table.path in described:
            continue  # the same path in the descriptor was reported above
        yield at_json(
            schema_path, pointer, f"table path: {reason}", hint="x-table.path must be data/<table>.csv inside the package"
        )
    if pkg.usable("sources"):
        for line, sid, rel in pkg.column_rows("sources", ["id", "path"]):
            if rel is None:
                continue
            reason = unsafe_reason(rel)
            if reason is None:
                _, reason = pkg.seed_path(rel)
            if reason and reason != "no seeds/ directory":
                yield at_cell(
                    pkg,
                    "sources",
                    line,
                    "path",
                    f"source path {rel!r}: {reason}",
                    record=sid,
                    hint="give the file's path relative to seeds/, e.g. publisher-title.txt",
                )


@check("DP104", "resource-missing", reads=DESCRIPTOR_ONLY)
def resources_present(pkg: Package) -> Iterator[Problem]:
    """Every table of the model is a resource of the descriptor and its CSV file exists.

    Fails: schemas/events.schema.json exists but data/events.csv does not.
    """
    index = {r.get("name"): i for i, r in _resources(pkg)}
    for name, loaded in pkg.tables.items():
        if name not in index:
            yield at_json(
                DESCRIPTOR,
                "/resources",
                f"no resource for table {name!r} (schemas/{name}.schema.json)",
                hint="run `tda generate` to rebuild the resources from schemas/",
            )
        target, _ = resolve_inside(pkg.root, loaded.table.path)
        if target is not None and not target.is_file():
            pointer = f"/resources/{index[name]}/path" if name in index else "/resources"
            yield at_json(
                DESCRIPTOR,
                pointer,
                f"{loaded.table.path} (table {name!r}) {not_a_file(target)}",
                hint=f"create it as a file, with the header row from {loaded.table.schema_path}",
            )


@check("DP105", "resource-unknown", reads=DESCRIPTOR_ONLY)
def resources_known(pkg: Package) -> Iterator[Problem]:
    """Each descriptor resource is a table of the model, listed once.

    Fails: a resource named ``victims`` with no schemas/victims.schema.json; two resources named ``entities``.
    """
    seen: set[str] = set()
    for i, res in _resources(pkg):
        name = res.get("name")
        if not isinstance(name, str):
            continue
        if name in seen:
            yield at_json(DESCRIPTOR, f"/resources/{i}/name", f"resource {name!r} is listed twice")
        elif name not in pkg.model.tables:
            yield at_json(
                DESCRIPTOR,
                f"/resources/{i}/name",
                f"resource {name!r} has no table schema in schemas/",
                hint=f"add schemas/{name}.schema.json, or remove the resource",
            )
        seen.add(name)


@check("DP106", "descriptor-stale", reads=DESCRIPTOR_ONLY)
def descriptor_current(pkg: Package) -> Iterator[Problem]:
    """Each resource in datapackage.json equals the one generated from schemas/ (one source of truth).

    Fails: a field added to schemas/entities.schema.json but not to datapackage.json.
    """
    generated = {r["name"]: r for r in descriptor_resources(pkg.model)}
    order = [r["name"] for r in descriptor_resources(pkg.model)]
    present = [r.get("name") for _, r in _resources(pkg)]
    for i, res in _resources(pkg):
        want = generated.get(res.get("name"))
        if want is None:
            continue
        for key in sorted(set(want) | set(res)):
            if json.dumps(want.get(key), sort_keys=True) != json.dumps(res.get(key), sort_keys=True):
                yield at_json(
                    DESCRIPTOR,
                    f"/resources/{i}/{key}",
                    f"resource {res.get('name')!r}: {key!r} differs from what schemas/ generates",
                    hint="run `tda generate` (schemas/*.schema.json is the source; datapackage.json is generated)",
                )
    known = [n for n in present if n in generated]
    if known != [n for n in order if n in known]:
        yield at_json(DESCRIPTOR, "/resources", "resources are not in the generated order", hint="run `tda generate`")


@check("DP107", "contract-violated", reads=DESCRIPTOR_ONLY)
def contract_kept(pkg: Package) -> Iterator[Problem]:
    """The schemas keep the contract: every table, fixed column, id prefix and base vocabulary.

    Fails: schemas/relations.schema.json without ``claim_status``; passes: extra columns added.
    """
    for name, (prefix, columns) in CONTRACT_COLUMNS.items():
        table = pkg.model.table(name)
        if table is None:
            yield found(
                f"the contract table {name!r} has no schema",
                path="schemas",
                line=None,
                hint=f"restore schemas/{name}.schema.json (every package has this table: docs/data-dictionary.md)",
            )
            continue
        if table.id_prefix != prefix:
            yield at_json(table.schema_path, "/x-table/idPrefix", f"table {name!r} must use the id prefix {prefix!r}")
        missing = [c for c in columns if c not in table.field_names]
        for c in missing:
            yield at_json(
                table.schema_path,
                "/properties",
                f"table {name!r} lacks the fixed column {c!r}",
                hint="columns may be added, never dropped or renamed (docs/data-dictionary.md)",
            )
    for (name, column), terms in CONTRACT_VOCABULARIES.items():
        tables = [name] if name != "relations" else ["relations", "presence", "activities", "events"]
        for tname in tables:
            table = pkg.model.table(tname)
            f = table.field(column) if table else None
            if table is None or f is None or f.enum is None:
                continue
            lost = sorted(terms - set(f.enum))
            if lost:
                yield at_json(
                    table.schema_path, f"/properties/{column}/enum", f"{tname}.{column} drops contract terms: {', '.join(lost)}"
                )
