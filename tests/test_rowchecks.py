"""The row checks' engine (checks/rowchecks.py): a condition given as a pattern flags the same rows
whether DuckDB runs its SQL (a table held in Python) or pyarrow tests the pattern (a table read by
pyarrow)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_grounding import _copy, _rows, _write

from validator import validate
from validator.checks import rowchecks
from validator.reading import csvread

# ids that break the id rule each in its own way, and one that keeps it
BAD_IDS = ["cit-", "cit--a", "cit-a-", "cit-a--b", "CIT-a", "cit-Ab", "cit-ñu", "cit-a_b", "cit-a b", "ent-x", "cit", "x"]


def _ids_package(dest: Path) -> Path:
    pkg = _copy(dest)
    citations = _rows(pkg, "citations")
    extra = [dict(citations[0], id=rid) for rid in [*BAD_IDS, "cit-zz-9"]]
    extra.append(dict(citations[0], id=""))  # an empty id is the required-cell check's, not this one's
    _write(pkg, "citations", [*citations, *extra])
    retired = _rows(pkg, "retired")
    row = {k: "" for k in (pkg / "data" / "retired.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")}
    stones = [dict(row, id=rid, reason="error", version="0.1.0") for rid in ("ent-gone", "ent-", "foo-bar", "Loc-x")]
    _write(pkg, "retired", [*retired, *stones])
    return pkg


def _report(pkg: Path) -> list[tuple[Any, ...]]:
    report = validate(pkg, select=["KY502"], max_per_group=0)
    return [(p.code, p.path, p.line, p.column, p.message, p.hint) for p in report.problems]


def test_a_pattern_flags_the_same_rows_in_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _ids_package(tmp_path / "pkg")
    tested: list[str] = []
    real = rowchecks._unmatched

    def spy(pkg: Any, table: str, cond: rowchecks.Condition) -> Any:
        tested.append(table)
        return real(pkg, table, cond)

    monkeypatch.setattr(rowchecks, "_unmatched", spy)
    in_sql = _report(pkg)
    assert tested == []
    flagged = {p[1]: set() for p in in_sql}
    for p in in_sql:
        flagged[p[1]].add(p[4].removeprefix("id ").split(" is not")[0])
    assert flagged["data/citations.csv"] == {repr(rid) for rid in BAD_IDS}
    assert flagged["data/retired.csv"] == {"'ent-'", "'foo-bar'", "'Loc-x'"}
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every table read by pyarrow
    assert _report(pkg) == in_sql
    assert {"citations", "retired", "entities"} <= set(tested)
