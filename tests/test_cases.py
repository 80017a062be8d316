"""Every check has a failing case with its exact problems, and the shared base passes them all."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case, case_dirs, expected, load_case

from validator import validate
from validator.checks import all_checks

CASE_DIRS = case_dirs()
SLOW_CASES = {"LC706"}  # an unknown GeoNames id loads the whole gazetteer: 5 to 20 s


def _found(report) -> set[tuple]:
    return {(p.code, p.path, p.line, p.column) for p in report.problems}


def test_base_package_is_valid(tmp_path: Path) -> None:
    report = validate(build_base(tmp_path / "base"), max_per_group=0)
    assert report.problems == [], [f"{p.path}:{p.line}:{p.column} {p.code} {p.message}" for p in report.problems]
    assert report.valid and report.rows["citations"] > 0


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.name, marks=[pytest.mark.slow] if c.name in SLOW_CASES else []) for c in CASE_DIRS]
)
def test_case_reports_exactly_its_problems(case: Path, tmp_path: Path) -> None:
    pkg = build_case(case, tmp_path / "pkg")
    report = validate(pkg, max_per_group=0)
    assert _found(report) == expected(case, pkg)
    code = case.name.split("-")[0]
    assert code in {p.code for p in report.problems}, f"{case.name} does not produce {code}"
    severity = next(c.severity for c in all_checks() if c.code == code)
    assert report.valid is (severity == "warning")


def test_every_check_has_a_case() -> None:
    covered = {c.name.split("-")[0] for c in CASE_DIRS}
    missing = [c.code for c in all_checks() if c.code not in covered]
    assert missing == [], f"checks without a case in tests/cases/: {missing}"


def test_every_case_names_a_check() -> None:
    codes = {c.code for c in all_checks()}
    for case in CASE_DIRS:
        assert case.name.split("-")[0] in codes, case.name
        assert load_case(case)["description"]


def test_warnings_fail_only_when_strict(tmp_path: Path) -> None:
    pkg = build_case(CASES / "GR110", tmp_path / "pkg")
    assert validate(pkg).valid
    assert not validate(pkg, strict=True).valid


def _tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.is_symlink()
    }


@pytest.mark.parametrize("name", ["CS203", "CS207", "PV404", "DT601"])
def test_validation_changes_no_file(name: str, tmp_path: Path) -> None:
    pkg = build_case(CASES / name, tmp_path / "pkg")
    before = _tree_digest(pkg)
    validate(pkg)
    assert _tree_digest(pkg) == before


def test_row_checks_find_the_same_rows_planned_or_not(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a small package the row checks' queries skip DuckDB's optimiser (Package.sql with
    plan=False); planned, as on a large package, they flag the same rows of every row check's case."""
    from validator.checks import rowchecks
    from validator.reading import package as package_module
    from validator.reading.package import Package

    row_check_cases = sorted(rowchecks.CONDITIONS)  # each row check's own case, named by its code

    def hits(case: str) -> dict:
        pkg = Package.load(build_case(CASES / case, tmp_path / f"{case}-{package_module.SMALL_PLAN_ROWS}"))
        try:
            pkg.selected = None
            assert pkg._plans_cost_more() is (package_module.SMALL_PLAN_ROWS > 0)  # the path this run means to take
            return {
                code: [(t, c.field, line, rid, value) for t, c, line, rid, value in rows]
                for code, rows in rowchecks._evaluate(pkg).items()
            }
        finally:
            pkg.close()

    unplanned = {case: hits(case) for case in row_check_cases}
    assert all(unplanned[case].get(case) for case in row_check_cases)  # each case flags rows for its own check
    monkeypatch.setattr(package_module, "SMALL_PLAN_ROWS", -1)  # every package "large": every query planned
    assert {case: hits(case) for case in row_check_cases} == unplanned
