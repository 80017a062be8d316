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

import sys

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
    try:
        report = _state["validate"](pkg, select=["DP"], max_per_group=0)
    except _state["CannotRun"] as exc:
        assert exc.message
        return
    fuzzlib.check_report(report)


def main() -> None:
    import atheris

    with atheris.instrument_imports(include=["validator"]):
        _load()
        fuzzlib.import_checks()  # the checks load on first use: import them here, to be instrumented
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
