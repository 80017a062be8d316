"""Fuzz target: datapackage.json, from the bytes on disk to the DP checks and the report.

Run (outside CI; see fuzz/README.md)::

    pip install -e ".[fuzz]"
    mkdir -p fuzz/corpus/descriptor
    python fuzz/fuzz_descriptor.py fuzz/corpus/descriptor fuzz/seeds/descriptor -dict=fuzz/descriptor.dict \\
        -max_total_time=600 -timeout=30

Each input becomes the datapackage.json of a scratch copy of the test base package, which is
validated with the descriptor checks (DP). Nothing but CannotRun (exit 2) may escape; every
problem has a usable position; every report renders in every format.
"""

from __future__ import annotations

import fuzzlib

_state: dict = {}


def _load() -> None:
    from validator import CannotRun, validate

    _state.update(validate=validate, CannotRun=CannotRun, pkg=fuzzlib.scratch_package())


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    if not _state:
        _load()
    pkg = _state["pkg"]
    (pkg / "datapackage.json").write_bytes(data)
    fuzzlib.validate_and_check(_state, pkg, select=["DP"])


def main() -> None:
    fuzzlib.fuzz(_load, TestOneInput)


if __name__ == "__main__":
    main()
