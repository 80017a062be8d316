"""What the fuzz targets share: a scratch copy of the test base package, and the invariants of a report.

Not a fuzz target itself. The targets import it from this directory (``python fuzz/<target>.py``
puts fuzz/ first on sys.path); tests/test_fuzz_smoke.py loads the targets by path.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # casepkg builds the base package


def scratch_package() -> Path:
    """A copy of tests/cases/_base with the project's schemas, removed when the process ends."""
    from casepkg import build_base

    tmp = Path(tempfile.mkdtemp(prefix="tda-fuzz-"))
    atexit.register(shutil.rmtree, tmp, True)
    return build_base(tmp / "pkg")


def check_report(report: object) -> None:
    """What any report must satisfy: positions an editor can use, and renderers that do not fail."""
    from validator.cli.report import render

    for p in report.problems:  # type: ignore[attr-defined]
        assert p.code and p.message and isinstance(p.path, str), p
        assert p.line is None or p.line >= 1, p
        assert p.column is None or p.column >= 1, p
    for fmt in ("text", "json", "github", "markdown"):
        render(report, fmt)  # type: ignore[arg-type]


def import_checks() -> None:
    """Import every module a validation run uses, so that atheris instruments them too."""
    import validator.cli.report  # noqa: F401
    import validator.reading.edtf_dates  # noqa: F401
    import validator.reading.gazetteer  # noqa: F401
    import validator.reading.textnorm  # noqa: F401
    from validator.checks import all_checks

    all_checks()


def validate_and_check(state: dict, pkg: Path, **options: object) -> None:
    """One validation of ``pkg``: either it cannot run, with a message, or its report is sound."""
    try:
        report = state["validate"](pkg, max_per_group=0, **options)
    except state["CannotRun"] as exc:
        assert exc.message
        return
    check_report(report)


def fuzz(load: Callable[[], None], test_one_input: Callable[[bytes], None], checks: bool = True) -> None:
    """Run a target under atheris, with the validator (and, with ``checks``, every check) instrumented."""
    import atheris

    with atheris.instrument_imports(include=["validator"]):
        load()
        if checks:
            import_checks()  # the checks load on first use: import them here, to be instrumented
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
