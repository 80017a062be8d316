"""Commands never damage the data: the read-only ones change nothing, the writers only what they own.

Every command that exists (validator.cli.commands.command_modules(), so a command added later is
covered the day it lands) runs on a copy of this repository's package. Commands not listed in
WRITERS must leave the copy byte-identical: same entries, bytes, modes and modification times,
no new file. The writers, run for real, may change only what they own:

- ``fmt``: the CSV files in data/ that were not canonical (replaced atomically);
- ``generate``: datapackage.json and the generated pages in docs/;
- ``build`` and ``site``: their output directory (``--out`` when they have one, else dist/).

``fmt --check`` and ``generate --check`` are read-only and run with the others.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

import pytest
from clirun import run_cli
from treestate import changed, snapshot

from validator.cli.commands import command_modules
from validator.cli.parser import build_parser

pytestmark = pytest.mark.slow  # every command in a subprocess on a copy of the package; build and site for real

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_PARTS = ("datapackage.json", "schemas", "data", "seeds", "docs", "README.md")
TIMEOUT = 120

# How to run a command read-only; a command not listed here gets its positional arguments filled
# with the package (and --out, when required, with a directory outside it).
READ_ONLY_ARGS = {
    "validate": ["{pkg}"],
    "checks": [],
    "fmt": ["{pkg}", "--check"],
    "generate": ["{pkg}", "--check"],
}
# Commands that write when run without --check, and what each may change (paths relative to the package).
WRITERS = {
    "fmt": lambda path: path == "data" or (path.startswith("data/") and path.endswith(".csv")),
    "generate": lambda path: path in (".", "docs", "datapackage.json") or (path.startswith("docs/") and path.endswith(".md")),
    "build": lambda path: path in (".", "dist") or path.startswith("dist/"),
    "site": lambda path: path in (".", "dist") or path.startswith("dist/"),
}


def _copy_package(dest: Path) -> Path:
    dest.mkdir()
    for part in PACKAGE_PARTS:
        src = ROOT / part
        (shutil.copytree if src.is_dir() else shutil.copy2)(src, dest / part)
    return dest


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _argv(name: str, pkg: Path, out: Path) -> list[str]:
    if name in READ_ONLY_ARGS:
        return [name, *(a.format(pkg=pkg) for a in READ_ONLY_ARGS[name])]
    argv = [name]
    for action in _subparsers()[name]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:
            argv.append(str(pkg))
        elif action.required:
            if "out" not in action.dest:
                pytest.fail(f"tda {name} needs {action.option_strings[0]}: add a recipe to READ_ONLY_ARGS")
            argv += [action.option_strings[0], str(out)]
    return argv


COMMANDS = [m.NAME for m in command_modules()]


def test_the_known_commands_are_all_here() -> None:
    assert {"validate", "checks", "fmt", "generate"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_read_only_run_leaves_the_package_byte_identical(name: str, tmp_path: Path) -> None:
    if name in WRITERS and name not in READ_ONLY_ARGS:
        pytest.skip(f"tda {name} writes by design; see test_writer_changes_only_what_it_owns")
    pkg = _copy_package(tmp_path / "pkg")
    before = snapshot(pkg)
    result = run_cli(_argv(name, pkg, tmp_path / "out"), cwd=pkg, timeout=TIMEOUT)
    assert not result.timed_out and not result.crashed, result.stderr
    assert result.returncode in (0, 1), (result.returncode, result.stderr)
    assert changed(before, snapshot(pkg)) == []


def _make_work(name: str, pkg: Path) -> None:
    """Give a writer something to do."""
    if name == "fmt":
        entities = pkg / "data" / "entities.csv"
        entities.write_bytes(entities.read_bytes().replace(b"\n", b"\r\n"))
    elif name == "generate":
        schema = pkg / "schemas" / "entities.schema.json"
        data = json.loads(schema.read_text(encoding="utf-8"))
        data["properties"]["name"]["description"] += " (changed)"
        schema.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _out_option(name: str) -> str | None:
    """The option by which a command takes its output directory, if it has one."""
    return next((a.option_strings[0] for a in _subparsers()[name]._actions if a.option_strings and "out" in a.dest), None)


@pytest.mark.parametrize("name", [n for n in WRITERS if n in COMMANDS])
def test_writer_changes_only_what_it_owns(name: str, tmp_path: Path) -> None:
    pkg = _copy_package(tmp_path / "pkg")
    _make_work(name, pkg)
    before = snapshot(pkg)
    out = tmp_path / "out"
    argv = [a for a in _argv(name, pkg, out) if a != "--check"]
    option = _out_option(name)
    if option and option not in argv:
        argv += [option, str(out)]
    result = run_cli(argv, cwd=pkg, timeout=TIMEOUT)
    assert not result.timed_out and not result.crashed, result.stderr
    assert result.returncode == 0, (result.returncode, result.stdout, result.stderr)
    moved = changed(before, snapshot(pkg))
    if option:  # everything went to the output directory, outside the package
        assert moved == [] and any(out.rglob("*")), f"tda {name} {option} {out}: nothing written there, or the package changed"
        return
    assert moved, f"tda {name} had work to do and changed nothing"
    assert [p for p in moved if not WRITERS[name](p)] == [], f"tda {name} wrote outside what it owns"
    if name not in ("build", "site"):  # once is enough: a second run finds nothing to do and touches nothing
        again = snapshot(pkg)
        assert run_cli(argv, cwd=pkg, timeout=TIMEOUT).returncode == 0
        assert changed(again, snapshot(pkg)) == []
