"""Every limit of docs/limits.md, probed at its value (accepted) and one past it (a clear problem).

Limits too big to reach in a fast test (a 1 GiB file, a million rows, a 64 MiB document) are
lowered for the test through validator.reading.limits, which the code reads at call time; the rest
are tested at their real values. Inputs are generated here, never committed.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from casepkg import build_base

from validator import CannotRun, validate
from validator.reading import limits

ROOT = Path(__file__).resolve().parents[1]


def _codes(report) -> list[tuple[str, str, int | None, int | None]]:
    return [(p.code, p.path, p.line, p.column) for p in report.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    return build_base(tmp_path / "pkg")


# --- the page and the code agree ----------------------------------------------------------------


def test_docs_state_every_limit() -> None:
    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    names = [n for n in dir(limits) if n.startswith("MAX_")]
    assert len(names) >= 11
    for name in names:
        row = next((line for line in doc.splitlines() if f"`{name}`" in line), None)
        assert row is not None, f"docs/limits.md does not state {name}"
        assert f"{getattr(limits, name):,}" in row, f"docs/limits.md gives another value for {name}"


# --- JSON files -----------------------------------------------------------------------------------


def _pad_descriptor(pkg: Path, size: int) -> None:
    path = pkg / "datapackage.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + " " * (size - len(text.encode("utf-8"))), encoding="utf-8")


@pytest.mark.slow  # an input at its limit, validated
def test_descriptor_size(pkg: Path) -> None:
    _pad_descriptor(pkg, limits.MAX_DESCRIPTOR_BYTES)
    assert validate(pkg).valid
    _pad_descriptor(pkg, limits.MAX_DESCRIPTOR_BYTES + 1)
    with pytest.raises(CannotRun, match=r"datapackage.json is larger than 10,485,760 bytes"):
        validate(pkg)


@pytest.mark.slow  # an input at its limit, validated
def test_schema_size(pkg: Path) -> None:
    path = pkg / "schemas" / "events.schema.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + " " * (limits.MAX_SCHEMA_BYTES - len(text.encode("utf-8"))), encoding="utf-8")
    assert validate(pkg).valid
    path.write_text(path.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with pytest.raises(CannotRun, match=r"schemas/events.schema.json: larger than 1,048,576 bytes"):
        validate(pkg)


def _nest(pkg: Path, arrays: int) -> None:
    """A property holding ``arrays`` nested arrays; with the root object, arrays + 1 levels."""
    path = pkg / "datapackage.json"
    text = path.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}")
    path.write_text(text[:-1] + ', "x-nested": ' + "[" * arrays + "]" * arrays + "}\n", encoding="utf-8")


@pytest.mark.slow  # an input at its limit, validated
def test_json_depth(tmp_path: Path) -> None:
    at = build_base(tmp_path / "at")
    _nest(at, limits.MAX_JSON_DEPTH - 1)
    assert validate(at).valid
    over = build_base(tmp_path / "over")
    _nest(over, limits.MAX_JSON_DEPTH)
    with pytest.raises(CannotRun, match=r"datapackage.json:\d+:\d+: nested deeper than 64 levels"):
        validate(over)


def _json_values(value: object) -> int:
    """Values as docs/limits.md counts them: every object, array, key, string, number and literal."""
    if isinstance(value, dict):
        return 1 + sum(1 + _json_values(v) for v in value.values())
    if isinstance(value, list):
        return 1 + sum(_json_values(v) for v in value)
    return 1


def _keywords_to(pkg: Path, total: int) -> None:
    path = pkg / "datapackage.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["keywords"] += ["k"] * (total - _json_values(data))
    assert _json_values(data) == total
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@pytest.mark.slow  # an input at its limit, validated
def test_json_values(pkg: Path) -> None:
    _keywords_to(pkg, limits.MAX_JSON_VALUES)
    assert validate(pkg, select=["DP"]).valid
    _keywords_to(pkg, limits.MAX_JSON_VALUES + 1)
    with pytest.raises(CannotRun, match=r"datapackage.json:\d+:\d+: more than 50,000 values"):
        validate(pkg, select=["DP"])


# --- CSV files ------------------------------------------------------------------------------------


def test_csv_file_size_real_limit_is_checked_before_reading(pkg: Path) -> None:
    path = pkg / "data" / "events.csv"
    with path.open("r+b") as fh:  # sparse: 1 GiB and one byte that never touch the disk
        fh.truncate(limits.MAX_CSV_BYTES + 1)
    start = time.monotonic()
    report = validate(pkg, select=["CS"])
    assert time.monotonic() - start < 10, "the file was read"
    assert _codes(report) == [("CS213", "data/events.csv", 1, 1)]
    assert "1,073,741,825 bytes; the limit is 1,073,741,824" in report.problems[0].message


@pytest.mark.slow  # an input at its limit, validated
def test_csv_file_size(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    largest = max((pkg / "data").glob("*.csv"), key=lambda p: p.stat().st_size)
    monkeypatch.setattr(limits, "MAX_CSV_BYTES", largest.stat().st_size)
    assert validate(pkg).valid
    _edit(largest, ",\n", ",x\n")  # one byte more: a note on a citation that had none
    rel = f"data/{largest.name}"
    assert _codes(validate(pkg, select=["CS"])) == [("CS213", rel, 1, 1)]


@pytest.mark.slow  # an input at its limit, validated
def test_rows(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    citations = pkg / "data" / "citations.csv"
    rows = len(citations.read_text(encoding="utf-8").splitlines()) - 1
    monkeypatch.setattr(limits, "MAX_ROWS", rows)  # the largest table of the base
    assert validate(pkg).valid
    with citations.open("a", encoding="utf-8") as fh:
        fh.write("cit-rel-tren-de-aragua-conflict-eln-4,rel-tren-de-aragua-conflict-eln,src-insightcrime-tda-profile,ELN,,,\n")
    report = validate(pkg)
    assert _codes(report) == [("CS213", "data/citations.csv", rows + 2, 1)]
    assert "more than 18 rows" in report.problems[0].message


@pytest.mark.slow  # an input at its limit, validated
def test_cell(pkg: Path) -> None:
    entities = pkg / "data" / "entities.csv"
    old = "Police officer in Aragua whose murder court records attribute to Guerrero in 2005."
    _edit(entities, old, "x" * limits.MAX_CELL_CHARS)
    assert validate(pkg).valid
    _edit(entities, "x" * limits.MAX_CELL_CHARS, "x" * (limits.MAX_CELL_CHARS + 1))
    report = validate(pkg)
    assert _codes(report) == [("CS213", "data/entities.csv", 4, 47)]
    assert "65,537 characters; the limit is 65,536" in report.problems[0].message


def test_fields_in_a_record(pkg: Path) -> None:
    actors = pkg / "data" / "event_actors.csv"
    _edit(actors, ",target\n", ",target" + ",x" * (limits.MAX_FIELDS - 4) + "\n")
    report = validate(pkg, select=["CS208"])
    assert [p.message for p in report.problems] == ["the record has 256 fields; the header has 4"]
    _edit(actors, ",target,", ",target,x,")
    report = validate(pkg, select=["CS208"])
    assert [p.message for p in report.problems] == ["too many fields: the record has 257 fields; the limit is 256"]


def test_fields_in_the_header(pkg: Path) -> None:
    actors = pkg / "data" / "event_actors.csv"
    _edit(actors, "id,event_id,entity_id,role\n", "id,event_id,entity_id,role" + "".join(f",c{i}" for i in range(252)) + "\n")
    assert [p.code for p in validate(pkg, select=["CS2"]).problems] == ["CS209", "CS208"]  # 256 columns: read, and wrong
    _edit(actors, ",c251\n", ",c251,c252\n")
    report = validate(pkg, select=["CS2"])
    assert [(p.code, p.message) for p in report.problems] == [
        ("CS208", "too many fields: the header has 257 fields; the limit is 256 (the rows were not checked)")
    ]


# --- values -------------------------------------------------------------------------------------


def test_edtf_length(pkg: Path) -> None:
    relations = pkg / "data" / "relations.csv"
    at = "Y-1" + "0" * (limits.MAX_EDTF_CHARS - 3)  # a long year, long ago: valid level-1 EDTF
    _edit(relations, ",killed,ent-oswaldo-gonzalez,2005,", f",killed,ent-oswaldo-gonzalez,{at},")
    assert validate(pkg, select=["DT"]).valid
    _edit(relations, at, at + "0")
    report = validate(pkg, select=["DT"])
    assert _codes(report) == [("DT601", "data/relations.csv", 2, 105)]
    assert "65 characters is too long for a date (at most 64)" in report.problems[0].message


def _chain(pkg: Path, length: int) -> None:
    """Towns z1 .. z<length>, each inside the previous, z1 inside Aragua (Aragua -> Venezuela)."""
    rows = [f"loc-z{i:05d},town,Z{i},{f'loc-z{i - 1:05d}' if i > 1 else 'loc-aragua'},,,,,,false" for i in range(1, length + 1)]
    locations = pkg / "data" / "locations.csv"
    header, *lines = locations.read_text(encoding="utf-8").splitlines()
    lines = sorted(lines + rows, key=lambda row: row.split(",")[0])
    locations.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")


def test_parent_depth(tmp_path: Path) -> None:
    at = build_base(tmp_path / "at")
    _chain(at, limits.MAX_PARENT_DEPTH - 1)  # z31 -> ... -> z1 -> Aragua -> Venezuela: 32 steps
    assert validate(at, select=["LC701"]).valid
    over = build_base(tmp_path / "over")
    _chain(over, limits.MAX_PARENT_DEPTH)
    report = validate(over, select=["LC701"])
    assert [(p.record, p.message) for p in report.problems] == [
        ("loc-z00032", "parent chain climbs more than 32 levels: loc-z00032 -> loc-z00031 -> loc-z00030 -> ...")
    ]


def test_a_long_parent_chain_does_not_hang(pkg: Path) -> None:
    _chain(pkg, 3000)  # took 75 s for LC701 alone before the walk was bounded; cubic in the length
    start = time.monotonic()
    report = validate(pkg, select=["LC"], max_per_group=0)
    assert time.monotonic() - start < 15
    assert report.by_code == {"LC701": 3000 - (limits.MAX_PARENT_DEPTH - 1)}


@pytest.mark.slow  # an input at its limit, validated
def test_source_document_size(pkg: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    size = (pkg / "seeds" / "insightcrime-tren-de-aragua-profile.txt").stat().st_size
    monkeypatch.setattr(limits, "MAX_SOURCE_BYTES", size)
    assert validate(pkg).valid
    monkeypatch.setattr(limits, "MAX_SOURCE_BYTES", size - 1)
    report = validate(pkg)
    assert [p.code for p in report.problems] == ["PV403"]
    assert f"larger than the limit of {size - 1:,} bytes" in report.problems[0].message


@pytest.mark.parametrize(
    "text, twice",
    [
        ('{"a": 1, "a": 2}', "a"),
        ('{"a": 1, "\\u0061": 2}', "a"),  # the same key, one of them escaped
        ('{"a\\"b": 1, "a\\u0022b": 2}', 'a"b'),
        ('{"é": 1, "\\u00e9": 2}', "é"),
        ('{"a": {"a": 1}, "b": 2}', None),  # one key in each of two objects
        ('{"a\\n": 1, "a": 2}', None),
        ('{"a\\u0001": 1, "a\u0001": 2}', None),  # then a raw control character: invalid JSON, not a second key
    ],
)
def test_a_key_twice_in_one_object_is_found_however_it_is_written(text: str, twice: str | None) -> None:
    from validator.reading.jsonread import loads

    if twice is None:
        try:
            expected = json.loads(text)
        except ValueError:
            with pytest.raises(CannotRun, match="not valid JSON"):
                loads(text, "x.json")
            return
        assert loads(text, "x.json") == expected
        return
    with pytest.raises(CannotRun, match=f"the key {twice!r} appears twice"):
        loads(text, "x.json")
