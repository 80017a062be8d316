"""validator.load(): typed records and the helpers that follow references; the redaction rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case

from validator import CannotRun, InvalidPackage, load
from validator.publish.api import Dataset
from validator.publish.redact import redact, slug

GUERRERO = "ent-hector-rustherford-guerrero-flores"
TDA = "ent-tren-de-aragua"


@pytest.fixture(scope="module")
def ds(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    return load(build_base(tmp_path_factory.mktemp("api") / "p"))


def test_records_are_typed_as_the_schemas_say(ds: Dataset) -> None:
    assert ds.name == "tda-test-base" and ds.version == "0.1.0"
    assert list(ds) == [
        "sources",
        "entities",
        "locations",
        "relations",
        "presence",
        "activities",
        "events",
        "event_actors",
        "citations",
        "retired",
    ]
    eln = ds.get("ent-eln")
    assert eln == {
        "id": "ent-eln",
        "type": "armed_group",
        "name": "National Liberation Army",
        "aliases": ["Ejército de Liberación Nacional", "ELN"],
        "description": "Colombian guerrilla group active on the Venezuela-Colombia border.",
        "protected": False,
        "name_descriptive": False,
    }
    assert ds.get("ent-oswaldo-gonzalez")["aliases"] == [] and ds.get("ent-oswaldo-gonzalez")["protected"] is True
    maracay = ds.get("loc-maracay")
    assert maracay["latitude"] == 10.24972 and isinstance(maracay["latitude"], float)
    assert maracay["geonames_id"] == 3632998 and maracay["iso_code"] is None
    assert ds.get("loc-venezuela")["parent_id"] is None
    assert ds.get("src-insightcrime-tda-profile")["retrieved"] == "2026-11-24"
    assert [r["id"] for r in ds["relations"]] == sorted(r["id"] for r in ds["relations"])


def test_lookup_by_id(ds: Dataset) -> None:
    assert ds.table_of("loc-aragua") == "locations" and ds.table_of("cit-ent-eln-1") == "citations"
    assert ds.get("ent-nobody") is None and ds.table_of("ent-nobody") is None


def test_relations_in_and_out(ds: Dataset) -> None:
    out = [r["id"] for r in ds.relations_of(GUERRERO, "out")]
    assert out == ["rel-guerrero-killed-oswaldo-gonzalez", "rel-guerrero-leader-of-tren-de-aragua"]
    assert [r["id"] for r in ds.relations_of(GUERRERO, "in")] == []
    assert [r["id"] for r in ds.relations_of(TDA, "in")] == ["rel-guerrero-leader-of-tren-de-aragua"]
    assert [r["id"] for r in ds.relations_of(TDA)] == ["rel-guerrero-leader-of-tren-de-aragua", "rel-tren-de-aragua-conflict-eln"]
    with pytest.raises(ValueError):
        ds.relations_of(TDA, "sideways")


def test_presence_activities_events(ds: Dataset) -> None:
    (pre,) = ds.presence_of(TDA)
    assert pre["location_id"] == "loc-tocoron-prison" and pre["type"] == "headquarters"
    assert ds.present_at("loc-tocoron-prison") == [pre]
    assert [a["activity"] for a in ds.activities_of(TDA)] == ["extortion"]
    (inv,) = ds.events_of(TDA)
    assert inv.role == "target" and inv.event["id"] == "evt-2023-09-20-tocoron-operation"
    assert inv.actor["id"] == "eva-2023-09-20-tocoron-operation-tren-de-aragua"
    assert [a.actor["entity_id"] for a in ds.actors_of("evt-2023-09-20-tocoron-operation")] == [TDA]
    assert ds.events_of("ent-eln") == []


def test_citations_with_quotes_and_sources(ds: Dataset) -> None:
    cited = ds.citations_of("rel-tren-de-aragua-conflict-eln")
    assert [c.citation["id"] for c in cited] == [
        "cit-rel-tren-de-aragua-conflict-eln-1",
        "cit-rel-tren-de-aragua-conflict-eln-2",
        "cit-rel-tren-de-aragua-conflict-eln-3",
    ]
    assert cited[0].quote == "The gang fought guerrilla groups such as the National Liberation Army"
    assert cited[0].source["publisher"] == "InSight Crime"


def test_places_and_references(ds: Dataset) -> None:
    assert [p["id"] for p in ds.parents_of("loc-tocoron-prison")] == ["loc-aragua", "loc-venezuela"]
    assert ds.parents_of("loc-venezuela") == []
    refs = {(t, c, r["id"]) for t, c, r in ds.references_to("loc-tocoron-prison")}
    assert refs == {
        ("presence", "location_id", "pre-tren-de-aragua-tocoron-headquarters"),
        ("events", "location_id", "evt-2023-09-20-tocoron-operation"),
        ("citations", "record_id", "cit-loc-tocoron-prison-1"),
    }


def test_load_check_refuses_an_invalid_package(tmp_path: Path) -> None:
    pkg = build_case(CASES / "KY504", tmp_path / "p")
    assert load(pkg).get("rel-tren-de-aragua-conflict-eln")["object_id"] == "ent-unknown"  # without check: what the data holds
    with pytest.raises(InvalidPackage) as exc:
        load(pkg, check=True)
    assert [p.code for p in exc.value.report.problems] == ["KY504"]


def test_load_says_which_cell_cannot_be_typed(tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "p")
    path = pkg / "data/locations.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("10.24972", "north"), encoding="utf-8")
    with pytest.raises(CannotRun, match=r"data/locations.csv:4: latitude 'north' is not a number"):
        load(pkg)
    with pytest.raises(CannotRun, match="no such directory"):
        load(tmp_path / "missing")


# --- redaction rules --------------------------------------------------------------------------------


def _with(ds: Dataset, table: str, changes: dict[str, dict]) -> Dataset:
    tables = {name: [dict(r) for r in rows] for name, rows in ds.tables.items()}
    for rec in tables[table]:
        rec.update(changes.get(rec["id"], {}))
    return ds.replace_tables(tables)


def test_redaction_finds_every_spelling(ds: Dataset) -> None:
    ds2 = _with(ds, "entities", {"ent-oswaldo-gonzalez": {"aliases": ["El Policía", "Os"]}})
    seed = (
        "OSWALDO GONZÁLEZ was here. Oswaldo\n  Gonzalez too. oswaldo gonzález, and El Policia. "
        "Oswaldo González-Pérez is someone else? No: 'González' alone is not an alias. Os stays (too short)."
    ).encode()
    _, seeds, redaction = redact(ds2, {"doc.txt": seed})
    text = seeds["doc.txt"].decode()
    assert text == (
        "[protected person 1] was here. [protected person 1] too. [protected person 1], and [protected person 1]. "
        "[protected person 1]-Pérez is someone else? No: 'González' alone is not an alias. Os stays (too short)."
    )
    assert redaction.ident("rel-x-killed-oswaldo-gonzalez") == "rel-x-killed-protected-1"
    assert redaction.ident("cit-ent-oswaldo-gonzalez-1") == "cit-ent-protected-1-1"
    assert redaction.ident("ent-oswaldo-gonzalezz") == "ent-oswaldo-gonzalezz"  # whole words of an id only


def test_redaction_rewrites_keys_consistently(ds: Dataset) -> None:
    red, seeds, _ = redact(ds, {"insightcrime-tren-de-aragua-profile.txt": b"murdered Oswaldo Gonz\xc3\xa1lez, a police officer"})
    ids = {rec["id"] for rows in red.tables.values() for rec in rows}
    assert not [i for i in ids if "oswaldo" in i]
    assert {r["object_id"] for r in red["relations"]} >= {"ent-protected-1"}
    assert {c["record_id"] for c in red["citations"]} >= {"ent-protected-1", "rel-guerrero-killed-protected-1"}
    for rows in red.tables.values():
        assert [r["id"] for r in rows] == sorted(r["id"] for r in rows)
    src = red.get("src-insightcrime-tda-profile")
    import hashlib

    assert src["sha256"] == hashlib.sha256(seeds["insightcrime-tren-de-aragua-profile.txt"]).hexdigest()
    assert ds.get("ent-oswaldo-gonzalez")["name"] == "Oswaldo González"  # the input is left as it was


def test_redaction_refuses_to_merge_ids(ds: Dataset) -> None:
    tables = {name: [dict(r) for r in rows] for name, rows in ds.tables.items()}
    tables["entities"].append(dict(tables["entities"][0], id="ent-protected-1"))
    with pytest.raises(CannotRun, match="redaction makes two ids equal"):
        redact(ds.replace_tables(tables), {})


def test_redaction_needs_text_seeds(ds: Dataset) -> None:
    with pytest.raises(CannotRun, match="not UTF-8 text"):
        redact(ds, {"scan.pdf": b"%PDF-\xff\xfe"})


def test_slug() -> None:
    assert slug("Oswaldo González") == "oswaldo-gonzalez"
    assert slug("  Niño  'Guerrero' ") == "nino-guerrero"
