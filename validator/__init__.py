"""Validator and tools for the Tren de Aragua data package.

Public API::

    from validator import validate, Report, Problem, CannotRun
    report = validate("path/to/package")
    for problem in report.problems:
        print(problem.path, problem.line, problem.column, problem.code, problem.message)

    from validator import load
    ds = load("path/to/package")          # or a release built by `tda build`
    for rel in ds.relations_of("ent-tren-de-aragua"):
        print(rel["type"], rel["object_id"], rel["claim_status"])
"""

from __future__ import annotations

__version__ = "0.2.0.dev0"  # the tools' version (CHANGELOG.md); the data has its own (datapackage.json)

from typing import TYPE_CHECKING, Any  # noqa: E402

from .checks.runner import Report, validate  # noqa: E402
from .errors import CannotRun, InvalidPackage  # noqa: E402
from .problems import Problem  # noqa: E402

if TYPE_CHECKING:
    from .publish.api import Dataset, load


def __getattr__(name: str) -> Any:
    """``load`` and ``Dataset`` come from the release side, which ``tda validate`` never needs:
    imported on first use, so a validation does not pay for them."""
    if name in ("load", "Dataset"):
        from .publish import api  # on first use: see above

        return getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["CannotRun", "Dataset", "InvalidPackage", "Problem", "Report", "load", "validate", "__version__"]
