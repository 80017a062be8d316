"""Columns let go after their checks ran (``Package.release``): gone from the tables and the
database, while a problem still shows the cell's value, read again from the file."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from validator.problems import Problem
from validator.reading import csvread
from validator.reading.package import Package

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def pkg(monkeypatch: pytest.MonkeyPatch) -> Package:
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # the project's small files on the fast path
    loaded = Package.load(ROOT)
    assert loaded.tables["citations"].csv is not None and loaded.tables["citations"].csv.arrow is not None
    return loaded


def test_released_column_is_gone_and_its_cells_still_show(pkg: Package) -> None:
    line, quote = pkg.sql("SELECT _line, quote FROM citations WHERE quote LIKE '%,%' ORDER BY _line LIMIT 1")[0]
    assert pkg.release("citations", ["quote", "id", "no_such_column"]) == ["quote"]
    assert "quote" not in pkg.arrow("citations").column_names
    assert "id" in pkg.arrow("citations").column_names
    with pytest.raises(duckdb.Error):
        pkg.sql("SELECT quote FROM citations")
    assert pkg.sql("SELECT count(*) FROM citations")[0][0] == pkg.tables["citations"].csv.row_count
    problem = Problem("X", "m", "data/citations.csv", line=line, field="quote", extra={"table": "citations"})
    located = pkg.locate(problem)
    assert located.value == quote
    assert pkg.release("citations", ["quote"]) == []  # already let go


def test_exact_path_tables_are_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 1 << 40)
    pkg = Package.load(ROOT)
    assert pkg.release("citations", ["quote"]) == []
    assert pkg.sql("SELECT count(quote) FROM citations")[0][0] > 0
