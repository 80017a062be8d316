"""tda checks: list every check with its code and rule."""

from __future__ import annotations

import argparse
import sys

NAME = "checks"
ORDER = 20
HELP = "list every check with its code and rule"
DESCRIPTION = "List every check: code, name, level and the rule it enforces."


def add_arguments(p: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    from ...changes.rules import all_change_rules  # a command's imports load when it runs, not when tda starts
    from ...checks import all_checks  # a command's imports load when it runs, not when tda starts

    for c in all_checks() + all_change_rules():
        sys.stdout.write(f"{c.code}  {c.name:<28} {c.severity:<8} {c.rule}\n")
    return 0
