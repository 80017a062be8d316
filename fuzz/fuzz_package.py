"""Fuzz target: one table of a package replaced by arbitrary bytes, then every check.

Run (outside CI; see fuzz/README.md)::

    pip install -e ".[fuzz]"
    mkdir -p fuzz/corpus/package
    python fuzz/fuzz_package.py fuzz/corpus/package fuzz/seeds/package -max_total_time=600 -timeout=60

The first byte picks the table (and, when odd, keeps that table's header in front of the rest);
the other bytes become its CSV file in a scratch copy of the test base package, which is
validated with all checks. Nothing but CannotRun may escape; positions are usable; the report
renders in every format. The next input starts from the base again.
"""

from __future__ import annotations

import fuzzlib

_state: dict = {}


def _load() -> None:
    from validator import CannotRun, validate
    from validator.reading.model import load_model

    pkg = fuzzlib.scratch_package()
    tables = list(load_model(pkg / "schemas", rel_to=pkg).tables.values())
    base = {t.path: (pkg / t.path).read_bytes() for t in tables}
    _state.update(validate=validate, CannotRun=CannotRun, pkg=pkg, tables=tables, base=base, dirty=None)


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    if not _state:
        _load()
    if not data:
        return
    pkg, tables, base = _state["pkg"], _state["tables"], _state["base"]
    if _state["dirty"]:
        (pkg / _state["dirty"]).write_bytes(base[_state["dirty"]])
    table = tables[data[0] % len(tables)]
    body = data[1:]
    if data[0] & 0x80:
        body = base[table.path].split(b"\n", 1)[0] + b"\n" + body
    (pkg / table.path).write_bytes(body)
    _state["dirty"] = table.path
    fuzzlib.validate_and_check(_state, pkg)


def main() -> None:
    fuzzlib.fuzz(_load, TestOneInput)


if __name__ == "__main__":
    main()
