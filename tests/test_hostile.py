"""The hostile corpus: malformed and malicious packages, each with exactly the problems it must produce.

Every case in tests/hostile/ is the shared valid base (tests/cases/_base) plus the case's
overrides (see casepkg.py for the format). ``tda validate`` runs on it in a child process with a
time limit, and must:

- finish (no hang), without a traceback or an internal error;
- exit 1 with exactly the expected problems, each at its file, line and column (``expected``,
  an entry's optional ``message`` must occur in the problem's message), or exit 2 with the
  expected words on stderr (``"exit": 2`` and ``"stderr"``) when the package cannot be read;
- leave every file of the package as it was.

``tda fmt --check`` runs on the same package under the same rules (it may exit 0, 1 or 2).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from casepkg import build_base, case_builder, expected, json_position, load_case
from clirun import run_cli, run_subprocess
from treestate import snapshot

from validator.reading.model import load_model

pytestmark = pytest.mark.slow  # about 200 tests, most of them a subprocess each: 100 s of CPU

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir())
TIMEOUT = 60.0


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """A case's package, built once per worker and shared by the tests that run a command on it
    (validate, fmt --check, the real entry point): each of them asserts that its command left every
    file as it was, so none sees a package another has changed without failing itself."""
    return case_builder(tmp_path_factory, "hostile")


def _describe(problems: list[dict]) -> list[str]:
    return [f"{p['code']} {p['path']}:{p['line']}:{p['column']} {p['message'][:120]}" for p in problems]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Path, tmp_path: Path, built: Callable[[Path], Path]) -> None:
    spec = load_case(case)
    pkg = built(case)
    before = snapshot(pkg)
    result = run_cli(["validate", "--format", "json", "--max-per-group", "0", str(pkg)], cwd=tmp_path, timeout=TIMEOUT)
    assert not result.timed_out, f"validate did not finish in {TIMEOUT:.0f} s"
    assert not result.crashed, result.stderr
    want_exit = spec.get("exit", 1)
    assert result.returncode == want_exit, (result.returncode, result.stderr, result.stdout[:2000])
    if want_exit == 2:
        error = json.loads(result.stdout)["error"]  # still one JSON document for tools
        assert spec["stderr"] in error["message"]
        assert spec["stderr"] in result.stderr
        assert result.stderr.startswith("tda: cannot run: ")
    else:
        problems = json.loads(result.stdout)["problems"]
        found = {(p["code"], p["path"], p["line"], p["column"]) for p in problems}
        want = expected(case, pkg)
        assert found == want, _describe(problems)
        for e in spec["expected"]:
            if "message" in e:
                key = (
                    (e["code"], e["path"], *json_position(pkg / e["path"], e["pointer"]))
                    if "pointer" in e
                    else (e["code"], e["path"], e.get("line"), e.get("column"))
                )
                messages = [p["message"] for p in problems if (p["code"], p["path"], p["line"], p["column"]) == key]
                assert any(e["message"] in m for m in messages), (e["message"], messages)
    assert snapshot(pkg) == before, "validate changed the package"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fmt_check_survives_hostile_case(case: Path, tmp_path: Path, built: Callable[[Path], Path]) -> None:
    pkg = built(case)
    before = snapshot(pkg)
    result = run_cli(["fmt", "--check", str(pkg)], cwd=tmp_path, timeout=TIMEOUT)
    assert not result.timed_out, f"fmt --check did not finish in {TIMEOUT:.0f} s"
    assert not result.crashed, result.stderr
    assert result.returncode in (0, 1, 2), result.returncode
    assert snapshot(pkg) == before, "fmt --check changed the package"


@pytest.mark.parametrize("name", ["table-fifo", "seed-fifo", "descriptor-fifo"])
def test_the_real_entry_point_does_not_block_on_a_pipe(name: str, tmp_path: Path, built: Callable[[Path], Path]) -> None:
    """The corpus runs through the fork server; these run ``python -m validator`` itself, in a new process."""
    spec = load_case(HOSTILE / name)
    pkg = built(HOSTILE / name)
    result = run_subprocess(["validate", str(pkg)], cwd=tmp_path, timeout=TIMEOUT)
    assert not result.timed_out and not result.crashed, result.stderr
    assert result.returncode == spec.get("exit", 1)


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        spec = load_case(case)
        assert spec["description"], case.name
        assert spec.get("exit", 1) in (1, 2), case.name
        assert spec.get("expected") or spec.get("exit") == 2, f"{case.name}: a case expects problems or exit 2"


# --- generated from the schemas: every foreign key, every text column ---------------------------


def _rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _problems(pkg: Path, tmp_path: Path) -> list[dict]:
    result = run_cli(["validate", "--format", "json", "--max-per-group", "0", str(pkg)], cwd=tmp_path, timeout=TIMEOUT)
    assert not result.timed_out and not result.crashed, result.stderr
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)["problems"]


def test_a_dangling_value_in_every_foreign_key(tmp_path: Path) -> None:
    """One package with a dangling reference in each foreign key of each table (and each prefix of
    citations.record_id): each is reported at its cell, and nothing else is."""
    pkg = build_base(tmp_path / "pkg")
    model = load_model(pkg / "schemas", rel_to=pkg)
    prefixes = model.by_prefix()
    inverse = {table: prefix for prefix, table in prefixes.items()}
    want: set[tuple] = set()
    for table in model.tables.values():
        path = pkg / table.path
        rows = _rows(path)
        if len(rows) < 2:
            continue  # retired.csv starts empty and has no foreign keys
        header, template = rows[0], list(rows[1])
        for n, fk in enumerate(table.foreign_keys):
            row = 1 + n % (len(rows) - 1)  # a different row for each key where the table has enough
            value = f"{inverse[fk.resource]}-zz-missing-{table.name.replace('_', '-')}-{fk.field.replace('_', '')}"
            rows[row][header.index(fk.field)] = value
            want.add(("KY504", table.path, row + 1, fk.field, rows[row][header.index("id")]))
        for field_name, by_prefix in table.polymorphic.items():
            for prefix in sorted(by_prefix):
                new = list(template)
                new[header.index("id")] = f"{table.id_prefix}-zz-{prefix}"
                new[header.index(field_name)] = f"{prefix}-zz-missing"
                rows.append(new)
                want.add(("KY505", table.path, len(rows), field_name, new[header.index("id")]))
        _write_rows(path, rows)
    assert sum(1 for w in want if w[0] == "KY504") == sum(len(t.foreign_keys) for t in model.tables.values()) >= 11
    found = {(p["code"], p["path"], p["line"], p["field"], p["record"]) for p in _problems(pkg, tmp_path)}
    assert found == want


FORMULAS = ("=1+1", "+1+1", "-1+1", "@SUM(A1)")


def test_a_formula_prefix_in_every_text_column(tmp_path: Path) -> None:
    """Every text column of every table, in one row of each: TX904 at each of those cells."""
    pkg = build_base(tmp_path / "pkg")
    model = load_model(pkg / "schemas", rel_to=pkg)
    want: set[tuple] = set()
    for table in model.tables.values():
        path = pkg / table.path
        rows = _rows(path)
        if len(rows) < 2:
            continue  # retired.csv starts empty
        header = rows[0]
        for n, field in enumerate(f for f in table.fields if f.is_text):
            rows[1][header.index(field.name)] = FORMULAS[n % len(FORMULAS)] + " text"
            want.add((table.path, 2, field.name))
        _write_rows(path, rows)
    assert len(want) >= 40
    found = {(p["path"], p["line"], p["field"]) for p in _problems(pkg, tmp_path) if p["code"] == "TX904"}
    assert found == want
