"""The README opens with what the dataset is and a Quick start of exactly two commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def quick_start() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quick start", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    assert block, "no bash block in Quick start"
    return [line for line in block.group(1).splitlines() if line.strip()]


def test_quick_start_has_two_commands() -> None:
    first, second = quick_start()
    assert "pip install" in first and "tda validate" in first
    assert "pip install" in second and "pytest" in second


def test_ci_runs_the_second_command() -> None:
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "sed -n 2p" in script and "README.md" in script


def test_readme_opens_with_the_dataset() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert text.startswith("# Tren de Aragua")
    assert text.index("## Quick start") < text.index("## The tables")
