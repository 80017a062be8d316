"""The canonical form of the CSV tables, and rewriting a package into it (``tda fmt``).

Canonical is what docs/data-dictionary.md asks of a file: UTF-8 without BOM, LF line ends, a final
newline, rows sorted by id (code-point order, as the sort check compares), text in Unicode NFC, and
RFC 4180 quoting as Python's csv writes it with QUOTE_MINIMAL (a cell is quoted only when it
holds a comma, a double quote or a line break).

Formatting is lossless: the parsed table (header and records) is unchanged apart from NFC and
row order, and this is verified by parsing the result again before anything is written. A file
that cannot be parsed without loss (not UTF-8, a NUL, malformed quoting, a wrong number of
fields, a header that is not the schema's, duplicate ids, a carriage return inside a cell,
over a limit) is refused with the reason, and left alone. Files already canonical are not
touched; others are replaced atomically (a temporary file in the same directory, fsync, then
os.replace), keeping their permissions. Only regular files are read or written: never a
symbolic link, a pipe or a device.
"""

from __future__ import annotations

import csv
import io
import os
import stat
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..errors import Refused
from ..reading import csvread, limits
from ..reading.model import Table, load_model
from ..reading.paths import not_a_file, resolve_inside

Status = Literal["canonical", "changed", "refused"]

# Findings of csvread that canonical form repairs; every other finding means the parse may lose something.
REPAIRABLE = {"bom", "crlf", "no_final_newline", "blank_line", "cell_too_long"}


@dataclass(frozen=True)
class FileResult:
    rel: str
    status: Status
    reason: str = ""  # why it was refused
    line: int | None = None
    column: int | None = None
    changes: tuple[str, ...] = field(default_factory=tuple)  # what formatting changes, for a changed file


def canonical_bytes(header: list[str], records: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(records)
    return buf.getvalue().encode("utf-8")


def _nfc(record: list[str]) -> list[str]:
    return [unicodedata.normalize("NFC", cell) for cell in record]


def format_table(data: bytes, table: Table) -> tuple[bytes, tuple[str, ...]]:
    """The canonical bytes of one table's file, and what changed; raise Refused if that would lose anything."""
    parsed = csvread.read_csv(table.path, data)
    for f in parsed.findings:
        if f.kind not in REPAIRABLE:
            detail = f": {f.detail}" if f.detail else ""
            raise Refused(_FINDING_REASONS.get(f.kind, f.kind) + detail, f.line, f.column)
    if parsed.header != table.field_names:
        raise Refused(f"the header is not {','.join(table.field_names)} (the columns of {table.schema_path})", 1, 1)
    width = len(parsed.header)
    for rec, line in zip(parsed.records, parsed.lines, strict=True):
        if len(rec) != width:
            raise Refused(f"the record has {len(rec)} fields; the header has {width}", line, 1)
        for i, cell in enumerate(rec):
            if "\r" in cell:
                line_, col = parsed.cell_position(line, i)
                raise Refused("a cell holds a carriage return, which canonical line ends cannot keep", line_, col)
    records = [_nfc(r) for r in parsed.records]
    key_index = [parsed.header.index(k) for k in table.primary_key]
    first_seen: dict[tuple[str, ...], tuple[int, tuple[str, ...]]] = {}
    for rec, raw, line in zip(records, parsed.records, parsed.lines, strict=True):
        key, raw_key = tuple(rec[i] for i in key_index), tuple(raw[i] for i in key_index)
        if key in first_seen:
            first_line, first_raw = first_seen[key]
            nfc_only = "" if raw_key == first_raw else " once in NFC"
            raise Refused(
                f"the id {','.join(key)!r} is also on line {first_line}{nfc_only}; give one of the rows a new id first", line, 1
            )
        first_seen[key] = (line, raw_key)
    ordered = sorted(records, key=lambda r: tuple(r[i] for i in key_index))
    out = canonical_bytes(parsed.header, ordered)
    _verify(out, table, parsed.header, ordered)
    return out, _changes(parsed, records, ordered, data, out)


def _verify(out: bytes, table: Table, header: list[str], records: list[list[str]]) -> None:
    """Parse what would be written: it must read back as exactly these rows, with no finding at all."""
    again = csvread.read_csv(table.path, out)
    if again.findings or again.header != header or again.records != records:
        raise Refused("the canonical form would not read back as the same table (a bug in tda fmt; please report it)")


def _changes(parsed: csvread.CsvFile, nfc: list[list[str]], ordered: list[list[str]], data: bytes, out: bytes) -> tuple[str, ...]:
    if data == out:
        return ()
    kinds = {f.kind for f in parsed.findings}
    changes = [text for kind, text in _CHANGE_NAMES if kind in kinds]
    if nfc != parsed.records:
        changes.append("text to NFC")
    if ordered != nfc:
        changes.append("rows sorted by id")
    return tuple(changes) or ("quoting",)


_CHANGE_NAMES = (
    ("bom", "byte order mark removed"),
    ("crlf", "line ends to LF"),
    ("blank_line", "blank lines removed"),
    ("no_final_newline", "final newline added"),
)
_FINDING_REASONS = {
    "not_utf8": "the file is not UTF-8",
    "nul": "the file contains NUL characters",
    "bad_quoting": "malformed quoting",
    "ragged": "too many fields",
    "empty": "the file is empty (no header row)",
    "too_large": "the file is too large",
    "too_many_rows": "the table has too many rows",
}


def _read_regular(path: Path) -> bytes:
    """The bytes of ``path`` if it is a regular file (not a link, a pipe or a device)."""
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        raise Refused("the file is a symbolic link; tda fmt rewrites only regular files")
    if not stat.S_ISREG(st.st_mode):
        raise Refused(f"it {not_a_file(path)}")
    if st.st_size > limits.MAX_CSV_BYTES:
        raise Refused(f"the file has {st.st_size:,} bytes; the limit is {limits.MAX_CSV_BYTES:,}")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # swapped since lstat
            raise Refused("the file changed while it was read")
        return fh.read()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file beside it, fsync, rename over it, fsync the directory."""
    mode = stat.S_IMODE(path.stat().st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def format_file(root: Path, table: Table, *, write: bool) -> FileResult:
    """Format one table's file; write it only if ``write`` and it is not canonical already."""
    target, reason = resolve_inside(root, table.path)
    try:
        if target is None:
            raise Refused(reason or "the path is not safe")
        path = root / table.path
        data = _read_regular(path)
        out, changes = format_table(data, table)
    except Refused as exc:
        return FileResult(table.path, "refused", exc.reason, exc.line, exc.column)
    except FileNotFoundError:
        return FileResult(table.path, "refused", "the file does not exist")
    except OSError as exc:
        return FileResult(table.path, "refused", f"the file cannot be read ({exc.strerror})")
    if out == data:
        return FileResult(table.path, "canonical")
    if write:
        try:
            write_atomic(path, out)
        except OSError as exc:  # the original is intact: os.replace is the last step
            return FileResult(table.path, "refused", f"the file could not be written ({exc.strerror}); it is unchanged")
    return FileResult(table.path, "changed", changes=changes)


def format_package(root: str | Path, *, write: bool = True) -> list[FileResult]:
    """Format every table of the package at ``root`` (tables as schemas/ defines them), in schema order.

    Raises CannotRun when schemas/ cannot be read. With ``write=False`` nothing is written.
    """
    root = Path(root)
    model = load_model(root / "schemas", rel_to=root)
    return [format_file(root, table, write=write) for table in model.tables.values()]
