"""``tda validate --since BASE``: the validation of HEAD and the change rules against BASE, in one report."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..checks import all_checks
from ..checks.runner import Report, build_report, run_checks, select_checks
from ..errors import NotIncremental
from ..reading.package import Package
from .diff import diff_packages, load_side
from .gitside import WORKING_TREE, Side, open_side
from .incremental import validate_incremental
from .rules import all_change_rules, change_problems


def validate_since(
    path: str | Path,
    since: str,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    strict: bool = False,
    max_per_group: int = 20,
    full: bool = False,
) -> Report:
    """The validation of the package at ``path`` and the change rules against ``since`` (a git ref or directory).

    When ``since`` is a git ref and the change only edits rows of the tables, the incremental
    path (validator/changes/incremental.py) checks what the change can have broken, assuming BASE is
    valid; otherwise, or with ``full=True``, every check runs on the whole package."""
    if not full and not Path(since).is_dir():
        try:
            return validate_incremental(path, since, select=select, ignore=ignore, strict=strict, max_per_group=max_per_group)
        except NotIncremental:
            pass
    head = Package.load(path)
    with open_side(since, head.root) as base_side:
        base = load_side(base_side)
        diff = diff_packages(base, head, base_side=base_side, head_side=Side(WORKING_TREE, head.root))
        problems = run_checks(head, select_checks(all_checks(), select, ignore))
        problems += change_problems(base, head, diff=diff, rules=select_checks(all_change_rules(), select, ignore))
    return build_report(head, problems, strict=strict, max_per_group=max_per_group)
