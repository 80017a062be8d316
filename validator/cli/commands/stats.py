"""tda stats: what the package holds, and which rows quote which paragraph of the sources."""

from __future__ import annotations

import argparse
import json
import sys

NAME = "stats"
ORDER = 30
HELP = "count rows per table, vocabulary term and claim_status, and citations per row"
DESCRIPTION = (
    "Count what the package holds: rows per table, per vocabulary term (entities.type, relations.type, "
    "activities.activity, event_actors.role ...), per claim_status, and citations per row (min, median, max, "
    "how many rows have 1, 2, 3 or more), list uncited rows, and report grounding: per table the rows whose "
    "entities and places are all named in their quotes, those that rely on a resolution (citations.refers), and per "
    "relation type and activity term how many rows have a cue word in their quotes. Exit 1 if a row has no citation. "
    "With --paragraphs, print instead each paragraph of each source with the ids of the rows whose quotes "
    "fall in it, marking paragraphs with no rows (exit 1 if a quote is found nowhere); "
    "docs/source-coverage.md holds the same listing."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("package", nargs="?", default=".", help="package directory; default: .")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument(
        "--paragraphs",
        action="store_true",
        help="list each paragraph of each source with the rows that quote it, instead of the counts",
    )


def run(args: argparse.Namespace) -> int:
    from ...reading.package import Package  # a command's imports load when it runs, not when tda starts

    pkg = Package.load(args.package)
    if args.paragraphs:
        from ...reading.coverage import (
            render_text as render_coverage,  # a command's imports load when it runs, not when tda starts
        )
        from ...reading.coverage import source_coverage  # a command's imports load when it runs, not when tda starts

        coverage = source_coverage(pkg)
        if args.format == "json":
            sys.stdout.write(json.dumps([c.as_dict() for c in coverage], indent=2, ensure_ascii=False, sort_keys=True) + "\n")
        else:
            sys.stdout.write(render_coverage(coverage))
        return 1 if any(c.unplaced for c in coverage) else 0

    from ...maintenance.stats import collect, render_text  # a command's imports load when it runs, not when tda starts

    stats = collect(pkg)
    if args.format == "json":
        sys.stdout.write(json.dumps(stats.as_dict(), indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    else:
        sys.stdout.write(render_text(stats))
    return 1 if stats.uncited else 0
