"""The benchmark generator and script keep working (a small size, not a timing), and the fast
reading path reports exactly what the exact path reports, on a package with planted errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generate import PLANTED, generate
from validator import validate
from validator.reading import csvread

pytestmark = pytest.mark.slow  # 3,000-row generated packages, each validated on both paths; the script runs for 20 s

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "clean"
    generate(out, rows=3000, seed=1)
    return out


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bench") / "broken"
    generate(out, rows=3000, seed=2, errors=2)
    return out


def _problems(pkg: Path, fast: bool, monkeypatch: pytest.MonkeyPatch) -> set[tuple]:
    monkeypatch.setattr(csvread, "FAST_PATH_MIN_BYTES", 0 if fast else 1 << 62)
    report = validate(pkg, max_per_group=0)
    return {(p.code, p.path, p.line, p.column, p.record) for p in report.problems}


def test_generated_package_is_valid_on_both_paths(clean: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _problems(clean, True, monkeypatch) == set()
    assert _problems(clean, False, monkeypatch) == set()
    rows = sum(1 for p in (clean / "data").glob("*.csv") for _ in p.open()) - len(list((clean / "data").glob("*.csv")))
    assert rows == 3000


def test_every_planted_error_is_found_with_its_code(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    planted = json.loads((broken / "planted.json").read_text())
    found = _problems(broken, True, monkeypatch)
    for kind, ids in planted.items():
        code = PLANTED[kind]
        hit = {p[4] for p in found if p[0] == code} | {p[2] for p in found if p[0] == code}
        assert len(ids) == 2
        if code == "CS208":  # a ragged row is reported by line, not by id
            assert sum(1 for p in found if p[0] == "CS208") == 2
        else:
            assert set(ids) <= hit, (kind, ids)


def test_fast_and_exact_paths_report_the_same(broken: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _problems(broken, True, monkeypatch) == _problems(broken, False, monkeypatch)


@pytest.mark.git  # the script commits to a git repository for its --since figures
def test_benchmark_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--sizes",
            "400",
            "--repeat",
            "1",
            "--work",
            str(tmp_path),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "| 400 | tda validate |" in result.stdout and "| 400 | frictionless validate |" in result.stdout
    results = json.loads(out.read_text())
    runs = results["sizes"]["400"]
    assert len(results["real"]) == 11 and sum(r["sampled"] for r in results["real"]) == 1
    for variant in ("clean", "one error"):  # --since and the full run agree, on a real 10-row commit
        since = results["since"][variant]
        assert since["edited_rows"] == 10 and since["same_verdict"]
    assert results["since"]["clean"]["full_verdict"] == [0, []]
    assert [p[0] for p in results["since"]["one error"]["full_verdict"][1]] == ["KY504"]
    assert "| 10 rows, clean |" in result.stdout
    assert set(runs) == {"tda validate", "frictionless validate", "pyarrow read (floor)"}
    assert all(r["code"] == 0 and r["peak_kb"] > 0 for rs in runs.values() for r in rs)


@pytest.mark.parametrize("word", ["allegedly", "ALLEGEDLY", "According to"])
def test_a_hedge_is_found_on_the_fast_path(word: str, clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PV405's prefilter over the whole quote column (arrow) lets a hedged quote through, in any case."""
    import csv
    import shutil

    pkg = tmp_path / "pkg"
    shutil.copytree(clean, pkg)
    with (pkg / "data" / "relations.csv").open(newline="", encoding="utf-8") as fh:
        reported = {r["id"] for r in csv.DictReader(fh) if r["claim_status"] == "reported"}
    path = pkg / "data" / "citations.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    target = next(r for r in rows[1:] if r[header.index("record_id")] in reported)
    target[header.index("quote")] = f"{word} {target[header.index('quote')]}"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    found = _problems(pkg, True, monkeypatch)
    assert {p[4] for p in found if p[0] == "PV405"} == {target[header.index("record_id")]}
    assert found == _problems(pkg, False, monkeypatch)
