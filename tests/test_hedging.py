"""PV405 (hedged-but-reported) gives the same problems whichever way it finds the hedged quotes:
from HEDGED's list (a helper process's, or the main process's for a package held in Python) or in
one statement over the database (citations read by pyarrow, no helper)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from casepkg import reported
from test_grounding import _copy, _rows, _write

from validator.checks import provenance
from validator.reading import csvread


def _hedged_package(dest: Path) -> Path:
    """The real package with every row of a claim status 'reported' (its hedged quotes now
    contradict it), one hedged citation marked hedge_elsewhere, and a second citation under the
    id of another hedged one, marked 'TRUE': the mark drops every citation of that id."""
    pkg = _copy(dest)
    for table in ("relations", "presence", "activities", "events"):
        rows = _rows(pkg, table)
        for r in rows:
            r["claim_status"] = "reported"
        _write(pkg, table, rows)
    citations = _rows(pkg, "citations")
    hedged = [c for c in citations if "alleged" in c["quote"].lower() or "according to" in c["quote"].lower()]
    assert len(hedged) >= 3
    hedged[0]["hedge_elsewhere"] = "true"
    twin = dict(hedged[1], hedge_elsewhere="TRUE", record_id=hedged[2]["record_id"])
    # a quote repeated under another id and record: the statement runs the expression once for both
    repeat = dict(hedged[2], id=hedged[2]["id"] + "-again", record_id=hedged[1]["record_id"])
    _write(pkg, "citations", [*citations, twin, repeat])
    return pkg


def _report(pkg: Path) -> list[tuple[Any, ...]]:
    return reported(pkg, ["PV405"])


def test_hedges_are_found_the_same_in_one_statement(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _hedged_package(tmp_path / "pkg")
    ways: list[str] = []
    for name in ("_hedged_reported", "_hedged_reported_sql"):
        real = getattr(provenance, name)

        def spy(*args: Any, _real: Any = real, _name: str = name) -> Any:
            ways.append(_name)
            return _real(*args)

        monkeypatch.setattr(provenance, name, spy)
    held = _report(pkg)  # read in Python: HEDGED's list, from a helper where one forks
    assert ways == ["_hedged_reported"]
    assert len(held) > 20 and all(p[0] == "PV405" for p in held)
    monkeypatch.setenv("TDA_NO_SIDECAR", "1")
    assert _report(pkg) == held  # HEDGED computed in the main process
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every table read by pyarrow: one statement
    ways.clear()
    assert _report(pkg) == held
    assert ways == ["_hedged_reported_sql"]
