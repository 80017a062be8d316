"""The command line: exit codes, formats, and clean messages instead of tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from casepkg import CASES, build_base, build_case
from clirun import Result, run_cli, run_subprocess

import validator
from validator.cli.main import main
from validator.cli.parser import build_parser

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path | None = None) -> Result:
    """``tda *args`` in a child of the tests' warm fork server (clirun.py): the command line as a
    user runs it, without paying the interpreter's start-up each time."""
    return run_cli(list(args), cwd=cwd or ROOT, timeout=120)


def run_new(*args: str, cwd: Path | None = None) -> Result:
    """``python -m validator *args`` in a new interpreter: the real entry point, end to end."""
    return run_subprocess(list(args), cwd=cwd or ROOT, timeout=120)


@pytest.fixture(scope="module")
def clean_json() -> dict:
    """The JSON report of this repository's package, which is valid."""
    return json.loads(run("validate", "--format", "json", str(ROOT)).stdout)


def test_clean_package_exits_0(tmp_path: Path) -> None:
    result = run_new("validate", str(build_base(tmp_path / "p")))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("valid: 0 errors")


def test_problems_exit_1_with_editor_positions(tmp_path: Path) -> None:
    result = run("validate", str(build_case(CASES / "PV402", tmp_path / "p")))
    assert result.returncode == 1
    first = result.stdout.splitlines()[0]
    assert first.startswith("data/citations.csv:2:94: PV402 quote not found in src-insightcrime-tda-profile")
    assert "    hint: copy the words from seeds/insightcrime-tren-de-aragua-profile.txt exactly" in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("invalid: 1 error, 0 warnings in 10 tables")


@pytest.mark.slow  # tda run as a command, on built cases
def test_json_format_is_stable(tmp_path: Path) -> None:
    result = run("validate", "--format", "json", str(build_case(CASES / "KY504", tmp_path / "p")))
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert list(data) == sorted(data)
    assert data["valid"] is False and data["summary"]["errors"] == 1
    (p,) = data["problems"]
    assert p == {
        "code": "KY504",
        "name": "foreign-key",
        "level": "error",
        "severity": "error",
        "path": "data/relations.csv",
        "line": 4,
        "column": 72,
        "field": "object_id",
        "record": "rel-tren-de-aragua-conflict-eln",
        "value": "ent-unknown",
        "message": "object_id 'ent-unknown' is not an id in entities",
        "hint": "add the row to entities, or fix the id",
    }


@pytest.mark.parametrize("setup", ["missing", "not-json", "not-a-directory"])
def test_json_format_on_exit_2_is_one_json_document(setup: str, tmp_path: Path, clean_json: dict) -> None:
    """A package that cannot be read still gives tools one JSON document, with a report's keys."""
    target = tmp_path / "pkg"
    if setup == "not-json":
        target.mkdir()
        (target / "datapackage.json").write_text('{"name": "x",\n  "version": ', encoding="utf-8")
    elif setup == "not-a-directory":
        target.write_text("x", encoding="utf-8")
    result = run("validate", "--format", "json", str(target))
    assert result.returncode == 2
    data = json.loads(result.stdout)
    clean = clean_json
    assert set(data) == set(clean)
    assert data["valid"] is False and data["problems"] == []
    assert set(data["error"]) == {"message", "hint", "path", "line", "column"}
    assert "cannot run" in result.stderr
    if setup == "not-json":
        assert (data["error"]["path"], data["error"]["line"]) == ("datapackage.json", 2)
    assert clean["error"] is None


@pytest.mark.slow  # tda run as a command, on built cases
def test_github_format_annotates(tmp_path: Path) -> None:
    result = run("validate", "--format", "github", str(build_case(CASES / "GR110", tmp_path / "p")))
    assert result.returncode == 0
    assert result.stdout.startswith("::warning file=data/entities.csv,line=5,col=66,title=GR110 description-copies-source::")
    result = run("validate", "--format", "github", str(build_case(CASES / "PV405", tmp_path / "q")))
    assert result.returncode == 1
    assert result.stdout.startswith("::error file=data/relations.csv,line=2,col=111,title=PV405 hedged-but-reported::")


def test_github_format_is_the_default_in_actions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert main(["validate", str(build_case(CASES / "KY504", tmp_path / "p"))]) == 1
    assert capsys.readouterr().out.startswith("::error file=data/relations.csv,line=4,col=72,title=KY504 foreign-key::")


@pytest.mark.slow  # tda run as a command, on built cases
def test_markdown_format(tmp_path: Path) -> None:
    result = run("validate", "--format", "markdown", str(build_case(CASES / "KY504", tmp_path / "p")))
    assert "| `data/relations.csv:4:72` | KY504 | object_id 'ent-unknown' is not an id in entities |" in result.stdout


@pytest.mark.slow  # tda run as a command, on built cases
def test_strict_makes_warnings_fail(tmp_path: Path) -> None:
    pkg = str(build_case(CASES / "PV406", tmp_path / "p"))
    assert run("validate", pkg).returncode == 0
    assert run("validate", "--strict", pkg).returncode == 1


@pytest.mark.slow  # tda run as a command, on built cases
def test_select_and_ignore(tmp_path: Path) -> None:
    pkg = str(build_case(CASES / "DT604", tmp_path / "p"))
    only = json.loads(run("validate", "--format", "json", "--select", "DT604", pkg).stdout)
    assert only["summary"]["by_code"] == {"DT604": 1}
    rest = json.loads(run("validate", "--format", "json", "--ignore", "DT6", pkg).stdout)
    assert rest["valid"] is True


@pytest.mark.parametrize(
    "content,needle",
    [
        (None, "no datapackage.json"),
        ("{not json", "datapackage.json:1:2: not valid JSON"),
        ("[1, 2]", "must be a JSON object, not an array"),
        ("[" * 100_000 + "]" * 100_000, "datapackage.json:1:65: nested deeper than 64 levels"),
        ("\ufeff{}", "byte order mark"),
    ],
)
def test_unreadable_descriptor_exits_2(tmp_path: Path, content: str | None, needle: str) -> None:
    pkg = build_base(tmp_path / "p")
    if content is None:
        (pkg / "datapackage.json").unlink()
    else:
        (pkg / "datapackage.json").write_text(content, encoding="utf-8")
    result = run("validate", str(pkg))
    assert result.returncode == 2
    assert needle in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_directory_exits_2(tmp_path: Path) -> None:
    result = run_new("validate", str(tmp_path / "nowhere"))
    assert result.returncode == 2 and "no such directory" in result.stderr


@pytest.mark.slow  # tda run as a command, on built cases
def test_grouping_caps_a_flood(tmp_path: Path) -> None:
    pkg = build_base(tmp_path / "p")
    lines = (pkg / "data/citations.csv").read_text().splitlines()
    bad = [lines[0]] + [line.replace(",src-insightcrime-tda-profile,", ",src-unknown,") for line in lines[1:]]
    (pkg / "data/citations.csv").write_text("\n".join(bad) + "\n")
    result = run("validate", "--max-per-group", "5", str(pkg))
    import re

    assert len(re.findall(r"^data/citations\.csv:\d+:\d+: KY504 ", result.stdout, re.M)) == 5
    assert "data/citations.csv: KY504 ... and 13 more like this" in result.stdout


def test_every_command_is_documented() -> None:
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name in sub.choices:
        assert f"## tda {name}" in doc
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "docs/cli.md" in readme


def _raises(exc: Exception):
    def func(args):
        raise exc

    return func


def test_a_missing_dependency_is_reported_not_called_a_bug(capsys) -> None:
    import argparse

    from validator.cli.main import _run

    code = _run(_raises(ModuleNotFoundError("No module named 'duckdb'", name="duckdb")), argparse.Namespace())
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("tda: cannot run: the Python package 'duckdb' is not installed for ")
    assert "pip install ." in err and "bug" not in err and "Traceback" not in err


def test_a_missing_module_of_tda_itself_is_a_bug(capsys, monkeypatch) -> None:
    import argparse

    from validator.cli.main import _run

    monkeypatch.delenv("TDA_DEBUG", raising=False)
    code = _run(_raises(ModuleNotFoundError("No module named 'validator.nope'", name="validator.nope")), argparse.Namespace())
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("tda: internal error: ModuleNotFoundError") and "this is a bug in tda" in err


def test_version_names_the_tools_and_the_data(tmp_path: Path) -> None:
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    shown = run_new("--version").stdout.splitlines()
    assert shown[0] == f"tda {validator.__version__} (tools)"
    assert shown[1].startswith(f"data: {descriptor['name']} {descriptor['version']} (")
    elsewhere = run_new("--version", cwd=tmp_path).stdout.splitlines()
    assert elsewhere[1] == f"data: no readable datapackage.json in {tmp_path}"
