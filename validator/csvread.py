"""Reading one CSV table: bytes to records, keeping every position an editor shows.

The rules for the files are DATA-MODEL.md's: UTF-8 without BOM, LF line ends, a header row,
comma separator, RFC 4180 quoting. What this module finds wrong is recorded as ``Finding``s
(kind, line, column, detail); the checks in ``checks/files.py`` turn them into problems with
their codes. The values come from Python's ``csv`` module in strict mode; a small scanner only
locates where each cell starts (for columns) and catches a quote inside an unquoted cell,
which ``csv`` would silently accept.
"""

from __future__ import annotations

import codecs
import csv
import re
from bisect import bisect_right
from dataclasses import dataclass, field

from . import limits

BOM = codecs.BOM_UTF8
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    kind: str  # the check that reports it: not_utf8, bom, crlf, nul, ...
    line: int
    column: int
    detail: str = ""


@dataclass
class CsvFile:
    """A parsed CSV file. ``records`` are the well-formed data rows, ``lines`` where each starts."""

    rel: str
    size: int = 0
    text: str | None = None  # decoded text without BOM; None when it is not UTF-8
    findings: list[Finding] = field(default_factory=list)
    header: list[str] | None = None
    records: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rows_usable: bool = True  # False when the file is too broken to check its rows
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, first cell) of records that could not be parsed
    _line_starts: list[int] | None = None

    # -- positions -------------------------------------------------------------------------

    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            if self.text:
                starts.extend(m.end() for m in _LINE_BREAK.finditer(self.text))
            self._line_starts = starts
        return self._line_starts

    def position(self, offset: int) -> tuple[int, int]:
        """Line and column (1-based) of a character offset in the text."""
        starts = self.line_starts()
        i = bisect_right(starts, offset) - 1
        return i + 1, offset - starts[i] + 1

    def cell_position(self, line: int, field_index: int) -> tuple[int, int]:
        """Where the ``field_index``-th cell (0-based) of the record starting at ``line`` begins."""
        if self.text is None:
            return line, 1
        starts = self.line_starts()
        if line - 1 >= len(starts):
            return line, 1
        begin = starts[line - 1]
        offsets = cell_offsets(self.text, begin)
        if field_index < len(offsets):
            return self.position(offsets[field_index])
        return line, 1


def cell_offsets(text: str, begin: int) -> list[int]:
    """Offsets where each cell of the record starting at ``begin`` starts (RFC 4180)."""
    offsets = [begin]
    i, n = begin, len(text)
    quoted = False
    at_cell_start = True
    while i < n:
        c = text[i]
        if quoted:
            if c == '"':
                if i + 1 < n and text[i + 1] == '"':
                    i += 2
                    continue
                quoted = False
        elif c == '"' and at_cell_start:
            quoted = True
        elif c == ",":
            offsets.append(i + 1)
            at_cell_start = True
            i += 1
            continue
        elif c in "\r\n":
            break
        at_cell_start = False
        i += 1
    return offsets


def quote_error(record_text: str) -> tuple[int, str] | None:
    """Where and how a record breaks RFC 4180 quoting, or None.

    Catches what csv's strict mode reports (an unclosed quoted cell, text after a closing
    quote) with the exact offset, and what it silently accepts: a quote inside an unquoted cell.
    """
    i, n = 0, len(record_text)
    while i < n:
        if record_text[i] == '"':
            opening = i
            i += 1
            while True:
                if i >= n:
                    return opening, "a quoted cell is never closed"
                if record_text[i] == '"':
                    if i + 1 < n and record_text[i + 1] == '"':
                        i += 2
                        continue
                    break
                i += 1
            i += 1  # past the closing quote
            if i < n and record_text[i] not in ",\n\r":
                return i, "text follows the closing quote of a cell"
        else:
            while i < n and record_text[i] not in ",\n\r":
                if record_text[i] == '"':
                    return i, "a double quote inside a cell that does not start with one"
                i += 1
        if i < n and record_text[i] in "\r\n":
            return None
        i += 1
    return None


def _looks_utf16(data: bytes) -> bool:
    """Text saved as UTF-16 without a byte order mark: a NUL in every other byte of the start."""
    head = data[:512]
    return len(head) >= 4 and (head[1::2].count(0) > len(head) * 3 // 8 or head[0::2].count(0) > len(head) * 3 // 8)


def _decode(rel: str, data: bytes, out: CsvFile) -> str | None:
    if data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        out.findings.append(Finding("not_utf8", 1, 1, "it starts with a UTF-16 byte order mark"))
        return None
    if _looks_utf16(data):
        out.findings.append(Finding("not_utf8", 1, 1, "it looks like UTF-16 without a byte order mark"))
        return None
    if data.startswith(BOM):
        out.findings.append(Finding("bom", 1, 1))
        data = data[len(BOM) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        guess = " (it looks like UTF-16)" if data.count(b"\x00") > len(data) // 4 else ""
        out.findings.append(
            Finding("not_utf8", line, col, f"byte 0x{data[exc.start]:02x} at byte {exc.start} is not UTF-8{guess}")
        )
        return None


def too_large(rel: str, size: int) -> CsvFile:
    """The CsvFile of a file over the size limit, which is not read at all."""
    out = CsvFile(rel=rel, size=size, rows_usable=False)
    out.findings.append(Finding("too_large", 1, 1, f"the file has {size:,} bytes; the limit is {limits.MAX_CSV_BYTES:,}"))
    return out


def read_csv(rel: str, data: bytes) -> CsvFile:
    """Parse ``data`` (the bytes of ``rel``) into a CsvFile, recording what is wrong."""
    out = CsvFile(rel=rel, size=len(data))
    if len(data) > limits.MAX_CSV_BYTES:
        return too_large(rel, len(data))
    if not data:
        out.findings.append(Finding("empty", 1, 1))
        out.rows_usable = False
        return out
    text = _decode(rel, data, out)
    if text is None:
        out.rows_usable = False
        return out
    out.text = text
    nul = text.find("\x00")
    if nul >= 0:
        line, col = out.position(nul)
        out.findings.append(Finding("nul", line, col, f"{text.count(chr(0)):,} NUL characters"))
        out.rows_usable = False
        return out
    cr = text.find("\r")
    if cr >= 0:
        line, col = out.position(cr)
        out.findings.append(Finding("crlf", line, col, f"{text.count(chr(13)):,} carriage returns"))
    if text and not text.endswith(("\n", "\r")):
        line, col = out.position(len(text))
        out.findings.append(Finding("no_final_newline", line, col))
    _parse(text, out)
    return out


def _parse(text: str, out: CsvFile) -> None:
    import io

    # Cells over the limit are read whole and reported (CS213), so the row is not lost.
    csv.field_size_limit(max(limits.MAX_CSV_BYTES, limits.MAX_CELL_CHARS))
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    starts = out.line_starts()
    prev_end = 0
    first = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            start = prev_end + 1
            prev_end = reader.line_num
            end_offset = starts[prev_end] if prev_end < len(starts) else len(text)
            raw = text[starts[start - 1] : end_offset]
            located = quote_error(raw)
            if located:
                line, col = out.position(starts[start - 1] + located[0])
                out.findings.append(Finding("bad_quoting", line, col, located[1]))
            else:
                out.findings.append(Finding("bad_quoting", start, 1, str(exc)))
            first_cell = raw.split(",", 1)[0]
            if first_cell and '"' not in first_cell:
                out.broken.append((start, first_cell))
            if first:
                out.rows_usable = False
                return
            continue
        start = prev_end + 1
        prev_end = reader.line_num
        if not row:
            out.findings.append(Finding("blank_line", start, 1))
            continue
        end_offset = starts[prev_end] if prev_end < len(starts) else len(text)
        located = quote_error(text[starts[start - 1] : end_offset])
        if located:
            line, col = out.position(starts[start - 1] + located[0])
            out.findings.append(Finding("bad_quoting", line, col, located[1]))
        for i, cell in enumerate(row):
            if len(cell) > limits.MAX_CELL_CHARS:
                line, col = out.cell_position(start, i)
                out.findings.append(
                    Finding("cell_too_long", line, col, f"{len(cell):,} characters; the limit is {limits.MAX_CELL_CHARS:,}")
                )
        if len(row) > limits.MAX_FIELDS:
            what = (
                "the header has {:,} fields; the limit is {} (the rows were not checked)"
                if first
                else "the record has {:,} fields; the limit is {}"
            )
            out.findings.append(Finding("ragged", start, 1, what.format(len(row), limits.MAX_FIELDS)))
            if first:  # a table that wide is not one of ours; its rows are not checked
                out.rows_usable = False
                return
            if row[0] and '"' not in row[0]:
                out.broken.append((start, row[0]))  # its id still exists: references to it are not reported again
            continue
        if first:
            first = False
            out.header = row
            continue
        if len(out.records) >= limits.MAX_ROWS:
            out.findings.append(
                Finding("too_many_rows", start, 1, f"more than {limits.MAX_ROWS:,} rows; the rows were not checked")
            )
            out.rows_usable = False
            return
        out.records.append(row)
        out.lines.append(start)
    if out.header is None:
        out.findings.append(Finding("empty", 1, 1))
        out.rows_usable = False
