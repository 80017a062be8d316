"""tda fmt: rewrite every table's CSV file in canonical form (sorted, NFC, LF, minimal quoting)."""

from __future__ import annotations

import argparse
import sys

NAME = "fmt"
ORDER = 30
HELP = "rewrite the CSV files in canonical form (rows sorted by id, NFC, LF, minimal quoting)"
DESCRIPTION = (
    "Rewrite every table's CSV file in canonical form: UTF-8 without BOM, LF line ends, a final newline, rows "
    "sorted by id, text in Unicode NFC, RFC 4180 quoting only where needed. Lossless: a file that cannot be read "
    "without loss (not UTF-8, malformed quoting, wrong field counts, a wrong header, duplicate ids) is left alone "
    "and reported. Files already canonical are not touched; the others are replaced atomically. "
    "Exit 0 when every file is canonical (or was made so), 1 when a file was refused or, with --check, would change."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("package", nargs="?", default=".", help="package directory; default: .")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 and list the files that would change")


def run(args: argparse.Namespace) -> int:
    from ...maintenance.fmt import format_package  # a command's imports load when it runs, not when tda starts

    results = format_package(args.package, write=not args.check)
    out = sys.stdout
    for r in results:
        if r.status == "refused":
            where = ":".join(str(x) for x in (r.rel, r.line, r.column) if x is not None)
            out.write(f"{where}: not formatted: {r.reason}\n")
        elif r.status == "changed":
            verb = "would reformat" if args.check else "formatted"
            out.write(f"{verb} {r.rel} ({', '.join(r.changes)})\n")
    changed = sum(r.status == "changed" for r in results)
    refused = sum(r.status == "refused" for r in results)
    canonical = sum(r.status == "canonical" for r in results)
    verb = "would be reformatted" if args.check else "reformatted"
    out.write(f"{changed} {_files(changed)} {verb}, {canonical} already canonical, {refused} refused\n")
    return 1 if refused or (args.check and changed) else 0


def _files(n: int) -> str:
    return "file" if n == 1 else "files"
