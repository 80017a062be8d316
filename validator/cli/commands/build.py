"""tda build: validate the package and write a release in the formats downstream users need."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator

NAME = "build"
ORDER = 30
HELP = "write a release: CSV, JSON, Parquet, SQLite, GeoJSON, GraphML, GEXF, FollowTheMoney, zip"
DESCRIPTION = (
    "Validate the package, refuse it if it has errors (exit 1, with the problems), and write the release "
    "DIR/<name>-<version>/ (CSV data package, JSON, Parquet, SQLite with Datasette metadata, GeoJSON, GraphML, GEXF, "
    "FollowTheMoney JSON lines, CITATION.cff, SHA256SUMS) and DIR/<name>-<version>.zip. The same commit gives the "
    "same bytes. Needs the build extra: pip install 'tren-de-aragua-data[build]'."
)


def add_arguments(p: argparse.ArgumentParser, redacts: str = "every format") -> None:
    """The arguments of a release build (``tda site`` takes the same)."""
    p.add_argument("package", nargs="?", default=".", help="package directory; default: .")
    p.add_argument("--out", default="dist", metavar="DIR", help="directory the release is written into (default: dist)")
    p.add_argument(
        "--redact-protected",
        action="store_true",
        help=f"replace protected persons by neutral placeholders in {redacts} (release name ends in -redacted)",
    )


ProgressFn = Callable[[str, int, int], None]


@contextlib.contextmanager
def progress_display() -> Iterator[ProgressFn | None]:
    """A progress bar on a terminal; nothing when stderr is not a terminal or in CI (plain logs)."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield None
        return
    try:
        from rich.console import Console  # a command's imports load when it runs, not when tda starts
        from rich.progress import (  # a command's imports load when it runs, not when tda starts
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:  # rich is optional: a single rewritten line does the job
        yield _line_progress
        sys.stderr.write("\r\x1b[K")
        return
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as bar:
        task = bar.add_task("building", total=None, visible=False)  # shown once the build reports its steps

        def update(what: str, step: int, steps: int) -> None:
            bar.update(task, description=what, completed=step - 1, total=steps, visible=True)

        yield update


def _line_progress(what: str, step: int, steps: int) -> None:
    sys.stderr.write(f"\r\x1b[K[{step}/{steps}] {what}")
    sys.stderr.flush()


def run(args: argparse.Namespace) -> int:
    from ...errors import InvalidPackage  # a command's imports load when it runs, not when tda starts
    from ...publish.build import build  # a command's imports load when it runs, not when tda starts
    from ..report import render  # a command's imports load when it runs, not when tda starts
    from .validate import default_format  # a command's imports load when it runs, not when tda starts

    started = time.perf_counter()
    try:
        with progress_display() as progress:
            result = build(args.package, args.out, redact_protected=args.redact_protected, progress=progress)
    except InvalidPackage as exc:
        sys.stdout.write(render(exc.report, default_format()))
        sys.stderr.write("tda: build refused: the package has errors (above); fix them and build again\n")
        return 1
    seconds = time.perf_counter() - started
    sys.stdout.write(
        f"built {result.directory}/ ({len(result.files)} files, {result.size:,} bytes) and {result.archive} in {seconds:.1f} s\n"
    )
    if result.redacted:
        sys.stdout.write(f"redacted: {result.protected} protected person(s) replaced by placeholders\n")
    elif result.protected:
        sys.stdout.write(f"note: {result.protected} protected person(s) appear by name; --redact-protected replaces them\n")
    return 0
