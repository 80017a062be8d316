"""Derived release columns (date bounds, relation category) and the API helpers that follow the model.

Run against the project's own data: the questions are the ones a researcher asks of it.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from validator import CannotRun, load
from validator.publish.api import Dataset, bounds
from validator.publish.derived import derived_fields, overlaps
from validator.reading.model import load_model

ROOT = Path(__file__).resolve().parents[1]
TDA = "ent-tren-de-aragua"
GUERRERO = "ent-hector-rustherford-guerrero-flores"
LIEUTENANTS = {"ent-kenferson-sevilla-arteaga", "ent-larry-amaury-alvarez", "ent-yohan-jose-guerrero"}


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load(ROOT)


# --- bounds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2018", ("2018-01-01", "2018-12-31")),  # reduced precision spans the year
        ("2017-04", ("2017-04-01", "2017-04-30")),
        ("2024-02", ("2024-02-01", "2024-02-29")),
        ("2023-09-20", ("2023-09-20", "2023-09-20")),
        ("2012~", ("2012-01-01", "2012-12-31")),  # qualifiers do not widen
        ("2012?", ("2012-01-01", "2012-12-31")),
        ("2012%", ("2012-01-01", "2012-12-31")),
        ("2015/2017", ("2015-01-01", "2017-12-31")),
        ("2012~/2013", ("2012-01-01", "2013-12-31")),
        ("2017~/..", ("2017-01-01", None)),  # open end: no bound, not a made-up date
        ("2018/", ("2018-01-01", None)),  # unknown end
        ("../2018", (None, "2018-12-31")),
        ("201X", ("2010-01-01", "2019-12-31")),
        ("2018-21", ("2018-03-01", "2018-05-31")),  # a season, as the library reads it
        ("", (None, None)),
        (None, (None, None)),
        ("about 2012", (None, None)),  # not EDTF
    ],
)
def test_bounds(value: str | None, expected: tuple[str | None, str | None]) -> None:
    assert bounds(value) == expected


def _distinct_dates(model_root: Path) -> set[str]:
    import csv

    model = load_model(model_root / "schemas")
    values: set[str] = set()
    for table in model.tables.values():
        edtf = [f.name for f in table.fields if f.kind == "edtf"]
        with open(model_root / table.path, encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                values.update(row[c] for c in edtf if row[c])
    return values


def test_bounds_are_the_edtf_librarys_strict_bounds_on_the_data() -> None:
    from edtf import parse_edtf, struct_time_to_date

    values = _distinct_dates(ROOT)
    assert {"2017~/..", "2015/2017", "2012~"} <= values
    for value in sorted(values):
        lo, hi = bounds(value)
        if value.endswith("/..") or value.endswith("/"):
            # the library cannot bound an open end (it fails) and puts an unknown one years on
            assert hi is None, value
            value = value.split("/")[0]
            hi = bounds(value)[1]
        parsed = parse_edtf(value)
        assert lo == struct_time_to_date(parsed.lower_strict()).isoformat(), value
        assert hi == struct_time_to_date(parsed.upper_strict()).isoformat(), value
    # the documented choice: strict, not the library's fuzzy bounds, which add a year each side
    fuzzy = parse_edtf("2012~")
    assert struct_time_to_date(fuzzy.lower_fuzzy()) == date(2011, 1, 1) and bounds("2012~")[0] == "2012-01-01"


def test_overlaps() -> None:
    assert overlaps("2017-01-01", None, "2018") and overlaps("2015-01-01", "2017-12-31", "2016")
    assert not overlaps("2015-01-01", "2017-12-31", "2018") and not overlaps(None, None, "2018")
    assert overlaps(None, "2018-12-31", "2018-06") and not overlaps("2019-01-01", None, "2018")
    with pytest.raises(ValueError):
        overlaps("2018-01-01", None, "not a date")


# --- the columns in every record ---------------------------------------------------------------------


def test_records_carry_the_derived_columns(ds: Dataset) -> None:
    ev = ds.get("evt-2017-venezuelan-states-expansion")
    assert ev is not None and ev["date"] == "2017~/.."
    assert (ev["date_earliest"], ev["date_latest"]) == ("2017-01-01", None)
    rel = ds.get("rel-tren-de-aragua-conflict-eln")
    assert rel is not None and list(rel.keys())[-5:] == [
        "start_earliest",
        "start_latest",
        "end_earliest",
        "end_latest",
        "category",
    ]
    assert (rel["start"], rel["start_earliest"], rel["start_latest"], rel["category"]) == (
        "2018~",
        "2018-01-01",
        "2018-12-31",
        "hostility",
    )
    src = ds["sources"][0]
    assert src["published_earliest"] is not None
    assert all(r["category"] in ds.model.relation_categories() for r in ds["relations"])
    assert "category" not in (ROOT / "data" / "relations.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert [f.name for f in derived_fields(ds.model, ds.model.tables["entities"])] == []


def test_every_relation_type_has_a_declared_category(ds: Dataset) -> None:
    types = ds.model.relation_types()
    categories = ds.model.relation_categories()
    assert {"hierarchy", "cooperation", "hostility"} <= set(categories)
    assert {t: v.get("category") for t, v in types.items() if v.get("category") not in categories} == {}
    assert ds.model.relation_category("allied_with") == "cooperation" and ds.model.relation_category("nope") is None


def test_an_undeclared_category_stops_the_model(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    for path in (ROOT / "schemas").glob("*.schema.json"):
        (schemas / path.name).write_bytes(path.read_bytes())
    rel = json.loads((schemas / "relations.schema.json").read_text(encoding="utf-8"))
    rel["properties"]["type"]["x-relationTypes"]["killed"]["category"] = "murder"
    (schemas / "relations.schema.json").write_text(json.dumps(rel), encoding="utf-8")
    with pytest.raises(CannotRun, match="'killed' has the category 'murder'"):
        load_model(schemas)


def test_what_happened_in_2018_on_the_built_parquet(ds: Dataset, tmp_path: Path) -> None:
    import duckdb

    from validator.publish.export import Release
    from validator.publish.export.parquet import ParquetExporter

    exporter = ParquetExporter(Release(tmp_path, ds, {}, ROOT))
    for table in ds.model.tables.values():
        exporter.write(table, ds.tables[table.name])
    exporter.finalize()
    events = tmp_path / "parquet" / "events.parquet"
    con = duckdb.connect()

    def during(first: str, last: str) -> list[tuple[str, str]]:
        return con.execute(
            f"SELECT id, date FROM '{events}' WHERE date_earliest <= ?::DATE "
            "AND (date_latest IS NULL OR date_latest >= ?::DATE) ORDER BY date_earliest, id",
            [last, first],
        ).fetchall()

    in_2018 = during("2018-01-01", "2018-12-31")
    assert ("evt-2017-venezuelan-states-expansion", "2017~/..") in in_2018  # began about 2017, no end
    assert ("evt-2018-latin-america-expansion", "2018/..") in in_2018
    assert ("evt-2018-tren-de-aragua-eln-confrontations", "2018~") in in_2018
    assert all(d >= "2017" for _, d in in_2018) and ("evt-2015-2017-olp", "2015/2017") not in in_2018
    assert [e["id"] for e in ds.during("2018")] == sorted(i for i, _ in in_2018)
    readme = (ROOT / "README.md").read_text(encoding="utf-8").split("DATE '2018-01-01')", 1)[1].split("```text", 1)[1]
    shown = [line.split("│")[1].strip() for line in readme.split("```", 1)[0].splitlines() if "│ evt-" in line]
    assert shown == [i for i, _ in in_2018]  # the README shows this query's real answer
    assert ("evt-2015-2017-olp", "2015/2017") in during("2016-01-01", "2016-12-31")  # inside an interval
    kinds = dict(con.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM '{events}')").fetchall())
    assert kinds["date_earliest"] == "DATE" and kinds["date_latest"] == "DATE"


# --- following the model -----------------------------------------------------------------------------


def test_places_within_a_place(ds: Dataset) -> None:
    inside = [p["id"] for p in ds.within("loc-colombia")]
    assert {"loc-bogota", "loc-cucuta", "loc-villa-del-rosario", "loc-norte-de-santander"} <= set(inside)
    venezuela = [p["id"] for p in ds.within("loc-venezuela")]
    assert "loc-tocoron-prison" in venezuela and "loc-aragua" in venezuela
    assert venezuela.index("loc-aragua") < venezuela.index("loc-tocoron-prison")  # nearest first
    assert ds.within("loc-tocoron-prison") == [] and "loc-colombia" not in inside


def test_present_at_includes_places_within(ds: Dataset) -> None:
    direct = {r["id"] for r in ds.present_at("loc-colombia")}
    everywhere = {r["id"] for r in ds.present_at("loc-colombia", include_within=True)}
    assert direct == {"pre-tren-de-aragua-colombia-present"}
    assert direct | {"pre-tren-de-aragua-bogota-present", "pre-tren-de-aragua-cucuta-sought-presence"} <= everywhere
    assert all(ds.get(r["location_id"]) is not None for r in ds.present_at("loc-venezuela", include_within=True))


def test_members_of_follows_leadership_chains(ds: Dataset) -> None:
    members = {m.entity["id"]: m for m in ds.members_of(TDA) if m.entity}
    assert members[GUERRERO].role == "leader_of"
    assert LIEUTENANTS <= set(members)
    # Without their member_of rows the lieutenants are still found, two relations from the group.
    tables = dict(ds.tables)
    tables["relations"] = [r for r in ds["relations"] if not (r["type"] == "member_of" and r["object_id"] == TDA)]
    chained = {m.entity["id"]: m for m in ds.replace_tables(tables).members_of(TDA) if m.entity}
    assert LIEUTENANTS <= set(chained)
    for lieutenant in LIEUTENANTS:
        path = chained[lieutenant].path
        assert chained[lieutenant].role == "lieutenant_of" and [r["type"] for r in path] == ["lieutenant_of", "leader_of"]
        assert path[0]["subject_id"] == lieutenant and path[-1]["object_id"] == TDA
    assert LIEUTENANTS.isdisjoint(m.entity["id"] for m in ds.replace_tables(tables).members_of(TDA, transitive=False) if m.entity)
    assert ds.members_of("ent-eln") == []


def test_allies_and_adversaries(ds: Dataset) -> None:
    allies = {(r.entity["id"], r.relation["type"]) for r in ds.allies_of(TDA) if r.entity}
    assert ("ent-trujillo-prison-gang", "allied_with") in allies and ("ent-pcc", "cooperated_with") in allies
    adversaries = {r.entity["id"] for r in ds.adversaries_of(TDA) if r.entity}
    assert {"ent-eln", "ent-gaitanistas", "ent-tren-del-llano"} <= adversaries
    assert adversaries.isdisjoint(e for e, _ in allies)
    # either direction: the ELN's adversaries include the gang, which is the subject of the relation
    assert TDA in {r.entity["id"] for r in ds.adversaries_of("ent-eln") if r.entity}
    links = ds.related_by_category(TDA, "state_link")
    assert {r.relation["type"] for r in links} <= {"supported", "tolerated", "enabled", "corrupted"} and links
    with pytest.raises(ValueError, match="not a relation category"):
        ds.related_by_category(TDA, "friendship")
