"""The map's drawing: outlines projected to SVG at build time.

The outlines (Natural Earth countries and first-level subdivisions) come from
``validator.publish.outlines``, which reads the vendored files. They are drawn as SVG paths into
map.html when the site is built, so the page never fetches anything and shows the map without
JavaScript.

The projection is equirectangular with the x axis scaled by the cosine of the view's middle
latitude (distances near that latitude come out right; the region this dataset covers spans
about 60 degrees of latitude, so shapes far from it are stretched, not wrong).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..outlines import Outline, world_countries

# --- projection and SVG -------------------------------------------------------------------------


@dataclass(frozen=True)
class Projection:
    west: float
    south: float
    east: float
    north: float
    width: float
    kx: float  # cos(middle latitude)

    @property
    def scale(self) -> float:
        return self.width / ((self.east - self.west) * self.kx)

    @property
    def height(self) -> float:
        return (self.north - self.south) * self.scale

    def __call__(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale


def fit(bounds: tuple[float, float, float, float], width: float, pad_degrees: float = 2.0) -> Projection:
    """A projection showing ``bounds`` (west, south, east, north) with a margin, ``width`` units wide."""
    west, south, east, north = bounds
    west, east = max(-180.0, west - pad_degrees), min(180.0, east + pad_degrees)
    south, north = max(-89.0, south - pad_degrees), min(89.0, north + pad_degrees)
    if east - west < 4:  # a single point: show some country around it
        west, east = west - 2, east + 2
    if north - south < 4:
        south, north = south - 2, north + 2
    kx = math.cos(math.radians((north + south) / 2))
    return Projection(west, south, east, north, width, kx)


def _intersects(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def svg_path(country: Outline, proj: Projection, min_step: float = 0.6) -> str:
    """The country as SVG path data in the projection's units, one decimal; points closer than
    ``min_step`` to the last drawn one are dropped (invisible at that scale), and a ring that
    jumps across the antimeridian is broken there instead of drawn across the map."""
    view = (proj.west, proj.south, proj.east, proj.north)
    parts: list[str] = []
    for poly in country.polygons:
        for ring in poly:
            if len(ring) < 3:
                continue
            xs = [p[0] for p in ring]
            ys = [p[1] for p in ring]
            if not _intersects((min(xs), min(ys), max(xs), max(ys)), view):
                continue
            cmds: list[str] = []
            last: tuple[float, float] | None = None
            prev_lon: float | None = None
            for lon, lat in ring:
                x, y = proj(lon, lat)
                jump = prev_lon is not None and abs(lon - prev_lon) > 180
                if last is None or jump:
                    cmds.append(f"M{x:.1f} {y:.1f}")
                    last = (x, y)
                elif abs(x - last[0]) + abs(y - last[1]) >= min_step:
                    cmds.append(f"L{x:.1f} {y:.1f}")
                    last = (x, y)
                prev_lon = lon
            if len(cmds) >= 3:
                parts.append("".join(cmds) + "Z")
    return "".join(parts)


@dataclass
class Basemap:
    """Outlines inside a view: ``paths`` maps an outline's code to its SVG path data."""

    projection: Projection
    paths: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def basemap(proj: Projection, countries: tuple[Outline, ...] | None = None) -> Basemap:
    """Every country whose outline reaches into the projection's view, in the file's order."""
    view = (proj.west, proj.south, proj.east, proj.north)
    out = Basemap(proj)
    for c in countries if countries is not None else world_countries():
        if not _intersects(c.bbox, view):
            continue
        d = svg_path(c, proj)
        if d:
            key = c.code or f"unnamed-{len(out.paths)}"
            out.paths[key] = out.paths.get(key, "") + d
            out.names[key] = c.name
    return out


def contains(country: Outline, lon: float, lat: float) -> bool:
    """Whether a point lies inside the country (even-odd rule over all rings)."""
    inside = False
    for poly in country.polygons:
        for ring in poly:
            j = len(ring) - 1
            for i in range(len(ring)):
                (xi, yi), (xj, yj) = ring[i], ring[j]
                if (yi > lat) != (yj > lat) and lon < (xj - xi) * (lat - yi) / (yj - yi) + xi:
                    inside = not inside
                j = i
    return inside
