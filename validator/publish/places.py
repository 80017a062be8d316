"""Every place as a map feature: its geometry, why it has none, and who and what is recorded there.

One ``Place`` per row of ``locations``. Its geometry, in this order:

1. an **outline**, when the row's ``iso_code`` names a country (``VE``: Natural Earth's 1:50m
   Admin 0) or a first-level subdivision (``VE-D``: Natural Earth's 1:10m Admin 1) that
   ``validator.publish.outlines`` has;
2. else a **point**, the row's own ``latitude`` and ``longitude``, unchanged (``geo_precision``
   says what the point stands for: the place itself, a point near it, its municipality ...);
3. else **none**, with a note saying why: no position is ever made up.

``geo/locations.geojson`` (``export/geo.py``) writes these as features and the site's map
(``site/mapview.py``) draws the same ones, so the two always agree.

May import: ``publish.api`` and ``publish.outlines`` (not ``export`` or ``site``, which import this).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .api import Dataset, Record
from .outlines import Outline, geojson_geometry, outline_of

OUTLINE_TYPES = ("country", "state", "department")  # the types an iso_code is given for
POINT_SOURCE = "the row's latitude and longitude"


@dataclass
class Place:
    location: Record
    outline: Outline | None = None
    point: tuple[float, float] | None = None  # (longitude, latitude), exactly as the row has them
    note: str | None = None  # why there is no geometry
    presence: list[Record] = field(default_factory=list)
    activities: list[Record] = field(default_factory=list)
    events: list[Record] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.location["id"])

    @property
    def kind(self) -> str:
        """``outline``, ``point`` or ``none``."""
        return "outline" if self.outline else "point" if self.point else "none"

    @property
    def referenced(self) -> bool:
        """Whether a presence, activity or event row names this place."""
        return bool(self.presence or self.activities or self.events)

    @property
    def geometry_source(self) -> str | None:
        return self.outline.source if self.outline else POINT_SOURCE if self.point else None


def _note(loc: Record) -> str:
    """Why a place has no geometry, from what its row lacks."""
    kind = str(loc.get("type") or "place").replace("_", " ")
    iso = loc.get("iso_code")
    if loc.get("geonames_id"):
        where = f"no coordinates recorded (GeoNames {loc['geonames_id']})"
    else:
        where = "no coordinates (the source gives no position; no gazetteer entry)"
    if iso:
        shape = f"no outline for {iso} in the vendored Natural Earth files"
    elif loc.get("type") in OUTLINE_TYPES:
        shape = f"no iso_code to find the {kind}'s outline by"
    else:
        shape = f"no outline for a {kind}"
    return f"{where} and {shape}"


def place_of(loc: Record) -> Place:
    """A place with its geometry (or the note saying why it has none), without its rows."""
    outline = outline_of(loc.get("iso_code"))
    if outline is not None:
        return Place(loc, outline=outline)
    lat, lon = loc.get("latitude"), loc.get("longitude")
    if lat is not None and lon is not None:
        return Place(loc, point=(lon, lat))
    return Place(loc, note=_note(loc))


def places(ds: Dataset) -> list[Place]:
    """Every location, in id order, with the presence, activities and events located there."""
    out = []
    for loc in sorted(ds.tables.get("locations", []), key=lambda r: r["id"]):
        place = place_of(loc)
        place.presence = sorted(ds.present_at(loc["id"]), key=lambda r: r["id"])
        place.activities = sorted(ds.where("activities", "location_id", loc["id"]), key=lambda r: r["id"])
        place.events = sorted(ds.where("events", "location_id", loc["id"]), key=lambda r: r["id"])
        out.append(place)
    return out


# --- as a GeoJSON feature -----------------------------------------------------------------------------

PLACE_COLUMNS = (
    "id",
    "name",
    "name_descriptive",
    "type",
    "parent_id",
    "iso_code",
    "geonames_id",
    "latitude",
    "longitude",
    "geo_precision",
)


def _name(ds: Dataset, record_id: str | None) -> str | None:
    rec = ds.get(record_id) if record_id else None
    return rec.get("name") if rec else None


def _entity_type(ds: Dataset, record_id: str) -> str | None:
    rec = ds.get(record_id)
    return rec.get("type") if rec else None


def _span(rec: Record, start: str = "start", end: str = "end") -> str:
    a, b = rec.get(start), rec.get(end)
    if a and b:
        return f"{a} to {b}"
    return f"from {a}" if a else f"until {b}" if b else ""


def _paren(*parts: str | None) -> str:
    inner = ", ".join(p for p in parts if p)
    return f" ({inner})" if inner else ""


def summary(place: Place, ds: Dataset) -> str:
    """One line a GIS label or popup can show: who is there and how, what is done, what happened."""
    parts: list[str] = []
    if place.presence:
        items = [
            f"{_name(ds, p['entity_id']) or p['entity_id']} {str(p.get('type') or '').replace('_', ' ')}"
            + _paren(p.get("claim_status"), _span(p))
            for p in place.presence
        ]
        parts.append("Presence: " + "; ".join(items) + ".")
    if place.activities:
        items = [
            f"{str(a.get('activity') or '').replace('_', ' ')} by {_name(ds, a['entity_id']) or a['entity_id']}"
            + _paren(a.get("claim_status"), _span(a))
            for a in place.activities
        ]
        parts.append("Activities: " + "; ".join(items) + ".")
    if place.events:
        items = [f"{e.get('title')}" + _paren(e.get("date"), e.get("claim_status")) for e in place.events]
        parts.append("Events: " + "; ".join(items) + ".")
    return " ".join(parts)


def properties(place: Place, ds: Dataset) -> dict[str, Any]:
    """The feature's properties: the row's columns, where its geometry comes from, and its rows."""
    loc = place.location
    props: dict[str, Any] = {k: loc.get(k) for k in PLACE_COLUMNS}
    country = next((c for c in [loc, *ds.parents_of(place.id)] if c.get("type") == "country"), None)
    props["country_id"] = country["id"] if country else None
    props["geometry_source"] = place.geometry_source
    props["geometry_note"] = place.note
    props["summary"] = summary(place, ds)
    props["presence_count"] = len(place.presence)
    props["activity_count"] = len(place.activities)
    props["event_count"] = len(place.events)
    props["presence"] = [
        {
            "id": p["id"],
            "entity_id": p["entity_id"],
            "entity_name": _name(ds, p["entity_id"]),
            "entity_type": _entity_type(ds, p["entity_id"]),
            "presence_type": p.get("type"),
            "claim_status": p.get("claim_status"),
            "start": p.get("start"),
            "end": p.get("end"),
        }
        for p in place.presence
    ]
    props["activities"] = [
        {
            "id": a["id"],
            "entity_id": a["entity_id"],
            "entity_name": _name(ds, a["entity_id"]),
            "activity": a.get("activity"),
            "claim_status": a.get("claim_status"),
            "start": a.get("start"),
            "end": a.get("end"),
        }
        for a in place.activities
    ]
    props["events"] = [
        {
            "id": e["id"],
            "type": e.get("type"),
            "date": e.get("date"),
            "title": e.get("title"),
            "claim_status": e.get("claim_status"),
            "actors": [
                {"entity_id": inv.actor["entity_id"], "entity_name": _name(ds, inv.actor["entity_id"]), "role": inv.role}
                for inv in sorted(ds.actors_of(e["id"]), key=lambda i: (i.actor["entity_id"], i.role))
            ],
        }
        for e in place.events
    ]
    return props


def geometry(place: Place) -> dict[str, Any] | None:
    """The RFC 7946 geometry: the outline, the row's point, or None (null geometry, §3.2)."""
    if place.outline is not None:
        return geojson_geometry(place.outline)
    if place.point is not None:
        return {"type": "Point", "coordinates": [place.point[0], place.point[1]]}
    return None


def feature(place: Place, ds: Dataset) -> dict[str, Any]:
    return {"type": "Feature", "id": place.id, "geometry": geometry(place), "properties": properties(place, ds)}
