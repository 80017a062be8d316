"""Fuzz target: reading one CSV table (validator.reading.csvread) and formatting it (validator.maintenance.fmt).

Run (outside CI; see fuzz/README.md)::

    pip install -e ".[fuzz]"
    mkdir -p fuzz/corpus/csv
    python fuzz/fuzz_csv.py fuzz/corpus/csv fuzz/seeds/csv -max_total_time=600 -timeout=20

For any bytes: read_csv returns (it never raises) with findings, records and line numbers that
agree; format_table either refuses (Refused) or returns a fixed point that reads back as the same
rows, sorted and in NFC. An odd first byte puts the entities header in front of the rest, so half
the inputs reach the rows.
"""

from __future__ import annotations

import unicodedata

import fuzzlib

HEADER = b"id,type,name,aliases,description,protected\n"
_mods: dict = {}


def _load() -> None:
    from pathlib import Path

    from validator.maintenance import fmt
    from validator.reading import csvread
    from validator.reading.model import load_model

    root = Path(__file__).resolve().parents[1]
    _mods.update(csvread=csvread, fmt=fmt, table=load_model(root / "schemas", rel_to=root).tables["entities"])


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris expects
    if not _mods:
        _load()
    csvread, fmt, table = _mods["csvread"], _mods["fmt"], _mods["table"]
    if data[:1] and data[0] & 1:
        data = HEADER + data[1:]
    parsed = csvread.read_csv(table.path, data)
    assert len(parsed.records) == len(parsed.lines)
    assert parsed.lines == sorted(parsed.lines) and all(n >= 2 for n in parsed.lines)
    last_line = len(parsed.line_starts()) if parsed.text is not None else None
    for f in parsed.findings:
        assert f.line >= 1 and f.column >= 1, f
        if last_line is not None:
            assert f.line <= last_line, (f, last_line)
    try:
        out, _ = fmt.format_table(data, table)
    except fmt.Refused as exc:
        assert exc.reason
        return
    again, changes = fmt.format_table(out, table)
    assert again == out and changes == (), "formatting is not idempotent"
    nfc = sorted(([unicodedata.normalize("NFC", c) for c in r] for r in parsed.records), key=lambda r: r[0])
    assert csvread.read_csv(table.path, out).records == nfc, "formatting lost or changed a row"


def main() -> None:
    fuzzlib.fuzz(_load, TestOneInput, checks=False)


if __name__ == "__main__":
    main()
