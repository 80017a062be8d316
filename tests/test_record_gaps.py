"""Uncited rows and citations that name no row: the one join both checks share on citations read
by pyarrow (queries.record_gaps) reports what their own queries report on a package held in Python."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from casepkg import reported
from test_grounding import _copy, _rows, _write

from validator.checks import keys, provenance
from validator.reading import csvread, queries


def _gappy_package(dest: Path) -> Path:
    """Rows left without citations, citations of missing, retired, unprefixed and left-out rows,
    an empty and a repeated id."""
    pkg = _copy(dest)
    citations = _rows(pkg, "citations")
    events = _rows(pkg, "events")
    dropped = {events[0]["id"], events[3]["id"], _rows(pkg, "entities")[2]["id"]}
    kept = [c for c in citations if c["record_id"] not in dropped]
    stray = [
        dict(citations[0], id=f"cit-stray-{i}", record_id=rid)
        for i, rid in enumerate(["ent-nobody", "xyz-foo", "act-el-santanita-gang-extortion-lara", "ent-left-out", "ent-"])
    ]
    _write(pkg, "citations", [*kept, *stray])
    entities = _rows(pkg, "entities")
    entities.append(dict(entities[0], id=""))
    entities.append(dict(entities[1]))  # the same id twice
    _write(pkg, "entities", entities)
    path = pkg / "data" / "entities.csv"
    path.write_text(path.read_text(encoding="utf-8") + "ent-left-out,person\n", encoding="utf-8")  # too few fields
    return pkg


def _report(pkg: Path) -> list[tuple[Any, ...]]:
    return reported(pkg, ["PV401", "KY505"])


def test_one_join_reports_what_two_queries_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _gappy_package(tmp_path / "pkg")
    shared: list[bool] = []
    real = queries.record_gaps

    def spy(p: Any) -> Any:
        gaps = real(p)
        shared.append(gaps is not None)
        return gaps

    monkeypatch.setattr(keys, "record_gaps", spy)
    monkeypatch.setattr(provenance, "record_gaps", spy)
    own = _report(pkg)
    assert shared and not any(shared)  # held in Python: each check's own question
    codes = [p[0] for p in own]
    assert codes.count("PV401") == 3 and codes.count("KY505") == 4, own
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # citations read by pyarrow
    shared.clear()
    assert _report(pkg) == own
    assert shared == [True, True]
