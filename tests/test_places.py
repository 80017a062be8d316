"""Every place on the map: the features of the repository's own package, the vendored outlines,
and RFC 7946 (winding, ranges, closed rings) checked on what the GeoJSON exporter writes.

The expectations are computed from data/*.csv, so a place that a presence, activity or event row
names and that has no feature, or a state whose outline is not vendored, fails here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from validator import load
from validator.publish.api import Dataset
from validator.publish.outlines import ADMIN1, outline_of, signed_area, subdivisions
from validator.publish.places import feature, place_of, places

ROOT = Path(__file__).resolve().parents[1]


def _rings(geometry: dict[str, Any]) -> list[tuple[bool, list[list[float]]]]:
    """(is exterior, ring) for every ring of a Polygon or MultiPolygon."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [(i == 0, ring) for poly in polygons for i, ring in enumerate(poly)]


def assert_rfc7946(collection: dict[str, Any]) -> None:
    """What RFC 7946 asks beyond the shape geojson-pydantic checks: positions in range (§3.1.1,
    §4: longitude, latitude), closed rings of four or more positions, exterior rings
    counterclockwise and holes clockwise (§3.1.6), ids unique."""
    assert collection["type"] == "FeatureCollection"
    ids = [f["id"] for f in collection["features"]]
    assert len(ids) == len(set(ids))
    for f in collection["features"]:
        g = f["geometry"]
        if g is None:
            assert f["properties"]["geometry_note"], f"{f['id']}: a null geometry says why"
            continue
        assert f["properties"]["geometry_note"] is None
        if g["type"] == "Point":
            lon, lat = g["coordinates"]
            assert -180 <= lon <= 180 and -90 <= lat <= 90, f["id"]
            continue
        assert g["type"] in ("Polygon", "MultiPolygon"), f["id"]
        for exterior, ring in _rings(g):
            assert len(ring) >= 4 and ring[0] == ring[-1], f"{f['id']}: ring not closed"
            assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring), f["id"]
            area = signed_area([(p[0], p[1]) for p in ring[:-1]])
            assert (area > 0) == exterior, f"{f['id']}: {'exterior' if exterior else 'hole'} wound the wrong way"


@pytest.fixture(scope="module")
def ds() -> Dataset:
    return load(ROOT)


@pytest.fixture(scope="module")
def collection(ds: Dataset) -> dict[str, Any]:
    # through JSON, as a GIS reads it
    return json.loads(json.dumps({"type": "FeatureCollection", "features": [feature(p, ds) for p in places(ds)]}))


def test_the_features_are_valid_geojson(collection: dict[str, Any]) -> None:
    from geojson_pydantic import FeatureCollection

    FeatureCollection.model_validate(collection)
    assert_rfc7946(collection)


def test_every_place_a_row_names_is_a_feature(ds: Dataset, collection: dict[str, Any]) -> None:
    features = {f["id"]: f for f in collection["features"]}
    named = {r["location_id"] for t in ("presence", "activities", "events") for r in ds[t] if r.get("location_id")}
    assert named and named <= set(features)
    assert set(features) == {loc["id"] for loc in ds["locations"]}
    # and each row is listed on its place's feature, once
    for table, key in (("presence", "presence"), ("activities", "activities"), ("events", "events")):
        for row in ds[table]:
            if row.get("location_id"):
                listed = [x["id"] for x in features[row["location_id"]]["properties"][key]]
                assert listed.count(row["id"]) == 1, row["id"]
    total = sum(f["properties"]["presence_count"] for f in collection["features"])
    assert total == sum(1 for p in ds["presence"] if p.get("location_id"))


def test_every_country_and_state_with_an_iso_code_has_its_outline(ds: Dataset, collection: dict[str, Any]) -> None:
    features = {f["id"]: f for f in collection["features"]}
    coded = [loc for loc in ds["locations"] if loc.get("iso_code")]
    assert {loc["type"] for loc in coded} >= {"country", "state"}
    for loc in coded:
        geometry = features[loc["id"]]["geometry"]
        assert geometry and geometry["type"] in ("Polygon", "MultiPolygon"), (
            f"{loc['id']} ({loc['iso_code']}): no outline; run `python -m validator.publish.outlines.regenerate`"
        )


def test_no_coordinate_is_invented(ds: Dataset, collection: dict[str, Any]) -> None:
    rows = {loc["id"]: loc for loc in ds["locations"]}
    for f in collection["features"]:
        loc, g = rows[f["id"]], f["geometry"]
        assert f["properties"]["latitude"] == loc.get("latitude") and f["properties"]["longitude"] == loc.get("longitude")
        if g is not None and g["type"] == "Point":
            assert g["coordinates"] == [loc["longitude"], loc["latitude"]], f["id"]
            assert loc.get("geo_precision"), f"{f['id']}: a point says what it stands for"
        elif g is None:
            assert loc.get("latitude") is None and not outline_of(loc.get("iso_code"))


def _distance_to_edge(outline: Any, lon: float, lat: float) -> float:
    """Degrees from a point to the nearest edge of an outline (planar; enough for a tolerance)."""
    best = float("inf")
    for poly in outline.polygons:
        for ring in poly:
            for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
                dx, dy = x2 - x1, y2 - y1
                t = max(0.0, min(1.0, ((lon - x1) * dx + (lat - y1) * dy) / (dx * dx + dy * dy or 1)))
                best = min(best, ((x1 + t * dx - lon) ** 2 + (y1 + t * dy - lat) ** 2) ** 0.5)
    return best


def test_an_outline_lies_around_the_places_inside_it(ds: Dataset) -> None:
    """The outline found by a code is the right one: each point inside it lies in it, or (a coastal
    town against a generalised 1:50m coast) within 0.1 degree of its edge."""
    from validator.publish.site.geo import contains

    by_id = {p.id: p for p in places(ds)}
    checked = 0
    for p in by_id.values():
        if p.point is None:
            continue
        for parent in ds.parents_of(p.id):
            outline = by_id[parent["id"]].outline
            if outline is not None:
                checked += 1
                inside = contains(outline, *p.point) or _distance_to_edge(outline, *p.point) < 0.1
                assert inside, f"{p.id} lies outside {parent['id']} ({outline.name})"
    assert checked >= 10


def test_a_place_without_position_says_why() -> None:
    border = {"id": "loc-x", "type": "border_area", "name": "x", "iso_code": None, "latitude": None, "longitude": None}
    place = place_of(border)
    assert place.kind == "none" and place.note and "border area" in place.note and "no coordinates" in place.note
    state = {"id": "loc-y", "type": "state", "name": "y", "iso_code": "VE-Z", "latitude": None, "longitude": None}
    note = place_of(state).note or ""
    assert "no outline for VE-Z" in note  # not vendored (Zulia is not in the data)
    city = {"id": "loc-z", "type": "city", "name": "z", "iso_code": None, "latitude": 1.5, "longitude": -2.25}
    assert place_of(city).point == (-2.25, 1.5)


def test_the_vendored_subdivisions_are_the_documented_file() -> None:
    readme = (ADMIN1.parent / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256(ADMIN1.read_bytes()).hexdigest()
    assert f"`{digest}`" in readme
    assert subdivisions()["VE-D"].name == "Aragua" and subdivisions()["CO-NSA"].name == "Norte de Santander"


def test_regenerating_the_subset_from_its_own_output_gives_the_same_bytes() -> None:
    from validator.publish.outlines.regenerate import dumps, subdivision_codes, subset

    codes = subdivision_codes(ROOT / "data" / "locations.csv")
    vendored = json.loads(ADMIN1.read_text(encoding="utf-8"))
    assert codes == [f["properties"]["iso_3166_2"] for f in vendored["features"]]
    assert dumps(subset(vendored, codes)) == ADMIN1.read_text(encoding="utf-8")
    with pytest.raises(SystemExit, match="VE-Z"):
        subset(vendored, [*codes, "VE-Z"])
