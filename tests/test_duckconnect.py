"""A small package's connection from DuckDB's engine alone (reading/duckconnect.py) against one
from the duckdb package: the same reports, on the repository's package and on a failing case of
every family. Each way runs in a fresh interpreter, since the engine alone is used only where
nothing has imported duckdb yet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from casepkg import ROOT, build_case, case_dirs

_REPORTS = """
import json, sys
if sys.argv[1] == "full":
    import duckdb  # noqa: F401 - loaded first: every connection is made by the duckdb package
from validator import validate
out = []
for pkg in sys.argv[2:]:
    report = validate(pkg, max_per_group=0)
    out.append([[p.code, p.path, p.line, p.column, p.message, p.hint, p.severity] for p in report.problems])
out.append(sorted(m for m in ("duckdb", "_duckdb") if m in sys.modules))
print(json.dumps(out))
"""


def _start(way: str, packages: list[Path]) -> subprocess.Popen[str]:
    env = {**os.environ, "TDA_NO_SIDECAR": "1", "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-c", _REPORTS, way, *map(str, packages)]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


def _reports(run: subprocess.Popen[str]) -> list:
    out, err = run.communicate(timeout=120)
    assert run.returncode == 0, err
    return json.loads(out)


@pytest.mark.slow  # about 1.5 s of CPU each way
def test_the_engine_alone_reports_as_the_duckdb_package_does(tmp_path: Path) -> None:
    first: dict[str, Path] = {}
    for case in case_dirs():
        first.setdefault(case.name[:2], case)
    packages = [ROOT] + [build_case(case, tmp_path / case.name) for case in first.values()]
    runs = _start("light", packages), _start("full", packages)  # side by side
    light, full = _reports(runs[0]), _reports(runs[1])
    assert light[-1] == ["_duckdb"], "the small packages were not checked by the engine alone"
    assert full[-1] == ["_duckdb", "duckdb"]
    assert light[:-1] == full[:-1]
    assert all(light[1:-1]), "a failing case reported nothing"


def test_a_light_connection_scans_arrow_and_answers_the_relational_api() -> None:
    """A connection of DuckDB's engine alone lacks sql() and the scan of Arrow tables until the
    duckdb package is imported: register_arrow and arrow_of import it themselves, so code that a
    size threshold (or a test) sends down a large path works on any connection. In a fresh
    interpreter, where nothing has imported duckdb."""
    script = """
import sys
import pyarrow as pa
from validator.reading import duckconnect
db = duckconnect.engine(light=True).connect()
assert "duckdb" not in sys.modules and type(db).__module__ == "_duckdb", type(db).__module__
duckconnect.register_arrow(db, "t", pa.table({"x": [3, 1, 2]}))
print(db.execute("SELECT sum(x) FROM t").fetchall()[0][0], duckconnect.arrow_of(db, "SELECT x FROM t ORDER BY x")["x"].to_pylist())
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["6", "[1,", "2,", "3]"]


def test_the_relational_api_runs_only_where_no_light_connection_is_made() -> None:
    """A small package is checked on a light connection (see above): the grounding checks' and
    wordform's large paths, which scan Arrow tables and so load the duckdb package's Python layer,
    run from FAST_WORDS_ROWS rows of citations, and only packages whose tables are all held in
    Python (at most SMALL_TABLE_ROWS rows) get a light connection. Raising the one past the other
    would make small packages pay for that layer again."""
    from validator.checks.grounding import FAST_WORDS_ROWS
    from validator.reading.package import SMALL_TABLE_ROWS

    assert SMALL_TABLE_ROWS < FAST_WORDS_ROWS
