"""tda site: build the release with its static site, site/ (overview, pages, timeline, network, map, search)."""

from __future__ import annotations

import argparse
import sys
import time

from . import build

NAME = "site"
ORDER = 35
HELP = "build the release with a static website of the profile in it (DIR/<name>-<version>/site/)"
DESCRIPTION = (
    "Run tda build and add the static site to the release: DIR/<name>-<version>/site/index.html (an overview of "
    "the group), a page per entity, place and source (each source's text with every quoted passage highlighted "
    "and linked to the facts it supports), a timeline, a network of the relations, a map of presence and a "
    "search by name and alias. Every fact shows its claim status and its quote. The site works from disk or any "
    "static host (relative links, nothing fetched), the text pages without JavaScript. The package is validated "
    "first and refused if it has errors (exit 1); SHA256SUMS and the zip include the site. "
    "Needs the site extra: pip install 'tren-de-aragua-data[site]'."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    build.add_arguments(p, redacts="the site and every format")


def run(args: argparse.Namespace) -> int:
    from ...errors import InvalidPackage  # a command's imports load when it runs, not when tda starts
    from ...publish.build import build  # a command's imports load when it runs, not when tda starts
    from ..report import render  # a command's imports load when it runs, not when tda starts
    from .build import progress_display  # a command's imports load when it runs, not when tda starts
    from .validate import default_format  # a command's imports load when it runs, not when tda starts

    started = time.perf_counter()
    try:
        with progress_display() as progress:
            result = build(args.package, args.out, redact_protected=args.redact_protected, progress=progress, site=True)
    except InvalidPackage as exc:
        sys.stdout.write(render(exc.report, default_format()))
        sys.stderr.write("tda: site refused: the package has errors (above); fix them and build again\n")
        return 1
    seconds = time.perf_counter() - started
    pages = sum(1 for f in result.files if f.startswith("site/") and f.endswith(".html"))
    sys.stdout.write(
        f"built {result.directory}/ with its site ({pages} pages) and {result.archive} in {seconds:.1f} s\n"
        f"open {result.directory / 'site' / 'index.html'} in a browser\n"
    )
    if result.redacted:
        sys.stdout.write(f"redacted: {result.protected} protected person(s) replaced by placeholders\n")
    elif result.protected:
        sys.stdout.write(f"note: {result.protected} protected person(s) appear by name; --redact-protected replaces them\n")
    return 0
