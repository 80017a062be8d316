"""Reading one CSV table: bytes to records, keeping every position an editor shows.

The rules for the files are docs/data-dictionary.md's: UTF-8 without BOM, LF line ends, a header row,
comma separator, RFC 4180 quoting. What this module finds wrong is recorded as ``Finding``s
(kind, line, column, detail); the checks in ``checks/files.py`` turn them into problems with
their codes.

Two paths give the same result:

- the fast path (``_read_fast``, ``read_csv_file``) checks the bytes with vectorised scans
  (numpy) a piece of whole lines at a time, parses with
  pyarrow's multi-threaded CSV reader, and maps row i to line i + 2. It declines, returning
  None, at the first sign of anything unusual: a carriage return, NUL, blank line, a quote in a
  place RFC 4180 does not allow, a record spanning lines, a very long line, a duplicate header,
  invalid UTF-8, a wrong field count;
- the exact path (``_read_exact``) decodes the text and parses it with Python's ``csv`` module in
  strict mode, recording every finding with its line and column; a small scanner locates where
  each cell starts and catches a quote inside an unquoted cell, which ``csv`` silently accepts.

A clean file thus costs a few vectorised passes; a broken one gets precise positions.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import limits

FAST_PATH_MIN_BYTES = 1 << 20  # smaller files take the exact path

BOM = codecs.BOM_UTF8
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Finding:
    kind: str  # the check that reports it: not_utf8, bom, crlf, nul, ...
    line: int
    column: int
    detail: str = ""


@dataclass(frozen=True)
class CharProfile:
    """Which characters a file contains, so text checks can skip files that cannot fail them."""

    ascii_controls: bool  # a byte 0x01-0x1F other than LF, or 0x7F
    non_ascii: frozenset[int]  # distinct code points >= 0x80
    # the lines holding a character by which a text may not be in NFC (``nfc_suspect``); None
    # when not known, and then any line may
    nfc_lines: tuple[int, ...] | None = None


# Characters of canonical combining class 0 that compose with the character before them
# (the second half of a canonical pair), from Unicode 14's decompositions; the Hangul vowels
# and final consonants compose by rule. A character Python's Unicode does not know is a suspect
# anyway, so a later Unicode's additions cannot slip through.
_COMPOSING_STARTERS = frozenset(
    [0x09BE, 0x09D7, 0x0B3E, 0x0B56, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E, 0x0D57, 0x0DCF, 0x0DDF]
    + [0x0FB5, 0x0FB7, 0x102E, 0x1B35, 0x11127, 0x1133E, 0x11357, 0x114B0, 0x114BA, 0x114BD, 0x115AF, 0x11930]
    + list(range(0x1161, 0x1176))
    + list(range(0x11A8, 0x11C3))
)


def nfc_suspect(cp: int) -> bool:
    """Whether a text holding code point ``cp`` may differ from its NFC form.

    NFC's quick check passes a text whose every character has combining class 0 and is
    "NFC yes": it is unchanged by NFC alone and composes with nothing before it. So only the
    other characters (combining marks, characters NFC replaces, characters that compose with the
    one before, and any Python's Unicode does not know) can make a text not NFC.
    """
    if cp < 0x300 or 0x2002 <= cp <= 0x206F:
        return False  # ASCII, Latin-1, Latin Extended, spacing modifiers; general punctuation
    c = chr(cp)
    if unicodedata.category(c) == "Cn" or unicodedata.combining(c) or cp in _COMPOSING_STARTERS:
        return True
    return unicodedata.normalize("NFC", c) != c


NFC_LINES_MAX = 10_000  # past this many lines with a suspect character, every line is checked


@dataclass
class CsvFile:
    """A parsed CSV file.

    Rows come either as ``arrow`` (fast path: one string column per header name, row i on line
    i + 2) or as ``records`` with ``lines`` (exact path: where each record starts).
    """

    rel: str
    size: int = 0
    text: str | None = None  # decoded text without BOM (exact path); None when not decoded
    source: Any = None  # the file's path, re-read (fast path) only to position a problem
    arrow: Any = None  # pyarrow.Table (fast path)
    newlines: Any = None  # numpy offsets of every LF, BOM excluded (fast path; found when a position is asked)
    chars: CharProfile | None = None
    findings: list[Finding] = field(default_factory=list)
    header: list[str] | None = None
    records: list[list[str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    rows_usable: bool = True  # False when the file is too broken to check its rows
    broken: list[tuple[int, str]] = field(default_factory=list)  # (line, first cell) of records that could not be parsed
    _line_starts: list[int] | None = None
    _raw_cache: bytes | None = None

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

    def _raw(self) -> bytes:
        if self._raw_cache is None:
            data = self.source.read_bytes() if self.source is not None else b""
            self._raw_cache = data[len(BOM) :] if data.startswith(BOM) else data
        return self._raw_cache

    @property
    def row_count(self) -> int:
        return self.arrow.num_rows if self.arrow is not None else len(self.records)

    def line_numbers(self) -> list[int] | None:
        """Line of each row (None on the fast path, where row i is on line i + 2)."""
        return None if self.arrow is not None else self.lines

    def cell_position(self, line: int, field_index: int) -> tuple[int, int]:
        """Where the ``field_index``-th cell (0-based) of the record starting at ``line`` begins."""
        if self.text is None and self.source is not None:  # fast path, or a subset of a file's rows
            if self.newlines is None:
                import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

                self.newlines = np.flatnonzero(np.frombuffer(self._raw(), dtype=np.uint8) == 10)
            text = _line_text(self._raw(), self.newlines, line)
            offsets = cell_offsets(text, 0) if text is not None else []
            if field_index < len(offsets):
                return line, offsets[field_index] + 1
            return line, 1
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

    def cell_value(self, line: int, field_name: str, field_index: int) -> str | None:
        """The text of one cell of the record starting at ``line`` (None when it is not there)."""
        if self.arrow is not None:
            row = line - 2
            if field_name in self.arrow.column_names and 0 <= row < self.arrow.num_rows:
                value = self.arrow.column(field_name)[row].as_py()
                return "" if value is None else str(value)
            return None
        i = bisect_left(self.lines, line)
        if i < len(self.lines) and self.lines[i] == line and field_index < len(self.records[i]):
            return self.records[i][field_index]
        return None


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


# A record that quote_error accepts: cells (quoted, with doubled quotes inside, or without any
# quote) separated by commas, up to the first line end after a cell. Possessive: one way to
# match, so a long cell costs one pass. Tried first, in C; tests/test_fastpath.py holds the
# two to the same answer.
_GOOD_RECORD = re.compile(r'(?:"(?:[^"]++|"")*+"|[^",\r\n]*+)(?:,(?:"(?:[^"]++|"")*+"|[^",\r\n]*+))*+(?:[\r\n][\s\S]*+)?')


def quote_error(record_text: str) -> tuple[int, str] | None:
    """Where and how a record breaks RFC 4180 quoting, or None.

    Catches what csv's strict mode reports (an unclosed quoted cell, text after a closing
    quote) with the exact offset, and what it silently accepts: a quote inside an unquoted cell.
    """
    if _GOOD_RECORD.fullmatch(record_text):
        return None
    return _quote_error_at(record_text)


def _quote_error_at(record_text: str) -> tuple[int, str] | None:
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


def _line_text(raw: bytes, newlines: Any, line: int) -> str | None:
    """The text of one line (1-based) of ``raw``; only used to position a few problems."""
    if line < 1 or line - 2 >= len(newlines):
        return None
    start = int(newlines[line - 2]) + 1 if line >= 2 else 0
    end = int(newlines[line - 1]) if line - 1 < len(newlines) else len(raw)
    return raw[start:end].decode("utf-8", "replace")


def too_large(rel: str, size: int) -> CsvFile:
    """The CsvFile of a file over the size limit, which is not read at all."""
    out = CsvFile(rel=rel, size=size, rows_usable=False)
    out.findings.append(Finding("too_large", 1, 1, f"the file has {size:,} bytes; the limit is {limits.MAX_CSV_BYTES:,}"))
    return out


def read_csv(rel: str, data: bytes, source: Any = None, columns: list[str] | None = None) -> CsvFile:
    """Parse ``data`` (the bytes of ``rel``, read from ``source``) into a CsvFile, recording what
    is wrong. ``columns`` limits a clean file's parse to those columns."""
    # small files read faster (and without numpy's import) on the exact path
    fast = _read_fast(rel, data, columns) if len(data) >= FAST_PATH_MIN_BYTES else None
    if fast is not None:
        fast.source = source
        return fast
    return _exact(rel, data)


def _exact(rel: str, data: bytes) -> CsvFile:
    """The exact path, with the character profile of the text it decoded."""
    out = _read_exact(rel, data)
    if out.text is not None:
        out.chars = profile_text(out.text)
        # a line break inside a cell is a control character the file's profile cannot show
        # (line breaks end records), so look for it in the cells when the file has more of them
        if out.text.count("\n") > len(out.records) + 1 and any("\n" in c for r in out.records for c in r):
            out.chars = CharProfile(True, out.chars.non_ascii)
    return out


def _read_exact(rel: str, data: bytes) -> CsvFile:
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

    # Cells over the limit are read whole and reported (too-large), so the row is not lost.
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


# --- the fast path -------------------------------------------------------------------------------

# A whole RFC 4180 line (no line breaks inside cells): quoted cells with doubled quotes, or
# unquoted cells without quotes.
RFC_LINE = re.compile(r'(?:"(?:[^"]|"")*"|[^,"\n]*)(?:,(?:"(?:[^"]|"")*"|[^,"\n]*))*')
_CONTROL_BYTES = bytes(b for b in range(0x20) if b != 0x0A) + b"\x7f"


def _read_fast(rel: str, data: bytes, columns: list[str] | None = None) -> CsvFile | None:
    """Parse a clean file, given as bytes, with vectorised checks and pyarrow; None if it needs
    the exact path. ``columns`` limits the parse to those columns (the checks of the file stay
    the same)."""
    if not data or len(data) > limits.MAX_CSV_BYTES or data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    bom = data.startswith(BOM)
    body = data[len(BOM) :] if bom else data
    return _fast(rel, _BytesSource(body), bom, columns)


def read_csv_file(rel: str, path: Any, columns: list[str] | None = None) -> CsvFile:
    """``read_csv`` on the file at ``path``, which is read in pieces: a clean large file is
    checked a piece at a time and parsed by pyarrow from the file, so that its bytes and its
    table are never in memory together (reading the tables of 1,000,000 replicated rows, whose
    citations file has 174 MB: a high-water mark of 521 MB instead of 707). A file over the size
    limit is not read at all; any other file is read whole and takes the exact path."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        if size > limits.MAX_CSV_BYTES:
            return too_large(rel, size)
        if size >= FAST_PATH_MIN_BYTES:
            head = os.pread(fh.fileno(), len(BOM), 0)
            if not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                bom = head == BOM
                fast = _fast(rel, _FileSource(fh, path, len(BOM) if bom else 0, size), bom, columns)
                if fast is not None:
                    fast.source = path
                    return fast
        fh.seek(0)
        data = fh.read()
    return _exact(rel, data)  # the fast path declined, or the file is small: not tried again


def _pieces(read: Callable[[int], bytes]) -> Any:
    """(offset, piece) of the bytes ``read(n)`` gives in turn, each piece whole lines (but the
    last) of at most about SCAN_CHUNK bytes; a piece None where a line is longer than that."""
    start, carry = 0, b""
    while True:
        block = read(SCAN_CHUNK)
        if not block:
            if carry:
                yield start, carry
            return
        data = carry + block if carry else block
        end = data.rfind(b"\n") + 1
        if end == 0:
            if len(data) > SCAN_CHUNK:
                yield start, None  # a line longer than a piece
                return
            carry = data
            continue
        yield start, data[:end] if end < len(data) else data
        start += end
        carry = data[end:]


class _BytesSource:
    """The bytes of a file (BOM excluded), a piece at a time."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def read(self, start: int, end: int) -> bytes:
        return self.data[start:end]

    def pieces(self) -> Any:
        return _pieces(io.BytesIO(self.data).read)

    def arrow_input(self) -> Any:
        import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        return pa.py_buffer(self.data)

    def unchanged(self) -> bool:
        return True


class _FileSource:
    """An open file's bytes after ``skip`` bytes (its BOM), a piece at a time, each read when
    asked and let go after: only one piece is in memory at once."""

    def __init__(self, fh: Any, path: Any, skip: int, size: int) -> None:
        self.fh, self.path, self.skip = fh, path, skip
        self.size = size - skip
        self._stat = os.fstat(fh.fileno())

    def read(self, start: int, end: int) -> bytes:
        return os.pread(self.fh.fileno(), end - start, start + self.skip)

    def pieces(self) -> Any:
        self.fh.seek(self.skip)
        return _pieces(self.fh.read)

    def arrow_input(self) -> Any:
        import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

        stream = pa.OSFile(str(self.path), "r")
        stream.seek(self.skip)
        return stream

    def unchanged(self) -> bool:
        """The file is still the one the pieces came from (pyarrow opened it again by name)."""
        try:
            now = os.stat(self.path)
        except OSError:
            return False
        was = self._stat
        return (now.st_ino, now.st_dev, now.st_size, now.st_mtime_ns) == (was.st_ino, was.st_dev, was.st_size, was.st_mtime_ns)


@dataclass
class _Scan:
    """What one pass over a file's pieces found."""

    newlines: Any
    quotes: Any
    before_quote: Any  # the byte before each quote (a line end at the start of the file)
    after_quote: Any  # the byte after each quote (a line end at the end of the file)
    below_space: int
    has_del: bool
    non_ascii: frozenset[int]
    nfc_found: list[int] | None  # offsets of characters by which a text may not be NFC; None past NFC_LINES_MAX
    first_line: bytes
    last_line: bytes


def _scan_pieces(source: Any) -> _Scan | None:
    """One pass over the pieces (each ends with a line end, but the last): the byte checks of
    the fast path and the offsets it needs later; None at the first reason to decline."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    newlines, quotes, before_q, after_q = [], [], [], []
    below, has_del = 0, False
    chars: set[str] = set()
    found: list[int] | None = []
    first_line = last_line = b""
    for base, piece in source.pieces():
        if piece is None or b"\r" in piece or b"\x00" in piece:
            return None
        if base == 0:
            if piece.startswith(b"\n"):
                return None
            first_line = piece[: piece.find(b"\n")] if b"\n" in piece else piece
        a = np.frombuffer(piece, dtype=np.uint8)
        nl = np.flatnonzero(a == 10)
        newlines.append(nl + base)
        last_line = piece[int(nl[-1]) + 1 :] if len(nl) else (last_line + piece if base else piece)
        if b'"' in piece:
            q = np.flatnonzero(a == 34)
            quotes.append(q + base)
            # a piece starts after a line end and ends with one, but the last piece of the
            # file: a quote's neighbours outside its piece are line ends
            before_q.append(np.where(q > 0, a[np.maximum(q - 1, 0)], 10).astype(np.uint8))
            after_q.append(np.where(q < len(a) - 1, a[np.minimum(q + 1, len(a) - 1)], 10).astype(np.uint8))
        below += int(np.count_nonzero(a < 0x20))
        has_del = has_del or b"\x7f" in piece
        try:
            new = set(piece.translate(None, _ASCII).decode("utf-8"))
        except UnicodeDecodeError:
            return None  # the exact path says where
        chars |= new
        suspects = sorted(ord(c) for c in new if nfc_suspect(ord(c)))
        if suspects and found is not None:
            for m in re.finditer(b"|".join(re.escape(chr(c).encode("utf-8")) for c in suspects), piece):
                found.append(m.start() + base)
                if len(found) > NFC_LINES_MAX:
                    found = None
                    break
    empty, none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8)
    return _Scan(
        np.concatenate(newlines) if newlines else empty,
        np.concatenate(quotes) if quotes else empty,
        np.concatenate(before_q) if before_q else none,
        np.concatenate(after_q) if after_q else none,
        below,
        has_del,
        frozenset(ord(c) for c in chars),
        found,
        first_line,
        last_line,
    )


def _fast(rel: str, source: Any, bom: bool, columns: list[str] | None) -> CsvFile | None:
    """The fast path on ``source`` (the file's bytes after its BOM): a pass over its pieces,
    then pyarrow's parse of the same bytes."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    findings = [Finding("bom", 1, 1)] if bom else []
    if not source.size:
        return None
    scan = _scan_pieces(source)
    if scan is None:
        return None
    newlines, quotes, size = scan.newlines, scan.quotes, source.size
    lengths = np.diff(np.concatenate(([-1], newlines, [size])))
    if len(newlines) and int(lengths[:-1].min()) == 1:
        return None  # a blank line
    if int(lengths.max()) > limits.MAX_CELL_CHARS:
        return None  # a line so long that a cell might exceed the limit: the exact path measures it
    if not _quotes_in_place(scan.before_quote, scan.after_quote):
        return None
    try:
        header = next(csv.reader([scan.first_line.decode("utf-8")], strict=True), [])
    except (UnicodeDecodeError, csv.Error):
        return None
    if not header or len(set(header)) != len(header) or len(header) > limits.MAX_FIELDS:
        return None
    try:
        parse_input = source.arrow_input()
    except OSError:  # the file went away since its pieces were read
        return None
    table = _arrow_parse(parse_input, header, columns)
    if table is None or not source.unchanged():
        return None
    rows = table.num_rows
    ends_with_newline = bool(len(newlines)) and int(newlines[-1]) == size - 1
    if len(newlines) != rows + (1 if ends_with_newline else 0):
        return None  # a record spans lines, or the header is not the only line before the rows
    if rows > limits.MAX_ROWS:  # as the exact path says it, without reading every row in Python
        out = CsvFile(rel=rel, size=size, header=header, findings=findings, rows_usable=False)
        out.findings.append(
            Finding("too_many_rows", limits.MAX_ROWS + 2, 1, f"more than {limits.MAX_ROWS:,} rows; the rows were not checked")
        )
        return out
    if len(quotes) and not _quoted_lines_valid(source.read, newlines, quotes, scan.before_quote, scan.after_quote, size):
        return None
    if not ends_with_newline:
        findings.append(Finding("no_final_newline", len(newlines) + 1, len(scan.last_line.decode("utf-8")) + 1))
    # the line ends are not kept (8 bytes a line, 8 MB at 1,000,000 rows): the few problems
    # that need a cell's column find them again in the file (``cell_position``)
    out = CsvFile(rel=rel, size=size, arrow=table, header=header, findings=findings)
    nfc_lines = None
    if scan.nfc_found is not None:
        found = np.array(scan.nfc_found, dtype=np.int64)
        nfc_lines = tuple(sorted(set((np.searchsorted(newlines, found) + 1).tolist())))  # newlines before it, plus one
    out.chars = CharProfile(scan.below_space > len(newlines) or scan.has_del, scan.non_ascii, nfc_lines)
    return out


SCAN_CHUNK = 1 << 24  # bytes looked at at once: bounds the piece and the temporaries to 16 MB each


def _quotes_in_place(prev: Any, nxt: Any) -> bool:
    """No double quote between two ordinary characters (``prev`` and ``nxt``: the bytes around
    each quote): in RFC 4180 a quote opens a cell (after a comma or line start), closes it
    (before a comma or line end), or pairs with another."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    if not len(prev):
        return True
    delim = np.zeros(256, dtype=bool)
    delim[[44, 10, 34]] = True
    return not bool(np.any(~delim[prev] & ~delim[nxt]))


def _arrow_parse(data: Any, header: list[str], columns: list[str] | None = None) -> Any:
    """pyarrow's parse of ``data`` (a buffer or an open file), or None when it fails."""
    import pyarrow as pa  # pyarrow loads on first use: every tda command would pay its start-up time otherwise
    import pyarrow.csv as pacsv  # pyarrow loads on first use: every tda command would pay its start-up time otherwise

    try:
        return pacsv.read_csv(
            data,
            read_options=pacsv.ReadOptions(use_threads=True),
            # glibc's heap, which release_memory trims after each file: pyarrow's own allocator
            # (mimalloc) kept most of the parse's scratch memory to the end of the run (the
            # 55 MB citations file: 80 MB more resident after reading; no slower)
            memory_pool=pa.system_memory_pool() if sys.platform.startswith("linux") else None,
            parse_options=pacsv.ParseOptions(
                delimiter=",",
                quote_char='"',
                double_quote=True,
                escape_char=False,
                newlines_in_values=False,
                ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=columns,
                column_types={h: pa.string() for h in header},
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, pa.ArrowKeyError, ValueError):
        return None


def _quoted_lines_valid(read: Callable[[int, int], bytes], newlines: Any, quotes: Any, prev: Any, nxt: Any, n: int) -> bool:
    """The lines the byte scan cannot vouch for must be RFC 4180.

    ``_quotes_in_place`` leaves a quote inside an unquoted cell unseen when it touches a comma,
    a line end or another quote (``x,a",y`` or ``x,a""b,y``). In a valid line every quoted cell
    has one opening quote (after a comma or the line start) and then one closing quote (before a
    comma or the line end, after a character other than a comma). So the lines whose opening and
    closing quotes do not pair up in that order, and the lines with two quotes in a row, are
    matched against the RFC 4180 grammar; the others cannot hide a misplaced quote."""
    import numpy as np  # numpy loads on first use: every tda command would pay its start-up time otherwise

    opening = (prev == 44) | (prev == 10)
    closing = ((nxt == 44) | (nxt == 10)) & ~opening
    line = np.searchsorted(newlines, quotes)  # 0 is the header line
    lines = len(newlines) + 1
    unpaired = np.bincount(line[opening], minlength=lines) != np.bincount(line[closing], minlength=lines)
    # a closing quote before its opening one (``r",a,"x``) pairs up by count but not in order:
    # the running count of open cells along the line goes below zero; and a closing quote right
    # after a comma that text follows (``"q,"q",x``) counts as an opening one: the count goes
    # above one, which no line without doubled quotes reaches (its quoted cells hold no quote)
    depth = np.cumsum(opening.astype(np.int64) - closing.astype(np.int64))
    first = np.searchsorted(line, line, side="left")  # the line's first quote
    before = np.where(first > 0, depth[np.maximum(first - 1, 0)], 0)
    open_cells = depth - before
    misordered = line[(open_cells < 0) | (open_cells > 1)]
    doubled = line[1:][quotes[1:] == quotes[:-1] + 1]  # lines with two quotes in a row
    suspects = set((np.flatnonzero(unpaired) - 1).tolist()) | set((doubled - 1).tolist()) | set((misordered - 1).tolist())
    starts = np.concatenate(([-1], newlines))
    for r in sorted(suspects):
        begin = int(starts[r + 1]) + 1  # row r is line r + 2 (r = -1: the header)
        end = int(newlines[r + 1]) if r + 1 < len(newlines) else n
        if not RFC_LINE.fullmatch(read(begin, end).decode("utf-8")):
            return False
    return True


_ASCII = bytes(range(128))


def profile_text(text: str) -> CharProfile:
    chars = set(text)
    controls = any(c in chars for c in _CONTROL_BYTES.decode("ascii"))
    return CharProfile(controls, frozenset(ord(c) for c in chars if ord(c) >= 0x80))
