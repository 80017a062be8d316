"""The row checks' engine (checks/rowchecks.py): a condition given as a pattern flags the same rows
whether DuckDB runs its SQL (a table held in Python) or pyarrow tests the pattern (a table read by
pyarrow)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from casepkg import reported
from test_grounding import _copy, _rows, _write

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
    return reported(pkg, ["KY502"])


def test_a_pattern_flags_the_same_rows_in_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = _ids_package(tmp_path / "pkg")
    tested: list[str] = []
    real = rowchecks._flagged

    def spy(pkg: Any, table: str, cond: rowchecks.Condition) -> Any:
        tested.append(table)
        return real(pkg, table, cond)

    monkeypatch.setattr(rowchecks, "_flagged", spy)
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


def _cells_package(dest: Path) -> Path:
    """The real package with cells that break the cell and text rules in every way their
    conditions tell apart, and near misses that keep them. (A line end inside a cell sends its
    file to the exact reader, held in Python, so no such cell reaches pyarrow.)"""
    pkg = _copy(dest)
    entities = _rows(pkg, "entities")
    e = entities[0]
    bad_entities = [
        dict(e, id="ent-zz-type", type="gang"),
        dict(e, id="ent-zz-type-case", type="Person"),
        dict(e, id="ent-zz-protected", protected="yes"),
        dict(e, id="ent-zz-protected-case", protected="True"),
        dict(e, id="ent-zz-name-empty", name=""),
        dict(e, id="ent-zz-name-pad", name=" Loro"),
        dict(e, id="ent-zz-name-nbsp", name="Loro\u00a0"),
        dict(e, id="ent-zz-name-tab", name="Lo\tro"),
        dict(e, id="ent-zz-name-formula", name="=Loro"),
        dict(e, id="ent-zz-name-fullwidth", name="\uff1dLoro"),
        dict(e, id="ent-zz-name-accent", name="Élan"),
        dict(e, id="ent-zz-name-nfd", name="Nin\u0303o"),
        dict(e, id="ent-zz-aliases", aliases="a||b"),
        dict(e, id="ent-zz-aliases-pad", aliases="a| b"),
        dict(e, id="ent-zz-aliases-twice", aliases="a|a"),
        dict(e, id="ent-zz-description", description="+1 more"),
    ]
    _write(pkg, "entities", [*entities, *bad_entities])
    locations = _rows(pkg, "locations")
    g = locations[0]
    bad_locations = [
        dict(g, id="loc-zz-lat", latitude="10,25"),
        dict(g, id="loc-zz-lat-range", latitude="95"),
        dict(g, id="loc-zz-lat-exp", latitude="1e2"),
        dict(g, id="loc-zz-lat-dot", latitude="10."),
        dict(g, id="loc-zz-lat-ok", latitude="-0.5"),
        dict(g, id="loc-zz-geonames", geonames_id="007"),
        dict(g, id="loc-zz-geonames-neg", geonames_id="-1"),
        dict(g, id="loc-zz-iso", iso_code="English"),
        dict(g, id="loc-zz-iso-lower", iso_code="ve-d"),
        dict(g, id="loc-zz-type", type=" state"),
    ]
    _write(pkg, "locations", [*locations, *bad_locations])
    citations = _rows(pkg, "citations")
    c = citations[0]
    bad_citations = [
        dict(c, id="cit-zz-refers", refers="the gang=ent-x|"),
        dict(c, id="cit-zz-refers-ok", refers="the gang=ent-tren-de-aragua"),
        dict(c, id="cit-zz-hedge", hedge_elsewhere="maybe"),
        dict(c, id="cit-zz-quote-at", quote="@someone said so"),
        dict(c, id="cit-zz-quote-pad", quote="said so "),
        dict(c, id="cit-zz-note-minus", note="-derived: from the quote"),
        dict(c, id="cit-zz-note-nfd", note="Nin\u0303o"),
        dict(c, id="cit-zz-source", source_id=""),
    ]
    _write(pkg, "citations", [*citations, *bad_citations])
    return pkg


def _cells_report(pkg: Path) -> list[tuple[Any, ...]]:
    return reported(pkg, ["SC", "TX", "KY502"])


def test_cell_rules_flag_the_same_cells_in_pyarrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each cell and text rule gives the same problems whether DuckDB runs its SQL on tables held
    in Python or pyarrow (and a query on the suspect lines) runs it on tables read by pyarrow."""
    pkg = _cells_package(tmp_path / "pkg")
    vectors: list[str] = []
    real = rowchecks._flagged

    def spy(pkg: Any, table: str, cond: rowchecks.Condition) -> Any:
        vectors.append(cond.field)
        return real(pkg, table, cond)

    monkeypatch.setattr(rowchecks, "_flagged", spy)
    in_sql = _cells_report(pkg)
    assert vectors == []
    codes = {p[0] for p in in_sql}
    assert {"SC301", "SC302", "SC303", "SC304", "SC305", "SC306", "TX901", "TX902", "TX903", "TX904"} <= codes
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0)  # every table read by pyarrow
    assert _cells_report(pkg) == in_sql
    assert {"name", "type", "protected", "latitude", "iso_code", "refers", "quote", "note"} <= set(vectors)


def test_the_pyarrow_way_does_not_load_pandas(tmp_path: Path) -> None:
    """pyarrow imports pandas (about half a second) for an array built from a Python list; the
    row checks' pyarrow way builds theirs from buffers, so a run on tables read by pyarrow does not."""
    import subprocess
    import sys

    pkg = _cells_package(tmp_path / "pkg")
    script = (
        "import sys\n"
        "from validator import validate\n"
        "from validator.reading import csvread\n"
        "csvread.FAST_PATH_MIN_BYTES = 0\n"
        f"report = validate({str(pkg)!r}, select=['SC', 'TX', 'KY502'])\n"
        "assert report.errors, 'the broken cells were not found'\n"
        "print('pandas' in sys.modules)\n"
    )
    env = {**os.environ, "TDA_NO_SIDECAR": "1"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.strip() == "False"
