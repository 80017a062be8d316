"""The registry of checks: one permanent code per rule, each declared once with what it needs.

A check is a small function that takes the loaded package and yields problems; it never
raises for bad data. Register it with ``@check(code, name, reads=..., work=...)``:

- its docstring's first line is the rule as the documentation shows it, the rest may show a
  passing and a failing example;
- ``reads`` declares the tables it looks at and the related rows it follows (``FOLLOWS``);
  ``tda validate --since`` plans the rows to re-check from these declarations alone;
- ``work`` names a shared result (``Work``) the check waits for, which a helper process computes
  beside the main one where it can;
- ``holds`` names the state (``State``) the check builds or reads through the package beyond its
  problems, which the runner lets go once the last check of the run that holds it has run.

Nothing else needs to know the check: the runner, the helper processes and the incremental
planner read these declarations. Codes are permanent: a retired code is listed in RETIRED and
never reused. This module imports no check: ``validator.checks`` imports the families, which
import this.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
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

# The related rows a check may follow from a row it checks. The incremental planner turns each
# into two duties: which unchanged rows a change can affect (they are re-checked), and which rows
# a re-checked row needs beside it (they are read, their own problems not reported).
FOLLOWS: dict[str, str] = {
    "references": "the rows a row refers to (foreign keys, a citation's record_id); "
    "a change to a row re-checks the rows that refer to it",
    "parents": "a place's chain of parent places; a change to a place re-checks the places below it",
    "twins": "a relation stored the other way round between the same two entities",
    "citations": "a row's citations and their sources; a change to a citation re-checks the row it cites",
    "shared-ids": "rows of other tables with the same id; a changed id re-checks the row of the table its prefix names",
    "retired": "the tombstones of retired ids (read whole); a new tombstone re-checks the live row with its id",
}
ALL_FOLLOWS = frozenset(FOLLOWS)


@dataclass(frozen=True)
class Reads:
    """What a check reads.

    ``tables``: the tables whose rows it looks at (None: every table of the package; ``()``: only
    the descriptor and files). ``follows``: the related rows it follows (keys of FOLLOWS).
    ``whole``: the rule is about a table as a whole (every seed is listed in sources, no two
    rows state the same fact ...), so ``--since`` runs it only when one of its tables changed, and
    then on all the rows of the tables it reads that changed or are joined to a changed one by a
    reference, in either direction and in turn (``incremental.whole_tables``). Such a rule
    compares rows of one table, or rows with those they refer to or that refer to them; a rule
    that compared unrelated tables would need every table it reads.

    A check that declares nothing reads every table and follows everything: the incremental
    planner then does all it can, which is slower but never wrong.
    """

    tables: tuple[str, ...] | None = None
    follows: frozenset[str] = ALL_FOLLOWS
    whole: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.follows) - ALL_FOLLOWS
        if unknown:
            raise ValueError(f"unknown follows {sorted(unknown)}; known: {sorted(FOLLOWS)}")
        if self.whole and not self.tables:
            raise ValueError("a check that reads whole tables names them")

    def describe(self) -> str:
        """One line for the docs: what the check reads."""
        tables = "every table" if self.tables is None else ", ".join(self.tables) or "the descriptor and files"
        out = f"reads {tables}"
        if self.whole:
            out += " (whole)"
        if self.follows:
            out += "; follows " + ", ".join(sorted(self.follows))
        return out


def reads(*tables: str, follows: Iterable[str] = (), whole: bool = False) -> Reads:
    """``reads("relations", follows=["references"])``: a check's declaration of what it reads."""
    return Reads(tuple(tables), frozenset(follows), whole)


# Every table, each row judged by its own cells (and, for order and duplicates, its neighbours in
# the sorted file, which --since always reads): nothing followed.
OWN_ROWS = Reads(None, frozenset())


@dataclass(frozen=True, eq=False)
class Work:
    """A result that checks share, computed once per run.

    ``compute(pkg)`` gives the result. A helper process computes it beside the main one when
    ``validate`` can fork (the helper loads only ``tables``; none: only the descriptor), and
    streams it back; otherwise the main process computes it. ``early(pkg)``, if given, reads
    what the work needs on the main thread and returns the rest as a function that runs in a
    worker thread while the other checks scan the tables.
    """

    key: str
    compute: Callable[[Package], Any]
    tables: tuple[str, ...] = ()
    early: Callable[[Package], Callable[[], Any]] | None = None

    def start(self, pkg: Package) -> None:
        """Start the work in the background, unless a helper process is computing it."""
        if self.early is None or (pkg.sidecar is not None and pkg.sidecar.has(self.key)):
            return
        if all(pkg.usable(t) for t in self.tables):
            pkg.background(self.key, self.early(pkg))

    def result(self, pkg: Package) -> Any:
        """The result: from the helper process, a worker thread, or computed now."""
        return pkg.result(self.key, lambda: self.compute(pkg))


@dataclass(frozen=True, eq=False)
class State:
    """What checks build once and share through the package beyond their results (temporary
    tables, cached columns): ``release(pkg)`` lets it go. The runner calls it after the last check
    of a run that declares it (``holds``), so the checks after that one do not carry it; a check
    that asks for it later builds it again, so ``release`` leaves nothing half there.

    At 1,000,000 rows the grounding checks' tables and word forms held 300 MB or more through
    every check that ran after them."""

    key: str
    release: Callable[[Package], None]


@dataclass(frozen=True)
class CheckInfo:
    code: str
    name: str
    severity: Severity
    func: CheckFunc
    rule: str
    doc: str
    reads: Reads = field(default_factory=Reads)
    work: tuple[Work, ...] = ()
    holds: tuple[State, ...] = ()

    @property
    def family(self) -> str:
        return self.code[:2]


CHECKS: dict[str, CheckInfo] = {}
_TAKEN: set[str] = set()  # every code registered, checks and change rules alike


def claim(code: str, func: Callable[..., Any]) -> tuple[str, str]:
    """Reserve ``code`` for ``func`` (raises on a repeated, retired or misnamed code); returns
    the rule (the docstring's first line) and the whole docstring."""
    if code in _TAKEN:
        raise ValueError(f"check code {code} registered twice")
    if code in RETIRED:
        raise ValueError(f"check code {code} is retired and cannot be reused")
    if code[:2] not in FAMILIES or len(code) != 5 or not code[2:].isdigit():
        raise ValueError(f"check code {code} is not a known family and three digits")
    doc = inspect.cleandoc(func.__doc__ or "")
    if not doc:
        raise ValueError(f"check {code} needs a docstring stating its rule")
    _TAKEN.add(code)
    return doc.splitlines()[0], doc


def check(
    code: str,
    name: str,
    severity: Severity = "error",
    *,
    reads: Reads | None = None,
    work: Work | Iterable[Work] = (),
    holds: State | Iterable[State] = (),
) -> Callable[[CheckFunc], CheckFunc]:
    """Register ``func(pkg) -> Iterator[Problem]`` as the check for ``code``."""
    works = (work,) if isinstance(work, Work) else tuple(work)
    held = (holds,) if isinstance(holds, State) else tuple(holds)

    def register(func: CheckFunc) -> CheckFunc:
        rule, doc = claim(code, func)
        CHECKS[code] = CheckInfo(code, name, severity, func, rule, doc, reads or Reads(), works, held)
        return func

    return register


def forget(code: str) -> None:
    """Remove a check registered at run time (a test's throwaway check); permanent codes stay."""
    CHECKS.pop(code, None)
    _TAKEN.discard(code)


def found(message: str, *, path: str, **kw: Any) -> Problem:
    """A problem as a check reports it; the runner stamps the check's code and severity."""
    return Problem(code="", message=message, path=path, **kw)


def registered_checks() -> list[CheckInfo]:
    """The checks registered so far, by code (``validator.checks.all_checks()`` loads them all)."""
    return [CHECKS[c] for c in sorted(CHECKS)]


def works(checks: Iterable[CheckInfo]) -> list[Work]:
    """The shared results these checks wait for, in the order the checks ask for them."""
    out: dict[str, Work] = {}
    for info in sorted(checks, key=lambda c: c.code):
        for w in info.work:
            out.setdefault(w.key, w)
    return list(out.values())
