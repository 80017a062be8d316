"""CS: each CSV file is UTF-8 without BOM, LF line ends, RFC 4180, header first, sorted by id."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..problems import Problem
from ..reading import limits
from .common import at_cell
from .registry import OWN_ROWS, check, found

if TYPE_CHECKING:
    from ..reading.csvread import Finding
    from ..reading.package import Package


def _findings(pkg: Package, kind: str) -> Iterator[tuple[str, Finding]]:
    for loaded in pkg.tables.values():
        if loaded.csv is None:
            continue
        for f in loaded.csv.findings:
            if f.kind == kind:
                yield loaded.rel, f


def _from_findings(pkg: Package, kind: str, message: str, hint: str | None = None) -> Iterator[Problem]:
    for rel, f in _findings(pkg, kind):
        detail = f": {f.detail}" if f.detail else ""
        yield found(message + detail, path=rel, line=f.line, column=f.column, hint=hint)


@check("CS201", "not-utf8", reads=OWN_ROWS)
def utf8(pkg: Package) -> Iterator[Problem]:
    """A CSV file is UTF-8 text.

    Fails: a file saved as Latin-1 (``caf\\xe9``) or UTF-16.
    """
    yield from _from_findings(
        pkg,
        "not_utf8",
        "the file is not UTF-8",
        "re-save the file as UTF-8 (in LibreOffice: Save As, Character set: Unicode (UTF-8))",
    )


@check("CS202", "byte-order-mark", reads=OWN_ROWS)
def no_bom(pkg: Package) -> Iterator[Problem]:
    """A CSV file does not start with a byte order mark.

    Fails: a file starting with the bytes EF BB BF (Excel's "CSV UTF-8").
    """
    yield from _from_findings(pkg, "bom", "the file starts with a UTF-8 byte order mark", "run `tda fmt` to remove it")


@check("CS203", "line-ends", reads=OWN_ROWS)
def lf_only(pkg: Package) -> Iterator[Problem]:
    """Lines end with LF only, not CR LF or CR.

    Fails: ``id,name\\r\\n``; passes: ``id,name\\n``.
    """
    yield from _from_findings(
        pkg, "crlf", "the file has carriage returns (CR LF or CR line ends)", "run `tda fmt`, or set your editor to LF line ends"
    )


@check("CS204", "nul-byte", reads=OWN_ROWS)
def no_nul(pkg: Package) -> Iterator[Problem]:
    """A CSV file contains no NUL character."""
    yield from _from_findings(pkg, "nul", "the file contains NUL characters (is it a binary file?)")


@check("CS205", "no-final-newline", reads=OWN_ROWS)
def final_newline(pkg: Package) -> Iterator[Problem]:
    """A CSV file ends with a line end."""
    yield from _from_findings(pkg, "no_final_newline", "the last line has no line end", "run `tda fmt`")


@check("CS206", "blank-line", reads=OWN_ROWS)
def no_blank_lines(pkg: Package) -> Iterator[Problem]:
    """A CSV file has no blank lines."""
    yield from _from_findings(pkg, "blank_line", "blank line", "delete the empty line")


@check("CS207", "bad-quoting", reads=OWN_ROWS)
def quoting(pkg: Package) -> Iterator[Problem]:
    """Cells are quoted as RFC 4180 says: a quoted cell closes, and quotes inside a cell are doubled.

    Fails: ``x,"ab"c`` or ``x,a"b``; passes: ``x,"a""b"``.
    """
    yield from _from_findings(
        pkg, "bad_quoting", "malformed quoting", 'wrap the whole cell in double quotes and double every quote inside it ("")'
    )


@check("CS208", "field-count", reads=OWN_ROWS)
def field_count(pkg: Package) -> Iterator[Problem]:
    """Every record has as many fields as the header."""
    for loaded in pkg.tables.values():
        if loaded.csv is None:
            continue
        for f in loaded.csv.findings:
            if f.kind == "ragged":
                yield found(f"too many fields: {f.detail}", path=loaded.rel, line=f.line, column=f.column)
        if loaded.csv.header is None:
            continue
        width = len(loaded.csv.header)
        for line, n in loaded.ragged:
            hint = "a comma inside a value needs the value in double quotes" if n > width else None
            yield found(f"the record has {n} fields; the header has {width}", path=loaded.rel, line=line, column=1, hint=hint)


@check("CS209", "header-mismatch", reads=OWN_ROWS)
def header_matches(pkg: Package) -> Iterator[Problem]:
    """The header row names exactly the table's columns, in the schema's order.

    Fails: ``id,nme,type`` for entities; passes: the columns of schemas/entities.schema.json in order.
    """
    for loaded in pkg.tables.values():
        csv = loaded.csv
        if csv is None or csv.header is None:
            continue
        want = loaded.table.field_names
        have = csv.header
        if have == want or len(set(have)) != len(have):
            continue  # duplicates are CS210's
        missing = [c for c in want if c not in have]
        extra = [c for c in have if c not in want]
        parts = []
        if missing:
            parts.append("missing " + _listed(missing))
        if extra:
            parts.append("unknown " + _listed([repr(c) for c in extra]))
        if not parts:
            parts.append("columns out of order")
        col = 1
        if extra:
            col = csv.cell_position(1, have.index(extra[0]))[1]
        hint = f"the header must be: {','.join(want)}"
        if missing and not loaded.header_ok:
            hint += " (the rows of this table were not checked)"
        yield found("header: " + "; ".join(parts), path=loaded.rel, line=1, column=col, hint=hint)


def _listed(names: list[str], most: int = 10) -> str:
    """Names joined for a message; a header of thousands of columns must not flood it."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most:,} more" if len(names) > most else "")


@check("CS210", "header-duplicate", reads=OWN_ROWS)
def header_unique(pkg: Package) -> Iterator[Problem]:
    """No column name appears twice in the header."""
    for loaded in pkg.tables.values():
        csv = loaded.csv
        if csv is None or csv.header is None:
            continue
        seen: set[str] = set()
        for i, name in enumerate(csv.header):
            if name in seen:
                yield found(
                    f"column {name!r} appears twice in the header", path=loaded.rel, line=1, column=csv.cell_position(1, i)[1]
                )
            seen.add(name)


@check("CS211", "not-sorted", reads=OWN_ROWS)
def sorted_by_id(pkg: Package) -> Iterator[Problem]:
    """Rows are sorted by id (byte order), so that diffs stay small.

    Fails: ``ent-b`` on line 2 and ``ent-a`` on line 3.
    """
    for name in pkg.tables:
        if not pkg.usable(name):
            continue
        unsorted = pkg.id_order(name).first_unsorted
        if unsorted:
            line, rid, prev = unsorted
            yield at_cell(
                pkg,
                name,
                line,
                "id",
                f"rows are not sorted by id: {rid!r} comes after {prev!r}",
                record=rid,
                hint="run `tda fmt` to sort the rows",
            )


@check("CS212", "empty-file", reads=OWN_ROWS)
def not_empty(pkg: Package) -> Iterator[Problem]:
    """A CSV file has at least a header row."""
    yield from _from_findings(pkg, "empty", "the file is empty (no header row)", "start the file with the header row")


@check("CS213", "too-large", reads=OWN_ROWS)
def within_limits(pkg: Package) -> Iterator[Problem]:
    """Files and cells stay within the documented limits (docs/limits.md)."""
    yield from _from_findings(pkg, "too_large", "the file is too large", "docs/limits.md states the limits")
    yield from _from_findings(pkg, "too_many_rows", "the table has too many rows", "docs/limits.md states the limits")
    yield from _from_findings(
        pkg,
        "cell_too_long",
        "a cell is too long",
        f"cells hold at most {limits.MAX_CELL_CHARS:,} characters; a quote should be a sentence or two",
    )
