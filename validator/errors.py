"""Every exception of tda, in one place.

"Cannot run" is kept apart from "bad data": a problem with the data is a ``Problem`` in a
report (``validator.problems``); an exception means the work could not be done at all.

- ``CannotRun``: the package (or a file tda needs) cannot be read; carries the file, and the line
  and column where they are known. ``tda`` prints it and exits 2.
- ``InvalidPackage``: a valid package was required (``load()``, ``tda build``) and this one has errors.
- ``Refused``: ``tda fmt`` cannot rewrite a file without losing something.
- ``EdtfError``: a value is not an EDTF date the project accepts.
- ``NotIncremental``: ``tda validate --since`` cannot check this change incrementally; the full
  validation runs instead (never shown to a user).

This module imports nothing of tda's (the report an ``InvalidPackage`` carries is only named for
type checkers), so every layer may import it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks.runner import Report


class CannotRun(Exception):
    """The package cannot be read at all (no descriptor, not JSON, not a directory ...)."""

    def __init__(
        self, message: str, hint: str | None = None, path: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.path = path
        self.line = line
        self.column = column

    @property
    def where(self) -> str:
        """``path:line:column`` as far as it is known ('' when nothing is)."""
        if not self.path:
            return ""
        return ":".join([self.path] + [str(n) for n in (self.line, self.column) if n is not None])

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "hint": self.hint, "path": self.path, "line": self.line, "column": self.column}


class InvalidPackage(Exception):
    """The package has errors (``report`` says which); raised where a valid one is required."""

    def __init__(self, report: Report) -> None:
        super().__init__(f"the package has {report.errors} error(s); run `tda validate` to see them")
        self.report = report


class Refused(Exception):
    """The file cannot be formatted without loss; ``str(exc)`` says why, with a line and column if known."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


class EdtfError(ValueError):
    """A value that is not an EDTF date (levels 0 and 1) the project accepts."""


class NotIncremental(Exception):
    """The change is not one the incremental path handles: run the full validation."""
