"""The checks and the engine that runs them.

Holds the registry (``registry``: ``@check`` and the declarations of what a check reads), the
row checks fused into one scan per table (``rowchecks``), the runner (``runner``: ``validate``
and ``Report``), the helper processes (``sidecar``), the helpers that build a problem
(``common``), and one module per family of checks (cells, dates, descriptor, files, grounding,
keys, locations, provenance, relations, text). ``grounding_small`` computes the grounding
checks' rows in plain Python on small tables; the checks themselves are in ``grounding``.
Importing this package registers every check.

May import: ``validator.errors``, ``validator.problems`` and ``validator.reading``. Nothing here
imports the change tooling, publishing, maintenance or the CLI.
"""

from . import cells, dates, descriptor, files, grounding, keys, locations, provenance, relations, text  # noqa: F401
from .registry import CheckInfo, registered_checks


def all_checks() -> list[CheckInfo]:
    """Every check of the package, by code."""
    return registered_checks()
