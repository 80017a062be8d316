"""The cache of verdicts on unchanged inputs (validator/reading/cache.py) never hides a problem:
it is keyed by content, a changed byte is a new key, only clean verdicts are stored, and a broken
or unwritable cache is the same as none."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pycountry
import pytest

from validator import validate
from validator.checks.locations import _iso_answers, _iso_tables, lookup_iso
from validator.errors import CannotRun
from validator.reading import cache, gazetteer, jsonread
from validator.reading.model import load_model

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TDA_CACHE_DIR", str(folder))
    monkeypatch.delenv("TDA_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def package(tmp_path: Path) -> Path:
    dest = tmp_path / "pkg"
    for name in ("datapackage.json", "schemas", "data", "seeds"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def _entries(folder: Path) -> list[str]:
    """The kind of each entry in the cache, but the JSON scan's (one per file read)."""
    return sorted(p.name.split("-")[0] for p in folder.glob("*.json") if not p.name.startswith("json-scan-"))


def test_a_clean_run_fills_the_cache_and_a_second_run_gives_the_same_report(cache_dir: Path, package: Path) -> None:
    first = validate(package)
    assert first.valid and first.problems == []
    assert _entries(cache_dir) == ["frictionless", "gazetteer", "iso", "metadata", "schemas"]
    second = validate(package)
    assert second.as_dict() == first.as_dict()


def test_a_schema_changed_after_a_clean_run_is_checked_again(cache_dir: Path, package: Path) -> None:
    load_model(package / "schemas", rel_to=package)
    assert _entries(cache_dir) == ["schemas"]
    path = package / "schemas" / "entities.schema.json"
    schema = json.loads(path.read_text())
    schema["properties"]["id"]["pattern"] = "^ent-(unclosed$"  # RE2 cannot compile it
    path.write_text(json.dumps(schema))
    with pytest.raises(CannotRun, match="pattern"):
        load_model(package / "schemas", rel_to=package)
    schema["properties"]["id"]["minLength"] = "one"  # the shape check: an integer is read here
    path.write_text(json.dumps(schema))
    with pytest.raises(CannotRun, match="minLength"):
        load_model(package / "schemas", rel_to=package)


def test_a_descriptor_changed_after_a_clean_run_is_checked_again(cache_dir: Path, package: Path) -> None:
    assert validate(package).valid
    path = package / "datapackage.json"
    descriptor = json.loads(path.read_text())
    descriptor["version"] = "one"  # the project's metadata rule (DP102)
    descriptor["licenses"] = "CC-BY-4.0"  # frictionless: licenses must be an array (DP101)
    path.write_text(json.dumps(descriptor, indent=2))
    codes = {p.code for p in validate(package).problems}
    assert {"DP101", "DP102"} <= codes


def test_a_broken_entry_or_an_unwritable_folder_is_no_entry(cache_dir: Path, package: Path) -> None:
    assert validate(package).valid
    for entry in cache_dir.glob("*.json"):
        entry.write_text('{"key": "something else", "value": "ok"}')  # not the entry it is named for
    key_before = {p.name for p in cache_dir.glob("schemas-*")}
    assert validate(package).valid
    assert {p.name for p in cache_dir.glob("schemas-*")} == key_before
    for entry in cache_dir.glob("*.json"):
        entry.write_bytes(b"\xff not json")
    assert validate(package).valid
    shutil.rmtree(cache_dir)
    cache_dir.write_text("a file where the folder should be")
    assert validate(package).valid
    assert cache_dir.read_text() == "a file where the folder should be"  # left as it was


def test_no_cache_leaves_it_untouched(cache_dir: Path, package: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TDA_NO_CACHE", "1")
    assert validate(package).valid
    assert not cache_dir.exists()


def test_the_key_follows_every_part() -> None:
    base = cache.key("x", "a", b"b")
    assert cache.key("x", "a", b"b") == base
    assert cache.key("y", "a", b"b") != base
    assert cache.key("x", "ab", b"") != base  # parts are length-prefixed: no two lists share a key
    assert cache.key("x", "a", b"c") != base


def test_the_library_fingerprint_is_its_installed_record() -> None:
    assert cache.library("duckdb").startswith("record:")
    assert cache.library("no_such_library_here") == ""


def test_cached_gazetteer_answers_equal_a_fresh_lookup(cache_dir: Path) -> None:
    ids = {3625428, 3632998, 3639725, 999999999}  # Venezuela, Maracay, Güiria, unknown
    fresh = gazetteer._lookup(set(ids))
    assert gazetteer.lookup(ids) == fresh  # fills the cache
    assert gazetteer.lookup(ids) == fresh  # from the cache
    assert 999999999 not in fresh and fresh[3632998].name == "Maracay"
    assert gazetteer.lookup({3625428}) == {3625428: fresh[3625428]}  # another set: another key


def test_cached_iso_answers_equal_a_fresh_lookup(cache_dir: Path) -> None:
    codes = ["VE", "VE-D", "VE-Z9", "XX", "CO-ANT"]  # a country, a state, two unknown, a department
    fresh = _iso_answers(codes)
    assert lookup_iso(codes) == fresh  # fills the cache
    assert lookup_iso(codes) == fresh  # from the cache
    assert fresh["VE"] == ("country", True) and fresh["VE-D"] == ("subdivision", True) and fresh["XX"] is None
    assert lookup_iso(["VE-Z9"]) == {"VE-Z9": None}  # another set: another key
    for entry in cache_dir.glob("iso-*.json"):
        entry.write_text(json.dumps({"key": entry.stem, "value": {c: ["country", True] for c in codes}}))
    assert lookup_iso(codes) == {c: ("country", True) for c in codes}  # what is stored is what is answered ...
    for entry in cache_dir.glob("iso-*.json"):
        entry.write_text(json.dumps({"key": entry.stem, "value": {"VE": ["country"]}}))
    assert lookup_iso(codes) == fresh  # ... unless it is not an answer for these codes


def test_iso_codes_read_from_pycountrys_files_agree_with_pycountry() -> None:
    countries, subdivisions = _iso_tables()
    assert countries == {c.alpha_2.lower() for c in pycountry.countries}
    assert subdivisions == {s.code.lower(): not s.parent_code for s in pycountry.subdivisions}


def test_cache_location_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TDA_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.directory() == tmp_path / "xdg" / "tda"
    monkeypatch.setenv("TDA_CACHE_DIR", str(tmp_path / "own"))
    assert cache.directory() == tmp_path / "own"


def test_an_entry_is_only_trusted_under_its_own_key(cache_dir: Path) -> None:
    entry = cache.key("schemas", "some bytes")
    cache.put(entry, "ok")
    assert cache.get(entry) == "ok"
    (cache_dir / f"{entry}.json").write_text(json.dumps({"key": cache.key("schemas", "other bytes"), "value": "ok"}))
    assert cache.get(entry) is None  # a file copied or renamed under another entry's name
    (cache_dir / f"{entry}.json").write_bytes(b"\xff not json")
    assert cache.get(entry) is None


def test_a_json_text_found_clean_is_not_scanned_again_and_a_bad_one_always_is(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan that keeps unsafe JSON from json.loads (duplicate keys, NaN, depth) is skipped for
    bytes that passed it and parsed before, under the same limits; a text refused, or that does
    not parse, is never remembered, so its message always comes."""
    from validator.reading import limits

    clean, twice, broken = '{"a": 1, "b": [1, 2]}', '{"a": 1,\n "a": 2}', '{"a": 1,,}'

    def scans() -> int:
        jsonread._seen_violation.cache_clear()  # nothing remembered in this process
        return len(list(cache_dir.glob("json-scan-*.json")))

    scans()
    assert jsonread.loads(clean, "x.json") == {"a": 1, "b": [1, 2]}
    assert scans() == 1
    for _ in range(2):
        with pytest.raises(CannotRun, match=r"x.json:2:2: the key 'a' appears twice"):
            jsonread.loads(twice, "x.json")
        with pytest.raises(CannotRun, match=r"x.json:1:9: not valid JSON"):
            jsonread.loads(broken, "x.json")
        assert scans() == 1

    real = jsonread._first_violation
    monkeypatch.setattr(jsonread, "_first_violation", lambda text: pytest.fail("scanned again"))
    assert jsonread.loads(clean, "x.json") == {"a": 1, "b": [1, 2]}
    monkeypatch.setattr(jsonread, "_first_violation", real)
    monkeypatch.setattr(limits, "MAX_JSON_DEPTH", 1)  # a limit lowered: the text is judged again
    scans()
    with pytest.raises(CannotRun, match="nested deeper than 1 levels"):
        jsonread.loads(clean, "x.json")
    jsonread._seen_violation.cache_clear()
