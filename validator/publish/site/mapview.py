"""What map.html draws: the places of ``validator/publish/places.py``, the same features as
``geo/locations.geojson``. A place with an outline (a country or first-level subdivision with an
``iso_code``) is drawn as that outline; a place with coordinates gets one marker per presence row
there; a place with neither is listed beside the map with the reason.

Country outlines are shaded where an entity is present in the country itself, and lightly where
presence is recorded only at places inside it; a state's outline is drawn over its country and
shaded the same way. Markers whose points would overlap (closer than CLUSTER_PX) are set on a
small ring around the cluster's centre, each with a thin line to its own point, so that every
row stays visible and the real position stays shown. A place with coordinates but no presence
(only activities or events, or only places inside it) is a small dot with its name.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...reading.model import CLAIM_STATUSES as CLAIM_ORDER
from ..outlines import Outline, country_numeric, world_countries
from ..places import Place, places
from .geo import basemap, fit, svg_path

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
    subdivisions: list[dict[str, Any]] = field(default_factory=list)  # state outlines, over the countries
    points: list[tuple[Place, float, float]] = field(default_factory=list)  # places with a point and no presence


def _shade(place: Place, within: dict[str, list[Record]]) -> str:
    return "present" if place.presence else "within" if within.get(place.id) else ""


def build_map(site: Site) -> dict[str, Any]:
    presence = sorted(site.t["presence"], key=lambda p: p["id"])
    all_places = places(site.ds)
    by_id = {p.id: p for p in all_places}
    # presence at the places inside each place (its children, their children ...), for shading
    within: dict[str, list[Record]] = defaultdict(list)
    for p in presence:
        for parent in site.ds.parents_of(p["location_id"]):
            within[parent["id"]].append(p)
    located: list[tuple[Record, Record]] = []
    shown: dict[str, str] = {}  # presence id -> how the map shows it
    for p in presence:
        place = by_id.get(p["location_id"])
        if place is None:
            continue
        if place.point is not None:
            located.append((p, place.location))
            shown[p["id"]] = "marker"
        elif place.outline is not None:
            shown[p["id"]] = f"{_words(place.location.get('type'))} outline shaded"
        else:
            shown[p["id"]] = "not drawn: no position"
    country_places = {pl.outline.code: pl for pl in all_places if pl.outline is not None and pl.location.get("type") == "country"}
    sub_places = [pl for pl in all_places if pl.outline is not None and pl.location.get("type") != "country"]
    shade: dict[str, str] = {}  # country code -> "present" or "within"
    for code, pl in country_places.items():
        level = _shade(pl, within)
        if level:
            shade[code] = level
    for p in presence:  # a place inside a country the data has no row for: shade it by the point's country
        country = site.country_of(p["location_id"])
        num = country_numeric(country["iso_code"]) if country and country.get("iso_code") else None
        if num and num not in shade:
            shade[num] = "present" if country and country["id"] == p["location_id"] else "within"
    country_rows: dict[str, list[Record]] = {
        code: sorted(pl.presence + within.get(pl.id, []), key=lambda r: r["id"]) for code, pl in country_places.items()
    }
    lone_points = [pl for pl in all_places if pl.point is not None and not pl.presence]
    by_code = {c.code: c for c in world_countries()}
    boxes = [_main_bbox(by_code[n]) for n in sorted(shade) if n in by_code]
    boxes += [pl.outline.bbox for pl in sub_places if pl.outline is not None and (pl.presence or within.get(pl.id))]
    boxes += [(loc["longitude"], loc["latitude"], loc["longitude"], loc["latitude"]) for _, loc in located]
    unplaced = [{"place": pl, "rows": rows_in_words(pl)} for pl in all_places if pl.kind == "none" and pl.referenced]
    if not boxes:
        return {"empty": True, "presence": presence, "located": 0, "markers": [], "unplaced": unplaced, "shown": shown}
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
                "location_id": country_places[num].id if num in country_places else None,
                "rows": country_rows.get(num, []),
            }
            for num, d in base.paths.items()
        ]

    def subdivisions_of(proj: Any) -> list[dict[str, Any]]:
        out = []
        for pl in sub_places:
            if pl.outline is None:
                continue
            d = svg_path(pl.outline, proj, min_step=0.3)
            if d:
                rows = sorted(pl.presence + within.get(pl.id, []), key=lambda r: r["id"])
                out.append({"place": pl, "d": d, "shade": _shade(pl, within), "rows": rows})
        return out

    def points_of(
        proj: Any, box: tuple[float, float, float, float] | None, want_inside: bool
    ) -> list[tuple[Place, float, float]]:
        out = []
        for pl in lone_points:
            if pl.point is None:
                continue
            lon, lat = pl.point
            if box is not None and (box[0] <= lon <= box[2] and box[1] <= lat <= box[3]) != want_inside:
                continue
            x, y = proj(lon, lat)
            out.append((pl, round(x, 1), round(y, 1)))
        return out

    panels = [
        Panel("region", "The region", PANEL_WIDTH, round(region.height, 1), countries_of(region), _clusters(outside, region))
    ]
    panels[0].subdivisions = subdivisions_of(region)
    panels[0].points = points_of(region, closer_box, want_inside=False)
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
        panel = Panel(
            "closer", "Closer view", PANEL_WIDTH, round(closer.height, 1), countries_of(closer), _clusters(inside, closer)
        )
        panel.subdivisions = subdivisions_of(closer)
        panel.points = points_of(closer, closer_box, want_inside=True)
        panels.append(panel)
    markers = [m for panel in panels for c in panel.clusters for m in c.markers]
    return {
        "empty": False,
        "panels": panels,
        "markers": markers,
        "presence": presence,
        "located": len(markers),
        "shaded": len(shade),
        "outlined": sum(1 for pl in sub_places if _shade(pl, within)),
        "marker_r": MARKER_R,
        "statuses": sorted({m.presence["claim_status"] for m in markers}, key=_status_order),
        "unplaced": unplaced,
        "shown": shown,
    }


def _words(term: str | None) -> str:
    return str(term or "place").replace("_", " ")


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def rows_in_words(place: Place) -> str:
    """``1 presence record, 2 activities``: what the rows name at a place, for the list beside the map."""
    parts = []
    if place.presence:
        parts.append(_count(len(place.presence), "presence record", "presence records"))
    if place.activities:
        parts.append(_count(len(place.activities), "activity", "activities"))
    if place.events:
        parts.append(_count(len(place.events), "event", "events"))
    return ", ".join(parts)


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
