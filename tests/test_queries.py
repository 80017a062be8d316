"""Shared lookups (reading/queries.py): the tombstones of a retired table read by pyarrow are
those of the same table held in Python."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_grounding import _copy, _rows, _write

from validator.reading import csvread
from validator.reading.package import Package
from validator.reading.queries import tombstones


def _stones(root: Path) -> dict:
    pkg = Package.open(root)
    pkg.load_tables()
    try:
        return tombstones(pkg)
    finally:
        pkg.close()


def test_tombstones_are_the_same_read_by_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy(tmp_path / "pkg")
    retired = _rows(root, "retired")
    row = {k: "" for k in (root / "data" / "retired.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")}
    extra = [
        dict(row, id="ent-gone", reason="merged", replaced_by="ent-tren-de-aragua", version="0.2.0"),
        dict(row, id="ent-gone", reason="error", version="0.3.0"),  # retired twice: the first row counts
        dict(row, id="ent-zz-empty"),  # every other cell empty
        dict(row, id=""),  # no id: no tombstone
    ]
    _write(root, "retired", [*retired, *extra])
    held = _stones(root)
    assert held["ent-gone"].reason == "merged" and held["ent-zz-empty"].version is None
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every table read by pyarrow
    from_arrow = _stones(root)
    assert from_arrow == held
    assert list(from_arrow.items()) == list(held.items())
