"""The codebook as data: ``codebook/columns.csv`` and ``codebook/vocabularies.csv``.

Both are generated from the model (``validator/reading/model.py``, read from ``schemas/``), never
written by hand, so they say exactly what the validator enforces:

- ``columns.csv``: one row per column of every table, in the model's table order and each
  schema's column order: its type as the CSV holds it, whether it is required, its description,
  and its constraints (primary key, what it references, vocabulary, pattern, range, list
  delimiter, minimum length, format).
- ``vocabularies.csv``: one row per term of every vocabulary column, with its meaning (the
  schema's ``x-enumDescriptions``), and for relation types the ``category`` (when the schema
  gives one; empty otherwise), the inverse reading and whether the type reads both ways.

The same rows go into the SQLite database (tables ``codebook_columns`` and
``codebook_vocabularies``) and the workbook (sheets ``codebook`` and ``vocabularies``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ...reading.model import Field, Model, Table
from .base import Exporter

COLUMNS_HEADER = (
    "table",
    "column",
    "position",
    "type",
    "required",
    "description",
    "primary_key",
    "references",
    "vocabulary",
    "pattern",
    "minimum",
    "maximum",
    "min_length",
    "delimiter",
    "format",
)
VOCABULARIES_HEADER = ("table", "column", "position", "term", "meaning", "category", "inverse", "symmetric")
COLUMNS_PATH = "codebook/columns.csv"
VOCABULARIES_PATH = "codebook/vocabularies.csv"

Row = tuple[str, ...]


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _references(table: Table, f: Field) -> str:
    """``entities.id`` for a foreign key; ``ent- entities | loc- locations ...`` for a reference by prefix."""
    fk = next((k for k in table.foreign_keys if k.field == f.name), None)
    if fk is not None:
        return f"{fk.resource}.{fk.ref_field}"
    by_prefix = table.polymorphic.get(f.name)
    if by_prefix:
        return " | ".join(f"{prefix}- {target}.id" for prefix, target in by_prefix.items())
    return ""


def column_rows(model: Model) -> list[Row]:
    """One row per column (COLUMNS_HEADER order), every value a string ('' when it does not apply)."""
    rows: list[Row] = []
    for table in model.tables.values():
        for position, f in enumerate(table.fields, 1):
            rows.append(
                (
                    table.name,
                    f.name,
                    str(position),
                    f.kind,
                    _bool(f.required),
                    f.description,
                    _bool(f.name in table.primary_key),
                    _references(table, f),
                    " | ".join(f.enum) if f.enum else "",
                    f.pattern or "",
                    _num(f.minimum),
                    _num(f.maximum),
                    str(f.min_length) if f.min_length is not None else "",
                    f.delimiter or "",
                    f.fmt or "",
                )
            )
    return rows


def vocabulary_rows(model: Model) -> list[Row]:
    """One row per vocabulary term (VOCABULARIES_HEADER order), in the schema's term order."""
    rows: list[Row] = []
    for table in model.tables.values():
        for f in table.fields:
            if not f.enum:
                continue
            kinds = f.annotations.get("x-relationTypes", {})
            for position, term in enumerate(f.enum, 1):
                info = kinds.get(term, {}) if isinstance(kinds, dict) else {}
                meaning = f.enum_descriptions.get(term) or str(info.get("description", ""))
                symmetric = info.get("symmetric")
                rows.append(
                    (
                        table.name,
                        f.name,
                        str(position),
                        term,
                        meaning,
                        str(info.get("category", "") or ""),
                        str(info.get("inverse", "") or ""),
                        _bool(symmetric) if isinstance(symmetric, bool) else "",
                    )
                )
    return rows


def csv_text(header: Sequence[str], rows: Sequence[Row]) -> str:
    """UTF-8 CSV as the package writes it: LF, RFC 4180 minimal quoting, a header row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


class CodebookExporter(Exporter):
    NAME = "codebook"
    TITLE = "codebook (columns and vocabularies as CSV)"

    def finalize(self) -> list[str]:
        model = self.release.dataset.model
        return [
            self.release.write_text(COLUMNS_PATH, csv_text(COLUMNS_HEADER, column_rows(model))),
            self.release.write_text(VOCABULARIES_PATH, csv_text(VOCABULARIES_HEADER, vocabulary_rows(model))),
        ]
