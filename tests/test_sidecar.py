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

from validator import sidecar, validate


def _cli_problems(pkg: Path, env: dict | None = None) -> list[tuple]:
    out = subprocess.run(
        [sys.executable, "-m", "validator", "validate", "--format", "json", "--max-per-group", "0", str(pkg)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert out.returncode in (0, 1), out.stderr
    return [(p["code"], p["path"], p["line"], p["column"], p["message"]) for p in json.loads(out.stdout)["problems"]]


@pytest.mark.parametrize("case", ["DP101", "DP102", "LC702", "LC707", "PV402", "PV405"])  # one per helper result
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
