"""GeoJSON (RFC 7946): ``geo/locations.geojson``, one feature per location, every one of them.

A country or first-level subdivision with an ``iso_code`` is its Natural Earth outline
(Polygon or MultiPolygon); any other place with coordinates is a Point at exactly the row's
``[longitude, latitude]`` (``geo_precision`` says what the point stands for); a place with
neither has ``"geometry": null`` (RFC 7946 §3.2) and ``geometry_note`` says why. Nothing is
placed where the data does not place it. ``validator/publish/places.py`` decides the geometry
and the properties; the site's map draws the same places.

Each feature's properties: the row's columns, ``country_id``, ``geometry_source``,
``geometry_note``, a one-line ``summary``, the counts ``presence_count``, ``activity_count``,
``event_count``, and the lists ``presence`` (entity, presence type, claim status, start, end),
``activities`` and ``events`` (with their actors) located there.

The file has one feature per line (compact JSON), in location id order.
"""

from __future__ import annotations

import json

from ..places import feature, places
from .base import Exporter

PATH = "geo/locations.geojson"


class GeoJSONExporter(Exporter):
    NAME = "geojson"
    TITLE = "GeoJSON"

    def finalize(self) -> list[str]:
        ds = self.release.dataset
        lines = [json.dumps(feature(p, ds), ensure_ascii=False, separators=(",", ":")) for p in places(ds)]
        text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + ("\n" if lines else "") + "]}\n"
        return [self.release.write_text(PATH, text)]
