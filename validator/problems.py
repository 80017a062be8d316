"""The error model: a Problem found in the data, and CannotRun when there is nothing to check.

Kept apart on purpose (as frictionless does): bad data becomes a Problem in a report; a
package that cannot be read at all raises CannotRun, which the CLI turns into exit code 2.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the package, at a place an editor can jump to.

    ``line`` and ``column`` are 1-based, as an editor shows them: in a CSV file the header is
    line 1 and the column is the character position where the offending cell starts.
    ``field`` names the column of a table, ``record`` the id of the row when it has one.
    """

    code: str
    message: str
    path: str
    line: int | None = None
    column: int | None = None
    field: str | None = None
    record: str | None = None
    hint: str | None = None
    severity: Severity = "error"
    name: str = ""
    value: str | None = None  # the offending cell's text, when the problem is about one cell
    # Where the problem sits inside a multi-line value (for positioning only, not output).
    extra: dict[str, Any] = dc_field(default_factory=dict, compare=False, repr=False)

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.column or 0, self.code, self.message)

    def with_position(self, line: int | None, column: int | None) -> Problem:
        return replace(self, line=line, column=column)

    def as_dict(self) -> dict[str, Any]:
        """Everything a tool needs, under stable keys (``level`` and ``severity`` are the same:
        ``severity`` is kept for tools written before ``level``)."""
        return {
            "code": self.code,
            "name": self.name,
            "level": self.severity,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "record": self.record,
            "value": self.value,
            "message": self.message,
            "hint": self.hint,
        }
