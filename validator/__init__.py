"""Validator and tools for the Tren de Aragua data package.

Public API::

    from validator import validate, Report, Problem, CannotRun
    report = validate("path/to/package")
    for problem in report.problems:
        print(problem.path, problem.line, problem.column, problem.code, problem.message)
"""

from __future__ import annotations

__version__ = "0.1.0"

from .problems import CannotRun, Problem  # noqa: E402
from .runner import Report, validate  # noqa: E402

__all__ = ["CannotRun", "Problem", "Report", "validate", "__version__"]
