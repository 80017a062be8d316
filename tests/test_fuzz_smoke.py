"""A smoke run of the fuzz targets' input handling (not of atheris, which runs outside CI).

Each target's TestOneInput gets its seeds, the inputs of the hostile corpus that fit it, and
a few fixed pseudo-random byte strings: the invariants the targets assert hold for all of them.
This keeps the targets working between fuzz runs (fuzz/README.md).
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

pytestmark = pytest.mark.slow  # every fuzz target on its seeds

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"


def _target(name: str) -> ModuleType:
    sys.path.insert(0, str(FUZZ))
    try:
        spec = importlib.util.spec_from_file_location(f"fuzz_{name}", FUZZ / f"fuzz_{name}.py")
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module
    finally:
        sys.path.remove(str(FUZZ))


def _random_inputs(n: int, size: int) -> list[bytes]:
    rnd = random.Random(8)
    alphabet = b'abc,"\n\r\x00\xef\xbb\xbf\xff -=|\\{}[]:0123456789'
    return [bytes(rnd.choice(alphabet) for _ in range(rnd.randrange(size))) for _ in range(n)]


def _hostile_files(suffix: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((ROOT / "tests" / "hostile").rglob(f"*{suffix}")) if p.parent.name != "hostile"]


def test_csv_target() -> None:
    target = _target("csv")
    inputs = [p.read_bytes() for p in sorted((FUZZ / "seeds" / "csv").iterdir())]
    inputs += [prefix + body for body in _hostile_files(".csv") for prefix in (b"\x00", b"\x01")]
    inputs += _random_inputs(300, 200)
    for data in inputs:
        target.TestOneInput(data)


def test_descriptor_target() -> None:
    target = _target("descriptor")
    inputs = [(FUZZ / "seeds" / "descriptor" / "datapackage.json").read_bytes()]
    inputs += [b"", b"{", b"[]", b'{"resources": [1, {"path": ["..", 3]}]}', b'{"a": NaN}', b"[" * 5000]
    inputs += _random_inputs(40, 100)
    for data in inputs:
        target.TestOneInput(data)


@pytest.mark.parametrize("seed", ["entities", "locations", "citations"])
def test_package_target(seed: str) -> None:
    target = _target("package")
    data = (FUZZ / "seeds" / "package" / f"{seed}.bin").read_bytes()
    target.TestOneInput(data)  # the base itself
    target.TestOneInput(data[:1] + data[1:].replace(b",", b";", 3))  # and a damaged copy
