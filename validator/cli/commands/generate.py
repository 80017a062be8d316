"""tda generate: rebuild the files derived from schemas/ and the code."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

NAME = "generate"
ORDER = 90
HELP = "regenerate datapackage.json resources and docs from schemas/"
DESCRIPTION = (
    "Regenerate the files derived from schemas/*.schema.json and the code: datapackage.json resources, "
    "docs/data-dictionary.md, docs/checks.md, docs/cli.md, the typed records of the Python API "
    "(validator/publish/records.py, where the package holds the tool's source); and, from the citations and the seeds, "
    "docs/source-coverage.md (run it again after changing data/citations.csv)."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("package", nargs="?", default=".", help="package directory; default: .")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a generated file is stale")


def run(args: argparse.Namespace) -> int:
    from ...errors import CannotRun  # a command's imports load when it runs, not when tda starts
    from ...maintenance.generate import stale_files, write_generated  # a command's imports load when it runs, not when tda starts
    from ..parser import cli_reference  # a command's imports load when it runs, not when tda starts

    generated_here = {"docs/cli.md": cli_reference}
    root = Path(args.package)
    if not (root / "datapackage.json").is_file():
        raise CannotRun(f"no datapackage.json in {root}")
    if args.check:
        stale = stale_files(root, generated_here)
        for rel in stale:
            sys.stdout.write(f"{rel}: out of date; run `tda generate`\n")
        if not stale:
            sys.stdout.write("generated files are up to date\n")
        return 1 if stale else 0
    for rel in write_generated(root, generated_here):
        sys.stdout.write(f"wrote {rel}\n")
    return 0
