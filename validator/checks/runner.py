"""Running the checks on a package and gathering a Report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol, TypeVar

from ..problems import Problem
from ..reading.package import Package
from . import all_checks, sidecar
from .registry import CheckInfo, works

Coded = TypeVar("Coded", bound="HasCode")


class HasCode(Protocol):
    @property
    def code(self) -> str: ...


DEFAULT_MAX_PER_GROUP = 20


@dataclass
class Report:
    """What ``validate`` found. ``problems`` are the ones shown; ``omitted`` counts the rest per (code, path)."""

    root: str
    problems: list[Problem] = field(default_factory=list)
    omitted: dict[tuple[str, str], int] = field(default_factory=dict)
    counts: Counter = field(default_factory=Counter)  # severity -> number, all problems (shown or not)
    by_code: Counter = field(default_factory=Counter)
    rows: dict[str, int] = field(default_factory=dict)  # table -> data rows read
    strict: bool = False

    @property
    def errors(self) -> int:
        return self.counts["error"]

    @property
    def warnings(self) -> int:
        return self.counts["warning"]

    @property
    def valid(self) -> bool:
        return self.errors == 0 and (not self.strict or self.warnings == 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "package": self.root,
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "rows": dict(sorted(self.rows.items())),
                "by_code": dict(sorted(self.by_code.items())),
                "strict": self.strict,
            },
            "problems": [p.as_dict() for p in self.problems],
            "omitted": [{"code": c, "path": p, "count": n} for (c, p), n in sorted(self.omitted.items())],
            "error": None,  # why the package could not be checked, when it could not (exit 2)
        }


def cannot_run_document(root: str, error: dict[str, Any]) -> dict[str, Any]:
    """What ``tda validate --format json`` prints when the package cannot be checked: the keys of
    a report, with ``error`` (message, hint, path, line, column) saying why."""
    document = Report(root=root).as_dict()
    document["valid"] = False
    document["error"] = error
    return document


def select_checks(checks: Iterable[Coded], select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[Coded]:
    """The checks (or change rules) whose code starts with one of ``select`` (all when empty) and
    with none of ``ignore``."""
    sel = [s.upper() for s in select or []]
    ign = [s.upper() for s in ignore or []]
    out = []
    for info in checks:
        if sel and not any(info.code.startswith(s) for s in sel):
            continue
        if any(info.code.startswith(s) for s in ign):
            continue
        out.append(info)
    return out


def run_checks(pkg: Package, checks: list[CheckInfo]) -> list[Problem]:
    """Run ``checks`` on ``pkg``: start their shared work early, run the checks that wait for
    none first (so the work overlaps them), stamp each problem with its check's code, and let
    each state the checks hold go after the last check that holds it."""
    pkg.selected = {c.code for c in checks}
    for w in works(checks):
        w.start(pkg)
    ordered = [c for c in checks if not c.work] + [c for c in checks if c.work]
    last = {s: info.code for info in ordered for s in info.holds}  # a state's last holder in this order
    problems: list[Problem] = []
    for info in ordered:
        for p in info.func(pkg):
            problems.append(replace(p, code=info.code, name=info.name, severity=info.severity))
        for state in info.holds:
            if last[state] == info.code:
                state.release(pkg)
    return problems


def validate(
    path: str | Path,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    strict: bool = False,
    max_per_group: int = DEFAULT_MAX_PER_GROUP,
    package: Package | None = None,
) -> Report:
    """Check the package at ``path`` against every registered rule.

    Raises CannotRun when the package cannot be read at all. ``max_per_group`` caps the
    problems shown for one code in one file (0: no cap); the rest are counted in ``omitted``.
    """
    checks = select_checks(all_checks(), select, ignore)
    helper = None
    if package is None:
        pkg = Package.open(path)  # the descriptor and the model, which the helpers inherit
        # A small package is read in plain Python before the helpers fork, so they inherit its
        # tables; a large one is read after, because its reading starts pyarrow's threads.
        read_first = pkg.read_in_python()
        if read_first:
            pkg.load_tables()
        helper = sidecar.start(pkg, checks)  # forked before anything heavy is loaded
        try:
            pkg.model.finish_checks()  # the patterns' check, which loads DuckDB
            if not read_first:
                pkg.load_tables()
        except BaseException:
            if helper is not None:
                helper.close()
            raise
    else:
        pkg = package
    pkg.sidecar = helper
    try:
        problems = run_checks(pkg, checks)
    finally:
        pkg.close()
    return build_report(pkg, problems, strict=strict, max_per_group=max_per_group)


def build_report(pkg: Package, problems: list[Problem], *, strict: bool, max_per_group: int) -> Report:
    report = Report(root=str(pkg.root), strict=strict)
    report.rows = {name: t.csv.row_count for name, t in pkg.tables.items() if t.csv is not None}
    groups: dict[tuple[str, str], list[Problem]] = {}
    for p in problems:
        report.counts[p.severity] += 1
        report.by_code[p.code] += 1
        groups.setdefault((p.code, p.path), []).append(p)
    shown: list[Problem] = []
    for key, items in groups.items():
        items.sort(key=lambda p: (p.line or 0, p.field or "", p.message))
        keep = items if max_per_group <= 0 else items[:max_per_group]
        if len(items) > len(keep):
            report.omitted[key] = len(items) - len(keep)
        shown.extend(pkg.locate(p) for p in keep)
    report.problems = sorted(shown, key=Problem.sort_key)
    return report
