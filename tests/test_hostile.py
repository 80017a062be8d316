"""The hostile corpus: malformed and malicious packages, each with exactly the problems it must produce.

Every case in tests/hostile/ is the shared valid base (tests/cases/_base) plus the case's
overrides (see casepkg.py for the format). ``tda validate`` runs on it in a child process with a
time limit, and must:

- finish (no hang), without a traceback or an internal error;
- exit 1 with exactly the expected problems, each at its file, line and column (``expected``,
  an entry's optional ``message`` must occur in the problem's message), or exit 2 with the
  expected words on stderr (``"exit": 2`` and ``"stderr"``) when the package cannot be read;
- leave every file of the package as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from casepkg import build_case, load_case
from clirun import run_cli
from treestate import snapshot

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = sorted(p for p in HOSTILE.iterdir() if p.is_dir())
TIMEOUT = 60.0


def _describe(problems: list[dict]) -> list[str]:
    return [f"{p['code']} {p['path']}:{p['line']}:{p['column']} {p['message'][:120]}" for p in problems]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_case(case: Path, tmp_path: Path) -> None:
    spec = load_case(case)
    pkg = build_case(case, tmp_path / "pkg")
    before = snapshot(pkg)
    result = run_cli(["validate", "--format", "json", "--max-per-group", "0", str(pkg)], cwd=tmp_path, timeout=TIMEOUT)
    assert not result.timed_out, f"validate did not finish in {TIMEOUT:.0f} s"
    assert not result.crashed, result.stderr
    want_exit = spec.get("exit", 1)
    assert result.returncode == want_exit, (result.returncode, result.stderr, result.stdout[:2000])
    if want_exit == 2:
        assert result.stdout == ""
        assert spec["stderr"] in result.stderr
        assert result.stderr.startswith("tda: cannot run: ")
    else:
        problems = json.loads(result.stdout)["problems"]
        found = {(p["code"], p["path"], p["line"], p["column"]) for p in problems}
        want = {(e["code"], e["path"], e.get("line"), e.get("column")) for e in spec["expected"]}
        assert found == want, _describe(problems)
        for e in spec["expected"]:
            if "message" in e:
                key = (e["code"], e["path"], e.get("line"), e.get("column"))
                messages = [p["message"] for p in problems if (p["code"], p["path"], p["line"], p["column"]) == key]
                assert any(e["message"] in m for m in messages), (e["message"], messages)
    assert snapshot(pkg) == before, "validate changed the package"


def test_corpus_is_large_enough() -> None:
    assert len(CASES) >= 40
    for case in CASES:
        spec = load_case(case)
        assert spec["description"], case.name
        assert spec.get("exit", 1) in (1, 2), case.name
        assert spec.get("expected") or spec.get("exit") == 2, f"{case.name}: a case expects problems or exit 2"
