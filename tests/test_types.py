"""mypy (configured in pyproject.toml, [tool.mypy]: the whole of validator/) reports no error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow  # about 6 s without mypy's cache, 1-2 s with it
def test_mypy_finds_no_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, (
        f"mypy found errors (pip install -e '.[test]' installs it and the stubs):\n{result.stdout}{result.stderr}"
    )
