"""tda build: each release format checked by its real consumer, determinism, redaction.

The base test package (with coordinates added to one place, so that the GeoJSON has a place
where an entity is present) is built once per session, unredacted and redacted; each test reads
those builds.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import socket
import sqlite3
import subprocess
import sys
import time
import unicodedata
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case

from validator import load, validate
from validator.cli.main import main
from validator.publish.build import BuildResult, build

pytestmark = pytest.mark.slow  # builds releases (every format) and reads them with the real consumers

ROOT = Path(__file__).resolve().parents[1]
PKG = "tda-test-base"  # the base package's name
NAME = f"{PKG}-0.1.0"
TABLES = [
    "activities",
    "citations",
    "entities",
    "event_actors",
    "events",
    "locations",
    "presence",
    "relations",
    "retired",
    "sources",
]
PROTECTED_FORMS = ["oswaldo gonzalez", "oswaldo-gonzalez", "oswaldo", "gonzalez"]  # folded: no accents, lower case


def derived_columns(schema: dict) -> list[str]:
    """The release columns that follow a table's own (docs/releases.md, "Derived columns")."""
    out = [
        f"{name}_{which}"
        for name, p in schema["properties"].items()
        if p.get("format") == "edtf"
        for which in ("earliest", "latest")
    ]
    return out + (["category"] if schema["x-table"]["name"] == "relations" else [])


def _add_coordinates(pkg: Path) -> Path:
    path = pkg / "data" / "locations.csv"
    text = path.read_text(encoding="utf-8")
    old = "loc-tocoron-prison,prison,Tocorón prison,loc-aragua,,,,,,false\n"
    assert old in text
    path.write_text(
        text.replace(old, "loc-tocoron-prison,prison,Tocorón prison,loc-aragua,,,10.1,-67.4,near,false\n"), encoding="utf-8"
    )
    return pkg


@pytest.fixture(scope="session")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pkg = _add_coordinates(build_base(tmp_path_factory.mktemp("pkg") / "p"))
    for rel in (
        "LICENSE-DATA.md",
        "DATA-CHANGELOG.md",
        "docs/data-dictionary.md",
        "seeds/README.md",
    ):  # files a release carries along
        (pkg / rel).parent.mkdir(exist_ok=True)
        (pkg / rel).write_bytes((ROOT / rel).read_bytes())
    return pkg


@pytest.fixture(scope="session")
def built(package: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Both builds, with what the library printed (nothing) and the progress steps it reported."""
    out = tmp_path_factory.mktemp("dist")
    steps: list[tuple[str, int, int]] = []
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
        full = build(package, out, progress=lambda *a: steps.append(a))
        redacted = build(package, out, redact_protected=True)
    return {"full": full, "redacted": redacted, "steps": steps, "printed": printed.getvalue(), "out": out}


@pytest.fixture(scope="session", params=["full", "redacted"])
def release(request: pytest.FixtureRequest, built: dict) -> BuildResult:
    return built[request.param]


def files_of(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


# --- layout, checksums, zip, determinism -----------------------------------------------------------


def test_release_layout(built: dict) -> None:
    full: BuildResult = built["full"]
    assert full.directory == built["out"] / NAME and full.archive == built["out"] / f"{NAME}.zip"
    assert built["redacted"].directory.name == f"{NAME}-redacted"
    expected = {
        "CITATION.cff",
        "DATA-CHANGELOG.md",
        "LICENSE-DATA.md",
        "README.md",
        "SHA256SUMS",
        "annotations.jsonld",
        "codebook/columns.csv",
        "codebook/vocabularies.csv",
        "datapackage.json",
        "docs/data-dictionary.md",
        f"excel/{PKG}.xlsx",
        f"ftm/{PKG}.ftm.json",
        "geo/locations.geojson",
        f"graph/{PKG}.gexf",
        f"graph/{PKG}.graphml",
        "seeds/README.md",
        "seeds/insightcrime-tren-de-aragua-profile.txt",
        "sqlite/metadata.json",
        f"sqlite/{PKG}.db",
    }
    for t in TABLES:
        expected |= {f"data/{t}.csv", f"schemas/{t}.schema.json", f"json/{t}.json", f"parquet/{t}.parquet"}
    assert files_of(full.directory) == sorted(expected) == list(full.files)
    assert not [p for p in built["out"].iterdir() if p.name.startswith(".")], "a temporary build directory was left behind"


def test_library_prints_nothing_and_reports_progress(built: dict) -> None:
    assert built["printed"] == ""
    steps = built["steps"]
    assert [s[1] for s in steps] == list(range(1, len(steps) + 1))
    assert {s[2] for s in steps} == {len(steps)}
    assert steps[0][0] == "validating the package" and steps[-1][0] == "writing the zip"


def test_checksums_cover_every_file(release: BuildResult) -> None:
    lines = (release.directory / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    listed = {}
    for line in lines:
        digest, rel = line.split("  ", 1)
        listed[rel] = digest
    assert sorted(listed) == [f for f in files_of(release.directory) if f != "SHA256SUMS"]
    for rel, digest in listed.items():
        assert hashlib.sha256((release.directory / rel).read_bytes()).hexdigest() == digest, rel


def test_zip_holds_the_release_with_fixed_times(release: BuildResult) -> None:
    with zipfile.ZipFile(release.archive) as zf:
        names = zf.namelist()
        assert names == sorted(names) == [f"{release.directory.name}/{f}" for f in release.files]
        for info in zf.infolist():
            assert info.date_time == (2026, 11, 24, 0, 0, 0)
            assert zf.read(info) == (release.directory.parent / info.filename).read_bytes()


def test_two_builds_are_byte_identical(package: Path, built: dict, tmp_path: Path) -> None:
    again = build(package, tmp_path)
    first: BuildResult = built["full"]
    assert files_of(again.directory) == files_of(first.directory)
    for rel in files_of(first.directory):
        assert (again.directory / rel).read_bytes() == (first.directory / rel).read_bytes(), rel
    assert again.archive.read_bytes() == first.archive.read_bytes()


# --- the data package: tda validate, frictionless, JSON Schema -------------------------------------


def test_tda_validates_the_release(release: BuildResult) -> None:
    report = validate(release.directory, max_per_group=0)
    assert report.errors == 0 and report.warnings == 0, [f"{p.path}:{p.line} {p.code} {p.message}" for p in report.problems]
    assert report.rows["entities"] == 4 and report.rows["citations"] == 18


def test_frictionless_validates_the_release(release: BuildResult) -> None:
    exe = Path(sys.executable).with_name("frictionless")
    result = subprocess.run(
        [str(exe), "validate", "datapackage.json"], cwd=release.directory, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_unredacted_csv_and_descriptor_are_the_package_files(package: Path, built: dict) -> None:
    full: BuildResult = built["full"]
    for rel in [f"data/{t}.csv" for t in TABLES] + ["datapackage.json", "seeds/insightcrime-tren-de-aragua-profile.txt"]:
        assert (full.directory / rel).read_bytes() == (package / rel).read_bytes(), rel


def test_json_records_validate_against_the_schemas(release: BuildResult) -> None:
    from jsonschema import Draft202012Validator

    for t in TABLES:
        schema = json.loads((release.directory / f"schemas/{t}.schema.json").read_text(encoding="utf-8"))
        records = json.loads((release.directory / f"json/{t}.json").read_text(encoding="utf-8"))
        assert len(records) == len((release.directory / f"data/{t}.csv").read_text(encoding="utf-8").splitlines()) - 1
        validator = Draft202012Validator(schema)
        derived = derived_columns(schema)
        for rec in records:
            assert list(rec) == list(schema["properties"]) + derived
            own = {k: v for k, v in rec.items() if k not in derived}
            errors = [e.message for e in validator.iter_errors(own)]
            assert not errors, (t, rec["id"], errors)
    entities = {e["id"]: e for e in json.loads((release.directory / "json/entities.json").read_text(encoding="utf-8"))}
    assert entities["ent-eln"]["aliases"] == ["Ejército de Liberación Nacional", "ELN"]
    assert entities["ent-eln"]["protected"] is False
    places = {p["id"]: p for p in json.loads((release.directory / "json/locations.json").read_text(encoding="utf-8"))}
    assert places["loc-maracay"]["latitude"] == 10.24972 and places["loc-maracay"]["geonames_id"] == 3632998
    assert places["loc-aragua"]["latitude"] is None and places["loc-venezuela"]["parent_id"] is None
    relations = {r["id"]: r for r in json.loads((release.directory / "json/relations.json").read_text(encoding="utf-8"))}
    eln = relations["rel-tren-de-aragua-conflict-eln"]
    assert (eln["start"], eln["start_earliest"], eln["start_latest"]) == ("2018", "2018-01-01", "2018-12-31")
    assert eln["end_earliest"] is None and eln["end_latest"] is None and eln["category"] == "hostility"


# --- Parquet -----------------------------------------------------------------------------------------


def expected_arrow(prop: dict) -> str:
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    base = next(t for t in types if t != "null")
    if base == "array":
        return "list<element: string>"
    if base == "string" and prop.get("format") == "date":
        return "date32[day]"
    return {"integer": "int64", "number": "double", "boolean": "bool"}.get(base, "string")


def test_parquet_has_the_declared_types(release: BuildResult) -> None:
    import duckdb
    import pyarrow.parquet as pq

    for t in TABLES:
        schema = json.loads((release.directory / f"schemas/{t}.schema.json").read_text(encoding="utf-8"))
        table = pq.read_table(release.directory / f"parquet/{t}.parquet")
        derived = derived_columns(schema)
        assert table.column_names == list(schema["properties"]) + derived
        for name in derived:
            assert str(table.schema.field(name).type) == ("string" if name == "category" else "date32[day]"), (t, name)
            assert table.schema.field(name).metadata[b"description"].startswith(b"Derived from"), (t, name)
        for name, prop in schema["properties"].items():
            field = table.schema.field(name)
            assert str(field.type).replace("item", "element") == expected_arrow(prop), (t, name, field.type)
            assert field.nullable == (name not in schema["required"] or "null" in prop["type"] or prop["type"] == "array"), (
                t,
                name,
            )
        records = json.loads((release.directory / f"json/{t}.json").read_text(encoding="utf-8"))
        assert table.num_rows == len(records)
    con = duckdb.connect()
    path = release.directory / "parquet"
    kinds = dict(
        con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{path}/locations.parquet')").fetchall()
    )
    assert kinds["latitude"] == "DOUBLE" and kinds["geonames_id"] == "BIGINT" and kinds["name"] == "VARCHAR"
    kinds = dict(
        con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{path}/entities.parquet')").fetchall()
    )
    assert kinds["aliases"] == "VARCHAR[]" and kinds["protected"] == "BOOLEAN"
    assert con.execute(f"SELECT retrieved FROM '{path}/sources.parquet'").fetchone()[0].isoformat() == "2026-11-24"
    row = con.execute(
        f"SELECT start_earliest, start_latest, end_latest, category FROM '{path}/relations.parquet' "
        "WHERE id = 'rel-guerrero-killed-oswaldo-gonzalez' OR id = 'rel-guerrero-killed-protected-1'"
    ).fetchone()
    assert [v.isoformat() if v else v for v in row[:3]] == ["2005-01-01", "2005-12-31", None] and row[3] == "violence"
    assert con.execute(f"SELECT aliases FROM '{path}/entities.parquet' WHERE id = 'ent-eln'").fetchone()[0] == [
        "Ejército de Liberación Nacional",
        "ELN",
    ]


# --- SQLite and Datasette ----------------------------------------------------------------------------


def test_sqlite_keys_indexes_and_search(release: BuildResult) -> None:
    con = sqlite3.connect(f"file:{release.directory / 'sqlite' / (PKG + '.db')}?mode=ro", uri=True)
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for t in TABLES:
        count = con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]
        assert count == len(json.loads((release.directory / f"json/{t}.json").read_text(encoding="utf-8"))), t
        pk = [row[1] for row in con.execute(f'PRAGMA table_info("{t}")') if row[5]]
        assert pk == ["id"], t
    fks = {(r[3], r[2], r[4]) for r in con.execute('PRAGMA foreign_key_list("relations")')}
    assert fks == {("subject_id", "entities", "id"), ("object_id", "entities", "id")}
    arcs = {r[3]: r[2] for r in con.execute('PRAGMA foreign_key_list("citations")')}
    assert (
        arcs["source_id"] == "sources" and arcs["record_entities"] == "entities" and arcs["record_event_actors"] == "event_actors"
    )
    indexed = {
        con.execute(f'PRAGMA index_info("{name}")').fetchone()[2]
        for (name,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'relations' AND name LIKE 'idx_%'"
        )
    }
    assert indexed == {"subject_id", "object_id"}
    for rid, table, *arc_values in con.execute(
        "SELECT record_id, record_table, record_activities, record_entities, record_event_actors, record_events, "
        "record_locations, record_presence, record_relations FROM citations"
    ):
        assert [v for v in arc_values if v is not None] == [rid] and table
    bounds = con.execute("SELECT date_earliest, date_latest FROM events WHERE id = 'evt-2023-09-20-tocoron-operation'").fetchone()
    assert bounds == ("2023-09-20", "2023-09-20")
    assert con.execute("SELECT category FROM relations WHERE id = 'rel-guerrero-leader-of-tren-de-aragua'").fetchone() == (
        "hierarchy",
    )
    aliases = con.execute("SELECT aliases FROM entities WHERE id = 'ent-eln'").fetchone()[0]
    assert json.loads(aliases) == ["Ejército de Liberación Nacional", "ELN"]
    found = con.execute(
        "SELECT e.id FROM entities_fts JOIN entities e ON e.rowid = entities_fts.rowid WHERE entities_fts MATCH 'nino'"
    ).fetchall()
    assert found == [("ent-hector-rustherford-guerrero-flores",)]  # the alias Niño, found without its accent
    quotes = con.execute("SELECT count(*) FROM citations_fts WHERE citations_fts MATCH 'extortion'").fetchone()[0]
    assert quotes == 1


def test_sqlite_arcs_are_real_foreign_keys(built: dict, tmp_path: Path) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes((built["full"].directory / f"sqlite/{PKG}.db").read_bytes())
    con = sqlite3.connect(db)
    con.execute("UPDATE citations SET record_entities = 'ent-nobody' WHERE record_entities IS NOT NULL AND id = 'cit-ent-eln-1'")
    assert [(r[0], r[2]) for r in con.execute("PRAGMA foreign_key_check")] == [("citations", "entities")]
    with pytest.raises(sqlite3.IntegrityError):  # the CHECK: exactly one arc set
        con.execute("UPDATE citations SET record_locations = 'loc-aragua' WHERE id = 'cit-ent-eln-1'")


def test_sqlite_tombstone_may_have_no_replacement() -> None:
    """retired.replaced_by is optional: empty sets no arc, a replacement sets exactly one."""
    from validator.publish.export.sqlite import create_table_sql, row_values
    from validator.reading.model import load_model

    retired = load_model(ROOT / "schemas").tables["retired"]
    con = sqlite3.connect(":memory:")  # foreign keys off: the rows they point to are not loaded here
    con.execute(create_table_sql(retired))
    marks = ", ".join("?" * (len(retired.fields) + sum(1 + len(a) for a in retired.polymorphic.values())))
    insert = f"INSERT INTO retired VALUES ({marks})"
    nothing = {"id": "loc-gone", "reason": "error", "replaced_by": None, "version": "0.2.0", "note": None}
    merged = {"id": "ent-old", "reason": "merged", "replaced_by": "ent-new", "version": "0.2.0", "note": None}
    con.execute(insert, row_values(retired, nothing))
    con.execute(insert, row_values(retired, merged))
    rows = con.execute("SELECT id, replaced_by_table, replaced_by_entities, replaced_by_locations FROM retired ORDER BY id")
    assert rows.fetchall() == [("ent-old", "entities", "ent-new", None), ("loc-gone", None, None, None)]
    with pytest.raises(sqlite3.IntegrityError):  # an arc set without a replacement
        con.execute("UPDATE retired SET replaced_by_locations = 'loc-x' WHERE id = 'loc-gone'")
    with pytest.raises(sqlite3.IntegrityError):  # a replacement without its arc
        con.execute("UPDATE retired SET replaced_by_entities = NULL WHERE id = 'ent-old'")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, bytes]:
    with opener.open(url, timeout=10) as resp:
        return resp.status, resp.read()


def test_datasette_serves_the_database(built: dict) -> None:
    release: BuildResult = built["full"]
    port = _free_port()
    exe = Path(sys.executable).with_name("datasette")
    args = [
        str(exe),
        "serve",
        "--immutable",
        f"sqlite/{PKG}.db",
        "-m",
        "sqlite/metadata.json",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    proc = subprocess.Popen(args, cwd=release.directory, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback only, never a proxy
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(opener, f"{base}/-/versions.json")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stdout.read().decode() if proc.stdout else "datasette exited"
                assert time.monotonic() < deadline, "datasette did not start within 60 s"
                time.sleep(0.2)
        status, body = _get(opener, f"{base}/{PKG}/entities.json?_shape=array")
        rows = json.loads(body)
        assert status == 200 and sorted(r["id"] for r in rows) == [
            "ent-eln",
            "ent-hector-rustherford-guerrero-flores",
            "ent-oswaldo-gonzalez",
            "ent-tren-de-aragua",
        ]
        status, body = _get(opener, f"{base}/{PKG}/entities.json?_search=nino&_shape=array")
        assert status == 200 and [r["id"] for r in json.loads(body)] == ["ent-hector-rustherford-guerrero-flores"]
        status, body = _get(opener, f"{base}/{PKG}/citations")
        assert status == 200 and b"cit-ent-eln-1" in body
        status, body = _get(opener, f"{base}/-/metadata.json")
        meta = json.loads(body)["databases"][PKG]["tables"]["entities"]
        assert meta["description"].startswith("People, groups and institutions") and meta["columns"]["name"]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# --- GeoJSON, graphs, FollowTheMoney, CITATION.cff ---------------------------------------------------


def test_geojson_is_valid_and_says_who_is_where(release: BuildResult) -> None:
    from geojson_pydantic import FeatureCollection
    from test_places import assert_rfc7946

    text = (release.directory / "geo/locations.geojson").read_text(encoding="utf-8")
    collection = FeatureCollection.model_validate_json(text)
    assert_rfc7946(json.loads(text))
    features = {f.id: f for f in collection.features}
    locations = json.loads((release.directory / "json/locations.json").read_text(encoding="utf-8"))
    assert sorted(features) == sorted(loc["id"] for loc in locations)  # every place, located or not
    kinds = {i: f.geometry.type if f.geometry else None for i, f in features.items()}
    assert kinds == {
        "loc-aragua": "Polygon",  # VE-D, Natural Earth admin-1
        "loc-colombia": "MultiPolygon",  # CO, Natural Earth admin-0 (with its islands)
        "loc-maracay": "Point",
        "loc-tocoron-prison": "Point",
        "loc-venezuela": "MultiPolygon",
    }
    assert list(features["loc-maracay"].geometry.coordinates) == [-67.59587, 10.24972]  # longitude first, unchanged
    assert list(features["loc-tocoron-prison"].geometry.coordinates) == [-67.4, 10.1]
    assert features["loc-aragua"].properties["geometry_source"].startswith("Natural Earth 1:10m Admin 1")
    assert features["loc-maracay"].properties["geo_precision"] == "point"
    (present,) = features["loc-tocoron-prison"].properties["presence"]
    assert present["entity_id"] == "ent-tren-de-aragua" and present["entity_name"] == "Tren de Aragua"
    assert present["presence_type"] == "headquarters" and present["claim_status"] == "reported"
    (event,) = features["loc-tocoron-prison"].properties["events"]
    assert event["id"] == "evt-2023-09-20-tocoron-operation"
    summary = features["loc-tocoron-prison"].properties["summary"]
    assert "Tren de Aragua headquarters (reported" in summary and "Events: " in summary
    assert features["loc-venezuela"].properties["summary"] == ""  # nothing recorded at the country itself


def test_graphml_and_gexf_read_back_in_networkx(release: BuildResult) -> None:
    import networkx as nx

    graphml = nx.read_graphml(release.directory / f"graph/{PKG}.graphml", force_multigraph=True)
    gexf = nx.read_gexf(release.directory / f"graph/{PKG}.gexf")
    entities = json.loads((release.directory / "json/entities.json").read_text(encoding="utf-8"))
    relations = json.loads((release.directory / "json/relations.json").read_text(encoding="utf-8"))
    for g in (graphml, gexf):
        assert g.is_directed()
        assert g.number_of_nodes() == len(entities) and g.number_of_edges() == len(relations)
        assert sorted(g.nodes) == sorted(e["id"] for e in entities)
        edges = {d["relation_type"]: (u, v, d) for u, v, d in g.edges(data=True)}
        u, v, d = edges["armed_conflict_with"]
        assert (u, v) == ("ent-tren-de-aragua", "ent-eln")
        assert d["claim_status"] == "reported" and d["start_edtf"] == "2018" and d["symmetric"] is True
        assert (d["start_earliest"], d["start_latest"], d["category"]) == ("2018-01-01", "2018-12-31", "hostility")
        assert "end_edtf" not in d and "end_latest" not in d  # an empty end is an absent attribute
        assert edges["killed"][2]["claim_status"] == "attributed"
    assert graphml.nodes["ent-eln"]["label"] == "National Liberation Army"
    assert gexf.nodes["ent-eln"]["label"] == "National Liberation Army"
    assert b'lastmodifieddate="2026-11-24"' in (release.directory / f"graph/{PKG}.gexf").read_bytes()


def test_followthemoney_accepts_every_entity(release: BuildResult) -> None:
    from followthemoney import model

    lines = (release.directory / f"ftm/{PKG}.ftm.json").read_text(encoding="utf-8").splitlines()
    ids = set()
    schemata: dict[str, str] = {}
    for line in lines:
        data = json.loads(line)
        proxy = model.get_proxy(data, cleaned=False)  # cleans every value by its property type
        proxy.schema.validate(data)  # raises on a missing required property or a bad value
        cleaned = {k: sorted(v) for k, v in proxy.to_dict()["properties"].items()}
        assert cleaned == {k: sorted(v) for k, v in data["properties"].items()}, (
            f"followthemoney dropped or changed values: {data['id']}"
        )
        ids.add(proxy.id)
        schemata[proxy.id] = proxy.schema.name
    for line in lines:  # every entity a relation or event names is in the file
        proxy = model.get_proxy(json.loads(line))
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in ids, (proxy.id, prop.name, value)
    relations = json.loads((release.directory / "json/relations.json").read_text(encoding="utf-8"))
    assert len(lines) == 4 + len(relations) + 1  # entities, relations, events
    full = release.directory.name == NAME
    guerrero = "ent-hector-rustherford-guerrero-flores"
    assert schemata[guerrero] == "Person" and schemata["ent-tren-de-aragua"] == "Organization"
    assert schemata["rel-guerrero-leader-of-tren-de-aragua"] == "Directorship"
    assert schemata["rel-tren-de-aragua-conflict-eln"] == "UnknownLink"
    assert schemata["rel-guerrero-killed-oswaldo-gonzalez" if full else "rel-guerrero-killed-protected-1"] == "UnknownLink"
    assert schemata["evt-2023-09-20-tocoron-operation"] == "Event"


def _cff_errors(path: Path) -> list[str]:
    from rs_metadata.adapters.cff import CffAdapter
    from rs_metadata.diagnostics import Severity

    adapter = CffAdapter()
    parsed = adapter.parse(path, "CITATION.cff")
    return [d.message for d in adapter.validate_source(parsed) if d.severity == Severity.ERROR]


def test_citation_cff_is_valid(release: BuildResult, tmp_path: Path) -> None:
    path = release.directory / "CITATION.cff"
    assert _cff_errors(path) == []
    text = path.read_text(encoding="utf-8")
    assert "version: 0.1.0" in text and "type: dataset" in text and "https://insightcrime.org/" in text
    broken = tmp_path / "CITATION.cff"  # the validator does reject what is wrong
    broken.write_text(text.replace("authors:", "writers:"), encoding="utf-8")
    assert any("authors" in e for e in _cff_errors(broken))


# --- redaction -------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _texts(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    """Every text a file holds: its raw bytes, and what its format stores compressed or encoded."""
    yield name, data.decode("utf-8", errors="ignore")
    if name.endswith((".zip", ".xlsx")):  # a workbook is a zip of XML files
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for member in zf.namelist():
                yield from _texts(f"{name}!{member}", zf.read(member))
    elif name.endswith(".parquet"):
        import pyarrow.parquet as pq

        yield name, json.dumps(pq.read_table(io.BytesIO(data)).to_pylist(), default=str, ensure_ascii=False)
    elif name.endswith(".db"):
        con = sqlite3.connect(":memory:")
        con.deserialize(data)
        yield name, "\n".join(con.iterdump())


def test_redacted_release_never_names_a_protected_person(built: dict) -> None:
    redacted: BuildResult = built["redacted"]
    checked = 0
    for path in [*(redacted.directory / f for f in redacted.files), redacted.archive]:
        for label, text in _texts(str(path), path.read_bytes()):
            folded = _fold(text)
            leaks = [form for form in PROTECTED_FORMS if form in folded]
            assert not leaks, f"{label} names a protected person: {leaks}"
            checked += 1
    assert checked > len(redacted.files) * 2  # the zip's members and the database were searched too
    # the unredacted build does name them: the search above can find what it looks for
    full: BuildResult = built["full"]
    assert "oswaldo gonzalez" in _fold((full.directory / "data/entities.csv").read_text(encoding="utf-8"))


def test_redacted_release_keeps_the_placeholder_consistent(built: dict) -> None:
    ds = load(built["redacted"].directory)
    person = ds.get("ent-protected-1")
    assert person == {
        "id": "ent-protected-1",
        "type": "person",
        "name": "Protected person 1",
        "aliases": [],
        "description": "A private person this release does not name (protected).",
        "protected": True,
        "name_descriptive": False,
    }
    (killed,) = ds.relations_of("ent-protected-1", "in")
    assert killed["id"] == "rel-guerrero-killed-protected-1" and killed["subject_id"] == "ent-hector-rustherford-guerrero-flores"
    quotes = [c.quote for c in ds.citations_of("ent-protected-1")]
    assert quotes == ["murdered [protected person 1], a police officer in Aragua"]
    assert [c.quote for c in ds.citations_of("rel-guerrero-killed-protected-1")][0].endswith(
        "murdered [protected person 1], a police officer in Aragua."
    )
    assert ds.get("ent-oswaldo-gonzalez") is None


# --- the command line ------------------------------------------------------------------------------


def test_cli_builds_and_reports(package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(package), "--out", str(tmp_path), "--redact-protected"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"built {tmp_path / (NAME + '-redacted')}/ (59 files, ")
    assert "redacted: 1 protected person(s) replaced by placeholders" in out
    assert err == ""  # not a terminal: no progress display


def test_cli_refuses_an_invalid_package(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pkg = build_case(CASES / "KY504", tmp_path / "p")
    assert main(["build", str(pkg), "--out", str(tmp_path / "dist"), "--redact-protected"]) == 1
    out, err = capsys.readouterr()
    assert "data/relations.csv:4:72: KY504 object_id 'ent-unknown' is not an id in entities" in out
    assert "build refused" in err
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_cli_will_not_replace_what_is_not_a_release(package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / NAME).mkdir()
    (tmp_path / NAME / "notes.txt").write_text("mine", encoding="utf-8")
    assert main(["build", str(package), "--out", str(tmp_path)]) == 2
    assert "is not a release built by tda" in capsys.readouterr().err
    assert (tmp_path / NAME / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_progress_display_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    from validator.cli.commands.build import progress_display

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sys, "stderr", Terminal())
    with progress_display() as show:
        assert show is not None
        show("writing Parquet", 3, 10)
    monkeypatch.setenv("CI", "true")
    with progress_display() as show:
        assert show is None
    monkeypatch.delenv("CI")
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_display() as show:
        assert show is None


def test_load_reads_a_release_as_the_package(package: Path, built: dict) -> None:
    assert load(built["full"].directory).tables == load(package).tables


def test_build_says_which_extra_is_missing(package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from validator import CannotRun

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "followthemoney" else real(name, *a))
    with pytest.raises(CannotRun, match="needs followthemoney") as exc:
        build(package, tmp_path)
    assert "[build]" in (exc.value.hint or "") and not list(tmp_path.iterdir())
