"""DT602 on tables read in Python (checks/dates.py, from the rows at hand) against the queries it
runs on tables held in the database only: the same problems, on reversed pairs and intervals,
equal and open bounds, invalid and empty dates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from casepkg import reported
from test_grounding import _copy, _rows, _write

from validator.reading.package import Package

PAIRS = [
    ("2017", "2015"),  # reversed
    ("2015", "2015"),
    ("2015-06", "2015-05-31"),  # reversed by a day
    ("2015-06", "2015-06-01"),
    ("2015/..", "2014"),  # open end: no upper bound of the start, its lower bound counts
    ("../2016", "2014"),  # open start: no lower bound
    ("2018", "../2017"),  # reversed against an open start's upper bound
    ("2018", "2016/.."),  # no upper bound of the end
    ("2019-13", "2010"),  # invalid start
    ("", "2010"),
    ("2018~", "2017"),  # approximate, reversed
    ("2017/2015", "2016"),  # a reversed interval, and an end inside it
    ("2016?", "2016-12-31"),
]


def _report(pkg: Path) -> list[tuple[Any, ...]]:
    return reported(pkg, ["DT"])


def test_ends_after_starts_is_the_same_from_the_rows_held_in_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _copy(tmp_path / "pkg")
    for table in ("relations", "activities"):
        rows = _rows(pkg, table)
        for row, (start, end) in zip(rows, PAIRS, strict=False):
            row["start"], row["end"] = start, end
        _write(pkg, table, rows)
    held = _report(pkg)
    found = [p for p in held if p[0] == "DT602"]
    assert {p[1] for p in found} == {"data/relations.csv", "data/activities.csv"}
    assert sum("ends before it starts" in p[4] for p in found) == 2 and len(found) == 14  # six pairs, an interval
    monkeypatch.setattr(Package, "python_rows", lambda self, name: None)  # every table in the database only
    assert _report(pkg) == held


def test_the_dates_read_by_pyarrow_give_the_same_problems(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The distinct dates of tables read by pyarrow (hashed by pyarrow) and of tables held in
    Python give every date check the same problems, invalid and valid dates alike."""
    from validator.reading import csvread

    pkg = _copy(tmp_path / "pkg")
    for table in ("relations", "activities", "presence"):
        rows = _rows(pkg, table)
        for row, (start, end) in zip(rows, PAIRS, strict=False):
            row["start"], row["end"] = start, end
        _write(pkg, table, rows)
    events = _rows(pkg, "events")
    for row, date in zip(
        events, ["2023-02-30", "2024-02-29", "2023-02-29", "20/09/2023", "[2018,2019]", "2030", "0000-02-29"], strict=False
    ):
        row["date"] = date
    _write(pkg, "events", events)
    held = _report(pkg)
    assert {"DT601", "DT602", "DT603"} <= {p[0] for p in held}
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every table read by pyarrow
    assert _report(pkg) == held
