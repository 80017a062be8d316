"""Building test packages: the shared valid base (tests/cases/_base) plus one case's overrides.

A case directory holds ``case.json``::

    {"description": "...",
     "expected": [{"code": "CS202", "path": "data/entities.csv", "line": 1, "column": 1}],
     "remove": ["data/events.csv"],                  # optional: files to delete
     "symlinks": {"data/entities.csv": "/etc/passwd"}, # optional: path -> link target
     "dirs": ["data/events.csv"],                     # optional: a directory where a file was
     "fifos": ["data/events.csv"],                    # optional: a named pipe where a file was
     "generate": [{"path": "data/entities.csv", "replace": "Leader of", "parts": ["x", ["y", 10000000]]}],
     "descriptor_patch": [{"op": "replace", "path": "/version", "value": "1.0"}]}

and a ``files/`` tree whose files replace or add to the base package's. The base takes the
project's own schemas/ and generates its descriptor's resources from them, so the cases always
test the real data model.

``generate`` edits a file of the built package, for a small change that reads better in
case.json than a copy of the whole file, or for an input too big to commit: ``parts`` is a
list of strings and ``[string, count]`` repetitions, joined; with ``replace`` it takes the
place of the first occurrence of that text in the file (every occurrence with ``"all": true``),
with ``append`` it is added at the end, otherwise it is the whole file. ``encoding`` (default
utf-8) names how the text becomes bytes.

``descriptor_patch`` is a JSON Patch (RFC 6902) applied to the generated datapackage.json, so a
case that edits the descriptor keeps working when the schemas (and so the descriptor) change.
An expected problem in datapackage.json may give ``"pointer"`` (a JSON pointer) instead of a
line and column: its position is looked up in the built package's descriptor.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from validator.maintenance.generate import descriptor_text
from validator.reading.model import load_model

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


def case_builder(factory: Any, prefix: str) -> Callable[[Path], Path]:
    """A function that builds a case's package the first time it is asked for it, in a new folder
    of ``factory`` (pytest's tmp_path_factory), and gives the same package after: for a
    module-scoped fixture whose tests only read the packages."""
    packages: dict[str, Path] = {}

    def get(case: Path) -> Path:
        if case.name not in packages:
            packages[case.name] = build_case(case, factory.mktemp(prefix) / "pkg")
        return packages[case.name]

    return get


def reported(pkg: Path, select: list[str]) -> list[tuple[Any, ...]]:
    """Every problem ``validate`` finds in ``pkg`` with the checks ``select`` names, none left
    out, as comparable tuples: for the tests that run a check two ways and compare."""
    from validator import validate

    report = validate(pkg, select=select, max_per_group=0)
    return [(p.code, p.path, p.line, p.column, p.message, p.hint, p.severity) for p in report.problems]


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
        target = _clear(dest / rel)
        os.symlink(link_to, target)
    for rel in spec.get("dirs", []):
        _clear(dest / rel).mkdir(parents=True)
    for rel in spec.get("fifos", []):
        os.mkfifo(_clear(dest / rel))
    for gen in spec.get("generate", []):
        generate(dest, gen)
    if "descriptor_patch" in spec:
        import jsonpatch

        descriptor = json.loads((dest / "datapackage.json").read_text(encoding="utf-8"))
        patched = jsonpatch.apply_patch(descriptor, spec["descriptor_patch"])
        (dest / "datapackage.json").write_text(json.dumps(patched, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return dest


def _clear(target: Path) -> Path:
    if target.is_dir() and not target.is_symlink():
        shutil.rmtree(target)
    elif target.exists() or target.is_symlink():
        target.unlink()
    return target


def generate(dest: Path, gen: dict) -> None:
    """Apply one ``generate`` entry of a case (see the module docstring)."""
    text = "".join(p if isinstance(p, str) else p[0] * p[1] for p in gen["parts"])
    target = dest / gen["path"]
    encoding = gen.get("encoding", "utf-8")
    if "replace" in gen:
        old = target.read_text(encoding="utf-8")
        assert gen["replace"] in old, f"{gen['path']} does not contain {gen['replace']!r}"
        text = old.replace(gen["replace"], text, -1 if gen.get("all") else 1)
    elif gen.get("append"):
        text = target.read_text(encoding="utf-8") + text
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode(encoding))


def expected(case: Path, built: Path | None = None) -> set[tuple]:
    """(code, path, line, column) of the case's expected problems; ``built`` (the package built for
    the case) resolves the ones given by a JSON pointer into datapackage.json."""
    out = set()
    for e in load_case(case)["expected"]:
        if "pointer" in e:
            assert built is not None, f"{case.name}: a pointer needs the built package"
            line, column = json_position(built / e["path"], e["pointer"])
            out.add((e["code"], e["path"], line, column))
        else:
            out.add((e["code"], e["path"], e.get("line"), e.get("column")))
    return out


def json_position(path: Path, pointer: str) -> tuple[int, int]:
    """Line and column (1-based) where the key (or value) at ``pointer`` starts, as the validator reports it."""
    import json_source_map

    entry = json_source_map.calculate(path.read_text(encoding="utf-8"))[pointer]
    loc = entry.key_start or entry.value_start
    return loc.line + 1, loc.column + 1
