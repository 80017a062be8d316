"""Building test packages: the shared valid base (tests/cases/_base) plus one case's overrides.

A case directory holds ``case.json``::

    {"description": "...",
     "expected": [{"code": "CS202", "path": "data/entities.csv", "line": 1, "column": 1}],
     "remove": ["data/events.csv"],                  # optional: files to delete
     "symlinks": {"data/entities.csv": "/etc/passwd"}} # optional: path -> link target

and a ``files/`` tree whose files replace or add to the base package's. The base takes the
project's own schemas/ and generates its descriptor's resources from them, so the cases always
test the real data model.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from validator.generate import descriptor_text
from validator.model import load_model

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
BASE = CASES / "_base"


def build_base(dest: Path) -> Path:
    shutil.copytree(BASE, dest, symlinks=True)
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    model = load_model(dest / "schemas", rel_to=dest)
    (dest / "datapackage.json").write_text(descriptor_text(dest, model), encoding="utf-8")
    return dest


def case_dirs() -> list[Path]:
    return sorted(p for p in CASES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def load_case(case: Path) -> dict:
    return json.loads((case / "case.json").read_text(encoding="utf-8"))


def build_case(case: Path, dest: Path) -> Path:
    build_base(dest)
    spec = load_case(case)
    files = case / "files"
    if files.is_dir():
        for src in sorted(files.rglob("*")):
            if src.is_file():
                target = dest / src.relative_to(files)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)
    for rel in spec.get("remove", []):
        target = dest / rel
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for rel, link_to in spec.get("symlinks", {}).items():
        target = dest / rel
        if target.exists() or target.is_symlink():
            target.unlink()
        os.symlink(link_to, target)
    return dest


def expected(case: Path) -> set[tuple]:
    return {(e["code"], e["path"], e.get("line"), e.get("column")) for e in load_case(case)["expected"]}
