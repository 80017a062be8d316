"""The registry of checks: one permanent code per rule.

A check is a small function that takes the loaded package and yields problems; it never
raises for bad data. Register it with ``@check(code, name)``; its docstring's first line is
the rule as the documentation shows it, the rest may show a passing and a failing example.
Codes are permanent: a retired code is listed in RETIRED and never reused.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..problems import Problem, Severity

if TYPE_CHECKING:
    from ..reading.package import Package

CheckFunc = Callable[["Package"], Iterator[Problem]]

FAMILIES = {
    "DP": "Descriptor and paths",
    "CS": "CSV files",
    "SC": "Cells against the table schema",
    "PV": "Provenance",
    "KY": "Identifiers and references",
    "DT": "Dates",
    "LC": "Locations",
    "RL": "Relations",
    "TX": "Text hygiene",
    "GR": "Grounding: every value a row states is attested by its own quotes",
    "CH": "Change rules (validate --since)",
}

# Codes that once existed and must never be given to another rule.
RETIRED: dict[str, str] = {}


@dataclass(frozen=True)
class CheckInfo:
    code: str
    name: str
    severity: Severity
    func: CheckFunc
    rule: str
    doc: str
    prepare: Callable[[Package], None] | None = None  # starts slow, independent work early

    @property
    def family(self) -> str:
        return self.code[:2]


CHECKS: dict[str, CheckInfo] = {}
# Change rules compare two versions of a package (``tda validate --since BASE``); a rule takes a
# ``changes.Change`` (base, head and their diff) instead of one package. Same codes, same docs.
CHANGE_RULES: dict[str, CheckInfo] = {}


def check(
    code: str, name: str, severity: Severity = "error", prepare: Callable[[Package], None] | None = None
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func`` as the check for ``code``.

    ``prepare(pkg)``, if given, runs before any check and may start work in the background
    (``pkg.background``): loading a gazetteer or a library while the database scans the tables.
    """
    return _registrar(CHECKS, code, name, severity, prepare)


def change_rule(code: str, name: str, severity: Severity = "error") -> Callable[[Any], Any]:
    """Register ``func`` as the change rule for ``code`` (family CH): ``func(change) -> Iterator[Problem]``."""
    if not code.startswith("CH"):
        raise ValueError(f"change rule {code} must be in the CH family")
    return _registrar(CHANGE_RULES, code, name, severity)


def _registrar(
    registry: dict[str, CheckInfo], code: str, name: str, severity: Severity, prepare: Callable[[Package], None] | None = None
) -> Callable[[Any], Any]:
    def register(func: CheckFunc) -> CheckFunc:
        if code in CHECKS or code in CHANGE_RULES:
            raise ValueError(f"check code {code} registered twice")
        if code in RETIRED:
            raise ValueError(f"check code {code} is retired and cannot be reused")
        if code[:2] not in FAMILIES:
            raise ValueError(f"check code {code} has an unknown family")
        doc = inspect.cleandoc(func.__doc__ or "")
        if not doc:
            raise ValueError(f"check {code} needs a docstring stating its rule")
        rule = doc.splitlines()[0]
        registry[code] = CheckInfo(code, name, severity, func, rule, doc, prepare)
        return func

    return register


def found(message: str, *, path: str, **kw: Any) -> Problem:
    """A problem as a check reports it; the runner stamps the check's code and severity."""
    return Problem(code="", message=message, path=path, **kw)


def all_checks() -> list[CheckInfo]:
    from .. import checks  # noqa: F401  (importing the modules registers the checks)

    return [CHECKS[c] for c in sorted(CHECKS)]


def all_change_rules() -> list[CheckInfo]:
    from ..changes import rules as changes  # noqa: F401  (importing the module registers the rules)

    return [CHANGE_RULES[c] for c in sorted(CHANGE_RULES)]
