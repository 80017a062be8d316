"""The helper processes give the results the main process would compute itself."""

from __future__ import annotations

import json
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from casepkg import CASES, build_case
from clirun import run_cli, server_modules

from validator import validate
from validator.checks import all_checks, sidecar

pytestmark = pytest.mark.slow  # every helper process against the main one, two CLI runs each


def _cli_problems(pkg: Path, env: dict | None = None) -> list[tuple]:
    # A run forked from the tests' warm server (clirun.py) starts the helpers as a new process
    # does, as long as the server has not loaded what sidecar.start refuses to fork after.
    assert server_modules(["numpy", "pyarrow", "duckdb"]) == [], "the fork server would keep the helpers off"
    out = run_cli(["validate", "--format", "json", "--max-per-group", "0", str(pkg)], timeout=120, env=env)
    assert out.returncode in (0, 1) and not out.crashed, out.stderr
    return [(p["code"], p["path"], p["line"], p["column"], p["message"]) for p in json.loads(out.stdout)["problems"]]


def _one_check_per_work() -> list[str]:
    """For each shared result a helper can compute, the first check that waits for it."""
    out: dict[str, str] = {}
    for info in all_checks():
        for work in info.work:
            out.setdefault(work.key, info.code)
    return sorted(out.values())


@pytest.mark.parametrize("case", _one_check_per_work())
def test_helpers_agree_with_the_main_process(case: str, tmp_path: Path) -> None:
    pkg = build_case(CASES / case, tmp_path / "p")
    in_process = [(p.code, p.path, p.line, p.column, p.message) for p in validate(pkg, max_per_group=0).problems]
    assert _cli_problems(pkg) == in_process
    assert _cli_problems(pkg, {"TDA_NO_SIDECAR": "1"}) == in_process


def test_a_helper_that_fails_leaves_the_work_to_the_main_process() -> None:
    read_fd, write_fd = os.pipe()
    body = pickle.dumps(("quotes", False, None))
    with os.fdopen(write_fd, "wb") as out:  # a helper that reports one failure, then dies
        out.write(struct.pack("<Q", len(body)) + body + b"\x00\x00")
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    helper = sidecar.Sidecar(pid, read_fd, ["quotes", "hedged"])
    assert helper.get("quotes") == (False, None)
    assert helper.get("hedged") == (False, None)  # truncated stream: not delivered
    assert not helper.has("quotes") and not helper.has("hedged")
    helper.close()


_WHICH_HELPERS = """
import json, sys
from validator.checks import all_checks, sidecar
from validator.reading.package import Package
sidecar.TABLES_HELPER_MAX_BYTES = int(sys.argv[2])
helpers = sidecar.start(Package.open(sys.argv[1]), all_checks())
print(json.dumps(sorted(sorted(h.keys) for h in helpers.helpers)))
helpers.close()
"""


@pytest.mark.parametrize("limit,want", [(1 << 40, 2), (0, 1)])
def test_big_tables_are_left_to_the_main_process(limit: int, want: int, tmp_path: Path) -> None:
    """Over TABLES_HELPER_MAX_BYTES the tables' helper is not started (the descriptor's still is)."""
    pkg = build_case(CASES / "PV402", tmp_path / "p")
    out = subprocess.run([sys.executable, "-c", _WHICH_HELPERS, str(pkg), str(limit)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    groups = json.loads(out.stdout)
    assert len(groups) == want
    assert ["frictionless", "metadata"] in groups


def test_no_database_leaves_a_directory_behind(tmp_path: Path) -> None:
    """The main process and its helpers each spill into a directory of their own under the system's
    temporary directory; after a run none is left there, and nothing is written where tda runs."""
    pkg = build_case(CASES / "PV402", tmp_path / "p")
    (tmp_path / "tmp").mkdir()
    (tmp_path / "cwd").mkdir()
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}
    env.pop("TDA_NO_SIDECAR", None)
    out = subprocess.run(
        [sys.executable, "-m", "validator", "validate", str(pkg)],
        cwd=tmp_path / "cwd",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 1, out.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    assert list((tmp_path / "cwd").iterdir()) == []
