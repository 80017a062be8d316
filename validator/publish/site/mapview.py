"""What map.html draws: one marker per presence row at a place with coordinates, and the
outlines of the countries, shaded where an entity is present in the country itself or in a
place inside it.

A presence row is *located* when its place has a latitude and longitude; it gets one marker.
Markers whose points would overlap (closer than CLUSTER_PX) are set on a small ring around the
cluster's centre, each with a thin line to its own point, so that every row stays visible and
the real position stays shown. A row at a place without coordinates (a state, a border area, a
world region) is not placed as a point: its country is shaded, and the table under the map
lists it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...reading.model import CLAIM_STATUSES as CLAIM_ORDER
from ..outlines import Outline, country_numeric, world_countries
from .geo import basemap, fit

if TYPE_CHECKING:
    from ..api import Record
    from .pages import Site

PANEL_WIDTH = 600.0
CLUSTER_PX = 16.0  # markers closer than this (drawing units) are set on a ring
CROWD_PX = 80.0  # places closer than this on the region panel (labels would collide) get a closer view
CLOSER_PAD = 1.5  # degrees around the crowded places in the closer view
MARKER_R = 6.0


@dataclass
class Marker:
    presence: Record
    location: Record
    x: float  # where the marker is drawn
    y: float
    px: float  # the place's own projected point
    py: float


@dataclass
class Cluster:
    x: float
    y: float
    markers: list[Marker] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)  # the names of its places
    points: list[tuple[Record, float, float]] = field(default_factory=list)  # each place once, at its own point
    label_x: float = 0.0


def _main_bbox(country: Outline) -> tuple[float, float, float, float]:
    """The bounding box of a country's largest polygon (its mainland, not far islands)."""

    def area(ring: list[tuple[float, float]]) -> float:
        return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2

    main = max(country.polygons, key=lambda poly: area(poly[0]))
    xs = [p[0] for p in main[0]]
    ys = [p[1] for p in main[0]]
    return min(xs), min(ys), max(xs), max(ys)


@dataclass
class Panel:
    """One drawing: its projection, outlines, and the markers of the places inside it."""

    key: str  # "region" or "closer"
    title: str
    width: float
    height: float
    countries: list[dict[str, Any]]
    clusters: list[Cluster]
    frame: tuple[float, float, float, float] | None = None  # the closer view's area, drawn on the region panel
    dots: list[tuple[Record, float, float]] = field(default_factory=list)  # places whose markers are in the closer view


def build_map(site: Site) -> dict[str, Any]:
    presence = sorted(site.t["presence"], key=lambda p: p["id"])
    located: list[tuple[Record, Record]] = []
    shade: dict[str, str] = {}  # numeric code -> "present" (in the country itself) or "within"
    country_rows: dict[str, list[Record]] = defaultdict(list)
    country_location: dict[str, str] = {}
    for loc in site.t["locations"]:
        if loc.get("type") == "country" and loc.get("iso_code"):
            num = country_numeric(loc["iso_code"])
            if num:
                country_location[num] = loc["id"]
    for p in presence:
        loc = site.get(p["location_id"])
        if loc is None:
            continue
        if loc.get("latitude") is not None and loc.get("longitude") is not None:
            located.append((p, loc))
        country = site.country_of(loc["id"])
        num = country_numeric(country["iso_code"]) if country and country.get("iso_code") else None
        if num:
            level = "present" if country and country["id"] == loc["id"] else "within"
            if shade.get(num) != "present":
                shade[num] = level
            country_rows[num].append(p)
    by_code = {c.code: c for c in world_countries()}
    boxes = [_main_bbox(by_code[n]) for n in sorted(shade) if n in by_code]
    boxes += [(loc["longitude"], loc["latitude"], loc["longitude"], loc["latitude"]) for _, loc in located]
    if not boxes:
        return {"empty": True, "presence": presence, "located": 0, "markers": []}
    bounds = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    region = fit(bounds, PANEL_WIDTH)
    closer_box = _crowded_area(located, region)
    inside = [pl for pl in located if closer_box and _in_box(pl[1], closer_box)]
    outside = [pl for pl in located if not (closer_box and _in_box(pl[1], closer_box))]

    def countries_of(proj: Any) -> list[dict[str, Any]]:
        base = basemap(proj)
        return [
            {
                "numeric": num,
                "name": base.names[num],
                "d": d,
                "shade": shade.get(num, ""),
                "location_id": country_location.get(num),
                "rows": sorted(country_rows.get(num, []), key=lambda p: p["id"]),
            }
            for num, d in base.paths.items()
        ]

    panels = [
        Panel("region", "The region", PANEL_WIDTH, round(region.height, 1), countries_of(region), _clusters(outside, region))
    ]
    if closer_box:
        closer = fit(closer_box, PANEL_WIDTH, pad_degrees=0)
        x0, y0 = region(closer_box[0], closer_box[3])
        x1, y1 = region(closer_box[2], closer_box[1])
        panels[0].frame = (round(x0, 1), round(y0, 1), round(x1 - x0, 1), round(y1 - y0, 1))
        seen: set[str] = set()
        for _, loc in inside:
            if loc["id"] not in seen:
                seen.add(loc["id"])
                x, y = region(loc["longitude"], loc["latitude"])
                panels[0].dots.append((loc, round(x, 1), round(y, 1)))
        panels.append(
            Panel("closer", "Closer view", PANEL_WIDTH, round(closer.height, 1), countries_of(closer), _clusters(inside, closer))
        )
    markers = [m for panel in panels for c in panel.clusters for m in c.markers]
    return {
        "empty": False,
        "panels": panels,
        "markers": markers,
        "presence": presence,
        "located": len(markers),
        "shaded": len(shade),
        "marker_r": MARKER_R,
        "statuses": sorted({m.presence["claim_status"] for m in markers}, key=_status_order),
    }


def _in_box(loc: Record, box: tuple[float, float, float, float]) -> bool:
    return box[0] <= loc["longitude"] <= box[2] and box[1] <= loc["latitude"] <= box[3]


def _crowded_area(located: list[tuple[Record, Record]], proj: Any) -> tuple[float, float, float, float] | None:
    """The area (west, south, east, north) around the places drawn too close together on the
    region panel to tell apart (nearer than CROWD_PX, different places), or None."""
    places = {loc["id"]: loc for _, loc in located}
    xy = {i: proj(loc["longitude"], loc["latitude"]) for i, loc in places.items()}
    crowded = sorted(set(a for a in xy for b in xy if a != b and math.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1]) < CROWD_PX))
    if not crowded:
        return None
    lons = [places[i]["longitude"] for i in crowded]
    lats = [places[i]["latitude"] for i in crowded]
    west, south, east, north = min(lons) - CLOSER_PAD, min(lats) - CLOSER_PAD, max(lons) + CLOSER_PAD, max(lats) + CLOSER_PAD
    return (west, south, east, north)


def _status_order(status: str) -> tuple[int, str]:

    return (CLAIM_ORDER.index(status) if status in CLAIM_ORDER else len(CLAIM_ORDER), status)


def _clusters(located: list[tuple[Record, Record]], proj: Any) -> list[Cluster]:
    points = []
    for p, loc in located:
        x, y = proj(loc["longitude"], loc["latitude"])
        points.append((round(y, 1), round(x, 1), p["id"], p, loc))
    points.sort(key=lambda t: (t[0], t[1], t[2]))
    clusters: list[Cluster] = []
    for y, x, _, p, loc in points:
        home = next((c for c in clusters if math.hypot(c.x - x, c.y - y) < CLUSTER_PX), None)
        if home is None:
            home = Cluster(x, y)
            clusters.append(home)
        home.markers.append(Marker(p, loc, x, y, x, y))
        if loc["id"] not in {pt[0]["id"] for pt in home.points}:
            home.points.append((loc, x, y))
            home.labels.append(loc["name"])
    for c in clusters:
        n = len(c.markers)
        c.x = round(sum(m.px for m in c.markers) / n, 1)
        c.y = round(sum(m.py for m in c.markers) / n, 1)
        radius = MARKER_R + 4 + 2.6 * n if n > 1 else 0.0
        c.label_x = round(c.x + radius + MARKER_R + 4, 1)
        if n == 1:
            continue
        for i, m in enumerate(c.markers):
            angle = -math.pi / 2 + 2 * math.pi * i / n
            m.x = round(c.x + radius * math.cos(angle), 1)
            m.y = round(c.y + radius * math.sin(angle), 1)
    return clusters
