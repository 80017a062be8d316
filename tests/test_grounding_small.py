"""The grounding checks' Python path for small tables (checks/grounding_small.py) against their
SQL path: the same reports on every corruption, failing case and tricky text, and word forms
equal to the SQL rule's."""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest
from casepkg import case_builder, case_dirs, reported
from test_grounding import CORRUPTIONS, _copy, _plant_copies, _rows, _write
from test_wordform import _tricky_package

from validator.checks import grounding_small
from validator.reading.smallwords import word_forms_small
from validator.reading.wordform import DOMAIN, word_form_sql

PYTHON_PATH = (
    "shared_tables",
    "same_facts",
    "copies",
    "names_unattested",
    "aliases_unattested",
    "cues_missing",
    "date_bounds",
    "marks",
    "parties_unidentified",
    "resolutions_invalid",
    "citations_off_row",
    "unattested_dates",
)
# the grounding cases, and those that break what the grounding checks read: keys (duplicate and
# unknown ids) and the CSV files (ragged rows, bad headers, unreadable files)
CASES = [c for c in case_dirs() if c.name[:2] in ("GR", "KY", "CS")]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """A case's package, built once per worker for the tests below that only read it (a key or a
    CSV case is compared both for the grounding checks and for the checks of cells held in Python)."""
    return case_builder(tmp_path_factory, "case")


def _report(pkg: Path) -> list[tuple[Any, ...]]:
    return reported(pkg, ["GR"])


def _both_ways(pkg: Path, monkeypatch: pytest.MonkeyPatch, whole: bool = True) -> list[tuple[Any, ...]]:
    """The GR report of ``pkg`` by the Python path, after asserting that the SQL path gives the same
    (and, for a ``whole`` package, that every function of the Python path ran)."""
    calls: list[str] = []
    for name in PYTHON_PATH:
        real = getattr(grounding_small, name)

        def counted(*args: Any, _real: Callable[..., Any] = real, _name: str = name, **kwargs: Any) -> Any:
            calls.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(grounding_small, name, counted)
    small = _report(pkg)
    assert set(calls) == set(PYTHON_PATH) or not whole, "the Python path did not run"
    calls.clear()
    monkeypatch.setattr(grounding_small, "PYTHON_ROWS", -1)  # every table too large for it: SQL
    assert _report(pkg) == small
    assert calls == []
    monkeypatch.undo()
    return small


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_each_corruption_is_reported_the_same_both_ways(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corrupt, code = CORRUPTIONS[name]
    pkg = _copy(tmp_path / "pkg")
    corrupt(pkg)
    report = _both_ways(pkg, monkeypatch)
    assert code in {p[0] for p in report} or code == "PV405"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_failing_case_is_reported_the_same_both_ways(
    case: Path, built: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    grounding = case.name.startswith("GR")
    report = _both_ways(built(case), monkeypatch, whole=grounding)
    assert case.name.split("-")[0] in {p[0] for p in report} or not grounding


def test_tricky_texts_and_copies_are_reported_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _tricky_package(tmp_path / "tricky")
    assert {"GR101", "GR102", "GR107", "GR110"} <= {p[0] for p in _both_ways(pkg, monkeypatch)}
    copies = _copy(tmp_path / "copies")
    expected = _plant_copies(copies)
    found = {p[4].split(":")[0] for p in _both_ways(copies, monkeypatch) if p[0] == "GR110"}
    assert found == set(expected)


def test_small_word_forms_are_the_sql_rule() -> None:
    """Texts of every character of the domain, characters outside it (other scripts, combining
    marks, İ, U+0000, emoji), NFD forms and whitespace: word_forms_small gives word_form_sql's answers."""
    rnd = random.Random(15)
    pool = [chr(c) for r in DOMAIN for c in r] + list("Σίσυφος İnci \u0301\u0303\u00a0\u2028 😀 \x00\t\n ,.-_'’")
    texts: list[str | None] = ["".join(rnd.choice(pool) for _ in range(rnd.randint(0, 14))) for _ in range(3000)]
    texts += [unicodedata.normalize("NFD", t or "") for t in texts[:300]]
    texts += [None, "", "   ", "ABC_def", "Tren del Llano’s leader", "“Niño Guerrero,”", "ÉCOLE", "straße"]
    con = duckdb.connect()
    ((want,),) = con.execute(f"SELECT list_transform(?::VARCHAR[], lambda s: {word_form_sql('s')})", [texts]).fetchall()
    assert word_forms_small(con, texts) == want


def test_uncited_rows_are_left_alone_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows without a citation are `uncited-row`'s: neither path reports their names, aliases or cues."""
    pkg = _copy(tmp_path / "pkg")
    uncited = {"ent-tren-de-aragua", _rows(pkg, "relations")[0]["id"], _rows(pkg, "activities")[0]["id"]}
    _write(pkg, "citations", [c for c in _rows(pkg, "citations") if c["record_id"] not in uncited])
    assert not {p[4].split(":")[0] for p in _both_ways(pkg, monkeypatch)} & uncited


def test_stats_count_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tda stats reads the tables the Python path registers (_gr_hits among them)."""
    from validator.checks.grounding import grounding_counts
    from validator.reading.package import Package

    pkg = _copy(tmp_path / "pkg")
    _write(pkg, "citations", [c for c in _rows(pkg, "citations") if c["record_id"] != "ent-tren-de-aragua"])
    counts = []
    for rows in (grounding_small.PYTHON_ROWS, -1):
        monkeypatch.setattr(grounding_small, "PYTHON_ROWS", rows)
        loaded = Package.load(pkg)
        counts.append(grounding_counts(loaded))
        assert ("gr_small" in loaded.cache) is (rows > 0)
        loaded.close()
    assert counts[0] == counts[1]
    assert counts[0]["tables"]["relations"]["all_named"] > 0


def test_date_values_are_the_same_from_python_rows_and_from_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dates.edtf_table collects the distinct dates from the rows read in Python where it can."""
    from validator.checks.dates import edtf_table
    from validator.reading.package import Package

    pkg = _copy(tmp_path / "pkg")
    rels = _rows(pkg, "relations")
    rels[0]["start"], rels[1]["end"] = "2019-13", ""
    _write(pkg, "relations", rels)
    parsed = []
    for held in (True, False):
        if not held:  # every table held in the database only
            monkeypatch.setattr(Package, "python_rows", lambda self, name: None)
        loaded = Package.load(pkg)
        parsed.append(edtf_table(loaded))
        loaded.close()
    assert parsed[0] == parsed[1]
    assert isinstance(parsed[0]["2019-13"], str) and "" not in parsed[0]


HELD_CASES = [c for c in case_dirs() if c.name[:2] in ("KY", "DT", "CS", "TX")]


@pytest.mark.parametrize("case", HELD_CASES, ids=[c.name for c in HELD_CASES])
def test_keys_dates_and_text_are_reported_the_same_from_the_database_alone(
    case: Path, built: Callable[[Path], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """KY504, KY505, the date values and the text checks' choice of columns read the cells held
    in Python where every table involved was read in Python; the same checks with every table
    held in the database only agree."""
    from validator.reading.package import Package

    pkg = built(case)

    def report() -> list[tuple[Any, ...]]:
        return reported(pkg, ["KY", "DT", "TX"])

    held = report()
    monkeypatch.setattr(Package, "python_rows", lambda self, name: None)
    assert report() == held


def test_odd_spaces_and_formula_starts_are_reported_the_same_from_the_database_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cells that start or end with a tab, a no-break space, a line separator or an ideographic
    space, or start with a formula character: the columns the text checks scan, chosen from the
    cells held in Python, find what the scan of every column finds."""
    from validator.reading.package import Package

    pkg = _copy(tmp_path / "pkg")
    ents = _rows(pkg, "entities")
    ents[0]["name"] = "\u00a0" + ents[0]["name"]
    ents[1]["description"] = ents[1]["description"] + "\t"
    ents[2]["description"] = "\u3000" + ents[2]["description"]
    ents[3]["name"] = "@" + ents[3]["name"]
    _write(pkg, "entities", ents)
    rels = _rows(pkg, "relations")
    rels[0]["description"] = rels[0]["description"] + "\u2028"
    rels[1]["description"] = "-" + rels[1]["description"]
    _write(pkg, "relations", rels)

    def report() -> list[tuple[Any, ...]]:
        return reported(pkg, ["TX"])

    held = report()
    assert [p[0] for p in held].count("TX903") == 4 and [p[0] for p in held].count("TX904") == 2
    monkeypatch.setattr(Package, "python_rows", lambda self, name: None)
    assert report() == held


def test_derived_notes_are_read_the_same_both_ways(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a note that starts 'derived:' explains a date: a note naming the year without it does not
    (the SQL path puts only those notes in word form), on a row cited with and without notes."""
    row = "evt-2012-guerrero-escape-tocoron"  # 2012~, cited also by a quote without a note
    cits = _rows(_copy(tmp_path / "base"), "citations")
    (derived,) = [c for c in cits if c["record_id"] == row and c["note"].startswith("derived:")]
    others = [{**derived, "id": f"{derived['id']}-plain", "note": "the escape, 2012, per this source"}]
    explained = _copy(tmp_path / "explained")
    _write(explained, "citations", cits + others)
    assert row not in {p[4].split(":")[0] for p in _both_ways(explained, monkeypatch) if p[0] == "GR104"}
    unexplained = _copy(tmp_path / "unexplained")
    _write(unexplained, "citations", [c for c in cits if c is not derived] + others + [{**derived, "note": "see: 2012"}])
    assert row in {p[4].split(":")[0] for p in _both_ways(unexplained, monkeypatch) if p[0] == "GR104"}
