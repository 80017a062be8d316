"""tda validate: check the package against every rule of the data model."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

NAME = "validate"
ORDER = 10
HELP = "check the package against every rule of the data model"
DESCRIPTION = (
    "Check the package: descriptor, CSV files, cells, keys, provenance, dates, locations, relations and text "
    "hygiene. Prints one line per problem as path:line:column: CODE message."
)


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("package", nargs="?", default=".", help="package directory (or its datapackage.json); default: .")
    p.add_argument(
        "--format",
        choices=["text", "json", "github", "markdown"],
        default=None,
        help="output format (default: text; github inside GitHub Actions)",
    )
    p.add_argument("--strict", action="store_true", help="warnings fail too")
    p.add_argument(
        "--select",
        type=_codes,
        default=None,
        metavar="CODES",
        help="run only these checks: comma-separated codes or prefixes, e.g. DT,PV4",
    )
    p.add_argument("--ignore", type=_codes, default=None, metavar="CODES", help="skip these checks (codes or prefixes)")
    p.add_argument(
        "--since",
        metavar="BASE",
        default=None,
        help="also apply the change rules (CH codes) to the change from BASE, a git ref or a directory: removed ids need "
        "a tombstone, the version bump and changelog entry, changed sources (docs/versioning.md)",
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="with --since: check the whole package, not only what the change can have broken (which assumes BASE is valid)",
    )
    p.add_argument(
        "--no-cache",
        action="store_true",
        help="do not use or fill the cache of verdicts on unchanged schemas, descriptor and gazetteer lookups "
        "(kept by content in $TDA_CACHE_DIR or ~/.cache/tda; same as TDA_NO_CACHE=1)",
    )
    p.add_argument(
        "--max-per-group",
        type=int,
        default=20,
        metavar="N",
        help="show at most N problems of one code in one file; 0 shows all (default: 20)",
    )


def default_format() -> str:
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def failure_document(args: argparse.Namespace, error: dict[str, Any]) -> dict[str, Any]:
    """``--format json`` when the package cannot be checked: a report's keys, with ``error`` set."""
    from ...checks.runner import cannot_run_document  # a command's imports load when it runs, not when tda starts

    return cannot_run_document(str(args.package), error)


def run(args: argparse.Namespace) -> int:
    from ...checks.runner import validate  # a command's imports load when it runs, not when tda starts
    from ..report import render  # a command's imports load when it runs, not when tda starts

    if args.no_cache:
        os.environ["TDA_NO_CACHE"] = "1"  # read where the cache is used, in this process and its helpers
    options = {"select": args.select, "ignore": args.ignore, "strict": args.strict, "max_per_group": args.max_per_group}
    if args.since is not None:
        from ...changes.since import validate_since  # a command's imports load when it runs, not when tda starts

        report = validate_since(args.package, args.since, full=args.full, **options)
    else:
        report = validate(args.package, **options)
    sys.stdout.write(render(report, args.format or default_format()))
    return 0 if report.valid else 1
