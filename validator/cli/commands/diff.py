"""tda diff: what changed between two versions of the package (rows, schemas, sources)."""

from __future__ import annotations

import argparse
import sys

NAME = "diff"
ORDER = 15
HELP = "show what changed between two versions of the package"
DESCRIPTION = (
    "Compare two versions of the package, each a git ref (branch, tag, commit) or a directory: rows added (with "
    "their values), removed (with the values they had) and changed per table (by id, field by field), schema changes, source documents added, removed or changed, "
    "and the version bump the changes need (docs/versioning.md). A git ref is read from git's objects into a "
    "temporary directory: the working tree and the index are never touched."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("base", metavar="BASE", help="the version to compare from: a git ref or a directory")
    p.add_argument(
        "head", metavar="HEAD", nargs="?", default=None, help="the version to compare to; default: the package as it is on disk"
    )
    p.add_argument(
        "--package",
        default=".",
        metavar="DIR",
        help="the package directory; git refs are read from its repository and subdirectory (default: .)",
    )
    p.add_argument("--format", choices=["text", "json", "markdown"], default="text", help="output format (default: text)")
    p.add_argument(
        "--max-rows",
        type=int,
        default=50,
        metavar="N",
        help="list at most N rows per table and kind of change in text and markdown; 0 lists all (default: 50)",
    )
    p.add_argument("--exit-code", action="store_true", help="exit 1 when there are differences, 0 when there are none")


def run(args: argparse.Namespace) -> int:
    from ...changes.diff import diff_sides  # a command's imports load when it runs, not when tda starts
    from ...changes.diffreport import render  # a command's imports load when it runs, not when tda starts

    diff = diff_sides(args.base, args.head, package_dir=args.package)
    sys.stdout.write(render(diff, args.format, args.max_rows))
    return 1 if args.exit_code and not diff.empty else 0
