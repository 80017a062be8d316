"""Excel: ``excel/<name>.xlsx``, one workbook with every table, written with XlsxWriter.

Sheets, in order: ``README`` (what the dataset is, its version, licence, how to cite it and what
each sheet holds), one sheet per table in the model's order (a header row, then the rows in id
order, as in ``data/*.csv``), ``codebook`` (every column: ``codebook/columns.csv``) and
``vocabularies`` (every term: ``codebook/vocabularies.csv``).

The workbook is what a spreadsheet user should open: Excel guesses the encoding of a CSV file
without a byte-order mark and garbles accented names on many systems; a workbook has no such
guess to make.

- Cells are typed as in the schema: integers and numbers are numbers, booleans are TRUE/FALSE,
  lists are joined with their delimiter (``|``) as in the CSV, dates and EDTF values are text
  (``2012~`` is no spreadsheet date). An empty cell is left blank.
- Text is never a formula: every text cell is written with ``write_string`` and the workbook is
  opened with ``strings_to_formulas``, ``strings_to_urls`` and ``strings_to_numbers`` off, so a
  value starting with ``=``, ``+``, ``-`` or ``@`` stays the text it is (no formula injection).
- The header row is frozen and filterable; column widths follow the longest value (capped).
- Deterministic: the document's created and modified dates are the package's ``created``, the
  zip entries carry XlsxWriter's fixed 1980-01-01 time, and nothing else varies between builds.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import UTC, datetime, time
from typing import Any

from ...errors import CannotRun
from ...reading.model import Field, Table
from ..api import Record, csv_cell
from .base import Exporter
from .codebook import COLUMNS_HEADER, VOCABULARIES_HEADER, Row, column_rows, vocabulary_rows

README_SHEET = "README"
CODEBOOK_SHEET = "codebook"
VOCABULARIES_SHEET = "vocabularies"
MIN_WIDTH, MAX_WIDTH = 6, 60  # column widths, in characters
OPTIONS = {
    "in_memory": True,  # also fixes the zip entries' times (XlsxWriter writes 1980-01-01 then)
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def cell_value(f: Field, value: Any) -> str | int | float | bool | None:
    """A typed record value as the workbook holds it (None: a blank cell)."""
    if value is None or (f.kind == "list" and not value):
        return None
    if f.kind in ("integer", "number", "boolean"):
        return value  # typed by the API already: int, float, bool
    return csv_cell(f, value)


def _width(values: Sequence[Any]) -> int:
    longest = max((len(str(v)) for v in values if v is not None), default=0)
    return max(MIN_WIDTH, min(MAX_WIDTH, longest + 2))


class XlsxExporter(Exporter):
    NAME = "xlsx"
    TITLE = "Excel workbook"
    REQUIRES = ("xlsxwriter",)

    def path(self) -> str:
        return f"excel/{self.release.name}.xlsx"

    def finalize(self) -> list[str]:
        clash = {README_SHEET.lower(), CODEBOOK_SHEET, VOCABULARIES_SHEET} & {t.lower() for t in self.tables}
        if clash:
            raise CannotRun(f"the package has a table named {sorted(clash)[0]}, a sheet name the workbook keeps for itself")
        rel = self.path()
        self.release.write_bytes(rel, self.workbook_bytes())
        return [rel]

    def workbook_bytes(self) -> bytes:
        import xlsxwriter  # xlsxwriter loads on first use: every tda command would pay its start-up time otherwise

        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, OPTIONS)
        created = datetime.combine(self.release.created, time(0, 0), tzinfo=UTC)
        desc = self.release.descriptor
        wb.set_properties(
            {
                "title": str(desc.get("title") or self.release.name),
                "subject": f"{self.release.name} {self.release.version}",
                "keywords": ", ".join(str(k) for k in desc.get("keywords") or []),
                "created": created,
            }
        )
        fmt = {"header": wb.add_format({"bold": True, "bottom": 1}), "wrap": wb.add_format({"text_wrap": True, "valign": "top"})}
        self._readme(wb, fmt)
        for table, records in self.tables.values():
            self._table(wb, fmt, table, records)
        model = self.release.dataset.model
        self._grid(wb, fmt, CODEBOOK_SHEET, COLUMNS_HEADER, column_rows(model))
        self._grid(wb, fmt, VOCABULARIES_SHEET, VOCABULARIES_HEADER, vocabulary_rows(model))
        wb.close()
        return buf.getvalue()

    # -- sheets ---------------------------------------------------------------------------------

    def _table(self, wb: Any, fmt: dict[str, Any], table: Table, records: list[Record]) -> None:
        ws = wb.add_worksheet(table.name)
        rows = [[cell_value(f, rec.get(f.name)) for f in table.fields] for rec in records]
        for c, f in enumerate(table.fields):
            ws.write_string(0, c, f.name, fmt["header"])
            ws.set_column(c, c, _width([f.name, *(row[c] for row in rows)]))
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                _write(ws, r, c, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(table.fields) - 1)

    def _grid(self, wb: Any, fmt: dict[str, Any], name: str, header: Sequence[str], rows: Sequence[Row]) -> None:
        ws = wb.add_worksheet(name)
        for c, title in enumerate(header):
            ws.write_string(0, c, title, fmt["header"])
            ws.set_column(c, c, _width([title, *(row[c] for row in rows)]))
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row):
                if value != "":
                    ws.write_string(r, c, value)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(rows), 1), len(header) - 1)

    def readme_rows(self) -> list[tuple[str, str]]:
        """(label, text) lines of the README sheet."""
        r = self.release
        desc = r.descriptor
        licence = (desc.get("licenses") or [{}])[0]
        source = (desc.get("sources") or [{}])[0]
        authors = ", ".join(str(c["title"]) for c in desc.get("contributors", []) if c.get("title"))
        title = str(desc.get("title") or r.name)
        rows = [
            ("dataset", title),
            ("description", str(desc.get("description") or "")),
            ("name", r.name),
            ("version", r.version),
            ("created", r.created.isoformat()),
            ("licence", " ".join(str(x) for x in (licence.get("name"), licence.get("path")) if x)),
            ("licence terms", str(licence.get("title") or "")),
            ("source", " ".join(str(x) for x in (source.get("title"), source.get("path")) if x)),
            (
                "how to cite",
                f"{authors + ', ' if authors else ''}{title}, version {r.version} ({r.created.year}). "
                "Cite the underlying reporting too (the sources table); CITATION.cff in the release has both.",
            ),
            (
                "provenance",
                "Every row is traced to a verbatim quote (sheet citations) from a source document stored under seeds/ "
                "in the release; claim_status keeps the source's hedging. An allegation recorded here is an "
                "allegation, not a finding of guilt.",
            ),
        ]
        if r.redacted:
            rows.append(
                (
                    "redacted",
                    f"The {r.protected_count} protected person(s) appear only as placeholders (Protected person N).",
                )
            )
        rows.append(("", ""))
        rows.append(("sheet", "what it holds"))
        for table, records in self.tables.values():
            rows.append((table.name, f"{table.description} ({len(records):,} rows; the same as {table.path})"))
        rows.append(
            (CODEBOOK_SHEET, "Every column of every table: type, required, description, constraints (codebook/columns.csv).")
        )
        rows.append((VOCABULARIES_SHEET, "Every term of every vocabulary column and what it means (codebook/vocabularies.csv)."))
        return rows

    def _readme(self, wb: Any, fmt: dict[str, Any]) -> None:
        ws = wb.add_worksheet(README_SHEET)
        ws.set_column(0, 0, 18)
        ws.set_column(1, 1, 110, fmt["wrap"])
        for r, (label, text) in enumerate(self.readme_rows()):
            bold = label in ("dataset", "sheet")
            if label:
                ws.write_string(r, 0, label, fmt["header"] if bold else None)
            if text:
                ws.write_string(r, 1, text, fmt["header"] if label == "sheet" else None)


def _write(ws: Any, r: int, c: int, value: str | int | float | bool | None) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        ws.write_boolean(r, c, value)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value)
    else:
        ws.write_string(r, c, value)
