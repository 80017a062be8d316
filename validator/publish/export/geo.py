"""GeoJSON (RFC 7946): ``geo/locations.geojson``, one Point feature per location with coordinates.

Each feature carries the place's own columns and what the other tables say happens there:
``presence`` (who is present and how: presence type, dates, claim_status, with the entity's
name and type), ``activities`` and ``events`` located there. Places without coordinates are not
features; they are in every other format. ``geo_precision`` says what a point stands for
(``point``, ``near``, ``municipality``, ``admin1``, ``country``): not every point is exact.
"""

from __future__ import annotations

from typing import Any

from ..api import Record
from .base import Exporter, dump_json

PLACE_COLUMNS = ("id", "name", "name_descriptive", "type", "parent_id", "iso_code", "geonames_id", "geo_precision")


class GeoJSONExporter(Exporter):
    NAME = "geojson"
    TITLE = "GeoJSON"

    def finalize(self) -> list[str]:
        ds = self.release.dataset
        features = [self.feature(loc) for loc in ds.tables.get("locations", []) if self.located(loc)]
        collection = {"type": "FeatureCollection", "features": features}
        return [self.release.write_text("geo/locations.geojson", dump_json(collection, indent=1))]

    @staticmethod
    def located(loc: Record) -> bool:
        return loc.get("latitude") is not None and loc.get("longitude") is not None

    def feature(self, loc: Record) -> dict[str, Any]:
        ds = self.release.dataset
        props: dict[str, Any] = {k: loc.get(k) for k in PLACE_COLUMNS}
        props["presence"] = [self._presence(p) for p in ds.present_at(loc["id"])]
        props["activities"] = [
            {k: a.get(k) for k in ("id", "entity_id", "activity", "start", "end", "claim_status")}
            | {"entity_name": self._entity_name(a["entity_id"])}
            for a in ds.where("activities", "location_id", loc["id"])
        ]
        props["events"] = [
            {k: e.get(k) for k in ("id", "type", "date", "title", "claim_status")}
            for e in ds.where("events", "location_id", loc["id"])
        ]
        return {
            "type": "Feature",
            "id": loc["id"],
            "geometry": {"type": "Point", "coordinates": [loc["longitude"], loc["latitude"]]},
            "properties": props,
        }

    def _entity_name(self, entity_id: str) -> str | None:
        ent = self.release.dataset.get(entity_id)
        return ent.get("name") if ent else None

    def _presence(self, p: Record) -> dict[str, Any]:
        ent = self.release.dataset.get(p["entity_id"]) or {}
        return {
            "id": p["id"],
            "entity_id": p["entity_id"],
            "entity_name": ent.get("name"),
            "entity_type": ent.get("type"),
            "presence_type": p.get("type"),
            "start": p.get("start"),
            "end": p.get("end"),
            "claim_status": p.get("claim_status"),
        }
